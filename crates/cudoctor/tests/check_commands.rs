//! `check` over fixture roots, one per scenario: text, JSON, Markdown, `--quiet`, exit codes, and
//! the `probe --format json` -> `check --snapshot` round trip.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Fixture, FixtureExt, LIBDIR, Run, cudoctor_cmd, run, strings, tf29_host};
use serde_json::Value;

fn healthy() -> Fixture {
    tf29_host("535.104.05", "8.1.1")
}

/// `check --format json` over `f`: the document, after checking that every finding is complete.
fn check_json(f: &Fixture, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["check", "--format", "json"];
    args.extend(extra);
    let r = f.run(&args);
    let v = r.json();
    assert_complete(&v, r.code);
    (r.code, v)
}

/// The document is complete: schema version, every finding with all its fields non-empty, a
/// status and exit code that agree with the severities.
fn assert_complete(v: &Value, code: i32) {
    assert_eq!(v["schema_version"], 1);
    common::assert_matches_check_schema(v);
    common::assert_matches_schema(&v["facts"]);
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
    let errors = severities(v, "error");
    let warnings = severities(v, "warning");
    let expected_status = if !errors.is_empty() {
        "error"
    } else if !warnings.is_empty() {
        "warning"
    } else {
        "ok"
    };
    assert_eq!(v["status"], expected_status, "{:#}", v["findings"]);
    assert_eq!(code, i32::from(!errors.is_empty()), "exit code");
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
    let (_, _) = check_json(f, extra);
    // Unfiltered (the paths as they are), as the snapshot holds them.
    let mut args = vec!["check", "--format", "json"];
    args.extend(extra);
    let out = f.cmd(&args).output().unwrap();
    let live: Value = serde_json::from_slice(&out.stdout).unwrap();
    // `--env K=V` pairs belong to the probe; the other arguments (`--for`) to check.
    let (mut env, mut rest) = (Vec::new(), Vec::new());
    let mut it = extra.iter();
    while let Some(a) = it.next() {
        if *a == "--env" {
            env.extend(["--env", it.next().unwrap()]);
        } else {
            rest.push(*a);
        }
    }
    let mut probe_args = vec!["probe", "--format", "json"];
    probe_args.extend(&env);
    probe_args.extend(&rest);
    let raw = f.cmd(&probe_args).output().unwrap();
    assert!(
        raw.status.success(),
        "{}",
        String::from_utf8_lossy(&raw.stderr)
    );
    let snapshot: Value = serde_json::from_slice(&raw.stdout).unwrap();
    common::assert_matches_schema(&snapshot);
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap.json");
    std::fs::write(&snap, &raw.stdout).unwrap();
    // The snapshot read back and written again is the same document.
    let mut c = cudoctor_cmd();
    c.args(["probe", "--format", "json", "--snapshot"])
        .arg(&snap);
    let again = run(&mut c);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(
        again.json(),
        snapshot,
        "probe --snapshot changes the snapshot"
    );
    let mut c = cudoctor_cmd();
    c.args(["check", "--format", "json", "--snapshot"])
        .arg(&snap)
        .args(&rest);
    let r = run(&mut c);
    let from_snap = r.json();
    assert_complete(&from_snap, r.code);
    // One path: the whole document is the same, facts (the loader's answers included),
    // targets, findings and verdict.
    if from_snap != live {
        let (root_doc, snap_doc) = (
            serde_json::to_string_pretty(&live).unwrap(),
            serde_json::to_string_pretty(&from_snap).unwrap(),
        );
        let differ: Vec<String> = root_doc
            .lines()
            .zip(snap_doc.lines())
            .enumerate()
            .filter(|(_, (x, y))| x != y)
            .take(6)
            .map(|(n, (x, y))| format!("line {n}:\n  --root:     {x}\n  --snapshot: {y}"))
            .collect();
        panic!(
            "check --snapshot disagrees with check --root:\n{}",
            differ.join("\n")
        );
    }
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
    assert!(
        r.stdout.contains("| severity | id | finding |"),
        "{}",
        r.stdout
    );
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
    cmd_snapshot!(f.cmd(&["check"]), root = f.path(), @r#"
    success: true
    exit_code: 0
    ----- stdout -----
    TensorFlow 2.9.0: no problem found in the files; the driver and GPU were not checked (directory
      root)
    checked: TensorFlow 2.9.0 [installed
      (/opt/venv/lib/python3.9/site-packages/tensorflow-2.9.0.dist-info/METADATA)]

    info[tensorrt-missing]   TensorRT is not installed; TensorFlow's TensorRT warnings are harmless
      TensorRT (`libnvinfer`) is an optional NVIDIA inference optimiser. Some TensorFlow releases look
      for it at start and print "Could not load dynamic library 'libnvinfer.so.7'" or "TF-TRT Warning:
      Could not find TensorRT". TensorFlow 2.9.0 trains and runs on the GPU without it; only TF-TRT
      model conversion needs it.
      evidence:
        - libnvinfer.so.*: absent  (library search)
      fix:
        - Nothing to do unless you use TF-TRT; to silence the messages: `export TF_CPP_MIN_LOG_LEVEL=2`
          (hides TensorFlow warnings in general)
      sources: https://docs.nvidia.com/deeplearning/frameworks/tf-trt-user-guide/index.html

    ----- stderr -----
    "#);
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
    cmd_snapshot!(f.cmd(&["check"]), root = f.path(), @r#"
    success: true
    exit_code: 0
    ----- stdout -----
    TensorFlow 2.9.0 should use the GPU, with 1 warning
    checked: TensorFlow 2.9.0 [installed
      (/opt/venv/lib/python3.9/site-packages/tensorflow-2.9.0.dist-info/METADATA)]

    warning[driver-too-old]   The NVIDIA driver 455.32.00 runs TensorFlow 2.9.0 (CUDA 11.2) only through
        minor-version compatibility
      Each CUDA release ships with a driver; TensorFlow 2.9.0 was built with CUDA 11.2 whose toolkit
      driver is 460.27.03. This driver is older, but within CUDA 11.x NVIDIA's minor-version
      compatibility lets it run, with limits: no JIT of PTX newer than the driver's (the toolkit emits
      PTX ISA 7.2; this driver JIT-compiles up to PTX ISA 7.1); features that need the newer driver (>=
      460.27.03) are unavailable. Code that relies on PTX compiled by the newer toolkit (for example on
      a GPU the build has no machine code for) can fail with `CUDA_ERROR_UNSUPPORTED_PTX_VERSION` (222).
      evidence:
        - driver version: 455.32.00  (/proc/driver/nvidia/version)
        - CUDA TensorFlow 2.9.0 was built with: 11.2
          (/opt/venv/lib/python3.9/site-packages/tensorflow/python/platform/build_info.py)
        - CUDA 11.2.0 toolkit driver: >= 460.27.03  (knowledge base:
          https://docs.nvidia.com/cuda/cuda-toolkit-release-notes/index.html#id7 |
          https://blog.csdn.net/ytomc/article/details/122805982 |
          https://docs.nvidia.com/deploy/cuda-compatibility/minor-version-compatibility.html |
          https://github.com/tensorflow/docs/blob/master/site/en/install/pip.md |
          https://docs.nvidia.com/deeplearning/cudnn/latest/support-matrix/index.html)
        - CUDA 11.x minor-version-compatibility minimum: >= 450.80.02  (knowledge base:
          https://docs.nvidia.com/deploy/cuda-compatibility/minor-version-compatibility.html)
        - minor-version-compatibility caveat: no JIT of PTX newer than the driver's (the toolkit emits
          PTX ISA 7.2; this driver JIT-compiles up to PTX ISA 7.1)  (knowledge base:
          https://docs.nvidia.com/deploy/cuda-compatibility/minor-version-compatibility.html)
        - minor-version-compatibility caveat: features that need the newer driver (>= 460.27.03) are
          unavailable  (knowledge base:
          https://docs.nvidia.com/deploy/cuda-compatibility/minor-version-compatibility.html)
      fix:
        - Upgrade the NVIDIA driver to >= 460.27.03. On Ubuntu: `sudo apt-get install nvidia-driver-460`
          (or a newer branch), then `sudo reboot`
      sources: https://docs.nvidia.com/cuda/cuda-toolkit-release-notes/index.html#id7
        https://blog.csdn.net/ytomc/article/details/122805982
        https://docs.nvidia.com/deploy/cuda-compatibility/minor-version-compatibility.html
        https://github.com/tensorflow/docs/blob/master/site/en/install/pip.md
        https://docs.nvidia.com/deeplearning/cudnn/latest/support-matrix/index.html

    info[tensorrt-missing]   TensorRT is not installed; TensorFlow's TensorRT warnings are harmless
      TensorRT (`libnvinfer`) is an optional NVIDIA inference optimiser. Some TensorFlow releases look
      for it at start and print "Could not load dynamic library 'libnvinfer.so.7'" or "TF-TRT Warning:
      Could not find TensorRT". TensorFlow 2.9.0 trains and runs on the GPU without it; only TF-TRT
      model conversion needs it.
      evidence:
        - libnvinfer.so.*: absent  (library search)
      fix:
        - Nothing to do unless you use TF-TRT; to silence the messages: `export TF_CPP_MIN_LOG_LEVEL=2`
          (hides TensorFlow warnings in general)
      sources: https://docs.nvidia.com/deeplearning/frameworks/tf-trt-user-guide/index.html

    ----- stderr -----
    "#);
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
    cmd_snapshot!(f.cmd(&["check"]), root = f.path(), @r#"
    success: false
    exit_code: 1
    ----- stdout -----
    TensorFlow 2.9.0 will not use the GPU: 1 error
    checked: TensorFlow 2.9.0 [installed
      (/opt/venv/lib/python3.9/site-packages/tensorflow-2.9.0.dist-info/METADATA)]

    error[driver-too-old]   The NVIDIA driver 440.33.01 is too old for TensorFlow 2.9.0 (CUDA 11.2)
      TensorFlow 2.9.0 contains GPU code built with CUDA 11.2. The CUDA libraries it loads need a driver
      at least as new as their CUDA release (within CUDA 11 and later, a somewhat older driver of the
      same major family is accepted: "minor-version compatibility"). An older driver makes the first
      CUDA call fail with "CUDA driver version is insufficient for CUDA runtime version" (error 35), and
      the framework falls back to the CPU. The knowledge base says: needs driver >= 450.80.02 for CUDA
      11.2; you have 440.33.01 (>= 460.27.03 without minor-version-compatibility caveats).
      evidence:
        - driver version: 440.33.01  (/proc/driver/nvidia/version)
        - CUDA TensorFlow 2.9.0 was built with: 11.2
          (/opt/venv/lib/python3.9/site-packages/tensorflow/python/platform/build_info.py)
        - CUDA 11.2.0 toolkit driver: >= 460.27.03  (knowledge base:
          https://docs.nvidia.com/cuda/cuda-toolkit-release-notes/index.html#id7 |
          https://blog.csdn.net/ytomc/article/details/122805982 |
          https://docs.nvidia.com/deploy/cuda-compatibility/minor-version-compatibility.html |
          https://github.com/tensorflow/docs/blob/master/site/en/install/pip.md |
          https://docs.nvidia.com/deeplearning/cudnn/latest/support-matrix/index.html)
        - CUDA 11.x minor-version-compatibility minimum: >= 450.80.02  (knowledge base:
          https://docs.nvidia.com/deploy/cuda-compatibility/minor-version-compatibility.html)
      fix:
        - Upgrade the NVIDIA driver to >= 460.27.03 (>= 450.80.02 works with minor-version-compatibility
          caveats). On Ubuntu: `sudo apt-get install nvidia-driver-460` (or a newer branch), then
          `sudo reboot`
        - Or pick a release that fits this driver:
          `cudoctor plan --driver 440.33.01 --framework tensorflow`
      sources: https://docs.nvidia.com/cuda/cuda-toolkit-release-notes/index.html#id7
        https://blog.csdn.net/ytomc/article/details/122805982
        https://docs.nvidia.com/deploy/cuda-compatibility/minor-version-compatibility.html
        https://github.com/tensorflow/docs/blob/master/site/en/install/pip.md
        https://docs.nvidia.com/deeplearning/cudnn/latest/support-matrix/index.html

    info[tensorrt-missing]   TensorRT is not installed; TensorFlow's TensorRT warnings are harmless
      TensorRT (`libnvinfer`) is an optional NVIDIA inference optimiser. Some TensorFlow releases look
      for it at start and print "Could not load dynamic library 'libnvinfer.so.7'" or "TF-TRT Warning:
      Could not find TensorRT". TensorFlow 2.9.0 trains and runs on the GPU without it; only TF-TRT
      model conversion needs it.
      evidence:
        - libnvinfer.so.*: absent  (library search)
      fix:
        - Nothing to do unless you use TF-TRT; to silence the messages: `export TF_CPP_MIN_LOG_LEVEL=2`
          (hides TensorFlow warnings in general)
      sources: https://docs.nvidia.com/deeplearning/frameworks/tf-trt-user-guide/index.html

    ----- stderr -----
    "#);
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
    cmd_snapshot!(f.cmd(&["check"]), root = f.path(), @r#"
    success: false
    exit_code: 1
    ----- stdout -----
    TensorFlow 2.9.0 will not use the GPU: 1 error
    checked: TensorFlow 2.9.0 [installed
      (/opt/venv/lib/python3.9/site-packages/tensorflow-2.9.0.dist-info/METADATA)]

    error[library-not-found]   TensorFlow 2.9.0 cannot load a CUDA library: libcudnn.so.8
      TensorFlow 2.9.0 opens the CUDA libraries by exact file name (soname) when it starts. The dynamic
      loader looks in the directories of `LD_LIBRARY_PATH`, the `ld.so.cache` index and the system
      library directories; no file with that name is there. When any of them is missing TensorFlow logs
      "Could not load dynamic library" and "Cannot dlopen some GPU libraries... Skipping registering GPU
      devices", and everything runs on the CPU.
      evidence:
        - dlopen("libcudnn.so.8"): no file the loader would take  (loader emulation (glibc search
          order))
        - libraries TensorFlow 2.9.0 dlopens: libcudnn.so.8  (knowledge base:
          https://github.com/tensorflow/tensorflow/blob/026389f7f824d140f243c608984ce163eb6f5374/tensorflow/stream_executor/platform/default/dso_loader.cc
          | https://github.com/tensorflow/tensorflow/issues/56413 (observed names))
      fix:
        - pip (into /opt/venv): `pip install 'nvidia-cudnn-cu11>=8.1,<9'`, then
          `export LD_LIBRARY_PATH=/opt/venv/lib/python3.9/site-packages/nvidia/cudnn/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}`
        - cuDNN 8.1 for CUDA 11.2 from apt: `apt-cache madison libcudnn8` lists its versions; the newest
          8.1 for CUDA 11:
          `sudo apt-get install "libcudnn8=$(apt-cache madison libcudnn8 | awk '{print $3}' | grep '^8\.1\..*+cuda11\.' | head -n1)"`
        - Or run the official image, which has the right libraries:
          `docker run --gpus all -it tensorflow/tensorflow:2.9.0-gpu`
      sources: https://github.com/tensorflow/tensorflow/blob/026389f7f824d140f243c608984ce163eb6f5374/tensorflow/stream_executor/platform/default/dso_loader.cc
        https://github.com/tensorflow/tensorflow/issues/56413 https://www.tensorflow.org/install/pip
        https://docs.nvidia.com/cuda/cuda-installation-guide-linux/index.html

    info[tensorrt-missing]   TensorRT is not installed; TensorFlow's TensorRT warnings are harmless
      TensorRT (`libnvinfer`) is an optional NVIDIA inference optimiser. Some TensorFlow releases look
      for it at start and print "Could not load dynamic library 'libnvinfer.so.7'" or "TF-TRT Warning:
      Could not find TensorRT". TensorFlow 2.9.0 trains and runs on the GPU without it; only TF-TRT
      model conversion needs it.
      evidence:
        - libnvinfer.so.*: absent  (library search)
      fix:
        - Nothing to do unless you use TF-TRT; to silence the messages: `export TF_CPP_MIN_LOG_LEVEL=2`
          (hides TensorFlow warnings in general)
      sources: https://docs.nvidia.com/deeplearning/frameworks/tf-trt-user-guide/index.html

    ----- stderr -----
    "#);
}

/// PyTorch 2.5.1 whose only missing wheel is cuSOLVER's, with no `libcusolver.so.11` anywhere:
/// the import does not load it (measured: `libtorch_cuda_linalg.so`, opened on the first
/// linear-algebra call, needs it), so the finding is a warning that says which calls fail.
#[test]
fn torch_missing_only_a_library_opened_on_first_use_still_imports() {
    let f = torch_2_5_1_pinning(&["nvidia-cusolver-cu12==11.6.1.9"]);
    let (_, v) = check_json(&f, &[]);
    let d = finding(&v, "library-not-found");
    assert_eq!(d["severity"], "warning", "{d:#}");
    let title = d["title"].as_str().unwrap();
    assert!(
        title.starts_with("PyTorch 2.5.1+cu124 imports, but libcusolver.so.11 not found"),
        "{title}"
    );
    assert!(!title.contains("fail to import"), "{title}");
    assert_round_trip(&f, &[]);
}

/// PyTorch 2.5.1 installed in a root where the NVIDIA wheels it pins are not, and no
/// `libcudnn.so.9` / `libcublas.so.12` anywhere the loader looks: `import torch` fails, an
/// error (it was a warning, and the verdict said the framework should use the GPU).
fn torch_without_its_wheels() -> Fixture {
    torch_2_5_1_pinning(&[
        "nvidia-cudnn-cu12==9.1.0.70",
        "nvidia-cublas-cu12==12.4.5.8",
    ])
}

/// PyTorch 2.5.1 in `/usr/local` whose METADATA pins `pins` (on Linux x86_64), none of them
/// installed, and no copy of their libraries anywhere.
fn torch_2_5_1_pinning(pins: &[&str]) -> Fixture {
    let f = Fixture::new();
    let sp = "/usr/local/lib/python3.10/dist-packages";
    let mut metadata = "Metadata-Version: 2.1\nName: torch\nVersion: 2.5.1\n".to_owned();
    for p in pins {
        metadata.push_str("Requires-Dist: ");
        metadata.push_str(p);
        metadata.push_str("; platform_system == \"Linux\" and platform_machine == \"x86_64\"\n");
    }
    f.file(&format!("{sp}/torch-2.5.1.dist-info/METADATA"), &metadata)
        .file(
            &format!("{sp}/torch-2.5.1.dist-info/RECORD"),
            "torch/__init__.py,,\n",
        )
        .file(&format!("{sp}/torch/__init__.py"), "")
        .dir(&format!("{sp}/torch/lib"))
        .file("/usr/bin/python3.10", "")
        .link("/usr/bin/python3", "python3.10")
        .dir("/etc");
    f
}

#[test]
fn torch_whose_wheels_and_libraries_are_missing_cannot_import() {
    let f = torch_without_its_wheels();
    let (code, v) = check_json(&f, &[]);
    assert_eq!(code, 1);
    assert_eq!(v["status"], "error");
    let d = finding(&v, "library-not-found");
    assert_eq!(d["severity"], "error", "{d:#}");
    let title = d["title"].as_str().unwrap();
    assert!(
        title.contains("will fail to import: libcudnn.so.9, libcublas.so.12 not found"),
        "{title}"
    );
    // The loader was asked (by the probe, not read off the library list), and said no.
    assert!(
        d.to_string().contains("dlopen(\\\"libcudnn.so.9\\\")"),
        "{d:#}"
    );
    assert!(d.to_string().contains("loader emulation"), "{d:#}");
    // `probe --root R --format json > s.json; check --snapshot s.json`: the same document.
    assert_round_trip(&f, &[]);
    assert_quiet(&f, 1);
    cmd_snapshot!(f.cmd(&["check"]), root = f.path(), @r#"
    success: false
    exit_code: 1
    ----- stdout -----
    PyTorch 2.5.1+cu124 will not use the GPU: 1 error
    checked: PyTorch 2.5.1+cu124 [installed
      (/usr/local/lib/python3.10/dist-packages/torch-2.5.1.dist-info/METADATA)]

    error[library-not-found]   PyTorch 2.5.1+cu124 will fail to import: libcudnn.so.9, libcublas.so.12
        not found, and the NVIDIA wheels that carry them are not installed (nvidia-cudnn-cu12,
        nvidia-cublas-cu12)
      PyTorch 2.5.1+cu124 links against these CUDA libraries, so importing it loads them at once. They
      come from `nvidia-*` pip packages that its own metadata pins (`Requires-Dist`), which are missing
      from /usr/local, and the dynamic loader finds no copy elsewhere: not in the directories of
      `LD_LIBRARY_PATH`, the `ld.so.cache` index or the system library directories. `import torch` fails
      with an `OSError` ("cannot open shared object file") or a `ValueError` ("... not found in the
      system path").
      evidence:
        - nvidia-cudnn-cu12 installed in /usr/local: no  (python environment packages (*.dist-info))
        - pinned requirement: nvidia-cudnn-cu12==9.1.0.70; platform_system == "Linux" and
          platform_machine == "x86_64"  (Requires-Dist of torch in /usr/local)
        - nvidia-cublas-cu12 installed in /usr/local: no  (python environment packages (*.dist-info))
        - pinned requirement: nvidia-cublas-cu12==12.4.5.8; platform_system == "Linux" and
          platform_machine == "x86_64"  (Requires-Dist of torch in /usr/local)
        - library in nvidia-cudnn-cu12: libcudnn.so.9  (knowledge base:
          https://pypi.org/project/nvidia-cudnn-cu12/ (family `cudnn`; soname
          `libcudnn.so.<major of 9.1.0.70>`); loaded at the import: knowledge base:
          https://pypi.org/project/torch/ (data/pytorch.toml, library_load `cudnn`))
        - dlopen("libcudnn.so.9"): no file the loader would take  (loader emulation (glibc search
          order))
        - library in nvidia-cublas-cu12: libcublas.so.12  (knowledge base:
          https://pypi.org/project/nvidia-cublas-cu12/ (family `cublas`; soname
          `libcublas.so.<major of 12.4.5.8>`); loaded at the import: knowledge base:
          https://pypi.org/project/torch/ (data/pytorch.toml, library_load `cublas`))
        - dlopen("libcublas.so.12"): no file the loader would take  (loader emulation (glibc search
          order))
      fix:
        - `pip install 'nvidia-cudnn-cu12==9.1.0.70' 'nvidia-cublas-cu12==12.4.5.8'` (into /usr/local)
        - Or reinstall the framework with its dependencies:
          `pip install --force-reinstall 'torch==2.5.1'`
      sources: https://packaging.python.org/en/latest/specifications/core-metadata/#requires-dist-multiple-use
        https://pytorch.org/get-started/locally/ https://pypi.org/project/nvidia-cudnn-cu12/
        https://pypi.org/project/torch/ https://pypi.org/project/nvidia-cublas-cu12/

    ----- stderr -----
    "#);
    // A libcudnn.so.9 and a libcublas.so.12 in a default directory: the import can succeed;
    // the missing wheels stay a warning.
    f.lib(&format!("{LIBDIR}/libcudnn.so.9"), "libcudnn.so.9")
        .lib(&format!("{LIBDIR}/libcublas.so.12"), "libcublas.so.12");
    let (code, v) = check_json(&f, &[]);
    assert_eq!(code, 0, "{:#}", v["findings"]);
    assert_eq!(finding(&v, "library-not-found")["severity"], "warning");
    assert_round_trip(&f, &[]);
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
    cmd_snapshot!(f.cmd(&["check"]), root = f.path(), @r#"
    success: false
    exit_code: 1
    ----- stdout -----
    TensorFlow 2.9.0 will not use the GPU: 1 error
    checked: TensorFlow 2.9.0 [installed
      (/opt/venv/lib/python3.9/site-packages/tensorflow-2.9.0.dist-info/METADATA)]

    error[cudnn-version-mismatch]   TensorFlow 2.9.0 will refuse the cuDNN 8.0.5 it loads (built with
        cuDNN 8.1)
      cuDNN is NVIDIA's library of neural-network kernels (convolutions, batch norm, RNNs). TensorFlow
      2.9.0 checks at start-up that the cuDNN it loads fits the one it was compiled against: same major
      version and an equal or newer minor. This one does not (built with cuDNN 8.1, loaded 8.0.5: the
      loaded minor version must be 1 or higher (TensorFlow: "CuDNN library needs to have matching major
      version and equal or higher minor version")), so it logs "Loaded runtime CuDNN library: 8.0.5 but
      source was compiled with: 8.1" and every cuDNN operation fails ("DNN library is not found" /
      "Could not create cudnn handle"). A common cause is a custom image or a manual copy that replaced
      cuDNN with another version.
      evidence:
        - cuDNN loaded: libcudnn.so.8 -> /usr/lib/x86_64-linux-gnu/libcudnn.so.8.0.5 (8.0.5)  (loader
          emulation (glibc search order) (via default directory))
        - cuDNN TensorFlow 2.9.0 was built with: 8.1  (knowledge base:
          https://github.com/tensorflow/docs/blob/7c3650212740204359d4ceae481abc79345541be/site/en/install/source.md
          | https://www.tensorflow.org/install/source#gpu)
      fix:
        - Install cuDNN 8.1 for CUDA 11.2: `apt-cache madison libcudnn8` lists its versions; the newest
          8.1 for CUDA 11:
          `sudo apt-get install "libcudnn8=$(apt-cache madison libcudnn8 | awk '{print $3}' | grep '^8\.1\..*+cuda11\.' | head -n1)"`;
          or with pip `pip install 'nvidia-cudnn-cu11>=8.1,<9'` and put its `nvidia/cudnn/lib` directory
          first in `LD_LIBRARY_PATH`
        - Remove cuDNN files copied by hand (`libcudnn*` in `/usr/local/cuda*/lib64`,
          `/usr/lib/x86_64-linux-gnu`) and run `sudo ldconfig`
        - In a custom image: build FROM the official `tensorflow/tensorflow:2.9.0-gpu` and do not
          replace its cuDNN
      sources: https://github.com/tensorflow/tensorflow/blob/0db332dc4ca50224965f7924050df365b32fb979/tensorflow/stream_executor/cuda/cudnn_version.cc
        https://github.com/tensorflow/docs/blob/7c3650212740204359d4ceae481abc79345541be/site/en/install/source.md
        https://www.tensorflow.org/install/source#gpu
        https://docs.nvidia.com/deeplearning/cudnn/latest/reference/support-matrix.html

    info[tensorrt-missing]   TensorRT is not installed; TensorFlow's TensorRT warnings are harmless
      TensorRT (`libnvinfer`) is an optional NVIDIA inference optimiser. Some TensorFlow releases look
      for it at start and print "Could not load dynamic library 'libnvinfer.so.7'" or "TF-TRT Warning:
      Could not find TensorRT". TensorFlow 2.9.0 trains and runs on the GPU without it; only TF-TRT
      model conversion needs it.
      evidence:
        - libnvinfer.so.*: absent  (library search)
      fix:
        - Nothing to do unless you use TF-TRT; to silence the messages: `export TF_CPP_MIN_LOG_LEVEL=2`
          (hides TensorFlow warnings in general)
      sources: https://docs.nvidia.com/deeplearning/frameworks/tf-trt-user-guide/index.html

    ----- stderr -----
    "#);
}

#[test]
fn cudnn_newer_minor_is_untested_not_an_error() {
    let f = tf29_host("535.104.05", "8.6.0");
    let (code, v) = check_json(&f, &[]);
    assert_eq!(code, 0, "{:#}", v["findings"]);
    let d = finding(&v, "cudnn-version-mismatch");
    assert_eq!(d["severity"], "warning", "{d:#}");
}

/// `probe --format json --root f` rewritten as if `cudoctor probe` had run live on that machine
/// (`root.kind` "host"): the container and Docker-host rules judge only live hosts, since an
/// unpacked image seen from outside has no `/dev` and no daemon of its own.
fn live_snapshot(f: &Fixture, env: &[&str]) -> (tempfile::TempDir, std::path::PathBuf) {
    let mut args = vec!["probe", "--format", "json"];
    for e in env {
        args.extend(["--env", e]);
    }
    let out = f.cmd(&args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["root"]["kind"] = "host".into();
    v["root"]["path"] = "/".into();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snap.json");
    std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    (dir, path)
}

/// `check --format json --snapshot path`, with the same completeness checks as [`check_json`].
fn check_snapshot_json(path: &std::path::Path) -> (i32, Value) {
    let mut c = cudoctor_cmd();
    c.args(["check", "--format", "json", "--snapshot"])
        .arg(path);
    let r = run(&mut c);
    let v = r.json();
    assert_complete(&v, r.code);
    (r.code, v)
}

/// S14: a TF 2.9 container started without `--gpus`: no `/dev/nvidia*`, no driver mounted in.
#[test]
fn container_without_gpu_devices() {
    let f = healthy();
    for node in ["/dev/nvidia0", "/dev/nvidiactl", "/dev/nvidia-uvm"] {
        f.remove(node);
    }
    std::fs::remove_dir_all(f.host_path("/proc/driver")).unwrap();
    std::fs::remove_dir_all(f.host_path("/sys/module")).unwrap();
    for p in [
        "libcuda.so.1",
        "libcuda.so.535.104.05",
        "libnvidia-ml.so.1",
        "libnvidia-ml.so.535.104.05",
    ] {
        f.remove(&format!("{LIBDIR}/{p}"));
    }
    f.file("/.dockerenv", "");
    let (_dir, snap) = live_snapshot(&f, &["CUDA_VERSION=11.2.1"]);
    let (code, v) = check_snapshot_json(&snap);
    assert_eq!(code, 1, "{:#}", v["findings"]);
    let d = finding(&v, "container-no-gpu");
    assert_eq!(d["severity"], "error", "{d:#}");
    let fix = strings(&d["fix"]).join("\n");
    assert!(fix.contains("--gpus"), "{fix}");
    let mut c = cudoctor_cmd();
    c.args(["check", "--snapshot"]).arg(&snap);
    cmd_snapshot!(c, root = snap.parent().unwrap(), @r#"
    success: false
    exit_code: 1
    ----- stdout -----
    TensorFlow 2.9.0 will not use the GPU: 1 error
    checked: TensorFlow 2.9.0 [installed
      (/opt/venv/lib/python3.9/site-packages/tensorflow-2.9.0.dist-info/METADATA)]

    error[container-no-gpu]   This container has no GPU: TensorFlow 2.9.0 cannot use one
      A container sees a GPU only when the container runtime passes it in: the `/dev/nvidia*` device
      files and the host's driver libraries are added at start by the NVIDIA Container Toolkit when the
      container is started with `--gpus` (or the `nvidia` runtime and `NVIDIA_VISIBLE_DEVICES`). None
      are here, so frameworks find no GPU and run on the CPU. The image itself cannot fix this; the
      `docker run` command and the host can.
      evidence:
        - inside a container: /.dockerenv  (container markers)
        - /dev/nvidia0, /dev/nvidia1, ...: absent  (/dev)
        - NVIDIA_VISIBLE_DEVICES: unset  (NVIDIA_VISIBLE_DEVICES (--env))
      fix:
        - Start the container with the GPUs: add `--gpus all` to its `docker run` (Compose:
          `deploy.resources.reservations.devices: [{driver: nvidia, count: all, capabilities: [gpu]}]`)
        - On the host: install the NVIDIA Container Toolkit
          (`sudo apt-get install nvidia-container-toolkit`), then
          `sudo nvidia-ctk runtime configure --runtime=docker && sudo systemctl restart docker`
        - On the host: check the driver with `cudoctor check` (it must be new enough for the CUDA in
          this image)
      sources: https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/install-guide.html
        https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/docker-specialized.html

    info[tensorrt-missing]   TensorRT is not installed; TensorFlow's TensorRT warnings are harmless
      TensorRT (`libnvinfer`) is an optional NVIDIA inference optimiser. Some TensorFlow releases look
      for it at start and print "Could not load dynamic library 'libnvinfer.so.7'" or "TF-TRT Warning:
      Could not find TensorRT". TensorFlow 2.9.0 trains and runs on the GPU without it; only TF-TRT
      model conversion needs it.
      evidence:
        - libnvinfer.so.*: absent  (library search)
      fix:
        - Nothing to do unless you use TF-TRT; to silence the messages: `export TF_CPP_MIN_LOG_LEVEL=2`
          (hides TensorFlow warnings in general)
      sources: https://docs.nvidia.com/deeplearning/frameworks/tf-trt-user-guide/index.html

    ----- stderr -----
    "#);
    // The same tree seen from outside (`--root`) is a container's filesystem (it has
    // `/.dockerenv`, which an image never has): judged too, as a warning (issue 10).
    let (_, outside) = check_json(&f, &["--env", "CUDA_VERSION=11.2.1"]);
    assert!(
        ids(&outside).contains(&("container-no-gpu".to_owned(), "warning".to_owned())),
        "{:#}",
        outside["findings"]
    );
}

/// Issue 10: file facts are judged in every root that has the files, and the finding says what
/// root it judged. A `--root` holding a Docker host's `daemon.json` without the NVIDIA runtime
/// (the runtime installed) gets `docker-nvidia-runtime-missing`; a `--root` that is a
/// container's filesystem (`/.dockerenv`, no GPU device) gets `container-no-gpu`, as a warning
/// (its `/dev` is the container's only while it runs). Both were silent for `--root`.
#[test]
fn file_facts_are_judged_under_root() {
    let f = healthy();
    f.file(
        "/etc/docker/daemon.json",
        "{\n  \"log-driver\": \"json-file\"\n}\n",
    )
    .file("/usr/bin/nvidia-container-runtime", "")
    .file("/usr/bin/nvidia-ctk", "");
    let (_, v) = check_json(&f, &[]);
    let d = finding(&v, "docker-nvidia-runtime-missing");
    assert_eq!(d["severity"], "warning", "{d:#}");
    let judged = d["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["fact"] == "root judged")
        .unwrap_or_else(|| panic!("no `root judged` evidence: {d:#}"));
    assert!(
        judged["value"]
            .as_str()
            .unwrap()
            .starts_with("directory `[ROOT]`"),
        "{judged}"
    );
    assert_round_trip(&f, &[]);

    let f = healthy();
    for node in ["/dev/nvidia0", "/dev/nvidiactl", "/dev/nvidia-uvm"] {
        f.remove(node);
    }
    f.file("/.dockerenv", "");
    let (_, v) = check_json(&f, &[]);
    let d = finding(&v, "container-no-gpu");
    assert_eq!(d["severity"], "warning", "{d:#}");
    assert!(d.to_string().contains("/proc/PID/root"), "{d:#}");
    // A container's filesystem is not a Docker host.
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["id"] != "docker-nvidia-runtime-missing")
    );
    assert_round_trip(&f, &[]);
}

/// S10: a Docker host with the NVIDIA container runtime installed but not in daemon.json.
#[test]
fn docker_host_runtime_not_registered() {
    let f = healthy();
    f.file(
        "/etc/docker/daemon.json",
        "{\n  \"log-driver\": \"json-file\"\n}\n",
    )
    .file("/usr/bin/nvidia-container-runtime", "")
    .file("/usr/bin/nvidia-ctk", "");
    let (_dir, snap) = live_snapshot(&f, &[]);
    let (_, v) = check_snapshot_json(&snap);
    let d = finding(&v, "docker-nvidia-runtime-missing");
    assert_eq!(d["severity"], "warning", "{d:#}");
    let fix = strings(&d["fix"]).join("\n");
    assert!(
        fix.contains("\"runtimes\""),
        "no daemon.json fragment: {fix}"
    );
    assert!(fix.contains("nvidia-container-runtime"), "{fix}");
    let mut c = cudoctor_cmd();
    c.args(["check", "--snapshot"]).arg(&snap);
    cmd_snapshot!(c, root = snap.parent().unwrap(), @r#"
    success: true
    exit_code: 0
    ----- stdout -----
    TensorFlow 2.9.0 should use the GPU, with 1 warning
    checked: TensorFlow 2.9.0 [installed
      (/opt/venv/lib/python3.9/site-packages/tensorflow-2.9.0.dist-info/METADATA)]

    warning[docker-nvidia-runtime-missing]   The NVIDIA container runtime is installed but Docker is not
        configured to use it
      Docker starts GPU containers through the NVIDIA container runtime, which must be registered in
      `/etc/docker/daemon.json`. It is installed here but not registered: `docker run --runtime=nvidia`,
      Compose files with `runtime: nvidia` and setups that expect it as the default runtime (Kubernetes,
      `docker build` steps that need the GPU) fail or get containers without a GPU.
      (`docker run --gpus all` can still work through the toolkit's hook.)
      evidence:
        - NVIDIA container tools: /usr/bin/nvidia-container-runtime, /usr/bin/nvidia-ctk  (executables
          found)
        - daemon.json runtimes: none  (/etc/docker/daemon.json)
        - daemon.json default-runtime: unset (runc)  (/etc/docker/daemon.json)
      fix:
        - `sudo "$(command -v cudoctor)" fix docker-runtime --set-default --apply && sudo systemctl restart docker`
          (without `--apply` it shows the diff; the original is kept as a backup)
        - `sudo nvidia-ctk runtime configure --runtime=docker --set-as-default && sudo systemctl restart docker`
        - It writes this into `/etc/docker/daemon.json` (merged with the keys already there):
          {
          "default-runtime": "nvidia",
          "runtimes": {
          "nvidia": {
          "args": [],
          "path": "nvidia-container-runtime"
          }
          }
          }
        - Check: `docker info --format '{{json .Runtimes}}'` lists `nvidia`, and
          `docker run --rm --gpus all ubuntu nvidia-smi` shows the GPUs
      sources: https://github.com/NVIDIA/nvidia-container-toolkit/blob/main/pkg/config/engine/docker/docker.go
        https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/install-guide.html

    info[tensorrt-missing]   TensorRT is not installed; TensorFlow's TensorRT warnings are harmless
      TensorRT (`libnvinfer`) is an optional NVIDIA inference optimiser. Some TensorFlow releases look
      for it at start and print "Could not load dynamic library 'libnvinfer.so.7'" or "TF-TRT Warning:
      Could not find TensorRT". TensorFlow 2.9.0 trains and runs on the GPU without it; only TF-TRT
      model conversion needs it.
      evidence:
        - libnvinfer.so.*: absent  (library search)
      fix:
        - Nothing to do unless you use TF-TRT; to silence the messages: `export TF_CPP_MIN_LOG_LEVEL=2`
          (hides TensorFlow warnings in general)
      sources: https://docs.nvidia.com/deeplearning/frameworks/tf-trt-user-guide/index.html

    ----- stderr -----
    "#);
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
    let (_dir, snap) = live_snapshot(&f, &[]);
    let (code, v) = check_snapshot_json(&snap);
    assert_eq!(code, 0);
    assert!(
        !ids(&v)
            .iter()
            .any(|(id, _)| id == "docker-nvidia-runtime-missing"),
        "{:#}",
        v["findings"]
    );
}

/// One scenario of the table below: how to change the healthy TF 2.9 host, the `--env` pairs, whether
/// the facts are judged as a live host (through a snapshot) or as a `--root`, and the finding
/// that must appear.
struct Scenario {
    name: &'static str,
    change: fn(&Fixture),
    env: &'static [&'static str],
    live: bool,
    expect: (&'static str, &'static str),
    /// A text the finding (title, explanation, evidence or fix) must contain.
    mentions: &'static str,
}

fn set_gpu(f: &Fixture, model: &str) {
    f.file(
        "/proc/driver/nvidia/gpus/0000:00:1e.0/information",
        format!("Model: \t\t {model}\nIRQ:   \t\t 70\nBus Location: \t 0000:00:1e.0\n"),
    );
}

fn set_python(f: &Fixture, version: &str) {
    std::fs::rename(
        f.host_path("/opt/venv/lib/python3.9"),
        f.host_path(&format!("/opt/venv/lib/python{version}")),
    )
    .unwrap();
    f.file(
        "/opt/venv/pyvenv.cfg",
        format!("home = /usr/bin\nversion = {version}.4\n"),
    );
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        // S2: the soname link of the CUDA 11 runtime points at a CUDA 12 runtime.
        name: "s2_cudart_link_to_cuda12",
        change: |f| {
            f.remove(&format!("{LIBDIR}/libcudart.so.11.0"))
                .remove(&format!("{LIBDIR}/libcudart.so.11.2.152"))
                .lib(
                    &format!("{LIBDIR}/libcudart.so.12.1.105"),
                    "libcudart.so.12",
                )
                .link(
                    &format!("{LIBDIR}/libcudart.so.11.0"),
                    "libcudart.so.12.1.105",
                );
        },
        env: &[],
        live: false,
        expect: ("library-wrong-version", "error"),
        mentions: "12.1.105",
    },
    Scenario {
        // S4: CUDA_HOME names one toolkit, /usr/local/cuda another.
        name: "s4_two_toolkits_disagree",
        change: |f| {
            f.file(
                "/usr/local/cuda-11.2/version.json",
                "{\"cuda\": {\"name\": \"CUDA SDK\", \"version\": \"11.2.2\"}}",
            )
            .file(
                "/usr/local/cuda-12.1/version.json",
                "{\"cuda\": {\"name\": \"CUDA SDK\", \"version\": \"12.1.1\"}}",
            )
            .link("/usr/local/cuda", "cuda-12.1");
        },
        env: &["CUDA_HOME=/usr/local/cuda-11.2"],
        live: false,
        expect: ("cuda-toolkit-conflict", "warning"),
        mentions: "/usr/local/cuda-11.2",
    },
    Scenario {
        name: "tf29_in_python311",
        change: |f| set_python(f, "3.11"),
        env: &[],
        live: false,
        // Installed, so it may have been built for it: a warning (an error with `--for`).
        expect: ("python-version-unsupported", "warning"),
        mentions: "3.11",
    },
    Scenario {
        // Kepler GK104 (3.0): TF 2.9 has SASS from sm_35 and PTX only for compute_80.
        name: "tf29_on_compute_3_0",
        change: |f| set_gpu(f, "Tesla K10"),
        env: &[],
        live: false,
        expect: ("gpu-arch-unsupported", "error"),
        mentions: "3.0",
    },
    Scenario {
        name: "tensorflow_cpu_on_gpu_host",
        change: |f| {
            let sp = "/opt/venv/lib/python3.9/site-packages";
            std::fs::remove_dir_all(f.host_path(&format!("{sp}/tensorflow-2.9.0.dist-info")))
                .unwrap();
            f.file(
                &format!("{sp}/tensorflow_cpu-2.9.0.dist-info/METADATA"),
                "Metadata-Version: 2.1\nName: tensorflow-cpu\nVersion: 2.9.0\n",
            )
            .file(
                &format!("{sp}/tensorflow/python/platform/build_info.py"),
                "build_info = collections.OrderedDict([('cpu_compiler', '/dt9/usr/bin/gcc'), ('is_cuda_build', False), ('is_rocm_build', False), ('is_tensorrt_build', False)])\n",
            );
        },
        env: &[],
        live: false,
        expect: ("cpu-only-build", "error"),
        mentions: "tensorflow-cpu",
    },
    Scenario {
        name: "cuda_visible_devices_minus_one",
        change: |_| {},
        env: &["CUDA_VISIBLE_DEVICES=-1"],
        live: false,
        expect: ("cuda-visible-devices-hides-all", "error"),
        mentions: "-1",
    },
    Scenario {
        // cuDNN copied into a toolkit directory the loader does not search: the fix names the exact LD_LIBRARY_PATH line.
        name: "cudnn_off_the_search_path",
        change: |f| {
            f.remove(&format!("{LIBDIR}/libcudnn.so.8"))
                .remove(&format!("{LIBDIR}/libcudnn.so.8.1.1"))
                .file(
                    "/usr/local/cuda-11.2/version.json",
                    "{\"cuda\": {\"name\": \"CUDA SDK\", \"version\": \"11.2.2\"}}",
                )
                .versioned_lib(
                    "/usr/local/cuda-11.2/lib64",
                    "libcudnn.so.8.1.1",
                    "libcudnn.so.8",
                );
        },
        env: &[],
        live: false,
        expect: ("library-not-found", "error"),
        mentions: "LD_LIBRARY_PATH=/usr/local/cuda-11.2/lib64",
    },
    Scenario {
        // Issue 10: cuDNN only as the pip wheel `nvidia-cudnn-cu11` (off the loader's path).
        // TF 2.9 does not preload wheels, so it finds no libcudnn.so.8; the 8.6.0.163 wheel it
        // never loads must not also give `cudnn-version-mismatch` (the snapshot path did,
        // because its loader answers preloaded every site-packages for every framework).
        name: "tf29_cudnn_only_as_a_pip_wheel",
        change: |f| {
            let sp = "/opt/venv/lib/python3.9/site-packages";
            f.remove(&format!("{LIBDIR}/libcudnn.so.8"))
                .remove(&format!("{LIBDIR}/libcudnn.so.8.1.1"))
                .remove("/usr/include/cudnn_version.h")
                .file(
                    &format!("{sp}/nvidia_cudnn_cu11-8.6.0.163.dist-info/METADATA"),
                    "Metadata-Version: 2.1\nName: nvidia-cudnn-cu11\nVersion: 8.6.0.163\n",
                )
                .lib(
                    &format!("{sp}/nvidia/cudnn/lib/libcudnn.so.8"),
                    "libcudnn.so.8",
                );
        },
        env: &[],
        live: false,
        expect: ("library-not-found", "error"),
        mentions: "libcudnn.so.8",
    },
    Scenario {
        // User-space driver installed, kernel module not loaded (judged on a live host only).
        name: "kernel_module_not_loaded",
        change: |f| {
            std::fs::remove_dir_all(f.host_path("/proc/driver")).unwrap();
            std::fs::remove_dir_all(f.host_path("/sys/module")).unwrap();
        },
        env: &[],
        live: true,
        expect: ("kernel-module-not-loaded", "error"),
        mentions: "535.104.05",
    },
    Scenario {
        // After a driver upgrade without reboot: libraries 535.129.03, module 535.104.05.
        name: "driver_library_mismatch",
        change: |f| {
            for p in [
                "libcuda.so.1",
                "libcuda.so.535.104.05",
                "libnvidia-ml.so.1",
                "libnvidia-ml.so.535.104.05",
            ] {
                f.remove(&format!("{LIBDIR}/{p}"));
            }
            f.versioned_lib(LIBDIR, "libcuda.so.535.129.03", "libcuda.so.1")
                .versioned_lib(LIBDIR, "libnvidia-ml.so.535.129.03", "libnvidia-ml.so.1");
        },
        env: &[],
        live: true,
        expect: ("driver-library-mismatch", "error"),
        mentions: "535.129.03",
    },
];

#[test]
fn scenario_table() {
    let mut failures = Vec::new();
    for s in SCENARIOS {
        let f = healthy();
        (s.change)(&f);
        let v = if s.live {
            let (_dir, snap) = live_snapshot(&f, s.env);
            check_snapshot_json(&snap).1
        } else {
            let mut extra = Vec::new();
            for e in s.env {
                extra.extend(["--env", e]);
            }
            let (_, v) = check_json(&f, &extra);
            assert_round_trip(&f, &extra);
            v
        };
        let (id, severity) = s.expect;
        // Nothing else is wrong with these hosts: no other error or warning (false alarms).
        let others: Vec<(String, String)> = ids(&v)
            .into_iter()
            .filter(|(i, sev)| i != id && sev != "info")
            .collect();
        if !others.is_empty() {
            failures.push(format!("{}: unexpected findings {others:?}", s.name));
        }
        let Some(found) = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == id)
        else {
            failures.push(format!("{}: no `{id}` in {:?}", s.name, ids(&v)));
            continue;
        };
        if found["severity"] != severity {
            failures.push(format!(
                "{}: `{id}` is {} (expected {severity})",
                s.name, found["severity"]
            ));
        }
        if !found.to_string().contains(s.mentions) {
            failures.push(format!(
                "{}: `{id}` does not mention `{}`: {found:#}",
                s.name, s.mentions
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The healthy root and every `--root` (not live) scenario, by name.
fn directory_roots() -> Vec<(&'static str, Fixture)> {
    let mut roots = vec![("healthy", healthy())];
    for s in SCENARIOS.iter().filter(|s| !s.live) {
        let f = healthy();
        (s.change)(&f);
        roots.push((s.name, f));
    }
    roots
}

/// With `COLUMNS=80`, no line of `check`'s text that could be wrapped is wider than 80 columns,
/// for the healthy host and every `--root` scenario (commands and URLs may stand alone wider).
#[test]
fn check_text_fits_80_columns() {
    let roots = directory_roots();
    for (name, f) in &roots {
        for extra in [
            &[][..],
            &["--for", "tensorflow==2.9.0"],
            &["--for", "torch"],
        ] {
            let mut args = vec!["check"];
            args.extend(extra);
            let out = f.cmd(&args).env("COLUMNS", "80").output().unwrap();
            let text = String::from_utf8(out.stdout).unwrap();
            assert!(!text.is_empty(), "{name}: no output");
            common::assert_fits(&text, 80, &format!("check {name} {extra:?}"));
        }
    }
}

/// `--lang zh` (or `CUDOCTOR_LANG=zh`, or `LANG=zh_CN.UTF-8`): for the healthy host and every
/// `--root` scenario, `check` reads in Chinese: the verdict and every finding's title are not
/// the English ones the JSON gives, the labels are Chinese, the ids stay, and the text fits 80
/// columns. The three ways of asking give the same text; `--lang en` wins over `LANG`; the JSON
/// is the English contract whatever the language.
#[test]
fn check_reads_in_chinese() {
    let roots = directory_roots();
    let text = |f: &Fixture, lang: &[&str], env: Option<(&str, &str)>| -> String {
        let mut args = lang.to_vec();
        args.push("check");
        let mut cmd = f.cmd(&args);
        cmd.env("COLUMNS", "80");
        if let Some((k, v)) = env {
            cmd.env(k, v);
        }
        String::from_utf8(cmd.output().unwrap().stdout).unwrap()
    };
    for (name, f) in &roots {
        let (code, en_json) = check_json(f, &[]);
        let (zh_code, zh_json) = check_json(f, &["--lang", "zh"]);
        assert_eq!(code, zh_code, "{name}");
        assert_eq!(
            en_json["verdict"], zh_json["verdict"],
            "{name}: JSON is English"
        );
        assert_eq!(
            en_json["findings"], zh_json["findings"],
            "{name}: JSON is English"
        );
        let zh = text(f, &["--lang", "zh"], None);
        let verdict = en_json["verdict"].as_str().unwrap();
        let first = zh.lines().next().unwrap_or_default();
        assert!(!zh.contains(verdict), "{name}: English verdict in\n{zh}");
        assert!(
            first
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{name}: the verdict is not Chinese: {first}"
        );
        for f in en_json["findings"].as_array().unwrap() {
            let (id, title) = (f["id"].as_str().unwrap(), f["title"].as_str().unwrap());
            let sev = match f["severity"].as_str().unwrap() {
                "error" => "错误",
                "warning" => "警告",
                _ => "提示",
            };
            assert!(
                zh.contains(&format!("{sev}[{id}]")),
                "{name}: no `{sev}[{id}]` in\n{zh}"
            );
            // Long titles are wrapped in the text: compare the first words.
            let head: String = title
                .split_whitespace()
                .take(6)
                .collect::<Vec<_>>()
                .join(" ");
            assert!(
                !zh.contains(&head),
                "{name}: English title `{title}` in\n{zh}"
            );
            if !f["fix"].as_array().unwrap().is_empty() {
                assert!(zh.contains("修复："), "{name}: no fix label in\n{zh}");
            }
        }
        common::assert_fits(&zh, 80, &format!("--lang zh check {name}"));
        let md = text(f, &["--lang", "zh", "--format", "markdown"], None);
        assert!(md.starts_with("### cudoctor check："), "{name}:\n{md}");
        assert!(md.contains("| 严重程度 | id | 诊断结果 |"), "{name}:\n{md}");
        assert!(!md.contains(verdict), "{name}: English verdict in\n{md}");
        assert_eq!(zh, text(f, &[], Some(("CUDOCTOR_LANG", "zh"))), "{name}");
        assert_eq!(zh, text(f, &[], Some(("LANG", "zh_CN.UTF-8"))), "{name}");
        assert_eq!(
            text(f, &["--lang", "en"], Some(("LANG", "zh_CN.UTF-8"))),
            text(f, &[], None),
            "{name}: --lang en"
        );
    }
}

/// A language cudoctor does not have is a usage error naming the ones it has.
#[test]
fn unknown_language_is_a_usage_error() {
    let r = common::run(common::cudoctor_cmd().args(["--lang", "fr", "matrix"]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("unknown language `fr` (known: en, zh)"),
        "{}",
        r.stderr
    );
}

/// Regression test (fixed): a TensorFlow release newer than the knowledge base, whose build info says CUDA 12.5
/// and cuDNN 9, on a root with no CUDA library, no cuDNN and no driver: `check` says "TensorFlow
/// 2.99.0 is ready to use the GPU" and exits 0 (only two info findings). Issue 4: such releases are
/// diagnosed from their installed files; at least the missing `libcudart.so.12` / `libcudnn.so.9`
/// must be found, and "ready" must never be said without evidence. Same verdict when the
/// installed version is unreadable (garbage in METADATA) and there is no build info.
#[test]
fn newer_release_without_libraries_is_not_ready() {
    let f = Fixture::new();
    let sp = "/opt/venv/lib/python3.11/site-packages";
    f.file("/opt/venv/pyvenv.cfg", "version = 3.11.4\n")
        .file(
            &format!("{sp}/tensorflow-2.99.0.dist-info/METADATA"),
            "Metadata-Version: 2.1\nName: tensorflow\nVersion: 2.99.0\n",
        )
        .file(
            &format!("{sp}/tensorflow/python/platform/build_info.py"),
            "build_info = collections.OrderedDict([('cuda_compute_capabilities', ['sm_60', 'sm_70', 'sm_80', 'sm_89', 'compute_90']), ('cuda_version', '12.5.1'), ('cudnn_version', '9'), ('is_cuda_build', True)])\n",
        );
    let (_, v) = check_json(&f, &[]);
    assert_ne!(v["status"], "ok", "{}: {:#}", v["verdict"], v["findings"]);
    assert!(
        !v["verdict"].as_str().unwrap().contains("ready"),
        "{}",
        v["verdict"]
    );
    let missing = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == "library-not-found")
        .expect("library-not-found");
    let text = missing.to_string();
    assert!(text.contains("libcudart.so.12"), "{text}");
    assert!(text.contains("libcudnn.so.9"), "{text}");
    assert!(text.contains("carried over from TensorFlow"), "{text}");

    // Unreadable version, no build info: nothing to derive the libraries from; "ok" only with a
    // verdict that says what was not checked.
    let g = Fixture::new();
    g.file("/opt/venv/pyvenv.cfg", "version = 3.11.4\n").file(
        &format!("{sp}/tensorflow-2.99.0.dist-info/METADATA"),
        "Metadata-Version: 2.1\nName: tensorflow\nVersion: ???garbage\n",
    );
    let (_, v) = check_json(&g, &[]);
    let verdict = v["verdict"].as_str().unwrap();
    assert!(!verdict.contains("ready"), "{verdict}");
    if v["status"] == "ok" {
        assert!(verdict.contains("not checked"), "{verdict}");
        assert!(verdict.contains("unknown"), "{verdict}");
    }
}

/// Regression test (fixed): the same `--for` twice is checked twice ("TensorFlow 2.9.0, TensorFlow 2.9.0 is
/// ready to use the GPU"); targets are not de-duplicated.
#[test]
fn repeated_target_is_checked_once() {
    let f = healthy();
    let r = f.run(&[
        "check",
        "--quiet",
        "--for",
        "tensorflow==2.9.0",
        "--for",
        "tf==2.9.0",
    ]);
    assert_eq!(
        r.stdout,
        "TensorFlow 2.9.0: no problem found in the files; the driver and GPU were not checked (directory root)\n"
    );
}

#[test]
fn empty_root_is_not_an_error_of_the_tool() {
    let f = Fixture::new();
    let (code, v) = check_json(&f, &[]);
    assert!(code == 0 || code == 1);
    assert!(v["targets"].is_array());
    cmd_snapshot!(f.cmd(&["check"]), root = f.path(), @"
    success: true
    exit_code: 0
    ----- stdout -----
    No problem found in the files (no framework checked); the driver and GPU were not checked (directory
      root)

    info[no-framework-target]   No framework to check against: only the GPU stack was checked
      No TensorFlow, PyTorch or JAX installation was found and none was named, so only the driver, GPUs,
      toolkits and containers were checked. Naming the framework you mean to run adds its checks: the
      driver its CUDA needs, the exact libraries it opens, its cuDNN rule, its Python versions and
      whether it has code for your GPU.
      evidence:
        - frameworks installed: none found in 0 Python environments  (Python environments (*.dist-info))
      fix:
        - `cudoctor check --for tensorflow==2.9.0` (or `--for torch==2.4.1`, `--for jax==0.4.30`)
      sources: https://www.tensorflow.org/install/source#gpu

    ----- stderr -----
    ");
}

// ---------------------------------------------------------------- bad input

#[test]
fn root_that_does_not_exist() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let mut c = cudoctor_cmd();
    c.args(["check", "--root"]).arg(&missing);
    cmd_snapshot!(c, root = dir.path(), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: `--root [ROOT]/nope` is not a directory

    hint: give the directory to treat as `/` (an unpacked image or a mounted disk)
    ");
}

#[test]
fn snapshot_with_invalid_json() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("snap.json");
    std::fs::write(&p, "{\n  \"schema_version\": 1,\n  \"driver\": {,\n}\n").unwrap();
    let mut c = cudoctor_cmd();
    c.args(["check", "--snapshot"]).arg(&p);
    let r = cmd_snapshot!(c, root = dir.path(), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: `[ROOT]/snap.json` is not a cudoctor snapshot: cannot parse snapshot JSON (line 3, column 14)

    hint: write one with `cudoctor probe --format json > snap.json`
    ");
    assert!(r.stderr.contains("line 3"), "{}", r.stderr);
}

#[test]
fn snapshot_that_is_missing_or_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = cudoctor_cmd();
    c.args(["check", "--snapshot"])
        .arg(dir.path().join("none.json"));
    cmd_snapshot!(c, root = dir.path(), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: cannot read snapshot `[ROOT]/none.json`: No such file or directory (os error 2)
    ");
    let mut c = cudoctor_cmd();
    c.args(["check", "--snapshot"]).arg(dir.path());
    cmd_snapshot!(c, root = dir.path(), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: cannot read snapshot `[ROOT]`: Is a directory (os error 21)
    ");
}

#[test]
fn env_without_equals() {
    let f = Fixture::new();
    cmd_snapshot!(f.cmd(&["check", "--env", "LD_LIBRARY_PATH"]), root = f.path(), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: invalid `--env LD_LIBRARY_PATH`

    hint: write KEY=VALUE, e.g. `--env LD_LIBRARY_PATH=/usr/local/cuda/lib64`
    ");
}

#[test]
fn env_without_root() {
    cmd_snapshot!(cudoctor_cmd().args(["check", "--env", "A=B"]), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: the following required arguments were not provided:
      --root <DIR>

    Usage: cudoctor check --root <DIR> --env <KEY=VALUE>

    For more information, try '--help'.
    ");
}

/// Regression test (fixed): `--env` is documented as "for --root" (clap `requires = "root"`), but with
/// `--snapshot` clap does not enforce it and the pairs are silently ignored.
#[test]
fn env_with_snapshot_is_refused() {
    let f = healthy();
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap.json");
    std::fs::write(
        &snap,
        f.cmd(&["probe", "--format", "json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let mut c = cudoctor_cmd();
    c.args(["check", "--snapshot"])
        .arg(&snap)
        .args(["--env", "CUDA_VISIBLE_DEVICES=-1"]);
    assert_eq!(run(&mut c).code, 2);
}

#[test]
fn root_and_snapshot_conflict() {
    cmd_snapshot!(cudoctor_cmd().args(["check", "--root", "/", "--snapshot", "x.json"]), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: the argument '--root <DIR>' cannot be used with '--snapshot <FILE>'

    Usage: cudoctor check --root <DIR>

    For more information, try '--help'.
    ");
}

#[test]
fn bad_target_spec() {
    let f = healthy();
    // A bare name is the installed release (2.9.0 here).
    let (_, v) = check_json(&f, &["--for", "tensorflow"]);
    assert_eq!(v["targets"][0]["version"], "2.9.0", "{:#}", v["targets"]);
    cmd_snapshot!(f.cmd(&["check", "--for", "tensorflow=2.9"]), root = f.path(), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: invalid spec `tensorflow=2.9`: expected NAME==VERSION, e.g. `tensorflow==2.9.0`, `torch==2.4.1+cu121`, `jax==0.4.30`

    hint: write NAME==VERSION, e.g. `--for tensorflow==2.9.0`, `--for torch==2.4.1+cu121`
    ");
    // A release newer than the tables (the newest known moves as they grow): a warning naming it.
    let (code, v) = check_json(&f, &["--for", "tensorflow==2.99.0"]);
    assert_eq!(code, 0);
    let d = finding(&v, "release-not-in-knowledge-base");
    assert_eq!(d["severity"], "warning");
    assert!(d["title"].as_str().unwrap().contains("2.99.0"), "{d:#}");
}

/// The check schema rejects what it should: a finding without evidence, an unknown severity, a
/// missing verdict (so the schema checks above can fail).
#[test]
fn check_schema_rejects_incomplete_documents() {
    let (_, v) = check_json(&healthy(), &[]);
    let text = std::fs::read_to_string(common::repo_root().join("docs/check.schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    assert!(common::schema_errors(&schema, &v).is_empty());
    let mut no_verdict = v.clone();
    no_verdict.as_object_mut().unwrap().remove("verdict");
    assert!(!common::schema_errors(&schema, &no_verdict).is_empty());
    let mut bad = v.clone();
    bad["findings"] = serde_json::json!([{"id": "x", "severity": "fatal", "title": "t",
        "explanation": "e", "fix": [], "sources": []}]);
    let errors = common::schema_errors(&schema, &bad);
    assert!(errors.iter().any(|e| e.contains("severity")), "{errors:?}");
    assert!(errors.iter().any(|e| e.contains("evidence")), "{errors:?}");
}

/// `--quiet` prints the verdict alone; with `--format json`, a small JSON document with the
/// status and the verdict (for a HEALTHCHECK or a CI gate), and the exit code still says it.
#[test]
fn quiet_text_and_json() {
    let f = tf29_host("535.104.05", "8.0.5");
    let r = f.run(&["check", "--quiet"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.stdout.lines().count(), 1, "{}", r.stdout);
    let r = f.run(&["check", "--quiet", "--format", "json"]);
    assert_eq!(r.code, 1);
    let v = r.json();
    assert_eq!(v["status"], "error");
    assert!(v["verdict"].as_str().unwrap().contains("1 error"), "{v:#}");
    assert!(v.get("findings").is_none(), "{v:#}");
}

/// `probe --for SPEC` on a root where that release is not installed records the loader's
/// answers SPEC needs, so `check --snapshot --for SPEC` of it gives what `check --root --for
/// SPEC` gives: one pipeline for a named target too.
#[test]
fn round_trip_for_a_target_not_installed() {
    let f = healthy();
    f.remove("/opt/venv/lib/python3.9/site-packages/tensorflow-2.9.0.dist-info/METADATA")
        .remove("/opt/venv/lib/python3.9/site-packages/tensorflow/python/platform/build_info.py");
    for spec in ["tensorflow==2.9.0", "torch==2.1.0+cu121"] {
        assert_round_trip(&f, &["--for", spec]);
    }
}

/// A root that cannot be opened: `probe` still writes a snapshot, which says why, and `check`
/// of it says the facts are unknown rather than failing silently.
#[test]
fn a_root_that_cannot_be_opened_is_a_snapshot_that_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let snap = cudoctor_probe::probe(&cudoctor_probe::ProbeOptions::directory(&file, Vec::new()));
    assert_eq!(snap.probe_errors.len(), 1, "{:?}", snap.probe_errors);
    assert_eq!(snap.probe_errors[0].collector, "root");
    assert!(
        snap.probe_errors[0].message.contains("not-a-dir"),
        "{}",
        snap.probe_errors[0].message
    );
    let json: Value = serde_json::from_str(&snap.to_json().unwrap()).unwrap();
    common::assert_matches_schema(&json);
}
