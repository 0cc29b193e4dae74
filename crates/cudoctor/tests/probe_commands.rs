//! `probe`, `which` and `report` over fixture roots built in temporary directories.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Fixture, FixtureExt, LIBDIR, at, cudoctor_cmd, run};

/// A small host: driver 535.104.05, a Tesla T4, CUDA 11.2 runtime in a toolkit directory and on the
/// default path, cuDNN 8.1.1, TensorFlow 2.9.0 in a venv.
fn host() -> Fixture {
    let f = Fixture::new();
    f.file(
        "/proc/driver/nvidia/version",
        "NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05  Sat Aug 19 01:15:15 UTC 2023\n",
    )
    .file(
        "/proc/driver/nvidia/gpus/0000:00:1e.0/information",
        "Model: \t\t Tesla T4\nIRQ:   \t\t 70\nGPU UUID: \t GPU-ad8e9ef0-8be5-6b26-5d5a-0f8e4e0d3b3b\nBus Location: \t 0000:00:1e.0\nDevice Minor: \t 0\n",
    )
    .file("/dev/nvidia0", "")
    .file("/dev/nvidiactl", "")
    .file("/dev/nvidia-uvm", "")
    .versioned_lib(LIBDIR, "libcuda.so.535.104.05", "libcuda.so.1")
    .versioned_lib(LIBDIR, "libcudart.so.11.2.152", "libcudart.so.11.0")
    .versioned_lib(LIBDIR, "libcudnn.so.8.1.1", "libcudnn.so.8")
    .file(
        "/usr/include/cudnn_version.h",
        "#define CUDNN_MAJOR 8\n#define CUDNN_MINOR 1\n#define CUDNN_PATCHLEVEL 1\n",
    )
    .file(
        "/usr/local/cuda-11.2/version.json",
        "{\"cuda\": {\"name\": \"CUDA SDK\", \"version\": \"11.2.2\"}}",
    )
    .versioned_lib("/usr/local/cuda-11.2/lib64", "libcudart.so.11.2.152", "libcudart.so.11.0")
    .link("/usr/local/cuda", "cuda-11.2")
    .file("/opt/venv/pyvenv.cfg", "home = /usr/bin\nversion = 3.9.16\n")
    .file(
        "/opt/venv/lib/python3.9/site-packages/tensorflow-2.9.0.dist-info/METADATA",
        "Metadata-Version: 2.1\nName: tensorflow\nVersion: 2.9.0\n",
    )
    .file(
        "/opt/venv/lib/python3.9/site-packages/tensorflow/python/platform/build_info.py",
        "build_info = collections.OrderedDict([('cuda_compute_capabilities', ['sm_35', 'sm_50', 'sm_60', 'sm_70', 'sm_75', 'compute_80']), ('cuda_version', '11.2'), ('cudnn_version', '8'), ('is_cuda_build', True)])\n",
    );
    f
}

#[test]
fn probe_json_contract() {
    let f = host();
    let r = f.run(&["probe", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(at(&v, "/driver/kernel_module_version"), "535.104.05");
    assert_eq!(at(&v, "/driver/userspace_version"), "535.104.05");
    assert_eq!(at(&v, "/gpus/0/name"), "Tesla T4");
    // Completed from the knowledge base by the binary.
    assert_eq!(at(&v, "/gpus/0/compute_capability"), "7.5");
    assert!(
        at(&v, "/driver/cuda_version").is_string(),
        "{:#}",
        v["driver"]
    );
    let tk = v["cuda_toolkits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["root"] == "/usr/local/cuda")
        .unwrap();
    assert_eq!(tk["version"], "11.2.2");
    assert!(
        v["cudnn"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["version"] == "8.1.1")
    );
    let tf = &v["frameworks"][0];
    assert_eq!(tf["name"], "tensorflow");
    assert_eq!(tf["version"], "2.9.0");
    assert_eq!(tf["cuda_version"], "11.2");
    assert_eq!(tf["environment"], "/opt/venv");
    assert!(v["live"].is_null(), "nothing is loaded from a --root");
    // The root itself is named, and never a host path inside the facts.
    assert!(
        !r.stdout.contains("/tmp/"),
        "host paths leak into a --root snapshot"
    );
}

#[test]
fn probe_json_is_deterministic_and_round_trips_through_check() {
    let f = host();
    let a = f.run(&["probe", "--format", "json"]);
    let b = f.run(&["probe", "--format", "json"]);
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn probe_text() {
    let f = host();
    cmd_snapshot!(f.cmd(&["probe"]), root = f.path(), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Probed directory `[ROOT]` (no environment: none given with `--env`)

    Driver
      kernel module    535.104.05  (/proc/driver/nvidia/version)
      module flavor    proprietary
      user space       535.104.05  (file name `/usr/lib/x86_64-linux-gnu/libcuda.so.535.104.05` (what the loader picks for libcuda.so.1))
      supports CUDA    12.2  (knowledge base: the CUDA version of the newest toolkit release whose driver requirement is <= 535.104.05 (a lower bound))
      newest toolkit   12.2.2  (knowledge base: the newest CUDA toolkit release whose driver requirement is <= 535.104.05)

    GPUs
      0  Tesla T4
         compute capability 7.5  (knowledge base: `NVIDIA T4` (https://blog.csdn.net/HaoZiHuang/article/details/125834480 (2022 verbatim copy of the former developer.nvidia.com/cuda-gpus tables)))
         bus 0000:00:1e.0
      device nodes: /dev/nvidia0, /dev/nvidiactl, /dev/nvidia-uvm

    CUDA toolkits
      `/usr/local/cuda` -> /usr/local/cuda-11.2: 11.2.2  (/usr/local/cuda/version.json)  [/usr/local/cuda*]
      `/usr/local/cuda-11.2`: 11.2.2  (/usr/local/cuda-11.2/version.json)  [/usr/local/cuda*]

    CUDA libraries
      libcuda.so.1             535.104.05     `/usr/lib/x86_64-linux-gnu/libcuda.so.1`
      libcuda.so.1             535.104.05     `/usr/lib/x86_64-linux-gnu/libcuda.so.535.104.05`
      libcudart.so.11.0        11.2.152       `/usr/lib/x86_64-linux-gnu/libcudart.so.11.0`
      libcudart.so.11.0        11.2.152       `/usr/lib/x86_64-linux-gnu/libcudart.so.11.2.152`
      libcudart.so.11.0        11.2.152       `/usr/local/cuda/lib64/libcudart.so.11.0`
      libcudart.so.11.0        11.2.152       `/usr/local/cuda/lib64/libcudart.so.11.2.152`
      libcudnn.so.8            8.1.1          `/usr/lib/x86_64-linux-gnu/libcudnn.so.8`
      libcudnn.so.8            8.1.1          `/usr/lib/x86_64-linux-gnu/libcudnn.so.8.1.1`

    cuDNN
      header   8.1.1  `/usr/include/cudnn_version.h`
      library  8.1.1  `/usr/lib/x86_64-linux-gnu/libcudnn.so.8`
      library  8.1.1  `/usr/lib/x86_64-linux-gnu/libcudnn.so.8.1.1`

    Python environments
      `/opt/venv` (venv, Python 3.9)
      active: unknown (PATH is not set for this root (give it with --env PATH=...))

    Frameworks
      tensorflow 2.9.0: built with CUDA 11.2, cuDNN 8  in `/opt/venv`
         GPU code: sm_35, sm_50, sm_60, sm_70, sm_75, sm_80, compute_80

    ----- stderr -----
    ");
}

#[test]
fn probe_markdown_is_refused() {
    let f = host();
    cmd_snapshot!(f.cmd(&["probe", "--format", "markdown"]), root = f.path(), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: `cudoctor probe` has no Markdown output

    hint: use `--format text` or `--format json`
    ");
}

#[test]
fn probe_env_is_used_with_root() {
    let f = host();
    let r = f.run(&[
        "probe",
        "--format",
        "json",
        "--env",
        "CUDA_VISIBLE_DEVICES=0",
        "--env",
        "LD_LIBRARY_PATH=/usr/local/cuda/lib64",
    ]);
    let v = r.json();
    assert_eq!(at(&v, "/environment/variables/CUDA_VISIBLE_DEVICES"), "0");
    assert_eq!(
        at(&v, "/environment/variables/LD_LIBRARY_PATH"),
        "/usr/local/cuda/lib64"
    );
}

#[test]
fn probe_bad_root() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = cudoctor_cmd();
    c.args(["probe", "--root"]).arg(dir.path().join("missing"));
    cmd_snapshot!(c, root = dir.path(), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: `--root [ROOT]/missing` is not a directory

    hint: give the directory to treat as `/` (an unpacked image or a mounted disk)
    ");
    let file = dir.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let mut c = cudoctor_cmd();
    c.args(["probe", "--root"]).arg(&file);
    cmd_snapshot!(c, root = dir.path(), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: `--root [ROOT]/file` is not a directory

    hint: give the directory to treat as `/` (an unpacked image or a mounted disk)
    ");
}

#[test]
fn probe_env_without_equals() {
    let f = host();
    cmd_snapshot!(f.cmd(&["probe", "--env", "CUDA_HOME"]), root = f.path(), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: invalid `--env CUDA_HOME`

    hint: write KEY=VALUE, e.g. `--env LD_LIBRARY_PATH=/usr/local/cuda/lib64`
    ");
}

// ---------------------------------------------------------------- which

#[test]
fn which_default_dir() {
    let f = host();
    cmd_snapshot!(f.cmd(&["which", "libcudnn.so.8"]), root = f.path(), @"
    success: true
    exit_code: 0
    ----- stdout -----
    libcudnn.so.8: `/usr/lib/x86_64-linux-gnu/libcudnn.so.8` -> `/usr/lib/x86_64-linux-gnu/libcudnn.so.8.1.1`
      search order:
        default_dir        `/usr/lib/x86_64-linux-gnu/libcudnn.so.8`: taken (elf64-x86_64)
      note: no `/etc/ld.so.cache`
      note: default directories for a Debian multiarch layout: /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib /usr/lib

    ----- stderr -----
    ");
    let r = f.run(&["which", "libcudnn.so.8", "--format", "json"]);
    assert_eq!(r.code, 0);
    let v = r.json();
    assert_eq!(v["soname"], "libcudnn.so.8");
    assert_eq!(
        v["chosen"]["path"],
        "/usr/lib/x86_64-linux-gnu/libcudnn.so.8"
    );
    assert_eq!(
        v["chosen"]["real_path"],
        "/usr/lib/x86_64-linux-gnu/libcudnn.so.8.1.1"
    );
}

#[test]
fn which_ld_library_path_wins() {
    let f = host();
    let r = f.run(&[
        "which",
        "libcudart.so.11.0",
        "--format",
        "json",
        "--env",
        "LD_LIBRARY_PATH=/usr/local/cuda/lib64",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    assert_eq!(
        v["chosen"]["path"],
        "/usr/local/cuda/lib64/libcudart.so.11.0"
    );
    // The default-directory copy was considered and lost.
    assert!(
        v["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["path"] == "/usr/lib/x86_64-linux-gnu/libcudart.so.11.0"),
        "{v:#}"
    );
}

#[test]
fn which_not_found() {
    let f = host();
    let r = cmd_snapshot!(f.cmd(&["which", "libcublas.so.12"]), root = f.path(), @r#"
    success: false
    exit_code: 1
    ----- stdout -----
    libcublas.so.12: not found (the loader would fail with "cannot open shared object file")
      note: no `/etc/ld.so.cache`
      note: default directories for a Debian multiarch layout: /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib /usr/lib

    ----- stderr -----
    "#);
    assert_eq!(r.code, 1);
}

#[test]
fn which_wrong_class_is_skipped() {
    let f = host();
    // A 32-bit file under the 64-bit name: not taken.
    let mut elf32 = common::make_elf("libcublas.so.11");
    elf32[4] = 1;
    f.file(&format!("{LIBDIR}/libcublas.so.11"), elf32);
    let r = f.run(&["which", "libcublas.so.11", "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.json()["chosen"].is_null());
}

/// `--from FILE`: the requester's DT_RUNPATH with `$ORIGIN` is searched (after LD_LIBRARY_PATH,
/// before the default directories).
#[test]
fn which_from_runpath_origin() {
    let f = host();
    f.file(
        "/opt/app/bin/libapp.so",
        common::make_elf_with(Some("libapp.so"), Some("$ORIGIN/../lib")),
    )
    .versioned_lib("/opt/app/lib", "libcudnn.so.8.9.7", "libcudnn.so.8");
    let r = f.run(&[
        "which",
        "libcudnn.so.8",
        "--from",
        "/opt/app/bin/libapp.so",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    assert_eq!(
        v["chosen"]["real_path"], "/opt/app/lib/libcudnn.so.8.9.7",
        "{v:#}"
    );
    // The default-directory copy is still listed, as the one that would have come next.
    assert!(
        v["candidates"]
            .to_string()
            .contains("/usr/lib/x86_64-linux-gnu/libcudnn.so.8"),
        "{v:#}"
    );
    // LD_LIBRARY_PATH comes before DT_RUNPATH.
    let r = f.run(&[
        "which",
        "libcudnn.so.8",
        "--from",
        "/opt/app/bin/libapp.so",
        "--env",
        "LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu",
        "--format",
        "json",
    ]);
    assert_eq!(
        r.json()["chosen"]["path"],
        "/usr/lib/x86_64-linux-gnu/libcudnn.so.8"
    );
    cmd_snapshot!(f.cmd(&["which", "libcudnn.so.8", "--from", "/opt/app/bin/libapp.so"]), root = f.path(), @"
    success: true
    exit_code: 0
    ----- stdout -----
    libcudnn.so.8: `/opt/app/bin/../lib/libcudnn.so.8` -> `/opt/app/lib/libcudnn.so.8.9.7`
      as loaded by `/opt/app/bin/libapp.so`
      search order:
        runpath            `/opt/app/bin/../lib/libcudnn.so.8`: taken (elf64-x86_64)
        default_dir        `/usr/lib/x86_64-linux-gnu/libcudnn.so.8`: would also load, but an earlier candidate wins (elf64-x86_64)
      note: no `/etc/ld.so.cache`
      note: default directories for a Debian multiarch layout: /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib /usr/lib

    ----- stderr -----
    ");
}

/// Regression test (fixed): an empty soname is searched as a directory name (`/usr/lib/x86_64-linux-gnu/`:
/// "unreadable ... a directory") and exits 1; it is bad input (exit 2).
#[test]
fn which_empty_soname_is_refused() {
    let f = host();
    assert_eq!(f.run(&["which", ""]).code, 2);
}

#[test]
fn which_bad_input() {
    let f = host();
    cmd_snapshot!(f.cmd(&["which", "libcudnn.so.8", "--from", "/opt/nope.so"]), root = f.path(), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: `--from /opt/nope.so`: no such file (or not a regular file)

    hint: give the ELF file that loads the library (a framework's shared object)
    ");
    cmd_snapshot!(cudoctor_cmd().args(["which", "libcudnn.so.8", "--snapshot", "snap.json"]), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: `cudoctor which` needs the files, not a snapshot

    hint: run it on the machine, with `--root DIR` or `--image REF`; a snapshot already holds the loader's answers under `loader`
    ");
}

// ---------------------------------------------------------------- report

#[test]
fn report_text() {
    let f = host();
    let r = cmd_snapshot!(f.cmd(&["report"]), root = f.path(), @"
    success: true
    exit_code: 0
    ----- stdout -----
    PyTorch version: N/A (not installed)
    CUDA used to build PyTorch: N/A
    TensorFlow version: 2.9.0
    CUDA used to build TensorFlow: 11.2
    cuDNN used to build TensorFlow: 8
    jax version: N/A (not installed)
    jaxlib version: N/A (not installed)
    Python version: Could not collect (PATH is not set for this root (give it with --env PATH=...))
    Python environments: 3.9 (/opt/venv)
    OS: Could not collect (no /etc/os-release or /usr/lib/os-release)
    GLIBC version: Could not collect (no libc.so.6 in /lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu, /lib/aarch64-linux-gnu, /usr/lib/aarch64-linux-gnu, /lib/powerpc64le-linux-gnu, /usr/lib/powerpc64le-linux-gnu, /lib64, /usr/lib64, /lib, /usr/lib)
    Kernel: Could not collect (not the running kernel: the files of a directory or image do not say which machine runs them)
    CPU: Could not collect (not the running CPU: the files of a directory or image do not say which machine runs them)
    cudoctor version: 0.1.0
    Versions of relevant libraries: tensorflow==2.9.0
    Is CUDA available: Could not collect (no live driver calls for this source)
    CUDA toolkits (not what the frameworks load): 11.2.2 (/usr/local/cuda); 11.2.2 (/usr/local/cuda-11.2)
    GPU models and configuration: GPU 0: Tesla T4 (compute capability 7.5)
    Nvidia driver version: 535.104.05
    Driver supports CUDA: 12.2
    cuDNN version: 8.1.1 (/usr/include/cudnn_version.h); 8.1.1 (/usr/lib/x86_64-linux-gnu/libcudnn.so.8); 8.1.1 (/usr/lib/x86_64-linux-gnu/libcudnn.so.8.1.1)
    Loader: libcublas: libcublas.so.11 -> not found
    Loader: libcuda: libcuda.so.1 -> /usr/lib/x86_64-linux-gnu/libcuda.so.535.104.05
    Loader: libcudart: libcudart.so.11.0 -> /usr/lib/x86_64-linux-gnu/libcudart.so.11.2.152
    Loader: libcudnn: libcudnn.so.8 -> /usr/lib/x86_64-linux-gnu/libcudnn.so.8.1.1

    ----- stderr -----
    ");
    assert_eq!(r.code, 0);
}

#[test]
fn report_json_and_markdown() {
    let f = host();
    for format in ["json", "markdown"] {
        let r = f.run(&["report", "--format", format]);
        assert_eq!(r.code, 0, "{format}: {}", r.stderr);
        assert!(r.stdout.contains("535.104.05"), "{format}:\n{}", r.stdout);
        assert!(r.stdout.contains("8.1.1"), "{format}:\n{}", r.stdout);
        if format == "json" {
            let v = r.json();
            assert_eq!(v["schema_version"], 1, "{v:#}");
        }
    }
}

/// `report` names the active Python (here `VIRTUAL_ENV`) and the system; `--redact` removes the
/// user name, the host name and the home directory from every field, which are there without it.
#[test]
fn report_active_python_and_redact() {
    let f = Fixture::new();
    f.file("/etc/hostname", "gpu-box-17\n")
        .file(
            "/etc/os-release",
            "PRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\nID=ubuntu\nVERSION_ID=\"22.04\"\n",
        )
        .file(
            "/home/alice/proj/venv/pyvenv.cfg",
            "home = /usr/bin\nversion = 3.10.12\n",
        )
        .dir("/home/alice/proj/venv/lib/python3.10/site-packages")
        .file(
            "/home/alice/proj/venv/lib/python3.10/site-packages/torch-2.5.1.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: torch\nVersion: 2.5.1\n",
        )
        .file(
            "/home/alice/proj/venv/lib/python3.10/site-packages/nvidia_cudnn_cu12-9.1.0.70.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: nvidia-cudnn-cu12\nVersion: 9.1.0.70\n",
        );
    let env = [
        "--env",
        "VIRTUAL_ENV=/home/alice/proj/venv",
        "--env",
        "HOME=/home/alice",
        "--env",
        "USER=alice",
    ];
    let mut args = vec!["report"];
    args.extend(env);
    let plain = f.run(&args);
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    let line = |key: &str| -> String {
        plain
            .stdout
            .lines()
            .find(|l| l.starts_with(key))
            .unwrap_or_else(|| panic!("no `{key}` in\n{}", plain.stdout))
            .to_owned()
    };
    assert!(
        line("Python version:").contains("/home/alice/proj/venv"),
        "{}",
        plain.stdout
    );
    assert!(
        line("Python version:").contains("VIRTUAL_ENV"),
        "{}",
        plain.stdout
    );
    assert_eq!(line("OS:"), "OS: Ubuntu 22.04.4 LTS");
    assert!(
        line("Versions of relevant libraries:").contains("nvidia-cudnn-cu12==9.1.0.70")
            && line("Versions of relevant libraries:").contains("torch==2.5.1"),
        "{}",
        plain.stdout
    );
    for format in ["text", "json", "markdown"] {
        let mut a = args.clone();
        a.extend(["--format", format]);
        let without = f.run(&a);
        // Markdown is for sharing: its home directory is `~` even without --redact.
        let shown = if format == "markdown" {
            "~/proj/venv"
        } else {
            "alice"
        };
        assert!(
            without.stdout.contains(shown),
            "{format}: {}",
            without.stdout
        );
        a.push("--redact");
        let r = f.run(&a);
        assert_eq!(r.code, 0, "{format}: {}", r.stderr);
        for secret in ["alice", "gpu-box-17"] {
            assert!(
                !r.stdout.contains(secret),
                "{format}: `{secret}` in\n{}",
                r.stdout
            );
        }
        assert!(r.stdout.contains("~/proj/venv"), "{format}: {}", r.stdout);
        assert!(r.stderr.is_empty(), "{format}: {}", r.stderr);
    }
    // `probe --redact` writes a snapshot to share: the names are gone, and it still reads back
    // (`check --snapshot` takes it).
    let mut probe_args = vec!["probe", "--format", "json", "--redact"];
    probe_args.extend(env);
    let probed = f.run(&probe_args);
    assert_eq!(probed.code, 0, "{}", probed.stderr);
    for secret in ["alice", "gpu-box-17"] {
        assert!(
            !probed.stdout.contains(secret),
            "`{secret}` in\n{}",
            probed.stdout
        );
    }
    assert_eq!(probed.json()["environment"]["variables"]["USER"], "<user>");
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("redacted.json");
    std::fs::write(&snap, &probed.stdout).unwrap();
    let mut check = cudoctor_cmd();
    check
        .args(["check", "--format", "json", "--snapshot"])
        .arg(&snap);
    let checked = run(&mut check);
    assert!(checked.code == 0 || checked.code == 1, "{}", checked.stderr);
    // A name redaction cannot recognise is said on stderr, not silently left in.
    let mut a = args.clone();
    a.extend(["--env", "LOGNAME=j.doe@corp", "--redact"]);
    let r = f.run(&a);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("warning: --redact: `j.doe@corp` was not redacted"),
        "{}",
        r.stderr
    );
}

#[test]
fn report_empty_root_says_why() {
    let f = Fixture::new();
    let r = f.run(&["report"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("Could not collect"), "{}", r.stdout);
}

#[test]
fn report_from_snapshot() {
    let f = host();
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap.json");
    let raw = f.cmd(&["probe", "--format", "json"]).output().unwrap();
    std::fs::write(&snap, raw.stdout).unwrap();
    let mut c = cudoctor_cmd();
    c.args(["report", "--snapshot"]).arg(&snap);
    let from_snap = run(&mut c);
    let live = f.run(&["report"]);
    assert_eq!(from_snap.code, 0, "{}", from_snap.stderr);
    // Same facts; only the header naming where they came from may differ.
    let body = |s: &str| -> Vec<String> {
        s.lines()
            .filter(|l| !l.contains("[ROOT]") && !l.contains("snap.json"))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(body(&from_snap.stdout), body(&live.stdout));
}

/// A hostile root: symlink loops, links that try to leave the root, a 5 GB sparse file named like a
/// library, binary garbage where text belongs. Every command answers (unknown facts), none panics
/// or hangs, and nothing outside the root is read.
#[test]
fn hostile_root() {
    let f = Fixture::new();
    f.link(&format!("{LIBDIR}/libcudnn.so.8"), "loop2")
        .link(&format!("{LIBDIR}/loop2"), "libcudnn.so.8")
        .link(&format!("{LIBDIR}/libcudart.so.11.0"), "/etc/shadow")
        .link(
            &format!("{LIBDIR}/libcublas.so.11"),
            "../../../../../../../../etc/passwd",
        )
        .link(&format!("{LIBDIR}/self"), ".")
        .file("/etc/ld.so.cache", garbage(3000, 1))
        .file("/proc/driver/nvidia/version", garbage(500, 2))
        .file("/etc/docker/daemon.json", garbage(200, 3))
        .file("/opt/venv/pyvenv.cfg", "version = 3.9\n")
        .file(
            "/opt/venv/lib/python3.9/site-packages/tensorflow-2.9.0.dist-info/METADATA",
            b"Name: tensorflow\nVersion: \xff\xfe2.9\n",
        );
    let sparse = std::fs::File::create(f.host_path(&format!("{LIBDIR}/libcufft.so.10"))).unwrap();
    sparse.set_len(5 << 30).unwrap();
    for args in [
        &["check"][..],
        &["check", "--format", "json"],
        &["probe", "--format", "json"],
        &["probe"],
        &["report"],
        &["which", "libcudnn.so.8"],
        &["which", "libcudart.so.11.0", "--format", "json"],
        &["which", "libcufft.so.10"],
    ] {
        let r = f.run(args);
        assert!(
            r.code == 0 || r.code == 1,
            "{args:?}: exit {}\n{}",
            r.code,
            r.stderr
        );
        assert!(!r.stderr.contains("panicked"), "{args:?}: {}", r.stderr);
        assert!(
            !r.stdout.contains("root:x:0:0"),
            "{args:?} read /etc/passwd of this machine"
        );
    }
    let loop_ = f
        .run(&["which", "libcudnn.so.8", "--format", "json"])
        .json();
    assert!(loop_["chosen"].is_null());
    assert!(
        loop_["candidates"].to_string().contains("symlink_loop"),
        "{loop_:#}"
    );
    // `/etc/shadow` means `<root>/etc/shadow`, which does not exist: a dangling link.
    let escape = f
        .run(&["which", "libcudart.so.11.0", "--format", "json"])
        .json();
    assert!(escape["chosen"].is_null(), "{escape:#}");
    assert!(
        escape["candidates"].to_string().contains("dangling_link"),
        "{escape:#}"
    );
    let snap = f.run(&["probe", "--format", "json"]).json();
    common::assert_matches_schema(&snap);
    assert!(snap["driver"]["kernel_module_version"].is_null());
    assert!(
        snap["driver"]["kernel_module_version_unknown"].is_string(),
        "garbage is unknown, not absent: {:#}",
        snap["driver"]
    );
    assert!(
        snap["container"]["docker_daemon"]["unknown"].is_string(),
        "{:#}",
        snap["container"]
    );
}

/// Deterministic pseudo-random bytes.
fn garbage(len: usize, seed: u32) -> Vec<u8> {
    let mut state = 0x9e37_79b9_u32 ^ seed;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state.to_le_bytes()[0]
        })
        .collect()
}

/// A library inside a site-packages (a framework's own, like PyTorch's `libtorch_cuda.so`) gets
/// the framework's first step: the `nvidia/*/lib` libraries of that site-packages, preloaded by
/// path, win over the system copy. (Found on a real H200: torch 2.11 maps its wheel's cuDNN 9.19,
/// not the system's 9.14.) Without `--from`, plain glibc order takes the system copy.
#[test]
fn which_from_a_framework_library_applies_its_preloading() {
    let sp = "/opt/venv/lib/python3.12/site-packages";
    let f = Fixture::new();
    f.lib(
        &format!("{sp}/torch/lib/libtorch_cuda.so"),
        "libtorch_cuda.so",
    )
    .lib(
        &format!("{sp}/nvidia/cudnn/lib/libcudnn.so.9"),
        "libcudnn.so.9",
    )
    .lib(&format!("{LIBDIR}/libcudnn.so.9"), "libcudnn.so.9");
    let from = format!("{sp}/torch/lib/libtorch_cuda.so");
    let r = f.run(&[
        "which",
        "libcudnn.so.9",
        "--from",
        &from,
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    assert_eq!(
        v["chosen"]["path"],
        format!("{sp}/nvidia/cudnn/lib/libcudnn.so.9"),
        "{v:#}"
    );
    assert_eq!(v["chosen"]["step"], "framework_preload", "{v:#}");
    let r = f.run(&["which", "libcudnn.so.9", "--format", "json"]);
    assert_eq!(
        r.json()["chosen"]["path"],
        format!("{LIBDIR}/libcudnn.so.9")
    );
    // The same step on request, for a process whose requester is elsewhere.
    let r = f.run(&[
        "which",
        "libcudnn.so.9",
        "--site-packages",
        sp,
        "--format",
        "json",
    ]);
    assert_eq!(r.json()["chosen"]["step"], "framework_preload");
}
