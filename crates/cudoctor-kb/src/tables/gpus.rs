//! GPU models and their compute capability (`data/gpus.toml`). Resolving a name as tools print
//! it is [`crate::gpu`]'s job ([`crate::Kb::gpu_by_name`],
//! [`crate::Kb::compute_capability_of`]).

use serde::{Deserialize, Serialize};

use crate::version::ComputeCapability;

/// A GPU model (`data/gpus.toml`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GpuRow {
    /// NVIDIA's name.
    pub name: String,
    /// Compute capability; `None` = unknown.
    pub cc: Option<ComputeCapability>,
    /// Architecture label.
    pub architecture: String,
    /// Market segment.
    pub segment: String,
    /// Other names.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Confidence.
    pub confidence: String,
    /// Note.
    pub note: Option<String>,
    /// How a value of the row was computed rather than read from its source (absent: read).
    pub derived: Option<String>,
    /// Source.
    pub source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct GpuFile {
    pub(super) gpu: Vec<GpuRow>,
}

rows! {
    /// Every GPU row.
    gpus: [GpuRow] = gpus;
}
