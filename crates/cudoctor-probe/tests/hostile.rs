//! Regression tests for hostile input (issue 11), each built the way the defect was found:
//! the input is generated here, never checked in.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod common;

use std::fs;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use common::Fixture;
use cudoctor_probe::{Env, Root, Step, which};

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
            match root.read_text(Path::new("/etc/docker/daemon.json"), 1024) {
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
    assert_eq!(root.read_text(&t.path().join("f"), 10).unwrap(), "host");
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
