//! The signature table: `data/signatures.toml`, embedded, parsed and compiled once.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::bytes::Regex;
use serde::{Deserialize, Serialize};

use crate::prefilter::WuManber;

/// The embedded signature data. Every entry cites a public source and quotes real log lines.
pub const SIGNATURES_TOML: &str = include_str!("../data/signatures.toml");

/// Path of the embedded data, for error messages.
pub(crate) const SIGNATURES_PATH: &str = "crates/cudoctor-explain/data/signatures.toml";

/// One known error: how to recognise it in a log, what causes it, how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    /// Stable kebab-case id (`tf-libcudart-missing`).
    pub id: String,
    /// One-line summary.
    pub title: String,
    /// Frameworks / components that print it (`TensorFlow`, `PyTorch`, `JAX`, `NVML`, ...).
    pub frameworks: Vec<String>,
    /// Regexes (Rust `regex` syntax, matched against one line as bytes); named captures carry
    /// versions, library names and error codes. The first regex that matches a line wins.
    pub regexes: Vec<String>,
    /// Literal prefilter strings: a line is tried against `regexes` only when it contains at least
    /// one of them, so every match of every regex must contain one of these literals.
    pub literals: Vec<String>,
    /// What causes the error.
    pub cause: String,
    /// How to fix it, most likely fix first.
    pub fix: Vec<String>,
    /// A sentence naming what this log shows, with `{capture}` placeholders (`{soname_major}`);
    /// put before `cause` when every placeholder was captured on the key line.
    #[serde(default)]
    pub specific_cause: Option<String>,
    /// A first fix step with `{capture}` placeholders, put before `fix` on the same condition.
    #[serde(default)]
    pub specific_fix: Option<String>,
    /// Chinese `cause` (same commands, versions, paths, sonames and ids as the English).
    #[serde(default)]
    pub cause_zh: String,
    /// Chinese `fix`, step for step.
    #[serde(default)]
    pub fix_zh: Vec<String>,
    /// Chinese `specific_cause` (the same placeholders).
    #[serde(default)]
    pub specific_cause_zh: Option<String>,
    /// Chinese `specific_fix` (the same placeholders).
    #[serde(default)]
    pub specific_fix_zh: Option<String>,
    /// Kinds of knowledge-base facts (`tf_wheels_with_code`, ...) not to compute for this
    /// signature, where they would be true but beside the point (see docs/explain.md).
    #[serde(default)]
    pub kb_skip: Vec<String>,
    /// Former ids of signatures merged into this one: a match reports this id and lists these
    /// in `aliases`, so consumers of an old id still find it ([`find_signature`] resolves them).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// URL of a representative public issue or document.
    pub source: String,
    /// Further public sources (https://...) that examples of merged wordings are quoted from.
    #[serde(default)]
    pub other_sources: Vec<String>,
    /// Short real log lines quoted from `source` (or `other_sources`) (paths and numbers may be elided).
    pub examples: Vec<String>,
    /// Ids of signatures this error explains (this one is their cause).
    #[serde(default)]
    pub explains: Vec<String>,
    /// Ids of signatures that explain this one (inverse of `explains`; both are honoured).
    #[serde(default)]
    pub caused_by: Vec<String>,
    /// Finding ids of the `check` command that share this cause.
    #[serde(default)]
    pub related_findings: Vec<String>,
    /// Only count a match when a context line was seen shortly before it.
    #[serde(default)]
    pub context: Option<ContextRule>,
    /// Two capture names whose values must be equal for the match to count.
    #[serde(default)]
    pub captures_equal: Option<[String; 2]>,
    /// Two capture names whose values must differ for the match to count.
    #[serde(default)]
    pub captures_differ: Option<[String; 2]>,
}

/// A context rule: the signature only counts within `within_lines` lines after a line containing
/// one of `literals` (e.g. a segfault right after GPU libraries were loaded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextRule {
    /// Literal strings that mark a context line.
    pub literals: Vec<String>,
    /// How many lines after the context line the signature may appear.
    pub within_lines: u64,
    /// A real context line quoted from the signature's source (used by the tests).
    pub example: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignatureFile {
    schema_version: u32,
    signature: Vec<Signature>,
}

/// Who owns a prefilter literal.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Owner {
    /// The literal of a signature (index into `signatures`).
    Signature(usize),
    /// A context literal of a signature.
    Context(usize),
}

/// The compiled table.
pub(crate) struct Compiled {
    pub(crate) signatures: Vec<Signature>,
    pub(crate) regexes: Vec<Vec<Regex>>,
    /// Prefilter over all distinct literals: finds which literals a line contains.
    pub(crate) prefilter: AhoCorasick,
    /// Fast whole-buffer search for lines that contain any literal (`None`: use `prefilter`).
    pub(crate) search: Option<WuManber>,
    /// For each prefilter pattern, the signatures it belongs to.
    pub(crate) owners: Vec<Vec<Owner>>,
    /// `explains` edges by index, merged from `explains` and `caused_by`.
    pub(crate) explains: Vec<BTreeSet<usize>>,
}

static COMPILED: LazyLock<Result<Compiled, String>> = LazyLock::new(|| compile(SIGNATURES_TOML));

pub(crate) fn compiled() -> Result<&'static Compiled, &'static str> {
    COMPILED.as_ref().map_err(String::as_str)
}

/// Every known signature, in file order. Empty only if the embedded data is broken, which the
/// crate's tests rule out; [`crate::scan`] reports that case as an error.
pub fn signatures() -> &'static [Signature] {
    compiled().map_or(&[], |c| c.signatures.as_slice())
}

/// The signature with this id, or the one it was merged into (an id listed in `aliases`).
pub fn find_signature(id: &str) -> Option<&'static Signature> {
    let all = signatures();
    all.iter()
        .find(|s| s.id == id)
        .or_else(|| all.iter().find(|s| s.aliases.iter().any(|a| a == id)))
}

/// Parse and validate signature data, compile its regexes and the literal prefilter.
pub(crate) fn compile(text: &str) -> Result<Compiled, String> {
    let file: SignatureFile = toml::from_str(text).map_err(|e| e.to_string())?;
    if file.schema_version != 1 {
        return Err(format!(
            "unsupported schema_version {}",
            file.schema_version
        ));
    }
    let signatures = file.signature;
    let mut index = BTreeMap::new();
    for (i, s) in signatures.iter().enumerate() {
        if s.id.is_empty()
            || !s
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(format!("signature id `{}` is not kebab-case", s.id));
        }
        if index.insert(s.id.clone(), i).is_some() {
            return Err(format!("duplicate signature id `{}`", s.id));
        }
        for alias in &s.aliases {
            if index.insert(alias.clone(), i).is_some() {
                return Err(format!(
                    "signature `{}`: alias `{alias}` is already an id or alias",
                    s.id
                ));
            }
        }
        for (field, empty) in [
            ("regexes", s.regexes.is_empty()),
            ("literals", s.literals.iter().all(String::is_empty)),
            ("fix", s.fix.is_empty()),
            ("examples", s.examples.is_empty()),
            ("frameworks", s.frameworks.is_empty()),
            ("cause", s.cause.trim().is_empty()),
            (
                "source",
                !s.source.starts_with("https://") && !s.source.starts_with("seed:"),
            ),
        ] {
            if empty {
                return Err(format!(
                    "signature `{}`: `{field}` is missing or empty",
                    s.id
                ));
            }
        }
        for template in [
            &s.specific_cause,
            &s.specific_fix,
            &s.specific_cause_zh,
            &s.specific_fix_zh,
        ]
        .into_iter()
        .flatten()
        {
            for name in placeholders(template)? {
                let known = s.regexes.iter().any(|r| {
                    Regex::new(r).is_ok_and(|re| re.capture_names().flatten().any(|n| n == name))
                });
                if !known {
                    return Err(format!(
                        "signature `{}`: placeholder `{{{name}}}` is not a capture of any regex",
                        s.id
                    ));
                }
            }
        }
        if let Some(bad) = s
            .kb_skip
            .iter()
            .find(|k| !crate::kb::FACT_KINDS.contains(&k.as_str()))
        {
            return Err(format!(
                "signature `{}`: unknown kb fact kind `{bad}`",
                s.id
            ));
        }
        if let Some(bad) = s.other_sources.iter().find(|u| !u.starts_with("https://")) {
            return Err(format!(
                "signature `{}`: other source `{bad}` is not an https:// URL",
                s.id
            ));
        }
        if s.literals.iter().any(String::is_empty) {
            return Err(format!("signature `{}`: empty literal", s.id));
        }
    }
    let mut regexes = Vec::with_capacity(signatures.len());
    for s in &signatures {
        let mut compiled = Vec::with_capacity(s.regexes.len());
        for r in &s.regexes {
            let re = Regex::new(r)
                .map_err(|e| format!("signature `{}`: regex `{r}` does not compile: {e}", s.id))?;
            compiled.push(re);
        }
        for pair in [&s.captures_equal, &s.captures_differ]
            .into_iter()
            .flatten()
        {
            for name in pair {
                if !compiled
                    .iter()
                    .all(|re| re.capture_names().flatten().any(|n| n == name))
                {
                    return Err(format!(
                        "signature `{}`: capture `{name}` is not in every regex",
                        s.id
                    ));
                }
            }
        }
        regexes.push(compiled);
    }
    let mut explains = vec![BTreeSet::new(); signatures.len()];
    for (i, s) in signatures.iter().enumerate() {
        for target in &s.explains {
            let &j = index
                .get(target)
                .ok_or_else(|| format!("signature `{}` explains unknown `{target}`", s.id))?;
            explains[i].insert(j);
        }
        for cause in &s.caused_by {
            let &j = index
                .get(cause)
                .ok_or_else(|| format!("signature `{}` caused_by unknown `{cause}`", s.id))?;
            explains[j].insert(i);
        }
    }
    // Distinct literals, each with the signatures it belongs to.
    let owned: Vec<(String, Owner)> = signatures
        .iter()
        .enumerate()
        .flat_map(|(i, s)| {
            let sig = s
                .literals
                .iter()
                .map(move |l| (l.clone(), Owner::Signature(i)));
            let ctx = s
                .context
                .iter()
                .flat_map(|c| c.literals.iter())
                .map(move |l| (l.clone(), Owner::Context(i)));
            sig.chain(ctx).collect::<Vec<_>>()
        })
        .collect();
    let mut literal_index: BTreeMap<String, usize> = BTreeMap::new();
    let mut literals: Vec<String> = Vec::new();
    let mut owners: Vec<Vec<Owner>> = Vec::new();
    for (lit, owner) in owned {
        let k = *literal_index.entry(lit.clone()).or_insert_with(|| {
            literals.push(lit);
            owners.push(Vec::new());
            literals.len() - 1
        });
        owners[k].push(owner);
    }
    let prefilter = AhoCorasickBuilder::new()
        .match_kind(MatchKind::Standard)
        .build(&literals)
        .map_err(|e| format!("building the literal prefilter: {e}"))?;
    let search = WuManber::new(&literals);
    Ok(Compiled {
        signatures,
        regexes,
        prefilter,
        search,
        owners,
        explains,
    })
}

/// The `{name}` placeholders of a template, in order. Braces must pair up around a name.
pub(crate) fn placeholders(template: &str) -> Result<Vec<&str>, String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return Err(format!("unpaired `}}` in template `{template}`"));
        }
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| format!("unpaired `{{` in template `{template}`"))?;
        let name = &after[..close];
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(format!(
                "bad placeholder `{{{name}}}` in template `{template}`"
            ));
        }
        out.push(name);
        rest = &after[close + 1..];
    }
    Ok(out)
}

/// Fill a template's placeholders from `values`; `None` when one of them has no value.
pub(crate) fn fill_template(template: &str, values: &BTreeMap<String, String>) -> Option<String> {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}')?;
        let value = values.get(&after[..close])?;
        if value.is_empty() {
            return None;
        }
        out.push_str(value);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// All distinct prefilter literals (signature and context literals), in build order.
pub fn prefilter_literals() -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for s in signatures() {
        for l in s
            .literals
            .iter()
            .chain(s.context.iter().flat_map(|c| c.literals.iter()))
        {
            if seen.insert(l.clone()) {
                out.push(l.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{compile, fill_template};
    use std::collections::BTreeMap;

    #[test]
    fn templates_fill_only_when_every_value_is_there() {
        let mut v = BTreeMap::new();
        v.insert("a".to_string(), "libcublas.so.10.0".to_string());
        v.insert("b".to_string(), "10".to_string());
        assert_eq!(
            fill_template("wants {a} (CUDA {b})", &v).as_deref(),
            Some("wants libcublas.so.10.0 (CUDA 10)")
        );
        assert_eq!(fill_template("wants {a} and {c}", &v), None);
        assert_eq!(fill_template("plain", &v).as_deref(), Some("plain"));
    }

    const GOOD: &str = r#"
schema_version = 1
[[signature]]
id = "a"
title = "A"
frameworks = ["X"]
regexes = ['''boom (?P<code>[0-9]+)''']
literals = ["boom "]
cause = "c"
fix = ["f"]
source = "https://example.org/a"
examples = ["boom 1"]
"#;

    fn err(text: &str) -> String {
        match compile(text) {
            Ok(_) => panic!("accepted bad data:\n{text}"),
            Err(e) => e,
        }
    }

    #[test]
    fn good_data_compiles() {
        assert!(compile(GOOD).is_ok());
    }

    #[test]
    fn bad_data_is_rejected_with_a_reason() {
        assert!(
            err(&GOOD.replace("schema_version = 1", "schema_version = 2"))
                .contains("schema_version")
        );
        assert!(err(&GOOD.replace("boom (?P<code>[0-9]+)", "boom (")).contains("does not compile"));
        assert!(err(&GOOD.replace(r#"id = "a""#, r#"id = "A b""#)).contains("kebab-case"));
        assert!(
            err(&GOOD.replace(
                r#"source = "https://example.org/a""#,
                r#"source = "example.org""#
            ))
            .contains("source")
        );
        assert!(
            err(&GOOD.replace(r#"literals = ["boom "]"#, "literals = []")).contains("literals")
        );
        assert!(err(&format!("{GOOD}explains = [\"nope\"]\n")).contains("unknown `nope`"));
        assert!(
            err(&format!("{GOOD}captures_equal = [\"code\", \"other\"]\n"))
                .contains("capture `other`")
        );
        assert!(err(&format!("{GOOD}surprise = 1\n")).contains("surprise"));
        assert!(err(&format!("{GOOD}specific_cause = \"code {{nope}}\"\n")).contains("`{nope}`"));
        assert!(err(&format!("{GOOD}specific_fix = \"code {{code\"\n")).contains("unpaired"));
        assert!(compile(&format!("{GOOD}specific_cause = \"code {{code}}\"\n")).is_ok());
        assert!(err(&format!("{GOOD}aliases = [\"a\"]\n")).contains("alias `a`"));
        assert!(err(&format!("{GOOD}other_sources = [\"x\"]\n")).contains("other source"));
        assert!(compile(&format!("{GOOD}aliases = [\"old-a\"]\n")).is_ok());
        assert!(err(&format!("{GOOD}kb_skip = [\"nope\"]\n")).contains("kb fact kind"));
        let twice = format!("{GOOD}{}", GOOD.replace("schema_version = 1", ""));
        assert!(err(&twice).contains("duplicate"));
    }
}
