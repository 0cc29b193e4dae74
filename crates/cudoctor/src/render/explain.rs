//! `explain`: a log's known errors, cause first, each with the findings of this machine that
//! share its cause.

use std::fmt::Write as _;

use cudoctor_diagnose::{Diagnosis, Finding};
use cudoctor_explain::ScanReport;

use super::findings::one_line;
use super::wrap::fill;
use super::{Printer, Tone, labelled};

/// The matches of `report` with the `findings` (of the diagnosis `d`) related to each.
pub fn render(
    report: &ScanReport,
    findings: &[&Finding],
    d: Option<&Diagnosis>,
    p: Printer,
) -> String {
    let mut out = String::new();
    let w = p.width();
    let lang = p.lang();
    let lines = || {
        (
            "lines",
            cudoctor_i18n::Arg::Num(i64::try_from(report.lines).unwrap_or(i64::MAX)),
        )
    };
    let this_machine = |d: &Diagnosis| {
        p.tr(
            "explain-this-machine",
            &[("verdict", d.localized_verdict(lang).into())],
        )
    };
    if report.matches.is_empty() {
        let _ = writeln!(out, "{}", p.tr("explain-none", &[lines()]));
        if let Some(d) = d {
            let _ = writeln!(out, "{}", this_machine(d));
            for f in findings {
                let _ = writeln!(out, "  {}", one_line(f, p));
            }
            let _ = writeln!(out, "{}", p.tr("explain-run-check", &[]));
        }
        return out;
    }
    out.push_str(&p.paint(
        Tone::Bold,
        &p.tr(
            "explain-count",
            &[("count", report.matches.len().into()), lines()],
        ),
    ));
    out.push('\n');
    let label = |key: &str| p.tr(key, &[]);
    let (cause, fix, source) = (
        label("explain-label-cause"),
        label("explain-label-fix"),
        label("explain-label-source"),
    );
    for m in &report.matches {
        out.push('\n');
        let count = if m.count > 1 {
            format!(" (x{})", m.count)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{} {}{count}: {}",
            p.paint(Tone::Error, &m.signature),
            p.tr("explain-line", &[("line", m.line.to_string().into())]),
            p.paint(Tone::Bold, &m.title)
        );
        let _ = writeln!(out, "  > {}", m.excerpt);
        if !m.explained_by.is_empty() {
            let _ = writeln!(
                out,
                "  {}",
                labelled(
                    &label("explain-label-explained-by"),
                    &m.explained_by.join(", ")
                )
            );
        }
        let (cause_at, fix_at) = (
            labelled(&format!("  {cause}"), ""),
            labelled(&format!("  {fix}"), ""),
        );
        out.push_str(&fill(m.cause_in(lang), w, &cause_at, "    "));
        for f in m.fix_in(lang) {
            out.push_str(&fill(f, w, &fix_at, "    "));
        }
        for f in findings
            .iter()
            .filter(|f| m.related_findings.contains(&f.id))
        {
            let here = label("explain-label-on-this-machine");
            let sep = if here.ends_with('：') { "" } else { " " };
            let _ = writeln!(
                out,
                "  {}{sep}{}",
                p.paint(Tone::Info, &here),
                one_line(f, p)
            );
            let fix_at = labelled(&format!("    {fix}"), "");
            for x in &f.localized_fix(lang) {
                out.push_str(&fill(x, w, &fix_at, "      "));
            }
        }
        let _ = writeln!(out, "  {}", labelled(&source, &m.source));
    }
    if let Some(d) = d {
        let _ = writeln!(out, "\n{}", this_machine(d));
    }
    out
}
