//! The probe's loader emulation, converted into the rules' loader answers, over a real
//! directory root.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use cudoctor_diagnose::{Resolution, loader_questions, targets_from_snapshot};
use cudoctor_probe::ldso;
use cudoctor_probe::snapshot::{Fact, Library, RootInfo, Snapshot};
use cudoctor_probe::{Env, Root};

/// A small real x86-64 ELF shared object carved from a CUDA library (a few KB, in the repository).
const ELF: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../cudoctor-fatbin/tests/fixtures/cusparse11.elf64"
);

#[test]
fn probe_answers_become_rule_answers() {
    let Ok(bytes) = std::fs::read(ELF) else {
        eprintln!("skipped: {ELF} is absent");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for d in ["opt/a", "usr/lib/x86_64-linux-gnu", "opt/off"] {
        std::fs::create_dir_all(dir.path().join(d)).unwrap();
    }
    for (d, real) in [
        ("opt/a", "libcudart.so.11.0.221"),
        ("usr/lib/x86_64-linux-gnu", "libcudart.so.11.2.152"),
        ("opt/off", "libcudart.so.11.2.152"),
    ] {
        std::fs::write(dir.path().join(d).join(real), &bytes).unwrap();
        std::os::unix::fs::symlink(real, dir.path().join(d).join("libcudart.so.11.0")).unwrap();
    }
    let root = Root::dir(dir.path()).unwrap();
    let env = Env::from_pairs([("LD_LIBRARY_PATH", "/opt/a")]);
    let r = ldso::which_memo(
        &root,
        &env,
        "libcudart.so.11.0",
        None,
        &[],
        &Err("no `/etc/ld.so.cache`".to_owned()),
        &ldso::LoaderMemo::default(),
    );
    eprintln!("{r:#?}");
    if r.chosen.is_none() {
        eprintln!("skipped: the fixture is not a loadable ELF for this machine");
        return;
    }
    let mut snap = Snapshot::empty(RootInfo {
        kind: cudoctor_facts::snapshot::RootKind::Directory,
        path: dir.path().display().to_string(),
    });
    snap.libraries.push(Library {
        family: cudoctor_probe::snapshot::LibraryFamily::Cudart,
        soname: Fact::value_only("libcudart.so.11.0".into()),
        path: "/opt/a/libcudart.so.11.0".into(),
        real_path: Fact::value_only("/opt/a/libcudart.so.11.0.221".into()),
        version: Fact::value_only("11.0.221".into()),
        found_via: vec!["ld_library_path".into()],
        ..Library::default()
    });
    snap.libraries.push(Library {
        family: cudoctor_probe::snapshot::LibraryFamily::Cudart,
        soname: Fact::value_only("libcudart.so.11.0".into()),
        path: "/opt/off/libcudart.so.11.0".into(),
        real_path: Fact::value_only("/opt/off/libcudart.so.11.2.152".into()),
        version: Fact::value_only("11.2.152".into()),
        found_via: vec!["toolkit".into()],
        ..Library::default()
    });
    let ours = Resolution::from_probe(&r, &snap);
    let loaded = ours.loaded.as_ref().unwrap();
    assert_eq!(loaded.path, "/opt/a/libcudart.so.11.0");
    assert_eq!(loaded.via, "LD_LIBRARY_PATH");
    assert_eq!(loaded.version.as_deref(), Some("11.0.221"));
    assert!(
        ours.shadowed
            .iter()
            .any(|s| s.path == "/usr/lib/x86_64-linux-gnu/libcudart.so.11.0")
    );
    assert!(
        ours.off_path
            .iter()
            .any(|s| s.path == "/opt/off/libcudart.so.11.0")
    );
    // Recorded in the snapshot, it is the answer for a plain process, and for a framework that
    // does not preload, in any environment; a preloading framework asked its own question.
    snap.loader.push(r);
    let answer = cudoctor_diagnose::loader::answer;
    assert_eq!(
        answer(&snap, "libcudart.so.11.0", Some("/opt/venv"), false),
        ours
    );
    assert_eq!(answer(&snap, "libcudart.so.11.0", None, false), ours);
    let torch = answer(&snap, "libcudart.so.11.0", Some("/opt/venv"), true);
    assert_eq!(
        torch.source,
        cudoctor_diagnose::loader::SNAPSHOT_LOADER_SOURCE
    );
}

#[test]
fn requests_cover_target_sonames_and_cudnn_majors() {
    let kb = cudoctor_kb::Kb::embedded().unwrap();
    let mut snap = Snapshot::empty(RootInfo {
        kind: cudoctor_facts::snapshot::RootKind::Host,
        path: "/".into(),
    });
    snap.cudnn.push(cudoctor_probe::snapshot::Cudnn {
        kind: "library".into(),
        path: "/usr/lib/x86_64-linux-gnu/libcudnn.so.9.1.0".into(),
        version: Fact::value_only("9.1.0".parse().unwrap()),
    });
    let spec: cudoctor_kb::Spec = "tensorflow==2.9.0".parse().unwrap();
    let mut targets = targets_from_snapshot(kb, &snap);
    targets.push(cudoctor_diagnose::target_from_spec(kb, &spec, &snap));
    let req = loader_questions(&targets, &snap);
    let names: Vec<&str> = req.iter().map(|r| r.soname.as_str()).collect();
    assert!(names.contains(&"libcudart.so.11.0") && names.contains(&"libcudnn.so.8"));
    assert!(names.contains(&"libcudnn.so.9"));
    assert!(!names.contains(&"libcuda.so.1"));
    assert_eq!(names.len(), 9, "{names:?}");
}
