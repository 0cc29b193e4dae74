//! Images built in the test: every local form, every compression, whiteouts, and each hostile
//! case the reader must survive (escaping names and links, loops, truncation, bombs, digests).
#![allow(
    clippy::unwrap_used,
    clippy::print_stderr,
    clippy::many_single_char_names,
    clippy::needless_pass_by_value
)]

mod common;

use std::path::Path;

use common::{E, Layers, docker_archive, gzip, layer, listing, oci_layout, read, tar_dir};
use cudoctor_image::{ImageError, NodeKind, OpenOptions, Reference, TreeError, open};

const TAR: &str = "application/vnd.oci.image.layer.v1.tar";

fn opts() -> OpenOptions<'static> {
    OpenOptions::default()
}

fn two_layers() -> Layers {
    Layers::plain(vec![
        layer(&[
            E::Dir("etc/"),
            E::File("etc/os-release", b"ID=test\n"),
            E::File("usr/lib/libcudart.so.12.4.127", b"ELF one"),
            E::Symlink("usr/lib/libcudart.so.12", "libcudart.so.12.4.127"),
            E::Symlink("lib", "usr/lib"),
            E::Fifo("run/fifo"),
            E::Char("dev/null"),
        ]),
        layer(&[
            E::File("./usr/lib/libcudart.so.12.4.127", b"ELF two"),
            E::HardLink("usr/lib/hard", "usr/lib/libcudart.so.12.4.127"),
        ]),
    ])
}

#[test]
fn docker_archive_with_uncompressed_layers() {
    let t = tempfile::tempdir().unwrap();
    let layers = two_layers();
    let path = docker_archive(&t.path().join("img.tar"), &layers, &layers.config());
    let img = open(&Reference::DockerArchive(path.clone()), &opts()).unwrap();
    assert!(img.problems.is_empty(), "{:?}", img.problems);
    let tree = &img.tree;
    assert_eq!(read(tree, "/etc/os-release"), b"ID=test\n");
    // Through two symlinks, relative and in the last component.
    assert_eq!(read(tree, "/lib/libcudart.so.12"), b"ELF two");
    assert_eq!(read(tree, "usr/lib/hard"), b"ELF two");
    let id = tree
        .lookup(Path::new("/usr/lib/libcudart.so.12.4.127"), true)
        .unwrap();
    let st = tree.stat(id);
    assert_eq!(
        (st.kind, st.size, st.layer, st.replaced_layer),
        (NodeKind::File, 7, 1, Some(0))
    );
    assert_eq!(st.mode, 0o644);
    assert_eq!(st.mtime, 1_700_000_000);
    // The content is a region of the archive itself: nothing was copied.
    let c = tree.content(id).unwrap();
    let archive_len = std::fs::metadata(&path).unwrap().len();
    assert!(c.offset > 0 && c.offset + c.len <= archive_len);
    let link = tree
        .lookup(Path::new("/usr/lib/libcudart.so.12"), false)
        .unwrap();
    assert_eq!(tree.stat(link).kind, NodeKind::Symlink);
    assert_eq!(
        tree.read_link(link),
        Some(Path::new("libcudart.so.12.4.127"))
    );
    let fifo = tree.lookup(Path::new("/run/fifo"), true).unwrap();
    assert_eq!(tree.stat(fifo).kind, NodeKind::Fifo);
    assert!(tree.content(fifo).is_none());
    let dev = tree.lookup(Path::new("/dev/null"), true).unwrap();
    assert_eq!(tree.stat(dev).kind, NodeKind::CharDevice);
    let names: Vec<String> = tree
        .children(tree.root())
        .into_iter()
        .map(|(n, _)| n.to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["dev", "etc", "lib", "run", "usr"]);
    assert_eq!(
        tree.path_of(id),
        Path::new("/usr/lib/libcudart.so.12.4.127")
    );

    let info = &img.info;
    assert_eq!(info.transport, "docker-archive");
    assert_eq!(info.reference, format!("docker-archive:{}", path.display()));
    assert_eq!(
        info.env_pairs()[1],
        ("CUDA_VERSION".into(), "12.4.1".into())
    );
    assert_eq!(info.user.as_deref(), Some("1000"));
    assert_eq!(info.labels["k"], "v");
    assert_eq!(info.os, "linux");
    assert_eq!(info.layers.len(), 2);
    assert_eq!(info.layers[0].compression, "none");
    assert_eq!(info.layers[1].created_by.as_deref(), Some("layer 1"));
    assert_eq!(info.layers[0].digest, layers.diff_ids[0]);
    assert_eq!(info.layers[0].files, 7, "{:?}", info.layers[0]);
    assert_eq!(info.layers[1].files, 2);
    assert!(
        info.config_digest
            .as_deref()
            .is_some_and(|d| d.starts_with("sha256:"))
    );
}

#[test]
fn every_local_form_gives_the_same_tree() {
    let t = tempfile::tempdir().unwrap();
    let layers = two_layers();
    let cfg = layers.config();
    let docker = docker_archive(&t.path().join("img.tar"), &layers, &cfg);
    let layout = oci_layout(&t.path().join("layout"), &layers, &cfg, &[TAR, TAR]);
    let oci_tar = tar_dir(&layout, &t.path().join("img.oci.tar"));
    let gz_outer = t.path().join("img.tar.gz");
    std::fs::write(&gz_outer, gzip(&std::fs::read(&docker).unwrap())).unwrap();

    let base = listing(
        &open(&Reference::DockerArchive(docker.clone()), &opts())
            .unwrap()
            .tree,
    );
    for r in [
        Reference::Auto(docker),
        Reference::Auto(layout.clone()),
        Reference::OciLayout {
            dir: layout.clone(),
            reference: Some("test:1".into()),
        },
        Reference::Auto(oci_tar.clone()),
        Reference::OciArchive {
            path: oci_tar,
            reference: None,
        },
        Reference::Auto(gz_outer.clone()),
    ] {
        let img = open(&r, &opts()).unwrap();
        assert_eq!(listing(&img.tree), base, "{r}");
        assert_eq!(img.info.env.len(), 2);
    }
    let img = open(&Reference::Auto(layout.clone()), &opts()).unwrap();
    assert_eq!(img.info.transport, "oci");
    assert!(img.info.manifest_digest.is_some());
    let err = open(
        &Reference::OciLayout {
            dir: layout,
            reference: Some("other".into()),
        },
        &opts(),
    )
    .unwrap_err();
    eprintln!("{err}");
    assert!(matches!(err, ImageError::NoMatch { .. }), "{err}");
    assert!(err.to_string().contains("`test:1`"), "{err}");
    let file = std::fs::File::open(&gz_outer).unwrap();
    let img = cudoctor_image::open_docker_archive_file(file, "-", &opts()).unwrap();
    assert_eq!(listing(&img.tree), base);
}

const TAR_GZ: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
const TAR_ZST: &str = "application/vnd.oci.image.layer.v1.tar+zstd";

/// An OCI layout of `tars`, each stored as `compress` says; returns the layout and its layers.
fn layout_of(dir: &Path, tars: Vec<Vec<u8>>, compress: &[&str]) -> (std::path::PathBuf, Layers) {
    let diff_ids = tars.iter().map(|t| common::sha256(t)).collect();
    let stored: Vec<Vec<u8>> = tars
        .iter()
        .zip(compress)
        .map(|(t, c)| match *c {
            "gzip" => gzip(t),
            "zstd" => common::zstd(t).unwrap(),
            _ => t.clone(),
        })
        .collect();
    let types: Vec<&str> = compress
        .iter()
        .map(|c| match *c {
            "gzip" => TAR_GZ,
            "zstd" => TAR_ZST,
            _ => TAR,
        })
        .collect();
    let layers = Layers { stored, diff_ids };
    let cfg = layers.config();
    (oci_layout(dir, &layers, &cfg, &types), layers)
}

fn open_dir(dir: &Path) -> Result<cudoctor_image::Image, ImageError> {
    open(&Reference::Auto(dir.to_path_buf()), &opts())
}

#[test]
fn gzip_zstd_and_uncompressed_layers() {
    let t = tempfile::tempdir().unwrap();
    let have_zstd = Path::new("/usr/bin/zstd").exists();
    if !have_zstd {
        eprintln!("zstd case skipped: /usr/bin/zstd is not installed");
    }
    let tars = vec![
        layer(&[E::File("a", b"plain"), E::Dir("d/")]),
        layer(&[E::File("b", b"gzipped"), E::File("a", b"gz over plain")]),
        layer(&[E::File("c", b"zstd"), E::HardLink("c2", "b")]),
    ];
    let kinds: &[&str] = if have_zstd {
        &["none", "gzip", "zstd"]
    } else {
        &["none", "gzip", "gzip"]
    };
    let (dir, _) = layout_of(&t.path().join("l"), tars, kinds);
    let seen = std::cell::RefCell::new(Vec::new());
    let progress = |p: cudoctor_image::Progress| seen.borrow_mut().push(p);
    let o = OpenOptions {
        progress: Some(&progress),
        verify_digests: true,
        ..OpenOptions::default()
    };
    let img = open(&Reference::Auto(dir), &o).unwrap();
    let tree = &img.tree;
    assert_eq!(read(tree, "/a"), b"gz over plain");
    assert_eq!(read(tree, "/b"), b"gzipped");
    assert_eq!(read(tree, "/c"), b"zstd");
    assert_eq!(read(tree, "/c2"), b"gzipped");
    let comps: Vec<&str> = img
        .info
        .layers
        .iter()
        .map(|l| l.compression.as_str())
        .collect();
    assert_eq!(comps, kinds);
    // Compressed content sits in one spool file shared by both compressed layers.
    let b = tree
        .content(tree.lookup(Path::new("/b"), true).unwrap())
        .unwrap();
    let c = tree
        .content(tree.lookup(Path::new("/c"), true).unwrap())
        .unwrap();
    assert!(std::sync::Arc::ptr_eq(&b.file, &c.file));
    let seen = seen.borrow();
    assert_eq!(seen.len(), 6);
    assert_eq!((seen[5].layer, seen[5].layers), (2, 3));
    assert_eq!(seen[5].total, Some(seen[5].bytes));
}

#[test]
fn whiteouts_and_opaque_directories_over_three_layers() {
    let t = tempfile::tempdir().unwrap();
    let tars = vec![
        layer(&[
            E::File("etc/a", b"a0"),
            E::File("etc/b", b"b0"),
            E::File("etc/c", b"c0"),
            E::File("opt/x/1", b"1"),
            E::File("opt/x/2", b"2"),
            E::File("usr/lib/libfoo.so", b"foo"),
            E::File("keep", b"k"),
        ]),
        layer(&[
            E::File("etc/a", b"a1"),
            E::File("etc/.wh.b", b""),
            // Before the opaque marker in the tar: this layer's own child survives it.
            E::File("opt/new", b"n1"),
            E::File("opt/.wh..wh..opq", b""),
            E::File("usr/lib/libbar.so", b"bar"),
        ]),
        layer(&[
            E::File("opt/x/3", b"3"),
            E::File(".wh.nothing-here", b""),
            // Re-added in this layer before its own whiteout: whiteouts hide lower layers only.
            E::File("etc/b", b"b2"),
            E::File("etc/.wh.a", b""),
            E::File("etc/.wh.b", b""),
            E::File("etc/c", b"c2"),
            E::File("usr/.wh..wh..opq", b""),
            E::Dir("usr/lib/"),
            E::File("usr/lib/libbaz.so", b"baz"),
        ]),
    ];
    let (dir, _) = layout_of(&t.path().join("l"), tars, &["none", "gzip", "none"]);
    let img = open_dir(&dir).unwrap();
    let tree = &img.tree;
    let stat = |p: &str| tree.stat(tree.lookup(Path::new(p), true).unwrap());
    assert!(
        tree.lookup(Path::new("/etc/a"), true)
            .unwrap_err()
            .is_not_found()
    );
    assert_eq!(read(tree, "/etc/b"), b"b2");
    assert_eq!(
        (stat("/etc/b").layer, stat("/etc/b").replaced_layer),
        (2, None)
    );
    assert_eq!(
        (stat("/etc/c").layer, stat("/etc/c").replaced_layer),
        (2, Some(0))
    );
    assert_eq!(read(tree, "/opt/new"), b"n1");
    assert_eq!(stat("/opt/new").layer, 1);
    assert!(tree.lookup(Path::new("/opt/x/1"), true).is_err());
    assert_eq!(stat("/opt/x").layer, 2);
    assert_eq!(stat("/opt/x/3").layer, 2);
    let usr_lib: Vec<String> = tree
        .children(tree.lookup(Path::new("/usr/lib"), true).unwrap())
        .into_iter()
        .map(|(n, _)| n.to_string_lossy().into_owned())
        .collect();
    assert_eq!(usr_lib, ["libbaz.so"]);
    assert_eq!(stat("/usr/lib").layer, 2);
    assert_eq!(stat("/keep").layer, 0);
    assert!(tree.lookup(Path::new("/.wh.nothing-here"), true).is_err());
    let w: Vec<(String, u32, Option<u32>)> = img
        .info
        .whiteouts
        .iter()
        .map(|w| (w.path.clone(), w.layer, w.hid_layer))
        .collect();
    assert_eq!(
        w,
        [
            ("/etc/b".to_owned(), 1, Some(0)),
            ("/opt".to_owned(), 1, Some(0)),
            ("/nothing-here".to_owned(), 2, None),
            ("/etc/a".to_owned(), 2, Some(1)),
            ("/etc/b".to_owned(), 2, None),
            ("/usr".to_owned(), 2, Some(0)),
        ]
    );
    let counts: Vec<u64> = img.info.layers.iter().map(|l| l.whiteouts).collect();
    assert_eq!(counts, [0, 2, 4]);
}

/// A docker-archive of one layer; returns the image or the error.
fn one_layer(t: &Path, tar: Vec<u8>) -> Result<cudoctor_image::Image, ImageError> {
    let layers = Layers::plain(vec![tar]);
    let path = docker_archive(&t.join("img.tar"), &layers, &layers.config());
    open(&Reference::DockerArchive(path), &opts())
}

#[test]
fn escaping_names_are_skipped_with_a_problem() {
    let t = tempfile::tempdir().unwrap();
    let img = one_layer(
        t.path(),
        layer(&[
            E::File("../evil", b"x"),
            E::File("a/../../evil2", b"x"),
            E::File("/abs/file", b"stripped"),
            E::File("./dot/./file", b"dot"),
        ]),
    )
    .unwrap();
    let tree = &img.tree;
    assert_eq!(read(tree, "/abs/file"), b"stripped");
    assert_eq!(read(tree, "/dot/file"), b"dot");
    assert!(tree.lookup(Path::new("/evil"), true).is_err());
    assert!(tree.lookup(Path::new("/evil2"), true).is_err());
    assert_eq!(img.problems.len(), 2, "{:?}", img.problems);
    assert!(img.problems[0].contains("`../evil`") && img.problems[0].contains("layer 0"));
    assert!(img.problems[1].contains("`a/../../evil2`"));
}

#[test]
fn symlinks_resolve_inside_the_image_only() {
    let t = tempfile::tempdir().unwrap();
    let img = one_layer(
        t.path(),
        layer(&[
            E::File("etc/passwd", b"in-image passwd"),
            E::Symlink("x/etc", "../../../../etc"),
            E::Symlink("y/etc", "../../../../nope"),
            E::Symlink("abs", "/etc/passwd"),
            E::Symlink("abs-up", "/../../../etc/passwd"),
            E::Symlink("loop1", "loop2"),
            E::Symlink("loop2", "/loop1"),
            E::Symlink("self", "self/x"),
        ]),
    )
    .unwrap();
    let tree = &img.tree;
    assert_eq!(read(tree, "/x/etc/passwd"), b"in-image passwd");
    assert_eq!(read(tree, "/abs"), b"in-image passwd");
    assert_eq!(read(tree, "abs-up"), b"in-image passwd");
    assert_eq!(read(tree, "/../../../../abs"), b"in-image passwd");
    assert!(
        tree.lookup(Path::new("/y/etc/passwd"), true)
            .unwrap_err()
            .is_not_found()
    );
    assert!(
        tree.lookup(Path::new("/x/etc/shadow"), true)
            .unwrap_err()
            .is_not_found()
    );
    for p in ["/loop1", "/self"] {
        let e = tree.lookup(Path::new(p), true).unwrap_err();
        assert!(matches!(e, TreeError::Loop { .. }), "{p}: {e}");
        assert!(e.to_string().contains(&format!("`{p}`")), "{e}");
    }
    // lstat semantics: the link itself.
    let l = tree.lookup(Path::new("/loop1"), false).unwrap();
    assert_eq!(tree.read_link(l), Some(Path::new("loop2")));
    let e = tree.lookup(Path::new("/etc/passwd/x"), true).unwrap_err();
    assert!(matches!(e, TreeError::NotADirectory { .. }), "{e}");
}

#[test]
fn hard_links_need_their_target_and_duplicates_take_the_later() {
    let t = tempfile::tempdir().unwrap();
    let img = one_layer(
        t.path(),
        layer(&[
            E::HardLink("early", "target"),
            E::File("target", b"first"),
            E::File("target", b"second"),
            E::HardLink("late", "target"),
            E::HardLink("missing", "no/such/file"),
            E::HardLink("escape", "../../etc/passwd"),
            E::Dir("d/"),
            E::File("d", b"file over dir"),
        ]),
    )
    .unwrap();
    let tree = &img.tree;
    assert_eq!(read(tree, "/target"), b"second");
    assert_eq!(read(tree, "/late"), b"second");
    assert_eq!(read(tree, "/d"), b"file over dir");
    for p in ["/early", "/missing", "/escape"] {
        assert!(tree.lookup(Path::new(p), true).is_err(), "{p}");
    }
    assert_eq!(img.problems.len(), 3, "{:?}", img.problems);
    assert!(
        img.problems
            .iter()
            .any(|p| p.contains("`missing`") && p.contains("`no/such/file`"))
    );
}

/// A one-layer docker-archive written by hand so that the layer member can hold any bytes.
fn archive_with_layer_bytes(t: &Path, layer_bytes: &[u8]) -> std::path::PathBuf {
    let layers = Layers {
        stored: vec![layer_bytes.to_vec()],
        diff_ids: vec![common::sha256(layer_bytes)],
    };
    docker_archive(&t.join("img.tar"), &layers, &layers.config())
}

#[test]
fn a_member_past_the_end_is_truncated() {
    let t = tempfile::tempdir().unwrap();
    // The layer says 10,000 bytes of content and has 100.
    let mut tar = layer(&[E::Zeros("big", 10_000)]);
    tar.truncate(512 + 100);
    let path = archive_with_layer_bytes(t.path(), &tar);
    let err = open(&Reference::DockerArchive(path.clone()), &opts()).unwrap_err();
    eprintln!("{err}");
    assert!(matches!(err, ImageError::Truncated { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("`{}`", path.display())) && msg.contains("`big`"),
        "{msg}"
    );

    // The outer archive itself cut short.
    let good = archive_with_layer_bytes(t.path(), &layer(&[E::Zeros("big", 10_000)]));
    let bytes = std::fs::read(&good).unwrap();
    let cut = t.path().join("cut.tar");
    std::fs::write(&cut, &bytes[..bytes.len() - 9_000]).unwrap();
    let err = open(&Reference::DockerArchive(cut), &opts()).unwrap_err();
    eprintln!("{err}");
    assert!(matches!(err, ImageError::Truncated { .. }), "{err}");
}

#[test]
fn corrupt_and_garbage_headers_are_errors() {
    let t = tempfile::tempdir().unwrap();
    let mut tar = layer(&[E::File("a", b"x")]);
    tar[0] ^= 0x20; // the name's first byte: the checksum no longer matches
    let err = open(
        &Reference::DockerArchive(archive_with_layer_bytes(t.path(), &tar)),
        &opts(),
    )
    .unwrap_err();
    eprintln!("{err}");
    assert!(matches!(err, ImageError::Tar { .. }), "{err}");
    assert!(err.to_string().contains("layer 0"), "{err}");

    for size_field in [
        &b"zzzzzzzzzzz\0"[..],
        b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
        b"\x80\x7f\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
    ] {
        let mut tar = layer(&[E::File("a", b"x")]);
        tar[124..136].copy_from_slice(size_field);
        let mut h = tar::Header::new_old();
        h.as_mut_bytes().copy_from_slice(&tar[..512]);
        h.set_cksum();
        tar[..512].copy_from_slice(h.as_bytes());
        let res = open(
            &Reference::DockerArchive(archive_with_layer_bytes(t.path(), &tar)),
            &opts(),
        );
        let err = res.unwrap_err();
        eprintln!("{err}");
        assert!(
            matches!(err, ImageError::Tar { .. } | ImageError::Truncated { .. }),
            "{err}"
        );
    }
}

#[test]
fn a_gzip_bomb_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let tar = layer(&[E::Zeros("zeros", 80 << 20)]);
    let (dir, layers) = layout_of(&t.path().join("l"), vec![tar], &["gzip"]);
    let err = open_dir(&dir).unwrap_err();
    eprintln!("{err}");
    assert!(matches!(err, ImageError::Bomb { .. }), "{err}");
    let digest = common::sha256(&layers.stored[0]);
    assert!(err.to_string().contains(&digest), "{err}");
    assert!(err.to_string().contains("decompression bomb"), "{err}");
}

#[test]
fn missing_blobs_and_members_are_named() {
    let t = tempfile::tempdir().unwrap();
    let layers = two_layers();
    let cfg = layers.config();
    // docker-archive: manifest.json names a layer the archive lacks.
    let path = t.path().join("img.tar");
    {
        let mut b = tar::Builder::new(std::fs::File::create(&path).unwrap());
        let manifest = br#"[{"Config":"c.json","RepoTags":null,"Layers":["abc/layer.tar"]}]"#;
        for (n, d) in [("manifest.json", &manifest[..]), ("c.json", &cfg)] {
            let h = common::raw_header(n.as_bytes(), tar::EntryType::Regular, d.len() as u64, b"");
            b.append(&h, d).unwrap();
        }
        b.finish().unwrap();
    }
    let err = open(&Reference::Auto(path.clone()), &opts()).unwrap_err();
    eprintln!("{err}");
    assert_eq!(
        err.to_string(),
        format!(
            "`{}`: `manifest.json` names layer `abc/layer.tar`, which the archive lacks",
            path.display()
        )
    );
    // OCI layout: a layer blob deleted.
    let layout = oci_layout(&t.path().join("l"), &layers, &cfg, &[TAR, TAR]);
    let gone = common::sha256(&layers.stored[1]);
    std::fs::remove_file(layout.join("blobs/sha256").join(&gone[7..])).unwrap();
    let err = open_dir(&layout).unwrap_err();
    eprintln!("{err}");
    assert!(matches!(err, ImageError::Missing { .. }), "{err}");
    assert!(err.to_string().contains(&gone), "{err}");
    // Not an image at all.
    let empty = t.path().join("empty.tar");
    tar::Builder::new(std::fs::File::create(&empty).unwrap())
        .finish()
        .unwrap();
    let err = open(&Reference::Auto(empty), &opts()).unwrap_err();
    eprintln!("{err}");
    assert!(matches!(err, ImageError::NotAnImage { .. }), "{err}");
}

#[test]
fn a_digest_mismatch_on_a_gzip_layer_fails() {
    let t = tempfile::tempdir().unwrap();
    let (dir, layers) = layout_of(
        &t.path().join("l"),
        vec![layer(&[E::File("a", b"x")])],
        &["gzip"],
    );
    // Same length, same content, different bytes: the gzip header's mtime.
    let d = common::sha256(&layers.stored[0]);
    let blob = dir.join("blobs/sha256").join(&d[7..]);
    let mut bytes = std::fs::read(&blob).unwrap();
    bytes[4] ^= 0xff;
    std::fs::write(&blob, &bytes).unwrap();
    let err = open_dir(&dir).unwrap_err();
    eprintln!("{err}");
    assert!(matches!(err, ImageError::DigestMismatch { .. }), "{err}");
    assert!(err.to_string().contains(&d), "{err}");

    // An uncompressed layer's diff ID is checked only when asked.
    let (dir, layers) = layout_of(
        &t.path().join("m"),
        vec![layer(&[E::File("a", b"x")])],
        &["none"],
    );
    let d = common::sha256(&layers.stored[0]);
    let blob = dir.join("blobs/sha256").join(&d[7..]);
    let mut bytes = std::fs::read(&blob).unwrap();
    bytes[512] = b'y'; // the content byte: headers still read
    std::fs::write(&blob, &bytes).unwrap();
    assert!(open_dir(&dir).is_ok());
    let verify = OpenOptions {
        verify_digests: true,
        ..OpenOptions::default()
    };
    let err = open(&Reference::Auto(dir), &verify).unwrap_err();
    eprintln!("{err}");
    assert!(matches!(err, ImageError::DigestMismatch { .. }), "{err}");
}

#[test]
fn a_gigabyte_member_costs_nothing() {
    use std::io::{Seek, SeekFrom, Write};
    let t = tempfile::tempdir().unwrap();
    let size: u64 = 1 << 30;
    // A layer with one 1 GiB file, written sparse: header, a hole, the end blocks.
    let layer_path = t.path().join("layer.tar");
    {
        let mut f = std::fs::File::create(&layer_path).unwrap();
        let h = common::raw_header(b"huge", tar::EntryType::Regular, size, b"");
        f.write_all(h.as_bytes()).unwrap();
        f.seek(SeekFrom::Current(i64::try_from(size).unwrap()))
            .unwrap();
        f.write_all(&[0u8; 1024]).unwrap();
    }
    let layer_len = std::fs::metadata(&layer_path).unwrap().len();
    let img_path = t.path().join("img.tar");
    let cfg = common::config_json(&[], &[]);
    {
        let mut b = tar::Builder::new(std::fs::File::create(&img_path).unwrap());
        let manifest = br#"[{"Config":"c.json","Layers":["l/layer.tar"]}]"#;
        for (n, d) in [("manifest.json", &manifest[..]), ("c.json", &cfg)] {
            let h = common::raw_header(n.as_bytes(), tar::EntryType::Regular, d.len() as u64, b"");
            b.append(&h, d).unwrap();
        }
        let h = common::raw_header(b"l/layer.tar", tar::EntryType::Regular, layer_len, b"");
        b.append(&h, std::fs::File::open(&layer_path).unwrap())
            .unwrap();
        b.finish().unwrap();
    }
    std::fs::remove_file(&layer_path).unwrap();
    let start = std::time::Instant::now();
    let img = open(&Reference::Auto(img_path), &opts()).unwrap();
    let took = start.elapsed();
    let id = img.tree.lookup(Path::new("/huge"), true).unwrap();
    assert_eq!(img.tree.content(id).unwrap().len, size);
    assert!(took.as_secs() < 2, "opening took {took:?}");
}

#[test]
fn an_image_index_is_followed_to_the_platform_asked() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("l");
    // Two single-manifest layouts merged into one index.
    let amd = Layers::plain(vec![layer(&[E::File("arch", b"amd64")])]);
    let arm = Layers::plain(vec![layer(&[E::File("arch", b"arm64")])]);
    oci_layout(&dir, &amd, &amd.config(), &[TAR]);
    let amd_index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    oci_layout(&dir, &arm, &arm.config(), &[TAR]);
    let arm_index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    let mut amd_m = amd_index["manifests"][0].clone();
    amd_m["platform"] = serde_json::json!({"os": "linux", "architecture": "amd64"});
    let mut arm_m = arm_index["manifests"][0].clone();
    arm_m["platform"] =
        serde_json::json!({"os": "linux", "architecture": "arm64", "variant": "v8"});
    let list = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [arm_m, amd_m]}))
    .unwrap();
    let list_digest = common::sha256(&list);
    std::fs::write(dir.join("blobs/sha256").join(&list_digest[7..]), &list).unwrap();
    std::fs::write(
        dir.join("index.json"),
        serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.index.v1+json", "digest": list_digest,
            "size": list.len(), "annotations": {"org.opencontainers.image.ref.name": "multi"}}]}))
        .unwrap(),
    )
    .unwrap();
    let img = open_dir(&dir).unwrap();
    assert_eq!(read(&img.tree, "/arch"), b"amd64");
    let arm_opts = OpenOptions {
        platform: Some("linux/arm64".into()),
        ..OpenOptions::default()
    };
    let r = Reference::OciLayout {
        dir: dir.clone(),
        reference: Some("multi".into()),
    };
    assert_eq!(read(&open(&r, &arm_opts).unwrap().tree, "/arch"), b"arm64");
    let s390 = OpenOptions {
        platform: Some("linux/s390x".into()),
        ..OpenOptions::default()
    };
    let err = open(&r, &s390).unwrap_err();
    eprintln!("{err}");
    assert!(matches!(err, ImageError::NoMatch { .. }), "{err}");
    assert!(
        err.to_string().contains("`linux/arm64/v8`, `linux/amd64`"),
        "{err}"
    );
}

#[test]
fn registry_and_engine_references_are_not_local() {
    for r in ["docker://ubuntu:22.04", "docker-daemon:ubuntu:22.04"] {
        let r = Reference::parse(r).unwrap();
        let err = open(&r, &opts()).unwrap_err();
        assert!(matches!(err, ImageError::NotLocal { .. }), "{err}");
    }
}

#[test]
fn docker_25_save_with_blobs_and_an_oci_index() {
    // `docker save` since Docker 25: an OCI layout plus a manifest.json naming blobs/sha256/*.
    let t = tempfile::tempdir().unwrap();
    let layers = two_layers();
    let cfg = layers.config();
    let dir = oci_layout(&t.path().join("l"), &layers, &cfg, &[TAR, TAR]);
    let blob = |d: &[u8]| format!("blobs/sha256/{}", &common::sha256(d)[7..]);
    let names: Vec<String> = layers.stored.iter().map(|l| blob(l)).collect();
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_vec(
            &serde_json::json!([{"Config": blob(&cfg), "RepoTags": ["test:1"], "Layers": names}]),
        )
        .unwrap(),
    )
    .unwrap();
    let both = tar_dir(&dir, &t.path().join("docker25.tar"));
    let img = open(&Reference::DockerArchive(both.clone()), &opts()).unwrap();
    assert_eq!(img.info.transport, "docker-archive");
    assert_eq!(img.info.layers[0].digest, common::sha256(&layers.stored[0]));
    assert_eq!(read(&img.tree, "/usr/lib/hard"), b"ELF two");
    // Without manifest.json, the OCI index alone serves.
    std::fs::remove_file(dir.join("manifest.json")).unwrap();
    let oci_only = tar_dir(&dir, &t.path().join("docker25-oci.tar"));
    let img2 = open(&Reference::DockerArchive(oci_only), &opts()).unwrap();
    assert_eq!(img2.info.transport, "docker-archive");
    assert_eq!(listing(&img2.tree), listing(&img.tree));
}

#[test]
fn a_layout_never_follows_a_symlink_out() {
    let t = tempfile::tempdir().unwrap();
    let layers = two_layers();
    let dir = oci_layout(&t.path().join("l"), &layers, &layers.config(), &[TAR, TAR]);
    // Move the blobs elsewhere and link to them: refused, not followed.
    let outside = t.path().join("outside");
    std::fs::rename(dir.join("blobs"), &outside).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("blobs")).unwrap();
    let err = open_dir(&dir).unwrap_err();
    eprintln!("{err}");
    assert!(matches!(err, ImageError::Io { .. }), "{err}");
    // A blob file that is a symlink: refused too.
    std::fs::remove_file(dir.join("blobs")).unwrap();
    std::fs::rename(&outside, dir.join("blobs")).unwrap();
    let d = common::sha256(&layers.stored[0]);
    let blob = dir.join("blobs/sha256").join(&d[7..]);
    std::fs::rename(&blob, t.path().join("moved")).unwrap();
    std::os::unix::fs::symlink(t.path().join("moved"), &blob).unwrap();
    let err = open_dir(&dir).unwrap_err();
    eprintln!("{err}");
    assert!(matches!(err, ImageError::Io { .. }), "{err}");
}

#[test]
fn stdin_reads_a_docker_save_stream() {
    // The child: this same test binary, reading `-` from a stdin that is the archive.
    if std::env::var_os("CUDOCTOR_IMAGE_STDIN_CHILD").is_some() {
        let img = open(&Reference::parse("-").unwrap(), &opts()).unwrap();
        assert_eq!(read(&img.tree, "/etc/os-release"), b"ID=test\n");
        assert_eq!(img.info.reference, "-");
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let layers = two_layers();
    let path = docker_archive(&t.path().join("img.tar"), &layers, &layers.config());
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "stdin_reads_a_docker_save_stream", "--nocapture"])
        .env("CUDOCTOR_IMAGE_STDIN_CHILD", "1")
        .stdin(std::fs::File::open(&path).unwrap())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("1 passed"), "{text}");
}

#[test]
fn multi_frame_zstd_and_multi_member_gzip_layers() {
    let t = tempfile::tempdir().unwrap();
    let tar = layer(&[
        E::File("a", b"first"),
        E::Zeros("z", 100_000),
        E::File("b", b"last"),
    ]);
    let (head, tail) = tar.split_at(3000);
    let mut gz = gzip(head);
    gz.extend(gzip(tail));
    let mut stored = vec![gz];
    let mut types = vec![TAR_GZ];
    if let (Some(f1), Some(f2)) = (common::zstd(head), common::zstd(tail)) {
        // A skippable frame first (as zstd:chunked writes), then two data frames.
        let mut z = vec![0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 1, 2, 3, 4];
        z.extend(f1);
        z.extend(f2);
        stored.push(z);
        types.push(TAR_ZST);
    }
    for (i, (blob, mt)) in stored.into_iter().zip(types).enumerate() {
        let layers = Layers {
            stored: vec![blob],
            diff_ids: vec![common::sha256(&tar)],
        };
        let dir = oci_layout(
            &t.path().join(i.to_string()),
            &layers,
            &layers.config(),
            &[mt],
        );
        let img = open_dir(&dir).unwrap_or_else(|e| panic!("{mt}: {e}"));
        assert_eq!(read(&img.tree, "/a"), b"first", "{mt}");
        assert_eq!(read(&img.tree, "/b"), b"last", "{mt}");
        assert_eq!(read(&img.tree, "/z").len(), 100_000);
    }
}

#[test]
fn progress_is_reported_within_a_compressed_layer() {
    let t = tempfile::tempdir().unwrap();
    // Incompressible content (xorshift), 4 files of 6 MiB: the gzip blob is ~24 MiB.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let noise: Vec<u8> = (0..6 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let tar = layer(&[
        E::File("n1", &noise),
        E::File("n2", &noise),
        E::File("n3", &noise),
        E::File("n4", &noise),
    ]);
    let (dir, _) = layout_of(&t.path().join("l"), vec![tar], &["gzip"]);
    let seen = std::cell::RefCell::new(Vec::new());
    let progress = |p: cudoctor_image::Progress| seen.borrow_mut().push(p.bytes);
    let o = OpenOptions {
        progress: Some(&progress),
        ..OpenOptions::default()
    };
    let img = open(&Reference::Auto(dir), &o).unwrap();
    assert_eq!(read(&img.tree, "/n4"), noise);
    let seen = seen.borrow();
    assert!(seen.len() > 2, "{seen:?}");
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
}
