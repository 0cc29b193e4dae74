//! `explain`: a log's known errors, cause first, each with the findings of this machine that
//! share its cause.

use std::fmt::Write as _;

use cudoctor_diagnose::{Diagnosis, Finding};
use cudoctor_explain::ScanReport;

use super::findings::one_line;
use super::wrap::fill;
use super::{Printer, Tone};

/// The matches of `report` with the `findings` (of the diagnosis `d`) related to each.
pub fn render(
    report: &ScanReport,
    findings: &[&Finding],
    d: Option<&Diagnosis>,
    p: Printer,
) -> String {
    let mut out = String::new();
    let w = p.width();
    if report.matches.is_empty() {
        let _ = writeln!(
            out,
            "No known GPU-stack error in the log ({} lines read).",
            report.lines
        );
        if let Some(d) = d {
            let _ = writeln!(out, "This machine: {}", d.verdict);
            for f in findings {
                let _ = writeln!(out, "  {}", one_line(f));
            }
            out.push_str("Run `cudoctor check` for the details.\n");
        }
        return out;
    }
    out.push_str(&p.paint(
        Tone::Bold,
        &format!(
            "{} known error{} in the log ({} lines read), cause first:",
            report.matches.len(),
            if report.matches.len() == 1 { "" } else { "s" },
            report.lines
        ),
    ));
    out.push('\n');
    for m in &report.matches {
        out.push('\n');
        let count = if m.count > 1 {
            format!(" (x{})", m.count)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{} line {}{count}: {}",
            p.paint(Tone::Error, &m.signature),
            m.line,
            p.paint(Tone::Bold, &m.title)
        );
        let _ = writeln!(out, "  > {}", m.excerpt);
        if !m.explained_by.is_empty() {
            let _ = writeln!(out, "  explained by: {}", m.explained_by.join(", "));
        }
        out.push_str(&fill(&m.cause, w, "  cause: ", "    "));
        for f in &m.fix {
            out.push_str(&fill(f, w, "  fix: ", "    "));
        }
        for f in findings
            .iter()
            .filter(|f| m.related_findings.contains(&f.id))
        {
            let _ = writeln!(
                out,
                "  {} {}",
                p.paint(Tone::Info, "on this machine:"),
                one_line(f)
            );
            for x in &f.fix {
                out.push_str(&fill(x, w, "    fix: ", "      "));
            }
        }
        let _ = writeln!(out, "  source: {}", m.source);
    }
    if let Some(d) = d {
        let _ = writeln!(out, "\nThis machine: {}", d.verdict);
    }
    out
}
