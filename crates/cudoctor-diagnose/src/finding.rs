//! The report model: findings with evidence, fix and sources.

use serde::{Deserialize, Serialize};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// It will fail.
    Error,
    /// It may fail, is untested, or runs degraded.
    Warning,
    /// Worth knowing; nothing is wrong.
    Info,
}

impl Severity {
    /// `error`, `warning`, `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One fact a finding rests on, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// What the fact is (`kernel module version`).
    pub fact: String,
    /// Its value (`535.104.05`), or `unknown (why)`.
    pub value: String,
    /// Where it was read (`/proc/driver/nvidia/version`, `cuDriverGetVersion`, `knowledge base`).
    pub source: String,
}

impl Evidence {
    pub fn new(
        fact: impl Into<String>,
        value: impl Into<String>,
        source: impl Into<String>,
    ) -> Self {
        Self {
            fact: fact.into(),
            value: value.into(),
            source: source.into(),
        }
    }
}

/// A diagnosis: what is wrong (or worth knowing), why, on what evidence, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable kebab-case code, documented in `docs/findings.md`.
    pub id: String,
    pub severity: Severity,
    /// One line.
    pub title: String,
    /// Why, for someone who knows nothing of CUDA.
    pub explanation: String,
    pub evidence: Vec<Evidence>,
    /// Concrete, pinned commands or steps.
    pub fix: Vec<String>,
    /// Knowledge-base source URLs.
    pub sources: Vec<String>,
}

impl Severity {
    /// Sort rank: errors first.
    pub(crate) fn rank(self) -> u8 {
        match self {
            Severity::Error => 0,
            Severity::Warning => 1,
            Severity::Info => 2,
        }
    }
}

impl Finding {
    /// A finding with its id, severity and title; the rest is added with the builder methods.
    pub fn new(id: &str, severity: Severity, title: impl Into<String>) -> Self {
        Self {
            id: id.to_owned(),
            severity,
            title: title.into(),
            explanation: String::new(),
            evidence: Vec::new(),
            fix: Vec::new(),
            sources: Vec::new(),
        }
    }

    /// Sets the explanation.
    #[must_use]
    pub fn explain(mut self, text: impl Into<String>) -> Self {
        self.explanation = text.into();
        self
    }

    /// Adds one piece of evidence.
    #[must_use]
    pub fn evidence(
        mut self,
        fact: impl Into<String>,
        value: impl Into<String>,
        source: impl Into<String>,
    ) -> Self {
        self.evidence.push(Evidence::new(fact, value, source));
        self
    }

    /// Adds one fix step.
    #[must_use]
    pub fn fix(mut self, step: impl Into<String>) -> Self {
        self.fix.push(step.into());
        self
    }

    /// Adds a source URL (once).
    #[must_use]
    pub fn source(mut self, url: impl Into<String>) -> Self {
        let url = url.into();
        if !url.is_empty() && !self.sources.contains(&url) {
            self.sources.push(url);
        }
        self
    }

    /// Adds several source URLs (each once). A knowledge-base `source` field may hold several
    /// URLs separated by ` | ` or `; `: each becomes its own entry.
    #[must_use]
    pub fn sources<I, S>(mut self, urls: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for url in urls {
            for part in split_sources(url.as_ref()) {
                self = self.source(part);
            }
        }
        self
    }
}

/// The URLs in a knowledge-base `source` field (free text that cites one or more URLs), each
/// once, in order; the whole text when it holds no URL.
pub(crate) fn split_sources(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("http") {
        let tail = &rest[i..];
        if !(tail.starts_with("https://") || tail.starts_with("http://")) {
            rest = &tail[4..];
            continue;
        }
        let end = tail
            .find(|c: char| c.is_whitespace() || c == '\'' || c == '"' || c == '`')
            .unwrap_or(tail.len());
        let url = tail[..end].trim_end_matches([')', ',', ';', '.', ':', ']']);
        if !url.is_empty() && !out.iter().any(|u| u == url) {
            out.push(url.to_owned());
        }
        rest = &tail[end..];
    }
    if out.is_empty() {
        let t = text.trim();
        if !t.is_empty() {
            out.push(t.to_owned());
        }
    }
    out
}

/// The URLs of a `knowledge base: <source>` provenance string; nothing for other provenance
/// (a file on the probed machine is evidence, not a source). A trailing ` (observed)` /
/// ` (expected)` qualifier is dropped.
pub(crate) fn kb_urls(provenance: &str) -> Vec<String> {
    let Some(rest) = provenance.strip_prefix("knowledge base: ") else {
        return Vec::new();
    };
    split_sources(rest)
}
