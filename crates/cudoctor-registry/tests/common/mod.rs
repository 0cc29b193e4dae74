//! Shared by the integration tests: skips (logged), the real `docker-registry`, and a small
//! image built with `buildah` into an OCI layout.
#![allow(clippy::print_stderr, dead_code, clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A missing tool: a skip with the reason, or a failure when `CUDOCTOR_REQUIRE_ARTIFACTS=1`.
pub fn missing<T>(why: &str) -> Option<T> {
    let required = std::env::var("CUDOCTOR_REQUIRE_ARTIFACTS").is_ok_and(|v| v == "1");
    assert!(!required, "{why}, and CUDOCTOR_REQUIRE_ARTIFACTS=1");
    log_skip(why);
    None
}

/// Records a skip: prints it, and appends `TEST_NAME: reason` to the file named by
/// `CUDOCTOR_SKIP_LOG` when that is set (CI counts the lines).
pub fn log_skip(why: &str) {
    eprintln!("skipped: {why}");
    let Some(log) = std::env::var_os("CUDOCTOR_SKIP_LOG") else {
        return;
    };
    let name = std::thread::current()
        .name()
        .unwrap_or("unknown test")
        .to_owned();
    let line = format!("{name}: {}\n", why.replace('\n', " "));
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .and_then(|mut f| std::io::Write::write_all(&mut f, line.as_bytes()));
    if let Err(e) = written {
        eprintln!(
            "cannot append to CUDOCTOR_SKIP_LOG `{}`: {e}",
            std::path::Path::new(&log).display()
        );
    }
}

/// The tool's path when it is installed (looked up on `PATH`).
pub fn tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// All of `names` installed, or a skip naming the first missing one.
pub fn tools(names: &[&str]) -> Option<()> {
    for n in names {
        if tool(n).is_none() {
            return missing(&format!("`{n}` is not installed"));
        }
    }
    Some(())
}

/// Runs a command; `Err` with its stderr when it fails.
pub fn run(cmd: &mut Command) -> Result<String, String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("running {cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A free loopback port (bound, then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A running `docker-registry serve`, killed on drop.
pub struct Registry {
    child: Option<Child>,
    /// Its `127.0.0.1:PORT`.
    pub host: String,
}

impl Registry {
    /// Starts one whose storage is under `dir`, and waits until `GET /v2/` answers 200.
    pub fn start(dir: &Path) -> Result<Self, String> {
        let port = free_port();
        let host = format!("127.0.0.1:{port}");
        let config = dir.join("registry.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {host}\n",
                dir.join("registry-data").display()
            ),
        )
        .map_err(|e| e.to_string())?;
        let log = std::fs::File::create(dir.join("registry.log")).map_err(|e| e.to_string())?;
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("starting docker-registry: {e}"))?;
        let reg = Self {
            child: Some(child),
            host,
        };
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(15) {
            if http_status(&reg.host, "/v2/") == Some(200) {
                return Ok(reg);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let log = std::fs::read_to_string(dir.join("registry.log")).unwrap_or_default();
        Err(format!(
            "docker-registry did not answer on {}: {log}",
            reg.host
        ))
    }

    /// Stops it (and waits for it to exit).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The status of `GET path` on `host`, by a minimal HTTP/1.0 request.
pub fn http_status(host: &str, path: &str) -> Option<u16> {
    let mut s = TcpStream::connect(host).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").ok()?;
    let mut buf = [0u8; 64];
    let n = s.read(&mut buf).ok()?;
    let head = String::from_utf8_lossy(&buf[..n]);
    head.split(' ').nth(1)?.parse().ok()
}

/// `buildah` with its storage under `t` (vfs, so no overlay or fuse is needed).
pub fn buildah(t: &Path) -> Command {
    let mut c = Command::new("buildah");
    c.arg("--storage-driver")
        .arg("vfs")
        .arg("--root")
        .arg(t.join("store"))
        .arg("--runroot")
        .arg(t.join("run"));
    c
}

/// The variable the test image's config sets.
pub const ENV_VAR: &str = "NVIDIA_REQUIRE_CUDA=cuda>=12.1";

/// Builds a one-layer image (`/etc/hello.txt`, `NVIDIA_REQUIRE_CUDA=cuda>=12.1`) from scratch
/// into the OCI layout `t/layout` as `t1`.
pub fn build_image(t: &Path) -> Result<(), String> {
    let rootfs = t.join("rootfs");
    std::fs::create_dir_all(rootfs.join("etc")).map_err(|e| e.to_string())?;
    std::fs::write(rootfs.join("etc/hello.txt"), "hello from cudoctor\n")
        .map_err(|e| e.to_string())?;
    let c = run(buildah(t).args(["from", "scratch"]))?.trim().to_owned();
    run(buildah(t).arg("copy").arg(&c).arg(&rootfs).arg("/"))?;
    run(buildah(t).args(["config", "--env", ENV_VAR, &c]))?;
    run(buildah(t)
        .arg("commit")
        .arg(&c)
        .arg(format!("oci:{}:t1", t.join("layout").display())))?;
    Ok(())
}

/// `skopeo` with an empty auth file of its own and no signature policy lookups.
pub fn skopeo(t: &Path) -> Command {
    let auth = t.join("skopeo-auth.json");
    if !auth.exists() {
        std::fs::write(&auth, "{\"auths\":{}}").expect("write auth file");
    }
    let mut c = Command::new("skopeo");
    c.arg("--insecure-policy");
    c.env("REGISTRY_AUTH_FILE", auth);
    c
}

/// Pushes `oci:t/layout:TAG` to `docker://HOST/REPO:TAG` (with `--all` for an index).
pub fn push(t: &Path, tag: &str, host: &str, repo: &str, all: bool) -> Result<(), String> {
    let mut c = skopeo(t);
    c.arg("copy").arg("--dest-tls-verify=false");
    if all {
        c.arg("--all");
    }
    c.arg(format!("oci:{}:{tag}", t.join("layout").display()))
        .arg(format!("docker://{host}/{repo}:{tag}"));
    run(&mut c).map(|_| ())
}

/// The `Digest` `skopeo inspect` reports for a reference.
pub fn skopeo_digest(t: &Path, reference: &str) -> Result<String, String> {
    let out = run(skopeo(t)
        .args(["inspect", "--tls-verify=false"])
        .arg(reference))?;
    let v: serde_json::Value = serde_json::from_str(&out).map_err(|e| e.to_string())?;
    v["Digest"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("no Digest in {out}"))
}

/// `sha256:HEX` of bytes.
pub fn sha256(bytes: &[u8]) -> String {
    cudoctor_registry::sha256_digest(bytes)
}

/// Writes a blob into the OCI layout `t/layout`; returns its descriptor fields.
pub fn write_blob(t: &Path, bytes: &[u8]) -> (String, u64) {
    let d = sha256(bytes);
    let p = t.join("layout/blobs/sha256").join(&d[7..]);
    std::fs::write(p, bytes).expect("write blob");
    (d, bytes.len() as u64)
}

/// Reads a blob of the OCI layout `t/layout`.
pub fn read_blob(t: &Path, digest: &str) -> Vec<u8> {
    std::fs::read(t.join("layout/blobs/sha256").join(&digest[7..])).expect("read blob")
}

/// Adds an index `multi` to the layout holding `t1` (as linux/amd64) and a hand-made
/// linux/arm64/v8 manifest over the same layer, whose config also sets `MARKER=arm64`.
pub fn add_multi_arch_index(t: &Path) {
    let index_path = t.join("layout/index.json");
    let mut top: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&index_path).expect("index.json")).expect("json");
    let t1 = top["manifests"]
        .as_array()
        .expect("manifests")
        .iter()
        .find(|m| m["annotations"]["org.opencontainers.image.ref.name"] == "t1")
        .expect("t1")
        .clone();
    let t1_digest = t1["digest"].as_str().expect("digest").to_owned();
    let manifest: serde_json::Value =
        serde_json::from_slice(&read_blob(t, &t1_digest)).expect("manifest");
    let mut config: serde_json::Value = serde_json::from_slice(&read_blob(
        t,
        manifest["config"]["digest"].as_str().expect("d"),
    ))
    .expect("config");
    config["architecture"] = "arm64".into();
    config["variant"] = "v8".into();
    config["config"]["Env"]
        .as_array_mut()
        .expect("Env")
        .push("MARKER=arm64".into());
    let (cd, cs) = write_blob(t, &serde_json::to_vec(&config).expect("json"));
    let mut arm = manifest.clone();
    arm["config"]["digest"] = cd.into();
    arm["config"]["size"] = cs.into();
    let (ad, asz) = write_blob(t, &serde_json::to_vec(&arm).expect("json"));
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": t1_digest,
             "size": t1["size"], "platform": {"os": "linux", "architecture": "amd64"}},
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": ad,
             "size": asz, "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}}
        ]
    });
    let (id, isz) = write_blob(t, &serde_json::to_vec(&index).expect("json"));
    top["manifests"]
        .as_array_mut()
        .expect("manifests")
        .push(serde_json::json!({
            "mediaType": "application/vnd.oci.image.index.v1+json", "digest": id, "size": isz,
            "annotations": {"org.opencontainers.image.ref.name": "multi"}
        }));
    std::fs::write(&index_path, serde_json::to_vec(&top).expect("json")).expect("write");
}
