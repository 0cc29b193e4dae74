//! `apply`: atomic replacement with a backup, or nothing at all.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use cudoctor_fix::{DockerOpts, FixError, Plan, apply, apply_with_hook, plan_docker_runtime};

const ORIGINAL: &str = "{\n  \"debug\": true\n}\n";

fn opts() -> DockerOpts {
    DockerOpts {
        runtime_path: "/usr/bin/nvidia-container-runtime".to_owned(),
        set_default: true,
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

fn setup(mode: u32) -> (tempfile::TempDir, PathBuf, Plan) {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("daemon.json");
    fs::write(&p, ORIGINAL).unwrap();
    fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
    let plan = plan_docker_runtime(ORIGINAL, &opts()).unwrap();
    (d, p, plan)
}

#[test]
fn writes_keeps_mode_and_backs_up() {
    let (d, p, plan) = setup(0o640);
    let a = apply(&p, &plan).unwrap();
    assert!(a.written);
    assert_eq!(fs::read_to_string(&p).unwrap(), plan.new);
    assert_eq!(
        fs::metadata(&p).unwrap().permissions().mode() & 0o7777,
        0o640
    );
    let backup = a.backup.unwrap();
    assert_eq!(fs::read_to_string(&backup).unwrap(), ORIGINAL);
    let name = backup.file_name().unwrap().to_string_lossy().into_owned();
    let stamp = name.strip_prefix("daemon.json.cudoctor-backup-").unwrap();
    assert_eq!(stamp.len(), "20261202T030405Z".len(), "{name}");
    assert!(
        stamp.ends_with('Z') && stamp.as_bytes()[8] == b'T',
        "{name}"
    );
    // Only the file and its backup: no temporary file left.
    assert_eq!(names(d.path()), vec!["daemon.json".to_owned(), name]);

    // Again: nothing to change, nothing written, no second backup.
    let text = fs::read_to_string(&p).unwrap();
    let again = plan_docker_runtime(&text, &opts()).unwrap();
    assert!(!again.changed);
    let a2 = apply(&p, &again).unwrap();
    assert!(!a2.written);
    assert_eq!(a2.backup, None);
    assert_eq!(names(d.path()).len(), 2);
}

#[test]
fn refuses_a_file_changed_since_planning() {
    let (d, p, plan) = setup(0o644);
    fs::write(&p, "{\"debug\": false}\n").unwrap();
    let e = apply(&p, &plan).unwrap_err();
    assert!(matches!(e, FixError::Changed { .. }), "{e}");
    assert!(e.to_string().contains("changed since it was read"), "{e}");
    assert_eq!(fs::read_to_string(&p).unwrap(), "{\"debug\": false}\n");
    assert_eq!(names(d.path()), vec!["daemon.json".to_owned()]);
}

#[test]
fn crash_before_rename_leaves_the_original() {
    let (d, p, plan) = setup(0o644);
    let e = apply_with_hook(&p, &plan, &|tmp| {
        // The new bytes are on disk beside the original, not yet in its place.
        assert_eq!(tmp.parent(), p.parent());
        assert_eq!(fs::read_to_string(tmp).unwrap(), plan.new);
        Err(io::Error::other("simulated crash"))
    })
    .unwrap_err();
    assert!(e.to_string().contains("daemon.json"), "{e}");
    assert_eq!(fs::read_to_string(&p).unwrap(), ORIGINAL);
    assert_eq!(names(d.path()), vec!["daemon.json".to_owned()]);
}

#[test]
fn missing_file_is_created_0644() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("daemon.json");
    let plan = plan_docker_runtime("", &opts()).unwrap();
    let a = apply(&p, &plan).unwrap();
    assert_eq!(a.backup, None);
    assert_eq!(fs::read_to_string(&p).unwrap(), plan.new);
    assert_eq!(
        fs::metadata(&p).unwrap().permissions().mode() & 0o7777,
        0o644
    );
    assert_eq!(names(d.path()), vec!["daemon.json".to_owned()]);
}

#[test]
fn symlink_is_followed_not_replaced() {
    let (d, p, plan) = setup(0o644);
    let link = d.path().join("link.json");
    std::os::unix::fs::symlink(&p, &link).unwrap();
    let a = apply(&link, &plan).unwrap();
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(fs::read_to_string(&p).unwrap(), plan.new);
    assert_eq!(a.path, fs::canonicalize(&p).unwrap());
}

/// A directory we cannot write into: a 0555 directory, or for root (whom modes do not stop)
/// sysfs, where nobody may create files.
fn read_only_dir() -> Option<(PathBuf, Option<tempfile::TempDir>)> {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("daemon.json"), ORIGINAL).unwrap();
    fs::set_permissions(d.path(), fs::Permissions::from_mode(0o555)).unwrap();
    if fs::write(d.path().join("probe"), "").is_err() {
        return Some((d.path().to_owned(), Some(d)));
    }
    let _ = fs::remove_file(d.path().join("probe"));
    fs::set_permissions(d.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let sys = Path::new("/sys/kernel");
    if sys.is_dir() && fs::write(sys.join("cudoctor-probe"), "").is_err() {
        return Some((sys.to_owned(), None));
    }
    eprintln!("skipped: no directory here refuses writes");
    None
}

#[test]
fn read_only_directory_is_a_clear_error_and_leaves_nothing() {
    let Some((dir, keep)) = read_only_dir() else {
        return;
    };
    let p = dir.join("daemon.json");
    let before = names(&dir);
    let old = fs::read_to_string(&p).unwrap_or_default();
    let plan = plan_docker_runtime(&old, &opts()).unwrap();
    let e = apply(&p, &plan).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains(&dir.display().to_string()), "{msg}");
    let source = std::error::Error::source(&e).unwrap().to_string();
    assert!(source.contains("ermission denied"), "{source}");
    assert_eq!(names(&dir), before);
    assert_eq!(fs::read_to_string(&p).unwrap_or_default(), old);
    if let Some(k) = keep {
        fs::set_permissions(k.path(), fs::Permissions::from_mode(0o755)).unwrap();
    }
}
