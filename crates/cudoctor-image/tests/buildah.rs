//! Real images, built by buildah (rootless, daemonless, `vfs` storage, `from scratch`), a
//! whiteout layer made by umoci, and copies between transports made by skopeo. Each test skips
//! with a printed reason when a tool is missing, unless `CUDOCTOR_REQUIRE_ARTIFACTS=1`; a skip is
//! also appended as `TEST_NAME: reason` to the file named by `CUDOCTOR_SKIP_LOG`.
#![allow(
    clippy::unwrap_used,
    clippy::print_stderr,
    clippy::many_single_char_names
)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{listing, read};
use cudoctor_image::{Image, NodeKind, OpenOptions, Reference, open};

/// `Some` when every tool is on `PATH`, else a logged skip (or a failure in CI).
fn have(tools: &[&str]) -> Option<()> {
    cudoctor_test::containers::tools(tools)
}

/// A scratch directory whose whole path is lowercase (buildah derives an image name from an
/// `oci:` path, and image names must be lowercase), removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Self {
        let p = std::env::temp_dir().join(format!("cudoctor-image-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        assert!(
            p.to_string_lossy().chars().all(|c| !c.is_uppercase()),
            "{}",
            p.display()
        );
        Scratch(p)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // vfs storage leaves read-only directories; make them writable to remove them.
        let _ = Command::new("chmod")
            .arg("-R")
            .arg("u+w")
            .arg(&self.0)
            .status();
        if std::env::var_os("KEEP").is_none() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Runs a tool; panics with its stderr on failure. Returns trimmed stdout.
fn run(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{tool} {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn buildah(t: &Path, args: &[&str]) -> String {
    let store = t.join("store");
    let runroot = t.join("run");
    let mut all = vec![
        "--storage-driver",
        "vfs",
        "--root",
        store.to_str().unwrap(),
        "--runroot",
        runroot.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    run("buildah", &all)
}

fn write(p: &Path, data: &str, mode: u32) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, data).unwrap();
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The first image: one layer from `rootfs1`, committed in all three forms.
fn build_first(t: &Path) -> [PathBuf; 3] {
    let r = t.join("rootfs1");
    write(&r.join("etc/os-release"), "ID=test\n", 0o644);
    write(&r.join("usr/lib/libx.so.1"), "one", 0o644);
    std::os::unix::fs::symlink("libx.so.1", r.join("usr/lib/libx.so")).unwrap();
    write(&r.join("opt/gone"), "gone", 0o644);
    write(&r.join("usr/bin/tool"), "#!/bin/sh\n", 0o755);
    let c = buildah(t, &["from", "scratch"]);
    buildah(t, &["copy", &c, r.to_str().unwrap(), "/"]);
    buildah(
        t,
        &[
            "config",
            "--env",
            "K=V",
            "--env",
            "NVIDIA_REQUIRE_CUDA=cuda>=12.4",
            "--user",
            "1000",
            "--label",
            "k=v",
            "--created-by",
            "COPY rootfs1 /",
            &c,
        ],
    );
    let docker = t.join("img.tar");
    let oci_tar = t.join("img.oci.tar");
    let layout = t.join("layout");
    for dest in [
        format!("docker-archive:{}:test:1", docker.display()),
        format!("oci-archive:{}:test:1", oci_tar.display()),
        format!("oci:{}:test:1", layout.display()),
    ] {
        buildah(t, &["commit", "-q", &c, &dest]);
    }
    [docker, oci_tar, layout]
}

fn check_common(img: &Image) {
    let tree = &img.tree;
    assert_eq!(read(tree, "/etc/os-release"), b"ID=test\n");
    assert_eq!(read(tree, "/usr/lib/libx.so"), b"one");
    let link = tree.lookup(Path::new("/usr/lib/libx.so"), false).unwrap();
    assert_eq!(tree.stat(link).kind, NodeKind::Symlink);
    assert_eq!(tree.read_link(link), Some(Path::new("libx.so.1")));
    let tool = tree.stat(tree.lookup(Path::new("/usr/bin/tool"), true).unwrap());
    assert_eq!(tool.mode & 0o777, 0o755);
    let info = &img.info;
    assert_eq!(info.user.as_deref(), Some("1000"));
    assert_eq!(info.labels.get("k").map(String::as_str), Some("v"));
    let env = info.env_pairs();
    assert!(env.contains(&("K".into(), "V".into())), "{env:?}");
    assert!(
        env.contains(&("NVIDIA_REQUIRE_CUDA".into(), "cuda>=12.4".into())),
        "{env:?}"
    );
    assert_eq!(info.os, "linux");
    assert_eq!(info.layers[0].created_by.as_deref(), Some("COPY rootfs1 /"));
}

#[test]
fn buildah_image_reads_the_same_in_every_form() {
    if have(&["buildah"]).is_none() {
        return;
    }
    let s = Scratch::new("forms");
    let [docker, oci_tar, layout] = build_first(&s.0);
    let opts = OpenOptions::default();
    let imgs: Vec<Image> = [
        Reference::DockerArchive(docker.clone()),
        Reference::OciArchive {
            path: oci_tar.clone(),
            reference: Some("test:1".into()),
        },
        Reference::OciLayout {
            dir: layout.clone(),
            reference: Some("test:1".into()),
        },
        Reference::Auto(docker),
        Reference::Auto(oci_tar),
        Reference::Auto(layout),
    ]
    .iter()
    .map(|r| open(r, &opts).unwrap_or_else(|e| panic!("{r}: {e}")))
    .collect();
    let base = listing(&imgs[0].tree);
    eprintln!("{}", base.join("\n"));
    for img in &imgs {
        check_common(img);
        assert!(img.problems.is_empty(), "{:?}", img.problems);
        assert_eq!(listing(&img.tree), base, "{}", img.info.reference);
        assert_eq!(img.info.layers.len(), 1);
        assert_eq!(img.info.layers[0].compression, "none");
    }
    let transports: Vec<&str> = imgs.iter().map(|i| i.info.transport.as_str()).collect();
    assert_eq!(
        transports,
        [
            "docker-archive",
            "oci-archive",
            "oci",
            "docker-archive",
            "oci-archive",
            "oci"
        ]
    );
    // With every digest checked, too.
    let verify = OpenOptions {
        verify_digests: true,
        ..OpenOptions::default()
    };
    for img in &imgs {
        let r = Reference::parse(&img.info.reference).unwrap();
        open(&r, &verify).unwrap_or_else(|e| panic!("{r}: {e}"));
    }
}

#[test]
fn buildah_layers_with_a_umoci_whiteout() {
    if have(&["buildah", "umoci", "skopeo"]).is_none() {
        return;
    }
    let s = Scratch::new("whiteout");
    let t = &s.0;
    let [_, _, layout] = build_first(t);
    // Layer 1: a second `buildah copy`, replacing a file and adding one; gzip-compressed.
    let r2 = t.join("rootfs2");
    // A different size: vfs's naive diff misses a same-size change within the same second.
    write(&r2.join("usr/lib/libx.so.1"), "version two", 0o644);
    write(&r2.join("usr/lib/liby.so"), "new", 0o644);
    let from = format!("oci:{}:test:1", layout.display());
    let c = buildah(t, &["from", "--name", "c2", &from]);
    buildah(t, &["copy", &c, r2.to_str().unwrap(), "/"]);
    buildah(
        t,
        &[
            "config",
            "--env",
            "K2=V2",
            "--created-by",
            "COPY rootfs2 /",
            &c,
        ],
    );
    let layout2 = t.join("layout2");
    let two = format!("oci:{}:two", layout2.display());
    buildah(
        t,
        &["commit", "-q", "--disable-compression=false", &c, &two],
    );
    // Layer 2: a deletion, by umoci (which writes a real `.wh.` whiteout).
    let bundle = t.join("bundle");
    let image_two = format!("{}:two", layout2.display());
    run(
        "umoci",
        &[
            "unpack",
            "--rootless",
            "--image",
            &image_two,
            bundle.to_str().unwrap(),
        ],
    );
    std::fs::remove_file(bundle.join("rootfs/opt/gone")).unwrap();
    let image_three = format!("{}:three", layout2.display());
    run(
        "umoci",
        &["repack", "--image", &image_three, bundle.to_str().unwrap()],
    );
    // The same image in the other two forms (uncompressed layers there).
    let docker = t.join("three.tar");
    let oci_tar = t.join("three.oci.tar");
    let src = format!("oci:{image_three}");
    for dest in [
        format!("docker-archive:{}:test:3", docker.display()),
        format!("oci-archive:{}:test:3", oci_tar.display()),
    ] {
        run("skopeo", &["--insecure-policy", "copy", "-q", &src, &dest]);
    }
    let opts = OpenOptions::default();
    let imgs: Vec<Image> = [
        Reference::OciLayout {
            dir: layout2,
            reference: Some("three".into()),
        },
        Reference::Auto(docker),
        Reference::OciArchive {
            path: oci_tar,
            reference: None,
        },
    ]
    .iter()
    .map(|r| open(r, &opts).unwrap_or_else(|e| panic!("{r}: {e}")))
    .collect();
    let base = listing(&imgs[0].tree);
    eprintln!("{}", base.join("\n"));
    for img in &imgs {
        let tree = &img.tree;
        assert!(img.problems.is_empty(), "{:?}", img.problems);
        assert_eq!(listing(tree), base, "{}", img.info.reference);
        assert_eq!(read(tree, "/usr/lib/libx.so"), b"version two");
        assert_eq!(read(tree, "/usr/lib/liby.so"), b"new");
        assert_eq!(read(tree, "/etc/os-release"), b"ID=test\n");
        let x = tree.stat(tree.lookup(Path::new("/usr/lib/libx.so.1"), true).unwrap());
        assert_eq!((x.layer, x.replaced_layer), (1, Some(0)));
        let os_release = tree.stat(tree.lookup(Path::new("/etc/os-release"), true).unwrap());
        assert_eq!((os_release.layer, os_release.replaced_layer), (0, None));
        assert!(
            tree.lookup(Path::new("/opt/gone"), true)
                .unwrap_err()
                .is_not_found()
        );
        assert!(tree.lookup(Path::new("/opt"), true).is_ok());
        let info = &img.info;
        assert_eq!(info.layers.len(), 3);
        let w: Vec<(&str, u32, Option<u32>)> = info
            .whiteouts
            .iter()
            .map(|w| (w.path.as_str(), w.layer, w.hid_layer))
            .collect();
        assert_eq!(w, [("/opt/gone", 2, Some(0))]);
        assert_eq!(info.layers[2].whiteouts, 1);
        assert_eq!(info.layers[1].created_by.as_deref(), Some("COPY rootfs2 /"));
        assert_eq!(info.layers[2].created_by.as_deref(), Some("umoci repack"));
        let env = info.env_pairs();
        assert!(env.contains(&("K2".into(), "V2".into())), "{env:?}");
        assert_eq!(info.user.as_deref(), Some("1000"));
    }
    let comps: Vec<&str> = imgs[0]
        .info
        .layers
        .iter()
        .map(|l| l.compression.as_str())
        .collect();
    assert_eq!(comps, ["gzip", "gzip", "gzip"]);
    let comps: Vec<&str> = imgs[1]
        .info
        .layers
        .iter()
        .map(|l| l.compression.as_str())
        .collect();
    assert_eq!(comps, ["none", "none", "none"]);
}
