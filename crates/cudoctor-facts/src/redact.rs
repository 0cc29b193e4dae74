//! Redaction: a snapshot without the user's name, home directory or host name, for pasting into
//! an issue.
//!
//! Every string of the snapshot is rewritten (values, and object keys that are not plain
//! identifiers), by walking its JSON value and reading it back:
//!
//! - the home directory (`HOME` of the snapshot's environment, and `/root`) becomes `~` where a
//!   path starts with it (`/home/alice/x` -> `~/x`); another user's `/home/<name>` or
//!   `/Users/<name>` becomes `/home/<user>` (it is not this user's `~`);
//! - a user name becomes `<user>` where it stands as a word: `USER`, `LOGNAME`, the last part of
//!   `HOME`, and every `<name>` of a `/home/<name>` or `/Users/<name>` seen. The default account
//!   names of images and clouds ([`DEFAULT_ACCOUNTS`]: `root`, `ubuntu`, `nvidia`, ...) name no
//!   one and are words the facts use (`ubuntu` is an OS id, `nvidia-*` are packages), so they are
//!   kept;
//! - a host name becomes `<host>` where it stands as a word, in any case, with the domain that
//!   follows it (`GPU01.lab.example.com` -> `<host>`): `system.hostname`, `HOSTNAME`, and the
//!   first label of each (`gpu01` of `gpu01.example.com`).
//!
//! Names are ASCII letters, digits, `_`, `-` and `.`; a name with other characters (`j.doe@corp`,
//! non-ASCII) is not recognised, and [`Snapshot::redact`] says so.
//!
//! A name that is also a word the snapshot's types spell (a user called `cuda`, a host called
//! `host`) would turn such a value into one that cannot be read back; then the strings that are
//! exactly that word are kept (they are the type's word, not the name), and everything else is
//! still rewritten.

use std::collections::BTreeSet;

use crate::snapshot::{Snapshot, SnapshotError};

/// What [`Snapshot::redact`] replaces, gathered from a snapshot ([`Redactions::of`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Redactions {
    /// Home directories (no trailing `/`), longest first: each becomes `~`.
    pub homes: Vec<String>,
    /// User names: each becomes `<user>`.
    pub users: BTreeSet<String>,
    /// Host names: each becomes `<host>`.
    pub hosts: BTreeSet<String>,
    /// User or host names seen that hold characters a name is not recognised by: not replaced.
    pub unrecognised: BTreeSet<String>,
}

/// The home directory roots a path is recognised by (`/home/<name>`, `/Users/<name>`).
const HOME_PARENTS: [&str; 2] = ["/home/", "/Users/"];

/// Account names that images and clouds create by default (and `root`): they name no person, and
/// most are words the facts use for other things (the OS id `ubuntu`, the `nvidia-*` packages,
/// the `cuda` library family), so replacing them would rewrite facts, not hide a name.
pub const DEFAULT_ACCOUNTS: &[&str] = &[
    "root",
    "user",
    "host",
    "ubuntu",
    "debian",
    "nvidia",
    "cuda",
    "admin",
    "ec2-user",
    "centos",
    "fedora",
    "rocky",
    "opc",
    "azureuser",
    "pi",
    "vagrant",
    "docker",
    "jovyan",
    "runner",
    "python",
];

impl Redactions {
    /// The names and directories to replace in `snap`: from its environment (`HOME`, `USER`,
    /// `LOGNAME`, `HOSTNAME`), its `system.hostname`, and every `/home/<name>` or
    /// `/Users/<name>` in any of its strings.
    pub fn of(snap: &Snapshot) -> Self {
        let mut r = Self::default();
        let vars = &snap.environment.variables;
        if let Some(home) = vars.get("HOME") {
            let home = home.trim_end_matches('/');
            if !home.is_empty() {
                r.homes.push(home.to_owned());
                if let Some(name) = home.rsplit('/').next() {
                    r.add_user(name);
                }
            }
        }
        for k in ["USER", "LOGNAME"] {
            if let Some(u) = vars.get(k) {
                r.add_user(u);
            }
        }
        for h in vars
            .get("HOSTNAME")
            .map(String::as_str)
            .into_iter()
            .chain(snap.system.hostname.as_deref())
        {
            r.add_host(h);
        }
        if let Ok(value) = serde_json::to_value(snap) {
            let mut seen = Vec::new();
            strings(&value, &mut seen);
            for s in seen {
                for parent in HOME_PARENTS {
                    for (i, _) in s.match_indices(parent) {
                        let rest = &s[i + parent.len()..];
                        let end = rest.find(|c| !is_name_char(c)).unwrap_or(rest.len());
                        if end > 0 {
                            r.add_user(&rest[..end]);
                        }
                    }
                }
            }
        }
        r.homes.sort_by_key(|h| std::cmp::Reverse(h.len()));
        r.homes.dedup();
        r
    }

    fn add_user(&mut self, name: &str) {
        let name = name.trim();
        if name.chars().count() >= 2
            && !DEFAULT_ACCOUNTS.contains(&name)
            && name.chars().all(is_name_char)
        {
            self.users.insert(name.to_owned());
        } else if !name.is_empty() && !name.chars().all(is_name_char) {
            self.unrecognised.insert(name.to_owned());
        }
    }

    fn add_host(&mut self, name: &str) {
        let name = name.trim();
        if name.chars().count() < 2 || matches!(name, "localhost" | "user" | "host") {
            return;
        }
        if !name.chars().all(|c| is_name_char(c) || c == '.') {
            self.unrecognised.insert(name.to_owned());
            return;
        }
        self.hosts.insert(name.to_owned());
        if let Some((first, _)) = name.split_once('.') {
            if first.chars().count() >= 2 && !matches!(first, "localhost" | "user" | "host") {
                self.hosts.insert(first.to_owned());
            }
        }
    }

    /// `text` with the home directories as `~`, user names as `<user>` and host names as
    /// `<host>`.
    pub fn apply(&self, text: &str) -> String {
        let mut out = self.homes_only(text);
        // Longest first, so that `alice.smith` goes before `alice`.
        let mut users: Vec<&String> = self.users.iter().collect();
        users.sort_by_key(|u| std::cmp::Reverse(u.len()));
        for u in users {
            out = replace_word(&out, u, "<user>");
        }
        let mut hosts: Vec<&String> = self.hosts.iter().collect();
        hosts.sort_by_key(|h| std::cmp::Reverse(h.len()));
        for h in hosts {
            out = replace_host(&out, h);
        }
        out
    }

    /// `text` with only the home directories replaced: `HOME` and `/root` as `~`, any other
    /// `/home/<name>` or `/Users/<name>` as `/home/<user>`, where a path starts.
    pub fn homes_only(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for h in &self.homes {
            if h != "/" && !h.is_empty() {
                out = replace_path_prefix(&out, h);
            }
        }
        for parent in HOME_PARENTS {
            let mut result = String::with_capacity(out.len());
            let mut rest = out.as_str();
            while let Some(i) = rest.find(parent) {
                let after = &rest[i + parent.len()..];
                let end = after.find(|c| !is_name_char(c)).unwrap_or(after.len());
                let next = after[end..].chars().next();
                if end > 0 && path_starts(&rest[..i]) && next.is_none_or(ends_component) {
                    result.push_str(&rest[..i + parent.len()]);
                    result.push_str("<user>");
                    rest = &after[end..];
                } else {
                    result.push_str(&rest[..i + parent.len()]);
                    rest = after;
                }
            }
            result.push_str(rest);
            out = result;
        }
        replace_path_prefix(&out, "/root")
    }
}

/// Characters of a user name (and of a host name's label).
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

/// Whether a path may start right after `before`: at the start, or after a character that
/// cannot be part of a path (a space, `:`, `=`, a quote, a backtick, ...).
fn path_starts(before: &str) -> bool {
    before
        .chars()
        .next_back()
        .is_none_or(|c| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | '~')))
}

/// Whether `c` ends a path component (`/`, or anything that cannot be in a name).
fn ends_component(c: char) -> bool {
    c == '/' || !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// `text` with the directory `dir` (no trailing `/`) as `~` where a path starts with it.
fn replace_path_prefix(text: &str, dir: &str) -> String {
    let mut result = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(dir) {
        let after = &rest[i + dir.len()..];
        if path_starts(&rest[..i]) && after.chars().next().is_none_or(ends_component) {
            result.push_str(&rest[..i]);
            result.push('~');
        } else {
            result.push_str(&rest[..i + dir.len()]);
        }
        rest = after;
    }
    result.push_str(rest);
    result
}

/// `text` with `word` replaced by `with` where it stands as a word (not inside a longer name,
/// not already inside `<...>`).
fn replace_word(text: &str, word: &str, with: &str) -> String {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let mut result = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(word) {
        let before = rest[..i].chars().next_back();
        let after = &rest[i + word.len()..];
        let next = after.chars().next();
        let bounded = before.is_none_or(|c| !is_word(c)) && next.is_none_or(|c| !is_word(c));
        let bracketed = before == Some('<') && next == Some('>');
        // `alice.` ends a sentence; `alice.smith` is another name (handled before, longer).
        let dotted = next == Some('.') && after[1..].chars().next().is_some_and(is_word);
        if bounded && !bracketed && !dotted {
            result.push_str(&rest[..i]);
            result.push_str(with);
        } else {
            result.push_str(&rest[..i + word.len()]);
        }
        rest = after;
    }
    result.push_str(rest);
    result
}

/// `text` with the host name `host` (ASCII) replaced by `<host>` where it stands as a word, in
/// any case, together with the domain labels that follow it (`gpu01.lab.example.com`).
fn replace_host(text: &str, host: &str) -> String {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let is_label = |b: u8| b.is_ascii_alphanumeric() || b == b'-';
    // ASCII lowercasing keeps every byte offset.
    let lower = text.to_ascii_lowercase();
    let host = host.to_ascii_lowercase();
    let bytes = text.as_bytes();
    let mut result = String::with_capacity(text.len());
    let mut from = 0;
    let mut at = 0;
    while let Some(i) = lower[at..].find(&host).map(|i| i + at) {
        let mut end = i + host.len();
        let before = text[..i].chars().next_back();
        let next = text[end..].chars().next();
        let bounded = before.is_none_or(|c| !is_word(c)) && next.is_none_or(|c| !is_word(c));
        if !bounded || (before == Some('<') && next == Some('>')) {
            at = end;
            continue;
        }
        // The domain: `.label` runs after the name.
        while end + 1 < bytes.len() && bytes[end] == b'.' && is_label(bytes[end + 1]) {
            end += 1;
            while end < bytes.len() && is_label(bytes[end]) {
                end += 1;
            }
        }
        result.push_str(&text[from..i]);
        result.push_str("<host>");
        from = end;
        at = end;
    }
    result.push_str(&text[from..]);
    result
}

/// Every string (values and keys) of `v`.
fn strings<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
    match v {
        serde_json::Value::String(s) => out.push(s),
        serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                out.push(k);
                strings(x, out);
            }
        }
        _ => {}
    }
}

/// How much of a string is rewritten.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// Everything.
    Full,
    /// Everything but strings that are exactly one name (they may be a type's word).
    KeepWholeNames,
    /// Home directories only (no type's word holds a `/`).
    HomesOnly,
}

fn rewrite(v: &mut serde_json::Value, r: &Redactions, pass: Pass) {
    let text = |s: &str, key: bool| -> String {
        let whole_name = r.users.contains(s) || r.hosts.contains(s);
        // Keys that are plain identifiers are field names (or variable names): homes only.
        let identifier = key && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        match pass {
            Pass::HomesOnly => r.homes_only(s),
            _ if identifier => r.homes_only(s),
            Pass::KeepWholeNames if whole_name => s.to_owned(),
            _ => r.apply(s),
        }
    };
    match v {
        serde_json::Value::String(s) => *s = text(s, false),
        serde_json::Value::Array(a) => a.iter_mut().for_each(|x| rewrite(x, r, pass)),
        serde_json::Value::Object(m) => {
            let old = std::mem::take(m);
            for (k, mut x) in old {
                rewrite(&mut x, r, pass);
                m.insert(text(&k, true), x);
            }
        }
        _ => {}
    }
}

impl Snapshot {
    /// Replaces, in every string of the snapshot, the home directory with `~`, the user name
    /// with `<user>` and the host name with `<host>` (see [`crate::redact`] for what is
    /// recognised). Lists stay sorted as they were.
    ///
    /// # Errors
    /// Only if even the home directories alone cannot be replaced and the result read back
    /// (no snapshot this crate writes does that); the snapshot is then left as it was.
    pub fn redact(&mut self) -> Result<Vec<String>, SnapshotError> {
        let r = Redactions::of(self);
        self.redact_with(&r)
    }

    /// [`Snapshot::redact`] with the given replacements. Returns what could not be redacted, for
    /// the user to see (names not recognised, strings kept so the snapshot reads back); empty
    /// when everything was.
    ///
    /// # Errors
    /// As [`Snapshot::redact`].
    pub fn redact_with(&mut self, r: &Redactions) -> Result<Vec<String>, SnapshotError> {
        let value =
            serde_json::to_value(&*self).map_err(|source| SnapshotError::Serialize { source })?;
        let mut notes: Vec<String> = r
            .unrecognised
            .iter()
            .map(|n| {
                format!(
                    "`{n}` was not redacted: it is not a name of letters, digits, `_`, `-` and `.`"
                )
            })
            .collect();
        let mut last = None;
        for pass in [Pass::Full, Pass::KeepWholeNames, Pass::HomesOnly] {
            let mut v = value.clone();
            rewrite(&mut v, r, pass);
            match serde_json::from_value::<Snapshot>(v) {
                Ok(s) => {
                    *self = s;
                    let names = r.users.iter().chain(&r.hosts).map(|n| format!("`{n}`"));
                    match pass {
                        Pass::Full => {}
                        Pass::KeepWholeNames => notes.push(format!(
                            "values that are exactly one of {} were kept: the snapshot uses that word itself",
                            names.collect::<Vec<_>>().join(", ")
                        )),
                        Pass::HomesOnly => notes.push(format!(
                            "only home directories were replaced; {} are left: replacing them made the snapshot unreadable",
                            names.collect::<Vec<_>>().join(", ")
                        )),
                    }
                    return Ok(notes);
                }
                Err(e) => last = Some(e),
            }
        }
        Err(SnapshotError::Field {
            field: ".".to_owned(),
            message: format!(
                "cannot redact: {}",
                last.map_or_else(String::new, |e| e.to_string())
            ),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::fact::Fact;
    use crate::snapshot::{PythonEnvironment, RootInfo, RootKind};

    fn snap() -> Snapshot {
        let mut s = Snapshot::empty(RootInfo {
            kind: RootKind::Host,
            path: "/".into(),
        });
        let vars = &mut s.environment.variables;
        vars.insert("HOME".into(), "/home/alice".into());
        vars.insert("USER".into(), "alice".into());
        vars.insert("HOSTNAME".into(), "gpu01.lab.example.com".into());
        vars.insert(
            "PATH".into(),
            "/home/alice/.pyenv/shims:/home/bob/bin:/usr/bin".into(),
        );
        vars.insert("VIRTUAL_ENV".into(), "/home/alice/proj/.venv".into());
        vars.insert("NOTE".into(), "built by alice on gpu01".into());
        s.system.hostname = Fact::known("gpu01.lab.example.com".to_owned(), "/etc/hostname");
        s.python_environments.push(PythonEnvironment {
            path: "/home/alice/proj/.venv".into(),
            kind: "venv".into(),
            found_via: vec!["$VIRTUAL_ENV".into()],
            site_packages: vec!["/home/alice/proj/.venv/lib/python3.11/site-packages".into()],
            ..PythonEnvironment::default()
        });
        s.probe_errors.push(crate::snapshot::ProbeError {
            collector: "python_environments".into(),
            path: Some("/tmp/alice-scratch/x".into()),
            message: "cannot read `/srv/alice/x` on gpu01: denied".into(),
        });
        s
    }

    #[test]
    fn nothing_of_the_user_or_host_is_left() {
        let mut s = snap();
        let before = s.to_json().unwrap();
        assert!(before.contains("alice") && before.contains("gpu01") && before.contains("bob"));
        s.redact().unwrap();
        let after = s.to_json().unwrap();
        for gone in ["alice", "bob", "gpu01", "example.com"] {
            assert!(!after.contains(gone), "`{gone}` left in:\n{after}");
        }
        let v = &s.environment.variables;
        assert_eq!(v["HOME"], "~");
        assert_eq!(v["USER"], "<user>");
        assert_eq!(v["HOSTNAME"], "<host>");
        assert_eq!(v["PATH"], "~/.pyenv/shims:/home/<user>/bin:/usr/bin");
        assert_eq!(v["NOTE"], "built by <user> on <host>");
        assert_eq!(s.python_environments[0].path, "~/proj/.venv");
        assert_eq!(s.system.hostname.as_deref(), Some("<host>"));
        assert_eq!(
            s.probe_errors[0].path.as_deref(),
            Some("/tmp/<user>-scratch/x")
        );
        // Still a snapshot that reads back.
        assert_eq!(Snapshot::from_json(&after).unwrap(), s);
    }

    #[test]
    fn paths_are_only_rewritten_where_they_start() {
        let r = Redactions {
            homes: vec!["/home/alice".into()],
            users: BTreeSet::from(["alice".to_owned()]),
            hosts: BTreeSet::new(),
            unrecognised: BTreeSet::new(),
        };
        // Another user's home is not this user's `~`.
        assert_eq!(r.homes_only("/home/alice2/x"), "/home/<user>/x");
        assert_eq!(r.homes_only("/home/alice/x"), "~/x");
        assert_eq!(r.homes_only("/tmp/root/x /root/y"), "/tmp/root/x ~/y");
        assert_eq!(r.homes_only("/rootfs/x"), "/rootfs/x");
        assert_eq!(r.homes_only("`/Users/al/x`"), "`/Users/<user>/x`");
        assert_eq!(
            r.apply("malice alice_x alice. alice"),
            "malice alice_x <user>. <user>"
        );
        assert_eq!(r.apply("/"), "/");
    }

    #[test]
    fn a_name_that_is_a_type_s_word_keeps_the_snapshot_readable() {
        let mut s = snap();
        s.environment.variables.insert("USER".into(), "cuda".into());
        s.environment
            .variables
            .insert("LOGNAME".into(), "directory".into());
        s.libraries.push(crate::snapshot::Library {
            family: crate::snapshot::LibraryFamily::Cuda,
            path: "/usr/lib/x86_64-linux-gnu/libcuda.so.1".into(),
            ..crate::snapshot::Library::default()
        });
        s.root.kind = RootKind::Directory;
        s.root.path = "/home/directory/rootfs".into();
        s.redact().unwrap();
        assert_eq!(s.root.kind, RootKind::Directory);
        assert_eq!(s.libraries[0].family, crate::snapshot::LibraryFamily::Cuda);
        assert_eq!(s.environment.variables["USER"], "cuda");
        assert_eq!(s.root.path, "/home/<user>/rootfs");
        let after = s.to_json().unwrap();
        assert!(!after.contains("alice"), "{after}");
    }

    #[test]
    fn default_accounts_are_not_names_and_facts_keep_their_words() {
        let mut s = snap();
        let vars = &mut s.environment.variables;
        vars.insert("HOME".into(), "/home/ubuntu".into());
        vars.insert("USER".into(), "nvidia".into());
        vars.insert("PKG".into(), "nvidia-cudnn-cu12 on ubuntu".into());
        s.system.os_id = Some("ubuntu".into());
        s.redact().unwrap();
        assert_eq!(s.system.os_id.as_deref(), Some("ubuntu"));
        let v = &s.environment.variables;
        assert_eq!(v["PKG"], "nvidia-cudnn-cu12 on ubuntu");
        assert_eq!(v["HOME"], "~");
        // The other names of the snapshot are still redacted.
        assert!(!s.to_json().unwrap().contains("alice"));
    }

    #[test]
    fn a_host_goes_with_its_domain_in_any_case() {
        let r = Redactions {
            hosts: BTreeSet::from(["gpu01".to_owned()]),
            ..Redactions::default()
        };
        assert_eq!(
            r.apply("ssh GPU01.lab.example.com; gpu01: ok; gpu012 <gpu01>"),
            "ssh <host>; <host>: ok; gpu012 <gpu01>"
        );
        assert_eq!(r.apply("at gpu01."), "at <host>.");
    }

    #[test]
    fn what_is_not_redacted_is_said() {
        let mut s = snap();
        s.environment
            .variables
            .insert("LOGNAME".into(), "directory".into());
        s.root.kind = crate::snapshot::RootKind::Directory;
        let notes = s.redact().unwrap();
        assert!(
            notes
                .iter()
                .any(|n| n.contains("`directory`") && n.contains("kept")),
            "{notes:?}"
        );
        let mut s = snap();
        s.environment
            .variables
            .insert("USER".into(), "j.doe@corp".into());
        let notes = s.redact().unwrap();
        assert!(
            notes
                .iter()
                .any(|n| n.contains("`j.doe@corp` was not redacted")),
            "{notes:?}"
        );
        // Everything recognised: nothing to say.
        assert!(snap().redact().unwrap().is_empty());
    }
}
