//! `cudoctor lint [Dockerfile]`: GPU-stack mistakes in a Dockerfile, as findings in `check`'s
//! format, with `check`'s exit codes (1 when any finding is an error).

use std::io::Read as _;

use anyhow::Context as _;
use cudoctor_diagnose::{Finding, Severity, msg};
use cudoctor_kb::kb;
use serde::Serialize;

use crate::cli::{Format, LintArgs};
use crate::render::findings;
use crate::render::printer::Tone;
use crate::{Ctx, ExitStatus, error, no_markdown, term, to_json};

/// `lint --format json`.
#[derive(Serialize)]
struct LintJson<'a> {
    schema_version: u32,
    file: &'a str,
    status: &'static str,
    findings: &'a [Finding],
}

fn status(f: &[Finding]) -> &'static str {
    if f.iter().any(|f| f.severity == Severity::Error) {
        "error"
    } else if f.iter().any(|f| f.severity == Severity::Warning) {
        "warning"
    } else {
        "ok"
    }
}

pub fn run(ctx: Ctx, args: &LintArgs) -> anyhow::Result<ExitStatus> {
    no_markdown(ctx, "lint")?;
    let stdin = args.file.as_os_str() == "-";
    let name = if stdin {
        "-".to_owned()
    } else {
        args.file.display().to_string()
    };
    // Bytes, read as UTF-8 lossily: a Latin-1 byte in a comment is no reason to refuse the
    // file (BuildKit reads it too).
    let bytes = if stdin {
        let mut b = Vec::new();
        std::io::stdin()
            .read_to_end(&mut b)
            .context("cannot read the Dockerfile from standard input")?;
        b
    } else {
        std::fs::read(&args.file).map_err(|e| {
            anyhow::Error::new(e).context(error::Hinted {
                message: format!("cannot read the Dockerfile `{name}`"),
                hint: Some(
                    "name the file: `cudoctor lint path/to/Dockerfile`, or `-` for standard input"
                        .to_owned(),
                ),
            })
        })?
    };
    let text = String::from_utf8_lossy(&bytes);
    let mut found = cudoctor_setup::lint::lint(kb(), &text, &name)?;
    found.sort_by_key(|f| match f.severity {
        Severity::Error => 0,
        Severity::Warning => 1,
        Severity::Info => 2,
    });
    let out = if ctx.format == Format::Json {
        to_json(&LintJson {
            schema_version: 1,
            file: &name,
            status: status(&found),
            findings: &found,
        })?
    } else {
        // The findings quote the file: made terminal-safe first.
        let safe = term::escaped_findings(&found)?;
        let mut t = String::new();
        let count = |s: Severity| found.iter().filter(|f| f.severity == s).count();
        // Notes alone are no mistakes, but they are counted (they follow).
        let verdict = if found.is_empty() {
            msg!("ui-lint-verdict-clean", file = name.as_str())
        } else {
            msg!(
                "ui-lint-verdict-counts",
                file = name.as_str(),
                errors = count(Severity::Error),
                warnings = count(Severity::Warning),
                notes = count(Severity::Info)
            )
        }
        .render(ctx.out.lang());
        let tone = match status(&found) {
            "error" => Tone::Error,
            "warning" => Tone::Warning,
            _ => Tone::Ok,
        };
        t.push_str(&ctx.out.paint(tone, &term::escape(&verdict)));
        t.push('\n');
        for f in &safe {
            t.push('\n');
            findings::finding_text(&mut t, f, ctx.out);
        }
        t
    };
    ctx.out.out(&out);
    Ok(if found.iter().any(|f| f.severity == Severity::Error) {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}
