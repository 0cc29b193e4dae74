//! `kb-record`: the offline fixtures of the refresher's tests, recorded once from the index.
//!
//! The fixtures are cache entries in the client's own layout (so an offline client reads them
//! as its cache), trimmed to what the refresher reads: each project page keeps only the Linux
//! x86_64 wheels of the releases read, METADATA keeps its headers, members are the small
//! Python files. The directory is replaced as a whole.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result, bail};
use cudoctor_pypi::Client;
use cudoctor_pypi::client::{CacheEntry, read_cache, write_cache};
use cudoctor_pypi::simple::{WheelName, normalize_name};

use crate::refresh::{PackageFacts, TF_BUILD_INFO, TORCH_VERSION_PY};

/// Writes the fixtures of everything in `facts` (read through `client`, whose cache holds the
/// answers) into `dest`, replacing it.
pub fn record(client: &Client, facts: &BTreeMap<String, PackageFacts>, dest: &Path) -> Result<()> {
    let Some(cache) = client.config().cache_dir.clone() else {
        bail!("recording needs a cache directory to copy the answers from");
    };
    let parent = dest
        .parent()
        .context("the fixture directory has no parent")?;
    std::fs::create_dir_all(parent).with_context(|| format!("creating `{}`", parent.display()))?;
    let staging = tempfile::tempdir_in(parent).context("creating a staging directory")?;
    for (package, pf) in facts {
        if let Some(e) = &pf.error {
            bail!("`{package}` was not read, so it cannot be recorded: {e}");
        }
        let url = client.project_url(package);
        let page = read_cache(&cache, "index", &url, None)?
            .with_context(|| format!("the page `{url}` is not in the cache"))?;
        // Keep every Linux x86_64 wheel of the releases read (the refresher reads one of them,
        // and the lowest CPython tag among them), nothing else.
        let versions: BTreeSet<&pep440_rs::Version> =
            pf.releases.iter().map(|r| &r.version).collect();
        let keep = |name: &str| {
            name.parse::<WheelName>()
                .is_ok_and(|w| w.is_linux_x86_64() && versions.contains(&w.version))
        };
        let mut json: serde_json::Value = serde_json::from_str(&page.body)
            .with_context(|| format!("parsing the cached page `{url}`"))?;
        if let Some(files) = json
            .get_mut("files")
            .and_then(serde_json::Value::as_array_mut)
        {
            files.retain(|f| {
                f.get("filename")
                    .and_then(serde_json::Value::as_str)
                    .is_some_and(keep)
            });
        }
        if let Some(obj) = json.as_object_mut() {
            obj.remove("versions");
        }
        write_cache(
            staging.path(),
            &CacheEntry {
                body: serde_json::to_string(&json)?,
                note: format!(
                    "index, trimmed to the Linux x86_64 wheels of the {} releases kb-refresh reads ({})",
                    pf.releases.len(),
                    normalize_name(package)
                ),
                ..page
            },
        )?;
        for rel in &pf.releases {
            let sha = rel.file.sha256.as_deref();
            if let Some(m) = read_cache(&cache, "metadata", &rel.file.url, sha)? {
                write_cache(staging.path(), &m)?;
            }
            for suffix in [TF_BUILD_INFO, TORCH_VERSION_PY] {
                let key = format!("{}#{suffix}", rel.file.url);
                if let Some(m) = read_cache(&cache, "member", &key, sha)? {
                    write_cache(staging.path(), &m)?;
                }
            }
        }
    }
    write_manifest(staging.path())?;
    let staged = staging.keep();
    if dest.exists() {
        let old = parent.join(format!(
            ".{}-old",
            dest.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("fixtures")
        ));
        let _ = std::fs::remove_dir_all(&old);
        std::fs::rename(dest, &old)
            .with_context(|| format!("moving the old `{}` aside", dest.display()))?;
        std::fs::rename(&staged, dest)
            .with_context(|| format!("moving the new fixtures to `{}`", dest.display()))?;
        std::fs::remove_dir_all(&old).with_context(|| format!("removing `{}`", old.display()))?;
    } else {
        std::fs::rename(&staged, dest)
            .with_context(|| format!("moving the new fixtures to `{}`", dest.display()))?;
    }
    Ok(())
}

/// `MANIFEST.txt`: one line per fixture file (`KIND FILE URL`), sorted, so a reviewer can see
/// what each hashed file name holds.
fn write_manifest(dir: &Path) -> Result<()> {
    let mut lines = Vec::new();
    for kind in ["index", "metadata", "member"] {
        let sub = dir.join(kind);
        let Ok(rd) = std::fs::read_dir(&sub) else {
            continue;
        };
        for e in rd {
            let path = e?.path();
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading `{}`", path.display()))?;
            let entry: CacheEntry = serde_json::from_str(&text)
                .with_context(|| format!("parsing `{}`", path.display()))?;
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            lines.push(format!("{kind} {kind}/{name} {}", entry.url));
        }
    }
    lines.sort();
    let mut text = String::from("# kind file url (written by `cargo run -p xtask -- kb-record`)\n");
    for l in lines {
        text.push_str(&l);
        text.push('\n');
    }
    std::fs::write(dir.join("MANIFEST.txt"), text).context("writing MANIFEST.txt")?;
    Ok(())
}
