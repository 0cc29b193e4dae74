//! Pieces of the Markdown forms: table cells, bullet lists, and the home directory hidden from a
//! report meant to be shared.

use std::fmt::Write as _;

use cudoctor_probe::Snapshot;

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

/// `text` about `snap` with the home directories hidden for sharing: the snapshot's `HOME` (and
/// `/root`) as `~`, another user's `/home/<name>` as `/home/<user>` (the facts' own redaction
/// rule, [`cudoctor_facts::Redactions::homes_only`]; `--redact` also hides user and host names).
pub fn shareable(text: &str, snap: &Snapshot) -> String {
    cudoctor_facts::Redactions::of(snap).homes_only(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_escape_pipes() {
        assert_eq!(cell("a|b"), "a\\|b");
    }
}
