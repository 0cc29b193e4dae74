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

// Name normalisation for lookups (see [`crate::gpu`]): the brand words, then memory and
// form-factor suffixes, are dropped.

/// Brand words that names carry or omit.
const BRANDS: &[&str] = &["nvidia", "geforce", "tesla"];

fn is_suffix_token(t: &str) -> bool {
    let gb = t
        .strip_suffix("gb")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    gb || t.starts_with("sxm")
        || t == "pcie"
        || t == "pci"
        || t == "nvl"
        || (t.starts_with("hbm") && t[3..].bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// `(full, core)` normalised keys of a name.
pub(crate) fn keys(name: &str) -> (String, String) {
    let lower = name.to_lowercase();
    let cleaned: String = lower
        .chars()
        .map(|c| {
            if matches!(c, '-' | '_' | '(' | ')' | ',' | '/') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let full: Vec<&str> = cleaned
        .split_whitespace()
        .filter(|t| !BRANDS.contains(t))
        .collect();
    let core: Vec<&str> = full
        .iter()
        .copied()
        .filter(|t| !is_suffix_token(t))
        .collect();
    (full.join(" "), core.join(" "))
}

/// The normalised keys of every row (name and aliases), computed once at load.
pub(crate) fn row_keys(rows: &[GpuRow]) -> Vec<Vec<(String, String)>> {
    rows.iter()
        .map(|r| {
            std::iter::once(r.name.as_str())
                .chain(r.aliases.iter().map(String::as_str))
                .map(keys)
                .collect()
        })
        .collect()
}
