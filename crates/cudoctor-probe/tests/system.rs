//! The `system` section: os-release, glibc (from a link name, from the banner inside the file,
//! from this machine's real libc), the kernel and CPU (live host only) and the host name.
#![allow(clippy::unwrap_used)]

use cudoctor_probe::snapshot::Snapshot;
use cudoctor_probe::{Collectors, Env, Root, probe_root};
use cudoctor_test::{Fixture, at};

fn probe(f: &Fixture, vars: &[(&str, &str)]) -> (Snapshot, serde_json::Value) {
    let root = Root::dir(f.path()).unwrap();
    let env = Env::from_pairs(vars.iter().map(|(k, v)| (*k, *v)));
    let snap = probe_root(&root, &env, Collectors::files_only());
    let json = snap.to_json().unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    cudoctor_test::assert_matches_schema(&v);
    assert_eq!(Snapshot::from_json(&json).unwrap(), snap);
    (snap, v)
}

#[test]
fn os_release_and_glibc_from_the_link_name() {
    let f = Fixture::new();
    f.file(
        "/usr/lib/os-release",
        "PRETTY_NAME=\"Ubuntu 20.04.6 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"20.04\"\nID=ubuntu\n",
    )
    .link("/etc/os-release", "../usr/lib/os-release")
    .file("/lib/x86_64-linux-gnu/libc-2.31.so", "\u{7f}ELF")
    .link("/lib/x86_64-linux-gnu/libc.so.6", "libc-2.31.so")
    .file("/etc/hostname", "buildbox\n");
    let (s, v) = probe(&f, &[]);
    assert_eq!(at(&v, "/system/os"), "Ubuntu 20.04.6 LTS");
    assert_eq!(at(&v, "/system/os_source"), "/etc/os-release");
    assert_eq!(at(&v, "/system/os_id"), "ubuntu");
    assert_eq!(at(&v, "/system/os_version_id"), "20.04");
    assert_eq!(at(&v, "/system/glibc_version"), "2.31");
    assert!(
        at(&v, "/system/glibc_version_source")
            .as_str()
            .unwrap()
            .contains("libc-2.31.so")
    );
    // Not the running kernel or CPU: unknown, saying why.
    assert!(s.system.kernel_release.is_none());
    assert!(
        s.system
            .kernel_release
            .unknown_reason()
            .unwrap()
            .contains("not the running kernel")
    );
    assert!(s.system.cpu_model.unknown_reason().is_some());
    assert!(s.system.cpu_count.is_none());
    assert_eq!(at(&v, "/system/hostname"), "buildbox");
    // The probe that wrote it.
    assert_eq!(at(&v, "/probe/tool_version"), env!("CARGO_PKG_VERSION"));
}

/// A `libc.so.6` link that leads nowhere (a partial image) names no version: unknown, not the
/// version its target's name would have said.
#[test]
fn a_dangling_libc_link_names_no_version() {
    let f = Fixture::new();
    f.link("/lib/x86_64-linux-gnu/libc.so.6", "libc-2.31.so");
    let (s, _) = probe(&f, &[]);
    assert!(
        s.system.glibc_version.is_none(),
        "{:?}",
        s.system.glibc_version
    );
    assert!(s.system.glibc_version.unknown_reason().is_some());
}

#[test]
fn glibc_from_the_banner_inside_the_file() {
    let f = Fixture::new();
    // Across the reader's 64 KiB chunks: the banner starts before a boundary and ends after.
    let mut bytes = vec![0u8; 2 * 65_536 - 40];
    bytes.extend_from_slice(
        b"GNU C Library (Debian GLIBC 2.36-9+deb12u14) stable release version 2.36.\nCopyright (C) 2022",
    );
    bytes.extend(vec![0u8; 70_000]);
    f.file("/usr/lib64/libc.so.6", &bytes);
    let (s, _) = probe(&f, &[("HOSTNAME", "ci-7")]);
    assert_eq!(s.system.glibc_version.as_deref(), Some("2.36"));
    assert!(
        s.system
            .glibc_version
            .source()
            .unwrap()
            .contains("/usr/lib64/libc.so.6")
    );
    assert_eq!(s.system.hostname.as_deref(), Some("ci-7"));
    assert!(s.system.os.unknown_reason().unwrap().contains("os-release"));
}

#[test]
fn no_glibc_is_unknown_with_the_reason() {
    let f = Fixture::new();
    f.file("/lib/ld-musl-x86_64.so.1", "");
    let (s, _) = probe(&f, &[]);
    assert!(
        s.system
            .glibc_version
            .unknown_reason()
            .unwrap()
            .contains("musl")
    );
    let g = Fixture::new();
    g.file("/lib64/libc.so.6", "not a libc");
    let (s, _) = probe(&g, &[]);
    assert!(
        s.system
            .glibc_version
            .unknown_reason()
            .unwrap()
            .contains("no GNU C Library banner")
    );
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn this_machine_s_glibc_is_the_one_this_process_runs() {
    unsafe extern "C" {
        fn gnu_get_libc_version() -> *const std::ffi::c_char;
    }
    // SAFETY: glibc's documented function; it returns a static string.
    let running = unsafe { std::ffi::CStr::from_ptr(gnu_get_libc_version()) }
        .to_string_lossy()
        .into_owned();
    let root = Root::host();
    let env = Env::from_pairs(Vec::<(String, String)>::new());
    let snap = probe_root(
        &root,
        &env,
        Collectors {
            system: true,
            ..Collectors::none()
        },
    );
    let s = &snap.system;
    let found = [
        "/lib/x86_64-linux-gnu/libc.so.6",
        "/lib/aarch64-linux-gnu/libc.so.6",
        "/lib64/libc.so.6",
        "/usr/lib64/libc.so.6",
    ]
    .iter()
    .any(|p| std::path::Path::new(p).exists());
    if found {
        assert_eq!(s.glibc_version.as_deref(), Some(running.as_str()), "{s:?}");
    } else {
        cudoctor_test::log_skip("no libc.so.6 where the probe looks on this machine");
    }
    // The live host: the kernel and CPU are read.
    if std::path::Path::new("/proc/sys/kernel/osrelease").exists() {
        assert!(s.kernel_release.is_known(), "{s:?}");
        assert_eq!(
            s.kernel_release.source(),
            Some("/proc/sys/kernel/osrelease")
        );
    }
    if std::path::Path::new("/proc/cpuinfo").exists() {
        assert!(s.cpu_count.unwrap_or(0) >= 1, "{s:?}");
    }
}
