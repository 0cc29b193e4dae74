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

table_file! { GpuFile { gpu: GpuRow } }

rows! {
    /// Every GPU row.
    gpus: [GpuRow] = gpus;
}

// Name normalisation for lookups (see [`crate::gpu`]): the brand words and filler words are
// dropped, then memory and form-factor suffixes; keys are compared without spaces.

/// Brand and filler words that names carry or omit.
const NOISE: &[&str] = &["nvidia", "geforce", "tesla", "gpu"];

/// Series words a bare model number omits (`4090` for `GeForce RTX 4090`).
const SERIES: &[&str] = &["rtx", "gtx", "gt"];

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

/// The normalised forms of one GPU name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NameKey {
    /// Every token but the noise words, without spaces (`rtx3080 12gb` -> `rtx308012gb`).
    pub(crate) full: String,
    /// [`Self::full`] without memory / form-factor suffixes (`rtx3080`).
    pub(crate) core: String,
    /// The tokens of [`Self::core`].
    pub(crate) tokens: Vec<String>,
    /// Whether the name says it is a laptop part (`Laptop`, `Mobile`, `Notebook`, `Max-Q`).
    pub(crate) laptop: bool,
}

impl NameKey {
    /// The key with the laptop words (`laptop`, `mobile`, `notebook`, `max q`, `with ... design`)
    /// removed: the desktop name a laptop name is built on.
    pub(crate) fn without_laptop_words(&self) -> Self {
        let mut out: Vec<&str> = Vec::new();
        let mut i = 0;
        while i < self.tokens.len() {
            let t = self.tokens[i].as_str();
            let next = self.tokens.get(i + 1).map(String::as_str);
            if t == "max" && next == Some("q") {
                i += 2;
                continue;
            }
            if !LAPTOP_WORDS.contains(&t) && !matches!(t, "with" | "design") {
                out.push(t);
            }
            i += 1;
        }
        let joined = out.join(" ");
        keys(&joined)
    }
}

/// Words that mark a laptop part (`Max-Q` also, as the two tokens `max q`).
const LAPTOP_WORDS: [&str; 4] = ["laptop", "mobile", "notebook", "maxq"];

/// The normalised key of a name: case-insensitive, anything but letters and digits counts as a
/// space.
pub(crate) fn keys(name: &str) -> NameKey {
    let cleaned: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let full: Vec<&str> = cleaned
        .split_whitespace()
        .filter(|t| !NOISE.contains(t))
        .collect();
    let core: Vec<&str> = full
        .iter()
        .copied()
        .filter(|t| !is_suffix_token(t))
        .collect();
    // Max-Q is also a workstation design (the RTX PRO 6000 Blackwell Max-Q Workstation
    // Edition, on NVIDIA's RTX PRO pages): a name that says workstation is not a laptop part.
    let workstation = core.contains(&"workstation");
    let laptop = !workstation
        && (core.iter().any(|t| LAPTOP_WORDS.contains(t))
            || core.windows(2).any(|w| w == ["max", "q"]));
    NameKey {
        full: full.concat(),
        core: core.concat(),
        tokens: core.iter().map(|t| (*t).to_owned()).collect(),
        laptop,
    }
}

impl NameKey {
    /// The core tokens without a leading series word (`rtx 4090` -> `4090`): what a bare model
    /// number is compared with.
    pub(crate) fn model_tokens(&self) -> &[String] {
        match self.tokens.first() {
            Some(t) if SERIES.contains(&t.as_str()) => &self.tokens[1..],
            _ => &self.tokens,
        }
    }

    /// Whether the name is a bare model number (`4090`, `3060 Ti`): it starts with a digit.
    pub(crate) fn is_bare_model(&self) -> bool {
        self.tokens
            .first()
            .is_some_and(|t| t.starts_with(|c: char| c.is_ascii_digit()))
    }
}

/// The normalised keys of every row (name and aliases), computed once at load.
pub(crate) fn row_keys(rows: &[GpuRow]) -> Vec<Vec<NameKey>> {
    rows.iter()
        .map(|r| {
            std::iter::once(r.name.as_str())
                .chain(r.aliases.iter().map(String::as_str))
                .map(keys)
                .collect()
        })
        .collect()
}
