//! `cudoctor check`: probe (or load a snapshot), decide the targets, run the rules, report.

use cudoctor_probe::snapshot::RootKind;
use std::fmt::Write as _;

use cudoctor_diagnose::{
    Diagnosis, KbKnowledge, Severity, diagnose, target_from_spec, targets_from_snapshot,
};
use cudoctor_kb::{Spec, kb};
use cudoctor_probe::Snapshot;
use serde::Serialize;

use crate::cli::{CheckArgs, Format, SourceArgs};
use crate::printer::{Printer, Tone};
use crate::{Ctx, ExitStatus, error, to_json};

/// The `check --format json` document.
#[derive(Serialize)]
pub struct CheckJson<'a> {
    pub schema_version: u32,
    pub status: &'static str,
    pub verdict: &'a str,
    pub targets: &'a [cudoctor_diagnose::TargetInfo],
    pub findings: &'a [cudoctor_diagnose::Finding],
    pub facts: &'a Snapshot,
}

pub fn run(ctx: Ctx, args: &CheckArgs) -> anyhow::Result<ExitStatus> {
    let escape = ctx.format != Format::Json;
    let (snap, diagnosis) = diagnosis(&args.source, &args.targets, args.offline, escape)?;
    let status = if diagnosis.count(Severity::Error) > 0 {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    };
    let text = if args.quiet {
        if ctx.format == Format::Json {
            to_json(&serde_json::json!({
                "schema_version": 1,
                "status": diagnosis.status.as_str(),
                "verdict": diagnosis.verdict,
            }))?
        } else {
            format!("{}\n", diagnosis.verdict)
        }
    } else {
        match ctx.format {
            Format::Json => to_json(&CheckJson {
                schema_version: 1,
                status: diagnosis.status.as_str(),
                verdict: &diagnosis.verdict,
                targets: &diagnosis.targets,
                findings: &diagnosis.findings,
                facts: &snap,
            })?,
            Format::Text => render_text(&diagnosis, ctx.out),
            Format::Markdown => render_markdown(&diagnosis, &snap),
        }
    };
    ctx.out.out(&text);
    Ok(status)
}

/// Facts plus the diagnosis for `specs` (or the frameworks installed there).
/// A `--for` release the embedded data lacks is read from the package index ([`super::newer`])
/// unless `offline`.
/// With `escape`, every string of the facts is made terminal-safe first ([`crate::term`]), so the
/// findings built from them are too (for text and Markdown; JSON stays exact).
pub fn diagnosis(
    source: &SourceArgs,
    specs: &[String],
    offline: bool,
    escape: bool,
) -> anyhow::Result<(Snapshot, Diagnosis)> {
    let mut facts = crate::source::Facts::open(source)?;
    let targets = targets(specs, &facts.snapshot, offline)?;
    // The answers `probe` records (the installed frameworks'), and the targets': the facts are
    // then the same document `probe --for` saves, and `check --snapshot` of it agrees.
    if !specs.is_empty() {
        facts.answer_for(&targets_from_snapshot(kb(), &facts.snapshot));
    }
    facts.answer_for(&targets);
    let mut snap = facts.snapshot;
    if escape {
        snap = crate::term::escaped(&snap)?;
    }
    let diagnosis = diagnose(kb(), &snap, &targets);
    Ok((snap, diagnosis))
}

/// The targets `specs` name (`--for`), or every framework installed in `snap` when there are
/// none. A `--for` release the embedded data lacks is read from the package index
/// ([`super::newer`]) unless `offline`.
pub fn targets(
    specs: &[String],
    snap: &Snapshot,
    offline: bool,
) -> anyhow::Result<Vec<cudoctor_diagnose::Target>> {
    let kb = kb();
    let mut targets = Vec::new();
    for s in specs {
        let spec: Spec = s.parse().map_err(|e: cudoctor_kb::SpecParseError| {
            error::hinted(
                e.to_string(),
                "write NAME==VERSION, e.g. `--for tensorflow==2.9.0`, `--for torch==2.4.1+cu121`",
            )
        })?;
        let mut t = target_from_spec(kb, &spec, snap);
        if !matches!(t.kb, KbKnowledge::Known) && !spec.series_only {
            fill_from_index(&mut t, &spec, offline);
        }
        targets.push(t);
    }
    if specs.is_empty() {
        targets = targets_from_snapshot(kb, snap);
    }
    // `--for tf==2.9.0 --for tensorflow==2.9.0` name one target.
    let mut seen = std::collections::BTreeSet::new();
    targets.retain(|t| seen.insert((t.display(), t.package.clone(), t.environment.clone())));
    Ok(targets)
}

fn severity_tone(s: Severity) -> Tone {
    match s {
        Severity::Error => Tone::Error,
        Severity::Warning => Tone::Warning,
        Severity::Info => Tone::Info,
    }
}

pub fn render_text(d: &Diagnosis, p: Printer) -> String {
    let mut out = String::new();
    let tone = match d.status {
        cudoctor_diagnose::Status::Ok => Tone::Ok,
        cudoctor_diagnose::Status::Warning => Tone::Warning,
        cudoctor_diagnose::Status::Error => Tone::Error,
    };
    out.push_str(&p.paint(tone, &d.verdict));
    out.push('\n');
    if !d.targets.is_empty() {
        let _ = writeln!(
            out,
            "{} {}",
            p.paint(Tone::Dim, "checked:"),
            d.targets
                .iter()
                .map(|t| format!("{} [{}]", t.name, t.origin))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    for sev in [Severity::Error, Severity::Warning, Severity::Info] {
        for f in d.findings.iter().filter(|f| f.severity == sev) {
            out.push('\n');
            let _ = writeln!(
                out,
                "{}   {}",
                p.paint(severity_tone(sev), &format!("{}[{}]", sev.as_str(), f.id)),
                p.paint(Tone::Bold, &f.title)
            );
            for line in wrap(&f.explanation, 94) {
                let _ = writeln!(out, "  {line}");
            }
            if !f.evidence.is_empty() {
                let _ = writeln!(out, "  {}", p.paint(Tone::Dim, "evidence:"));
                for e in &f.evidence {
                    let _ = writeln!(out, "    - {}: {}  ({})", e.fact, e.value, e.source);
                }
            }
            if !f.fix.is_empty() {
                let _ = writeln!(out, "  {}", p.paint(Tone::Ok, "fix:"));
                for x in &f.fix {
                    let _ = writeln!(out, "    - {x}");
                }
            }
            if !f.sources.is_empty() {
                let _ = writeln!(
                    out,
                    "  {} {}",
                    p.paint(Tone::Dim, "sources:"),
                    f.sources.join(" ")
                );
            }
        }
    }
    out
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut cur = String::new();
        for word in para.split_whitespace() {
            if !cur.is_empty() && cur.len() + 1 + word.len() > width {
                lines.push(std::mem::take(&mut cur));
            }
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(word);
        }
        lines.push(cur);
    }
    lines
}

/// Replaces the home directory with `~` (for sharing a report).
pub fn tilde(text: &str, home: Option<&str>) -> String {
    match home {
        Some(h) if h.len() > 1 => text.replace(h.trim_end_matches('/'), "~"),
        _ => text.to_owned(),
    }
}

pub fn render_markdown(d: &Diagnosis, snap: &Snapshot) -> String {
    let mut out = String::new();
    let _ = write!(out, "### cudoctor check: {}\n\n", d.verdict);
    if !d.targets.is_empty() {
        out.push_str("Checked: ");
        out.push_str(
            &d.targets
                .iter()
                .map(|t| format!("{} ({})", t.name, t.origin))
                .collect::<Vec<_>>()
                .join(", "),
        );
        out.push_str("\n\n");
    }
    out.push_str("| severity | id | finding |\n|---|---|---|\n");
    for f in &d.findings {
        let _ = writeln!(
            out,
            "| {} | `{}` | {} |",
            f.severity.as_str(),
            f.id,
            f.title.replace('|', "\\|")
        );
    }
    for f in &d.findings {
        let _ = writeln!(
            out,
            "\n#### {} `{}`: {}\n\n{}",
            f.severity.as_str(),
            f.id,
            f.title,
            f.explanation
        );
        if !f.evidence.is_empty() {
            out.push_str("\nEvidence:\n");
            for e in &f.evidence {
                let _ = writeln!(out, "- {}: `{}` ({})", e.fact, e.value, e.source);
            }
        }
        if !f.fix.is_empty() {
            out.push_str("\nFix:\n");
            for x in &f.fix {
                let _ = writeln!(out, "- {x}");
            }
        }
        if !f.sources.is_empty() {
            out.push_str("\nSources: ");
            out.push_str(&f.sources.join(", "));
            out.push('\n');
        }
    }
    let _ = writeln!(
        out,
        "\n<sub>cudoctor {} on {} `{}`</sub>",
        env!("CARGO_PKG_VERSION"),
        snap.root.kind,
        snap.root.path
    );
    let home = if snap.root.kind == RootKind::Host {
        std::env::var("HOME").ok()
    } else {
        None
    };
    tilde(&out, home.as_deref())
}

/// What the package index says of a `--for` release the tables lack, laid into its needs (only
/// what it states: CUDA and cuDNN built with, Python, GPU code). Offline or on failure the target
/// stays as the tables left it, and `release-not-in-knowledge-base` says so.
fn fill_from_index(t: &mut cudoctor_diagnose::Target, spec: &Spec, offline: bool) {
    use cudoctor_diagnose::{PythonSupport, Sourced};
    let Ok(req) = super::newer::requirements(kb(), spec, super::newer::config(offline)) else {
        return;
    };
    let v = match (&spec.variant, req.variants.as_slice()) {
        (Some(name), vs) => vs.iter().find(|v| &v.name == name),
        (None, [one]) => Some(one),
        _ => None,
    };
    let Some(v) = v else { return };
    let src = v.sources.first().cloned().unwrap_or_default();
    let n = &mut t.needs;
    if n.cuda.is_none() {
        if let Some(c) = v.cuda.as_deref().and_then(|c| c.parse().ok()) {
            n.cuda = Some(Sourced::new(c, &src));
        }
    }
    if n.cudnn.is_none() {
        if let Some(c) = v.cudnn.as_deref().and_then(|c| c.parse().ok()) {
            n.cudnn = Some(Sourced::new(c, &src));
        }
    }
    if n.python.is_none() {
        if let Some(p) = v
            .python
            .first()
            .and_then(|p| p.strip_prefix(">="))
            .and_then(|p| p.parse().ok())
        {
            n.python = Some(Sourced::new(PythonSupport::AtLeast(p), &src));
        }
    }
    if n.gpu_code.is_none() && !v.compute_capabilities.is_empty() {
        let codes = v
            .compute_capabilities
            .iter()
            .filter_map(|c| c.parse().ok())
            .collect();
        n.gpu_code = Some(Sourced::new(codes, &src));
    }
}
