//! The active Python: each rule on its own, their precedence, and names that are not installed,
//! on a fixture root holding a system Python 3.11, a venv, a conda environment, a pyenv with one
//! version and a project with a `.python-version` and a `.venv`.
#![allow(clippy::unwrap_used)]

use cudoctor_probe::snapshot::{ActivePythonReason, Snapshot};
use cudoctor_probe::{Collectors, Env, Root, probe_root};
use cudoctor_test::{Fixture, at};

fn machine() -> Fixture {
    let f = Fixture::new();
    f.file("/usr/bin/python3.11", "")
        .link("/usr/bin/python3", "python3.11")
        .dir("/usr/lib/python3/dist-packages")
        .file(
            "/opt/venv/pyvenv.cfg",
            "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.10.12\n",
        )
        .file("/opt/venv/bin/python", "")
        .dir("/opt/venv/lib/python3.10/site-packages")
        .file(
            "/opt/conda/envs/tf/conda-meta/python-3.8.18-h955ad1f_0.json",
            "{}",
        )
        .file("/opt/conda/envs/tf/conda-meta/history", "")
        .file("/opt/conda/envs/tf/bin/python3", "")
        .dir("/opt/conda/envs/tf/lib/python3.8/site-packages")
        .file("/root/.pyenv/shims/python3", "#!/usr/bin/env bash\n")
        .file("/root/.pyenv/shims/python", "#!/usr/bin/env bash\n")
        .file("/root/.pyenv/versions/3.9.18/bin/python3.9", "")
        .link("/root/.pyenv/versions/3.9.18/bin/python3", "python3.9")
        .dir("/root/.pyenv/versions/3.9.18/lib/python3.9/site-packages")
        .file("/work/proj/.python-version", "3.9.18\n")
        .file(
            "/work/proj/.venv/pyvenv.cfg",
            "home = /usr/bin\nversion_info = 3.12.1.final.0\n",
        )
        .dir("/work/proj/.venv/lib/python3.12/site-packages")
        .dir("/work/proj/sub");
    f
}

const SHIMS_PATH: &str = "/root/.pyenv/shims:/usr/bin:/bin";

fn probe(f: &Fixture, vars: &[(&str, &str)], cwd: Option<&str>) -> Snapshot {
    let root = Root::dir(f.path()).unwrap();
    let mut env = Env::from_pairs(vars.iter().map(|(k, v)| (*k, *v)));
    env.cwd = cwd.map(Into::into);
    let snap = probe_root(&root, &env, Collectors::files_only());
    let json = snap.to_json().unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    cudoctor_test::assert_matches_schema(&value);
    assert_eq!(Snapshot::from_json(&json).unwrap(), snap);
    snap
}

/// The active environment's path, checking that exactly the one `active_python` names is
/// marked.
fn marked(snap: &Snapshot) -> Option<String> {
    let marked: Vec<&str> = snap
        .python_environments
        .iter()
        .filter(|e| e.active)
        .map(|e| e.path.as_str())
        .collect();
    assert!(marked.len() <= 1, "{marked:?}");
    let a = snap.active_python.as_ref().unwrap();
    assert_eq!(marked.first().copied(), a.prefix.as_deref(), "{a:?}");
    marked.first().map(|s| (*s).to_owned())
}

fn version(snap: &Snapshot) -> String {
    let a = snap.active_python.as_ref().unwrap();
    a.version
        .as_ref()
        .map_or_else(|| format!("unknown: {:?}", a.version), ToString::to_string)
}

#[test]
fn virtual_env_comes_first() {
    let f = machine();
    let s = probe(
        &f,
        &[
            ("VIRTUAL_ENV", "/opt/venv"),
            ("CONDA_PREFIX", "/opt/conda/envs/tf"),
            ("PYENV_VERSION", "3.9.18"),
            ("HOME", "/root"),
            ("PATH", SHIMS_PATH),
        ],
        Some("/work/proj"),
    );
    let a = s.active_python.as_ref().unwrap();
    assert_eq!(a.reason, ActivePythonReason::VirtualEnv);
    assert_eq!(a.detail, "VIRTUAL_ENV=/opt/venv");
    assert_eq!(marked(&s).as_deref(), Some("/opt/venv"));
    assert_eq!(version(&s), "3.10");
    assert_eq!(a.full_version.as_deref(), Some("3.10.12"));
    assert_eq!(a.version.source(), Some("/opt/venv/pyvenv.cfg"));
    assert_eq!(a.interpreter.as_deref(), Some("/opt/venv/bin/python"));
}

#[test]
fn conda_prefix_comes_before_pyenv() {
    let f = machine();
    let s = probe(
        &f,
        &[
            ("CONDA_PREFIX", "/opt/conda/envs/tf"),
            ("PYENV_VERSION", "3.9.18"),
            ("HOME", "/root"),
            ("PATH", SHIMS_PATH),
        ],
        Some("/work/proj"),
    );
    let a = s.active_python.as_ref().unwrap();
    assert_eq!(a.reason, ActivePythonReason::CondaPrefix);
    assert_eq!(marked(&s).as_deref(), Some("/opt/conda/envs/tf"));
    assert_eq!(version(&s), "3.8");
    assert_eq!(a.full_version.as_deref(), Some("3.8.18"));
    assert!(a.version.source().unwrap().contains("python-3.8.18"));
}

#[test]
fn pyenv_version_wins_over_the_first_python_on_path() {
    let f = machine();
    // The issue: PYENV_VERSION=3.9.18, and 3.11 is the python on PATH after the shims.
    let s = probe(
        &f,
        &[
            ("PYENV_VERSION", "3.9.18"),
            ("HOME", "/root"),
            ("PATH", SHIMS_PATH),
        ],
        Some("/work/proj"),
    );
    let a = s.active_python.as_ref().unwrap();
    assert_eq!(a.reason, ActivePythonReason::PyenvVersion);
    assert_eq!(a.detail, "PYENV_VERSION=3.9.18");
    assert_eq!(marked(&s).as_deref(), Some("/root/.pyenv/versions/3.9.18"));
    assert_eq!(version(&s), "3.9");
    assert_eq!(a.full_version.as_deref(), Some("3.9.18"));
    assert!(a.unknown.is_none());
    // The JSON contract.
    let v: serde_json::Value = serde_json::from_str(&s.to_json().unwrap()).unwrap();
    assert_eq!(at(&v, "/active_python/reason"), "pyenv_version");
    assert_eq!(
        at(&v, "/active_python/prefix"),
        "/root/.pyenv/versions/3.9.18"
    );
    assert_eq!(at(&v, "/active_python/version"), "3.9");
    let envs = at(&v, "/python_environments").as_array().unwrap();
    let active: Vec<&serde_json::Value> = envs.iter().filter(|e| e["active"] == true).collect();
    assert_eq!(active.len(), 1);
    assert_eq!(active[0]["path"], "/root/.pyenv/versions/3.9.18");
    // Not written for the others.
    assert!(
        envs.iter()
            .filter(|e| e["active"] != true)
            .all(|e| e.get("active").is_none())
    );
    // PYENV_VERSION without pyenv's shims on PATH chooses nothing: `python` is /usr/bin's, and
    // the detail says why the variable did not decide.
    let s = probe(
        &f,
        &[
            ("PYENV_VERSION", "3.9.18"),
            ("HOME", "/root"),
            ("PATH", "/usr/bin"),
        ],
        None,
    );
    assert_ne!(marked(&s).as_deref(), Some("/root/.pyenv/versions/3.9.18"));
    let v = serde_json::to_value(&s).unwrap();
    assert_eq!(at(&v, "/active_python/reason"), "path");
    let detail = at(&v, "/active_python/detail").as_str().unwrap();
    assert!(
        detail.contains("PYENV_VERSION=3.9.18 is set, but pyenv's shims are not first on PATH"),
        "{detail}"
    );
}

/// A pyenv version name that is a path, or `python-..`, would name a directory outside
/// `versions/`: it is invalid, and unknown, not another directory inspected.
#[test]
fn a_pyenv_version_name_that_is_a_path_is_invalid() {
    let f = machine();
    for name in ["python-..", "../3.9.18", "/opt/py", "python-/x", ".hidden"] {
        let s = probe(
            &f,
            &[
                ("PYENV_VERSION", name),
                ("HOME", "/root"),
                ("PATH", "/root/.pyenv/shims:/usr/bin"),
            ],
            None,
        );
        let v = serde_json::to_value(&s).unwrap();
        let unknown = at(&v, "/active_python/unknown")
            .as_str()
            .unwrap_or_default();
        assert!(
            unknown.contains("is not a valid pyenv version name"),
            "{name}: {:#}",
            at(&v, "/active_python")
        );
        assert_eq!(marked(&s), None, "{name}");
    }
}

#[test]
fn a_pyenv_version_that_is_not_installed_is_unknown_not_another_python() {
    let f = machine();
    let s = probe(
        &f,
        &[
            ("PYENV_VERSION", "3.9.99"),
            ("HOME", "/root"),
            ("PATH", SHIMS_PATH),
        ],
        None,
    );
    let a = s.active_python.as_ref().unwrap();
    assert_eq!(a.reason, ActivePythonReason::PyenvVersion);
    assert!(a.prefix.is_none());
    let why = a.unknown.as_deref().unwrap();
    assert!(
        why.contains("3.9.99") && why.contains("not installed"),
        "{why}"
    );
    assert!(why.contains("/root/.pyenv/versions/3.9.99"), "{why}");
    assert!(a.version.unknown_reason().is_some());
    assert_eq!(marked(&s), None);
}

#[test]
fn a_python_version_file_in_a_parent_decides_when_pyenv_s_shims_come_first() {
    let f = machine();
    let s = probe(
        &f,
        &[("HOME", "/root"), ("PATH", SHIMS_PATH)],
        Some("/work/proj/sub"),
    );
    let a = s.active_python.as_ref().unwrap();
    assert_eq!(a.reason, ActivePythonReason::PythonVersionFile);
    assert!(
        a.detail.contains("/work/proj/.python-version"),
        "{}",
        a.detail
    );
    assert_eq!(marked(&s).as_deref(), Some("/root/.pyenv/versions/3.9.18"));
    // ... and before a `.venv` in the working directory.
    let s = probe(
        &f,
        &[("HOME", "/root"), ("PATH", SHIMS_PATH)],
        Some("/work/proj"),
    );
    assert_eq!(
        s.active_python.unwrap().reason,
        ActivePythonReason::PythonVersionFile
    );
}

#[test]
fn pyenv_global_version_by_prefix() {
    let f = machine();
    f.file("/root/.pyenv/version", "3.9\n");
    let s = probe(&f, &[("HOME", "/root"), ("PATH", SHIMS_PATH)], None);
    let a = s.active_python.as_ref().unwrap();
    assert_eq!(a.reason, ActivePythonReason::PyenvGlobal);
    assert!(a.detail.contains("/root/.pyenv/version"), "{}", a.detail);
    assert_eq!(marked(&s).as_deref(), Some("/root/.pyenv/versions/3.9.18"));
    // PYENV_ROOT elsewhere: its `version` file, its versions.
    let g = machine();
    g.file("/opt/pyenv/version", "3.9.18\n")
        .file("/opt/pyenv/versions/3.9.18/bin/python3", "")
        .dir("/opt/pyenv/versions/3.9.18/lib/python3.9/site-packages")
        .file("/opt/pyenv/shims/python3", "");
    let s = probe(
        &g,
        &[
            ("PYENV_ROOT", "/opt/pyenv"),
            ("PATH", "/opt/pyenv/shims:/usr/bin"),
        ],
        None,
    );
    assert_eq!(
        s.active_python.as_ref().unwrap().reason,
        ActivePythonReason::PyenvGlobal
    );
    assert_eq!(marked(&s).as_deref(), Some("/opt/pyenv/versions/3.9.18"));
}

#[test]
fn pyenv_system_hands_over_to_path_without_the_shims() {
    let f = machine();
    f.file("/root/.pyenv/version", "system\n");
    let s = probe(&f, &[("HOME", "/root"), ("PATH", SHIMS_PATH)], None);
    let a = s.active_python.as_ref().unwrap();
    assert_eq!(a.reason, ActivePythonReason::Path);
    assert_eq!(a.interpreter.as_deref(), Some("/usr/bin/python3"));
    assert_eq!(marked(&s).as_deref(), Some("/usr"));
    assert_eq!(version(&s), "3.11");
}

#[test]
fn dot_venv_in_the_working_directory() {
    let f = machine();
    let s = probe(&f, &[("PATH", "/usr/bin")], Some("/work/proj"));
    let a = s.active_python.as_ref().unwrap();
    assert_eq!(a.reason, ActivePythonReason::DotVenv);
    assert_eq!(marked(&s).as_deref(), Some("/work/proj/.venv"));
    assert_eq!(version(&s), "3.12");
    assert_eq!(a.full_version.as_deref(), Some("3.12.1"));
    // Without a working directory (a directory root, an image) the rule does not apply.
    let s = probe(&f, &[("PATH", "/usr/bin")], None);
    assert_eq!(s.active_python.unwrap().reason, ActivePythonReason::Path);
}

#[test]
fn first_python_on_path() {
    let f = machine();
    let s = probe(&f, &[("PATH", "/nonexistent:/usr/bin:/opt/venv/bin")], None);
    let a = s.active_python.as_ref().unwrap();
    assert_eq!(a.reason, ActivePythonReason::Path);
    assert_eq!(a.detail, "`/usr/bin/python3` is the first python on PATH");
    assert_eq!(marked(&s).as_deref(), Some("/usr"));
    assert_eq!(version(&s), "3.11");
    assert!(a.version.source().unwrap().contains("python3.11"));
    let s = probe(&f, &[("PATH", "/opt/venv/bin:/usr/bin")], None);
    assert_eq!(marked(&s).as_deref(), Some("/opt/venv"));
    assert_eq!(version(&s), "3.10");
}

#[test]
fn nothing_to_go_by_is_unknown_with_the_reason() {
    let f = machine();
    let s = probe(&f, &[], None);
    let a = s.active_python.as_ref().unwrap();
    assert!(a.prefix.is_none());
    assert!(a.unknown.as_deref().unwrap().contains("PATH is not set"));
    assert_eq!(marked(&s), None);
    let s = probe(&f, &[("PATH", "/nonexistent")], None);
    let a = s.active_python.as_ref().unwrap();
    assert!(
        a.unknown
            .as_deref()
            .unwrap()
            .contains("no python3 or python")
    );
    let s = probe(
        &f,
        &[("VIRTUAL_ENV", "/opt/gone"), ("PATH", "/usr/bin")],
        None,
    );
    let a = s.active_python.as_ref().unwrap();
    assert_eq!(a.reason, ActivePythonReason::VirtualEnv);
    assert!(a.unknown.as_deref().unwrap().contains("/opt/gone"));
    assert_eq!(marked(&s), None);
}
