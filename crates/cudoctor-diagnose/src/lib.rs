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

pub use cudoctor_i18n::msg;

pub mod finding;
pub mod loader;
pub mod require;
mod rules;
pub mod target;

use cudoctor_facts::snapshot::RootKind;
use cudoctor_facts::snapshot::Snapshot;
use cudoctor_kb::data::Kb;
use serde::Serialize;

pub use cudoctor_i18n::{self as i18n, Arg, Lang, Msg};

pub use finding::{Evidence, Finding, Localized, Severity};
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
    /// The verdict's message key and arguments ([`Diagnosis::localized_verdict`]); never
    /// serialized.
    #[serde(skip)]
    pub verdict_l10n: Option<Msg>,
}

impl Diagnosis {
    /// Number of findings of a severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// Every way the verdict's or a finding's text and its message keys disagree (see
    /// [`Finding::l10n_mismatches`]); empty when the catalogs reproduce the English text.
    pub fn l10n_mismatches(&self) -> Vec<String> {
        let mut out = Vec::new();
        match &self.verdict_l10n {
            None => out.push("verdict: no message key".to_owned()),
            Some(m) => {
                if m.render_strict(Lang::En).as_deref() != Some(self.verdict.as_str()) {
                    out.push(format!(
                        "verdict: `{}` renders {:?} in en, the code builds {:?}",
                        m.key,
                        m.render_strict(Lang::En),
                        self.verdict
                    ));
                }
                for lang in Lang::ALL {
                    if m.render_strict(lang).is_none() {
                        out.push(format!("verdict: `{}` is incomplete in {lang}", m.key));
                    }
                }
            }
        }
        for f in &self.findings {
            out.extend(f.l10n_mismatches());
        }
        out
    }

    /// The verdict in `lang` (English: [`Diagnosis::verdict`] as it is).
    pub fn localized_verdict(&self, lang: Lang) -> String {
        match (lang, &self.verdict_l10n) {
            (Lang::En, _) | (_, None) => self.verdict.clone(),
            (_, Some(m)) => cudoctor_i18n::Catalog::get(lang)
                .message(m.key, &m.args)
                .unwrap_or_else(|| self.verdict.clone()),
        }
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

/// What the evidence does not show, for an `ok` verdict: empty only when a "ready" verdict rests
/// on evidence (a live host whose driver and GPU were seen, targets whose release, CUDA build and
/// libraries are known).
fn not_checked(ctx: &rules::Ctx<'_>) -> Vec<Msg> {
    use cudoctor_kb::framework::Framework;
    let mut out = Vec::new();
    if ctx.snap.root.kind == RootKind::Host {
        if ctx.driver().is_none() {
            out.push(msg!("verdict-unchecked-driver"));
        }
        if ctx.gpus_present() != Some(true) {
            out.push(msg!("verdict-unchecked-gpu"));
        }
    } else if ctx.snap.root.kind == RootKind::Image {
        // The driver and GPUs judged are those of the host that will run the image.
        let host = ctx
            .snap
            .image
            .as_ref()
            .map_or("the host", |i| i.host.as_str());
        if ctx.driver().is_none() {
            out.push(msg!("verdict-unchecked-image-driver", host = host));
        }
        if ctx.gpus_present() != Some(true) {
            out.push(msg!("verdict-unchecked-image-gpu", host = host));
        }
    } else {
        out.push(msg!(
            "verdict-unchecked-root",
            root = ctx.snap.root.kind.to_string()
        ));
    }
    for t in ctx.gpu_targets() {
        let name = t.display();
        let mut unknown_keys = Vec::new();
        if t.version.is_none() {
            unknown_keys.push("version");
        }
        if t.needs.cuda.is_none() {
            unknown_keys.push("cuda");
        }
        if t.framework == Framework::TensorFlow && t.needs.sonames.is_none() {
            unknown_keys.push("libraries");
        }
        if !unknown_keys.is_empty() {
            out.push(Msg::new(unknown_key(&unknown_keys)).arg("name", name.clone()));
        }
        if t.version.is_some() && !matches!(t.kb, target::KbKnowledge::Known) {
            out.push(msg!("verdict-unchecked-not-in-kb", name = name.clone()));
        }
    }
    out
}

/// The key of "NAME: its ... unknown" for which of version, CUDA build and libraries are unknown.
fn unknown_key(which: &[&str]) -> &'static str {
    match which {
        ["version"] => "verdict-unchecked-target-version",
        ["cuda"] => "verdict-unchecked-target-cuda",
        ["libraries"] => "verdict-unchecked-target-libraries",
        ["version", "cuda"] => "verdict-unchecked-target-version-cuda",
        ["version", "libraries"] => "verdict-unchecked-target-version-libraries",
        ["cuda", "libraries"] => "verdict-unchecked-target-cuda-libraries",
        _ => "verdict-unchecked-target-version-cuda-libraries",
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
    // The targets the verdict names: those that need the GPU, else all (no targets: the verdict
    // speaks of the GPU stack and names none).
    let subject = if gpu_targets.is_empty() {
        all_targets.join(", ")
    } else {
        gpu_targets.join(", ")
    };
    let verdict_l10n = verdict_msg(
        status,
        targets.is_empty(),
        &subject,
        errors,
        warnings,
        not_checked(&ctx),
    );
    let verdict = verdict_l10n.render(cudoctor_i18n::Lang::En);
    let d = Diagnosis {
        status,
        verdict,
        targets: targets.iter().map(Target::info).collect(),
        findings,
        verdict_l10n: Some(verdict_l10n),
    };
    // Every rule test goes through here: each finding it makes must read the same through the
    // English catalog, and have its messages in every language.
    #[cfg(test)]
    {
        let bad = d.l10n_mismatches();
        assert!(
            bad.is_empty(),
            "catalogs and code disagree:\n{}",
            bad.join("\n")
        );
    }
    d
}

/// The verdict as a message (its English is the JSON's `verdict`). The counts are
/// numbers (plural forms); what was not checked is a list of messages, joined by `verdict-sep`.
fn verdict_msg(
    status: Status,
    no_targets: bool,
    subject: &str,
    errors: usize,
    warnings: usize,
    not_checked: Vec<Msg>,
) -> Msg {
    let subject = Arg::from(subject);
    let counts = msg!("verdict-counts", errors = errors, warnings = warnings);
    let list = |items: Vec<Msg>| -> Arg {
        let mut acc: Option<Msg> = None;
        for m in items {
            acc = Some(match acc {
                None => msg!("verdict-list-one", item = m),
                Some(head) => msg!("verdict-list-more", head = head, item = m),
            });
        }
        Arg::Msg(acc.unwrap_or_else(|| msg!("verdict-list-empty")))
    };
    let clean = not_checked.is_empty();
    match (status, no_targets) {
        (Status::Error, false) => msg!("verdict-error", subject = subject, counts = counts),
        (Status::Error, true) => msg!("verdict-error-stack", counts = counts),
        (Status::Warning, false) => msg!("verdict-warning", subject = subject, counts = counts),
        (Status::Warning, true) => msg!("verdict-warning-stack", counts = counts),
        (Status::Ok, false) if clean => msg!("verdict-ok", subject = subject),
        (Status::Ok, false) => msg!(
            "verdict-ok-unchecked",
            subject = subject,
            unchecked = list(not_checked)
        ),
        (Status::Ok, true) if clean => msg!("verdict-ok-stack"),
        (Status::Ok, true) => msg!("verdict-ok-stack-unchecked", unchecked = list(not_checked)),
    }
}
