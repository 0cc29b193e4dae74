//! Real container tools for tests: skips that are logged (or fail under
//! `CUDOCTOR_REQUIRE_ARTIFACTS=1`), a `docker-registry serve` on 127.0.0.1, and `buildah` with
//! a vfs store of its own (no daemon, no overlay), and Podman's Docker-compatible API service
//! (`podman system service`) on a socket of the test's own.
#![allow(clippy::print_stderr)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub use crate::skip::{log_skip, missing};

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

/// `podman` with its storage under `t` (vfs, cgroupfs, file events: nothing of the host's).
pub fn podman(t: &Path) -> Command {
    let mut c = Command::new("podman");
    c.arg("--storage-driver")
        .arg("vfs")
        .arg("--root")
        .arg(t.join("pstore"))
        .arg("--runroot")
        .arg(t.join("prun"))
        .args(["--cgroup-manager", "cgroupfs", "--events-backend", "file"]);
    c
}

/// A running `podman system service`, killed on drop.
pub struct Service(Child);

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn start_podman(t: &Path, socket: &Path) -> Result<Service, String> {
    let log = std::fs::File::create(t.join("podman.log")).map_err(|e| e.to_string())?;
    let child = podman(t)
        .args(["system", "service", "--time=0"])
        .arg(format!("unix://{}", socket.display()))
        .stdin(Stdio::null())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log)
        .spawn()
        .map_err(|e| format!("starting podman system service: {e}"))?;
    let service = Service(child);
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        if UnixStream::connect(socket).is_ok() {
            return Ok(service);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let log = std::fs::read_to_string(t.join("podman.log")).unwrap_or_default();
    Err(format!("podman's socket did not answer: {log}"))
}
