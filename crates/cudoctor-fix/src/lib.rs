//! Register the NVIDIA container runtime with Docker (`daemon.json`) and containerd
//! (`config.toml`), the edit `nvidia-ctk runtime configure` makes, as a format-preserving plan
//! that can be shown as a diff before it is written.
//!
//! The planning functions ([`plan_docker_runtime`], [`plan_containerd`]) are pure: text in, a
//! [`Plan`] out. `daemon.json` is edited by byte span, so every other key, its order, the
//! indentation and the newlines stay as they were; `config.toml` is edited with `toml_edit`, which
//! keeps comments and order. [`apply`] is the one writer: it refuses a file that changed since it
//! was planned, keeps a backup, and replaces the file atomically (temporary file in the same
//! directory, fsync, rename, fsync of the directory). [`find_docker_configs`] says which
//! `daemon.json` the running daemon reads.
//!
//! It does not restart a daemon, run `nvidia-ctk`, or install anything.

mod containerd;
mod find;
mod json;
mod write;

use std::path::PathBuf;

pub use containerd::{ContainerdOpts, plan_containerd};
pub use find::{
    Candidate, DAEMON_JSON, ROOTLESS_DAEMON_JSON, SNAP_DAEMON_JSON, find_docker_configs,
    find_runtime,
};
pub use json::{DockerOpts, plan_docker_runtime};
#[doc(hidden)]
pub use write::apply_with_hook;
pub use write::{Applied, apply};

/// The runtime's name in both configs.
pub const RUNTIME_NAME: &str = "nvidia";

/// The NVIDIA container runtime's executable.
pub const RUNTIME_BINARY: &str = "nvidia-container-runtime";

/// A planned edit of one config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The text as read.
    pub old: String,
    /// The text to write.
    pub new: String,
    /// Whether `new` differs from `old` (false: the file is already right).
    pub changed: bool,
    /// What the plan noticed or corrected, for the user.
    pub notes: Vec<String>,
}

/// Why a plan or a write failed.
#[derive(Debug, thiserror::Error)]
pub enum FixError {
    #[error("invalid JSON at line {line}, column {column}")]
    InvalidJson {
        line: usize,
        column: usize,
        #[source]
        source: serde_json::Error,
    },
    #[error("{what} is not a JSON object (line {line}, column {column})", what = if *what == "the top level" { (*what).to_owned() } else { format!("`{what}`") })]
    NotAnObject {
        what: &'static str,
        line: usize,
        column: usize,
    },
    #[error("cannot read the JSON structure at line {line}, column {column}")]
    Scan { line: usize, column: usize },
    #[error("invalid TOML at line {line}, column {column}")]
    InvalidToml {
        line: usize,
        column: usize,
        #[source]
        source: toml_edit::TomlError,
    },
    #[error("`{key}` is not a TOML table")]
    NotATable { key: String },
    #[error("`{path}` changed since it was read; nothing was written")]
    Changed { path: PathBuf },
    #[error("cannot {op} `{path}`")]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "cannot give `{tmp}` the owner of `{path}` (uid {uid}, gid {gid}); nothing was written"
    )]
    Owner {
        tmp: PathBuf,
        path: PathBuf,
        uid: u32,
        gid: u32,
        #[source]
        source: std::io::Error,
    },
}

impl FixError {
    /// The line and column a parse error points at.
    pub fn line_col(&self) -> Option<(usize, usize)> {
        match self {
            FixError::InvalidJson { line, column, .. }
            | FixError::NotAnObject { line, column, .. }
            | FixError::Scan { line, column }
            | FixError::InvalidToml { line, column, .. } => Some((*line, *column)),
            _ => None,
        }
    }
}

/// Whether a configured runtime path `have` is as good as `want`: the same, or the bare name
/// that the daemon resolves on its own `PATH` (what `nvidia-ctk` writes), or, when we could not
/// find the runtime ourselves, any path to an executable of that name.
pub(crate) fn path_is_ok(have: &str, want: &str) -> bool {
    have == want
        || have == RUNTIME_BINARY
        || (want == RUNTIME_BINARY && have.ends_with(&format!("/{RUNTIME_BINARY}")))
}

/// A unified diff of `old` to `new` with `--- a/PATH` / `+++ b/PATH` headers (a leading `/` of
/// an absolute path is dropped, as git writes it); empty when they are equal.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let shown = path.trim_start_matches('/');
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{shown}"), &format!("b/{shown}"))
        .to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn diff_headers() {
        let d = unified_diff("/etc/docker/daemon.json", "{}\n", "{\n}\n");
        assert!(
            d.starts_with("--- a/etc/docker/daemon.json\n+++ b/etc/docker/daemon.json\n@@"),
            "{d}"
        );
        assert_eq!(unified_diff("x", "a", "a"), "");
    }

    #[test]
    fn paths() {
        assert!(path_is_ok(
            "nvidia-container-runtime",
            "/usr/bin/nvidia-container-runtime"
        ));
        assert!(path_is_ok(
            "/usr/local/bin/nvidia-container-runtime",
            "nvidia-container-runtime"
        ));
        assert!(!path_is_ok(
            "/usr/bin/runc",
            "/usr/bin/nvidia-container-runtime"
        ));
        assert!(!path_is_ok(
            "/opt/old/nvidia-container-runtime",
            "/usr/bin/nvidia-container-runtime"
        ));
    }
}
