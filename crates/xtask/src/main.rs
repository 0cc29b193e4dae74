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
        /// Add the proposed rows to the data files (sorted in place, comments kept, atomic, with
        /// a `.bak` copy); rows that disagree are listed, not edited.
        #[arg(long)]
        write: bool,
        /// The kb crate whose `data/*.toml` `--write` edits (default `<repo>/crates/cudoctor-kb`).
        #[arg(long, value_name = "DIR")]
        kb_dir: Option<PathBuf>,
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
            kb_dir,
        } => {
            if deep {
                writeln!(
                    std::io::stderr(),
                    "error: `--deep` is not built yet (counting SASS/PTX needs the whole wheel); use `cudoctor archs` on a downloaded wheel's libraries"
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
            if write {
                let dir =
                    kb_dir.unwrap_or_else(|| xtask::repo_root().join("crates").join("cudoctor-kb"));
                let changed = xtask::write::write(&dir, &cmp.proposals)?;
                for p in &changed {
                    writeln!(
                        std::io::stderr(),
                        "wrote `{}` (the old file is `{}.bak`)",
                        p.display(),
                        p.display()
                    )?;
                }
                writeln!(
                    std::io::stderr(),
                    "{} files changed; rows that disagree were not edited (see the list above); check with `cargo test -p cudoctor-kb`",
                    changed.len()
                )?;
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
