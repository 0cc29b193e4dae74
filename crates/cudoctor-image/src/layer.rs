//! Applying layers into the [`Tree`]: reading a layer's tar (by seeking when it is uncompressed,
//! else streaming it through a decoder once and spooling file content), then applying its
//! whiteouts to the layers below and its members on top.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::archive::Window;
use crate::config::{LayerInfo, Whiteout};
use crate::error::ImageError;
use crate::limits;
use crate::tree::{Data, NewNode, NodeId, Tree, is_plain_name, os};
use crate::{Blob, OpenOptions, Progress};

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];

/// Whether `b` starts with a zstd skippable frame's magic (`0x184D2A5?`, little-endian), as
/// zstd:chunked layers hold.
fn is_skippable_frame(b: &[u8]) -> bool {
    b.len() >= 4 && b[1..4] == [0x2a, 0x4d, 0x18] && b[0] & 0xf0 == 0x50
}

/// A layer's compression, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }

    pub(crate) fn detect(file: &File, offset: u64, len: u64) -> io::Result<Compression> {
        let mut buf = [0u8; 4];
        let want = len.min(4) as usize;
        let mut got = 0;
        while got < want {
            let n = std::os::unix::fs::FileExt::read_at(
                file,
                &mut buf[got..want],
                offset + got as u64,
            )?;
            if n == 0 {
                break;
            }
            got += n;
        }
        Ok(if buf[..got].starts_with(GZIP_MAGIC) {
            Compression::Gzip
        } else if buf[..got].starts_with(ZSTD_MAGIC) || is_skippable_frame(&buf[..got]) {
            Compression::Zstd
        } else {
            Compression::None
        })
    }
}

/// What a member does.
enum Op {
    File { source: u32, offset: u64, len: u64 },
    Dir,
    Symlink(Box<Path>),
    HardLink(Vec<u8>),
    CharDevice,
    BlockDevice,
    Fifo,
}

/// One member of a layer, read, not yet applied.
struct Pending {
    /// Normalised components joined by `/`.
    path: Vec<u8>,
    op: Op,
    mode: u32,
    mtime: i64,
}

/// A whiteout of a layer, not yet applied.
struct PendingWhiteout {
    /// The directory (normalised, `/`-joined; empty for `/`).
    dir: Vec<u8>,
    /// The name removed; `None` for an opaque whiteout.
    name: Option<Vec<u8>>,
}

/// The state of reading one image: the tree, the spool, what went wrong along the way.
pub(crate) struct Builder<'o, 'a> {
    pub(crate) tree: Tree,
    pub(crate) problems: Vec<String>,
    problems_dropped: usize,
    pub(crate) whiteouts: Vec<Whiteout>,
    whiteouts_dropped: u64,
    spool: Option<Spool>,
    spooled: u64,
    opts: &'o OpenOptions<'a>,
    /// The layer being read and how many there are (for progress).
    current: (usize, usize),
    /// The image's name for messages.
    archive: String,
}

struct Spool {
    source: u32,
    out: BufWriter<ArcWrite>,
}

struct ArcWrite(Arc<File>);

impl Write for ArcWrite {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (&*self.0).write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        (&*self.0).flush()
    }
}

/// Shared between the stream's wrappers: why reading stopped, when it was not the tar's fault.
#[derive(Clone, Default)]
struct Fail(Rc<Cell<Option<FailKind>>>);

#[derive(Clone, Copy)]
enum FailKind {
    Bomb,
    Decode,
}

/// Hashes (and counts) what passes through.
struct Hashing<R> {
    inner: R,
    hash: Sha256,
    /// Bytes read so far (shared, for progress).
    count: Rc<Cell<u64>>,
}

impl<R> Hashing<R> {
    fn new(inner: R) -> Self {
        Hashing {
            inner,
            hash: Sha256::new(),
            count: Rc::default(),
        }
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// Bytes of a compressed blob between two progress reports within it.
const PROGRESS_STEP: u64 = 8 << 20;

fn hex_digest(h: Sha256) -> String {
    crate::source::sha256_hex(&h.finalize())
}

/// The compressed side: a gzip or a zstd decoder (several zstd frames, skippable ones
/// skipped), recording decoder errors.
enum Decoder<'w> {
    Gzip(Box<flate2::read::MultiGzDecoder<Hashing<Window<'w>>>>),
    Zstd {
        dec: Option<Box<Zstd<'w>>>,
        src: Option<Hashing<Window<'w>>>,
    },
}

type Zstd<'w> =
    ruzstd::decoding::StreamingDecoder<Hashing<Window<'w>>, ruzstd::decoding::FrameDecoder>;

impl<'w> Decoder<'w> {
    fn into_inner(self) -> Option<Hashing<Window<'w>>> {
        match self {
            Decoder::Gzip(d) => Some(d.into_inner()),
            Decoder::Zstd { dec, src } => src.or_else(|| dec.map(|d| d.into_inner())),
        }
    }

    /// Starts the next zstd frame, skipping skippable frames; `false` at the end of input.
    fn next_frame(src: &mut Option<Hashing<Window<'w>>>) -> io::Result<Option<Zstd<'w>>> {
        use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
        loop {
            let Some(mut s) = src.take() else {
                return Ok(None);
            };
            if s.inner.remaining() == 0 {
                *src = Some(s);
                return Ok(None);
            }
            let mut magic = [0u8; 4];
            let at = s.inner.pos;
            let n =
                std::os::unix::fs::FileExt::read_at(s.inner.file, &mut magic, s.inner.start + at)?;
            if is_skippable_frame(&magic[..n]) {
                let mut hdr = [0u8; 8];
                s.read_exact(&mut hdr)?;
                let skip = u64::from(u32::from_le_bytes([hdr[4], hdr[5], hdr[6], hdr[7]]));
                io::copy(&mut (&mut s).take(skip), &mut io::sink())?;
                *src = Some(s);
                continue;
            }
            match ruzstd::decoding::StreamingDecoder::new(s) {
                Ok(d) => return Ok(Some(d)),
                Err(FrameDecoderError::ReadFrameHeaderError(ReadFrameHeaderError::SkipFrame {
                    ..
                })) => {
                    return Err(io::Error::other("unexpected skippable frame"));
                }
                Err(e) => return Err(io::Error::other(e.to_string())),
            }
        }
    }
}

impl Read for Decoder<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Decoder::Gzip(d) => d.read(buf),
            Decoder::Zstd { dec, src } => loop {
                if let Some(d) = dec {
                    let n = d.read(buf)?;
                    if n > 0 || buf.is_empty() {
                        return Ok(n);
                    }
                    *src = dec.take().map(|d| d.into_inner());
                }
                match Self::next_frame(src)? {
                    Some(d) => *dec = Some(Box::new(d)),
                    None => return Ok(0),
                }
            },
        }
    }
}

/// The decompressed side: counts against the bomb limit, hashes for the diff ID, records
/// which failure stopped it.
struct Guard<'w> {
    inner: Decoder<'w>,
    limit: u64,
    count: u64,
    hash: Sha256,
    fail: Fail,
}

impl Read for Guard<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = match self.inner.read(buf) {
            Ok(n) => n,
            Err(e) => {
                if self.fail.0.get().is_none() {
                    self.fail.0.set(Some(FailKind::Decode));
                }
                return Err(e);
            }
        };
        self.count += n as u64;
        if self.count > self.limit {
            self.fail.0.set(Some(FailKind::Bomb));
            return Err(io::Error::other("decompression limit"));
        }
        self.hash.update(&buf[..n]);
        Ok(n)
    }
}

impl<'o, 'a> Builder<'o, 'a> {
    pub(crate) fn new(archive: String, opts: &'o OpenOptions<'a>) -> Self {
        Builder {
            tree: Tree::new(),
            problems: Vec::new(),
            problems_dropped: 0,
            whiteouts: Vec::new(),
            whiteouts_dropped: 0,
            spool: None,
            spooled: 0,
            opts,
            current: (0, 0),
            archive,
        }
    }

    pub(crate) fn problem(&mut self, p: String) {
        if self.problems.len() < limits::PROBLEMS_RECORDED {
            self.problems.push(p);
        } else {
            self.problems_dropped += 1;
        }
    }

    /// Flushes the spool and closes the problem list.
    pub(crate) fn finish(mut self) -> Result<(Tree, Vec<String>, Vec<Whiteout>), ImageError> {
        if let Some(s) = &mut self.spool {
            s.out
                .flush()
                .map_err(|e| ImageError::io("write", "the spool file", e))?;
        }
        if self.problems_dropped > 0 {
            self.problems.push(format!(
                "{} more problems not recorded (PROBLEMS_RECORDED)",
                self.problems_dropped
            ));
        }
        if self.whiteouts_dropped > 0 {
            self.problems.push(format!(
                "{} more whiteouts applied than recorded (WHITEOUTS_RECORDED {})",
                self.whiteouts_dropped,
                limits::WHITEOUTS_RECORDED
            ));
        }
        Ok((self.tree, self.problems, self.whiteouts))
    }

    /// Reads layer `index` from `blob` and applies it.
    pub(crate) fn apply(
        &mut self,
        index: u32,
        layers: usize,
        blob: &Blob,
        diff_id: Option<&str>,
    ) -> Result<LayerInfo, ImageError> {
        let label = blob
            .digest
            .clone()
            .or_else(|| diff_id.map(str::to_owned))
            .unwrap_or_else(|| format!("#{index}"));
        let what = format!("layer {index} (`{label}`)");
        self.current = (index as usize, layers);
        let compression = Compression::detect(&blob.file, blob.offset, blob.len)
            .map_err(|e| ImageError::io("read", format!("{}` {what} `", self.archive), e))?;
        if let Some(p) = self.opts.progress {
            p(Progress {
                layer: index as usize,
                layers,
                bytes: 0,
                total: Some(blob.len),
            });
        }
        let mut pending = Vec::new();
        let mut whiteouts = Vec::new();
        match compression {
            Compression::None => {
                self.read_seekable(blob, &what, &mut pending, &mut whiteouts)?;
                if self.opts.verify_digests {
                    let mut h = Hashing::new(Window::new(&blob.file, blob.offset, blob.len));
                    io::copy(&mut h, &mut io::sink()).map_err(|e| {
                        ImageError::io("read", format!("{}` {what} `", self.archive), e)
                    })?;
                    let actual = hex_digest(h.hash);
                    for (name, expected) in [("blob", blob.digest.as_deref()), ("diff ID", diff_id)]
                    {
                        self.check_digest(&what, name, expected, &actual)?;
                    }
                }
            }
            Compression::Gzip | Compression::Zstd => {
                let (compressed, uncompressed) = self.read_stream(
                    blob,
                    compression,
                    &what,
                    &label,
                    &mut pending,
                    &mut whiteouts,
                )?;
                self.check_digest(&what, "blob", blob.digest.as_deref(), &compressed)?;
                self.check_digest(&what, "diff ID", diff_id, &uncompressed)?;
            }
        }
        let mut info = LayerInfo {
            index,
            digest: label,
            diff_id: diff_id.map(str::to_owned),
            media_type: blob.media_type.clone(),
            size: blob.len,
            compression: compression.name().to_owned(),
            created_by: None,
            files: 0,
            whiteouts: 0,
        };
        // Whiteouts hide what the layers below wrote, whatever their order in the tar.
        for w in whiteouts {
            self.apply_whiteout(index, &w);
            info.whiteouts += 1;
        }
        for p in pending {
            if self.apply_member(index, &what, p)? {
                info.files += 1;
            }
        }
        if let Some(p) = self.opts.progress {
            p(Progress {
                layer: index as usize,
                layers,
                bytes: blob.len,
                total: Some(blob.len),
            });
        }
        Ok(info)
    }

    fn check_digest(
        &self,
        what: &str,
        name: &str,
        expected: Option<&str>,
        actual: &str,
    ) -> Result<(), ImageError> {
        let Some(expected) = expected else {
            return Ok(());
        };
        if !expected.starts_with("sha256:") || expected == actual {
            return Ok(());
        }
        Err(ImageError::DigestMismatch {
            archive: self.archive.clone(),
            what: format!("{what}: its {name}"),
            expected: expected.to_owned(),
            actual: actual.to_owned(),
        })
    }

    /// The fast path: headers read by seeking, content left where it is.
    fn read_seekable(
        &mut self,
        blob: &Blob,
        what: &str,
        pending: &mut Vec<Pending>,
        whiteouts: &mut Vec<PendingWhiteout>,
    ) -> Result<(), ImageError> {
        let source = self.tree.add_source(Arc::clone(&blob.file));
        let tar_err = |source| ImageError::Tar {
            archive: self.archive.clone(),
            what: what.to_owned(),
            source,
        };
        let mut ar = tar::Archive::new(Window::new(&blob.file, blob.offset, blob.len));
        let entries = ar.entries_with_seek().map_err(tar_err)?;
        let mut problems = Vec::new();
        for entry in entries {
            let entry = entry.map_err(tar_err)?;
            let size = entry.size();
            let pos = entry.raw_file_position();
            let is_file = matches!(
                entry.header().entry_type(),
                tar::EntryType::Regular | tar::EntryType::Continuous
            );
            if is_file && pos.checked_add(size).is_none_or(|end| end > blob.len) {
                return Err(ImageError::Truncated {
                    archive: self.archive.clone(),
                    what: format!(
                        "{what}: member `{}` says {size} bytes, past the layer's end",
                        String::from_utf8_lossy(&entry.path_bytes())
                    ),
                });
            }
            let content = Op::File {
                source,
                offset: blob.offset + pos,
                len: size,
            };
            self.classify(&entry, what, content, pending, whiteouts, &mut problems)?;
        }
        for p in problems {
            self.problem(p);
        }
        Ok(())
    }

    /// The compressed path: decode once, spool regular files' content. Returns the digests of
    /// the compressed and the uncompressed streams.
    fn read_stream(
        &mut self,
        blob: &Blob,
        compression: Compression,
        what: &str,
        label: &str,
        pending: &mut Vec<Pending>,
        whiteouts: &mut Vec<PendingWhiteout>,
    ) -> Result<(String, String), ImageError> {
        let src = Hashing::new(Window::new(&blob.file, blob.offset, blob.len));
        let read_so_far = Rc::clone(&src.count);
        let mut reported = 0u64;
        let archive = self.archive.clone();
        let decode_err = |detail: String| ImageError::Decompress {
            archive: archive.clone(),
            what: what.to_owned(),
            detail,
        };
        let decoder = if compression == Compression::Gzip {
            Decoder::Gzip(Box::new(flate2::read::MultiGzDecoder::new(src)))
        } else {
            let mut src = Some(src);
            let dec = Decoder::next_frame(&mut src).map_err(|e| decode_err(e.to_string()))?;
            Decoder::Zstd {
                dec: dec.map(Box::new),
                src,
            }
        };
        let fail = Fail::default();
        let limit = blob
            .len
            .saturating_mul(limits::DECOMPRESSION_RATIO)
            .max(limits::DECOMPRESSION_FLOOR);
        let guard = Guard {
            inner: decoder,
            limit,
            count: 0,
            hash: Sha256::new(),
            fail: fail.clone(),
        };
        let classify_err = |e: io::Error, fail: &Fail| match fail.0.get() {
            Some(FailKind::Bomb) => ImageError::Bomb {
                archive: archive.clone(),
                digest: label.to_owned(),
                compressed: blob.len,
                limit,
                ratio: limits::DECOMPRESSION_RATIO,
            },
            Some(FailKind::Decode) => ImageError::Decompress {
                archive: archive.clone(),
                what: what.to_owned(),
                detail: e.to_string(),
            },
            None => ImageError::Tar {
                archive: archive.clone(),
                what: what.to_owned(),
                source: e,
            },
        };
        let mut ar = tar::Archive::new(guard);
        let mut problems = Vec::new();
        {
            let entries = ar.entries().map_err(|e| classify_err(e, &fail))?;
            for entry in entries {
                let mut entry = entry.map_err(|e| classify_err(e, &fail))?;
                let is_file = matches!(
                    entry.header().entry_type(),
                    tar::EntryType::Regular | tar::EntryType::Continuous
                );
                let content = if is_file {
                    let size = entry.size();
                    let (source, offset) = self.spool_open()?;
                    if self.spooled.saturating_add(size) > limits::SPOOL_BYTES {
                        return Err(ImageError::TooLarge {
                            archive: self.archive.clone(),
                            what: format!("{what}: the decompressed content"),
                            cap: "SPOOL_BYTES",
                            limit: limits::SPOOL_BYTES,
                        });
                    }
                    let Some(spool) = self.spool.as_mut() else {
                        return Err(ImageError::io(
                            "write",
                            "the spool file",
                            io::Error::other("spool not open"),
                        ));
                    };
                    let copied =
                        io::copy(&mut (&mut entry).take(size), &mut spool.out).map_err(|e| {
                            if fail.0.get().is_some() {
                                classify_err(e, &fail)
                            } else {
                                ImageError::io("spool", format!("{archive}` {what} `"), e)
                            }
                        })?;
                    if copied != size {
                        return Err(ImageError::Truncated {
                            archive: self.archive.clone(),
                            what: format!(
                                "{what}: member `{}` says {size} bytes, the layer ends after {copied}",
                                String::from_utf8_lossy(&entry.path_bytes())
                            ),
                        });
                    }
                    self.spooled += size;
                    Op::File {
                        source,
                        offset,
                        len: size,
                    }
                } else {
                    Op::Dir
                };
                self.classify(&entry, what, content, pending, whiteouts, &mut problems)?;
                let done = read_so_far.get();
                if let Some(p) = self.opts.progress
                    && done - reported >= PROGRESS_STEP
                {
                    reported = done;
                    p(Progress {
                        layer: self.current.0,
                        layers: self.current.1,
                        bytes: done.min(blob.len),
                        total: Some(blob.len),
                    });
                }
            }
        }
        for p in problems {
            self.problem(p);
        }
        // The rest of the stream (tar padding, trailing frames) still counts and hashes.
        let mut guard = ar.into_inner();
        io::copy(&mut guard, &mut io::sink()).map_err(|e| classify_err(e, &fail))?;
        let uncompressed = hex_digest(guard.hash);
        let Some(mut src) = guard.inner.into_inner() else {
            return Err(decode_err("the decoder lost its input".to_owned()));
        };
        io::copy(&mut src, &mut io::sink())
            .map_err(|e| ImageError::io("read", format!("{}` {what} `", self.archive), e))?;
        Ok((hex_digest(src.hash), uncompressed))
    }

    /// The spool's source index and current end, creating it on first use.
    fn spool_open(&mut self) -> Result<(u32, u64), ImageError> {
        if self.spool.is_none() {
            let f = tempfile::tempfile()
                .map_err(|e| ImageError::io("create", "an unnamed spool file", e))?;
            let f = Arc::new(f);
            let source = self.tree.add_source(Arc::clone(&f));
            self.spool = Some(Spool {
                source,
                out: BufWriter::with_capacity(1 << 20, ArcWrite(f)),
            });
        }
        let source = self.spool.as_ref().map_or(0, |s| s.source);
        Ok((source, self.spooled))
    }

    /// Turns a tar entry into a pending member or whiteout (or a problem).
    fn classify<R: Read>(
        &self,
        entry: &tar::Entry<'_, R>,
        what: &str,
        content: Op,
        pending: &mut Vec<Pending>,
        whiteouts: &mut Vec<PendingWhiteout>,
        problems: &mut Vec<String>,
    ) -> Result<(), ImageError> {
        let raw = entry.path_bytes();
        let shown = String::from_utf8_lossy(&raw).into_owned();
        let header = entry.header();
        let kind = header.entry_type();
        if matches!(kind, tar::EntryType::XGlobalHeader) {
            return Ok(());
        }
        if raw.len() > limits::PATH_BYTES {
            return Err(ImageError::TooLarge {
                archive: self.archive.clone(),
                what: format!(
                    "{what}: member name `{}...` ({} bytes)",
                    shown.chars().take(64).collect::<String>(),
                    raw.len()
                ),
                cap: "PATH_BYTES",
                limit: limits::PATH_BYTES as u64,
            });
        }
        let Some(path) = normalise_member(&raw) else {
            problems.push(format!(
                "{what}: member `{shown}` skipped: its name has a `..` component or a NUL"
            ));
            return Ok(());
        };
        if pending.len() + whiteouts.len() >= limits::TREE_NODES {
            return Err(self.too_many_nodes(what));
        }
        let (dir, base) = split_last(&path);
        if let Some(hidden) = base.strip_prefix(b".wh.") {
            if hidden == b".wh..opq" {
                whiteouts.push(PendingWhiteout {
                    dir: dir.to_vec(),
                    name: None,
                });
            } else if hidden.starts_with(b".wh.") || !is_plain_name(hidden) {
                problems.push(format!(
                    "{what}: member `{shown}` skipped: an unknown whiteout marker"
                ));
            } else {
                whiteouts.push(PendingWhiteout {
                    dir: dir.to_vec(),
                    name: Some(hidden.to_vec()),
                });
            }
            return Ok(());
        }
        let link = || -> Result<Option<Vec<u8>>, ImageError> {
            let t = entry.link_name_bytes().map(std::borrow::Cow::into_owned);
            if let Some(t) = &t
                && t.len() > limits::LINK_BYTES
            {
                return Err(ImageError::TooLarge {
                    archive: self.archive.clone(),
                    what: format!("{what}: the link target of `{shown}` ({} bytes)", t.len()),
                    cap: "LINK_BYTES",
                    limit: limits::LINK_BYTES as u64,
                });
            }
            Ok(t)
        };
        let op = match kind {
            tar::EntryType::Regular | tar::EntryType::Continuous => content,
            tar::EntryType::Directory => Op::Dir,
            tar::EntryType::Symlink => match link()? {
                Some(t) if !t.is_empty() && !t.contains(&0) => {
                    Op::Symlink(Path::new(os(&t)).into())
                }
                _ => {
                    problems.push(format!(
                        "{what}: symlink `{shown}` skipped: empty or NUL-bearing target"
                    ));
                    return Ok(());
                }
            },
            tar::EntryType::Link => match link()?.and_then(|t| normalise_member(&t)) {
                Some(t) if !t.is_empty() => Op::HardLink(t),
                _ => {
                    problems.push(format!(
                        "{what}: hard link `{shown}` skipped: its target is empty or leaves the image"
                    ));
                    return Ok(());
                }
            },
            tar::EntryType::Char => Op::CharDevice,
            tar::EntryType::Block => Op::BlockDevice,
            tar::EntryType::Fifo => Op::Fifo,
            other => {
                problems.push(format!(
                    "{what}: member `{shown}` skipped: tar entry type {:?} is not supported",
                    other.as_byte() as char
                ));
                return Ok(());
            }
        };
        if path.is_empty() {
            // `./` itself: the root's own metadata is not taken from a layer.
            return Ok(());
        }
        pending.push(Pending {
            path,
            op,
            mode: header.mode().unwrap_or(0o644) & 0o7777,
            mtime: header
                .mtime()
                .map_or(0, |m| i64::try_from(m).unwrap_or(i64::MAX)),
        });
        Ok(())
    }

    fn too_many_nodes(&self, what: &str) -> ImageError {
        ImageError::TooLarge {
            archive: self.archive.clone(),
            what: format!("{what}: the tree's node count"),
            cap: "TREE_NODES",
            limit: limits::TREE_NODES as u64,
        }
    }

    /// Finds a directory by path without creating or following anything.
    fn find(&self, path: &[u8]) -> Option<NodeId> {
        let mut cur = self.tree.root();
        for c in path.split(|&b| b == b'/').filter(|c| !c.is_empty()) {
            cur = self.tree.child(cur, os(c))?;
        }
        Some(cur)
    }

    fn apply_whiteout(&mut self, layer: u32, w: &PendingWhiteout) {
        let Some(dir) = self.find(&w.dir) else {
            return;
        };
        if !self.tree.is_dir(dir) {
            return;
        }
        let shown_dir = String::from_utf8_lossy(&w.dir).into_owned();
        let (path, hid) = match &w.name {
            None => {
                let layers: Vec<u32> = self
                    .tree
                    .children(dir)
                    .iter()
                    .map(|(_, id)| self.tree.layer_of(*id))
                    .collect();
                let hid = match layers.first() {
                    Some(first) if layers.iter().all(|l| l == first) => Some(*first),
                    _ => None,
                };
                self.tree.clear_dir(dir);
                (format!("/{shown_dir}"), hid)
            }
            Some(name) => {
                let hid = self.tree.child(dir, os(name)).map(|id| {
                    let l = self.tree.layer_of(id);
                    self.tree.remove(id);
                    l
                });
                let sep = if shown_dir.is_empty() { "" } else { "/" };
                (
                    format!("/{shown_dir}{sep}{}", String::from_utf8_lossy(name)),
                    hid,
                )
            }
        };
        if self.whiteouts.len() < limits::WHITEOUTS_RECORDED {
            self.whiteouts.push(Whiteout {
                path,
                layer,
                hid_layer: hid,
            });
        } else {
            self.whiteouts_dropped += 1;
        }
    }

    /// Applies one member; `Ok(false)` when it was skipped (with a problem).
    fn apply_member(&mut self, layer: u32, what: &str, p: Pending) -> Result<bool, ImageError> {
        let shown = || String::from_utf8_lossy(&p.path).into_owned();
        let (dir_path, base) = split_last(&p.path);
        // The parent directories, created as needed. A lower layer's non-directory in the way
        // is replaced by a directory (as overlayfs shows a layer's directory over a lower
        // file); one of this same layer is a conflict.
        let mut cur = self.tree.root();
        for c in dir_path.split(|&b| b == b'/').filter(|c| !c.is_empty()) {
            match self.tree.child(cur, os(c)) {
                Some(id) if self.tree.is_dir(id) => cur = id,
                Some(id) => {
                    if self.tree.layer_of(id) == layer {
                        self.problem(format!(
                            "{what}: member `{}` skipped: a parent is not a directory in the same layer",
                            shown()
                        ));
                        return Ok(false);
                    }
                    let replaced = self.replaced_by(id, layer);
                    self.tree.remove(id);
                    cur = self.insert(cur, c, implied_dir(layer, replaced), what)?;
                }
                None => cur = self.insert(cur, c, implied_dir(layer, None), what)?,
            }
        }
        let existing = self.tree.child(cur, os(base));
        let data = match p.op {
            Op::Dir => {
                if let Some(id) = existing
                    && self.tree.is_dir(id)
                {
                    self.tree.redeclare_dir(id, p.mode, p.mtime, layer);
                    return Ok(true);
                }
                Data::Dir(BTreeMap::new())
            }
            Op::File {
                source,
                offset,
                len,
            } => Data::File {
                source,
                offset,
                len,
            },
            Op::Symlink(t) => Data::Symlink(t),
            Op::CharDevice => Data::CharDevice,
            Op::BlockDevice => Data::BlockDevice,
            Op::Fifo => Data::Fifo,
            Op::HardLink(target) => {
                let found = self.find(&target);
                let data = found.and_then(|id| match self.tree.data(id) {
                    Data::File {
                        source,
                        offset,
                        len,
                    } => Some(Data::File {
                        source: *source,
                        offset: *offset,
                        len: *len,
                    }),
                    Data::Symlink(t) => Some(Data::Symlink(t.clone())),
                    Data::CharDevice => Some(Data::CharDevice),
                    Data::BlockDevice => Some(Data::BlockDevice),
                    Data::Fifo => Some(Data::Fifo),
                    Data::Dir(_) | Data::Dead => None,
                });
                let Some(data) = data else {
                    self.problem(format!(
                        "{what}: hard link `{}` skipped: its target `{}` is not a file in the image at that point",
                        shown(),
                        String::from_utf8_lossy(&target)
                    ));
                    return Ok(false);
                };
                if found == existing {
                    // A link to itself: nothing changes.
                    return Ok(true);
                }
                data
            }
        };
        let replaced = existing.and_then(|id| {
            let r = self.replaced_by(id, layer);
            self.tree.remove(id);
            r
        });
        self.insert(
            cur,
            base,
            NewNode {
                mode: p.mode,
                mtime: p.mtime,
                layer,
                replaced,
                data,
            },
            what,
        )?;
        Ok(true)
    }

    /// What `replaced_layer` a node of `layer` gets when it takes the place of `old`.
    fn replaced_by(&self, old: NodeId, layer: u32) -> Option<u32> {
        let l = self.tree.layer_of(old);
        if l < layer {
            Some(l)
        } else {
            self.tree.replaced_of(old)
        }
    }

    fn insert(
        &mut self,
        dir: NodeId,
        name: &[u8],
        node: NewNode,
        what: &str,
    ) -> Result<NodeId, ImageError> {
        self.tree
            .insert(dir, os(name), node)
            .ok_or_else(|| self.too_many_nodes(what))
    }
}

fn implied_dir(layer: u32, replaced: Option<u32>) -> NewNode {
    NewNode {
        mode: 0o755,
        mtime: 0,
        layer,
        replaced,
        data: Data::Dir(BTreeMap::new()),
    }
}

/// A layer member's name normalised: leading `./` and `/` stripped, empty and `.` components
/// dropped; `None` for a `..` component or a NUL.
fn normalise_member(name: &[u8]) -> Option<Vec<u8>> {
    if name.contains(&0) {
        return None;
    }
    let mut out: Vec<u8> = Vec::with_capacity(name.len());
    for c in name.split(|&b| b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => return None,
            c => {
                if !out.is_empty() {
                    out.push(b'/');
                }
                out.extend_from_slice(c);
            }
        }
    }
    Some(out)
}

/// `(directory, last component)` of a normalised path.
fn split_last(path: &[u8]) -> (&[u8], &[u8]) {
    match path.iter().rposition(|&b| b == b'/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => (&[], path),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn member_names() {
        assert_eq!(
            normalise_member(b"./usr//lib/").as_deref(),
            Some(&b"usr/lib"[..])
        );
        assert_eq!(
            normalise_member(b"/etc/passwd").as_deref(),
            Some(&b"etc/passwd"[..])
        );
        assert_eq!(normalise_member(b"a/../../etc"), None);
        assert_eq!(normalise_member(b"./").as_deref(), Some(&b""[..]));
        assert_eq!(split_last(b"a/b/c"), (&b"a/b"[..], &b"c"[..]));
        assert_eq!(split_last(b"c"), (&b""[..], &b"c"[..]));
    }

    #[test]
    fn tree_nodes_cap_is_an_error_naming_the_archive() {
        let opts = OpenOptions::default();
        let mut b = Builder::new("img.tar".to_owned(), &opts);
        let root = b.tree.root();
        for i in 1..limits::TREE_NODES {
            let name = i.to_string();
            b.tree
                .insert(root, os(name.as_bytes()), implied_dir(0, None))
                .unwrap();
        }
        let mut tar = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(1);
        h.set_mode(0o644);
        tar.append_data(&mut h, "one-too-many", &b"x"[..]).unwrap();
        let bytes = tar.into_inner().unwrap();
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(&bytes).unwrap();
        let blob = Blob {
            file: Arc::new(f),
            offset: 0,
            len: bytes.len() as u64,
            digest: None,
            media_type: None,
        };
        let err = b.apply(0, 1, &blob, None).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("`img.tar`") && msg.contains("TREE_NODES"),
            "{msg}"
        );
    }
}
