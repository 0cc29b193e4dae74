//! CUDA toolkits: where they are and which version each is.

use crate::snapshot::Fact;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cudoctor_kb::version::CudaVersion;

use super::{Ctx, show, snippet};
use crate::env_vars;
use crate::snapshot::CudaToolkit;

/// Largest nvcc binary scanned for its release string.
const NVCC_SCAN_LIMIT: usize = 64 << 20;

/// Parses `version.json` (CUDA 11.1 and later): the `cuda` component's `version`.
///
/// Real sample (CUDA 12.2.2, first lines):
/// ```text
/// {
///    "cuda" : {
///       "name" : "CUDA SDK",
///       "version" : "12.2.2"
///    },
///    "cuda_cccl" : {
/// ```
pub fn parse_version_json(text: &str) -> Result<CudaVersion, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        format!(
            "invalid JSON at line {}, column {}: {e}",
            e.line(),
            e.column()
        )
    })?;
    let v = value
        .get("cuda")
        .and_then(|c| c.get("version"))
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| "no `cuda.version` key".to_owned())?;
    v.parse::<CudaVersion>().map_err(|e| {
        format!(
            "unparsable cuda.version `{}`: {}",
            snippet(v),
            snippet(&e.reason)
        )
    })
}

/// Parses `version.txt` (CUDA 11.0 and earlier): `CUDA Version 10.2.89`.
pub fn parse_version_txt(text: &str) -> Result<CudaVersion, String> {
    let line = text.lines().next().unwrap_or("").trim();
    let v = line
        .strip_prefix("CUDA Version ")
        .ok_or_else(|| format!("expected `CUDA Version X.Y.Z`, found `{}`", snippet(line)))?;
    v.trim()
        .parse::<CudaVersion>()
        .map_err(|e| format!("unparsable `{}`: {}", snippet(v), snippet(&e.reason)))
}

/// Finds nvcc's embedded `Cuda compilation tools, release 11.8, V11.8.89` string in its bytes
/// (what `nvcc --version` prints, read without running it). Prefers the `V11.8.89` form.
pub fn parse_nvcc_release(bytes: &[u8]) -> Result<CudaVersion, String> {
    let needle = b"Cuda compilation tools, release ";
    let pos = memchr::memmem::find(bytes, needle)
        .ok_or_else(|| "no `Cuda compilation tools, release` string in nvcc".to_owned())?;
    let rest = &bytes[pos + needle.len()..];
    let end = rest
        .iter()
        .position(|b| *b == 0 || *b == b'\n')
        .unwrap_or(rest.len().min(64));
    let text = String::from_utf8_lossy(&rest[..end.min(64)]).into_owned();
    // "11.8, V11.8.89"
    let mut parts = text.split(", ");
    let release = parts.next().unwrap_or("").trim();
    if let Some(full) = parts.next().and_then(|v| v.trim().strip_prefix('V')) {
        if let Ok(v) = full.parse::<CudaVersion>() {
            return Ok(v);
        }
    }
    release
        .parse::<CudaVersion>()
        .map_err(|e| format!("`release {}`: {}", snippet(&text), snippet(&e.reason)))
}

/// Collects every toolkit.
pub fn collect(ctx: &mut Ctx<'_>) -> Vec<CudaToolkit> {
    let mut found: BTreeMap<PathBuf, Vec<String>> = BTreeMap::new();
    for parent in ["/usr/local", "/opt"] {
        for e in ctx.root.read_dir_or_empty(Path::new(parent)) {
            if e.name_str().starts_with("cuda") && ctx.root.is_dir(&e.path) {
                found
                    .entry(e.path.clone())
                    .or_default()
                    .push(format!("{parent}/cuda*"));
            }
        }
    }
    for fixed in ["/usr/lib/nvidia-cuda-toolkit", "/usr/lib/cuda"] {
        if ctx.root.is_dir(Path::new(fixed)) {
            found
                .entry(PathBuf::from(fixed))
                .or_default()
                .push(fixed.to_owned());
        }
    }
    for var in [env_vars::CUDA_HOME, env_vars::CUDA_PATH] {
        if let Some(v) = ctx.env.get_nonempty(var) {
            let p = PathBuf::from(v);
            if ctx.root.is_dir(&p) {
                found.entry(p).or_default().push(format!("${var}"));
            } else {
                ctx.error(
                    "cuda_toolkits",
                    Some(&p),
                    format!("${var} names `{v}`, which is not a directory"),
                );
            }
        }
    }
    if let Some(path) = ctx.env.get(env_vars::PATH).map(str::to_owned) {
        for dir in path.split(':').filter(|d| d.starts_with('/')) {
            let nvcc = Path::new(dir).join("nvcc");
            if ctx.root.is_file(&nvcc) {
                // bin/nvcc -> the toolkit is bin's parent, unless nvcc is a wrapper in /usr/bin.
                let prefix = Path::new(dir).parent().map(Path::to_path_buf);
                if let Some(prefix) = prefix {
                    // /usr/bin/nvcc is Debian's wrapper script: its toolkit is
                    // /usr/lib/nvidia-cuda-toolkit, found above, not /usr.
                    let looks_like_toolkit =
                        !matches!(prefix.to_str(), Some("/" | "/usr" | "/usr/local"))
                            || ctx.root.exists(&prefix.join("version.json"));
                    if looks_like_toolkit {
                        found
                            .entry(prefix)
                            .or_default()
                            .push("nvcc on $PATH".to_owned());
                    }
                }
                break;
            }
        }
    }
    let mut out = Vec::new();
    for (root, mut via) in found {
        via.sort();
        via.dedup();
        let nvcc = root.join("bin/nvcc");
        let has_nvcc = ctx.root.is_file(&nvcc);
        let has_marker = has_nvcc
            || ctx.root.exists(&root.join("version.json"))
            || ctx.root.exists(&root.join("version.txt"))
            || ctx.root.is_dir(&root.join("lib64"))
            || ctx.root.is_dir(&root.join("targets"));
        if !has_marker {
            continue;
        }
        let real_root = ctx.root.real_path(&root).ok().map(|p| show(&p));
        let mut tk = CudaToolkit {
            root: show(&root),
            real_root,
            found_via: via,
            nvcc: has_nvcc.then(|| show(&nvcc)),
            ..CudaToolkit::default()
        };
        read_version(ctx, &root, has_nvcc, &mut tk);
        out.push(tk);
    }
    out
}

/// Streams nvcc through a 1 MiB window and returns the bytes around the release string (or an
/// empty buffer when there is none), so memory stays bounded whatever the file's size.
fn scan_nvcc(ctx: &Ctx<'_>, nvcc: &Path) -> Result<Vec<u8>, crate::root::RootError> {
    use std::io::Read;
    const WINDOW: usize = 1 << 20;
    const KEEP: usize = 128;
    let (file, _) = ctx.root.open_file(nvcc)?;
    let mut file = file.take(NVCC_SCAN_LIMIT as u64);
    let finder = memchr::memmem::Finder::new(b"Cuda compilation tools, release ");
    let mut buf: Vec<u8> = Vec::with_capacity(WINDOW + KEEP);
    let mut chunk = vec![0u8; WINDOW];
    loop {
        let n = file
            .read(&mut chunk)
            .map_err(|source| crate::root::RootError::Io {
                op: "read",
                path: show(nvcc),
                source,
            })?;
        buf.extend_from_slice(&chunk[..n]);
        if let Some(pos) = finder.find(&buf) {
            // Make sure the version after the marker is in the buffer.
            let mut tail = vec![0u8; KEEP];
            let m = file.read(&mut tail).unwrap_or(0);
            buf.extend_from_slice(&tail[..m]);
            return Ok(buf[pos..].iter().take(KEEP).copied().collect());
        }
        if n == 0 {
            return Ok(Vec::new());
        }
        let cut = buf.len().saturating_sub(KEEP);
        buf.drain(..cut);
    }
}

fn read_version(ctx: &mut Ctx<'_>, root: &Path, has_nvcc: bool, tk: &mut CudaToolkit) {
    type Parse = fn(&str) -> Result<CudaVersion, String>;
    let mut reasons = Vec::new();
    let parsers: [(&str, Parse); 2] = [
        ("version.json", parse_version_json),
        ("version.txt", parse_version_txt),
    ];
    for (name, parse) in parsers {
        let file = root.join(name);
        match ctx.read_optional("cuda_toolkits", &file) {
            Ok(Some(t)) => match parse(&t) {
                Ok(v) => {
                    tk.version = Fact::known(v, show(&file));
                    return;
                }
                Err(e) => reasons.push(format!("`{}`: {e}", show(&file))),
            },
            Ok(None) => {}
            Err(r) => reasons.push(r),
        }
    }
    if has_nvcc {
        let nvcc = root.join("bin/nvcc");
        match scan_nvcc(ctx, &nvcc) {
            Ok(bytes) => match parse_nvcc_release(&bytes) {
                Ok(v) => {
                    tk.version =
                        Fact::known(v, format!("{} (embedded release string)", show(&nvcc)));
                    return;
                }
                Err(e) => reasons.push(format!("`{}`: {e}", show(&nvcc))),
            },
            Err(e) => reasons.push(e.reason()),
        }
    }
    if reasons.is_empty() {
        reasons.push("no version.json, version.txt or bin/nvcc".to_owned());
    }
    tk.version = Fact::unknown(reasons.join("; "));
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn version_json() {
        let t = "{\n   \"cuda\" : {\n      \"name\" : \"CUDA SDK\",\n      \"version\" : \"12.2.2\"\n   },\n   \"cuda_cccl\" : {\n      \"name\" : \"CUDA C++ Core Compute Libraries\",\n      \"version\" : \"12.2.140\"\n   }\n}\n";
        assert_eq!(parse_version_json(t).unwrap().to_string(), "12.2.2");
        let e = parse_version_json("{\n \"cuda\": ").unwrap_err();
        assert!(e.contains("line 2"), "{e}");
    }

    #[test]
    fn version_txt() {
        assert_eq!(
            parse_version_txt("CUDA Version 10.2.89\n")
                .unwrap()
                .to_string(),
            "10.2.89"
        );
        assert!(parse_version_txt("\u{7f}ELF").is_err());
    }

    #[test]
    fn nvcc_release() {
        let mut bin = vec![0u8, 1, 2, 3];
        bin.extend_from_slice(b"Cuda compilation tools, release 11.8, V11.8.89\0Build cuda_11.8");
        assert_eq!(parse_nvcc_release(&bin).unwrap().to_string(), "11.8.89");
        assert!(parse_nvcc_release(b"\0\0\0").is_err());
    }
}
