//! Regression tests for hostile input (issue 11), each built the way the defect was found:
//! the input is generated here, never checked in.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::fs;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use cudoctor_probe::Root;

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
