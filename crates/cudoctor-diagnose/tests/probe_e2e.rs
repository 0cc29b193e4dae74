//! End to end: a fixture root probed by the real probe (`--root`), then diagnosed. Checks that
//! the rules read the probe's actual vocabulary (found_via, loader section, GPU names), that a
//! healthy TF 2.9 tree raises no error or warning, and that breaking it is detected.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use cudoctor_diagnose::{Diagnosis, Severity, diagnose, loader_questions, targets_from_snapshot};
use cudoctor_probe::{Collectors, Probe, ProbeOptions};
use cudoctor_test::Fixture;

const TF29_BUILD_INFO: &str = "\"\"\"Auto-generated module providing information about the build.\"\"\"\nimport collections\n\nbuild_info = collections.OrderedDict([('cpu_compiler', '/dt9/usr/bin/gcc'), ('cuda_compute_capabilities', ['sm_35', 'sm_50', 'sm_60', 'sm_70', 'sm_75', 'compute_80']), ('cuda_version', '11.2'), ('cudnn_version', '8'), ('is_cuda_build', True), ('is_rocm_build', False), ('is_tensorrt_build', True)])\n";

/// A TF 2.9 host: driver 535.104.05, a Tesla T4, CUDA 11.2 and cuDNN 8.1.1 on LD_LIBRARY_PATH.
fn tf29_tree(with_cudnn_link: bool) -> Fixture {
    let f = Fixture::new();
    f.file(
        "/proc/driver/nvidia/version",
        "NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05  Sat Aug 19 01:15:15 UTC 2023\n",
    )
    .file("/sys/module/nvidia/version", "535.104.05\n")
    .file(
        "/proc/driver/nvidia/gpus/0000:00:1e.0/information",
        "Model: \t\t Tesla T4\nIRQ:   \t\t 70\nGPU UUID: \t GPU-ad8e9ef0-8be5-6b26-5d5a-0f8e4e0d3b3b\nBus Location: \t 0000:00:1e.0\nDevice Minor: \t 0\n",
    )
    .file("/dev/nvidia0", "")
    .file("/dev/nvidiactl", "")
    .file("/dev/nvidia-uvm", "")
    .lib("/usr/lib/x86_64-linux-gnu/libcuda.so.535.104.05", "libcuda.so.1")
    .link("/usr/lib/x86_64-linux-gnu/libcuda.so.1", "libcuda.so.535.104.05")
    .file(
        "/usr/local/cuda-11.2/version.json",
        "{\n   \"cuda\" : {\n      \"name\" : \"CUDA SDK\",\n      \"version\" : \"11.2.2\"\n   }\n}\n",
    )
    .link("/usr/local/cuda", "cuda-11.2")
    .file(
        "/usr/include/cudnn_version.h",
        "#define CUDNN_MAJOR 8\n#define CUDNN_MINOR 1\n#define CUDNN_PATCHLEVEL 1\n",
    )
    .lib("/usr/lib/x86_64-linux-gnu/libcudnn.so.8.1.1", "libcudnn.so.8")
    .file("/opt/venv/pyvenv.cfg", "home = /usr/bin\nversion = 3.9.16\n")
    .file(
        "/opt/venv/lib/python3.9/site-packages/tensorflow-2.9.0.dist-info/METADATA",
        "Metadata-Version: 2.1\nName: tensorflow\nVersion: 2.9.0\nRequires-Dist: numpy (>=1.20)\n",
    )
    .file(
        "/opt/venv/lib/python3.9/site-packages/tensorflow/python/platform/build_info.py",
        TF29_BUILD_INFO,
    );
    for (soname, real) in [
        ("libcudart.so.11.0", "libcudart.so.11.2.152"),
        ("libcublas.so.11", "libcublas.so.11.4.1.1043"),
        ("libcublasLt.so.11", "libcublasLt.so.11.4.1.1043"),
        ("libcufft.so.10", "libcufft.so.10.4.1.152"),
        ("libcurand.so.10", "libcurand.so.10.2.3.152"),
        ("libcusolver.so.11", "libcusolver.so.11.1.0.152"),
        ("libcusparse.so.11", "libcusparse.so.11.4.1.1152"),
    ] {
        f.lib(&format!("/usr/local/cuda-11.2/lib64/{real}"), soname)
            .link(&format!("/usr/local/cuda-11.2/lib64/{soname}"), real);
    }
    if with_cudnn_link {
        f.link(
            "/usr/lib/x86_64-linux-gnu/libcudnn.so.8",
            "libcudnn.so.8.1.1",
        );
    }
    f
}

fn check(f: &Fixture) -> Diagnosis {
    let opts = ProbeOptions {
        root: Some(f.path().to_path_buf()),
        env: Some(vec![
            (
                "PATH".into(),
                "/opt/venv/bin:/usr/local/cuda/bin:/usr/bin".into(),
            ),
            (
                "LD_LIBRARY_PATH".into(),
                "/usr/local/cuda-11.2/lib64".into(),
            ),
        ]),
        collectors: Collectors::default(),
    };
    let p = Probe::open(&opts).unwrap();
    let mut snap = p.snapshot(opts.collectors);
    let kb = cudoctor_kb::Kb::embedded().unwrap();
    let targets = targets_from_snapshot(kb, &snap);
    let questions = loader_questions(&targets, &snap);
    p.answer(&mut snap, &questions);
    let d = diagnose(kb, &snap, &targets);
    let bad = d.l10n_mismatches();
    assert!(
        bad.is_empty(),
        "catalogs and code disagree:\n{}",
        bad.join("\n")
    );
    for x in &d.findings {
        eprintln!("[{}] {}: {}", x.severity.as_str(), x.id, x.title);
    }
    d
}

#[test]
fn probed_healthy_tree_has_no_error_or_warning() {
    let d = check(&tf29_tree(true));
    assert_eq!(d.targets.len(), 1, "{:?}", d.targets);
    assert_eq!(d.targets[0].name, "TensorFlow 2.9.0");
    assert_eq!(d.count(Severity::Error), 0, "{}", d.verdict);
    assert_eq!(d.count(Severity::Warning), 0, "{}", d.verdict);
}

#[test]
fn probed_tree_without_the_cudnn_link_is_detected_with_the_link_fix() {
    let d = check(&tf29_tree(false));
    let f = d
        .findings
        .iter()
        .find(|f| f.id == "library-not-found")
        .unwrap_or_else(|| panic!("{:#?}", d.findings));
    assert_eq!(f.severity, Severity::Error);
    assert!(f.title.ends_with("libcudnn.so.8"), "{}", f.title);
    assert!(
        f.fix
            .iter()
            .any(|x| x
                .contains("sudo ln -sf libcudnn.so.8.1.1 /usr/lib/x86_64-linux-gnu/libcudnn.so.8")),
        "{:#?}",
        f.fix
    );
}
