//! `cudoctor fix docker-runtime` and `cudoctor fix containerd`: the dry run, `--apply`, the
//! backup, errors that leave the file as it was.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::{cudoctor_cmd, render, run_with};

const DAEMON_JSON: &str = "{\n  \"debug\": true,\n  \"runtimes\": {\n    \"crun\": {\"path\": \"/usr/bin/crun\"}\n  }\n}\n";

/// A directory with `daemon.json` (mode 0640) and a `bin/` holding a fake
/// `nvidia-container-runtime`, which the command finds on `PATH`.
struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        fs::create_dir(&bin).unwrap();
        let rt = bin.join("nvidia-container-runtime");
        fs::write(&rt, "#!/bin/sh\n").unwrap();
        fs::set_permissions(&rt, fs::Permissions::from_mode(0o755)).unwrap();
        let p = dir.path().join("daemon.json");
        fs::write(&p, DAEMON_JSON).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).unwrap();
        Setup { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str]) -> common::Run {
        let tmp = self.dir.path().to_string_lossy().into_owned();
        let mut cmd = cudoctor_cmd();
        cmd.env("PATH", self.path("bin")).args(args);
        run_with(&mut cmd, &[(tmp.as_str(), "[TMP]")])
    }

    fn names(&self) -> Vec<String> {
        names(self.dir.path())
    }
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn dry_run_prints_the_diff_and_leaves_the_file() {
    let s = Setup::new();
    let p = s.path("daemon.json");
    let r = s.run(&[
        "fix",
        "docker-runtime",
        "--config",
        p.to_str().unwrap(),
        "--set-default",
    ]);
    insta::assert_snapshot!(render(&r), @r#"
    success: true
    exit_code: 0
    ----- stdout -----
    --- a[TMP]/daemon.json
    +++ b[TMP]/daemon.json
    @@ -1,6 +1,11 @@
     {
       "debug": true,
       "runtimes": {
    -    "crun": {"path": "/usr/bin/crun"}
    -  }
    +    "crun": {"path": "/usr/bin/crun"},
    +    "nvidia": {
    +      "args": [],
    +      "path": "[TMP]/bin/nvidia-container-runtime"
    +    }
    +  },
    +  "default-runtime": "nvidia"
     }

    ----- stderr -----
    dry run: nothing was written; add `--apply` to write `[TMP]/daemon.json` (the original is kept as a backup)
    "#);
    assert_eq!(fs::read_to_string(&p).unwrap(), DAEMON_JSON);
    assert_eq!(s.names(), vec!["bin", "daemon.json"]);
}

#[test]
fn apply_writes_keeps_mode_and_backs_up_once() {
    let s = Setup::new();
    let p = s.path("daemon.json");
    let cfg = p.to_str().unwrap();
    let r = s.run(&[
        "fix",
        "docker-runtime",
        "--config",
        cfg,
        "--set-default",
        "--apply",
    ]);
    assert_eq!(r.code, 0, "{}", render(&r));
    let v: serde_json::Value = serde_json::from_str(&fs::read_to_string(&p).unwrap()).unwrap();
    assert_eq!(v["default-runtime"], "nvidia");
    assert_eq!(
        v["runtimes"]["nvidia"]["path"],
        s.path("bin/nvidia-container-runtime").to_str().unwrap()
    );
    assert_eq!(v["runtimes"]["crun"]["path"], "/usr/bin/crun");
    assert_eq!(
        fs::metadata(&p).unwrap().permissions().mode() & 0o7777,
        0o640
    );
    let names = s.names();
    assert_eq!(names.len(), 3, "{names:?}");
    let backup = names
        .iter()
        .find(|n| n.starts_with("daemon.json.cudoctor-backup-"))
        .unwrap();
    assert_eq!(fs::read_to_string(s.path(backup)).unwrap(), DAEMON_JSON);
    assert!(
        r.stderr.contains(&format!("backup: `[TMP]/{backup}`")),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("  sudo systemctl restart docker\n"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("  docker run --rm --gpus all ubuntu nvidia-smi\n"),
        "{}",
        r.stderr
    );

    // Again: nothing to change, no second backup.
    let r = s.run(&[
        "fix",
        "docker-runtime",
        "--config",
        cfg,
        "--set-default",
        "--apply",
    ]);
    assert_eq!(r.code, 0, "{}", render(&r));
    assert_eq!(
        r.stdout,
        "`[TMP]/daemon.json` already has the nvidia runtime; nothing to change\n"
    );
    assert_eq!(s.names().len(), 3);
}

#[test]
fn json_output() {
    let s = Setup::new();
    let p = s.path("daemon.json");
    let r = s.run(&[
        "fix",
        "docker-runtime",
        "--config",
        p.to_str().unwrap(),
        "--apply",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", render(&r));
    let v = r.json();
    assert_eq!(v["path"], "[TMP]/daemon.json");
    assert_eq!(v["changed"], true);
    assert_eq!(v["written"], true);
    assert!(
        v["diff"]
            .as_str()
            .unwrap()
            .starts_with("--- a[TMP]/daemon.json\n+++ b[TMP]/daemon.json\n"),
        "{v}"
    );
    assert!(
        v["backup"]
            .as_str()
            .unwrap()
            .starts_with("[TMP]/daemon.json.cudoctor-backup-")
    );
    assert_eq!(v["next"][0], "sudo systemctl restart docker");
    assert!(v["notes"].is_array());
}

#[test]
fn invalid_json_exits_2_with_line_and_column_and_leaves_the_file() {
    let s = Setup::new();
    let p = s.path("daemon.json");
    let bad = "{\n  \"debug\": true,\n  \"runtimes\": {,}\n}\n";
    fs::write(&p, bad).unwrap();
    let r = s.run(&[
        "fix",
        "docker-runtime",
        "--config",
        p.to_str().unwrap(),
        "--apply",
    ]);
    insta::assert_snapshot!(render(&r), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: cannot edit `[TMP]/daemon.json`
      Caused by: invalid JSON at line 3, column 16: key must be a string

    hint: nothing was changed; fix `[TMP]/daemon.json` at line 3, column 16 by hand (the daemon cannot read it either), then run this again
    ");
    assert_eq!(fs::read_to_string(&p).unwrap(), bad);
    assert_eq!(s.names(), vec!["bin", "daemon.json"]);
}

/// A directory this user cannot write into: a 0555 directory, or for root (whom modes do not
/// stop) sysfs, where nobody may create files.
fn read_only_dir(s: &Setup) -> Option<PathBuf> {
    let d = s.path("ro");
    fs::create_dir(&d).unwrap();
    fs::write(d.join("daemon.json"), DAEMON_JSON).unwrap();
    fs::set_permissions(&d, fs::Permissions::from_mode(0o555)).unwrap();
    if fs::write(d.join("probe"), "").is_err() {
        return Some(d);
    }
    let _ = fs::remove_file(d.join("probe"));
    fs::set_permissions(&d, fs::Permissions::from_mode(0o755)).unwrap();
    let sys = Path::new("/sys/kernel");
    if sys.is_dir() && fs::write(sys.join("cudoctor-probe"), "").is_err() {
        return Some(sys.to_owned());
    }
    cudoctor_test::skip::log_skip("no directory here refuses writes");
    None
}

#[test]
fn read_only_directory_is_a_clear_error_and_leaves_nothing() {
    let s = Setup::new();
    let Some(dir) = read_only_dir(&s) else {
        return;
    };
    let p = dir.join("daemon.json");
    let before = names(&dir);
    let old = fs::read_to_string(&p).ok();
    let r = s.run(&[
        "fix",
        "docker-runtime",
        "--config",
        p.to_str().unwrap(),
        "--apply",
    ]);
    assert_eq!(r.code, 2, "{}", render(&r));
    assert!(
        r.stderr.starts_with(&format!(
            "error: cannot write `{}`\n",
            p.display()
                .to_string()
                .replace(&s.dir.path().display().to_string(), "[TMP]")
        )),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("Permission denied"), "{}", r.stderr);
    assert!(r.stderr.contains("was left as it was"), "{}", r.stderr);
    assert_eq!(names(&dir), before);
    assert_eq!(fs::read_to_string(&p).ok(), old);
    let _ = fs::set_permissions(s.path("ro"), fs::Permissions::from_mode(0o755));
}

#[test]
fn containerd_dry_run_and_apply() {
    let s = Setup::new();
    let p = s.path("config.toml");
    let cfg = p.to_str().unwrap();
    let r = s.run(&["fix", "containerd", "--config", cfg, "--set-default"]);
    assert_eq!(r.code, 0, "{}", render(&r));
    assert!(
        r.stdout
            .contains("+[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.nvidia]\n"),
        "{}",
        r.stdout
    );
    assert!(!p.exists());
    let r = s.run(&[
        "fix",
        "containerd",
        "--config",
        cfg,
        "--set-default",
        "--apply",
    ]);
    assert_eq!(r.code, 0, "{}", render(&r));
    assert_eq!(
        fs::metadata(&p).unwrap().permissions().mode() & 0o7777,
        0o644
    );
    assert!(
        r.stderr.contains("  sudo systemctl restart containerd\n"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("sudo ctr run --rm --gpus 0 "),
        "{}",
        r.stderr
    );
    // A new file has no backup.
    assert!(!r.stderr.contains("backup:"), "{}", r.stderr);
    let r = s.run(&[
        "fix",
        "containerd",
        "--config",
        cfg,
        "--set-default",
        "--apply",
    ]);
    assert!(r.stdout.contains("nothing to change"), "{}", render(&r));
}

#[test]
fn invalid_toml_exits_2() {
    let s = Setup::new();
    let p = s.path("config.toml");
    fs::write(&p, "version = 2\n[plugins\n").unwrap();
    let r = s.run(&[
        "fix",
        "containerd",
        "--config",
        p.to_str().unwrap(),
        "--apply",
    ]);
    assert_eq!(r.code, 2, "{}", render(&r));
    assert!(
        r.stderr.contains("invalid TOML at line 2, column 9"),
        "{}",
        r.stderr
    );
    assert_eq!(fs::read_to_string(&p).unwrap(), "version = 2\n[plugins\n");
}

#[test]
fn help_has_examples() {
    let r = common::run(cudoctor_cmd().args(["fix", "docker-runtime", "--help"]));
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("Examples:"), "{}", r.stdout);
    assert!(r.stdout.contains("--set-default --apply"), "{}", r.stdout);
}
