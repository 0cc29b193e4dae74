//! Everything the commands show, rendered here: findings and diagnoses, each command's text and
//! Markdown forms, the shared pieces (headings, source lists, wrapping, tables) and the printer
//! that colors them and writes them out.
//!
//! Every renderer is a pure function of its data (and a [`Printer`] for color): a command in
//! `commands/` parses its arguments, gets the facts, calls a renderer here and picks the exit
//! code.

use std::fmt::Write as _;

pub mod archs;
pub mod explain;
pub mod findings;
pub mod markdown;
pub mod matrix;
pub mod plan;
pub mod printer;
pub mod probe;
pub mod report;
pub mod requirements;
pub mod table;
pub mod which;
pub mod wrap;

pub use printer::{Printer, Tone};

use crate::cli::Format;

/// `value` in `format`: JSON as it serializes, text or Markdown as `render` (given whether
/// Markdown is asked for) writes it.
pub fn document<T: serde::Serialize>(
    format: Format,
    p: Printer,
    value: &T,
    render: impl Fn(&T, Printer, bool) -> String,
) -> anyhow::Result<String> {
    Ok(match format {
        Format::Json => crate::to_json(value)?,
        Format::Text => render(value, p, false),
        Format::Markdown => render(value, p, true),
    })
}

/// `label` then `text`, with the space a label takes before its text: none after a
/// full-width colon (`证据：…`), one after any other (`evidence: …`).
pub fn labelled(label: &str, text: &str) -> String {
    if label.ends_with('：') {
        format!("{label}{text}")
    } else {
        format!("{label} {text}")
    }
}

/// A heading: bold in text; in Markdown `level` `#`s (none for 0: a plain paragraph).
pub fn heading(out: &mut String, p: Printer, markdown: bool, level: usize, text: &str) {
    if markdown {
        if level > 0 {
            out.push_str(&"#".repeat(level));
            out.push(' ');
        }
        let _ = write!(out, "{text}\n\n");
    } else {
        out.push_str(&p.paint(Tone::Bold, text));
        out.push('\n');
    }
}

/// ` -> REAL` (in `quote`s) when a link at `path` resolves to another path `real`; else nothing.
pub fn resolved(path: &str, real: Option<&str>, quote: &str) -> String {
    real.filter(|r| *r != path)
        .map(|r| format!(" -> {quote}{r}{quote}"))
        .unwrap_or_default()
}

/// A list of sources: `Sources:` and a bullet each in Markdown (after a blank line); in text a
/// dim `sources:` at `indent`, one source a line below it, two spaces further in (wrapped to
/// the printer's width, continued four spaces in).
pub fn sources(out: &mut String, p: Printer, markdown: bool, indent: &str, sources: &[String]) {
    if markdown {
        out.push_str("\nSources:\n");
        markdown::bullets(out, sources);
    } else {
        let _ = writeln!(out, "{indent}{}", p.paint(Tone::Dim, "sources:"));
        let (first, rest) = (format!("{indent}  "), format!("{indent}    "));
        for s in sources {
            out.push_str(&wrap::fill(s, p.width(), &first, &rest));
        }
    }
}
