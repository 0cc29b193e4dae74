//! From a release's METADATA to requirement facts: the `nvidia-*` pins say which CUDA major a
//! wheel is for, the lowest (or exact) CUDA runtime and cuDNN it accepts, and `Requires-Python`
//! its Python floor. Pure functions; the caller passes where the METADATA came from.

use std::str::FromStr;

use pep440_rs::{Operator, Version, VersionSpecifiers};
use serde::{Deserialize, Serialize};

use crate::metadata::{Metadata, Requirement};

/// Where a METADATA text was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The wheel's file name.
    pub filename: String,
    /// The URL the METADATA came from (`<wheel>.metadata`, or the wheel when read from its zip).
    pub url: String,
    /// The wheel's sha256 as the index states it.
    pub wheel_sha256: Option<String>,
    /// How it was read: `pep658` (the `.metadata` file) or `zip` (range reads of the wheel).
    pub via: String,
}

impl Provenance {
    /// The source string a row or a message quotes:
    /// `PyPI metadata of NAME VERSION (URL, sha256 HEX)`.
    pub fn source(&self, name: &str, version: &str) -> String {
        match &self.wheel_sha256 {
            Some(h) => format!(
                "PyPI metadata of {name} {version} ({}, sha256 {h})",
                self.url
            ),
            None => format!("PyPI metadata of {name} {version} ({})", self.url),
        }
    }
}

/// One `nvidia-*` requirement, read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NvidiaPin {
    /// Project name (normalised: `nvidia-cudnn-cu12`).
    pub package: String,
    /// The component without the CUDA suffix (`cudnn`, `cuda-runtime`).
    pub component: String,
    /// The CUDA major from the `-cuNN` suffix; `None` for the unsuffixed CUDA 13 names.
    pub cuda_suffix: Option<u32>,
    /// The specifiers as written.
    pub specifiers: String,
    /// The extra that gates it (`with-cuda`), if any.
    pub extra: Option<String>,
    /// The lowest version accepted (from `==`, `>=`, `~=`, `>`), when stated.
    pub minimum: Option<String>,
    /// Whether the pin is exact (`==X`).
    pub exact: bool,
    /// The exclusive upper bound (`<X`), when stated.
    pub below: Option<String>,
}

/// What a release's pins and Requires-Python say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinFacts {
    /// Project name (METADATA `Name`).
    pub name: String,
    /// Release version (METADATA `Version`).
    pub version: String,
    /// `Requires-Python`, as written.
    pub requires_python: Option<String>,
    /// The lowest Python `X.Y` from `Requires-Python` (`>=3.8.0` -> `3.8`).
    pub python_min: Option<String>,
    /// The exclusive upper Python bound (`<3.13` -> `3.13`), when stated.
    pub python_below: Option<String>,
    /// The CUDA major the pins are for (`-cu12` suffixes, or the runtime pin's major).
    pub cuda_major: Option<u32>,
    /// The CUDA runtime pin (`nvidia-cuda-runtime[-cuNN]`), read.
    pub cuda_runtime: Option<NvidiaPin>,
    /// CUDA `X.Y` from the runtime pin's lowest version (`==12.4.127` -> `12.4`).
    pub cuda: Option<String>,
    /// Whether `cuda` is exact (an `==` pin) rather than a minimum.
    pub cuda_exact: bool,
    /// The cuDNN pin (`nvidia-cudnn-cuNN`), read.
    pub cudnn: Option<NvidiaPin>,
    /// Every `nvidia-*` requirement, in METADATA order.
    pub pins: Vec<NvidiaPin>,
    /// `PyPI metadata of NAME VERSION (URL, sha256 ...)`.
    pub source: String,
}

/// Reads one requirement as an `nvidia-*` pin (`None` for other projects).
pub fn nvidia_pin(req: &Requirement) -> Option<NvidiaPin> {
    let package = crate::simple::normalize_name(&req.name);
    let rest = package.strip_prefix("nvidia-")?;
    let (component, cuda_suffix) = match cudoctor_kb::split_cuda_suffix(rest) {
        Some((c, n)) => (c.to_owned(), Some(n)),
        None => (rest.to_owned(), None),
    };
    let (mut minimum, mut exact, mut below) = (None, false, None);
    if let Ok(specs) = VersionSpecifiers::from_str(&req.specifiers) {
        for s in specs.iter() {
            let v = s.version().to_string();
            match s.operator() {
                Operator::Equal | Operator::ExactEqual => {
                    minimum = Some(v);
                    exact = true;
                }
                Operator::GreaterThanEqual | Operator::TildeEqual | Operator::GreaterThan
                    if !exact =>
                {
                    minimum = Some(v);
                }
                Operator::LessThan => below = Some(v),
                _ => {}
            }
        }
    }
    Some(NvidiaPin {
        package,
        component,
        cuda_suffix,
        specifiers: req.specifiers.clone(),
        extra: req.extra(),
        minimum,
        exact,
        below,
    })
}

/// `X.Y` of a version string (`12.4.127` -> `12.4`, `9` -> `9`).
pub fn major_minor(v: &str) -> String {
    v.split('.').take(2).collect::<Vec<_>>().join(".")
}

/// The Python floor and upper bound from a `Requires-Python` value.
pub fn python_bounds(requires_python: &str) -> (Option<String>, Option<String>) {
    let Ok(specs) = VersionSpecifiers::from_str(requires_python) else {
        return (None, None);
    };
    let (mut min, mut below) = (None::<Version>, None::<Version>);
    for s in specs.iter() {
        match s.operator() {
            Operator::GreaterThanEqual
            | Operator::TildeEqual
            | Operator::Equal
            | Operator::EqualStar => {
                min = Some(s.version().clone());
            }
            Operator::LessThan => below = Some(s.version().clone()),
            _ => {}
        }
    }
    let mm = |v: Version| major_minor(&v.to_string());
    (min.map(mm), below.map(mm))
}

/// The requirement facts of one release's METADATA.
pub fn pin_facts(metadata: &Metadata, provenance: &Provenance) -> PinFacts {
    let pins: Vec<NvidiaPin> = metadata
        .requires_dist
        .iter()
        .filter_map(nvidia_pin)
        .collect();
    let cuda_runtime = pins.iter().find(|p| p.component == "cuda-runtime").cloned();
    let cudnn = pins.iter().find(|p| p.component == "cudnn").cloned();
    let cuda = cuda_runtime
        .as_ref()
        .and_then(|p| p.minimum.as_deref())
        .map(major_minor);
    let cuda_major = pins.iter().find_map(|p| p.cuda_suffix).or_else(|| {
        cuda.as_deref()
            .and_then(|c| c.split('.').next()?.parse().ok())
    });
    let (python_min, python_below) = metadata
        .requires_python
        .as_deref()
        .map_or((None, None), python_bounds);
    PinFacts {
        name: metadata.name.clone(),
        version: metadata.version.clone(),
        requires_python: metadata.requires_python.clone(),
        python_min,
        python_below,
        cuda_major,
        cuda_exact: cuda_runtime.as_ref().is_some_and(|p| p.exact),
        cuda,
        cuda_runtime,
        cudnn,
        pins,
        source: provenance.source(&metadata.name, &metadata.version),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::parse_metadata;

    fn prov() -> Provenance {
        Provenance {
            filename: "x.whl".into(),
            url: "https://files.example/x.whl".into(),
            wheel_sha256: Some("abc".into()),
            via: "zip".into(),
        }
    }

    #[test]
    fn jax_cuda12_plugin_0_12_0_1() {
        let m = parse_metadata(include_str!(
            "../tests/data/jax_cuda12_plugin-0.12.0.1.METADATA.txt"
        ))
        .expect("parses");
        let f = pin_facts(&m, &prov());
        assert_eq!(f.cuda_major, Some(12));
        assert_eq!(f.cuda.as_deref(), Some("12.1"));
        assert!(!f.cuda_exact);
        let cudnn = f.cudnn.expect("cudnn pin");
        assert_eq!(cudnn.minimum.as_deref(), Some("9.10.2.21"));
        assert_eq!(cudnn.below.as_deref(), Some("10.0"));
        assert_eq!(cudnn.extra.as_deref(), Some("with-cuda"));
        assert_eq!(f.python_min.as_deref(), Some("3.12"));
        assert_eq!(
            f.source,
            "PyPI metadata of jax-cuda12-plugin 0.12.0.1 (https://files.example/x.whl, sha256 abc)"
        );
    }

    #[test]
    fn jax_cuda13_plugin_unsuffixed_runtime() {
        let m = parse_metadata(include_str!(
            "../tests/data/jax_cuda13_plugin-0.8.0.METADATA.txt"
        ))
        .expect("parses");
        let f = pin_facts(&m, &prov());
        assert_eq!(f.cuda.as_deref(), Some("13.0"));
        assert_eq!(f.cuda_runtime.as_ref().map(|p| p.cuda_suffix), Some(None));
        assert_eq!(
            f.cudnn.and_then(|p| p.minimum).as_deref(),
            Some("9.12.0.46")
        );
        assert_eq!(f.cuda_major, Some(13));
    }

    #[test]
    fn torch_2_5_1_is_cu124() {
        let m =
            parse_metadata(include_str!("../tests/data/torch-2.5.1.METADATA.txt")).expect("parses");
        let f = pin_facts(&m, &prov());
        assert_eq!(f.cuda.as_deref(), Some("12.4"));
        assert!(f.cuda_exact);
        assert_eq!(
            f.cudnn.as_ref().and_then(|p| p.minimum.as_deref()),
            Some("9.1.0.70")
        );
        assert!(f.cudnn.is_some_and(|p| p.exact));
        assert_eq!(f.python_min.as_deref(), Some("3.8"));
    }

    #[test]
    fn no_pins_and_bad_specifiers() {
        let m = parse_metadata(include_str!("../tests/data/tensorflow-2.9.0.METADATA.txt"))
            .expect("parses");
        let f = pin_facts(&m, &prov());
        assert!(f.pins.is_empty() && f.cuda.is_none() && f.cuda_major.is_none());
        assert_eq!(f.python_min.as_deref(), Some("3.7"));
        assert_eq!(
            python_bounds(">=3.9,<3.13"),
            (Some("3.9".into()), Some("3.13".into()))
        );
        assert_eq!(python_bounds("garbage"), (None, None));
        let r = Requirement::parse("nvidia-cudnn-cu12 (>=x.y)").expect("parses");
        let p = nvidia_pin(&r).expect("an nvidia pin");
        assert_eq!(p.minimum, None);
        assert!(nvidia_pin(&Requirement::parse("numpy>=1").expect("parses")).is_none());
    }
}
