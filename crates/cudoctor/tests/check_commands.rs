//! `check` over fixture roots, one per scenario: text, JSON, Markdown, `--quiet`, exit codes, and
//! the `probe --format json` -> `check --snapshot` round trip.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Fixture, Run, cudoctor_cmd, run, strings};
use serde_json::Value;

const TF29_BUILD_INFO: &str = "\"\"\"Auto-generated module providing information about the build.\"\"\"\nimport collections\n\nbuild_info = collections.OrderedDict([('cpu_compiler', '/dt9/usr/bin/gcc'), ('cuda_compute_capabilities', ['sm_35', 'sm_50', 'sm_60', 'sm_70', 'sm_75', 'compute_80']), ('cuda_version', '11.2'), ('cudnn_version', '8'), ('is_cuda_build', True), ('is_rocm_build', False), ('is_tensorrt_build', True)])\n";

const LIBDIR: &str = "/usr/lib/x86_64-linux-gnu";

/// The NVIDIA driver `version` (kernel module banner, module version, user-space libcuda).
fn driver(f: &Fixture, version: &str) {
    f.file(
        "/proc/driver/nvidia/version",
        format!("NVRM version: NVIDIA UNIX x86_64 Kernel Module  {version}  Sat Aug 19 01:15:15 UTC 2023\nGCC version:  gcc version 12.3.0 (Ubuntu 12.3.0-1ubuntu1~22.04) \n"),
    )
    .file("/sys/module/nvidia/version", format!("{version}\n"))
    .versioned_lib(LIBDIR, &format!("libcuda.so.{version}"), "libcuda.so.1")
    .versioned_lib(
        LIBDIR,
        &format!("libnvidia-ml.so.{version}"),
        "libnvidia-ml.so.1",
    );
}

/// cuDNN `version` (x.y.z): header and library.
fn cudnn(f: &Fixture, version: &str) {
    let v: Vec<&str> = version.split('.').collect();
    f.file(
        "/usr/include/cudnn_version.h",
        format!(
            "#define CUDNN_MAJOR {}\n#define CUDNN_MINOR {}\n#define CUDNN_PATCHLEVEL {}\n",
            v[0], v[1], v[2]
        ),
    )
    .versioned_lib(
        LIBDIR,
        &format!("libcudnn.so.{version}"),
        &format!("libcudnn.so.{}", v[0]),
    );
}

/// A host with a Tesla T4 and driver `driver_version`, the CUDA 11.2 libraries TensorFlow 2.9
/// dlopens on the default search path, cuDNN `cudnn_version`, and TensorFlow 2.9.0 in a Python 3.9
/// venv.
fn tf29_host(driver_version: &str, cudnn_version: &str) -> Fixture {
    let f = Fixture::new();
    driver(&f, driver_version);
    f.file(
        "/proc/driver/nvidia/gpus/0000:00:1e.0/information",
        "Model: \t\t Tesla T4\nIRQ:   \t\t 70\nGPU UUID: \t GPU-ad8e9ef0-8be5-6b26-5d5a-0f8e4e0d3b3b\nBus Location: \t 0000:00:1e.0\nDevice Minor: \t 0\n",
    )
    .file("/dev/nvidia0", "")
    .file("/dev/nvidiactl", "")
    .file("/dev/nvidia-uvm", "");
    for (real, soname) in [
        ("libcudart.so.11.2.152", "libcudart.so.11.0"),
        ("libcublas.so.11.4.1.1043", "libcublas.so.11"),
        ("libcublasLt.so.11.4.1.1043", "libcublasLt.so.11"),
        ("libcufft.so.10.4.0.152", "libcufft.so.10"),
        ("libcurand.so.10.2.3.152", "libcurand.so.10"),
        ("libcusolver.so.11.1.0.152", "libcusolver.so.11"),
        ("libcusparse.so.11.4.1.1152", "libcusparse.so.11"),
    ] {
        f.versioned_lib(LIBDIR, real, soname);
    }
    cudnn(&f, cudnn_version);
    f.file(
        "/opt/venv/pyvenv.cfg",
        "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.9.16\n",
    )
    .file(
        "/opt/venv/lib/python3.9/site-packages/tensorflow-2.9.0.dist-info/METADATA",
        "Metadata-Version: 2.1\nName: tensorflow\nVersion: 2.9.0\nRequires-Dist: numpy (>=1.20)\n",
    )
    .file(
        "/opt/venv/lib/python3.9/site-packages/tensorflow/python/platform/build_info.py",
        TF29_BUILD_INFO,
    );
    f
}

fn healthy() -> Fixture {
    tf29_host("535.104.05", "8.1.1")
}

/// `check --format json` over `f`: the document, after checking that every finding is complete.
fn check_json(f: &Fixture, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["check", "--format", "json"];
    args.extend(extra);
    let r = f.run(&args);
    let v = r.json();
    assert_eq!(v["schema_version"], 1);
    for finding in v["findings"].as_array().unwrap() {
        for key in ["id", "severity", "title", "explanation"] {
            assert!(
                finding[key].as_str().is_some_and(|s| !s.trim().is_empty()),
                "finding without `{key}`: {finding:#}"
            );
        }
        assert!(
            ["error", "warning", "info"].contains(&finding["severity"].as_str().unwrap()),
            "{finding:#}"
        );
        for key in ["evidence", "fix", "sources"] {
            assert!(
                finding[key].as_array().is_some_and(|a| !a.is_empty()),
                "finding `{}` has no `{key}`: {finding:#}",
                finding["id"]
            );
        }
    }
    let errors = severities(&v, "error");
    let warnings = severities(&v, "warning");
    let expected_status = if !errors.is_empty() {
        "error"
    } else if !warnings.is_empty() {
        "warning"
    } else {
        "ok"
    };
    assert_eq!(v["status"], expected_status, "{:#}", v["findings"]);
    assert_eq!(r.code, if errors.is_empty() { 0 } else { 1 }, "{}", r.stderr);
    (r.code, v)
}

/// The ids of the findings of `severity`.
fn severities(v: &Value, severity: &str) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == severity)
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect()
}

/// `(id, severity)` of every finding, sorted.
fn ids(v: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

fn finding<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no finding `{id}` in {:#}", v["findings"]))
}

/// `probe --format json --root` saved to a file, then `check --snapshot`: the same findings as the
/// live `--root` run.
fn assert_round_trip(f: &Fixture, extra: &[&str]) {
    let (_, live) = check_json(f, extra);
    let probe = f.run(&["probe", "--format", "json"]);
    assert_eq!(probe.code, 0, "{}", probe.stderr);
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap.json");
    // The snapshot as the probe wrote it (paths inside are root-relative, not host paths).
    let raw = f.cmd(&["probe", "--format", "json"]).output().unwrap();
    std::fs::write(&snap, &raw.stdout).unwrap();
    let mut c = cudoctor_cmd();
    c.args(["check", "--format", "json", "--snapshot"])
        .arg(&snap)
        .args(extra);
    let r = run(&mut c);
    let from_snap = r.json();
    assert_eq!(
        ids(&from_snap),
        ids(&live),
        "check --snapshot disagrees with check --root"
    );
    assert_eq!(from_snap["status"], live["status"]);
}

fn assert_quiet(f: &Fixture, expect_code: i32) -> String {
    let r = f.run(&["check", "--quiet"]);
    assert_eq!(r.code, expect_code, "{}", r.stderr);
    assert_eq!(r.stdout.lines().count(), 1, "--quiet:\n{}", r.stdout);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    r.stdout
}

fn markdown(f: &Fixture) -> Run {
    let r = f.run(&["check", "--format", "markdown"]);
    assert!(r.stdout.starts_with("### cudoctor check: "), "{}", r.stdout);
    assert!(r.stdout.contains("| severity | id | finding |"), "{}", r.stdout);
    r
}

// ---------------------------------------------------------------- scenarios

#[test]
fn healthy_tf29_host() {
    let f = healthy();
    let (code, v) = check_json(&f, &[]);
    assert_eq!(code, 0);
    assert_eq!(v["status"], "ok", "false alarm: {:#}", v["findings"]);
    assert!(severities(&v, "error").is_empty());
    assert!(severities(&v, "warning").is_empty());
    let targets = v["targets"].to_string();
    assert!(targets.contains("2.9.0"), "{targets}");
    assert_eq!(v["facts"]["schema_version"], 1);
    assert_eq!(v["facts"]["frameworks"][0]["version"], "2.9.0");
    assert_round_trip(&f, &[]);
    assert_quiet(&f, 0);
    let md = markdown(&f);
    assert_eq!(md.code, 0);
    cmd_snapshot!(f.cmd(&["check"]), root = f.path(), @"");
}

#[test]
fn healthy_with_explicit_target() {
    let f = healthy();
    let (code, v) = check_json(&f, &["--for", "tensorflow==2.9.0"]);
    assert_eq!(code, 0, "{:#}", v["findings"]);
    assert!(severities(&v, "warning").is_empty(), "{:#}", v["findings"]);
}

#[test]
fn driver_below_toolkit_minimum_but_minor_compatible() {
    // 455.32.00: below CUDA 11.2's 460.27.03, above the 11.x minor-version minimum 450.80.02.
    let f = tf29_host("455.32.00", "8.1.1");
    let (code, v) = check_json(&f, &[]);
    assert_eq!(code, 0, "{:#}", v["findings"]);
    let d = finding(&v, "driver-too-old");
    assert_eq!(d["severity"], "warning", "{d:#}");
    let all = d.to_string();
    assert!(all.contains("455.32"), "{all}");
    assert!(all.contains("460.27.03"), "{all}");
    assert_round_trip(&f, &[]);
    cmd_snapshot!(f.cmd(&["check"]), root = f.path(), @"");
}

#[test]
fn driver_below_minor_compatibility() {
    let f = tf29_host("440.33.01", "8.1.1");
    let (code, v) = check_json(&f, &[]);
    assert_eq!(code, 1);
    let d = finding(&v, "driver-too-old");
    assert_eq!(d["severity"], "error", "{d:#}");
    assert!(d.to_string().contains("440.33.01"));
    assert_round_trip(&f, &[]);
    assert!(assert_quiet(&f, 1).contains("error"));
    assert_eq!(markdown(&f).code, 1);
    cmd_snapshot!(f.cmd(&["check"]), root = f.path(), @"");
}

#[test]
fn missing_cudnn() {
    let f = healthy();
    f.remove(&format!("{LIBDIR}/libcudnn.so.8"))
        .remove(&format!("{LIBDIR}/libcudnn.so.8.1.1"))
        .remove("/usr/include/cudnn_version.h");
    let (code, v) = check_json(&f, &[]);
    assert_eq!(code, 1);
    let d = finding(&v, "library-not-found");
    assert_eq!(d["severity"], "error");
    assert!(d.to_string().contains("libcudnn.so.8"), "{d:#}");
    assert_round_trip(&f, &[]);
    assert_quiet(&f, 1);
    cmd_snapshot!(f.cmd(&["check"]), root = f.path(), @"");
}

#[test]
fn cudnn_8_0_instead_of_8_1() {
    let f = tf29_host("535.104.05", "8.0.5");
    let (code, v) = check_json(&f, &[]);
    assert_eq!(code, 1);
    let d = finding(&v, "cudnn-version-mismatch");
    assert_eq!(d["severity"], "error", "{d:#}");
    assert!(d.to_string().contains("8.0.5"), "{d:#}");
    assert_round_trip(&f, &[]);
    cmd_snapshot!(f.cmd(&["check"]), root = f.path(), @"");
}

#[test]
fn cudnn_newer_minor_is_untested_not_an_error() {
    let f = tf29_host("535.104.05", "8.6.0");
    let (code, v) = check_json(&f, &[]);
    assert_eq!(code, 0, "{:#}", v["findings"]);
    let d = finding(&v, "cudnn-version-mismatch");
    assert_eq!(d["severity"], "warning", "{d:#}");
}

#[test]
fn container_without_gpu_devices() {
    let f = healthy();
    for node in ["/dev/nvidia0", "/dev/nvidiactl", "/dev/nvidia-uvm"] {
        f.remove(node);
    }
    std::fs::remove_dir_all(f.host_path("/proc/driver")).unwrap();
    std::fs::remove_dir_all(f.host_path("/sys/module")).unwrap();
    // The host's libcuda is not mounted into a container started without --gpus.
    for p in ["libcuda.so.1", "libcuda.so.535.104.05", "libnvidia-ml.so.1", "libnvidia-ml.so.535.104.05"] {
        f.remove(&format!("{LIBDIR}/{p}"));
    }
    f.file("/.dockerenv", "");
    let (code, v) = check_json(&f, &["--env", "CUDA_VERSION=11.2.1"]);
    assert_eq!(code, 1, "{:#}", v["findings"]);
    let d = finding(&v, "container-no-gpu");
    assert_eq!(d["severity"], "error", "{d:#}");
    let fix = strings(&d["fix"]).join("\n");
    assert!(fix.contains("--gpus"), "{fix}");
    assert_round_trip(&f, &["--env", "CUDA_VERSION=11.2.1"]);
    cmd_snapshot!(f.cmd(&["check", "--env", "CUDA_VERSION=11.2.1"]), root = f.path(), @"");
}

#[test]
fn docker_host_runtime_not_registered() {
    let f = healthy();
    f.file("/etc/docker/daemon.json", "{\n  \"log-driver\": \"json-file\"\n}\n")
        .file("/usr/bin/nvidia-container-runtime", "")
        .file("/usr/bin/nvidia-ctk", "");
    let (_, v) = check_json(&f, &[]);
    let d = finding(&v, "docker-nvidia-runtime-missing");
    let fix = strings(&d["fix"]).join("\n");
    assert!(fix.contains("\"runtimes\""), "no daemon.json fragment: {fix}");
    assert!(fix.contains("nvidia-container-runtime"), "{fix}");
    assert_round_trip(&f, &[]);
    cmd_snapshot!(f.cmd(&["check"]), root = f.path(), @"");
}

#[test]
fn docker_host_runtime_registered_is_quiet() {
    let f = healthy();
    f.file(
        "/etc/docker/daemon.json",
        "{\n    \"runtimes\": {\n        \"nvidia\": {\n            \"args\": [],\n            \"path\": \"nvidia-container-runtime\"\n        }\n    }\n}\n",
    )
    .file("/usr/bin/nvidia-container-runtime", "")
    .file("/usr/bin/nvidia-ctk", "");
    let (code, v) = check_json(&f, &[]);
    assert_eq!(code, 0);
    assert!(
        !ids(&v).iter().any(|(id, _)| id == "docker-nvidia-runtime-missing"),
        "{:#}",
        v["findings"]
    );
}

#[test]
fn empty_root_is_not_an_error_of_the_tool() {
    let f = Fixture::new();
    let (code, v) = check_json(&f, &[]);
    assert!(code == 0 || code == 1);
    assert!(v["targets"].is_array());
    cmd_snapshot!(f.cmd(&["check"]), root = f.path(), @"");
}

// ---------------------------------------------------------------- bad input

#[test]
fn root_that_does_not_exist() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let mut c = cudoctor_cmd();
    c.args(["check", "--root"]).arg(&missing);
    cmd_snapshot!(c, root = dir.path(), @"");
}

#[test]
fn snapshot_with_invalid_json() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("snap.json");
    std::fs::write(&p, "{\n  \"schema_version\": 1,\n  \"driver\": {,\n}\n").unwrap();
    let mut c = cudoctor_cmd();
    c.args(["check", "--snapshot"]).arg(&p);
    let r = cmd_snapshot!(c, root = dir.path(), @"");
    assert!(r.stderr.contains("line 3"), "{}", r.stderr);
}

#[test]
fn snapshot_that_is_missing_or_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = cudoctor_cmd();
    c.args(["check", "--snapshot"]).arg(dir.path().join("none.json"));
    cmd_snapshot!(c, root = dir.path(), @"");
    let mut c = cudoctor_cmd();
    c.args(["check", "--snapshot"]).arg(dir.path());
    cmd_snapshot!(c, root = dir.path(), @"");
}

#[test]
fn env_without_equals() {
    let f = Fixture::new();
    cmd_snapshot!(f.cmd(&["check", "--env", "LD_LIBRARY_PATH"]), root = f.path(), @"");
}

#[test]
fn env_without_root() {
    cmd_snapshot!(cudoctor_cmd().args(["check", "--env", "A=B"]), @"");
}

#[test]
fn root_and_snapshot_conflict() {
    cmd_snapshot!(cudoctor_cmd().args(["check", "--root", "/", "--snapshot", "x.json"]), @"");
}

#[test]
fn bad_target_spec() {
    let f = healthy();
    cmd_snapshot!(f.cmd(&["check", "--for", "tensorflow"]), root = f.path(), @"");
    cmd_snapshot!(f.cmd(&["check", "--for", "tensorflow==2.99.0"]), root = f.path(), @"");
}
