//! Where the facts come from: this host, a directory root (`--root DIR`), a container image
//! (`--image REF`, see [`crate::image`]) or a saved snapshot (`--snapshot FILE`). A host or directory is opened once, as a [`Probe`]; every command gets
//! its facts as one [`Snapshot`] from here, and diagnose reads nothing else. The loader's answers
//! the targets need are added to that same snapshot ([`Facts::answer_for`]), so `cudoctor probe
//! --format json` saves everything `check` would use.

use std::path::Path;

use anyhow::Context as _;
use cudoctor_diagnose::{Target, loader_questions, targets_from_snapshot};
use cudoctor_probe::{Collectors, Env, Probe, ProbeOptions, Root, Snapshot};

use crate::cli::SourceArgs;
use crate::error;

/// The facts of one source, and the open probe they came from (none for a saved snapshot).
pub struct Facts {
    /// The facts, completed with what the knowledge base derives ([`super::commands`]'s
    /// `machine::complete`).
    pub snapshot: Snapshot,
    probe: Option<Probe>,
}

impl Facts {
    /// Opens the source `args` names and collects its facts.
    pub fn open(args: &SourceArgs) -> anyhow::Result<Self> {
        if args.snapshot.is_some() && !args.env.is_empty() {
            return Err(error::hinted(
                "`--env` does not apply to `--snapshot`",
                "a snapshot already records the environment it was probed with; `--env` goes with `--root DIR`",
            ));
        }
        let (mut snapshot, probe) = if let Some(path) = &args.snapshot {
            (read_snapshot(path)?, None)
        } else if let Some(reference) = &args.image {
            let probe = crate::image::open(args, reference)?;
            let mut snapshot = probe.snapshot(Collectors::default());
            let host = match &args.host {
                Some(path) => Some((read_snapshot(path)?, format!("`--host {}`", path.display()))),
                None => None,
            };
            crate::image::add_host(&mut snapshot, host);
            (snapshot, Some(probe))
        } else {
            let opts = match &args.root {
                Some(dir) => {
                    if !dir.is_dir() {
                        return Err(error::hinted(
                            format!("`--root {}` is not a directory", dir.display()),
                            "give the directory to treat as `/` (an unpacked image or a mounted disk)",
                        ));
                    }
                    ProbeOptions::directory(dir.clone(), env_pairs(args)?)
                }
                None => ProbeOptions::host(),
            };
            match Probe::open(&opts) {
                Ok(p) => (p.snapshot(Collectors::default()), Some(p)),
                Err(snap) => (*snap, None),
            }
        };
        crate::commands::machine::complete(&mut snapshot);
        Ok(Self { snapshot, probe })
    }

    /// [`Facts::open`], with the loader's answers for the frameworks installed there: what
    /// `probe` saves and `report` and `plan` read.
    pub fn of_installed(args: &SourceArgs) -> anyhow::Result<Snapshot> {
        let mut facts = Self::open(args)?;
        let targets = targets_from_snapshot(cudoctor_kb::kb(), &facts.snapshot);
        facts.answer_for(&targets);
        Ok(facts.snapshot)
    }

    /// Adds the loader's answers to every question the rules will ask for `targets`. A saved
    /// snapshot keeps the answers it has; a question it lacks is answered "unknown" by diagnose.
    pub fn answer_for(&mut self, targets: &[Target]) {
        if let Some(p) = &self.probe {
            let questions = loader_questions(targets, &self.snapshot);
            p.answer(&mut self.snapshot, &questions);
        }
    }
}

/// Parses `--env KEY=VALUE` pairs.
pub fn env_pairs(args: &SourceArgs) -> anyhow::Result<Vec<(String, String)>> {
    args.env
        .iter()
        .map(|pair| {
            Env::parse_pair(pair).ok_or_else(|| {
                error::hinted(
                    format!("invalid `--env {pair}`"),
                    "write KEY=VALUE, e.g. `--env LD_LIBRARY_PATH=/usr/local/cuda/lib64`",
                )
            })
        })
        .collect()
}

/// The filesystem and environment `args` name: `--image REF` with its config's `Env`, `--root
/// DIR` with its `--env` pairs, or this host with the process environment.
pub fn root_and_env(args: &SourceArgs) -> anyhow::Result<(Root, Env)> {
    if let Some(reference) = &args.image {
        // The image's tree and its config's `Env`.
        let probe = crate::image::open(args, reference)?;
        return Ok((probe.root().clone(), probe.env().clone()));
    }
    match &args.root {
        Some(dir) => Ok((
            Root::dir(dir).with_context(|| format!("cannot use `--root {}`", dir.display()))?,
            Env::from_pairs(env_pairs(args)?),
        )),
        None => Ok((Root::host(), Env::from_process())),
    }
}

/// Reads a snapshot file written by `cudoctor probe --format json`.
pub fn read_snapshot(path: &Path) -> anyhow::Result<Snapshot> {
    // `-` is standard input; either is read up to the probe's snapshot size cap.
    let shown = if path.as_os_str() == "-" {
        "standard input".to_owned()
    } else {
        format!("`{}`", path.display())
    };
    cudoctor_probe::read_snapshot(path).map_err(|e| {
        if let cudoctor_probe::snapshot::SnapshotError::Io { source } = &e {
            return anyhow::anyhow!("cannot read snapshot {shown}: {source}");
        }
        error::hinted(
            format!("{shown} is not a cudoctor snapshot: {e}"),
            "write one with `cudoctor probe --format json > snap.json`",
        )
    })
}
