//! Queries over the knowledge base: what a framework release needs
//! ([`Kb::requirements`](crate::Kb::requirements), in `requirements.rs`, built on
//! [`Kb::release_needs`](crate::Kb::release_needs), the typed and sourced needs of each build
//! variant that diagnose lays the installed facts over) and which releases fit a
//! machine ([`Kb::plan`](crate::Kb::plan), in `plan.rs`). Results are serde-serializable and
//! follow the JSON contract of the `requirements` and `plan` commands (`schema_version` 1).
//! The error type and the PTX ISA provenance both use are here.

use crate::framework::Framework;
use crate::gpu::GpuLookupError;
use crate::version::CudaVersion;

/// The JSON schema version of [`Requirements`] and [`Plan`].
pub const SCHEMA_VERSION: u32 = 1;

/// A query that cannot be answered.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The framework version is not in the tables.
    #[error("unknown {} version `{version}`", framework.display_name())]
    UnknownVersion {
        /// Framework.
        framework: Framework,
        /// The version as asked.
        version: String,
        /// The nearest known versions (below and above).
        nearest: Vec<String>,
    },
    /// The release exists but not the variant asked for.
    #[error("{} {version} has no variant `{variant}`", framework.display_name())]
    UnknownVariant {
        /// Framework.
        framework: Framework,
        /// Version.
        version: String,
        /// The variant as asked.
        variant: String,
        /// The variants that exist.
        known: Vec<String>,
    },
    /// The GPU name could not be resolved.
    #[error("resolving the GPU for `plan`")]
    Gpu(#[source] GpuLookupError),
}

impl QueryError {
    /// A one-line hint for the user (nearest versions, known variants, close GPU names).
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::UnknownVersion { nearest, .. } if !nearest.is_empty() => {
                Some(format!("nearest known versions: {}", nearest.join(", ")))
            }
            Self::UnknownVariant { known, .. } => {
                Some(format!("known variants: {}", known.join(", ")))
            }
            Self::Gpu(e) => e.hint(),
            Self::UnknownVersion { .. } => None,
        }
    }
}

mod plan;
mod requirements;

pub use plan::{
    Candidate, Excluded, FrameworkPlan, IndexOffer, Install, Plan, PlanConstraints, PlanQuery,
    Recommendation, Status, WhyChosen, nvcc_target_reason,
};
pub use requirements::{
    CarriedSonames, CudnnRule, KbFact, PythonSupport, Requirements, Soname, VariantNeeds,
    VariantRequirements,
};

/// How a PTX ISA is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PtxIsaProvenance {
    /// Read from the PTX in a wheel's libraries.
    Measured {
        /// The wheel's file name.
        wheel: String,
        /// The wheel's URL.
        source: String,
    },
    /// The PTX ISA that CUDA `cuda`'s nvcc emits (NVIDIA's PTX ISA table), not read from a binary.
    Derived {
        /// The CUDA version the build used.
        cuda: CudaVersion,
    },
}

impl PtxIsaProvenance {
    /// "measured in WHEEL" / "derived from CUDA X.Y (...)".
    pub fn describe(&self) -> String {
        match self {
            Self::Measured { wheel, .. } => format!("measured in {wheel}"),
            Self::Derived { cuda } => format!(
                "derived from CUDA {cuda}: the PTX ISA its nvcc emits, not read from the binaries"
            ),
        }
    }
}

impl crate::Kb {
    /// The newest release of `framework` the embedded tables know *fully*, as a spec's version:
    /// the exact TensorFlow or JAX release, or PyTorch's newest stable series (its table is kept
    /// by series). What a bare `requirements tensorflow` or `check --for torch` means.
    ///
    /// "Fully" means a row of it states both the CUDA and the cuDNN the build was made with:
    /// a newer release whose row leaves them unknown (a JAX plugin read from its wheel metadata
    /// only, such as the `0.12.0.1` post-release) is skipped, so the answer never lands on a
    /// release whose requirements are mostly unknown. TensorFlow rows always state both;
    /// PyTorch counts the variants of a series whose channel is stable (as the release matrix
    /// says it: `stable`, `stable (the PyPI default)`) and whose cuDNN is known; JAX counts the
    /// plugins with `cuda_built` and `cudnn_built`.
    pub fn newest_release(&self, framework: Framework) -> Option<String> {
        match framework {
            Framework::TensorFlow => self
                .tf_releases()
                .iter()
                .map(|r| &r.version)
                .max()
                .map(ToString::to_string),
            Framework::Jax => self
                .jax_plugins()
                .iter()
                .filter(|p| p.cuda_built.is_some() && p.cudnn_built.is_some())
                .map(|p| &p.version)
                .max()
                .map(ToString::to_string),
            Framework::PyTorch => self
                .torch_variants()
                .iter()
                .filter(|v| v.channel.starts_with("stable") && v.cudnn.is_some())
                .map(|v| v.release)
                .max()
                .map(|s| s.to_string()),
        }
    }
}

#[cfg(test)]
mod newest_tests {
    use crate::framework::Framework;

    #[test]
    fn the_newest_release_is_a_known_one() {
        let kb = crate::Kb::embedded().unwrap_or_else(|e| panic!("{e}"));
        for f in [Framework::TensorFlow, Framework::PyTorch, Framework::Jax] {
            let v = kb.newest_release(f).unwrap_or_else(|| panic!("{f:?}"));
            let spec: crate::Spec = format!("{}=={v}", f.default_package())
                .parse()
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(kb.requirements(&spec).is_ok(), "{f:?} {v}");
        }
    }

    /// The newest release is fully read (CUDA and cuDNN of its build known), and no newer
    /// release of the table is.
    #[test]
    fn the_newest_release_is_the_newest_fully_read_one() {
        let kb = crate::Kb::embedded().unwrap_or_else(|e| panic!("{e}"));
        let parse = |v: &str| -> crate::version::FrameworkVersion {
            v.parse().unwrap_or_else(|e| panic!("{v}: {e}"))
        };

        // TensorFlow: every row states both; the newest row.
        let tf = parse(&kb.newest_release(Framework::TensorFlow).unwrap_or_default());
        assert!(kb.tf_releases().iter().any(|r| r.version == tf));
        assert!(kb.tf_releases().iter().all(|r| r.version <= tf));

        // JAX: a plugin of it states both; every newer plugin leaves one unknown. The table has
        // such newer plugins (read from wheel metadata only), so the answer is not simply the max.
        let jax = parse(&kb.newest_release(Framework::Jax).unwrap_or_default());
        let known =
            |p: &&crate::tables::jax::JaxPlugin| p.cuda_built.is_some() && p.cudnn_built.is_some();
        assert!(kb.jax_release(&jax).iter().any(known), "{jax}");
        let newer: Vec<_> = kb
            .jax_plugins()
            .iter()
            .filter(|p| p.version > jax)
            .collect();
        assert!(!newer.is_empty(), "the table has releases newer than {jax}");
        assert!(!newer.iter().any(known), "{jax}");
        assert!(
            kb.jax_plugins()
                .iter()
                .any(|p| p.version.to_string() == "0.12.0.1"),
            "the plugin post-release row is in the table"
        );
        assert_ne!(jax.to_string(), "0.12.0.1");

        // PyTorch: a stable variant of the series states both; no newer stable variant does.
        let torch = kb.newest_release(Framework::PyTorch).unwrap_or_default();
        let stable_known = |v: &&crate::tables::pytorch::TorchVariant| {
            v.channel.starts_with("stable") && v.cudnn.is_some()
        };
        let series: Vec<_> = kb
            .torch_variants()
            .iter()
            .filter(|v| v.release.to_string() == torch)
            .collect();
        assert!(series.iter().any(stable_known), "{torch}");
        let release = series[0].release;
        assert!(
            !kb.torch_variants()
                .iter()
                .filter(|v| v.release > release)
                .any(|v| stable_known(&v)),
            "{torch}"
        );
    }
}
