//! A Dockerfile as a list of instructions with their line numbers.
//!
//! `dockerfile-parser` finds the instructions (comments, `\` continuations, parser directives);
//! this module keeps, per instruction, its keyword, its arguments on one line (continuations
//! joined, comment lines inside a continuation dropped, as the builder does) and the line it
//! starts on, which is what a finding points at.

use dockerfile_parser::Dockerfile;

/// One instruction of a Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// The keyword in upper case: `FROM`, `RUN`, `ENV`, `COPY`, `ARG`, `USER`, `HEALTHCHECK`.
    pub keyword: String,
    /// The arguments, continuations joined into one line.
    pub args: String,
    /// The 1-based line the instruction starts on.
    pub line: usize,
}

/// A Dockerfile that could not be parsed.
#[derive(Debug, thiserror::Error)]
#[error("cannot parse the Dockerfile `{path}`")]
pub struct ParseError {
    /// The name the file was read under (`Dockerfile`, `-`).
    pub path: String,
    #[source]
    source: Box<dockerfile_parser::Error>,
}

/// The instructions of `text`, in order. `path` names the file in errors.
pub fn parse(text: &str, path: &str) -> Result<Vec<Instruction>, ParseError> {
    // The parser wants a final newline; an instruction on the last line may lack one.
    let owned;
    let text = if text.ends_with('\n') {
        text
    } else {
        owned = format!("{text}\n");
        &owned
    };
    let parsed = Dockerfile::parse(text).map_err(|source| ParseError {
        path: path.to_owned(),
        source: Box::new(source),
    })?;
    let mut out = Vec::new();
    for ins in &parsed.instructions {
        let span = ins.span();
        let raw = &text[span.start..span.end.min(text.len())];
        let line = 1 + text[..span.start].matches('\n').count();
        let joined = join_continuations(raw);
        let (keyword, args) = match joined.split_once(char::is_whitespace) {
            Some((k, a)) => (k, a.trim()),
            None => (joined.as_str(), ""),
        };
        out.push(Instruction {
            keyword: keyword.to_ascii_uppercase(),
            args: args.to_owned(),
            line,
        });
    }
    Ok(out)
}

/// One instruction's text with `\`-newline continuations joined and the comment lines inside
/// the continuation dropped (`RUN a \` / `# note` / `  b` is `RUN a b`).
fn join_continuations(raw: &str) -> String {
    let mut out = String::new();
    for (i, line) in raw.lines().enumerate() {
        let trimmed = line.trim_start();
        if i > 0 && (trimmed.starts_with('#') || trimmed.is_empty()) {
            continue;
        }
        let (body, continued) = match line.trim_end().strip_suffix('\\') {
            Some(b) => (b, true),
            None => (line.trim_end(), false),
        };
        if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
        out.push_str(if i == 0 { body } else { body.trim_start() });
        if !continued {
            break;
        }
    }
    out.trim_end().to_owned()
}

/// The value of a `KEY=VALUE` or `KEY VALUE` pair list (`ENV`, `ARG`) for `key`, quotes removed.
pub fn env_pairs(args: &str) -> Vec<(String, String)> {
    let words = shell_words(args);
    if words.len() >= 2 && !words[0].contains('=') {
        // The legacy `ENV KEY value with spaces` form.
        return vec![(words[0].clone(), words[1..].join(" "))];
    }
    words
        .into_iter()
        .map(|w| match w.split_once('=') {
            Some((k, v)) => (k.to_owned(), v.to_owned()),
            None => (w, String::new()),
        })
        .collect()
}

/// Splits shell-like text into words: whitespace separates, `'…'` and `"…"` quote (the quotes
/// are removed), `\x` escapes outside single quotes. Enough for reading `pip install` lines and
/// `ENV` pairs; no expansion is done.
pub fn shell_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = text.chars();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('\''), c) => cur.push(c),
            (Some(_), '\\') => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '\\') => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                    in_word = true;
                }
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, c) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    words
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_continuations() {
        let text = "# syntax=docker/dockerfile:1\nARG BASE=nvidia/cuda\nFROM ${BASE}:12.2.2-cudnn8-runtime-ubuntu22.04\n\n# why\nRUN apt-get update \\\n    # a comment inside\n    && apt-get install -y python3\nENV A=1 B=\"x y\"\nUSER app\nHEALTHCHECK CMD cudoctor check --quiet";
        let ins = parse(text, "Dockerfile").unwrap();
        let got: Vec<(&str, usize)> = ins.iter().map(|i| (i.keyword.as_str(), i.line)).collect();
        assert_eq!(
            got,
            [
                ("ARG", 2),
                ("FROM", 3),
                ("RUN", 6),
                ("ENV", 9),
                ("USER", 10),
                ("HEALTHCHECK", 11)
            ]
        );
        assert_eq!(ins[2].args, "apt-get update && apt-get install -y python3");
        assert_eq!(
            env_pairs(&ins[3].args),
            [
                ("A".to_owned(), "1".to_owned()),
                ("B".to_owned(), "x y".to_owned())
            ]
        );
        assert_eq!(ins[5].args, "CMD cudoctor check --quiet");
    }

    #[test]
    fn words() {
        assert_eq!(
            shell_words(r#"pip install "torch==2.1.0" 'jax[cuda12]==0.4.30' a\ b"#),
            [
                "pip",
                "install",
                "torch==2.1.0",
                "jax[cuda12]==0.4.30",
                "a b"
            ]
        );
        assert_eq!(
            env_pairs("LD_LIBRARY_PATH /usr/lib:"),
            [("LD_LIBRARY_PATH".to_owned(), "/usr/lib:".to_owned())]
        );
    }

    #[test]
    fn broken_file_is_an_error() {
        let e = parse("FROM ubuntu@sha256:0123\n", "Dockerfile").unwrap_err();
        assert_eq!(e.to_string(), "cannot parse the Dockerfile `Dockerfile`");
    }
}
