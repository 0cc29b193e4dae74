//! The container rules: container-no-gpu, docker-nvidia-runtime-missing and
//! image-cuda-newer-than-driver; when each fires, when it stays silent, and that unknown facts never
//! make it fire.
#![allow(clippy::unwrap_used)]

use cudoctor_test::scenarios::*;

use crate::finding::Severity;
use crate::rules::testing::{installed, of, sev};

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
            s.driver.kernel_module_version.set_value(d.parse().unwrap());
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
    // Minor-version compatibility would run the libraries, but the toolkit compares
    // `cuda>=11.8` with the driver's CUDA 11.4 and refuses the container: an error (whose fix
    // names NVIDIA_DISABLE_REQUIRE).
    let mut s = bare_host();
    s.root.kind = cudoctor_facts::snapshot::RootKind::Directory;
    s.container.nvidia_require_cuda = Some("cuda>=11.8".into());
    s.driver
        .kernel_module_version
        .set_value("470.82.01".parse().unwrap());
    let found = installed(&s);
    let f = of(&found, "image-cuda-newer-than-driver")[0];
    assert_eq!(f.severity, Severity::Error);
    assert!(
        f.fix.iter().any(|x| x.contains("NVIDIA_DISABLE_REQUIRE=1")),
        "{:?}",
        f.fix
    );
    assert!(
        f.explanation.contains("unsatisfied condition: cuda>=11.8"),
        "{}",
        f.explanation
    );
    // The same CUDA with no requirement variable (CUDA_VERSION alone: a legacy image) is
    // refused the same way.
    assert_eq!(
        image(None, Some("11.8.0"), Some("470.82.01")),
        Some(Severity::Error)
    );
    // NVIDIA_DISABLE_REQUIRE: no check; the libraries run through minor-version compatibility.
    let mut s = bare_host();
    s.root.kind = cudoctor_facts::snapshot::RootKind::Directory;
    s.container.nvidia_require_cuda = Some("cuda>=11.8".into());
    s.environment
        .variables
        .insert("NVIDIA_DISABLE_REQUIRE".into(), "1".into());
    s.driver
        .kernel_module_version
        .set_value("470.82.01".parse().unwrap());
    assert_eq!(
        sev(&installed(&s), "image-cuda-newer-than-driver"),
        Some(Severity::Warning)
    );
    assert_eq!(image(Some("cuda>=11.2"), None, Some("535.261.03")), None);
    // Host driver unknown: silent.
    assert_eq!(image(Some("cuda>=12.2"), None, None), None);
}
