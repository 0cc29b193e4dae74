//! What the knowledge base derives from the facts (a GPU's compute capability from its name, the
//! CUDA version a driver supports from its version), and the `plan` constraints a machine gives.

use std::path::Path;

use cudoctor_kb::version::PythonVersion;
use cudoctor_kb::{PlanQuery, kb};
use cudoctor_probe::Snapshot;

/// Fills facts the knowledge base derives: GPU compute capability from the GPU's name, the CUDA
/// version the driver supports from the driver version. Facts already known are kept.
pub fn complete(snap: &mut Snapshot) {
    let kb = kb();
    snap.fill_gpu_compute_capabilities(|name| {
        let c = kb.compute_capability_of(name).ok()?;
        Some((c.cc, c.provenance()))
    });
    // What the driver reports is `major.minor` (cuDriverGetVersion, nvidia-smi); the release
    // behind it (`12.2.2`) is the separate `newest_toolkit`.
    snap.fill_driver_cuda_version(|driver| {
        kb.driver_cuda_at_least(driver).map(|cuda| {
            (
                cuda.major_minor(),
                format!(
                    "knowledge base: the CUDA version of the newest toolkit release whose driver requirement is <= {driver} (a lower bound)"
                ),
            )
        })
    });
    snap.fill_driver_newest_toolkit(|driver| {
        kb.driver_cuda_at_least(driver).map(|cuda| {
            (
                cuda,
                format!(
                    "knowledge base: the newest CUDA toolkit release whose driver requirement is <= {driver}"
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
            .map(|v| (v, d.userspace_version.source()))
            .or_else(|| {
                d.kernel_module_version
                    .as_ref()
                    .map(|v| (v, d.kernel_module_version.source()))
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
            .find_map(|g| g.compute_capability.cloned().map(|cc| (g, cc)))
        {
            query.compute_capability = Some(cc);
            notes.push(format!(
                "GPU {} (compute capability {cc}) taken from this machine",
                g.name.as_deref().unwrap_or("unnamed"),
            ));
        }
    }
    if query.python.is_none() {
        match &snap.active_python {
            // The probe decided which Python is active (VIRTUAL_ENV, CONDA_PREFIX, pyenv, a
            // `.venv`, PATH) and why; when the deciding setting names one that is not there, no
            // other Python is taken in its place.
            Some(a) => match (&a.unknown, a.version.cloned()) {
                (Some(why), _) => notes.push(format!(
                    "Python not taken from this machine: {why} ({})",
                    a.detail
                )),
                (None, Some(v)) => {
                    query.python = Some(v);
                    let at = a.prefix.as_deref().or(a.interpreter.as_deref()).unwrap_or("?");
                    notes.push(format!(
                        "Python {v} taken from this machine (`{at}`, {}: {})",
                        active_kind(a.reason),
                        a.detail
                    ));
                }
                (None, None) => notes.push(format!(
                    "Python not taken from this machine: the version of the active Python is unknown ({})",
                    a.detail
                )),
            },
            // A snapshot from an older probe: the environments it found, by how it found them.
            None => {
                if let Some((v, path, why)) = active_python(snap) {
                    query.python = Some(v);
                    notes.push(format!(
                        "Python {v} taken from this machine (`{path}`, {why})"
                    ));
                }
            }
        }
    }
}

/// What decided the active Python, for people.
fn active_kind(r: cudoctor_probe::snapshot::ActivePythonReason) -> &'static str {
    use cudoctor_probe::snapshot::ActivePythonReason as R;
    match r {
        R::VirtualEnv => "the active virtual environment",
        R::CondaPrefix => "the active conda environment",
        R::PyenvVersion | R::PythonVersionFile | R::PyenvGlobal => "pyenv's selected version",
        R::DotVenv => "the `.venv` in the working directory",
        R::Path => "the first python on $PATH",
    }
}

/// For a snapshot without `active_python` (written by an older probe): the active virtual
/// environment, else the active conda environment, else the first interpreter on `PATH`.
fn active_python(snap: &Snapshot) -> Option<(PythonVersion, String, &'static str)> {
    let with_version = |via: &str| {
        snap.python_environments
            .iter()
            .filter(|e| e.found_via.iter().any(|f| f == via))
            .find_map(|e| e.python_version.cloned().map(|v| (v, e.path.clone())))
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
                    .cloned()
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
