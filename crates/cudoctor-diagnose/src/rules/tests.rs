//! One test group per rule: when it fires, when it stays silent, and that unknown facts never
//! make it fire.
#![allow(clippy::unwrap_used)]

use cudoctor_facts::snapshot::{Cudnn, Snapshot};
use cudoctor_kb::{Kb, Spec};
use cudoctor_test::scenarios::*;

use crate::diagnose;
use crate::finding::{Finding, Severity};
use crate::loader::loader_questions;
use crate::target::{Sourced, Target, target_from_spec, targets_from_snapshot};

fn kb() -> &'static Kb {
    Kb::embedded().unwrap()
}

fn installed(s: &Snapshot) -> Vec<Finding> {
    let t = targets_from_snapshot(kb(), s);
    diagnose(kb(), s, &t).findings
}

fn with_targets(s: &Snapshot, t: &[Target]) -> Vec<Finding> {
    diagnose(kb(), s, t).findings
}

fn spec(s: &Snapshot, spec: &str) -> Vec<Finding> {
    let spec: Spec = spec.parse().unwrap();
    with_targets(s, &[target_from_spec(kb(), &spec, s)])
}

fn of<'a>(f: &'a [Finding], id: &str) -> Vec<&'a Finding> {
    f.iter().filter(|x| x.id == id).collect()
}

fn sev(f: &[Finding], id: &str) -> Option<Severity> {
    of(f, id).first().map(|x| x.severity)
}

// --- driver ----------------------------------------------------------------------------------

#[test]
fn driver_missing() {
    assert_eq!(
        sev(&installed(&bare_host()), "driver-missing"),
        Some(Severity::Error)
    );
    // Unknown is not absent.
    let mut s = bare_host();
    s.driver.kernel_module_version_unknown = Some("permission denied".into());
    s.driver.userspace_version_unknown = Some("permission denied".into());
    assert!(of(&installed(&s), "driver-missing").is_empty());
    // A libcuda on disk is a driver (maybe without its module).
    let s = with_driver(bare_host(), "535.261.03");
    assert!(of(&installed(&s), "driver-missing").is_empty());
    // A container gets its driver from the host.
    assert!(of(&installed(&in_container(bare_host())), "driver-missing").is_empty());
    // A probe error of the driver collector: unknown, silent.
    let mut s = bare_host();
    s.probe_errors.push(cudoctor_facts::snapshot::ProbeError {
        collector: "driver".into(),
        path: Some("/proc/driver/nvidia/version".into()),
        message: "permission denied".into(),
    });
    assert!(of(&installed(&s), "driver-missing").is_empty());
}

#[test]
fn kernel_module_not_loaded() {
    let mut s = with_driver(bare_host(), "535.261.03");
    s.driver.kernel_module_version = None;
    let f = installed(&s);
    assert_eq!(sev(&f, "kernel-module-not-loaded"), Some(Severity::Error));
    assert!(of(&f, "kernel-module-not-loaded")[0].fix[1].contains("nvidia-dkms-535"));
    s.driver.kernel_module_version_unknown = Some("permission denied".into());
    assert!(of(&installed(&s), "kernel-module-not-loaded").is_empty());
    assert!(of(&installed(&bare_host()), "kernel-module-not-loaded").is_empty());
    let mut c = in_container(with_driver(bare_host(), "535.261.03"));
    c.driver.kernel_module_version = None;
    assert!(of(&installed(&c), "kernel-module-not-loaded").is_empty());
    // WSL 2 has no nvidia kernel module by design.
    let mut w = with_lib(
        bare_host(),
        "/usr/lib/wsl/lib",
        "libcuda.so.1",
        "1.1",
        "ld_so_cache",
    );
    w.libraries[0].family = cudoctor_facts::snapshot::LibraryFamily::Cuda;
    let f = installed(&w);
    assert!(
        of(&f, "kernel-module-not-loaded").is_empty() && of(&f, "driver-missing").is_empty(),
        "{f:#?}"
    );
}

#[test]
fn driver_library_mismatch() {
    let mut s = with_driver(bare_host(), "535.261.03");
    assert!(of(&installed(&s), "driver-library-mismatch").is_empty());
    s = with_userspace_driver(s, "535.104.05");
    let f = installed(&s);
    assert_eq!(sev(&f, "driver-library-mismatch"), Some(Severity::Error));
    assert!(of(&f, "driver-library-mismatch")[0].fix[0].contains("reboot"));
    // Inside a container the fix is about the image.
    let f = installed(&in_container(s.clone()));
    assert!(of(&f, "driver-library-mismatch")[0].fix[0].contains("image"));
    // User-space unknown: silent.
    s.driver.userspace_version = None;
    assert!(of(&installed(&s), "driver-library-mismatch").is_empty());
    // NVML (live) disagreeing is enough.
    let mut s = with_live(
        with_driver(bare_host(), "535.261.03"),
        0,
        "CUDA_SUCCESS",
        Some(1),
    );
    s.live.as_mut().unwrap().nvml.driver_version = Some("550.144.03".into());
    assert_eq!(
        sev(&installed(&s), "driver-library-mismatch"),
        Some(Severity::Error)
    );
}

#[test]
fn driver_too_old() {
    let f = installed(&with_driver_version(healthy_tf29(), "440.33.01"));
    assert_eq!(sev(&f, "driver-too-old"), Some(Severity::Error));
    // Exactly the MVC minimum: caveats, not an error.
    let f = installed(&with_driver_version(healthy_tf29(), "450.80.02"));
    assert_eq!(sev(&f, "driver-too-old"), Some(Severity::Warning));
    assert!(
        of(&f, "driver-too-old")[0]
            .evidence
            .iter()
            .any(|e| e.fact == "minor-version-compatibility caveat")
    );
    // Exactly the toolkit driver: fine.
    assert!(
        of(
            &installed(&with_driver_version(healthy_tf29(), "460.27.03")),
            "driver-too-old"
        )
        .is_empty()
    );
    // CUDA 10.x has no minor-version compatibility: TF 2.3 (CUDA 10.1) on 410.48 fails.
    let s = with_driver_version(healthy_tf29(), "410.48");
    let f = spec(&s, "tensorflow==2.3.0");
    let e = of(&f, "driver-too-old");
    assert_eq!(e.len(), 1, "{f:#?}");
    assert_eq!(e[0].severity, Severity::Error);
    assert!(
        e[0].evidence
            .iter()
            .any(|x| x.value.contains("none before CUDA 11")),
        "{:?}",
        e[0].evidence
    );
    assert!(
        of(
            &spec(
                &with_driver_version(healthy_tf29(), "418.39"),
                "tensorflow==2.3.0"
            ),
            "driver-too-old"
        )
        .is_empty()
    );
    // Driver version unknown: only the driver's CUDA version can decide, and only across majors.
    let mut s = healthy_tf29();
    s.driver.kernel_module_version = None;
    s.driver.userspace_version = None;
    assert!(of(&installed(&s), "driver-too-old").is_empty());
    s.driver.cuda_version = Some("11.4".parse().unwrap());
    assert!(of(&spec(&s, "tensorflow==2.9.0"), "driver-too-old").is_empty());
    assert_eq!(
        sev(&spec(&s, "tensorflow==2.16.1"), "driver-too-old"),
        Some(Severity::Error)
    );
    // CPU-only targets need no driver.
    let s = with_driver_version(healthy_tf29(), "440.33.01");
    assert!(of(&spec(&s, "tensorflow-cpu==2.9.0"), "driver-too-old").is_empty());
}

#[test]
fn driver_too_old_uses_jax_documented_minimum() {
    let s = with_driver_version(healthy_tf29(), "470.82.01");
    let f = spec(&s, "jax[cuda12]==0.4.30");
    let d = of(&f, "driver-too-old");
    assert_eq!(d.len(), 1, "{f:#?}");
    assert!(d[0].title.contains(">= 525"), "{}", d[0].title);
}

// --- libraries -------------------------------------------------------------------------------

#[test]
fn library_not_found_and_unknown() {
    let mut s = healthy_tf29();
    s.libraries
        .retain(|l| l.soname.as_deref() != Some("libcublasLt.so.11"));
    let f = installed(&s);
    let nf = of(&f, "library-not-found");
    assert_eq!(nf.len(), 1);
    assert!(nf[0].title.contains("libcublasLt.so.11"));
    assert!(
        nf[0].fix.iter().any(|x| x.contains("libcublas-11-2")),
        "{:?}",
        nf[0].fix
    );
    assert!(
        nf[0]
            .fix
            .iter()
            .any(|x| x.contains("'nvidia-cublas-cu11'") && !x.contains("cu11>=11")),
        "{:?}",
        nf[0].fix
    );
    // No loader information: silent.
    let t = targets_from_snapshot(kb(), &s);
    assert!(
        of(
            &diagnose(
                kb(),
                &with_unknown_loader(s.clone(), &loader_questions(&t, &s)),
                &t
            )
            .findings,
            "library-not-found"
        )
        .is_empty()
    );
    // The library probe failed: unknown, silent.
    s.probe_errors.push(cudoctor_facts::snapshot::ProbeError {
        collector: "libraries".into(),
        path: None,
        message: "ld.so.cache unreadable".into(),
    });
    assert!(of(&installed(&s), "library-not-found").is_empty());
    // A CPU-only build needs none of them.
    let s = bare_host();
    assert!(of(&spec(&s, "tensorflow-cpu==2.9.0"), "library-not-found").is_empty());
    // The --for spec alone on a bare host: all eight (not libcuda: the driver rules speak).
    let f = spec(&bare_host(), "tensorflow==2.9.0");
    assert!(
        of(&f, "library-not-found")[0]
            .title
            .contains("8 CUDA libraries"),
        "{:?}",
        of(&f, "library-not-found")[0].title
    );
}

#[test]
fn library_wrong_version() {
    // Major mismatch behind the soname.
    let mut s = healthy_tf29();
    let l = lib_mut(&mut s, "libcufft.so.10");
    l.version = Some("11.0.8.103".into());
    assert_eq!(
        sev(&installed(&s), "library-wrong-version"),
        Some(Severity::Error)
    );
    // An older cublas first on LD_LIBRARY_PATH hides the newer one in the cache.
    let mut s = with_lib(
        healthy_tf29(),
        "/opt/old",
        "libcublas.so.11",
        "11.2.0.252",
        "ld_library_path",
    );
    s = with_env(s, "LD_LIBRARY_PATH", "/opt/old");
    let f = installed(&s);
    let w = of(&f, "library-wrong-version");
    assert_eq!(w.len(), 1, "{f:#?}");
    assert_eq!(w[0].severity, Severity::Warning);
    assert!(w[0].fix[0].contains("/usr/local/cuda-11.2/lib64"));
    // A newer copy first is not "wrong".
    let mut s = with_lib(
        healthy_tf29(),
        "/opt/new",
        "libcublas.so.11",
        "11.11.3.6",
        "ld_library_path",
    );
    s = with_env(s, "LD_LIBRARY_PATH", "/opt/new");
    assert!(of(&installed(&s), "library-wrong-version").is_empty());
    // Unknown version of the loaded file: silent.
    let mut s = healthy_tf29();
    for l in &mut s.libraries {
        l.version = None;
        l.real_path = None;
    }
    assert!(of(&installed(&s), "library-wrong-version").is_empty());
}

#[test]
fn pins_missing_or_unsatisfied() {
    let s = with_python_env(
        with_gpu(with_driver(bare_host(), "550.144.03"), "NVIDIA L4", "8.9"),
        "/opt/venv",
        "3.11",
    );
    let s = with_torch(
        s,
        "/opt/venv",
        "2.4.1",
        Some("12.1"),
        &[
            "nvidia-cudnn-cu12==9.1.0.70; platform_system == \"Linux\" and platform_machine == \"x86_64\"",
            "nvidia-cublas-cu12==12.1.3.1; platform_system == \"Linux\" and platform_machine == \"x86_64\"",
            "nvidia-nccl-cu12==2.20.5; platform_system == \"Windows\"",
        ],
    );
    let s = with_package(s, "/opt/venv", "nvidia-cudnn-cu12", "8.9.2.26");
    let f = installed(&s);
    let nf = of(&f, "library-not-found");
    assert_eq!(nf.len(), 1, "{f:#?}");
    assert!(nf[0].title.contains("nvidia-cublas-cu12") && !nf[0].title.contains("nccl"));
    let wv = of(&f, "library-wrong-version");
    assert_eq!(wv.len(), 1, "{f:#?}");
    assert!(wv[0].title.contains("nvidia-cudnn-cu12 8.9.2.26"));
    assert!(wv[0].fix[0].contains("'nvidia-cudnn-cu12==9.1.0.70'"));
}

#[test]
fn cuda_runtime_untested() {
    let mut s = healthy_tf29();
    let l = lib_mut(&mut s, "libcudart.so.11.0");
    l.version = Some("11.8.89".into());
    let f = installed(&s);
    assert_eq!(sev(&f, "cuda-runtime-untested"), Some(Severity::Warning));
    assert!(of(&f, "cuda-runtime-untested")[0].fix[0].contains("cuda-cudart-11-2"));
    // Older minor: also a warning, explained as missing functions.
    let mut s = healthy_tf29();
    let l = lib_mut(&mut s, "libcudart.so.11.0");
    l.version = Some("11.0.221".into());
    let f = installed(&s);
    assert!(
        of(&f, "cuda-runtime-untested")[0]
            .explanation
            .contains("older")
    );
    // Same minor, other patch: fine.
    let mut s = healthy_tf29();
    let l = lib_mut(&mut s, "libcudart.so.11.0");
    l.version = Some("11.2.72".into());
    assert!(of(&installed(&s), "cuda-runtime-untested").is_empty());
}

// --- cuDNN -----------------------------------------------------------------------------------

fn with_cudnn_file_version(mut s: Snapshot, v: &str) -> Snapshot {
    let l = lib_mut(&mut s, "libcudnn.so.8");
    l.version = Some(v.into());
    l.real_path = Some(format!("/usr/local/cuda-11.2/lib64/libcudnn.so.{v}"));
    s.cudnn[0].version = Some(v.parse().unwrap());
    s
}

#[test]
fn cudnn_version_mismatch() {
    assert_eq!(
        sev(
            &installed(&with_cudnn_file_version(healthy_tf29(), "8.0.5")),
            "cudnn-version-mismatch"
        ),
        Some(Severity::Error)
    );
    assert_eq!(
        sev(
            &installed(&with_cudnn_file_version(healthy_tf29(), "8.9.7")),
            "cudnn-version-mismatch"
        ),
        Some(Severity::Warning)
    );
    assert!(
        of(
            &installed(&with_cudnn_file_version(healthy_tf29(), "8.1.1")),
            "cudnn-version-mismatch"
        )
        .is_empty()
    );
    // Loaded version unknown: silent.
    let mut s = healthy_tf29();
    for l in &mut s.libraries {
        if l.family == "cudnn" {
            l.version = None;
            l.real_path = None;
        }
    }
    s.cudnn.clear();
    assert!(of(&installed(&s), "cudnn-version-mismatch").is_empty());
    // A custom TF build with cuDNN 9 from build_info: libcudnn.so.8 is not what it opens; the
    // knowledge base's sonames are not used for a build that disagrees on CUDA.
    let mut s = healthy_tf29();
    s.frameworks[0].cuda_version = Some("12.3".parse().unwrap());
    s.frameworks[0].cudnn_version = Some("9".parse().unwrap());
    let f = installed(&s);
    assert!(of(&f, "library-not-found").is_empty(), "{f:#?}");
}

#[test]
fn several_cudnn_copies_only_within_one_major() {
    let mut s = healthy_tf29();
    s.cudnn.push(Cudnn {
        kind: "wheel".into(),
        path: "/opt/venv/lib/python3.9/site-packages/nvidia_cudnn_cu12-9.1.0.70.dist-info/METADATA"
            .into(),
        version: Some("9.1.0.70".parse().unwrap()),
        ..Cudnn::default()
    });
    assert!(of(&installed(&s), "cudnn-version-mismatch").is_empty());
    s.cudnn.push(Cudnn {
        kind: "header".into(),
        path: "/usr/include/cudnn_version.h".into(),
        version: Some("8.1.0".parse().unwrap()),
        ..Cudnn::default()
    });
    assert!(of(&installed(&s), "cudnn-version-mismatch").is_empty());
    s.cudnn.push(Cudnn {
        kind: "header".into(),
        path: "/usr/local/cuda/include/cudnn_version.h".into(),
        version: Some("8.2.4".parse().unwrap()),
        ..Cudnn::default()
    });
    let f = installed(&s);
    let w = of(&f, "cudnn-version-mismatch");
    assert_eq!(w.len(), 1);
    assert!(
        w[0].evidence.iter().any(|e| e
            .fact
            .starts_with("libcudnn.so.8 loads for TensorFlow 2.9.0")
            && e.value.contains("8.1.0")),
        "{:?}",
        w[0].evidence
    );
}

// --- environment -----------------------------------------------------------------------------

#[test]
fn cuda_toolkit_conflict() {
    // One toolkit behind a link and its own directory: fine.
    assert!(of(&installed(&healthy_tf29()), "cuda-toolkit-conflict").is_empty());
    // Two toolkits, all pointers agree: fine.
    let s = with_toolkit(healthy_tf29(), "/usr/local/cuda-11.8", None, "11.8.0");
    assert!(of(&installed(&s), "cuda-toolkit-conflict").is_empty());
    // CUDA_HOME elsewhere: conflict; the fix settles on the toolkit TF 2.9 needs.
    let s = with_env(s, "CUDA_HOME", "/usr/local/cuda-11.8");
    let f = installed(&s);
    let c = of(&f, "cuda-toolkit-conflict");
    assert_eq!(c.len(), 1);
    assert!(
        c[0].fix[0].contains("CUDA_HOME=/usr/local/cuda-11.2"),
        "{:?}",
        c[0].fix
    );
    // A CUDA_HOME that names no toolkit is not counted.
    let s = with_env(
        with_toolkit(healthy_tf29(), "/usr/local/cuda-11.8", None, "11.8.0"),
        "CUDA_HOME",
        "/nonexistent",
    );
    assert!(of(&installed(&s), "cuda-toolkit-conflict").is_empty());
}

#[test]
fn cuda_visible_devices() {
    let hides = |v: &str| {
        !of(
            &installed(&with_env(healthy_tf29(), "CUDA_VISIBLE_DEVICES", v)),
            "cuda-visible-devices-hides-all",
        )
        .is_empty()
    };
    assert!(hides(""));
    assert!(hides("-1"));
    assert!(hides("1")); // one GPU: index 1 does not exist
    assert!(hides("1,0")); // CUDA stops at the first invalid entry
    assert!(hides("none"));
    assert!(hides("GPU-deadbeef"));
    assert!(!hides("0"));
    assert!(!hides("0,7"));
    assert!(!hides("GPU-12345670"));
    assert!(!hides("MIG-0a1b2c3d-aaaa-bbbb-cccc-0123456789ab")); // MIG UUIDs are not recorded
    assert!(
        of(
            &installed(&healthy_tf29()),
            "cuda-visible-devices-hides-all"
        )
        .is_empty()
    );
    // GPU count unknown: an index cannot be judged.
    let s = with_env(
        with_driver(bare_host(), "535.261.03"),
        "CUDA_VISIBLE_DEVICES",
        "3",
    );
    assert!(of(&installed(&s), "cuda-visible-devices-hides-all").is_empty());
}

// --- framework -------------------------------------------------------------------------------

#[test]
fn python_version_unsupported() {
    let mut s = healthy_tf29();
    s.python_environments[0].python_version = Some("3.11".parse().unwrap());
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
    s.python_environments[0].python_version = None;
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
    // A JAX without its CUDA plugin, reported as CPU-only: the release's own extra, pinned.
    let mut s = gpu_host;
    s.frameworks.push(cudoctor_facts::snapshot::Framework {
        name: "jax".into(),
        environment: "/opt/venv".into(),
        version: Some("0.4.30".parse().unwrap()),
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
    s.frameworks[0].compute_capabilities = None;
    let mut t = targets_from_snapshot(kb(), &s);
    t[0].needs.gpu_code = None;
    assert!(of(&with_targets(&s, &t), "gpu-arch-unsupported").is_empty());
    // Unknown code list, but CUDA 11's nvcc cannot target 3.0 at all: no kernel image.
    let mut s = with_gpu(healthy_tf29(), "Quadro K4000", "3.0");
    s.frameworks[0].compute_capabilities = None;
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
    t[0].needs.gpu_code = Some(Sourced::new(vec!["compute_90".parse().unwrap()], "test"));
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
    s.frameworks[0].version = Some("2.99.0".parse().unwrap());
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

// --- containers ------------------------------------------------------------------------------

#[test]
fn container_no_gpu() {
    let s = in_container(with_python_env(bare_host(), "/usr", "3.8"));
    assert_eq!(
        sev(&installed(&s), "container-no-gpu"),
        Some(Severity::Error)
    );
    // GPUs passed in: silent.
    let s = in_container(with_gpu(
        with_driver(bare_host(), "535.261.03"),
        "Tesla T4",
        "7.5",
    ));
    assert!(of(&installed(&s), "container-no-gpu").is_empty());
    // /dev unreadable: unknown, silent.
    let mut s = in_container(bare_host());
    s.device_nodes.unknown = Some("permission denied".into());
    assert!(of(&installed(&s), "container-no-gpu").is_empty());
    // Not in a container: silent.
    assert!(of(&installed(&bare_host()), "container-no-gpu").is_empty());
}

#[test]
fn docker_runtime_edge_cases() {
    // No Docker at all: silent.
    assert!(
        of(
            &installed(&with_gpu(
                with_driver(bare_host(), "535.261.03"),
                "Tesla T4",
                "7.5"
            )),
            "docker-nvidia-runtime-missing"
        )
        .is_empty()
    );
    // daemon.json unreadable: unknown, silent.
    let mut s = with_docker_daemon(
        with_gpu(with_driver(bare_host(), "535.261.03"), "Tesla T4", "7.5"),
        &[],
        None,
    );
    s.container.docker_daemon.as_mut().unwrap().unknown =
        Some("invalid JSON at line 3 column 5".into());
    assert!(of(&installed(&s), "docker-nvidia-runtime-missing").is_empty());
    // Toolkit installed, no daemon.json: not registered.
    let mut s = with_gpu(with_driver(bare_host(), "535.261.03"), "Tesla T4", "7.5");
    s.container.nvidia_container_tools = vec!["/usr/bin/nvidia-ctk".into()];
    assert_eq!(
        sev(&installed(&s), "docker-nvidia-runtime-missing"),
        Some(Severity::Warning)
    );
}

#[test]
fn image_cuda_newer_than_driver() {
    let image = |require: Option<&str>, cuda: Option<&str>, driver: Option<&str>| {
        let mut s = bare_host();
        s.root.kind = cudoctor_facts::snapshot::RootKind::Directory;
        s.container.nvidia_require_cuda = require.map(Into::into);
        s.container.cuda_version_env = cuda.map(Into::into);
        if let Some(d) = driver {
            s.driver.kernel_module_version = Some(d.parse().unwrap());
        }
        sev(&installed(&s), "image-cuda-newer-than-driver")
    };
    assert_eq!(
        image(Some("cuda>=12.2"), None, Some("470.82.01")),
        Some(Severity::Error)
    );
    assert_eq!(
        image(None, Some("12.2.2"), Some("470.82.01")),
        Some(Severity::Error)
    );
    // Forward-compatibility alternative for this branch: a warning.
    assert_eq!(
        image(
            Some("cuda>=12.2 brand=tesla,driver>=470,driver<471"),
            None,
            Some("470.82.01")
        ),
        Some(Severity::Warning)
    );
    // Minor-version compatibility: a warning naming the caveats.
    assert_eq!(
        image(Some("cuda>=11.8"), None, Some("470.82.01")),
        Some(Severity::Warning)
    );
    assert_eq!(image(Some("cuda>=11.2"), None, Some("535.261.03")), None);
    // Host driver unknown: silent.
    assert_eq!(image(Some("cuda>=12.2"), None, None), None);
}

#[test]
fn cudnn_copied_without_its_soname_link() {
    // `libcudnn.so.8.1.0` copied into a default directory, no `libcudnn.so.8` link, no ldconfig.
    let mut s = healthy_tf29();
    s.libraries
        .retain(|l| l.soname.as_deref() != Some("libcudnn.so.8"));
    s.libraries.push(cudoctor_facts::snapshot::Library {
        family: cudoctor_facts::snapshot::LibraryFamily::Cudnn,
        soname: Some("libcudnn.so.8".into()),
        soname_source: Some("DT_SONAME".into()),
        path: "/usr/lib/x86_64-linux-gnu/libcudnn.so.8.1.0".into(),
        real_path: Some("/usr/lib/x86_64-linux-gnu/libcudnn.so.8.1.0".into()),
        version: Some("8.1.0".into()),
        found_via: vec!["default_dir".into()],
        ..Default::default()
    });
    let f = installed(&s);
    let nf = of(&f, "library-not-found");
    assert_eq!(nf.len(), 1, "{f:#?}");
    assert!(
        nf[0].fix.iter().any(|x| x.contains(
            "sudo ln -sf libcudnn.so.8.1.0 /usr/lib/x86_64-linux-gnu/libcudnn.so.8 && sudo ldconfig"
        )),
        "{:?}",
        nf[0].fix
    );
    // A default directory needs no LD_LIBRARY_PATH line.
    assert!(
        !nf[0]
            .fix
            .iter()
            .any(|x| x.contains("export LD_LIBRARY_PATH=/usr/lib")),
        "{:?}",
        nf[0].fix
    );
}

#[test]
fn pip_libraries_of_a_pinning_package_are_not_reported_missing() {
    // TF 2.9 (no pins) with a cuDNN wheel in its site-packages: TF 2.9 does not look there.
    let mut s = healthy_tf29();
    s.libraries
        .retain(|l| l.soname.as_deref() != Some("libcudnn.so.8"));
    s = with_lib(
        s,
        "/opt/venv/lib/python3.9/site-packages/nvidia/cudnn/lib",
        "libcudnn.so.8",
        "8.6.0",
        "site_packages",
    );
    // With the loader's answer recorded (TF does not preload: a plain search), an explicit
    // "not found":
    let t = targets_from_snapshot(kb(), &s);
    let cudnn: Vec<_> = loader_questions(&t, &s)
        .into_iter()
        .filter(|q| q.soname == "libcudnn.so.8")
        .collect();
    assert_eq!(cudnn.len(), 1, "{cudnn:?}");
    assert_eq!(
        cudnn[0].preload_environment, None,
        "TF asks as a plain process"
    );
    let answered = with_loader_not_found(s.clone(), &cudnn);
    assert_eq!(
        of(&diagnose(kb(), &answered, &t).findings, "library-not-found").len(),
        1
    );
    // The same release installed with NVIDIA pins (as `tensorflow[and-cuda]` does): unknown.
    s.frameworks[0].requires_nvidia =
        vec!["nvidia-cudnn-cu11==8.6.0.163; extra == \"and-cuda\"".into()];
    let t = targets_from_snapshot(kb(), &s);
    let answered = with_loader_not_found(s.clone(), &cudnn);
    assert!(of(&diagnose(kb(), &answered, &t).findings, "library-not-found").is_empty());
}

#[test]
fn hostile_facts_never_panic() {
    use cudoctor_facts::snapshot::{CudaToolkit, Library};
    let mut s = healthy_tf29();
    for (k, v) in [
        ("CUDA_VISIBLE_DEVICES", "99999999999999999999999,,"),
        ("LD_LIBRARY_PATH", ":::/:"),
        ("PATH", ""),
        ("CUDA_HOME", "/"),
        ("NVIDIA_VISIBLE_DEVICES", ""),
    ] {
        s = with_env(s, k, v);
    }
    for (path, soname, version) in [
        ("", Some(""), Some("")),
        ("/", Some("lib.so"), Some("....")),
        (
            "libcudnn.so.8",
            Some("libcudnn.so.8"),
            Some("4294967295.4294967295"),
        ),
        (
            "/x/libcudart.so.11.0",
            Some("libcudart.so.11.0"),
            Some("99999999999999999999.1"),
        ),
        ("/é/libcublas.so.11", None, None),
    ] {
        s.libraries.push(Library {
            family: cudoctor_facts::snapshot::LibraryFamily::Cudnn,
            soname: soname.map(Into::into),
            path: path.into(),
            real_path: Some(format!("{path}.ü")),
            version: version.map(Into::into),
            found_via: vec![
                "ld_library_path".into(),
                "ld_so_cache".into(),
                String::new(),
            ],
            ..Library::default()
        });
    }
    s.cuda_toolkits.push(CudaToolkit {
        root: "/".into(),
        real_root: Some(String::new()),
        nvcc: Some("/nvcc".into()),
        ..CudaToolkit::default()
    });
    s.container.nvidia_require_cuda = Some("cuda>= cuda>=99.99 brand=,driver>=x,driver<".into());
    s.container.cuda_version_env = Some("not-a-version".into());
    s.container.markers.push(String::new());
    s.frameworks[0].requires_nvidia = vec![
        String::new(),
        ";".into(),
        "nvidia-cudnn-cu11 (((".into(),
        "nvidia-cudnn-cu11==".into(),
        "x[".into(),
    ];
    s.frameworks[0].compute_capabilities = Some(vec![
        "sm_".into(),
        "compute_999999999".into(),
        String::new(),
    ]);
    s.cudnn.push(Cudnn {
        kind: String::new(),
        path: String::new(),
        version: Some("4294967295".parse().unwrap()),
        ..Cudnn::default()
    });
    let t = targets_from_snapshot(kb(), &s);
    let _ = diagnose(kb(), &s, &t);
    let _ = diagnose(
        kb(),
        &with_unknown_loader(s.clone(), &loader_questions(&t, &s)),
        &t,
    );
    let _ = spec(&s, "tensorflow==2.9");
    let _ = spec(&s, "torch==2.4.1+cu999");
    let _ = spec(&s, "jax==0.4.30");
}

#[test]
fn cuda_update_missing_from_the_table_is_judged_by_its_series() {
    // An installed build reporting CUDA 11.2.9 (no such row): judged as CUDA 11.2.
    let mut s = with_driver_version(healthy_tf29(), "440.33.01");
    s.frameworks[0].cuda_version = Some("11.2.9".parse().unwrap());
    assert_eq!(sev(&installed(&s), "driver-too-old"), Some(Severity::Error));
}

// --- releases the knowledge base does not know; honest verdicts -------------------------------

/// TensorFlow 2.99.0 (unknown to the knowledge base) built with CUDA 12.5.1 / cuDNN `cudnn`,
/// on a host with a driver and a GPU but no CUDA library.
fn tf_299(cudnn: Option<&str>) -> Snapshot {
    let s = with_gpu(with_driver(bare_host(), "560.35.03"), "NVIDIA A100", "8.0");
    let s = with_python_env(s, "/opt/venv", "3.11");
    with_tensorflow(
        s,
        "/opt/venv",
        "tensorflow",
        "2.99.0",
        Some("12.5.1"),
        cudnn,
        true,
    )
}

fn sonames_of(t: &Target) -> Vec<String> {
    let mut v: Vec<String> = t
        .needs
        .sonames
        .as_ref()
        .map(|s| s.value.iter().map(|x| x.soname.clone()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn unknown_tf_release_carries_over_sonames_of_the_same_cuda_and_cudnn_majors() {
    let s = tf_299(Some("9"));
    let t = targets_from_snapshot(kb(), &s);
    let names = sonames_of(&t[0]);
    assert!(names.contains(&"libcudart.so.12".to_owned()), "{names:?}");
    assert!(names.contains(&"libcudnn.so.9".to_owned()), "{names:?}");
    let src = &t[0].needs.sonames.as_ref().unwrap().source;
    assert!(src.contains("carried over from TensorFlow 2.21"), "{src}");
    assert!(src.contains("CUDA 12 and cuDNN 9"), "{src}");
    assert!(src.contains("build_info.py"), "{src}");
    // ... so the loader's answer is checked: nothing there -> library-not-found, an error.
    let d = diagnose(kb(), &s, &t);
    assert_eq!(sev(&d.findings, "library-not-found"), Some(Severity::Error));
    assert!(!d.verdict.contains("ready"), "{}", d.verdict);
}

#[test]
fn unknown_tf_release_with_other_cudnn_major_keeps_only_the_cuda_names() {
    // cuDNN 10: no known CUDA 12 release used it, so no cuDNN name is carried over.
    let t = targets_from_snapshot(kb(), &tf_299(Some("10")));
    let names = sonames_of(&t[0]);
    assert!(names.contains(&"libcublas.so.12".to_owned()), "{names:?}");
    assert!(
        !names.iter().any(|n| n.starts_with("libcudnn")),
        "{names:?}"
    );
    let src = &t[0].needs.sonames.as_ref().unwrap().source;
    assert!(src.contains("left out"), "{src}");
    // cuDNN unknown: no cuDNN name either.
    let t = targets_from_snapshot(kb(), &tf_299(None));
    assert!(!sonames_of(&t[0]).iter().any(|n| n.starts_with("libcudnn")));
}

#[test]
fn unknown_tf_release_without_cuda_major_gets_no_sonames() {
    // No CUDA version, no pins: nothing is certain, nothing is carried over.
    let s = with_python_env(bare_host(), "/opt/venv", "3.11");
    let s = with_tensorflow(s, "/opt/venv", "tensorflow", "2.99.0", None, None, true);
    let t = targets_from_snapshot(kb(), &s);
    assert!(t[0].needs.sonames.is_none());
    // An unknown CUDA major (CUDA 14: no known release) carries nothing either.
    let s = with_python_env(bare_host(), "/opt/venv", "3.11");
    let s = with_tensorflow(
        s,
        "/opt/venv",
        "tensorflow",
        "2.99.0",
        Some("14.0"),
        Some("10"),
        true,
    );
    assert!(targets_from_snapshot(kb(), &s)[0].needs.sonames.is_none());
}

#[test]
fn unknown_tf_release_cuda_major_from_pins() {
    let s = with_python_env(bare_host(), "/opt/venv", "3.11");
    let mut s = with_tensorflow(s, "/opt/venv", "tensorflow", "2.99.0", None, None, true);
    s.frameworks[0].requires_nvidia = vec![
        "nvidia-cublas-cu12==12.5.3.2; extra == \"and-cuda\"".into(),
        "nvidia-cuda-runtime-cu12==12.5.82; extra == \"and-cuda\"".into(),
    ];
    let t = targets_from_snapshot(kb(), &s);
    let names = sonames_of(&t[0]);
    assert!(names.contains(&"libcudart.so.12".to_owned()), "{names:?}");
    assert!(
        t[0].needs
            .sonames
            .as_ref()
            .unwrap()
            .source
            .contains("nvidia-cublas-cu12")
    );
    // Pins that disagree on the major: unknown.
    s.frameworks[0].requires_nvidia = vec![
        "nvidia-cublas-cu12==12.5.3.2".into(),
        "nvidia-cuda-runtime-cu11==11.8.89".into(),
    ];
    assert!(targets_from_snapshot(kb(), &s)[0].needs.sonames.is_none());
}

#[test]
fn known_release_keeps_its_own_soname_row() {
    let t = targets_from_snapshot(kb(), &healthy_tf29());
    let src = &t[0].needs.sonames.as_ref().unwrap().source;
    assert!(!src.contains("carried over"), "{src}");
}

#[test]
fn ready_only_with_evidence() {
    // A live host whose driver, GPU and libraries were all seen: ready.
    let s = healthy_tf29();
    let t = targets_from_snapshot(kb(), &s);
    let d = diagnose(kb(), &s, &t);
    assert_eq!(d.status, crate::Status::Ok, "{:#?}", d.findings);
    assert_eq!(d.verdict, "TensorFlow 2.9.0 is ready to use the GPU");
    // The same files under a directory root: no driver or GPU can be checked from outside.
    let mut dir = healthy_tf29();
    dir.root.kind = cudoctor_facts::snapshot::RootKind::Directory;
    dir.root.path = "/tmp/root".into();
    let t = targets_from_snapshot(kb(), &dir);
    let d = diagnose(kb(), &dir, &t);
    assert_eq!(d.status, crate::Status::Ok, "{:#?}", d.findings);
    assert!(!d.verdict.contains("ready"), "{}", d.verdict);
    assert_eq!(
        d.verdict,
        "TensorFlow 2.9.0: no problem found in the files; the driver and GPU were not checked (directory root)"
    );
    // A host where no GPU was seen: not "ready" either.
    let mut s = healthy_tf29();
    s.gpus.clear();
    s.device_nodes.gpus.clear();
    let t = targets_from_snapshot(kb(), &s);
    let d = diagnose(kb(), &s, &t);
    if d.status == crate::Status::Ok {
        assert!(d.verdict.contains("no GPU was seen"), "{}", d.verdict);
    }
    assert!(!d.verdict.contains("ready"), "{}", d.verdict);
}

#[test]
fn unknown_version_is_never_ready() {
    let mut dir = with_python_env(bare_host(), "/opt/venv", "3.11");
    dir.root.kind = cudoctor_facts::snapshot::RootKind::Directory;
    dir.frameworks.push(cudoctor_facts::snapshot::Framework {
        name: "tensorflow".into(),
        environment: "/opt/venv".into(),
        version: None,
        version_unknown: Some("METADATA: `Version: ???` is not a PEP 440 version".into()),
        ..cudoctor_facts::snapshot::Framework::default()
    });
    let t = targets_from_snapshot(kb(), &dir);
    let d = diagnose(
        kb(),
        &with_unknown_loader(dir.clone(), &loader_questions(&t, &dir)),
        &t,
    );
    assert!(!d.verdict.contains("ready"), "{}", d.verdict);
    if d.status == crate::Status::Ok {
        assert!(
            d.verdict.contains("no problem found in the files"),
            "{}",
            d.verdict
        );
        assert!(d.verdict.contains("version"), "{}", d.verdict);
        assert!(d.verdict.contains("CUDA build"), "{}", d.verdict);
    }
}

#[test]
fn empty_root_verdict_is_honest() {
    let mut dir = bare_host();
    dir.root.kind = cudoctor_facts::snapshot::RootKind::Directory;
    let d = diagnose(kb(), &dir, &[]);
    assert_eq!(d.status, crate::Status::Ok, "{:#?}", d.findings);
    assert_eq!(
        d.verdict,
        "No problem found in the files (no framework checked); the driver and GPU were not checked (directory root)"
    );
    // A live host with a driver and a GPU: the stack itself looks usable.
    let s = with_gpu(with_driver(bare_host(), "535.261.03"), "Tesla T4", "7.5");
    let d = diagnose(kb(), &s, &[]);
    if d.status == crate::Status::Ok {
        assert_eq!(
            d.verdict,
            "The GPU stack looks usable (no framework checked)"
        );
    }
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
            l.gpu_code = Some(codes.iter().map(|c| (*c).to_owned()).collect());
            l.gpu_code_source = Some("CUDA fatbinary headers of the test library".into());
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

/// cuDNN 8's apt versions name their CUDA (`8.1.1.33-1+cuda11.2`): grep for it. cuDNN 9's
/// package names the CUDA major and its versions carry no CUDA suffix: a grep would find nothing.
#[test]
fn cudnn_apt_commands_per_packaging_scheme() {
    let v8 = super::cudnn::apt_commands("8.1".parse().unwrap(), "11.2".parse().unwrap());
    assert_eq!(
        v8,
        "`apt-cache madison libcudnn8 | grep 'cuda11.2'`, then `sudo apt-get install libcudnn8=<a 8.1.x version from that list>`"
    );
    let v9 = super::cudnn::apt_commands("9.1.0".parse().unwrap(), "12.4".parse().unwrap());
    assert_eq!(
        v9,
        "`apt-cache madison libcudnn9-cuda-12`, then `sudo apt-get install libcudnn9-cuda-12=<a 9.1.x version from that list>`"
    );
}
