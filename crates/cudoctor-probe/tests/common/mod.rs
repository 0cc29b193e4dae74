//! Test helpers: fixture roots built in temporary directories, and minimal ELF shared objects.
#![allow(dead_code, unused_imports, clippy::unwrap_used)]

mod fixture;
pub use fixture::{ElfSpec, Fixture, make_elf};

use std::path::{Path, PathBuf};

/// The repository root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    // A test binary copied to another machine is told where the checkout is.
    if let Some(dir) = std::env::var_os("CUDOCTOR_REPO_ROOT") {
        return PathBuf::from(dir);
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .unwrap()
        .to_path_buf()
}

/// A JSON value at a pointer, as a string (for contract checks).
pub fn at<'a>(v: &'a serde_json::Value, ptr: &str) -> &'a serde_json::Value {
    v.pointer(ptr)
        .unwrap_or_else(|| panic!("no `{ptr}` in snapshot JSON"))
}

/// `docs/snapshot.schema.json`.
pub fn snapshot_schema() -> serde_json::Value {
    let text = std::fs::read_to_string(repo_root().join("docs/snapshot.schema.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

mod schema;
pub use schema::schema_errors;

/// Asserts that a snapshot value satisfies `docs/snapshot.schema.json`.
pub fn assert_matches_schema(v: &serde_json::Value) {
    let errors = schema_errors(&snapshot_schema(), v);
    assert!(
        errors.is_empty(),
        "snapshot does not match docs/snapshot.schema.json:\n{}",
        errors.join("\n")
    );
}
