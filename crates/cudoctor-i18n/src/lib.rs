//! cudoctor's message catalogs: English and Chinese text for findings, verdicts and the CLI's
//! fixed phrases, kept as [Fluent](https://projectfluent.org) `.ftl` files under `locales/` and
//! embedded in the binary.
//!
//! A message is named by a key (`driver-missing-title`) and filled with arguments: versions,
//! commands, paths and ids are arguments, never translated. Isolation marks (U+2068/U+2069) are
//! off, so a command or path pasted from the output is the command or path.
//!
//! ```
//! use cudoctor_i18n::{Lang, Msg, tr};
//! let m = Msg::new("ui-label-fix");
//! assert_eq!(m.render(Lang::En), "fix:");
//! assert_eq!(m.render(Lang::Zh), "修复：");
//! assert_eq!(tr(Lang::Zh, "no-such-key", &[]), "no-such-key");
//! ```
//!
//! The English catalog is where a finding's and a verdict's English is written: the JSON output
//! (always English) is rendered from it too, so each text exists once and every other language
//! translates it.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use fluent_syntax::ast;

/// A language cudoctor's text can be read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// English: the source text, and what every other language falls back to.
    #[default]
    En,
    /// Simplified Chinese.
    Zh,
}

impl Lang {
    /// Every language, English first.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Zh];

    /// `en`, `zh`.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// The language from the environment: `CUDOCTOR_LANG` when set to a language this crate
    /// knows, else the first set one of `LC_ALL`, `LC_MESSAGES`, `LANG` (POSIX order): Chinese
    /// when it starts with `zh` (`zh_CN.UTF-8`), else English.
    pub fn from_env() -> Lang {
        Self::from_env_with(|name| std::env::var(name).ok())
    }

    /// [`Lang::from_env`] over any lookup of variables (tests pass a map).
    pub fn from_env_with(get: impl Fn(&str) -> Option<String>) -> Lang {
        if let Some(lang) = get("CUDOCTOR_LANG").and_then(|v| v.parse().ok()) {
            return lang;
        }
        for name in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            match get(name) {
                Some(v) if !v.trim().is_empty() => {
                    return if v.trim().to_ascii_lowercase().starts_with("zh") {
                        Lang::Zh
                    } else {
                        Lang::En
                    };
                }
                _ => {}
            }
        }
        Lang::En
    }

    fn tag(self) -> unic_langid::LanguageIdentifier {
        let tag = match self {
            Lang::En => "en-US",
            Lang::Zh => "zh-CN",
        };
        tag.parse().expect("a valid language tag")
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A language name this crate does not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownLang(pub String);

impl fmt::Display for UnknownLang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown language `{}` (known: en, zh)", self.0)
    }
}

impl std::error::Error for UnknownLang {}

impl FromStr for Lang {
    type Err = UnknownLang;

    /// `en`, `zh`, and locale names: `zh-CN`, `zh_CN.UTF-8`, `en_US.UTF-8`; `C` and `POSIX` are
    /// English.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        let primary = lower.split(['-', '_', '.', '@']).next().unwrap_or_default();
        match primary {
            "en" | "c" | "posix" => Ok(Lang::En),
            "zh" => Ok(Lang::Zh),
            _ => Err(UnknownLang(s.to_owned())),
        }
    }
}

/// One argument of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// Text put in as it is: a version, a command, a path, a name.
    Text(String),
    /// A count (plural forms select on it).
    Num(i64),
    /// Another message, rendered in the same language first.
    Msg(Msg),
}

impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg::Text(s)
    }
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg::Text(s.to_owned())
    }
}

impl From<Msg> for Arg {
    fn from(m: Msg) -> Self {
        Arg::Msg(m)
    }
}

impl From<usize> for Arg {
    fn from(n: usize) -> Self {
        Arg::Num(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

/// A message's arguments: name and value.
pub type Args = [(&'static str, Arg)];

/// A message key with its arguments: what a piece of text is, in no language yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    /// The catalog key (`driver-missing-title`).
    pub key: &'static str,
    /// The arguments, by name.
    pub args: Vec<(&'static str, Arg)>,
}

impl Msg {
    /// A message without arguments.
    pub fn new(key: &'static str) -> Self {
        Self {
            key,
            args: Vec::new(),
        }
    }

    /// Adds an argument.
    #[must_use]
    pub fn arg(mut self, name: &'static str, value: impl Into<Arg>) -> Self {
        self.args.push((name, value.into()));
        self
    }

    /// The message in `lang`, falling back to English, then to the key.
    pub fn render(&self, lang: Lang) -> String {
        tr(lang, self.key, &self.args)
    }

    /// The message in `lang` only: `None` when its catalog lacks the key or an argument.
    pub fn render_strict(&self, lang: Lang) -> Option<String> {
        Catalog::get(lang).message_strict(self.key, &self.args)
    }
}

/// Builds a [`Msg`]: `msg!("key", name = value, ...)`; each value is anything `Into<Arg>`.
#[macro_export]
macro_rules! msg {
    ($key:expr $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::Msg::new($key)$(.arg(stringify!($name), $value))*
    };
}

/// The catalog files of each language, in load order.
const EN: &[(&str, &str)] = &[
    ("findings.ftl", include_str!("../locales/en/findings.ftl")),
    ("lint.ftl", include_str!("../locales/en/lint.ftl")),
    ("verdict.ftl", include_str!("../locales/en/verdict.ftl")),
    ("ui.ftl", include_str!("../locales/en/ui.ftl")),
];
const ZH: &[(&str, &str)] = &[
    ("findings.ftl", include_str!("../locales/zh/findings.ftl")),
    ("lint.ftl", include_str!("../locales/zh/lint.ftl")),
    ("verdict.ftl", include_str!("../locales/zh/verdict.ftl")),
    ("ui.ftl", include_str!("../locales/zh/ui.ftl")),
];

/// One language's messages.
pub struct Catalog {
    lang: Lang,
    bundle: FluentBundle<FluentResource>,
    /// Every message key, with the variables its value uses.
    vars: Vec<(String, BTreeSet<String>)>,
}

impl fmt::Debug for Catalog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Catalog")
            .field("lang", &self.lang)
            .field("messages", &self.vars.len())
            .finish_non_exhaustive()
    }
}

impl Catalog {
    /// The catalog of `lang`, parsed once.
    ///
    /// # Panics
    /// When an embedded `.ftl` file does not parse or repeats a key (the tests catch this).
    pub fn get(lang: Lang) -> &'static Catalog {
        static EN_CAT: OnceLock<Catalog> = OnceLock::new();
        static ZH_CAT: OnceLock<Catalog> = OnceLock::new();
        match lang {
            Lang::En => EN_CAT.get_or_init(|| Catalog::load(Lang::En, EN)),
            Lang::Zh => ZH_CAT.get_or_init(|| Catalog::load(Lang::Zh, ZH)),
        }
    }

    fn load(lang: Lang, files: &[(&str, &str)]) -> Catalog {
        let mut bundle = FluentBundle::new_concurrent(vec![lang.tag()]);
        bundle.set_use_isolating(false);
        let mut vars = Vec::new();
        for (name, text) in files {
            let res = match FluentResource::try_new((*text).to_owned()) {
                Ok(r) => r,
                Err((_, errors)) => {
                    panic!("locales/{lang}/{name} does not parse: {errors:?}")
                }
            };
            for entry in res.entries() {
                if let ast::Entry::Message(m) = entry {
                    let mut set = BTreeSet::new();
                    if let Some(p) = &m.value {
                        pattern_vars(p, &mut set);
                    }
                    vars.push((m.id.name.to_owned(), set));
                }
            }
            if let Err(errors) = bundle.add_resource(res) {
                panic!("locales/{lang}/{name}: {errors:?}");
            }
        }
        Catalog { lang, bundle, vars }
    }

    /// The language of this catalog.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// Every message key, in file order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.vars.iter().map(|(k, _)| k.as_str())
    }

    /// Whether the catalog has `key`.
    pub fn has(&self, key: &str) -> bool {
        self.bundle.has_message(key)
    }

    /// The variables (`$name`, without the `$`) that the message `key` uses; `None` when the
    /// key is absent.
    pub fn variables(&self, key: &str) -> Option<&BTreeSet<String>> {
        self.vars.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The message `key` filled with `args`; `None` when this catalog lacks it. A variable
    /// missing from `args` shows as `{$name}`.
    pub fn message(&self, key: &str, args: &Args) -> Option<String> {
        self.format(key, args).map(|(s, _)| s)
    }

    /// Like [`Catalog::message`], but `None` also when formatting reported an error (a
    /// variable not given, a nested message missing).
    pub fn message_strict(&self, key: &str, args: &Args) -> Option<String> {
        match self.format(key, args)? {
            (s, true) => Some(s),
            (_, false) => None,
        }
    }

    /// The text and whether it formatted without error.
    fn format(&self, key: &str, args: &Args) -> Option<(String, bool)> {
        let msg = self.bundle.get_message(key)?;
        let pattern = msg.value()?;
        let mut ok = true;
        let mut fargs = FluentArgs::new();
        for (name, value) in args {
            let v: FluentValue<'_> = match value {
                Arg::Text(s) => FluentValue::from(s.clone()),
                Arg::Num(n) => FluentValue::from(*n),
                Arg::Msg(m) => {
                    if let Some((s, nested_ok)) = Catalog::get(self.lang).format(m.key, &m.args) {
                        ok &= nested_ok;
                        FluentValue::from(s)
                    } else {
                        ok = false;
                        FluentValue::from(tr(Lang::En, m.key, &m.args))
                    }
                }
            };
            fargs.set(*name, v);
        }
        let mut errors = Vec::new();
        let text = self
            .bundle
            .format_pattern(pattern, Some(&fargs), &mut errors)
            .into_owned();
        Some((text, ok && errors.is_empty()))
    }
}

/// The message `key` in `lang`, falling back to English, then to the key itself.
pub fn tr(lang: Lang, key: &str, args: &Args) -> String {
    Catalog::get(lang)
        .message(key, args)
        .or_else(|| Catalog::get(Lang::En).message(key, args))
        .unwrap_or_else(|| key.to_owned())
}

fn pattern_vars(p: &ast::Pattern<&str>, out: &mut BTreeSet<String>) {
    for el in &p.elements {
        if let ast::PatternElement::Placeable { expression } = el {
            expression_vars(expression, out);
        }
    }
}

fn expression_vars(e: &ast::Expression<&str>, out: &mut BTreeSet<String>) {
    match e {
        ast::Expression::Select { selector, variants } => {
            inline_vars(selector, out);
            for v in variants {
                pattern_vars(&v.value, out);
            }
        }
        ast::Expression::Inline(i) => inline_vars(i, out),
    }
}

fn inline_vars(i: &ast::InlineExpression<&str>, out: &mut BTreeSet<String>) {
    match i {
        ast::InlineExpression::VariableReference { id } => {
            out.insert(id.name.to_owned());
        }
        ast::InlineExpression::Placeable { expression } => expression_vars(expression, out),
        ast::InlineExpression::FunctionReference { arguments, .. } => {
            for a in &arguments.positional {
                inline_vars(a, out);
            }
            for a in &arguments.named {
                inline_vars(&a.value, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests;
