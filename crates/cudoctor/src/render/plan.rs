//! `plan`: the constraints, then per framework the releases that fit and the nearest that do not.

use std::fmt::Write as _;

use cudoctor_kb::version::FrameworkVersion;
use cudoctor_kb::{Plan, Status};

use super::wrap::{fill, fill_painted};
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

/// Text or Markdown rendering of a plan: per framework the recommendation first (the release,
/// the command to paste, the image), the caveats said once, then the other candidates in one
/// line each and the nearest exclusions; with `all`, every candidate with its caveats and every
/// exclusion.
pub fn render(plan: &Plan, p: Printer, markdown: bool, all: bool) -> String {
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
        out.push_str(&fill_painted(
            &line,
            w,
            ("", "  "),
            "unknown:",
            p,
            Tone::Warning,
        ));
    }
    for n in &c.notes {
        out.push_str(&fill(&format!("note: {n}"), w, "", "      "));
    }
    for fp in &plan.frameworks {
        out.push('\n');
        heading(&mut out, p, markdown, 2, fp.framework.display_name());
        framework(&mut out, fp, p, markdown, all, w);
    }
    out
}

/// ` cu124` for a variant other than the default, else nothing.
fn variant_suffix(variant: &str) -> String {
    if variant == "default" {
        String::new()
    } else {
        format!(" {variant}")
    }
}

/// ` (CUDA 12.4, cuDNN 9.1.0.70)`, as far as known.
fn build_suffix(cuda: Option<&String>, cudnn: Option<&String>) -> String {
    match (cuda, cudnn) {
        (Some(cu), Some(dnn)) => format!(" (CUDA {cu}, cuDNN {dnn})"),
        (Some(cu), None) => format!(" (CUDA {cu})"),
        _ => String::new(),
    }
}

/// `(tone, label)` of a candidate's status.
fn status_label(s: Status) -> (Tone, &'static str) {
    match s {
        Status::Compatible => (Tone::Ok, "compatible"),
        Status::CompatibleWithCaveats => (Tone::Warning, "compatible with caveats"),
    }
}

/// One framework's plan.
fn framework(
    out: &mut String,
    fp: &cudoctor_kb::FrameworkPlan,
    p: Printer,
    markdown: bool,
    all: bool,
    w: usize,
) {
    let (bullet, sub) = if markdown {
        ("- ", "  - ")
    } else {
        ("  ", "    - ")
    };
    let sub_rest = " ".repeat(sub.len());
    if let Some(r) = &fp.recommendation {
        let cand = fp
            .candidates
            .iter()
            .find(|c| c.version == r.release && c.variant == r.variant);
        let (tone, label) = status_label(r.status);
        let line = format!(
            "Use: {}{}{}: {label}",
            r.release,
            variant_suffix(&r.variant),
            build_suffix(
                cand.and_then(|c| c.cuda.as_ref()),
                cand.and_then(|c| c.cudnn.as_ref())
            ),
        );
        out.push_str(
            &fill_painted(&line, w, (bullet, "      "), label, p, tone).replacen(
                "Use:",
                &p.paint(Tone::Bold, "Use:"),
                1,
            ),
        );
        let (why_first, why_rest) = if markdown {
            ("  ", "  ")
        } else {
            ("      ", "        ")
        };
        out.push_str(&fill_painted(
            &format!("why: {}", r.why),
            w,
            (why_first, why_rest),
            "why:",
            p,
            Tone::Dim,
        ));
        for cav in &r.distinct_caveats {
            out.push_str(&fill(cav, w, sub, &sub_rest));
        }
    } else {
        let why = fp
            .no_recommendation
            .as_deref()
            .unwrap_or("no release fits these constraints");
        out.push_str(&fill(
            &format!("No recommendation: {why}"),
            w,
            bullet,
            "    ",
        ));
    }
    if !fp.common_caveats.is_empty() {
        out.push_str(&fill("Said of every candidate:", w, bullet, "    "));
        for cav in &fp.common_caveats {
            out.push_str(&fill(cav, w, sub, &sub_rest));
        }
    }
    let others: Vec<&cudoctor_kb::Candidate> = fp
        .candidates
        .iter()
        .filter(|c| {
            fp.recommendation
                .as_ref()
                .is_none_or(|r| !(c.version == r.release && c.variant == r.variant))
        })
        .collect();
    if all {
        for cand in &others {
            let (tone, label) = status_label(cand.status);
            let line = format!(
                "{}{}{}: {label}  `{}`",
                cand.version,
                variant_suffix(&cand.variant),
                build_suffix(cand.cuda.as_ref(), cand.cudnn.as_ref()),
                cand.install.pip_command()
            );
            out.push_str(&fill_painted(&line, w, (bullet, "    "), label, p, tone));
            for cav in &cand.distinct_caveats {
                out.push_str(&fill(cav, w, sub, &sub_rest));
            }
        }
    } else if !others.is_empty() {
        let names = |st: Status| -> Vec<String> {
            others
                .iter()
                .filter(|c| c.status == st)
                // A no-break space: a release and its variant stay on one line.
                .map(|c| {
                    format!(
                        "{}{}",
                        c.version,
                        variant_suffix(&c.variant).replace(' ', "\u{a0}")
                    )
                })
                .collect()
        };
        for (st, label) in [
            (Status::Compatible, "also compatible"),
            (Status::CompatibleWithCaveats, "with caveats"),
        ] {
            let n = names(st);
            if !n.is_empty() {
                let line = format!("{label} ({}): {}", n.len(), n.join(", "));
                out.push_str(&fill_painted(
                    &line,
                    w,
                    (bullet, "    "),
                    label,
                    p,
                    Tone::Dim,
                ));
            }
        }
    }
    if !fp.excluded.is_empty() {
        let shown: Vec<&cudoctor_kb::Excluded> = if all {
            fp.excluded.iter().collect()
        } else {
            nearest_excluded(fp)
        };
        let line = if all {
            format!("excluded ({}):", fp.excluded.len())
        } else {
            format!(
                "excluded ({} in all; those nearest the newest fit shown; `--all` lists all):",
                fp.excluded.len()
            )
        };
        out.push_str(&fill_painted(
            &line,
            w,
            (bullet, "    "),
            "excluded",
            p,
            Tone::Dim,
        ));
        for ex in shown {
            let line = format!(
                "{}{}: {}",
                ex.version,
                variant_suffix(&ex.variant),
                ex.reasons.join("; ")
            );
            let first = if markdown { "- x " } else { "  x " };
            out.push_str(&fill_painted(
                &line,
                w,
                (first, "    "),
                "x",
                p,
                Tone::Error,
            ));
        }
    }
    if !all && !others.is_empty() {
        out.push_str(&fill(
            "`cudoctor plan --all` shows every candidate with its caveats and every exclusion.",
            w,
            bullet,
            "    ",
        ));
    }
    if let Some(r) = &fp.recommendation {
        install(out, fp, r, p, markdown, w);
    }
}

/// A command on its own line, whole, so that it pastes as is (a code block in Markdown).
fn command(out: &mut String, p: Printer, markdown: bool, cmd: &str) {
    if markdown {
        let _ = write!(out, "  ```sh\n  {cmd}\n  ```\n");
    } else {
        let _ = writeln!(out, "      {}", p.paint(Tone::Code, cmd));
    }
}

/// The recommendation's install commands, last, so the plan ends in what to paste: the `pip
/// install` line, then the official image where there is one.
fn install(
    out: &mut String,
    fp: &cudoctor_kb::FrameworkPlan,
    r: &cudoctor_kb::Recommendation,
    p: Printer,
    markdown: bool,
    w: usize,
) {
    let bullet = if markdown { "- " } else { "  " };
    let cand = fp
        .candidates
        .iter()
        .find(|c| c.version == r.release && c.variant == r.variant);
    let mut head = format!("Install {}{}:", r.release, variant_suffix(&r.variant));
    // Before the `[and-cuda]` extra (TensorFlow 2.14), the wheel brings no CUDA libraries:
    // `pip install` alone gives a TensorFlow that runs on the CPU.
    if fp.framework == cudoctor_kb::Framework::TensorFlow
        && !r.install.pip.iter().any(|a| a.contains("[and-cuda]"))
    {
        let libs = match (
            cand.and_then(|c| c.cuda.as_ref()),
            cand.and_then(|c| c.cudnn.as_ref()),
        ) {
            (Some(cu), Some(dnn)) => format!("CUDA {cu} and cuDNN {dnn}"),
            (Some(cu), None) => format!("CUDA {cu} and its cuDNN"),
            _ => "the CUDA libraries it was built with".to_owned(),
        };
        head = format!(
            "Install {} (the wheel brings no CUDA libraries: install {libs} on the system; \
             `cudoctor requirements tensorflow=={}` lists the files it loads):",
            r.release, r.release
        );
    }
    out.push_str(&fill_painted(
        &head,
        w,
        (bullet, "    "),
        "Install",
        p,
        Tone::Bold,
    ));
    command(out, p, markdown, &r.install.pip_command());
    if let Some(image) = &r.install.image {
        out.push_str(&fill("or run the official image:", w, bullet, "    "));
        command(
            out,
            p,
            markdown,
            &format!("docker run --gpus all -it {image}"),
        );
    }
}
