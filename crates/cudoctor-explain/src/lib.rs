//! Known GPU-stack error signatures and a streaming matcher that finds them in logs.
//!
//! The signatures (TensorFlow, PyTorch, JAX, the NVIDIA driver and NVML, Docker and the NVIDIA
//! Container Toolkit, cuDNN, NCCL, XLA) are data: `data/signatures.toml`, embedded and compiled
//! once. Each cites a public source and quotes real log lines, which the tests match. [`scan`]
//! reads any [`BufRead`] once, in bounded memory whatever the input size (lines longer than
//! [`BUFFER_SIZE`] are scanned in overlapping segments), runs an Aho-Corasick prefilter over
//! whole buffers and the regexes only on the lines it hits, and groups repeats, keeps captured
//! values and orders causes before the errors they explain.
//!
//! This crate deliberately does not look at the machine: linking a log line to `check` findings of
//! a root or snapshot, rendering, and opening files named on the command line belong to the CLI.

pub mod kb;
mod keyline;
mod prefilter;
mod scan;
mod signature;

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

pub use kb::Fact;
pub use scan::{
    BUFFER_SIZE, Lang, MAX_DISTINCT_VALUES, MAX_LINES_PER_MATCH, MAX_VALUE_LEN, Match,
    PARALLEL_MIN_REGION, SEGMENT_OVERLAP, ScanOptions, ScanReport,
};
pub use signature::{
    ContextRule, SIGNATURES_TOML, Signature, find_signature, prefilter_literals, signatures,
};

use std::io::BufRead;

/// Errors of this crate. Messages name the operation and the input in backticks.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    /// Reading the log failed.
    #[error("reading log `{input}`")]
    Read {
        /// The input as the caller named it (a path, or `-` for stdin).
        input: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Opening the log failed.
    #[error("opening log `{input}`")]
    Open {
        /// The path.
        input: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The log path is a directory.
    #[error("reading log `{input}`: it is a directory, not a file")]
    IsDirectory {
        /// The path.
        input: String,
    },
    /// The embedded signature data is broken (ruled out by the crate's tests).
    #[error("loading the embedded signature data `{path}`: {reason}")]
    Signatures {
        /// The data file.
        path: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
}

/// Scan a log in one pass and return every known error in it. Errors name the input as `<reader>`;
/// use [`scan_named`] to give it a name.
pub fn scan<R: BufRead>(reader: R) -> Result<ScanReport, ExplainError> {
    scan_named(reader, "<reader>")
}

/// Like [`scan`], with `input` (a path, or `-` for stdin) named in errors.
pub fn scan_named<R: BufRead>(reader: R, input: &str) -> Result<ScanReport, ExplainError> {
    scan_with(reader, input, ScanOptions::default())
}

/// Like [`scan_named`], with explicit [`ScanOptions`].
pub fn scan_with<R: BufRead>(
    reader: R,
    input: &str,
    options: ScanOptions,
) -> Result<ScanReport, ExplainError> {
    let compiled = signature::compiled().map_err(|reason| ExplainError::Signatures {
        path: signature::SIGNATURES_PATH,
        reason,
    })?;
    scan::Scanner::new(compiled, options).run(reader, input)
}

/// Open `path` and scan it. A directory is reported as [`ExplainError::IsDirectory`].
pub fn scan_path(path: &Path) -> Result<ScanReport, ExplainError> {
    let input = path.display().to_string();
    let file = File::open(path).map_err(|source| ExplainError::Open {
        input: input.clone(),
        source,
    })?;
    let meta = file.metadata().map_err(|source| ExplainError::Open {
        input: input.clone(),
        source,
    })?;
    if meta.is_dir() {
        return Err(ExplainError::IsDirectory { input });
    }
    scan_named(BufReader::new(file), &input)
}

/// The JSON contract of `cudoctor explain --format json`, minus the `findings` the CLI adds.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExplainJson<'a> {
    /// Always 1.
    pub schema_version: u32,
    /// The matches, causes first.
    pub matches: &'a [Match],
}

impl ScanReport {
    /// The report in the contract's JSON shape (`{"schema_version":1,"matches":[...]}`).
    pub fn to_json(&self) -> ExplainJson<'_> {
        ExplainJson {
            schema_version: 1,
            matches: &self.matches,
        }
    }
}
