//! `cargo run --example archs -- FILE...`: prints the `cudoctor archs --format json` document
//! for the files given (a stand-in for the CLI command, used by `bench/archs.sh`).

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use cudoctor_fatbin::{ArchsReport, FileReport, read_file};

fn main() -> ExitCode {
    let mut files = Vec::new();
    let mut failed = false;
    for path in std::env::args().skip(1) {
        match read_file(&path) {
            Ok(archs) => {
                for warning in &archs.warnings {
                    eprintln!("warning: `{path}`: {warning}");
                }
                files.push(FileReport { path, archs });
            }
            Err(err) => {
                failed = true;
                eprintln!("error: {err}");
                let mut source = std::error::Error::source(&err);
                while let Some(cause) = source {
                    eprintln!("  Caused by: {cause}");
                    source = cause.source();
                }
            }
        }
    }
    match serde_json::to_string(&ArchsReport::new(files)) {
        Ok(json) => println!("{json}"),
        Err(err) => {
            eprintln!("error: cannot render JSON: {err}");
            return ExitCode::FAILURE;
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
