//! `requirements`: what a framework release needs, one block (a table in Markdown) per variant.

use std::fmt::Write as _;

use cudoctor_kb::version::CudaVersion;
use cudoctor_kb::{Requirements, VariantRequirements};

use super::markdown::cell;
use super::wrap::{fill, fill_painted};
use super::{Printer, Tone, sources};

/// Each of `lines` as `  LABEL line`, wrapped to the printer's width under its text, the label
/// painted in `tone`.
fn labelled(out: &mut String, p: Printer, tone: Tone, label: &str, lines: &[String]) {
    let hang = " ".repeat(label.len() + 3);
    for line in lines {
        let first = format!("  {label} ");
        out.push_str(&fill_painted(
            line,
            p.width(),
            (&first, &hang),
            label,
            p,
            tone,
        ));
    }
}

fn or_unknown(v: Option<&String>) -> String {
    v.cloned().unwrap_or_else(|| "unknown".to_owned())
}

fn list_or_unknown(v: &[String]) -> String {
    if v.is_empty() {
        "unknown".to_owned()
    } else {
        v.join(", ")
    }
}

/// Human-readable requirements: one block per variant.
pub fn render(req: &Requirements, p: Printer, markdown: bool) -> String {
    let mut out = String::new();
    let title = format!(
        "{} {} ({})",
        req.framework.display_name(),
        req.version,
        req.package
    );
    super::heading(&mut out, p, markdown, 2, &title);
    for note in &req.notes {
        if markdown {
            let _ = writeln!(out, "note: {note}");
        } else {
            out.push_str(&fill(note, p.width(), "note: ", "      "));
        }
    }
    for v in &req.variants {
        out.push('\n');
        variant(&mut out, v, p, markdown);
    }
    out
}

fn variant(out: &mut String, v: &VariantRequirements, p: Printer, markdown: bool) {
    let mut title = format!("variant {}", v.name);
    if let Some(true) = v.pypi_default {
        title.push_str(" (the PyPI default)");
    }
    if let Some(ch) = &v.channel {
        let _ = write!(title, " [{ch}]");
    }
    let mut rows: Vec<(&str, String)> = vec![
        ("CUDA", or_unknown(v.cuda.as_ref())),
        ("cuDNN", or_unknown(v.cudnn.as_ref())),
    ];
    if let Some(acc) = &v.cudnn_accepted {
        rows.push(("cuDNN accepted", acc.clone()));
    }
    rows.push((
        "driver",
        match &v.driver_min {
            Some(d) => format!(">= {d}"),
            None => "unknown".to_owned(),
        },
    ));
    rows.push((
        "driver (minor-version compat.)",
        match &v.driver_min_compat {
            Some(d) => format!(
                ">= {d} (minor-version compatibility: no JIT of PTX newer than the driver; features that need the newer driver are unavailable)"
            ),
            None if v
                .cuda
                .as_deref()
                .and_then(|c| c.parse::<CudaVersion>().ok())
                .is_some_and(|c| c.major() < 11) =>
            {
                "none (CUDA < 11 has no minor-version compatibility)".to_owned()
            }
            None => "unknown".to_owned(),
        },
    ));
    let mut py = list_or_unknown(&v.python);
    if !v.python_experimental.is_empty() {
        let _ = write!(py, " (experimental: {})", v.python_experimental.join(", "));
    }
    rows.push(("Python", py));
    rows.push(("GPU code", list_or_unknown(&v.compute_capabilities)));
    if !v.build_compute_capabilities.is_empty() {
        rows.push((
            "build_info entries",
            format!(
                "{} (TensorFlow's convention: compute_XY = sm_XY SASS + compute_XY PTX)",
                v.build_compute_capabilities.join(", ")
            ),
        ));
    }
    if let Some(cc) = &v.min_compute_capability {
        rows.push(("lowest compute capability", cc.clone()));
    }
    if let Some(isa) = &v.ptx_isa {
        rows.push((
            "PTX ISA",
            match &v.ptx_isa_source {
                Some(how) => format!("{isa} ({how})"),
                None => isa.clone(),
            },
        ));
    }
    if !v.sonames.is_empty() {
        let mut s: Vec<String> = v.sonames.values().cloned().collect();
        s.sort();
        s.dedup();
        let ev = v.sonames_evidence.as_deref().unwrap_or("");
        rows.push((
            "dlopens",
            if ev.is_empty() {
                s.join(", ")
            } else {
                format!("{} ({ev})", s.join(", "))
            },
        ));
    }
    if !v.images.is_empty() {
        rows.push(("official images", v.images.join(", ")));
    }
    if markdown {
        let _ = writeln!(out, "### {title}\n\n| | |\n|---|---|");
        for (k, val) in rows {
            let _ = writeln!(out, "| {k} | {} |", cell(&val));
        }
        for u in &v.unknown {
            let _ = write!(out, "\n- unknown: {u}");
        }
        for n in &v.notes {
            let _ = write!(out, "\n- note: {n}");
        }
        out.push('\n');
        sources(out, p, true, "", &v.sources);
    } else {
        for line in fill(&title, p.width(), "", "  ").lines() {
            out.push_str(&p.paint(Tone::Bold, line));
            out.push('\n');
        }
        let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        let hang = " ".repeat(width + 4);
        for (k, val) in rows {
            out.push_str(&fill(&val, p.width(), &format!("  {k:<width$}  "), &hang));
        }
        labelled(out, p, Tone::Warning, "unknown:", &v.unknown);
        labelled(out, p, Tone::Dim, "note:", &v.notes);
        sources(out, p, false, "  ", &v.sources);
    }
}
