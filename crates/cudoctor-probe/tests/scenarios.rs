//! One fixture root per scenario, probed as `--root`, checked through the public JSON contract.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use cudoctor_probe::snapshot::Snapshot;
use cudoctor_probe::{Collectors, ProbeOptions, probe};
use cudoctor_test::{Fixture, at, repo_root};
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;

unsafe extern "C" {
    fn mkfifo(path: *const std::ffi::c_char, mode: u32) -> i32;
    fn geteuid() -> u32;
}

fn probe_dir(f: &Fixture, env: &[(&str, &str)]) -> (Snapshot, Value) {
    let opts = ProbeOptions {
        root: Some(f.path().to_path_buf()),
        env: Some(
            env.iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        ),
        collectors: Collectors::default(),
    };
    let snap = probe(&opts);
    let json = snap.to_json().unwrap();
    // Round trip: exactly the same bytes, and the same value.
    let back = Snapshot::from_json(&json).unwrap();
    assert_eq!(back, snap);
    assert_eq!(back.to_json().unwrap(), json);
    // Deterministic: a second probe gives the same bytes.
    assert_eq!(probe(&opts).to_json().unwrap(), json);
    let value: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["schema_version"], 1);
    cudoctor_test::assert_matches_schema(&value);
    if let Some(dir) = std::env::var_os("CUDOCTOR_SNAPSHOT_DIR") {
        let name = f.path().file_name().unwrap().to_string_lossy().into_owned();
        std::fs::write(
            std::path::Path::new(&dir).join(format!("{name}.json")),
            &json,
        )
        .unwrap();
    }
    (snap, value)
}

fn find<'a>(list: &'a Value, key: &str, val: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|x| x[key] == val)
        .unwrap_or_else(|| panic!("no element with {key} = {val} in {list:#}"))
}

const TF29_BUILD_INFO: &str = "\"\"\"Auto-generated module providing information about the build.\"\"\"\nimport collections\n\nbuild_info = collections.OrderedDict([('cpu_compiler', '/dt9/usr/bin/gcc'), ('cuda_compute_capabilities', ['sm_35', 'sm_50', 'sm_60', 'sm_70', 'sm_75', 'compute_80']), ('cuda_version', '11.2'), ('cudnn_version', '8'), ('is_cuda_build', True), ('is_rocm_build', False), ('is_tensorrt_build', True)])\n";

const CUDNN_811: &str =
    "#define CUDNN_MAJOR 8\n#define CUDNN_MINOR 1\n#define CUDNN_PATCHLEVEL 1\n";

#[test]
fn clean_tf29_host() {
    let f = Fixture::new();
    f.file(
        "/proc/driver/nvidia/version",
        "NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05  Sat Aug 19 01:15:15 UTC 2023\nGCC version:  gcc version 12.3.0 (Ubuntu 12.3.0-1ubuntu1~22.04) \n",
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
    .lib("/usr/local/cuda-11.2/lib64/libcudart.so.11.2.152", "libcudart.so.11.0")
    .link("/usr/local/cuda-11.2/lib64/libcudart.so.11.0", "libcudart.so.11.2.152")
    .link("/usr/local/cuda", "cuda-11.2")
    .file("/usr/include/cudnn_version.h", CUDNN_811)
    .lib("/usr/lib/x86_64-linux-gnu/libcudnn.so.8.1.1", "libcudnn.so.8")
    .link("/usr/lib/x86_64-linux-gnu/libcudnn.so.8", "libcudnn.so.8.1.1")
    .file("/opt/venv/pyvenv.cfg", "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.9.16\n")
    .file(
        "/opt/venv/lib/python3.9/site-packages/tensorflow-2.9.0.dist-info/METADATA",
        "Metadata-Version: 2.1\nName: tensorflow\nVersion: 2.9.0\nRequires-Dist: numpy (>=1.20)\n",
    )
    .file(
        "/opt/venv/lib/python3.9/site-packages/tensorflow/python/platform/build_info.py",
        TF29_BUILD_INFO,
    );
    let (snap, v) = probe_dir(
        &f,
        &[
            ("PATH", "/opt/venv/bin:/usr/bin"),
            ("CUDA_VISIBLE_DEVICES", "0"),
        ],
    );
    assert_eq!(at(&v, "/driver/kernel_module_version"), "535.104.05");
    assert_eq!(
        at(&v, "/driver/kernel_module_version_source"),
        "/proc/driver/nvidia/version"
    );
    assert_eq!(at(&v, "/driver/kernel_module_flavor"), "proprietary");
    assert_eq!(at(&v, "/driver/userspace_version"), "535.104.05");
    assert!(at(&v, "/driver/cuda_version").is_null());
    assert!(at(&v, "/driver/cuda_version_unknown").is_string());
    assert_eq!(at(&v, "/gpus/0/name"), "Tesla T4");
    assert!(at(&v, "/gpus/0/compute_capability").is_null());
    assert_eq!(at(&v, "/device_nodes/gpus/0"), "/dev/nvidia0");
    assert_eq!(at(&v, "/environment/variables/CUDA_VISIBLE_DEVICES"), "0");
    let tk = find(at(&v, "/cuda_toolkits"), "root", "/usr/local/cuda");
    assert_eq!(tk["version"], "11.2.2");
    assert_eq!(tk["real_root"], "/usr/local/cuda-11.2");
    // `/usr/local/cuda` and `/usr/local/cuda-11.2` are one directory: listed once.
    let cudarts: Vec<&Value> = at(&v, "/libraries")
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| {
            l["family"] == "cudart"
                && l["soname"] == "libcudart.so.11.0"
                && l["path"].as_str().unwrap().ends_with(".so.11.0")
        })
        .collect();
    assert_eq!(cudarts.len(), 1, "{cudarts:?}");
    let cudart = find(
        at(&v, "/libraries"),
        "path",
        "/usr/local/cuda/lib64/libcudart.so.11.0",
    );
    assert_eq!(cudart["soname"], "libcudart.so.11.0");
    assert_eq!(
        cudart["real_path"],
        "/usr/local/cuda-11.2/lib64/libcudart.so.11.2.152"
    );
    assert_eq!(cudart["version"], "11.2.152");
    let hdr = find(at(&v, "/cudnn"), "kind", "header");
    assert_eq!(hdr["version"], "8.1.1");
    assert_eq!(hdr["path"], "/usr/include/cudnn_version.h");
    let env = find(at(&v, "/python_environments"), "path", "/opt/venv");
    assert_eq!(env["python_version"], "3.9");
    assert_eq!(env["python_version_source"], "/opt/venv/pyvenv.cfg");
    let tf = find(at(&v, "/frameworks"), "name", "tensorflow");
    assert_eq!(tf["version"], "2.9.0");
    assert_eq!(tf["cuda_version"], "11.2");
    assert_eq!(tf["cudnn_version"], "8");
    // build_info.py lists sm_35 ... sm_75, compute_80; TensorFlow's compute_80 is sm_80 SASS
    // plus compute_80 PTX, so the snapshot's GPU code has both.
    assert_eq!(tf["compute_capabilities"][5], "sm_80");
    assert_eq!(tf["compute_capabilities"][6], "compute_80");
    assert!(
        tf["compute_capabilities_source"]
            .as_str()
            .unwrap()
            .contains("cuda_compute_capabilities sm_35, sm_50, sm_60, sm_70, sm_75, compute_80"),
        "{tf:#}"
    );
    assert_eq!(tf["environment"], "/opt/venv");
    assert!(snap.live.is_none(), "no live calls for a directory root");
    assert!(snap.probe_errors.is_empty(), "{:?}", snap.probe_errors);
    // The loader section says which libcudart a process would get: none is configured here
    // (no ld.so.cache, toolkit dir not in ld.so.conf).
    let loader = find(at(&v, "/loader"), "soname", "libcudart.so.11.0");
    assert!(loader["chosen"].is_null());
    let libcuda = find(at(&v, "/loader"), "soname", "libcuda.so.1");
    assert_eq!(
        libcuda["chosen"]["real_path"],
        "/usr/lib/x86_64-linux-gnu/libcuda.so.535.104.05"
    );
}

#[test]
fn open_kernel_module_banner() {
    let f = Fixture::new();
    f.file(
        "/proc/driver/nvidia/version",
        "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  550.144.03  Release Build  (dvs-builder@U16-I3-B03-4-3)  Thu Dec 12 09:34:02 UTC 2024\nGCC version:  gcc version 12.2.0 (Debian 12.2.0-14) \n",
    );
    let (_, v) = probe_dir(&f, &[]);
    assert_eq!(at(&v, "/driver/kernel_module_version"), "550.144.03");
    assert_eq!(at(&v, "/driver/kernel_module_flavor"), "open");
}

#[test]
fn two_toolkits() {
    let f = Fixture::new();
    let mut nvcc = b"\x7fELF\x02\x01\x01 padding ".to_vec();
    nvcc.extend_from_slice(b"Cuda compilation tools, release 12.2, V12.2.140\0more");
    f.file(
        "/usr/local/cuda-11.8/version.json",
        "{\"cuda\": {\"name\": \"CUDA SDK\", \"version\": \"11.8.0\"}}",
    )
    .file("/usr/local/cuda-11.8/bin/nvcc", b"\x7fELF")
    .file("/usr/local/cuda-12.2/bin/nvcc", &nvcc)
    .file("/usr/local/cuda-10.2/version.txt", "CUDA Version 10.2.89\n")
    .link("/usr/local/cuda", "/usr/local/cuda-12.2")
    .dir("/usr/local/cudnn-unrelated");
    let (_, v) = probe_dir(
        &f,
        &[
            ("CUDA_HOME", "/usr/local/cuda-11.8"),
            ("PATH", "/usr/local/cuda/bin:/usr/bin"),
        ],
    );
    let tks = at(&v, "/cuda_toolkits").as_array().unwrap();
    let roots: Vec<&str> = tks.iter().map(|t| t["root"].as_str().unwrap()).collect();
    assert_eq!(
        roots,
        [
            "/usr/local/cuda",
            "/usr/local/cuda-10.2",
            "/usr/local/cuda-11.8",
            "/usr/local/cuda-12.2"
        ]
    );
    let link = find(at(&v, "/cuda_toolkits"), "root", "/usr/local/cuda");
    assert_eq!(link["real_root"], "/usr/local/cuda-12.2");
    assert_eq!(link["version"], "12.2.140");
    assert!(
        link["version_source"]
            .as_str()
            .unwrap()
            .contains("embedded release string")
    );
    assert_eq!(
        link["found_via"],
        serde_json::json!(["/usr/local/cuda*", "nvcc on $PATH"])
    );
    let t118 = find(at(&v, "/cuda_toolkits"), "root", "/usr/local/cuda-11.8");
    assert_eq!(t118["version"], "11.8.0");
    assert!(
        t118["found_via"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x == "$CUDA_HOME")
    );
    assert_eq!(
        find(at(&v, "/cuda_toolkits"), "root", "/usr/local/cuda-10.2")["version"],
        "10.2.89"
    );
}

#[test]
fn pip_only_cuda() {
    let f = Fixture::new();
    let sp = "/home/u/venv/lib/python3.10/site-packages";
    f.file("/home/u/venv/pyvenv.cfg", "home = /usr/bin\nversion = 3.10.12\n")
        .file(
            &format!("{sp}/nvidia_cuda_runtime_cu12-12.1.105.dist-info/METADATA"),
            "Metadata-Version: 2.1\nName: nvidia-cuda-runtime-cu12\nVersion: 12.1.105\n",
        )
        .lib(&format!("{sp}/nvidia/cuda_runtime/lib/libcudart.so.12"), "libcudart.so.12")
        .file(
            &format!("{sp}/nvidia_cudnn_cu12-8.9.2.26.dist-info/METADATA"),
            "Metadata-Version: 2.1\nName: nvidia-cudnn-cu12\nVersion: 8.9.2.26\nRequires-Dist: nvidia-cublas-cu12\n",
        )
        .lib(&format!("{sp}/nvidia/cudnn/lib/libcudnn.so.8"), "libcudnn.so.8")
        .file(
            &format!("{sp}/torch-2.1.0.dist-info/METADATA"),
            "Metadata-Version: 2.1\nName: torch\nVersion: 2.1.0\nRequires-Dist: filelock\nRequires-Dist: nvidia-cuda-runtime-cu12 (==12.1.105) ; platform_system == \"Linux\" and platform_machine == \"x86_64\"\nRequires-Dist: nvidia-cudnn-cu12 (==8.9.2.26) ; platform_system == \"Linux\" and platform_machine == \"x86_64\"\n",
        )
        .file(
            &format!("{sp}/torch/version.py"),
            "from typing import Optional\n\n__all__ = ['__version__', 'debug', 'cuda', 'git_version', 'hip']\n__version__ = '2.1.0+cu121'\ndebug = False\ncuda: Optional[str] = '12.1'\ngit_version = '7bcf7da3a268b435777fe87c7794c382f444e86d'\nhip: Optional[str] = None\n",
        );
    let (_, v) = probe_dir(&f, &[("HOME", "/home/u"), ("VIRTUAL_ENV", "/home/u/venv")]);
    assert_eq!(at(&v, "/cuda_toolkits").as_array().unwrap().len(), 0);
    let cudart = find(at(&v, "/libraries"), "family", "cudart");
    assert_eq!(cudart["version"], "12.1.105");
    assert!(
        cudart["version_source"]
            .as_str()
            .unwrap()
            .contains("METADATA")
    );
    assert_eq!(cudart["found_via"][0], "pip_wheel");
    let wheel = find(at(&v, "/cudnn"), "kind", "wheel");
    assert_eq!(wheel["version"], "8.9.2.26");
    let lib = find(at(&v, "/cudnn"), "kind", "library");
    assert_eq!(lib["version"], "8.9.2.26");
    let torch = find(at(&v, "/frameworks"), "name", "torch");
    // METADATA says 2.1.0; torch/version.py adds the variant's local label.
    assert_eq!(torch["version"], "2.1.0+cu121");
    assert!(
        torch["version_source"]
            .as_str()
            .unwrap()
            .contains("torch/version.py")
    );
    assert_eq!(torch["cuda_version"], "12.1");
    assert_eq!(torch["cudnn_version"], "8.9.2.26");
    assert_eq!(torch["environment"], "/home/u/venv");
    assert_eq!(torch["requires_nvidia"].as_array().unwrap().len(), 2);
    let env = find(at(&v, "/python_environments"), "path", "/home/u/venv");
    assert_eq!(env["kind"], "venv");
    assert_eq!(env["python_version"], "3.10");
    // A plain process finds no libcudart.so.12 (the wheel is off the loader's path) ...
    let res = find(at(&v, "/loader"), "soname", "libcudart.so.12");
    assert!(res["chosen"].is_null(), "{res}");
    assert!(res.get("preload_environment").is_none());
    // ... while PyTorch in that environment preloads it: its own question, its own answer.
    let opts = ProbeOptions::directory(
        f.path(),
        vec![
            ("HOME".into(), "/home/u".into()),
            ("VIRTUAL_ENV".into(), "/home/u/venv".into()),
        ],
    );
    let prober = cudoctor_probe::Probe::open(&opts).unwrap();
    let mut snap = prober.snapshot(Collectors::default());
    let q = cudoctor_probe::LoaderQuestion {
        soname: "libcudart.so.12".into(),
        preload_environment: Some("/home/u/venv".into()),
    };
    prober.answer(&mut snap, std::slice::from_ref(&q));
    let torch_answer = q.answer_in(&snap.loader).unwrap();
    let chosen = torch_answer.chosen.as_ref().unwrap();
    assert_eq!(chosen.step, cudoctor_probe::Step::FrameworkPreload);
    assert!(
        chosen
            .path
            .ends_with("nvidia/cuda_runtime/lib/libcudart.so.12")
    );
    // Answered once: asking again adds nothing.
    let n = snap.loader.len();
    prober.answer(&mut snap, &[q]);
    assert_eq!(snap.loader.len(), n);
    let json = snap.to_json().unwrap();
    assert_eq!(cudoctor_probe::Snapshot::from_json(&json).unwrap(), snap);
}

#[test]
fn conda_env() {
    let f = Fixture::new();
    f.dir("/opt/conda/conda-meta")
        .dir("/opt/conda/envs/tf/conda-meta")
        .lib(
            "/opt/conda/envs/tf/lib/libcudart.so.11.8.89",
            "libcudart.so.11.0",
        )
        .link(
            "/opt/conda/envs/tf/lib/libcudart.so.11.0",
            "libcudart.so.11.8.89",
        )
        .file(
            "/opt/conda/envs/tf/include/cudnn_version.h",
            "#define CUDNN_MAJOR 8\n#define CUDNN_MINOR 9\n#define CUDNN_PATCHLEVEL 2\n",
        )
        .file("/opt/conda/envs/tf/bin/python3.10", "")
        .dir("/opt/conda/envs/tf/lib/python3.10/site-packages")
        .dir("/opt/conda/lib/python3.11/site-packages");
    let (_, v) = probe_dir(&f, &[]);
    let env = find(at(&v, "/python_environments"), "path", "/opt/conda/envs/tf");
    assert_eq!(env["kind"], "conda");
    assert_eq!(env["python_version"], "3.10");
    assert_eq!(
        find(at(&v, "/python_environments"), "path", "/opt/conda")["python_version"],
        "3.11"
    );
    let lib = find(
        at(&v, "/libraries"),
        "path",
        "/opt/conda/envs/tf/lib/libcudart.so.11.0",
    );
    assert_eq!(lib["version"], "11.8.89");
    assert_eq!(lib["found_via"][0], "conda");
    let hdr = find(
        at(&v, "/cudnn"),
        "path",
        "/opt/conda/envs/tf/include/cudnn_version.h",
    );
    assert_eq!(hdr["version"], "8.9.2");
}

#[test]
fn inside_a_container() {
    let f = Fixture::new();
    f.file("/.dockerenv", "").file(
        "/usr/local/cuda-12.2/version.json",
        "{\"cuda\": {\"name\": \"CUDA SDK\", \"version\": \"12.2.2\"}}",
    );
    let (_, v) = probe_dir(
        &f,
        &[
            (
                "NVIDIA_REQUIRE_CUDA",
                "cuda>=12.2 brand=tesla,driver>=470,driver<471",
            ),
            ("CUDA_VERSION", "12.2.2"),
            ("NV_CUDNN_VERSION", "8.9.6.50"),
        ],
    );
    assert_eq!(at(&v, "/container/markers/0"), "/.dockerenv");
    assert_eq!(at(&v, "/container/cuda_version_env"), "12.2.2");
    assert_eq!(at(&v, "/container/nv_cudnn_version"), "8.9.6.50");
    assert!(
        at(&v, "/container/nvidia_require_cuda")
            .as_str()
            .unwrap()
            .starts_with("cuda>=12.2")
    );
    assert!(at(&v, "/driver/kernel_module_version").is_null());
    assert!(
        v["driver"].get("kernel_module_version_unknown").is_none(),
        "absent, not unknown"
    );
}

#[test]
fn docker_host() {
    let f = Fixture::new();
    f.file(
        "/etc/docker/daemon.json",
        "{\n    \"default-runtime\": \"nvidia\",\n    \"runtimes\": {\n        \"nvidia\": {\n            \"args\": [],\n            \"path\": \"nvidia-container-runtime\"\n        }\n    }\n}\n",
    )
    .file("/usr/bin/nvidia-ctk", "")
    .file("/usr/bin/nvidia-container-runtime", "")
    .file("/usr/bin/nvidia-container-cli", "")
    .file("/etc/nvidia-container-runtime/config.toml", "[nvidia-container-cli]\n");
    let (_, v) = probe_dir(&f, &[]);
    assert_eq!(at(&v, "/container/docker_daemon/runtimes/0"), "nvidia");
    assert_eq!(at(&v, "/container/docker_daemon/default_runtime"), "nvidia");
    assert_eq!(
        at(&v, "/container/nvidia_container_tools")
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        at(&v, "/container/nvidia_container_runtime_config"),
        "/etc/nvidia-container-runtime/config.toml"
    );
    assert_eq!(at(&v, "/container/markers").as_array().unwrap().len(), 0);

    let bad = Fixture::new();
    bad.file(
        "/etc/docker/daemon.json",
        "{\n  \"runtimes\": {\n    \"nvidia\": {,\n",
    );
    let (snap, v) = probe_dir(&bad, &[]);
    let why = at(&v, "/container/docker_daemon/unknown").as_str().unwrap();
    assert!(why.contains("line 3, column"), "{why}");
    assert!(snap.probe_errors.iter().any(|e| e.collector == "container"));
}

#[test]
fn broken_links() {
    let f = Fixture::new();
    f.link(
        "/usr/lib/x86_64-linux-gnu/libcudart.so.11.0",
        "libcudart.so.11.8.89",
    )
    .link(
        "/usr/lib/x86_64-linux-gnu/libcublas.so.11",
        "libcublas.so.11",
    )
    .link(
        "/usr/lib/x86_64-linux-gnu/libcufft.so.10",
        "/usr/lib/x86_64-linux-gnu/libcurand.so.10",
    )
    .link(
        "/usr/lib/x86_64-linux-gnu/libcurand.so.10",
        "/usr/lib/x86_64-linux-gnu/libcufft.so.10",
    )
    .link(
        "/usr/lib/x86_64-linux-gnu/libcuda.so.1",
        "/../../../../../etc/hostname",
    )
    .link("/usr/local/cuda", "/usr/local/cuda-99.9");
    let (_, v) = probe_dir(&f, &[]);
    let d = find(
        at(&v, "/libraries"),
        "path",
        "/usr/lib/x86_64-linux-gnu/libcudart.so.11.0",
    );
    assert_eq!(d["dangling"], true);
    assert!(d["real_path"].is_null());
    assert!(
        d["real_path_unknown"]
            .as_str()
            .unwrap()
            .contains("dangling")
    );
    for p in ["libcublas.so.11", "libcufft.so.10", "libcurand.so.10"] {
        let l = find(
            at(&v, "/libraries"),
            "path",
            &format!("/usr/lib/x86_64-linux-gnu/{p}"),
        );
        assert_eq!(
            l["real_path_unknown"],
            format!("symlink loop at `/usr/lib/x86_64-linux-gnu/{p}`"),
            "{p}"
        );
    }
    // A link out of the root stays inside it: /etc/hostname of the fixture does not exist.
    let c = find(
        at(&v, "/libraries"),
        "path",
        "/usr/lib/x86_64-linux-gnu/libcuda.so.1",
    );
    assert_eq!(c["dangling"], true);
    assert_eq!(at(&v, "/cuda_toolkits").as_array().unwrap().len(), 0);
    let res = find(at(&v, "/loader"), "soname", "libcuda.so.1");
    assert!(res["chosen"].is_null());
    assert_eq!(res["candidates"][0]["outcome"], "dangling_link");
}

#[test]
fn unreadable_files() {
    let f = Fixture::new();
    // A directory where a file belongs (EISDIR), and a FIFO (would block a naive reader).
    f.dir("/proc/driver/nvidia/version");
    f.file("/usr/local/cuda-12.0/bin/placeholder", "");
    let fifo = f.host_path("/usr/local/cuda-12.0/version.json");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { mkfifo(c.as_ptr(), 0o644) }, 0);
    let (snap, v) = probe_dir(&f, &[]);
    assert!(at(&v, "/driver/kernel_module_version").is_null());
    let why = at(&v, "/driver/kernel_module_version_unknown")
        .as_str()
        .unwrap();
    assert!(why.contains("/proc/driver/nvidia/version"), "{why}");
    let tk = find(at(&v, "/cuda_toolkits"), "root", "/usr/local/cuda-12.0");
    assert!(tk["version"].is_null());
    assert!(
        tk["version_unknown"]
            .as_str()
            .unwrap()
            .contains("not a regular file"),
        "{tk}"
    );
    assert!(snap.probe_errors.len() >= 2, "{:?}", snap.probe_errors);

    // Permission denial: only testable when not root (root reads mode-000 files).
    // SAFETY: geteuid has no preconditions.
    if unsafe { geteuid() } == 0 {
        eprintln!("skipped permission-denied case: running as root, mode 000 does not deny");
        return;
    }
    let g = Fixture::new();
    g.file("/sys/module/nvidia/version", "535.104.05\n");
    std::fs::set_permissions(
        g.host_path("/sys/module/nvidia/version"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    let (_, v) = probe_dir(&g, &[]);
    let why = at(&v, "/driver/kernel_module_version_unknown")
        .as_str()
        .unwrap();
    assert!(why.contains("permission denied"), "{why}");
}

#[test]
fn empty_root() {
    let f = Fixture::new();
    let (snap, v) = probe_dir(&f, &[]);
    assert!(snap.probe_errors.is_empty(), "{:?}", snap.probe_errors);
    for list in [
        "/gpus",
        "/cuda_toolkits",
        "/libraries",
        "/cudnn",
        "/python_environments",
        "/frameworks",
    ] {
        assert_eq!(at(&v, list).as_array().unwrap().len(), 0, "{list}");
    }
    assert!(at(&v, "/driver/kernel_module_version").is_null());
    assert!(at(&v, "/live").is_null());
    assert_eq!(at(&v, "/root/kind"), "directory");
}

#[test]
fn missing_root_is_a_probe_error_not_a_panic() {
    let snap = probe(&ProbeOptions::directory(
        "/nonexistent/cudoctor-root",
        vec![],
    ));
    assert_eq!(snap.probe_errors.len(), 1);
    assert!(
        snap.probe_errors[0]
            .message
            .contains("/nonexistent/cudoctor-root")
    );
}

#[test]
fn schema_checker_catches_drift() {
    let f = Fixture::new();
    let (_, mut v) = probe_dir(&f, &[]);
    v["driver"]["surprise"] = serde_json::json!(1);
    v["gpus"] = serde_json::json!([{"name": 7}]);
    let errors = cudoctor_test::schema_errors(&cudoctor_test::snapshot_schema(), &v);
    assert!(
        errors.iter().any(|e| e.contains("/driver/surprise")),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|e| e.contains("/gpus/0/name")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("missing required `bus_location`")),
        "{errors:?}"
    );
}

#[test]
fn snapshot_json_rejects_other_schema_versions_and_garbage() {
    let f = Fixture::new();
    let (snap, _) = probe_dir(&f, &[]);
    let json = snap
        .to_json()
        .unwrap()
        .replace("\"schema_version\": 1", "\"schema_version\": 2");
    assert!(
        Snapshot::from_json(&json)
            .unwrap_err()
            .to_string()
            .contains("schema_version 2")
    );
    let e = Snapshot::from_json("{\n  \"schema_version\": 1,\n  oops").unwrap_err();
    assert!(e.to_string().contains("line 3"), "{e}");
}

#[test]
fn cuda13_wheel_layout_and_lib64_link() {
    // The layout seen on a real CUDA 13 PyTorch venv: one shared `nvidia/cu13/lib`, wheels named
    // without a `-cu13` suffix, and `lib64 -> lib`.
    let f = Fixture::new();
    let sp = "/opt/torch/.venv/lib/python3.12/site-packages";
    f.file("/opt/torch/.venv/pyvenv.cfg", "home = /usr/bin\nversion_info = 3.12.3\n")
        .link("/opt/torch/.venv/lib64", "lib")
        .lib(&format!("{sp}/nvidia/cu13/lib/libcudart.so.13"), "libcudart.so.13")
        .lib(&format!("{sp}/nvidia/cu13/lib/libcublas.so.13"), "libcublas.so.13")
        .file(
            &format!("{sp}/nvidia_cuda_runtime-13.0.96.dist-info/METADATA"),
            "Metadata-Version: 2.2\nName: nvidia-cuda-runtime\nVersion: 13.0.96\n",
        )
        .file(
            &format!("{sp}/nvidia_cuda_runtime-13.0.96.dist-info/RECORD"),
            "nvidia/cu13/lib/libcudart.so.13,sha256=x,700000\nnvidia_cuda_runtime-13.0.96.dist-info/METADATA,,\n",
        )
        .file(
            &format!("{sp}/nvidia_cublas-13.1.0.3.dist-info/METADATA"),
            "Metadata-Version: 2.2\nName: nvidia-cublas\nVersion: 13.1.0.3\n",
        )
        .file(
            &format!("{sp}/nvidia_cublas-13.1.0.3.dist-info/RECORD"),
            "nvidia/cu13/lib/libcublas.so.13,sha256=y,1\n",
        );
    let (_, v) = probe_dir(&f, &[("VIRTUAL_ENV", "/opt/torch/.venv")]);
    let env = find(at(&v, "/python_environments"), "path", "/opt/torch/.venv");
    assert_eq!(env["site_packages"], serde_json::json!([sp]));
    assert_eq!(env["packages"].as_array().unwrap().len(), 2);
    let cudart = find(at(&v, "/libraries"), "family", "cudart");
    assert_eq!(
        cudart["path"],
        format!("{sp}/nvidia/cu13/lib/libcudart.so.13")
    );
    assert_eq!(cudart["version"], "13.0.96");
    let cublas = find(at(&v, "/libraries"), "family", "cublas");
    assert_eq!(cublas["version"], "13.1.0.3");
    assert_eq!(at(&v, "/libraries").as_array().unwrap().len(), 2);
}

#[test]
fn tensorflow_gpu_distribution_is_one_framework() {
    let f = Fixture::new();
    let sp = "/usr/local/lib/python3.8/dist-packages";
    f.file(
        &format!("{sp}/tensorflow_gpu-2.4.1.dist-info/METADATA"),
        "Metadata-Version: 2.1\nName: tensorflow-gpu\nVersion: 2.4.1\n",
    )
    .file(
        &format!("{sp}/tensorflow/python/platform/build_info.py"),
        "build_info = collections.OrderedDict([('cuda_version', '11.0'), ('cudnn_version', '8'), ('is_cuda_build', True)])\n",
    );
    let (_, v) = probe_dir(&f, &[]);
    let fws = at(&v, "/frameworks").as_array().unwrap();
    assert_eq!(fws.len(), 1, "{fws:?}");
    assert_eq!(fws[0]["name"], "tensorflow-gpu");
    assert_eq!(fws[0]["cuda_version"], "11.0");
    assert!(fws[0]["compute_capabilities"].is_null());
    assert!(fws[0]["compute_capabilities_unknown"].is_string());
}

/// A snapshot probed on a real H200 host (driver 580.159.04, CUDA 13.0 toolkit, PyTorch 2.11 with
/// CUDA 13 wheels), trimmed to a few sections: it still reads, writes back byte for byte, and
/// matches the schema.
#[test]
fn real_gpu_host_snapshot_round_trips() {
    let text = include_str!("fixtures/h200-cuda13-torch.snapshot.json");
    let snap = Snapshot::from_json(text).unwrap();
    assert_eq!(snap.to_json().unwrap(), text);
    cudoctor_test::assert_matches_schema(&serde_json::from_str(text).unwrap());
    let live = snap.live.as_ref().unwrap();
    assert_eq!(live.cu_driver_get_version.get(), Some(13000));
    assert_eq!(live.cu_init_name.as_deref(), Some("CUDA_SUCCESS"));
    assert_eq!(
        snap.gpus[0]
            .compute_capability
            .as_ref()
            .unwrap()
            .to_string(),
        "9.0"
    );
    assert_eq!(
        snap.driver.cuda_version.as_ref().unwrap().to_string(),
        "13.0"
    );
    let torch = snap.frameworks.iter().find(|f| f.name == "torch").unwrap();
    assert_eq!(torch.cuda_version.as_ref().unwrap().to_string(), "13.0");
}

/// The GPU code of a framework comes from the fatbinary headers of its own CUDA libraries when
/// they are there: PyTorch (`torch/lib/libtorch_cuda.so`) records no list anywhere else, and
/// TensorFlow's `build_info.py` list is what the build asked for, not what the files hold. The
/// libraries here are real-format fixtures carved from nvcc 13.0 and CUDA 11.8 binaries.
#[test]
fn framework_gpu_code_read_from_its_binaries() {
    let fixtures = repo_root().join("crates/cudoctor-fatbin/tests/fixtures");
    let cuda13 = std::fs::read(fixtures.join("archs13-plain.elf64")).unwrap();
    let cusparse = std::fs::read(fixtures.join("cusparse11-full.elf64")).unwrap();
    let f = Fixture::new();
    let sp = "/opt/venv/lib/python3.12/site-packages";
    f.file("/opt/venv/pyvenv.cfg", "home = /usr/bin\nversion = 3.12.3\n")
        .file(
            &format!("{sp}/torch-2.11.0.dist-info/METADATA"),
            "Metadata-Version: 2.1\nName: torch\nVersion: 2.11.0\n",
        )
        .file(
            &format!("{sp}/torch/version.py"),
            "__version__ = '2.11.0+cu130'\ncuda = '13.0'\nhip = None\n",
        )
        .file(&format!("{sp}/torch/lib/libtorch_cuda.so"), &cuda13)
        .file(
            &format!("{sp}/tensorflow-2.9.0.dist-info/METADATA"),
            "Metadata-Version: 2.1\nName: tensorflow\nVersion: 2.9.0\n",
        )
        .file(
            &format!("{sp}/tensorflow/python/platform/build_info.py"),
            "build_info = collections.OrderedDict([('cuda_compute_capabilities', ['sm_35', 'compute_80']), ('cuda_version', '11.2'), ('cudnn_version', '8'), ('is_cuda_build', True)])\n",
        )
        .file(&format!("{sp}/tensorflow/libtensorflow_cc.so.2"), &cusparse);
    let (_, v) = probe_dir(&f, &[("VIRTUAL_ENV", "/opt/venv")]);
    let torch = find(at(&v, "/frameworks"), "name", "torch");
    assert_eq!(torch["version"], "2.11.0+cu130");
    let codes: Vec<&str> = torch["compute_capabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    // Arch-specific (`a`) and family (`f`) cubins keep their qualifier.
    assert_eq!(
        codes,
        [
            "sm_75",
            "sm_90",
            "sm_90a",
            "sm_100a",
            "sm_100f",
            "sm_120a",
            "compute_90",
            "compute_120a"
        ]
    );
    assert!(
        torch["compute_capabilities_source"]
            .as_str()
            .unwrap()
            .contains("torch/lib/libtorch_cuda.so")
    );
    let tf = find(at(&v, "/frameworks"), "name", "tensorflow");
    let source = tf["compute_capabilities_source"].as_str().unwrap();
    assert!(source.contains("libtensorflow_cc.so.2"), "{source}");
    assert!(
        source.contains("build info lists sm_35, compute_80"),
        "{source}"
    );
    assert!(
        tf["compute_capabilities"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "sm_90"),
        "{tf:#}"
    );
}

/// cuBLAS's GPU code is read from the library the loader finds; cuDNN's from every real
/// `libcudnn*.so.N*` next to it (the dispatcher holds no kernels; its sub-libraries do). The
/// files are real-format fixtures carved from CUDA 11.8 and nvcc 13.0 binaries.
#[test]
fn cublas_and_cudnn_gpu_code() {
    let fixtures = repo_root().join("crates/cudoctor-fatbin/tests/fixtures");
    let cuda11 = std::fs::read(fixtures.join("cusparse11-full.elf64")).unwrap();
    let cuda13 = std::fs::read(fixtures.join("archs13-plain.elf64")).unwrap();
    let d = "/usr/lib/x86_64-linux-gnu";
    let f = Fixture::new();
    f.file(&format!("{d}/libcublasLt.so.11.11.3.6"), &cuda11)
        .link(
            &format!("{d}/libcublasLt.so.11"),
            "libcublasLt.so.11.11.3.6",
        )
        // The dispatcher: an ELF without GPU code.
        .lib(&format!("{d}/libcudnn.so.8.9.7"), "libcudnn.so.8")
        .link(&format!("{d}/libcudnn.so.8"), "libcudnn.so.8.9.7")
        .file(&format!("{d}/libcudnn_cnn_infer.so.8.9.7"), &cuda13)
        .link(
            &format!("{d}/libcudnn_cnn_infer.so.8"),
            "libcudnn_cnn_infer.so.8.9.7",
        );
    let (_, v) = probe_dir(&f, &[]);
    let libs = at(&v, "/libraries").as_array().unwrap();
    let lib = |path: &str| {
        libs.iter()
            .find(|l| l["path"] == path)
            .unwrap_or_else(|| panic!("no {path} in {libs:#?}"))
    };
    let lt = lib(&format!("{d}/libcublasLt.so.11"));
    assert!(
        lt["gpu_code"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "sm_35"),
        "{lt:#}"
    );
    let cudnn = lib(&format!("{d}/libcudnn.so.8"));
    let codes: Vec<&str> = cudnn["gpu_code"]
        .as_array()
        .unwrap_or_else(|| panic!("{cudnn:#}"))
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(codes.contains(&"sm_90a"), "{codes:?}");
    let source = cudnn["gpu_code_source"].as_str().unwrap();
    assert!(source.contains("libcudnn_cnn_infer.so.8.9.7"), "{source}");
    assert!(source.contains("libcudnn.so.8.9.7"), "{source}");
}

/// The JAX CUDA plugin's precompiled kernels are recorded from its shared objects' fatbinary
/// headers (a real-format fixture stands in for `_cusolver.so`).
#[test]
fn jax_plugin_gpu_code_is_recorded() {
    let fixtures = repo_root().join("crates/cudoctor-fatbin/tests/fixtures");
    let cuda13 = std::fs::read(fixtures.join("archs13-size.elf64")).unwrap();
    let f = Fixture::new();
    let sp = "/opt/venv/lib/python3.12/site-packages";
    f.file(
        "/opt/venv/pyvenv.cfg",
        "home = /usr/bin\nversion = 3.12.3\n",
    )
    .file(
        &format!("{sp}/jax_cuda13_plugin-0.11.2.dist-info/METADATA"),
        "Metadata-Version: 2.1\nName: jax-cuda13-plugin\nVersion: 0.11.2\n",
    )
    .file(&format!("{sp}/jax_cuda13_plugin/_cusolver.so"), &cuda13)
    .file(&format!("{sp}/jax_cuda13_plugin/__init__.py"), "");
    let (_, v) = probe_dir(&f, &[("VIRTUAL_ENV", "/opt/venv")]);
    let plugin = find(at(&v, "/frameworks"), "name", "jax-cuda13-plugin");
    let codes = plugin["compute_capabilities"].as_array().unwrap();
    assert!(codes.iter().any(|c| c == "sm_100f"), "{plugin:#}");
    assert!(
        plugin["compute_capabilities_source"]
            .as_str()
            .unwrap()
            .contains("jax_cuda13_plugin/_cusolver.so")
    );
}

#[test]
fn system_python_version_from_the_python3_link() {
    // Debian's layout: only the version-less dist-packages. With two interpreters, the one
    // `python3` points to is the environment's version, whatever order the listing has; with
    // no link, the name found by listing `bin`.
    let two = Fixture::new();
    two.file("usr/bin/python3.12", "")
        .file("usr/bin/python3.10", "")
        .link("usr/bin/python3", "python3.10");
    let one = Fixture::new();
    one.file("usr/bin/python3.11", "");
    // A dangling `python3 -> python3.9` names no interpreter: the listing's 3.11 stands.
    let dangling = Fixture::new();
    dangling
        .file("usr/bin/python3.11", "")
        .link("usr/bin/python3", "python3.9");
    for (f, want) in [(&two, "3.10"), (&one, "3.11"), (&dangling, "3.11")] {
        f.dir("usr/lib/python3/dist-packages");
        let (_, v) = probe_dir(f, &[]);
        let env = find(at(&v, "/python_environments"), "path", "/usr");
        assert_eq!(env["python_version"], want);
        assert_eq!(
            env["python_version_source"],
            format!("interpreter name `/usr/bin/python{want}`")
        );
    }
}
