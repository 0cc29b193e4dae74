//! Findings and diagnoses in text and Markdown: the verdict, the targets checked, and per finding
//! its explanation, evidence, fix and sources. `check` shows a whole diagnosis; `explain` shows
//! the findings that bear on a log's errors, in one line each.

use std::fmt::Write as _;

use cudoctor_diagnose::{Diagnosis, Finding, Severity, Status, TargetInfo};
use cudoctor_probe::Snapshot;

use super::markdown::{bullets, cell, shareable};
use super::wrap::{fill, fill_painted};
use super::{Printer, Tone, labelled};

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

/// A severity's word in the printer's language (`error`, `错误`).
pub fn severity_word(s: Severity, p: Printer) -> String {
    p.tr(&format!("ui-severity-{}", s.as_str()), &[])
}

/// `severity[id]` (the severity in the printer's language, the id as it is).
fn label(f: &Finding, p: Printer) -> String {
    format!("{}[{}]", severity_word(f.severity, p), f.id)
}

/// A finding in one line: `severity[id] title`.
pub fn one_line(f: &Finding, p: Printer) -> String {
    format!("{} {}", label(f, p), f.localized_title(p.lang()))
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
    let lang = p.lang();
    for line in fill(&d.localized_verdict(lang), p.width(), "", "  ").lines() {
        out.push_str(&p.paint(status_tone(d.status), line));
        out.push('\n');
    }
    if !d.targets.is_empty() {
        let word = p.tr("ui-label-checked", &[]);
        let line = labelled(&word, &checked(&d.targets, " [", "]"));
        out.push_str(&fill_painted(
            &line,
            p.width(),
            ("", "  "),
            &word,
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
    let lang = p.lang();
    let label = label(f, p);
    let head = fill(&f.localized_title(lang), w, &format!("{label}   "), "    ");
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
    out.push_str(&fill(&f.localized_explanation(lang), w, "  ", "  "));
    if !f.evidence.is_empty() {
        let _ = writeln!(
            out,
            "  {}",
            p.paint(Tone::Dim, &p.tr("ui-label-evidence", &[]))
        );
        for e in &f.evidence {
            let line = format!("{}: {}  ({})", e.fact, e.value, e.source);
            out.push_str(&fill(&line, w, "    - ", "      "));
        }
    }
    if !f.fix.is_empty() {
        let _ = writeln!(out, "  {}", p.paint(Tone::Ok, &p.tr("ui-label-fix", &[])));
        for x in &f.localized_fix(lang) {
            out.push_str(&fill(x, w, "    - ", "      "));
        }
    }
    if !f.sources.is_empty() {
        let text = f.sources.join(" ");
        let word = p.tr("ui-label-sources", &[]);
        out.push_str(&fill_painted(
            &text,
            w,
            // A space even after a full-width colon: a URL must stand apart to stay whole.
            (&format!("  {word} "), "    "),
            &word,
            p,
            Tone::Dim,
        ));
    }
}

/// A diagnosis as Markdown for an issue: the verdict, a table of the findings, a section each,
/// and where it was run (the home directory as `~`).
pub fn diagnosis_markdown(d: &Diagnosis, snap: &Snapshot, p: Printer) -> String {
    let mut out = String::new();
    let lang = p.lang();
    let title = p.tr(
        "ui-md-title",
        &[("verdict", d.localized_verdict(lang).into())],
    );
    let _ = write!(out, "### {title}\n\n");
    if !d.targets.is_empty() {
        let _ = write!(
            out,
            "{}\n\n",
            labelled(
                &p.tr("ui-heading-checked", &[]),
                &checked(&d.targets, " (", ")")
            )
        );
    }
    let _ = write!(out, "{}\n|---|---|---|\n", p.tr("ui-md-table-header", &[]));
    for f in &d.findings {
        let _ = writeln!(
            out,
            "| {} | `{}` | {} |",
            severity_word(f.severity, p),
            f.id,
            cell(&f.localized_title(lang))
        );
    }
    for f in &d.findings {
        finding_markdown(&mut out, f, p);
    }
    let footer = p.tr(
        "ui-md-footer",
        &[
            ("version", env!("CARGO_PKG_VERSION").into()),
            ("root", snap.root.kind.to_string().into()),
            ("path", snap.root.path.clone().into()),
        ],
    );
    let _ = writeln!(out, "\n<sub>{footer}</sub>");
    shareable(&out, snap)
}

/// A finding as a Markdown section.
pub fn finding_markdown(out: &mut String, f: &Finding, p: Printer) {
    let lang = p.lang();
    let _ = writeln!(
        out,
        "\n#### {} `{}`: {}\n\n{}",
        severity_word(f.severity, p),
        f.id,
        f.localized_title(lang),
        f.localized_explanation(lang)
    );
    if !f.evidence.is_empty() {
        let _ = writeln!(out, "\n{}", p.tr("ui-heading-evidence", &[]));
        for e in &f.evidence {
            let _ = writeln!(out, "- {}: `{}` ({})", e.fact, e.value, e.source);
        }
    }
    if !f.fix.is_empty() {
        let _ = writeln!(out, "\n{}", p.tr("ui-heading-fix", &[]));
        bullets(out, &f.localized_fix(lang));
    }
    if !f.sources.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            labelled(&p.tr("ui-heading-sources", &[]), &f.sources.join(", "))
        );
    }
}
