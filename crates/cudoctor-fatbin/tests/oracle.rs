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

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::cuobjdump_names;
use cudoctor_fatbin::{SmArch, read_file};
use cudoctor_kb::version::PtxIsaVersion;
use cudoctor_test::log_skip;

/// The files `scripts/fetch-test-artifacts.sh` fetches by default (what CI requires); the others
/// come with `--all` or `bench/archs.sh --fetch`.
const CORE: &[&str] = &[
    "debian/root/usr/bin/cuobjdump",
    "debian/root/usr/lib/x86_64-linux-gnu/libcurand.so.10.3.0.86",
    "wheels/unpacked/nvidia/cuda_runtime/lib/libcudart.so.11.0",
    "wheels/unpacked/nvidia/cuda_nvrtc/lib/libnvrtc.so.11.2",
];

/// A missing artifact: a skip with the reason, or a failure when `CUDOCTOR_REQUIRE_ARTIFACTS=1`
/// (CI) and the file is one of [`CORE`].
fn missing(relative: &str, why: &str) {
    let required = std::env::var("CUDOCTOR_REQUIRE_ARTIFACTS").is_ok_and(|v| v == "1");
    assert!(
        !(required && CORE.contains(&relative)),
        "`.cache/{relative}` is missing and CUDOCTOR_REQUIRE_ARTIFACTS=1: run scripts/fetch-test-artifacts.sh"
    );
    log_skip(&format!("`.cache/{relative}` is missing ({why})"));
}

fn cache() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.cache")
}

fn cuobjdump() -> Option<PathBuf> {
    let path = cache().join("debian/root/usr/bin/cuobjdump");
    path.is_file().then_some(path)
}

/// Per-arch counts from `cuobjdump --list-elf` or `--list-ptx` output lines such as
/// `ELF file    1: libcublas.so.11.11.3.1.sm_35.cubin` and
/// `PTX file    1: libcublas.so.11.11.3.1.sm_90.ptx` (CUDA 13: also `...sm_90a.cubin`), keyed
/// by cuobjdump's architecture name.
fn parse_listing(text: &str, prefix: &str, suffix: &str) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        if !line.starts_with(prefix) {
            continue;
        }
        let name = line.trim_end().strip_suffix(suffix).unwrap();
        let arch = name.rsplit('.').next().unwrap();
        assert!(arch.starts_with("sm_"), "{line}");
        *out.entry(arch.to_owned()).or_default() += 1;
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

fn compare(relative: &str) {
    let lib = cache().join(relative);
    let Some(tool) = cuobjdump() else {
        missing(
            "debian/root/usr/bin/cuobjdump",
            "run scripts/fetch-test-artifacts.sh",
        );
        return;
    };
    if !lib.is_file() {
        missing(relative, "run scripts/fetch-test-artifacts.sh --all");
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
        cuobjdump_names(&archs.sass),
        cuobjdump_names(&archs.ptx)
    );
    assert_eq!(
        cuobjdump_names(&archs.sass),
        elf,
        "SASS counts of {relative}"
    );
    assert_eq!(cuobjdump_names(&archs.ptx), ptx, "PTX counts of {relative}");
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
        log_skip(&format!(
            "`{}` is not in the cache (run bench/archs.sh --fetch)",
            lib.display()
        ));
        return;
    }
    let archs = read_file(&lib).unwrap();
    let expected: BTreeMap<String, u64> = [50, 60, 70, 75, 80, 86, 89, 90, 100, 101, 103, 120, 121]
        .into_iter()
        .map(|a| (format!("sm_{a}"), 11))
        .collect();
    assert_eq!(cuobjdump_names(&archs.sass), expected);
    assert_eq!(
        cuobjdump_names(&archs.ptx),
        BTreeMap::from([("sm_121".to_owned(), 10)])
    );
    assert_eq!(archs.ptx_isa[&SmArch::new(121)], PtxIsaVersion::new(8, 8));
    assert_eq!(archs.compressed_entries, 10);
    assert_eq!(archs.containers, 11);
}

fn names(map: &BTreeMap<SmArch, u64>) -> String {
    let parts: Vec<String> = map.iter().map(|(a, n)| format!("{a} {n}")).collect();
    parts.join(", ")
}

/// The three libraries nvcc 13.0 built on an H200 (`.cache/cuda13/libarchs_{plain,lz4,size}.so`:
/// one 2-kernel `.cu` file, `-gencode` for sm_75, sm_90, sm_90a, sm_100a, sm_100f, sm_120a and
/// PTX compute_90, compute_120a; plain, `-Xfatbin=-compress-all`, `--compress-mode=size`)
/// against what CUDA 13.0 `cuobjdump --list-elf` / `--list-ptx` printed for them there
/// (`.cache/cuda13/listing.txt`; no CUDA 13 cuobjdump runs on this machine).
#[test]
fn cuda13_libraries_match_cuda13_cuobjdump_listing() {
    let dir = cache().join("cuda13");
    let Ok(listing) = std::fs::read_to_string(dir.join("listing.txt")) else {
        log_skip(&format!(
            "`{}` is not in the cache (built with nvcc 13.0 on a GPU machine)",
            dir.join("listing.txt").display()
        ));
        return;
    };
    for name in ["libarchs_plain.so", "libarchs_lz4.so", "libarchs_size.so"] {
        let lib = dir.join(name);
        if !lib.is_file() {
            log_skip(&format!("`{}` is not in the cache", lib.display()));
            continue;
        }
        let section = listing
            .split("== ")
            .find(|part| part.starts_with(name))
            .unwrap_or_else(|| panic!("listing.txt has no section for {name}"));
        let elf = parse_listing(section, "ELF file", ".cubin");
        let ptx = parse_listing(section, "PTX file", ".ptx");
        let archs = read_file(&lib).unwrap();
        eprintln!(
            "{name}: cuobjdump 13.0 ELF {elf:?} PTX {ptx:?}; ours ELF {} PTX {}",
            names(&archs.sass),
            names(&archs.ptx)
        );
        assert_eq!(cuobjdump_names(&archs.sass), elf, "SASS counts of {name}");
        assert_eq!(cuobjdump_names(&archs.ptx), ptx, "PTX counts of {name}");
        // What the plain-name mapping hides: the two sm_100 cubins are both `f`.
        assert_eq!(
            archs.sass.get(&"sm_100f".parse().unwrap()),
            Some(&2),
            "{name}"
        );
        assert_eq!(archs.sass.get(&SmArch::new(100)), None, "{name}");
        assert!(archs.warnings.is_empty(), "{:?}", archs.warnings);
    }
}
