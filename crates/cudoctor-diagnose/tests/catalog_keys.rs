//! A finding's English (the JSON's `title`, `explanation`, `fix` and the verdict) is rendered
//! from the English catalog, and a key the catalog lacks renders as the key itself. The rule
//! tests see only the paths they reach, so this reads the crate's own source instead: every
//! kebab-case string literal outside test code must be a message key of every catalog, a rule
//! id, or one of the few names listed below.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use cudoctor_i18n::{Catalog, Lang};

/// Kebab-case literals that are neither keys nor rule ids: package, file and runtime names the
/// rules match on.
const NOT_KEYS: &[&str] = &[
    "cuda-cudart",
    "cuda-libraries",
    "cuda-runtime",
    "default-runtime",
    "jax-cuda",
    "nvidia-container-runtime",
    "nvidia-ctk",
    "nvidia-cublas",
    "nvidia-cuda-runtime",
    "nvidia-cudnn",
    "nvidia-cudnn-cu",
    "nvidia-nccl",
];

/// The non-test Rust sources under `dir`: `tests.rs`, `testing.rs` and `tests/` are left out,
/// and a file is read up to its first `#[cfg(test)]`.
fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if path.is_dir() {
            if name != "tests" {
                sources(&path, out);
            }
        } else if name.ends_with(".rs") && name != "tests.rs" && name != "testing.rs" {
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            out.push((path.display().to_string(), code.to_owned()));
        }
    }
}

/// The string literals of `code` (comments skipped, escapes and raw strings read as Rust reads
/// them) that are kebab-case words (`driver-too-old-title`).
fn kebab_literals(code: &str) -> Vec<String> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = code[i..].find('\n').map_or(b.len(), |n| i + n);
            }
            // A char literal: `'"'`, `'\"'`; a lifetime (`'a`) is passed over one byte at a time.
            b'\'' if b.get(i + 1) == Some(&b'\\') => i += 4,
            b'\'' if b.get(i + 2) == Some(&b'\'') => i += 3,
            b'r' if b.get(i + 1) == Some(&b'#') || b.get(i + 1) == Some(&b'"') => {
                let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
                if b.get(i + 1 + hashes) != Some(&b'"') {
                    i += 1;
                    continue;
                }
                let start = i + 2 + hashes;
                let close = format!("\"{}", "#".repeat(hashes));
                let len = code[start..].find(&close).unwrap_or(code.len() - start);
                push_kebab(&code[start..start + len], &mut out);
                i = start + len + close.len();
            }
            b'"' => {
                let mut text = String::new();
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        text.push('\\');
                        i += 1;
                    }
                    if let Some(&c) = b.get(i) {
                        text.push(char::from(c));
                    }
                    i += 1;
                }
                push_kebab(&text, &mut out);
                i += 1;
            }
            _ => i += 1,
        }
    }
    out
}

fn push_kebab(text: &str, out: &mut Vec<String>) {
    // A key neither starts nor ends with `-` (`"nvidia-"` is a prefix the rules strip).
    if text.contains('-')
        && text.starts_with(|c: char| c.is_ascii_lowercase())
        && !text.ends_with('-')
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        out.push(text.to_owned());
    }
}

#[test]
fn every_message_key_the_rules_name_is_in_every_catalog() {
    let mut files = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let ids = cudoctor_diagnose::rule_ids();
    let mut keys = 0;
    let mut missing = Vec::new();
    for (file, code) in &files {
        for lit in kebab_literals(code) {
            if ids.contains(&lit.as_str()) || NOT_KEYS.contains(&lit.as_str()) {
                continue;
            }
            keys += 1;
            for lang in Lang::ALL {
                if !Catalog::get(lang).has(&lit) {
                    missing.push(format!("{file}: `{lit}` is not in the {lang} catalog"));
                }
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
    // The scan found the rules' keys at all (a broken scan would pass with none).
    assert!(keys > 200, "only {keys} keys found");
}

#[test]
fn the_scan_reads_literals_as_written() {
    let code = r##"
        // "comment-word" in a comment
        msg!("driver-missing-title"), "x y", "Not-Kebab", f("a-b"), '"', 'a',
        "say \"q-r\" here", "tail-key", r#"raw-key"#, "a\\", "after-escape", "jax-"
    "##;
    assert_eq!(
        kebab_literals(code),
        [
            "driver-missing-title",
            "a-b",
            "tail-key",
            "raw-key",
            "after-escape"
        ]
    );
}
