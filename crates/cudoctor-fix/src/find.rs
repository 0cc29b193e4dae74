//! Which `daemon.json` the Docker daemon really reads, and where the NVIDIA runtime is.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::RUNTIME_BINARY;

/// Where a rootful dockerd reads its configuration by default.
pub const DAEMON_JSON: &str = "/etc/docker/daemon.json";
/// The snap package's `daemon.json`.
pub const SNAP_DAEMON_JSON: &str = "/var/snap/docker/current/config/daemon.json";
/// A rootless dockerd's, under `$XDG_CONFIG_HOME` (else `~/.config`).
pub const ROOTLESS_DAEMON_JSON: &str = "docker/daemon.json";

/// A `daemon.json` the daemon may read, and why we think so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub path: PathBuf,
    pub why: String,
}

/// A running dockerd seen in `/proc`.
#[derive(Debug)]
struct Dockerd {
    pid: u32,
    config_file: Option<String>,
    rootless: bool,
}

/// The dockerd processes under `proc_root` (normally `/proc`), by pid.
fn dockerds(proc_root: &Path) -> Vec<Dockerd> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir(proc_root) else {
        return out;
    };
    for e in entries.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(cmdline) = fs::read(e.path().join("cmdline")) else {
            continue;
        };
        let args: Vec<String> = cmdline
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        if args
            .first()
            .is_none_or(|a0| a0.rsplit('/').next() != Some("dockerd"))
        {
            continue;
        }
        out.push(parse_dockerd(pid, &args, uid_of(&e.path())));
    }
    out.sort_by_key(|d| d.pid);
    out
}

/// The real uid of a process: the first number of `Uid:` in `/proc/PID/status`.
fn uid_of(proc_pid: &Path) -> Option<u32> {
    let status = fs::read_to_string(proc_pid.join("status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Reads dockerd's arguments, as in `/proc/PID/cmdline`:
/// `/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock --config-file /etc/docker/daemon.json`.
fn parse_dockerd(pid: u32, args: &[String], uid: Option<u32>) -> Dockerd {
    let mut config_file = None;
    let mut rootless = uid.is_some_and(|u| u != 0);
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        if a == "--config-file" {
            config_file = it.next().cloned();
        } else if let Some(v) = a.strip_prefix("--config-file=") {
            config_file = Some(v.to_owned());
        } else if a == "--rootless" || a == "--rootless=true" {
            rootless = true;
        }
    }
    Dockerd {
        pid,
        config_file,
        rootless,
    }
}

/// The `daemon.json` files the Docker daemon may read, the likeliest first: the
/// `--config-file` of a running dockerd (found in `proc_root`, normally `/proc`); a rootless
/// daemon's `$XDG_CONFIG_HOME/docker/daemon.json` (else `~/.config/docker/daemon.json`) when a
/// rootless dockerd runs; the snap package's when it exists; and always last
/// `/etc/docker/daemon.json`. `env` reads the environment.
pub fn find_docker_configs(
    env: &dyn Fn(&str) -> Option<String>,
    proc_root: &Path,
) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    let mut push = |path: PathBuf, why: String| {
        if !out.iter().any(|c| c.path == path) {
            out.push(Candidate { path, why });
        }
    };
    let running = dockerds(proc_root);
    for d in &running {
        if let Some(f) = &d.config_file {
            push(
                PathBuf::from(f),
                format!("the `--config-file` of the running dockerd (pid {})", d.pid),
            );
        }
    }
    if let Some(d) = running.iter().find(|d| d.rootless) {
        let base = env("XDG_CONFIG_HOME")
            .filter(|x| x.starts_with('/'))
            .map(PathBuf::from)
            .or_else(|| env("HOME").map(|h| Path::new(&h).join(".config")));
        if let Some(base) = base {
            push(
                base.join(ROOTLESS_DAEMON_JSON),
                format!("a rootless dockerd runs (pid {})", d.pid),
            );
        }
    }
    if Path::new(SNAP_DAEMON_JSON).exists() {
        push(
            PathBuf::from(SNAP_DAEMON_JSON),
            "Docker is installed as a snap".to_owned(),
        );
    }
    push(
        PathBuf::from(DAEMON_JSON),
        if running.is_empty() {
            "the default (no running dockerd found)".to_owned()
        } else {
            "the default".to_owned()
        },
    );
    out
}

/// The NVIDIA runtime to register: `nvidia-container-runtime` on `PATH` (then `/usr/bin`,
/// `/usr/local/bin`) as an absolute path, else the bare name with a note saying so.
pub fn find_runtime(env: &dyn Fn(&str) -> Option<String>) -> (String, Option<String>) {
    let path = env("PATH").unwrap_or_default();
    let dirs = path
        .split(':')
        .filter(|d| d.starts_with('/'))
        .chain(["/usr/bin", "/usr/local/bin"]);
    for d in dirs {
        let p = Path::new(d).join(RUNTIME_BINARY);
        if fs::metadata(&p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0) {
            return (p.to_string_lossy().into_owned(), None);
        }
    }
    (
        RUNTIME_BINARY.to_owned(),
        Some(format!(
            "`{RUNTIME_BINARY}` was not found on PATH: the bare name is written, which the daemon looks up on its own PATH (install the NVIDIA Container Toolkit)"
        )),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn fake_proc(procs: &[(u32, &[&str], u32)]) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        for (pid, args, uid) in procs {
            let p = d.path().join(pid.to_string());
            fs::create_dir(&p).unwrap();
            let mut cmd = args.join("\0");
            cmd.push('\0');
            fs::write(p.join("cmdline"), cmd).unwrap();
            fs::write(
                p.join("status"),
                format!("Name:\tx\nUid:\t{uid}\t{uid}\t{uid}\t{uid}\n"),
            )
            .unwrap();
        }
        fs::create_dir(d.path().join("self")).unwrap();
        d
    }

    #[test]
    fn config_file_of_running_dockerd_first() {
        let p = fake_proc(&[
            (1, &["/sbin/init"], 0),
            (
                812,
                &[
                    "/usr/bin/dockerd",
                    "-H",
                    "fd://",
                    "--config-file",
                    "/srv/docker.json",
                ],
                0,
            ),
        ]);
        let c = find_docker_configs(&|_| None, p.path());
        assert_eq!(c[0].path, Path::new("/srv/docker.json"));
        assert!(c[0].why.contains("pid 812"), "{:?}", c[0]);
        assert_eq!(c.last().unwrap().path, Path::new(DAEMON_JSON));
    }

    #[test]
    fn rootless() {
        let p = fake_proc(&[(4242, &["dockerd"], 1000)]);
        let env = |k: &str| (k == "HOME").then(|| "/home/u".to_owned());
        let c = find_docker_configs(&env, p.path());
        assert_eq!(c[0].path, Path::new("/home/u/.config/docker/daemon.json"));
        let p = fake_proc(&[(7, &["/usr/bin/dockerd", "--rootless"], 0)]);
        let env = |k: &str| (k == "XDG_CONFIG_HOME").then(|| "/x".to_owned());
        let c = find_docker_configs(&env, p.path());
        assert_eq!(c[0].path, Path::new("/x/docker/daemon.json"));
    }

    #[test]
    fn no_dockerd_gives_the_default() {
        let p = fake_proc(&[(1, &["/sbin/init"], 0)]);
        let c = find_docker_configs(&|_| None, p.path());
        assert_eq!(c.last().unwrap().path, Path::new(DAEMON_JSON));
        assert!(c.last().unwrap().why.contains("no running dockerd"));
    }

    #[test]
    fn runtime_on_path() {
        let d = tempfile::tempdir().unwrap();
        let exe = d.path().join(RUNTIME_BINARY);
        fs::write(&exe, "#!/bin/sh\n").unwrap();
        fs::set_permissions(&exe, fs::Permissions::from_mode(0o755)).unwrap();
        let dir = d.path().to_string_lossy().into_owned();
        let env = move |k: &str| (k == "PATH").then(|| dir.clone());
        assert_eq!(
            find_runtime(&env),
            (exe.to_string_lossy().into_owned(), None)
        );
    }
}
