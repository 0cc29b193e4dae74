//! The virtual tree an image's layers are applied into: an arena of nodes with parent pointers,
//! each directory's children sorted by name, each regular file's content a region of an open
//! file (a blob, the outer archive, or the image's spool file).
//!
//! Paths resolve as `chroot` would, inside the tree only: nothing here touches the host's
//! filesystem except by reading the regions [`Tree::content`] names.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// The most symlinks followed while resolving one path (Linux's own limit).
pub const MAX_SYMLINK_HOPS: usize = 40;

/// A node's index in its [`Tree`].
pub type NodeId = u32;

/// What a node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NodeKind {
    /// A directory.
    Dir,
    /// A regular file (content in [`Tree::content`]).
    File,
    /// A symbolic link (target in [`Tree::read_link`], never resolved against the host).
    Symlink,
    /// A character device (recorded, never opened).
    CharDevice,
    /// A block device (recorded, never opened).
    BlockDevice,
    /// A named pipe (recorded, never opened).
    Fifo,
}

/// What [`Tree::stat`] says about a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    /// What it is.
    pub kind: NodeKind,
    /// Content bytes for a file, target bytes for a symlink, 0 otherwise.
    pub size: u64,
    /// Permission bits (`0o7777`).
    pub mode: u32,
    /// Modification time, seconds since the epoch, as the tar header gives it.
    pub mtime: i64,
    /// Index of the layer that wrote it (for a directory implied by a member's path: the layer
    /// of that member).
    pub layer: u32,
    /// The lower layer whose node at this path it replaced, if any.
    pub replaced_layer: Option<u32>,
}

/// A regular file's content: `len` bytes at `offset` in `file`. Read it with
/// `std::os::unix::fs::FileExt::read_at` (the file is shared; its cursor is not yours).
#[derive(Debug, Clone)]
pub struct Content {
    /// The open file holding the bytes.
    pub file: Arc<File>,
    /// Where they start.
    pub offset: u64,
    /// How many there are.
    pub len: u64,
}

/// Why a path could not be resolved in a [`Tree`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TreeError {
    /// Nothing at the path.
    #[error("`{path}` not found in the image")]
    NotFound {
        /// The path as asked.
        path: PathBuf,
    },
    /// A component before the last is not a directory.
    #[error("`{path}`: a component is not a directory in the image")]
    NotADirectory {
        /// The path as asked.
        path: PathBuf,
    },
    /// More than [`MAX_SYMLINK_HOPS`] symlinks were followed.
    #[error(
        "symlink loop while resolving `{path}` in the image (more than {MAX_SYMLINK_HOPS} links)"
    )]
    Loop {
        /// The path as asked.
        path: PathBuf,
    },
}

impl TreeError {
    /// Whether this means "nothing there" (as opposed to a loop or a non-directory parent).
    pub fn is_not_found(&self) -> bool {
        matches!(self, TreeError::NotFound { .. })
    }
}

/// A node's payload.
#[derive(Debug)]
pub(crate) enum Data {
    Dir(BTreeMap<Box<OsStr>, NodeId>),
    File {
        source: u32,
        offset: u64,
        len: u64,
    },
    Symlink(Box<Path>),
    CharDevice,
    BlockDevice,
    Fifo,
    /// Removed by a whiteout or replaced: unreachable, kept so ids stay stable.
    Dead,
}

/// One node. Small on purpose: the name is the only per-node heap allocation besides a
/// directory's map or a symlink's target.
#[derive(Debug)]
pub(crate) struct Node {
    pub(crate) parent: NodeId,
    pub(crate) name: Box<OsStr>,
    pub(crate) mode: u32,
    pub(crate) mtime: i64,
    pub(crate) layer: u32,
    /// `u32::MAX` for none.
    pub(crate) replaced: u32,
    pub(crate) data: Data,
}

/// The merged filesystem of an image: every layer applied, whiteouts honoured.
///
/// A [`NodeId`] is an index into this tree, valid for the tree that returned it (from
/// [`Tree::root`], [`Tree::lookup`], [`Tree::children`] or [`Tree::walk`]); the methods taking
/// one panic on an index the tree never gave out, as slice indexing does.
#[derive(Debug)]
pub struct Tree {
    pub(crate) nodes: Vec<Node>,
    /// The files that content regions point into.
    pub(crate) sources: Vec<Arc<File>>,
    /// Reachable nodes.
    pub(crate) live: usize,
}

const ROOT: NodeId = 0;
const NONE: u32 = u32::MAX;

impl Default for Tree {
    fn default() -> Self {
        Self::new()
    }
}

impl Tree {
    /// An empty tree: `/` only (mode 0755, layer 0).
    pub fn new() -> Self {
        Tree {
            nodes: vec![Node {
                parent: ROOT,
                name: OsStr::new("").into(),
                mode: 0o755,
                mtime: 0,
                layer: 0,
                replaced: NONE,
                data: Data::Dir(BTreeMap::new()),
            }],
            sources: Vec::new(),
            live: 1,
        }
    }

    /// The root directory, `/`.
    pub fn root(&self) -> NodeId {
        ROOT
    }

    /// Reachable nodes (`/` included).
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether the tree holds nothing but `/`.
    pub fn is_empty(&self) -> bool {
        self.live == 1
    }

    /// Resolves a path as chroot would: absolute or relative both from `/`; `..` at `/` stays
    /// at `/`; symlinks (absolute targets from the image's `/`) followed inside the tree, at
    /// most [`MAX_SYMLINK_HOPS`] ([`TreeError::Loop`]); a non-directory before the last
    /// component is [`TreeError::NotADirectory`]; nothing there is [`TreeError::NotFound`].
    /// `follow_last = false` gives `lstat` semantics (a symlink in the last component is the
    /// answer itself).
    pub fn lookup(&self, path: &Path, follow_last: bool) -> Result<NodeId, TreeError> {
        let mut hops = 0usize;
        let mut pending: Vec<OsString> = Vec::new();
        push_components(&mut pending, path);
        let mut cur = ROOT;
        while let Some(name) = pending.pop() {
            let Data::Dir(children) = &self.nodes[cur as usize].data else {
                return Err(TreeError::NotADirectory {
                    path: path.to_path_buf(),
                });
            };
            if name == ".." {
                cur = self.nodes[cur as usize].parent;
                continue;
            }
            let Some(&next) = children.get(name.as_os_str()) else {
                return Err(TreeError::NotFound {
                    path: path.to_path_buf(),
                });
            };
            if let Data::Symlink(target) = &self.nodes[next as usize].data {
                let last = pending.is_empty();
                if last && !follow_last {
                    return Ok(next);
                }
                hops += 1;
                if hops > MAX_SYMLINK_HOPS {
                    return Err(TreeError::Loop {
                        path: path.to_path_buf(),
                    });
                }
                if target.is_absolute() {
                    cur = ROOT;
                }
                push_components(&mut pending, target);
                continue;
            }
            cur = next;
        }
        Ok(cur)
    }

    /// What the node is: kind, size, mode, mtime and the layers that wrote it.
    pub fn stat(&self, id: NodeId) -> Stat {
        let n = &self.nodes[id as usize];
        let (kind, size) = match &n.data {
            Data::Dir(_) | Data::Dead => (NodeKind::Dir, 0),
            Data::File { len, .. } => (NodeKind::File, *len),
            Data::Symlink(t) => (NodeKind::Symlink, t.as_os_str().len() as u64),
            Data::CharDevice => (NodeKind::CharDevice, 0),
            Data::BlockDevice => (NodeKind::BlockDevice, 0),
            Data::Fifo => (NodeKind::Fifo, 0),
        };
        Stat {
            kind,
            size,
            mode: n.mode,
            mtime: n.mtime,
            layer: n.layer,
            replaced_layer: (n.replaced != NONE).then_some(n.replaced),
        }
    }

    /// The node's canonical absolute path inside the image (`/` for the root).
    pub fn path_of(&self, id: NodeId) -> PathBuf {
        let mut names: Vec<&OsStr> = Vec::new();
        let mut cur = id;
        while cur != ROOT {
            let n = &self.nodes[cur as usize];
            names.push(&n.name);
            cur = n.parent;
        }
        let mut p = PathBuf::from("/");
        for name in names.iter().rev() {
            p.push(name);
        }
        p
    }

    /// A symlink's raw target, as the layer stored it; `None` for anything else.
    pub fn read_link(&self, id: NodeId) -> Option<&Path> {
        match &self.nodes[id as usize].data {
            Data::Symlink(t) => Some(t),
            _ => None,
        }
    }

    /// A directory's entries, sorted by name; empty for anything else.
    pub fn children(&self, id: NodeId) -> Vec<(OsString, NodeId)> {
        match &self.nodes[id as usize].data {
            Data::Dir(c) => c.iter().map(|(k, v)| (k.to_os_string(), *v)).collect(),
            _ => Vec::new(),
        }
    }

    /// A regular file's content region; `None` for anything else.
    pub fn content(&self, id: NodeId) -> Option<Content> {
        match &self.nodes[id as usize].data {
            Data::File {
                source,
                offset,
                len,
            } => Some(Content {
                file: Arc::clone(&self.sources[*source as usize]),
                offset: *offset,
                len: *len,
            }),
            _ => None,
        }
    }

    /// Every reachable node below `id` (itself first), depth first in name order.
    pub fn walk(&self, id: NodeId) -> Vec<NodeId> {
        let mut out = Vec::new();
        let mut stack = vec![id];
        while let Some(n) = stack.pop() {
            out.push(n);
            if let Data::Dir(c) = &self.nodes[n as usize].data {
                stack.extend(c.values().rev().copied());
            }
        }
        out
    }

    // ----- building (crate-internal) -----

    /// The child `name` of directory `dir`, if any.
    pub(crate) fn child(&self, dir: NodeId, name: &OsStr) -> Option<NodeId> {
        match &self.nodes[dir as usize].data {
            Data::Dir(c) => c.get(name).copied(),
            _ => None,
        }
    }

    pub(crate) fn is_dir(&self, id: NodeId) -> bool {
        matches!(self.nodes[id as usize].data, Data::Dir(_))
    }

    /// Adds a new node under `dir` (which must be a directory without a child `name`).
    /// Returns `None` when [`crate::limits::TREE_NODES`] would be exceeded.
    pub(crate) fn insert(&mut self, dir: NodeId, name: &OsStr, node: NewNode) -> Option<NodeId> {
        if self.nodes.len() >= crate::limits::TREE_NODES {
            return None;
        }
        let id = self.nodes.len() as NodeId;
        self.nodes.push(Node {
            parent: dir,
            name: name.into(),
            mode: node.mode,
            mtime: node.mtime,
            layer: node.layer,
            replaced: node.replaced.unwrap_or(NONE),
            data: node.data,
        });
        if let Data::Dir(c) = &mut self.nodes[dir as usize].data {
            c.insert(name.into(), id);
        }
        self.live += 1;
        Some(id)
    }

    /// Detaches `id` (and its subtree) from its parent.
    pub(crate) fn remove(&mut self, id: NodeId) {
        if id == ROOT {
            return;
        }
        let parent = self.nodes[id as usize].parent;
        let name = self.nodes[id as usize].name.clone();
        if let Data::Dir(c) = &mut self.nodes[parent as usize].data {
            c.remove(&*name);
        }
        self.kill(id);
    }

    /// Marks `id` and its subtree dead (not unlinked from the parent).
    fn kill(&mut self, id: NodeId) {
        let mut stack = vec![id];
        while let Some(n) = stack.pop() {
            let data = std::mem::replace(&mut self.nodes[n as usize].data, Data::Dead);
            if let Data::Dir(c) = data {
                stack.extend(c.into_values());
            }
            self.live -= 1;
        }
    }

    /// Removes every child of directory `dir` (an opaque whiteout).
    pub(crate) fn clear_dir(&mut self, dir: NodeId) -> usize {
        let children = match &mut self.nodes[dir as usize].data {
            Data::Dir(c) => std::mem::take(c),
            _ => return 0,
        };
        let n = children.len();
        for id in children.into_values() {
            self.kill(id);
        }
        n
    }

    /// Rewrites a directory's metadata in place (a layer re-declaring it), keeping children.
    pub(crate) fn redeclare_dir(&mut self, id: NodeId, mode: u32, mtime: i64, layer: u32) {
        let n = &mut self.nodes[id as usize];
        if n.layer != layer {
            n.replaced = n.layer;
        }
        n.mode = mode;
        n.mtime = mtime;
        n.layer = layer;
    }

    pub(crate) fn layer_of(&self, id: NodeId) -> u32 {
        self.nodes[id as usize].layer
    }

    pub(crate) fn replaced_of(&self, id: NodeId) -> Option<u32> {
        let r = self.nodes[id as usize].replaced;
        (r != NONE).then_some(r)
    }

    pub(crate) fn data(&self, id: NodeId) -> &Data {
        &self.nodes[id as usize].data
    }

    /// Registers a file content regions may point into; returns its index.
    pub(crate) fn add_source(&mut self, file: Arc<File>) -> u32 {
        if let Some(i) = self.sources.iter().position(|f| Arc::ptr_eq(f, &file)) {
            return i as u32;
        }
        self.sources.push(file);
        (self.sources.len() - 1) as u32
    }
}

/// A node to insert.
pub(crate) struct NewNode {
    pub(crate) mode: u32,
    pub(crate) mtime: i64,
    pub(crate) layer: u32,
    pub(crate) replaced: Option<u32>,
    pub(crate) data: Data,
}

/// Pushes `path`'s components onto `stack` so that popping yields them in order. `.` and the
/// root are dropped; `..` is kept (resolved against the current directory when popped).
fn push_components(stack: &mut Vec<OsString>, path: &Path) {
    let start = stack.len();
    for c in path.components() {
        match c {
            Component::Normal(n) => stack.push(n.to_os_string()),
            Component::ParentDir => stack.push(OsString::from("..")),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    stack[start..].reverse();
}

/// Whether a name is safe as one path component (not empty, no `/`, no NUL, not `.`/`..`).
pub(crate) fn is_plain_name(name: &[u8]) -> bool {
    !name.is_empty() && name != b"." && name != b".." && !name.contains(&b'/') && !name.contains(&0)
}

/// `OsStr` from bytes (Unix).
pub(crate) fn os(b: &[u8]) -> &OsStr {
    OsStr::from_bytes(b)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn dir(layer: u32) -> NewNode {
        NewNode {
            mode: 0o755,
            mtime: 0,
            layer,
            replaced: None,
            data: Data::Dir(BTreeMap::new()),
        }
    }

    fn link(t: &str) -> NewNode {
        NewNode {
            mode: 0o777,
            mtime: 0,
            layer: 0,
            replaced: None,
            data: Data::Symlink(Path::new(t).into()),
        }
    }

    #[test]
    fn lookup_resolves_inside_the_tree() {
        let mut t = Tree::new();
        let usr = t.insert(ROOT, os(b"usr"), dir(0)).unwrap();
        let lib = t.insert(usr, os(b"lib"), dir(0)).unwrap();
        t.insert(ROOT, os(b"lib"), link("usr/lib")).unwrap();
        t.insert(ROOT, os(b"abs"), link("/usr/../../../usr/lib"))
            .unwrap();
        t.insert(ROOT, os(b"a"), link("b")).unwrap();
        t.insert(ROOT, os(b"b"), link("a")).unwrap();
        assert_eq!(t.lookup(Path::new("/lib"), true), Ok(lib));
        assert_eq!(t.lookup(Path::new("lib"), true), Ok(lib));
        assert_eq!(t.lookup(Path::new("/../../abs/."), true), Ok(lib));
        let l = t.lookup(Path::new("/lib"), false).unwrap();
        assert_eq!(t.stat(l).kind, NodeKind::Symlink);
        assert_eq!(t.path_of(lib), Path::new("/usr/lib"));
        assert_eq!(t.path_of(ROOT), Path::new("/"));
        assert!(matches!(
            t.lookup(Path::new("/a"), true),
            Err(TreeError::Loop { .. })
        ));
        assert!(
            t.lookup(Path::new("/nope"), true)
                .unwrap_err()
                .is_not_found()
        );
        let f = t
            .insert(
                ROOT,
                os(b"f"),
                NewNode {
                    mode: 0o644,
                    mtime: 0,
                    layer: 0,
                    replaced: None,
                    data: Data::Fifo,
                },
            )
            .unwrap();
        assert_eq!(t.stat(f).kind, NodeKind::Fifo);
        assert!(matches!(
            t.lookup(Path::new("/f/x"), true),
            Err(TreeError::NotADirectory { .. })
        ));
        assert_eq!(t.len(), 8);
        t.remove(usr);
        assert_eq!(t.len(), 6);
        assert!(
            t.lookup(Path::new("/lib"), true)
                .unwrap_err()
                .is_not_found()
        );
    }
}
