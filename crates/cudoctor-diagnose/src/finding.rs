//! The report model: findings with evidence, fix and sources.

use cudoctor_i18n::{Lang, Msg};
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
    /// The message keys and arguments of the title, explanation and fix lines, for reading them
    /// in another language ([`Finding::localized_title`]); never serialized, so the JSON stays
    /// English. `None` for a finding built without keys.
    #[serde(skip)]
    pub l10n: Option<Localized>,
}

/// What a finding's text is, by message key: the title, the explanation, and one entry per fix
/// line (`None` for a line without a key, which is then shown in English).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Localized {
    pub title: Option<Msg>,
    pub explanation: Option<Msg>,
    pub fix: Vec<Option<Msg>>,
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
            l10n: None,
        }
    }

    fn l10n_mut(&mut self) -> &mut Localized {
        let n = self.fix.len();
        let l = self.l10n.get_or_insert_with(Localized::default);
        l.fix.resize(n, None);
        l
    }

    /// A finding whose title is the message `title`: its English (the JSON's `title`) is what
    /// the English catalog makes of it, so each text is written once, in the catalogs.
    pub fn titled(id: &str, severity: Severity, title: Msg) -> Self {
        Self::new(id, severity, String::new()).title_msg(title)
    }

    /// Sets the title to the message `msg` (its English from the English catalog).
    #[must_use]
    pub fn title_msg(mut self, msg: Msg) -> Self {
        self.title = msg.render(Lang::En);
        self.l10n_mut().title = Some(msg);
        self
    }

    /// Sets the explanation to the message `msg` (its English from the English catalog).
    #[must_use]
    pub fn explain_msg(mut self, msg: Msg) -> Self {
        self.explanation = msg.render(Lang::En);
        self.l10n_mut().explanation = Some(msg);
        self
    }

    /// Adds one fix step: the message `msg` (its English from the English catalog).
    #[must_use]
    pub fn fix_msg(mut self, msg: Msg) -> Self {
        self.fix.push(msg.render(Lang::En));
        if let Some(last) = self.l10n_mut().fix.last_mut() {
            *last = Some(msg);
        }
        self
    }

    /// The title in `lang` (the English title where it has no key).
    pub fn localized_title(&self, lang: Lang) -> String {
        localize(
            &self.title,
            self.l10n.as_ref().and_then(|l| l.title.as_ref()),
            lang,
        )
    }

    /// The explanation in `lang` (the English one where it has no key).
    pub fn localized_explanation(&self, lang: Lang) -> String {
        localize(
            &self.explanation,
            self.l10n.as_ref().and_then(|l| l.explanation.as_ref()),
            lang,
        )
    }

    /// The fix lines in `lang` (each line without a key in English).
    pub fn localized_fix(&self, lang: Lang) -> Vec<String> {
        self.fix
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let msg = self
                    .l10n
                    .as_ref()
                    .and_then(|l| l.fix.get(i))
                    .and_then(Option::as_ref);
                localize(text, msg, lang)
            })
            .collect()
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
        if let Some(l) = &mut self.l10n {
            l.fix.push(None);
        }
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

/// Where a text and its message disagree: `None` when `msg` rendered in English (strictly: the
/// key exists, every variable is given) is `english` and it renders in every other language too.
fn check_text(what: &str, english: &str, msg: Option<&Msg>) -> Option<String> {
    let Some(m) = msg else {
        return Some(format!("{what}: no message key for {english:?}"));
    };
    match m.render_strict(Lang::En) {
        None => {
            return Some(format!(
                "{what}: `{}` is missing from en or lacks an argument",
                m.key
            ));
        }
        Some(s) if s != english => {
            return Some(format!(
                "{what}: `{}` renders {s:?} in en, the code builds {english:?}",
                m.key
            ));
        }
        Some(_) => {}
    }
    for lang in Lang::ALL {
        if m.render_strict(lang).is_none() {
            return Some(format!(
                "{what}: `{}` is missing from {lang} or lacks an argument there",
                m.key
            ));
        }
    }
    None
}

impl Finding {
    /// Every way this finding's text and its message keys disagree: a title, explanation or fix
    /// line without a key (set with [`Finding::new`], [`Finding::explain`] or [`Finding::fix`],
    /// English only), a text that is not its key's English (set again after the key), or a key
    /// that a catalog lacks or cannot fill with the arguments given. Empty for a finding built
    /// with [`Finding::titled`], `explain_msg` and `fix_msg` alone whose keys every catalog has.
    pub fn l10n_mismatches(&self) -> Vec<String> {
        let l = self.l10n.clone().unwrap_or_default();
        let mut out = Vec::new();
        let id = &self.id;
        out.extend(check_text(
            &format!("{id} title"),
            &self.title,
            l.title.as_ref(),
        ));
        if !self.explanation.is_empty() || l.explanation.is_some() {
            out.extend(check_text(
                &format!("{id} explanation"),
                &self.explanation,
                l.explanation.as_ref(),
            ));
        }
        for (i, fix) in self.fix.iter().enumerate() {
            out.extend(check_text(
                &format!("{id} fix {}", i + 1),
                fix,
                l.fix.get(i).and_then(Option::as_ref),
            ));
        }
        if l.fix.len() > self.fix.len() {
            out.push(format!("{id}: more fix keys than fix lines"));
        }
        out
    }
}

/// `english` in English; else `msg` in `lang` where it has a key (falling back to English).
fn localize(english: &str, msg: Option<&Msg>, lang: Lang) -> String {
    match (lang, msg) {
        (Lang::En, _) | (_, None) => english.to_owned(),
        (_, Some(m)) => match cudoctor_i18n::Catalog::get(lang).message(m.key, &m.args) {
            Some(s) => s,
            None => english.to_owned(),
        },
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
