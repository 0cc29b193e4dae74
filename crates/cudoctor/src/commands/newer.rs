//! A release the embedded data lacks: its facts read from the package index (the same reader as
//! `xtask kb-refresh`), never guessed. `requirements` asks here when the knowledge base does not
//! know the version; `--offline` (or `CUDOCTOR_OFFLINE=1`) keeps it off the network, answering
//! from the cache of earlier lookups only.
//!
//! What the index can say: `Requires-Python` and the `nvidia-*` pins of the release's METADATA
//! (CUDA runtime, cuDNN), and for TensorFlow its `build_info.py` (CUDA, cuDNN major, GPU code),
//! for PyTorch its `torch/version.py` (CUDA). What it cannot say (the documented driver minimum,
//! the sonames a release opens) stays unknown, and the answer says so.

use cudoctor_kb::data::TfComputeCapabilities;
use cudoctor_kb::version::CudaVersion;
use cudoctor_kb::{Framework, Kb, Requirements, Spec, VariantRequirements};
use cudoctor_pypi::{Client, Config, PinFacts};

/// Why the index gave no answer: the message, the newest release the data knows, and the command
/// that would answer.
#[derive(Debug)]
pub struct NotAnswered {
    /// What happened (offline, no such release, the index's error).
    pub reason: String,
    /// The newest release of the framework in the embedded data.
    pub newest_known: Option<String>,
}

/// The index configuration of this environment (`PIP_INDEX_URL`, `UV_INDEX_URL`, proxies, the
/// XDG cache), offline when asked.
pub fn config(offline: bool) -> Config {
    let mut c = Config::from_env();
    c.offline =
        offline || std::env::var("CUDOCTOR_OFFLINE").is_ok_and(|v| !v.is_empty() && v != "0");
    c
}

/// The newest release of `framework` the embedded data lists.
pub fn newest_known(kb: &Kb, framework: Framework) -> Option<String> {
    kb.newest_listed(framework).map(|v| v.to_string())
}

/// What release `spec` needs, from the index.
pub fn requirements(kb: &Kb, spec: &Spec, config: Config) -> Result<Requirements, NotAnswered> {
    let client = Client::new(config);
    let version = spec.version.to_string();
    let fail = |reason: String| NotAnswered {
        reason,
        newest_known: newest_known(kb, spec.framework),
    };
    let mut variants = Vec::new();
    match spec.framework {
        Framework::Jax => {
            let mut errors = Vec::new();
            for (variant, package) in [
                ("cuda12", "jax-cuda12-plugin"),
                ("cuda13", "jax-cuda13-plugin"),
            ] {
                match client.release(package, &version) {
                    Ok(r) => variants.push(jax_variant(kb, variant, &r.facts)),
                    Err(e) => errors.push(format!("{package}: {e}")),
                }
            }
            if variants.is_empty() {
                return Err(fail(errors.join("; ")));
            }
        }
        Framework::PyTorch => {
            let r = client
                .release("torch", &version)
                .map_err(|e| fail(e.to_string()))?;
            // torch/version.py names the CUDA of the wheel where the pins do not (CUDA 13
            // wheels pin `cuda-toolkit`, not `nvidia-cuda-runtime-cu13`).
            let cuda_py = client
                .member(&r.file, "torch/version.py")
                .ok()
                .and_then(|m| cudoctor_pypi::pyfiles::parse_torch_version_py(&m.text).ok())
                .and_then(|v| v.cuda);
            variants.push(torch_variant(kb, &r.facts, cuda_py.as_deref()));
        }
        Framework::TensorFlow => {
            let r = client
                .release(&spec.package, &version)
                .map_err(|e| fail(e.to_string()))?;
            let bi = client
                .member(&r.file, "tensorflow/python/platform/build_info.py")
                .map_err(|e| fail(format!("build_info.py of {} {version}: {e}", spec.package)))?;
            let info = cudoctor_pypi::pyfiles::parse_tf_build_info(&bi.text).map_err(|e| {
                fail(format!(
                    "build_info.py of {} {version} ({}): {e}",
                    spec.package, bi.wheel_url
                ))
            })?;
            variants.push(tf_variant(kb, &r.facts, &info, &bi.wheel_url));
        }
    }
    Ok(Requirements {
        schema_version: cudoctor_kb::query::SCHEMA_VERSION,
        framework: spec.framework,
        package: spec.package.clone(),
        version: version.clone(),
        variants,
        notes: vec![format!(
            "{} {version} is not in the embedded knowledge base (newest known: {}); the facts below are read from the package index",
            spec.framework.display_name(),
            newest_known(kb, spec.framework).unwrap_or_else(|| "none".to_owned())
        )],
    })
}

fn base(name: &str, facts: &PinFacts) -> VariantRequirements {
    let mut v = VariantRequirements {
        name: name.to_owned(),
        ..VariantRequirements::default()
    };
    v.sources.push(facts.source.clone());
    v.notes.push(format!("from the {}", facts.source));
    match &facts.python_min {
        Some(p) => v.python = vec![format!(">={p}")],
        None => v
            .unknown
            .push("the Python versions (no Requires-Python)".to_owned()),
    }
    if let Some(c) = &facts.cudnn {
        let range = match (&c.minimum, &c.below) {
            (Some(lo), Some(hi)) if c.exact => format!("=={lo} (below {hi})"),
            (Some(lo), _) if c.exact => format!("=={lo}"),
            (Some(lo), Some(hi)) => format!(">={lo}, <{hi}"),
            (Some(lo), None) => format!(">={lo}"),
            (None, Some(hi)) => format!("<{hi}"),
            (None, None) => c.specifiers.clone(),
        };
        v.cudnn_accepted = Some(format!("{range} ({} pin)", c.package));
        if c.exact {
            v.cudnn.clone_from(&c.minimum);
        }
    }
    v
}

/// The driver minimums of CUDA `cuda` from the CUDA table.
fn fill_driver(kb: &Kb, v: &mut VariantRequirements, cuda: CudaVersion) {
    match kb.driver_requirement(cuda) {
        Some(req) => {
            v.driver_min = req.toolkit_min.map(ToString::to_string);
            v.driver_min_compat = req.compat_min().map(ToString::to_string);
            for s in req.sources() {
                if !v.sources.contains(&s) {
                    v.sources.push(s);
                }
            }
        }
        None => v
            .unknown
            .push(format!("the driver of CUDA {cuda} (not in the CUDA table)")),
    }
    if v.driver_min.is_none() {
        v.unknown.push("the minimum driver".to_owned());
    }
}

fn jax_variant(kb: &Kb, name: &str, facts: &PinFacts) -> VariantRequirements {
    let mut v = base(name, facts);
    v.unknown
        .push("the CUDA and cuDNN versions it was built with".to_owned());
    v.unknown.push("the minimum compute capability".to_owned());
    match facts
        .cuda
        .as_deref()
        .and_then(|c| c.parse::<CudaVersion>().ok())
    {
        Some(cuda) => {
            v.cuda_min = Some(cuda.to_string());
            v.notes.push(format!(
                "works with CUDA >= {cuda} (its nvidia-cuda-runtime pin); pip installs the newest matching nvidia-* wheels"
            ));
            // The pins say which CUDA major the plugin runs on; minor-version compatibility
            // gives the lowest driver for that major (NVIDIA's rule, in the CUDA table).
            if let Some(req) = kb.driver_requirement(cuda) {
                v.driver_min_compat = req.compat_min().map(ToString::to_string);
                v.notes.push(format!(
                    "driver (minor-version compat.) is derived: the CUDA {}.x minor-version compatibility minimum; the release's documented driver minimum was not read",
                    cuda.major()
                ));
            }
            v.unknown.push("the documented minimum driver".to_owned());
        }
        None => v
            .unknown
            .push("the CUDA version (no runtime pin)".to_owned()),
    }
    v
}

fn torch_variant(kb: &Kb, facts: &PinFacts, cuda_py: Option<&str>) -> VariantRequirements {
    let cuda = cuda_py
        .or(facts.cuda.as_deref())
        .and_then(|c| c.parse::<CudaVersion>().ok());
    let name = cuda.map_or_else(
        || "default".to_owned(),
        |c| format!("cu{}{}", c.major(), c.minor()),
    );
    let mut v = base(&name, facts);
    v.pypi_default = Some(true);
    match cuda {
        Some(c) => {
            v.cuda = Some(c.major_minor().to_string());
            fill_driver(kb, &mut v, c);
        }
        None => v
            .unknown
            .push("the CUDA version (no runtime pin and no torch/version.py cuda)".to_owned()),
    }
    if v.cudnn.is_none() {
        v.unknown.push("the bundled cuDNN".to_owned());
    }
    v.unknown
        .push("the GPU code in the wheels (TORCH_CUDA_ARCH_LIST; `cudoctor archs` on its libtorch_cuda.so reads it)".to_owned());
    v
}

fn tf_variant(
    kb: &Kb,
    facts: &PinFacts,
    info: &cudoctor_pypi::TfBuildInfo,
    wheel_url: &str,
) -> VariantRequirements {
    let mut v = base("default", facts);
    let src = format!("{wheel_url} (tensorflow/python/platform/build_info.py)");
    v.sources.push(src);
    match info
        .cuda_version
        .as_deref()
        .and_then(|c| c.parse::<CudaVersion>().ok())
    {
        Some(c) => {
            v.cuda = Some(c.to_string());
            fill_driver(kb, &mut v, c);
            if let Some(isa) = kb.ptx_isa_for_cuda(c) {
                v.ptx_isa = Some(isa.to_string());
                v.ptx_isa_source = Some(format!(
                    "derived from CUDA {c}: the PTX ISA its nvcc emits, not read from the binaries"
                ));
            }
        }
        None => v
            .unknown
            .push("the CUDA version (build_info.py has none)".to_owned()),
    }
    match &info.cudnn_version {
        Some(n) => v
            .notes
            .push(format!("build_info.py records cuDNN {n} (the major only)")),
        None => v.unknown.push("the cuDNN version".to_owned()),
    }
    match info
        .cuda_compute_capabilities
        .as_ref()
        .map(|l| TfComputeCapabilities::parse(l.iter().map(String::as_str)))
    {
        Some(Ok(list)) => {
            v.compute_capabilities = list.codes().iter().map(ToString::to_string).collect();
            v.build_compute_capabilities = list.entries().to_vec();
        }
        Some(Err(e)) => v.unknown.push(format!("the GPU code: {e}")),
        None => v.unknown.push("the GPU code".to_owned()),
    }
    v.unknown
        .push("the sonames this release dlopens".to_owned());
    v
}

/// At most this many releases newer than the data are read per framework for `plan`.
const NEWER_RELEASES: usize = 3;

/// `plan`'s offers for the releases of `framework` newer than the embedded data: the index's
/// final releases after the newest known one (at most [`NEWER_RELEASES`], newest first), each
/// read as `requirements` reads it. `Ok((offers, note))`, the note saying what was added;
/// `Err(why)` when the index could not be read.
pub fn newer_offers(
    kb: &Kb,
    framework: Framework,
    config: &Config,
) -> Result<(Vec<cudoctor_kb::IndexOffer>, Option<String>), String> {
    use cudoctor_kb::IndexOffer;
    use cudoctor_kb::version::FrameworkVersion;
    let (package, spec_name) = match framework {
        Framework::TensorFlow => ("tensorflow", "tensorflow"),
        Framework::PyTorch => ("torch", "torch"),
        Framework::Jax => ("jax-cuda12-plugin", "jax"),
    };
    let newest: Option<FrameworkVersion> = newest_known(kb, framework).and_then(|n| n.parse().ok());
    let client = Client::new(config.clone());
    let page = client.project(package).map_err(|e| e.to_string())?;
    let mut versions: Vec<FrameworkVersion> = cudoctor_pypi::wheels_by_version(&page)
        .keys()
        .filter(|v| !v.any_prerelease() && v.post().is_none())
        .filter_map(|v| v.to_string().parse::<FrameworkVersion>().ok())
        .filter(|v| newest.as_ref().is_none_or(|n| v > n))
        .collect();
    versions.sort();
    versions.reverse();
    versions.truncate(NEWER_RELEASES);
    let mut offers = Vec::new();
    let mut read = Vec::new();
    for v in &versions {
        let Ok(spec) = format!("{spec_name}=={v}").parse::<Spec>() else {
            continue;
        };
        let Ok(req) = requirements(kb, &spec, config.clone()) else {
            continue;
        };
        read.push(v.to_string());
        for var in &req.variants {
            offers.push(IndexOffer {
                framework,
                version: v.clone(),
                variant: var.name.clone(),
                package: match framework {
                    Framework::Jax => format!("jax[{}]", var.name),
                    _ => spec.package.clone(),
                },
                // JAX states only the lowest CUDA it runs with.
                cuda: var
                    .cuda
                    .as_deref()
                    .or(var.cuda_min.as_deref())
                    .and_then(|c| c.parse().ok()),
                cudnn: var.cudnn.clone(),
                python_min: var
                    .python
                    .first()
                    .and_then(|p| p.strip_prefix(">="))
                    .and_then(|p| p.parse().ok()),
                codes: (!var.compute_capabilities.is_empty()).then(|| {
                    var.compute_capabilities
                        .iter()
                        .filter_map(|c| c.parse().ok())
                        .collect()
                }),
                source: var
                    .sources
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "package index".to_owned()),
            });
        }
    }
    let note = (!read.is_empty()).then(|| {
        format!(
            "{} {} newer than the embedded data (newest known: {}): read from the package index",
            framework.display_name(),
            read.join(", "),
            newest.map_or_else(|| "none".to_owned(), |n| n.to_string())
        )
    });
    Ok((offers, note))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn facts(metadata: &str) -> PinFacts {
        let m = cudoctor_pypi::metadata::parse_metadata(metadata).unwrap();
        cudoctor_pypi::pin_facts(
            &m,
            &cudoctor_pypi::Provenance {
                filename: "x.whl".into(),
                url: "https://files.example/x.whl".into(),
                wheel_sha256: None,
                via: "zip".into(),
            },
        )
    }

    /// torch 2.5.1's real pins (its PyPI METADATA): the variant is named from the CUDA of
    /// torch/version.py, the bundled cuDNN is the exact pin, the driver comes from the CUDA table.
    #[test]
    fn torch_from_its_pins_and_version_py() {
        let f = facts(
            "Metadata-Version: 2.1\nName: torch\nVersion: 2.5.1\nRequires-Python: >=3.8.0\nRequires-Dist: nvidia-cuda-runtime-cu12 (==12.4.127) ; platform_system == \"Linux\" and platform_machine == \"x86_64\"\nRequires-Dist: nvidia-cudnn-cu12 (==9.1.0.70) ; platform_system == \"Linux\" and platform_machine == \"x86_64\"\n",
        );
        let v = torch_variant(cudoctor_kb::kb(), &f, Some("12.4"));
        assert_eq!(v.name, "cu124");
        assert_eq!(v.cuda.as_deref(), Some("12.4"));
        assert_eq!(v.cudnn.as_deref(), Some("9.1.0.70"));
        assert_eq!(v.python, [">=3.8"]);
        assert!(v.driver_min.is_some() && v.driver_min_compat.as_deref() == Some("525.60.13"));
        // Without version.py the runtime pin names the CUDA.
        assert_eq!(torch_variant(cudoctor_kb::kb(), &f, None).name, "cu124");
    }

    /// TF 2.9.0's real build_info.py: compute_80 expands to sm_80 + compute_80; the cuDNN
    /// major alone is a note, never a version; the sonames stay unknown.
    #[test]
    fn tensorflow_from_build_info() {
        let f = facts(
            "Metadata-Version: 2.1\nName: tensorflow\nVersion: 2.9.0\nRequires-Python: >=3.7\n",
        );
        let info = cudoctor_pypi::pyfiles::parse_tf_build_info(
            "build_info = collections.OrderedDict([('cuda_compute_capabilities', ['sm_35', 'sm_50', 'sm_60', 'sm_70', 'sm_75', 'compute_80']), ('cuda_version', '11.2'), ('cudnn_version', '8'), ('is_cuda_build', True)])\n",
        )
        .unwrap();
        let v = tf_variant(cudoctor_kb::kb(), &f, &info, "https://files.example/tf.whl");
        assert_eq!(v.cuda.as_deref(), Some("11.2"));
        assert_eq!(v.driver_min.as_deref(), Some("460.27.03"));
        assert_eq!(
            v.compute_capabilities,
            [
                "sm_35",
                "sm_50",
                "sm_60",
                "sm_70",
                "sm_75",
                "sm_80",
                "compute_80"
            ]
        );
        assert!(
            v.cudnn.is_none()
                && v.notes
                    .iter()
                    .any(|n| n.contains("cuDNN 8 (the major only)"))
        );
        assert!(v.unknown.iter().any(|u| u.contains("sonames")));
    }

    /// A JAX plugin without a runtime pin (0.4.25's) says the CUDA is unknown, never a guess.
    #[test]
    fn jax_without_a_runtime_pin_is_unknown() {
        let f = facts(
            "Metadata-Version: 2.1\nName: jax-cuda12-plugin\nVersion: 0.4.25\nRequires-Python: >=3.9\n",
        );
        let v = jax_variant(cudoctor_kb::kb(), "cuda12", &f);
        assert!(v.cuda_min.is_none() && v.driver_min_compat.is_none());
        assert!(
            v.unknown.iter().any(|u| u.contains("no runtime pin")),
            "{:?}",
            v.unknown
        );
    }
}
