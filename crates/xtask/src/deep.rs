//! `kb-refresh --deep`: downloads a release's wheel (sha256 checked, kept in the cache) and
//! counts the SASS and PTX entries per architecture in every shared library inside it, with
//! the fatbinary walker of `cudoctor-fatbin`. Libraries are streamed out of the zip one at a
//! time into a temp file; nothing from the wheel is loaded or run.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use cudoctor_pypi::Client;
use cudoctor_pypi::lazyzip::{self, FileSource};

use crate::refresh::ReleaseFacts;

/// The largest library extracted (8 GiB; `libtorch_cuda.so` is under 1 GiB).
const MAX_LIBRARY: u64 = 8 << 30;

/// What the libraries of one wheel carry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeepFacts {
    /// The wheel's file name.
    pub wheel: String,
    /// Libraries read (member path -> whether it carries GPU code).
    pub libraries: BTreeMap<String, bool>,
    /// SASS entries per architecture (`sm_80`), over all libraries.
    pub sass: BTreeMap<String, u64>,
    /// PTX entries per architecture (`compute_80`), over all libraries.
    pub ptx: BTreeMap<String, u64>,
    /// The highest PTX ISA per PTX architecture.
    pub ptx_isa: BTreeMap<String, String>,
    /// Libraries that could not be read, with why.
    pub errors: Vec<String>,
}

fn is_library(name: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name);
    base.ends_with(".so") || base.contains(".so.")
}

/// Downloads `rel`'s wheel into `cache/wheels/` (unless already there with the right sha256)
/// and reads its libraries.
pub fn deep(client: &Client, rel: &ReleaseFacts, cache: &Path) -> Result<DeepFacts> {
    let dir = cache.join("wheels");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating `{}`", dir.display()))?;
    let path = dir.join(&rel.file.filename);
    let cached_ok = path.exists()
        && rel.file.sha256.as_deref().is_some_and(|want| {
            std::fs::read(&path).is_ok_and(|b| cudoctor_pypi::client::sha256_hex(&b) == want)
        });
    if !cached_ok {
        client
            .download(&rel.file, &path)
            .with_context(|| format!("downloading `{}`", rel.file.url))?;
    }
    let mut src =
        FileSource::open(&path).with_context(|| format!("opening `{}`", path.display()))?;
    let entries = lazyzip::read_entries(&mut src)
        .map_err(|e| anyhow::anyhow!("reading the zip `{}`: {e}", path.display()))?;
    let mut out = DeepFacts {
        wheel: rel.file.filename.clone(),
        ..DeepFacts::default()
    };
    for entry in entries.iter().filter(|e| is_library(&e.name)) {
        let mut tmp = tempfile::NamedTempFile::new_in(&dir).context("creating a temp file")?;
        if let Err(e) = lazyzip::copy_entry(&mut src, entry, tmp.as_file_mut(), MAX_LIBRARY) {
            out.errors.push(format!("{}: {e}", entry.name));
            continue;
        }
        match cudoctor_fatbin::read_file(tmp.path()) {
            Ok(archs) => {
                out.libraries
                    .insert(entry.name.clone(), archs.has_gpu_code());
                for (arch, n) in &archs.sass {
                    *out.sass.entry(arch.to_string()).or_default() += n;
                }
                for (arch, n) in &archs.ptx {
                    *out.ptx
                        .entry(arch.to_string().replacen("sm_", "compute_", 1))
                        .or_default() += n;
                }
                for (arch, isa) in &archs.ptx_isa {
                    let key = arch.to_string().replacen("sm_", "compute_", 1);
                    let isa = isa.to_string();
                    let e = out.ptx_isa.entry(key).or_insert_with(|| isa.clone());
                    if isa_key(&isa) > isa_key(e) {
                        *e = isa;
                    }
                }
            }
            Err(e) => out.errors.push(format!("{}: {e}", entry.name)),
        }
    }
    Ok(out)
}

fn isa_key(s: &str) -> (u32, u32) {
    let (a, b) = s.split_once('.').unwrap_or((s, "0"));
    (a.parse().unwrap_or(0), b.parse().unwrap_or(0))
}

/// One readable block per wheel.
pub fn render(package: &str, version: &str, d: &DeepFacts) -> String {
    let mut s = String::new();
    let with_code = d.libraries.values().filter(|g| **g).count();
    let _ = writeln!(
        s,
        "- {package} {version} ({}): {} libraries, {with_code} with GPU code",
        d.wheel,
        d.libraries.len()
    );
    let list = |m: &BTreeMap<String, u64>| {
        if m.is_empty() {
            return "none".to_owned();
        }
        m.iter()
            .map(|(a, n)| format!("{a} x{n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(s, "  SASS: {}", list(&d.sass));
    let _ = writeln!(s, "  PTX:  {}", list(&d.ptx));
    if !d.ptx_isa.is_empty() {
        let isa = d
            .ptx_isa
            .iter()
            .map(|(a, v)| format!("{a} ISA {v}"))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(s, "  highest PTX ISA: {isa}");
    }
    for e in &d.errors {
        let _ = writeln!(s, "  not read: {e}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_names() {
        assert!(is_library("tensorflow/libtensorflow_cc.so.2"));
        assert!(is_library("torch/lib/libtorch_cuda.so"));
        assert!(!is_library("torch/lib/libtorch_cuda.sop"));
        assert!(!is_library("tensorflow/python/platform/build_info.py"));
        assert!(isa_key("7.8") > isa_key("7.10").min(isa_key("7.1")));
        assert!(isa_key("8.3") < isa_key("8.10"));
    }
}
