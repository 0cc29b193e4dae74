//! Collectors: each one reads through a [`crate::Root`], records where every fact
//! came from, and turns failures into `probe_errors` or `*_unknown` reasons.

pub mod active_python;
pub mod container;
pub mod cudnn;
pub mod driver;
pub mod frameworks;
pub mod libraries;
pub mod python;
pub mod pyvenv;
pub mod system;
pub mod toolkit;

use std::path::Path;

use crate::root::{Env, Root};
use crate::snapshot::ProbeError;

/// Largest text file a collector reads (headers, METADATA, configs are far smaller).
pub const TEXT_LIMIT: usize = crate::limits::TEXT_FILE_BYTES;

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
    /// Directory listings already read, by the path asked ([`Ctx::listing`]).
    listings:
        std::collections::HashMap<std::path::PathBuf, std::sync::Arc<[crate::root::DirEntry]>>,
}

impl<'a> Ctx<'a> {
    /// A context over a root and environment.
    pub fn new(root: &'a Root, env: &'a Env) -> Self {
        Self {
            root,
            env,
            errors: Vec::new(),
            wheel_records: std::collections::HashMap::new(),
            listings: std::collections::HashMap::new(),
        }
    }

    /// The listing of `dir` ([`Root::read_dir_or_empty`](crate::root::Root::read_dir_or_empty)),
    /// read once per probe: `/usr/bin` holds thousands of names, and both the `$PATH` scan and
    /// the `/usr` environment look into it.
    pub fn listing(&mut self, dir: &Path) -> std::sync::Arc<[crate::root::DirEntry]> {
        if let Some(l) = self.listings.get(dir) {
            return l.clone();
        }
        let l: std::sync::Arc<[crate::root::DirEntry]> = self.root.read_dir_or_empty(dir).into();
        self.listings.insert(dir.to_path_buf(), l.clone());
        l
    }

    /// Takes in what a context used on another thread gathered: its failures, wheel records
    /// and listings.
    pub fn absorb(&mut self, other: Ctx<'_>) {
        self.errors.extend(other.errors);
        for (site, records) in other.wheel_records {
            self.wheel_records.entry(site).or_insert(records);
        }
        for (dir, listing) in other.listings {
            self.listings.entry(dir).or_insert(listing);
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
        self.read_whole_optional(collector, path, TEXT_LIMIT, "TEXT_FILE_BYTES")
    }
}

impl Ctx<'_> {
    /// Like [`Ctx::read_optional`], but the file is read whole, up to `limit` bytes: a longer
    /// file is an error naming the cap (`cap`), never a prefix taken for the whole.
    pub fn read_whole_optional(
        &mut self,
        collector: &str,
        path: &Path,
        limit: usize,
        cap: &'static str,
    ) -> Result<Option<String>, String> {
        match self.root.read_text(path, limit, cap) {
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

/// `v` when it is two or three numeric parts separated by dots (`3.10.12`, `2.31`).
pub fn dotted_version(v: &str) -> Option<String> {
    let parts: Vec<&str> = v.split('.').collect();
    ((2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())))
    .then(|| v.to_owned())
}

/// `path` as a display string.
pub fn show(path: &Path) -> String {
    path.display().to_string()
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

/// The GPU code of several files, united: what the fatbinary headers of each one hold.
#[derive(Debug, Default)]
pub struct UnitedGpuCode {
    /// Every code found (`sm_80`, `compute_90`, ...), sorted, no duplicates.
    pub codes: std::collections::BTreeSet<cudoctor_kb::version::GpuCode>,
    /// The files read, each as `` `path` ``.
    pub read: Vec<String>,
    /// The files that are not there, each as `` `path` ``.
    pub missing: Vec<String>,
    /// The files there but unreadable, each as the reason naming the file.
    pub problems: Vec<String>,
}

impl UnitedGpuCode {
    /// Reads the CUDA fatbinary headers of every file in `files` (paths inside `root`) and
    /// unites their code. Never runs or loads anything; a file that cannot be read is a
    /// problem with its reason, not an error.
    pub fn read(root: &Root, files: &[std::path::PathBuf]) -> Self {
        let mut out = Self::default();
        for file in files {
            let shown = show(file);
            // Opened through the root (relative to its held descriptor), never by a host path.
            let file = match root.open_file(file) {
                Ok((f, _)) => f,
                Err(e) if e.is_not_found() => {
                    out.missing.push(format!("`{shown}`"));
                    continue;
                }
                Err(e) => {
                    out.problems.push(e.reason());
                    continue;
                }
            };
            match file.archs(Path::new(&shown)) {
                Ok(archs) => {
                    out.codes.extend(archs.gpu_code());
                    out.read.push(format!("`{shown}`"));
                }
                Err(e) => out.problems.push(archs_reason(&e)),
            }
        }
        out
    }

    /// The codes as strings, in order.
    pub fn code_strings(&self) -> Vec<String> {
        self.codes.iter().map(ToString::to_string).collect()
    }

    /// `CUDA fatbinary headers of `a`, `b`{note}; not read: ...` (`None` when no file was
    /// read). `note` follows the file list.
    pub fn source(&self, note: &str) -> Option<String> {
        if self.read.is_empty() {
            return None;
        }
        let mut source = format!("CUDA fatbinary headers of {}{note}", self.read.join(", "));
        if !self.problems.is_empty() {
            source.push_str("; not read: ");
            source.push_str(&self.problems.join("; "));
        }
        Some(source)
    }
}

/// A fatbinary reader's error as a reason for an `*_unknown` field: the whole cause chain,
/// with the file named by its path inside the root (the reader is given that name).
fn archs_reason(e: &cudoctor_fatbin::ArchsError) -> String {
    let mut msg = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        msg.push_str(": ");
        msg.push_str(&c.to_string());
        cause = c.source();
    }
    msg
}
