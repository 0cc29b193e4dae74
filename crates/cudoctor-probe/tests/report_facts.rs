//! What a bug report needs from a probed root: the packages of each environment, and a
//! redacted snapshot that names no user, home or host.
#![allow(clippy::unwrap_used)]

use cudoctor_probe::{Collectors, Env, Root, probe_root};
use cudoctor_test::Fixture;

#[test]
fn the_packages_collect_env_lists_are_recorded_sorted() {
    let f = Fixture::new();
    let sp = "/opt/venv/lib/python3.11/site-packages";
    f.file("/opt/venv/pyvenv.cfg", "version = 3.11.9\n");
    for (dir, name, version) in [
        ("torch-2.5.1.dist-info", "torch", "2.5.1"),
        ("torchvision-0.20.1.dist-info", "torchvision", "0.20.1"),
        ("torchaudio-2.5.1.dist-info", "torchaudio", "2.5.1"),
        ("triton-3.1.0.dist-info", "triton", "3.1.0"),
        ("keras-3.6.0.dist-info", "keras", "3.6.0"),
        (
            "tensorflow_io_gcs_filesystem-0.37.1.dist-info",
            "tensorflow-io-gcs-filesystem",
            "0.37.1",
        ),
        ("cupy_cuda12x-13.3.0.dist-info", "cupy-cuda12x", "13.3.0"),
        (
            "nvidia_nccl_cu12-2.21.5.dist-info",
            "nvidia-nccl-cu12",
            "2.21.5",
        ),
        ("numpy-2.1.3.dist-info", "numpy", "2.1.3"),
    ] {
        f.file(
            &format!("{sp}/{dir}/METADATA"),
            format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\nbody\n"),
        );
    }
    // No METADATA: the version is the directory name's.
    f.dir(&format!("{sp}/jax_cuda12_plugin-0.4.35.dist-info"));
    let root = Root::dir(f.path()).unwrap();
    let env = Env::from_pairs([("VIRTUAL_ENV", "/opt/venv")]);
    let snap = probe_root(&root, &env, Collectors::files_only());
    let e = snap
        .python_environments
        .iter()
        .find(|e| e.path == "/opt/venv")
        .unwrap();
    let got: Vec<(String, String)> = e
        .packages
        .iter()
        .map(|p| (p.name.clone(), p.version.clone().unwrap()))
        .collect();
    let want: Vec<(String, String)> = [
        ("cupy-cuda12x", "13.3.0"),
        ("jax-cuda12-plugin", "0.4.35"),
        ("keras", "3.6.0"),
        ("nvidia-nccl-cu12", "2.21.5"),
        ("tensorflow-io-gcs-filesystem", "0.37.1"),
        ("torch", "2.5.1"),
        ("torchaudio", "2.5.1"),
        ("torchvision", "0.20.1"),
        ("triton", "3.1.0"),
    ]
    .iter()
    .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
    .collect();
    assert_eq!(got, want);
    // `tensorflow-io-gcs-filesystem` is recorded, but it is no TensorFlow.
    assert!(
        !snap
            .frameworks
            .iter()
            .any(|f| f.name.starts_with("tensorflow"))
    );
    assert!(e.active);
}

#[test]
fn a_redacted_probe_names_no_user_home_or_host() {
    let f = Fixture::new();
    f.file("/home/alice/proj/.venv/pyvenv.cfg", "version = 3.12.1\n")
        .dir("/home/alice/proj/.venv/lib/python3.12/site-packages")
        .file("/home/alice/proj/.venv/bin/python", "")
        .file("/etc/hostname", "gpu-node-17\n");
    let root = Root::dir(f.path()).unwrap();
    let env = Env::from_pairs([
        ("HOME", "/home/alice"),
        ("USER", "alice"),
        ("VIRTUAL_ENV", "/home/alice/proj/.venv"),
        ("PATH", "/home/alice/proj/.venv/bin:/usr/bin"),
        ("LD_LIBRARY_PATH", "/home/alice/cuda/lib64"),
    ]);
    let mut snap = probe_root(&root, &env, Collectors::files_only());
    let before = snap.to_json().unwrap();
    assert!(before.contains("alice") && before.contains("gpu-node-17"));
    snap.redact().unwrap();
    let after = snap.to_json().unwrap();
    assert!(!after.contains("alice"), "{after}");
    assert!(!after.contains("gpu-node-17"), "{after}");
    assert!(!after.contains("/home/"), "{after}");
    let a = snap.active_python.as_ref().unwrap();
    assert_eq!(a.prefix.as_deref(), Some("~/proj/.venv"));
    assert_eq!(a.detail, "VIRTUAL_ENV=~/proj/.venv");
    assert_eq!(snap.system.hostname.as_deref(), Some("<host>"));
    assert_eq!(
        snap.environment.variables["LD_LIBRARY_PATH"],
        "~/cuda/lib64"
    );
    cudoctor_test::assert_matches_schema(&serde_json::from_str(&after).unwrap());
}
