//! Collectors: each one reads through a [`crate::Root`], records where every fact
//! came from, and turns failures into `probe_errors` or `*_unknown` reasons.

pub mod container;
pub mod cudnn;
pub mod driver;
pub mod frameworks;
pub mod libraries;
pub mod python;
pub mod toolkit;

use std::path::Path;

use crate::root::{Env, Root, RootError};
use crate::snapshot::ProbeError;

/// Largest text file a collector reads (headers, METADATA, configs are far smaller).
pub const TEXT_LIMIT: usize = 256 * 1024;

/// What every collector gets.
pub struct Ctx<'a> {
    /// The filesystem.
    pub root: &'a Root,
    /// The environment.
    pub env: &'a Env,
    /// Failures so far.
    pub errors: Vec<ProbeError>,
    /// Per site-packages: wheel file (relative path) -> the `.dist-info` that installed it.
    pub wheel_records: std::collections::HashMap<
        std::path::PathBuf,
        std::collections::HashMap<String, std::path::PathBuf>,
    >,
}

impl<'a> Ctx<'a> {
    /// A context over a root and environment.
    pub fn new(root: &'a Root, env: &'a Env) -> Self {
        Self {
            root,
            env,
            errors: Vec::new(),
            wheel_records: std::collections::HashMap::new(),
        }
    }

    /// Records a failure.
    pub fn error(&mut self, collector: &str, path: Option<&Path>, message: impl Into<String>) {
        self.errors.push(ProbeError {
            collector: collector.to_owned(),
            path: path.map(|p| p.display().to_string()),
            message: message.into(),
        });
    }

    /// Reads a text file: `Ok(None)` when it does not exist, `Err(reason)` when it exists but
    /// cannot be read (the reason is also recorded as a probe error).
    pub fn read_optional(
        &mut self,
        collector: &str,
        path: &Path,
    ) -> Result<Option<String>, String> {
        match self.root.read_text(path, TEXT_LIMIT) {
            Ok(t) => Ok(Some(t)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => {
                let reason = e.reason();
                self.error(collector, Some(path), reason.clone());
                Err(reason)
            }
        }
    }
}

/// `path` as a display string.
pub fn show(path: &Path) -> String {
    path.display().to_string()
}

/// Error reason helper.
pub fn reason(e: &RootError) -> String {
    e.reason()
}

/// A short, printable excerpt of unparsable input for messages: the first line, at most 60
/// characters, with control characters and undecodable bytes shown as `?`.
pub fn snippet(text: &str) -> String {
    let line = text.trim().lines().next().unwrap_or("");
    let mut out: String = line
        .chars()
        .take(60)
        .map(|c| {
            if c.is_control() || c == '\u{fffd}' {
                '?'
            } else {
                c
            }
        })
        .collect();
    if line.chars().count() > 60 {
        out.push_str("...");
    }
    out
}
