//! Python environments and the packages of interest in them, read from files only.

use crate::snapshot::Fact;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cudoctor_kb::version::PythonVersion;

use super::{Ctx, show};

/// METADATA headers (name, version, Requires-Dist) come before the long description; 64 KiB holds
/// them for every package seen (torch 2.x: about 3 KiB of headers).
const METADATA_LIMIT: usize = crate::limits::METADATA_BYTES;
use crate::env_vars;
use crate::snapshot::{ActivePython, PythonEnvironment, PythonPackage};

/// Conda installs looked for under `/opt` and each home.
const CONDA_BASES: &[&str] = &[
    "conda",
    "miniconda3",
    "miniconda",
    "anaconda3",
    "miniforge3",
    "mambaforge",
];

/// Whether a (normalized) distribution name is one the probe records: every `nvidia-*`,
/// `torch`, `torchvision`, `torchaudio`, `triton`, `tensorflow*`, `tf-nightly`, `keras`,
/// `jax`, `jaxlib`, `jax-cuda*`, `cupy*`, `tensorrt*` (what a bug report's `collect_env` lists).
pub fn is_interesting(name: &str) -> bool {
    ["nvidia-", "tensorflow", "jax-cuda", "cupy", "tensorrt"]
        .iter()
        .any(|p| name.starts_with(p))
        || matches!(
            name,
            "tf-nightly"
                | "torch"
                | "torchvision"
                | "torchaudio"
                | "triton"
                | "pytorch-triton"
                | "keras"
                | "jax"
                | "jaxlib"
        )
}

/// PEP 503 normalised project name (the kb's, shared).
pub use cudoctor_kb::framework::normalize_name;

/// Splits a `.dist-info` directory name: `nvidia_cuda_runtime_cu11-11.8.89.dist-info` ->
/// (`nvidia-cuda-runtime-cu11`, `11.8.89`).
pub fn parse_dist_info_name(dir: &str) -> Option<(String, String)> {
    let stem = dir.strip_suffix(".dist-info")?;
    let (name, version) = stem.split_once('-')?;
    Some((normalize_name(name), version.to_owned()))
}

/// The core metadata fields the probe uses.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Metadata {
    /// `Name:`.
    pub name: Option<String>,
    /// `Version:`.
    pub version: Option<String>,
    /// `Requires-Dist:` lines, as written.
    pub requires_dist: Vec<String>,
}

/// Parses the header block of a `METADATA` file (stops at the first blank line).
///
/// Real sample (`nvidia_cuda_runtime_cu11-11.8.89.dist-info/METADATA`, first lines):
/// ```text
/// Metadata-Version: 2.1
/// Name: nvidia-cuda-runtime-cu11
/// Version: 11.8.89
/// Summary: CUDA Runtime native Libraries
/// ```
/// and torch 2.1.0's pins: `Requires-Dist: nvidia-cuda-runtime-cu12 (==12.1.105) ; platform_system == "Linux" and platform_machine == "x86_64"`.
pub fn parse_metadata(text: &str) -> Metadata {
    let mut m = Metadata::default();
    for line in text.lines() {
        if line.trim().is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Name:") {
            m.name = Some(v.trim().to_owned());
        } else if let Some(v) = line.strip_prefix("Version:") {
            m.version = Some(v.trim().to_owned());
        } else if let Some(v) = line.strip_prefix("Requires-Dist:") {
            m.requires_dist.push(v.trim().to_owned());
        }
    }
    m
}

pub use super::pyvenv::{parse_pyvenv_cfg, python_version_from_name};

struct Candidate {
    kind: &'static str,
    via: Vec<String>,
}

/// Collects Python environments.
pub fn collect(ctx: &mut Ctx<'_>) -> Vec<PythonEnvironment> {
    collect_with_active(ctx).0
}

/// Collects Python environments and decides the active one ([`super::active_python`]): the
/// environment it names is inspected and marked `active`; a version its rule did not read is
/// taken from the environment.
pub fn collect_with_active(ctx: &mut Ctx<'_>) -> (Vec<PythonEnvironment>, ActivePython) {
    let active = super::active_python::resolve(ctx);
    let mut facts = active.facts;
    let mut envs = collect_candidates(ctx, active.candidate.clone());
    if let Some(prefix) = facts.prefix.clone() {
        if let Some(env) = envs.iter_mut().find(|e| e.path == prefix) {
            env.active = true;
            if facts.version.is_none() {
                facts.version = env.python_version.clone();
            }
        }
    }
    if facts.version.is_none() && facts.unknown.is_none() {
        facts.version = Fact::unknown(format!(
            "no pyvenv.cfg, lib/python3.X folder or python3.X interpreter name in `{}`",
            facts.prefix.as_deref().unwrap_or("?")
        ));
    } else if facts.version.is_none() {
        facts.version = Fact::unknown("the active environment is unknown");
    }
    (envs, facts)
}

fn collect_candidates(
    ctx: &mut Ctx<'_>,
    active: Option<(PathBuf, &'static str, String)>,
) -> Vec<PythonEnvironment> {
    let mut cands: BTreeMap<PathBuf, Candidate> = BTreeMap::new();
    let mut add = |p: PathBuf, kind: &'static str, via: String| {
        let c = cands.entry(p).or_insert(Candidate {
            kind,
            via: Vec::new(),
        });
        c.via.push(via);
    };
    if let Some((prefix, kind, via)) = active {
        add(prefix, kind, via);
    }
    if let Some(v) = ctx.env.get_nonempty(env_vars::VIRTUAL_ENV) {
        add(PathBuf::from(v), "venv", "$VIRTUAL_ENV".into());
    }
    if let Some(v) = ctx.env.get_nonempty(env_vars::CONDA_PREFIX) {
        add(PathBuf::from(v), "conda", "$CONDA_PREFIX".into());
    }
    if let Some(path) = ctx.env.get(env_vars::PATH).map(str::to_owned) {
        // /bin -> usr/bin on merged-/usr systems: one directory under two names is looked
        // into once, and the prefix is the real directory's parent.
        let mut seen = std::collections::HashSet::new();
        for dir in path.split(':').filter(|d| d.starts_with('/')) {
            let dir = Path::new(dir);
            let real = ctx
                .root
                .real_path(dir)
                .unwrap_or_else(|_| dir.to_path_buf());
            if !seen.insert(real.clone()) {
                continue;
            }
            // `python3` or `python` by name first (one lstat each): listing `/usr/bin`, a
            // thousand names, is then needed only where neither is there.
            let has_python = ["python3", "python"]
                .iter()
                .any(|n| ctx.root.symlink_metadata(&real.join(n)).is_ok())
                || ctx
                    .listing(&real)
                    .iter()
                    .any(|e| e.name_str().starts_with("python3") || e.name_str() == "python");
            if has_python {
                if let Some(prefix) = real.parent() {
                    add(
                        prefix.to_path_buf(),
                        "interpreter",
                        "python on $PATH".into(),
                    );
                }
            }
        }
    }
    add(PathBuf::from("/usr"), "system", "/usr".into());
    add(PathBuf::from("/usr/local"), "system", "/usr/local".into());
    let homes = home_dirs(ctx);
    let mut conda_bases: Vec<PathBuf> = Vec::new();
    for base in ["/opt"]
        .iter()
        .map(PathBuf::from)
        .chain(homes.iter().cloned())
    {
        for name in CONDA_BASES {
            conda_bases.push(base.join(name));
        }
    }
    for base in conda_bases {
        if ctx.root.is_dir(&base.join("conda-meta")) {
            add(base.clone(), "conda", "conda base".into());
            for e in ctx.root.read_dir_or_empty(&base.join("envs")) {
                add(e.path.clone(), "conda", "conda envs/*".into());
            }
        }
    }
    for home in &homes {
        add(home.join(".local"), "user", "~/.local".into());
        for e in ctx.root.read_dir_or_empty(&home.join(".pyenv/versions")) {
            add(e.path.clone(), "interpreter", "~/.pyenv/versions/*".into());
        }
    }
    if let Some(r) = ctx
        .env
        .get_nonempty(env_vars::PYENV_ROOT)
        .map(PathBuf::from)
    {
        for e in ctx.root.read_dir_or_empty(&r.join("versions")) {
            add(
                e.path.clone(),
                "interpreter",
                "$PYENV_ROOT/versions/*".into(),
            );
        }
    }
    let venv_parents: Vec<PathBuf> = std::iter::once(PathBuf::from("/opt"))
        .chain(homes.iter().cloned())
        .collect();
    for parent in venv_parents {
        for e in ctx.root.read_dir_or_empty(&parent) {
            for sub in [e.path.clone(), e.path.join(".venv"), e.path.join("venv")] {
                if ctx.root.is_file(&sub.join("pyvenv.cfg")) {
                    add(sub, "venv", format!("{}/*/pyvenv.cfg", show(&parent)));
                }
            }
        }
    }
    let mut out = Vec::new();
    for (prefix, cand) in cands {
        if let Some(env) = inspect(ctx, &prefix, cand) {
            out.push(env);
        }
    }
    out
}

fn home_dirs(ctx: &Ctx<'_>) -> Vec<PathBuf> {
    if let Some(h) = ctx.env.home() {
        return vec![h];
    }
    if ctx.root.is_host() {
        return Vec::new();
    }
    // A directory root with no $HOME given: every home in it.
    let mut out = vec![PathBuf::from("/root")];
    out.extend(
        ctx.root
            .read_dir_or_empty(Path::new("/home"))
            .into_iter()
            .map(|e| e.path),
    );
    out.retain(|p| ctx.root.is_dir(p));
    out
}

fn inspect(ctx: &mut Ctx<'_>, prefix: &Path, cand: Candidate) -> Option<PythonEnvironment> {
    if !ctx.root.is_dir(prefix) {
        return None;
    }
    let mut site = Vec::new();
    let mut site_real: Vec<Option<PathBuf>> = Vec::new();
    let mut version: Option<(PythonVersion, String)> = None;
    for lib in ["lib", "lib64"] {
        for e in ctx.root.read_dir_or_empty(&prefix.join(lib)) {
            let name = e.name_str().into_owned();
            let Some(v) = python_version_from_name(&name) else {
                continue;
            };
            for sp in ["site-packages", "dist-packages"] {
                let p = e.path.join(sp);
                // venvs link lib64 -> lib: one directory, listed once.
                let real = ctx.root.real_path(&p).ok();
                if ctx.root.is_dir(&p) && !site_real.contains(&real) {
                    site_real.push(real);
                    site.push(p);
                    if version.is_none() {
                        version = Some((v, format!("folder name `{}`", show(&e.path))));
                    }
                }
            }
        }
    }
    // Debian's version-less /usr/lib/python3/dist-packages.
    let debian = prefix.join("lib/python3/dist-packages");
    if ctx.root.is_dir(&debian) {
        site.push(debian);
    }
    let cfg = prefix.join("pyvenv.cfg");
    if let Ok(Some(text)) = ctx.read_optional("python_environments", &cfg) {
        if let Some(v) = parse_pyvenv_cfg(&text) {
            version = Some((v, show(&cfg)));
        }
    }
    if version.is_none() {
        // `bin/python3 -> python3.11` names the version with one readlink (and one lstat that
        // `python3.11` is there); the listing (a thousand names in `/usr/bin`) is read only when
        // no such link is there.
        let bin = prefix.join("bin");
        version = ["python3", "python"].iter().find_map(|n| {
            let target = ctx.root.read_link(&bin.join(n)).ok()?;
            let name = target.to_str().filter(|t| !t.contains('/'))?;
            let v = python_version_from_name(name)?;
            let interpreter = bin.join(name);
            ctx.root.symlink_metadata(&interpreter).ok()?;
            Some((v, format!("interpreter name `{}`", show(&interpreter))))
        });
    }
    if version.is_none() {
        for e in ctx.listing(&prefix.join("bin")).iter() {
            if let Some(v) = python_version_from_name(&e.name_str()) {
                version = Some((v, format!("interpreter name `{}`", show(&e.path))));
                break;
            }
        }
    }
    if site.is_empty() {
        return None;
    }
    let mut packages = Vec::new();
    for sp in &site {
        packages.extend(packages_in(ctx, sp));
    }
    let mut via = cand.via;
    via.sort();
    via.dedup();
    let unknown = version
        .is_none()
        .then(|| "no pyvenv.cfg, lib/python3.X folder or bin/python3.X interpreter".to_owned());
    Some(PythonEnvironment {
        path: show(prefix),
        kind: cand.kind.to_owned(),
        found_via: via,
        python_version: match version {
            Some((v, s)) => Fact::known(v, s),
            None => Fact::from_parts(None, None, unknown),
        },
        site_packages: site.iter().map(|p| show(p)).collect(),
        packages,
        active: false,
    })
}

/// Interesting packages in one site-packages directory.
pub fn packages_in(ctx: &mut Ctx<'_>, site: &Path) -> Vec<PythonPackage> {
    let mut out = Vec::new();
    for e in ctx.root.read_dir_or_empty(site) {
        let name = e.name_str();
        let Some((pkg, dir_version)) = parse_dist_info_name(&name) else {
            continue;
        };
        if !is_interesting(&pkg) {
            continue;
        }
        let meta_path = e.path.join("METADATA");
        let meta = match ctx
            .root
            .read_headers(&meta_path, METADATA_LIMIT, "METADATA_BYTES")
        {
            Ok(t) => parse_metadata(&t),
            Err(err) => {
                if !err.is_not_found() {
                    ctx.error("python_environments", Some(&meta_path), err.reason());
                }
                Metadata::default()
            }
        };
        out.push(PythonPackage {
            name: meta.name.as_deref().map_or(pkg, normalize_name),
            version: meta.version.or(Some(dir_version)),
            metadata_path: show(&e.path),
            requires_nvidia: meta
                .requires_dist
                .into_iter()
                .filter(|r| r.to_ascii_lowercase().starts_with("nvidia"))
                .collect(),
        });
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn interesting() {
        for n in [
            "nvidia-cudnn-cu12",
            "torch",
            "torchvision",
            "torchaudio",
            "triton",
            "tensorflow",
            "tensorflow-io-gcs-filesystem",
            "tf-nightly",
            "keras",
            "jax",
            "jaxlib",
            "jax-cuda12-plugin",
            "jax-cuda12-pjrt",
            "cupy-cuda12x",
            "tensorrt",
        ] {
            assert!(is_interesting(n), "{n}");
        }
        for n in [
            "numpy",
            "torchmetrics",
            "jaxtyping",
            "nvidia",
            "tf-keras-nightly",
        ] {
            assert!(!is_interesting(n), "{n}");
        }
    }

    #[test]
    fn names() {
        assert_eq!(
            normalize_name("nvidia_cuda_runtime_cu11"),
            "nvidia-cuda-runtime-cu11"
        );
        assert_eq!(normalize_name("Jax_CUDA12.Plugin"), "jax-cuda12-plugin");
        assert_eq!(
            parse_dist_info_name("nvidia_cuda_runtime_cu11-11.8.89.dist-info").unwrap(),
            ("nvidia-cuda-runtime-cu11".to_owned(), "11.8.89".to_owned())
        );
        assert!(parse_dist_info_name("torch").is_none());
    }

    #[test]
    fn metadata() {
        let t = "Metadata-Version: 2.1\nName: torch\nVersion: 2.1.0\nRequires-Dist: filelock\nRequires-Dist: nvidia-cuda-runtime-cu12 (==12.1.105) ; platform_system == \"Linux\" and platform_machine == \"x86_64\"\n\nRequires-Dist: not-a-header\n";
        let m = parse_metadata(t);
        assert_eq!(m.version.as_deref(), Some("2.1.0"));
        assert_eq!(m.requires_dist.len(), 2);
    }

    #[test]
    fn pyvenv() {
        let t = "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.10.12\n";
        assert_eq!(parse_pyvenv_cfg(t).unwrap().to_string(), "3.10");
        let uv = "home = /root/.local/share/uv/python/cpython-3.12.3-linux-x86_64-gnu/bin\nimplementation = CPython\nuv = 0.4.0\nversion_info = 3.12.3.final.0\n";
        assert_eq!(parse_pyvenv_cfg(uv).unwrap().to_string(), "3.12");
        assert!(parse_pyvenv_cfg("\u{0}\u{1}").is_none());
        assert_eq!(
            python_version_from_name("python3.11").unwrap().to_string(),
            "3.11"
        );
        assert!(python_version_from_name("python3").is_none());
    }
}
