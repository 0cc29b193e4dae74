//! `cargo run -p xtask -- kb-refresh | kb-record`; see the crate's README.md.

use std::fmt::Write as _;
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
        /// Also download each release's wheel (into the cache) and count SASS/PTX per architecture
        /// in its libraries; use with `--package` (TensorFlow and PyTorch wheels are 0.5-1 GB).
        #[arg(long)]
        deep: bool,
        /// With `--deep`: only these releases (repeatable; `2.9.0`).
        #[arg(long = "release", value_name = "V", requires = "deep")]
        releases: Vec<String>,
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
            releases,
            write,
            offline,
            cache_dir,
            kb_dir,
        } => {
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
            if deep {
                let cache = client
                    .config()
                    .cache_dir
                    .clone()
                    .unwrap_or_else(xtask::default_cache);
                let mut text = String::from("\n## GPU code in the wheels (--deep)\n");
                for (package, pf) in &facts {
                    for rel in pf.releases.iter().filter(|r| {
                        releases.is_empty() || releases.contains(&r.version.to_string())
                    }) {
                        progress(&format!(
                            "{package} {} (downloading the wheel)",
                            rel.version
                        ));
                        match xtask::deep::deep(&client, rel, &cache) {
                            Ok(d) => text.push_str(&xtask::deep::render(
                                package,
                                &rel.version.to_string(),
                                &d,
                            )),
                            Err(e) => {
                                let _ =
                                    writeln!(text, "- {package} {}: not read: {e:#}", rel.version);
                            }
                        }
                    }
                }
                let mut out = std::io::stdout().lock();
                if let Err(e) = out.write_all(text.as_bytes()) {
                    if e.kind() != std::io::ErrorKind::BrokenPipe {
                        return Err(e.into());
                    }
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
