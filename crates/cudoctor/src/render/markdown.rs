//! Pieces of the Markdown forms: table cells, bullet lists, and the home directory hidden from a
//! report meant to be shared.

use std::fmt::Write as _;

use cudoctor_probe::Snapshot;
use cudoctor_probe::snapshot::RootKind;

/// `text` made safe for a Markdown table cell (pipes escaped).
pub fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// One `- item` line per item.
pub fn bullets(out: &mut String, items: &[String]) {
    for item in items {
        let _ = writeln!(out, "- {item}");
    }
}

/// Replaces the home directory with `~` (for sharing a report).
pub fn tilde(text: &str, home: Option<&str>) -> String {
    match home {
        Some(h) if h.len() > 1 => text.replace(h.trim_end_matches('/'), "~"),
        _ => text.to_owned(),
    }
}

/// `text` about `snap` with this user's home directory as `~` when the facts are this host's
/// (`$HOME` says nothing of a `--root` directory or a snapshot).
pub fn shareable(text: &str, snap: &Snapshot) -> String {
    let home = if snap.root.kind == RootKind::Host {
        std::env::var("HOME").ok()
    } else {
        None
    };
    tilde(text, home.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tilde_replaces_the_home_directory() {
        assert_eq!(tilde("/home/u/x", Some("/home/u/")), "~/x");
        assert_eq!(tilde("/x", Some("/")), "/x");
        assert_eq!(tilde("/home/u/x", None), "/home/u/x");
        assert_eq!(cell("a|b"), "a\\|b");
    }
}
