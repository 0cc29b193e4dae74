//! The loader emulation's answers as facts: which file `dlopen("libX.so.N")` resolves to, every
//! candidate considered and why, and the questions they answer. The probe computes them
//! (`cudoctor_probe::ldso`); the snapshot keeps them; diagnose reads them.

use serde::{Deserialize, Serialize};

/// Which search step produced a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// The name contains a `/`: loaded as a path.
    Path,
    /// Preloaded by a framework from `site-packages/nvidia/*/lib`.
    FrameworkPreload,
    /// `DT_RPATH`.
    Rpath,
    /// `LD_LIBRARY_PATH`.
    LdLibraryPath,
    /// `DT_RUNPATH`.
    Runpath,
    /// `/etc/ld.so.cache`.
    LdSoCache,
    /// A default directory.
    DefaultDir,
}

/// What happened to a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// This is the file the loader would load.
    Taken,
    /// Usable, but an earlier candidate wins.
    Shadowed,
    /// No such file.
    Missing,
    /// A 32-bit file for a 64-bit process or the reverse.
    WrongElfClass,
    /// Another architecture.
    WrongMachine,
    /// A symlink to nothing.
    DanglingLink,
    /// A symlink loop.
    SymlinkLoop,
    /// Not an ELF file, or a broken one.
    NotElf,
    /// Exists but cannot be read.
    Unreadable,
}

/// One file considered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    /// The path tried (inside the root).
    pub path: String,
    /// The step that tried it.
    pub step: Step,
    /// What happened.
    pub outcome: Outcome,
    /// The file behind the links, when it exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub real_path: Option<String>,
    /// More detail (the ELF found, the error).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The answer for one soname.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    /// The name asked for.
    pub soname: String,
    /// The object doing the loading, if given.
    pub from: Option<String>,
    /// The ELF class required (32 or 64).
    pub class: u8,
    /// The ELF machine required.
    pub machine: u16,
    /// The file that would be loaded.
    pub chosen: Option<Candidate>,
    /// Every candidate, in search order.
    pub candidates: Vec<Candidate>,
    /// Caveats (unreadable requester, unparsable cache, ...).
    pub notes: Vec<String>,
    /// `None`: the search a plain process does. `Some(prefix)`: the search a framework in that
    /// Python environment does, preloading its `site-packages/nvidia/*/lib` first (PyTorch, JAX).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preload_environment: Option<String>,
}

/// A question for the loader emulation: which file `soname` resolves to for a plain process
/// (`preload_environment: None`), or for a framework in that Python environment that preloads
/// its pip NVIDIA libraries. Answers are kept in [`Snapshot::loader`]; diagnose reads them there.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LoaderQuestion {
    /// The name passed to `dlopen`.
    pub soname: String,
    /// The Python environment (prefix) whose `site-packages/nvidia/*/lib` are preloaded.
    pub preload_environment: Option<String>,
}

impl LoaderQuestion {
    /// Whether `answer` is the answer to this question.
    pub fn is_answered_by(&self, answer: &Resolution) -> bool {
        answer.soname == self.soname
            && answer.from.is_none()
            && answer.preload_environment == self.preload_environment
    }

    /// The answer to this question among `answers`, if there is one.
    pub fn answer_in<'a>(&self, answers: &'a [Resolution]) -> Option<&'a Resolution> {
        answers.iter().find(|r| self.is_answered_by(r))
    }
}
