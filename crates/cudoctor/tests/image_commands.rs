//! `check --image` and `probe --image` on real container images built here with Debian's
//! `buildah` (vfs storage, no daemon), in the three local layouts (`docker-archive:`,
//! `oci-archive:`, `oci:`) and, with `docker-registry` and `skopeo`, from a registry on
//! 127.0.0.1. The images follow the source document's layering (S8): a base OS, CUDA 11.2,
//! cuDNN 8.1, TensorFlow 2.9; then the same with cuDNN replaced by 8.0.5 in an upper layer
//! (S14), the same with cuDNN deleted by whiteouts, and a PyTorch image that needs a newer
//! driver than a 470 host has. The host that runs them is a snapshot (`--host`) of a fixture
//! host, so the driver is known without a GPU.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod common;

use std::path::{Path, PathBuf};

use common::*;
use cudoctor_test::containers;
use cudoctor_test::fixture::Fixture;

/// buildah with its own vfs store in a temporary directory.
struct Buildah {
    dir: tempfile::TempDir,
}

impl Buildah {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn run(&self, args: &[&str]) -> String {
        containers::run(containers::buildah(self.dir.path()).args(args))
            .unwrap()
            .trim()
            .to_owned()
    }

    /// One layer on `base` (`scratch` for none): the files of `layer` copied to `/`, minus
    /// `delete` (removed through a mount, so the layer holds whiteouts), with `config`
    /// (`--env K=V`, ...) and `created_by` as its history line; committed as `name`.
    fn layer(
        &self,
        base: &str,
        layer: Option<&Fixture>,
        delete: &[&str],
        config: &[&str],
        created_by: &str,
        name: &str,
    ) -> String {
        let c = self.run(&["from", base]);
        if let Some(f) = layer {
            self.run(&["copy", &c, &f.path().display().to_string(), "/"]);
        }
        if !delete.is_empty() {
            let mount = PathBuf::from(self.run(&["mount", &c]));
            for p in delete {
                std::fs::remove_file(mount.join(p.trim_start_matches('/'))).unwrap();
            }
            self.run(&["umount", &c]);
        }
        let mut args = vec!["config", "--created-by", created_by];
        args.extend_from_slice(config);
        args.push(&c);
        self.run(&args);
        self.run(&["commit", "--rm", &c, name]);
        name.to_owned()
    }

    /// The image pushed to `transport:path[:tag]`.
    fn push(&self, image: &str, dest: &str) {
        self.run(&["push", image, dest]);
    }
}

/// The TensorFlow 2.9 GPU image's layers (S8): Ubuntu 20.04, CUDA 11.2, cuDNN 8.1.0,
/// TensorFlow 2.9.0 in a venv. Each returns its layer's files.
fn ubuntu() -> Fixture {
    let f = Fixture::new();
    f.file(
        "/etc/os-release",
        "NAME=\"Ubuntu\"\nVERSION_ID=\"20.04\"\nID=ubuntu\n",
    )
    .dir(LIBDIR);
    f
}

fn cuda112_layer() -> Fixture {
    let f = Fixture::new();
    cuda112(&f);
    f
}

fn cudnn_layer(version: &str) -> Fixture {
    let f = Fixture::new();
    cudnn(&f, version);
    dpkg_list(&f, version);
    f
}

/// The dpkg file list `apt-get install libcudnn8` leaves (what the package database records).
fn dpkg_list(f: &Fixture, version: &str) {
    f.file(
        "/var/lib/dpkg/info/libcudnn8:amd64.list",
        format!("/.\n/usr\n/usr/lib/x86_64-linux-gnu/libcudnn.so.{version}\n"),
    );
}

fn tensorflow29() -> Fixture {
    let f = Fixture::new();
    f.file(
        "/opt/venv/pyvenv.cfg",
        "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.8.10\n",
    )
    .file(
        "/opt/venv/lib/python3.8/site-packages/tensorflow-2.9.0.dist-info/METADATA",
        "Metadata-Version: 2.1\nName: tensorflow\nVersion: 2.9.0\nRequires-Dist: numpy (>=1.20)\n",
    )
    .file(
        "/opt/venv/lib/python3.8/site-packages/tensorflow/python/platform/build_info.py",
        TF29_BUILD_INFO,
    );
    f
}

/// `NVIDIA_REQUIRE_CUDA` as NVIDIA's CUDA 11.2 Dockerfiles set it (`ENV NVIDIA_REQUIRE_CUDA
/// "cuda>=11.2 brand=tesla,driver>=418,driver<419 brand=tesla,driver>=440,driver<441
/// driver>=450"`, quoted in copies of those Dockerfiles): the CUDA term, two data-center
/// forward-compatibility groups, and the minor-version floor `driver>=450`. Later 11.2 images
/// write `driver>=450,driver<451` instead.
const REQUIRE_112: &str =
    "cuda>=11.2 brand=tesla,driver>=418,driver<419 brand=tesla,driver>=440,driver<441 driver>=450";

/// The four images, in local storage: (name, what it is).
struct Images {
    buildah: Buildah,
}

impl Images {
    fn build() -> Self {
        let b = Buildah::new();
        b.layer(
            "scratch",
            Some(&ubuntu()),
            &[],
            &[
                "--env",
                "PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            ],
            "ADD ubuntu-20.04-rootfs.tar /",
            "localhost/ubuntu:20.04",
        );
        let require = format!("NVIDIA_REQUIRE_CUDA={REQUIRE_112}");
        b.layer(
            "localhost/ubuntu:20.04",
            Some(&cuda112_layer()),
            &[],
            &["--env", "CUDA_VERSION=11.2.1", "--env", &require],
            "RUN apt-get install -y cuda-libraries-11-2",
            "localhost/cuda:11.2.1",
        );
        b.layer(
            "localhost/cuda:11.2.1",
            Some(&cudnn_layer("8.1.0")),
            &[],
            &["--env", "NV_CUDNN_VERSION=8.1.0.77"],
            "RUN apt-get install -y libcudnn8=8.1.0.77-1+cuda11.2",
            "localhost/cudnn:8.1.0",
        );
        b.layer(
            "localhost/cudnn:8.1.0",
            Some(&tensorflow29()),
            &[],
            &["--user", "1000"],
            "RUN pip install tensorflow==2.9.0",
            "localhost/tensorflow:2.9.0-gpu",
        );
        // S14: a custom image whose cuDNN was replaced in an upper layer.
        let replaced = Fixture::new();
        cudnn(&replaced, "8.0.5");
        replaced.remove(&format!("{LIBDIR}/libcudnn.so.8"));
        replaced.link(&format!("{LIBDIR}/libcudnn.so.8"), "libcudnn.so.8.0.5");
        dpkg_list(&replaced, "8.0.5");
        b.layer(
            "localhost/tensorflow:2.9.0-gpu",
            Some(&replaced),
            &[&format!("{LIBDIR}/libcudnn.so.8.1.0")],
            &[],
            "RUN apt-get install -y --allow-downgrades libcudnn8=8.0.5.39-1+cuda11.1",
            "localhost/tensorflow:2.9.0-gpu-cudnn805",
        );
        // cuDNN deleted by whiteouts.
        b.layer(
            "localhost/tensorflow:2.9.0-gpu",
            None,
            &[
                &format!("{LIBDIR}/libcudnn.so.8.1.0"),
                &format!("{LIBDIR}/libcudnn.so.8"),
                "/usr/include/cudnn_version.h",
            ],
            &[],
            "RUN apt-get purge -y libcudnn8",
            "localhost/tensorflow:2.9.0-gpu-nocudnn",
        );
        // A PyTorch image built for CUDA 12.1.
        let torch = Fixture::new();
        torch
            .file(
                "/opt/conda/lib/python3.10/site-packages/torch-2.1.0.dist-info/METADATA",
                "Metadata-Version: 2.1\nName: torch\nVersion: 2.1.0\n",
            )
            .file(
                "/opt/conda/lib/python3.10/site-packages/torch/version.py",
                "__version__ = '2.1.0'\ndebug = False\ncuda = '12.1'\ngit_version = '7bcf7da3a268b435777fe87c7794c382f444e86d'\nhip = None\n",
            )
            .file("/opt/conda/bin/python3.10", "")
            .file("/opt/conda/conda-meta/history", "");
        b.layer(
            "localhost/ubuntu:20.04",
            Some(&torch),
            &[],
            &[
                "--env",
                "CUDA_VERSION=12.1.0",
                "--env",
                "NVIDIA_REQUIRE_CUDA=cuda>=12.1 brand=tesla,driver>=525,driver<526",
                "--user",
                "1000",
            ],
            "RUN pip install torch==2.1.0",
            "localhost/pytorch:2.1.0-cuda12.1",
        );
        Self { buildah: b }
    }

    /// `image` written in every local layout under `dir`: the `--image` references.
    fn layouts(&self, image: &str, dir: &Path) -> Vec<String> {
        let base = image.rsplit('/').next().unwrap().replace(':', "_");
        let tag = image.rsplit(':').next().unwrap();
        let docker = dir.join(format!("{base}.docker.tar"));
        let oci_tar = dir.join(format!("{base}.oci.tar"));
        let layout = dir.join(format!("{base}.layout"));
        self.buildah.push(
            image,
            &format!("docker-archive:{}:{image}", docker.display()),
        );
        self.buildah
            .push(image, &format!("oci-archive:{}:{tag}", oci_tar.display()));
        self.buildah
            .push(image, &format!("oci:{}:{tag}", layout.display()));
        vec![
            docker.display().to_string(),
            format!("oci-archive:{}:{tag}", oci_tar.display()),
            format!("oci:{}:{tag}", layout.display()),
        ]
    }
}

/// A host snapshot (`cudoctor probe --root` of a fixture host): a Tesla T4 with `driver`.
fn host_snapshot(driver_version: &str, dir: &Path) -> PathBuf {
    let f = Fixture::new();
    driver(&f, driver_version);
    f.file(
        "/proc/driver/nvidia/gpus/0000:00:1e.0/information",
        "Model: \t\t Tesla T4\nIRQ:   \t\t 70\nGPU UUID: \t GPU-ad8e9ef0-8be5-6b26-5d5a-0f8e4e0d3b3b\nBus Location: \t 0000:00:1e.0\nDevice Minor: \t 0\n",
    )
    .file("/dev/nvidia0", "")
    .file("/dev/nvidiactl", "")
    .file("/dev/nvidia-uvm", "");
    let out = cudoctor_cmd()
        .args(["probe", "--format", "json", "--root"])
        .arg(f.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = dir.join(format!("host-{driver_version}.json"));
    std::fs::write(&path, out.stdout).unwrap();
    path
}

/// `check --image REF --host HOST --format json`: exit code and JSON.
fn check(reference: &str, host: &Path, extra: &[&str]) -> (i32, serde_json::Value) {
    let cache = host.parent().unwrap().join("xdg-cache");
    let mut cmd = cudoctor_cmd();
    if reference.starts_with("docker://127.0.0.1:") {
        // The registry is this test's own, on loopback: no network beyond the machine.
        cmd.env_remove("CUDOCTOR_OFFLINE");
    }
    let out = cmd
        .args(["check", "--format", "json", "--image", reference, "--host"])
        .arg(host)
        .args(extra)
        .env("XDG_CACHE_HOME", &cache)
        .env(
            "DOCKER_CONFIG",
            host.parent().unwrap().join("no-docker-config"),
        )
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "check --image {reference}: {e}\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_matches_check_schema(&json);
    (out.status.code().unwrap(), json)
}

/// The findings as `severity id: title`, with the image's reference (which names the layout)
/// taken out, so that layouts compare.
fn findings(json: &serde_json::Value, reference: &str) -> Vec<String> {
    let mut out: Vec<String> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let evidence: Vec<String> = f["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| format!("{}={}", e["fact"], e["value"]))
                .collect();
            format!(
                "{} {}: {} [{}]",
                f["severity"].as_str().unwrap(),
                f["id"].as_str().unwrap(),
                f["title"].as_str().unwrap(),
                evidence.join("; ")
            )
        })
        .map(|f| {
            // `-` (stdin) is too short to replace safely; it names no layout anyway.
            if reference.len() > 1 {
                f.replace(reference, "REF")
            } else {
                f
            }
        })
        .collect();
    out.sort();
    out
}

fn ids(found: &[String]) -> Vec<String> {
    found
        .iter()
        .map(|f| f.split(':').next().unwrap().to_owned())
        .collect()
}

#[test]
fn real_images_give_the_same_findings_in_every_layout() {
    if containers::tools(&["buildah", "skopeo", "docker-registry"]).is_none() {
        return;
    }
    let images = Images::build();
    let dir = tempfile::tempdir().unwrap();
    let registry = containers::Registry::start(dir.path()).unwrap();
    let mut remotes: Vec<(String, PathBuf, Vec<String>)> = Vec::new();
    let host535 = host_snapshot("535.104.05", dir.path());
    let host470 = host_snapshot("470.82.01", dir.path());
    let cases: [(&str, &Path, i32, &[&str]); 4] = [
        // The official stack on a new enough driver: nothing wrong.
        ("localhost/tensorflow:2.9.0-gpu", &host535, 0, &[]),
        // S14: cuDNN replaced by 8.0.5 in an upper layer.
        (
            "localhost/tensorflow:2.9.0-gpu-cudnn805",
            &host535,
            1,
            &[
                "warning image-library-replaced",
                "error cudnn-version-mismatch",
            ],
        ),
        // cuDNN deleted by whiteouts.
        (
            "localhost/tensorflow:2.9.0-gpu-nocudnn",
            &host535,
            1,
            &["warning image-library-replaced", "error library-not-found"],
        ),
        // CUDA 12.1 on a 470 host: the container runtime refuses it.
        (
            "localhost/pytorch:2.1.0-cuda12.1",
            &host470,
            1,
            &["error image-cuda-newer-than-driver"],
        ),
    ];
    for (image, host, code, expected) in cases {
        let mut seen: Option<Vec<String>> = None;
        for reference in images.layouts(image, dir.path()) {
            let (rc, json) = check(&reference, host, &[]);
            let found = findings(&json, &reference);
            assert_eq!(rc, code, "{reference}: {found:#?}");
            let ids = ids(&found);
            for want in expected {
                assert!(
                    ids.iter().any(|i| i == want),
                    "{reference}: no {want} in {found:#?}"
                );
            }
            if image.ends_with("cudnn805") {
                // The package database says the same: libcudnn8 installed again in layer 4.
                assert!(
                    found
                        .iter()
                        .any(|f| f
                            .contains("reinstalled the package `libcudnn8:amd64` over layer 2")),
                    "{reference}: {found:#?}"
                );
            }
            if code == 0 {
                assert!(
                    !ids.iter()
                        .any(|i| i.starts_with("error") || i.starts_with("warning")),
                    "{reference}: {found:#?}"
                );
            }
            match &seen {
                None => seen = Some(found),
                Some(first) => {
                    assert_eq!(first, &found, "{reference} differs from the first layout");
                }
            }
        }
        // The same image from a registry, with its layers: the same findings.
        let name = image.trim_start_matches("localhost/");
        let layout = format!(
            "oci:{}:{}",
            dir.path()
                .join(format!("{}.layout", name.replace(':', "_")))
                .display(),
            name.rsplit(':').next().unwrap()
        );
        let remote = format!("docker://{}/{name}", registry.host);
        containers::run(
            containers::skopeo(dir.path())
                .args(["copy", "--dest-tls-verify=false"])
                .arg(&layout)
                .arg(&remote),
        )
        .unwrap();
        let (rc, json) = check(&remote, host, &["--layers"]);
        let found = findings(&json, &remote);
        assert_eq!(rc, code, "{remote}: {found:#?}");
        assert_eq!(
            seen.as_ref().unwrap(),
            &found,
            "{remote} differs from the local layouts"
        );
        assert_eq!(
            json["findings"].as_array().map(Vec::len),
            seen.as_ref().map(Vec::len)
        );
        remotes.push((remote, host.to_path_buf(), seen.unwrap()));
    }
    // Config only (no --layers): the verdict from the config's Env, and it says the files were
    // not read.
    let (remote, host, _) = &remotes[3];
    let (rc, json) = check(remote, host, &[]);
    let found = findings(&json, remote);
    assert_eq!(rc, 1, "{found:#?}");
    assert!(
        ids(&found)
            .iter()
            .any(|i| i == "error image-cuda-newer-than-driver"),
        "{found:#?}"
    );
    let snap = probe_json(&["--image", remote], &[]);
    let problems = snap["image"]["problems"].to_string();
    assert!(problems.contains("only the config"), "{problems}");
    // A `docker save` stream on stdin reads like the archive.
    let archive = dir.path().join("tensorflow_2.9.0-gpu.docker.tar");
    let out = cudoctor_cmd()
        .args(["check", "--format", "json", "--image", "-", "--host"])
        .arg(&host535)
        .pipe_stdin(&archive)
        .unwrap()
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let reference = json_reference(&json);
    assert_eq!(findings(&json, &reference), remotes[0].2, "stdin");
    // A floating name (S15: never `latest`): the archive's RepoTags and the layout's ref name.
    let latest = dir.path().join("latest.docker.tar");
    images.buildah.push(
        "localhost/tensorflow:2.9.0-gpu",
        &format!(
            "docker-archive:{}:tensorflow/tensorflow:latest-gpu",
            latest.display()
        ),
    );
    let layout = dir.path().join("latest.layout");
    images.buildah.push(
        "localhost/tensorflow:2.9.0-gpu",
        &format!("oci:{}:latest", layout.display()),
    );
    for reference in [
        latest.display().to_string(),
        format!("oci:{}:latest", layout.display()),
    ] {
        let (rc, json) = check(&reference, &host535, &[]);
        let found = findings(&json, &reference);
        assert_eq!(rc, 0, "{found:#?}");
        assert!(
            ids(&found)
                .iter()
                .any(|i| i == "warning image-floating-tag"),
            "{reference}: {found:#?}"
        );
    }
    // `which` answers inside the image: the replaced cuDNN is what the loader takes.
    for (archive, real) in [
        ("tensorflow_2.9.0-gpu.docker.tar", "libcudnn.so.8.1.0"),
        (
            "tensorflow_2.9.0-gpu-cudnn805.docker.tar",
            "libcudnn.so.8.0.5",
        ),
    ] {
        let out = cudoctor_cmd()
            .args(["which", "libcudnn.so.8", "--format", "json", "--image"])
            .arg(dir.path().join(archive))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let chosen = json["chosen"].to_string();
        assert!(chosen.contains(real), "{archive}: {json}");
    }
    engine_and_fallback(&images, dir.path(), &registry.host, &host535, &remotes[0].2);
}

/// The image reference the JSON's evidence names (`the config of `REF``), for normalizing.
fn json_reference(json: &serde_json::Value) -> String {
    let text = json.to_string();
    let Some(at) = text.find("the config of `") else {
        return String::from("\u{0}");
    };
    let rest = &text[at + "the config of `".len()..];
    rest[..rest.find('`').unwrap()].to_owned()
}

/// `probe --format json ARGS` with `env`.
fn probe_json(args: &[&str], env: &[(&str, &str)]) -> serde_json::Value {
    let mut cmd = cudoctor_cmd();
    cmd.env_remove("CUDOCTOR_OFFLINE")
        .args(["probe", "--format", "json"])
        .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let snap: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_matches_schema(&snap);
    snap
}

/// A Podman API service on a socket under `dir` with the `docker save` archive loaded: the
/// service (stopped on drop) and its `DOCKER_HOST`; `None` (a logged skip) where it cannot run.
fn podman_with(dir: &Path, archive: &Path) -> Option<(containers::Service, String)> {
    let t = dir.join("podman");
    std::fs::create_dir_all(&t).unwrap();
    let socket = t.join("podman.sock");
    let service = match containers::start_podman(&t, &socket) {
        Ok(s) => s,
        Err(e) => {
            return containers::missing(&format!("podman's API service cannot run here: {e}"));
        }
    };
    containers::run(containers::podman(&t).arg("load").arg("-i").arg(archive)).unwrap();
    Some((service, format!("unix://{}", socket.display())))
}

/// `NAME:TAG` read through a real Podman API service (`/images/{name}/get`), and a name it
/// lacks read from the registry instead, with a note.
fn engine_and_fallback(
    images: &Images,
    dir: &Path,
    registry: &str,
    host: &Path,
    expected: &[String],
) {
    if containers::tools(&["podman"]).is_none() {
        return;
    }
    let _ = images;
    let archive = dir.join("tensorflow_2.9.0-gpu.docker.tar");
    let Some((_service, docker_host)) = podman_with(dir, &archive) else {
        return;
    };
    let out = cudoctor_cmd()
        .args([
            "check",
            "--format",
            "json",
            "--image",
            "localhost/tensorflow:2.9.0-gpu",
            "--host",
        ])
        .arg(host)
        .env("DOCKER_HOST", &docker_host)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(
        findings(&json, "docker-daemon:localhost/tensorflow:2.9.0-gpu"),
        expected
    );
    // Not in the engine: read from the registry instead (config only), and said so.
    let name = format!("{registry}/tensorflow:2.9.0-gpu");
    let snap = probe_json(
        &["--image", &name],
        &[
            ("DOCKER_HOST", &docker_host),
            ("XDG_CACHE_HOME", &dir.join("xdg").display().to_string()),
        ],
    );
    assert_eq!(snap["image"]["transport"], "docker", "{}", snap["image"]);
    let problems = snap["image"]["problems"].to_string();
    assert!(problems.contains("has no image"), "{problems}");
}

/// The README's `check --image tensorflow/tensorflow:2.9.0-gpu` example is real output: the TF
/// 2.9 image built here in the source's four layers, loaded into a Podman API service under the
/// official name, checked on a 450 host (a snapshot). Every line of the README's block but the
/// elisions must be in the output; `--nocapture` prints the whole of it.
#[test]
fn readme_image_example_is_real_output() {
    if containers::tools(&["buildah", "podman"]).is_none() {
        return;
    }
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let command = "$ cudoctor check --image tensorflow/tensorflow:2.9.0-gpu --host host-450.json\n";
    let at = readme
        .find(command)
        .expect("the README shows check --image");
    let block = &readme[at + command.len()..];
    let block = &block[..block.find("```").unwrap()];
    let images = Images::build();
    let dir = tempfile::tempdir().unwrap();
    let host = host_snapshot("450.80.02", dir.path());
    let archive = dir.path().join("tf.docker.tar");
    images.buildah.push(
        "localhost/tensorflow:2.9.0-gpu",
        &format!(
            "docker-archive:{}:tensorflow/tensorflow:2.9.0-gpu",
            archive.display()
        ),
    );
    let Some((_service, docker_host)) = podman_with(dir.path(), &archive) else {
        return;
    };
    let out = cudoctor_cmd()
        .args([
            "check",
            "--image",
            "tensorflow/tensorflow:2.9.0-gpu",
            "--host",
        ])
        .arg(&host)
        .env("DOCKER_HOST", &docker_host)
        .env("COLUMNS", "100")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    eprintln!("exit {}\n{text}", out.status.code().unwrap_or(-1));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in block.lines().filter(|l| l.trim() != "...") {
        assert!(
            text.contains(line),
            "README line not in the output: {line:?}\n{text}"
        );
    }
}

/// Bad `--image` input is a clear error with exit 2 naming the file, and needs no container
/// tools: a path that does not exist, a file that is not an archive, and `--host` without
/// `--image`.
#[test]
fn bad_image_input_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.tar");
    std::fs::write(&junk, "not a tar archive\n").unwrap();
    let missing = dir.path().join("missing.tar");
    for (args, needle) in [
        (
            vec![
                "check".to_owned(),
                "--image".to_owned(),
                missing.display().to_string(),
            ],
            "no such file or directory".to_owned(),
        ),
        (
            vec![
                "check".to_owned(),
                "--image".to_owned(),
                junk.display().to_string(),
            ],
            format!(
                "`{}`: the archive is not a readable tar archive",
                junk.display()
            ),
        ),
        (
            vec!["check".to_owned(), "--host".to_owned(), "h.json".to_owned()],
            "--image".to_owned(),
        ),
    ] {
        let out = cudoctor_cmd().args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(&needle), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}
