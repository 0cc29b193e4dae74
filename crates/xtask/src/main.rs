//! `cargo run -p xtask -- kb-refresh | kb-record`; see the crate's README.md.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};
use cudoctor_pypi::{Client, Config};
use xtask::{compare, record, refresh};

#[derive(Parser)]
#[command(name = "xtask", about = "Maintainer tools of cudoctor (not shipped)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read every release of the tracked packages from the index and compare with the embedded data.
    KbRefresh {
        /// Only this package (repeatable); default: every tracked package.
        #[arg(long = "package", value_name = "P")]
        packages: Vec<String>,
        /// Download each wheel and count SASS/PTX per architecture (not built yet).
        #[arg(long)]
        deep: bool,
        /// Edit the data files (not built yet: paste the proposed rows).
        #[arg(long)]
        write: bool,
        /// Never touch the network: answer from the cache.
        #[arg(long)]
        offline: bool,
        /// The response cache (default `<repo>/.cache/pypi`).
        #[arg(long, value_name = "DIR")]
        cache_dir: Option<PathBuf>,
    },
    /// Record the index's answers once into `crates/xtask/tests/fixtures/pypi` (replaces it).
    KbRecord {
        /// Only this package (repeatable); default: every tracked package.
        #[arg(long = "package", value_name = "P")]
        packages: Vec<String>,
    },
}

/// One request's timeout: a maintainer's batch run over large wheels, not a user's command.
const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

fn progress(line: &str) {
    // Progress goes to stderr; a closed stderr is not an error worth stopping for.
    let _ = writeln!(std::io::stderr(), "reading {line}");
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::KbRefresh {
            packages,
            deep,
            write,
            offline,
            cache_dir,
        } => {
            if deep || write {
                let what = if deep { "--deep" } else { "--write" };
                writeln!(
                    std::io::stderr(),
                    "error: `{what}` is not built yet; run without it and paste the proposed rows into the data files"
                )?;
                return Ok(ExitCode::from(2));
            }
            let mut config = Config::from_env();
            config.timeout = TIMEOUT;
            config.offline = offline;
            config.cache_dir = Some(cache_dir.unwrap_or_else(xtask::default_cache));
            let client = Client::new(config);
            let facts = refresh::gather_all(&client, &packages, &mut progress);
            let kb = cudoctor_kb::Kb::embedded().map_err(|e| anyhow::anyhow!("{e}"))?;
            let cmp = compare::compare(kb, &facts);
            let mut out = std::io::stdout().lock();
            if let Err(e) = out.write_all(compare::render(&cmp, &facts).as_bytes()) {
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    return Err(e.into());
                }
            }
            Ok(if cmp.findings.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::KbRecord { packages } => {
            // Fixtures are keyed by URL: always PyPI itself, whatever index the shell names.
            let mut config = Config::from_env();
            config.timeout = TIMEOUT;
            cudoctor_pypi::config::PYPI_SIMPLE.clone_into(&mut config.index_url);
            config.cache_dir = Some(xtask::default_cache());
            let client = Client::new(config);
            let facts = refresh::gather_all(&client, &packages, &mut progress);
            let dest = xtask::fixture_dir();
            record::record(&client, &facts, &dest)?;
            writeln!(
                std::io::stderr(),
                "recorded {} packages into `{}`",
                facts.len(),
                dest.display()
            )?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e:#}");
            ExitCode::from(2)
        }
    }
}
