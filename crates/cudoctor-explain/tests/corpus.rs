//! The corpus of real pasted logs (`tests/corpus/`) and of healthy logs (`tests/benign/`):
//! recall of `explain` over what users really paste, and zero matches on healthy output.
//!
//! Each corpus file starts with a header of `# key: value` lines (`source:` is the public thread
//! the lines are quoted from), then a `---` line, then the pasted lines verbatim. `corpus.toml`
//! gives per excerpt the expected signature, the key line (a substring of the line the match
//! must report) and what the cause must name. See docs/explain.md.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::Cursor;
use std::path::{Path, PathBuf};

use cudoctor_explain::{ScanReport, find_signature, scan, signatures};

/// The recall the suite requires.
const MIN_RECALL: f64 = 0.95;
/// The corpus sizes the issue asks for.
const MIN_EXCERPTS: usize = 150;
const MIN_BENIGN: usize = 50;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CorpusFile {
    excerpt: Vec<Excerpt>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Excerpt {
    /// File name under `tests/corpus/`.
    file: String,
    /// Expected signature id.
    signature: String,
    /// A substring of the key line the match must report.
    key: String,
    /// Strings the cause must contain (captured values: a soname, a version, an architecture).
    #[serde(default)]
    cause_names: Vec<String>,
}

struct Log {
    source: String,
    body: String,
}

fn dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(name)
}

fn read_log(path: &Path) -> Log {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (header, body) = text
        .split_once("\n---\n")
        .unwrap_or_else(|| panic!("{}: no `---` line after the header", path.display()));
    let mut source = String::new();
    for line in header.lines() {
        let field = line.strip_prefix("# ").unwrap_or_else(|| {
            panic!(
                "{}: header line `{line}` is not `# key: value`",
                path.display()
            )
        });
        if let Some(url) = field.strip_prefix("source: ") {
            source = url.trim().to_string();
        }
    }
    assert!(
        source.starts_with("https://"),
        "{}: header has no `source: https://...`",
        path.display()
    );
    assert!(!body.trim().is_empty(), "{}: empty body", path.display());
    Log {
        source,
        body: body.to_string(),
    }
}

fn scan_text(text: &str) -> ScanReport {
    scan(Cursor::new(text.as_bytes().to_vec())).expect("scan")
}

fn log_files(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".log"))
        .collect()
}

fn corpus() -> Vec<Excerpt> {
    let text = std::fs::read_to_string(dir("corpus").join("corpus.toml")).unwrap();
    toml::from_str::<CorpusFile>(&text).unwrap().excerpt
}

/// Why an excerpt is not explained, or `None` when it is.
fn miss(e: &Excerpt, log: &Log) -> Option<String> {
    let report = scan_text(&log.body);
    // An expected id may be the alias of a signature merged into another one.
    let expected = find_signature(&e.signature).map_or(e.signature.as_str(), |s| s.id.as_str());
    let Some(m) = report.matches.iter().find(|m| m.signature == expected) else {
        let got: Vec<&str> = report
            .matches
            .iter()
            .map(|m| m.signature.as_str())
            .collect();
        return Some(format!("no `{}` match (got {got:?})", e.signature));
    };
    let line = log
        .body
        .lines()
        .nth(usize::try_from(m.line).unwrap() - 1)
        .unwrap_or("");
    if !line.contains(&e.key) {
        return Some(format!(
            "key line {} is `{}`, expected the line with `{}`",
            m.line,
            line.trim(),
            e.key
        ));
    }
    for name in &e.cause_names {
        if !m.cause.contains(name.as_str()) {
            return Some(format!("cause does not name `{name}`: {}", m.cause));
        }
    }
    None
}

#[test]
fn corpus_is_well_formed_and_sources_are_not_reused() {
    let excerpts = corpus();
    let listed: BTreeSet<String> = excerpts.iter().map(|e| e.file.clone()).collect();
    assert_eq!(listed.len(), excerpts.len(), "a file is listed twice");
    assert_eq!(
        listed,
        log_files(&dir("corpus")),
        "corpus.toml and tests/corpus/ differ"
    );
    let ids: BTreeSet<&str> = signatures()
        .iter()
        .flat_map(|s| std::iter::once(&s.id).chain(&s.aliases).map(String::as_str))
        .collect();
    let cited: BTreeSet<&str> = signatures()
        .iter()
        .flat_map(|s| std::iter::once(&s.source).chain(&s.other_sources))
        .map(String::as_str)
        .collect();
    let mut per_cited: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for e in &excerpts {
        assert!(
            ids.contains(e.signature.as_str()),
            "{}: unknown signature {}",
            e.file,
            e.signature
        );
        assert!(!e.key.trim().is_empty(), "{}: empty key", e.file);
        let log = read_log(&dir("corpus").join(&e.file));
        assert!(
            log.body.lines().any(|l| l.contains(&e.key)),
            "{}: the key `{}` is not in the excerpt",
            e.file,
            e.key
        );
        if cited.contains(log.source.as_str()) {
            per_cited
                .entry(log.source.clone())
                .or_default()
                .push(&e.file);
        }
    }
    for (url, files) in per_cited {
        assert!(
            files.len() <= 1,
            "{url}, a signature's own source, gives {files:?}"
        );
    }
}

#[test]
fn corpus_recall() {
    let excerpts = corpus();
    let mut misses = Vec::new();
    let sources: BTreeSet<String> = excerpts
        .iter()
        .map(|e| read_log(&dir("corpus").join(&e.file)).source)
        .collect();
    for e in &excerpts {
        let log = read_log(&dir("corpus").join(&e.file));
        if let Some(why) = miss(e, &log) {
            misses.push(format!("{} ({}): {why}", e.file, log.source));
        }
    }
    let recall = (excerpts.len() - misses.len()) as f64 / excerpts.len() as f64;
    println!(
        "explain corpus: {} excerpts from {} sources, {} explained, recall {:.1}%",
        excerpts.len(),
        sources.len(),
        excerpts.len() - misses.len(),
        recall * 100.0
    );
    for m in &misses {
        println!("  miss: {m}");
    }
    assert!(
        recall >= MIN_RECALL,
        "recall {:.1}% < {:.0}%:\n{}",
        recall * 100.0,
        MIN_RECALL * 100.0,
        misses.join("\n")
    );
}

#[test]
fn benign_logs_give_no_match() {
    let files = log_files(&dir("benign"));
    let mut bad = Vec::new();
    for f in &files {
        let log = read_log(&dir("benign").join(f));
        let report = scan_text(&log.body);
        for m in &report.matches {
            bad.push(format!(
                "{f}: {} at line {}: {}",
                m.signature, m.line, m.excerpt
            ));
        }
    }
    println!(
        "benign corpus: {} logs, {} false matches",
        files.len(),
        bad.len()
    );
    assert!(bad.is_empty(), "false matches:\n{}", bad.join("\n"));
}

#[test]
fn corpus_sizes() {
    let excerpts = corpus().len();
    let benign = log_files(&dir("benign")).len();
    println!("corpus sizes: {excerpts} excerpts, {benign} benign logs");
    assert!(
        excerpts >= MIN_EXCERPTS,
        "{excerpts} excerpts < {MIN_EXCERPTS}"
    );
    assert!(benign >= MIN_BENIGN, "{benign} benign logs < {MIN_BENIGN}");
}
