//! Manifests and indexes as this crate reads them (the OCI image spec's `manifest.md` and
//! `image-index.md`, and Docker's v2 schema 2 and manifest list, which have the same shape),
//! and choosing a platform's manifest out of an index. Pure functions over bytes.

use serde::Deserialize;

/// OCI image manifest.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// OCI image index.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// Docker image manifest, v2 schema 2.
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// Docker manifest list.
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";

/// The `Accept` header of a manifest request: the four types above.
pub const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json";

/// One layer of an image manifest.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct LayerDescriptor {
    /// `sha256:…` of the blob (as stored: usually compressed).
    pub digest: String,
    /// Its media type (`application/vnd.oci.image.layer.v1.tar+gzip`, …).
    #[serde(rename = "mediaType")]
    pub media_type: String,
    /// Its size in bytes.
    pub size: u64,
}

/// A descriptor as manifests and indexes hold them.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Descriptor {
    pub digest: String,
    pub size: u64,
    #[serde(default)]
    pub platform: Option<Platform>,
}

/// An image manifest's fields this crate uses.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ImageManifest {
    #[serde(rename = "schemaVersion")]
    pub schema_version: u32,
    #[serde(rename = "mediaType", default)]
    pub media_type: Option<String>,
    pub config: Descriptor,
    pub layers: Vec<LayerDescriptor>,
}

/// An index's fields this crate uses.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Index {
    pub manifests: Vec<Descriptor>,
}

/// A platform as an index states it (and as [`crate::Options::platform`] asks for it).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Platform {
    /// `linux`.
    pub os: String,
    /// `amd64`, `arm64`, …
    pub architecture: String,
    /// `v8`, `v7`, …
    #[serde(default)]
    pub variant: Option<String>,
}

impl Platform {
    /// Parses `os/arch[/variant]`.
    pub fn parse(s: &str) -> Option<Self> {
        let mut it = s.trim().split('/');
        let os = it.next().filter(|x| !x.is_empty())?;
        let architecture = it.next().filter(|x| !x.is_empty())?;
        let variant = it.next().map(str::to_owned);
        if it.next().is_some() || variant.as_deref() == Some("") {
            return None;
        }
        Some(Self {
            os: os.to_owned(),
            architecture: architecture.to_owned(),
            variant,
        })
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// What a manifest's bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Image,
    Index,
}

/// The kind of a manifest from its media type: the `Content-Type` header, else the document's
/// own `mediaType`, else (an OCI manifest may omit it) whether it has `manifests` or `config`.
pub(crate) fn kind_of(content_type: Option<&str>, bytes: &[u8]) -> Result<(Kind, String), String> {
    #[derive(Deserialize)]
    struct Peek {
        #[serde(rename = "mediaType", default)]
        media_type: Option<String>,
        #[serde(default)]
        manifests: Option<serde_json::Value>,
        #[serde(default)]
        config: Option<serde_json::Value>,
    }
    let header = content_type
        .map(|c| c.split(';').next().unwrap_or(c).trim().to_owned())
        .filter(|c| !c.is_empty() && c != "application/json" && c != "text/plain");
    let peek: Option<Peek> = serde_json::from_slice(bytes).ok();
    let media_type = header
        .or_else(|| peek.as_ref().and_then(|p| p.media_type.clone()))
        .or_else(|| {
            peek.as_ref().and_then(|p| {
                if p.manifests.is_some() {
                    Some(OCI_INDEX.to_owned())
                } else if p.config.is_some() {
                    Some(OCI_MANIFEST.to_owned())
                } else {
                    None
                }
            })
        })
        .unwrap_or_default();
    match media_type.as_str() {
        OCI_MANIFEST | DOCKER_MANIFEST => Ok((Kind::Image, media_type)),
        OCI_INDEX | DOCKER_LIST => Ok((Kind::Index, media_type)),
        _ => Err(media_type),
    }
}

/// Deserializes JSON, naming the field path on failure (`layers[0].size`, `.` for the root).
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
) -> Result<T, (String, String)> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        (path, e.into_inner().to_string())
    })
}

/// The manifest of `wanted` in an index: same `os` and `architecture`; when a variant is asked
/// for, the same variant (`arm64` counts no variant as `v8`); when none is asked for, an entry
/// without a variant first, else the first. Entries without a platform, or with
/// `unknown/unknown` (BuildKit's attestation manifests), are never chosen.
/// `Err` lists the platforms the index has.
pub(crate) fn pick_platform<'a>(
    index: &'a Index,
    wanted: &Platform,
) -> Result<&'a Descriptor, Vec<String>> {
    let norm = |p: &Platform| -> Option<String> {
        match (p.architecture.as_str(), p.variant.as_deref()) {
            ("arm64", None) => Some("v8".to_owned()),
            (_, v) => v.map(str::to_owned),
        }
    };
    let mut candidates = index.manifests.iter().filter(|d| {
        d.platform
            .as_ref()
            .is_some_and(|p| p.os == wanted.os && p.architecture == wanted.architecture)
    });
    let chosen = if wanted.variant.is_some() {
        let want = norm(wanted);
        candidates.find(|d| d.platform.as_ref().is_some_and(|p| norm(p) == want))
    } else {
        let all: Vec<&Descriptor> = candidates.collect();
        all.iter()
            .find(|d| d.platform.as_ref().is_some_and(|p| p.variant.is_none()))
            .or_else(|| all.first())
            .copied()
    };
    chosen.ok_or_else(|| {
        index
            .manifests
            .iter()
            .filter_map(|d| d.platform.as_ref())
            .filter(|p| p.os != "unknown")
            .map(ToString::to_string)
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shaped like `nvidia/cuda:12.4.1-base-ubuntu22.04`'s manifest list on Docker Hub (digests
    /// shortened to valid fakes), with a BuildKit attestation entry added.
    const LIST: &str = r#"{
      "schemaVersion": 2,
      "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
      "manifests": [
        {"mediaType": "application/vnd.docker.distribution.manifest.v2+json", "size": 1575,
         "digest": "sha256:1111111111111111111111111111111111111111111111111111111111111111",
         "platform": {"architecture": "amd64", "os": "linux"}},
        {"mediaType": "application/vnd.docker.distribution.manifest.v2+json", "size": 1575,
         "digest": "sha256:2222222222222222222222222222222222222222222222222222222222222222",
         "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"}},
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 566,
         "digest": "sha256:3333333333333333333333333333333333333333333333333333333333333333",
         "platform": {"architecture": "unknown", "os": "unknown"}}
      ]
    }"#;

    fn pick(p: &str) -> Result<String, Vec<String>> {
        let index: Index = from_json(LIST.as_bytes()).expect("index");
        pick_platform(&index, &Platform::parse(p).expect("platform"))
            .map(|d| d.digest[7..11].to_owned())
    }

    #[test]
    fn picks_by_platform() {
        assert_eq!(pick("linux/amd64"), Ok("1111".into()));
        assert_eq!(pick("linux/arm64"), Ok("2222".into()));
        assert_eq!(pick("linux/arm64/v8"), Ok("2222".into()));
        assert_eq!(
            pick("linux/ppc64le"),
            Err(vec!["linux/amd64".into(), "linux/arm64/v8".into()])
        );
        assert_eq!(
            pick("linux/amd64/v3"),
            Err(vec!["linux/amd64".into(), "linux/arm64/v8".into()])
        );
    }

    #[test]
    fn kinds() {
        assert_eq!(kind_of(None, LIST.as_bytes()).map(|k| k.0), Ok(Kind::Index));
        assert_eq!(
            kind_of(Some("application/vnd.oci.image.manifest.v1+json"), b"{}").map(|k| k.0),
            Ok(Kind::Image)
        );
        // An OCI manifest without mediaType, served as application/json.
        assert_eq!(
            kind_of(
                Some("application/json"),
                br#"{"schemaVersion":2,"config":{}}"#
            )
            .map(|k| k.0),
            Ok(Kind::Image)
        );
        assert_eq!(
            kind_of(
                Some("application/vnd.docker.distribution.manifest.v1+prettyjws"),
                b"{}"
            ),
            Err("application/vnd.docker.distribution.manifest.v1+prettyjws".into())
        );
    }

    #[test]
    fn json_errors_name_the_field() {
        let bad = br#"{"schemaVersion":2,"config":{"digest":"sha256:x","size":1},"layers":[{"digest":"d","mediaType":"m","size":"big"}]}"#;
        let (path, reason) = from_json::<ImageManifest>(bad).expect_err("bad size");
        assert_eq!(path, "layers[0].size");
        assert!(reason.contains("invalid type"), "{reason}");
    }

    #[test]
    fn platforms_parse() {
        assert_eq!(
            Platform::parse("linux/arm64/v8").map(|p| p.to_string()),
            Some("linux/arm64/v8".into())
        );
        for bad in ["linux", "linux/", "/amd64", "a/b/c/d", "a/b/"] {
            assert_eq!(Platform::parse(bad), None, "{bad}");
        }
    }
}
