//! `which`: the file the loader takes for a soname, and every candidate of its search.

use std::fmt::Write as _;

use cudoctor_probe::{Outcome, Resolution};

use super::{Printer, Tone, resolved};

/// What an outcome means, in words.
fn outcome_text(o: Outcome) -> &'static str {
    match o {
        Outcome::Taken => "taken",
        Outcome::Shadowed => "would also load, but an earlier candidate wins",
        Outcome::Missing => "missing",
        Outcome::WrongElfClass => "wrong ELF class",
        Outcome::WrongMachine => "wrong machine",
        Outcome::DanglingLink => "dangling link",
        Outcome::SymlinkLoop => "symlink loop",
        Outcome::NotElf => "not an ELF shared object",
        Outcome::Unreadable => "unreadable",
    }
}

/// The answer and the search order of `res`.
pub fn render(res: &Resolution, p: Printer) -> String {
    let mut out = String::new();
    match &res.chosen {
        Some(c) => {
            let real = resolved(&c.path, c.real_path.as_deref(), "`");
            let _ = writeln!(
                out,
                "{}: `{}`{real}",
                p.paint(Tone::Ok, &res.soname),
                c.path
            );
        }
        None => {
            let _ = writeln!(
                out,
                "{}: not found (the loader would fail with \"cannot open shared object file\")",
                p.paint(Tone::Error, &res.soname),
            );
        }
    }
    if let Some(from) = &res.from {
        let _ = writeln!(out, "  as loaded by `{from}`");
    }
    if !res.candidates.is_empty() {
        out.push_str("  search order:\n");
    }
    for c in &res.candidates {
        let step = serde_json::to_value(c.step)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let tone = match c.outcome {
            Outcome::Taken => Tone::Ok,
            Outcome::Missing | Outcome::Shadowed => Tone::Dim,
            _ => Tone::Warning,
        };
        let detail = c
            .detail
            .as_deref()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "    {:<18} `{}`: {}{detail}",
            step,
            c.path,
            p.paint(tone, outcome_text(c.outcome))
        );
    }
    for n in &res.notes {
        let _ = writeln!(out, "  note: {n}");
    }
    out
}
