//! The active Python: which environment `python` and `pip` would use here, decided from the
//! environment variables and files only (no interpreter is ever run).
//!
//! The rules, first that applies wins:
//!
//! 1. `VIRTUAL_ENV` (an activated venv): that directory; its version from `pyvenv.cfg`.
//! 2. `CONDA_PREFIX` (an activated conda environment): that directory; its version from the
//!    `conda-meta/python-X.Y.Z-*.json` record, else `conda-meta/history`, else `lib/python3.X`.
//! 3. pyenv, when pyenv's shims directory is the first directory on `PATH` holding a python
//!    (pyenv chooses `python` only through its shims; a `PYENV_VERSION` without them is said in
//!    the detail of the rule that did decide): the version named by `PYENV_VERSION`, else by a
//!    `.python-version` file in the working directory or a parent, else by
//!    `$PYENV_ROOT/version` (the global one); its prefix is `$PYENV_ROOT/versions/<name>`
//!    (`$PYENV_ROOT` defaults to `~/.pyenv`, or is the parent of the shims directory on
//!    `PATH`). A name that is not installed, or not a valid version name (a path, `python-..`),
//!    is unknown, with the reason: never silently another Python. `system` (or no name at all) means pyenv hands over to the rules below.
//! 4. A `.venv` directory with a `pyvenv.cfg` in the working directory.
//! 5. The first `python3` / `python` on `PATH` (pyenv's shims skipped); its version from the
//!    name of the file its links end at (`python3` -> `python3.11`).
//!
//! For a directory root or an image there is no working directory (rules 3's file and 4 do not
//! apply) and the variables are those given (`--env`, the image config's `Env`).

use std::path::{Path, PathBuf};

use cudoctor_kb::version::PythonVersion;

use super::pyvenv::{parse_pyvenv_cfg, python_version_from_name};
use super::{Ctx, show};
use crate::env_vars;
use crate::snapshot::{ActivePython, ActivePythonReason, Fact};

/// The active Python, and the environment to inspect for it: (prefix, kind, how it was found).
pub struct Active {
    /// The fact for the snapshot.
    pub facts: ActivePython,
    /// The environment the probe must inspect (and mark `active`), when there is one.
    pub candidate: Option<(PathBuf, &'static str, String)>,
}

/// Decides the active Python (see the module's documentation for the rules).
pub fn resolve(ctx: &mut Ctx<'_>) -> Active {
    let activated = [
        (
            env_vars::VIRTUAL_ENV,
            ActivePythonReason::VirtualEnv,
            "venv",
        ),
        (
            env_vars::CONDA_PREFIX,
            ActivePythonReason::CondaPrefix,
            "conda",
        ),
    ];
    for (var, reason, kind) in activated {
        if let Some(v) = ctx.env.get_nonempty(var).map(str::to_owned) {
            let via = format!("${var}");
            return from_dir(ctx, reason, format!("{var}={v}"), &v, (kind, &via));
        }
    }
    let path_dirs = python_dirs_on_path(ctx);
    let pyenv_root = pyenv_root(ctx, &path_dirs);
    let shims_first = path_dirs
        .first()
        .is_some_and(|d| is_shims(d, pyenv_root.as_deref()));
    // pyenv chooses `python` only through its shims: with them not first on PATH, a set
    // PYENV_VERSION changes nothing, and the user is told so.
    let pyenv_unused = ctx
        .env
        .get_nonempty(env_vars::PYENV_VERSION)
        .filter(|_| !shims_first)
        .map(|v| {
            format!(
                "; PYENV_VERSION={v} is set, but pyenv's shims are not first on PATH, so it does not choose `python`"
            )
        });
    if shims_first {
        if let Some(active) = from_pyenv(ctx, pyenv_root.as_deref()) {
            return active;
        }
    }
    let mut active = rest_of_rules(ctx, &path_dirs, pyenv_root.as_deref());
    if let Some(note) = pyenv_unused {
        active.facts.detail.push_str(&note);
    }
    active
}

/// Rules 4 and 5: a `.venv` in the working directory, else the first python on PATH.
fn rest_of_rules(ctx: &mut Ctx<'_>, path_dirs: &[PathBuf], pyenv_root: Option<&Path>) -> Active {
    if let Some(cwd) = ctx.env.cwd.clone() {
        let venv = cwd.join(".venv");
        if ctx.root.is_file(&venv.join("pyvenv.cfg")) {
            let detail = format!("`{}` in the working directory", show(&venv));
            return from_dir(
                ctx,
                ActivePythonReason::DotVenv,
                detail,
                &show(&venv),
                ("venv", ".venv in the working directory"),
            );
        }
    }
    from_path(ctx, path_dirs, pyenv_root)
}

/// An environment named by a variable or found as a directory: there, or unknown.
fn from_dir(
    ctx: &mut Ctx<'_>,
    reason: ActivePythonReason,
    detail: String,
    dir: &str,
    (kind, via): (&'static str, &str),
) -> Active {
    let mut facts = ActivePython {
        reason,
        detail,
        ..ActivePython::default()
    };
    let prefix = Path::new(dir);
    if !prefix.is_absolute() {
        facts.unknown = Some(format!("`{dir}` is not an absolute path"));
        return Active {
            facts,
            candidate: None,
        };
    }
    if !ctx.root.is_dir(prefix) {
        facts.unknown = Some(format!("`{dir}` is not a directory here"));
        return Active {
            facts,
            candidate: None,
        };
    }
    facts.prefix = Some(show(prefix));
    facts.interpreter = interpreter_in(ctx, &prefix.join("bin"));
    if let Some((v, full, src)) = version_of_prefix(ctx, prefix) {
        facts.version = Fact::known(v, src);
        facts.full_version = full;
    }
    Active {
        facts,
        candidate: Some((prefix.to_path_buf(), kind, via.to_owned())),
    }
}

/// The version a prefix's files name: `pyvenv.cfg`, conda's records, a pyenv version's
/// directory name; `(version, full version, source)`.
fn version_of_prefix(
    ctx: &mut Ctx<'_>,
    prefix: &Path,
) -> Option<(PythonVersion, Option<String>, String)> {
    let cfg = prefix.join("pyvenv.cfg");
    if let Ok(Some(text)) = ctx.read_optional("python_environments", &cfg) {
        if let Some(v) = parse_pyvenv_cfg(&text) {
            return Some((v, pyvenv_full_version(&text), show(&cfg)));
        }
    }
    let meta = prefix.join("conda-meta");
    for e in ctx.root.read_dir_or_empty(&meta) {
        let name = e.name_str();
        if let Some(full) = conda_record_version(&name) {
            if let Ok(v) = PythonVersion::parse_lenient(&full) {
                return Some((v, Some(full), format!("conda record `{}`", show(&e.path))));
            }
        }
    }
    let history = meta.join("history");
    if let Ok(Some(text)) = ctx.read_optional("python_environments", &history) {
        if let Some(full) = conda_history_version(&text) {
            if let Ok(v) = PythonVersion::parse_lenient(&full) {
                return Some((v, Some(full), show(&history)));
            }
        }
    }
    None
}

/// `version = 3.10.12` / `version_info = 3.12.3.final.0` of a `pyvenv.cfg`: `3.10.12`.
fn pyvenv_full_version(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let (k, v) = line.split_once('=')?;
        if !matches!(k.trim(), "version" | "version_info") {
            return None;
        }
        let parts: Vec<&str> = v
            .trim()
            .split('.')
            .take_while(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            .take(3)
            .collect();
        (parts.len() >= 2).then(|| parts.join("."))
    })
}

/// `python-3.10.12-h955ad1f_0.json` (a conda package record) -> `3.10.12`.
pub fn conda_record_version(name: &str) -> Option<String> {
    let rest = name.strip_prefix("python-")?.strip_suffix(".json")?;
    let (version, _build) = rest.split_once('-')?;
    super::dotted_version(version)
}

/// The last `python-X.Y.Z` a conda `history` installed (`+defaults/linux-64::python-3.10.12-h..`
/// or `+conda-forge::python-3.11.4-...`); removals (`-`) are not installs.
pub fn conda_history_version(text: &str) -> Option<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix('+'))
        .filter_map(|l| {
            let spec = l.rsplit("::").next()?;
            let rest = spec.strip_prefix("python-")?;
            super::dotted_version(rest.split('-').next()?)
        })
        .next_back()
}

/// `python3` (else `python`) in `bin`, when there.
fn interpreter_in(ctx: &Ctx<'_>, bin: &Path) -> Option<String> {
    ["python3", "python"]
        .iter()
        .map(|n| bin.join(n))
        .find(|p| ctx.root.is_file(p))
        .map(|p| show(&p))
}

/// The absolute directories of `PATH` that hold a `python3` or `python`, in order.
fn python_dirs_on_path(ctx: &Ctx<'_>) -> Vec<PathBuf> {
    let Some(path) = ctx.env.get(env_vars::PATH) else {
        return Vec::new();
    };
    path.split(':')
        .filter(|d| d.starts_with('/'))
        .map(PathBuf::from)
        .filter(|d| interpreter_in(ctx, d).is_some())
        .collect()
}

/// `$PYENV_ROOT`, else the parent of a pyenv shims directory on `PATH`, else `~/.pyenv`.
fn pyenv_root(ctx: &Ctx<'_>, path_dirs: &[PathBuf]) -> Option<PathBuf> {
    if let Some(r) = ctx.env.get_nonempty(env_vars::PYENV_ROOT) {
        return Some(PathBuf::from(r));
    }
    if let Some(shims) = path_dirs.iter().find(|d| is_shims(d, None)) {
        return shims.parent().map(Path::to_path_buf);
    }
    ctx.env.home().map(|h| h.join(".pyenv"))
}

/// Whether `dir` is pyenv's shims directory: `$PYENV_ROOT/shims`, or `.../.pyenv/shims`.
fn is_shims(dir: &Path, root: Option<&Path>) -> bool {
    root.is_some_and(|r| dir == r.join("shims")) || dir.ends_with(".pyenv/shims")
}

/// The version pyenv selects and where it is set: `PYENV_VERSION`, a `.python-version` in the
/// working directory or a parent, `$PYENV_ROOT/version`.
fn pyenv_selection(
    ctx: &mut Ctx<'_>,
    root: Option<&Path>,
) -> Option<(ActivePythonReason, String, String)> {
    if let Some(v) = ctx.env.get_nonempty(env_vars::PYENV_VERSION) {
        let first = v
            .split(':')
            .find(|s| !s.trim().is_empty())?
            .trim()
            .to_owned();
        return Some((
            ActivePythonReason::PyenvVersion,
            format!("PYENV_VERSION={v}"),
            first,
        ));
    }
    if let Some(cwd) = ctx.env.cwd.clone() {
        for dir in cwd.ancestors() {
            let file = dir.join(".python-version");
            if let Ok(Some(text)) = ctx.read_optional("python_environments", &file) {
                if let Some(name) = version_file_name(&text) {
                    let detail = format!("`{}` names {name}", show(&file));
                    return Some((ActivePythonReason::PythonVersionFile, detail, name));
                }
            }
        }
    }
    let file = root?.join("version");
    if let Ok(Some(text)) = ctx.read_optional("python_environments", &file) {
        if let Some(name) = version_file_name(&text) {
            let detail = format!("`{}` names {name}", show(&file));
            return Some((ActivePythonReason::PyenvGlobal, detail, name));
        }
    }
    None
}

/// The first version a pyenv version file names (words separated by white space; `#` starts
/// a comment line).
pub fn version_file_name(text: &str) -> Option<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#'))
        .flat_map(str::split_whitespace)
        .next()
        .map(str::to_owned)
}

/// Rule 3: `None` when pyenv hands over (`system`, or no version named anywhere).
fn from_pyenv(ctx: &mut Ctx<'_>, root: Option<&Path>) -> Option<Active> {
    let (reason, detail, name) = pyenv_selection(ctx, root)?;
    if name == "system" {
        return None;
    }
    let mut facts = ActivePython {
        reason,
        detail,
        ..ActivePython::default()
    };
    let Some(root) = root else {
        facts.unknown = Some(format!(
            "pyenv version `{name}`, but neither PYENV_ROOT nor HOME says where pyenv keeps its versions"
        ));
        return Some(Active {
            facts,
            candidate: None,
        });
    };
    let versions = root.join("versions");
    let bare = name.strip_prefix("python-").unwrap_or(&name);
    if bare.is_empty() || bare.starts_with('.') || bare.contains('/') || name.contains('/') {
        // pyenv refuses such a name; joined to `versions/` it would name another directory.
        facts.unknown = Some(format!("`{name}` is not a valid pyenv version name"));
        return Some(Active {
            facts,
            candidate: None,
        });
    }
    let Some(prefix) = pyenv_prefix(ctx, &versions, &name) else {
        facts.unknown = Some(format!(
            "pyenv version `{name}` is not installed (no `{}`)",
            show(&versions.join(&name))
        ));
        return Some(Active {
            facts,
            candidate: None,
        });
    };
    facts.prefix = Some(show(&prefix));
    facts.interpreter = interpreter_in(ctx, &prefix.join("bin"));
    let dir_name = prefix
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if let Some((v, full, src)) = version_of_prefix(ctx, &prefix) {
        facts.version = Fact::known(v, src);
        facts.full_version = full;
    } else if let Some(full) = super::dotted_version(&dir_name) {
        if let Ok(v) = PythonVersion::parse_lenient(&full) {
            facts.version = Fact::known(v, format!("pyenv version name `{dir_name}`"));
            facts.full_version = Some(full);
        }
    }
    Some(Active {
        facts,
        candidate: Some((prefix, "interpreter", "pyenv version".to_owned())),
    })
}

/// `versions/<name>`, else `versions/<name without python->`, else the newest
/// `versions/<name>.N` (pyenv takes `3.9` for the newest 3.9 installed).
fn pyenv_prefix(ctx: &Ctx<'_>, versions: &Path, name: &str) -> Option<PathBuf> {
    for n in [name, name.strip_prefix("python-").unwrap_or(name)] {
        let p = versions.join(n);
        if ctx.root.is_dir(&p) {
            return Some(p);
        }
    }
    let prefix = format!("{name}.");
    ctx.root
        .read_dir_or_empty(versions)
        .into_iter()
        .filter_map(|e| {
            let n = e.name_str().into_owned();
            let rest = n.strip_prefix(&prefix)?;
            let key: Vec<u64> = rest
                .split('.')
                .map(str::parse)
                .collect::<Result<_, _>>()
                .ok()?;
            Some((key, e.path))
        })
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, p)| p)
}

/// Rule 5: the first `python3` / `python` on `PATH`, pyenv's shims skipped.
fn from_path(ctx: &mut Ctx<'_>, dirs: &[PathBuf], pyenv_root: Option<&Path>) -> Active {
    let mut facts = ActivePython {
        reason: ActivePythonReason::Path,
        detail: "PATH is not set".to_owned(),
        ..ActivePython::default()
    };
    let Some(path) = ctx.env.get(env_vars::PATH) else {
        facts.unknown = Some(if ctx.root.is_host() {
            "PATH is not set, so no python is found".to_owned()
        } else {
            "PATH is not set for this root (give it with --env PATH=...)".to_owned()
        });
        return Active {
            facts,
            candidate: None,
        };
    };
    let Some((dir, exe)) = dirs
        .iter()
        .filter(|d| !is_shims(d, pyenv_root))
        .find_map(|d| interpreter_in(ctx, d).map(|exe| (d, exe)))
    else {
        facts.detail = format!("PATH={path}");
        facts.unknown = Some("no python3 or python in any directory of PATH".to_owned());
        return Active {
            facts,
            candidate: None,
        };
    };
    facts.detail = format!("`{exe}` is the first python on PATH");
    // /bin -> usr/bin on merged-/usr systems: the prefix is the real directory's parent.
    let real_dir = ctx.root.real_path(dir).unwrap_or_else(|_| dir.clone());
    let prefix = real_dir.parent().map(Path::to_path_buf);
    if let Ok(real) = ctx.root.real_path(Path::new(&exe)) {
        let name = real
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some(v) = python_version_from_name(&name) {
            let src = if Path::new(&exe) == real {
                format!("interpreter name `{exe}`")
            } else {
                format!("interpreter `{exe}` -> `{}`", show(&real))
            };
            facts.version = Fact::known(v, src);
        }
    }
    if facts.version.is_none() {
        if let Some(p) = &prefix {
            if let Some((v, full, src)) = version_of_prefix(ctx, p) {
                facts.version = Fact::known(v, src);
                facts.full_version = full;
            }
        }
    }
    facts.interpreter = Some(exe);
    facts.prefix = prefix.as_deref().map(show);
    Active {
        facts,
        candidate: prefix.map(|p| (p, "interpreter", "python on $PATH".to_owned())),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn conda_versions() {
        assert_eq!(
            conda_record_version("python-3.10.12-h955ad1f_0.json").as_deref(),
            Some("3.10.12")
        );
        assert!(conda_record_version("python-dateutil-2.8.2-pyhd3eb1b0_0.json").is_none());
        assert!(conda_record_version("pip-23.2-py310h06a4308_0.json").is_none());
        let history = "==> 2023-08-01 <==\n+defaults/linux-64::python-3.10.12-h955ad1f_0\n+defaults/noarch::python-dateutil-2.8.2-pyhd3eb1b0_0\n==> 2023-09-01 <==\n-defaults/linux-64::python-3.10.12-h955ad1f_0\n+conda-forge/linux-64::python-3.11.4-hab00c5b_0_cpython\n";
        assert_eq!(conda_history_version(history).as_deref(), Some("3.11.4"));
        assert!(conda_history_version("garbage\n\u{0}").is_none());
    }

    #[test]
    fn version_files() {
        assert_eq!(
            version_file_name("# pinned\n3.9.18 3.10.4\n").as_deref(),
            Some("3.9.18")
        );
        assert!(version_file_name("\n# only a comment\n").is_none());
        assert_eq!(
            pyvenv_full_version("version_info = 3.12.3.final.0\n").as_deref(),
            Some("3.12.3")
        );
    }
}
