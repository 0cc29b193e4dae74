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
