//! `cudoctor explain [FILE|-]`: the known GPU-stack errors in a log, explained with the facts of
//! this machine (or of `--root` / `--snapshot`).

use std::collections::BTreeSet;
use std::io::IsTerminal;

use anyhow::Context as _;
use cudoctor_diagnose::{Diagnosis, Finding, Severity};
use cudoctor_explain::{Match, ScanReport, scan_named, scan_path};
use serde::Serialize;

use crate::cli::{ExplainArgs, Format};
use crate::render;
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
        let mut safe = crate::term::escaped(&report)?;
        // The Chinese texts are not in the serde form (the JSON contract is English): escaped
        // here, as they quote the log's captures too.
        for (m, orig) in safe.matches.iter_mut().zip(&report.matches) {
            m.cause_zh = crate::term::escape(&orig.cause_zh).into_owned();
            m.fix_zh = orig
                .fix_zh
                .iter()
                .map(|f| crate::term::escape(f).into_owned())
                .collect();
        }
        safe
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
        _ => render::explain::render(&report, &findings, diagnosis.as_ref(), ctx.out),
    };
    ctx.out.out(&text);
    Ok(if report.matches.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}
