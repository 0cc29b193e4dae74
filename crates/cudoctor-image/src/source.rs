//! The local forms: a docker-archive, an OCI archive, an OCI layout directory. Each is turned
//! into [`Parts`] (config bytes and layer blobs as regions of open files) for
//! [`crate::from_parts`].

use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::archive::{OuterArchive, read_region, starts_with};
use crate::config::{Descriptor, DockerManifestEntry, Index, Manifest, parse_json};
use crate::error::ImageError;
use crate::limits;
use crate::{Blob, OpenOptions, Parts};

/// Media types of image indexes (OCI) and manifest lists (Docker).
const INDEX_TYPES: &[&str] = &[
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
];
/// Media types of image manifests.
const MANIFEST_TYPES: &[&str] = &[
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];
/// Media types of layers (each also with `+gzip` / `+zstd` / `.gzip` / `.zstd` forms).
const LAYER_TYPES: &[&str] = &[
    "application/vnd.oci.image.layer.v1.tar",
    "application/vnd.oci.image.layer.nondistributable.v1.tar",
    "application/vnd.docker.image.rootfs.diff.tar",
    "application/vnd.docker.image.rootfs.foreign.diff.tar",
];

pub(crate) fn is_layer_type(t: &str) -> bool {
    let base = t
        .strip_suffix("+gzip")
        .or_else(|| t.strip_suffix("+zstd"))
        .or_else(|| t.strip_suffix(".gzip"))
        .or_else(|| t.strip_suffix(".zstd"))
        .unwrap_or(t);
    LAYER_TYPES.contains(&base)
}

pub(crate) fn sha256_of(bytes: &[u8]) -> String {
    sha256_hex(&Sha256::digest(bytes))
}

/// `sha256:` and the digest in lowercase hex.
pub(crate) fn sha256_hex(d: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(7 + 2 * d.len());
    s.push_str("sha256:");
    for b in d {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// An uncompressed copy of a gzip-compressed outer archive (`docker save | gzip`), in an
/// unnamed temporary file; the file itself when it is not compressed.
pub(crate) fn uncompressed_outer(file: File, name: &str) -> Result<File, ImageError> {
    if !starts_with(&file, &[0x1f, 0x8b]) {
        return Ok(file);
    }
    let len = file
        .metadata()
        .map_err(|e| ImageError::io("stat", name, e))?
        .len();
    let limit = len
        .saturating_mul(limits::DECOMPRESSION_RATIO)
        .clamp(limits::DECOMPRESSION_FLOOR, limits::SPOOL_BYTES);
    let mut out = tempfile::tempfile()
        .map_err(|e| ImageError::io("create", "an unnamed temporary file", e))?;
    let dec = flate2::read::MultiGzDecoder::new(crate::archive::Window::new(&file, 0, len));
    let copied = io::copy(&mut io::Read::take(dec, limit + 1), &mut out).map_err(|e| {
        ImageError::Decompress {
            archive: name.to_owned(),
            what: "the gzip-compressed archive".to_owned(),
            detail: e.to_string(),
        }
    })?;
    if copied > limit {
        return Err(ImageError::Bomb {
            archive: name.to_owned(),
            digest: "(the outer archive)".to_owned(),
            compressed: len,
            limit,
            ratio: limits::DECOMPRESSION_RATIO,
        });
    }
    Ok(out)
}

/// Where blobs live.
pub(crate) enum Store {
    Archive(OuterArchive),
    Dir {
        dir: PathBuf,
        name: String,
        open: std::cell::RefCell<HashMap<String, Arc<File>>>,
    },
}

/// A blob located: a region of an open file.
pub(crate) struct Located {
    pub(crate) file: Arc<File>,
    pub(crate) offset: u64,
    pub(crate) len: u64,
}

impl Store {
    pub(crate) fn name(&self) -> &str {
        match self {
            Store::Archive(a) => &a.name,
            Store::Dir { name, .. } => name,
        }
    }

    /// A layout file (`index.json`, `oci-layout`) read whole, `None` if absent.
    fn read_file(
        &self,
        member: &str,
        cap: u64,
        cap_name: &'static str,
    ) -> Result<Option<Vec<u8>>, ImageError> {
        match self {
            Store::Archive(a) => a.read(member, cap, cap_name),
            Store::Dir { dir, name, .. } => {
                let f = match open_in_layout(dir, member) {
                    Ok(f) => f,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
                    Err(e) => return Err(ImageError::io("open", format!("{name}/{member}"), e)),
                };
                let len = f
                    .metadata()
                    .map_err(|e| ImageError::io("stat", format!("{name}/{member}"), e))?
                    .len();
                if len > cap {
                    return Err(ImageError::TooLarge {
                        archive: name.clone(),
                        what: format!("`{member}` ({len} bytes)"),
                        cap: cap_name,
                        limit: cap,
                    });
                }
                read_region(&f, 0, len)
                    .map(Some)
                    .map_err(|e| ImageError::io("read", format!("{name}/{member}"), e))
            }
        }
    }

    /// The blob `digest` (`alg:hex`), `None` if absent.
    fn locate(&self, digest: &str) -> Result<Option<Located>, ImageError> {
        let Some(rel) = blob_path(digest) else {
            return Err(ImageError::Invalid {
                archive: self.name().to_owned(),
                what: format!("`{digest}` is not a valid digest"),
            });
        };
        match self {
            Store::Archive(a) => Ok(a.locate(&rel).map(|(offset, len)| Located {
                file: Arc::clone(&a.file),
                offset,
                len,
            })),
            Store::Dir { dir, name, open } => {
                if let Some(f) = open.borrow().get(digest) {
                    let len = f
                        .metadata()
                        .map_err(|e| ImageError::io("stat", format!("{name}/{rel}"), e))?
                        .len();
                    return Ok(Some(Located {
                        file: Arc::clone(f),
                        offset: 0,
                        len,
                    }));
                }
                let f = match open_in_layout(dir, &rel) {
                    Ok(f) => f,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
                    Err(e) => return Err(ImageError::io("open", format!("{name}/{rel}"), e)),
                };
                let meta = f
                    .metadata()
                    .map_err(|e| ImageError::io("stat", format!("{name}/{rel}"), e))?;
                if !meta.is_file() {
                    return Ok(None);
                }
                let f = Arc::new(f);
                open.borrow_mut().insert(digest.to_owned(), Arc::clone(&f));
                Ok(Some(Located {
                    file: f,
                    offset: 0,
                    len: meta.len(),
                }))
            }
        }
    }

    /// A small blob (manifest, index, config) read whole and checked against its digest.
    fn read_blob(
        &self,
        d: &Descriptor,
        what: &str,
        cap: u64,
        cap_name: &'static str,
    ) -> Result<Vec<u8>, ImageError> {
        let Some(loc) = self.locate(&d.digest)? else {
            return Err(ImageError::Missing {
                archive: self.name().to_owned(),
                what: format!("{what} names blob `{}`", d.digest),
            });
        };
        if loc.len > cap {
            return Err(ImageError::TooLarge {
                archive: self.name().to_owned(),
                what: format!("{what} `{}` ({} bytes)", d.digest, loc.len),
                cap: cap_name,
                limit: cap,
            });
        }
        let bytes = read_region(&loc.file, loc.offset, loc.len).map_err(|e| {
            ImageError::io("read", format!("{}` blob `{}", self.name(), d.digest), e)
        })?;
        if d.digest.starts_with("sha256:") {
            let actual = sha256_of(&bytes);
            if actual != d.digest {
                return Err(ImageError::DigestMismatch {
                    archive: self.name().to_owned(),
                    what: what.to_owned(),
                    expected: d.digest.clone(),
                    actual,
                });
            }
        }
        Ok(bytes)
    }
}

/// `blobs/<alg>/<hex>` for a well-formed digest (so a digest can never name a path elsewhere).
fn blob_path(digest: &str) -> Option<String> {
    let (alg, hex) = digest.split_once(':')?;
    let alg_ok = !alg.is_empty()
        && alg
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+._-".contains(&b))
        && !alg.starts_with('.');
    let hex_ok = !hex.is_empty() && hex.len() <= 256 && hex.bytes().all(|b| b.is_ascii_hexdigit());
    (alg_ok && hex_ok).then(|| format!("blobs/{alg}/{hex}"))
}

/// Opens `rel` (`index.json`, `blobs/sha256/<hex>`) inside a layout directory without
/// following a symlink anywhere below `dir`: the directories on the way must be real ones, and
/// the file is opened `O_NOFOLLOW`. (A rename racing this check could still swap a directory;
/// the layout is the user's own directory, not an archive from elsewhere.)
fn open_in_layout(dir: &Path, rel: &str) -> io::Result<File> {
    let mut p = dir.to_path_buf();
    let parts: Vec<&str> = rel.split('/').collect();
    for c in &parts[..parts.len() - 1] {
        p.push(c);
        if p.symlink_metadata()?.file_type().is_symlink() {
            return Err(io::Error::other(format!(
                "`{}` is a symlink inside the layout; not followed",
                p.display()
            )));
        }
    }
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(0o400_000) // O_NOFOLLOW: a symlinked blob is ELOOP, never followed
        .open(dir.join(rel))
}

/// A docker-archive (or, when it has no `manifest.json`, its OCI `index.json`).
pub(crate) fn docker_archive(
    archive: OuterArchive,
    reference: String,
    opts: &OpenOptions,
    problems: &mut Vec<String>,
) -> Result<Parts, ImageError> {
    let name = archive.name.clone();
    let Some(bytes) = archive.read("manifest.json", limits::MANIFEST_BYTES, "MANIFEST_BYTES")?
    else {
        if archive.has("index.json") {
            let mut parts = oci(&Store::Archive(archive), None, reference, opts, problems)?;
            "docker-archive".clone_into(&mut parts.transport);
            return Ok(parts);
        }
        return Err(ImageError::NotAnImage {
            archive: name,
            why: "it has neither `manifest.json` nor `index.json`".to_owned(),
        });
    };
    let entries: Vec<DockerManifestEntry> =
        parse_json(&bytes).map_err(|detail| ImageError::Json {
            archive: name.clone(),
            what: "`manifest.json`".to_owned(),
            detail,
        })?;
    let Some(entry) = entries.first() else {
        return Err(ImageError::Invalid {
            archive: name,
            what: "`manifest.json` lists no image".to_owned(),
        });
    };
    if entries.len() > 1 {
        problems.push(format!(
            "`{name}` holds {} images; read the first ({})",
            entries.len(),
            if entry.repo_tags.is_empty() {
                "untagged".to_owned()
            } else {
                entry.repo_tags.join(", ")
            }
        ));
    }
    let Some(config) = archive.read(&entry.config, limits::CONFIG_BYTES, "CONFIG_BYTES")? else {
        return Err(ImageError::Missing {
            archive: name,
            what: format!("`manifest.json` names config `{}`", entry.config),
        });
    };
    let mut layers = Vec::with_capacity(entry.layers.len());
    if entry.layers.len() > limits::LAYERS {
        return Err(too_many_layers(&name, entry.layers.len()));
    }
    for l in &entry.layers {
        let Some((offset, len)) = archive.locate(l) else {
            return Err(ImageError::Missing {
                archive: name,
                what: format!("`manifest.json` names layer `{l}`"),
            });
        };
        layers.push(Blob {
            file: Arc::clone(&archive.file),
            offset,
            len,
            digest: digest_from_member(l),
            media_type: None,
        });
    }
    let config_digest = Some(sha256_of(&config));
    Ok(Parts {
        reference,
        transport: "docker-archive".to_owned(),
        manifest_digest: None,
        config,
        config_digest,
        layers,
        tags: entry.repo_tags.clone(),
    })
}

/// `blobs/sha256/<hex>` (Docker 25+) names its digest; `<id>/layer.tar` does not.
fn digest_from_member(m: &str) -> Option<String> {
    let hex = m.strip_prefix("blobs/sha256/")?;
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then(|| format!("sha256:{hex}"))
}

fn too_many_layers(name: &str, n: usize) -> ImageError {
    ImageError::TooLarge {
        archive: name.to_owned(),
        what: format!("the layer count ({n})"),
        cap: "LAYERS",
        limit: limits::LAYERS as u64,
    }
}

/// An OCI layout (in an archive or a directory): `index.json` to a manifest, for the
/// reference or platform asked.
pub(crate) fn oci(
    store: &Store,
    wanted_ref: Option<&str>,
    reference: String,
    opts: &OpenOptions,
    problems: &mut Vec<String>,
) -> Result<Parts, ImageError> {
    let name = store.name().to_owned();
    match store.read_file("oci-layout", limits::OCI_LAYOUT_BYTES, "OCI_LAYOUT_BYTES")? {
        Some(b) => {
            let v: serde_json::Value = parse_json(&b).map_err(|detail| ImageError::Json {
                archive: name.clone(),
                what: "`oci-layout`".to_owned(),
                detail,
            })?;
            let version = v.get("imageLayoutVersion").and_then(|v| v.as_str());
            if version.is_none_or(|v| !v.starts_with("1.")) {
                problems.push(format!(
                    "`{name}`: `oci-layout` has imageLayoutVersion {version:?}; read as 1.0"
                ));
            }
        }
        None => problems.push(format!(
            "`{name}` has no `oci-layout` file; read as OCI 1.0"
        )),
    }
    let Some(index) = store.read_file("index.json", limits::INDEX_BYTES, "INDEX_BYTES")? else {
        return Err(ImageError::NotAnImage {
            archive: name,
            why: "it has no `index.json`".to_owned(),
        });
    };
    let index: Index = parse_json(&index).map_err(|detail| ImageError::Json {
        archive: name.clone(),
        what: "`index.json`".to_owned(),
        detail,
    })?;
    let platform = opts.platform.as_deref().unwrap_or("linux/amd64");
    let mut candidates = index.manifests;
    if let Some(r) = wanted_ref {
        let all: Vec<String> = candidates
            .iter()
            .filter_map(|d| d.annotations.get(REF_NAME).cloned())
            .collect();
        candidates.retain(|d| {
            d.annotations
                .get(REF_NAME)
                .is_some_and(|n| n == r || n.rsplit_once(':').is_some_and(|(_, t)| t == r))
        });
        if candidates.is_empty() {
            return Err(ImageError::NoMatch {
                archive: name,
                wanted: format!("reference `{r}`"),
                available: describe_list(&all),
            });
        }
    }
    let mut what = "`index.json`".to_owned();
    for _depth in 0..=limits::INDEX_DEPTH {
        let d = pick(&name, &candidates, platform, &what, problems)?;
        let mt = d.media_type.clone().unwrap_or_default();
        if INDEX_TYPES.contains(&mt.as_str()) {
            let bytes = store.read_blob(
                &d,
                &format!("{what} entry"),
                limits::INDEX_BYTES,
                "INDEX_BYTES",
            )?;
            let idx: Index = parse_json(&bytes).map_err(|detail| ImageError::Json {
                archive: name.clone(),
                what: format!("image index `{}`", d.digest),
                detail,
            })?;
            candidates = idx.manifests;
            what = format!("image index `{}`", d.digest);
            continue;
        }
        if !mt.is_empty() && !MANIFEST_TYPES.contains(&mt.as_str()) {
            return Err(ImageError::UnknownMediaType {
                archive: name,
                what: format!("{what} entry `{}`", d.digest),
                media_type: mt,
            });
        }
        return manifest(store, &d, reference);
    }
    Err(ImageError::TooLarge {
        archive: name,
        what: "the nesting of image indexes".to_owned(),
        cap: "INDEX_DEPTH",
        limit: limits::INDEX_DEPTH as u64,
    })
}

const REF_NAME: &str = "org.opencontainers.image.ref.name";

fn describe_list(v: &[String]) -> String {
    if v.is_empty() {
        "none".to_owned()
    } else {
        v.iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The descriptor for `platform` (`os/arch[/variant]`) among `candidates`.
fn pick(
    name: &str,
    candidates: &[Descriptor],
    platform: &str,
    what: &str,
    problems: &mut Vec<String>,
) -> Result<Descriptor, ImageError> {
    let mut parts = platform.split('/');
    let (os, arch, variant) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next(),
    );
    match candidates {
        [] => Err(ImageError::Invalid {
            archive: name.to_owned(),
            what: format!("{what} lists no manifest"),
        }),
        [only] if only.platform.is_none() => Ok(only.clone()),
        _ => {
            let matching: Vec<&Descriptor> = candidates
                .iter()
                .filter(|d| {
                    d.platform.as_ref().is_some_and(|p| {
                        p.os == os
                            && p.architecture == arch
                            && variant.is_none_or(|v| p.variant.as_deref() == Some(v))
                    })
                })
                .collect();
            if let Some(first) = matching.first() {
                return Ok((*first).clone());
            }
            let unlabelled: Vec<&Descriptor> =
                candidates.iter().filter(|d| d.platform.is_none()).collect();
            if let Some(first) = unlabelled.first() {
                if candidates.len() > 1 {
                    problems.push(format!(
                        "`{name}`: {what} lists {} manifests and none says platform {platform}; read the first without a platform (`{}`)",
                        candidates.len(),
                        first.digest
                    ));
                }
                return Ok((*first).clone());
            }
            let available: Vec<String> = candidates
                .iter()
                .filter_map(|d| d.platform.as_ref())
                .map(|p| match &p.variant {
                    Some(v) => format!("{}/{}/{v}", p.os, p.architecture),
                    None => format!("{}/{}", p.os, p.architecture),
                })
                .collect();
            Err(ImageError::NoMatch {
                archive: name.to_owned(),
                wanted: format!("platform {platform}"),
                available: describe_list(&available),
            })
        }
    }
}

/// An image manifest to its config and layers.
fn manifest(store: &Store, d: &Descriptor, reference: String) -> Result<Parts, ImageError> {
    let name = store.name().to_owned();
    let bytes = store.read_blob(d, "the manifest", limits::MANIFEST_BYTES, "MANIFEST_BYTES")?;
    let m: Manifest = parse_json(&bytes).map_err(|detail| ImageError::Json {
        archive: name.clone(),
        what: format!("manifest `{}`", d.digest),
        detail,
    })?;
    if let Some(mt) = &m.media_type
        && !MANIFEST_TYPES.contains(&mt.as_str())
    {
        return Err(ImageError::UnknownMediaType {
            archive: name,
            what: format!("manifest `{}`", d.digest),
            media_type: mt.clone(),
        });
    }
    if m.layers.len() > limits::LAYERS {
        return Err(too_many_layers(&name, m.layers.len()));
    }
    let config = store.read_blob(
        &m.config,
        "the config",
        limits::CONFIG_BYTES,
        "CONFIG_BYTES",
    )?;
    let mut layers = Vec::with_capacity(m.layers.len());
    for (i, l) in m.layers.iter().enumerate() {
        if let Some(mt) = &l.media_type
            && !is_layer_type(mt)
        {
            return Err(ImageError::UnknownMediaType {
                archive: name,
                what: format!("layer {i} (`{}`)", l.digest),
                media_type: mt.clone(),
            });
        }
        let Some(loc) = store.locate(&l.digest)? else {
            return Err(ImageError::Missing {
                archive: name,
                what: format!("manifest `{}` names layer blob `{}`", d.digest, l.digest),
            });
        };
        if let Some(size) = l.size
            && size != loc.len
        {
            return Err(ImageError::Truncated {
                archive: name,
                what: format!(
                    "layer blob `{}` has {} bytes, its descriptor says {size}",
                    l.digest, loc.len
                ),
            });
        }
        layers.push(Blob {
            file: loc.file,
            offset: loc.offset,
            len: loc.len,
            digest: Some(l.digest.clone()),
            media_type: l.media_type.clone(),
        });
    }
    Ok(Parts {
        reference,
        transport: "oci".to_owned(),
        manifest_digest: Some(d.digest.clone()),
        config,
        config_digest: Some(m.config.digest.clone()),
        layers,
        tags: d.annotations.get(REF_NAME).cloned().into_iter().collect(),
    })
}

/// An OCI layout directory.
pub(crate) fn layout_dir(dir: &Path) -> Store {
    Store::Dir {
        dir: dir.to_path_buf(),
        name: dir.display().to_string(),
        open: std::cell::RefCell::new(HashMap::new()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn digests_name_only_blob_paths() {
        assert_eq!(
            blob_path("sha256:abcd").as_deref(),
            Some("blobs/sha256/abcd")
        );
        assert_eq!(blob_path("sha256:../../etc"), None);
        assert_eq!(blob_path("../x:ab"), None);
        assert_eq!(blob_path("sha256:"), None);
        assert!(is_layer_type("application/vnd.oci.image.layer.v1.tar+zstd"));
        assert!(is_layer_type(
            "application/vnd.docker.image.rootfs.diff.tar.gzip"
        ));
        assert!(!is_layer_type("application/vnd.oci.image.config.v1+json"));
    }
}
