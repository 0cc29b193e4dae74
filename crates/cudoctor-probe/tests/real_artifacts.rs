//! Real NVIDIA artifacts: the Debian bookworm 535.261.03 driver libraries and CUDA 11.8 runtime
//! (`debian-nonfree.sh`), and the real `nvidia-cuda-runtime-cu11` wheel from PyPI, read from
//! `<repo>/.cache/` as `scripts/fetch-test-artifacts.sh` leaves them. A test never downloads:
//! when an artifact is missing it skips (logged, see `log_skip`), or fails under
//! `CUDOCTOR_REQUIRE_ARTIFACTS=1`.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::Command;

use cudoctor_probe::live::{probe_libcuda, probe_nvml};
use cudoctor_probe::{ProbeOptions, probe};
use cudoctor_test::{Fixture, at, missing, repo_root};

/// The extracted Debian tree, when it is in the cache.
fn debian_root() -> Option<PathBuf> {
    let cache = repo_root().join(".cache/debian");
    let root = cache.join("root");
    let libcuda = root.join("usr/lib/x86_64-linux-gnu/nvidia/current/libcuda.so.535.261.03");
    let cudart = root.join("usr/lib/x86_64-linux-gnu/libcudart.so.11.8.89");
    if libcuda.exists() && cudart.exists() {
        return Some(root);
    }
    missing(&format!(
        "no cached {} (run scripts/fetch-test-artifacts.sh)",
        root.display()
    ))
}

#[test]
fn real_libcuda_answers_through_the_live_probe() {
    let Some(root) = debian_root() else { return };
    let lib = root.join("usr/lib/x86_64-linux-gnu/nvidia/current/libcuda.so.535.261.03");
    let facts = probe_libcuda(Some(&lib));
    assert_eq!(facts.libcuda_unknown.as_deref(), None, "{facts:?}");
    assert_eq!(facts.cu_driver_get_version.get(), Some(12020), "{facts:?}");
    // A loaded kernel module means a GPU machine, where cuInit may succeed. (Not /dev/nvidiactl:
    // libcuda running as root creates that node itself, so it proves nothing.)
    if Path::new("/proc/driver/nvidia/version").exists() {
        eprintln!("NVIDIA kernel module loaded: cuInit = {:?}", facts.cu_init);
        return;
    }
    assert_eq!(facts.cu_init, Some(100), "{facts:?}");
    assert_eq!(facts.cu_init_name.as_deref(), Some("CUDA_ERROR_NO_DEVICE"));
    assert_eq!(facts.device_count, None);

    let nvml = root.join("usr/lib/x86_64-linux-gnu/nvidia/current/libnvidia-ml.so.535.261.03");
    let n = probe_nvml(Some(&nvml));
    assert_eq!(n.library.as_deref(), Some(nvml.to_str().unwrap()));
    // No kernel module here: nvmlInit fails, and says so.
    let why = n.unknown.unwrap();
    assert!(why.starts_with("nvmlInit_v2 returned"), "{why}");
    assert!(n.driver_version.is_none());
}

#[test]
fn root_probe_of_the_extracted_tree() {
    let Some(root) = debian_root() else { return };
    let snap = probe(&ProbeOptions::directory(&root, vec![]));
    let v: serde_json::Value = serde_json::from_str(&snap.to_json().unwrap()).unwrap();
    cudoctor_test::assert_matches_schema(&v);
    assert_eq!(at(&v, "/driver/userspace_version"), "535.261.03");
    let libs = at(&v, "/libraries").as_array().unwrap();
    let libcuda = libs
        .iter()
        .find(|l| l["path"] == "/usr/lib/x86_64-linux-gnu/nvidia/current/libcuda.so.1")
        .unwrap();
    assert_eq!(libcuda["version"], "535.261.03");
    assert_eq!(libcuda["soname"], "libcuda.so.1");
    assert_eq!(
        libcuda["soname_source"],
        "DT_SONAME of `/usr/lib/x86_64-linux-gnu/nvidia/current/libcuda.so.535.261.03`"
    );
    assert_eq!(libcuda["elf"], "elf64-x86_64");
    let cudart = libs
        .iter()
        .find(|l| l["path"] == "/usr/lib/x86_64-linux-gnu/libcudart.so.11.0")
        .unwrap();
    assert_eq!(cudart["version"], "11.8.89");
    assert_eq!(
        cudart["real_path"],
        "/usr/lib/x86_64-linux-gnu/libcudart.so.11.8.89"
    );
    assert_eq!(cudart["soname"], "libcudart.so.11.0");
    let nvml = libs.iter().find(|l| l["family"] == "nvidia-ml").unwrap();
    assert_eq!(nvml["version"], "535.261.03");
    // The packages alone do not make libcuda visible to the loader (Debian's alternatives links
    // are made by maintainer scripts, which never ran here): the loader answer says so.
    let res = v["loader"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["soname"] == "libcuda.so.1")
        .unwrap();
    assert!(res["chosen"].is_null());
    let res = v["loader"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["soname"] == "libcudart.so.11.0")
        .unwrap();
    assert_eq!(
        res["chosen"]["real_path"],
        "/usr/lib/x86_64-linux-gnu/libcudart.so.11.8.89"
    );
    // Debian's toolkit, when its package was extracted too: version read from nvcc's bytes.
    if root.join("usr/lib/nvidia-cuda-toolkit/bin/nvcc").exists() {
        let tk = at(&v, "/cuda_toolkits")
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["root"] == "/usr/lib/nvidia-cuda-toolkit")
            .unwrap();
        assert_eq!(tk["version"], "11.8.89");
    }
    assert!(snap.probe_errors.is_empty(), "{:?}", snap.probe_errors);
}

/// The wheel, when it is in the cache.
fn cuda_runtime_wheel() -> Option<PathBuf> {
    let dir = repo_root().join(".cache/wheels");
    let find = || {
        std::fs::read_dir(&dir)
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| {
                p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                    n.starts_with("nvidia_cuda_runtime_cu11-11.8.89") && n.ends_with(".whl")
                })
            })
    };
    if let Some(w) = find() {
        return Some(w);
    }
    missing(&format!(
        "no nvidia-cuda-runtime-cu11 11.8.89 wheel in {} (run scripts/fetch-test-artifacts.sh)",
        dir.display()
    ))
}

#[test]
fn real_cuda_runtime_wheel_in_a_venv() {
    let Some(wheel) = cuda_runtime_wheel() else {
        return;
    };
    let f = Fixture::new();
    let sp = "/srv/venv/lib/python3.11/site-packages";
    f.file(
        "/srv/venv/pyvenv.cfg",
        "home = /usr/bin\nversion = 3.11.4\n",
    );
    f.dir(sp);
    // A wheel is a zip: unpack it with Python's zipfile (no extra crate for a test).
    let st = Command::new("python3")
        .args(["-m", "zipfile", "-e"])
        .arg(&wheel)
        .arg(f.host_path(sp))
        .status();
    if !st.is_ok_and(|s| s.success()) {
        missing::<()>(&format!(
            "cannot unpack {} (python3 -m zipfile)",
            wheel.display()
        ));
        return;
    }
    let snap = probe(&ProbeOptions::directory(
        f.path(),
        vec![("VIRTUAL_ENV".into(), "/srv/venv".into())],
    ));
    let v: serde_json::Value = serde_json::from_str(&snap.to_json().unwrap()).unwrap();
    cudoctor_test::assert_matches_schema(&v);
    let env = at(&v, "/python_environments/0");
    assert_eq!(env["path"], "/srv/venv");
    assert_eq!(env["python_version"], "3.11");
    let pkg = env["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "nvidia-cuda-runtime-cu11")
        .unwrap();
    assert_eq!(pkg["version"], "11.8.89");
    let lib = at(&v, "/libraries")
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["family"] == "cudart")
        .unwrap();
    assert_eq!(
        lib["path"],
        format!("{sp}/nvidia/cuda_runtime/lib/libcudart.so.11.0")
    );
    assert_eq!(lib["version"], "11.8.89");
    assert!(
        lib["version_source"]
            .as_str()
            .unwrap()
            .starts_with("wheel METADATA"),
        "{lib}"
    );
    assert_eq!(lib["soname"], "libcudart.so.11.0");
    assert_eq!(lib["found_via"][0], "pip_wheel");
}

#[test]
fn print_extracted_tree_snapshot() {
    let Some(root) = debian_root() else { return };
    if std::env::var_os("CUDOCTOR_PRINT_SNAPSHOT").is_none() {
        return;
    }
    let snap = probe(&ProbeOptions::directory(&root, vec![]));
    eprintln!("{}", snap.to_json().unwrap());
}
