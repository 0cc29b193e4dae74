//! `plan`: the constraints, then per framework the releases that fit and the nearest that do not.

use std::fmt::Write as _;

use cudoctor_kb::version::FrameworkVersion;
use cudoctor_kb::{Plan, Status};

use super::wrap::{fill, fill_painted};
use super::{Printer, Tone, heading, labelled};

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
    let unknown = p.tr("plan-unknown", &[]);
    let show = |v: Option<String>| v.unwrap_or_else(|| unknown.clone());
    let gpu = match (&c.gpu, &c.compute_capability) {
        (Some(name), Some(cc)) => p.tr(
            "plan-gpu-cc",
            &[("name", name.clone().into()), ("cc", cc.to_string().into())],
        ),
        (None, Some(cc)) => p.tr("plan-cc", &[("cc", cc.to_string().into())]),
        (Some(name), None) => name.clone(),
        (None, None) => unknown.clone(),
    };
    let header = p.tr(
        "plan-constraints",
        &[
            (
                "driver",
                show(c.driver.as_ref().map(ToString::to_string)).into(),
            ),
            ("gpu", gpu.into()),
            ("python", show(c.python.map(|v| v.to_string())).into()),
        ],
    );
    if markdown {
        heading(&mut out, p, markdown, 0, &header);
    } else {
        out.push_str(&p.paint(Tone::Bold, fill(&header, w, "", "  ").trim_end()));
        out.push('\n');
    }
    if !c.unknown.is_empty() {
        let line = p.tr("plan-not-given", &[("list", c.unknown.join(", ").into())]);
        out.push_str(&fill_painted(
            &line,
            w,
            ("", "  "),
            &p.tr("plan-label-unknown", &[]),
            p,
            Tone::Warning,
        ));
    }
    for n in &c.notes {
        out.push_str(&fill(
            &p.tr("plan-note", &[("note", n.clone().into())]),
            w,
            "",
            "      ",
        ));
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

/// `(tone, label)` of a candidate's status, the label in the printer's language.
fn status_label(s: Status, p: Printer) -> (Tone, String) {
    match s {
        Status::Compatible => (Tone::Ok, p.tr("plan-compatible", &[])),
        Status::CompatibleWithCaveats => (Tone::Warning, p.tr("plan-compatible-with-caveats", &[])),
    }
}

/// Why the recommendation was chosen, in the printer's language (English: the plan's `why`).
fn why_chosen(r: &cudoctor_kb::Recommendation, p: Printer) -> String {
    use cudoctor_kb::WhyChosen;
    if p.lang() == cudoctor_i18n::Lang::En {
        return r.why.clone();
    }
    match &r.why_kind {
        WhyChosen::NoCaveats => p.tr("plan-why-no-caveats", &[]),
        WhyChosen::NotGiven(list) => {
            p.tr("plan-why-not-given", &[("list", list.join(", ").into())])
        }
        WhyChosen::CommonCaveats => p.tr("plan-why-common-caveats", &[]),
        WhyChosen::DistinctCaveats(n) => {
            p.tr("plan-why-distinct-caveats", &[("count", (*n).into())])
        }
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
        let (tone, label) = status_label(r.status, p);
        let use_ = p.tr("plan-use", &[]);
        let line = labelled(
            &use_,
            &format!(
                "{}{}{}: {label}",
                r.release,
                variant_suffix(&r.variant),
                build_suffix(
                    cand.and_then(|c| c.cuda.as_ref()),
                    cand.and_then(|c| c.cudnn.as_ref())
                ),
            ),
        );
        out.push_str(
            &fill_painted(&line, w, (bullet, "      "), &label, p, tone).replacen(
                &use_,
                &p.paint(Tone::Bold, &use_),
                1,
            ),
        );
        let (why_first, why_rest) = if markdown {
            ("  ", "  ")
        } else {
            ("      ", "        ")
        };
        let why = p.tr("plan-label-why", &[]);
        out.push_str(&fill_painted(
            &labelled(&why, &why_chosen(r, p)),
            w,
            (why_first, why_rest),
            &why,
            p,
            Tone::Dim,
        ));
        for cav in &r.distinct_caveats {
            out.push_str(&fill(cav, w, sub, &sub_rest));
        }
    } else {
        let why = fp
            .no_recommendation
            .clone()
            .unwrap_or_else(|| p.tr("plan-no-release", &[]));
        out.push_str(&fill(
            &p.tr("plan-no-recommendation", &[("why", why.into())]),
            w,
            bullet,
            "    ",
        ));
    }
    if !fp.common_caveats.is_empty() {
        out.push_str(&fill(&p.tr("plan-common-caveats", &[]), w, bullet, "    "));
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
            let (tone, label) = status_label(cand.status, p);
            let line = format!(
                "{}{}{}: {label}  `{}`",
                cand.version,
                variant_suffix(&cand.variant),
                build_suffix(cand.cuda.as_ref(), cand.cudnn.as_ref()),
                cand.install.pip_command()
            );
            out.push_str(&fill_painted(&line, w, (bullet, "    "), &label, p, tone));
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
            (Status::Compatible, p.tr("plan-also-compatible", &[])),
            (
                Status::CompatibleWithCaveats,
                p.tr("plan-with-caveats", &[]),
            ),
        ] {
            let n = names(st);
            if !n.is_empty() {
                let line = format!("{label} ({}): {}", n.len(), n.join(", "));
                out.push_str(&fill_painted(
                    &line,
                    w,
                    (bullet, "    "),
                    &label,
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
        let count = [("count", fp.excluded.len().into())];
        let line = if all {
            p.tr("plan-excluded-all", &count)
        } else {
            p.tr("plan-excluded-count", &count)
        };
        out.push_str(&fill_painted(
            &line,
            w,
            (bullet, "    "),
            &p.tr("plan-label-excluded", &[]),
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
        out.push_str(&fill(&p.tr("plan-see-all", &[]), w, bullet, "    "));
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
    let release = format!("{}{}", r.release, variant_suffix(&r.variant));
    let mut head = p.tr("plan-install-head", &[("release", release.into())]);
    // Before the `[and-cuda]` extra (TensorFlow 2.14), the wheel brings no CUDA libraries:
    // `pip install` alone gives a TensorFlow that runs on the CPU.
    if fp.framework == cudoctor_kb::Framework::TensorFlow
        && !r.install.pip.iter().any(|a| a.contains("[and-cuda]"))
    {
        let libs = match (
            cand.and_then(|c| c.cuda.as_ref()),
            cand.and_then(|c| c.cudnn.as_ref()),
        ) {
            (Some(cu), Some(dnn)) => p.tr(
                "plan-libs-cuda-cudnn",
                &[("cuda", cu.clone().into()), ("cudnn", dnn.clone().into())],
            ),
            (Some(cu), None) => p.tr("plan-libs-cuda", &[("cuda", cu.clone().into())]),
            _ => p.tr("plan-libs-unknown", &[]),
        };
        head = p.tr(
            "plan-install-tf-head",
            &[("release", r.release.clone().into()), ("libs", libs.into())],
        );
    }
    out.push_str(&fill_painted(
        &head,
        w,
        (bullet, "    "),
        &p.tr("plan-install", &[]),
        p,
        Tone::Bold,
    ));
    command(out, p, markdown, &r.install.pip_command());
    if let Some(image) = &r.install.image {
        out.push_str(&fill(&p.tr("plan-or-image", &[]), w, bullet, "    "));
        command(
            out,
            p,
            markdown,
            &format!("docker run --gpus all -it {image}"),
        );
    }
}

#[cfg(test)]
mod tests {
    use cudoctor_i18n::{Lang, tr};
    use cudoctor_kb::WhyChosen;

    /// The catalog's English for each reason is the plan's `why` word for word, so the other
    /// languages translate what the JSON says.
    #[test]
    fn why_keys_say_what_the_plan_says() {
        let cases = [
            (WhyChosen::NoCaveats, "plan-why-no-caveats", vec![]),
            (
                WhyChosen::NotGiven(vec!["driver".into(), "python".into()]),
                "plan-why-not-given",
                vec![("list", "driver, python".into())],
            ),
            (WhyChosen::CommonCaveats, "plan-why-common-caveats", vec![]),
            (
                WhyChosen::DistinctCaveats(2),
                "plan-why-distinct-caveats",
                vec![("count", 2usize.into())],
            ),
        ];
        for (why, key, args) in cases {
            assert_eq!(tr(Lang::En, key, &args), why.english(), "{key}");
            assert_ne!(tr(Lang::Zh, key, &args), key, "{key} has no zh text");
        }
    }
}
