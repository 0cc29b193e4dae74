//! Findings and diagnoses in text and Markdown: the verdict, the targets checked, and per finding
//! its explanation, evidence, fix and sources. `check` shows a whole diagnosis; `explain` shows
//! the findings that bear on a log's errors, in one line each.

use std::fmt::Write as _;

use cudoctor_diagnose::{Diagnosis, Finding, Severity, Status, TargetInfo};
use cudoctor_probe::Snapshot;

use super::markdown::{bullets, cell, shareable};
use super::wrap::{fill, fill_painted};
use super::{Printer, Tone};

/// The tone of a severity.
pub fn severity_tone(s: Severity) -> Tone {
    match s {
        Severity::Error => Tone::Error,
        Severity::Warning => Tone::Warning,
        Severity::Info => Tone::Info,
    }
}

/// The tone of a verdict.
pub fn status_tone(s: Status) -> Tone {
    match s {
        Status::Ok => Tone::Ok,
        Status::Warning => Tone::Warning,
        Status::Error => Tone::Error,
    }
}

/// `severity[id]`.
fn label(f: &Finding) -> String {
    format!("{}[{}]", f.severity.as_str(), f.id)
}

/// A finding in one line: `severity[id] title`.
pub fn one_line(f: &Finding) -> String {
    format!("{} {}", label(f), f.title)
}

/// The targets checked, `name<open>origin<close>` each.
fn checked(targets: &[TargetInfo], open: &str, close: &str) -> String {
    targets
        .iter()
        .map(|t| format!("{}{open}{}{close}", t.name, t.origin))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A diagnosis as text: the verdict, the targets, then the findings, errors first.
pub fn diagnosis_text(d: &Diagnosis, p: Printer) -> String {
    let mut out = String::new();
    for line in fill(&d.verdict, p.width(), "", "  ").lines() {
        out.push_str(&p.paint(status_tone(d.status), line));
        out.push('\n');
    }
    if !d.targets.is_empty() {
        let line = format!("checked: {}", checked(&d.targets, " [", "]"));
        out.push_str(&fill_painted(
            &line,
            p.width(),
            ("", "  "),
            "checked:",
            p,
            Tone::Dim,
        ));
    }
    for sev in [Severity::Error, Severity::Warning, Severity::Info] {
        for f in d.findings.iter().filter(|f| f.severity == sev) {
            out.push('\n');
            finding_text(&mut out, f, p);
        }
    }
    out
}

/// A finding as text: the label and title, the explanation, evidence, fix and sources, each
/// wrapped to the printer's width (commands and URLs whole).
pub fn finding_text(out: &mut String, f: &Finding, p: Printer) {
    let w = p.width();
    let label = label(f);
    let head = fill(&f.title, w, &format!("{label}   "), "    ");
    for (i, line) in head.lines().enumerate() {
        let (start, title) = if i == 0 {
            (
                p.paint(severity_tone(f.severity), &label),
                &line[label.len()..],
            )
        } else {
            (String::new(), line)
        };
        let text = title.trim_start();
        let pad = &title[..title.len() - text.len()];
        let _ = writeln!(out, "{start}{pad}{}", p.paint(Tone::Bold, text));
    }
    out.push_str(&fill(&f.explanation, w, "  ", "  "));
    if !f.evidence.is_empty() {
        let _ = writeln!(out, "  {}", p.paint(Tone::Dim, "evidence:"));
        for e in &f.evidence {
            let line = format!("{}: {}  ({})", e.fact, e.value, e.source);
            out.push_str(&fill(&line, w, "    - ", "      "));
        }
    }
    if !f.fix.is_empty() {
        let _ = writeln!(out, "  {}", p.paint(Tone::Ok, "fix:"));
        for x in &f.fix {
            out.push_str(&fill(x, w, "    - ", "      "));
        }
    }
    if !f.sources.is_empty() {
        let text = f.sources.join(" ");
        out.push_str(&fill_painted(
            &text,
            w,
            ("  sources: ", "    "),
            "sources:",
            p,
            Tone::Dim,
        ));
    }
}

/// A diagnosis as Markdown for an issue: the verdict, a table of the findings, a section each,
/// and where it was run (the home directory as `~`).
pub fn diagnosis_markdown(d: &Diagnosis, snap: &Snapshot) -> String {
    let mut out = String::new();
    let _ = write!(out, "### cudoctor check: {}\n\n", d.verdict);
    if !d.targets.is_empty() {
        let _ = write!(out, "Checked: {}\n\n", checked(&d.targets, " (", ")"));
    }
    out.push_str("| severity | id | finding |\n|---|---|---|\n");
    for f in &d.findings {
        let _ = writeln!(
            out,
            "| {} | `{}` | {} |",
            f.severity.as_str(),
            f.id,
            cell(&f.title)
        );
    }
    for f in &d.findings {
        finding_markdown(&mut out, f);
    }
    let _ = writeln!(
        out,
        "\n<sub>cudoctor {} on {} `{}`</sub>",
        env!("CARGO_PKG_VERSION"),
        snap.root.kind,
        snap.root.path
    );
    shareable(&out, snap)
}

/// A finding as a Markdown section.
pub fn finding_markdown(out: &mut String, f: &Finding) {
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
        bullets(out, &f.fix);
    }
    if !f.sources.is_empty() {
        let _ = writeln!(out, "\nSources: {}", f.sources.join(", "));
    }
}
