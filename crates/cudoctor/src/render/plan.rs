//! `plan`: the constraints, then per framework the releases that fit and the nearest that do not.

use cudoctor_kb::version::FrameworkVersion;
use cudoctor_kb::{Plan, Status};

use super::wrap::fill;
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
    // Markdown is not wrapped: its renderer reflows it.
    let w = if markdown { usize::MAX } else { p.width() };
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
        heading(&mut out, p, markdown, 0, &header);
    } else {
        out.push_str(&p.paint(Tone::Bold, fill(&header, w, "", "  ").trim_end()));
        out.push('\n');
    }
    if !c.unknown.is_empty() {
        let line = format!(
            "unknown: not given, so not checked: {}",
            c.unknown.join(", ")
        );
        let filled = fill(&line, w, "", "  ");
        out.push_str(&filled.replacen("unknown:", &p.paint(Tone::Warning, "unknown:"), 1));
    }
    for n in &c.notes {
        out.push_str(&fill(&format!("note: {n}"), w, "", "      "));
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
            let line = format!(
                "{}{variant}{build}: {label}  `{}`",
                cand.version, cand.package
            );
            out.push_str(&fill(&line, w, bullet, "    ").replacen(label, &p.paint(tone, label), 1));
            let indent = if markdown { "      " } else { "    " };
            for cav in &cand.caveats {
                out.push_str(&fill(
                    cav,
                    w,
                    &format!("{indent}- "),
                    &format!("{indent}  "),
                ));
            }
        }
        if !fp.excluded.is_empty() {
            let line = format!(
                "excluded ({} in all; those nearest the newest fit shown; `--format json` lists all):",
                fp.excluded.len()
            );
            out.push_str(&fill(&line, w, "  ", "    ").replacen(
                "excluded",
                &p.paint(Tone::Dim, "excluded"),
                1,
            ));
            for ex in nearest_excluded(fp) {
                let variant = if ex.variant == "default" {
                    String::new()
                } else {
                    format!(" {}", ex.variant)
                };
                let line = format!("{}{variant}: {}", ex.version, ex.reasons.join("; "));
                let filled = fill(&line, w, "  x ", "    ");
                out.push_str(&filled.replacen('x', &p.paint(Tone::Error, "x"), 1));
            }
        }
    }
    out
}
