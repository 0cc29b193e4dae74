//! cuDNN: headers, library file names and wheel metadata. All copies.

use crate::snapshot::Fact;
use std::path::{Path, PathBuf};

use cudoctor_kb::version::CudnnVersion;

use super::{Ctx, show, snippet};
use crate::snapshot::{Cudnn, Library, PythonEnvironment};

const HEADER_NAMES: &[&str] = &[
    "cudnn_version.h",
    "cudnn_version_v9.h",
    "cudnn_version_v8.h",
    "cudnn.h",
    "cudnn_v8.h",
    "cudnn_v7.h",
];

/// Reads `CUDNN_MAJOR`, `CUDNN_MINOR`, `CUDNN_PATCHLEVEL` from a header. `Ok(None)` when the
/// header has no `CUDNN_MAJOR` (cuDNN 8's `cudnn.h` moved them to `cudnn_version.h`).
///
/// Real sample (`cudnn_version.h`, cuDNN 8.9.7):
/// ```text
/// #define CUDNN_MAJOR 8
/// #define CUDNN_MINOR 9
/// #define CUDNN_PATCHLEVEL 7
///
/// #define CUDNN_VERSION (CUDNN_MAJOR * 1000 + CUDNN_MINOR * 100 + CUDNN_PATCHLEVEL)
/// ```
pub fn parse_cudnn_header(text: &str) -> Result<Option<CudnnVersion>, String> {
    let mut major = None;
    let mut minor = None;
    let mut patch = None;
    for line in text.lines() {
        let mut it = line.split_whitespace();
        if it.next() != Some("#define") {
            continue;
        }
        let (Some(name), Some(value)) = (it.next(), it.next()) else {
            continue;
        };
        let slot = match name {
            "CUDNN_MAJOR" => &mut major,
            "CUDNN_MINOR" => &mut minor,
            "CUDNN_PATCHLEVEL" => &mut patch,
            _ => continue,
        };
        let n: u32 = value
            .parse()
            .map_err(|_| format!("unparsable line `{}`", snippet(line)))?;
        *slot = Some(n);
    }
    match (major, minor, patch) {
        (None, _, _) => Ok(None),
        (Some(a), Some(b), Some(c)) => format!("{a}.{b}.{c}")
            .parse()
            .map(Some)
            .map_err(|e: cudoctor_kb::version::VersionParseError| e.to_string()),
        _ => Err("CUDNN_MAJOR without CUDNN_MINOR and CUDNN_PATCHLEVEL".to_owned()),
    }
}

/// Collects cuDNN copies: headers in `include_dirs`, `libcudnn` libraries already found, and
/// `nvidia-cudnn-cu*` wheels.
pub fn collect(
    ctx: &mut Ctx<'_>,
    include_dirs: &[PathBuf],
    libraries: &[Library],
    envs: &[PythonEnvironment],
) -> Vec<Cudnn> {
    let mut out = Vec::new();
    let mut seen: Vec<PathBuf> = Vec::new();
    for dir in include_dirs {
        for name in HEADER_NAMES {
            let path = dir.join(name);
            let Ok(real) = ctx.root.real_path(&path) else {
                continue;
            };
            if seen.contains(&real) {
                continue;
            }
            seen.push(real);
            let mut c = Cudnn {
                kind: "header".to_owned(),
                path: show(&path),
                ..Cudnn::default()
            };
            match ctx.read_optional("cudnn", &path) {
                Ok(Some(text)) => match parse_cudnn_header(&text) {
                    Ok(Some(v)) => {
                        c.version = Fact::known(
                            v,
                            format!("CUDNN_MAJOR/MINOR/PATCHLEVEL in `{}`", show(&path)),
                        );
                    }
                    Ok(None) => continue,
                    Err(e) => c.version = Fact::unknown(format!("`{}`: {e}", show(&path))),
                },
                Ok(None) => continue,
                Err(r) => c.version = Fact::unknown(r),
            }
            out.push(c);
        }
    }
    for lib in libraries
        .iter()
        .filter(|l| l.family == crate::snapshot::LibraryFamily::Cudnn)
    {
        // Only files with a full version in the name or wheel metadata say which cuDNN.
        out.push(Cudnn {
            kind: "library".to_owned(),
            path: lib.path.clone(),
            version: Fact::from_parts(
                lib.version.as_deref().and_then(|v| v.parse().ok()),
                lib.version.source().map(str::to_owned),
                lib.version
                    .unknown_reason()
                    .or(lib.real_path.unknown_reason())
                    .map(str::to_owned),
            ),
        });
    }
    for env in envs {
        for p in &env.packages {
            if !p.name.starts_with("nvidia-cudnn-") {
                continue;
            }
            let parsed = p.version.as_deref().map(str::parse::<CudnnVersion>);
            let (version, unknown) = match parsed {
                Some(Ok(v)) => (Some(v), None),
                Some(Err(e)) => (None, Some(snippet(&e.to_string()))),
                None => (None, Some("no Version in METADATA".to_owned())),
            };
            out.push(Cudnn {
                kind: "wheel".to_owned(),
                path: p.metadata_path.clone(),
                version: Fact::from_parts(
                    version,
                    version.map(|_| format!("wheel `{}` METADATA", p.name)),
                    unknown,
                ),
            });
        }
    }
    out
}

/// Include directories worth checking for cuDNN headers.
pub fn include_dirs(toolkit_roots: &[String], envs: &[PythonEnvironment]) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = vec![
        PathBuf::from("/usr/include"),
        PathBuf::from("/usr/include/x86_64-linux-gnu"),
        PathBuf::from("/usr/local/include"),
    ];
    for t in toolkit_roots {
        dirs.push(Path::new(t).join("include"));
        dirs.push(Path::new(t).join("targets/x86_64-linux/include"));
    }
    for env in envs {
        if env.kind == "conda" {
            dirs.push(Path::new(&env.path).join("include"));
        }
        for sp in &env.site_packages {
            dirs.push(Path::new(sp).join("nvidia/cudnn/include"));
        }
    }
    dirs
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn header() {
        let t = "#ifndef CUDNN_VERSION_H_\n#define CUDNN_VERSION_H_\n\n#define CUDNN_MAJOR 8\n#define CUDNN_MINOR 9\n#define CUDNN_PATCHLEVEL 7\n\n#define CUDNN_VERSION (CUDNN_MAJOR * 1000 + CUDNN_MINOR * 100 + CUDNN_PATCHLEVEL)\n";
        assert_eq!(parse_cudnn_header(t).unwrap().unwrap().to_string(), "8.9.7");
        // cuDNN 8's cudnn.h only includes cudnn_version.h.
        assert_eq!(
            parse_cudnn_header("#include \"cudnn_version.h\"\n").unwrap(),
            None
        );
        assert!(parse_cudnn_header("#define CUDNN_MAJOR x\n").is_err());
        assert!(parse_cudnn_header("#define CUDNN_MAJOR 8\n").is_err());
    }
}
