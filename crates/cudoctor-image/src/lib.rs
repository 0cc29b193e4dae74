//! Container images read from local storage into a virtual tree, for cudoctor's probe to
//! inspect as it would a directory.
//!
//! [`open`] reads a `docker save` archive (docker-archive), an OCI archive or an OCI layout
//! directory (and, through [`from_parts`], an image a registry or engine client fetched), applies
//! its layers in order with OCI whiteout semantics, and returns an [`Image`]: a [`Tree`] (path →
//! node; a file's content is a region of an open file) and the [`ImageInfo`] its config gives.
//! Uncompressed layers are indexed by seeking over their tar headers, so a large layer costs
//! nothing until a file is read; gzip and zstd layers are decompressed once and their files'
//! content spooled to one unnamed temporary file, which vanishes with the [`Image`].
//!
//! What it deliberately does not do: it never extracts anything to disk, never follows a link
//! (in an archive or in a layer) out of the image, never runs anything from it, and never
//! talks to a registry or an engine (the [`Reference::Registry`] and [`Reference::Engine`] forms
//! are parsed here and fetched elsewhere). Every size it reads is bounded ([`limits`]).

mod archive;
pub mod config;
pub mod error;
mod layer;
pub mod limits;
pub mod reference;
mod source;
pub mod tree;

use std::fs::File;
use std::io;
use std::path::Path;
use std::sync::Arc;

pub use config::{History, ImageInfo, LayerInfo, Whiteout};
pub use error::ImageError;
pub use reference::{Reference, ReferenceError};
pub use tree::{Content, NodeId, NodeKind, Stat, Tree, TreeError};

use crate::archive::OuterArchive;

/// How to open an image.
#[derive(Clone, Default)]
pub struct OpenOptions<'a> {
    /// `os/arch[/variant]` to pick from an image index; `linux/amd64` when `None`.
    pub platform: Option<String>,
    /// Called at the start and the end of each layer, and every 8 MiB of a compressed one.
    pub progress: Option<&'a dyn Fn(Progress)>,
    /// Also hash uncompressed layers (whose content is otherwise never read while opening)
    /// against their digest and diff ID. Compressed layers are always verified, since they are
    /// read in full anyway. Default `false`: verifying reads every byte of the image.
    pub verify_digests: bool,
}

impl std::fmt::Debug for OpenOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenOptions")
            .field("platform", &self.platform)
            .field("progress", &self.progress.is_some())
            .field("verify_digests", &self.verify_digests)
            .finish()
    }
}

/// Where reading is: layer `layer` of `layers`, `bytes` of its blob's `total` done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// The layer's index, bottom first.
    pub layer: usize,
    /// How many layers there are.
    pub layers: usize,
    /// Bytes of the layer's blob done.
    pub bytes: u64,
    /// Bytes of the layer's blob.
    pub total: Option<u64>,
}

/// An image given as parts (the registry client and the engine client produce these).
#[derive(Debug, Clone)]
pub struct Parts {
    /// The reference, canonical form (for [`ImageInfo::reference`] and messages).
    pub reference: String,
    /// `docker-archive`, `oci-archive`, `oci`, `docker` or `docker-daemon`.
    pub transport: String,
    /// The manifest's digest, where known.
    pub manifest_digest: Option<String>,
    /// The config JSON.
    pub config: Vec<u8>,
    /// The config's digest, where known (checked against `config` when it is `sha256:`).
    pub config_digest: Option<String>,
    /// The layers, bottom first.
    pub layers: Vec<Blob>,
    /// The names the source gives the image: a `docker save` archive's `RepoTags`, the
    /// `org.opencontainers.image.ref.name` of an OCI index entry, a registry reference.
    pub tags: Vec<String>,
}

/// A blob: `len` bytes at `offset` in `file`.
#[derive(Debug, Clone)]
pub struct Blob {
    /// The file holding it.
    pub file: Arc<File>,
    /// Where it starts.
    pub offset: u64,
    /// Its size.
    pub len: u64,
    /// `sha256:...`: verified whenever the bytes are read in full (compressed layers always;
    /// uncompressed ones with [`OpenOptions::verify_digests`]).
    pub digest: Option<String>,
    /// The descriptor's media type, where there is one.
    pub media_type: Option<String>,
}

/// An image read: the merged tree, what it says about itself, what was skipped.
#[derive(Debug)]
pub struct Image {
    /// The merged filesystem.
    pub tree: Tree,
    /// The config's metadata and what reading each layer found.
    pub info: ImageInfo,
    /// Members skipped and why, each naming the member and the layer.
    pub problems: Vec<String>,
}

/// Opens a local image: [`Reference::Auto`], `DockerArchive`, `OciArchive`, `OciLayout` or
/// `Stdin` (spooled to an unnamed temporary file first). `Registry` and `Engine` give
/// [`ImageError::NotLocal`].
pub fn open(reference: &Reference, opts: &OpenOptions) -> Result<Image, ImageError> {
    let canonical = reference.to_string();
    match reference {
        Reference::Registry { .. } | Reference::Engine { .. } => Err(ImageError::NotLocal {
            reference: canonical,
        }),
        Reference::Stdin => {
            let mut spool = tempfile::tempfile()
                .map_err(|e| ImageError::io("create", "an unnamed temporary file", e))?;
            io::copy(&mut io::stdin().lock(), &mut spool)
                .map_err(|e| ImageError::io("read", "stdin", e))?;
            open_docker_archive_file(spool, "-", opts)
        }
        Reference::DockerArchive(path) => {
            let (outer, name) = open_outer(path)?;
            let mut problems = Vec::new();
            let parts = source::docker_archive(outer, canonical, opts, &mut problems)?;
            build(parts, &name, opts, problems)
        }
        Reference::OciArchive { path, reference } => {
            let (outer, name) = open_outer(path)?;
            let mut problems = Vec::new();
            let mut parts = source::oci(
                &source::Store::Archive(outer),
                reference.as_deref(),
                canonical,
                opts,
                &mut problems,
            )?;
            "oci-archive".clone_into(&mut parts.transport);
            build(parts, &name, opts, problems)
        }
        Reference::OciLayout { dir, reference } => {
            open_layout(dir, reference.as_deref(), canonical, opts)
        }
        Reference::Auto(path) => {
            let meta =
                std::fs::metadata(path).map_err(|e| ImageError::io("stat", path.display(), e))?;
            if meta.is_dir() {
                return open_layout(path, None, canonical, opts);
            }
            let (outer, name) = open_outer(path)?;
            let mut problems = Vec::new();
            let parts = if outer.has("manifest.json") {
                source::docker_archive(outer, canonical, opts, &mut problems)?
            } else if outer.has("index.json") {
                let mut parts = source::oci(
                    &source::Store::Archive(outer),
                    None,
                    canonical,
                    opts,
                    &mut problems,
                )?;
                "oci-archive".clone_into(&mut parts.transport);
                parts
            } else {
                return Err(ImageError::NotAnImage {
                    archive: name,
                    why: "it has neither `manifest.json` (docker-archive) nor `index.json` (OCI)"
                        .to_owned(),
                });
            };
            build(parts, &name, opts, problems)
        }
    }
}

fn open_layout(
    dir: &Path,
    reference: Option<&str>,
    canonical: String,
    opts: &OpenOptions,
) -> Result<Image, ImageError> {
    let name = dir.display().to_string();
    let meta = std::fs::metadata(dir).map_err(|e| ImageError::io("stat", &name, e))?;
    if !meta.is_dir() {
        return Err(ImageError::NotAnImage {
            archive: name,
            why: "an OCI layout is a directory".to_owned(),
        });
    }
    let mut problems = Vec::new();
    let parts = source::oci(
        &source::layout_dir(dir),
        reference,
        canonical,
        opts,
        &mut problems,
    )?;
    build(parts, &name, opts, problems)
}

/// The outer archive at `path`, decompressed first if it is gzip, and indexed.
fn open_outer(path: &Path) -> Result<(OuterArchive, String), ImageError> {
    let name = path.display().to_string();
    let file = File::open(path).map_err(|e| ImageError::io("open", &name, e))?;
    let meta = file
        .metadata()
        .map_err(|e| ImageError::io("stat", &name, e))?;
    if !meta.is_file() {
        return Err(ImageError::NotAnImage {
            archive: name,
            why: "not a regular file".to_owned(),
        });
    }
    let file = source::uncompressed_outer(file, &name)?;
    let outer = OuterArchive::index(Arc::new(file), name.clone())?;
    Ok((outer, name))
}

/// Reads a `docker save` stream already in a file (`-` spooled, or an engine's
/// `/images/{name}/get` answer); `name` is used in messages and as the reference.
pub fn open_docker_archive_file(
    file: File,
    name: &str,
    opts: &OpenOptions,
) -> Result<Image, ImageError> {
    let file = source::uncompressed_outer(file, name)?;
    let outer = OuterArchive::index(Arc::new(file), name.to_owned())?;
    let mut problems = Vec::new();
    let parts = source::docker_archive(outer, name.to_owned(), opts, &mut problems)?;
    build(parts, name, opts, problems)
}

/// Reads an image given as parts: parses the config, applies the layers.
pub fn from_parts(parts: Parts, opts: &OpenOptions) -> Result<Image, ImageError> {
    let name = parts.reference.clone();
    build(parts, &name, opts, Vec::new())
}

fn build(
    parts: Parts,
    name: &str,
    opts: &OpenOptions,
    problems: Vec<String>,
) -> Result<Image, ImageError> {
    if parts.layers.len() > limits::LAYERS {
        return Err(ImageError::TooLarge {
            archive: name.to_owned(),
            what: format!("the layer count ({})", parts.layers.len()),
            cap: "LAYERS",
            limit: limits::LAYERS as u64,
        });
    }
    if parts.config.len() as u64 > limits::CONFIG_BYTES {
        return Err(ImageError::TooLarge {
            archive: name.to_owned(),
            what: format!("the config ({} bytes)", parts.config.len()),
            cap: "CONFIG_BYTES",
            limit: limits::CONFIG_BYTES,
        });
    }
    if let Some(d) = &parts.config_digest
        && d.starts_with("sha256:")
    {
        let actual = source::sha256_of(&parts.config);
        if &actual != d {
            return Err(ImageError::DigestMismatch {
                archive: name.to_owned(),
                what: "the config".to_owned(),
                expected: d.clone(),
                actual,
            });
        }
    }
    let config: config::Config =
        config::parse_json(&parts.config).map_err(|detail| ImageError::Json {
            archive: name.to_owned(),
            what: "the config".to_owned(),
            detail,
        })?;
    let mut info = ImageInfo::from_config(&config);
    info.reference = parts.reference;
    info.transport = parts.transport;
    info.manifest_digest = parts.manifest_digest;
    info.config_digest = parts.config_digest;
    info.tags = parts.tags;
    let diff_ids = &config.rootfs.diff_ids;
    let mut b = layer::Builder::new(name.to_owned(), opts);
    for p in problems {
        b.problem(p);
    }
    if !diff_ids.is_empty() && diff_ids.len() != parts.layers.len() {
        b.problem(format!(
            "`{name}`: the config lists {} diff IDs for {} layers; diff IDs not checked",
            diff_ids.len(),
            parts.layers.len()
        ));
    }
    let use_diff_ids = diff_ids.len() == parts.layers.len();
    let n = parts.layers.len();
    for (i, blob) in parts.layers.iter().enumerate() {
        let diff_id = if use_diff_ids {
            Some(diff_ids[i].as_str())
        } else {
            None
        };
        let mut l = b.apply(i as u32, n, blob, diff_id)?;
        l.created_by = info.created_by_for_layer(i);
        info.layers.push(l);
    }
    let (tree, problems, whiteouts) = b.finish()?;
    info.whiteouts = whiteouts;
    Ok(Image {
        tree,
        info,
        problems,
    })
}
