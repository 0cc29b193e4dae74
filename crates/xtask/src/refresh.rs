//! Gathering: for every release of the tracked packages, one Linux x86_64 wheel's METADATA
//! facts, and for TensorFlow and PyTorch the `build_info.py` / `version.py` inside it.

use std::collections::BTreeMap;

use cudoctor_pypi::pyfiles::{parse_tf_build_info, parse_torch_version_py};
use cudoctor_pypi::{
    Client, IndexFile, PinFacts, TfBuildInfo, TorchVersionPy, pick_linux_x86_64, pin_facts,
    wheels_by_version,
};

/// The packages `kb-refresh` tracks, in output order.
pub const TRACKED: &[&str] = &[
    "tensorflow",
    "tensorflow-cpu",
    "torch",
    "jax",
    "jaxlib",
    "jax-cuda12-plugin",
    "jax-cuda13-plugin",
    "nvidia-cudnn-cu11",
    "nvidia-cudnn-cu12",
    "nvidia-cudnn-cu13",
    "nvidia-cuda-runtime-cu11",
    "nvidia-cuda-runtime-cu12",
    "nvidia-cuda-runtime",
];

/// TensorFlow's build information inside its wheel.
pub const TF_BUILD_INFO: &str = "tensorflow/python/platform/build_info.py";
/// PyTorch's version module inside its wheel.
pub const TORCH_VERSION_PY: &str = "torch/version.py";

/// What was read for one release.
#[derive(Debug, Clone)]
pub struct ReleaseFacts {
    /// The tracked package.
    pub package: String,
    /// The release version.
    pub version: pep440_rs::Version,
    /// The wheel read.
    pub file: IndexFile,
    /// Its METADATA facts.
    pub pins: Option<PinFacts>,
    /// Its `Provides-Extra` values.
    pub extras: Vec<String>,
    /// Every `Requires-Dist` of its METADATA.
    pub requires: Vec<cudoctor_pypi::Requirement>,
    /// The CPython minors (`3.X`) of the release's Linux x86_64 wheels, lowest first.
    pub cpython_minors: Vec<u32>,
    /// `build_info.py` (tensorflow only), read.
    pub build_info: Option<TfBuildInfo>,
    /// `version.py` (torch only), read.
    pub version_py: Option<TorchVersionPy>,
    /// What could not be read, in words.
    pub errors: Vec<String>,
}

/// The result of one package.
#[derive(Debug, Clone, Default)]
pub struct PackageFacts {
    /// Releases read, oldest first.
    pub releases: Vec<ReleaseFacts>,
    /// Versions with no Linux x86_64 wheel.
    pub skipped: Vec<String>,
    /// The page could not be read.
    pub error: Option<String>,
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// Reads one package. Pre-releases and dev releases are left out (the tables hold finals).
pub fn gather(client: &Client, package: &str, progress: &mut dyn FnMut(&str)) -> PackageFacts {
    let page = match client.project(package) {
        Ok(p) => p,
        Err(e) => {
            return PackageFacts {
                error: Some(chain(&e)),
                ..PackageFacts::default()
            };
        }
    };
    let mut out = PackageFacts::default();
    let by_version = wheels_by_version(&page);
    for (version, wheels) in &by_version {
        if version.any_prerelease() || version.is_local() {
            continue;
        }
        let Some(file) = pick_linux_x86_64(wheels) else {
            out.skipped.push(version.to_string());
            continue;
        };
        progress(&format!("{package} {version}: {}", file.filename));
        let mut rel = ReleaseFacts {
            package: package.to_owned(),
            version: version.clone(),
            file: file.clone(),
            pins: None,
            extras: Vec::new(),
            requires: Vec::new(),
            cpython_minors: {
                let mut m: Vec<u32> = wheels
                    .iter()
                    .filter(|(w, _)| w.is_linux_x86_64())
                    .filter_map(|(w, _)| w.cpython_minor())
                    .collect();
                m.sort_unstable();
                m.dedup();
                m
            },
            build_info: None,
            version_py: None,
            errors: Vec::new(),
        };
        match client.metadata(file) {
            Ok(m) => {
                rel.pins = Some(pin_facts(&m.metadata, &m.provenance));
                rel.extras.clone_from(&m.metadata.provides_extra);
                rel.requires.clone_from(&m.metadata.requires_dist);
            }
            Err(e) => rel.errors.push(format!("METADATA: {}", chain(&e))),
        }
        if package == "tensorflow" {
            match client.member(file, TF_BUILD_INFO) {
                Ok(m) => match parse_tf_build_info(&m.text) {
                    Ok(b) => rel.build_info = Some(b),
                    Err(e) => rel.errors.push(format!("{}: {e}", m.path)),
                },
                Err(cudoctor_pypi::Error::MemberNotFound { .. }) => {}
                Err(e) => rel.errors.push(format!("build_info.py: {}", chain(&e))),
            }
        }
        if package == "torch" {
            match client.member(file, TORCH_VERSION_PY) {
                Ok(m) => match parse_torch_version_py(&m.text) {
                    Ok(v) => rel.version_py = Some(v),
                    Err(e) => rel.errors.push(format!("{}: {e}", m.path)),
                },
                Err(cudoctor_pypi::Error::MemberNotFound { .. }) => {}
                Err(e) => rel.errors.push(format!("version.py: {}", chain(&e))),
            }
        }
        out.releases.push(rel);
    }
    out
}

/// Reads every package asked for (all tracked ones when `packages` is empty).
pub fn gather_all(
    client: &Client,
    packages: &[String],
    progress: &mut dyn FnMut(&str),
) -> BTreeMap<String, PackageFacts> {
    let list: Vec<String> = if packages.is_empty() {
        TRACKED.iter().map(|s| (*s).to_owned()).collect()
    } else {
        packages.to_vec()
    };
    list.into_iter()
        .map(|p| {
            let facts = gather(client, &p, progress);
            (p, facts)
        })
        .collect()
}
