//! PEP 691 project pages (`Accept: application/vnd.pypi.simple.v1+json`) and PEP 427 wheel
//! file names.
//!
//! A page looks like this (PyPI, trimmed):
//! ```json
//! {"meta": {"api-version": "1.4"}, "name": "jax-cuda12-plugin",
//!  "files": [{"filename": "jax_cuda12_plugin-0.4.30-cp312-cp312-manylinux2014_x86_64.whl",
//!             "url": "https://files.pythonhosted.org/packages/.../jax_cuda12_plugin-0.4.30-....whl",
//!             "hashes": {"sha256": "5c0d5f..."}, "requires-python": ">=3.9",
//!             "core-metadata": {"sha256": "e2b0..."}, "data-dist-info-metadata": {"sha256": "e2b0..."},
//!             "size": 12345, "upload-time": "2024-06-18T17:16:58.162524Z", "yanked": false}]}
//! ```

use std::str::FromStr;

use pep440_rs::Version;
use serde::{Deserialize, Serialize};

/// The media type of a PEP 691 JSON page.
pub const SIMPLE_JSON: &str = "application/vnd.pypi.simple.v1+json";

/// One project's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectPage {
    /// The project name as the index spells it.
    pub name: String,
    /// Its files, as listed.
    pub files: Vec<IndexFile>,
}

/// One file of a project page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexFile {
    /// The file name (`torch-2.5.1-cp312-cp312-manylinux1_x86_64.whl`).
    pub filename: String,
    /// Its URL, absolute (relative URLs are resolved against the page when it is read).
    pub url: String,
    /// Its sha256, hex, when the index states one.
    pub sha256: Option<String>,
    /// `requires-python`, as written.
    pub requires_python: Option<String>,
    /// Whether the index serves the PEP 658 `.metadata` file, and its sha256 when stated.
    pub core_metadata: CoreMetadata,
    /// `upload-time`, as written (ISO 8601).
    pub upload_time: Option<String>,
    /// Yanked, with the reason when one is given (`Some("")` = yanked, no reason).
    pub yanked: Option<String>,
    /// The file size in bytes, when stated.
    pub size: Option<u64>,
}

/// What a file entry says about its PEP 658 / PEP 714 metadata file.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum CoreMetadata {
    /// Not served (or not stated).
    #[default]
    Absent,
    /// Served, no hash stated.
    Present,
    /// Served, with this sha256.
    Sha256(String),
}

impl CoreMetadata {
    /// Whether the index says `<url>.metadata` exists.
    pub fn is_served(&self) -> bool {
        !matches!(self, Self::Absent)
    }
    /// The stated sha256, if any.
    pub fn sha256(&self) -> Option<&str> {
        match self {
            Self::Sha256(h) => Some(h),
            _ => None,
        }
    }
}

#[derive(Deserialize)]
struct RawPage {
    name: Option<String>,
    #[serde(default)]
    files: Vec<RawFile>,
}

#[derive(Deserialize)]
struct RawFile {
    filename: String,
    url: String,
    #[serde(default)]
    hashes: std::collections::BTreeMap<String, String>,
    #[serde(rename = "requires-python")]
    requires_python: Option<String>,
    #[serde(rename = "core-metadata")]
    core_metadata: Option<serde_json::Value>,
    #[serde(rename = "data-dist-info-metadata")]
    data_dist_info_metadata: Option<serde_json::Value>,
    #[serde(rename = "upload-time")]
    upload_time: Option<String>,
    yanked: Option<serde_json::Value>,
    size: Option<u64>,
}

fn core_metadata(value: Option<&serde_json::Value>) -> CoreMetadata {
    match value {
        Some(serde_json::Value::Bool(true)) => CoreMetadata::Present,
        Some(serde_json::Value::Object(map)) => map
            .get("sha256")
            .and_then(serde_json::Value::as_str)
            .map_or(CoreMetadata::Present, |h| {
                CoreMetadata::Sha256(h.to_ascii_lowercase())
            }),
        _ => CoreMetadata::Absent,
    }
}

/// Parses a PEP 691 JSON page; `page_url` resolves relative file URLs.
pub fn parse_project_page(text: &str, page_url: &str) -> Result<ProjectPage, String> {
    let raw: RawPage =
        serde_json::from_str(text).map_err(|e| format!("not a PEP 691 JSON page: {e}"))?;
    let files = raw
        .files
        .into_iter()
        .map(|f| {
            // PEP 714: `core-metadata` is the name; `data-dist-info-metadata` the old one.
            let core = match core_metadata(f.core_metadata.as_ref()) {
                CoreMetadata::Absent => core_metadata(f.data_dist_info_metadata.as_ref()),
                c => c,
            };
            let yanked = match f.yanked {
                Some(serde_json::Value::Bool(true)) => Some(String::new()),
                Some(serde_json::Value::String(s)) => Some(s),
                _ => None,
            };
            IndexFile {
                url: join_url(page_url, &f.url),
                sha256: f.hashes.get("sha256").map(|h| h.to_ascii_lowercase()),
                filename: f.filename,
                requires_python: f.requires_python,
                core_metadata: core,
                upload_time: f.upload_time,
                yanked,
                size: f.size,
            }
        })
        .collect();
    Ok(ProjectPage {
        name: raw.name.unwrap_or_default(),
        files,
    })
}

/// Resolves `href` against `base` (absolute, `//host`, `/path`, or relative; a `#fragment` is
/// dropped).
pub fn join_url(base: &str, href: &str) -> String {
    let href = href.split('#').next().unwrap_or(href);
    if href.starts_with("http://") || href.starts_with("https://") {
        return href.to_owned();
    }
    let (scheme, rest) = base.split_once("://").unwrap_or(("https", base));
    if let Some(h) = href.strip_prefix("//") {
        return format!("{scheme}://{h}");
    }
    let host_end = rest.find('/').unwrap_or(rest.len());
    let host = &rest[..host_end];
    if href.starts_with('/') {
        return format!("{scheme}://{host}{href}");
    }
    let path = &rest[host_end..];
    let dir = path.rfind('/').map_or("/", |i| &path[..=i]);
    let mut parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    for seg in href.split('/') {
        match seg {
            "." | "" => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    let trailing = if href.ends_with('/') { "/" } else { "" };
    format!("{scheme}://{host}/{}{trailing}", parts.join("/"))
}

/// PEP 503 normalised project name (the kb's, shared).
pub use cudoctor_kb::framework::normalize_name;

/// A PEP 427 wheel file name, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WheelName {
    /// Distribution name (as in the file name, `jax_cuda12_plugin`).
    pub name: String,
    /// The version.
    pub version: Version,
    /// Build tag, if any.
    pub build: Option<String>,
    /// Python tags (`cp312`, `py3`).
    pub python: Vec<String>,
    /// ABI tags.
    pub abi: Vec<String>,
    /// Platform tags (`manylinux_2_17_x86_64`, `manylinux2014_x86_64`).
    pub platform: Vec<String>,
}

impl WheelName {
    /// Whether the wheel installs on Linux x86_64 (a `linux_x86_64`-suffixed platform or `any`).
    pub fn is_linux_x86_64(&self) -> bool {
        self.platform
            .iter()
            .any(|p| p == "any" || (p.ends_with("_x86_64") && p.contains("linux")))
    }
    /// Whether it is a pure wheel (`any` platform).
    pub fn is_pure(&self) -> bool {
        self.platform.iter().all(|p| p == "any")
    }
    /// The highest CPython minor among the python tags (`cp312` -> 12), for choosing one wheel.
    pub fn cpython_minor(&self) -> Option<u32> {
        self.python
            .iter()
            .filter_map(|t| t.strip_prefix("cp3").and_then(|m| m.parse().ok()))
            .max()
    }
}

impl FromStr for WheelName {
    type Err = String;
    fn from_str(filename: &str) -> Result<Self, String> {
        let stem = filename
            .strip_suffix(".whl")
            .ok_or_else(|| format!("`{filename}` is not a wheel (no `.whl`)"))?;
        let parts: Vec<&str> = stem.split('-').collect();
        let (name, version, build, py, abi, plat) = match parts.as_slice() {
            [name, ver, py, abi, plat] => (*name, *ver, None, *py, *abi, *plat),
            [name, ver, build, py, abi, plat] => {
                (*name, *ver, Some((*build).to_owned()), *py, *abi, *plat)
            }
            _ => {
                return Err(format!(
                    "`{filename}` is not a PEP 427 wheel name (5 or 6 dash-separated parts)"
                ));
            }
        };
        let version = Version::from_str(version)
            .map_err(|e| format!("`{filename}`: the version `{version}` is not PEP 440: {e}"))?;
        let split = |s: &str| s.split('.').map(str::to_owned).collect::<Vec<_>>();
        Ok(Self {
            name: name.to_owned(),
            version,
            build,
            python: split(py),
            abi: split(abi),
            platform: split(plat),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_real_pep691_entry() {
        // Trimmed from https://pypi.org/simple/jax-cuda12-plugin/ (JSON).
        let text = r#"{"meta":{"_last-serial":1,"api-version":"1.4"},"name":"jax-cuda12-plugin","files":[
          {"core-metadata":{"sha256":"ABC"},"data-dist-info-metadata":{"sha256":"abc"},
           "filename":"jax_cuda12_plugin-0.4.30-cp312-cp312-manylinux2014_x86_64.whl",
           "hashes":{"sha256":"5c0d"},"requires-python":">=3.9","size":10,
           "upload-time":"2024-06-18T17:16:58.162524Z",
           "url":"https://files.pythonhosted.org/packages/a/b/jax_cuda12_plugin-0.4.30-cp312-cp312-manylinux2014_x86_64.whl","yanked":false},
          {"filename":"x-1.0-py3-none-any.whl","url":"../../packages/x-1.0-py3-none-any.whl#sha256=1",
           "hashes":{},"data-dist-info-metadata":true,"yanked":"broken"}]}"#;
        let page = parse_project_page(text, "https://mirror.example/simple/x/").expect("parses");
        assert_eq!(page.name, "jax-cuda12-plugin");
        let f = &page.files[0];
        assert_eq!(f.core_metadata, CoreMetadata::Sha256("abc".into()));
        assert_eq!(f.sha256.as_deref(), Some("5c0d"));
        assert_eq!(f.requires_python.as_deref(), Some(">=3.9"));
        assert_eq!(f.yanked, None);
        let g = &page.files[1];
        assert_eq!(
            g.url,
            "https://mirror.example/packages/x-1.0-py3-none-any.whl"
        );
        assert_eq!(g.core_metadata, CoreMetadata::Present);
        assert_eq!(g.yanked.as_deref(), Some("broken"));
        assert!(parse_project_page("<html>", "https://x/").is_err());
    }

    #[test]
    fn joins_urls() {
        assert_eq!(
            join_url("https://a/simple/p/", "/f/x.whl"),
            "https://a/f/x.whl"
        );
        assert_eq!(
            join_url("https://a/simple/p/", "x.whl"),
            "https://a/simple/p/x.whl"
        );
        assert_eq!(join_url("http://a:8/s/p/", "//b/x"), "http://b/x");
        assert_eq!(join_url("https://a/s/p/", "https://c/x"), "https://c/x");
    }

    #[test]
    fn wheel_names() {
        let w: WheelName =
            "tensorflow-2.9.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
                .parse()
                .expect("parses");
        assert_eq!(w.version.to_string(), "2.9.0");
        assert!(w.is_linux_x86_64());
        assert_eq!(w.cpython_minor(), Some(10));
        let w: WheelName = "torch-2.5.1-cp39-none-macosx_11_0_arm64.whl"
            .parse()
            .expect("parses");
        assert!(!w.is_linux_x86_64());
        let w: WheelName = "jax-0.4.30-py3-none-any.whl".parse().expect("parses");
        assert!(w.is_pure() && w.is_linux_x86_64());
        let w: WheelName = "n-1.0-1b-py3-none-any.whl".parse().expect("parses");
        assert_eq!(w.build.as_deref(), Some("1b"));
        assert!("torch-2.5.1.tar.gz".parse::<WheelName>().is_err());
        assert!("a-b-c.whl".parse::<WheelName>().is_err());
        assert!("a-x.y.z!-py3-none-any.whl".parse::<WheelName>().is_err());
        assert_eq!(normalize_name("Jax_CUDA12.Plugin"), "jax-cuda12-plugin");
    }
}
