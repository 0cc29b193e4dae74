//! The emulated loader against the real `ldconfig` (which writes real caches for a fixture root,
//! in all three layouts) and against glibc's search order.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::Command;

use cudoctor_probe::ldcache::{CacheFormat, parse_ld_so_cache};
use cudoctor_probe::{Env, Outcome, Root, Step, which, which_for_framework};
use cudoctor_test::{ElfSpec, Fixture, make_elf};

fn ldconfig_available() -> bool {
    Command::new("ldconfig").arg("--version").output().is_ok()
}

/// A root with libraries in two configured directories.
fn cuda_root() -> Fixture {
    let f = Fixture::new();
    f.file("/etc/ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n")
        .file(
            "/etc/ld.so.conf.d/cuda.conf",
            "/usr/local/cuda-11.8/lib64\n",
        )
        .file(
            "/etc/ld.so.conf.d/other.conf",
            "# nothing\n/opt/other/lib\n",
        )
        .lib(
            "/usr/local/cuda-11.8/lib64/libcudart.so.11.8.89",
            "libcudart.so.11.0",
        )
        .lib("/opt/other/lib/libcudart.so.11.2.152", "libcudart.so.11.0")
        .lib(
            "/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.535.104.05",
            "libnvidia-ml.so.1",
        )
        .dir("/var/cache/ldconfig");
    f
}

fn run_ldconfig(root: &Path, format: &str) -> bool {
    let st = Command::new("ldconfig")
        .args(["-r", root.to_str().unwrap(), "-c", format])
        .status()
        .unwrap();
    st.success()
}

fn ldconfig_p(root: &Path) -> String {
    let out = Command::new("ldconfig")
        .args(["-r", root.to_str().unwrap(), "-p"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn cache_formats_match_real_ldconfig() {
    if !ldconfig_available() {
        eprintln!("skipped: ldconfig not available");
        return;
    }
    for (fmt, expect) in [
        ("new", CacheFormat::New),
        ("old", CacheFormat::Old),
        ("compat", CacheFormat::Compat),
    ] {
        let f = cuda_root();
        assert!(run_ldconfig(f.path(), fmt), "ldconfig -c {fmt} failed");
        let bytes = std::fs::read(f.host_path("/etc/ld.so.cache")).unwrap();
        let cache = parse_ld_so_cache(&bytes).unwrap();
        assert_eq!(cache.format, expect, "format {fmt}");
        let listing = ldconfig_p(f.path());
        let lines: Vec<&str> = listing.lines().filter(|l| l.starts_with('\t')).collect();
        assert_eq!(lines.len(), cache.entries.len(), "{fmt}: {listing}");
        for (line, e) in lines.iter().zip(&cache.entries) {
            assert!(line.contains(&format!("{} (", e.soname)), "{fmt}: {line}");
            assert!(line.ends_with(&format!("=> {}", e.path)), "{fmt}: {line}");
        }
        // ldconfig orders by directory of ld.so.conf: the toolkit's libcudart wins.
        let root = Root::dir(f.path()).unwrap();
        let res = which(&root, &Env::default(), "libcudart.so.11.0", None);
        let chosen = res.chosen.unwrap();
        let first_cache = cache.lookup("libcudart.so.11.0").next().unwrap();
        assert_eq!(chosen.step, Step::LdSoCache);
        assert_eq!(chosen.path, first_cache.path, "{fmt}");
        assert_eq!(
            chosen.real_path.as_deref(),
            Some(
                Path::new(&first_cache.path)
                    .parent()
                    .unwrap()
                    .join(
                        std::fs::read_link(f.host_path(&first_cache.path))
                            .unwrap_or_else(|_| PathBuf::from(&first_cache.path))
                    )
                    .to_str()
                    .unwrap()
            )
        );
    }
}

#[test]
fn ld_library_path_beats_the_cache_and_wrong_class_is_skipped() {
    if !ldconfig_available() {
        eprintln!("skipped: ldconfig not available");
        return;
    }
    let f = cuda_root();
    assert!(run_ldconfig(f.path(), "new"));
    let spec32 = ElfSpec {
        class64: false,
        machine: 3,
        ..ElfSpec::lib64("libcudart.so.11.0")
    };
    f.file("/opt/i386/libcudart.so.11.0", make_elf(&spec32));
    let arm = ElfSpec {
        machine: 183,
        ..ElfSpec::lib64("libcudart.so.11.0")
    };
    f.file("/opt/arm/libcudart.so.11.0", make_elf(&arm));
    f.lib("/opt/mine/libcudart.so.11.0", "libcudart.so.11.0");
    f.link(
        "/opt/dangling/libcudart.so.11.0",
        "/nowhere/libcudart.so.11.0",
    );
    f.file("/opt/text/libcudart.so.11.0", "INPUT(-lfoo)\n");
    let env = Env::from_pairs([(
        "LD_LIBRARY_PATH",
        "/opt/missing:/opt/dangling:/opt/text:/opt/i386:/opt/arm:/opt/mine",
    )]);
    let root = Root::dir(f.path()).unwrap();
    let res = which(&root, &env, "libcudart.so.11.0", None);
    let outcomes: Vec<(Step, Outcome)> =
        res.candidates.iter().map(|c| (c.step, c.outcome)).collect();
    assert_eq!(
        &outcomes[..6],
        &[
            (Step::LdLibraryPath, Outcome::Missing),
            (Step::LdLibraryPath, Outcome::DanglingLink),
            (Step::LdLibraryPath, Outcome::NotElf),
            (Step::LdLibraryPath, Outcome::WrongElfClass),
            (Step::LdLibraryPath, Outcome::WrongMachine),
            (Step::LdLibraryPath, Outcome::Taken),
        ]
    );
    assert_eq!(res.chosen.unwrap().path, "/opt/mine/libcudart.so.11.0");
    assert!(
        res.candidates
            .iter()
            .any(|c| c.step == Step::LdSoCache && c.outcome == Outcome::Shadowed)
    );
}

#[test]
fn rpath_runpath_and_origin() {
    let f = Fixture::new();
    f.lib("/app/lib/libdep.so.1", "libdep.so.1");
    f.lib("/rp/libdep.so.1", "libdep.so.1");
    f.lib("/llp/libdep.so.1", "libdep.so.1");
    let with_runpath = ElfSpec {
        rpath: Some("/rp"),
        runpath: Some("$ORIGIN/../lib"),
        ..ElfSpec::lib64("libapp.so")
    };
    f.file("/app/bin/libapp.so", make_elf(&with_runpath));
    let rpath_only = ElfSpec {
        rpath: Some("/rp"),
        ..ElfSpec::lib64("libold.so")
    };
    f.file("/app/bin/libold.so", make_elf(&rpath_only));
    let root = Root::dir(f.path()).unwrap();
    let env = Env::from_pairs([("LD_LIBRARY_PATH", "/llp")]);

    // DT_RUNPATH present: DT_RPATH ignored, LD_LIBRARY_PATH first.
    let res = which(
        &root,
        &env,
        "libdep.so.1",
        Some(Path::new("/app/bin/libapp.so")),
    );
    assert_eq!(res.chosen.as_ref().unwrap().path, "/llp/libdep.so.1");
    let rp = res
        .candidates
        .iter()
        .find(|c| c.step == Step::Runpath)
        .unwrap();
    assert_eq!(rp.path, "/app/bin/../lib/libdep.so.1");
    assert_eq!(rp.outcome, Outcome::Shadowed);
    assert!(res.candidates.iter().all(|c| c.step != Step::Rpath));
    // Without LD_LIBRARY_PATH, $ORIGIN wins.
    let res = which(
        &root,
        &Env::default(),
        "libdep.so.1",
        Some(Path::new("/app/bin/libapp.so")),
    );
    assert_eq!(res.chosen.unwrap().step, Step::Runpath);

    // DT_RPATH only: before LD_LIBRARY_PATH.
    let res = which(
        &root,
        &env,
        "libdep.so.1",
        Some(Path::new("/app/bin/libold.so")),
    );
    assert_eq!(res.chosen.unwrap().path, "/rp/libdep.so.1");
}

#[test]
fn framework_preload_wins() {
    let f = Fixture::new();
    let sp = "/venv/lib/python3.10/site-packages";
    f.lib(
        &format!("{sp}/nvidia/cuda_runtime/lib/libcudart.so.12"),
        "libcudart.so.12",
    );
    f.lib(
        "/usr/lib/x86_64-linux-gnu/libcudart.so.12",
        "libcudart.so.12",
    );
    let root = Root::dir(f.path()).unwrap();
    let plain = which(&root, &Env::default(), "libcudart.so.12", None);
    assert_eq!(plain.chosen.unwrap().step, Step::DefaultDir);
    let fw = which_for_framework(
        &root,
        &Env::default(),
        "libcudart.so.12",
        None,
        &[PathBuf::from(sp)],
    );
    let chosen = fw.chosen.unwrap();
    assert_eq!(chosen.step, Step::FrameworkPreload);
    assert_eq!(
        chosen.path,
        format!("{sp}/nvidia/cuda_runtime/lib/libcudart.so.12")
    );
    assert!(fw.notes.iter().any(|n| n.contains("no `/etc/ld.so.cache`")));
}

#[test]
fn real_system_libraries_match_the_real_loader() {
    // On this host: what our emulation picks for libz/libc must be what ldconfig -p lists first.
    let root = Root::host();
    let env = Env::from_pairs(Vec::<(String, String)>::new());
    let Ok(out) = Command::new("ldconfig").arg("-p").output() else {
        eprintln!("skipped: ldconfig not available");
        return;
    };
    let listing = String::from_utf8_lossy(&out.stdout).into_owned();
    for soname in ["libc.so.6", "libm.so.6"] {
        let Some(line) = listing.lines().find(|l| {
            l.trim_start()
                .starts_with(&format!("{soname} (libc6,x86-64)"))
        }) else {
            eprintln!("skipped {soname}: not in ldconfig -p");
            continue;
        };
        let expect = line.rsplit("=> ").next().unwrap();
        let res = which(&root, &env, soname, None);
        assert_eq!(res.chosen.unwrap().path, expect, "{soname}");
    }
}

#[test]
fn default_directories_follow_the_distribution_layout() {
    // Debian: multiarch dirs, /lib, /usr/lib; never /usr/lib64.
    let deb = Fixture::new();
    deb.dir("/usr/lib/x86_64-linux-gnu")
        .lib("/usr/lib64/libnccl.so.2", "libnccl.so.2")
        .lib("/usr/lib/libcurand.so.10", "libcurand.so.10");
    let root = Root::dir(deb.path()).unwrap();
    assert!(
        which(&root, &Env::default(), "libnccl.so.2", None)
            .chosen
            .is_none()
    );
    let r = which(&root, &Env::default(), "libcurand.so.10", None);
    assert_eq!(r.chosen.unwrap().path, "/usr/lib/libcurand.so.10");
    assert!(
        r.notes.iter().any(|n| n.contains("Debian multiarch")),
        "{:?}",
        r.notes
    );

    // Fedora: /lib64 and /usr/lib64 for 64-bit objects; /usr/lib is for 32-bit ones.
    let fed = Fixture::new();
    fed.lib("/usr/lib64/libnccl.so.2", "libnccl.so.2")
        .lib("/usr/lib/libcurand.so.10", "libcurand.so.10");
    let root = Root::dir(fed.path()).unwrap();
    let r = which(&root, &Env::default(), "libnccl.so.2", None);
    assert_eq!(r.chosen.unwrap().path, "/usr/lib64/libnccl.so.2");
    assert!(
        which(&root, &Env::default(), "libcurand.so.10", None)
            .chosen
            .is_none()
    );

    // Arch: /usr/lib only (/lib64 is a link to it).
    let arch = Fixture::new();
    arch.lib("/usr/lib/libnccl.so.2", "libnccl.so.2")
        .link("/usr/lib64", "lib");
    let root = Root::dir(arch.path()).unwrap();
    let r = which(&root, &Env::default(), "libnccl.so.2", None);
    assert_eq!(r.chosen.unwrap().path, "/usr/lib/libnccl.so.2");
    assert!(
        r.notes.iter().any(|n| n.contains("Arch-like")),
        "{:?}",
        r.notes
    );
}

#[test]
fn this_hosts_default_directories_match_its_ld_so() {
    // `ld.so --help` prints the compiled-in directories; ours must be the same list.
    let Some(ldso) = ["/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1"]
        .iter()
        .find(|p| Path::new(p).exists())
    else {
        eprintln!("skipped: no ld.so found");
        return;
    };
    let Ok(out) = Command::new(ldso).arg("--help").output() else {
        eprintln!("skipped: cannot run {ldso} --help");
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let expect: Vec<String> = text
        .lines()
        .filter(|l| l.ends_with("(system search path)"))
        .map(|l| {
            l.trim()
                .trim_end_matches("(system search path)")
                .trim()
                .to_owned()
        })
        .collect();
    if expect.is_empty() {
        eprintln!("skipped: this ld.so does not list its search path");
        return;
    }
    let machine = if cfg!(target_arch = "aarch64") {
        183
    } else {
        62
    };
    let (dirs, _) = cudoctor_probe::collect::libraries::default_dirs(&Root::host(), 64, machine);
    assert_eq!(dirs, expect);
}
