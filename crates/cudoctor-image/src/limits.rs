//! Every resource cap of the image reader, in one place, each with its reason.
//!
//! An image is untrusted input: its archives, JSON documents and layers must not make the reader
//! use unbounded time, memory or disk. Hitting a cap is an error naming the archive (or layer
//! digest) and the cap (the constant's name below, so a reader can look it up here); nothing
//! partial is presented as the whole image. The caps are far above anything a real image holds;
//! the figure a real one shows is given with each.

/// Bytes of a `manifest.json` (docker-archive) or an OCI image manifest, read whole. A real one
/// is 1–10 KB.
pub const MANIFEST_BYTES: u64 = 4 << 20;

/// Bytes of an image config (the JSON with `Env`, `history`, `rootfs`), read whole. CUDA images'
/// configs are ~20 KB (their history is long).
pub const CONFIG_BYTES: u64 = 4 << 20;

/// Bytes of an `index.json` or an image index / manifest list, read whole. A multi-platform
/// index is ~2 KB.
pub const INDEX_BYTES: u64 = 4 << 20;

/// Bytes of the small `oci-layout` marker file. A real one is 30 bytes.
pub const OCI_LAYOUT_BYTES: u64 = 64 << 10;

/// Nodes allocated in a [`crate::Tree`] (files, directories, links, including ones a later
/// layer removed). A CUDA devel image with PyTorch holds ~150,000 paths.
pub const TREE_NODES: usize = 2_000_000;

/// Bytes of one member name (after `./` and `/` are stripped): Linux's `PATH_MAX`.
pub const PATH_BYTES: usize = 4096;

/// Bytes of one symlink or hard-link target: Linux's `PATH_MAX`.
pub const LINK_BYTES: usize = 4096;

/// Layers of one image. Docker's own limit is 127 (overlay2 mount options); real images have
/// 5–40.
pub const LAYERS: usize = 256;

/// Members of an outer archive (a docker-archive or an OCI archive) indexed. `docker save` of
/// one image writes ~3 members per layer.
pub const ARCHIVE_MEMBERS: usize = 100_000;

/// How many times its compressed size a layer may expand to (beyond
/// [`DECOMPRESSION_FLOOR`]). gzip's best case is ~1,030x, for runs of zeros; real layers expand
/// 2–5x.
pub const DECOMPRESSION_RATIO: u64 = 200;

/// Bytes any compressed stream may expand to regardless of [`DECOMPRESSION_RATIO`], so that a
/// tiny layer of empty files (512-byte tar headers compress ~300x) is never called a bomb.
pub const DECOMPRESSION_FLOOR: u64 = 64 << 20;

/// Bytes of decompressed file content spooled to the unnamed temporary file of one image, all
/// layers together (and of a gzip-compressed outer archive decompressed before reading). A
/// PyTorch CUDA devel image is ~20 GB uncompressed.
pub const SPOOL_BYTES: u64 = 64 << 30;

/// Whiteouts recorded in [`crate::ImageInfo::whiteouts`] (all are applied; beyond this many
/// only the count per layer is kept, and a problem says so). Real images have a few dozen.
pub const WHITEOUTS_RECORDED: usize = 10_000;

/// Problems recorded in [`crate::Image::problems`]; beyond this one final line says how many
/// more there were.
pub const PROBLEMS_RECORDED: usize = 1_000;

/// Nested image indexes followed from `index.json` to a manifest. Real layouts nest once.
pub const INDEX_DEPTH: usize = 4;
