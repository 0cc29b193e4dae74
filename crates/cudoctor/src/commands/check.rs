//! `cudoctor check`: probe (or load a snapshot), decide the targets, run the rules, report.

use cudoctor_diagnose::{
    Diagnosis, KbKnowledge, Severity, diagnose, target_from_spec, targets_from_snapshot,
};
use cudoctor_kb::{Spec, kb};
use cudoctor_probe::Snapshot;
use serde::Serialize;

use crate::cli::{CheckArgs, Format, SourceArgs};
use crate::render::findings;
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
            format!("{}\n", diagnosis.localized_verdict(ctx.out.lang()))
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
            Format::Text => findings::diagnosis_text(&diagnosis, ctx.out),
            Format::Markdown => findings::diagnosis_markdown(&diagnosis, &snap, ctx.out),
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
    // The knowledge base parses (about 1 ms) while the source is read.
    cudoctor_kb::parse_in_background();
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
        // A bare name (`--for torch`): the release installed there, else the newest known.
        let s = crate::spec::complete(s, Some(snap));
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

/// What the package index says of a `--for` release the tables lack, laid into its needs (only
/// what it states: CUDA and cuDNN built with, Python, GPU code). Offline or on failure the target
/// stays as the tables left it, and `release-not-in-knowledge-base` says so.
fn fill_from_index(t: &mut cudoctor_diagnose::Target, spec: &Spec, offline: bool) {
    let Ok(req) = super::newer::requirements(kb(), spec, super::newer::config(offline)) else {
        return;
    };
    if let Some(v) = req.variant(spec.variant.as_deref()) {
        t.lay_requirements(v);
    }
}
