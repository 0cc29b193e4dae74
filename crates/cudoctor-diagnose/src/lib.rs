//! Diagnosis for cudoctor: the rules that turn probed facts, the knowledge base and the targets
//! (what the user means to run) into findings, each with evidence, an explanation, a fix and
//! sources.
//!
//! Every rule is a pure function: it reads a [`Snapshot`] (the loader's answers included), the
//! [`Kb`] and the [`Target`]s, and never touches the filesystem, the environment or the GPU, so
//! every rule is testable with a hand-built snapshot. This crate deliberately does not probe,
//! render text, JSON or markdown, or decide exit codes: those belong to `cudoctor-probe` and the
//! `cudoctor` binary. Compatibility facts come from `cudoctor-kb` only; none are written here.
//!
//! ```no_run
//! # use cudoctor_diagnose::{diagnose, loader_questions, targets_from_snapshot};
//! # fn f(probe: &cudoctor_probe::Probe) -> Result<(), Box<dyn std::error::Error>> {
//! let kb = cudoctor_kb::Kb::embedded().map_err(|e| e.to_string())?;
//! let mut snapshot = probe.snapshot(cudoctor_probe::Collectors::default());
//! let targets = targets_from_snapshot(kb, &snapshot);
//! let questions = loader_questions(&targets, &snapshot);
//! probe.answer(&mut snapshot, &questions);
//! let diagnosis = diagnose(kb, &snapshot, &targets);
//! println!("{}", diagnosis.verdict);
//! # Ok(()) }
//! ```

pub mod finding;
pub mod loader;
pub mod require;
mod rules;
pub mod target;

use cudoctor_facts::snapshot::RootKind;
use cudoctor_facts::snapshot::Snapshot;
use cudoctor_kb::data::Kb;
use serde::Serialize;

pub use finding::{Evidence, Finding, Severity};
pub use loader::{LoadedFile, Resolution, SkippedFile, loader_questions};
pub use target::{
    KbKnowledge, Needs, PythonSupport, Sourced, Target, TargetInfo, target_from_spec,
    targets_from_snapshot,
};

/// The overall outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// No error and no warning.
    Ok,
    /// At least one warning, no error.
    Warning,
    /// At least one error.
    Error,
}

impl Status {
    /// `ok`, `warning`, `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }
}

/// The result of [`diagnose`].
#[derive(Debug, Clone, Serialize)]
pub struct Diagnosis {
    /// `error` when any finding is an error, else `warning` when any is a warning, else `ok`.
    pub status: Status,
    /// One line: `TensorFlow 2.9.0 will not use the GPU: 2 errors, 1 warning`.
    pub verdict: String,
    /// What was checked.
    pub targets: Vec<TargetInfo>,
    /// Sorted by severity (errors first), then id, then title.
    pub findings: Vec<Finding>,
}

impl Diagnosis {
    /// Number of findings of a severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

/// Every rule id, in documentation order (`docs/findings.md`).
pub fn rule_ids() -> Vec<&'static str> {
    let mut ids: Vec<&'static str> = Vec::new();
    for (id, _) in rules::RULES {
        if !ids.contains(id) {
            ids.push(id);
        }
    }
    ids
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// What the evidence does not show, for an `ok` verdict: empty only when a "ready" verdict rests
/// on evidence (a live host whose driver and GPU were seen, targets whose release, CUDA build and
/// libraries are known).
fn not_checked(ctx: &rules::Ctx<'_>) -> Vec<String> {
    use cudoctor_kb::framework::Framework;
    let mut out = Vec::new();
    if ctx.snap.root.kind == RootKind::Host {
        if ctx.driver().is_none() {
            out.push("the driver version is unknown".to_owned());
        }
        if ctx.gpus_present() != Some(true) {
            out.push("no GPU was seen".to_owned());
        }
    } else if ctx.snap.root.kind == RootKind::Image {
        // The driver and GPUs judged are those of the host that will run the image.
        let host = ctx
            .snap
            .image
            .as_ref()
            .map_or("the host", |i| i.host.as_str());
        if ctx.driver().is_none() {
            out.push(format!("the driver version of {host} is unknown"));
        }
        if ctx.gpus_present() != Some(true) {
            out.push(format!("no GPU was seen on {host}"));
        }
    } else {
        out.push(format!(
            "the driver and GPU were not checked ({} root)",
            ctx.snap.root.kind
        ));
    }
    for t in ctx.gpu_targets() {
        let name = t.display();
        let mut unknown = Vec::new();
        if t.version.is_none() {
            unknown.push("version");
        }
        if t.needs.cuda.is_none() {
            unknown.push("CUDA build");
        }
        if t.framework == Framework::TensorFlow && t.needs.sonames.is_none() {
            unknown.push("libraries");
        }
        if !unknown.is_empty() {
            out.push(format!("{name}: its {} unknown", join_is_are(&unknown)));
        }
        if t.version.is_some() && !matches!(t.kb, target::KbKnowledge::Known) {
            out.push(format!("{name} is not in the knowledge base"));
        }
    }
    out
}

/// `version is` / `version and CUDA build are`.
fn join_is_are(items: &[&str]) -> String {
    match items {
        [one] => format!("{one} is"),
        [init @ .., last] => format!("{} and {last} are", init.join(", ")),
        [] => String::new(),
    }
}

/// Runs every rule over the facts and the targets.
///
/// `targets` come from [`target_from_spec`] (one per `--for`) or [`targets_from_snapshot`];
/// empty means "the GPU stack alone" (an info finding then says what `--for` would add).
/// Which file each soname resolves to is read from the snapshot's `loader` section: answer
/// [`loader_questions`] into it first (`cudoctor_probe::Probe::answer`).
pub fn diagnose(kb: &Kb, snapshot: &Snapshot, targets: &[Target]) -> Diagnosis {
    let ctx = rules::Ctx {
        snap: snapshot,
        kb,
        targets,
    };
    let mut findings = rules::run_all(&ctx);
    findings.sort_by(|a, b| {
        (a.severity.rank(), &a.id, &a.title).cmp(&(b.severity.rank(), &b.id, &b.title))
    });
    findings.dedup();
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .count();
    let status = if errors > 0 {
        Status::Error
    } else if warnings > 0 {
        Status::Warning
    } else {
        Status::Ok
    };
    let gpu_targets: Vec<String> = targets
        .iter()
        .filter(|t| t.needs_gpu())
        .map(Target::display)
        .collect();
    let all_targets: Vec<String> = targets.iter().map(Target::display).collect();
    let subject = if !gpu_targets.is_empty() {
        gpu_targets.join(", ")
    } else if !all_targets.is_empty() {
        all_targets.join(", ")
    } else {
        "The GPU stack".to_owned()
    };
    let counts = {
        let mut parts = Vec::new();
        if errors > 0 {
            parts.push(plural(errors, "error"));
        }
        if warnings > 0 {
            parts.push(plural(warnings, "warning"));
        }
        parts.join(", ")
    };
    let not_checked = not_checked(&ctx);
    let verdict = match (status, targets.is_empty()) {
        (Status::Error, false) => format!("{subject} will not use the GPU: {counts}"),
        (Status::Error, true) => format!("The GPU stack is not usable: {counts}"),
        (Status::Warning, false) => format!("{subject} should use the GPU, with {counts}"),
        (Status::Warning, true) => format!("The GPU stack is usable, with {counts}"),
        // "ready" / "usable" only where the evidence shows it; else what was not checked.
        (Status::Ok, false) if not_checked.is_empty() => {
            format!("{subject} is ready to use the GPU")
        }
        (Status::Ok, false) => format!(
            "{subject}: no problem found in the files; {}",
            not_checked.join("; ")
        ),
        (Status::Ok, true) if not_checked.is_empty() => {
            "The GPU stack looks usable (no framework checked)".to_owned()
        }
        (Status::Ok, true) => format!(
            "No problem found in the files (no framework checked); {}",
            not_checked.join("; ")
        ),
    };
    Diagnosis {
        status,
        verdict,
        targets: targets.iter().map(Target::info).collect(),
        findings,
    }
}
