//! Scan a log with the explain signatures and print a one-line-per-match summary.
//!
//! `scan FILE|-` prints `signature line count` per match and a `lines= bytes=` footer;
//! `scan --patterns` prints every signature regex rewritten as a POSIX ERE (for `grep -E -f`).
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::format_push_string,
    clippy::many_single_char_names
)]

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let arg = std::env::args().nth(1).unwrap_or_else(|| "-".to_string());
    let mut out = std::io::stdout().lock();
    if arg == "--patterns" {
        for s in cudoctor_explain::signatures() {
            for r in &s.regexes {
                let _ = writeln!(out, "{}", to_ere(r));
            }
        }
        return ExitCode::SUCCESS;
    }
    // CUDOCTOR_EXPLAIN_SERIAL=1 disables the second prefilter thread (for comparisons).
    let options = cudoctor_explain::ScanOptions {
        parallel: std::env::var_os("CUDOCTOR_EXPLAIN_SERIAL").is_none(),
    };
    let result = if arg == "-" {
        cudoctor_explain::scan_with(std::io::stdin().lock(), "-", options)
    } else {
        match std::fs::File::open(&arg) {
            Ok(f) => cudoctor_explain::scan_with(std::io::BufReader::new(f), &arg, options),
            Err(_) => cudoctor_explain::scan_path(std::path::Path::new(&arg)),
        }
    };
    match result {
        Ok(report) => {
            for m in &report.matches {
                let _ = writeln!(out, "{} line={} count={}", m.signature, m.line, m.count);
            }
            let _ = writeln!(
                out,
                "matches={} lines={} bytes={}",
                report.matches.len(),
                report.lines,
                report.bytes
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            let mut msg = format!("error: {e}");
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                msg.push_str(&format!("\n  Caused by: {s}"));
                source = s.source();
            }
            eprintln!("{msg}");
            ExitCode::FAILURE
        }
    }
}

/// Rewrite a Rust regex of the signature table as a GNU ERE with the same structure: named and
/// non-capturing groups become plain groups, inline flags are dropped, lazy quantifiers become
/// greedy (match/no-match per line is what the benchmark compares).
fn to_ere(re: &str) -> String {
    let mut s = re.to_string();
    // Named groups `(?P<name>` -> `(`.
    while let Some(start) = s.find("(?P<") {
        let end = s[start..].find('>').map_or(s.len(), |i| start + i + 1);
        s.replace_range(start..end, "(");
    }
    for (from, to) in [
        ("(?:", "("),
        ("(?i:", "("),
        ("(?-u:", "("),
        ("+?", "+"),
        ("*?", "*"),
        ("??", "?"),
    ] {
        s = s.replace(from, to);
    }
    s
}
