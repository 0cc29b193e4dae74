//! Compares our per-architecture ELF and PTX counts with `cuobjdump --list-elf` / `--list-ptx`
//! from the real CUDA 11.8 toolkit, on real CUDA libraries from Debian's CUDA 11.8 packages and
//! PyPI wheels (`nvidia-*` CUDA libraries, the CuPy framework's CUDA extension modules and
//! PyTorch 2.1.2's 739 MB `libtorch_cuda.so`).
//!
//! The files live in the git-ignored cache; each test prints why it skips when they are absent.
//! Populate it with `bench/archs.sh --fetch` (Debian `nvidia-cuda-toolkit libcublas11
//! libcublaslt11 libcufft10 libcusparse11 libcurand10`; wheels `nvidia-cuda-runtime-cu11
//! nvidia-cufft-cu11 nvidia-cuda-nvrtc-cu11 nvidia-curand-cu12 nvidia-cublas-cu12==12.1.3.1
//! cupy-cuda11x==13.6.0 torch==2.1.2` (CPython 3.11 builds), unpacked under `.cache/wheels/unpacked/`).

#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use cudoctor_fatbin::{SmArch, read_file};
use cudoctor_kb::version::PtxIsaVersion;

fn cache() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.cache")
}

fn cuobjdump() -> Option<PathBuf> {
    let path = cache().join("debian/root/usr/bin/cuobjdump");
    path.is_file().then_some(path)
}

/// Per-arch counts from `cuobjdump --list-elf` or `--list-ptx` output lines such as
/// `ELF file    1: libcublas.so.11.11.3.1.sm_35.cubin` and
/// `PTX file    1: libcublas.so.11.11.3.1.sm_90.ptx`.
fn parse_listing(text: &str, prefix: &str, suffix: &str) -> BTreeMap<u32, u64> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        if !line.starts_with(prefix) {
            continue;
        }
        let name = line.trim_end().strip_suffix(suffix).unwrap();
        let arch = name.rsplit('.').next().unwrap();
        let number: u32 = arch.strip_prefix("sm_").unwrap().parse().unwrap();
        *out.entry(number).or_default() += 1;
    }
    out
}

fn run_cuobjdump(tool: &Path, flag: &str, lib: &Path) -> String {
    let out = Command::new(tool).arg(flag).arg(lib).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        !stdout.contains("fatal") && !stderr.contains("fatal"),
        "cuobjdump {flag} failed on {}: {stdout}{stderr}",
        lib.display()
    );
    stdout
}

fn ours(map: &BTreeMap<SmArch, u64>) -> BTreeMap<u32, u64> {
    map.iter().map(|(a, n)| (a.0, *n)).collect()
}

fn compare(relative: &str) {
    let lib = cache().join(relative);
    let Some(tool) = cuobjdump() else {
        eprintln!("skipped: no cuobjdump in the cache (run bench/archs.sh --fetch)");
        return;
    };
    if !lib.is_file() {
        eprintln!(
            "skipped: `{}` is not in the cache (run bench/archs.sh --fetch)",
            lib.display()
        );
        return;
    }
    let elf = parse_listing(
        &run_cuobjdump(&tool, "--list-elf", &lib),
        "ELF file",
        ".cubin",
    );
    let ptx = parse_listing(
        &run_cuobjdump(&tool, "--list-ptx", &lib),
        "PTX file",
        ".ptx",
    );
    let archs = read_file(&lib).unwrap();
    eprintln!(
        "{relative}: cuobjdump ELF {elf:?} PTX {ptx:?}; ours ELF {:?} PTX {:?}",
        ours(&archs.sass),
        ours(&archs.ptx)
    );
    assert_eq!(ours(&archs.sass), elf, "SASS counts of {relative}");
    assert_eq!(ours(&archs.ptx), ptx, "PTX counts of {relative}");
    assert!(archs.warnings.is_empty(), "{:?}", archs.warnings);
}

macro_rules! oracle {
    ($($name:ident => $path:literal,)*) => {$(
        #[test]
        fn $name() {
            compare($path);
        }
    )*};
}

oracle! {
    debian_libcublas => "debian/root/usr/lib/x86_64-linux-gnu/libcublas.so.11.11.3.6",
    debian_libcublaslt => "debian/root/usr/lib/x86_64-linux-gnu/libcublasLt.so.11.11.3.6",
    debian_libcufft => "debian/root/usr/lib/x86_64-linux-gnu/libcufft.so.10.9.0.58",
    debian_libcurand => "debian/root/usr/lib/x86_64-linux-gnu/libcurand.so.10.3.0.86",
    debian_libcusparse => "debian/root/usr/lib/x86_64-linux-gnu/libcusparse.so.11.7.5.86",
    wheel_libcufftw => "wheels/unpacked/nvidia/cufft/lib/libcufftw.so.10",
    wheel_libcufft => "wheels/unpacked/nvidia/cufft/lib/libcufft.so.10",
    wheel_libcudart => "wheels/unpacked/nvidia/cuda_runtime/lib/libcudart.so.11.0",
    wheel_libnvrtc => "wheels/unpacked/nvidia/cuda_nvrtc/lib/libnvrtc.so.11.2",
    wheel_cu12_libcublas => "wheels/unpacked/nvidia/cublas/lib/libcublas.so.12",
    wheel_cu12_libcublaslt => "wheels/unpacked/nvidia/cublas/lib/libcublasLt.so.12",
    wheel_cupy_thrust => "wheels/unpacked/cupy/cuda/thrust.cpython-311-x86_64-linux-gnu.so",
    wheel_cupy_cub => "wheels/unpacked/cupy/cuda/cub.cpython-311-x86_64-linux-gnu.so",
    wheel_cupy_random => "wheels/unpacked/cupy/random/_generator_api.cpython-311-x86_64-linux-gnu.so",
    wheel_torch_libtorch_cuda => "wheels/unpacked/torch/lib/libtorch_cuda.so",
}

/// CUDA 11.8's cuobjdump cannot read this CUDA 12.9-era library (`cuobjdump fatal: Support for
/// 'sm_2' has been removed`), so the expected counts are the hand validation recorded in
/// `../shared/reference/tools.md` section 11.5: cubins for 13 architectures, 11 each, and 10
/// LZ4-compressed PTX entries for compute_121 with PTX ISA 8.8.
#[test]
fn wheel_libcurand_cu12_matches_hand_validation() {
    let lib = cache().join("wheels/unpacked/nvidia/curand/lib/libcurand.so.10");
    if !lib.is_file() {
        eprintln!(
            "skipped: `{}` is not in the cache (run bench/archs.sh --fetch)",
            lib.display()
        );
        return;
    }
    let archs = read_file(&lib).unwrap();
    let expected: BTreeMap<u32, u64> = [50, 60, 70, 75, 80, 86, 89, 90, 100, 101, 103, 120, 121]
        .into_iter()
        .map(|a| (a, 11))
        .collect();
    assert_eq!(ours(&archs.sass), expected);
    assert_eq!(ours(&archs.ptx), BTreeMap::from([(121, 10)]));
    assert_eq!(archs.ptx_isa[&SmArch(121)], PtxIsaVersion::new(8, 8));
    assert_eq!(archs.compressed_entries, 10);
    assert_eq!(archs.containers, 11);
}
