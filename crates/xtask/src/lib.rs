//! Maintainer tools of cudoctor (not shipped): `kb-refresh` reads every release of the tracked
//! packages from the package index (METADATA pins, TensorFlow's `build_info.py`, PyTorch's
//! `version.py`, by range requests) and compares them with the embedded tables of
//! `cudoctor-kb`, printing the disagreements and proposed TOML rows; `kb-record` records the
//! answers once into the offline fixtures of the tests. Nothing in the tree is written unless
//! asked: `kb-record` writes its fixture directory, `kb-refresh --write` adds the proposed rows
//! to the data files (atomically, with a backup).

pub mod compare;
pub mod deep;
pub mod record;
pub mod refresh;
pub mod write;

use std::path::PathBuf;

/// The repository root (this crate is `crates/xtask`).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("..")
}

/// The refresher's cache: `<repo>/.cache/pypi` (git-ignored).
pub fn default_cache() -> PathBuf {
    repo_root().join(".cache").join("pypi")
}

/// The recorded fixtures: `crates/xtask/tests/fixtures/pypi`.
pub fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
        .join("pypi")
}
