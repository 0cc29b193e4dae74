//! Tests of the rule set as a whole, through `diagnose`: hostile facts never panic, the targets of
//! releases the knowledge base does not know (sonames carried over only when certain), and honest
//! verdicts. Each rule's own tests sit beside it (`rules/<group>/tests.rs`).
#![allow(clippy::unwrap_used)]

use cudoctor_facts::snapshot::Fact;
use cudoctor_facts::snapshot::{Cudnn, Snapshot};
use cudoctor_test::scenarios::*;

use crate::diagnose;
use crate::finding::Severity;
use crate::loader::loader_questions;
use crate::rules::testing::{kb, sev, spec};
use crate::target::{Target, targets_from_snapshot};

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
            soname: soname.map(str::to_owned).into(),
            path: path.into(),
            real_path: Fact::value_only(format!("{path}.ü")),
            version: version.map(str::to_owned).into(),
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
    s.frameworks[0].compute_capabilities.set_value(vec![
        "sm_".into(),
        "compute_999999999".into(),
        String::new(),
    ]);
    s.cudnn.push(Cudnn {
        kind: String::new(),
        path: String::new(),
        version: Fact::value_only("4294967295".parse().unwrap()),
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
        version: Fact::from_parts(
            None,
            None,
            Some("METADATA: `Version: ???` is not a PEP 440 version".into()),
        ),
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
