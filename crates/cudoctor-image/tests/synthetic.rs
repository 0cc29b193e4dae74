//! Images built in the test: every local form, every compression, whiteouts, and each hostile
//! case the reader must survive (escaping names and links, loops, truncation, bombs, digests).
#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod common;

use std::path::Path;

use common::{E, Layers, docker_archive, gzip, layer, listing, oci_layout, read, tar_dir};
use cudoctor_image::{ImageError, NodeKind, OpenOptions, Reference, open};

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
    assert!(matches!(err, ImageError::NoMatch { .. }), "{err}");
    assert!(err.to_string().contains("`test:1`"), "{err}");
    let file = std::fs::File::open(&gz_outer).unwrap();
    let img = cudoctor_image::open_docker_archive_file(file, "-", &opts()).unwrap();
    assert_eq!(listing(&img.tree), base);
}
