//! Live driver calls on the running host: `libcuda.so.1` and NVML, loaded with `dlopen` at run
//! time so the binary runs where no driver exists. A library that does not load is a fact, not an
//! error. Never used for a directory root or image: nothing is loaded from a scanned tree.
//!
//! What is loaded, and from where: only the file the loader emulation ([`crate::ldso`]) chose
//! for `libcuda.so.1` / `libnvidia-ml.so.1`, by its absolute path ([`probe_live_with`]). Nothing
//! is loaded when `LD_LIBRARY_PATH` has an entry that is the current directory (empty) or
//! relative to it (the real loader would search there for the driver library's own
//! dependencies), or when the chosen file or its directory is world-writable; the reason is
//! recorded as `libcuda_unknown` / `nvml.unknown`.
//!
//! Defensive loading: ordered candidate names (each with its reason), `_v2` symbols first,
//! zeroed out-parameters, results range-checked, libraries never unloaded (libcuda does not
//! survive `dlclose` well), and the host answer computed once ([`OnceLock`]), failures included.

use crate::snapshot::Fact;
use std::collections::HashMap;
use std::ffi::{CStr, c_char, c_int, c_uint};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use libloading::Library;

use crate::snapshot::{LiveDevice, LiveFacts, NvmlDevice, NvmlFacts};

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

/// Calls libcuda loaded from the absolute `path`, or for `None` from where the loader emulation
/// says (see [`probe_live`]). A relative path is refused, never searched for. The `nvml` part of
/// the result is left empty.
pub fn probe_libcuda(path: Option<&Path>) -> LiveFacts {
    let Some(p) = path else {
        let mut f = probe_live();
        f.nvml = NvmlFacts::default();
        return f;
    };
    if !p.is_absolute() {
        return LiveFacts {
            libcuda: Some(p.display().to_string()),
            libcuda_unknown: Some(format!(
                "not loaded: `{}` is not an absolute path",
                p.display()
            )),
            cu_driver_get_version: Fact::from_parts(
                None,
                None,
                Some("libcuda not loaded".to_owned()),
            ),
            ..LiveFacts::default()
        };
    }
    // SAFETY: loading the NVIDIA driver library runs its initializers; this is the documented
    // way to use it, only for the live host, and only by an absolute path that was checked.
    match unsafe { Library::new(p) } {
        Ok(lib) => call_libcuda(lib, p.display().to_string()),
        Err(e) => LiveFacts {
            libcuda: Some(p.display().to_string()),
            libcuda_unknown: Some(format!("cannot load `{}`: {e}", p.display())),
            cu_driver_get_version: Fact::from_parts(
                None,
                None,
                Some("libcuda not loaded".to_owned()),
            ),
            ..LiveFacts::default()
        },
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
                    facts.cu_driver_get_version.set_value(v);
                } else {
                    facts.cu_driver_get_version = Fact::unknown(format!(
                        "cuDriverGetVersion returned {rc} ({})",
                        cu_result_name(rc)
                    ));
                }
            }
            Err(e) => {
                facts.cu_driver_get_version = Fact::unknown(format!("no cuDriverGetVersion: {e}"));
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

/// Asks NVML, loaded from the absolute `path` (or for `None` from where the loader emulation
/// says), for the driver version and devices.
pub fn probe_nvml(path: Option<&Path>) -> NvmlFacts {
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
            Err(e) => f.unknown = Some(e),
        }
        f
    };
    let Some(p) = path else {
        return probe_live().nvml;
    };
    if !p.is_absolute() {
        return run(Err(format!(
            "not loaded: `{}` is not an absolute path",
            p.display()
        )));
    }
    // SAFETY: loading the NVML library by an absolute path that was checked.
    let lib = unsafe { Library::new(p) }
        .map(|l| (l, p.display().to_string()))
        .map_err(|e| format!("cannot load `{}`: {e}", p.display()));
    run(lib)
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

/// libcuda and NVML on the running host, loaded from where the loader emulation says
/// (see [`probe_live_with`]), with the process environment.
pub fn probe_live() -> LiveFacts {
    let root = crate::Root::host();
    let env = crate::Env::from_process();
    let cache = crate::ldso::load_cache(&root);
    probe_live_with(&root, &env, &cache)
}

/// libcuda and NVML on the running host, each loaded only by the absolute path the loader
/// emulation chose for its soname, after [`safe_to_load`] accepted it. Results are cached per
/// path for the process, failures included. For anything but the host, nothing is loaded.
pub fn probe_live_with(
    root: &crate::Root,
    env: &crate::Env,
    cache: &Result<crate::ldcache::LdCache, String>,
) -> LiveFacts {
    static SEEN: OnceLock<Mutex<HashMap<PathBuf, LiveFacts>>> = OnceLock::new();
    static SEEN_NVML: OnceLock<Mutex<HashMap<PathBuf, NvmlFacts>>> = OnceLock::new();
    if !root.is_host() {
        return LiveFacts {
            libcuda: None,
            libcuda_unknown: Some("no live driver call for a directory root".to_owned()),
            ..LiveFacts::default()
        };
    }
    let mut facts = match choose(root, env, cache, "libcuda.so.1") {
        Ok(path) => once_per_path(&SEEN, path, |p| probe_libcuda(Some(p))),
        Err(why) => LiveFacts {
            libcuda: None,
            libcuda_unknown: Some(format!("libcuda.so.1 not loaded: {why}")),
            cu_driver_get_version: Fact::from_parts(
                None,
                None,
                Some("libcuda.so.1 not loaded".to_owned()),
            ),
            ..LiveFacts::default()
        },
    };
    facts.nvml = match choose(root, env, cache, "libnvidia-ml.so.1") {
        Ok(path) => once_per_path(&SEEN_NVML, path, |p| probe_nvml(Some(p))),
        Err(why) => NvmlFacts {
            method: "dlopen libnvidia-ml.so.1 (direct calls, no nvml-wrapper)".to_owned(),
            unknown: Some(format!("libnvidia-ml.so.1 not loaded: {why}")),
            ..NvmlFacts::default()
        },
    };
    facts
}

/// `probe(path)` the first time the process asks for `path`; the remembered answer after that,
/// failures included (a library is loaded at most once per path).
fn once_per_path<T: Clone>(
    seen: &OnceLock<Mutex<HashMap<PathBuf, T>>>,
    path: PathBuf,
    probe: impl FnOnce(&Path) -> T,
) -> T {
    let seen = seen.get_or_init(Mutex::default);
    if let Some(cached) = seen.lock().ok().and_then(|m| m.get(&path).cloned()) {
        return cached;
    }
    let answer = probe(&path);
    if let Ok(mut m) = seen.lock() {
        m.insert(path, answer.clone());
    }
    answer
}

/// The absolute path to load for `soname`: the loader emulation's choice, or (WSL2, where the
/// driver may be missing from `ld.so.cache`) `/usr/lib/wsl/lib/<soname>` when it exists;
/// `Err` says why nothing may be loaded.
fn choose(
    root: &crate::Root,
    env: &crate::Env,
    cache: &Result<crate::ldcache::LdCache, String>,
    soname: &str,
) -> Result<PathBuf, String> {
    if let Some(v) = env.get_nonempty(crate::env_vars::LD_LIBRARY_PATH) {
        let bad = crate::ldso::current_directory_entries(v);
        if !bad.is_empty() {
            return Err(format!(
                "`LD_LIBRARY_PATH={v}` has entries the loader reads relative to the current directory ({}); it would search there for the driver library's own dependencies, so no driver library is loaded",
                bad.join("; ")
            ));
        }
    }
    let res = crate::ldso::which_memo(
        root,
        env,
        soname,
        None,
        &[],
        cache,
        &crate::ldso::LoaderMemo::default(),
    );
    let path = if let Some(c) = &res.chosen {
        PathBuf::from(&c.path)
    } else {
        let wsl = Path::new("/usr/lib/wsl/lib").join(soname);
        if !root.is_file(&wsl) {
            return Err("the loader emulation found no file for it".to_owned());
        }
        wsl
    };
    let real = res
        .chosen
        .as_ref()
        .and_then(|c| c.real_path.as_deref())
        .map(PathBuf::from);
    safe_to_load(root, &path)?;
    if let Some(real) = real {
        safe_to_load(root, &real)?;
    }
    Ok(path)
}

/// Whether `path` may be loaded: absolute, and neither the file nor its directory
/// world-writable (anyone could have put it there). `Err` names which and why.
pub fn safe_to_load(root: &crate::Root, path: &Path) -> Result<(), String> {
    if !path.is_absolute() {
        return Err(format!("`{}` is a relative path", path.display()));
    }
    let dir = path.parent().unwrap_or(Path::new("/"));
    for (what, p) in [("directory", dir), ("file", path)] {
        let meta = root
            .metadata(p)
            .map_err(|e| format!("cannot check the {what}: {}", e.reason()))?;
        if meta.mode & 0o002 != 0 {
            return Err(format!(
                "the {what} `{}` is world-writable (mode {:o}), so anyone could have placed the library there",
                p.display(),
                meta.mode
            ));
        }
    }
    Ok(())
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
        assert!(
            f.libcuda_unknown
                .as_deref()
                .unwrap()
                .contains("cannot load")
        );
    }
}
