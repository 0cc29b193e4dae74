//! The live host: whatever it has, the probe finishes, round-trips, and on a GPU machine agrees
//! with the driver.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use cudoctor_probe::{Collectors, ProbeOptions, Snapshot, probe};

#[test]
fn host_probe_round_trips() {
    let start = std::time::Instant::now();
    let snap = probe(&ProbeOptions {
        collectors: Collectors::files_only(),
        ..ProbeOptions::host()
    });
    // Printed for the record, never asserted.
    eprintln!("files-only host probe: {:?}", start.elapsed());
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        for l in status
            .lines()
            .filter(|l| l.starts_with("VmHWM") || l.starts_with("VmRSS"))
        {
            eprintln!("test process {l}");
        }
    }
    let json = snap.to_json().unwrap();
    assert_eq!(Snapshot::from_json(&json).unwrap(), snap);
    assert_eq!(snap.root.kind, cudoctor_probe::snapshot::RootKind::Host);
    cudoctor_test::assert_matches_schema(&serde_json::from_str(&json).unwrap());
    assert!(snap.live.is_none());
    if std::env::var_os("CUDOCTOR_PRINT_SNAPSHOT").is_some() {
        eprintln!("{json}");
    }
}

#[test]
fn host_probe_with_live_calls() {
    let snap = probe(&ProbeOptions::host());
    cudoctor_test::assert_matches_schema(&serde_json::from_str(&snap.to_json().unwrap()).unwrap());
    let live = snap.live.as_ref().unwrap();
    // Either libcuda loaded and answered, or its absence is a recorded fact.
    assert!(
        live.cu_driver_get_version.is_some()
            || live.libcuda_unknown.as_deref().is_some()
            || live.cu_driver_get_version.unknown_reason().is_some()
    );
    if let Some(v) = live.cu_driver_get_version.as_ref() {
        assert_eq!(
            snap.driver.cuda_version.as_ref().unwrap().major(),
            (v / 1000) as u32
        );
    }
}

#[test]
#[ignore = "requires an NVIDIA GPU"]
fn gpu_host_agrees_with_the_driver() {
    let snap = probe(&ProbeOptions::host());
    let live = snap.live.as_ref().unwrap();
    assert_eq!(live.cu_init, Some(0), "{live:?}");
    assert!(live.device_count.unwrap() >= 1);
    assert!(!snap.gpus.is_empty());
    for d in &live.nvml.devices {
        assert!(d.bus_location.is_some(), "NVML PCI bus id: {d:?}");
    }
    // NVML and /proc agree on which GPU is which: no duplicates after merging.
    assert_eq!(
        snap.gpus.len(),
        live.device_count.unwrap() as usize,
        "{:?}",
        snap.gpus
    );
    for g in &snap.gpus {
        assert!(g.uuid.is_some(), "{g:?}");
        assert!(g.name.is_some(), "{g:?}");
        assert!(g.compute_capability.is_some(), "{g:?}");
    }
    cudoctor_test::assert_matches_schema(&serde_json::from_str(&snap.to_json().unwrap()).unwrap());
    let kernel = snap.driver.kernel_module_version.as_ref().unwrap();
    let nvml = live.nvml.driver_version.as_deref().unwrap();
    assert_eq!(kernel.as_str(), nvml);
    // The user-space driver on a real host is found by the loader emulation too.
    assert_eq!(
        snap.driver.userspace_version.as_ref().unwrap().as_str(),
        nvml
    );
    eprintln!("{}", snap.to_json().unwrap());
}
