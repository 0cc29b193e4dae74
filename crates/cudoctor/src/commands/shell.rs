//! `cudoctor completions SHELL` and `cudoctor man`: the shell completion script and the manual
//! page, generated from the same argument definitions as `--help` (clap_complete, clap_mangen).

use clap::CommandFactory as _;

use crate::cli::{Cli, Format};
use crate::{Ctx, ExitStatus, error};

/// Prints the completion script for `shell`.
pub fn completions(ctx: Ctx, shell: clap_complete::Shell) -> anyhow::Result<ExitStatus> {
    text_only(ctx, "completions")?;
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "cudoctor", &mut out);
    ctx.out.out(&String::from_utf8(out)?);
    Ok(ExitStatus::Success)
}

/// Prints the manual page (roff).
pub fn man(ctx: Ctx) -> anyhow::Result<ExitStatus> {
    text_only(ctx, "man")?;
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    ctx.out.out(&String::from_utf8(out)?);
    Ok(ExitStatus::Success)
}

fn text_only(ctx: Ctx, command: &str) -> anyhow::Result<()> {
    if ctx.format == Format::Text {
        return Ok(());
    }
    Err(error::hinted(
        format!("`cudoctor {command}` has only one output form"),
        "leave out `--format`",
    ))
}
