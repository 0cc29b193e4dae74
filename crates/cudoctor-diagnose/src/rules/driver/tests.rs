//! The driver rules: driver-missing, kernel-module-not-loaded, driver-library-mismatch and
//! driver-too-old; when each fires, when it stays silent, and that unknown facts never make it fire.
#![allow(clippy::unwrap_used)]

use cudoctor_facts::snapshot::Fact;
use cudoctor_test::scenarios::*;

use crate::finding::Severity;
use crate::rules::testing::{installed, of, sev, spec};

#[test]
fn driver_missing() {
    assert_eq!(
        sev(&installed(&bare_host()), "driver-missing"),
        Some(Severity::Error)
    );
    // Unknown is not absent.
    let mut s = bare_host();
    s.driver.kernel_module_version = Fact::unknown("permission denied");
    s.driver.userspace_version = Fact::unknown("permission denied");
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
    s.driver.kernel_module_version = Fact::Absent;
    let f = installed(&s);
    assert_eq!(sev(&f, "kernel-module-not-loaded"), Some(Severity::Error));
    assert!(of(&f, "kernel-module-not-loaded")[0].fix[1].contains("nvidia-dkms-535"));
    s.driver.kernel_module_version = Fact::unknown("permission denied");
    assert!(of(&installed(&s), "kernel-module-not-loaded").is_empty());
    assert!(of(&installed(&bare_host()), "kernel-module-not-loaded").is_empty());
    let mut c = in_container(with_driver(bare_host(), "535.261.03"));
    c.driver.kernel_module_version = Fact::Absent;
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
    s.driver.userspace_version = Fact::Absent;
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
    s.driver.kernel_module_version = Fact::Absent;
    s.driver.userspace_version = Fact::Absent;
    assert!(of(&installed(&s), "driver-too-old").is_empty());
    s.driver.cuda_version.set_value("11.4".parse().unwrap());
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

#[test]
fn cuda_update_missing_from_the_table_is_judged_by_its_series() {
    // An installed build reporting CUDA 11.2.9 (no such row): judged as CUDA 11.2.
    let mut s = with_driver_version(healthy_tf29(), "440.33.01");
    s.frameworks[0]
        .cuda_version
        .set_value("11.2.9".parse().unwrap());
    assert_eq!(sev(&installed(&s), "driver-too-old"), Some(Severity::Error));
}
