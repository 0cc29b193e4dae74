//! Facts about the machine: a live probe, a directory root, or a saved snapshot, completed with
//! what the knowledge base derives from them (a GPU's compute capability from its name, the CUDA
//! version a driver supports from its version).

use std::path::Path;

use anyhow::Context as _;
use cudoctor_kb::version::PythonVersion;
use cudoctor_kb::{PlanQuery, kb};
use cudoctor_probe::{Env, ProbeOptions, Root, Snapshot};

use crate::cli::SourceArgs;
use crate::error;

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

/// The filesystem and environment `args` name: `--root DIR` with its `--env` pairs, or this host
/// with the process environment.
pub fn root_and_env(args: &SourceArgs) -> anyhow::Result<(Root, Env)> {
    match &args.root {
        Some(dir) => Ok((
            Root::dir(dir).with_context(|| format!("cannot use `--root {}`", dir.display()))?,
            Env::from_pairs(env_pairs(args)?),
        )),
        None => Ok((Root::host(), Env::from_process())),
    }
}

/// The snapshot for `args`: read from `--snapshot`, or probed from `--root` or this host.
pub fn snapshot(args: &SourceArgs) -> anyhow::Result<Snapshot> {
    if args.snapshot.is_some() && !args.env.is_empty() {
        return Err(error::hinted(
            "`--env` does not apply to `--snapshot`",
            "a snapshot already records the environment it was probed with; `--env` goes with `--root DIR`",
        ));
    }
    let mut snap = if let Some(path) = &args.snapshot {
        read_snapshot(path)?
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
        cudoctor_probe::probe(&opts)
    };
    complete(&mut snap);
    Ok(snap)
}

/// Reads a snapshot file written by `cudoctor probe --format json`.
pub fn read_snapshot(path: &Path) -> anyhow::Result<Snapshot> {
    // `-` is standard input; either is read up to the probe's snapshot size cap.
    let shown = if path.as_os_str() == "-" {
        "standard input".to_owned()
    } else {
        format!("`{}`", path.display())
    };
    Snapshot::from_path(path).map_err(|e| {
        if let cudoctor_probe::snapshot::SnapshotError::Io { source } = &e {
            return anyhow::anyhow!("cannot read snapshot {shown}: {source}");
        }
        error::hinted(
            format!("{shown} is not a cudoctor snapshot: {e}"),
            "write one with `cudoctor probe --format json > snap.json`",
        )
    })
}

/// Fills facts the knowledge base derives: GPU compute capability from the GPU's name, the CUDA
/// version the driver supports from the driver version. Facts already known are kept.
pub fn complete(snap: &mut Snapshot) {
    let kb = kb();
    snap.fill_gpu_compute_capabilities(|name| {
        let row = kb.gpu_by_name(name).ok()?;
        row.cc.map(|cc| {
            (
                cc,
                format!("knowledge base: `{}` ({})", row.name, row.source),
            )
        })
    });
    snap.fill_driver_cuda_version(|driver| {
        kb.driver_cuda_at_least(driver).map(|cuda| {
            (
                cuda,
                format!(
                    "knowledge base: the newest CUDA release whose toolkit driver is <= {driver} (a lower bound)"
                ),
            )
        })
    });
}

/// Fills the constraints of a `plan` query that were not given from the probed machine (driver,
/// GPU, the Python a `pip install` would use), and notes each one filled.
pub fn fill_plan_constraints(query: &mut PlanQuery, snap: &Snapshot, notes: &mut Vec<String>) {
    if query.driver.is_none() {
        let d = &snap.driver;
        let found = d
            .userspace_version
            .as_ref()
            .map(|v| (v, d.userspace_version_source.as_deref()))
            .or_else(|| {
                d.kernel_module_version
                    .as_ref()
                    .map(|v| (v, d.kernel_module_version_source.as_deref()))
            });
        if let Some((v, src)) = found {
            query.driver = Some(v.clone());
            notes.push(format!(
                "driver {v} taken from this machine ({})",
                src.unwrap_or("probe")
            ));
        }
    }
    if query.compute_capability.is_none() && query.gpu_name.is_none() {
        if let Some((g, cc)) = snap
            .gpus
            .iter()
            .find_map(|g| g.compute_capability.map(|cc| (g, cc)))
        {
            query.compute_capability = Some(cc);
            notes.push(format!(
                "GPU {} (compute capability {cc}) taken from this machine",
                g.name.as_deref().unwrap_or("unnamed"),
            ));
        }
    }
    if query.python.is_none() {
        if let Some((v, path, why)) = active_python(snap) {
            query.python = Some(v);
            notes.push(format!(
                "Python {v} taken from this machine (`{path}`, {why})"
            ));
        }
    }
}

/// The Python a `pip install` here would most likely use: the active virtual environment, else
/// the active conda environment, else the first interpreter on `PATH`, in `PATH` order.
fn active_python(snap: &Snapshot) -> Option<(PythonVersion, String, &'static str)> {
    let with_version = |via: &str| {
        snap.python_environments
            .iter()
            .filter(|e| e.found_via.iter().any(|f| f == via))
            .find_map(|e| e.python_version.map(|v| (v, e.path.clone())))
    };
    if let Some((v, p)) = with_version("$VIRTUAL_ENV") {
        return Some((v, p, "the active virtual environment"));
    }
    if let Some((v, p)) = with_version("$CONDA_PREFIX") {
        return Some((v, p, "the active conda environment"));
    }
    let path = snap.environment.variables.get("PATH")?;
    path.split(':').find_map(|dir| {
        let prefix = Path::new(dir).parent()?;
        snap.python_environments
            .iter()
            .filter(|e| e.found_via.iter().any(|f| f == "python on $PATH"))
            .find(|e| Path::new(&e.path) == prefix)
            .and_then(|e| {
                e.python_version
                    .map(|v| (v, e.path.clone(), "the first python on $PATH"))
            })
    })
}

/// `--cc X.Y` checked against the GPU table: a capability no NVIDIA GPU has (`99.9`, `0.0`) is an
/// error naming the known ones, not a query that answers for a GPU that does not exist.
pub fn known_cc(text: &str) -> anyhow::Result<cudoctor_kb::version::ComputeCapability> {
    use cudoctor_kb::version::ComputeCapability;
    let cc: ComputeCapability = text.parse().map_err(|e| {
        crate::error::hinted(
            format!("invalid value for `--cc`: {e}"),
            "write it as `8.6` or `sm_86`",
        )
    })?;
    let mut known: Vec<ComputeCapability> = cudoctor_kb::kb()
        .gpus()
        .iter()
        .filter_map(|g| g.cc.map(ComputeCapability::plain))
        .collect();
    known.sort();
    known.dedup();
    if known.contains(&cc.plain()) {
        return Ok(cc);
    }
    Err(crate::error::hinted(
        format!(
            "no NVIDIA GPU in the knowledge base has compute capability {}",
            cc.plain()
        ),
        format!(
            "known compute capabilities: {}",
            known
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ))
}
