//! The loader's configuration: `/etc/ld.so.conf` with its includes, and the default
//! directories compiled into the root's glibc.

use std::path::{Path, PathBuf};

use crate::root::Root;

/// Where `/etc/ld.so.conf` is.
pub const LD_SO_CONF: &str = "/etc/ld.so.conf";

/// One line-level fact of `ld.so.conf`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfLine {
    /// A directory.
    Dir(String),
    /// `include PATTERN`.
    Include(String),
}

/// Parses `/etc/ld.so.conf` (or an included file).
///
/// Real samples (Debian/Ubuntu):
/// ```text
/// include /etc/ld.so.conf.d/*.conf
/// ```
/// and `/etc/ld.so.conf.d/x86_64-linux-gnu.conf`:
/// ```text
/// # Multiarch support
/// /usr/local/lib/x86_64-linux-gnu
/// /lib/x86_64-linux-gnu
/// /usr/lib/x86_64-linux-gnu
/// ```
pub fn parse_ld_so_conf(text: &str) -> Vec<ConfLine> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("include") {
            if rest.starts_with(char::is_whitespace) {
                for pat in rest.split_whitespace() {
                    out.push(ConfLine::Include(pat.to_owned()));
                }
                continue;
            }
        }
        if line.starts_with("hwcap") {
            continue;
        }
        // "dir=type" (old libc5 syntax) and space/comma separated lists.
        for d in line.split([' ', '\t', ',', ':']).filter(|d| !d.is_empty()) {
            let d = d.split('=').next().unwrap_or(d);
            out.push(ConfLine::Dir(d.to_owned()));
        }
    }
    out
}

/// The directories of `/etc/ld.so.conf`, includes expanded (`*` in the last component only).
/// Each file is read once (a visited set: a file including itself, or ten files each including
/// all ten, end), at most [`LD_SO_CONF_FILES`](crate::limits::LD_SO_CONF_FILES) files,
/// [`LD_SO_CONF_INCLUDE_DEPTH`](crate::limits::LD_SO_CONF_INCLUDE_DEPTH) deep and
/// [`LD_SO_CONF_DIRS`](crate::limits::LD_SO_CONF_DIRS) directories; a cap reached is a probe
/// error naming the file and the cap, and the directories read so far are kept (each was
/// really configured).
pub fn ld_so_conf_dirs(root: &Root) -> ConfDirs {
    let mut walk = ConfWalk::default();
    read_conf(root, Path::new(LD_SO_CONF), 0, &mut walk);
    ConfDirs {
        dirs: walk.out,
        errors: walk.errors,
    }
}

/// The directories of `ld.so.conf` and the problems met reading it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfDirs {
    /// The directories, in the order the files list them.
    pub dirs: Vec<String>,
    /// (file, what is wrong) for each file that could not be read or hit a cap.
    pub errors: Vec<(PathBuf, String)>,
}

#[derive(Default)]
struct ConfWalk {
    out: Vec<String>,
    errors: Vec<(PathBuf, String)>,
    dirs: std::collections::HashSet<String>,
    visited: std::collections::HashSet<PathBuf>,
    capped: bool,
}

impl ConfWalk {
    /// Stops the walk at a cap: `path` is where it was hit, `what` says which.
    fn cap(&mut self, path: &Path, what: &str) {
        self.capped = true;
        self.errors
            .push((path.to_path_buf(), format!("{what}; the rest are not read")));
    }
}

fn read_conf(root: &Root, path: &Path, depth: usize, walk: &mut ConfWalk) {
    use crate::limits::{
        LD_SO_CONF_BYTES, LD_SO_CONF_DIRS, LD_SO_CONF_FILES, LD_SO_CONF_INCLUDE_DEPTH,
    };
    if walk.capped {
        return;
    }
    if depth > LD_SO_CONF_INCLUDE_DEPTH {
        walk.errors.push((
            path.to_path_buf(),
            format!(
                "ld.so.conf includes nested deeper than the LD_SO_CONF_INCLUDE_DEPTH cap of {LD_SO_CONF_INCLUDE_DEPTH}; not read"
            ),
        ));
        return;
    }
    // Visited by the file it names, so two names of one file count once.
    let key = root.real_path(path).unwrap_or_else(|_| path.to_path_buf());
    if !walk.visited.insert(key) {
        return;
    }
    if walk.visited.len() > LD_SO_CONF_FILES {
        walk.cap(
            path,
            &format!("more than the LD_SO_CONF_FILES cap of {LD_SO_CONF_FILES} ld.so.conf files"),
        );
        return;
    }
    let text = match root.read_text(path, LD_SO_CONF_BYTES, "LD_SO_CONF_BYTES") {
        Ok(t) => t,
        Err(e) if e.is_not_found() => return,
        Err(e) => {
            walk.errors.push((path.to_path_buf(), e.reason()));
            return;
        }
    };
    for line in parse_ld_so_conf(&text) {
        match line {
            ConfLine::Dir(d) => {
                if walk.dirs.len() >= LD_SO_CONF_DIRS {
                    walk.cap(
                        path,
                        &format!(
                            "more than the LD_SO_CONF_DIRS cap of {LD_SO_CONF_DIRS} directories in ld.so.conf"
                        ),
                    );
                    return;
                }
                if walk.dirs.insert(d.clone()) {
                    walk.out.push(d);
                }
            }
            ConfLine::Include(pat) => {
                let pat = if pat.starts_with('/') {
                    PathBuf::from(pat)
                } else {
                    path.parent().unwrap_or(Path::new("/")).join(pat)
                };
                for file in expand_glob(root, &pat) {
                    read_conf(root, &file, depth + 1, walk);
                    if walk.capped {
                        return;
                    }
                }
            }
        }
    }
}

/// Expands `*` and `?` in the last component of a path.
fn expand_glob(root: &Root, pat: &Path) -> Vec<PathBuf> {
    let Some(name) = pat.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Vec::new();
    };
    if !name.contains(['*', '?']) {
        return vec![pat.to_path_buf()];
    }
    let dir = pat.parent().unwrap_or(Path::new("/"));
    root.read_dir_or_empty(dir)
        .into_iter()
        .filter(|e| wildcard(&name, &e.name_str()))
        .map(|e| e.path)
        .collect()
}

fn wildcard(pat: &str, s: &str) -> bool {
    let (p, s) = (pat.as_bytes(), s.as_bytes());
    let (mut pi, mut si, mut star, mut mark) = (0, 0, None, 0);
    while si < s.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

/// The loader's built-in directories, searched after the cache. They are compiled into each
/// distribution's glibc, so they are chosen from the root's layout; `ld.so --help` prints them
/// ("Shared library search path"):
///
/// * Debian/Ubuntu (a multiarch directory exists): `/lib/<triplet>`, `/usr/lib/<triplet>`, `/lib`,
///   `/usr/lib` (Debian bookworm's `ld.so --help`);
/// * Fedora/RHEL/SUSE (a real `/usr/lib64` directory): `/lib64`, `/usr/lib64` for 64-bit objects,
///   `/lib`, `/usr/lib` for 32-bit ones (upstream glibc's `slibdir`/`libdir` on x86-64);
/// * otherwise (Arch-like, `/usr/lib64` absent or a link): `/usr/lib`.
///
/// Returns the directories and a short name of the layout assumed.
pub fn default_dirs(root: &Root, class: u8, machine: u16) -> (Vec<String>, &'static str) {
    let triplet = match (class, machine) {
        (64, 62) => "x86_64-linux-gnu",
        (64, 183) => "aarch64-linux-gnu",
        (32, 3) => "i386-linux-gnu",
        (32, 40) => "arm-linux-gnueabihf",
        (64, 21) => "powerpc64le-linux-gnu",
        _ => "",
    };
    let multiarch = |t: &str| {
        !t.is_empty()
            && (root.is_dir(&Path::new("/usr/lib").join(t))
                || root.is_dir(&Path::new("/lib").join(t)))
    };
    // Any multiarch directory marks a Debian-style glibc, even for a foreign class.
    if multiarch(triplet) || multiarch("x86_64-linux-gnu") || multiarch("aarch64-linux-gnu") {
        let dirs = if triplet.is_empty() {
            vec!["/lib".to_owned(), "/usr/lib".to_owned()]
        } else {
            vec![
                format!("/lib/{triplet}"),
                format!("/usr/lib/{triplet}"),
                "/lib".to_owned(),
                "/usr/lib".to_owned(),
            ]
        };
        return (dirs, "Debian multiarch");
    }
    let lib64_real = root
        .symlink_metadata(Path::new("/usr/lib64"))
        .is_ok_and(|m| m.is_dir());
    if lib64_real {
        let dirs = if class == 64 {
            vec!["/lib64".to_owned(), "/usr/lib64".to_owned()]
        } else {
            vec!["/lib".to_owned(), "/usr/lib".to_owned()]
        };
        return (dirs, "lib64 (Fedora/RHEL/SUSE)");
    }
    (vec!["/usr/lib".to_owned()], "single /usr/lib (Arch-like)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard("*.conf", "x86_64-linux-gnu.conf"));
        assert!(!wildcard("*.conf", "x.conf.bak"));
        assert!(wildcard("cuda-?.conf", "cuda-1.conf"));
    }
}
