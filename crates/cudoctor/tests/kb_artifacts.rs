//! The knowledge base against the artifacts: the GPU code `cudoctor requirements` states for a
//! TensorFlow release is what `cudoctor archs` reads in a fatbinary container carved from that
//! release's official wheel (`tests/fixtures/tensorflow/README.md`), and, when the wheel's
//! library is cached (`.cache/tensorflow/<version>/...`), in the whole library.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::{cudoctor_cmd, run, strings};

fn fixture(name: &str) -> PathBuf {
    common::repo_root()
        .join("crates/cudoctor/tests/fixtures/tensorflow")
        .join(name)
}

/// `cudoctor archs FILE... --format json` as `sm_XY` / `compute_XY` codes and PTX ISA versions.
fn measured(files: &[PathBuf]) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut c = cudoctor_cmd();
    c.arg("archs").args(files).args(["--format", "json"]);
    let r = run(&mut c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    let mut codes = BTreeSet::new();
    let mut isas = BTreeSet::new();
    for f in v["files"].as_array().unwrap() {
        for sm in f["sass"].as_object().unwrap().keys() {
            codes.insert(sm.clone());
        }
        for sm in f["ptx"].as_object().unwrap().keys() {
            codes.insert(sm.replace("sm_", "compute_"));
        }
        for isa in f["ptx_isa"].as_object().unwrap().values() {
            isas.insert(isa.as_str().unwrap().to_owned());
        }
    }
    (codes, isas)
}

fn stated(spec: &str) -> (BTreeSet<String>, String) {
    let mut c = cudoctor_cmd();
    c.args(["requirements", spec, "--format", "json"]);
    let r = run(&mut c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    let d = &v["variants"][0];
    let codes = strings(&d["compute_capabilities"])
        .into_iter()
        .map(ToOwned::to_owned)
        .collect();
    (codes, d["ptx_isa"].as_str().unwrap().to_owned())
}

#[test]
fn tensorflow_gpu_code_matches_the_carved_wheel_containers() {
    for (file, spec, codes, isa) in [
        (
            "tf-2.9.0-container9.elf64",
            "tensorflow==2.9.0",
            "sm_35 sm_50 sm_60 sm_70 sm_75 sm_80 compute_80",
            "7.2",
        ),
        (
            "tf-2.17.0-container27.elf64",
            "tensorflow==2.17.0",
            "sm_60 sm_70 sm_80 sm_89 sm_90 compute_90",
            "8.1",
        ),
    ] {
        let (m_codes, m_isa) = measured(&[fixture(file)]);
        let want: BTreeSet<String> = codes.split(' ').map(ToOwned::to_owned).collect();
        assert_eq!(m_codes, want, "{file}: what the container holds");
        assert_eq!(m_isa, BTreeSet::from([isa.to_owned()]), "{file}");
        let (s_codes, s_isa) = stated(spec);
        assert_eq!(
            s_codes, m_codes,
            "{spec}: requirements vs the wheel's container"
        );
        assert_eq!(s_isa, isa, "{spec}: PTX ISA");
    }
}

/// The whole library of a cached official wheel (not fetched by default: hundreds of MB).
/// Fetch them with `scripts/fetch-test-artifacts.sh --tensorflow` (about 1 GB of wheels).
#[test]
fn tensorflow_gpu_code_matches_the_cached_wheel_libraries() {
    for (version, libs) in [
        (
            "2.9.0",
            &["tensorflow/python/_pywrap_tensorflow_internal.so"][..],
        ),
        (
            "2.17.0",
            &[
                "tensorflow/libtensorflow_cc.so.2",
                "tensorflow/libtensorflow_framework.so.2",
            ][..],
        ),
    ] {
        let dir = common::repo_root().join(".cache/tensorflow").join(version);
        let files: Vec<PathBuf> = libs.iter().map(|l| dir.join(l)).collect();
        if !files.iter().all(|f| Path::new(f).is_file()) {
            common::skip(
                "tensorflow_gpu_code_matches_the_cached_wheel_libraries",
                &format!(
                    "TensorFlow {version}'s libraries are not cached under {}",
                    dir.display()
                ),
            );
            continue;
        }
        let (m_codes, m_isa) = measured(&files);
        let (s_codes, s_isa) = stated(&format!("tensorflow=={version}"));
        assert_eq!(s_codes, m_codes, "{version}");
        assert_eq!(
            m_isa.iter().max().map(String::as_str),
            Some(s_isa.as_str()),
            "{version}"
        );
    }
}

/// Whether the bytes of the file at `path` hold `needle`, read 8 MiB at a time (the file is
/// 900 MB), each piece overlapping the last by the needle's length.
fn file_contains(path: &Path, needle: &[u8]) -> bool {
    use std::io::Read as _;
    let mut file = std::fs::File::open(path).unwrap();
    let mut buf = vec![0u8; 8 << 20];
    let mut kept = 0;
    loop {
        let n = file.read(&mut buf[kept..]).unwrap();
        if n == 0 {
            return false;
        }
        let filled = kept + n;
        if buf[..filled].windows(needle.len()).any(|w| w == needle) {
            return true;
        }
        kept = needle.len().saturating_sub(1).min(filled);
        buf.copy_within(filled - kept..filled, 0);
    }
}

/// The DT_NEEDED names of an ELF file, read with the probe's own ELF reader.
fn needed(path: &Path) -> Vec<String> {
    let file = std::fs::File::open(path).unwrap();
    let len = file.metadata().unwrap().len();
    cudoctor_probe::elf::parse_elf_file(&file, len, &path.display().to_string())
        .unwrap()
        .needed
}

/// `[[library_load]]` (data/pytorch.toml) against the libraries of the official torch 2.5.1
/// wheel and of the cuSPARSE wheel it pins (not fetched by default: about 1.1 GB; fetch them
/// with `scripts/fetch-test-artifacts.sh --torch`). What `import torch` loads is the DT_NEEDED
/// closure of `torch/lib/libtorch_global_deps.so` (loaded first by `torch/__init__.py`) and
/// `torch/_C*.so`, followed through the files the cache holds (torch's own and cuSPARSE's; the
/// other NVIDIA libraries, cuDNN or cuBLAS, are names in it but not followed); a family is
/// loaded at the import exactly when its library is in that closure.
#[test]
fn torch_library_loads_match_the_cached_wheel_libraries() {
    let dir = common::repo_root().join(".cache/torch");
    let lib = dir.join("torch/lib");
    let c_ext = std::fs::read_dir(dir.join("torch")).ok().and_then(|d| {
        d.flatten().map(|e| e.path()).find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("_C."))
        })
    });
    let (Some(c_ext), true) = (c_ext, lib.join("libtorch_global_deps.so").is_file()) else {
        common::skip(
            "torch_library_loads_match_the_cached_wheel_libraries",
            &format!(
                "torch 2.5.1's libraries are not cached under {}",
                dir.display()
            ),
        );
        return;
    };
    let cached = |name: &str| -> Option<PathBuf> {
        [lib.join(name), dir.join("nvidia/cusparse/lib").join(name)]
            .into_iter()
            .find(|p| p.is_file())
    };
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut todo = vec![lib.join("libtorch_global_deps.so"), c_ext];
    while let Some(file) = todo.pop() {
        for name in needed(&file) {
            if seen.insert(name.clone()) {
                if let Some(p) = cached(&name) {
                    todo.push(p);
                }
            }
        }
    }
    // The closure reached what the test needs to say anything: torch's CUDA library and cuSPARSE.
    assert!(seen.contains("libtorch_cuda.so"), "{seen:?}");
    assert!(seen.contains("libcusparse.so.12"), "{seen:?}");
    let kb = cudoctor_kb::kb();
    let loads = kb.torch_library_loads();
    assert_eq!(loads.len(), kb.library_packages().len());
    for row in loads {
        let stem = format!("lib{}.so", row.family);
        let in_closure = seen.iter().any(|n| n.starts_with(&stem));
        let at_import = row.loaded == cudoctor_kb::data::TorchLoad::Import;
        assert_eq!(
            in_closure,
            at_import,
            "{}: the kb says {:?}; the import's DT_NEEDED closure {} it ({seen:?})",
            row.family,
            row.loaded,
            if in_closure { "holds" } else { "lacks" }
        );
    }
    // The two opened on first use are named in torch's CUDA library, for dlopen.
    for name in ["libtorch_cuda_linalg.so", "libnvrtc.so."] {
        assert!(
            file_contains(&lib.join("libtorch_cuda.so"), name.as_bytes()),
            "{name}"
        );
    }
    assert!(needed(&lib.join("libtorch_cuda_linalg.so")).contains(&"libcusolver.so.11".to_owned()));
}
