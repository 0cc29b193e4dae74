//! What the dynamic loader would load: the input the library rules need, as a trait.
//!
//! The rules never search the filesystem. They ask a [`LoaderView`] which file a soname resolves
//! to for a framework installed in a given Python environment. The CLI answers with the probe's
//! loader emulation (fill a [`Resolutions`] from it); a saved snapshot without resolutions can use
//! [`SnapshotLoader`], a conservative approximation from the snapshot's library list that says
//! "unknown" wherever the framework's own search rules would decide.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use cudoctor_probe::snapshot::{Library, Snapshot};
use serde::{Deserialize, Serialize};

/// A file the loader takes (or would take, were it first in the search order).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LoadedFile {
    /// The path as the loader finds it (`/usr/local/cuda-11.2/lib64/libcudart.so.11.0`).
    pub path: String,
    /// The file behind all links, when known.
    pub real_path: Option<String>,
    /// Its version (`11.2.152`), from the real file's name or wheel metadata, when known.
    pub version: Option<String>,
    /// The search step that reaches it (`LD_LIBRARY_PATH`, `ld.so.cache`, `DT_RUNPATH`,
    /// `default directory`, `framework preload`, ...).
    pub via: String,
}

/// A file the loader considered and skipped.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SkippedFile {
    /// The path.
    pub path: String,
    /// Why (`dangling symlink`, `wrong ELF class`, ...).
    pub reason: String,
}

/// The answer for one soname. Tri-state: `loaded` is `Some` (found), or `unknown` is `Some`
/// (cannot say, and why), or neither (nothing the loader would take: `dlopen` fails).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Resolution {
    /// The name asked for (`libcudnn.so.8`).
    pub soname: String,
    /// The file taken.
    pub loaded: Option<LoadedFile>,
    /// Why the answer is unknown.
    pub unknown: Option<String>,
    /// Other acceptable files later in the search order, hidden by `loaded`.
    pub shadowed: Vec<LoadedFile>,
    /// Files considered and skipped.
    pub skipped: Vec<SkippedFile>,
    /// Copies with that name that exist where no search step looks (`via` says where they are).
    pub off_path: Vec<LoadedFile>,
    /// How this answer was obtained (`loader emulation`, `snapshot library list`).
    pub source: String,
}

impl Resolution {
    /// An unknown answer.
    pub fn unknown(soname: &str, why: impl Into<String>, source: impl Into<String>) -> Self {
        Self {
            soname: soname.to_owned(),
            unknown: Some(why.into()),
            source: source.into(),
            ..Self::default()
        }
    }
}

/// Which file a soname resolves to.
pub trait LoaderView {
    /// The file the loader would take for `soname` when a framework installed in the Python
    /// environment `environment` (its prefix, as in `Framework::environment`) dlopens it;
    /// `environment` is `None` for a plain process with no framework search rules.
    fn resolve(&self, soname: &str, environment: Option<&str>) -> Resolution;
}

/// Knows nothing: every answer is unknown. The library rules then stay silent.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoLoader;

impl LoaderView for NoLoader {
    fn resolve(&self, soname: &str, _environment: Option<&str>) -> Resolution {
        Resolution::unknown(soname, "no loader information was given", "none")
    }
}

/// Answers computed elsewhere (the probe's loader emulation), keyed by environment and soname.
/// A lookup for an environment falls back to the answer recorded for no environment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolutions {
    /// `environment ("" for none) -> soname -> answer`.
    pub entries: BTreeMap<String, BTreeMap<String, Resolution>>,
}

impl Resolutions {
    /// Records the answer for `resolution.soname` in `environment`.
    pub fn insert(&mut self, environment: Option<&str>, resolution: Resolution) {
        self.entries
            .entry(environment.unwrap_or_default().to_owned())
            .or_default()
            .insert(resolution.soname.clone(), resolution);
    }
}

impl LoaderView for Resolutions {
    fn resolve(&self, soname: &str, environment: Option<&str>) -> Resolution {
        let lookup = |env: &str| self.entries.get(env).and_then(|m| m.get(soname));
        environment
            .and_then(lookup)
            .or_else(|| lookup(""))
            .cloned()
            .unwrap_or_else(|| {
                Resolution::unknown(soname, "the loader was not asked about this name", "none")
            })
    }
}

/// The source string of [`SnapshotLoader`] answers.
pub const SNAPSHOT_LOADER_SOURCE: &str =
    "snapshot library list (LD_LIBRARY_PATH, ld.so.cache, default directories)";

/// The snapshot's own loader answers (its `loader` section, computed by the probe's loader
/// emulation) where it has one for the soname; otherwise an approximation from the snapshot's
/// library list. A copy reached through `LD_LIBRARY_PATH`, `ld.so.cache` or a default directory is
/// "loaded" (in that order); when the only copies sit in the framework's own site-packages the
/// answer is unknown (the framework's RUNPATH and preloading decide); when the library probe
/// reported errors the answer is unknown too. "Not found" therefore means: the probe looked
/// everywhere the loader looks and saw no file with that name.
#[derive(Debug, Clone, Copy)]
pub struct SnapshotLoader<'a> {
    snapshot: &'a Snapshot,
}

impl<'a> SnapshotLoader<'a> {
    /// Wraps a snapshot.
    pub fn new(snapshot: &'a Snapshot) -> Self {
        Self { snapshot }
    }
}

/// Search steps of the loader, in glibc's order, as the probe names them in `found_via`.
const SEARCH_STEPS: &[(&str, &str)] = &[
    ("ld_library_path", "LD_LIBRARY_PATH"),
    ("ld_so_cache", "ld.so.cache"),
    ("default_dir", "default directory"),
];

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn parent_dir(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) => "/",
        Some(i) => &path[..i],
        None => ".",
    }
}

fn as_loaded(lib: &Library, via: &str) -> LoadedFile {
    LoadedFile {
        path: lib.path.clone(),
        real_path: lib.real_path.clone(),
        version: lib.version.clone(),
        via: via.to_owned(),
    }
}

impl LoaderView for SnapshotLoader<'_> {
    fn resolve(&self, soname: &str, environment: Option<&str>) -> Resolution {
        let snap = self.snapshot;
        // The probe's own loader answers, when the snapshot has them.
        if let Some(r) = snap.loader.iter().find(|r| r.soname == soname) {
            return Resolution::from_probe(r, snap);
        }
        let named: Vec<&Library> = snap
            .libraries
            .iter()
            .filter(|l| l.soname.as_deref() == Some(soname) || file_name(&l.path) == soname)
            .collect();
        let mut out = Resolution {
            soname: soname.to_owned(),
            source: SNAPSHOT_LOADER_SOURCE.to_owned(),
            ..Resolution::default()
        };
        // Order of LD_LIBRARY_PATH directories, for ranking copies reached through it.
        let ld_dirs: Vec<&str> = snap
            .environment
            .variables
            .get("LD_LIBRARY_PATH")
            .map(|v| v.split(':').filter(|d| !d.is_empty()).collect())
            .unwrap_or_default();
        let mut on_path: Vec<(usize, usize, &Library, &str)> = Vec::new();
        for lib in &named {
            if lib.dangling {
                out.skipped.push(SkippedFile {
                    path: lib.path.clone(),
                    reason: "dangling symlink".to_owned(),
                });
                continue;
            }
            // The loader looks for a file *named* like the soname; a real file that merely
            // carries that DT_SONAME (`libcudnn.so.8.1.0` without its `libcudnn.so.8` link) is
            // not found by a directory search.
            if file_name(&lib.path) != soname {
                continue;
            }
            let step = SEARCH_STEPS
                .iter()
                .enumerate()
                .find(|(_, (key, _))| lib.found_via.iter().any(|v| v == key));
            if let Some((rank, (_, label))) = step {
                let dir = parent_dir(&lib.path);
                let sub = ld_dirs
                    .iter()
                    .position(|d| d.trim_end_matches('/') == dir)
                    .unwrap_or(usize::MAX);
                on_path.push((rank, sub, lib, label));
            }
        }
        on_path.sort_by(|a, b| (a.0, a.1, &a.2.path).cmp(&(b.0, b.1, &b.2.path)));
        let mut seen_real: Vec<String> = Vec::new();
        for (_, _, lib, label) in &on_path {
            let real = lib.real_path.clone().unwrap_or_else(|| lib.path.clone());
            if out.loaded.is_none() {
                out.loaded = Some(as_loaded(lib, label));
                seen_real.push(real);
            } else if !seen_real.contains(&real) {
                out.shadowed.push(as_loaded(lib, label));
                seen_real.push(real);
            }
        }
        let site_packages: Vec<&String> = environment
            .and_then(|env| snap.python_environments.iter().find(|p| p.path == env))
            .map(|p| p.site_packages.iter().collect())
            .unwrap_or_default();
        let mut in_site = false;
        for lib in &named {
            if lib.dangling || on_path.iter().any(|(_, _, l, _)| l.path == lib.path) {
                continue;
            }
            let here = site_packages.iter().any(|sp| {
                lib.path
                    .starts_with(&format!("{}/", sp.trim_end_matches('/')))
            });
            in_site |= here;
            let mut where_ = if here {
                "the framework's site-packages".to_owned()
            } else {
                lib.found_via.join(", ")
            };
            if file_name(&lib.path) != soname {
                let _ = write!(where_, "; no `{soname}` link next to it");
            }
            out.off_path.push(as_loaded(lib, &where_));
        }
        if out.loaded.is_none() {
            if in_site {
                out.unknown = Some(format!(
                    "`{soname}` exists only in the framework's site-packages; whether it is loaded depends on the framework's RUNPATH and preloading, which the snapshot's library list does not record"
                ));
            } else if let Some(err) = snap
                .probe_errors
                .iter()
                .find(|e| e.collector == "libraries")
            {
                out.unknown = Some(format!("the library probe was incomplete: {}", err.message));
            }
        }
        out
    }
}

/// One question the rules will ask the loader: resolve `soname` for a framework in
/// `environment`. The CLI answers each with the probe's loader emulation
/// (`cudoctor_probe::ldso::which_with_cache`, passing `site_packages` when `preload` is true) and
/// records the answers in a [`Resolutions`] with [`Resolution::from_probe`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoaderRequest {
    /// The Python environment (prefix) of the framework; `None` for a plain process.
    pub environment: Option<String>,
    /// The name passed to `dlopen`.
    pub soname: String,
    /// That environment's site-packages directories.
    pub site_packages: Vec<String>,
    /// Whether the framework preloads `site-packages/nvidia/*/lib` (PyTorch, JAX).
    pub preload: bool,
}

/// Every (environment, soname) the rules will ask about for these targets: each target's
/// sonames (libcuda excluded), and `libcudnn.so.<major>` for every cuDNN major in the snapshot.
pub fn loader_requests(
    targets: &[crate::target::Target],
    snapshot: &Snapshot,
) -> Vec<LoaderRequest> {
    use cudoctor_kb::framework::Framework;
    let site = |env: Option<&str>| -> Vec<String> {
        env.and_then(|e| snapshot.python_environments.iter().find(|p| p.path == e))
            .map(|p| p.site_packages.clone())
            .unwrap_or_default()
    };
    let mut out: Vec<LoaderRequest> = Vec::new();
    let mut push = |environment: Option<&str>, soname: &str, preload: bool| {
        if out
            .iter()
            .any(|r| r.environment.as_deref() == environment && r.soname == soname)
        {
            return;
        }
        out.push(LoaderRequest {
            environment: environment.map(ToOwned::to_owned),
            soname: soname.to_owned(),
            site_packages: site(environment),
            preload,
        });
    };
    for t in targets.iter().filter(|t| t.needs_gpu()) {
        let preload = matches!(t.framework, Framework::PyTorch | Framework::Jax);
        if let Some(sonames) = &t.needs.sonames {
            for so in sonames.value.iter().filter(|s| s.library != "cuda") {
                push(t.environment.as_deref(), &so.soname, preload);
            }
        }
        // The cuBLAS whose GPU code `gpu-arch-unsupported` checks (its soname's major is the
        // CUDA major: libcublasLt.so.11 / .12 / .13).
        if let Some(cuda) = &t.needs.cuda {
            push(
                t.environment.as_deref(),
                &format!("libcublasLt.so.{}", cuda.value.major()),
                preload,
            );
        }
    }
    let mut majors: Vec<u32> = snapshot
        .cudnn
        .iter()
        .filter_map(|c| c.version.map(cudoctor_kb::version::CudnnVersion::major))
        .collect();
    majors.sort_unstable();
    majors.dedup();
    // Which cuDNN copy loads depends on who loads it: PyTorch and JAX preload the one in their
    // own site-packages before the loader searches, so each GPU target gets its own answer.
    let gpu_targets: Vec<&crate::target::Target> =
        targets.iter().filter(|t| t.needs_gpu()).collect();
    for m in majors {
        let soname = format!("libcudnn.so.{m}");
        if gpu_targets.is_empty() {
            push(None, &soname, false);
        }
        for t in &gpu_targets {
            let preload = matches!(t.framework, Framework::PyTorch | Framework::Jax);
            push(t.environment.as_deref(), &soname, preload);
        }
    }
    out
}

/// The source string of [`Resolution::from_probe`] answers.
pub const LOADER_EMULATION_SOURCE: &str = "loader emulation (glibc search order)";

impl Resolution {
    /// Converts the probe's loader emulation answer. File versions come from the snapshot's
    /// library facts for the same path (else from the real file's name); copies the snapshot
    /// lists under that name that the search never reached become `off_path`. An unreadable
    /// candidate or an unreadable `ld.so.cache` with nothing chosen makes the answer unknown.
    pub fn from_probe(r: &cudoctor_probe::ldso::Resolution, snapshot: &Snapshot) -> Self {
        use cudoctor_probe::ldso::{Outcome, Step};
        let step_label = |s: Step| match s {
            Step::Path => "path",
            Step::FrameworkPreload => "framework preload",
            Step::Rpath => "DT_RPATH",
            Step::LdLibraryPath => "LD_LIBRARY_PATH",
            Step::Runpath => "DT_RUNPATH",
            Step::LdSoCache => "ld.so.cache",
            Step::DefaultDir => "default directory",
        };
        let version_of = |path: &str, real: Option<&str>| -> Option<String> {
            snapshot
                .libraries
                .iter()
                .find(|l| l.path == path || (real.is_some() && l.real_path.as_deref() == real))
                .and_then(|l| l.version.clone())
        };
        let file = |c: &cudoctor_probe::ldso::Candidate| LoadedFile {
            path: c.path.clone(),
            real_path: c.real_path.clone(),
            version: version_of(&c.path, c.real_path.as_deref()),
            via: step_label(c.step).to_owned(),
        };
        let mut out = Resolution {
            soname: r.soname.clone(),
            source: match &r.from {
                Some(f) => format!("{LOADER_EMULATION_SOURCE}, as loaded from {f}"),
                None => LOADER_EMULATION_SOURCE.to_owned(),
            },
            loaded: r.chosen.as_ref().map(file),
            ..Resolution::default()
        };
        let mut unreadable = Vec::new();
        for c in &r.candidates {
            match c.outcome {
                Outcome::Taken | Outcome::Missing => {}
                Outcome::Shadowed => out.shadowed.push(file(c)),
                other => {
                    let reason = match other {
                        Outcome::WrongElfClass => "wrong ELF class",
                        Outcome::WrongMachine => "wrong machine",
                        Outcome::DanglingLink => "dangling symlink",
                        Outcome::SymlinkLoop => "symlink loop",
                        Outcome::NotElf => "not an ELF file",
                        _ => "unreadable",
                    };
                    if matches!(other, Outcome::Unreadable) {
                        unreadable.push(c.path.clone());
                    }
                    out.skipped.push(SkippedFile {
                        path: c.path.clone(),
                        reason: c
                            .detail
                            .as_ref()
                            .map_or_else(|| reason.to_owned(), |d| format!("{reason}: {d}")),
                    });
                }
            }
        }
        let considered: Vec<&str> = r.candidates.iter().map(|c| c.path.as_str()).collect();
        for l in &snapshot.libraries {
            let named = l.soname.as_deref() == Some(r.soname.as_str())
                || l.path.rsplit('/').next() == Some(r.soname.as_str());
            if named && !l.dangling && !considered.contains(&l.path.as_str()) {
                let mut via = l.found_via.join(", ");
                if l.path.rsplit('/').next() != Some(r.soname.as_str()) {
                    let _ = write!(via, "; no `{}` link next to it", r.soname);
                }
                out.off_path.push(LoadedFile {
                    path: l.path.clone(),
                    real_path: l.real_path.clone(),
                    version: l.version.clone(),
                    via,
                });
            }
        }
        if out.loaded.is_none() {
            let cache_trouble: Vec<&String> = r
                .notes
                .iter()
                .filter(|n| n.contains("ld.so.cache") && !n.starts_with("no `"))
                .collect();
            if !unreadable.is_empty() {
                out.unknown = Some(format!("unreadable candidates: {}", unreadable.join(", ")));
            } else if !cache_trouble.is_empty() {
                out.unknown = Some(
                    cache_trouble
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join("; "),
                );
            }
        }
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use cudoctor_probe::snapshot::{PythonEnvironment, RootInfo};

    fn lib(path: &str, version: &str, via: &[&str]) -> Library {
        Library {
            family: "cudart".into(),
            soname: Some(file_name(path).into()),
            path: path.into(),
            real_path: Some(format!(
                "{}.{version}",
                path.rsplit_once(".so").unwrap().0.to_owned() + ".so"
            )),
            version: Some(version.into()),
            found_via: via.iter().map(|s| (*s).to_owned()).collect(),
            ..Library::default()
        }
    }

    fn snap() -> Snapshot {
        Snapshot::empty(RootInfo {
            kind: "host".into(),
            path: "/".into(),
        })
    }

    #[test]
    fn ld_library_path_wins_and_shadows_the_cache() {
        let mut s = snap();
        s.environment
            .variables
            .insert("LD_LIBRARY_PATH".into(), "/opt/a:/opt/b".into());
        s.libraries.push(lib(
            "/usr/lib/x86_64-linux-gnu/libcudart.so.11.0",
            "11.2.152",
            &["ld_so_cache"],
        ));
        s.libraries.push(lib(
            "/opt/b/libcudart.so.11.0",
            "11.8.89",
            &["ld_library_path"],
        ));
        s.libraries.push(lib(
            "/opt/a/libcudart.so.11.0",
            "11.0.221",
            &["ld_library_path"],
        ));
        let r = SnapshotLoader::new(&s).resolve("libcudart.so.11.0", None);
        let loaded = r.loaded.unwrap();
        assert_eq!(loaded.path, "/opt/a/libcudart.so.11.0");
        assert_eq!(loaded.via, "LD_LIBRARY_PATH");
        assert_eq!(r.shadowed.len(), 2);
        assert_eq!(r.shadowed[0].path, "/opt/b/libcudart.so.11.0");
        assert!(r.unknown.is_none());
    }

    #[test]
    fn off_path_copy_is_not_found_but_listed() {
        let mut s = snap();
        s.libraries.push(lib(
            "/usr/local/cuda-11.2/lib64/libcudart.so.11.0",
            "11.2.152",
            &["toolkit"],
        ));
        let r = SnapshotLoader::new(&s).resolve("libcudart.so.11.0", None);
        assert!(r.loaded.is_none());
        assert!(r.unknown.is_none());
        assert_eq!(r.off_path.len(), 1);
    }

    #[test]
    fn site_packages_only_is_unknown_and_probe_errors_make_unknown() {
        let mut s = snap();
        s.python_environments.push(PythonEnvironment {
            path: "/opt/venv".into(),
            site_packages: vec!["/opt/venv/lib/python3.10/site-packages".into()],
            ..PythonEnvironment::default()
        });
        s.libraries.push(lib(
            "/opt/venv/lib/python3.10/site-packages/nvidia/cudnn/lib/libcudnn.so.8",
            "8.6.0",
            &["site_packages"],
        ));
        let r = SnapshotLoader::new(&s).resolve("libcudnn.so.8", Some("/opt/venv"));
        assert!(r.unknown.is_some());
        let r = SnapshotLoader::new(&s).resolve("libcublas.so.11", Some("/opt/venv"));
        assert!(r.unknown.is_none() && r.loaded.is_none());
        s.probe_errors.push(cudoctor_probe::snapshot::ProbeError {
            collector: "libraries".into(),
            path: None,
            message: "permission denied".into(),
        });
        let r = SnapshotLoader::new(&s).resolve("libcublas.so.11", Some("/opt/venv"));
        assert!(r.unknown.is_some());
    }

    #[test]
    fn dangling_links_are_skipped() {
        let mut s = snap();
        let mut l = lib(
            "/usr/lib/x86_64-linux-gnu/libcudnn.so.8",
            "8.1.0",
            &["ld_so_cache"],
        );
        l.dangling = true;
        l.real_path = None;
        s.libraries.push(l);
        let r = SnapshotLoader::new(&s).resolve("libcudnn.so.8", None);
        assert!(r.loaded.is_none());
        assert_eq!(r.skipped[0].reason, "dangling symlink");
    }

    #[test]
    fn resolutions_fall_back_to_no_environment() {
        let mut r = Resolutions::default();
        r.insert(
            None,
            Resolution {
                soname: "libcudnn.so.8".into(),
                ..Resolution::default()
            },
        );
        assert!(
            r.resolve("libcudnn.so.8", Some("/opt/venv"))
                .unknown
                .is_none()
        );
        assert!(r.resolve("libcublas.so.11", None).unknown.is_some());
        assert!(NoLoader.resolve("x", None).unknown.is_some());
    }
}
