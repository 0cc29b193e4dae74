//! The outer archive (a docker-archive or an OCI archive): an uncompressed tar indexed by
//! seeking over its headers, never reading a member's content until asked, and byte regions
//! of an open file read with `pread`.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::sync::Arc;

use crate::error::ImageError;
use crate::limits;

/// `len` bytes at `start` of a file, as a `Read + Seek` (with `pread`, so the file's own cursor
/// is never used and the file may be shared).
pub(crate) struct Window<'a> {
    pub(crate) file: &'a File,
    pub(crate) start: u64,
    pub(crate) len: u64,
    pub(crate) pos: u64,
}

impl<'a> Window<'a> {
    pub(crate) fn new(file: &'a File, start: u64, len: u64) -> Self {
        Window {
            file,
            start,
            len,
            pos: 0,
        }
    }

    pub(crate) fn remaining(&self) -> u64 {
        self.len.saturating_sub(self.pos)
    }
}

impl Read for Window<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = (buf.len() as u64).min(self.remaining()) as usize;
        if want == 0 {
            return Ok(0);
        }
        let Some(at) = self.start.checked_add(self.pos) else {
            return Ok(0);
        };
        let n = self.file.read_at(&mut buf[..want], at)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for Window<'_> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let new = match pos {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        let new = new.ok_or_else(|| io::Error::other("seek out of range"))?;
        self.pos = new;
        Ok(new)
    }
}

/// Reads exactly `len` bytes at `offset` (`len` already checked against a cap).
pub(crate) fn read_region(file: &File, offset: u64, len: u64) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; usize::try_from(len).map_err(io::Error::other)?];
    file.read_exact_at(&mut buf, offset)?;
    Ok(buf)
}

/// A member of the outer archive.
#[derive(Debug, Clone)]
enum Member {
    File {
        offset: u64,
        len: u64,
    },
    /// A symlink (target relative to the member's directory) or a hard link (target from the
    /// archive root).
    Link {
        target: String,
        hard: bool,
    },
    Other,
}

/// An uncompressed outer tar, indexed.
#[derive(Debug)]
pub(crate) struct OuterArchive {
    pub(crate) file: Arc<File>,
    /// For messages.
    pub(crate) name: String,
    members: HashMap<String, Member>,
}

/// A member name normalised: `./` and `/` prefixes and empty or `.` components dropped;
/// `None` for a name with `..` or NUL (never looked up).
pub(crate) fn normalise(name: &[u8]) -> Option<String> {
    if name.contains(&0) {
        return None;
    }
    let s = std::str::from_utf8(name).ok()?;
    let mut parts = Vec::new();
    for c in s.split('/') {
        match c {
            "" | "." => {}
            ".." => return None,
            c => parts.push(c),
        }
    }
    Some(parts.join("/"))
}

impl OuterArchive {
    /// Indexes the tar in `file` by reading its headers only.
    pub(crate) fn index(file: Arc<File>, name: String) -> Result<Self, ImageError> {
        let len = file
            .metadata()
            .map_err(|e| ImageError::io("stat", &name, e))?
            .len();
        let mut members = HashMap::new();
        let tar_err = |source| ImageError::Tar {
            archive: name.clone(),
            what: "the archive".to_owned(),
            source,
        };
        {
            let mut ar = tar::Archive::new(Window::new(&file, 0, len));
            let entries = ar.entries_with_seek().map_err(tar_err)?;
            for entry in entries {
                let entry = entry.map_err(tar_err)?;
                if members.len() >= limits::ARCHIVE_MEMBERS {
                    return Err(ImageError::TooLarge {
                        archive: name.clone(),
                        what: "the member count".to_owned(),
                        cap: "ARCHIVE_MEMBERS",
                        limit: limits::ARCHIVE_MEMBERS as u64,
                    });
                }
                let raw = entry.path_bytes();
                let Some(path) = normalise(&raw) else {
                    continue;
                };
                let size = entry.size();
                let offset = entry.raw_file_position();
                let kind = entry.header().entry_type();
                let member = match kind {
                    tar::EntryType::Regular | tar::EntryType::Continuous => {
                        if offset.checked_add(size).is_none_or(|end| end > len) {
                            return Err(ImageError::Truncated {
                                archive: name.clone(),
                                what: format!(
                                    "member `{path}` says {size} bytes at offset {offset}, past the archive's end ({len} bytes)"
                                ),
                            });
                        }
                        Member::File { offset, len: size }
                    }
                    tar::EntryType::Symlink | tar::EntryType::Link => {
                        let target = entry
                            .link_name_bytes()
                            .map(|t| String::from_utf8_lossy(&t).into_owned())
                            .unwrap_or_default();
                        Member::Link {
                            target,
                            hard: kind == tar::EntryType::Link,
                        }
                    }
                    _ => Member::Other,
                };
                members.insert(path, member);
            }
        }
        Ok(OuterArchive {
            file,
            name,
            members,
        })
    }

    /// Whether a member of that name exists (of any kind).
    pub(crate) fn has(&self, name: &str) -> bool {
        self.members.contains_key(name)
    }

    /// The `(offset, len)` of a regular member, links followed inside the archive only.
    pub(crate) fn locate(&self, name: &str) -> Option<(u64, u64)> {
        let mut cur = normalise(name.as_bytes())?;
        for _ in 0..crate::tree::MAX_SYMLINK_HOPS {
            match self.members.get(&cur)? {
                Member::File { offset, len } => return Some((*offset, *len)),
                Member::Link { target, hard } => {
                    cur = if *hard {
                        normalise(target.as_bytes())?
                    } else {
                        join_inside(&cur, target)?
                    };
                }
                Member::Other => return None,
            }
        }
        None
    }

    /// Reads a regular member whole, at most `cap` bytes.
    pub(crate) fn read(
        &self,
        member: &str,
        cap: u64,
        cap_name: &'static str,
    ) -> Result<Option<Vec<u8>>, ImageError> {
        let Some((offset, len)) = self.locate(member) else {
            return Ok(None);
        };
        if len > cap {
            return Err(ImageError::TooLarge {
                archive: self.name.clone(),
                what: format!("`{member}` ({len} bytes)"),
                cap: cap_name,
                limit: cap,
            });
        }
        read_region(&self.file, offset, len)
            .map(Some)
            .map_err(|e| ImageError::io("read", format!("{}` member `{member}", self.name), e))
    }
}

/// `target` resolved relative to the directory of member `from`, inside the archive: `None`
/// when it climbs above the archive's root.
fn join_inside(from: &str, target: &str) -> Option<String> {
    let mut parts: Vec<&str> = if target.starts_with('/') {
        Vec::new()
    } else {
        let mut p: Vec<&str> = from.split('/').collect();
        p.pop();
        p
    };
    for c in target.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    Some(parts.join("/"))
}

/// Whether the file starts with gzip's magic.
pub(crate) fn starts_with(file: &File, magic: &[u8]) -> bool {
    let mut buf = [0u8; 4];
    let n = file.read_at(&mut buf[..magic.len()], 0).unwrap_or(0);
    n == magic.len() && buf[..n] == *magic
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names_and_links_stay_inside() {
        assert_eq!(normalise(b"./a//b/./c/").as_deref(), Some("a/b/c"));
        assert_eq!(normalise(b"/abs").as_deref(), Some("abs"));
        assert_eq!(normalise(b"a/../b"), None);
        assert_eq!(
            join_inside("abc/layer.tar", "../sha.tar").as_deref(),
            Some("sha.tar")
        );
        assert_eq!(join_inside("abc/layer.tar", "../../x"), None);
        assert_eq!(join_inside("abc/layer.tar", "/x").as_deref(), Some("x"));
    }
}
