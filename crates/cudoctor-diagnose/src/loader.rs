//! What the dynamic loader would load: the input the library rules need, read from the snapshot.
//!
//! The rules never search the filesystem. [`loader_questions`] lists what they will ask for the
//! targets; the probe answers each with its loader emulation into the snapshot's `loader`
//! section (`cudoctor_probe::Probe::answer`); [`answer`] reads the answer back for a rule. A
//! probed snapshot, used at once or saved and read back, therefore gives the same answers.
//!
//! A snapshot without a recorded answer (hand-written, or from a cudoctor before this section
//! was kept per question) falls back to a conservative reading of its library list that says
//! "unknown" wherever the framework's own search rules would decide; the answer's `source` says
//! which it is.

use std::fmt::Write as _;

use cudoctor_facts::snapshot::{Library, LoaderQuestion, Snapshot};
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

/// The source string of answers read from the library list ([`approximate`]).
pub const SNAPSHOT_LOADER_SOURCE: &str =
    "snapshot library list (LD_LIBRARY_PATH, ld.so.cache, default directories)";

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
        real_path: lib.real_path.cloned(),
        version: lib.version.cloned(),
        via: via.to_owned(),
    }
}

/// The question a target in `environment` asks about `soname`: preloading frameworks (PyTorch,
/// JAX) ask as themselves, in their environment; the others as a plain process.
pub fn question(soname: &str, environment: Option<&str>, preload: bool) -> LoaderQuestion {
    LoaderQuestion {
        soname: soname.to_owned(),
        preload_environment: environment.filter(|_| preload).map(ToOwned::to_owned),
    }
}

/// The file `soname` resolves to for a target in `environment` (`preload`: the framework preloads
/// its site-packages NVIDIA libraries): the snapshot's recorded answer to that question, else the
/// reading of its library list ([`approximate`]).
pub fn answer(
    snap: &Snapshot,
    soname: &str,
    environment: Option<&str>,
    preload: bool,
) -> Resolution {
    let q = question(soname, environment, preload);
    let mut r = match q.answer_in(&snap.loader) {
        Some(r) => Resolution::from_probe(r, snap),
        None => approximate(snap, soname, environment),
    };
    if !preload {
        drop_preload(&mut r, snap, environment);
    }
    r
}

/// For a process that does not preload pip libraries, a file taken through "framework preload"
/// is not reachable (an answer from the library list, or from a snapshot that kept one answer
/// for every loader): it moves to `off_path` and the next candidate (if any) is the one taken. A
/// copy in the environment's own site-packages is said to be there, not searched.
fn drop_preload(r: &mut Resolution, snap: &Snapshot, environment: Option<&str>) {
    const NOT_SEARCHED: &str = "site-packages (not searched by this framework)";
    if r.loaded
        .as_ref()
        .is_some_and(|l| l.via == "framework preload")
    {
        if let Some(mut l) = r.loaded.take() {
            NOT_SEARCHED.clone_into(&mut l.via);
            r.off_path.push(l);
        }
        let next = r.shadowed.iter().position(|s| s.via != "framework preload");
        r.loaded = next.map(|i| r.shadowed.remove(i));
    }
    let (pre, keep): (Vec<LoadedFile>, Vec<LoadedFile>) = std::mem::take(&mut r.shadowed)
        .into_iter()
        .partition(|s| s.via == "framework preload");
    r.shadowed = keep;
    r.off_path.extend(pre.into_iter().map(|mut l| {
        NOT_SEARCHED.clone_into(&mut l.via);
        l
    }));
    let site: Vec<String> = environment
        .and_then(|e| snap.python_environments.iter().find(|p| p.path == e))
        .map(|p| {
            p.site_packages
                .iter()
                .map(|sp| format!("{}/", sp.trim_end_matches('/')))
                .collect()
        })
        .unwrap_or_default();
    for l in &mut r.off_path {
        if l.via != NOT_SEARCHED && site.iter().any(|sp| l.path.starts_with(sp.as_str())) {
            NOT_SEARCHED.clone_into(&mut l.via);
        }
    }
}

/// An answer read from the snapshot's library list, for a snapshot that recorded none: a copy
/// reached through `LD_LIBRARY_PATH`, `ld.so.cache` or a default directory is "loaded" (in that
/// order); when the only copies sit in the framework's own site-packages the answer is unknown
/// (the framework's RUNPATH and preloading decide); when the library probe reported errors the
/// answer is unknown too. "Not found" therefore means: the probe looked everywhere the loader
/// looks and saw no file with that name.
pub fn approximate(snap: &Snapshot, soname: &str, environment: Option<&str>) -> Resolution {
    {
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
            let real = lib.real_path.cloned().unwrap_or_else(|| lib.path.clone());
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
            } else if let Some(err) = snap.probe_error("libraries") {
                out.unknown = Some(format!("the library probe was incomplete: {}", err.message));
            }
        }
        out
    }
}

/// Every question the rules will ask the loader for these targets: each target's sonames
/// (libcuda excluded), the libraries its pinned wheels carry, its cuBLASLt, and `libcudnn.so.<major>` for every cuDNN major in the
/// snapshot (asked by each GPU target, or by a plain process when there is none). Preloading
/// frameworks ask in their own environment ([`question`]).
pub fn loader_questions(
    targets: &[crate::target::Target],
    snapshot: &Snapshot,
) -> Vec<LoaderQuestion> {
    let mut out: Vec<LoaderQuestion> = Vec::new();
    let mut push = |q: LoaderQuestion| {
        if !out.contains(&q) {
            out.push(q);
        }
    };
    let gpu_targets: Vec<&crate::target::Target> =
        targets.iter().filter(|t| t.needs_gpu()).collect();
    for t in &gpu_targets {
        let env = t.environment.as_deref();
        if let Some(sonames) = &t.needs.sonames {
            for so in sonames.value.iter().filter(|s| s.library != "cuda") {
                push(question(&so.soname, env, t.preloads()));
            }
        }
        // What the pinned wheels carry: `library-not-found` asks whether a copy is on the
        // loader's path when a wheel is missing.
        for p in &t.needs.pinned_libraries {
            push(question(&p.value.soname, env, t.preloads()));
        }
        // The cuBLAS whose GPU code `gpu-arch-unsupported` checks (its soname's major is the
        // CUDA major: libcublasLt.so.11 / .12 / .13).
        if let Some(cuda) = &t.needs.cuda {
            let so = format!("libcublasLt.so.{}", cuda.value.major());
            push(question(&so, env, t.preloads()));
        }
    }
    let mut majors: Vec<u32> = snapshot
        .cudnn
        .iter()
        .filter_map(|c| {
            c.version
                .cloned()
                .map(cudoctor_kb::version::CudnnVersion::major)
        })
        .collect();
    majors.sort_unstable();
    majors.dedup();
    // Which cuDNN copy loads depends on who loads it: PyTorch and JAX preload the one in their
    // own site-packages before the loader searches, so each GPU target gets its own answer.
    for m in majors {
        let soname = format!("libcudnn.so.{m}");
        if gpu_targets.is_empty() {
            push(question(&soname, None, false));
        }
        for t in &gpu_targets {
            push(question(&soname, t.environment.as_deref(), t.preloads()));
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
    pub fn from_probe(r: &cudoctor_facts::loader::Resolution, snapshot: &Snapshot) -> Self {
        use cudoctor_facts::loader::{Outcome, Step};
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
                .and_then(|l| l.version.cloned())
        };
        let file = |c: &cudoctor_facts::loader::Candidate| LoadedFile {
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
                    real_path: l.real_path.cloned(),
                    version: l.version.cloned(),
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
    use cudoctor_facts::snapshot::Fact;
    use cudoctor_facts::snapshot::{PythonEnvironment, RootInfo};

    fn lib(path: &str, version: &str, via: &[&str]) -> Library {
        Library {
            family: cudoctor_facts::snapshot::LibraryFamily::Cudart,
            soname: Fact::value_only(file_name(path).into()),
            path: path.into(),
            real_path: Fact::value_only(format!(
                "{}.{version}",
                path.rsplit_once(".so").unwrap().0.to_owned() + ".so"
            )),
            version: Fact::value_only(version.into()),
            found_via: via.iter().map(|s| (*s).to_owned()).collect(),
            ..Library::default()
        }
    }

    fn snap() -> Snapshot {
        Snapshot::empty(RootInfo {
            kind: cudoctor_facts::snapshot::RootKind::Host,
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
        let r = approximate(&s, "libcudart.so.11.0", None);
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
        let r = approximate(&s, "libcudart.so.11.0", None);
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
        let r = approximate(&s, "libcudnn.so.8", Some("/opt/venv"));
        assert!(r.unknown.is_some());
        let r = approximate(&s, "libcublas.so.11", Some("/opt/venv"));
        assert!(r.unknown.is_none() && r.loaded.is_none());
        s.probe_errors.push(cudoctor_facts::snapshot::ProbeError {
            collector: "libraries".into(),
            path: None,
            message: "permission denied".into(),
        });
        let r = approximate(&s, "libcublas.so.11", Some("/opt/venv"));
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
        l.real_path = Fact::Absent;
        s.libraries.push(l);
        let r = approximate(&s, "libcudnn.so.8", None);
        assert!(r.loaded.is_none());
        assert_eq!(r.skipped[0].reason, "dangling symlink");
    }

    #[test]
    fn a_recorded_answer_is_used_for_its_question_only() {
        let mut s = snap();
        s.libraries.push(lib(
            "/usr/lib/x86_64-linux-gnu/libcudnn.so.8",
            "8.1.0",
            &["ld_so_cache"],
        ));
        s.loader.push(cudoctor_facts::loader::Resolution {
            soname: "libcudnn.so.8".into(),
            from: None,
            class: 64,
            machine: 62,
            chosen: None,
            candidates: Vec::new(),
            notes: Vec::new(),
            preload_environment: Some("/opt/venv".into()),
        });
        // The preloading framework's own question: its recorded answer (nothing found).
        let r = answer(&s, "libcudnn.so.8", Some("/opt/venv"), true);
        assert_eq!(r.source, LOADER_EMULATION_SOURCE);
        assert!(r.loaded.is_none());
        // A plain process: no recorded answer, so the library list's reading.
        let r = answer(&s, "libcudnn.so.8", Some("/opt/venv"), false);
        assert_eq!(r.source, SNAPSHOT_LOADER_SOURCE);
        assert!(r.loaded.is_some());
    }
}
