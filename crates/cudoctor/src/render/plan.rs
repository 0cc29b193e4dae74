//! `plan`: the constraints, then per framework the releases that fit and the nearest that do not.

use std::fmt::Write as _;

use cudoctor_kb::version::FrameworkVersion;
use cudoctor_kb::{Plan, Status};

use super::{Printer, Tone, heading};

/// How many excluded releases to show per framework in text output.
const EXCLUDED_SHOWN: usize = 3;

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
    heading(&mut out, p, markdown, 0, &header);
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
        heading(&mut out, p, markdown, 2, fp.framework.display_name());
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
