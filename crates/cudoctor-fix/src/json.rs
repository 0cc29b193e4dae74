//! A small span-recording JSON scanner and the `daemon.json` edit built on it.
//!
//! serde_json validates the text first (and gives the line and column of an error); the scanner
//! then records where every object member's key and value start and end, so that an edit is a
//! splice of new text into the old: every byte outside the edited spans is kept.

use crate::{FixError, Plan, RUNTIME_NAME, path_is_ok};

/// Options for [`plan_docker_runtime`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerOpts {
    /// What `runtimes.nvidia.path` should be: an absolute path or the bare name (dockerd then
    /// looks it up on its own `PATH`).
    pub runtime_path: String,
    /// Also make `nvidia` the `default-runtime`.
    pub set_default: bool,
}

/// A scanned JSON value: its byte span and, for an object, its members.
#[derive(Debug)]
struct Node {
    start: usize,
    end: usize,
    members: Option<Vec<Member>>,
}

#[derive(Debug)]
struct Member {
    key: String,
    key_start: usize,
    key_end: usize,
    value: Node,
}

impl Node {
    /// The last member named `key` (the one serde_json and dockerd keep).
    fn member(&self, key: &str) -> Option<&Member> {
        self.members.as_ref()?.iter().rev().find(|m| m.key == key)
    }
}

struct Scanner<'a> {
    b: &'a [u8],
    s: &'a str,
    pos: usize,
}

/// The scanner runs on text serde_json has accepted, so it only fails on a bug of its own.
#[derive(Debug)]
struct ScanBug;

impl Scanner<'_> {
    fn ws(&mut self) {
        while self
            .b
            .get(self.pos)
            .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
        {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Result<u8, ScanBug> {
        self.b.get(self.pos).copied().ok_or(ScanBug)
    }

    fn string(&mut self) -> Result<(), ScanBug> {
        // At the opening quote.
        self.pos += 1;
        loop {
            match self.peek()? {
                b'"' => {
                    self.pos += 1;
                    return Ok(());
                }
                b'\\' => self.pos += 2,
                _ => self.pos += 1,
            }
        }
    }

    /// After an object member or an array element: a `,` (another follows: `false`) or the
    /// `close` bracket (`true`); consumed either way.
    fn closed_after_item(&mut self, close: u8) -> Result<bool, ScanBug> {
        self.ws();
        let b = self.peek()?;
        if b != b',' && b != close {
            return Err(ScanBug);
        }
        self.pos += 1;
        Ok(b == close)
    }

    fn value(&mut self) -> Result<Node, ScanBug> {
        self.ws();
        let start = self.pos;
        match self.peek()? {
            b'{' => {
                self.pos += 1;
                let mut members = Vec::new();
                self.ws();
                if self.peek()? == b'}' {
                    self.pos += 1;
                } else {
                    loop {
                        self.ws();
                        let key_start = self.pos;
                        if self.peek()? != b'"' {
                            return Err(ScanBug);
                        }
                        self.string()?;
                        let key_end = self.pos;
                        let key: String = serde_json::from_str(&self.s[key_start..key_end])
                            .map_err(|_| ScanBug)?;
                        self.ws();
                        if self.peek()? != b':' {
                            return Err(ScanBug);
                        }
                        self.pos += 1;
                        let value = self.value()?;
                        members.push(Member {
                            key,
                            key_start,
                            key_end,
                            value,
                        });
                        if self.closed_after_item(b'}')? {
                            break;
                        }
                    }
                }
                Ok(Node {
                    start,
                    end: self.pos,
                    members: Some(members),
                })
            }
            b'[' => {
                self.pos += 1;
                self.ws();
                if self.peek()? == b']' {
                    self.pos += 1;
                } else {
                    loop {
                        self.value()?;
                        if self.closed_after_item(b']')? {
                            break;
                        }
                    }
                }
                Ok(Node {
                    start,
                    end: self.pos,
                    members: None,
                })
            }
            b'"' => {
                self.string()?;
                Ok(Node {
                    start,
                    end: self.pos,
                    members: None,
                })
            }
            _ => {
                while self.b.get(self.pos).is_some_and(|c| {
                    !matches!(c, b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r')
                }) {
                    self.pos += 1;
                }
                if self.pos == start {
                    return Err(ScanBug);
                }
                Ok(Node {
                    start,
                    end: self.pos,
                    members: None,
                })
            }
        }
    }
}

/// A value to insert, rendered in the file's style.
#[derive(Debug, Clone)]
enum New {
    Obj(Vec<(&'static str, New)>),
    Str(String),
    EmptyArr,
}

/// How the file is written: its newline, its indent unit, and whether it is on one line.
#[derive(Debug)]
struct Style {
    nl: &'static str,
    unit: String,
    compact: bool,
    colon: &'static str,
}

impl Style {
    fn render(&self, v: &New, indent: &str, compact: bool) -> String {
        match v {
            New::Str(s) => serde_json::Value::String(s.clone()).to_string(),
            New::EmptyArr => "[]".to_owned(),
            New::Obj(members) if members.is_empty() => "{}".to_owned(),
            New::Obj(members) => {
                let mut out = String::from("{");
                let inner = format!("{indent}{}", self.unit);
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                        if compact && self.colon == ": " {
                            out.push(' ');
                        }
                    }
                    if !compact {
                        out.push_str(self.nl);
                        out.push_str(&inner);
                    }
                    out.push_str(&key(k));
                    out.push_str(self.colon);
                    out.push_str(&self.render(v, &inner, compact));
                }
                if !compact {
                    out.push_str(self.nl);
                    out.push_str(indent);
                }
                out.push('}');
                out
            }
        }
    }
}

fn key(k: &str) -> String {
    serde_json::Value::String(k.to_owned()).to_string()
}

/// The whitespace that starts the line holding byte `pos`.
fn line_indent(text: &str, pos: usize) -> &str {
    let line_start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
    let rest = &text[line_start..];
    let n = rest
        .bytes()
        .take_while(|c| *c == b' ' || *c == b'\t')
        .count();
    &rest[..n]
}

/// Whether the object's first member starts its own line (a pretty-printed object), and if
/// so with which indent.
fn member_indent<'t>(text: &'t str, obj: &Node) -> Option<&'t str> {
    let first = obj.members.as_ref()?.first()?;
    let before = &text[obj.start + 1..first.key_start];
    let nl = before.rfind('\n')?;
    let ws = &before[nl + 1..];
    ws.bytes().all(|c| c == b' ' || c == b'\t').then_some(ws)
}

/// 1-based line and column of byte `pos`.
pub(crate) fn line_col(text: &str, pos: usize) -> (usize, usize) {
    let before = &text[..pos.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, col)
}

struct Edit {
    start: usize,
    end: usize,
    text: String,
}

/// Inserts `new` members at the end of `obj` (or fills an empty `{}`), in the file's style.
fn insert_members(text: &str, style: &Style, obj: &Node, new: &[(&'static str, New)]) -> Edit {
    let members = obj.members.as_deref().unwrap_or_default();
    if let Some(last) = members.last() {
        let mut out = String::new();
        if let Some(indent) = member_indent(text, obj) {
            for (k, v) in new {
                out.push(',');
                out.push_str(style.nl);
                out.push_str(indent);
                out.push_str(&key(k));
                out.push_str(style.colon);
                out.push_str(&style.render(v, indent, false));
            }
        } else {
            // A one-line object: `, "key": value`, as its members are written.
            let between = &text[members[0].key_end..members[0].value.start];
            let colon = if between.contains(' ') { ": " } else { ":" };
            for (k, v) in new {
                out.push(',');
                if colon == ": " {
                    out.push(' ');
                }
                out.push_str(&key(k));
                out.push_str(colon);
                out.push_str(&style.render(v, "", true));
            }
        }
        Edit {
            start: last.value.end,
            end: last.value.end,
            text: out,
        }
    } else {
        let base = line_indent(text, obj.start);
        Edit {
            start: obj.start,
            end: obj.end,
            text: style.render(&New::Obj(new.to_vec()), base, style.compact),
        }
    }
}

fn nvidia(path: &str) -> New {
    New::Obj(vec![
        ("args", New::EmptyArr),
        ("path", New::Str(path.to_owned())),
    ])
}

/// The fragment an empty `daemon.json` becomes: the shape `nvidia-ctk runtime configure
/// --runtime=docker [--set-as-default]` writes (4-space indent, keys sorted).
fn fragment(opts: &DockerOpts) -> String {
    let style = Style {
        nl: "\n",
        unit: "    ".to_owned(),
        compact: false,
        colon: ": ",
    };
    let mut members = Vec::new();
    if opts.set_default {
        members.push(("default-runtime", New::Str(RUNTIME_NAME.to_owned())));
    }
    members.push((
        "runtimes",
        New::Obj(vec![(RUNTIME_NAME, nvidia(&opts.runtime_path))]),
    ));
    let mut out = style.render(&New::Obj(members), "", false);
    out.push('\n');
    out
}

/// Plans the edit of Docker's `daemon.json` (`text`) that registers the NVIDIA runtime:
/// `runtimes.nvidia = {"args": [], "path": RUNTIME_PATH}` (an existing `nvidia` entry keeps its
/// other keys; a wrong `path` is corrected), and with `set_default`, `"default-runtime":
/// "nvidia"`. Every byte outside the edited spans is kept; new members are written like their
/// siblings (indent, newline, one-line objects). An empty file becomes the fragment
/// `nvidia-ctk` writes. Already-correct text gives `changed: false`.
///
/// A sample of the input, as `nvidia-ctk runtime configure --runtime=docker` leaves it:
///
/// ```json
/// {
///     "runtimes": {
///         "nvidia": {
///             "args": [],
///             "path": "nvidia-container-runtime"
///         }
///     }
/// }
/// ```
pub fn plan_docker_runtime(text: &str, opts: &DockerOpts) -> Result<Plan, FixError> {
    if text.trim().is_empty() {
        let new = fragment(opts);
        return Ok(Plan {
            old: text.to_owned(),
            changed: new != text,
            new,
            notes: vec!["the file is empty: it gets the whole fragment".to_owned()],
        });
    }
    // Editors on Windows write a byte-order mark; dockerd accepts it, and it is kept.
    let body_start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let body = &text[body_start..];
    let value: serde_json::Value =
        serde_json::from_str(body).map_err(|e| FixError::InvalidJson {
            line: e.line(),
            // serde_json's column 0 is the start of the line, before its first character.
            column: e.column().max(1),
            source: e,
        })?;
    let mut scanner = Scanner {
        b: text.as_bytes(),
        s: text,
        pos: body_start,
    };
    let root = scanner.value().map_err(|ScanBug| {
        let (line, column) = line_col(text, scanner.pos);
        FixError::Scan { line, column }
    })?;
    let not_object = |what: &'static str, at: usize| {
        let (line, column) = line_col(text, at);
        FixError::NotAnObject { what, line, column }
    };
    if !value.is_object() || root.members.is_none() {
        return Err(not_object("the top level", root.start));
    }
    let style = {
        let indent = member_indent(text, &root);
        let has_members = root.members.as_ref().is_some_and(|m| !m.is_empty());
        let colon = root.member_first().map_or(": ", |m| {
            if text[m.key_end..m.value.start].contains(' ') {
                ": "
            } else {
                ":"
            }
        });
        Style {
            nl: if text.contains("\r\n") { "\r\n" } else { "\n" },
            unit: indent
                .filter(|i| !i.is_empty())
                .unwrap_or("    ")
                .to_owned(),
            compact: has_members && indent.is_none(),
            colon,
        }
    };
    let mut notes = Vec::new();
    let mut edits = Vec::new();
    let mut root_new: Vec<(&'static str, New)> = Vec::new();
    if opts.set_default {
        match root.member("default-runtime") {
            None => root_new.push(("default-runtime", New::Str(RUNTIME_NAME.to_owned()))),
            Some(m) if m.value_str(text).as_deref() == Some(RUNTIME_NAME) => {}
            Some(m) => {
                notes.push(format!(
                    "`default-runtime` was {}; it becomes `nvidia`",
                    &text[m.value.start..m.value.end]
                ));
                edits.push(Edit {
                    start: m.value.start,
                    end: m.value.end,
                    text: key(RUNTIME_NAME),
                });
            }
        }
    }
    match root.member("runtimes") {
        None => root_new.push((
            "runtimes",
            New::Obj(vec![(RUNTIME_NAME, nvidia(&opts.runtime_path))]),
        )),
        Some(r) if r.value.members.is_none() => {
            return Err(not_object("runtimes", r.value.start));
        }
        Some(r) => match r.value.member(RUNTIME_NAME) {
            None => edits.push(insert_members(
                text,
                &style,
                &r.value,
                &[(RUNTIME_NAME, nvidia(&opts.runtime_path))],
            )),
            Some(n) if n.value.members.is_none() => {
                notes.push(format!(
                    "`runtimes.nvidia` was {}, not an object; it is replaced",
                    &text[n.value.start..n.value.end]
                ));
                let indent = member_indent(text, &r.value);
                edits.push(Edit {
                    start: n.value.start,
                    end: n.value.end,
                    text: style.render(
                        &nvidia(&opts.runtime_path),
                        indent.unwrap_or(""),
                        indent.is_none(),
                    ),
                });
            }
            Some(n) => match n.value.member("path") {
                None => {
                    notes.push("`runtimes.nvidia` had no `path`".to_owned());
                    edits.push(insert_members(
                        text,
                        &style,
                        &n.value,
                        &[("path", New::Str(opts.runtime_path.clone()))],
                    ));
                }
                Some(p) => {
                    let ok = p
                        .value_str(text)
                        .is_some_and(|have| path_is_ok(&have, &opts.runtime_path));
                    if !ok {
                        notes.push(format!(
                            "`runtimes.nvidia.path` was {}; it becomes `{}`",
                            &text[p.value.start..p.value.end],
                            opts.runtime_path
                        ));
                        edits.push(Edit {
                            start: p.value.start,
                            end: p.value.end,
                            text: key(&opts.runtime_path),
                        });
                    }
                }
            },
        },
    }
    if !root_new.is_empty() {
        edits.push(insert_members(text, &style, &root, &root_new));
    }
    edits.sort_by_key(|e| std::cmp::Reverse(e.start));
    let mut new = text.to_owned();
    for e in &edits {
        new.replace_range(e.start..e.end, &e.text);
    }
    Ok(Plan {
        changed: new != text,
        old: text.to_owned(),
        new,
        notes,
    })
}

impl Node {
    fn member_first(&self) -> Option<&Member> {
        self.members.as_ref()?.first()
    }
}

impl Member {
    /// The value as a string, when it is one.
    fn value_str(&self, text: &str) -> Option<String> {
        serde_json::from_str::<String>(&text[self.value.start..self.value.end]).ok()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn opts(set_default: bool) -> DockerOpts {
        DockerOpts {
            runtime_path: "/usr/bin/nvidia-container-runtime".to_owned(),
            set_default,
        }
    }

    #[test]
    fn inserts_like_siblings() {
        let t = "{\n  \"log-driver\": \"json-file\"\n}\n";
        let p = plan_docker_runtime(t, &opts(true)).unwrap();
        assert_eq!(
            p.new,
            "{\n  \"log-driver\": \"json-file\",\n  \"default-runtime\": \"nvidia\",\n  \"runtimes\": {\n    \"nvidia\": {\n      \"args\": [],\n      \"path\": \"/usr/bin/nvidia-container-runtime\"\n    }\n  }\n}\n"
        );
        let again = plan_docker_runtime(&p.new, &opts(true)).unwrap();
        assert!(!again.changed);
    }

    #[test]
    fn compact_and_empty_object() {
        let p = plan_docker_runtime("{\"a\":1}", &opts(false)).unwrap();
        assert_eq!(
            p.new,
            "{\"a\":1,\"runtimes\":{\"nvidia\":{\"args\":[],\"path\":\"/usr/bin/nvidia-container-runtime\"}}}"
        );
        let p = plan_docker_runtime("{}\n", &opts(false)).unwrap();
        assert_eq!(
            p.new,
            "{\n    \"runtimes\": {\n        \"nvidia\": {\n            \"args\": [],\n            \"path\": \"/usr/bin/nvidia-container-runtime\"\n        }\n    }\n}\n"
        );
    }

    /// The scanner walks nested arrays and objects with members (the comma-or-close step of
    /// both): the member it appends after stands after all of them, and nothing else moves.
    #[test]
    fn nested_arrays_and_objects_are_kept_byte_for_byte() {
        let t = "{\"a\": [1, [2, {\"x\": [3, 4]}], \"s,]}\"], \"b\": {\"c\": [5], \"d\": {}}}";
        let p = plan_docker_runtime(t, &opts(false)).unwrap();
        let (kept, added) = p.new.split_at(t.len() - 1);
        assert_eq!(kept, &t[..t.len() - 1]);
        assert!(added.starts_with(", \"runtimes\": {"), "{added}");
        assert!(added.ends_with('}'));
        serde_json::from_str::<serde_json::Value>(&p.new).unwrap();
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = plan_docker_runtime("{\n  \"a\": 1,\n}", &opts(false)).unwrap_err();
        assert_eq!(e.line_col(), Some((3, 1)), "{e}");
        let e = plan_docker_runtime("[1]", &opts(false)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the top level is not a JSON object (line 1, column 1)"
        );
        let e = plan_docker_runtime("{\"runtimes\": []}", &opts(false)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "`runtimes` is not a JSON object (line 1, column 14)"
        );
    }
}
