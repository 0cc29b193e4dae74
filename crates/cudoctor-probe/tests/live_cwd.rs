//! Nothing is loaded from the current directory (issue 11): with `LD_LIBRARY_PATH=:/nonexistent`
//! (a leading `:`, as many CUDA guides write it) glibc searches the current directory, so a
//! `libcuda.so.1` planted there would run its constructor if the probe `dlopen`ed the soname.
//!
//! The planted library is built here with `cc -shared`; its constructor writes a marker file.
//! The test binary re-runs itself (the loader reads `LD_LIBRARY_PATH` only at start-up) in the
//! planted directory: once as a control that `dlopen`s the soname the old way (the marker must
//! appear, so the plant works), once running the probe's live path (the marker must not).
#![allow(clippy::unwrap_used, clippy::print_stderr, clippy::print_stdout)]

use std::path::Path;
use std::process::Command;

const CHILD: &str = "CUDOCTOR_TEST_LIVE_CWD_CHILD";

fn plant(dir: &Path, marker: &Path) -> bool {
    let src = dir.join("evil.c");
    std::fs::write(
        &src,
        format!(
            "#include <stdio.h>\n__attribute__((constructor)) static void ran(void) {{ FILE *f = fopen(\"{}\", \"w\"); if (f) {{ fputs(\"ran\", f); fclose(f); }} }}\nint cuDriverGetVersion(int *v) {{ *v = 12020; return 0; }}\n",
            marker.display()
        ),
    )
    .unwrap();
    for name in ["libcuda.so.1", "libnvidia-ml.so.1"] {
        let ok = Command::new("cc")
            .args(["-shared", "-fPIC", "-o"])
            .arg(dir.join(name))
            .arg(&src)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return false;
        }
    }
    true
}

fn run_child(dir: &Path, mode: &str) -> String {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_entry", "--nocapture", "--test-threads=1"])
        .current_dir(dir)
        .env("LD_LIBRARY_PATH", ":/nonexistent")
        .env(CHILD, mode)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{mode}: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

#[test]
fn a_library_planted_in_the_current_directory_never_runs() {
    let t = tempfile::tempdir().unwrap();
    let marker = t.path().join("marker");
    if !plant(t.path(), &marker) {
        let why = "no working `cc` to build the planted library";
        assert!(
            std::env::var("CUDOCTOR_REQUIRE_ARTIFACTS").as_deref() != Ok("1"),
            "{why}"
        );
        eprintln!("skipped: {why}");
        return;
    }
    // Control: the old `dlopen("libcuda.so.1")` runs the planted constructor.
    run_child(t.path(), "control");
    assert!(
        marker.exists(),
        "the control did not load the planted library"
    );
    std::fs::remove_file(&marker).unwrap();

    let out = run_child(t.path(), "probe");
    assert!(
        !marker.exists(),
        "the probe ran code from the current directory:\n{out}"
    );
    // It says why nothing was loaded, and the snapshot records the entry.
    assert!(out.contains("libcuda.so.1 not loaded"), "{out}");
    assert!(out.contains("current directory"), "{out}");
    assert!(
        out.contains("entry 1 is empty (the current directory)"),
        "{out}"
    );
}

/// The re-run's entry point; does nothing unless the parent test set [`CHILD`].
#[test]
fn child_entry() {
    match std::env::var(CHILD).as_deref() {
        Ok("control") => {
            // SAFETY: the test's own planted library; loading it is the point of the control.
            let lib = unsafe { libloading::Library::new("libcuda.so.1") };
            println!("control loaded: {}", lib.is_ok());
        }
        Ok("probe") => {
            let root = cudoctor_probe::Root::host();
            let env = cudoctor_probe::Env::from_process();
            let snap = cudoctor_probe::probe_root(
                &root,
                &env,
                cudoctor_probe::Collectors {
                    driver: true,
                    loader: true,
                    live: true,
                    ..cudoctor_probe::Collectors::none()
                },
            );
            println!("{}", snap.to_json().unwrap());
        }
        _ => {}
    }
}
