//! `kb-refresh --write`: adds the proposed rows to the data files, each at its sorted place
//! among the rows of its table, keeping every comment and the layout of the rest (the text is
//! edited; `toml_edit` reads the row keys and checks the result parses). Each file is written
//! atomically (a temp file in the same directory, then a rename) after a copy of the old one is
//! kept as `NAME.toml.bak`. Rows that disagree are not edited: the diff names them, and a
//! maintainer decides.

use std::cmp::Ordering;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use cudoctor_kb::version::{CudnnVersion, FrameworkVersion};
use toml_edit::{DocumentMut, Table};

use crate::compare::Proposal;

/// The sort key of a row of `table` (what `cudoctor-kb` checks the rows are sorted by).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    /// `[[plugin]]`: (version, variant).
    Plugin(FrameworkVersion, String),
    /// `[[release]]` of cudnn.toml: first.
    Cudnn(CudnnVersion),
}

fn key(file: &str, table_name: &str, t: &Table) -> Result<Key> {
    let s = |k: &str| {
        t.get(k)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
            .with_context(|| format!("a `[[{table_name}]]` row of `{file}` has no `{k}`"))
    };
    match (file, table_name) {
        ("data/jax.toml", "plugin") => Ok(Key::Plugin(
            s("version")?
                .parse()
                .with_context(|| format!("a version in `{file}`"))?,
            s("variant")?,
        )),
        ("data/cudnn.toml", "release") => Ok(Key::Cudnn(
            s("first")?
                .parse()
                .with_context(|| format!("a cuDNN version in `{file}`"))?,
        )),
        _ => bail!("`--write` does not know how `[[{table_name}]]` of `{file}` is sorted"),
    }
}

/// Inserts `rows` (TOML texts of one `[[table]]` each) into `text`, each before the first
/// existing row that sorts after it (and before the comment lines directly above that row),
/// or after the last row of the table. Returns the new text, checked to parse.
pub fn insert_rows(file: &str, text: &str, table: &str, rows: &[String]) -> Result<String> {
    let header = format!("[[{table}]]");
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    for row in rows {
        let doc: DocumentMut = text_doc(&lines)?;
        let existing: Vec<Key> = doc
            .get(table)
            .and_then(|i| i.as_array_of_tables())
            .map(|a| {
                a.iter()
                    .map(|t| key(file, table, t))
                    .collect::<Result<Vec<_>>>()
            })
            .transpose()?
            .unwrap_or_default();
        let new_doc: DocumentMut = row
            .parse()
            .with_context(|| format!("the proposed row does not parse:\n{row}"))?;
        let new_key = new_doc
            .get(table)
            .and_then(|i| i.as_array_of_tables())
            .and_then(|a| a.get(0))
            .map(|t| key(file, table, t))
            .transpose()?
            .with_context(|| format!("the proposed row is not a `{header}`:\n{row}"))?;
        if existing.contains(&new_key) {
            continue; // already there (a rerun)
        }
        let headers: Vec<usize> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.trim() == header)
            .map(|(i, _)| i)
            .collect();
        if headers.len() != existing.len() {
            bail!(
                "`{file}`: {} `{header}` lines but {} rows; edit by hand",
                headers.len(),
                existing.len()
            );
        }
        let Some(i) = existing
            .iter()
            .position(|k| k.cmp(&new_key) == Ordering::Greater)
        else {
            // After the last row of the table: before the next table header (and its
            // comments), or at the end.
            let mut at = headers.last().map_or(lines.len(), |&h| {
                lines
                    .iter()
                    .enumerate()
                    .skip(h + 1)
                    .find(|(_, l)| l.trim_start().starts_with('['))
                    .map_or(lines.len(), |(i, _)| i)
            });
            while at > 0 && at < lines.len() && lines[at - 1].trim_start().starts_with('#') {
                at -= 1;
            }
            // After the last non-blank line of that row: a blank line, then the new row.
            while at > 0 && lines[at - 1].trim().is_empty() {
                at -= 1;
            }
            let mut block: Vec<String> = vec![String::new()];
            block.extend(row.trim_end().lines().map(str::to_owned));
            lines.splice(at..at, block);
            continue;
        };
        // Before the comments that sit directly above that row.
        let mut at = headers[i];
        while at > 0 && lines[at - 1].trim_start().starts_with('#') {
            at -= 1;
        }
        let mut block: Vec<String> = row.trim_end().lines().map(str::to_owned).collect();
        block.push(String::new());
        lines.splice(at..at, block);
    }
    let mut out = lines.join("\n");
    out.push('\n');
    text_doc(&out.lines().map(str::to_owned).collect::<Vec<_>>())?;
    Ok(out)
}

fn text_doc(lines: &[String]) -> Result<DocumentMut> {
    lines
        .join("\n")
        .parse()
        .context("the edited file does not parse as TOML")
}

/// Writes `proposals` into the data files under `kb_dir` (`crates/cudoctor-kb`); returns the
/// files changed.
pub fn write(kb_dir: &Path, proposals: &[Proposal]) -> Result<Vec<PathBuf>> {
    let mut changed = Vec::new();
    let mut files: Vec<(&str, &str)> = proposals.iter().map(|p| (p.file, p.table)).collect();
    files.sort_unstable();
    files.dedup();
    for (file, table) in files {
        let rows: Vec<String> = proposals
            .iter()
            .filter(|p| p.file == file && p.table == table)
            .map(|p| p.toml.clone())
            .collect();
        let path = kb_dir.join(file);
        let old = std::fs::read_to_string(&path)
            .with_context(|| format!("reading `{}`", path.display()))?;
        let new = insert_rows(file, &old, table, &rows)
            .with_context(|| format!("editing `{}`", path.display()))?;
        if new == old {
            continue;
        }
        let backup = path.with_extension("toml.bak");
        std::fs::write(&backup, &old)
            .with_context(|| format!("writing the backup `{}`", backup.display()))?;
        let dir = path.parent().context("a data file has no directory")?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)
            .with_context(|| format!("creating a temp file in `{}`", dir.display()))?;
        tmp.write_all(new.as_bytes())?;
        tmp.as_file().sync_all()?;
        tmp.persist(&path)
            .with_context(|| format!("replacing `{}`", path.display()))?;
        changed.push(path);
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const JAX: &str = "# header comment\n#   columns\n\n[[plugin]]\nversion = \"0.4.26\"\nvariant = \"cuda12\"\n\n# about 0.5.0\n[[plugin]]\nversion = \"0.5.0\"\nvariant = \"cuda12\" # inline\n";

    fn row(version: &str, variant: &str) -> String {
        format!("[[plugin]]\nversion = \"{version}\"\nvariant = \"{variant}\"\n")
    }

    #[test]
    fn inserts_in_order_keeping_comments() {
        let out = insert_rows(
            "data/jax.toml",
            JAX,
            "plugin",
            &[
                row("0.4.30", "cuda12"),
                row("0.12.0.1", "cuda13"),
                row("0.5.0", "cuda13"),
            ],
        )
        .expect("edits");
        let versions: Vec<String> = out
            .lines()
            .filter(|l| l.starts_with("version") || l.starts_with("variant"))
            .map(str::to_owned)
            .collect();
        assert_eq!(
            versions,
            [
                "version = \"0.4.26\"",
                "variant = \"cuda12\"",
                "version = \"0.4.30\"",
                "variant = \"cuda12\"",
                "version = \"0.5.0\"",
                "variant = \"cuda12\" # inline",
                "version = \"0.5.0\"",
                "variant = \"cuda13\"",
                "version = \"0.12.0.1\"",
                "variant = \"cuda13\"",
            ]
        );
        assert!(out.starts_with("# header comment\n#   columns\n"));
        // The comment stays directly above its row.
        assert!(
            out.contains(
                "# about 0.5.0\n[[plugin]]\nversion = \"0.5.0\"\nvariant = \"cuda12\" # inline"
            ),
            "{out}"
        );
        // A rerun adds nothing.
        assert_eq!(
            insert_rows("data/jax.toml", &out, "plugin", &[row("0.4.30", "cuda12")])
                .expect("edits"),
            out
        );
    }

    #[test]
    fn refuses_what_it_cannot_place() {
        assert!(
            insert_rows(
                "data/jax.toml",
                JAX,
                "plugin",
                &["[[plugin]]\nvariant = \"x\"\n".into()]
            )
            .is_err()
        );
        assert!(
            insert_rows(
                "data/gpus.toml",
                "",
                "gpu",
                &["[[gpu]]\nname = \"x\"\n".into()]
            )
            .is_err()
        );
        assert!(insert_rows("data/jax.toml", JAX, "plugin", &["not toml".into()]).is_err());
    }

    #[test]
    fn writes_atomically_with_a_backup() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("data")).expect("mkdir");
        let path = dir.path().join("data/jax.toml");
        std::fs::write(&path, JAX).expect("write");
        let p = Proposal {
            file: "data/jax.toml",
            table: "plugin",
            toml: row("0.4.30", "cuda12"),
        };
        let changed = write(dir.path(), std::slice::from_ref(&p)).expect("writes");
        assert_eq!(changed, std::slice::from_ref(&path));
        assert_eq!(
            std::fs::read_to_string(path.with_extension("toml.bak")).expect("backup"),
            JAX
        );
        assert!(
            std::fs::read_to_string(&path)
                .expect("new")
                .contains("0.4.30")
        );
        assert!(write(dir.path(), &[p]).expect("rerun").is_empty());
    }
}
