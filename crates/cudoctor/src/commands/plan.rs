//! `cudoctor plan`: which framework versions fit a driver, GPU and Python.

use anyhow::Context as _;
use cudoctor_kb::version::{DriverVersion, FrameworkVersion, PythonVersion};
use cudoctor_kb::{Framework, Plan, PlanQuery, Status, kb};
use std::fmt::Write as _;

use crate::cli::{Format, PlanArgs};
use crate::printer::{Printer, Tone};
use crate::{Ctx, ExitStatus, error, to_json};

/// How many excluded releases to show per framework in text output.
const EXCLUDED_SHOWN: usize = 3;

pub fn run(ctx: Ctx, args: &PlanArgs) -> anyhow::Result<ExitStatus> {
    let mut query = PlanQuery {
        driver: parse_opt::<DriverVersion>(args.driver.as_deref(), "--driver")?,
        compute_capability: args
            .cc
            .as_deref()
            .map(super::machine::known_cc)
            .transpose()?,
        gpu_name: args.gpu.clone(),
        python: match args.python.as_deref() {
            Some(p) => Some(
                PythonVersion::parse_lenient(p)
                    .map_err(|e| error::hinted(e.to_string(), "write it as `3.10`"))
                    .context("invalid value for `--python`")?,
            ),
            None => None,
        },
        frameworks: Vec::new(),
        index_offers: Vec::new(),
    };
    for name in &args.frameworks {
        let fw: Framework = name.parse().map_err(|e: cudoctor_kb::UnknownFramework| {
            error::hinted(
                e.to_string(),
                "frameworks: tensorflow (tf), torch (pytorch), jax",
            )
        })?;
        if !query.frameworks.contains(&fw) {
            query.frameworks.push(fw);
        }
    }
    let mut filled = Vec::new();
    let given = query.driver.is_some()
        && (query.compute_capability.is_some() || query.gpu_name.is_some())
        && query.python.is_some();
    if !args.no_probe && !given {
        let mut snap = crate::source::Facts::of_installed(&args.source)?;
        if ctx.format != Format::Json {
            snap = crate::term::escaped(&snap)?;
        }
        super::machine::fill_plan_constraints(&mut query, &snap, &mut filled);
    }
    let mut index_notes = Vec::new();
    let config = super::newer::config(args.offline);
    if !config.offline {
        let asked = if query.frameworks.is_empty() {
            Framework::ALL.to_vec()
        } else {
            query.frameworks.clone()
        };
        for fw in asked {
            match super::newer::newer_offers(kb(), fw, &config) {
                Ok((offers, note)) => {
                    query.index_offers.extend(offers);
                    index_notes.extend(note);
                }
                Err(why) => index_notes.push(format!(
                    "releases of {} newer than the embedded data were not looked up: {why}",
                    fw.display_name()
                )),
            }
        }
    }
    let mut plan = kb().plan(&query).map_err(|e| match e.hint() {
        Some(h) => error::hinted(format!("{e}: {}", source_text(&e)), h),
        None => anyhow::Error::new(e),
    })?;
    plan.constraints.notes.extend(filled);
    plan.constraints.notes.extend(index_notes);
    let text = match ctx.format {
        Format::Json => to_json(&plan)?,
        Format::Text => render(&plan, ctx.out, false),
        Format::Markdown => render(&plan, ctx.out, true),
    };
    ctx.out.out(&text);
    Ok(ExitStatus::Success)
}

fn source_text(e: &dyn std::error::Error) -> String {
    e.source().map(ToString::to_string).unwrap_or_default()
}

fn parse_opt<T>(value: Option<&str>, flag: &str) -> anyhow::Result<Option<T>>
where
    T: std::str::FromStr<Err = cudoctor_kb::version::VersionParseError>,
{
    value
        .map(|v| {
            v.parse::<T>()
                .map_err(|e| anyhow::Error::new(e).context(format!("invalid value for `{flag}`")))
        })
        .transpose()
}

/// The excluded releases worth showing: the ones just above the newest candidate (what the user
/// would try next, and why it does not fit); without candidates, the newest.
fn nearest_excluded(fp: &cudoctor_kb::FrameworkPlan) -> Vec<&cudoctor_kb::Excluded> {
    let parse = |v: &str| v.parse::<FrameworkVersion>().ok();
    let newest_fit = fp.candidates.first().and_then(|c| parse(&c.version));
    let above: Vec<&cudoctor_kb::Excluded> = match &newest_fit {
        Some(fit) => fp
            .excluded
            .iter()
            .filter(|e| parse(&e.version).is_some_and(|v| v > *fit))
            .collect(),
        None => Vec::new(),
    };
    if above.is_empty() {
        fp.excluded.iter().take(EXCLUDED_SHOWN).collect()
    } else {
        // `excluded` is newest first: the closest to the candidate are at the end.
        let start = above.len().saturating_sub(EXCLUDED_SHOWN);
        above[start..].to_vec()
    }
}

/// Text or Markdown rendering of a plan.
pub fn render(plan: &Plan, p: Printer, markdown: bool) -> String {
    let c = &plan.constraints;
    let mut out = String::new();
    let show = |v: Option<String>| v.unwrap_or_else(|| "unknown".to_owned());
    let gpu = match (&c.gpu, &c.compute_capability) {
        (Some(name), Some(cc)) => format!("{name} (compute capability {cc})"),
        (None, Some(cc)) => format!("compute capability {cc}"),
        (Some(name), None) => name.clone(),
        (None, None) => "unknown".to_owned(),
    };
    let header = format!(
        "Constraints: driver {}, GPU {}, Python {}",
        show(c.driver.as_ref().map(ToString::to_string)),
        gpu,
        show(c.python.map(|v| v.to_string())),
    );
    if markdown {
        let _ = write!(out, "{header}\n\n");
    } else {
        out.push_str(&p.paint(Tone::Bold, &header));
        out.push('\n');
    }
    if !c.unknown.is_empty() {
        let _ = writeln!(
            out,
            "{} not given, so not checked: {}",
            p.paint(Tone::Warning, "unknown:"),
            c.unknown.join(", ")
        );
    }
    for n in &c.notes {
        let _ = writeln!(out, "note: {n}");
    }
    for fp in &plan.frameworks {
        out.push('\n');
        let title = fp.framework.display_name().to_owned();
        if markdown {
            let _ = write!(out, "## {title}\n\n");
        } else {
            out.push_str(&p.paint(Tone::Bold, &title));
            out.push('\n');
        }
        if fp.candidates.is_empty() {
            out.push_str("  no release fits these constraints\n");
        }
        for cand in &fp.candidates {
            let (tone, label) = match cand.status {
                Status::Compatible => (Tone::Ok, "compatible"),
                Status::CompatibleWithCaveats => (Tone::Warning, "compatible with caveats"),
            };
            let build = match (&cand.cuda, &cand.cudnn) {
                (Some(cu), Some(dnn)) => format!(" (CUDA {cu}, cuDNN {dnn})"),
                (Some(cu), None) => format!(" (CUDA {cu})"),
                _ => String::new(),
            };
            let variant = if cand.variant == "default" {
                String::new()
            } else {
                format!(" {}", cand.variant)
            };
            let bullet = if markdown { "- " } else { "  " };
            let _ = writeln!(
                out,
                "{bullet}{}{variant}{build}: {}  `{}`",
                cand.version,
                p.paint(tone, label),
                cand.package
            );
            for cav in &cand.caveats {
                let _ = writeln!(out, "{}    - {cav}", if markdown { "  " } else { "" });
            }
        }
        if !fp.excluded.is_empty() {
            let _ = writeln!(
                out,
                "  {} ({} in all; those nearest the newest fit shown; `--format json` lists all):",
                p.paint(Tone::Dim, "excluded"),
                fp.excluded.len()
            );
            for ex in nearest_excluded(fp) {
                let variant = if ex.variant == "default" {
                    String::new()
                } else {
                    format!(" {}", ex.variant)
                };
                let _ = writeln!(
                    out,
                    "  {} {}{variant}: {}",
                    p.paint(Tone::Error, "x"),
                    ex.version,
                    ex.reasons.join("; ")
                );
            }
        }
    }
    out
}
