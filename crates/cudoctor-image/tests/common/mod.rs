//! Builders for synthetic images: layer tars with raw (possibly hostile) member names, and the
//! docker-archive / OCI layout / OCI archive around them.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::format_collect,
    clippy::print_stderr
)]

use std::io::{Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use cudoctor_image::{NodeKind, Tree};
use sha2::{Digest, Sha256};

/// One member of a synthetic layer.
pub enum E<'a> {
    File(&'a str, &'a [u8]),
    Dir(&'a str),
    Symlink(&'a str, &'a str),
    HardLink(&'a str, &'a str),
    Fifo(&'a str),
    Char(&'a str),
    /// A regular file of `n` zero bytes (streamed, never held in memory).
    Zeros(&'a str, u64),
}

/// A tar header with the name and link target written raw (no `..` checks).
pub fn raw_header(name: &[u8], kind: tar::EntryType, size: u64, link: &[u8]) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    {
        let gnu = h.as_gnu_mut().unwrap();
        gnu.name[..name.len()].copy_from_slice(name);
        gnu.linkname[..link.len()].copy_from_slice(link);
    }
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(if kind == tar::EntryType::Directory {
        0o755
    } else {
        0o644
    });
    h.set_mtime(1_700_000_000);
    h.set_cksum();
    h
}

/// A layer tar of `entries`.
pub fn layer(entries: &[E]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        match e {
            E::File(p, data) => {
                let h = raw_header(
                    p.as_bytes(),
                    tar::EntryType::Regular,
                    data.len() as u64,
                    b"",
                );
                b.append(&h, *data).unwrap();
            }
            E::Zeros(p, n) => {
                let h = raw_header(p.as_bytes(), tar::EntryType::Regular, *n, b"");
                b.append(&h, std::io::repeat(0).take(*n)).unwrap();
            }
            E::Dir(p) => {
                let h = raw_header(p.as_bytes(), tar::EntryType::Directory, 0, b"");
                b.append(&h, &[][..]).unwrap();
            }
            E::Symlink(p, t) => {
                let h = raw_header(p.as_bytes(), tar::EntryType::Symlink, 0, t.as_bytes());
                b.append(&h, &[][..]).unwrap();
            }
            E::HardLink(p, t) => {
                let h = raw_header(p.as_bytes(), tar::EntryType::Link, 0, t.as_bytes());
                b.append(&h, &[][..]).unwrap();
            }
            E::Fifo(p) => {
                let h = raw_header(p.as_bytes(), tar::EntryType::Fifo, 0, b"");
                b.append(&h, &[][..]).unwrap();
            }
            E::Char(p) => {
                let h = raw_header(p.as_bytes(), tar::EntryType::Char, 0, b"");
                b.append(&h, &[][..]).unwrap();
            }
        }
    }
    b.into_inner().unwrap()
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// zstd-compressed `data`, with the `zstd` CLI; `None` (and a printed reason) without it.
pub fn zstd(data: &[u8]) -> Option<Vec<u8>> {
    let cli = Path::new("/usr/bin/zstd");
    if !cli.exists() {
        eprintln!("skipped zstd case: /usr/bin/zstd is not installed");
        return None;
    }
    let mut child = std::process::Command::new(cli)
        .args(["-q", "-c", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = data.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input).unwrap());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success());
    Some(out.stdout)
}

pub fn sha256(data: &[u8]) -> String {
    let d = Sha256::digest(data);
    format!(
        "sha256:{}",
        d.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

/// A config JSON for layers whose uncompressed tars are `diff_tars`.
pub fn config_json(diff_ids: &[String], env: &[&str]) -> Vec<u8> {
    let history: Vec<serde_json::Value> = (0..diff_ids.len())
        .map(|i| serde_json::json!({"created_by": format!("layer {i}")}))
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "config": {"Env": env, "User": "1000", "Labels": {"k": "v"}},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history,
    }))
    .unwrap()
}

/// A synthetic image: each layer as stored (maybe compressed) plus its uncompressed tar.
pub struct Layers {
    pub stored: Vec<Vec<u8>>,
    pub diff_ids: Vec<String>,
}

impl Layers {
    pub fn plain(tars: Vec<Vec<u8>>) -> Self {
        let diff_ids = tars.iter().map(|t| sha256(t)).collect();
        Layers {
            stored: tars,
            diff_ids,
        }
    }

    pub fn config(&self) -> Vec<u8> {
        config_json(&self.diff_ids, &["PATH=/usr/bin", "CUDA_VERSION=12.4.1"])
    }
}

/// Appends a member with raw bytes.
fn put(b: &mut tar::Builder<std::fs::File>, name: &str, data: &[u8]) {
    let h = raw_header(
        name.as_bytes(),
        tar::EntryType::Regular,
        data.len() as u64,
        b"",
    );
    b.append(&h, data).unwrap();
}

/// Writes a docker-archive (`manifest.json`, `<sha>.json`, `<i>/layer.tar`) to `path`.
pub fn docker_archive(path: &Path, layers: &Layers, config: &[u8]) -> PathBuf {
    let mut b = tar::Builder::new(std::fs::File::create(path).unwrap());
    let cfg_name = format!("{}.json", &sha256(config)[7..]);
    let names: Vec<String> = (0..layers.stored.len())
        .map(|i| format!("{i}/layer.tar"))
        .collect();
    let manifest = serde_json::json!([{
        "Config": cfg_name, "RepoTags": ["test:1"], "Layers": names,
    }]);
    put(
        &mut b,
        "manifest.json",
        &serde_json::to_vec(&manifest).unwrap(),
    );
    put(&mut b, &cfg_name, config);
    for (n, l) in names.iter().zip(&layers.stored) {
        put(&mut b, n, l);
    }
    b.into_inner().unwrap().sync_all().unwrap();
    path.to_path_buf()
}

/// Writes an OCI layout directory to `dir` with the given layer media types.
pub fn oci_layout(dir: &Path, layers: &Layers, config: &[u8], media_types: &[&str]) -> PathBuf {
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let write_blob = |data: &[u8]| {
        let d = sha256(data);
        std::fs::write(blobs.join(&d[7..]), data).unwrap();
        d
    };
    let cfg = write_blob(config);
    let layer_descs: Vec<serde_json::Value> = layers
        .stored
        .iter()
        .zip(media_types)
        .map(|(l, mt)| serde_json::json!({"mediaType": mt, "digest": write_blob(l), "size": l.len()}))
        .collect();
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cfg, "size": config.len()},
        "layers": layer_descs,
    }))
    .unwrap();
    let m = write_blob(&manifest);
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    std::fs::write(
        dir.join("index.json"),
        serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": m,
                "size": manifest.len(), "annotations": {"org.opencontainers.image.ref.name": "test:1"}}],
        }))
        .unwrap(),
    )
    .unwrap();
    dir.to_path_buf()
}

/// Writes the OCI layout at `dir` into an uncompressed tar at `path`.
pub fn tar_dir(dir: &Path, path: &Path) -> PathBuf {
    let mut b = tar::Builder::new(std::fs::File::create(path).unwrap());
    b.append_dir_all(".", dir).unwrap();
    b.into_inner().unwrap().sync_all().unwrap();
    path.to_path_buf()
}

/// Reads a file's content from the tree.
pub fn read(tree: &Tree, path: &str) -> Vec<u8> {
    let id = tree.lookup(Path::new(path), true).unwrap();
    let c = tree.content(id).unwrap();
    let mut buf = vec![0u8; c.len as usize];
    c.file.read_exact_at(&mut buf, c.offset).unwrap();
    buf
}

/// Every node: path, kind, size, sha256 of content or link target.
pub fn listing(tree: &Tree) -> Vec<String> {
    tree.walk(tree.root())
        .into_iter()
        .map(|id| {
            let st = tree.stat(id);
            let extra = match st.kind {
                NodeKind::File => {
                    let c = tree.content(id).unwrap();
                    let mut buf = vec![0u8; c.len as usize];
                    c.file.read_exact_at(&mut buf, c.offset).unwrap();
                    sha256(&buf)
                }
                NodeKind::Symlink => tree.read_link(id).unwrap().display().to_string(),
                _ => String::new(),
            };
            format!(
                "{} {:?} {} {:o} {}",
                tree.path_of(id).display(),
                st.kind,
                st.size,
                st.mode,
                extra
            )
        })
        .collect()
}
