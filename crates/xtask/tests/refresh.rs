//! The refresher over the recorded fixtures (`tests/fixtures/pypi`, written once by
//! `cargo run -p xtask -- kb-record`): offline, no network, nothing written.

use std::collections::BTreeMap;
use std::path::Path;

use cudoctor_pypi::{Client, Config};
use xtask::compare::compare;
use xtask::refresh::{PackageFacts, TRACKED, gather_all};

fn offline_client() -> Client {
    let mut c = Config::new(cudoctor_pypi::config::PYPI_SIMPLE);
    c.offline = true;
    c.cache_dir = Some(xtask::fixture_dir());
    Client::new(c)
}

fn facts() -> BTreeMap<String, PackageFacts> {
    gather_all(&offline_client(), &[], &mut |_| {})
}

fn sizes(dir: &Path, out: &mut Vec<(String, u64)>) {
    for e in std::fs::read_dir(dir).expect("fixture dir") {
        let e = e.expect("entry");
        let meta = e.metadata().expect("metadata");
        if meta.is_dir() {
            sizes(&e.path(), out);
        } else {
            out.push((e.path().display().to_string(), meta.len()));
        }
    }
}

#[test]
fn fixtures_stay_small() {
    let mut files = Vec::new();
    sizes(&xtask::fixture_dir(), &mut files);
    let total: u64 = files.iter().map(|(_, n)| n).sum();
    assert!(total < 5 << 20, "fixtures total {total} bytes");
    for (name, n) in &files {
        assert!(*n < 1 << 20, "{name} is {n} bytes");
    }
}

#[test]
fn every_tracked_package_replays_offline_without_errors() {
    let facts = facts();
    for p in TRACKED {
        let pf = facts.get(*p).expect("tracked package");
        assert!(pf.error.is_none(), "{p}: {:?}", pf.error);
        assert!(!pf.releases.is_empty(), "{p}: no releases");
        for r in &pf.releases {
            assert!(r.errors.is_empty(), "{p} {}: {:?}", r.version, r.errors);
            assert!(r.pins.is_some(), "{p} {}: no METADATA", r.version);
        }
    }
}

#[test]
fn the_recorded_facts_are_the_artifacts_words() {
    let facts = facts();
    let find = |p: &str, v: &str| {
        facts[p]
            .releases
            .iter()
            .find(|r| r.version.to_string() == v)
            .unwrap_or_else(|| panic!("{p} {v} not recorded"))
            .clone()
    };
    // torch 2.5.1's PyPI wheel is cu124: version.py and the runtime pin say so.
    let t = find("torch", "2.5.1");
    let vp = t.version_py.expect("version.py");
    assert_eq!(vp.cuda.as_deref(), Some("12.4"));
    assert_eq!(vp.version.as_deref(), Some("2.5.1+cu124"));
    let pins = t.pins.expect("pins");
    assert_eq!(pins.cuda.as_deref(), Some("12.4"));
    assert!(pins.cuda_exact);
    // jax-cuda13-plugin 0.8.0 needs cuDNN >= 9.12.0.46.
    let j = find("jax-cuda13-plugin", "0.8.0");
    let cudnn = j.pins.expect("pins").cudnn.expect("cudnn pin");
    assert_eq!(cudnn.minimum.as_deref(), Some("9.12.0.46"));
    // TensorFlow 2.9.0's build_info.py.
    let tf = find("tensorflow", "2.9.0");
    let bi = tf.build_info.expect("build_info.py");
    assert_eq!(bi.cuda_version.as_deref(), Some("11.2"));
    assert_eq!(
        bi.cuda_compute_capabilities.expect("caps"),
        ["sm_35", "sm_50", "sm_60", "sm_70", "sm_75", "compute_80"]
    );
    // Every source names the wheel's URL and sha256.
    assert!(tf.file.sha256.is_some());
    let src = find("jax-cuda12-plugin", "0.12.0.1")
        .pins
        .expect("pins")
        .source;
    assert!(
        src.starts_with(
            "PyPI metadata of jax-cuda12-plugin 0.12.0.1 (https://files.pythonhosted.org/"
        ) && src.contains(", sha256 "),
        "{src}"
    );
}

#[test]
fn refresh_reproduces_the_embedded_data() {
    let facts = facts();
    let kb = cudoctor_kb::Kb::embedded().expect("embedded kb");
    let c = compare(kb, &facts);
    let lines: Vec<String> = c
        .findings
        .iter()
        .map(xtask::compare::Finding::line)
        .collect();
    assert!(
        lines.is_empty(),
        "{} disagreements between PyPI (recorded) and the embedded data:\n{}",
        lines.len(),
        lines.join("\n")
    );
}

#[test]
fn a_release_newer_than_the_data_answers_offline_from_the_fixtures() {
    let r = offline_client()
        .release("jax-cuda12-plugin", "0.12.0.1")
        .expect("recorded");
    assert_eq!(r.facts.cuda_major, Some(12));
    assert_eq!(r.facts.cuda.as_deref(), Some("12.1"));
    let cudnn = r.facts.cudnn.expect("cudnn pin");
    assert_eq!(cudnn.minimum.as_deref(), Some("9.10.2.21"));
    assert_eq!(cudnn.below.as_deref(), Some("10.0"));
    assert_eq!(r.facts.python_min.as_deref(), Some("3.12"));
    // Not recorded: an error that says offline, never a guess.
    let err = offline_client()
        .release("jax-cuda12-plugin", "99.0")
        .expect_err("absent");
    assert!(
        err.to_string().contains("no wheel of release 99.0"),
        "{err}"
    );
}
