//! Hostile trees: garbage where text or ELF belongs, truncated files, loops, a huge sparse file
//! named like a library. The probe must finish, never panic, and say what it could not read.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use cudoctor_probe::{Env, ProbeOptions, Root, probe, which};
use cudoctor_test::{ElfSpec, Fixture, at, make_elf};

fn garbage(n: usize) -> Vec<u8> {
    // Deterministic bytes including NULs, high bytes and newlines.
    (0..n).map(|i| ((i * 7919 + 13) % 256) as u8).collect()
}

#[test]
fn garbage_everywhere() {
    let f = Fixture::new();
    let g = garbage(8192);
    for p in [
        "/proc/driver/nvidia/version",
        "/sys/module/nvidia/version",
        "/proc/driver/nvidia/gpus/0000:01:00.0/information",
        "/usr/local/cuda-12.4/version.json",
        "/usr/local/cuda-12.4/bin/nvcc",
        "/usr/include/cudnn_version.h",
        "/etc/ld.so.cache",
        "/etc/ld.so.conf",
        "/etc/docker/daemon.json",
        "/opt/v/pyvenv.cfg",
        "/opt/v/lib/python3.12/site-packages/torch-2.3.0.dist-info/METADATA",
        "/opt/v/lib/python3.12/site-packages/torch/version.py",
        "/opt/v/lib/python3.12/site-packages/tensorflow/python/platform/build_info.py",
        "/usr/lib/x86_64-linux-gnu/libcudart.so.12.4.127",
    ] {
        f.file(p, &g);
    }
    f.link(
        "/usr/lib/x86_64-linux-gnu/libcudart.so.12",
        "libcudart.so.12.4.127",
    );
    let snap = probe(&ProbeOptions::directory(f.path(), vec![]));
    let v: serde_json::Value = serde_json::from_str(&snap.to_json().unwrap()).unwrap();
    assert!(at(&v, "/driver/kernel_module_version").is_null());
    assert!(
        at(&v, "/driver/kernel_module_version_unknown")
            .as_str()
            .unwrap()
            .contains("NVRM")
    );
    let tk = at(&v, "/cuda_toolkits/0");
    assert!(tk["version"].is_null());
    assert!(
        tk["version_unknown"]
            .as_str()
            .unwrap()
            .contains("invalid JSON"),
        "{tk}"
    );
    let lib = at(&v, "/libraries")
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["path"] == "/usr/lib/x86_64-linux-gnu/libcudart.so.12")
        .unwrap();
    assert_eq!(lib["version"], "12.4.127", "the name still says it");
    assert!(lib.get("elf").is_none(), "garbage is not ELF");
    let errors: Vec<String> = snap
        .probe_errors
        .iter()
        .map(|e| e.message.clone())
        .collect();
    assert!(
        errors.iter().any(|m| m.contains("ld.so.cache")),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|m| m.contains("not an ELF file")),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|m| m.contains("daemon.json")),
        "{errors:?}"
    );
    for e in &snap.probe_errors {
        eprintln!("{}: {:?}: {}", e.collector, e.path, e.message);
        assert!(
            e.message.len() < 400,
            "messages quote short excerpts: {}",
            e.message
        );
    }
    let torch = at(&v, "/frameworks")
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "torch")
        .unwrap();
    assert!(torch["cuda_version"].is_null());
}

#[test]
fn truncated_elf_and_cache() {
    let f = Fixture::new();
    let elf = make_elf(&ElfSpec::lib64("libcublas.so.12"));
    for (i, cut) in [5usize, 20, 63, 64, 100, 150, 200, elf.len() - 3]
        .into_iter()
        .enumerate()
    {
        f.file(
            &format!("/opt/t{i}/libcublas.so.12"),
            &elf[..cut.min(elf.len())],
        );
    }
    let env = Env::from_pairs([(
        "LD_LIBRARY_PATH",
        (0..8)
            .map(|i| format!("/opt/t{i}"))
            .collect::<Vec<_>>()
            .join(":"),
    )]);
    // A real cache cut short.
    if let Ok(bytes) = std::fs::read("/etc/ld.so.cache") {
        f.file("/etc/ld.so.cache", &bytes[..bytes.len().min(100)]);
    }
    let root = Root::dir(f.path()).unwrap();
    let res = which(&root, &env, "libcublas.so.12", None);
    // The reader refuses every cut, even the last (3 bytes short of the string table).
    assert!(res.chosen.is_none(), "{res:#?}");
    assert_eq!(res.candidates.len(), 8, "{res:#?}");
    assert!(
        res.candidates
            .iter()
            .all(|c| c.outcome == cudoctor_probe::Outcome::NotElf),
        "{res:#?}"
    );
    let snap = probe(&ProbeOptions::directory(
        f.path(),
        vec![("LD_LIBRARY_PATH".into(), "/opt/t0:/opt/t3".into())],
    ));
    assert!(snap.to_json().is_ok());
}

#[test]
fn symlink_loops_everywhere() {
    let f = Fixture::new();
    f.link("/usr/local/cuda", "/usr/local/cuda")
        .link("/opt/conda", "/opt/conda/envs")
        .link("/etc/ld.so.conf", "/etc/ld.so.conf")
        .link("/etc/ld.so.cache", "/etc/ld.so.cache")
        .link("/proc/driver/nvidia/version", "version")
        .link(
            "/usr/lib/x86_64-linux-gnu/libcuda.so.1",
            "/usr/lib/x86_64-linux-gnu/libcuda.so.1",
        )
        .link("/home/u/venv", "/home/u")
        .link("/usr/lib/python3/dist-packages", "/usr/lib/python3");
    let snap = probe(&ProbeOptions::directory(
        f.path(),
        vec![
            ("HOME".into(), "/home/u".into()),
            ("PATH".into(), "/usr/local/cuda/bin".into()),
        ],
    ));
    let v: serde_json::Value = serde_json::from_str(&snap.to_json().unwrap()).unwrap();
    // The reason names the path that loops.
    assert_eq!(
        at(&v, "/driver/kernel_module_version_unknown"),
        "symlink loop at `/proc/driver/nvidia/version`"
    );
    let lib = at(&v, "/libraries/0");
    assert_eq!(
        lib["real_path_unknown"],
        "symlink loop at `/usr/lib/x86_64-linux-gnu/libcuda.so.1`"
    );
}

#[test]
fn huge_sparse_file_named_like_a_library() {
    let f = Fixture::new();
    f.dir("/usr/lib/x86_64-linux-gnu");
    let p = f.host_path("/usr/lib/x86_64-linux-gnu/libcudnn.so.9.1.0");
    let file = std::fs::File::create(&p).unwrap();
    // 64 GiB of holes: reading it whole would take minutes and all memory.
    if file.set_len(64 << 30).is_err() {
        eprintln!("skipped: filesystem refuses a 64 GiB sparse file");
        return;
    }
    f.link(
        "/usr/lib/x86_64-linux-gnu/libcudnn.so.9",
        "libcudnn.so.9.1.0",
    );
    // Also as nvcc and as version.json.
    let tk = f.host_path("/usr/local/cuda-12.4/bin");
    std::fs::create_dir_all(&tk).unwrap();
    std::fs::File::create(tk.join("nvcc"))
        .unwrap()
        .set_len(16 << 30)
        .unwrap();
    std::fs::File::create(f.host_path("/usr/local/cuda-12.4/version.json"))
        .unwrap()
        .set_len(8 << 30)
        .unwrap();
    let snap = probe(&ProbeOptions::directory(f.path(), vec![]));
    let v: serde_json::Value = serde_json::from_str(&snap.to_json().unwrap()).unwrap();
    let lib = at(&v, "/libraries")
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["family"] == "cudnn")
        .unwrap();
    assert_eq!(lib["version"], "9.1.0");
    assert!(lib.get("elf").is_none());
    assert!(at(&v, "/cuda_toolkits/0/version").is_null());
}

/// A real-format fixture (CUDA 11.8 cuSPARSE, carved) from the fatbinary crate.
fn fatbin_fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        cudoctor_test::repo_root()
            .join("crates/cudoctor-fatbin/tests/fixtures")
            .join(name),
    )
    .unwrap()
}

fn probe_json(f: &Fixture, env: Vec<(String, String)>) -> serde_json::Value {
    let snap = probe(&ProbeOptions::directory(f.path(), env));
    serde_json::from_str(&snap.to_json().unwrap()).unwrap()
}

/// The string at `key` of the element of `list` whose `match_key` is `val`.
fn field<'a>(
    v: &'a serde_json::Value,
    list: &str,
    match_key: &str,
    val: &str,
    key: &str,
) -> &'a str {
    let item = at(v, list)
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x[match_key] == val)
        .unwrap_or_else(|| panic!("no {match_key} = {val} in {v:#}"));
    item[key]
        .as_str()
        .unwrap_or_else(|| panic!("no string `{key}` in {item:#}"))
}

/// A cuBLAS whose fatbinary section is cut short, and a cuDNN with one good and one truncated
/// sub-library: the code becomes unknown (or partial, naming what was not read), with the
/// reason naming the file inside the root, not on the host.
#[test]
fn truncated_library_fatbinary_is_unknown_gpu_code() {
    let full = fatbin_fixture("cusparse11-full.elf64");
    let good = fatbin_fixture("archs13-plain.elf64");
    let cut = &full[..full.len() / 2];
    // The cut really is a reader error, or this test would prove nothing.
    assert!(cudoctor_fatbin::read_bytes(cut).is_err());
    let d = "/usr/lib/x86_64-linux-gnu";
    let f = Fixture::new();
    f.file(&format!("{d}/libcublasLt.so.11.11.3.6"), cut)
        .link(
            &format!("{d}/libcublasLt.so.11"),
            "libcublasLt.so.11.11.3.6",
        )
        .lib(&format!("{d}/libcudnn.so.8.9.7"), "libcudnn.so.8")
        .link(&format!("{d}/libcudnn.so.8"), "libcudnn.so.8.9.7")
        .file(&format!("{d}/libcudnn_cnn_infer.so.8.9.7"), &good)
        .file(&format!("{d}/libcudnn_ops_infer.so.8.9.7"), cut);
    let v = probe_json(&f, vec![]);
    let host = f.path().display().to_string();
    let lt = format!("{d}/libcublasLt.so.11");
    let why = field(&v, "/libraries", "path", &lt, "gpu_code_unknown");
    assert!(
        why.contains(&format!("`{d}/libcublasLt.so.11.11.3.6`")),
        "{why}"
    );
    assert!(
        why.contains("truncated") || why.contains("past the end"),
        "{why}"
    );
    assert!(!why.contains(&host), "the host path leaks: {why}");
    let cudnn = format!("{d}/libcudnn.so.8");
    let source = field(&v, "/libraries", "path", &cudnn, "gpu_code_source");
    assert!(source.contains("libcudnn_cnn_infer.so.8.9.7"), "{source}");
    assert!(
        source.contains("not read: cannot read the")
            && source.contains("libcudnn_ops_infer.so.8.9.7"),
        "{source}"
    );
    assert!(!source.contains(&host), "the host path leaks: {source}");
}

/// `torch/lib/libtorch_cuda.so` missing, a directory, truncated, or unreadable: the framework's
/// compute capabilities are unknown with a reason naming the file, never a panic.
#[test]
fn framework_binary_missing_directory_truncated_or_unreadable() {
    use std::os::unix::fs::PermissionsExt as _;
    let sp = "/opt/v/lib/python3.12/site-packages";
    let lib = format!("{sp}/torch/lib/libtorch_cuda.so");
    let torch = |make: &dyn Fn(&Fixture)| {
        let f = Fixture::new();
        f.file("/opt/v/pyvenv.cfg", "home = /usr/bin\nversion = 3.12.3\n")
            .file(
                &format!("{sp}/torch-2.4.0.dist-info/METADATA"),
                "Metadata-Version: 2.1\nName: torch\nVersion: 2.4.0\n",
            )
            .file(
                &format!("{sp}/torch/version.py"),
                "__version__ = '2.4.0+cu121'\ncuda = '12.1'\n",
            );
        make(&f);
        let v = probe_json(&f, vec![("VIRTUAL_ENV".into(), "/opt/v".into())]);
        let host = f.path().display().to_string();
        let why = field(
            &v,
            "/frameworks",
            "name",
            "torch",
            "compute_capabilities_unknown",
        )
        .to_owned();
        assert!(why.contains(&format!("`{lib}`")), "{why}");
        assert!(!why.contains(&host), "the host path leaks: {why}");
        (f, why)
    };
    let (_, why) = torch(&|_| {});
    assert!(
        why.starts_with("none of ") && why.ends_with(" is present"),
        "{why}"
    );
    let (_, why) = torch(&|f| {
        f.dir(&lib);
    });
    assert!(why.contains("not a regular file"), "{why}");
    let full = fatbin_fixture("cusparse11-full.elf64");
    let (_, why) = torch(&|f| {
        f.file(&lib, &full[..full.len() / 2]);
    });
    assert!(
        why.contains("truncated") || why.contains("past the end"),
        "{why}"
    );
    // Unreadable: only where permissions bind this user (not root).
    let probe_file = Fixture::new();
    probe_file.file("/x", "x");
    let x = probe_file.host_path("/x");
    std::fs::set_permissions(&x, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&x).is_ok() {
        eprintln!("skipped the unreadable case: this user reads files without permission");
        return;
    }
    let (_, why) = torch(&|f| {
        f.file(&lib, &full);
        let host = f.host_path(&lib);
        std::fs::set_permissions(&host, std::fs::Permissions::from_mode(0o000)).unwrap();
    });
    assert!(why.contains("Permission denied"), "{why}");
}

/// Directories where libraries are expected (`libcuda.so.1/`, `libcublasLt.so.12/`) and a
/// `libcuda.so.1` whose name carries no driver version: the directories are not recorded as
/// libraries, and the driver's user-space version is unknown with the reason.
#[test]
fn directories_named_like_libraries() {
    let d = "/usr/lib/x86_64-linux-gnu";
    let f = Fixture::new();
    f.dir(&format!("{d}/libcublasLt.so.12"))
        .dir(&format!("{d}/libcudnn.so.9"))
        .dir("/usr/lib/libcuda.so.1")
        .lib(&format!("{d}/libcuda.so.1"), "libcuda.so.1");
    let v = probe_json(&f, vec![]);
    let paths: Vec<&str> = at(&v, "/libraries")
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [format!("{d}/libcuda.so.1")],
        "directories are no libraries"
    );
    assert!(at(&v, "/driver/userspace_version").is_null());
    let why = at(&v, "/driver/userspace_version_unknown")
        .as_str()
        .unwrap();
    assert!(why.contains("carries no version"), "{why}");
}

/// FIFOs where `libtorch_cuda.so` and a cuBLAS are expected: the probe neither blocks on them
/// nor records GPU code, and says why.
#[test]
fn fifos_named_like_gpu_code_libraries() {
    let sp = "/opt/v/lib/python3.12/site-packages";
    let d = "/usr/lib/x86_64-linux-gnu";
    let f = Fixture::new();
    f.file("/opt/v/pyvenv.cfg", "home = /usr/bin\nversion = 3.12.3\n")
        .file(
            &format!("{sp}/torch-2.4.0.dist-info/METADATA"),
            "Metadata-Version: 2.1\nName: torch\nVersion: 2.4.0\n",
        )
        .file(&format!("{sp}/torch/version.py"), "cuda = '12.1'\n")
        .dir(&format!("{sp}/torch/lib"))
        .dir(d);
    for p in [
        format!("{sp}/torch/lib/libtorch_cuda.so"),
        format!("{d}/libcublasLt.so.12"),
    ] {
        match std::process::Command::new("mkfifo")
            .arg(f.host_path(&p))
            .status()
        {
            Ok(s) if s.success() => {}
            other => {
                eprintln!("skipped: `mkfifo` unavailable ({other:?})");
                return;
            }
        }
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let root = f.path().to_path_buf();
    std::thread::spawn(move || {
        let snap = probe(&ProbeOptions::directory(
            &root,
            vec![("VIRTUAL_ENV".into(), "/opt/v".into())],
        ));
        tx.send(snap.to_json().unwrap()).unwrap();
    });
    let json = rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the probe blocked on a FIFO");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let why = field(
        &v,
        "/frameworks",
        "name",
        "torch",
        "compute_capabilities_unknown",
    );
    assert!(why.contains("not a regular file"), "{why}");
    let lt = format!("{d}/libcublasLt.so.12");
    let why = field(&v, "/libraries", "path", &lt, "gpu_code_unknown");
    assert!(why.contains("not a regular file"), "{why}");
}

/// `/proc/driver/nvidia/version` unparsable, `/sys/module/nvidia/version` good: the version
/// comes from `/sys`, and the `/proc` file is named in a probe error, not dropped silently.
#[test]
fn kernel_module_version_falls_back_to_sys_when_proc_is_garbage() {
    let f = Fixture::new();
    f.file("/proc/driver/nvidia/version", garbage(512));
    f.file("/sys/module/nvidia/version", "535.104.05\n");
    let snap = probe(&ProbeOptions::directory(f.path(), vec![]));
    let v: serde_json::Value = serde_json::from_str(&snap.to_json().unwrap()).unwrap();
    assert_eq!(at(&v, "/driver/kernel_module_version"), "535.104.05");
    assert_eq!(
        at(&v, "/driver/kernel_module_version_source"),
        "/sys/module/nvidia/version"
    );
    let proc_errors: Vec<_> = snap
        .probe_errors
        .iter()
        .filter(|e| e.path.as_deref() == Some("/proc/driver/nvidia/version"))
        .collect();
    assert_eq!(proc_errors.len(), 1, "{:?}", snap.probe_errors);
    assert_eq!(proc_errors[0].collector, "driver");
    assert!(
        proc_errors[0]
            .message
            .starts_with("`/proc/driver/nvidia/version`: "),
        "{}",
        proc_errors[0].message
    );
}
