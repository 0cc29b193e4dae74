//! Converts the data tables (`data/*.toml`, written for people) to JSON in `OUT_DIR` (read at run
//! time: serde_json parses it several times faster than TOML). A TOML syntax error fails the build
//! and names the file; the row types are checked when the JSON is loaded (and by the data tests).
//! It also writes `files.rs`, the list the crate embeds (`tables::FILES`), so the names of the
//! tables are written once, here.
#![allow(clippy::print_stdout, clippy::expect_used)]

use std::fmt::Write as _;
use std::path::PathBuf;
use std::{env, fs};

const TABLES: &[&str] = &[
    "tensorflow",
    "cuda",
    "cudnn",
    "pytorch",
    "jax",
    "gpus",
    "nvidia_cuda_images",
    "library_packages",
];

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let mut files = String::from("&[\n");
    for name in TABLES {
        writeln!(
            files,
            "    (\"data/{name}.toml\", include_str!(concat!(env!(\"OUT_DIR\"), \"/{name}.json\"))),"
        )
        .expect("writing to a String");
        let path = format!("data/{name}.toml");
        println!("cargo:rerun-if-changed={path}");
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading `{path}`: {e}"));
        let value: toml::Value =
            toml::from_str(&text).unwrap_or_else(|e| panic!("parsing `{path}`: {e}"));
        let json = serde_json::to_string(&value)
            .unwrap_or_else(|e| panic!("converting `{path}` to JSON: {e}"));
        fs::write(out.join(format!("{name}.json")), json)
            .unwrap_or_else(|e| panic!("writing the JSON of `{path}`: {e}"));
    }
    files.push_str("]\n");
    fs::write(out.join("files.rs"), files).expect("writing `files.rs` in OUT_DIR");
}
