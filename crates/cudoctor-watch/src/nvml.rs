//! Live samples from NVML, loaded with `dlopen` by an absolute path the caller chose (the
//! loader emulation's answer for `libnvidia-ml.so.1`): never searched for, never a relative
//! path.
//!
//! Defensive in the way `cudoctor_probe::live` is: `_v2` symbols first, every per-device call
//! optional (a missing symbol or `NVML_ERROR_NOT_SUPPORTED` gives `None`), out-parameters zeroed
//! locals, results range-checked, `nvmlInit_v2` called once per sampler (and `nvmlShutdown` when
//! it is dropped), the library never unloaded.

use std::ffi::{CStr, c_char, c_int, c_uint, c_ulonglong, c_void};
use std::mem::ManuallyDrop;
use std::path::Path;
use std::time::Instant;

use libloading::Library;

use crate::sample::{GpuProcess, GpuSample, LostGpu, Sample, SampleError, Sampler, ThrottleReason};

type Device = *mut c_void;
type FnVoid = unsafe extern "C" fn() -> c_int;
type FnCount = unsafe extern "C" fn(*mut c_uint) -> c_int;
type FnHandle = unsafe extern "C" fn(c_uint, *mut Device) -> c_int;
type FnStr = unsafe extern "C" fn(Device, *mut c_char, c_uint) -> c_int;
type FnUtil = unsafe extern "C" fn(Device, *mut Utilization) -> c_int;
type FnMem = unsafe extern "C" fn(Device, *mut Memory) -> c_int;
type FnUint = unsafe extern "C" fn(Device, *mut c_uint) -> c_int;
type FnUintArg = unsafe extern "C" fn(Device, c_int, *mut c_uint) -> c_int;
type FnMask = unsafe extern "C" fn(Device, *mut c_ulonglong) -> c_int;
type FnProcs = unsafe extern "C" fn(Device, *mut c_uint, *mut ProcessInfo) -> c_int;
type FnProcsV1 = unsafe extern "C" fn(Device, *mut c_uint, *mut ProcessInfoV1) -> c_int;
type FnErr = unsafe extern "C" fn(c_int) -> *const c_char;

/// `nvmlUtilization_t`.
#[repr(C)]
#[derive(Default)]
struct Utilization {
    gpu: c_uint,
    memory: c_uint,
}

/// `nvmlMemory_t` (v1), bytes.
#[repr(C)]
#[derive(Default)]
struct Memory {
    total: c_ulonglong,
    free: c_ulonglong,
    used: c_ulonglong,
}

/// `nvmlProcessInfo_t` as `_v2` and `_v3` of `nvmlDeviceGetComputeRunningProcesses` fill it.
#[repr(C)]
#[derive(Default, Clone, Copy)]
struct ProcessInfo {
    pid: c_uint,
    used_gpu_memory: c_ulonglong,
    gpu_instance_id: c_uint,
    compute_instance_id: c_uint,
}

/// `nvmlProcessInfo_v1_t`, for the unversioned symbol of older drivers.
#[repr(C)]
#[derive(Default, Clone, Copy)]
struct ProcessInfoV1 {
    pid: c_uint,
    used_gpu_memory: c_ulonglong,
}

/// One entry of `nvmlDeviceGetComputeRunningProcesses`, in either layout.
trait ProcessEntry: Default + Clone {
    /// The process id and the GPU memory it uses, in bytes.
    fn pid_and_memory(&self) -> (u32, u64);
}

impl ProcessEntry for ProcessInfo {
    fn pid_and_memory(&self) -> (u32, u64) {
        (self.pid, self.used_gpu_memory)
    }
}

impl ProcessEntry for ProcessInfoV1 {
    fn pid_and_memory(&self) -> (u32, u64) {
        (self.pid, self.used_gpu_memory)
    }
}

/// One call of `nvmlDeviceGetComputeRunningProcesses` (`f`, either version) with room for `cap`
/// entries. An error carries NVML's code and the count it gave (more than `cap` when the room
/// was short).
fn running_processes<T: ProcessEntry>(
    f: unsafe extern "C" fn(Device, *mut c_uint, *mut T) -> c_int,
    handle: Device,
    cap: c_uint,
) -> Result<Vec<(u32, u64)>, (c_int, c_uint)> {
    let mut buf = vec![T::default(); cap as usize];
    let mut n = cap;
    // SAFETY: `n` is the buffer's length in entries, of the layout `f` was looked up for; NVML
    // writes at most `n`.
    let rc = unsafe { f(handle, &raw mut n, buf.as_mut_ptr()) };
    if rc != NVML_SUCCESS {
        return Err((rc, n));
    }
    Ok(buf
        .iter()
        .take(n.min(cap) as usize)
        .map(T::pid_and_memory)
        .collect())
}

const NVML_SUCCESS: c_int = 0;
const NVML_ERROR_INSUFFICIENT_SIZE: c_int = 7;
const NVML_ERROR_GPU_IS_LOST: c_int = 15;
const NVML_CLOCK_SM: c_int = 1;
const NVML_TEMPERATURE_GPU: c_int = 0;
const NVML_PCIE_UTIL_TX_BYTES: c_int = 0;
const NVML_PCIE_UTIL_RX_BYTES: c_int = 1;
/// `NVML_VALUE_NOT_AVAILABLE` for `usedGpuMemory` (no per-process accounting, e.g. Windows WDDM
/// or a container without the PID namespace).
const NOT_AVAILABLE: c_ulonglong = c_ulonglong::MAX;
const MAX_DEVICES: c_uint = 64;
const MAX_PROCESSES: c_uint = 1024;

enum Procs {
    V2(FnProcs),
    V1(FnProcsV1),
}

/// The symbols, looked up once.
struct Api {
    err: Option<FnErr>,
    shutdown: Option<FnVoid>,
    name: Option<FnStr>,
    uuid: Option<FnStr>,
    util: Option<FnUtil>,
    mem: Option<FnMem>,
    power: Option<FnUint>,
    clock: Option<FnUintArg>,
    max_clock: Option<FnUintArg>,
    reasons: Option<FnMask>,
    temp: Option<FnUintArg>,
    pcie: Option<FnUintArg>,
    procs: Option<Procs>,
}

struct Gpu {
    index: u32,
    handle: Device,
    name: Option<String>,
    uuid: Option<String>,
    max_clock: Option<u32>,
}

/// Samples every GPU NVML lists.
pub struct NvmlSampler {
    // Never unloaded: the function pointers in `api` point into it, and NVML is not known to
    // survive `dlclose` cleanly.
    _lib: ManuallyDrop<Library>,
    api: Api,
    gpus: Vec<Gpu>,
    path: String,
    start: Instant,
}

impl NvmlSampler {
    /// Loads NVML from the absolute `path`, initializes it and finds the GPUs.
    pub fn open(path: &Path) -> Result<Self, SampleError> {
        let library = path.display().to_string();
        let fail = |message: String| SampleError::Nvml {
            library: library.clone(),
            message,
        };
        if !path.is_absolute() {
            return Err(fail("not an absolute path; nothing is loaded".to_owned()));
        }
        // SAFETY: loading the NVIDIA management library runs its initializers; that is how it
        // is used, and only from an absolute path the caller checked.
        let lib =
            unsafe { Library::new(path) }.map_err(|e| fail(format!("cannot load it: {e}")))?;
        // SAFETY (every `sym` below): each symbol is looked up by its nvml.h name and given the
        // nvml.h signature; the pointers stay valid because the library is never unloaded.
        let sym = |names: &[&[u8]]| -> Option<*mut c_void> {
            names.iter().find_map(|n| {
                // SAFETY: see above; the type only matters where the pointer is cast.
                unsafe { lib.get::<*mut c_void>(n) }.ok().map(|s| *s)
            })
        };
        macro_rules! f {
            ($ty:ty, $($name:literal),+) => {
                // SAFETY: a symbol named by nvml.h, cast to its nvml.h signature.
                sym(&[$(concat!($name, "\0").as_bytes()),+])
                    .map(|p| unsafe { std::mem::transmute::<*mut c_void, $ty>(p) })
            };
        }
        let init = f!(FnVoid, "nvmlInit_v2", "nvmlInit")
            .ok_or_else(|| fail("no `nvmlInit_v2` symbol: not NVML".to_owned()))?;
        let api = Api {
            err: f!(FnErr, "nvmlErrorString"),
            shutdown: f!(FnVoid, "nvmlShutdown"),
            name: f!(FnStr, "nvmlDeviceGetName"),
            uuid: f!(FnStr, "nvmlDeviceGetUUID"),
            util: f!(FnUtil, "nvmlDeviceGetUtilizationRates"),
            mem: f!(FnMem, "nvmlDeviceGetMemoryInfo"),
            power: f!(FnUint, "nvmlDeviceGetPowerUsage"),
            clock: f!(FnUintArg, "nvmlDeviceGetClockInfo"),
            max_clock: f!(FnUintArg, "nvmlDeviceGetMaxClockInfo"),
            reasons: f!(
                FnMask,
                "nvmlDeviceGetCurrentClocksEventReasons",
                "nvmlDeviceGetCurrentClocksThrottleReasons"
            ),
            temp: f!(FnUintArg, "nvmlDeviceGetTemperature"),
            pcie: f!(FnUintArg, "nvmlDeviceGetPcieThroughput"),
            procs: f!(
                FnProcs,
                "nvmlDeviceGetComputeRunningProcesses_v3",
                "nvmlDeviceGetComputeRunningProcesses_v2"
            )
            .map(Procs::V2)
            .or_else(|| f!(FnProcsV1, "nvmlDeviceGetComputeRunningProcesses").map(Procs::V1)),
        };
        let count_fn = f!(FnCount, "nvmlDeviceGetCount_v2", "nvmlDeviceGetCount");
        let handle_fn = f!(
            FnHandle,
            "nvmlDeviceGetHandleByIndex_v2",
            "nvmlDeviceGetHandleByIndex"
        );
        let describe = |rc: c_int| describe(api.err, rc);
        // SAFETY: nvml.h `nvmlReturn_t nvmlInit_v2(void)`.
        let rc = unsafe { init() };
        if rc != NVML_SUCCESS {
            return Err(fail(format!("`nvmlInit_v2` returned {}", describe(rc))));
        }
        let (Some(count_fn), Some(handle_fn)) = (count_fn, handle_fn) else {
            return Err(fail(
                "no `nvmlDeviceGetCount_v2` / `nvmlDeviceGetHandleByIndex_v2`".to_owned(),
            ));
        };
        let mut count: c_uint = 0;
        // SAFETY: a zeroed local out-parameter.
        let rc = unsafe { count_fn(&raw mut count) };
        if rc != NVML_SUCCESS || count > MAX_DEVICES {
            return Err(fail(format!(
                "`nvmlDeviceGetCount_v2` returned {} (count {count})",
                describe(rc)
            )));
        }
        let mut gpus = Vec::new();
        for index in 0..count {
            let mut handle: Device = std::ptr::null_mut();
            // SAFETY: a null local out-parameter.
            if unsafe { handle_fn(index, &raw mut handle) } != NVML_SUCCESS || handle.is_null() {
                continue;
            }
            let text = |func: Option<FnStr>| {
                let func = func?;
                let mut buf = [0 as c_char; 96];
                // SAFETY: a zeroed buffer whose length is passed (NVML_DEVICE_NAME_V2_BUFFER_SIZE
                // and NVML_DEVICE_UUID_V2_BUFFER_SIZE are 96); the last byte stays NUL.
                let rc = unsafe { func(handle, buf.as_mut_ptr(), 95) };
                // SAFETY: NUL-terminated within the buffer (its last byte is never written).
                (rc == NVML_SUCCESS)
                    .then(|| {
                        unsafe { CStr::from_ptr(buf.as_ptr()) }
                            .to_string_lossy()
                            .into_owned()
                    })
                    .filter(|s| !s.is_empty())
            };
            let max_clock =
                uint_arg(api.max_clock, handle, NVML_CLOCK_SM).filter(|&c| c <= 100_000);
            gpus.push(Gpu {
                index,
                handle,
                name: text(api.name),
                uuid: text(api.uuid),
                max_clock,
            });
        }
        Ok(Self {
            _lib: ManuallyDrop::new(lib),
            api,
            gpus,
            path: library,
            start: Instant::now(),
        })
    }

    /// The library loaded.
    pub fn library(&self) -> &str {
        &self.path
    }

    /// How many GPUs NVML gave handles for.
    pub fn device_count(&self) -> usize {
        self.gpus.len()
    }

    fn processes(&self, handle: Device) -> Option<Vec<GpuProcess>> {
        let procs = self.api.procs.as_ref()?;
        let mut cap: c_uint = 64;
        loop {
            let got = match procs {
                Procs::V2(f) => running_processes(*f, handle, cap),
                Procs::V1(f) => running_processes(*f, handle, cap),
            };
            match got {
                Ok(list) => {
                    return Some(
                        list.into_iter()
                            .map(|(pid, bytes)| GpuProcess {
                                pid,
                                used_mib: (bytes != NOT_AVAILABLE).then_some(bytes / (1024 * 1024)),
                                name: std::fs::read_to_string(format!("/proc/{pid}/comm"))
                                    .ok()
                                    .map(|s| s.trim_end().to_owned()),
                            })
                            .collect(),
                    );
                }
                Err((NVML_ERROR_INSUFFICIENT_SIZE, n)) if n > cap && n <= MAX_PROCESSES => cap = n,
                Err(_) => return None,
            }
        }
    }
}

fn describe(err: Option<FnErr>, rc: c_int) -> String {
    if let Some(e) = err {
        // SAFETY: nvml.h `const char* nvmlErrorString(nvmlReturn_t)`, a static string.
        let p = unsafe { e(rc) };
        if !p.is_null() {
            // SAFETY: non-null, NUL-terminated static string.
            return format!("{rc} ({})", unsafe { CStr::from_ptr(p) }.to_string_lossy());
        }
    }
    rc.to_string()
}

fn uint_arg(f: Option<FnUintArg>, handle: Device, arg: c_int) -> Option<u32> {
    let f = f?;
    let mut v: c_uint = 0;
    // SAFETY: a zeroed local out-parameter; `arg` is an nvml.h enum value.
    (unsafe { f(handle, arg, &raw mut v) } == NVML_SUCCESS).then_some(v)
}

fn uint(f: Option<FnUint>, handle: Device) -> Option<u32> {
    let f = f?;
    let mut v: c_uint = 0;
    // SAFETY: a zeroed local out-parameter.
    (unsafe { f(handle, &raw mut v) } == NVML_SUCCESS).then_some(v)
}

impl Sampler for NvmlSampler {
    fn sample(&mut self) -> Result<Option<Sample>, SampleError> {
        let mut sample = Sample {
            t: self.start.elapsed(),
            gpus: Vec::with_capacity(self.gpus.len()),
            lost: Vec::new(),
        };
        for g in &self.gpus {
            let h = g.handle;
            let mut s = GpuSample {
                index: g.index,
                name: g.name.clone(),
                uuid: g.uuid.clone(),
                max_sm_clock_mhz: g.max_clock,
                ..GpuSample::default()
            };
            if let Some(f) = self.api.util {
                let mut u = Utilization::default();
                // SAFETY: a zeroed local out-parameter of the nvml.h layout.
                let rc = unsafe { f(h, &raw mut u) };
                if rc == NVML_ERROR_GPU_IS_LOST {
                    sample.lost.push(LostGpu {
                        index: Some(g.index),
                        message: format!(
                            "`nvmlDeviceGetUtilizationRates` returned {}",
                            describe(self.api.err, rc)
                        ),
                    });
                    continue;
                }
                if rc == NVML_SUCCESS && u.gpu <= 100 && u.memory <= 100 {
                    s.sm_util = Some(u.gpu as u8);
                    s.mem_util = Some(u.memory as u8);
                }
            }
            if let Some(f) = self.api.mem {
                let mut m = Memory::default();
                // SAFETY: a zeroed local out-parameter of the nvml.h layout.
                if unsafe { f(h, &raw mut m) } == NVML_SUCCESS && m.used <= m.total {
                    s.mem_used_mib = Some(m.used / (1024 * 1024));
                    s.mem_total_mib = Some(m.total / (1024 * 1024));
                }
            }
            // Milliwatts; a board draws well under 100 kW.
            s.power_w = uint(self.api.power, h)
                .filter(|&mw| mw < 100_000_000)
                .map(|mw| mw as f32 / 1000.0);
            s.sm_clock_mhz = uint_arg(self.api.clock, h, NVML_CLOCK_SM).filter(|&c| c <= 100_000);
            s.temperature_c =
                uint_arg(self.api.temp, h, NVML_TEMPERATURE_GPU).filter(|&c| c <= 300);
            if let Some(f) = self.api.reasons {
                let mut mask: c_ulonglong = 0;
                // SAFETY: a zeroed local out-parameter.
                if unsafe { f(h, &raw mut mask) } == NVML_SUCCESS {
                    s.throttle = ThrottleReason::from_mask(mask);
                }
            }
            // KB/s over NVML's 20 ms window.
            s.pcie_tx_kib_s = uint_arg(self.api.pcie, h, NVML_PCIE_UTIL_TX_BYTES).map(u64::from);
            s.pcie_rx_kib_s = uint_arg(self.api.pcie, h, NVML_PCIE_UTIL_RX_BYTES).map(u64::from);
            s.processes = self.processes(h);
            sample.gpus.push(s);
        }
        Ok(Some(sample))
    }
}

impl Drop for NvmlSampler {
    fn drop(&mut self) {
        if let Some(f) = self.api.shutdown {
            // SAFETY: nvml.h `nvmlReturn_t nvmlShutdown(void)`, paired with our one init.
            unsafe {
                f();
            }
        }
    }
}
