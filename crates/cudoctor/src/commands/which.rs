//! `cudoctor which SONAME`: the file the dynamic loader would load, and every candidate skipped.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use cudoctor_probe::{Outcome, Resolution};

use crate::cli::{Format, WhichArgs};
use crate::printer::{Printer, Tone};
use crate::{Ctx, ExitStatus, error, no_markdown, to_json};

pub fn run(ctx: Ctx, args: &WhichArgs) -> anyhow::Result<ExitStatus> {
    no_markdown(ctx, "which")?;
    if args.soname.trim().is_empty() {
        return Err(error::hinted(
            "the library name is empty",
            "give a soname such as `libcudnn.so.8`",
        ));
    }
    if args.source.snapshot.is_some() {
        return Err(error::hinted(
            "`cudoctor which` needs the files, not a snapshot",
            "run it on the machine, or with `--root DIR`; a snapshot already holds the loader's answers under `loader`",
        ));
    }
    let (root, env) = crate::source::root_and_env(&args.source)?;
    let from = match (&args.from, root.is_host()) {
        (Some(f), true) if f.is_relative() => Some(std::env::current_dir()?.join(f)),
        (f, _) => f.clone(),
    };
    if let Some(f) = &from {
        if !root.is_file(f) {
            return Err(error::hinted(
                format!(
                    "`--from {}`: no such file (or not a regular file)",
                    f.display()
                ),
                "give the ELF file that loads the library (a framework's shared object)",
            ));
        }
    }
    // PyTorch and JAX preload the CUDA libraries of the `nvidia-*` wheels from their own
    // site-packages before the loader searches; a requester inside a site-packages (a
    // framework's own library) gets that step too, as does `--site-packages DIR`.
    let mut site_packages: Vec<PathBuf> = args.site_packages.clone();
    if let Some(sp) = from.as_deref().and_then(enclosing_site_packages) {
        if !site_packages.contains(&sp) {
            site_packages.push(sp);
        }
    }
    let res = cudoctor_probe::which_for_framework(
        &root,
        &env,
        &args.soname,
        from.as_deref(),
        &site_packages,
    );
    let text = match ctx.format {
        Format::Json => to_json(&res)?,
        _ => render(&res, ctx.out),
    };
    ctx.out.out(&text);
    // Not found is an answer, not a failure of the tool; but scripts want to know.
    Ok(if res.chosen.is_some() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

/// The `site-packages` (or `dist-packages`) directory that contains `path`, if any.
fn enclosing_site_packages(path: &Path) -> Option<PathBuf> {
    path.ancestors()
        .find(|a| {
            a.file_name()
                .is_some_and(|n| n == "site-packages" || n == "dist-packages")
        })
        .map(Path::to_path_buf)
}

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

pub fn render(res: &Resolution, p: Printer) -> String {
    let mut out = String::new();
    match &res.chosen {
        Some(c) => {
            let real = c
                .real_path
                .as_deref()
                .filter(|r| *r != c.path)
                .map(|r| format!(" -> `{r}`"))
                .unwrap_or_default();
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
