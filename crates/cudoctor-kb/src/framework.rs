//! Framework names and `NAME==VERSION` specs.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

use crate::version::FrameworkVersion;

/// A deep-learning framework the knowledge base knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Framework {
    /// TensorFlow (`tensorflow`, `tf`, `tensorflow-gpu`, `tensorflow-cpu`, `tf-nightly`).
    TensorFlow,
    /// PyTorch (`torch`, `pytorch`).
    PyTorch,
    /// JAX (`jax`, `jaxlib`).
    Jax,
}

impl Framework {
    /// Every framework, in display order.
    pub const ALL: [Self; 3] = [Self::TensorFlow, Self::PyTorch, Self::Jax];

    /// The canonical lower-case name used in JSON (`tensorflow`, `pytorch`, `jax`).
    pub fn name(self) -> &'static str {
        match self {
            Self::TensorFlow => "tensorflow",
            Self::PyTorch => "pytorch",
            Self::Jax => "jax",
        }
    }

    /// The project's own spelling (`TensorFlow`, `PyTorch`, `JAX`).
    pub fn display_name(self) -> &'static str {
        match self {
            Self::TensorFlow => "TensorFlow",
            Self::PyTorch => "PyTorch",
            Self::Jax => "JAX",
        }
    }

    /// The pip package that carries GPU support by default.
    pub fn default_package(self) -> &'static str {
        match self {
            Self::TensorFlow => "tensorflow",
            Self::PyTorch => "torch",
            Self::Jax => "jax",
        }
    }

    /// Every accepted name, for error messages.
    pub const ACCEPTED_NAMES: &'static [&'static str] = &[
        "tensorflow",
        "tf",
        "tensorflow-gpu",
        "tensorflow-cpu",
        "tf-nightly",
        "torch",
        "pytorch",
        "jax",
        "jaxlib",
    ];

    /// Parses a name or alias, returning the framework and the package name it denotes.
    pub fn parse_with_package(s: &str) -> Option<(Self, &'static str)> {
        let lower = s.trim().to_ascii_lowercase().replace('_', "-");
        Some(match lower.as_str() {
            "tensorflow" | "tf" => (Self::TensorFlow, "tensorflow"),
            "tensorflow-gpu" => (Self::TensorFlow, "tensorflow-gpu"),
            "tensorflow-cpu" => (Self::TensorFlow, "tensorflow-cpu"),
            "tf-nightly" => (Self::TensorFlow, "tf-nightly"),
            "torch" | "pytorch" => (Self::PyTorch, "torch"),
            "jax" => (Self::Jax, "jax"),
            "jaxlib" => (Self::Jax, "jaxlib"),
            _ => return None,
        })
    }
}

/// A framework name that is not known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown framework `{input}` (known: {})", Framework::ACCEPTED_NAMES.join(", "))]
pub struct UnknownFramework {
    /// The name as given.
    pub input: String,
}

impl FromStr for Framework {
    type Err = UnknownFramework;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_with_package(s)
            .map(|(f, _)| f)
            .ok_or_else(|| UnknownFramework {
                input: s.to_owned(),
            })
    }
}

impl fmt::Display for Framework {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Framework {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// `NAME==VERSION`, e.g. `tensorflow==2.9.0`, `tensorflow==2.9` (the series), `torch==2.4.1+cu121`
/// (one variant), `jax[cuda12]==0.4.30` (one plugin).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    /// The framework.
    pub framework: Framework,
    /// The package named (`tensorflow-cpu`, `torch`, ...).
    pub package: String,
    /// The version, without its local label.
    pub version: FrameworkVersion,
    /// A variant: the PEP 440 local label (`cu121`) or the pip extra (`cuda12`).
    pub variant: Option<String>,
    /// Whether only `MAJOR.MINOR` was given (the whole series).
    pub series_only: bool,
}

/// A spec that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid spec `{input}`: {reason}")]
pub struct SpecParseError {
    /// The spec as given.
    pub input: String,
    /// Why it was rejected.
    pub reason: String,
}

impl FromStr for Spec {
    type Err = SpecParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason: String| SpecParseError {
            input: s.to_owned(),
            reason,
        };
        let Some((name, version)) = s.trim().split_once("==") else {
            return Err(err(
                "expected NAME==VERSION, e.g. `tensorflow==2.9.0`, `torch==2.4.1+cu121`, `jax==0.4.30`"
                    .to_owned(),
            ));
        };
        let (name, extra) = match name.trim().split_once('[') {
            Some((n, rest)) => {
                let extra = rest
                    .strip_suffix(']')
                    .ok_or_else(|| err("the extra after `[` must end with `]`".to_owned()))?;
                (n, Some(extra.trim().to_ascii_lowercase()))
            }
            None => (name.trim(), None),
        };
        let (framework, package) = Framework::parse_with_package(name).ok_or_else(|| {
            err(format!(
                "unknown framework `{}` (known: {})",
                name.trim(),
                Framework::ACCEPTED_NAMES.join(", ")
            ))
        })?;
        let parsed: FrameworkVersion = version
            .trim()
            .parse()
            .map_err(|e: crate::version::VersionParseError| err(e.reason))?;
        let local = parsed.local();
        let variant = match (extra, local) {
            (Some(a), Some(b)) if a != b => {
                return Err(err(format!(
                    "the extra `[{a}]` and the local label `+{b}` name different variants"
                )));
            }
            (a, b) => a.or(b),
        };
        let version = parsed.without_local();
        let p = version.pep440();
        if p.epoch() != 0 {
            // No TensorFlow, PyTorch or JAX release has an epoch; dropping it would answer
            // for another version.
            return Err(err(format!(
                "version `{}` has epoch {}; no {} release carries an epoch (write the version without `{}!`)",
                version,
                p.epoch(),
                framework.display_name(),
                p.epoch()
            )));
        }
        let series_only = version.release().len() == 2
            && p.pre().is_none()
            && p.dev().is_none()
            && p.post().is_none();
        Ok(Self {
            framework,
            package: package.to_owned(),
            version,
            variant,
            series_only,
        })
    }
}

impl fmt::Display for Spec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}=={}", self.package, self.version)?;
        if let Some(v) = &self.variant {
            write!(f, "+{v}")?;
        }
        Ok(())
    }
}

/// PEP 503 normalised project name: lower case, each run of `-`, `_`, `.` one `-`
/// (`Jax_CUDA12.Plugin` -> `jax-cuda12-plugin`). The one normaliser the probe, the index client
/// and the rules share.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut dash = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            dash = true;
        } else {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {

    #[test]
    fn names_normalise_as_pep_503() {
        assert_eq!(normalize_name("Jax_CUDA12.Plugin"), "jax-cuda12-plugin");
        assert_eq!(normalize_name("nvidia__cudnn--cu12"), "nvidia-cudnn-cu12");
        assert_eq!(normalize_name("_torch"), "torch");
    }

    use super::*;

    #[test]
    fn aliases() {
        for (s, f) in [
            ("tf", Framework::TensorFlow),
            ("TensorFlow", Framework::TensorFlow),
            ("tensorflow-gpu", Framework::TensorFlow),
            ("tensorflow_gpu", Framework::TensorFlow),
            ("tensorflow-cpu", Framework::TensorFlow),
            ("pytorch", Framework::PyTorch),
            ("torch", Framework::PyTorch),
            ("jax", Framework::Jax),
            ("jaxlib", Framework::Jax),
        ] {
            assert_eq!(s.parse::<Framework>().unwrap(), f, "{s}");
        }
        let e = "mxnet".parse::<Framework>().unwrap_err();
        assert!(
            e.to_string().starts_with("unknown framework `mxnet`"),
            "{e}"
        );
    }

    #[test]
    fn specs() {
        let s: Spec = "tensorflow==2.9.0".parse().unwrap();
        assert_eq!(s.framework, Framework::TensorFlow);
        assert!(!s.series_only);
        let s: Spec = "tensorflow==2.9".parse().unwrap();
        assert!(s.series_only);
        let s: Spec = "tf==2.9".parse().unwrap();
        assert_eq!(
            (s.framework, s.package.as_str()),
            (Framework::TensorFlow, "tensorflow")
        );
        let s: Spec = "torch==2.4.1+cu121".parse().unwrap();
        assert_eq!(s.framework, Framework::PyTorch);
        assert_eq!(s.variant.as_deref(), Some("cu121"));
        assert_eq!(s.version.to_string(), "2.4.1");
        let s: Spec = "jax[cuda12]==0.4.30".parse().unwrap();
        assert_eq!(
            (s.framework, s.variant.as_deref()),
            (Framework::Jax, Some("cuda12"))
        );
        let s: Spec = " jax == 0.4.30 ".parse().unwrap();
        assert_eq!(s.version.to_string(), "0.4.30");
    }

    #[test]
    fn spec_errors_name_input_and_reason() {
        let e = "tensorflow".parse::<Spec>().unwrap_err();
        assert!(
            e.to_string()
                .starts_with("invalid spec `tensorflow`: expected NAME==VERSION"),
            "{e}"
        );
        let e = "mxnet==1.9".parse::<Spec>().unwrap_err();
        assert!(e.to_string().contains("unknown framework `mxnet`"), "{e}");
        let e = "tensorflow==two".parse::<Spec>().unwrap_err();
        assert!(
            e.to_string()
                .starts_with("invalid spec `tensorflow==two`: "),
            "{e}"
        );
        assert!("torch==".parse::<Spec>().is_err());
        assert!("jax[cuda12==0.4.30".parse::<Spec>().is_err());
        assert!("jax[cuda12]==0.4.30+cuda13".parse::<Spec>().is_err());
        // An epoch is refused, not dropped (it would answer for torch 2.0).
        let e = "torch==1!2.0".parse::<Spec>().unwrap_err();
        assert!(e.to_string().contains("has epoch 1"), "{e}");
    }
}
