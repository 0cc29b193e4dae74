//! Scenario tests: hand-built snapshots of whole machines, diagnosed through the public API.
//! Each seed scenario of the source article (`shared/seed/SUMMARY.md`) is reproduced and must
//! be detected; the healthy scenario must produce no error and no warning.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use cudoctor_diagnose::{
    Diagnosis, Severity, Status, diagnose, loader_questions, target_from_spec,
    targets_from_snapshot,
};
use cudoctor_facts::snapshot::Fact;
use cudoctor_kb::{Kb, Spec};
use cudoctor_probe::snapshot::{Cudnn, Snapshot};
use cudoctor_test::scenarios::*;

fn kb() -> &'static Kb {
    Kb::embedded().expect("embedded kb")
}

fn run(s: &Snapshot) -> Diagnosis {
    let targets = targets_from_snapshot(kb(), s);
    localized(diagnose(kb(), s, &targets))
}

fn run_for(s: &Snapshot, spec: &str) -> Diagnosis {
    let spec: Spec = spec.parse().unwrap();
    let targets = vec![target_from_spec(kb(), &spec, s)];
    localized(diagnose(kb(), s, &targets))
}

/// The diagnosis, once checked to read the same through the English catalog (and to have all
/// its messages in every language): the catalogs cannot drift from the text the rules build.
fn localized(d: Diagnosis) -> Diagnosis {
    let bad = d.l10n_mismatches();
    assert!(
        bad.is_empty(),
        "catalogs and code disagree:\n{}",
        bad.join("\n")
    );
    d
}

fn show(d: &Diagnosis) -> String {
    use std::fmt::Write as _;
    let mut out = format!("{}\n", d.verdict);
    for f in &d.findings {
        let _ = writeln!(out, "  [{}] {}: {}", f.severity.as_str(), f.id, f.title);
    }
    out
}

fn ids(d: &Diagnosis, severity: Severity) -> Vec<&str> {
    d.findings
        .iter()
        .filter(|f| f.severity == severity)
        .map(|f| f.id.as_str())
        .collect()
}

fn has(d: &Diagnosis, id: &str, severity: Severity) -> bool {
    d.findings
        .iter()
        .any(|f| f.id == id && f.severity == severity)
}

/// Fails, listing every finding, unless `d` has `id` at `severity`.
#[track_caller]
fn assert_has(d: &Diagnosis, id: &str, severity: Severity) {
    assert!(
        has(d, id, severity),
        "no {id} at {severity:?}:\n{}",
        show(d)
    );
}

/// Fails, listing every finding, if `d` has `id` at `severity`.
#[track_caller]
fn assert_lacks_at(d: &Diagnosis, id: &str, severity: Severity) {
    assert!(
        !has(d, id, severity),
        "unexpected {id} at {severity:?}:\n{}",
        show(d)
    );
}

/// Fails, listing every finding, if `d` has `id` at any severity.
#[track_caller]
fn assert_lacks(d: &Diagnosis, id: &str) {
    assert!(
        !d.findings.iter().any(|f| f.id == id),
        "unexpected {id}:\n{}",
        show(d)
    );
}

/// Every scenario, by name.
fn scenarios() -> Vec<(&'static str, Snapshot)> {
    vec![
        ("healthy_tf29", healthy_tf29()),
        ("s14_driver_too_old", s14_driver_too_old()),
        ("s14_no_gpu_in_container", s14_no_gpu_in_container()),
        ("s14_cudnn_replaced_in_image", s14_cudnn_replaced_in_image()),
        ("s2_cudart_points_to_cuda12", s2_cudart_points_to_cuda12()),
        ("s4_two_toolkits", s4_two_toolkits()),
        ("s6_cudnn_copied_by_hand", s6_cudnn_copied_by_hand()),
        ("s6_cudnn_upgraded_to_8_6", s6_cudnn_upgraded()),
        ("s10_runtime_not_registered", s10_runtime_not_registered()),
        ("s13_host_without_toolkit", s13_host_without_toolkit()),
        ("s13_image_newer_than_driver", s13_image_newer_than_driver()),
        ("torch_cpu_on_gpu_host", torch_cpu_on_gpu_host()),
        ("torch_newer_than_kb", torch_newer_than_kb()),
        ("kernel_module_not_loaded", kernel_module_not_loaded()),
        ("driver_library_mismatch", driver_library_mismatch()),
        ("visible_devices_hidden", visible_devices_hidden()),
        (
            "ld_library_path_with_empty_entry",
            ld_library_path_with_empty_entry(),
        ),
        ("bare_host", bare_host()),
        ("healthy_torch", healthy_torch()),
        ("healthy_jax", healthy_jax()),
        ("tf29_on_rtx3090", tf29_on("NVIDIA GeForce RTX 3090", "8.6")),
        ("tf29_on_a100", tf29_on("NVIDIA A100-SXM4-40GB", "8.0")),
        ("tf29_on_h100", tf29_on("NVIDIA H100 80GB HBM3", "9.0")),
        ("tf29_on_kepler_k4000", tf29_on_k4000()),
        ("tf29_in_python311", tf29_in_python311()),
    ]
}

// --- scenarios -------------------------------------------------------------------------------

/// S14 row 1 / S1: "CUDA driver version is insufficient": driver 440.33 for TF 2.9 (CUDA 11.2).
fn s14_driver_too_old() -> Snapshot {
    with_driver_version(healthy_tf29(), "440.33.01")
}

/// S14 row 3 / S13: a TF 2.9 container started without `--gpus`.
fn s14_no_gpu_in_container() -> Snapshot {
    let mut s = in_container(bare_host());
    s = with_cuda112_libs(s, "/usr/local/cuda-11.2/lib64", "ld_so_cache");
    s.container.cuda_version_env = Some("11.2.1".into());
    s = with_env(s, "NVIDIA_VISIBLE_DEVICES", "void");
    s = with_python_env(s, "/usr", "3.8");
    with_tensorflow(
        s,
        "/usr",
        "tensorflow",
        "2.9.0",
        Some("11.2"),
        Some("8"),
        true,
    )
}

/// S14 row 4 / S6: a custom image replaced cuDNN 8.1 with 8.0.5.
fn s14_cudnn_replaced_in_image() -> Snapshot {
    let mut s = in_container(healthy_tf29());
    let lib = lib_mut(&mut s, "libcudnn.so.8");
    lib.real_path
        .set_value("/usr/local/cuda-11.2/lib64/libcudnn.so.8.0.5".into());
    lib.version.set_value("8.0.5".into());
    s.cudnn[0].path = "/usr/local/cuda-11.2/lib64/libcudnn.so.8.0.5".into();
    s.cudnn[0].version.set_value("8.0.5".parse().unwrap());
    s.container.nv_cudnn_version = Some("8.1.0.77".into());
    s
}

/// S2: `libcudart.so.11.0` on the system path is a link to a CUDA 12 runtime.
fn s2_cudart_points_to_cuda12() -> Snapshot {
    let mut s = healthy_tf29();
    let lib = lib_mut(&mut s, "libcudart.so.11.0");
    lib.real_path
        .set_value("/usr/local/cuda-12.2/lib64/libcudart.so.12.2.140".into());
    lib.version.set_value("12.2.140".into());
    s
}

/// S4: CUDA 11.2 and 11.8 side by side; LD_LIBRARY_PATH and /usr/local/cuda select 11.8 while
/// CUDA_HOME says 11.2: TF 2.9 loads the 11.8 runtime.
fn s4_two_toolkits() -> Snapshot {
    // The healthy host, plus a CUDA 11.8 toolkit that `/usr/local/cuda` and `LD_LIBRARY_PATH` select.
    let mut s = healthy_tf29();
    s.cuda_toolkits.retain(|t| t.root != "/usr/local/cuda");
    s = with_toolkit(s, "/usr/local/cuda", Some("/usr/local/cuda-11.8"), "11.8.0");
    s = with_toolkit(s, "/usr/local/cuda-11.8", None, "11.8.0");
    for (so, v) in [
        ("libcudart.so.11.0", "11.8.89"),
        ("libcublas.so.11", "11.11.3.6"),
    ] {
        s = with_lib(s, "/usr/local/cuda-11.8/lib64", so, v, "ld_library_path");
    }
    s = with_env(s, "CUDA_HOME", "/usr/local/cuda-11.2");
    with_env(s, "LD_LIBRARY_PATH", "/usr/local/cuda-11.8/lib64")
}

/// S6: cuDNN 8.1 files copied by hand into a directory the loader does not search (no
/// `ldconfig`, no `LD_LIBRARY_PATH`), plus an unofficial 8.0 bundle.
fn s6_cudnn_copied_by_hand() -> Snapshot {
    let mut s = healthy_tf29();
    s.libraries
        .retain(|l| l.soname.as_deref() != Some("libcudnn.so.8"));
    s.cudnn.clear();
    s = with_lib(
        s,
        "/opt/cudnn-8.1/lib64",
        "libcudnn.so.8",
        "8.1.0",
        "toolkit",
    );
    s = with_lib(s, "/opt/bundle/lib", "libcudnn.so.8", "8.0.4", "toolkit");
    for (path, v) in [
        ("/opt/cudnn-8.1/lib64/libcudnn.so.8.1.0", "8.1.0"),
        ("/opt/bundle/lib/libcudnn.so.8.0.4", "8.0.4"),
    ] {
        s.cudnn.push(Cudnn {
            kind: "library".into(),
            path: path.into(),
            version: Fact::from_parts(Some(v.parse().unwrap()), Some("file name".into()), None),
        });
    }
    s
}

/// S6: "upgrading cuDNN to 8.2+ in a custom Dockerfile": TF accepts it, untested.
fn s6_cudnn_upgraded() -> Snapshot {
    let mut s = healthy_tf29();
    let lib = lib_mut(&mut s, "libcudnn.so.8");
    lib.real_path
        .set_value("/usr/local/cuda-11.2/lib64/libcudnn.so.8.6.0".into());
    lib.version.set_value("8.6.0".into());
    s.cudnn[0].version.set_value("8.6.0".parse().unwrap());
    s
}

/// S10: a Docker host with the NVIDIA container runtime installed but not registered.
fn s10_runtime_not_registered() -> Snapshot {
    let mut s = with_gpu(with_driver(bare_host(), "535.261.03"), "Tesla T4", "7.5");
    s = with_docker_daemon(s, &["runc"], None);
    s.container.nvidia_container_tools = vec![
        "/usr/bin/nvidia-container-runtime".into(),
        "/usr/bin/nvidia-ctk".into(),
    ];
    s
}

/// S13: a Docker host with GPUs and no NVIDIA Container Toolkit.
fn s13_host_without_toolkit() -> Snapshot {
    let s = with_gpu(with_driver(bare_host(), "535.261.03"), "Tesla T4", "7.5");
    with_docker_daemon(s, &[], None)
}

/// S13: an image for CUDA 12.2 checked against a host driver 470.82.01.
fn s13_image_newer_than_driver() -> Snapshot {
    let mut s = bare_host();
    s.root.kind = cudoctor_facts::snapshot::RootKind::Directory;
    s.root.path = "/mnt/image".into();
    s.container.nvidia_require_cuda = Some("cuda>=12.2".into());
    s.container.cuda_version_env = Some("12.2.2".into());
    s.driver.kernel_module_version =
        Fact::known("470.82.01".parse().unwrap(), "CUDOCTOR_OVERRIDE_DRIVER");
    s
}

/// `torch+cpu` on a machine with a GPU.
fn torch_cpu_on_gpu_host() -> Snapshot {
    let s = with_gpu(
        with_driver(bare_host(), "535.261.03"),
        "NVIDIA A100-SXM4-80GB",
        "8.0",
    );
    let s = with_python_env(s, "/opt/venv", "3.11");
    with_torch(s, "/opt/venv", "2.4.1+cpu", None, &[])
}

/// PyTorch 2.99.0 (unknown to the tables) with its pins, one of them missing.
fn torch_newer_than_kb() -> Snapshot {
    let s = with_gpu(
        with_driver(bare_host(), "580.65.06"),
        "NVIDIA H100 80GB HBM3",
        "9.0",
    );
    let s = with_python_env(s, "/opt/venv", "3.12");
    let s = with_torch(
        s,
        "/opt/venv",
        "2.99.0",
        Some("13.0"),
        &[
            "nvidia-cudnn-cu13==9.26.0.51; platform_system == \"Linux\"",
            "nvidia-cublas-cu13==13.1.0.3; platform_system == \"Linux\"",
        ],
    );
    with_package(s, "/opt/venv", "nvidia-cudnn-cu13", "9.26.0.51")
}

fn kernel_module_not_loaded() -> Snapshot {
    let mut s = with_driver(bare_host(), "535.261.03");
    s.driver.kernel_module_version = Fact::Absent;
    with_live(s, 100, "CUDA_ERROR_NO_DEVICE", None)
}

fn driver_library_mismatch() -> Snapshot {
    with_userspace_driver(healthy_tf29(), "550.144.03")
}

fn visible_devices_hidden() -> Snapshot {
    with_env(healthy_tf29(), "CUDA_VISIBLE_DEVICES", "-1")
}

/// `LD_LIBRARY_PATH=:/usr/local/cuda/lib64`, as many guides write it: the empty first entry is
/// the current directory to glibc (the probe records it).
fn ld_library_path_with_empty_entry() -> Snapshot {
    let mut s = with_env(healthy_tf29(), "LD_LIBRARY_PATH", ":/usr/local/cuda/lib64");
    s.environment.ld_library_path_current_directory =
        vec!["entry 1 is empty (the current directory)".to_owned()];
    s
}

/// PyTorch 2.4.1 (PyPI default: CUDA 12.1) with every pinned wheel at its pinned version, on an
/// A100 with driver 550.144.03.
fn healthy_torch() -> Snapshot {
    let s = with_gpu(
        with_driver(bare_host(), "550.144.03"),
        "NVIDIA A100-SXM4-80GB",
        "8.0",
    );
    let s = with_python_env(s, "/opt/venv", "3.11");
    let pins = [
        ("nvidia-cuda-runtime-cu12", "12.1.105"),
        ("nvidia-cublas-cu12", "12.1.3.1"),
        ("nvidia-cudnn-cu12", "9.1.0.70"),
    ];
    let lines: Vec<String> = pins
        .iter()
        .map(|(n, v)| {
            format!("{n}=={v}; platform_system == \"Linux\" and platform_machine == \"x86_64\"")
        })
        .collect();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let mut s = with_torch(s, "/opt/venv", "2.4.1", Some("12.1"), &refs);
    for (n, v) in pins {
        s = with_package(s, "/opt/venv", n, v);
    }
    s
}

/// jax 0.4.30 with its CUDA 12 plugin and cuDNN 9.1 from pip, on an A100 with driver 550.144.03.
fn healthy_jax() -> Snapshot {
    let s = with_gpu(
        with_driver(bare_host(), "550.144.03"),
        "NVIDIA A100-SXM4-80GB",
        "8.0",
    );
    let mut s = with_python_env(s, "/opt/venv", "3.11");
    for (name, pins) in [
        ("jax", vec![]),
        (
            "jax-cuda12-plugin",
            vec!["nvidia-cudnn-cu12<10.0,>=9.0; extra == \"with-cuda\"".to_owned()],
        ),
    ] {
        s.frameworks.push(cudoctor_probe::snapshot::Framework {
            name: name.into(),
            environment: "/opt/venv".into(),
            version: Fact::from_parts(
                Some("0.4.30".parse().unwrap()),
                Some(format!(
                    "/opt/venv/lib/python3.11/site-packages/{}-0.4.30.dist-info/METADATA",
                    name.replace('-', "_")
                )),
                None,
            ),
            requires_nvidia: pins,
            ..Default::default()
        });
        s = with_package(s, "/opt/venv", name, "0.4.30");
    }
    with_package(s, "/opt/venv", "nvidia-cudnn-cu12", "9.1.0.70")
}

/// TF 2.9 on another GPU: its wheels carry SASS sm_35 ... sm_75 and sm_80 plus compute_80 PTX
/// (build_info's `compute_80` is both, by TensorFlow's convention).
fn tf29_on(name: &str, cc: &str) -> Snapshot {
    let mut s = healthy_tf29();
    s.gpus.clear();
    s.device_nodes.gpus.clear();
    with_gpu(s, name, cc)
}

/// A Kepler GPU of capability 3.0: no code in TF 2.9.
fn tf29_on_k4000() -> Snapshot {
    let mut s = healthy_tf29();
    s.gpus.clear();
    s.device_nodes.gpus.clear();
    with_gpu(s, "Quadro K4000", "3.0")
}

/// TF 2.9 supports Python 3.7-3.10.
fn tf29_in_python311() -> Snapshot {
    let mut s = healthy_tf29();
    s.python_environments[0]
        .python_version
        .set_value("3.11".parse().unwrap());
    s
}

// --- tests -----------------------------------------------------------------------------------

#[test]
fn healthy_tf29_has_no_error_or_warning() {
    let d = run(&healthy_tf29());
    assert_eq!(d.status, Status::Ok, "{}", show(&d));
    assert!(ids(&d, Severity::Error).is_empty(), "{}", show(&d));
    assert!(ids(&d, Severity::Warning).is_empty(), "{}", show(&d));
    assert_eq!(d.verdict, "TensorFlow 2.9.0 is ready to use the GPU");
    assert_eq!(d.targets.len(), 1);
    assert_eq!(d.targets[0].cuda.as_deref(), Some("11.2"));
    // Built cuDNN: build_info says only "8"; the knowledge base gives 8.1.
    assert_eq!(d.targets[0].cudnn.as_deref(), Some("8.1"));
}

#[test]
fn gpu_arch_and_python_scenarios() {
    // An A100 (8.0) and an RTX 3090 (8.6) run the sm_80 SASS: no finding at all.
    for (name, cc) in [
        ("NVIDIA A100-SXM4-40GB", "8.0"),
        ("NVIDIA GeForce RTX 3090", "8.6"),
    ] {
        let d = run(&tf29_on(name, cc));
        assert!(
            !d.findings.iter().any(|f| f.id == "gpu-arch-unsupported"),
            "{name}: {}",
            show(&d)
        );
    }
    // An H100 (9.0) has no SASS in TF 2.9: the driver JIT-compiles the compute_80 PTX.
    assert!(has(
        &run(&tf29_on("NVIDIA H100 80GB HBM3", "9.0")),
        "gpu-arch-unsupported",
        Severity::Warning
    ));
    assert!(has(
        &run(&tf29_on_k4000()),
        "gpu-arch-unsupported",
        Severity::Error
    ));
    assert!(has(
        &run(&tf29_in_python311()),
        "python-version-unsupported",
        Severity::Warning
    ));
}

#[test]
fn docs_list_every_rule_id() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/findings.md"
    ))
    .expect("docs/findings.md");
    for id in cudoctor_diagnose::rule_ids() {
        assert!(
            doc.contains(&format!("## `{id}`")),
            "docs/findings.md has no section for `{id}`"
        );
    }
}

#[test]
fn healthy_torch_and_jax_have_no_error_or_warning() {
    for s in [healthy_torch(), healthy_jax()] {
        let d = run(&s);
        assert_eq!(d.status, Status::Ok, "{}", show(&d));
        assert_eq!(d.targets.len(), 1, "{}", show(&d));
        assert!(d.targets[0].in_knowledge_base, "{:?}", d.targets[0]);
    }
    // And they do detect a broken pin.
    let mut s = healthy_jax();
    let env = &mut s.python_environments[0];
    env.packages.retain(|p| p.name != "nvidia-cudnn-cu12");
    let s = with_package(s, "/opt/venv", "nvidia-cudnn-cu12", "8.9.7.29");
    let d = run(&s);
    assert_has(&d, "cudnn-version-mismatch", Severity::Error);
    assert_has(&d, "library-wrong-version", Severity::Warning);
}

#[test]
fn healthy_tf29_checked_for_the_spec_too() {
    let d = run_for(&healthy_tf29(), "tensorflow==2.9.0");
    assert!(ids(&d, Severity::Error).is_empty(), "{}", show(&d));
    assert!(ids(&d, Severity::Warning).is_empty(), "{}", show(&d));
}

#[test]
fn s14_driver_too_old_is_an_error_naming_the_minimum() {
    let d = run(&s14_driver_too_old());
    assert_has(&d, "driver-too-old", Severity::Error);
    let f = d
        .findings
        .iter()
        .find(|f| f.id == "driver-too-old")
        .unwrap();
    assert!(f.fix[0].contains("460.27.03"), "{:?}", f.fix);
    assert!(
        f.evidence.iter().any(|e| e.value == ">= 450.80.02"),
        "{:?}",
        f.evidence
    );
    assert!(
        d.verdict
            .starts_with("TensorFlow 2.9.0 will not use the GPU: 1 error"),
        "{}",
        d.verdict
    );
}

#[test]
fn driver_between_compat_and_toolkit_minimum_is_a_warning() {
    let d = run(&with_driver_version(healthy_tf29(), "455.23.05"));
    assert_has(&d, "driver-too-old", Severity::Warning);
    assert_lacks_at(&d, "driver-too-old", Severity::Error);
    let f = d
        .findings
        .iter()
        .find(|f| f.id == "driver-too-old")
        .unwrap();
    assert!(f.explanation.contains("PTX"), "{}", f.explanation);
}

#[test]
fn s14_no_gpu_in_container_is_detected_and_driver_missing_is_not() {
    let d = run(&s14_no_gpu_in_container());
    assert_has(&d, "container-no-gpu", Severity::Error);
    assert_lacks(&d, "driver-missing");
    let f = d
        .findings
        .iter()
        .find(|f| f.id == "container-no-gpu")
        .unwrap();
    assert!(f.fix.iter().any(|x| x.contains("--gpus all")));
    assert!(
        f.fix
            .iter()
            .any(|x| x.contains("NVIDIA_VISIBLE_DEVICES=all"))
    );
}

#[test]
fn s14_cudnn_replaced_in_custom_image_is_an_error() {
    let d = run(&s14_cudnn_replaced_in_image());
    assert_has(&d, "cudnn-version-mismatch", Severity::Error);
    let f = d
        .findings
        .iter()
        .find(|f| f.id == "cudnn-version-mismatch")
        .unwrap();
    assert!(
        f.title.contains("8.0.5") && f.title.contains("8.1"),
        "{}",
        f.title
    );
    assert!(
        f.fix
            .iter()
            .any(|x| x.contains("tensorflow/tensorflow:2.9.0-gpu")),
        "{:?}",
        f.fix
    );
}

#[test]
fn s2_cudart_link_to_another_major_is_wrong_version() {
    let d = run(&s2_cudart_points_to_cuda12());
    assert_has(&d, "library-wrong-version", Severity::Error);
    assert_lacks(&d, "cuda-runtime-untested");
}

#[test]
fn s4_two_toolkits_conflict_and_untested_runtime() {
    let d = run(&s4_two_toolkits());
    assert_has(&d, "cuda-toolkit-conflict", Severity::Warning);
    assert_has(&d, "cuda-runtime-untested", Severity::Warning);
    let f = d
        .findings
        .iter()
        .find(|f| f.id == "cuda-runtime-untested")
        .unwrap();
    // The fix puts the CUDA 11.2 copy first.
    assert!(
        f.fix
            .iter()
            .any(|x| x.contains("export LD_LIBRARY_PATH=/usr/local/cuda-11.2/lib64")),
        "{:?}",
        f.fix
    );
    let c = d
        .findings
        .iter()
        .find(|f| f.id == "cuda-toolkit-conflict")
        .unwrap();
    assert!(
        c.fix
            .iter()
            .any(|x| x.contains("CUDA_HOME=/usr/local/cuda-11.2")),
        "{:?}",
        c.fix
    );
    // Several toolkits alone are fine: the healthy scenario has two entries for one toolkit.
    assert!(
        !run(&healthy_tf29())
            .findings
            .iter()
            .any(|f| f.id == "cuda-toolkit-conflict")
    );
}

#[test]
fn s6_cudnn_copied_by_hand_is_not_found_with_the_exact_ld_library_path_line() {
    let d = run(&s6_cudnn_copied_by_hand());
    assert_has(&d, "library-not-found", Severity::Error);
    let f = d
        .findings
        .iter()
        .find(|f| f.id == "library-not-found")
        .unwrap();
    assert!(f.title.contains("libcudnn.so.8"), "{}", f.title);
    // Only the acceptable copy (8.1) is offered, never the 8.0 bundle.
    assert!(
        f.fix.iter().any(|x| x.contains(
            "export LD_LIBRARY_PATH=/opt/cudnn-8.1/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
        )),
        "{:?}",
        f.fix
    );
    assert!(
        !f.fix.iter().any(|x| x.contains("/opt/bundle")),
        "{:?}",
        f.fix
    );
    assert!(f.fix.iter().any(|x| x.contains("libcudnn8")), "{:?}", f.fix);
    // Two different cuDNN 8 copies: a warning.
    assert_has(&d, "cudnn-version-mismatch", Severity::Warning);
}

#[test]
fn s6_cudnn_upgraded_is_untested_not_an_error() {
    let d = run(&s6_cudnn_upgraded());
    assert_has(&d, "cudnn-version-mismatch", Severity::Warning);
    assert!(ids(&d, Severity::Error).is_empty(), "{}", show(&d));
}

#[test]
fn s10_runtime_not_registered_gives_the_daemon_json_fragment() {
    let d = run(&s10_runtime_not_registered());
    assert_has(&d, "docker-nvidia-runtime-missing", Severity::Warning);
    let f = d
        .findings
        .iter()
        .find(|f| f.id == "docker-nvidia-runtime-missing")
        .unwrap();
    assert!(
        f.fix
            .iter()
            .any(|x| x.contains("\"default-runtime\": \"nvidia\"")
                && x.contains("\"path\": \"nvidia-container-runtime\""))
    );
    assert!(
        f.fix[0]
            .contains("sudo \"$(command -v cudoctor)\" fix docker-runtime --set-default --apply")
    );
    assert!(f.fix[1].contains("nvidia-ctk runtime configure --runtime=docker"));
    // Registered: silent.
    let mut ok = s10_runtime_not_registered();
    ok.container.docker_daemon.as_mut().unwrap().runtimes = vec!["nvidia".into(), "runc".into()];
    assert!(
        !run(&ok)
            .findings
            .iter()
            .any(|f| f.id == "docker-nvidia-runtime-missing")
    );
}

#[test]
fn s13_host_without_toolkit_and_image_newer_than_driver() {
    let d = run(&s13_host_without_toolkit());
    assert_has(&d, "docker-nvidia-runtime-missing", Severity::Warning);
    let d = run(&s13_image_newer_than_driver());
    assert_has(&d, "image-cuda-newer-than-driver", Severity::Error);
    // An image probed from outside has no driver of its own: no driver-missing.
    assert_lacks(&d, "driver-missing");
}

#[test]
fn cpu_only_torch_on_gpu_host() {
    let d = run(&torch_cpu_on_gpu_host());
    assert_has(&d, "cpu-only-build", Severity::Error);
    assert_eq!(d.verdict, "PyTorch 2.4.1+cpu will not use the GPU: 1 error");
}

#[test]
fn release_newer_than_kb_is_diagnosed_from_its_files() {
    let d = run(&torch_newer_than_kb());
    assert_has(&d, "release-not-in-knowledge-base", Severity::Info);
    // The missing pinned wheel is found from the installed metadata alone.
    let f = d
        .findings
        .iter()
        .find(|f| f.id == "library-not-found")
        .unwrap();
    assert!(f.title.contains("nvidia-cublas-cu13"), "{}", f.title);
    assert!(
        f.fix[0].contains("nvidia-cublas-cu13==13.1.0.3"),
        "{:?}",
        f.fix
    );
}

#[test]
fn kernel_module_mismatch_and_visible_devices() {
    let d = run(&kernel_module_not_loaded());
    assert_has(&d, "kernel-module-not-loaded", Severity::Error);
    assert!(!d.findings.iter().any(|f| f.id == "driver-missing"));
    let d = run(&driver_library_mismatch());
    assert_has(&d, "driver-library-mismatch", Severity::Error);
    let d = run(&visible_devices_hidden());
    assert_has(&d, "cuda-visible-devices-hides-all", Severity::Error);
}

#[test]
fn bare_host_without_targets_says_what_for_would_add() {
    let d = run(&bare_host());
    assert_has(&d, "driver-missing", Severity::Error);
    assert_has(&d, "no-framework-target", Severity::Info);
    assert!(
        d.verdict.starts_with("The GPU stack is not usable"),
        "{}",
        d.verdict
    );
    let d = run_for(&bare_host(), "tensorflow==2.9.0");
    let f = d
        .findings
        .iter()
        .find(|f| f.id == "driver-missing")
        .unwrap();
    assert!(f.fix[0].contains(">= 460.27.03"), "{:?}", f.fix);
}

#[test]
fn unknown_loader_keeps_library_rules_silent() {
    let s = s6_cudnn_copied_by_hand();
    // With the snapshot's loader answers the same facts are an error: only the loader differs.
    assert_has(&run(&s), "library-not-found", Severity::Error);
    let targets = targets_from_snapshot(kb(), &s);
    let d = diagnose(
        kb(),
        &with_unknown_loader(s.clone(), &loader_questions(&targets, &s)),
        &targets,
    );
    for id in [
        "library-not-found",
        "library-wrong-version",
        "cuda-runtime-untested",
    ] {
        assert_lacks(&d, id);
    }
}

#[test]
fn every_finding_has_explanation_evidence_fix_and_sources() {
    for (name, s) in scenarios() {
        for d in [
            run(&s),
            run_for(&s, "tensorflow==2.9.0"),
            run_for(&s, "torch==2.4.1"),
        ] {
            // Sorted: severity, then id.
            let keys: Vec<_> = d
                .findings
                .iter()
                .map(|f| (f.severity, f.id.clone()))
                .collect();
            let mut sorted = keys.clone();
            sorted.sort();
            assert_eq!(keys, sorted, "{name}: not sorted");
            for f in &d.findings {
                let ctx = format!("{name}: {} ({})", f.id, f.title);
                assert!(
                    cudoctor_diagnose::rule_ids().contains(&f.id.as_str()),
                    "{ctx}: undocumented id"
                );
                assert!(!f.title.is_empty(), "{ctx}");
                assert!(f.explanation.len() > 40, "{ctx}: explanation");
                assert!(!f.evidence.is_empty(), "{ctx}: evidence");
                assert!(
                    f.evidence
                        .iter()
                        .all(|e| !e.fact.is_empty() && !e.value.is_empty() && !e.source.is_empty()),
                    "{ctx}: evidence without provenance: {:?}",
                    f.evidence
                );
                assert!(
                    !f.fix.is_empty() && f.fix.iter().all(|x| !x.is_empty()),
                    "{ctx}: fix"
                );
                // A pin with no version (`'torch=='`) is a command pip rejects.
                assert!(
                    f.fix
                        .iter()
                        .all(|x| !x.contains("=='") && !x.contains("==`")),
                    "{ctx}: empty pin in {:?}",
                    f.fix
                );
                assert!(!f.sources.is_empty(), "{ctx}: sources");
            }
            // The verdict agrees with the findings.
            let errors = d.count(Severity::Error);
            assert_eq!(d.status == Status::Error, errors > 0, "{name}");
            let json = serde_json::to_value(&d).unwrap();
            assert!(json["status"].is_string() && json["findings"].is_array());
        }
    }
}

/// One example per rule id, rendered as in `docs/findings.md`: (id, scenario, fenced block).
fn example_blocks() -> Vec<(String, &'static str, String)> {
    use std::fmt::Write as _;
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for (name, s) in scenarios() {
        for f in run(&s).findings {
            if !seen.insert(f.id.clone()) {
                continue;
            }
            let mut b = format!(
                "```text\n[{}] {}\n\n{}\n\nEvidence:\n",
                f.severity.as_str(),
                f.title,
                f.explanation
            );
            for e in &f.evidence {
                let _ = writeln!(b, "  - {}: {}  ({})", e.fact, e.value, e.source);
            }
            b.push_str("Fix:\n");
            for x in &f.fix {
                let _ = writeln!(b, "  - {x}");
            }
            b.push_str("Sources:\n");
            for x in &f.sources {
                let _ = writeln!(b, "  - {x}");
            }
            b.push_str("```");
            out.push((f.id.clone(), name, b));
        }
    }
    out
}

/// The examples in `docs/findings.md` are what the rules print today. To refresh them after a
/// wording change: `CUDOCTOR_UPDATE_DOCS=1 cargo test -p cudoctor-diagnose --test scenarios docs_examples`.
#[test]
fn docs_examples_are_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/findings.md");
    let mut doc = std::fs::read_to_string(path).expect("docs/findings.md");
    let update = std::env::var_os("CUDOCTOR_UPDATE_DOCS").is_some();
    let mut stale = Vec::new();
    for (id, scenario, block) in example_blocks() {
        let head = format!("## `{id}`");
        let Some(sec) = doc.find(&head) else {
            stale.push(format!("{id}: no section"));
            continue;
        };
        let next = doc[sec + head.len()..]
            .find("\n## `")
            .map_or(doc.len(), |i| sec + head.len() + i);
        let section = &doc[sec..next];
        if section.contains(&block) && section.contains(&format!("scenario `{scenario}`")) {
            continue;
        }
        stale.push(id.clone());
        if update {
            let example = format!("**Example** (scenario `{scenario}`):\n\n{block}\n");
            let new_section = match section.find("**Example**") {
                Some(i) => format!("{}{example}", &section[..i]),
                None => format!("{}\n{example}", section.trim_end()),
            };
            doc.replace_range(sec..next, &new_section);
        }
    }
    if update && !stale.is_empty() {
        std::fs::write(path, &doc).expect("write docs/findings.md");
        return;
    }
    assert!(
        stale.is_empty(),
        "docs/findings.md examples are stale for {stale:?}; refresh with CUDOCTOR_UPDATE_DOCS=1"
    );
}

/// Prints every scenario's diagnosis (for `docs/findings.md` examples):
/// `cargo test -p cudoctor-diagnose --test scenarios -- --ignored --nocapture print_all`.
#[test]
#[ignore = "prints examples; asserts nothing"]
fn print_all() {
    for (name, s) in scenarios() {
        let d = run(&s);
        eprintln!("=== {name}\n{}", serde_json::to_string_pretty(&d).unwrap());
    }
}

#[test]
fn ld_library_path_current_directory_warns_with_the_cleaned_value() {
    let d = run(&ld_library_path_with_empty_entry());
    let f = d
        .findings
        .iter()
        .find(|f| f.id == "ld-library-path-current-directory")
        .unwrap_or_else(|| panic!("{}", show(&d)));
    assert_eq!(f.severity, Severity::Warning);
    assert!(
        f.fix
            .iter()
            .any(|x| x.contains("export LD_LIBRARY_PATH=/usr/local/cuda/lib64`")),
        "{:?}",
        f.fix
    );
    assert!(
        !run(&healthy_tf29())
            .findings
            .iter()
            .any(|f| f.id == "ld-library-path-current-directory")
    );
    // Only empty entries: nothing to keep, so the fix unsets it (not `export LD_LIBRARY_PATH=`).
    let mut s = with_env(healthy_tf29(), "LD_LIBRARY_PATH", ":");
    s.environment.ld_library_path_current_directory =
        vec!["entry 1 is empty (the current directory)".to_owned()];
    let d = run(&s);
    let f = d
        .findings
        .iter()
        .find(|f| f.id == "ld-library-path-current-directory")
        .unwrap();
    assert!(
        f.fix.iter().any(|x| x.contains("`unset LD_LIBRARY_PATH`"))
            && !f.fix.iter().any(|x| x.contains("LD_LIBRARY_PATH=`")),
        "{:?}",
        f.fix
    );
}

/// The backtick-quoted spans of a text: commands, paths, sonames, variables.
fn quoted(s: &str) -> Vec<&str> {
    s.split('`').skip(1).step_by(2).collect()
}

/// Read in Chinese, every scenario's verdict and findings are Chinese text in which each command,
/// path and soname of the English text is still there, as it is; English stays byte-identical.
#[test]
fn scenarios_read_in_chinese_with_commands_verbatim() {
    use cudoctor_diagnose::Lang;
    let cjk = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    let mut seen = std::collections::BTreeSet::new();
    for (name, s) in scenarios() {
        let d = run(&s);
        assert_eq!(d.localized_verdict(Lang::En), d.verdict, "{name}");
        let zh = d.localized_verdict(Lang::Zh);
        assert!(cjk(&zh), "{name}: verdict not in Chinese: {zh}");
        for f in &d.findings {
            seen.insert(f.id.clone());
            assert_eq!(f.localized_title(Lang::En), f.title);
            assert_eq!(f.localized_explanation(Lang::En), f.explanation);
            assert_eq!(f.localized_fix(Lang::En), f.fix);
            let title = f.localized_title(Lang::Zh);
            let explanation = f.localized_explanation(Lang::Zh);
            let fix = f.localized_fix(Lang::Zh);
            assert!(cjk(&title), "{name} {}: title {title:?}", f.id);
            assert!(
                cjk(&explanation),
                "{name} {}: explanation {explanation:?}",
                f.id
            );
            assert_eq!(fix.len(), f.fix.len());
            for (en, zh) in [(&f.title, &title), (&f.explanation, &explanation)]
                .into_iter()
                .chain(f.fix.iter().zip(fix.iter()))
            {
                for q in quoted(en) {
                    assert!(
                        zh.contains(&format!("`{q}`")),
                        "{name} {}: `{q}` lost in {zh:?}",
                        f.id
                    );
                }
            }
        }
    }
    assert!(seen.len() >= 15, "the scenarios reach only {seen:?}");
}

/// Every rule id has a zh title message.
#[test]
fn every_rule_id_has_a_zh_title() {
    use cudoctor_diagnose::{Lang, i18n::Catalog, rule_ids};
    let zh = Catalog::get(Lang::Zh);
    for id in rule_ids() {
        let exact = format!("{id}-title");
        let variant = format!("{id}-title-");
        assert!(
            zh.keys().any(|k| k == exact || k.starts_with(&variant)),
            "{id} has no zh title"
        );
    }
}
