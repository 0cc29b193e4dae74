//! The `cudoctor` command line: argument parsing, one module per command, rendering, exit codes.
//!
//! `main.rs` only calls [`main`]. Each command lives in `commands/`: it takes resolved settings,
//! gets the facts, has them rendered by `render/` (the one place text and Markdown output is
//! written) and returns an [`ExitStatus`]; all output goes through [`printer::Printer`]. The judging is done in
//! `cudoctor-diagnose`, the facts come from `cudoctor-probe`, the tables from `cudoctor-kb`: this
//! crate holds no compatibility knowledge of its own.

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

pub mod cli;
mod commands;
pub mod error;
pub mod exit;
mod image;
mod render;
mod source;
mod spec;
pub mod term;

pub use render::{printer, table, wrap};

use cli::{Cli, Command, Format, FormatArg};
pub use exit::ExitStatus;
use render::Printer;

/// What every command gets: the chosen format and the printers for stdout and stderr.
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    pub format: Format,
    pub out: Printer,
    pub err: Printer,
}

/// Runs cudoctor with `args` (including the program name) and returns the process exit code.
pub fn main(args: impl IntoIterator<Item = impl Into<OsString> + Clone>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            // --help and --version print to stdout and exit 0; usage errors exit 2.
            let _ = err.print();
            return if err.use_stderr() {
                ExitStatus::Error.into()
            } else {
                ExitStatus::Success.into()
            };
        }
    };
    let env = |k: &str| std::env::var(k).ok();
    let format = match (cli.global.format.plain(), &cli.command) {
        (Some(f), _) => f,
        (None, Command::Watch(_))
            if matches!(cli.global.format, FormatArg::Jsonl | FormatArg::Tui) =>
        {
            Format::Text
        }
        (None, Command::Run(_))
            if matches!(cli.global.format, FormatArg::Sh | FormatArg::Compose) =>
        {
            Format::Text
        }
        (None, _) => {
            let err = error::hinted(
                "`--format jsonl` and `--format tui` are only for `cudoctor watch`, `--format sh` and `--format compose` only for `cudoctor run`",
                "use `--format text`, `--format json` or `--format markdown`",
            );
            error::report(&err, Printer::new(false));
            return ExitStatus::Error.into();
        }
    };
    let lang = cli
        .global
        .lang
        .unwrap_or_else(|| cudoctor_i18n::Lang::from_env_with(env));
    let ctx = Ctx {
        format,
        out: Printer::new(printer::resolve_color(
            cli.global.color,
            printer::stdout_is_tty(),
            &env,
        ))
        .with_width(render::wrap::terminal_width(
            &env,
            render::wrap::stdout_terminal_width(),
        ))
        .with_lang(lang),
        err: Printer::new(printer::resolve_color(
            cli.global.color,
            printer::stderr_is_tty(),
            &env,
        ))
        .with_lang(lang),
    };
    let result = match cli.command {
        Command::Requirements(args) => commands::requirements::run(ctx, &args),
        Command::Plan(args) => commands::plan::run(ctx, &args),
        Command::Matrix(args) => commands::matrix::run(ctx, &args),
        Command::Probe(args) => commands::probe::run(ctx, &args),
        Command::Which(args) => commands::which::run(ctx, &args),
        Command::Check(args) => commands::check::run(ctx, &args),
        Command::Report(args) => commands::report::run(ctx, &args),
        Command::Archs(args) => commands::archs::run(ctx, &args),
        Command::Explain(args) => commands::explain::run(ctx, &args),
        Command::Dockerfile(args) => commands::dockerfile::run(ctx, &args),
        Command::Run(mut args) => {
            // `--format compose` is `--compose`; `--format sh` the default `docker run` line.
            args.compose |= cli.global.format == FormatArg::Compose;
            commands::run::run(ctx, &args)
        }
        Command::Lint(args) => commands::lint::run(ctx, &args),
        Command::Fix(args) => commands::fix::run(ctx, &args),
        Command::Completions(args) => commands::shell::completions(ctx, args.shell),
        Command::Man => commands::shell::man(ctx),
        // Its exit code may be the followed command's: it reports its own errors.
        Command::Watch(args) => return commands::watch::main(ctx, &args, cli.global.format),
    };
    match result {
        Ok(status) => status.into(),
        Err(err) => {
            error::report(&err, ctx.err);
            ExitStatus::Error.into()
        }
    }
}

/// Serializes `value` as pretty JSON followed by a newline.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> anyhow::Result<String> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    Ok(text)
}

/// Rejects `--format markdown` for commands that have no Markdown form.
pub(crate) fn no_markdown(ctx: Ctx, command: &str) -> anyhow::Result<()> {
    if ctx.format == Format::Markdown {
        return Err(error::hinted(
            format!("`cudoctor {command}` has no Markdown output"),
            "use `--format text` or `--format json`",
        ));
    }
    Ok(())
}
