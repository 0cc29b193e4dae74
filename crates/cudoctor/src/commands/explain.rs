//! `cudoctor explain [FILE|-]`: the known GPU-stack errors in a log, explained with the facts of
//! this machine (or of `--root` / `--snapshot`).

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::IsTerminal;

use anyhow::Context as _;
use cudoctor_diagnose::{Diagnosis, Finding, Severity};
use cudoctor_explain::{Match, ScanReport, scan_named, scan_path};
use serde::Serialize;

use crate::cli::{ExplainArgs, Format};
use crate::printer::{Printer, Tone};
use crate::{Ctx, ExitStatus, error, no_markdown, to_json};

#[derive(Serialize)]
struct ExplainJson<'a> {
    schema_version: u32,
    matches: &'a [Match],
    findings: Vec<&'a Finding>,
    verdict: Option<&'a str>,
    lines: u64,
    bytes: u64,
}

pub fn run(ctx: Ctx, args: &ExplainArgs) -> anyhow::Result<ExitStatus> {
    no_markdown(ctx, "explain")?;
    let report: ScanReport = match args.file.as_deref() {
        Some(p) if p.as_os_str() != "-" => scan_path(p).map_err(anyhow::Error::new)?,
        _ => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                return Err(error::hinted(
                    "no log given and standard input is a terminal",
                    "pipe a log in (`python train.py 2>&1 | cudoctor explain`) or name a file",
                ));
            }
            scan_named(stdin.lock(), "-").context("cannot read the log from standard input")?
        }
    };
    // Log lines are printed back: made terminal-safe for text (JSON stays exact).
    let report = if ctx.format == Format::Json {
        report
    } else {
        crate::term::escaped(&report)?
    };
    // The machine's side: the check findings that share a cause with the log's errors.
    let diagnosis: Option<Diagnosis> =
        match super::check::diagnosis(&args.source, &[], true, ctx.format != Format::Json) {
            Ok((_, d)) => Some(d),
            Err(e) => {
                error::report(
                    &e.context("explaining without this machine's facts"),
                    ctx.err,
                );
                None
            }
        };
    let related: BTreeSet<&str> = report
        .matches
        .iter()
        .flat_map(|m| m.related_findings.iter().map(String::as_str))
        .collect();
    let findings: Vec<&Finding> = diagnosis
        .as_ref()
        .map(|d| {
            d.findings
                .iter()
                .filter(|f| {
                    report.matches.is_empty()
                        || related.contains(f.id.as_str())
                        || f.severity == Severity::Error
                })
                .collect()
        })
        .unwrap_or_default();
    let text = match ctx.format {
        Format::Json => to_json(&ExplainJson {
            schema_version: 1,
            matches: &report.matches,
            findings: findings.clone(),
            verdict: diagnosis.as_ref().map(|d| d.verdict.as_str()),
            lines: report.lines,
            bytes: report.bytes,
        })?,
        _ => render(&report, &findings, diagnosis.as_ref(), ctx.out),
    };
    ctx.out.out(&text);
    Ok(if report.matches.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

fn render(report: &ScanReport, findings: &[&Finding], d: Option<&Diagnosis>, p: Printer) -> String {
    let mut out = String::new();
    if report.matches.is_empty() {
        let _ = writeln!(
            out,
            "No known GPU-stack error in the log ({} lines read).",
            report.lines
        );
        if let Some(d) = d {
            let _ = writeln!(out, "This machine: {}", d.verdict);
            for f in findings {
                let _ = writeln!(out, "  {}[{}] {}", f.severity.as_str(), f.id, f.title);
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
        let _ = writeln!(out, "  cause: {}", m.cause);
        for f in &m.fix {
            let _ = writeln!(out, "  fix: {f}");
        }
        let here: Vec<&&Finding> = findings
            .iter()
            .filter(|f| m.related_findings.contains(&f.id))
            .collect();
        for f in here {
            let _ = writeln!(
                out,
                "  {} {}[{}] {}",
                p.paint(Tone::Info, "on this machine:"),
                f.severity.as_str(),
                f.id,
                f.title
            );
            for x in &f.fix {
                let _ = writeln!(out, "    fix: {x}");
            }
        }
        let _ = writeln!(out, "  source: {}", m.source);
    }
    if let Some(d) = d {
        let _ = writeln!(out, "\nThis machine: {}", d.verdict);
    }
    out
}
