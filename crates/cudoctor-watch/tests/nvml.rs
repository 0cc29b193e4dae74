//! The NVML sampler against a stand-in `libnvidia-ml.so.1` (tests/nvml_shim.c) built here with
//! `cc -shared -fPIC` and loaded by its absolute path.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use cudoctor_watch::{NvmlSampler, Sampler, ThrottleReason};

/// Builds the shim into `dir`, or `None` (a logged skip) without a C compiler.
fn shim(dir: &Path) -> Option<PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/nvml_shim.c");
    let out = dir.join("libnvidia-ml.so.1");
    let built = Command::new("cc")
        .args(["-shared", "-fPIC", "-Wl,-soname,libnvidia-ml.so.1", "-o"])
        .arg(&out)
        .arg(&src)
        .status();
    match built {
        Ok(s) if s.success() => Some(out),
        Ok(s) => panic!("cc failed on {}: {s}", src.display()),
        Err(e) => cudoctor_test::missing(&format!("no C compiler (`cc`): {e}")),
    }
}

#[test]
fn samples_the_shim() {
    let dir = tempfile::tempdir().unwrap();
    let Some(lib) = shim(dir.path()) else { return };
    let mut s = NvmlSampler::open(&lib).unwrap();
    assert_eq!(s.device_count(), 2);
    let sample = s.sample().unwrap().unwrap();
    assert!(sample.lost.is_empty());
    let g0 = &sample.gpus[0];
    assert_eq!(g0.name.as_deref(), Some("NVIDIA A100-SXM4-80GB"));
    assert_eq!(
        g0.uuid.as_deref(),
        Some("GPU-00000000-1111-2222-3333-444444444444")
    );
    assert_eq!((g0.sm_util, g0.mem_util), (Some(95), Some(70)));
    assert_eq!(
        (g0.mem_used_mib, g0.mem_total_mib),
        (Some(30822), Some(81920))
    );
    assert_eq!(g0.power_w, Some(250.5));
    assert_eq!(
        (g0.sm_clock_mhz, g0.max_sm_clock_mhz),
        (Some(1410), Some(1980))
    );
    assert_eq!(g0.temperature_c, Some(61));
    // Through the ThrottleReasons fallback.
    assert_eq!(
        g0.throttle,
        vec![
            ThrottleReason::SwPowerCap,
            ThrottleReason::SwThermalSlowdown
        ]
    );
    // NOT_SUPPORTED is None.
    assert_eq!((g0.pcie_rx_kib_s, g0.pcie_tx_kib_s), (None, None));
    // Through the _v2 fallback; NVML_VALUE_NOT_AVAILABLE is None.
    let procs = g0.processes.as_ref().unwrap();
    assert_eq!(procs.len(), 2);
    assert_eq!((procs[0].pid, procs[0].used_mib), (4242, Some(30720)));
    assert_eq!((procs[1].pid, procs[1].used_mib), (4243, None));
    let g1 = &sample.gpus[1];
    assert_eq!((g1.index, g1.sm_util, g1.mem_util), (1, None, None));
    assert_eq!(g1.throttle, vec![ThrottleReason::GpuIdle]);
    assert_eq!(g1.processes.as_deref(), Some(&[][..]));
    let later = s.sample().unwrap().unwrap();
    assert!(later.t >= sample.t);
}

/// More processes than the first buffer holds (64): NVML answers INSUFFICIENT_SIZE with the
/// count, and the sampler asks again with room for all of them.
#[test]
fn more_processes_than_the_first_buffer() {
    let dir = tempfile::tempdir().unwrap();
    let Some(lib) = shim(dir.path()) else { return };
    // The same path is the same loaded library: the sampler sees the count set here.
    // SAFETY: the shim built above, from tests/nvml_shim.c; no initialisers of its own.
    let shim = unsafe { libloading::Library::new(&lib) }.unwrap();
    // SAFETY: `void shim_set_procs(unsigned)` in tests/nvml_shim.c.
    unsafe {
        let set: libloading::Symbol<'_, unsafe extern "C" fn(u32)> =
            shim.get(b"shim_set_procs").unwrap();
        set(70);
    }
    let mut s = NvmlSampler::open(&lib).unwrap();
    let sample = s.sample().unwrap().unwrap();
    let procs = sample.gpus[0].processes.as_ref().unwrap();
    assert_eq!(procs.len(), 70);
    assert_eq!(procs[69].pid, 4242 + 69);
    drop(s);
    drop(shim);
}

#[test]
fn refuses_a_relative_path_and_names_a_missing_file() {
    let err = NvmlSampler::open(Path::new("libnvidia-ml.so.1"))
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("not an absolute path"), "{err}");
    let err = NvmlSampler::open(Path::new("/nonexistent/libnvidia-ml.so.1"))
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.starts_with("NVML `/nonexistent/libnvidia-ml.so.1`: cannot load it"),
        "{err}"
    );
}

#[test]
fn a_library_that_is_not_nvml() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("empty.c");
    std::fs::write(&src, "int nothing_here(void) { return 0; }\n").unwrap();
    let out = dir.path().join("libnot-nvml.so");
    match Command::new("cc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(&out)
        .arg(&src)
        .status()
    {
        Ok(s) => assert!(s.success()),
        Err(e) => {
            cudoctor_test::log_skip(&format!("no C compiler (`cc`): {e}"));
            return;
        }
    }
    let err = NvmlSampler::open(&out).err().unwrap().to_string();
    assert!(err.contains("no `nvmlInit_v2` symbol"), "{err}");
}
