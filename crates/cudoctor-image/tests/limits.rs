//! Each cap of `cudoctor_image::limits` trips with an error naming the archive and the cap (or,
//! for the recording caps, with a problem saying how many were not recorded).
#![allow(
    clippy::unwrap_used,
    clippy::print_stderr,
    clippy::many_single_char_names,
    clippy::needless_pass_by_value
)]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use common::{E, Layers, docker_archive, gzip, layer, oci_layout, raw_header};
use cudoctor_image::{ImageError, OpenOptions, Reference, limits, open};

fn opts() -> OpenOptions<'static> {
    OpenOptions::default()
}

/// Asserts `err` is `TooLarge` for `cap` and names `archive`.
fn assert_cap(err: &ImageError, cap: &str, archive: &Path) {
    eprintln!("{err}");
    let mut src = std::error::Error::source(err);
    while let Some(s) = src {
        eprintln!("  caused by: {s}");
        src = s.source();
    }
    assert!(matches!(err, ImageError::TooLarge { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains(cap), "{msg}");
    assert!(msg.contains(&format!("`{}`", archive.display())), "{msg}");
}

/// A docker-archive with the given raw members.
fn raw_archive(path: &Path, members: &[(&str, &[u8])]) -> PathBuf {
    let mut b = tar::Builder::new(std::fs::File::create(path).unwrap());
    for (n, d) in members {
        let h = raw_header(n.as_bytes(), tar::EntryType::Regular, d.len() as u64, b"");
        b.append(&h, *d).unwrap();
    }
    b.finish().unwrap();
    path.to_path_buf()
}

fn padded(json: &[u8], to: u64) -> Vec<u8> {
    let mut v = json.to_vec();
    v.resize(usize::try_from(to).unwrap() + 1, b' ');
    v
}

fn one(t: &Path, tar: Vec<u8>) -> (PathBuf, Result<cudoctor_image::Image, ImageError>) {
    let layers = Layers::plain(vec![tar]);
    let p = docker_archive(&t.join("img.tar"), &layers, &layers.config());
    let r = open(&Reference::DockerArchive(p.clone()), &opts());
    (p, r)
}

#[test]
fn manifest_bytes() {
    let t = tempfile::tempdir().unwrap();
    let m = padded(
        br#"[{"Config":"c.json","Layers":[]}]"#,
        limits::MANIFEST_BYTES,
    );
    let p = raw_archive(&t.path().join("img.tar"), &[("manifest.json", &m)]);
    assert_cap(
        &open(&Reference::Auto(p.clone()), &opts()).unwrap_err(),
        "MANIFEST_BYTES",
        &p,
    );
}

#[test]
fn config_bytes() {
    let t = tempfile::tempdir().unwrap();
    let c = padded(b"{}", limits::CONFIG_BYTES);
    let m = br#"[{"Config":"c.json","Layers":[]}]"#;
    let p = raw_archive(
        &t.path().join("img.tar"),
        &[("manifest.json", m), ("c.json", &c)],
    );
    assert_cap(
        &open(&Reference::Auto(p.clone()), &opts()).unwrap_err(),
        "CONFIG_BYTES",
        &p,
    );
}

#[test]
fn index_bytes_and_oci_layout_bytes() {
    let t = tempfile::tempdir().unwrap();
    let layers = Layers::plain(vec![layer(&[E::File("a", b"x")])]);
    let dir = oci_layout(
        &t.path().join("l"),
        &layers,
        &layers.config(),
        &["application/vnd.oci.image.layer.v1.tar"],
    );
    let index = std::fs::read(dir.join("index.json")).unwrap();
    std::fs::write(dir.join("index.json"), padded(&index, limits::INDEX_BYTES)).unwrap();
    assert_cap(
        &open(&Reference::Auto(dir.clone()), &opts()).unwrap_err(),
        "INDEX_BYTES",
        &dir,
    );
    std::fs::write(dir.join("index.json"), index).unwrap();
    std::fs::write(
        dir.join("oci-layout"),
        padded(b"{}", limits::OCI_LAYOUT_BYTES),
    )
    .unwrap();
    assert_cap(
        &open(&Reference::Auto(dir.clone()), &opts()).unwrap_err(),
        "OCI_LAYOUT_BYTES",
        &dir,
    );
}

#[test]
fn index_depth() {
    let t = tempfile::tempdir().unwrap();
    let layers = Layers::plain(vec![layer(&[E::File("a", b"x")])]);
    let dir = oci_layout(
        &t.path().join("l"),
        &layers,
        &layers.config(),
        &["application/vnd.oci.image.layer.v1.tar"],
    );
    // Wrap index.json's manifest in more image indexes than INDEX_DEPTH allows.
    let mut inner: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    for _ in 0..=limits::INDEX_DEPTH {
        let bytes = serde_json::to_vec(&inner).unwrap();
        let d = common::sha256(&bytes);
        std::fs::write(dir.join("blobs/sha256").join(&d[7..]), &bytes).unwrap();
        inner = serde_json::json!({"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.index.v1+json", "digest": d, "size": bytes.len()}]});
    }
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&inner).unwrap()).unwrap();
    assert_cap(
        &open(&Reference::Auto(dir.clone()), &opts()).unwrap_err(),
        "INDEX_DEPTH",
        &dir,
    );
}

#[test]
fn path_bytes() {
    let t = tempfile::tempdir().unwrap();
    let mut b = tar::Builder::new(Vec::new());
    let long = "d/".repeat(2500) + "f";
    let mut h = tar::Header::new_gnu();
    h.set_size(1);
    h.set_mode(0o644);
    b.append_data(&mut h, &long, &b"x"[..]).unwrap();
    let (p, r) = one(t.path(), b.into_inner().unwrap());
    assert_cap(&r.unwrap_err(), "PATH_BYTES", &p);
}

#[test]
fn link_bytes() {
    let t = tempfile::tempdir().unwrap();
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Symlink);
    h.set_size(0);
    h.set_mode(0o777);
    b.append_link(&mut h, "l", "t/".repeat(2500)).unwrap();
    let (p, r) = one(t.path(), b.into_inner().unwrap());
    assert_cap(&r.unwrap_err(), "LINK_BYTES", &p);
}

#[test]
fn layers() {
    let t = tempfile::tempdir().unwrap();
    let names = vec!["0/layer.tar"; limits::LAYERS + 1];
    let m =
        serde_json::to_vec(&serde_json::json!([{"Config": "c.json", "Layers": names}])).unwrap();
    let l = layer(&[E::File("a", b"x")]);
    let p = raw_archive(
        &t.path().join("img.tar"),
        &[
            ("manifest.json", &m),
            ("c.json", b"{}"),
            ("0/layer.tar", &l),
        ],
    );
    assert_cap(
        &open(&Reference::Auto(p.clone()), &opts()).unwrap_err(),
        "LAYERS",
        &p,
    );
}

#[test]
fn spool_bytes() {
    let t = tempfile::tempdir().unwrap();
    // A gzip layer whose one header claims more content than the spool may hold.
    let mut tar = raw_header(
        b"huge",
        tar::EntryType::Regular,
        limits::SPOOL_BYTES + 1,
        b"",
    )
    .as_bytes()
    .to_vec();
    tar.extend_from_slice(&[0u8; 1024]);
    let layers = Layers {
        stored: vec![gzip(&tar)],
        diff_ids: vec![common::sha256(&tar)],
    };
    let p = docker_archive(&t.path().join("img.tar"), &layers, &layers.config());
    assert_cap(
        &open(&Reference::Auto(p.clone()), &opts()).unwrap_err(),
        "SPOOL_BYTES",
        &p,
    );
}

#[test]
fn archive_members() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("img.tar");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
    for i in 0..=limits::ARCHIVE_MEMBERS {
        f.write_all(
            raw_header(
                format!("m{i}").as_bytes(),
                tar::EntryType::Directory,
                0,
                b"",
            )
            .as_bytes(),
        )
        .unwrap();
    }
    f.write_all(&[0u8; 1024]).unwrap();
    f.flush().unwrap();
    drop(f);
    assert_cap(
        &open(&Reference::Auto(p.clone()), &opts()).unwrap_err(),
        "ARCHIVE_MEMBERS",
        &p,
    );
}

#[test]
fn whiteouts_recorded_and_problems_recorded() {
    let t = tempfile::tempdir().unwrap();
    let names: Vec<String> = (0..=limits::WHITEOUTS_RECORDED)
        .map(|i| format!(".wh.f{i}"))
        .collect();
    let bad: Vec<String> = (0..=limits::PROBLEMS_RECORDED)
        .map(|i| format!("../x{i}"))
        .collect();
    let mut entries: Vec<E> = names.iter().map(|n| E::File(n, b"")).collect();
    entries.extend(bad.iter().map(|n| E::File(n, b"")));
    let (_, r) = one(t.path(), layer(&entries));
    let img = r.unwrap();
    assert_eq!(img.info.whiteouts.len(), limits::WHITEOUTS_RECORDED);
    assert_eq!(
        img.info.layers[0].whiteouts,
        limits::WHITEOUTS_RECORDED as u64 + 1
    );
    let last = img.problems.last().unwrap();
    assert!(
        last.contains("1 more whiteouts") && last.contains("WHITEOUTS_RECORDED"),
        "{last}"
    );
    let before = &img.problems[img.problems.len() - 2];
    assert!(
        before.contains("1 more problems") && before.contains("PROBLEMS_RECORDED"),
        "{before}"
    );
    assert_eq!(img.problems.len(), limits::PROBLEMS_RECORDED + 2);
}
