//! A Dockerfile as a list of instructions with their line numbers.
//!
//! The instructions are split the way BuildKit's Dockerfile parser splits them (moby/buildkit
//! `frontend/dockerfile/parser/parser.go`, with `directives.go`, `line_parsers.go` and
//! `split_command.go` beside it, the heredoc words of `frontend/dockerfile/shell/lex.go`, and
//! the "unknown instruction" check of `frontend/dockerfile/instructions/parse.go`), so a file
//! `docker build` reads is read here too, and one it rejects is rejected with the same reason:
//!
//! - A UTF-8 byte-order mark at the start is dropped; lines end at `\n`, `\r`s before it dropped.
//!   A line longer than 65535 bytes is an error, as BuildKit's line scanner reports it.
//! - Parser directives (`# syntax=…`, `# escape=…`, `# check=…`) count only in the comment lines
//!   at the very top: the first line that is anything else (an instruction, a blank line, another
//!   comment) ends them. `escape` is `\` (the default) or `` ` ``; a directive twice is an error.
//! - A line whose first non-blank character is `#` is a comment and dropped, also inside a
//!   continuation; blank lines inside a continuation are skipped.
//! - A line whose last character before trailing spaces and tabs is the escape character (not
//!   itself escaped) continues on the next line; the pieces are glued as they are, as BuildKit
//!   does (`ENV P=/a:\` / `/b` is `ENV P=/a:/b`; `RUN a \` / `  b` is `RUN a   b`).
//! - `RUN`, `COPY` and `ADD` (also under `ONBUILD`) in shell form may carry heredocs
//!   (`<<EOF`, `<<-EOF` with leading tabs stripped, `<<"EOF"`, `<<'EOF'`, several on one line):
//!   the lines up to each terminator belong to the instruction; an unterminated one is an error.
//! - The keyword is the first word (case-insensitive), the arguments the rest; a keyword that is
//!   no Dockerfile instruction is an error ("unknown instruction"). A file with no instruction
//!   (empty, or only comments) has none; BuildKit calls that an error, the lint does not.
//! - What BuildKit's line parsers reject in the arguments is an error too: `ENV`/`LABEL` with a
//!   key and no value (`ENV PATH`) or a bare word among `KEY=value` pairs, and an exec form
//!   whose JSON array holds something else than strings. The checks BuildKit makes later (flags,
//!   argument counts, image references) are not made here.
//!
//! The work is one pass over the lines: no backtracking, no recursion, memory linear in the input.

/// One instruction of a Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// The keyword in upper case: `FROM`, `RUN`, `ENV`, `COPY`, `ARG`, `USER`, `HEALTHCHECK`.
    pub keyword: String,
    /// The arguments, continuations joined into one line. Heredoc bodies follow: for `RUN` each
    /// command of the body after ` ; ` (`<<EOF ; apt-get update ; apt-get install -y curl`, blank
    /// and `#` lines dropped, `\`-continued lines joined); a `COPY`/`ADD` body (a file's content)
    /// is not part of them.
    pub args: String,
    /// The 1-based line the instruction starts on.
    pub line: usize,
}

impl Instruction {
    /// The words of the exec (JSON) form of `RUN`, `CMD`, `ENTRYPOINT` and `SHELL`
    /// (`CMD ["python3", "-m", "app"]`, `RUN --mount=type=cache,target=/x ["make"]`): `None` for
    /// the shell form, other keywords, or a `[` that does not open a JSON array of strings (as
    /// BuildKit, which runs `RUN [ -f x ] && …` through the shell). `args` keeps the raw text.
    pub fn exec_words(&self) -> Option<Vec<String>> {
        match self.keyword.as_str() {
            "RUN" | "CMD" | "ENTRYPOINT" | "SHELL" => {
                json_array(strip_flags(&self.args, DEFAULT_ESCAPE))
            }
            _ => None,
        }
    }
}

/// A Dockerfile that could not be parsed (one `docker build` would reject as well).
#[derive(Debug, thiserror::Error)]
#[error("cannot parse the Dockerfile `{path}`")]
pub struct ParseError {
    /// The name the file was read under (`Dockerfile`, `-`).
    pub path: String,
    /// The 1-based line of the problem (the first line of the instruction it is in).
    pub line: usize,
    /// What is wrong, in BuildKit's words where it has some: `unknown instruction: FORM`.
    pub reason: String,
    /// `line N: reason`, the one cause shown under the message.
    #[source]
    detail: Detail,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Detail(String);

/// A problem at a line, before the path is known.
struct Fail {
    line: usize,
    reason: String,
}

fn fail<T>(line: usize, reason: String) -> Result<T, Fail> {
    Err(Fail { line, reason })
}

/// The instruction keywords (BuildKit's `command` package), upper case.
const KEYWORDS: [&str; 18] = [
    "FROM",
    "RUN",
    "CMD",
    "LABEL",
    "MAINTAINER",
    "EXPOSE",
    "ENV",
    "ADD",
    "COPY",
    "ENTRYPOINT",
    "VOLUME",
    "USER",
    "WORKDIR",
    "ARG",
    "ONBUILD",
    "STOPSIGNAL",
    "HEALTHCHECK",
    "SHELL",
];

/// The longest line BuildKit reads: `bufio.MaxScanTokenSize - 1`.
const MAX_LINE: usize = 65_535;

const DEFAULT_ESCAPE: char = '\\';

/// The instructions of `text`, in order. `path` names the file in errors.
pub fn parse(text: &str, path: &str) -> Result<Vec<Instruction>, ParseError> {
    split(text).map_err(|f| ParseError {
        path: path.to_owned(),
        line: f.line,
        detail: Detail(format!("line {}: {}", f.line, f.reason)),
        reason: f.reason,
    })
}

fn split(text: &str) -> Result<Vec<Instruction>, Fail> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = Lines {
        rest: text,
        number: 0,
    };
    let mut directives = Directives::default();
    let mut out = Vec::new();
    let mut joined = String::new();
    while let Some((start, raw)) = lines.next_line()? {
        let first = raw.trim_start();
        directives.line(first, start)?;
        if first.starts_with('#') {
            continue;
        }
        let escape = directives.escape;
        let (piece, mut continued) = trim_continuation(first, escape);
        if !continued && piece.is_empty() {
            continue;
        }
        joined.clear();
        push_piece(&mut joined, piece);
        while continued {
            let Some((_, raw)) = lines.next_line()? else {
                break;
            };
            let trimmed = raw.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let (piece, c) = trim_continuation(raw, escape);
            push_piece(&mut joined, piece);
            continued = c;
        }
        let (word, args) = split_keyword(&joined);
        let Some(keyword) = known_keyword(word) else {
            return fail(start, unknown(word));
        };
        let mut ins = Instruction {
            keyword: keyword.to_owned(),
            args: args.to_owned(),
            line: start,
        };
        // `ONBUILD RUN …` is read as its `RUN`; an unknown trigger BuildKit leaves for later.
        let (sub, sub_args) = if keyword == "ONBUILD" {
            let (w, a) = split_keyword(args);
            (known_keyword(w), a)
        } else {
            (Some(keyword), args)
        };
        let Some(sub) = sub else {
            out.push(ins);
            continue;
        };
        let sub_args = strip_flags(sub_args, escape);
        if let Err(reason) = check_args(sub, sub_args, escape) {
            return fail(start, reason);
        }
        let heredoc_capable = matches!(sub, "RUN" | "COPY" | "ADD")
            && joined.contains("<<")
            && json_array(sub_args).is_none();
        if heredoc_capable {
            let run = sub == "RUN";
            for doc in heredocs(&joined) {
                read_heredoc(&mut lines, &doc, run, &mut ins)?;
            }
        }
        out.push(ins);
    }
    Ok(out)
}

/// The physical lines of a text, counted.
struct Lines<'a> {
    rest: &'a str,
    number: usize,
}

impl<'a> Lines<'a> {
    /// The next line's number and text without its line ending (`\n`, and the `\r`s before it).
    fn next_line(&mut self) -> Result<Option<(usize, &'a str)>, Fail> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let (line, rest) = match self.rest.find('\n') {
            Some(i) => (&self.rest[..i], &self.rest[i + 1..]),
            None => (self.rest, ""),
        };
        self.rest = rest;
        self.number += 1;
        if line.len() > MAX_LINE {
            return fail(
                self.number,
                format!("dockerfile line greater than max allowed size of {MAX_LINE}"),
            );
        }
        Ok(Some((self.number, line.trim_end_matches('\r'))))
    }
}

/// The parser directives seen so far, and the escape character they set.
struct Directives {
    /// A line that is no directive has been seen: no more directives.
    done: bool,
    /// `syntax`, `escape`, `check` seen.
    seen: [bool; 3],
    escape: char,
}

impl Default for Directives {
    fn default() -> Self {
        Self {
            done: false,
            seen: [false; 3],
            escape: DEFAULT_ESCAPE,
        }
    }
}

impl Directives {
    /// Reads `line` (leading blanks trimmed) as a possible `# key=value` directive.
    fn line(&mut self, line: &str, number: usize) -> Result<(), Fail> {
        if self.done {
            return Ok(());
        }
        let Some((key, value)) = line
            .strip_prefix('#')
            .and_then(|c| directive(c.trim_start()))
        else {
            self.done = true;
            return Ok(());
        };
        let key = key.to_ascii_lowercase();
        let slot = match key.as_str() {
            "syntax" => 0,
            "escape" => 1,
            "check" => 2,
            _ => {
                self.done = true;
                return Ok(());
            }
        };
        if self.seen[slot] {
            return fail(
                number,
                format!("only one {key} parser directive can be used"),
            );
        }
        self.seen[slot] = true;
        if slot == 1 {
            self.escape = match value {
                "\\" => '\\',
                "`" => '`',
                _ => {
                    return fail(
                        number,
                        format!(
                            "invalid escape token '{}' does not match ` or \\",
                            shown(value)
                        ),
                    );
                }
            };
        }
        Ok(())
    }
}

/// `key=value` after a directive's `#`: BuildKit's `^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`.
fn directive(text: &str) -> Option<(&str, &str)> {
    let end = text
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(text.len());
    let key = &text[..end];
    if !key.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let value = text[end..]
        .trim_start_matches(regex_space)
        .strip_prefix('=')?
        .trim_matches(regex_space);
    (!value.is_empty()).then_some((key, value))
}

/// RE2's `\s`.
fn regex_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0c' | '\r')
}

/// `line` without a final escape character and the spaces and tabs after it, and whether there
/// was one (BuildKit's `([^\\])\\[ \t]*$|^\\[ \t]*$`: an escaped escape character does not
/// continue the line).
fn trim_continuation(line: &str, escape: char) -> (&str, bool) {
    let t = line.trim_end_matches([' ', '\t']);
    match t.strip_suffix(escape) {
        Some(before) if before.is_empty() || !before.ends_with(escape) => (before, true),
        _ => (line, false),
    }
}

/// Appends one piece of a continued instruction as it is, as BuildKit does (`parser.go` adds
/// each continuation line, escape character removed, to the line before): `ENV P=/a:\` /
/// `/b` is `ENV P=/a:/b`, `RUN a \` / `  b` is `RUN a   b`.
fn push_piece(joined: &mut String, piece: &str) {
    joined.push_str(piece);
}

/// The first word of `line` and the rest, trimmed (BuildKit's `splitCommand`: the keyword ends
/// at a space, tab, `\v`, `\f` or `\r`).
fn split_keyword(line: &str) -> (&str, &str) {
    let line = line.trim();
    match line.find([' ', '\t', '\x0b', '\x0c', '\r']) {
        Some(i) => (&line[..i], line[i..].trim()),
        None => (line, ""),
    }
}

/// `word` as an instruction keyword, upper case, if it is one (any case, as BuildKit lower-cases
/// it before the look-up).
fn known_keyword(word: &str) -> Option<&'static str> {
    if word.len() > "HEALTHCHECK".len() * 4 {
        return None;
    }
    let lower = word.to_lowercase();
    KEYWORDS
        .iter()
        .copied()
        .find(|k| k.eq_ignore_ascii_case(&lower))
}

fn unknown(word: &str) -> String {
    if word.is_empty() {
        // A line continuation with nothing after it: BuildKit reports an empty instruction.
        "unknown instruction: (a line continuation with nothing to continue)".to_owned()
    } else {
        format!("unknown instruction: {}", shown(word))
    }
}

/// Text from the file for an error message: control characters escaped, at most 40 characters.
fn shown(text: &str) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == 40 {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// The arguments after the leading `--flag` words (BuildKit's `extractBuilderFlags`; `--` alone
/// ends the flags).
fn strip_flags(args: &str, escape: char) -> &str {
    let mut rest = args.trim_start();
    while rest.starts_with("--") {
        let mut quote = None;
        let mut end = rest.len();
        let mut chars = rest.char_indices();
        while let Some((i, c)) = chars.next() {
            match quote {
                Some(q) if c == q => quote = None,
                _ if c == escape => {
                    chars.next();
                }
                None if c.is_whitespace() => {
                    end = i;
                    break;
                }
                None if c == '\'' || c == '"' => quote = Some(c),
                Some(_) | None => {}
            }
        }
        let word = &rest[..end];
        rest = rest[end..].trim_start();
        if word == "--" {
            break;
        }
    }
    rest
}

/// The errors BuildKit's line parsers (`line_parsers.go`) find in an instruction's arguments
/// (`args`: after the flags): `ENV`/`LABEL` pairs, and a JSON array of something else than strings.
fn check_args(keyword: &str, args: &str, escape: char) -> Result<(), String> {
    match keyword {
        "ENV" | "LABEL" => check_name_values(keyword, args, escape),
        "RUN" | "CMD" | "ENTRYPOINT" | "SHELL" | "ADD" | "COPY" | "VOLUME" => check_json(args),
        "HEALTHCHECK" => {
            // `HEALTHCHECK [flags] CMD …`: the command after the type word.
            let cmd = args
                .find(char::is_whitespace)
                .map_or("", |i| args[i..].trim_start());
            check_json(cmd)
        }
        _ => Ok(()),
    }
}

/// BuildKit's `parseNameVal`: `KEY value` (two words at least) or only `KEY=value` words.
fn check_name_values(keyword: &str, args: &str, escape: char) -> Result<(), String> {
    let words = parse_words(args, escape);
    let Some(first) = words.first() else {
        return Ok(());
    };
    if !first.contains('=') {
        if args.contains([' ', '\t', '\x0b', '\x0c', '\r']) {
            return Ok(());
        }
        return Err(format!("{keyword} must have two arguments"));
    }
    match words.iter().find(|w| !w.contains('=')) {
        Some(w) => Err(format!(
            "Syntax error - can't find = in \"{}\". Must be of the form: name=value",
            shown(w)
        )),
        None => Ok(()),
    }
}

/// BuildKit's `parseJSON` error: a JSON array whose items are not all strings.
fn check_json(args: &str) -> Result<(), String> {
    let args = args.trim_start();
    if !args.starts_with('[') {
        return Ok(());
    }
    match serde_json::from_str::<Vec<serde_json::Value>>(args) {
        Ok(items) if !items.iter().all(serde_json::Value::is_string) => {
            Err("when using JSON array syntax, arrays must be comprised of strings only".to_owned())
        }
        // Not JSON: the shell form.
        _ => Ok(()),
    }
}

/// BuildKit's `parseWords`: words split at blanks outside quotes, quotes and escapes kept.
fn parse_words(text: &str, escape: char) -> Vec<String> {
    #[derive(PartialEq, Eq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut quote = '\0';
    let mut blank_ok = false;
    let mut cur = String::new();
    let mut chars = text.chars();
    while let Some(mut c) = chars.next() {
        if phase == Phase::Spaces {
            if c.is_whitespace() {
                continue;
            }
            phase = Phase::Word;
        }
        if phase == Phase::Word {
            if c.is_whitespace() {
                phase = Phase::Spaces;
                if blank_ok || !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                }
                blank_ok = false;
                continue;
            }
            if c == '\'' || c == '"' {
                quote = c;
                blank_ok = true;
                phase = Phase::Quote;
            }
            if c == escape {
                // An escape character at the end is dropped.
                let Some(n) = chars.next() else { continue };
                cur.push(c);
                c = n;
            }
            cur.push(c);
            continue;
        }
        if c == quote {
            phase = Phase::Word;
        }
        if c == escape && quote != '\'' {
            let Some(n) = chars.next() else {
                phase = Phase::Word;
                continue;
            };
            cur.push(c);
            c = n;
        }
        cur.push(c);
    }
    if phase != Phase::Spaces && (blank_ok || !cur.is_empty()) {
        words.push(cur);
    }
    words
}

/// `text` as a JSON array of strings (the exec form), as BuildKit's `parseJSON`.
fn json_array(text: &str) -> Option<Vec<String>> {
    let text = text.trim_start();
    if !text.starts_with('[') {
        return None;
    }
    serde_json::from_str(text).ok()
}

/// One heredoc of an instruction line.
#[derive(Debug, PartialEq, Eq)]
struct Heredoc {
    /// The terminator, quotes removed.
    name: String,
    /// `<<-`: leading tabs are stripped from the body and the terminator.
    chomp: bool,
}

/// The heredocs an instruction line opens, in order (BuildKit's `heredocsFromLine`: the line's
/// shell words, quotes kept, that match `^(\d*)<<(-?)\s*([^<]*)$` with a word after the `<<`).
fn heredocs(line: &str) -> Vec<Heredoc> {
    let Some(words) = shell_lex(line, true) else {
        // BuildKit drops the heredocs of a line its shell lexer cannot read (an open quote).
        return Vec::new();
    };
    words
        .iter()
        .filter_map(|w| {
            let w = w.trim_start_matches(|c: char| c.is_ascii_digit());
            let w = w.strip_prefix("<<")?;
            let (chomp, w) = match w.strip_prefix('-') {
                Some(w) => (true, w),
                None => (false, w),
            };
            let rest = w.trim_start_matches(regex_space);
            if rest.is_empty() || rest.contains('<') {
                return None;
            }
            let mut name = shell_lex(rest, false)?;
            (name.len() == 1).then(|| Heredoc {
                name: name.remove(0),
                chomp,
            })
        })
        .collect()
}

/// BuildKit's shell lexer (`shell.NewLex('\\')`) as far as heredocs need it: words split at
/// unquoted blanks, `'…'` and `"…"` quote, `\` escapes, `<<` and the blanks after it stay with
/// the next word. `raw` keeps the quotes and escapes in the words. `None` for an open quote.
fn shell_lex(text: &str, raw: bool) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                if raw {
                    cur.push(c);
                }
                loop {
                    let n = chars.next()?;
                    if n == '\'' {
                        break;
                    }
                    cur.push(n);
                }
                if raw {
                    cur.push(c);
                }
            }
            '"' => {
                if raw {
                    cur.push(c);
                }
                loop {
                    let n = chars.next()?;
                    match n {
                        '"' => break,
                        '\\' => {
                            if raw {
                                cur.push(n);
                            }
                            match chars.peek() {
                                Some(&e @ ('"' | '$' | '\\')) => {
                                    chars.next();
                                    cur.push(e);
                                }
                                Some(_) => cur.push(n),
                                None => {}
                            }
                        }
                        _ => cur.push(n),
                    }
                }
                if raw {
                    cur.push(c);
                }
            }
            '<' if chars.peek() == Some(&'<') => {
                chars.next();
                cur.push_str("<<");
                while let Some(&b @ (' ' | '\t' | '\r')) = chars.peek() {
                    cur.push(b);
                    chars.next();
                }
            }
            '\\' => {
                if raw {
                    cur.push(c);
                }
                match chars.next() {
                    Some(n) => cur.push(n),
                    None => break,
                }
            }
            c if c.is_whitespace() => {
                if !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    Some(words)
}

/// Reads the body of `doc` into `ins.args`, up to its terminator line.
fn read_heredoc(
    lines: &mut Lines<'_>,
    doc: &Heredoc,
    run: bool,
    ins: &mut Instruction,
) -> Result<(), Fail> {
    // A shell command of a `RUN` body continued with `\`, not yet added.
    let mut command = String::new();
    loop {
        let Some((_, raw)) = lines.next_line()? else {
            return fail(
                ins.line,
                format!(
                    "unterminated heredoc: no line `{}` ends the heredoc of `{}`",
                    shown(&doc.name),
                    ins.keyword
                ),
            );
        };
        let body = if doc.chomp {
            raw.trim_start_matches('\t')
        } else {
            raw
        };
        if body == doc.name {
            break;
        }
        let body = body.trim();
        if !run {
            // A `COPY`/`ADD` body is a file's content, not arguments: it is read past, not
            // added (a path written inside it copies nothing).
            continue;
        }
        if let Some(head) = body.strip_suffix('\\') {
            push_piece(&mut command, head);
            continue;
        }
        if !body.is_empty() && !body.starts_with('#') {
            push_piece(&mut command, body);
        }
        push_command(&mut ins.args, &mut command);
    }
    push_command(&mut ins.args, &mut command);
    Ok(())
}

fn push_command(args: &mut String, command: &mut String) {
    if !command.is_empty() {
        args.push_str(" ; ");
        args.push_str(command);
        command.clear();
    }
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
    use std::fmt::Write as _;

    use super::*;

    /// Keyword, args and line of each instruction of `text`.
    fn split_ok(text: &str) -> Vec<(String, String, usize)> {
        parse(text, "Dockerfile")
            .unwrap_or_else(|e| panic!("{text:?}: line {}: {}", e.line, e.reason))
            .into_iter()
            .map(|i| (i.keyword, i.args, i.line))
            .collect()
    }

    /// Runs of blanks as one space: the continuation tests say where words join, not how many
    /// blanks the glued pieces keep (`glued_as_buildkit` checks that).
    fn squeeze(s: &str) -> String {
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn expect(text: &str, want: &[(&str, &str, usize)]) {
        let want: Vec<(String, String, usize)> = want
            .iter()
            .map(|(k, a, l)| ((*k).to_owned(), squeeze(a), *l))
            .collect();
        let got: Vec<(String, String, usize)> = split_ok(text)
            .into_iter()
            .map(|(k, a, l)| (k, squeeze(&a), l))
            .collect();
        assert_eq!(got, want, "{text:?}");
    }

    /// Continuation pieces are glued as they are (BuildKit's `parser.go`): a value split over
    /// lines without blanks stays one word; the blanks before `\\` and the indentation stay.
    #[test]
    fn glued_as_buildkit() {
        let ins = parse(
            "ENV LD_LIBRARY_PATH=\\\n/usr/local/cuda/lib64:\\\n/usr/local/nvidia/lib64\nRUN a \\\n  b\n",
            "Dockerfile",
        )
        .unwrap();
        assert_eq!(
            ins[0].args,
            "LD_LIBRARY_PATH=/usr/local/cuda/lib64:/usr/local/nvidia/lib64"
        );
        assert_eq!(ins[1].args, "a   b");
    }

    /// The line and reason of the error `text` gives.
    fn error(text: &str) -> (usize, String) {
        let e = parse(text, "Dockerfile").unwrap_err();
        (e.line, e.reason)
    }

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
        assert_eq!(
            squeeze(&ins[2].args),
            "apt-get update && apt-get install -y python3"
        );
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
        let e = parse("FROM ubuntu:22.04\nFORM ubuntu\n", "Dockerfile").unwrap_err();
        assert_eq!(e.to_string(), "cannot parse the Dockerfile `Dockerfile`");
        assert_eq!(e.path, "Dockerfile");
        assert_eq!(
            (e.line, e.reason.as_str()),
            (2, "unknown instruction: FORM")
        );
    }

    /// The message, then one cause: `line N: reason`, once.
    #[test]
    fn error_cause_is_shown_once() {
        let e = parse("FROM x\nRUN <<EOF\necho hi\n", "-").unwrap_err();
        let chain: Vec<String> =
            std::iter::successors(Some(&e as &(dyn std::error::Error + 'static)), |e| {
                e.source()
            })
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            chain,
            [
                "cannot parse the Dockerfile `-`",
                "line 2: unterminated heredoc: no line `EOF` ends the heredoc of `RUN`"
            ]
        );
    }

    #[test]
    fn directives_only_at_the_top() {
        // `escape` sets the continuation character; `\` is then an ordinary one.
        expect(
            "# syntax=docker/dockerfile:1\n# escape=`\nFROM x\nRUN echo a `\n  b\nRUN dir c:\\\nUSER app",
            &[
                ("FROM", "x", 3),
                ("RUN", "echo a b", 4),
                ("RUN", "dir c:\\", 6),
                ("USER", "app", 7),
            ],
        );
        // Blanks around the key, `=` and value; the key in any case; after a byte-order mark.
        expect(
            "\u{feff}  #  ESCAPE = ` \nRUN a `\n b",
            &[("RUN", "a b", 2)],
        );
        expect("# escape=\\\nRUN a \\\n b", &[("RUN", "a b", 2)]);
        // After a comment, a blank line, an unknown directive or an instruction: a comment.
        for head in ["# a note\n", "\n", "# foo=bar\n", "FROM x\n"] {
            let text = format!("{head}# escape=`\nRUN a `\nRUN b \\\n c");
            let ins = parse(&text, "Dockerfile").unwrap();
            let runs: Vec<String> = ins
                .iter()
                .filter(|i| i.keyword == "RUN")
                .map(|i| squeeze(&i.args))
                .collect();
            assert_eq!(runs, ["a `", "b c"], "{text:?}");
        }
        assert_eq!(
            error("# escape=`\n# syntax=x\n# escape=`\nFROM x"),
            (3, "only one escape parser directive can be used".to_owned())
        );
        assert_eq!(
            error("# escape=x\nFROM x"),
            (
                1,
                "invalid escape token 'x' does not match ` or \\".to_owned()
            )
        );
    }

    #[test]
    fn comments_and_blank_lines_inside_a_continuation() {
        expect(
            "FROM x\nRUN a \\\n\n  # note \\\n\t# tabbed note\n\n   b \\\n  c\nUSER u",
            &[("FROM", "x", 1), ("RUN", "a b c", 2), ("USER", "u", 9)],
        );
    }

    #[test]
    fn continuation_rules() {
        // Spaces and tabs after the `\`.
        expect("RUN a \\ \t\n  b", &[("RUN", "a b", 1)]);
        // An escaped `\` does not continue the line.
        expect(
            "RUN echo \\\\\nUSER u",
            &[("RUN", "echo \\\\", 1), ("USER", "u", 2)],
        );
        // Pieces are joined with one space (BuildKit glues them: `ab`).
        expect("RUN a\\\n  b", &[("RUN", "a b", 1)]);
        // A `\` at the end of the file ends the instruction.
        expect("RUN a \\", &[("RUN", "a", 1)]);
        expect("RUN a \\\n# a comment\n\n", &[("RUN", "a", 1)]);
        // A `\` alone continues into the next line, and the instruction starts at the `\`.
        expect("\\\nRUN a\nUSER u", &[("RUN", "a", 1), ("USER", "u", 3)]);
        // A `\` with nothing after it is no instruction: BuildKit rejects it.
        assert_eq!(error("FROM x\n\\").0, 2);
        assert_eq!(error("FROM x\n  \\\n# c\n").0, 2);
    }

    #[test]
    fn heredocs() {
        let text = [
            "FROM x",
            "RUN <<EOF",
            "apt-get update",
            "# a comment",
            "",
            "apt-get install -y \\",
            "    curl",
            "EOF",
            "RUN <<-\"END\" bash",
            "\t\techo tabbed",
            "\tEND",
            "COPY <<'A' <<B /dst/",
            "one",
            "A",
            "two",
            "B",
            "RUN echo \"<<EOF\"",
            "RUN cat <<  EOF > /x",
            "  EOF",
            "hello",
            "EOF",
            "ONBUILD RUN <<EOF",
            "make",
            "EOF",
            "RUN [\"sh\", \"-c\", \"<<EOF\"]",
            "RUN echo <<",
            "RUN <<A bash && <<B bash",
            "a1",
            "A",
            "b1",
            "B",
            "run <<eo'f'",
            "echo",
            "eof",
            "RUN --mount=type=cache,target=/root/.cache 2<<EOF",
            "pip install torch",
            "EOF",
            "USER app",
        ]
        .join("\n");
        expect(
            &text,
            &[
                ("FROM", "x", 1),
                ("RUN", "<<EOF ; apt-get update ; apt-get install -y curl", 2),
                ("RUN", "<<-\"END\" bash ; echo tabbed", 9),
                ("COPY", "<<'A' <<B /dst/", 12),
                ("RUN", "echo \"<<EOF\"", 17),
                ("RUN", "cat <<  EOF > /x ; EOF ; hello", 18),
                ("ONBUILD", "RUN <<EOF ; make", 22),
                ("RUN", "[\"sh\", \"-c\", \"<<EOF\"]", 25),
                ("RUN", "echo <<", 26),
                ("RUN", "<<A bash && <<B bash ; a1 ; b1", 27),
                ("RUN", "<<eo'f' ; echo", 32),
                (
                    "RUN",
                    "--mount=type=cache,target=/root/.cache 2<<EOF ; pip install torch",
                    35,
                ),
                ("USER", "app", 38),
            ],
        );
        // A heredoc opened on a continued line: the body follows the last piece.
        expect(
            "RUN <<EOF \\\n  bash\necho a\nEOF\nUSER u",
            &[("RUN", "<<EOF bash ; echo a", 1), ("USER", "u", 5)],
        );
        // Unterminated: an error at the instruction's line.
        let (line, reason) = error("FROM x\nRUN <<EOF\necho\n");
        assert_eq!(line, 2);
        assert!(reason.starts_with("unterminated heredoc"), "{reason}");
        assert_eq!(error("RUN <<A <<B\nA\nb\n").0, 1);
        // Not heredocs (so their bodies are instructions): in `USER`, or on a line BuildKit's
        // lexer cannot read (an open quote).
        assert_eq!(
            error("USER <<X\nX"),
            (2, "unknown instruction: X".to_owned())
        );
        assert_eq!(
            error("RUN <<EOF echo \"x\nEOF"),
            (2, "unknown instruction: EOF".to_owned())
        );
    }

    #[test]
    fn keywords_and_arguments() {
        let text = [
            "ARG ARCH=",
            "ARG A B",
            "ARG A=1 B=2",
            "ENV A=",
            "from --platform=$BUILDPLATFORM nvidia/cuda${ARCH:+-$ARCH}:${CUDA}-base AS b",
            "run --mount=type=cache,target=/root/.cache pip install torch",
            "Healthcheck   CMD   true   ",
            "workdir\t/app",
            "MAINTAINER me",
            "EXPOSE 80",
            "LABEL a=b",
            "ADD a b",
            "VOLUME /v",
            "STOPSIGNAL SIGTERM",
            "ENTRYPOINT x",
            "CMD y",
            "SHELL [\"sh\"]",
            "COPY a b",
            "ONBUILD RUN x",
            "CMD",
        ]
        .join("\n");
        let ins = split_ok(&text);
        let keywords: Vec<&str> = ins.iter().map(|i| i.0.as_str()).collect();
        assert_eq!(
            keywords,
            [
                "ARG",
                "ARG",
                "ARG",
                "ENV",
                "FROM",
                "RUN",
                "HEALTHCHECK",
                "WORKDIR",
                "MAINTAINER",
                "EXPOSE",
                "LABEL",
                "ADD",
                "VOLUME",
                "STOPSIGNAL",
                "ENTRYPOINT",
                "CMD",
                "SHELL",
                "COPY",
                "ONBUILD",
                "CMD"
            ]
        );
        let args: Vec<&str> = ins.iter().take(8).map(|i| i.1.as_str()).collect();
        assert_eq!(
            args,
            [
                "ARCH=",
                "A B",
                "A=1 B=2",
                "A=",
                "--platform=$BUILDPLATFORM nvidia/cuda${ARCH:+-$ARCH}:${CUDA}-base AS b",
                "--mount=type=cache,target=/root/.cache pip install torch",
                "CMD   true",
                "/app"
            ]
        );
        assert_eq!(ins[19].1, "");
        assert_eq!(env_pairs("A="), [("A".to_owned(), String::new())]);
    }

    #[test]
    fn exec_form_words() {
        let words = |text: &str| parse(text, "Dockerfile").unwrap()[0].exec_words();
        let own = |w: &[&str]| Some(w.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
        assert_eq!(
            words("CMD [\"python3\", \"-m\", \"app\"]"),
            own(&["python3", "-m", "app"])
        );
        assert_eq!(words("ENTRYPOINT [\"/entry\"]  "), own(&["/entry"]));
        assert_eq!(
            words("SHELL [\"/bin/bash\", \"-c\"]"),
            own(&["/bin/bash", "-c"])
        );
        assert_eq!(
            words("RUN --mount=type=cache,target=/x [\"make\", \"all\"]"),
            own(&["make", "all"])
        );
        assert_eq!(
            words("RUN --mount=\"type=bind,source=a b\" -- [\"x\"]"),
            own(&["x"])
        );
        assert_eq!(words("RUN [ -f /x ] && echo y"), None);
        assert_eq!(words("CMD [\"a\", \"b\""), None);
        assert_eq!(words("CMD python3 app.py"), None);
        assert_eq!(words("COPY [\"a\", \"b\"]"), None);
        // `args` keeps the raw text.
        let ins = parse("CMD [\"a\",\"b\"]", "Dockerfile").unwrap();
        assert_eq!(ins[0].args, "[\"a\",\"b\"]");
    }

    /// What BuildKit's line parsers reject: `ENV`/`LABEL` without a value or with a word that is
    /// no `KEY=value` among pairs, and a JSON array of something else than strings.
    #[test]
    fn argument_errors() {
        assert_eq!(
            error("FROM x\nENV PATH"),
            (2, "ENV must have two arguments".to_owned())
        );
        assert_eq!(
            error("LABEL a=1 b"),
            (
                1,
                "Syntax error - can't find = in \"b\". Must be of the form: name=value".to_owned()
            )
        );
        let json = "when using JSON array syntax, arrays must be comprised of strings only";
        for text in [
            "CMD [ \"echo\", [ \"nested json\" ] ]",
            "RUN --mount=type=cache,target=/x [\"a\", 1]",
            "COPY [\"a\", null]",
            "HEALTHCHECK --interval=5s CMD [\"a\", 1]",
            "ONBUILD ENTRYPOINT [true]",
        ] {
            assert_eq!(error(text), (1, json.to_owned()), "{text}");
        }
        // Accepted: the legacy form, empty values, quoted and escaped blanks, an escape
        // character at the end, a `[` that opens no JSON, an unknown `ONBUILD` trigger.
        for text in [
            "ENV A 1",
            "ENV A=",
            "ENV A=\"x y\" B='' C=a\\ b",
            "ENV",
            "LABEL \"a b\"=c",
            "ENV A=b\\",
            "RUN [ -f /x ] && [1]",
            "CMD [\"a\", \"b\"",
            "ONBUILD FOO [1]",
            "HEALTHCHECK NONE",
        ] {
            assert!(parse(text, "Dockerfile").is_ok(), "{text}");
        }
    }

    #[test]
    fn unknown_instruction_is_an_error() {
        assert_eq!(
            error("FROM x\nRUN a \\\n  b\nfomr y"),
            (4, "unknown instruction: fomr".to_owned())
        );
        // Split at a space, tab, `\v`, `\f` or `\r` only, as BuildKit.
        assert_eq!(error("RUN\u{a0}x").0, 1);
        // Text from the file is shown with control characters escaped, and cut.
        let (_, reason) = error(&format!("\u{1b}]0;x\u{7}{}", "y".repeat(100)));
        assert!(
            reason.starts_with("unknown instruction: \\u{1b}]0;x\\u{7}yyy"),
            "{reason}"
        );
        assert!(reason.ends_with("y…"), "{reason}");
    }

    #[test]
    fn files_without_instructions() {
        for text in [
            "",
            "\n\n  \n",
            "# only a comment\n",
            "\u{feff}",
            "# syntax=docker/dockerfile:1\n",
        ] {
            assert_eq!(parse(text, "Dockerfile").unwrap(), [], "{text:?}");
        }
    }

    #[test]
    fn crlf_byte_order_mark_and_lone_cr() {
        expect(
            "\u{feff}FROM x\r\nRUN a \\\r\n  b\r\n\r\nUSER u\r",
            &[("FROM", "x", 1), ("RUN", "a b", 2), ("USER", "u", 5)],
        );
        expect(
            "RUN <<EOF\r\necho a\r\nEOF\r\nUSER u\r\n",
            &[("RUN", "<<EOF ; echo a", 1), ("USER", "u", 4)],
        );
        // A `\r` alone ends no line.
        expect("FROM x\rRUN y\n", &[("FROM", "x\rRUN y", 1)]);
    }

    /// The shape of TensorFlow's GPU Dockerfile (empty `ARG`, `${ARCH:+-$ARCH}` in `FROM`,
    /// comments inside continuations), written small.
    #[test]
    fn tensorflow_gpu_shape() {
        let text = [
            "ARG UBUNTU_VERSION=22.04",
            "ARG ARCH=",
            "ARG CUDA=11.8",
            "FROM nvidia/cuda${ARCH:+-$ARCH}:${CUDA}-base-ubuntu${UBUNTU_VERSION} as base",
            "ARG ARCH",
            "ARG CUDA",
            "ARG CUDNN=8.6.0.163-1",
            "",
            "# Pick up some TF dependencies",
            "RUN apt-get update && apt-get install -y --no-install-recommends \\",
            "        build-essential \\",
            "        # the cuDNN runtime",
            "        libcudnn8=${CUDNN}+cuda${CUDA} \\",
            "        && \\",
            "    apt-get clean",
            "",
            "RUN [[ \"${ARCH}\" = \"ppc64le\" ]] || { apt-get update && \\",
            "        apt-get install -y --no-install-recommends libnvinfer8 \\",
            "        && apt-get clean; }",
            "ENV LD_LIBRARY_PATH /usr/local/cuda/lib64:$LD_LIBRARY_PATH",
            "ARG TF_PACKAGE=tensorflow",
            "ARG TF_PACKAGE_VERSION=",
            "RUN python3 -m pip install --no-cache-dir ${TF_PACKAGE}${TF_PACKAGE_VERSION:+==${TF_PACKAGE_VERSION}}",
            "COPY bashrc /etc/bash.bashrc",
            "",
        ]
        .join("\n");
        let ins = parse(&text, "gpu.Dockerfile").unwrap();
        let got: Vec<(&str, usize)> = ins.iter().map(|i| (i.keyword.as_str(), i.line)).collect();
        assert_eq!(
            got,
            [
                ("ARG", 1),
                ("ARG", 2),
                ("ARG", 3),
                ("FROM", 4),
                ("ARG", 5),
                ("ARG", 6),
                ("ARG", 7),
                ("RUN", 10),
                ("RUN", 17),
                ("ENV", 20),
                ("ARG", 21),
                ("ARG", 22),
                ("RUN", 23),
                ("COPY", 24)
            ]
        );
        assert_eq!(
            ins[3].args,
            "nvidia/cuda${ARCH:+-$ARCH}:${CUDA}-base-ubuntu${UBUNTU_VERSION} as base"
        );
        assert_eq!(
            squeeze(&ins[7].args),
            "apt-get update && apt-get install -y --no-install-recommends build-essential libcudnn8=${CUDNN}+cuda${CUDA} && apt-get clean"
        );
        assert_eq!(ins[8].exec_words(), None);
        assert_eq!(ins[11].args, "TF_PACKAGE_VERSION=");
    }

    /// BuildKit reads lines of up to 65535 bytes.
    #[test]
    fn long_lines() {
        let label = |n: usize| format!("FROM x\nLABEL a={}\nUSER u\n", "b".repeat(n - 8));
        assert_eq!(parse(&label(MAX_LINE), "Dockerfile").unwrap().len(), 3);
        assert_eq!(
            error(&label(MAX_LINE + 1)),
            (
                2,
                "dockerfile line greater than max allowed size of 65535".to_owned()
            )
        );
    }

    /// Many instructions, or one long continuation, take one pass: lines are counted, not
    /// searched for, and nothing recurses.
    #[test]
    fn large_files_in_one_pass() {
        let mut text = String::from("FROM x\n");
        for i in 0..100_000 {
            writeln!(text, "# step {i}\nRUN echo {i} \\\n  && true").unwrap();
        }
        text.push_str("USER u\n");
        let ins = parse(&text, "Dockerfile").unwrap();
        assert_eq!(ins.len(), 100_002);
        assert_eq!(ins[100_000].line, 300_000);
        assert_eq!(squeeze(&ins[100_000].args), "echo 99999 && true");
        assert_eq!(ins[100_001].line, 300_002);

        let mut text = String::from("RUN echo \\\n");
        for _ in 0..200_000 {
            text.push_str(" a \\\n");
        }
        text.push_str(" end\nUSER u\n");
        let ins = parse(&text, "Dockerfile").unwrap();
        assert_eq!(ins.len(), 2);
        // Glued as they are: `echo ` then 200,000 ` a ` and ` end`.
        assert_eq!(
            ins[0].args.len(),
            "echo ".len() + 200_000 * " a ".len() + " end".len()
        );
        assert_eq!(ins[1].line, 200_003);
    }

    /// Whatever the text (the CLI reads bytes lossily as UTF-8), parsing returns: instructions
    /// in line order with known keywords, or an error at a line of the file.
    #[test]
    fn arbitrary_input_never_panics() {
        const PIECES: &[&str] = &[
            "RUN ",
            "run ",
            "COPY ",
            "ONBUILD ",
            "FROM ",
            "ENV ",
            "CMD ",
            "X ",
            "\n",
            "\r\n",
            "\r",
            " ",
            "\t",
            "\\",
            "`",
            "#",
            "# escape=`\n",
            "# escape=\\\n",
            "# syntax=a\n",
            "<<",
            "<<-",
            "EOF",
            "\tEOF",
            "'",
            "\"",
            "[",
            "]",
            "\"a\"",
            ",",
            "--mount=x ",
            "--",
            "$",
            "{",
            "}",
            "=",
            "2",
            "é",
            "\u{feff}",
            "\u{a0}",
            "\u{212a}",
            "\u{0}",
            "\u{1b}",
            "\u{fffd}",
            "日本",
            "a",
            "b",
        ];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..(next() % 48) {
                if next() % 8 == 0 {
                    // Any scalar value now and then.
                    let c = char::from_u32((next() % 0x11_0000) as u32).unwrap_or('\u{fffd}');
                    text.push(c);
                } else {
                    text.push_str(PIECES[(next() % PIECES.len() as u64) as usize]);
                }
            }
            let total = text.split('\n').count();
            match parse(&text, "fuzz") {
                Ok(ins) => {
                    let mut last = 0;
                    for i in &ins {
                        assert!(i.line > last && i.line <= total, "{text:?}");
                        last = i.line;
                        let _ = i.exec_words();
                        assert!(KEYWORDS.contains(&i.keyword.as_str()), "{text:?}");
                    }
                }
                Err(e) => {
                    assert!((1..=total).contains(&e.line), "{text:?}: {}", e.line);
                    assert!(!e.reason.is_empty());
                }
            }
        }
    }
}
