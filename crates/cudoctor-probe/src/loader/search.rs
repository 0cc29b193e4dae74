//! The dynamic loader, emulated: which file `dlopen("libX.so.N")` would load inside a root, and
//! every candidate considered on the way, in glibc's order:
//!
//! 1. `DT_RPATH` of the requesting object, only when it has no `DT_RUNPATH`;
//! 2. `LD_LIBRARY_PATH`;
//! 3. `DT_RUNPATH` of the requesting object (`$ORIGIN`, `$LIB`, `$PLATFORM` expanded);
//! 4. `/etc/ld.so.cache` (entries of the requester's ELF class and machine);
//! 5. the default directories compiled into the root's glibc (see
//!    [`default_dirs`](super::conf::default_dirs)).
//!
//! [`which_for_framework`] adds what PyTorch and JAX preload by full path from
//! `site-packages/nvidia/*/lib` before that search runs. Nothing is loaded: files are only
//! `stat`ed and their ELF headers read. The search continues past the chosen file so that later
//! copies are listed as `shadowed`.

use std::path::{Path, PathBuf};

use super::cache::{self as ldcache, load_cache};
use super::conf::default_dirs;
use crate::elf::{self, ElfError, ElfInfo};
use crate::env_vars;
use crate::root::{Env, Root, RootError};

pub use cudoctor_facts::loader::{Candidate, Outcome, Resolution, Step};

#[cfg(target_arch = "aarch64")]
const HOST_MACHINE: u16 = 183;
#[cfg(not(target_arch = "aarch64"))]
const HOST_MACHINE: u16 = 62;

/// glibc's search for `soname`, as `from` (an ELF file inside the root) would do it.
pub fn which(root: &Root, env: &Env, soname: &str, from: Option<&Path>) -> Resolution {
    which_for_framework(root, env, soname, from, &[])
}

/// Like [`which`], first checking what PyTorch / JAX preload from each
/// `site-packages/nvidia/*/lib` directory (by full path, so it wins over the loader's search).
pub fn which_for_framework(
    root: &Root,
    env: &Env,
    soname: &str,
    from: Option<&Path>,
    site_packages: &[PathBuf],
) -> Resolution {
    let cache = load_cache(root);
    which_memo(
        root,
        env,
        soname,
        from,
        site_packages,
        &cache,
        &LoaderMemo::default(),
    )
}

/// The default directories and the layout name, as [`default_dirs`] returns them.
type DefaultDirs = (Vec<String>, &'static str);

/// What several lookups in one probe share: each file's evaluation (per ELF class and
/// machine), each directory listing and the default directories, computed once. Only valid
/// while the tree does not change (one probe).
#[derive(Debug, Default)]
pub struct LoaderMemo {
    evaluated: std::cell::RefCell<std::collections::HashMap<(PathBuf, u8, u16), Candidate>>,
    listings: std::cell::RefCell<std::collections::HashMap<PathBuf, Vec<crate::root::DirEntry>>>,
    defaults: std::cell::RefCell<std::collections::HashMap<(u8, u16), DefaultDirs>>,
}

impl LoaderMemo {
    fn evaluate(&self, root: &Root, path: &Path, step: Step, class: u8, machine: u16) -> Candidate {
        let mut c = memoized(
            &self.evaluated,
            (path.to_path_buf(), class, machine),
            || evaluate(root, path, step, class, machine, None),
        );
        c.step = step;
        c
    }

    fn list(&self, root: &Root, dir: &Path) -> Vec<crate::root::DirEntry> {
        memoized(&self.listings, dir.to_path_buf(), || {
            root.read_dir_or_empty(dir)
        })
    }

    fn default_dirs(&self, root: &Root, class: u8, machine: u16) -> DefaultDirs {
        memoized(&self.defaults, (class, machine), || {
            default_dirs(root, class, machine)
        })
    }
}

/// `memo[key]`, computed by `compute` the first time it is asked for.
fn memoized<K: std::hash::Hash + Eq, V: Clone>(
    memo: &std::cell::RefCell<std::collections::HashMap<K, V>>,
    key: K,
    compute: impl FnOnce() -> V,
) -> V {
    if let Some(v) = memo.borrow().get(&key) {
        return v.clone();
    }
    let v = compute();
    memo.borrow_mut().insert(key, v.clone());
    v
}

/// [`which_for_framework`] with a cache loaded by [`load_cache`], sharing `memo` with the other
/// lookups of one probe (a fresh `LoaderMemo::default()` for a single lookup).
pub fn which_memo(
    root: &Root,
    env: &Env,
    soname: &str,
    from: Option<&Path>,
    site_packages: &[PathBuf],
    cache: &Result<ldcache::LdCache, String>,
    memo: &LoaderMemo,
) -> Resolution {
    let mut res = Resolution {
        soname: soname.to_owned(),
        from: from.map(|p| p.display().to_string()),
        class: 64,
        machine: HOST_MACHINE,
        chosen: None,
        candidates: Vec::new(),
        notes: Vec::new(),
        preload_environment: None,
    };
    let mut requester: Option<ElfInfo> = None;
    if let Some(from) = from {
        match elf::read_elf(root, from) {
            Ok(info) => {
                res.class = info.class;
                res.machine = info.machine;
                requester = Some(info);
            }
            Err(e) => res
                .notes
                .push(format!("cannot read the requesting object: {e}")),
        }
    }
    let mut tried: Vec<(PathBuf, Step)> = Vec::new();
    if soname.contains('/') {
        tried.push((PathBuf::from(soname), Step::Path));
    } else {
        if !site_packages.is_empty() {
            let list: Vec<String> = site_packages
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            res.notes.push(format!(
                "framework preload (PyTorch, JAX) checked nvidia/*/lib in: {}",
                list.join(", ")
            ));
        }
        for sp in site_packages {
            for e in memo.list(root, &sp.join("nvidia")) {
                let p = e.path.join("lib").join(soname);
                if root.symlink_metadata(&p).is_ok() {
                    tried.push((p, Step::FrameworkPreload));
                }
            }
        }
        let origin = from
            .and_then(Path::parent)
            .map_or_else(|| "/".to_owned(), |p| p.display().to_string());
        let lib = if res.class == 64 { "lib64" } else { "lib" };
        let platform = crate::elf::machine_name(res.machine);
        let expand = |d: &str| {
            d.replace("${ORIGIN}", &origin)
                .replace("$ORIGIN", &origin)
                .replace("${LIB}", lib)
                .replace("$LIB", lib)
                .replace("${PLATFORM}", &platform)
                .replace("$PLATFORM", &platform)
        };
        if let Some(info) = &requester {
            if info.runpath.is_empty() {
                for d in &info.rpath {
                    tried.push((Path::new(&expand(d)).join(soname), Step::Rpath));
                }
            } else if !info.rpath.is_empty() {
                res.notes
                    .push("DT_RPATH ignored because DT_RUNPATH is present".to_owned());
            }
        }
        // glibc ignores a set but empty `LD_LIBRARY_PATH` (elf/dl-load.c, _dl_init_paths).
        if let Some(llp) = env.get_nonempty(env_vars::LD_LIBRARY_PATH) {
            let cwd = current_directory(root, env);
            for d in llp.split([':', ';']) {
                let d = expand(d);
                if Path::new(&d).is_absolute() {
                    tried.push((Path::new(&d).join(soname), Step::LdLibraryPath));
                    continue;
                }
                // glibc reads an empty entry as the current directory and a relative one
                // relative to it (elf/dl-load.c, fillin_rpath): search there too.
                let shown = if d.is_empty() {
                    "an empty entry (the current directory)".to_owned()
                } else {
                    format!("the relative entry `{d}`")
                };
                match &cwd {
                    Some(cwd) => {
                        res.notes.push(format!(
                            "LD_LIBRARY_PATH has {shown}: searched in the current directory `{}`, as glibc does",
                            cwd.display()
                        ));
                        tried.push((cwd.join(&d).join(soname), Step::LdLibraryPath));
                    }
                    None => res.notes.push(format!(
                        "LD_LIBRARY_PATH has {shown}, which glibc searches relative to the current directory; not searched here (the current directory is unknown for a directory root without `PWD`)"
                    )),
                }
            }
        }
        if let Some(info) = &requester {
            for d in &info.runpath {
                tried.push((Path::new(&expand(d)).join(soname), Step::Runpath));
            }
        }
    }
    // Evaluate everything up to the cache.
    for (p, step) in tried {
        let c = memo.evaluate(root, &p, step, res.class, res.machine);
        push(&mut res, c);
    }
    if !soname.contains('/') {
        match cache {
            Ok(cache) => {
                for e in cache.lookup(soname) {
                    let arch_ok = e.arch().is_none_or(|a| a == (res.class, res.machine));
                    let c = if arch_ok {
                        memo.evaluate(
                            root,
                            Path::new(&e.path),
                            Step::LdSoCache,
                            res.class,
                            res.machine,
                        )
                    } else {
                        Candidate {
                            path: e.path.clone(),
                            step: Step::LdSoCache,
                            outcome: Outcome::WrongElfClass,
                            real_path: None,
                            detail: Some(format!("cache entry for {}", e.describe_flags())),
                        }
                    };
                    push(&mut res, c);
                }
            }
            Err(note) => res.notes.push(note.clone()),
        }
        let (dirs, layout) = memo.default_dirs(root, res.class, res.machine);
        res.notes.push(format!(
            "default directories for a {layout} layout: {}",
            dirs.join(" ")
        ));
        for d in dirs {
            let p = Path::new(&d).join(soname);
            let c = memo.evaluate(root, &p, Step::DefaultDir, res.class, res.machine);
            push(&mut res, c);
        }
    }
    // Missing default-dir candidates are noise; keep the rest.
    res.candidates
        .retain(|c| !(c.step == Step::DefaultDir && c.outcome == Outcome::Missing));
    res
}

/// The entries of an `LD_LIBRARY_PATH` value that glibc reads relative to the current
/// directory (empty or relative), each described, 1-based, as the snapshot records them.
pub fn current_directory_entries(value: &str) -> Vec<String> {
    if value.is_empty() {
        return Vec::new();
    }
    value
        .split([':', ';'])
        .enumerate()
        .filter(|(_, d)| !Path::new(d).is_absolute())
        .map(|(i, d)| {
            if d.is_empty() {
                format!("entry {} is empty (the current directory)", i + 1)
            } else {
                format!(
                    "entry {} `{d}` is relative (to the current directory)",
                    i + 1
                )
            }
        })
        .collect()
}

/// The current directory the loader would search for an empty entry: the process's own for
/// the host, `PWD` from the given environment for a directory root (inside it), else unknown.
fn current_directory(root: &Root, env: &Env) -> Option<PathBuf> {
    if root.is_host() {
        return std::env::current_dir().ok();
    }
    env.get_nonempty("PWD")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
}

fn push(res: &mut Resolution, mut c: Candidate) {
    if c.outcome == Outcome::Taken {
        if res.chosen.is_some() {
            c.outcome = Outcome::Shadowed;
        } else {
            res.chosen = Some(c.clone());
        }
    }
    res.candidates.push(c);
}

fn evaluate(
    root: &Root,
    path: &Path,
    step: Step,
    class: u8,
    machine: u16,
    detail: Option<String>,
) -> Candidate {
    let mut c = Candidate {
        path: path.display().to_string(),
        step,
        outcome: Outcome::Missing,
        real_path: None,
        detail,
    };
    let is_link = match root.symlink_metadata(path) {
        Ok(m) => m.is_symlink(),
        Err(e) if e.is_not_found() => return c,
        Err(e) => {
            c.outcome = outcome_of(&e);
            c.detail = Some(e.reason());
            return c;
        }
    };
    match root.real_path(path) {
        Ok(r) => c.real_path = Some(r.display().to_string()),
        Err(e) => {
            c.outcome = if e.is_not_found() && is_link {
                Outcome::DanglingLink
            } else {
                outcome_of(&e)
            };
            c.detail = Some(e.reason());
            return c;
        }
    }
    match elf::read_elf(root, path) {
        Ok(info) => {
            c.detail = Some(info.describe());
            c.outcome = if info.class != class {
                Outcome::WrongElfClass
            } else if info.machine != machine {
                Outcome::WrongMachine
            } else {
                Outcome::Taken
            };
        }
        Err(ElfError::Root(e)) => {
            c.outcome = outcome_of(&e);
            c.detail = Some(e.reason());
        }
        Err(e) => {
            c.outcome = Outcome::NotElf;
            c.detail = Some(e.to_string());
        }
    }
    c
}

fn outcome_of(e: &RootError) -> Outcome {
    match e {
        RootError::SymlinkLoop { .. } => Outcome::SymlinkLoop,
        e if e.is_not_found() => Outcome::Missing,
        _ => Outcome::Unreadable,
    }
}
