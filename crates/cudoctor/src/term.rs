//! Terminal-safe text. Strings that came from a file or the environment (a GPU model line, a
//! `daemon.json` runtime name, a path) can hold control characters: an `ESC ] 0 ; ... BEL` that
//! retitles the terminal, an `ESC [ 2 J` that clears it, a `\n` that forges a line of our own
//! output. Before text or Markdown is rendered, every string of the facts is escaped here:
//! control characters become visible (`\e`, `\n`, `\r`, `\t`, `\u{7f}`), as do the Unicode bidi
//! controls that reorder what a reader sees. JSON output is never escaped: it stays exact.

use std::borrow::Cow;

use cudoctor_diagnose::{Finding, Localized};
use cudoctor_i18n::{Arg, Msg};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Whether `c` is shown escaped.
fn hostile(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

/// `s` with control and bidi characters made visible; borrowed when there are none.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(hostile) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\u{1b}' => out.push_str("\\e"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if hostile(c) => {
                use std::fmt::Write as _;
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A copy of `value` with every string in it (keys too) escaped, through its serde form.
pub fn escaped<T: Serialize + DeserializeOwned>(value: &T) -> anyhow::Result<T> {
    fn walk(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) => {
                if let Cow::Owned(e) = escape(s) {
                    *s = e;
                }
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(walk),
            serde_json::Value::Object(m) => {
                let entries: Vec<(String, serde_json::Value)> = std::mem::take(m)
                    .into_iter()
                    .map(|(k, mut v)| {
                        walk(&mut v);
                        (escape(&k).into_owned(), v)
                    })
                    .collect();
                m.extend(entries);
            }
            _ => {}
        }
    }
    let mut v = serde_json::to_value(value)?;
    walk(&mut v);
    Ok(serde_json::from_value(v)?)
}

/// A copy of `findings` made terminal-safe like [`escaped`], keeping what their text is by
/// message key (not in the serde form, which is English) with every text argument escaped, so
/// that they still render in another language.
pub fn escaped_findings(findings: &[Finding]) -> anyhow::Result<Vec<Finding>> {
    fn msg(m: &Msg) -> Msg {
        Msg {
            key: m.key,
            args: m
                .args
                .iter()
                .map(|(name, a)| {
                    let a = match a {
                        Arg::Text(t) => Arg::Text(escape(t).into_owned()),
                        Arg::Num(n) => Arg::Num(*n),
                        Arg::Msg(m) => Arg::Msg(msg(m)),
                    };
                    (*name, a)
                })
                .collect(),
        }
    }
    let mut safe = escaped(&findings.to_vec())?;
    for (s, f) in safe.iter_mut().zip(findings) {
        s.l10n = f.l10n.as_ref().map(|l| Localized {
            title: l.title.as_ref().map(msg),
            explanation: l.explanation.as_ref().map(msg),
            fix: l.fix.iter().map(|x| x.as_ref().map(msg)).collect(),
        });
    }
    Ok(safe)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_become_visible_and_plain_text_is_untouched() {
        assert!(matches!(escape("Tesla T4 (8.6) ü"), Cow::Borrowed(_)));
        assert_eq!(escape("a\u{1b}]0;pwned\u{7}b"), "a\\e]0;pwned\\u{7}b");
        assert_eq!(escape("\u{1b}[2J"), "\\e[2J");
        assert_eq!(escape("nvidia\nerror[fake] x"), "nvidia\\nerror[fake] x");
        assert_eq!(escape("\r\t\u{7f}\u{9b}"), "\\r\\t\\u{7f}\\u{9b}");
        assert_eq!(escape("abc\u{202e}txt"), "abc\\u{202e}txt");
    }

    #[test]
    fn escaped_copies_every_string_of_a_value() {
        let v = serde_json::json!({"gpus": [{"name": "X\u{1b}[2J"}], "k\n": 1, "n": 2});
        let e = escaped(&v).unwrap();
        assert_eq!(e["gpus"][0]["name"], "X\\e[2J");
        assert_eq!(e["k\\n"], 1);
        assert_eq!(e["n"], 2);
    }
}
