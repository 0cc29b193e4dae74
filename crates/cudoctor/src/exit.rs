//! Exit codes: one typed decision, in one place.
//!
//! `0` the command ran and found no error; `1` the command ran and found at least one error
//! (`check`, `explain`); `2` the tool itself could not run (bad arguments, unreadable input,
//! an unknown version).

use std::process::ExitCode;

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Ran; nothing wrong found.
    Success,
    /// Ran; found at least one error-severity problem.
    Failure,
    /// Could not run.
    Error,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        match status {
            ExitStatus::Success => ExitCode::from(0),
            ExitStatus::Failure => ExitCode::from(1),
            ExitStatus::Error => ExitCode::from(2),
        }
    }
}
