//! A read-only view of a filesystem in which every path resolves as it would after `chroot`.
//!
//! [`Root::host`] is the running system (`/`): paths go straight to the kernel. [`Root::dir`]
//! holds a directory file descriptor for the root and opens every path *relative to it*, never
//! by a path string: with `openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)` where the kernel has
//! it (Linux 5.6+), else with a component-wise `openat(O_PATH | O_NOFOLLOW)` walk that follows
//! links itself: absolute link targets are re-rooted, `..` never climbs above the root, and more
//! than [`MAX_SYMLINK_HOPS`] links end with [`RootError::SymlinkLoop`]. Because each step opens
//! relative to a descriptor already held, a concurrent rename (the `RENAME_EXCHANGE` swap of a
//! directory with a link to the outside) cannot make a read leave the root. Nothing here writes.
//!
//! [`Root::virtual_tree`] is a tree that exists only in memory, a container image's layers
//! applied in order ([`VirtualTree`], implemented outside this crate): paths resolve in the tree
//! as `chroot` would, and a file's bytes are a region of an open file (an archive member read in
//! place, or a spool of a decompressed layer). The host's filesystem is never consulted for it.

use std::collections::VecDeque;
use std::ffi::{OsStr, OsString};
use std::fs::{self, File, Metadata};
use std::io::{self, Read};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rustix::fs::{Mode, OFlags, ResolveFlags};

/// The most symlinks followed while resolving one path (Linux's own limit is 40).
pub const MAX_SYMLINK_HOPS: usize = 40;

/// Set once `openat2` answered `ENOSYS`: the kernel is older than 5.6, use the walk.
static OPENAT2_MISSING: AtomicBool = AtomicBool::new(false);

/// What a node of a [`VirtualTree`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VirtualKind {
    /// A directory.
    Dir,
    /// A regular file.
    File,
    /// A symbolic link.
    Symlink,
    /// A character device (never opened).
    CharDevice,
    /// A block device (never opened).
    BlockDevice,
    /// A FIFO (never opened).
    Fifo,
}

/// A node's metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VirtualStat {
    /// What it is.
    pub kind: VirtualKind,
    /// Bytes (regular files).
    pub size: u64,
    /// Permission bits.
    pub mode: u32,
    /// The image layer that wrote it.
    pub layer: Option<u32>,
    /// The lower layer whose file at this path it replaced.
    pub replaced_layer: Option<u32>,
}

/// Where a regular file's bytes are: `len` bytes of `file` from `offset`.
#[derive(Debug, Clone)]
pub struct VirtualContent {
    /// The file holding them (an archive, a blob, a spool).
    pub file: Arc<File>,
    /// Where they start.
    pub offset: u64,
    /// How many.
    pub len: u64,
}

/// Why a path does not resolve in a [`VirtualTree`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VirtualLookupError {
    /// Nothing at that path.
    NotFound,
    /// A component before the last is not a directory.
    NotADirectory,
    /// More than [`MAX_SYMLINK_HOPS`] links.
    Loop,
}

/// A read-only tree held in memory (a container image), resolved as `chroot` would: absolute
/// and relative paths from `/`, `..` at `/` stays at `/`, symlinks followed inside the tree.
pub trait VirtualTree: std::fmt::Debug + Send + Sync {
    /// The node at `path`; with `follow_last` false, a final symlink is the node itself.
    fn lookup(&self, path: &Path, follow_last: bool) -> Result<u32, VirtualLookupError>;
    /// A node's metadata.
    fn stat(&self, node: u32) -> VirtualStat;
    /// The canonical path of a node.
    fn path_of(&self, node: u32) -> PathBuf;
    /// A symlink's target, as stored.
    fn read_link(&self, node: u32) -> Option<PathBuf>;
    /// A directory's entries, sorted by name.
    fn children(&self, node: u32) -> Vec<OsString>;
    /// A regular file's bytes.
    fn content(&self, node: u32) -> Option<VirtualContent>;
}

/// What a path is, as [`Root::metadata`] tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    /// A directory.
    Dir,
    /// A regular file.
    File,
    /// A symbolic link (only from [`Root::symlink_metadata`]).
    Symlink,
    /// A FIFO.
    Fifo,
    /// A socket.
    Socket,
    /// A block device.
    BlockDevice,
    /// A character device.
    CharDevice,
}

/// Metadata of a path inside a root: the few facts the collectors use, the same for every
/// kind of root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta {
    /// What it is.
    pub file_type: FileType,
    /// Bytes.
    pub len: u64,
    /// Permission bits (`st_mode & 0o7777`).
    pub mode: u32,
    /// For an image: the layer that wrote it, and the lower layer's file it replaced.
    pub layer: Option<(u32, Option<u32>)>,
}

impl Meta {
    fn from_std(m: &Metadata) -> Self {
        use std::os::unix::fs::{FileTypeExt, PermissionsExt};
        let ft = m.file_type();
        let file_type = if ft.is_dir() {
            FileType::Dir
        } else if ft.is_symlink() {
            FileType::Symlink
        } else if ft.is_fifo() {
            FileType::Fifo
        } else if ft.is_socket() {
            FileType::Socket
        } else if ft.is_block_device() {
            FileType::BlockDevice
        } else if ft.is_char_device() {
            FileType::CharDevice
        } else {
            FileType::File
        };
        Self {
            file_type,
            len: m.len(),
            mode: m.permissions().mode() & 0o7777,
            layer: None,
        }
    }

    fn from_virtual(s: VirtualStat) -> Self {
        let file_type = match s.kind {
            VirtualKind::Dir => FileType::Dir,
            VirtualKind::File => FileType::File,
            VirtualKind::Symlink => FileType::Symlink,
            VirtualKind::CharDevice => FileType::CharDevice,
            VirtualKind::BlockDevice => FileType::BlockDevice,
            VirtualKind::Fifo => FileType::Fifo,
        };
        Self {
            file_type,
            len: s.size,
            mode: s.mode & 0o7777,
            layer: s.layer.map(|l| (l, s.replaced_layer)),
        }
    }

    /// A regular file.
    pub fn is_file(&self) -> bool {
        self.file_type == FileType::File
    }

    /// A directory.
    pub fn is_dir(&self) -> bool {
        self.file_type == FileType::Dir
    }

    /// A symbolic link.
    pub fn is_symlink(&self) -> bool {
        self.file_type == FileType::Symlink
    }

    /// Bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// A regular file opened inside a root: an open file, or a region of one (a file of an image).
#[derive(Debug)]
pub enum RootFile {
    /// A file of the host or a directory root.
    Fs(File),
    /// `len` bytes of `file` from `offset`; `pos` is the [`Read`] position within them.
    Region {
        /// The file holding the bytes.
        file: Arc<File>,
        /// Where they start.
        offset: u64,
        /// How many.
        len: u64,
        /// The next byte [`Read::read`] returns, from the region's start.
        pos: u64,
    },
}

impl RootFile {
    /// The GPU code in its fatbinary headers (the file mapped, or the region mapped in place).
    pub fn archs(
        &self,
        path: &Path,
    ) -> Result<cudoctor_fatbin::FileArchs, cudoctor_fatbin::ArchsError> {
        match self {
            Self::Fs(f) => cudoctor_fatbin::read_open_file(f, path),
            Self::Region {
                file, offset, len, ..
            } => cudoctor_fatbin::read_file_region(file, *offset, *len, path),
        }
    }
}

impl Read for RootFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Fs(f) => f.read(buf),
            Self::Region {
                file,
                offset,
                len,
                pos,
            } => {
                let left = len.saturating_sub(*pos);
                let want = usize::try_from(left).unwrap_or(usize::MAX).min(buf.len());
                if want == 0 {
                    return Ok(0);
                }
                let n = std::os::unix::fs::FileExt::read_at(
                    file.as_ref(),
                    &mut buf[..want],
                    *offset + *pos,
                )?;
                *pos += n as u64;
                Ok(n)
            }
        }
    }
}

impl cudoctor_fatbin::elf::ReadAt for RootFile {
    fn read_at(&self, buf: &mut [u8], at: u64) -> io::Result<usize> {
        match self {
            Self::Fs(f) => std::os::unix::fs::FileExt::read_at(f, buf, at),
            Self::Region {
                file, offset, len, ..
            } => {
                if at >= *len {
                    return Ok(0);
                }
                let want = usize::try_from(*len - at)
                    .unwrap_or(usize::MAX)
                    .min(buf.len());
                std::os::unix::fs::FileExt::read_at(file.as_ref(), &mut buf[..want], *offset + at)
            }
        }
    }
}

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
    /// A file is larger than the cap for its kind (see [`crate::limits`]); nothing of it is used.
    #[error("`{path}` is larger than the {cap} cap of {limit} bytes; not read")]
    TooLarge {
        /// The path inside the root.
        path: String,
        /// Which cap (the constant's name in [`crate::limits`]).
        cap: &'static str,
        /// The cap in bytes.
        limit: u64,
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

    /// A short reason suitable for an `*_unknown` field: names the path and keeps the cause.
    pub fn reason(&self) -> String {
        match self {
            RootError::SymlinkLoop { path } => format!("symlink loop at `{path}`"),
            RootError::Io { op, path, source } => {
                let why = match source.kind() {
                    io::ErrorKind::PermissionDenied => {
                        format!("permission denied ({})", errno_name(source))
                    }
                    io::ErrorKind::NotFound => "not found".to_owned(),
                    _ => source.to_string(),
                };
                format!("cannot {op} `{path}`: {why}")
            }
            other => other.to_string(),
        }
    }

    fn io(op: &'static str, path: &Path, source: io::Error) -> Self {
        if source.raw_os_error() == Some(libc_errno::ELOOP) {
            // ELOOP from the kernel (host, or openat2's own limit).
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

/// The raw errno behind a permission error, so `EACCES` and `EPERM` stay distinguishable.
fn errno_name(e: &io::Error) -> &'static str {
    match e.raw_os_error() {
        Some(libc_errno::EACCES) => "EACCES",
        Some(libc_errno::EPERM) => "EPERM",
        _ => "no errno",
    }
}

/// The few errno values this module tests for (Linux numbering, every architecture we build).
mod libc_errno {
    pub const EPERM: i32 = 1;
    pub const EACCES: i32 = 13;
    pub const EINVAL: i32 = 22;
    pub const ELOOP: i32 = 40;
    pub const ENOSYS: i32 = 38;
    pub const EAGAIN: i32 = 11;
}

/// What kind of root this is.
#[derive(Debug, Clone)]
enum Base {
    /// The live system; `realpath` answers are remembered (see [`HostPaths`]).
    Host(HostPaths),
    Dir {
        /// The canonical host path (for messages only; never opened after [`Root::dir`]).
        path: PathBuf,
        /// The directory descriptor every path is opened relative to.
        fd: Arc<OwnedFd>,
        /// Whether `openat2` may be tried (tests turn it off to exercise the walk).
        openat2: bool,
    },
    /// A tree in memory (a container image), named by `label` in messages.
    Virtual {
        label: String,
        tree: Arc<dyn VirtualTree>,
    },
}

impl PartialEq for Base {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Base::Host(_), Base::Host(_)) => true,
            (Base::Dir { path: a, .. }, Base::Dir { path: b, .. }) => a == b,
            (Base::Virtual { label: a, tree: x }, Base::Virtual { label: b, tree: y }) => {
                a == b && Arc::ptr_eq(x, y)
            }
            _ => false,
        }
    }
}
impl Eq for Base {}

/// `realpath(3)` on the live host, with every path it resolved remembered for the life of the
/// [`Root`] (one probe): the collectors resolve hundreds of files under the same few
/// directories, and glibc's `realpath` asks the kernel about every component of every path
/// (`readlink` each), about 850 calls for one `cudoctor check`. Answers are those of
/// [`fs::canonicalize`]: links followed (at most [`MAX_SYMLINK_HOPS`], then `ELOOP`), `..` taken
/// after the links before it, a missing component `ENOENT`, a file used as a directory
/// `ENOTDIR`. Successes are remembered, and so is a component found missing (`ENOENT`) or
/// under a file (`ENOTDIR`), so that the paths below it fail without asking again (each
/// environment's `site-packages/nvidia` is asked about once, not once per library directory);
/// the tree is taken not to change during one probe.
#[derive(Debug, Clone, Default)]
struct HostPaths(Arc<std::sync::Mutex<std::collections::HashMap<OsString, Remembered>>>);

/// A remembered answer of [`HostPaths`]: the real path and the links followed to it, or the
/// `errno` of a component that does not resolve.
type Remembered = Result<(PathBuf, usize), i32>;

fn errno(e: rustix::io::Errno) -> io::Error {
    io::Error::from_raw_os_error(e.raw_os_error())
}

impl HostPaths {
    fn real_path(&self, path: &Path) -> io::Result<PathBuf> {
        if !path.is_absolute() {
            // Relative to the working directory: not ours to remember.
            return fs::canonicalize(path);
        }
        let mut hops = 0;
        self.resolve(path, &mut hops)
    }

    /// A remembered answer, its links counted into `hops` as if followed again (`realpath`
    /// counts every link of one resolution towards the limit).
    fn known(&self, path: &Path, hops: &mut usize) -> Option<io::Result<PathBuf>> {
        // Keyed by the bytes: `Path` equality ignores a trailing `/`, which `realpath` does not.
        let (real, links) = match self.0.lock().ok()?.get(path.as_os_str()).cloned()? {
            Ok(found) => found,
            Err(code) => return Some(Err(io::Error::from_raw_os_error(code))),
        };
        *hops += links;
        Some(if *hops > MAX_SYMLINK_HOPS {
            Err(errno(rustix::io::Errno::LOOP))
        } else {
            Ok(real)
        })
    }

    fn remember(&self, path: &Path, real: &Path, links: usize) {
        if let Ok(mut m) = self.0.lock() {
            m.insert(path.as_os_str().to_owned(), Ok((real.to_path_buf(), links)));
        }
    }

    /// Remembers that `path` does not resolve, when that cannot change within the probe: a
    /// missing component or one under a file (not a loop, which depends on the links counted).
    fn remember_failure(&self, path: &Path, e: &io::Error) {
        let Some(code) = e.raw_os_error() else { return };
        let lasting = [rustix::io::Errno::NOENT, rustix::io::Errno::NOTDIR]
            .iter()
            .any(|n| n.raw_os_error() == code);
        if lasting {
            if let Ok(mut m) = self.0.lock() {
                m.insert(path.as_os_str().to_owned(), Err(code));
            }
        }
    }

    /// The canonical form of the absolute `path`, component by component.
    fn resolve(&self, path: &Path, hops: &mut usize) -> io::Result<PathBuf> {
        if let Some(known) = self.known(path, hops) {
            return known;
        }
        let before = *hops;
        let mut out = PathBuf::from("/");
        for c in path.components() {
            match c {
                Component::RootDir | Component::Prefix(_) | Component::CurDir => {}
                Component::ParentDir => {
                    // `x/..` needs `x` to be a directory, as the kernel does.
                    if !fs::metadata(&out)?.is_dir() {
                        return Err(errno(rustix::io::Errno::NOTDIR));
                    }
                    out.pop();
                }
                Component::Normal(name) => out = self.component(&out.join(name), hops)?,
            }
        }
        let raw = path.as_os_str().as_bytes();
        if (raw.ends_with(b"/") || raw.ends_with(b"/.")) && !fs::metadata(&out)?.is_dir() {
            return Err(errno(rustix::io::Errno::NOTDIR));
        }
        self.remember(path, &out, *hops - before);
        Ok(out)
    }

    /// `next` is a canonical directory joined with one name: the name's link followed, if it is
    /// one.
    fn component(&self, next: &Path, hops: &mut usize) -> io::Result<PathBuf> {
        if let Some(known) = self.known(next, hops) {
            return known;
        }
        let before = *hops;
        let real = match fs::read_link(next) {
            Ok(target) => {
                *hops += 1;
                if *hops > MAX_SYMLINK_HOPS {
                    return Err(errno(rustix::io::Errno::LOOP));
                }
                let dir = next.parent().unwrap_or(Path::new("/"));
                self.resolve(&dir.join(target), hops)?
            }
            // Not a link (EINVAL): it exists, and `next` is already canonical.
            Err(e) if e.raw_os_error() == Some(rustix::io::Errno::INVAL.raw_os_error()) => {
                next.to_path_buf()
            }
            Err(e) => {
                self.remember_failure(next, &e);
                return Err(e);
            }
        };
        self.remember(next, &real, *hops - before);
        Ok(real)
    }
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

/// How the last component is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Last {
    /// Follow a symlink in the last component (`stat`, `open`).
    Follow,
    /// Open the last component itself (`lstat`, `readlink`).
    NoFollow,
}

impl Root {
    /// The running system. Resolved paths ([`Root::real_path`]) are remembered for this
    /// value's life: take a new one to see a tree that has changed since.
    pub fn host() -> Self {
        Self {
            base: Base::Host(HostPaths::default()),
        }
    }

    /// A directory treated as `/`. The directory is opened once, here; every later access is
    /// relative to that descriptor.
    pub fn dir(path: impl Into<PathBuf>) -> Result<Self, RootError> {
        Self::dir_with(&path.into(), true)
    }

    /// Like [`Root::dir`], but never tries `openat2`: resolution always takes the
    /// component-wise walk (the fallback for kernels before 5.6). For tests of that walk.
    #[doc(hidden)]
    pub fn dir_without_openat2(path: impl Into<PathBuf>) -> Result<Self, RootError> {
        Self::dir_with(&path.into(), false)
    }

    fn dir_with(path: &Path, openat2: bool) -> Result<Self, RootError> {
        let bad = |source| RootError::BadRoot {
            path: path.display().to_string(),
            source,
        };
        let canonical = fs::canonicalize(path).map_err(bad)?;
        let dir = fs::OpenOptions::new()
            .read(true)
            .custom_flags(
                (OFlags::DIRECTORY | OFlags::CLOEXEC | OFlags::NONBLOCK | OFlags::NOCTTY).bits()
                    as i32,
            )
            .open(&canonical)
            .map_err(|e| {
                if e.raw_os_error() == Some(20) {
                    io::Error::new(io::ErrorKind::NotADirectory, "not a directory")
                } else {
                    e
                }
            })
            .map_err(bad)?;
        Ok(Self {
            base: Base::Dir {
                path: canonical,
                fd: Arc::new(OwnedFd::from(dir)),
                openat2,
            },
        })
    }

    /// A tree held in memory (a container image's layers), named `label` in messages
    /// (`docker-archive:/tmp/tf.tar`).
    pub fn virtual_tree(label: impl Into<String>, tree: Arc<dyn VirtualTree>) -> Self {
        Self {
            base: Base::Virtual {
                label: label.into(),
                tree,
            },
        }
    }

    /// Whether this is a tree in memory (an image).
    pub fn is_virtual(&self) -> bool {
        matches!(self.base, Base::Virtual { .. })
    }

    /// For an image, the layer that wrote the file at `inside` (links followed) and the lower
    /// layer's file it replaced; `None` for other roots or a missing file.
    pub fn provenance(&self, inside: &Path) -> Option<(u32, Option<u32>)> {
        if !self.is_virtual() {
            return None;
        }
        self.metadata(inside).ok().and_then(|m| m.layer)
    }

    /// Whether this is the running system (live probes allowed).
    pub fn is_host(&self) -> bool {
        matches!(self.base, Base::Host(_))
    }

    /// The host directory acting as `/` (`/` for the host). For messages: nothing is opened by
    /// this path after the root was created.
    pub fn base_dir(&self) -> &Path {
        match &self.base {
            Base::Host(_) => Path::new("/"),
            Base::Dir { path, .. } => path,
            Base::Virtual { label, .. } => Path::new(label),
        }
    }

    /// Maps a path inside the root to the host path, *without* resolving symlinks (lexical only;
    /// `..` is clamped at the root). For messages only: never open the result.
    pub fn host_path_lexical(&self, inside: &Path) -> PathBuf {
        let mut out = self.base_dir().to_path_buf();
        for part in normalize(inside) {
            out.push(part);
        }
        out
    }

    /// The canonical path inside the root of the file `inside` names (all links followed).
    pub fn real_path(&self, inside: &Path) -> Result<PathBuf, RootError> {
        match &self.base {
            Base::Host(memo) => memo
                .real_path(inside)
                .map_err(|e| RootError::io("resolve", inside, e)),
            Base::Dir { fd, .. } => walk(fd.as_fd(), inside, Last::Follow).map(|(_, p)| p),
            Base::Virtual { tree, .. } => tree
                .lookup(inside, true)
                .map(|n| tree.path_of(n))
                .map_err(|e| virtual_error("resolve", inside, e)),
        }
    }

    /// Opens `inside` inside the root: `O_PATH` when `flags` is empty (for `fstat`/`readlink`),
    /// else with `flags` (`O_RDONLY`, `O_DIRECTORY`, ...). Never by a path string.
    fn open_at(&self, inside: &Path, flags: OFlags, last: Last) -> Result<OwnedFd, RootError> {
        crate::work::add(1);
        if self.is_virtual() {
            return Err(RootError::io(
                "open",
                inside,
                io::Error::new(io::ErrorKind::Unsupported, "not a file system"),
            ));
        }
        let Base::Dir { fd, openat2, .. } = &self.base else {
            // The host: the kernel resolves against the real `/`, which is the root.
            let mut f = flags | OFlags::CLOEXEC;
            if flags.is_empty() {
                f |= OFlags::PATH;
            }
            if last == Last::NoFollow {
                f |= OFlags::NOFOLLOW;
            }
            let p = Path::new("/").join(inside);
            return rustix::fs::open(&p, f, Mode::empty())
                .map_err(|e| RootError::io("open", inside, e.into()));
        };
        let root = fd.as_fd();
        if *openat2 && !OPENAT2_MISSING.load(Ordering::Relaxed) {
            let rel = relative(inside);
            let mut f = flags | OFlags::CLOEXEC;
            if flags.is_empty() {
                f |= OFlags::PATH;
            }
            if last == Last::NoFollow {
                // With `O_PATH`, the link itself is opened (for `lstat` / `readlink`).
                f |= OFlags::NOFOLLOW;
            }
            for _ in 0..4 {
                match rustix::fs::openat2(
                    root,
                    rel.as_os_str(),
                    f,
                    Mode::empty(),
                    ResolveFlags::IN_ROOT | ResolveFlags::NO_MAGICLINKS,
                ) {
                    Ok(fd) => return Ok(fd),
                    // A rename raced the resolution; the kernel asks for a retry.
                    Err(e) if e.raw_os_error() == libc_errno::EAGAIN => {}
                    Err(e) if e.raw_os_error() == libc_errno::ENOSYS => {
                        OPENAT2_MISSING.store(true, Ordering::Relaxed);
                        break;
                    }
                    // Refused by a seccomp filter or an unknown flag: this call takes the walk.
                    Err(e)
                        if e.raw_os_error() == libc_errno::EPERM
                            || e.raw_os_error() == libc_errno::EINVAL =>
                    {
                        break;
                    }
                    Err(e) => return Err(RootError::io("open", inside, e.into())),
                }
            }
        }
        let (path_fd, _) = walk(root, inside, last)?;
        if flags.is_empty() {
            return Ok(path_fd);
        }
        // Re-open the object the walk reached. An `O_PATH` descriptor cannot be re-opened
        // without `/proc`, so open its name in its parent (held) with `O_NOFOLLOW`, and check
        // that it is the same inode.
        let (parent, name) = walk_parent(root, inside)?;
        let opened = match name {
            None => rustix::fs::openat(&parent, ".", flags | OFlags::CLOEXEC, Mode::empty()),
            Some(n) => rustix::fs::openat(
                &parent,
                n.as_os_str(),
                flags | OFlags::CLOEXEC | OFlags::NOFOLLOW,
                Mode::empty(),
            ),
        }
        .map_err(|e| RootError::io("open", inside, e.into()))?;
        let a = rustix::fs::fstat(&path_fd).map_err(|e| RootError::io("stat", inside, e.into()))?;
        let b = rustix::fs::fstat(&opened).map_err(|e| RootError::io("stat", inside, e.into()))?;
        if (a.st_dev, a.st_ino) != (b.st_dev, b.st_ino) {
            return Err(RootError::io(
                "open",
                inside,
                io::Error::new(
                    io::ErrorKind::Interrupted,
                    "the file changed while it was being opened (concurrent rename)",
                ),
            ));
        }
        Ok(opened)
    }

    /// A virtual tree's node at `inside`.
    fn virtual_node(
        &self,
        op: &'static str,
        inside: &Path,
        follow: bool,
    ) -> Option<Result<(&dyn VirtualTree, u32), RootError>> {
        let Base::Virtual { tree, .. } = &self.base else {
            return None;
        };
        crate::work::add(1);
        Some(
            tree.lookup(inside, follow)
                .map(|n| (tree.as_ref(), n))
                .map_err(|e| virtual_error(op, inside, e)),
        )
    }

    /// `stat` (follows links).
    pub fn metadata(&self, inside: &Path) -> Result<Meta, RootError> {
        self.stat(inside, Last::Follow)
    }

    /// `lstat` (does not follow the last link).
    pub fn symlink_metadata(&self, inside: &Path) -> Result<Meta, RootError> {
        self.stat(inside, Last::NoFollow)
    }

    fn stat(&self, inside: &Path, last: Last) -> Result<Meta, RootError> {
        if let Some(node) = self.virtual_node("stat", inside, last == Last::Follow) {
            return node.map(|(t, n)| Meta::from_virtual(t.stat(n)));
        }
        if self.is_host() {
            // One `stat` or `lstat` where a directory root needs open, fstat and close; the
            // kernel resolves against the real `/`, which is the root. A failure reads as the
            // open's did.
            crate::work::add(1);
            let p = Path::new("/").join(inside);
            let m = if last == Last::Follow {
                fs::metadata(&p)
            } else {
                fs::symlink_metadata(&p)
            };
            return m
                .map(|m| Meta::from_std(&m))
                .map_err(|e| RootError::io("open", inside, e));
        }
        let fd = self.open_at(inside, OFlags::empty(), last)?;
        File::from(fd)
            .metadata()
            .map(|m| Meta::from_std(&m))
            .map_err(|e| RootError::io("stat", inside, e))
    }

    /// The raw target of a symlink, as stored.
    pub fn read_link(&self, inside: &Path) -> Result<PathBuf, RootError> {
        if let Some(node) = self.virtual_node("read link", inside, false) {
            let (t, n) = node?;
            return t.read_link(n).ok_or_else(|| {
                RootError::io(
                    "read link",
                    inside,
                    io::Error::new(io::ErrorKind::InvalidInput, "not a symbolic link"),
                )
            });
        }
        let fd = self.open_at(inside, OFlags::empty(), Last::NoFollow)?;
        rustix::fs::readlinkat(&fd, "", Vec::new())
            .map(|c| PathBuf::from(OsString::from_vec(c.into_bytes())))
            .map_err(|e| RootError::io("read link", inside, e.into()))
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

    /// Opens a regular file for reading. The open is non-blocking and the type is checked on
    /// the opened descriptor, so a FIFO never blocks the probe and nothing can be swapped in
    /// between the check and the read.
    pub fn open_file(&self, inside: &Path) -> Result<(RootFile, Meta), RootError> {
        if let Some(node) = self.virtual_node("open", inside, true) {
            let (t, n) = node?;
            let meta = Meta::from_virtual(t.stat(n));
            let Some(c) = t.content(n).filter(|_| meta.is_file()) else {
                return Err(RootError::NotRegularFile {
                    path: inside.display().to_string(),
                    kind: file_kind(&meta),
                });
            };
            return Ok((
                RootFile::Region {
                    file: c.file,
                    offset: c.offset,
                    len: c.len,
                    pos: 0,
                },
                meta,
            ));
        }
        // A device node is not opened at all (opening some has side effects).
        let meta = self.metadata(inside)?;
        if !meta.is_file() {
            return Err(RootError::NotRegularFile {
                path: inside.display().to_string(),
                kind: file_kind(&meta),
            });
        }
        let fd = self.open_at(
            inside,
            OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY,
            Last::Follow,
        )?;
        let file = File::from(fd);
        let meta = file
            .metadata()
            .map(|m| Meta::from_std(&m))
            .map_err(|e| RootError::io("stat", inside, e))?;
        if !meta.is_file() {
            return Err(RootError::NotRegularFile {
                path: inside.display().to_string(),
                kind: file_kind(&meta),
            });
        }
        Ok((RootFile::Fs(file), meta))
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

    /// Reads a whole regular file of at most `limit` bytes; a longer file is
    /// [`RootError::TooLarge`] (named by `cap`), never a prefix presented as the whole.
    pub fn read_whole(
        &self,
        inside: &Path,
        limit: usize,
        cap: &'static str,
    ) -> Result<Vec<u8>, RootError> {
        let bytes = self.read_prefix(inside, limit.saturating_add(1))?;
        if bytes.len() > limit {
            return Err(RootError::TooLarge {
                path: inside.display().to_string(),
                cap,
                limit: limit as u64,
            });
        }
        Ok(bytes)
    }

    /// Reads a whole text file of at most `limit` bytes, lossily decoded as UTF-8. A longer file
    /// is [`RootError::TooLarge`] naming `cap`, never a prefix presented as the whole.
    pub fn read_text(
        &self,
        inside: &Path,
        limit: usize,
        cap: &'static str,
    ) -> Result<String, RootError> {
        self.read_whole(inside, limit, cap).map(lossy_utf8)
    }

    /// Reads the header block of an RFC 822-style file (a wheel's `METADATA`): everything before
    /// the first empty line. The body after it (a long description) may be any length; the
    /// header block must end within `limit` bytes, or the read is [`RootError::TooLarge`]
    /// naming `cap`.
    pub fn read_headers(
        &self,
        inside: &Path,
        limit: usize,
        cap: &'static str,
    ) -> Result<String, RootError> {
        let bytes = self.read_prefix(inside, limit.saturating_add(1))?;
        let end = header_block_end(&bytes);
        match end {
            Some(end) => Ok(lossy_utf8(bytes[..end].to_vec())),
            None if bytes.len() <= limit => Ok(lossy_utf8(bytes)),
            None => Err(RootError::TooLarge {
                path: inside.display().to_string(),
                cap,
                limit: limit as u64,
            }),
        }
    }

    /// Lists a directory (following links), sorted by name. A missing directory is an error whose
    /// [`RootError::is_not_found`] is true. At most [`crate::limits::MAX_DIR_ENTRIES`] entries are
    /// listed; a larger directory is an error naming the cap.
    pub fn read_dir(&self, inside: &Path) -> Result<Vec<DirEntry>, RootError> {
        if let Some(node) = self.virtual_node("list", inside, true) {
            let (t, n) = node?;
            if t.stat(n).kind != VirtualKind::Dir {
                return Err(RootError::io(
                    "list",
                    inside,
                    io::Error::new(io::ErrorKind::NotADirectory, "not a directory"),
                ));
            }
            let names = t.children(n);
            if names.len() > crate::limits::MAX_DIR_ENTRIES {
                return Err(RootError::TooLarge {
                    path: inside.display().to_string(),
                    cap: "MAX_DIR_ENTRIES",
                    limit: crate::limits::MAX_DIR_ENTRIES as u64,
                });
            }
            return Ok(names
                .into_iter()
                .map(|name| DirEntry {
                    path: inside.join(&name),
                    name,
                })
                .collect());
        }
        let fd = self.open_at(
            inside,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NONBLOCK,
            Last::Follow,
        )?;
        let list = |e: io::Error| RootError::io("list", inside, e);
        let dir = rustix::fs::Dir::new(fd).map_err(|e| list(e.into()))?;
        let mut out = Vec::new();
        for entry in dir {
            let entry = entry.map_err(|e| list(e.into()))?;
            crate::work::add(1);
            let bytes = entry.file_name().to_bytes();
            if bytes == b"." || bytes == b".." {
                continue;
            }
            if out.len() >= crate::limits::MAX_DIR_ENTRIES {
                return Err(RootError::TooLarge {
                    path: inside.display().to_string(),
                    cap: "MAX_DIR_ENTRIES",
                    limit: crate::limits::MAX_DIR_ENTRIES as u64,
                });
            }
            let name = OsStr::from_bytes(bytes).to_os_string();
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
            Base::Host(_) => "host /".to_owned(),
            Base::Dir { path, .. } => format!("directory {}", path.display()),
            Base::Virtual { label, .. } => format!("image {label}"),
        }
    }
}

/// `inside` as a path relative to the root (`.` for the root itself).
fn relative(inside: &Path) -> PathBuf {
    let rel: PathBuf = normalize_keep_dots(inside).into_iter().collect();
    if rel.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        rel
    }
}

/// The chroot-style walk: every component opened with `openat(O_PATH | O_NOFOLLOW)` relative to
/// the descriptor of the directory before it (held, so a rename cannot move the walk outside),
/// links read with `readlinkat` on their own descriptor and followed by hand (absolute targets
/// restart at the root, `..` pops a held ancestor and stops at the root). Returns an `O_PATH`
/// descriptor of what `inside` names and its canonical path inside the root.
fn walk(root: BorrowedFd<'_>, inside: &Path, last: Last) -> Result<(OwnedFd, PathBuf), RootError> {
    let mut queue: VecDeque<OsString> = normalize_keep_dots(inside).into();
    // Held ancestors below the root, with their names; the current directory is the last.
    let mut stack: Vec<(OwnedFd, OsString)> = Vec::new();
    let mut hops = 0usize;
    let err = |op, e: rustix::io::Errno| RootError::io(op, inside, e.into());
    while let Some(part) = queue.pop_front() {
        if part == ".." {
            stack.pop();
            continue;
        }
        if part == "." {
            continue;
        }
        crate::work::add(1);
        let is_last = queue.is_empty();
        let cur = stack.last().map_or(root, |(fd, _)| fd.as_fd());
        let fd = rustix::fs::openat(
            cur,
            part.as_os_str(),
            OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| err("stat", e))?;
        let st = rustix::fs::fstat(&fd).map_err(|e| err("stat", e))?;
        let is_link = rustix::fs::FileType::from_raw_mode(st.st_mode).is_symlink();
        if is_link && (!is_last || last == Last::Follow) {
            hops += 1;
            if hops > MAX_SYMLINK_HOPS {
                return Err(RootError::SymlinkLoop {
                    path: inside.display().to_string(),
                });
            }
            let target =
                rustix::fs::readlinkat(&fd, "", Vec::new()).map_err(|e| err("read link", e))?;
            let target = target.as_bytes();
            if target.first() == Some(&b'/') {
                stack.clear();
            }
            for p in normalize_keep_dots(Path::new(OsStr::from_bytes(target)))
                .into_iter()
                .rev()
            {
                queue.push_front(p);
            }
            continue;
        }
        stack.push((fd, part));
    }
    let mut path = PathBuf::from("/");
    path.extend(stack.iter().map(|(_, n)| n));
    let fd = match stack.pop() {
        Some((fd, _)) => fd,
        None => rustix::fs::openat(root, ".", OFlags::PATH | OFlags::CLOEXEC, Mode::empty())
            .map_err(|e| err("stat", e))?,
    };
    Ok((fd, path))
}

/// The held parent directory of what `inside` names after every link is followed, and the
/// final name in it (`None` for the root itself).
fn walk_parent(
    root: BorrowedFd<'_>,
    inside: &Path,
) -> Result<(OwnedFd, Option<OsString>), RootError> {
    let (_, real) = walk(root, inside, Last::Follow)?;
    let Some(name) = real.file_name().map(OsStr::to_os_string) else {
        let fd = rustix::fs::openat(root, ".", OFlags::PATH | OFlags::CLOEXEC, Mode::empty())
            .map_err(|e| RootError::io("stat", inside, e.into()))?;
        return Ok((fd, None));
    };
    let parent = real.parent().unwrap_or(Path::new("/"));
    // The canonical parent has no links left, so this walk takes no hop: a link swapped in
    // meanwhile would be followed inside the root, and the inode check in `open_at` catches it.
    let (fd, _) = walk(root, parent, Last::Follow)?;
    Ok((fd, Some(name)))
}

/// What a non-regular file is, for messages.
pub fn file_kind(meta: &Meta) -> &'static str {
    match meta.file_type {
        FileType::Dir => "a directory",
        FileType::Fifo => "a FIFO",
        FileType::Socket => "a socket",
        FileType::BlockDevice => "a block device",
        FileType::CharDevice => "a character device",
        FileType::Symlink => "a symlink",
        FileType::File => "a regular file",
    }
}

/// A [`VirtualLookupError`] as a [`RootError`] ([`RootError::is_not_found`] holds for
/// `NotFound`).
fn virtual_error(op: &'static str, inside: &Path, e: VirtualLookupError) -> RootError {
    match e {
        VirtualLookupError::NotFound => {
            RootError::io(op, inside, io::Error::from(io::ErrorKind::NotFound))
        }
        VirtualLookupError::NotADirectory => RootError::io(
            op,
            inside,
            io::Error::new(io::ErrorKind::NotADirectory, "not a directory"),
        ),
        VirtualLookupError::Loop => RootError::SymlinkLoop {
            path: inside.display().to_string(),
        },
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
    /// The working directory (a path inside the root) whose `.python-version` and `.venv` the
    /// active-Python rules read: the process's for the host, none for a directory or an image
    /// (their files have no working directory) unless a caller sets one.
    pub cwd: Option<PathBuf>,
}

impl Env {
    /// The current process environment (non-UTF-8 variables are skipped).
    pub fn from_process() -> Self {
        Self {
            vars: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
            origin: "process environment".to_owned(),
            cwd: std::env::current_dir().ok(),
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
            cwd: None,
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

/// Bytes as UTF-8, undecodable sequences replaced.
fn lossy_utf8(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// Where an RFC 822 header block ends: the offset of the first empty line (`\n\n` or
/// `\n\r\n`), if any.
fn header_block_end(bytes: &[u8]) -> Option<usize> {
    if bytes.first() == Some(&b'\n') || bytes.starts_with(b"\r\n") {
        return Some(0);
    }
    bytes.windows(2).enumerate().find_map(|(i, w)| {
        (w == b"\n\n" || (w == b"\n\r" && bytes.get(i + 2) == Some(&b'\n'))).then_some(i + 1)
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::print_stderr)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    /// The host's remembered `realpath` answers as `fs::canonicalize` does, for every kind of
    /// path and link, asked twice each (the second answer from memory).
    #[test]
    fn host_real_path_agrees_with_canonicalize() {
        let t = tempfile::tempdir().unwrap();
        let d = fs::canonicalize(t.path()).unwrap();
        fs::create_dir_all(d.join("a/b")).unwrap();
        fs::write(d.join("f"), "x").unwrap();
        fs::write(d.join("a/b/g"), "x").unwrap();
        symlink("a/b", d.join("rel")).unwrap();
        symlink(d.join("a"), d.join("abs")).unwrap();
        symlink("..", d.join("a/up")).unwrap();
        symlink("rel/..", d.join("through")).unwrap();
        symlink("loop2", d.join("loop1")).unwrap();
        symlink("loop1", d.join("loop2")).unwrap();
        symlink("nowhere", d.join("dangling")).unwrap();
        symlink("f", d.join("tofile")).unwrap();
        symlink("./a//b/../b/g", d.join("messy")).unwrap();
        symlink("/", d.join("slash")).unwrap();
        // A chain of 41 links (one more than Linux follows) and one of 40.
        for i in 0..41 {
            symlink(format!("c{}", i + 1), d.join(format!("c{i}"))).unwrap();
        }
        fs::write(d.join("c41"), "end").unwrap();
        let names = [
            "",
            "/",
            "/.",
            "f",
            "f/",
            "f/.",
            "f/..",
            "f/x",
            "a",
            "a/",
            "a/.",
            "a/b/g",
            "a/b/..",
            "a/b/../../f",
            "rel",
            "rel/",
            "rel/g",
            "rel/..",
            "rel/../b/g",
            "abs",
            "abs/b/g",
            "a/up",
            "a/up/f",
            "a/up/a/up/a/b",
            "through",
            "through/b",
            "loop1",
            "loop1/x",
            "dangling",
            "dangling/x",
            "tofile",
            "tofile/",
            "tofile/..",
            "messy",
            "slash",
            "slash/usr",
            "missing",
            "missing/..",
            "missing/x/y",
            "dangling/x/y",
            "tofile/x/y",
            "c0",
            "c1",
            "c1/",
            "a/b/g/h",
        ];
        let paths = names.map(|n| {
            if n.is_empty() {
                d.clone()
            } else if n.starts_with('/') {
                PathBuf::from(format!("{}{n}", d.display()))
            } else {
                PathBuf::from(format!("{}/{n}", d.display()))
            }
        });
        let memo = HostPaths::default();
        for round in 0..2 {
            for p in &paths {
                let want = fs::canonicalize(p).map_err(|e| e.raw_os_error());
                let got = memo.real_path(p).map_err(|e| e.raw_os_error());
                assert_eq!(got, want, "{} (round {round})", p.display());
            }
        }
        assert!(
            memo.real_path(&d.join("c1")).is_ok(),
            "40 links are followed"
        );
        assert_eq!(
            memo.real_path(&d.join("c0")).map_err(|e| e.raw_os_error()),
            Err(Some(rustix::io::Errno::LOOP.raw_os_error())),
            "41 are a loop"
        );
        // The host root remembers across calls and answers like the kernel.
        let root = Root::host();
        assert_eq!(root.real_path(&d.join("rel/g")).unwrap(), d.join("a/b/g"));
        assert!(root.real_path(&d.join("dangling")).is_err());
    }

    #[test]
    fn header_block_ends_at_the_first_empty_line() {
        assert_eq!(header_block_end(b"A: 1\nB: 2\n\nbody\n\n"), Some(10));
        assert_eq!(header_block_end(b"A: 1\r\nB: 2\r\n\r\nbody"), Some(12));
        assert_eq!(header_block_end(b"\nbody"), Some(0));
        assert_eq!(header_block_end(b"A: 1\nB: 2\n"), None);
    }

    #[test]
    fn read_text_refuses_a_longer_file_and_read_headers_stops_at_the_body() {
        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join("long"), "0123456789A").unwrap();
        std::fs::write(t.path().join("meta"), "Name: x\n\n0123456789").unwrap();
        std::fs::write(t.path().join("nobody"), "Name: x\nVersion: 1\n").unwrap();
        let root = Root::dir(t.path()).unwrap();
        assert_eq!(
            root.read_text(Path::new("/long"), 11, "T").unwrap(),
            "0123456789A"
        );
        let err = root.read_text(Path::new("/long"), 10, "T").unwrap_err();
        assert!(
            err.reason().contains('T') && err.reason().contains("/long"),
            "{err}"
        );
        assert_eq!(
            root.read_headers(Path::new("/meta"), 10, "H").unwrap(),
            "Name: x\n"
        );
        assert!(root.read_headers(Path::new("/nobody"), 10, "H").is_err());
        assert_eq!(
            root.read_headers(Path::new("/nobody"), 100, "H").unwrap(),
            "Name: x\nVersion: 1\n"
        );
    }

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
            root.read_text(Path::new("/usr/lib/x.so"), 100, "T")
                .unwrap(),
            "inside"
        );
        assert_eq!(
            root.read_text(Path::new("/usr/lib/y.so"), 100, "T")
                .unwrap(),
            "inside"
        );
        assert_eq!(
            root.real_path(Path::new("/usr/lib/y.so")).unwrap(),
            PathBuf::from("/etc/shadow")
        );
        assert_eq!(
            root.read_text(Path::new("/../../etc/shadow"), 100, "T")
                .unwrap(),
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
        assert_eq!(root.read_text(Path::new("/l/../f"), 10, "T").unwrap(), "af");
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
            let err = root.read_text(Path::new(p), 10, "T").unwrap_err();
            assert!(matches!(err, RootError::SymlinkLoop { .. }), "{p}: {err}");
            assert_eq!(err.reason(), format!("symlink loop at `{p}`"));
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
        let err = root.read_text(Path::new("/fifo"), 10, "T").unwrap_err();
        assert!(matches!(err, RootError::NotRegularFile { .. }), "{err}");
    }

    unsafe extern "C" {
        #[link_name = "mkfifo"]
        fn libc_mkfifo(path: *const std::ffi::c_char, mode: u32) -> i32;
    }
}
