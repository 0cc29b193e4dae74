//! Regression tests for hostile input (issue 11), each built the way the defect was found:
//! the input is generated here, never checked in.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use cudoctor_probe::{Env, Root, Step, which};
use cudoctor_test::Fixture;

/// Swaps `a` and `b` (both inside `dir`) with `renameat2(RENAME_EXCHANGE)` until `stop`.
fn swapper(dir: &Path, stop: &AtomicBool, swaps: &AtomicU64) {
    let d = fs::File::open(dir).unwrap();
    while !stop.load(Ordering::Relaxed) {
        rustix::fs::renameat_with(&d, "etc", &d, "etcswap", rustix::fs::RenameFlags::EXCHANGE)
            .unwrap();
        swaps.fetch_add(1, Ordering::Relaxed);
    }
}

/// The check-then-open race: a root holding `etc/` and `etcswap -> /outside/etc` (an absolute
/// host path), swapped in a loop. 10,000 reads of `/etc/docker/daemon.json` through the root
/// must never return the outside file's bytes, with `openat2` and with the fallback walk.
#[test]
fn rename_exchange_race_never_reads_outside() {
    let t = tempfile::tempdir().unwrap();
    let outside = t.path().join("outside");
    fs::create_dir_all(outside.join("etc/docker")).unwrap();
    fs::write(outside.join("etc/docker/daemon.json"), "OUTSIDE-BYTES").unwrap();
    let root_dir = t.path().join("root");
    fs::create_dir_all(root_dir.join("etc/docker")).unwrap();
    fs::write(root_dir.join("etc/docker/daemon.json"), "inside").unwrap();
    std::os::unix::fs::symlink(outside.join("etc"), root_dir.join("etcswap")).unwrap();

    for (mode, root) in [
        ("openat2", Root::dir(&root_dir).unwrap()),
        ("walk", Root::dir_without_openat2(&root_dir).unwrap()),
    ] {
        let stop = Arc::new(AtomicBool::new(false));
        let swaps = Arc::new(AtomicU64::new(0));
        let th = {
            let (stop, swaps, dir) = (stop.clone(), swaps.clone(), root_dir.clone());
            std::thread::spawn(move || swapper(&dir, &stop, &swaps))
        };
        let (mut inside, mut failed) = (0u32, 0u32);
        for _ in 0..10_000 {
            match root.read_text(Path::new("/etc/docker/daemon.json"), 1024, "T") {
                Ok(text) => {
                    assert!(
                        !text.contains("OUTSIDE"),
                        "{mode}: read a byte from outside the root"
                    );
                    assert_eq!(text, "inside");
                    inside += 1;
                }
                Err(_) => failed += 1,
            }
            // The other reads a probe does go through the same resolution.
            if let Ok(list) = root.read_dir(Path::new("/etc/docker")) {
                assert!(list.iter().all(|e| e.name == "daemon.json"), "{mode}");
            }
        }
        stop.store(true, Ordering::Relaxed);
        th.join().unwrap();
        eprintln!(
            "{mode}: {inside} reads inside, {failed} not found while swapped, {} swaps",
            swaps.load(Ordering::Relaxed)
        );
        // The race really ran, and reads did succeed.
        assert!(swaps.load(Ordering::Relaxed) > 0, "{mode}");
        assert!(inside > 0, "{mode}");
    }
}

/// The host root keeps resolving through the kernel.
#[test]
fn host_root_still_reads() {
    let root = Root::host();
    let t = tempfile::tempdir().unwrap();
    fs::write(t.path().join("f"), "host").unwrap();
    assert_eq!(
        root.read_text(&t.path().join("f"), 10, "T").unwrap(),
        "host"
    );
    assert!(root.is_dir(Path::new("/")));
    assert!(!root.read_dir(t.path()).unwrap().is_empty());
}

/// glibc reads an empty `LD_LIBRARY_PATH` entry as the current directory: the emulation searches
/// it (for a directory root, `PWD` from `--env` names it) and says so.
#[test]
fn empty_ld_library_path_entry_is_the_current_directory() {
    let f = Fixture::new();
    f.lib("/work/libfoo.so.1", "libfoo.so.1");
    let root = Root::dir(f.path()).unwrap();
    for llp in [":/nonexistent", "/nonexistent:", "/nonexistent::/x"] {
        let env = Env::from_pairs([("LD_LIBRARY_PATH", llp), ("PWD", "/work")]);
        let r = which(&root, &env, "libfoo.so.1", None);
        let chosen = r.chosen.unwrap();
        assert_eq!(chosen.path, "/work/libfoo.so.1", "{llp}");
        assert_eq!(chosen.step, Step::LdLibraryPath, "{llp}");
        assert!(
            r.notes
                .iter()
                .any(|n| n.contains("empty entry (the current directory)")),
            "{llp}: {:?}",
            r.notes
        );
    }
    // Without `PWD` the directory is unknown: not searched, and the note says so.
    let env = Env::from_pairs([("LD_LIBRARY_PATH", ":/nonexistent")]);
    let r = which(&root, &env, "libfoo.so.1", None);
    assert!(r.chosen.is_none());
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("current directory is unknown"))
    );
    assert_eq!(
        cudoctor_probe::ldso::current_directory_entries("/a::lib:"),
        vec![
            "entry 2 is empty (the current directory)",
            "entry 3 `lib` is relative (to the current directory)",
            "entry 4 is empty (the current directory)",
        ]
    );
    assert!(cudoctor_probe::ldso::current_directory_entries("").is_empty());
}

/// A driver library in a world-writable directory (or itself world-writable) is not loaded.
#[test]
fn world_writable_directories_are_refused() {
    use std::os::unix::fs::PermissionsExt;
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("ww");
    fs::create_dir(&dir).unwrap();
    let lib = dir.join("libcuda.so.1");
    fs::write(&lib, "x").unwrap();
    let root = Root::host();
    assert_eq!(cudoctor_probe::live::safe_to_load(&root, &lib), Ok(()));
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).unwrap();
    let why = cudoctor_probe::live::safe_to_load(&root, &lib).unwrap_err();
    assert!(
        why.contains("directory") && why.contains("world-writable"),
        "{why}"
    );
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(&lib, fs::Permissions::from_mode(0o666)).unwrap();
    let why = cudoctor_probe::live::safe_to_load(&root, &lib).unwrap_err();
    assert!(
        why.contains("file") && why.contains("world-writable"),
        "{why}"
    );
    let why = cudoctor_probe::live::safe_to_load(&root, Path::new("lib/libcuda.so.1")).unwrap_err();
    assert!(why.contains("relative"), "{why}");
}

/// At most linear: 4x the input costs at most 5x the steps (the quadratic cases of issue 11
/// cost ~16x). Steps are `cudoctor_probe::work` counts, never a clock.
fn assert_linear(small: u64, big: u64, what: &str) {
    assert!(small > 0, "{what}: nothing counted");
    assert!(
        big <= small * 5,
        "{what}: {small} steps for n, {big} for 4n: not linear"
    );
}

fn probe_steps(f: &Fixture, env: Vec<(String, String)>) -> (u64, cudoctor_probe::Snapshot) {
    cudoctor_probe::work::take();
    let mut opts = cudoctor_probe::ProbeOptions::directory(f.path(), env);
    opts.collectors = cudoctor_probe::Collectors::files_only();
    let snap = cudoctor_probe::probe(&opts);
    (cudoctor_probe::work::take(), snap)
}

/// `n` files `libcudnn.so.8.N` in one directory (each a library of its own soname): the
/// directory was re-listed and re-stat'ed per library.
#[test]
fn many_cudnn_files_in_one_directory_is_linear() {
    let run = |n: usize| {
        let f = Fixture::new();
        for i in 0..n {
            let name = format!("libcudnn.so.8.{i}");
            f.lib(&format!("/usr/lib/x86_64-linux-gnu/{name}"), &name);
        }
        let (steps, snap) = probe_steps(&f, vec![]);
        assert_eq!(
            snap.libraries
                .iter()
                .filter(|l| l.family == "cudnn")
                .count(),
            n
        );
        steps
    };
    assert_linear(run(150), run(600), "libcudnn.so.8.N files");
}

/// A `/usr/bin` of many names reached through `$PATH` under several names (`/bin -> usr/bin`,
/// as on merged-/usr systems, and twice as itself): it is listed once, as with one entry.
#[test]
fn a_path_directory_under_several_names_is_listed_once() {
    let f = Fixture::new();
    f.file("/usr/bin/python3.11", "");
    f.dir("/usr/lib/python3/dist-packages");
    for i in 0..400 {
        f.file(&format!("/usr/bin/tool{i}"), "");
    }
    f.link("/bin", "usr/bin");
    let steps = |path: &str| {
        let (steps, snap) = probe_steps(&f, vec![("PATH".into(), path.into())]);
        assert!(
            snap.python_environments.iter().any(|e| e.path == "/usr"),
            "{path}: {:?}",
            snap.python_environments
        );
        steps
    };
    let once = steps("/usr/bin");
    let thrice = steps("/usr/bin:/bin:/usr/bin");
    // Each extra listing of /usr/bin would count its 401 entries.
    assert!(
        thrice < once + 401,
        "{once} steps with /usr/bin on $PATH, {thrice} with it three times"
    );
}

/// The Python environments are collected on a thread of their own; the steps counted there are
/// the probe's too: 400 more names in `dist-packages` count at least 400 more steps.
#[test]
fn steps_of_the_python_thread_are_counted() {
    let steps = |extra: usize| {
        let f = Fixture::new();
        f.file("/usr/bin/python3.11", "");
        f.dir("/usr/lib/python3/dist-packages");
        for i in 0..extra {
            f.file(&format!("/usr/lib/python3/dist-packages/m{i}.py"), "");
        }
        let (steps, snap) = probe_steps(&f, vec![("PATH".into(), "/usr/bin".into())]);
        assert!(
            snap.python_environments.iter().any(|e| e.path == "/usr"),
            "{:?}",
            snap.python_environments
        );
        steps
    };
    let (none, many) = (steps(0), steps(400));
    assert!(
        many >= none + 400,
        "{none} steps with an empty dist-packages, {many} with 400 names in it"
    );
}

/// `/lib -> usr/lib`, as on merged-/usr systems: the loader's default directories
/// `/lib/x86_64-linux-gnu` and `/usr/lib/x86_64-linux-gnu` are one directory, listed once
/// (while the Python environments are collected) and its libraries reported once.
#[test]
fn a_library_directory_under_two_names_is_listed_once() {
    let steps = |merged: bool| {
        let f = Fixture::new();
        f.lib(
            "/usr/lib/x86_64-linux-gnu/libcudart.so.12",
            "libcudart.so.12",
        );
        for i in 0..400 {
            f.file(&format!("/usr/lib/x86_64-linux-gnu/other{i}"), "");
        }
        if merged {
            f.link("/lib", "usr/lib");
        }
        let (steps, snap) = probe_steps(&f, vec![]);
        let cudart: Vec<&str> = snap
            .libraries
            .iter()
            .filter(|l| l.family == "cudart")
            .map(|l| l.path.as_str())
            .collect();
        assert_eq!(cudart.len(), 1, "merged {merged}: {cudart:?}");
        steps
    };
    let (plain, merged) = (steps(false), steps(true));
    // A second listing would count the directory's 401 entries again.
    assert!(
        merged < plain + 401,
        "{plain} steps without /lib -> usr/lib, {merged} with it"
    );
}

/// Ten `ld.so.conf.d` files, each including all ten and listing `n` directories: the includes
/// fanned out without end and the directory dedupe was a `Vec::contains`.
#[test]
fn ld_so_conf_fan_out_and_self_includes_are_linear() {
    let run = |n: usize| {
        let f = Fixture::new();
        f.file("/etc/ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n");
        for k in 0..10 {
            let mut text =
                String::from("include /etc/ld.so.conf.d/*.conf\ninclude /etc/ld.so.conf\n");
            for d in 0..n {
                writeln!(text, "/opt/d{k}/{d}").unwrap();
            }
            f.file(&format!("/etc/ld.so.conf.d/{k}.conf"), text);
        }
        let (steps, snap) = probe_steps(&f, vec![]);
        assert!(
            snap.probe_errors.iter().all(|e| !e.message.contains("cap")),
            "{:?}",
            snap.probe_errors
        );
        steps
    };
    assert_linear(run(500), run(2000), "ld.so.conf fan-out");
}

/// More `ld.so.conf` files than the cap: the walk stops with one probe error that names the
/// file, the cap and what was left unread, and keeps what it read: `ld.so.conf`'s own directory
/// and one per included file up to the cap (1,024 files with `ld.so.conf` itself), in order.
#[test]
fn ld_so_conf_file_cap_stops_the_walk_by_name() {
    let f = Fixture::new();
    f.file(
        "/etc/ld.so.conf",
        "/opt/first/lib\ninclude /etc/ld.so.conf.d/*.conf\n",
    );
    for k in 0..1030 {
        f.file(
            &format!("/etc/ld.so.conf.d/{k:04}.conf"),
            format!("/opt/c{k}\n"),
        );
    }
    let got = cudoctor_probe::loader::conf::ld_so_conf_dirs(&Root::dir(f.path()).unwrap());
    assert_eq!(got.dirs.len(), 1024);
    assert_eq!(got.dirs[0], "/opt/first/lib");
    assert_eq!(got.dirs[1], "/opt/c0");
    assert_eq!(got.dirs[1023], "/opt/c1022");
    assert_eq!(got.errors.len(), 1, "{:?}", got.errors);
    assert_eq!(got.errors[0].0, Path::new("/etc/ld.so.conf.d/1023.conf"));
    let (_, snap) = probe_steps(&f, vec![]);
    let capped: Vec<_> = snap
        .probe_errors
        .iter()
        .filter(|e| e.message.contains("LD_SO_CONF_FILES"))
        .collect();
    assert_eq!(capped.len(), 1, "{:?}", snap.probe_errors);
    assert!(
        capped[0].message.contains(
            "more than the LD_SO_CONF_FILES cap of 1024 ld.so.conf files; the rest are not read"
        ),
        "{}",
        capped[0].message
    );
    assert!(
        capped[0]
            .path
            .as_deref()
            .is_some_and(|p| p.starts_with("/etc/ld.so.conf.d/")),
        "{:?}",
        capped[0].path
    );
}

/// More directories than the cap across two files: the walk stops in the second with one error
/// naming it and the cap, and keeps the first 100,000 directories.
#[test]
fn ld_so_conf_directory_cap_stops_the_walk_by_name() {
    use cudoctor_probe::loader::conf::ld_so_conf_dirs;
    let f = Fixture::new();
    f.file("/etc/ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n");
    for (name, range) in [("a.conf", 0..60_000), ("b.conf", 60_000..120_000)] {
        let mut text = String::new();
        for d in range {
            writeln!(text, "/d/{d}").unwrap();
        }
        f.file(&format!("/etc/ld.so.conf.d/{name}"), text);
    }
    let got = ld_so_conf_dirs(&Root::dir(f.path()).unwrap());
    assert_eq!(got.dirs.len(), 100_000);
    assert_eq!(got.dirs.last().map(String::as_str), Some("/d/99999"));
    assert_eq!(
        got.errors,
        [(
            Path::new("/etc/ld.so.conf.d/b.conf").to_path_buf(),
            "more than the LD_SO_CONF_DIRS cap of 100000 directories in ld.so.conf; the rest are not read"
                .to_owned()
        )]
    );
}

/// A new-format `ld.so.cache` with `entries` given as (key, value) string offsets.
fn ld_cache(strings: &[u8], entries: &[(u32, u32)]) -> Vec<u8> {
    let mut b = b"glibc-ld.so.cache1.1".to_vec();
    b.extend((entries.len() as u32).to_le_bytes());
    b.extend((strings.len() as u32).to_le_bytes());
    b.extend([2u8, 0, 0, 0]);
    b.extend([0u8; 16]);
    let base = (48 + entries.len() * 24) as u32;
    for (k, v) in entries {
        b.extend(0x0303i32.to_le_bytes());
        b.extend((base + k).to_le_bytes());
        b.extend((base + v).to_le_bytes());
        b.extend(0u32.to_le_bytes());
        b.extend(0u64.to_le_bytes());
    }
    b.extend(strings);
    b
}

/// `n` copies of one `ld.so.cache` entry: parsed and looked up in linear work, kept once.
#[test]
fn duplicate_cache_entries_are_linear_and_kept_once() {
    let strings = b"libcudart.so.12\0/usr/lib/x86_64-linux-gnu/libcudart.so.12\0";
    let run = |n: usize| {
        let bytes = ld_cache(strings, &vec![(0, 16); n]);
        cudoctor_probe::work::take();
        let cache = cudoctor_probe::ldcache::parse_ld_so_cache(&bytes).unwrap();
        for _ in 0..n / 100 {
            assert_eq!(cache.lookup("libcudart.so.12").count(), 1);
        }
        assert_eq!(cache.entries.len(), 1);
        cudoctor_probe::work::take()
    };
    assert_linear(run(50_000), run(200_000), "duplicate cache entries");
}

/// A cache whose entries point into a string table with no NUL: an error naming the cap, with
/// bounded work per entry, instead of gigabytes of copies.
#[test]
fn cache_string_bomb_is_refused() {
    let strings = vec![b'x'; 1 << 20];
    let entries: Vec<(u32, u32)> = (0..1000).map(|i| (i, i + 1)).collect();
    let err = cudoctor_probe::ldcache::parse_ld_so_cache(&ld_cache(&strings, &entries))
        .unwrap_err()
        .to_string();
    assert!(err.contains("out of range"), "{err}");
}

/// An ELF with more `DT_NEEDED` entries than the cap is malformed (named), not an allocation
/// failure.
#[test]
fn too_many_dt_needed_is_an_error_naming_the_cap() {
    let names: Vec<String> = (0..=cudoctor_probe::limits::ELF_DT_ENTRIES)
        .map(|i| format!("libx{i}.so"))
        .collect();
    let spec = cudoctor_test::ElfSpec {
        needed: names.iter().map(String::as_str).collect(),
        ..cudoctor_test::ElfSpec::lib64("libmany.so.1")
    };
    let f = Fixture::new();
    f.file("/opt/libmany.so.1", cudoctor_test::make_elf(&spec));
    let root = Root::dir(f.path()).unwrap();
    let err = cudoctor_probe::elf::read_elf(&root, Path::new("/opt/libmany.so.1"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("ELF_DT_ENTRIES"), "{err}");
}

/// A 300-character `Model:` line is not a GPU name: unknown, with a probe error naming the cap.
#[test]
fn overlong_gpu_model_line_is_unknown_not_cut() {
    let f = Fixture::new();
    let long = "X".repeat(cudoctor_probe::limits::NAME_CHARS + 1);
    f.file(
        "/proc/driver/nvidia/gpus/0000:01:00.0/information",
        format!("Model: \t\t {long}\nBus Location: \t 0000:01:00.0\n"),
    );
    let (_, snap) = probe_steps(&f, vec![]);
    assert_eq!(snap.gpus.len(), 1);
    assert!(snap.gpus[0].name.is_none());
    assert!(
        snap.probe_errors
            .iter()
            .any(|e| e.message.contains("NAME_CHARS")
                && e.path
                    .as_deref()
                    .is_some_and(|p| p.ends_with("information"))),
        "{:?}",
        snap.probe_errors
    );
}

/// Snapshot errors say what is wrong: the field, the version found, the cap.
#[test]
fn snapshot_errors_name_the_field_the_version_and_the_cap() {
    use cudoctor_probe::{Snapshot, SnapshotError};
    let good = Snapshot::empty(cudoctor_probe::snapshot::RootInfo {
        kind: cudoctor_probe::snapshot::RootKind::Host,
        path: "/".into(),
    })
    .to_json()
    .unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&good).unwrap();
    v["gpus"] = "notalist".into();
    let err = Snapshot::from_json(&v.to_string()).unwrap_err();
    assert!(
        matches!(&err, SnapshotError::Field { field, .. } if field == "gpus"),
        "{err}"
    );
    assert!(err.to_string().contains("expected a sequence"), "{err}");

    let mut v: serde_json::Value = serde_json::from_str(&good).unwrap();
    v.as_object_mut().unwrap().remove("driver");
    let err = Snapshot::from_json(&v.to_string()).unwrap_err().to_string();
    assert!(err.contains("driver"), "{err}");

    for (raw, shown) in [("\"1\"", "\"1\""), ("-1", "-1"), ("1e300", "1e+300")] {
        let text = good.replacen(
            "\"schema_version\": 1",
            &format!("\"schema_version\": {raw}"),
            1,
        );
        let err = Snapshot::from_json(&text).unwrap_err().to_string();
        assert!(
            err.contains(&format!("schema_version {shown}")),
            "{raw}: {err}"
        );
    }

    // A UTF-8 BOM is accepted; `/dev/zero` is refused at the cap, not read until OOM.
    assert!(Snapshot::from_json(&format!("\u{feff}{good}")).is_ok());
    let err = Snapshot::from_reader(std::io::repeat(0))
        .unwrap_err()
        .to_string();
    assert!(err.contains("SNAPSHOT_BYTES"), "{err}");
    // The reader entry point reads what `-` (standard input) would give.
    assert!(Snapshot::from_reader(good.as_bytes()).is_ok());

    let mut v: serde_json::Value = serde_json::from_str(&good).unwrap();
    v["gpus"] = serde_json::json!([{ "name": "G".repeat(1 << 20) }]);
    let err = Snapshot::from_json(&v.to_string()).unwrap_err().to_string();
    assert!(
        err.contains("gpus[0].name") && err.contains("NAME_CHARS"),
        "{err}"
    );
}

/// `daemon.json` is read whole up to its cap (a valid 1 MB file was cut at 256 KiB and called
/// invalid), a BOM is accepted, and a file over the cap is unknown with the cap named.
#[test]
fn daemon_json_is_read_whole_with_a_bom_and_a_cap() {
    let padding = " ".repeat(1 << 20);
    let cases = [
        (
            format!(
                "{{{padding}\"default-runtime\": \"nvidia\", \"runtimes\": {{\"nvidia\": {{}}}}}}"
            ),
            Some("nvidia"),
        ),
        (
            "\u{feff}{\"default-runtime\": \"nvidia\"}".to_owned(),
            Some("nvidia"),
        ),
        (
            format!(
                "{{{}\"default-runtime\": \"nvidia\"}}",
                " ".repeat(cudoctor_probe::limits::DAEMON_JSON_BYTES)
            ),
            None,
        ),
    ];
    for (text, want) in cases {
        let f = Fixture::new();
        f.file("/etc/docker/daemon.json", &text);
        let (_, snap) = probe_steps(&f, vec![]);
        let d = snap.container.docker_daemon.unwrap();
        assert_eq!(d.default_runtime.as_deref(), want, "{:?}", d.unknown);
        if want.is_none() {
            assert!(d.unknown.unwrap().contains("DAEMON_JSON_BYTES"));
        }
    }
}

/// "no `cuda` in torch/version.py" only when there is no such line; a line that does not parse
/// says so (and is not taken for a CPU build).
#[test]
fn torch_version_py_cuda_line_that_does_not_parse() {
    use cudoctor_probe::collect::frameworks::parse_torch_version_py;
    let v = parse_torch_version_py("__version__ = '2.1.0'\ncuda: Optional[str] = 12.1\n");
    assert!(v.has_cuda_line);
    assert_eq!(v.cuda, None);
    assert_eq!(
        v.cuda_line_unparsed.as_deref(),
        Some("cuda: Optional[str] = 12.1")
    );
    let v = parse_torch_version_py("__version__ = '2.1.0'\ncuda: Optional[str] = None\n");
    assert!(v.has_cuda_line && v.cuda_line_unparsed.is_none());
    let v = parse_torch_version_py("__version__ = '2.1.0'\n");
    assert!(!v.has_cuda_line);
}

/// A permission error keeps its reason (and which errno).
#[test]
fn permission_denied_keeps_its_reason() {
    let e = cudoctor_probe::RootError::Io {
        op: "read",
        path: "/etc/x".into(),
        source: std::io::Error::from_raw_os_error(13),
    };
    assert_eq!(
        e.reason(),
        "cannot read `/etc/x`: permission denied (EACCES)"
    );
}

/// A text file over its cap is an error naming the file and the cap, and the fact it held is
/// unknown: a valid `build_info.py` padded past `TEXT_FILE_BYTES` was read as its first 256 KiB
/// (here the padding comes first, so the prefix had no versions and looked like a CPU build).
#[test]
fn oversized_text_file_is_unknown_not_cut() {
    let sp = "/opt/v/lib/python3.12/site-packages";
    let build_info = |pad: usize| {
        format!(
            "# {}\nbuild_info = {{'cuda_version': '11.2', 'cudnn_version': '8', 'is_cuda_build': True}}\n",
            "x".repeat(pad)
        )
    };
    for (pad, cut) in [
        (100, false),
        (cudoctor_probe::limits::TEXT_FILE_BYTES, true),
    ] {
        let f = Fixture::new();
        f.file("/opt/v/pyvenv.cfg", "version = 3.12.1\n");
        f.file(
            &format!("{sp}/tensorflow-2.9.0.dist-info/METADATA"),
            "Name: tensorflow\nVersion: 2.9.0\n",
        );
        f.file(
            &format!("{sp}/tensorflow/python/platform/build_info.py"),
            build_info(pad),
        );
        let (_, snap) = probe_steps(&f, vec![]);
        let tf = snap
            .frameworks
            .iter()
            .find(|fw| fw.name == "tensorflow")
            .unwrap();
        if cut {
            assert!(tf.cuda_version.is_none());
            assert!(
                snap.probe_errors
                    .iter()
                    .any(|e| e.message.contains("TEXT_FILE_BYTES")
                        && e.path
                            .as_deref()
                            .is_some_and(|p| p.ends_with("build_info.py"))),
                "{:?}",
                snap.probe_errors
            );
            assert_ne!(
                tf.is_cuda_build,
                Some(false),
                "a cut file is not a CPU build"
            );
        } else {
            assert_eq!(tf.cuda_version.as_ref().unwrap().to_string(), "11.2");
        }
    }
}

/// A wheel's METADATA is read to the end of its header block, whatever the length of the long
/// description after it; a header block that does not end within `METADATA_BYTES` is an error
/// naming the cap (its version falls back to the folder name, which says so).
#[test]
fn metadata_headers_are_read_whole_and_capped() {
    let sp = "/opt/v/lib/python3.12/site-packages";
    let long_body = format!(
        "Name: torch\nVersion: 2.5.1\nRequires-Dist: nvidia-cudnn-cu12==9.1.0.70\n\n{}",
        "description\n".repeat(100_000)
    );
    let long_headers = format!(
        "Name: torch\nVersion: 2.5.1\n{}Requires-Dist: nvidia-cudnn-cu12==9.1.0.70\n\nbody",
        "Classifier: x\n".repeat(cudoctor_probe::limits::METADATA_BYTES / 14 + 1)
    );
    for (text, whole) in [(long_body, true), (long_headers, false)] {
        let f = Fixture::new();
        f.file("/opt/v/pyvenv.cfg", "version = 3.12.1\n");
        f.file(&format!("{sp}/torch-2.5.1.dist-info/METADATA"), &text);
        let (_, snap) = probe_steps(&f, vec![]);
        let env = &snap.python_environments[0];
        let torch = env.packages.iter().find(|p| p.name == "torch").unwrap();
        assert_eq!(torch.version.as_deref(), Some("2.5.1"));
        if whole {
            assert_eq!(torch.requires_nvidia, ["nvidia-cudnn-cu12==9.1.0.70"]);
        } else {
            assert!(torch.requires_nvidia.is_empty());
            assert!(
                snap.probe_errors
                    .iter()
                    .any(|e| e.message.contains("METADATA_BYTES")),
                "{:?}",
                snap.probe_errors
            );
        }
    }
}
