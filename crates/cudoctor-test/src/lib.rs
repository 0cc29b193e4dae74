//! Test support of the cudoctor workspace, taken by the crates as a dev-dependency (never
//! published):
//!
//! - [`fixture`]: fixture roots ([`Fixture`], a temporary directory written like `/`) and the
//!   minimal ELF shared objects ([`make_elf`], [`ElfSpec`]) to put in them;
//! - [`schema`]: the checker for the subset of JSON Schema `docs/*.schema.json` use, and the
//!   snapshot and `check` contracts;
//! - [`scenarios`]: named, hand-built snapshots (`bare_host`, `healthy_tf29`, ...) and their
//!   `with_*` steps;
//! - [`skip`]: logged skips for missing artifacts and tools ([`log_skip`], [`missing`]);
//! - [`containers`]: real container tools (`docker-registry`, `buildah`) and logged skips;
//! - [`repo_root`] and [`at`] for tests that read the checkout or JSON.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

pub mod containers;
pub mod fixture;
pub mod scenarios;
pub mod schema;
pub mod skip;

pub use fixture::{ElfSpec, Fixture, make_elf};
pub use schema::{
    assert_matches_check_schema, assert_matches_schema, schema_errors, snapshot_schema,
};
pub use skip::{log_skip, missing};

/// The repository root (two levels above this crate), or `CUDOCTOR_REPO_ROOT` when set: a test
/// binary copied to another machine is told where the checkout is.
pub fn repo_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("CUDOCTOR_REPO_ROOT") {
        return PathBuf::from(dir);
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .unwrap()
        .to_path_buf()
}

/// The value at a JSON pointer; panics naming the pointer when absent.
pub fn at<'a>(v: &'a serde_json::Value, ptr: &str) -> &'a serde_json::Value {
    v.pointer(ptr)
        .unwrap_or_else(|| panic!("no `{ptr}` in JSON:\n{v:#}"))
}
