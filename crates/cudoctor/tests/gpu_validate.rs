//! `scripts/gpu-validate.sh` exercised here, without a GPU: `nvidia-smi` and a PyTorch-bearing
//! `python3` are stand-ins that replay what the real tools printed on an H200 (fixtures in
//! `tests/fixtures/gpu-validate/`), and `cudoctor` probes this GPU-less machine. The comparison
//! must therefore report the disagreements (no driver here, 580.159.04 there) instead of calling
//! anything a match, and it must parse the other tools' output correctly.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn which(cmd: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(cmd))
            .find(|p| p.is_file())
    })
}

#[test]
fn gpu_validate_script_compares_and_reports_disagreements() {
    let Some(python) = which("python3") else {
        eprintln!("skipped: no python3 on PATH (the script's comparison is written in Python)");
        return;
    };
    if Path::new("/proc/driver/nvidia/version").exists() {
        eprintln!(
            "skipped: this machine has an NVIDIA driver; the stand-ins would disagree with it"
        );
        return;
    }
    let fixtures = repo().join("crates/cudoctor/tests/fixtures/gpu-validate");
    let out = tempfile::tempdir().unwrap();
    let path = format!(
        "{}:{}",
        fixtures.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let status = Command::new("bash")
        .arg(repo().join("scripts/gpu-validate.sh"))
        .arg(out.path())
        .env("CUDOCTOR", env!("CARGO_BIN_EXE_cudoctor"))
        .env("PYTHON", fixtures.join("python3"))
        .env("REAL_PYTHON", &python)
        .env("PATH", path)
        .env("GPU_VALIDATE_TIMEOUT", "60")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&status.stdout),
        String::from_utf8_lossy(&status.stderr)
    );
    for f in ["summary.md", "results.json", "raw.tar.gz"] {
        assert!(out.path().join(f).is_file(), "{f} missing");
    }
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("results.json")).unwrap())
            .unwrap();
    let rows = results["rows"].as_array().unwrap();
    let row = |what: &str| {
        rows.iter()
            .find(|r| r["what"] == what)
            .unwrap_or_else(|| panic!("no row `{what}` in {rows:#?}"))
    };
    // The other tools' answers were parsed from the replayed output.
    assert_eq!(row("driver version (user space)")["other"], "580.159.04");
    assert_eq!(row("CUDA version the driver supports")["other"], "13.0");
    assert_eq!(row("GPU 0 name")["other"], "NVIDIA H200");
    assert_eq!(row("GPU 0 compute capability")["other"], "9.0");
    assert_eq!(row("GPU 0 memory (MiB)")["other"], 143_771);
    assert_eq!(row("torch version")["other"], "2.11.0+cu130");
    assert_eq!(row("cuDNN version")["other"], "9.19.0");
    // cudoctor sees no driver and no GPU here: those are disagreements, never matches.
    for what in [
        "driver version (user space)",
        "GPU count",
        "GPU 0 name",
        "torch version",
    ] {
        assert_eq!(row(what)["status"], "MISMATCH", "{what}: {}", row(what));
    }
    let summary = std::fs::read_to_string(out.path().join("summary.md")).unwrap();
    assert!(summary.contains("| GPU 0 name |"), "{summary}");
    assert!(summary.contains("MISMATCH"), "{summary}");
}
