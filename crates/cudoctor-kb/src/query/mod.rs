//! Queries over the knowledge base: what a framework release needs
//! ([`Kb::requirements`](crate::Kb::requirements), in `requirements.rs`) and which releases fit a
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
    Candidate, Excluded, FrameworkPlan, IndexOffer, Plan, PlanConstraints, PlanQuery, Status,
    nvcc_target_reason,
};
pub use requirements::{Requirements, VariantRequirements};

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
    /// The newest release of `framework` the embedded tables know, as a spec's version: the
    /// exact TensorFlow or JAX release, or PyTorch's newest stable series (its table is kept by
    /// series). What a bare `requirements tensorflow` or `check --for torch` means.
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
                .map(|p| &p.version)
                .max()
                .map(ToString::to_string),
            Framework::PyTorch => self
                .torch_variants()
                .iter()
                .filter(|v| v.channel == "stable")
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
}
