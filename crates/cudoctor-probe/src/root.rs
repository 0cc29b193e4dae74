//! A read-only view of a filesystem in which every path resolves as it would after `chroot`.
//!
//! [`Root::host`] is the running system (`/`): paths go straight to the kernel. [`Root::dir`]
//! treats a directory as `/`: every component is looked up with `lstat`, symlinks are followed by
//! hand, absolute link targets are re-rooted, `..` never climbs above the root, and more than
//! [`MAX_SYMLINK_HOPS`] links end with [`RootError::SymlinkLoop`]. Nothing here writes.

use std::collections::VecDeque;
use std::ffi::{OsStr, OsString};
use std::fs::{self, File, Metadata};
use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

/// The most symlinks followed while resolving one path (Linux's own limit is 40).
pub const MAX_SYMLINK_HOPS: usize = 40;

/// Why a path inside a root could not be resolved or read.
#[derive(Debug, thiserror::Error)]
pub enum RootError {
    /// More than [`MAX_SYMLINK_HOPS`] symlinks: a loop, or a chain too long to be real.
    #[error("symlink loop while resolving `{path}` (more than {MAX_SYMLINK_HOPS} links)")]
    SymlinkLoop {
        /// The path inside the root.
        path: String,
    },
    /// An operating-system error (not found, permission denied, ...).
    #[error("cannot {op} `{path}`")]
    Io {
        /// What was being done ("read", "list", "stat", ...).
        op: &'static str,
        /// The path inside the root.
        path: String,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// The path exists but is not a regular file (a directory, FIFO, device, socket).
    #[error("cannot read `{path}`: not a regular file ({kind})")]
    NotRegularFile {
        /// The path inside the root.
        path: String,
        /// What it is instead.
        kind: &'static str,
    },
    /// The root directory itself is unusable.
    #[error("cannot use `{path}` as a root directory")]
    BadRoot {
        /// The directory given.
        path: String,
        /// The cause.
        #[source]
        source: io::Error,
    },
}

impl RootError {
    /// Whether this error means "the thing is not there" (as opposed to "could not be read").
    pub fn is_not_found(&self) -> bool {
        match self {
            RootError::Io { source, .. } => source.kind() == io::ErrorKind::NotFound,
            _ => false,
        }
    }

    /// A short reason suitable for an `*_unknown` field.
    pub fn reason(&self) -> String {
        match self {
            RootError::SymlinkLoop { .. } => "symlink loop".to_owned(),
            RootError::Io { op, path, source } => {
                let why = match source.kind() {
                    io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
                    io::ErrorKind::NotFound => "not found".to_owned(),
                    _ => source.to_string(),
                };
                format!("cannot {op} `{path}`: {why}")
            }
            other => other.to_string(),
        }
    }

    fn io(op: &'static str, path: &Path, source: io::Error) -> Self {
        if source.raw_os_error() == Some(40) {
            // ELOOP from the kernel on the live host.
            return RootError::SymlinkLoop {
                path: path.display().to_string(),
            };
        }
        RootError::Io {
            op,
            path: path.display().to_string(),
            source,
        }
    }
}

/// What kind of root this is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Base {
    Host,
    Dir(PathBuf),
}

/// A read-only filesystem view: the live host or a directory treated as `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    base: Base,
}

/// One entry of a directory listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    /// The file name.
    pub name: OsString,
    /// The path inside the root.
    pub path: PathBuf,
}

impl DirEntry {
    /// The file name as UTF-8 (lossy).
    pub fn name_str(&self) -> std::borrow::Cow<'_, str> {
        self.name.to_string_lossy()
    }
}

impl Root {
    /// The running system.
    pub fn host() -> Self {
        Self { base: Base::Host }
    }

    /// A directory treated as `/`.
    pub fn dir(path: impl Into<PathBuf>) -> Result<Self, RootError> {
        let path: PathBuf = path.into();
        let canonical = fs::canonicalize(&path).map_err(|source| RootError::BadRoot {
            path: path.display().to_string(),
            source,
        })?;
        if !canonical.is_dir() {
            return Err(RootError::BadRoot {
                path: path.display().to_string(),
                source: io::Error::new(io::ErrorKind::NotADirectory, "not a directory"),
            });
        }
        Ok(Self {
            base: Base::Dir(canonical),
        })
    }

    /// Whether this is the running system (live probes allowed).
    pub fn is_host(&self) -> bool {
        self.base == Base::Host
    }

    /// The host directory acting as `/` (`/` for the host).
    pub fn base_dir(&self) -> &Path {
        match &self.base {
            Base::Host => Path::new("/"),
            Base::Dir(d) => d,
        }
    }

    /// Maps a path inside the root to the host path, *without* resolving symlinks (lexical only;
    /// `..` is clamped at the root).
    pub fn host_path_lexical(&self, inside: &Path) -> PathBuf {
        let mut out = self.base_dir().to_path_buf();
        for part in normalize(inside) {
            out.push(part);
        }
        out
    }

    /// Resolves `inside` (an absolute path inside the root) to the host path of the file it names,
    /// following every symlink inside the root. A missing component is not an error here: the
    /// returned path simply does not exist.
    pub fn resolve(&self, inside: &Path) -> Result<PathBuf, RootError> {
        match &self.base {
            Base::Host => Ok(PathBuf::from("/").join(inside)),
            Base::Dir(_) => Ok(self.host_path_lexical(&self.resolve_inside(inside, true)?)),
        }
    }

    /// Resolves every component but the last, so that the last one can be `lstat`ed or `readlink`ed.
    pub fn resolve_parent(&self, inside: &Path) -> Result<PathBuf, RootError> {
        match &self.base {
            Base::Host => Ok(PathBuf::from("/").join(inside)),
            Base::Dir(_) => Ok(self.host_path_lexical(&self.resolve_inside(inside, false)?)),
        }
    }

    /// The canonical path inside the root of the file `inside` names (all links followed).
    pub fn real_path(&self, inside: &Path) -> Result<PathBuf, RootError> {
        match &self.base {
            Base::Host => fs::canonicalize(inside).map_err(|e| RootError::io("resolve", inside, e)),
            Base::Dir(_) => {
                let p = self.resolve_inside(inside, true)?;
                let host = self.host_path_lexical(&p);
                fs::symlink_metadata(&host).map_err(|e| RootError::io("resolve", inside, e))?;
                Ok(p)
            }
        }
    }

    /// Chroot-style resolution, returning the path inside the root.
    fn resolve_inside(&self, inside: &Path, follow_last: bool) -> Result<PathBuf, RootError> {
        let base = self.base_dir();
        let mut queue: VecDeque<OsString> = normalize_keep_dots(inside).into();
        let mut done: Vec<OsString> = Vec::new();
        let mut hops = 0usize;
        let mut missing = false;
        while let Some(part) = queue.pop_front() {
            if part == ".." {
                done.pop();
                continue;
            }
            if part == "." {
                continue;
            }
            let is_last = queue.is_empty();
            if missing || (is_last && !follow_last) {
                done.push(part);
                continue;
            }
            let mut host = base.to_path_buf();
            host.extend(&done);
            host.push(&part);
            match fs::symlink_metadata(&host) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    hops += 1;
                    if hops > MAX_SYMLINK_HOPS {
                        return Err(RootError::SymlinkLoop {
                            path: inside.display().to_string(),
                        });
                    }
                    let target =
                        fs::read_link(&host).map_err(|e| RootError::io("read link", inside, e))?;
                    if target.is_absolute() {
                        done.clear();
                    }
                    for p in normalize_keep_dots(&target).into_iter().rev() {
                        queue.push_front(p);
                    }
                }
                Ok(_) => done.push(part),
                Err(_) => {
                    // Nothing below a missing component can exist; keep the rest lexically.
                    missing = true;
                    done.push(part);
                }
            }
        }
        let mut out = PathBuf::from("/");
        out.extend(done);
        Ok(out)
    }

    /// `stat` (follows links).
    pub fn metadata(&self, inside: &Path) -> Result<Metadata, RootError> {
        let host = self.resolve(inside)?;
        fs::metadata(&host).map_err(|e| RootError::io("stat", inside, e))
    }

    /// `lstat` (does not follow the last link).
    pub fn symlink_metadata(&self, inside: &Path) -> Result<Metadata, RootError> {
        let host = self.resolve_parent(inside)?;
        fs::symlink_metadata(&host).map_err(|e| RootError::io("stat", inside, e))
    }

    /// The raw target of a symlink, as stored.
    pub fn read_link(&self, inside: &Path) -> Result<PathBuf, RootError> {
        let host = self.resolve_parent(inside)?;
        fs::read_link(&host).map_err(|e| RootError::io("read link", inside, e))
    }

    /// Whether something exists at `inside` (following links). Errors count as "no".
    pub fn exists(&self, inside: &Path) -> bool {
        self.metadata(inside).is_ok()
    }

    /// Whether `inside` is a directory (following links).
    pub fn is_dir(&self, inside: &Path) -> bool {
        self.metadata(inside).is_ok_and(|m| m.is_dir())
    }

    /// Whether `inside` is a regular file (following links).
    pub fn is_file(&self, inside: &Path) -> bool {
        self.metadata(inside).is_ok_and(|m| m.is_file())
    }

    /// Opens a regular file for reading (after checking with `stat` that it is one, so a FIFO
    /// never blocks the probe).
    pub fn open_file(&self, inside: &Path) -> Result<(File, Metadata), RootError> {
        let host = self.resolve(inside)?;
        let meta = fs::metadata(&host).map_err(|e| RootError::io("stat", inside, e))?;
        if !meta.is_file() {
            return Err(RootError::NotRegularFile {
                path: inside.display().to_string(),
                kind: file_kind(&meta),
            });
        }
        let file = File::open(&host).map_err(|e| RootError::io("read", inside, e))?;
        Ok((file, meta))
    }

    /// Reads at most `limit` bytes from the start of a regular file.
    pub fn read_prefix(&self, inside: &Path, limit: usize) -> Result<Vec<u8>, RootError> {
        let (file, meta) = self.open_file(inside)?;
        // /proc files report size 0, so the size is only a hint.
        let hint = usize::try_from(meta.len()).unwrap_or(limit).min(limit);
        let mut buf = Vec::with_capacity(if hint == 0 { 4096.min(limit) } else { hint });
        file.take(limit as u64)
            .read_to_end(&mut buf)
            .map_err(|e| RootError::io("read", inside, e))?;
        Ok(buf)
    }

    /// Reads a text file of at most `limit` bytes (longer files are cut at `limit`), lossily
    /// decoded as UTF-8.
    pub fn read_text(&self, inside: &Path, limit: usize) -> Result<String, RootError> {
        let bytes = self.read_prefix(inside, limit)?;
        Ok(match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        })
    }

    /// Lists a directory (following links), sorted by name. A missing directory is an error whose
    /// [`RootError::is_not_found`] is true.
    pub fn read_dir(&self, inside: &Path) -> Result<Vec<DirEntry>, RootError> {
        let host = self.resolve(inside)?;
        let iter = fs::read_dir(&host).map_err(|e| RootError::io("list", inside, e))?;
        let mut out = Vec::new();
        for entry in iter {
            let entry = entry.map_err(|e| RootError::io("list", inside, e))?;
            let name = entry.file_name();
            out.push(DirEntry {
                path: inside.join(&name),
                name,
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Lists a directory, treating any error as empty.
    pub fn read_dir_or_empty(&self, inside: &Path) -> Vec<DirEntry> {
        self.read_dir(inside).unwrap_or_default()
    }

    /// Human description: `host /` or `directory /path`.
    pub fn describe(&self) -> String {
        match &self.base {
            Base::Host => "host /".to_owned(),
            Base::Dir(d) => format!("directory {}", d.display()),
        }
    }
}

/// What a non-regular file is, for messages.
pub fn file_kind(meta: &Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let ft = meta.file_type();
    if ft.is_dir() {
        "a directory"
    } else if ft.is_fifo() {
        "a FIFO"
    } else if ft.is_socket() {
        "a socket"
    } else if ft.is_block_device() {
        "a block device"
    } else if ft.is_char_device() {
        "a character device"
    } else if ft.is_symlink() {
        "a symlink"
    } else {
        "a regular file"
    }
}

/// Components of a path with `.`/`..` applied lexically, clamped at the root.
fn normalize(path: &Path) -> Vec<OsString> {
    let mut out: Vec<OsString> = Vec::new();
    for c in path.components() {
        match c {
            Component::Normal(p) => out.push(p.to_os_string()),
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
        }
    }
    out
}

/// Components of a path, keeping `..` (it must be applied after the links before it resolve).
fn normalize_keep_dots(path: &Path) -> Vec<OsString> {
    path.as_os_str()
        .as_bytes()
        .split(|b| *b == b'/')
        .filter(|p| !p.is_empty())
        .map(|p| OsStr::from_bytes(p).to_os_string())
        .collect()
}

/// The environment a probe sees: the host's, or only the pairs given for a directory root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Env {
    vars: std::collections::BTreeMap<String, String>,
    /// Where the variables came from ("process environment", "--env").
    pub origin: String,
}

impl Env {
    /// The current process environment (non-UTF-8 variables are skipped).
    pub fn from_process() -> Self {
        Self {
            vars: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
            origin: "process environment".to_owned(),
        }
    }

    /// Exactly the given pairs.
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Self {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            origin: "--env".to_owned(),
        }
    }

    /// Parses `KEY=VALUE`.
    pub fn parse_pair(text: &str) -> Option<(String, String)> {
        let (k, v) = text.split_once('=')?;
        if k.is_empty() {
            return None;
        }
        Some((k.to_owned(), v.to_owned()))
    }

    /// A variable's value.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.vars.get(key).map(String::as_str)
    }

    /// A variable's value, when set and not empty.
    pub fn get_nonempty(&self, key: &str) -> Option<&str> {
        self.get(key).filter(|v| !v.is_empty())
    }

    /// `$HOME`, if set.
    pub fn home(&self) -> Option<PathBuf> {
        self.get_nonempty("HOME").map(PathBuf::from)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::print_stderr)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn absolute_links_are_rerooted_and_dotdot_is_clamped() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        fs::create_dir_all(r.join("etc")).unwrap();
        fs::write(r.join("etc/shadow"), "inside").unwrap();
        fs::create_dir_all(r.join("usr/lib")).unwrap();
        symlink("/etc/shadow", r.join("usr/lib/x.so")).unwrap();
        symlink("../../../../../../etc/shadow", r.join("usr/lib/y.so")).unwrap();
        let root = Root::dir(r).unwrap();
        assert_eq!(
            root.read_text(Path::new("/usr/lib/x.so"), 100).unwrap(),
            "inside"
        );
        assert_eq!(
            root.read_text(Path::new("/usr/lib/y.so"), 100).unwrap(),
            "inside"
        );
        assert_eq!(
            root.real_path(Path::new("/usr/lib/y.so")).unwrap(),
            PathBuf::from("/etc/shadow")
        );
        assert_eq!(
            root.read_text(Path::new("/../../etc/shadow"), 100).unwrap(),
            "inside"
        );
    }

    #[test]
    fn dotdot_after_a_link_applies_to_the_link_target() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        fs::create_dir_all(r.join("a/b")).unwrap();
        fs::write(r.join("a/f"), "af").unwrap();
        symlink("/a/b", r.join("l")).unwrap();
        let root = Root::dir(r).unwrap();
        assert_eq!(root.read_text(Path::new("/l/../f"), 10).unwrap(), "af");
    }

    #[test]
    fn loops_end_with_symlink_loop() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        symlink("/b", r.join("a")).unwrap();
        symlink("/a", r.join("b")).unwrap();
        symlink("self", r.join("self")).unwrap();
        let root = Root::dir(r).unwrap();
        for p in ["/a", "/self", "/a/x"] {
            let err = root.read_text(Path::new(p), 10).unwrap_err();
            assert!(matches!(err, RootError::SymlinkLoop { .. }), "{p}: {err}");
            assert_eq!(err.reason(), "symlink loop");
        }
    }

    #[test]
    fn fifo_is_not_read() {
        let t = tempfile::tempdir().unwrap();
        let fifo = t.path().join("fifo");
        let c = std::ffi::CString::new(fifo.as_os_str().as_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        let rc = unsafe { libc_mkfifo(c.as_ptr(), 0o644) };
        assert_eq!(rc, 0);
        let root = Root::dir(t.path()).unwrap();
        let err = root.read_text(Path::new("/fifo"), 10).unwrap_err();
        assert!(matches!(err, RootError::NotRegularFile { .. }), "{err}");
    }

    unsafe extern "C" {
        #[link_name = "mkfifo"]
        fn libc_mkfifo(path: *const std::ffi::c_char, mode: u32) -> i32;
    }
}
