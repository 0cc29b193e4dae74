//! Named, hand-built snapshots of whole machines (`bare_host`, `healthy_tf29`, ...) and the
//! `with_*` steps that add one fact each, for the diagnose crate's rule tests and scenario tests.
//! Only public types of cudoctor-facts.

use cudoctor_facts::snapshot::Fact;
use cudoctor_facts::snapshot::{
    CudaToolkit, Cudnn, DockerDaemon, Framework, Gpu, Library, LiveFacts, PythonEnvironment,
    PythonPackage, RootInfo, Snapshot,
};

/// A bare host snapshot: nothing found.
pub fn bare_host() -> Snapshot {
    let mut s = Snapshot::empty(RootInfo {
        kind: cudoctor_facts::snapshot::RootKind::Host,
        path: "/".into(),
    });
    s.environment.source = "process environment".into();
    s
}

/// Sets the kernel module and user-space driver version.
pub fn with_driver(mut s: Snapshot, version: &str) -> Snapshot {
    s.driver.kernel_module_version =
        Fact::known(version.parse().unwrap(), "/proc/driver/nvidia/version");
    s.driver.userspace_version = Fact::known(
        version.parse().unwrap(),
        format!("/usr/lib/x86_64-linux-gnu/libcuda.so.{version}"),
    );
    s.libraries.push(Library {
        family: cudoctor_facts::snapshot::LibraryFamily::Cuda,
        soname: Fact::from_parts(Some("libcuda.so.1".into()), Some("DT_SONAME".into()), None),
        path: "/usr/lib/x86_64-linux-gnu/libcuda.so.1".into(),
        real_path: Fact::value_only(format!("/usr/lib/x86_64-linux-gnu/libcuda.so.{version}")),
        version: Fact::value_only(version.into()),
        found_via: vec!["ld_so_cache".into()],
        ..Library::default()
    });
    s.device_nodes.nvidiactl = true;
    s.device_nodes.nvidia_uvm = true;
    s
}

/// Replaces the user-space driver of a snapshot made [`with_driver`]: its version, the
/// `libcuda.so.<version>` file it was read from and that file's library entry, so that the
/// evidence a rule prints stays consistent.
pub fn with_userspace_driver(mut s: Snapshot, version: &str) -> Snapshot {
    let file = format!("/usr/lib/x86_64-linux-gnu/libcuda.so.{version}");
    s.driver.userspace_version = Fact::known(version.parse().unwrap(), file.clone());
    for lib in s
        .libraries
        .iter_mut()
        .filter(|l| l.soname.as_deref() == Some("libcuda.so.1"))
    {
        lib.real_path.set_value(file.clone());
        lib.version.set_value(version.into());
    }
    s
}

/// Replaces both halves of the driver (kernel module and user space) with `version`.
pub fn with_driver_version(mut s: Snapshot, version: &str) -> Snapshot {
    s.driver
        .kernel_module_version
        .set_value(version.parse().unwrap());
    with_userspace_driver(s, version)
}

/// Adds a GPU with its name and compute capability, and its `/dev/nvidiaN` node.
pub fn with_gpu(mut s: Snapshot, name: &str, cc: &str) -> Snapshot {
    let n = s.gpus.len();
    s.gpus.push(Gpu {
        bus_location: Some(format!("0000:{:02x}:00.0", 0x3b + n)),
        name: Fact::from_parts(
            Some(name.into()),
            Some(format!(
                "/proc/driver/nvidia/gpus/0000:{:02x}:00.0/information",
                0x3b + n
            )),
            None,
        ),
        compute_capability: Fact::from_parts(
            Some(cc.parse().unwrap()),
            Some("knowledge base GPU table".into()),
            None,
        ),
        uuid: Some(format!("GPU-1234567{n}-aaaa-bbbb-cccc-0123456789ab")),
        ..Gpu::default()
    });
    s.device_nodes.gpus.push(format!("/dev/nvidia{n}"));
    s
}

/// Sets an environment variable.
pub fn with_env(mut s: Snapshot, k: &str, v: &str) -> Snapshot {
    s.environment.variables.insert(k.into(), v.into());
    s
}

/// A library file (`dir/soname` -> `dir/<real name>`) found via `via`.
pub fn with_lib(mut s: Snapshot, dir: &str, soname: &str, version: &str, via: &str) -> Snapshot {
    let (family, _) = soname
        .strip_prefix("lib")
        .and_then(|b| b.split_once(".so"))
        .unwrap();
    let stem = soname.split(".so").next().unwrap();
    s.libraries.push(Library {
        family: family.parse().unwrap(),
        soname: Fact::from_parts(Some(soname.into()), Some("DT_SONAME".into()), None),
        path: format!("{dir}/{soname}"),
        real_path: Fact::value_only(format!("{dir}/{stem}.so.{version}")),
        version: Fact::from_parts(Some(version.into()), Some("file name".into()), None),
        found_via: vec![via.into()],
        ..Library::default()
    });
    s
}

/// The library entry with this soname (the test fails when there is none).
pub fn lib_mut<'a>(s: &'a mut Snapshot, soname: &str) -> &'a mut Library {
    s.libraries
        .iter_mut()
        .find(|l| l.soname.as_deref() == Some(soname))
        .unwrap_or_else(|| panic!("the snapshot has no library with soname {soname}"))
}

/// The eight TF 2.9 libraries of a CUDA 11.2 / cuDNN 8.1 install in `dir`.
pub fn with_cuda112_libs(mut s: Snapshot, dir: &str, via: &str) -> Snapshot {
    for (so, v) in [
        ("libcudart.so.11.0", "11.2.152"),
        ("libcublas.so.11", "11.4.1.1043"),
        ("libcublasLt.so.11", "11.4.1.1043"),
        ("libcufft.so.10", "10.4.1.152"),
        ("libcurand.so.10", "10.2.3.152"),
        ("libcusolver.so.11", "11.1.0.152"),
        ("libcusparse.so.11", "11.4.1.1152"),
        ("libcudnn.so.8", "8.1.0"),
    ] {
        s = with_lib(s, dir, so, v, via);
    }
    s.cudnn.push(Cudnn {
        kind: "library".into(),
        path: format!("{dir}/libcudnn.so.8.1.0"),
        version: Fact::from_parts(
            Some("8.1.0".parse().unwrap()),
            Some("file name".into()),
            None,
        ),
    });
    s
}

/// A Python environment with a Python version.
pub fn with_python_env(mut s: Snapshot, prefix: &str, python: &str) -> Snapshot {
    s.python_environments.push(PythonEnvironment {
        path: prefix.into(),
        kind: "venv".into(),
        found_via: vec!["pyvenv.cfg".into()],
        python_version: Fact::from_parts(
            Some(python.parse().unwrap()),
            Some(format!("{prefix}/pyvenv.cfg")),
            None,
        ),
        site_packages: vec![format!("{prefix}/lib/python{python}/site-packages")],
        ..PythonEnvironment::default()
    });
    s
}

/// The site-packages directory of the environment `prefix` (added [`with_python_env`]).
pub fn site_packages(s: &Snapshot, prefix: &str) -> String {
    s.python_environments
        .iter()
        .find(|e| e.path == prefix)
        .map_or_else(
            || panic!("no Python environment at {prefix}: call with_python_env first"),
            |e| e.site_packages[0].clone(),
        )
}

/// Adds a package to the environment `prefix`.
pub fn with_package(mut s: Snapshot, prefix: &str, name: &str, version: &str) -> Snapshot {
    let sp = site_packages(&s, prefix);
    let env = s
        .python_environments
        .iter_mut()
        .find(|e| e.path == prefix)
        .unwrap();
    env.packages.push(PythonPackage {
        name: name.into(),
        version: Some(version.into()),
        metadata_path: format!("{sp}/{}-{version}.dist-info", name.replace('-', "_")),
        requires_nvidia: Vec::new(),
    });
    s
}

/// TensorFlow as its `build_info.py` describes it.
pub fn with_tensorflow(
    mut s: Snapshot,
    prefix: &str,
    package: &str,
    version: &str,
    cuda: Option<&str>,
    cudnn: Option<&str>,
    is_cuda_build: bool,
) -> Snapshot {
    let sp = site_packages(&s, prefix);
    let bi = format!("{sp}/tensorflow/python/platform/build_info.py");
    s.frameworks.push(Framework {
        name: package.into(),
        environment: prefix.into(),
        version: Fact::from_parts(
            Some(version.parse().unwrap()),
            Some(format!(
                "{sp}/{}-{version}.dist-info/METADATA",
                package.replace('-', "_")
            )),
            None,
        ),
        cuda_version: Fact::from_parts(
            cuda.map(|c| c.parse().unwrap()),
            cuda.map(|_| bi.clone()),
            None,
        ),
        cudnn_version: Fact::from_parts(
            cudnn.map(|c| c.parse().unwrap()),
            cudnn.map(|_| bi.clone()),
            None,
        ),
        // What the probe records from build_info.py's `sm_35 ... sm_75, compute_80`:
        // TensorFlow's compute_80 is sm_80 SASS plus compute_80 PTX.
        compute_capabilities: Fact::from_parts(
            is_cuda_build.then(|| {
                [
                    "sm_35",
                    "sm_50",
                    "sm_60",
                    "sm_70",
                    "sm_75",
                    "sm_80",
                    "compute_80",
                ]
                .iter()
                .map(|c| (*c).to_owned())
                .collect()
            }),
            is_cuda_build.then(|| bi.clone()),
            None,
        ),
        is_cuda_build: Some(is_cuda_build),
        ..Framework::default()
    });
    s = with_package(s, prefix, package, version);
    s
}

/// PyTorch as its `version.py` describes it.
pub fn with_torch(
    mut s: Snapshot,
    prefix: &str,
    version: &str,
    cuda: Option<&str>,
    pins: &[&str],
) -> Snapshot {
    let sp = site_packages(&s, prefix);
    s.frameworks.push(Framework {
        name: "torch".into(),
        environment: prefix.into(),
        version: Fact::from_parts(
            Some(version.parse().unwrap()),
            Some(format!("{sp}/torch/version.py")),
            None,
        ),
        cuda_version: Fact::from_parts(
            cuda.map(|c| c.parse().unwrap()),
            cuda.map(|_| format!("{sp}/torch/version.py")),
            None,
        ),
        is_cuda_build: Some(cuda.is_some()),
        requires_nvidia: pins.iter().map(|p| (*p).to_owned()).collect(),
        ..Framework::default()
    });
    with_package(s, prefix, "torch", version)
}

/// A CUDA toolkit directory.
pub fn with_toolkit(mut s: Snapshot, root: &str, real: Option<&str>, version: &str) -> Snapshot {
    s.cuda_toolkits.push(CudaToolkit {
        root: root.into(),
        real_root: real.map(Into::into),
        found_via: vec!["/usr/local/cuda*".into()],
        version: Fact::from_parts(
            Some(version.parse().unwrap()),
            Some(format!("{}/version.json", real.unwrap_or(root))),
            None,
        ),
        nvcc: Some(format!("{}/bin/nvcc", real.unwrap_or(root))),
    });
    s
}

/// Inside a Docker container.
pub fn in_container(mut s: Snapshot) -> Snapshot {
    s.container.markers.push("/.dockerenv".into());
    s
}

/// A Docker host's daemon.json.
pub fn with_docker_daemon(mut s: Snapshot, runtimes: &[&str], default: Option<&str>) -> Snapshot {
    s.container.docker_daemon = Some(DockerDaemon {
        path: "/etc/docker/daemon.json".into(),
        runtimes: runtimes.iter().map(|r| (*r).to_owned()).collect(),
        default_runtime: default.map(Into::into),
        unknown: None,
    });
    s
}

/// Live driver answers.
pub fn with_live(mut s: Snapshot, cu_init: i32, name: &str, count: Option<i32>) -> Snapshot {
    s.live = Some(LiveFacts {
        libcuda: Some("libcuda.so.1".into()),
        cu_init: Some(cu_init),
        cu_init_name: Some(name.into()),
        device_count: count,
        ..LiveFacts::default()
    });
    s
}

/// A healthy TF 2.9.0 host: driver 535.261.03, a Tesla T4 (7.5, SASS in the TF 2.9 wheels), CUDA 11.2 + cuDNN 8.1 in
/// `/usr/local/cuda-11.2/lib64` via `ld.so.cache`, TF 2.9.0 in a Python 3.9 venv.
pub fn healthy_tf29() -> Snapshot {
    let mut s = with_gpu(with_driver(bare_host(), "535.261.03"), "Tesla T4", "7.5");
    s = with_toolkit(s, "/usr/local/cuda", Some("/usr/local/cuda-11.2"), "11.2.2");
    s = with_toolkit(s, "/usr/local/cuda-11.2", None, "11.2.2");
    s = with_cuda112_libs(s, "/usr/local/cuda-11.2/lib64", "ld_so_cache");
    // TensorRT present so that the info finding stays out of the healthy scenario.
    s = with_lib(
        s,
        "/usr/lib/x86_64-linux-gnu",
        "libnvinfer.so.7",
        "7.2.2",
        "ld_so_cache",
    );
    s = with_env(s, "PATH", "/usr/local/cuda/bin:/usr/bin:/bin");
    s = with_env(s, "CUDA_HOME", "/usr/local/cuda");
    s = with_python_env(s, "/opt/venv", "3.9");
    with_tensorflow(
        s,
        "/opt/venv",
        "tensorflow",
        "2.9.0",
        Some("11.2"),
        Some("8"),
        true,
    )
}

/// `s` with an answer recorded for each loader question that says nothing can be known (the
/// probe could not read `ld.so.cache`): the library rules then stay silent.
pub fn with_unknown_loader(
    mut s: Snapshot,
    questions: &[cudoctor_facts::snapshot::LoaderQuestion],
) -> Snapshot {
    for q in questions {
        let mut r = not_found(q);
        r.notes
            .push("`/etc/ld.so.cache`: not read (no loader information)".into());
        s.loader.push(r);
    }
    s
}

/// `s` with a "not found" answer recorded for each loader question: the loader searched and no
/// file answered.
pub fn with_loader_not_found(
    mut s: Snapshot,
    questions: &[cudoctor_facts::snapshot::LoaderQuestion],
) -> Snapshot {
    s.loader.extend(questions.iter().map(not_found));
    s
}

fn not_found(q: &cudoctor_facts::snapshot::LoaderQuestion) -> cudoctor_facts::loader::Resolution {
    cudoctor_facts::loader::Resolution {
        soname: q.soname.clone(),
        from: None,
        class: 64,
        machine: 62,
        chosen: None,
        candidates: Vec::new(),
        notes: Vec::new(),
        preload_environment: q.preload_environment.clone(),
    }
}
