//! Live driver calls on the running host: `libcuda.so.1` and NVML, loaded with `dlopen` at run
//! time so the binary runs where no driver exists. A library that does not load is a fact, not an
//! error. Never used for a directory root or image: nothing is loaded from a scanned tree.
//!
//! Defensive loading: ordered candidate names (each with its reason), `_v2` symbols first,
//! zeroed out-parameters, results range-checked, libraries never unloaded (libcuda does not
//! survive `dlclose` well), and the host answer computed once ([`OnceLock`]), failures included.

use std::ffi::{CStr, c_char, c_int, c_uint};
use std::path::Path;
use std::sync::OnceLock;

use libloading::Library;

use crate::snapshot::{LiveDevice, LiveFacts, NvmlDevice, NvmlFacts};

/// libcuda candidates, in order.
const LIBCUDA_CANDIDATES: &[&str] = &[
    // The SONAME: what the CUDA runtime and every framework dlopen.
    "libcuda.so.1",
    // Only the development link is installed (unusual, but then the runtime fails while we succeed;
    // recorded by name so the difference shows).
    "libcuda.so",
    // WSL2 ships the driver here, not always in ld.so.cache.
    "/usr/lib/wsl/lib/libcuda.so.1",
];

/// NVML candidates, in order.
const NVML_CANDIDATES: &[&str] = &[
    // The SONAME, installed by every driver package.
    "libnvidia-ml.so.1",
    // Development link only.
    "libnvidia-ml.so",
    // WSL2.
    "/usr/lib/wsl/lib/libnvidia-ml.so.1",
];

/// The name of a `CUresult` code (from `cuda.h`), for when `cuGetErrorName` is unavailable.
pub fn cu_result_name(code: i32) -> &'static str {
    match code {
        0 => "CUDA_SUCCESS",
        1 => "CUDA_ERROR_INVALID_VALUE",
        2 => "CUDA_ERROR_OUT_OF_MEMORY",
        3 => "CUDA_ERROR_NOT_INITIALIZED",
        4 => "CUDA_ERROR_DEINITIALIZED",
        34 => "CUDA_ERROR_STUB_LIBRARY",
        35 => "CUDA_ERROR_INSUFFICIENT_DRIVER",
        46 => "CUDA_ERROR_DEVICES_UNAVAILABLE",
        100 => "CUDA_ERROR_NO_DEVICE",
        101 => "CUDA_ERROR_INVALID_DEVICE",
        209 => "CUDA_ERROR_NO_BINARY_FOR_GPU",
        222 => "CUDA_ERROR_UNSUPPORTED_PTX_VERSION",
        304 => "CUDA_ERROR_OPERATING_SYSTEM",
        801 => "CUDA_ERROR_NOT_SUPPORTED",
        802 => "CUDA_ERROR_SYSTEM_NOT_READY",
        803 => "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH",
        804 => "CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE",
        999 => "CUDA_ERROR_UNKNOWN",
        _ => "CUDA_ERROR_(unrecognized)",
    }
}

type CuIntOut = unsafe extern "C" fn(*mut c_int) -> c_int;
type CuInit = unsafe extern "C" fn(c_uint) -> c_int;
type CuGetErrorName = unsafe extern "C" fn(c_int, *mut *const c_char) -> c_int;
type CuDeviceGet = unsafe extern "C" fn(*mut c_int, c_int) -> c_int;
type CuDeviceGetName = unsafe extern "C" fn(*mut c_char, c_int, c_int) -> c_int;
type CuDeviceGetAttribute = unsafe extern "C" fn(*mut c_int, c_int, c_int) -> c_int;
type CuDeviceTotalMem = unsafe extern "C" fn(*mut usize, c_int) -> c_int;

fn open_first(candidates: &[&str]) -> Result<(Library, String), String> {
    let mut errors = Vec::new();
    for name in candidates {
        // SAFETY: loading the NVIDIA driver library runs its initializers; this is the documented
        // way to use it and only happens for the live host.
        match unsafe { Library::new(name) } {
            Ok(lib) => return Ok((lib, (*name).to_owned())),
            Err(e) => errors.push(format!("{name}: {e}")),
        }
    }
    Err(format!("not found ({})", errors.join("; ")))
}

/// Calls libcuda: loaded from `path`, or for `None` from the usual candidates (cached for the
/// process). The `nvml` part of the result is left empty.
pub fn probe_libcuda(path: Option<&Path>) -> LiveFacts {
    static HOST: OnceLock<LiveFacts> = OnceLock::new();
    match path {
        None => HOST
            .get_or_init(|| match open_first(LIBCUDA_CANDIDATES) {
                Ok((lib, name)) => call_libcuda(lib, name),
                Err(e) => LiveFacts {
                    libcuda_unknown: Some(format!("libcuda.so.1 {e}")),
                    cu_driver_get_version_unknown: Some("libcuda.so.1 not loaded".to_owned()),
                    ..LiveFacts::default()
                },
            })
            .clone(),
        Some(p) => {
            // SAFETY: as above; the caller names the driver library to load.
            match unsafe { Library::new(p) } {
                Ok(lib) => call_libcuda(lib, p.display().to_string()),
                Err(e) => LiveFacts {
                    libcuda: Some(p.display().to_string()),
                    libcuda_unknown: Some(format!("cannot load `{}`: {e}", p.display())),
                    cu_driver_get_version_unknown: Some("libcuda not loaded".to_owned()),
                    ..LiveFacts::default()
                },
            }
        }
    }
}

fn call_libcuda(lib: Library, name: String) -> LiveFacts {
    let mut facts = LiveFacts {
        libcuda: Some(name),
        ..LiveFacts::default()
    };
    // SAFETY: every symbol is looked up by its documented name and called with the documented
    // signature from cuda.h; out-parameters are zeroed locals; the library is leaked below so the
    // function pointers never dangle.
    unsafe {
        match lib.get::<CuIntOut>(b"cuDriverGetVersion\0") {
            Ok(f) => {
                let mut v: c_int = 0;
                let rc = f(&raw mut v);
                if rc == 0 && v > 0 && v < 1_000_000 {
                    facts.cu_driver_get_version = Some(v);
                } else {
                    facts.cu_driver_get_version_unknown = Some(format!(
                        "cuDriverGetVersion returned {rc} ({})",
                        cu_result_name(rc)
                    ));
                }
            }
            Err(e) => {
                facts.cu_driver_get_version_unknown = Some(format!("no cuDriverGetVersion: {e}"));
            }
        }
        let error_name = lib.get::<CuGetErrorName>(b"cuGetErrorName\0").ok();
        let name_of = |code: c_int| -> String {
            if let Some(f) = &error_name {
                let mut p: *const c_char = std::ptr::null();
                if f(code, &raw mut p) == 0 && !p.is_null() {
                    return CStr::from_ptr(p).to_string_lossy().into_owned();
                }
            }
            cu_result_name(code).to_owned()
        };
        if let Ok(init) = lib.get::<CuInit>(b"cuInit\0") {
            let rc = init(0);
            facts.cu_init = Some(rc);
            facts.cu_init_name = Some(name_of(rc));
            if rc == 0 {
                devices(&lib, &mut facts);
            }
        }
    }
    std::mem::forget(lib);
    facts
}

/// # Safety
/// `lib` must be libcuda after a successful `cuInit`.
unsafe fn devices(lib: &Library, facts: &mut LiveFacts) {
    // SAFETY: documented signatures; zeroed out-parameters.
    unsafe {
        let Ok(count_fn) = lib.get::<CuIntOut>(b"cuDeviceGetCount\0") else {
            return;
        };
        let mut count: c_int = 0;
        if count_fn(&raw mut count) != 0 || !(0..=1024).contains(&count) {
            return;
        }
        facts.device_count = Some(count);
        let get = lib.get::<CuDeviceGet>(b"cuDeviceGet\0").ok();
        let name_fn = lib.get::<CuDeviceGetName>(b"cuDeviceGetName\0").ok();
        let attr = lib
            .get::<CuDeviceGetAttribute>(b"cuDeviceGetAttribute\0")
            .ok();
        let mem = lib
            .get::<CuDeviceTotalMem>(b"cuDeviceTotalMem_v2\0")
            .or_else(|_| lib.get::<CuDeviceTotalMem>(b"cuDeviceTotalMem\0"))
            .ok();
        for i in 0..count {
            let mut dev: c_int = 0;
            if let Some(g) = &get {
                if g(&raw mut dev, i) != 0 {
                    continue;
                }
            }
            let mut d = LiveDevice {
                index: i,
                ..LiveDevice::default()
            };
            if let Some(f) = &name_fn {
                let mut buf = [0 as c_char; 256];
                if f(buf.as_mut_ptr(), 255, dev) == 0 {
                    d.name = Some(CStr::from_ptr(buf.as_ptr()).to_string_lossy().into_owned());
                }
            }
            if let Some(a) = &attr {
                let read = |code: c_int| {
                    let mut v: c_int = 0;
                    (a(&raw mut v, code, dev) == 0 && v >= 0).then_some(v)
                };
                if let (Some(ma), Some(mi)) = (read(75), read(76)) {
                    d.compute_capability = Some(format!("{ma}.{mi}"));
                }
                if let (Some(dom), Some(bus), Some(slot)) = (read(50), read(33), read(34)) {
                    d.bus_location = Some(format!("{dom:08x}:{bus:02x}:{slot:02x}.0"));
                }
            }
            if let Some(m) = &mem {
                let mut bytes: usize = 0;
                if m(&raw mut bytes, dev) == 0 {
                    d.memory_total_bytes = Some(bytes as u64);
                }
            }
            facts.devices.push(d);
        }
    }
}

type NvmlVoid = unsafe extern "C" fn() -> c_int;
type NvmlStr = unsafe extern "C" fn(*mut c_char, c_uint) -> c_int;
type NvmlCount = unsafe extern "C" fn(*mut c_uint) -> c_int;
type NvmlHandle = unsafe extern "C" fn(c_uint, *mut *mut std::ffi::c_void) -> c_int;
type NvmlDevStr = unsafe extern "C" fn(*mut std::ffi::c_void, *mut c_char, c_uint) -> c_int;
type NvmlMem = unsafe extern "C" fn(*mut std::ffi::c_void, *mut [u64; 3]) -> c_int;
type NvmlErrStr = unsafe extern "C" fn(c_int) -> *const c_char;
type NvmlPci = unsafe extern "C" fn(*mut std::ffi::c_void, *mut NvmlPciInfo) -> c_int;

/// `nvmlPciInfo_t` (nvml.h, v3 layout).
#[repr(C)]
struct NvmlPciInfo {
    bus_id_legacy: [c_char; 16],
    domain: c_uint,
    bus: c_uint,
    device: c_uint,
    pci_device_id: c_uint,
    pci_sub_system_id: c_uint,
    bus_id: [c_char; 32],
}

/// Asks NVML (dlopen of `libnvidia-ml.so.1`, or `path`) for the driver version and devices.
pub fn probe_nvml(path: Option<&Path>) -> NvmlFacts {
    static HOST: OnceLock<NvmlFacts> = OnceLock::new();
    let run = |lib: Result<(Library, String), String>| {
        let mut f = NvmlFacts {
            method: "dlopen libnvidia-ml.so.1 (direct calls, no nvml-wrapper)".to_owned(),
            ..NvmlFacts::default()
        };
        match lib {
            Ok((lib, name)) => {
                f.library = Some(name);
                // SAFETY: documented NVML signatures; zeroed out-parameters; library leaked.
                unsafe { call_nvml(&lib, &mut f) };
                std::mem::forget(lib);
            }
            Err(e) => f.unknown = Some(format!("libnvidia-ml.so.1 {e}")),
        }
        f
    };
    match path {
        None => HOST
            .get_or_init(|| run(open_first(NVML_CANDIDATES)))
            .clone(),
        Some(p) => {
            // SAFETY: loading the NVML library named by the caller.
            let lib = unsafe { Library::new(p) }
                .map(|l| (l, p.display().to_string()))
                .map_err(|e| format!("cannot load `{}`: {e}", p.display()));
            run(lib)
        }
    }
}

unsafe fn call_nvml(lib: &Library, f: &mut NvmlFacts) {
    // SAFETY: documented NVML signatures.
    unsafe {
        let err_str = lib.get::<NvmlErrStr>(b"nvmlErrorString\0").ok();
        let describe = |rc: c_int| -> String {
            if let Some(e) = &err_str {
                let p = e(rc);
                if !p.is_null() {
                    return format!("{rc} ({})", CStr::from_ptr(p).to_string_lossy());
                }
            }
            rc.to_string()
        };
        let init = lib
            .get::<NvmlVoid>(b"nvmlInit_v2\0")
            .or_else(|_| lib.get::<NvmlVoid>(b"nvmlInit\0"));
        let Ok(init) = init else {
            f.unknown = Some("no nvmlInit_v2 symbol".to_owned());
            return;
        };
        let rc = init();
        if rc != 0 {
            f.unknown = Some(format!("nvmlInit_v2 returned {}", describe(rc)));
            return;
        }
        if let Ok(dv) = lib.get::<NvmlStr>(b"nvmlSystemGetDriverVersion\0") {
            let mut buf = [0 as c_char; 96];
            if dv(buf.as_mut_ptr(), 95) == 0 {
                f.driver_version =
                    Some(CStr::from_ptr(buf.as_ptr()).to_string_lossy().into_owned());
            }
        }
        let count_fn = lib
            .get::<NvmlCount>(b"nvmlDeviceGetCount_v2\0")
            .or_else(|_| lib.get::<NvmlCount>(b"nvmlDeviceGetCount\0"));
        let handle_fn = lib
            .get::<NvmlHandle>(b"nvmlDeviceGetHandleByIndex_v2\0")
            .or_else(|_| lib.get::<NvmlHandle>(b"nvmlDeviceGetHandleByIndex\0"));
        if let (Ok(count_fn), Ok(handle_fn)) = (count_fn, handle_fn) {
            let mut count: c_uint = 0;
            if count_fn(&raw mut count) == 0 && count <= 1024 {
                let name_fn = lib.get::<NvmlDevStr>(b"nvmlDeviceGetName\0").ok();
                let uuid_fn = lib.get::<NvmlDevStr>(b"nvmlDeviceGetUUID\0").ok();
                let mem_fn = lib.get::<NvmlMem>(b"nvmlDeviceGetMemoryInfo\0").ok();
                let pci_fn = lib.get::<NvmlPci>(b"nvmlDeviceGetPciInfo_v3\0").ok();
                for i in 0..count {
                    let mut h: *mut std::ffi::c_void = std::ptr::null_mut();
                    if handle_fn(i, &raw mut h) != 0 || h.is_null() {
                        continue;
                    }
                    let mut d = NvmlDevice {
                        index: i,
                        ..NvmlDevice::default()
                    };
                    let text = |func: &Option<libloading::Symbol<'_, NvmlDevStr>>| {
                        let func = func.as_ref()?;
                        let mut buf = [0 as c_char; 128];
                        (func(h, buf.as_mut_ptr(), 127) == 0)
                            .then(|| CStr::from_ptr(buf.as_ptr()).to_string_lossy().into_owned())
                    };
                    d.name = text(&name_fn);
                    d.uuid = text(&uuid_fn);
                    if let Some(p) = &pci_fn {
                        let mut info: NvmlPciInfo = std::mem::zeroed();
                        if p(h, &raw mut info) == 0 {
                            info.bus_id[31] = 0;
                            let id = CStr::from_ptr(info.bus_id.as_ptr()).to_string_lossy();
                            if !id.is_empty() {
                                d.bus_location = Some(id.into_owned());
                            }
                        }
                    }
                    if let Some(m) = &mem_fn {
                        let mut mem = [0u64; 3];
                        if m(h, &raw mut mem) == 0 {
                            d.memory_total_bytes = Some(mem[0]);
                        }
                    }
                    f.devices.push(d);
                }
            }
        }
        if let Ok(shutdown) = lib.get::<NvmlVoid>(b"nvmlShutdown\0") {
            shutdown();
        }
    }
}

/// libcuda and NVML on the running host (cached).
pub fn probe_live() -> LiveFacts {
    let mut facts = probe_libcuda(None);
    facts.nvml = probe_nvml(None);
    facts
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(cu_result_name(100), "CUDA_ERROR_NO_DEVICE");
        assert_eq!(cu_result_name(35), "CUDA_ERROR_INSUFFICIENT_DRIVER");
        assert_eq!(cu_result_name(999), "CUDA_ERROR_UNKNOWN");
    }

    #[test]
    fn missing_library_is_a_fact() {
        let f = probe_libcuda(Some(Path::new("/nonexistent/libcuda.so.1")));
        assert!(f.cu_driver_get_version.is_none());
        assert!(f.libcuda_unknown.unwrap().contains("cannot load"));
    }
}
