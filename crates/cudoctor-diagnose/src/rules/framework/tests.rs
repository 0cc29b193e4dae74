//! The framework rules: python-version-unsupported, cpu-only-build, gpu-arch-unsupported,
//! tensorrt-missing, release-not-in-knowledge-base and no-framework-target; when each fires, when
//! it stays silent, and that unknown facts never make it fire.
#![allow(clippy::unwrap_used)]

use cudoctor_facts::snapshot::Fact;
use cudoctor_facts::snapshot::Snapshot;
use cudoctor_test::scenarios::*;

use crate::finding::Severity;
use crate::rules::testing::{installed, kb, of, sev, spec, with_targets};
use crate::target::{Sourced, targets_from_snapshot};

#[test]
fn python_version_unsupported() {
    let mut s = healthy_tf29();
    s.python_environments[0]
        .python_version
        .set_value("3.11".parse().unwrap());
    let f = installed(&s);
    assert_eq!(
        sev(&f, "python-version-unsupported"),
        Some(Severity::Warning)
    );
    // For a spec it is an error: pip finds no wheel.
    assert_eq!(
        sev(&spec(&s, "tensorflow==2.9.0"), "python-version-unsupported"),
        Some(Severity::Error)
    );
    // Unknown Python: silent.
    s.python_environments[0].python_version = Fact::Absent;
    assert!(of(&installed(&s), "python-version-unsupported").is_empty());
    // JAX: a minimum; the fix installs the release with its plugin extra.
    let s = with_python_env(bare_host(), "/opt/jax", "3.8");
    let f = spec(&s, "jax[cuda12]==0.4.30");
    assert_eq!(sev(&f, "python-version-unsupported"), Some(Severity::Error));
    let fix = &of(&f, "python-version-unsupported")[0].fix[0];
    assert!(fix.contains("pip install 'jax[cuda12]==0.4.30'"), "{fix}");
    // A PyTorch variant build: PyPI has no `+cu118` versions, the variant's index has.
    let s = with_python_env(bare_host(), "/opt/torch", "3.7");
    let f = spec(&s, "torch==2.4.1+cu118");
    let fix = &of(&f, "python-version-unsupported")[0].fix[0];
    assert!(
        fix.contains(
            "pip install 'torch==2.4.1' --index-url https://download.pytorch.org/whl/cu118"
        ),
        "{fix}"
    );
}

#[test]
fn cpu_only_build() {
    let s = with_python_env(
        with_gpu(with_driver(bare_host(), "535.261.03"), "Tesla T4", "7.5"),
        "/opt/venv",
        "3.9",
    );
    let s2 = with_tensorflow(
        s.clone(),
        "/opt/venv",
        "tensorflow-cpu",
        "2.9.0",
        None,
        None,
        false,
    );
    assert_eq!(
        sev(&installed(&s2), "cpu-only-build"),
        Some(Severity::Error)
    );
    let s3 = with_tensorflow(
        s.clone(),
        "/opt/venv",
        "tensorflow",
        "2.9.0",
        None,
        None,
        false,
    );
    assert_eq!(
        sev(&installed(&s3), "cpu-only-build"),
        Some(Severity::Error)
    );
    assert_eq!(
        sev(&spec(&s, "tensorflow-cpu==2.9.0"), "cpu-only-build"),
        Some(Severity::Error)
    );
    // No GPU known: a CPU build is what it should be.
    let s4 = with_tensorflow(
        with_python_env(bare_host(), "/opt/venv", "3.9"),
        "/opt/venv",
        "tensorflow-cpu",
        "2.9.0",
        None,
        None,
        false,
    );
    assert!(of(&installed(&s4), "cpu-only-build").is_empty());
}

/// The fix names the GPU package of the same release, from the knowledge base: `tensorflow`
/// only from 2.1 on (before, `tensorflow` itself was CPU-only and the GPU build was
/// `tensorflow-gpu`), PyTorch's PyPI default, JAX's plugin extra.
#[test]
fn cpu_only_build_fix_names_the_gpu_package_of_the_release() {
    let gpu_host = with_python_env(
        with_gpu(with_driver(bare_host(), "535.261.03"), "Tesla T4", "7.5"),
        "/opt/venv",
        "3.7",
    );
    let fix = |s: &Snapshot| {
        let f = installed(s);
        let found = of(&f, "cpu-only-build");
        assert_eq!(found.len(), 1, "{f:#?}");
        found[0].fix.join("\n")
    };
    for (package, version, want) in [
        ("tensorflow-cpu", "2.9.0", "pip install 'tensorflow==2.9.0'"),
        (
            "tensorflow",
            "1.15.0",
            "pip install 'tensorflow-gpu==1.15.0'",
        ),
        (
            "tensorflow-cpu",
            "2.0.0",
            "pip install 'tensorflow-gpu==2.0.0'",
        ),
        // From 2.14 the GPU package brings its CUDA libraries only with the `[and-cuda]`
        // extra; 2.15.0's extra cannot be installed (it pins a tensorrt-libs PyPI does not
        // serve), its post-release's can.
        (
            "tensorflow-cpu",
            "2.16.1",
            "pip install 'tensorflow[and-cuda]==2.16.1'",
        ),
        (
            "tensorflow-cpu",
            "2.15.0",
            "pip install 'tensorflow[and-cuda]==2.15.0.post1'",
        ),
    ] {
        let s = with_tensorflow(
            gpu_host.clone(),
            "/opt/venv",
            package,
            version,
            None,
            None,
            false,
        );
        let text = fix(&s);
        assert!(text.contains(want), "{package} {version}: {text}");
        assert!(
            text.contains(&format!("pip uninstall -y {package}")),
            "{text}"
        );
    }
    let s = with_torch(gpu_host.clone(), "/opt/venv", "2.4.1+cpu", None, &[]);
    let text = fix(&s);
    assert!(
        text.contains("pip install --force-reinstall 'torch==2.4.1'"),
        "{text}"
    );
    assert!(text.contains("cu121"), "{text}");
    // A release whose PyPI build the tables do not know: no index URL is made up.
    let s = with_torch(gpu_host.clone(), "/opt/venv", "9.9.0+cpu", None, &[]);
    let text = fix(&s);
    assert!(
        text.contains("Reinstall 'torch==9.9.0' as a CUDA build"),
        "{text}"
    );
    assert!(!text.contains("whl/cu"), "{text}");
    // A JAX without its CUDA plugin, reported as CPU-only: the release's own extra, pinned.
    let mut s = gpu_host;
    s.frameworks.push(cudoctor_facts::snapshot::Framework {
        name: "jax".into(),
        environment: "/opt/venv".into(),
        version: Fact::value_only("0.4.30".parse().unwrap()),
        is_cuda_build: Some(false),
        ..Default::default()
    });
    let text = fix(&s);
    assert!(text.contains("pip install 'jax[cuda12]==0.4.30'"), "{text}");
}

#[test]
fn gpu_arch_unsupported() {
    let arch = |name: &str, cc: &str| {
        let mut s = healthy_tf29();
        s.gpus.clear();
        s.device_nodes.gpus.clear();
        installed(&with_gpu(s, name, cc))
    };
    assert!(of(&arch("Tesla T4", "7.5"), "gpu-arch-unsupported").is_empty());
    // TF 2.9's compute_80 is sm_80 SASS too: 8.0 and 8.6 run it as is; 9.0 JIT-compiles the PTX.
    assert!(
        of(
            &arch("NVIDIA A100-SXM4-40GB", "8.0"),
            "gpu-arch-unsupported"
        )
        .is_empty()
    );
    assert!(
        of(
            &arch("NVIDIA GeForce RTX 3090", "8.6"),
            "gpu-arch-unsupported"
        )
        .is_empty()
    );
    assert_eq!(
        sev(
            &arch("NVIDIA H100 80GB HBM3", "9.0"),
            "gpu-arch-unsupported"
        ),
        Some(Severity::Warning)
    );
    let f = arch("Quadro K4000", "3.0");
    assert_eq!(sev(&f, "gpu-arch-unsupported"), Some(Severity::Error));
    assert!(
        of(&f, "gpu-arch-unsupported")[0]
            .title
            .contains("no kernel image")
    );
    // Unknown code list, and CUDA 11.2 can target a 3.5 GPU: silent.
    let mut s = with_gpu(healthy_tf29(), "Tesla K40", "3.5");
    s.frameworks[0].compute_capabilities = Fact::Absent;
    let mut t = targets_from_snapshot(kb(), &s);
    t[0].needs.gpu_code = None;
    assert!(of(&with_targets(&s, &t), "gpu-arch-unsupported").is_empty());
    // Unknown code list, but CUDA 11's nvcc cannot target 3.0 at all: no kernel image.
    let mut s = with_gpu(healthy_tf29(), "Quadro K4000", "3.0");
    s.frameworks[0].compute_capabilities = Fact::Absent;
    let mut t = targets_from_snapshot(kb(), &s);
    t[0].needs.gpu_code = None;
    let f = with_targets(&s, &t);
    assert_eq!(sev(&f, "gpu-arch-unsupported"), Some(Severity::Error));
    assert!(
        of(&f, "gpu-arch-unsupported")[0]
            .title
            .contains("CUDA 11.2")
    );
    // JAX: only the minimum capability is known.
    let s = with_gpu(with_driver(bare_host(), "550.144.03"), "Tesla K80", "3.7");
    let f = spec(&s, "jax[cuda12]==0.4.30");
    assert_eq!(
        sev(&f, "gpu-arch-unsupported"),
        Some(Severity::Error),
        "{f:#?}"
    );
    // A fake target with only PTX for 9.0 on a 8.0 GPU: no kernel image.
    let mut t = targets_from_snapshot(kb(), &healthy_tf29());
    t[0].needs.gpu_code =
        Fact::value_only(Sourced::new(vec!["compute_90".parse().unwrap()], "test")).cloned();
    let s = with_gpu(healthy_tf29(), "NVIDIA A100-SXM4-40GB", "8.0");
    assert_eq!(
        sev(&with_targets(&s, &t), "gpu-arch-unsupported"),
        Some(Severity::Error)
    );
}

#[test]
fn tensorrt_missing_is_info_for_tensorflow_only() {
    let mut s = healthy_tf29();
    s.libraries.retain(|l| l.family != "nvinfer");
    assert_eq!(
        sev(&installed(&s), "tensorrt-missing"),
        Some(Severity::Info)
    );
    assert!(of(&installed(&healthy_tf29()), "tensorrt-missing").is_empty());
    assert!(of(&spec(&s, "torch==2.4.1"), "tensorrt-missing").is_empty());
}

#[test]
fn releases_the_kb_does_not_know() {
    let mut s = healthy_tf29();
    s.frameworks[0].version.set_value("2.99.0".parse().unwrap());
    let f = installed(&s);
    let k = of(&f, "release-not-in-knowledge-base");
    assert_eq!(k.len(), 1);
    assert_eq!(k[0].severity, Severity::Info);
    assert!(k[0].title.contains("newer than the knowledge base"));
    // Still diagnosed from its files: the arch list and CUDA from build_info.
    assert!(
        k[0].evidence
            .iter()
            .any(|e| e.fact == "CUDA built with" && e.value == "11.2")
    );
    // Never guesses: no soname list, so no library findings.
    assert!(of(&f, "library-not-found").is_empty());
    // A spec the tables do not know: a warning, nothing else invented.
    let f = spec(&healthy_tf29(), "tensorflow==2.99.0");
    assert_eq!(
        sev(&f, "release-not-in-knowledge-base"),
        Some(Severity::Warning)
    );
    assert!(of(&f, "driver-too-old").is_empty());
}

#[test]
fn no_framework_target_only_without_targets() {
    let s = with_gpu(with_driver(bare_host(), "535.261.03"), "Tesla T4", "7.5");
    assert_eq!(
        sev(&installed(&s), "no-framework-target"),
        Some(Severity::Info)
    );
    assert!(of(&installed(&healthy_tf29()), "no-framework-target").is_empty());
}

#[test]
fn gpu_arch_unsupported_when_the_cuda_major_cannot_target_the_gpu() {
    // A torch build of CUDA 12.4 whose GPU code is unknown, on a Tesla K80 (3.7).
    let s = with_gpu(with_driver(bare_host(), "470.82.01"), "Tesla K80", "3.7");
    let s = with_python_env(s, "/opt/venv", "3.11");
    let s = with_torch(s, "/opt/venv", "2.99.0+cu124", Some("12.4"), &[]);
    let f = installed(&s);
    let x = of(&f, "gpu-arch-unsupported");
    assert_eq!(x.len(), 1, "{f:#?}");
    assert_eq!(x[0].severity, Severity::Error);
    assert!(x[0].title.contains("CUDA 12.4"), "{}", x[0].title);
    assert!(x[0].sources.iter().any(|u| u.starts_with("https://")));
    // CUDA 11.8 still targets 3.7: unknown code stays silent.
    let s = with_gpu(with_driver(bare_host(), "470.82.01"), "Tesla K80", "3.7");
    let s = with_python_env(s, "/opt/venv", "3.11");
    let s = with_torch(s, "/opt/venv", "2.99.0+cu118", Some("11.8"), &[]);
    assert!(of(&installed(&s), "gpu-arch-unsupported").is_empty());
    // CUDA 13 on a Volta (7.0): error; on a Turing (7.5): silent.
    for (cc, fires) in [("7.0", true), ("7.5", false)] {
        let s = with_gpu(with_driver(bare_host(), "580.65.06"), "GPU", cc);
        let s = with_python_env(s, "/opt/venv", "3.11");
        let s = with_torch(s, "/opt/venv", "2.99.0+cu130", Some("13.0"), &[]);
        assert_eq!(
            !of(&installed(&s), "gpu-arch-unsupported").is_empty(),
            fires,
            "{cc}"
        );
    }
}

#[test]
fn gpu_arch_unsupported_in_the_loaded_cublas() {
    let with_cublas_code = |codes: &[&str]| {
        let mut s = healthy_tf29();
        s.gpus.clear();
        s.device_nodes.gpus.clear();
        let mut s = with_gpu(s, "Tesla T4", "7.5");
        for l in s.libraries.iter_mut().filter(|l| l.family == "cublasLt") {
            l.gpu_code = Fact::known(
                codes.iter().map(|c| (*c).to_owned()).collect(),
                "CUDA fatbinary headers of the test library",
            );
        }
        installed(&s)
    };
    // TensorFlow 2.9 itself has sm_75 code; a cuBLAS without code for 7.5 still breaks it.
    let f = with_cublas_code(&["sm_80", "sm_86", "compute_90"]);
    let arch = of(&f, "gpu-arch-unsupported");
    assert_eq!(arch.len(), 1, "{arch:#?}");
    assert_eq!(arch[0].severity, Severity::Error);
    assert!(arch[0].title.contains("cuBLAS"), "{}", arch[0].title);
    // CUDA 11 still targets 7.5: the fix is another copy, checked with `cudoctor archs`.
    assert!(
        arch[0].fix[0].contains("with code for sm_75")
            && arch[0].fix[0].contains("`cudoctor archs <path>/libcublasLt.so.11`"),
        "{:?}",
        arch[0].fix
    );
    assert!(
        arch[0]
            .evidence
            .iter()
            .any(|e| e.fact == "libcublasLt.so.11 loads"),
        "{:?}",
        arch[0].evidence
    );
    // Machine code of the same major and a lower minor runs: silent.
    assert!(
        of(
            &with_cublas_code(&["sm_70", "sm_80"]),
            "gpu-arch-unsupported"
        )
        .is_empty()
    );
    // Only PTX that can be compiled for 7.5: a warning.
    let f = with_cublas_code(&["sm_60", "compute_70"]);
    assert_eq!(sev(&f, "gpu-arch-unsupported"), Some(Severity::Warning));
    // Code names that do not parse: not judged.
    assert!(
        of(
            &with_cublas_code(&["sm_80", "bogus"]),
            "gpu-arch-unsupported"
        )
        .is_empty()
    );
}
