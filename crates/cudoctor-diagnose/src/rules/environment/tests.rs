//! The environment rules: cuda-toolkit-conflict and cuda-visible-devices-hides-all; when each
//! fires, when it stays silent, and that unknown facts never make it fire.
#![allow(clippy::unwrap_used)]

use cudoctor_test::scenarios::*;

use crate::rules::testing::{installed, of};

#[test]
fn cuda_toolkit_conflict() {
    // One toolkit behind a link and its own directory: fine.
    assert!(of(&installed(&healthy_tf29()), "cuda-toolkit-conflict").is_empty());
    // Two toolkits, all pointers agree: fine.
    let s = with_toolkit(healthy_tf29(), "/usr/local/cuda-11.8", None, "11.8.0");
    assert!(of(&installed(&s), "cuda-toolkit-conflict").is_empty());
    // CUDA_HOME elsewhere: conflict; the fix settles on the toolkit TF 2.9 needs.
    let s = with_env(s, "CUDA_HOME", "/usr/local/cuda-11.8");
    let f = installed(&s);
    let c = of(&f, "cuda-toolkit-conflict");
    assert_eq!(c.len(), 1);
    // The count is a number to the catalog, shown as digits in both languages.
    assert_eq!(
        c[0].title,
        "CUDA_HOME, nvcc, /usr/local/cuda and LD_LIBRARY_PATH point at 2 different CUDA toolkits"
    );
    assert!(
        c[0].localized_title(cudoctor_i18n::Lang::Zh)
            .contains("指向 2 个不同的"),
        "{}",
        c[0].localized_title(cudoctor_i18n::Lang::Zh)
    );
    assert!(
        c[0].fix[0].contains("CUDA_HOME=/usr/local/cuda-11.2"),
        "{:?}",
        c[0].fix
    );
    // A CUDA_HOME that names no toolkit is not counted.
    let s = with_env(
        with_toolkit(healthy_tf29(), "/usr/local/cuda-11.8", None, "11.8.0"),
        "CUDA_HOME",
        "/nonexistent",
    );
    assert!(of(&installed(&s), "cuda-toolkit-conflict").is_empty());
}

#[test]
fn cuda_visible_devices() {
    let hides = |v: &str| {
        !of(
            &installed(&with_env(healthy_tf29(), "CUDA_VISIBLE_DEVICES", v)),
            "cuda-visible-devices-hides-all",
        )
        .is_empty()
    };
    assert!(hides(""));
    assert!(hides("-1"));
    assert!(hides("1")); // one GPU: index 1 does not exist
    assert!(hides("1,0")); // CUDA stops at the first invalid entry
    assert!(hides("none"));
    assert!(hides("GPU-deadbeef"));
    assert!(!hides("0"));
    assert!(!hides("0,7"));
    assert!(!hides("GPU-12345670"));
    assert!(!hides("MIG-0a1b2c3d-aaaa-bbbb-cccc-0123456789ab")); // MIG UUIDs are not recorded
    assert!(
        of(
            &installed(&healthy_tf29()),
            "cuda-visible-devices-hides-all"
        )
        .is_empty()
    );
    // GPU count unknown: an index cannot be judged.
    let s = with_env(
        with_driver(bare_host(), "535.261.03"),
        "CUDA_VISIBLE_DEVICES",
        "3",
    );
    assert!(of(&installed(&s), "cuda-visible-devices-hides-all").is_empty());
}
