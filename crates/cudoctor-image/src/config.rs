//! What an image says about itself (its config, its layers), and the JSON documents read to
//! find them: docker-archive's `manifest.json`, OCI's `index.json`, image indexes and manifests.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What an image is, from its config and manifest: the image's own metadata plus, per layer,
/// what reading it found.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageInfo {
    /// The reference it was opened by, in canonical form.
    pub reference: String,
    /// `docker-archive`, `oci-archive`, `oci`, `docker` (a registry) or `docker-daemon`.
    pub transport: String,
    /// The manifest's digest, where the source gives one.
    pub manifest_digest: Option<String>,
    /// The config's digest (the image ID), where the source gives one.
    pub config_digest: Option<String>,
    /// `linux`.
    pub os: String,
    /// `amd64`, `arm64`, ...
    pub architecture: String,
    /// `v8`, ...
    pub variant: Option<String>,
    /// When the image was built (RFC 3339, as the config says).
    pub created: Option<String>,
    /// The config's `Env`, `K=V` each, in its order.
    pub env: Vec<String>,
    /// The config's `User`.
    pub user: Option<String>,
    /// The config's `Entrypoint`.
    pub entrypoint: Vec<String>,
    /// The config's `Cmd`.
    pub cmd: Vec<String>,
    /// The config's `WorkingDir`.
    pub working_dir: Option<String>,
    /// The config's `Labels`.
    pub labels: BTreeMap<String, String>,
    /// The config's `history`.
    pub history: Vec<History>,
    /// The names the source gives the image ([`crate::Parts::tags`]).
    #[serde(default)]
    pub tags: Vec<String>,
    /// The layers, bottom first.
    pub layers: Vec<LayerInfo>,
    /// The whiteouts applied, at most [`crate::limits::WHITEOUTS_RECORDED`] (a problem says
    /// when more were applied than recorded).
    pub whiteouts: Vec<Whiteout>,
}

impl ImageInfo {
    /// The environment as pairs, in order; an entry without `=` is a name with an empty value.
    pub fn env_pairs(&self) -> Vec<(String, String)> {
        self.env
            .iter()
            .map(|e| match e.split_once('=') {
                Some((k, v)) => (k.to_owned(), v.to_owned()),
                None => (e.clone(), String::new()),
            })
            .collect()
    }
}

/// One entry of the config's `history`.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct History {
    /// When.
    pub created: Option<String>,
    /// The command (`/bin/sh -c #(nop) COPY ...`, `RUN ...`).
    pub created_by: Option<String>,
    /// A comment.
    pub comment: Option<String>,
    /// Whether this step made no layer.
    pub empty_layer: bool,
}

/// One layer, as the manifest describes it and as reading it found it.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct LayerInfo {
    /// Its position, bottom first (what [`crate::Stat::layer`] says).
    pub index: u32,
    /// The blob's digest (`sha256:...`); for a docker-archive without digests, the member name.
    pub digest: String,
    /// The config's `rootfs.diff_ids` entry (digest of the uncompressed tar).
    pub diff_id: Option<String>,
    /// The descriptor's media type, where there is one.
    pub media_type: Option<String>,
    /// Bytes of the blob as stored.
    pub size: u64,
    /// `none`, `gzip` or `zstd`, from the blob's first bytes.
    pub compression: String,
    /// The `created_by` of the history entry that made it (the matching non-empty one).
    pub created_by: Option<String>,
    /// Members applied (files, directories, links, devices).
    pub files: u64,
    /// Whiteouts (plain and opaque) applied.
    pub whiteouts: u64,
}

/// A whiteout applied: `path` removed by layer `layer`.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct Whiteout {
    /// The path removed (for an opaque whiteout, the directory emptied).
    pub path: String,
    /// The layer holding the whiteout.
    pub layer: u32,
    /// The layer that had written what was removed (`None` when nothing was there, or for an
    /// opaque whiteout over children of several layers).
    pub hid_layer: Option<u32>,
}

// ----- JSON documents -----

/// One entry of a docker-archive's `manifest.json`.
#[derive(Deserialize, Debug, Clone)]
pub(crate) struct DockerManifestEntry {
    #[serde(rename = "Config")]
    pub(crate) config: String,
    #[serde(rename = "RepoTags", default, deserialize_with = "null_default")]
    pub(crate) repo_tags: Vec<String>,
    #[serde(rename = "Layers", default, deserialize_with = "null_default")]
    pub(crate) layers: Vec<String>,
}

/// An OCI descriptor.
#[derive(Deserialize, Debug, Clone, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Descriptor {
    #[serde(default)]
    pub(crate) media_type: Option<String>,
    pub(crate) digest: String,
    #[serde(default)]
    pub(crate) size: Option<u64>,
    #[serde(default)]
    pub(crate) platform: Option<Platform>,
    #[serde(default, deserialize_with = "null_default")]
    pub(crate) annotations: BTreeMap<String, String>,
}

/// A descriptor's platform.
#[derive(Deserialize, Debug, Clone, Default)]
pub(crate) struct Platform {
    #[serde(default)]
    pub(crate) os: String,
    #[serde(default)]
    pub(crate) architecture: String,
    #[serde(default)]
    pub(crate) variant: Option<String>,
}

/// An OCI image index / docker manifest list / `index.json`.
#[derive(Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Index {
    #[serde(default, deserialize_with = "null_default")]
    pub(crate) manifests: Vec<Descriptor>,
}

/// An OCI image manifest / docker schema 2 manifest.
#[derive(Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Manifest {
    #[serde(default)]
    pub(crate) media_type: Option<String>,
    pub(crate) config: Descriptor,
    #[serde(default, deserialize_with = "null_default")]
    pub(crate) layers: Vec<Descriptor>,
}

/// The parts of an image config used.
#[derive(Deserialize, Debug, Clone, Default)]
#[allow(clippy::struct_field_names)] // `config` is the JSON's own key
pub(crate) struct Config {
    #[serde(default)]
    pub(crate) architecture: String,
    #[serde(default)]
    pub(crate) os: String,
    #[serde(default)]
    pub(crate) variant: Option<String>,
    #[serde(default)]
    pub(crate) created: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub(crate) config: RunConfig,
    #[serde(default, deserialize_with = "null_default")]
    pub(crate) rootfs: RootFs,
    #[serde(default, deserialize_with = "null_default")]
    pub(crate) history: Vec<HistoryJson>,
}

#[derive(Deserialize, Debug, Clone, Default)]
pub(crate) struct RunConfig {
    #[serde(rename = "Env", default, deserialize_with = "null_default")]
    pub(crate) env: Vec<String>,
    #[serde(rename = "User", default)]
    pub(crate) user: Option<String>,
    #[serde(rename = "Entrypoint", default, deserialize_with = "null_default")]
    pub(crate) entrypoint: Vec<String>,
    #[serde(rename = "Cmd", default, deserialize_with = "null_default")]
    pub(crate) cmd: Vec<String>,
    #[serde(rename = "WorkingDir", default)]
    pub(crate) working_dir: Option<String>,
    #[serde(rename = "Labels", default, deserialize_with = "null_default")]
    pub(crate) labels: BTreeMap<String, String>,
}

#[derive(Deserialize, Debug, Clone, Default)]
pub(crate) struct RootFs {
    #[serde(default, deserialize_with = "null_default")]
    pub(crate) diff_ids: Vec<String>,
}

#[derive(Deserialize, Debug, Clone, Default)]
pub(crate) struct HistoryJson {
    #[serde(default)]
    pub(crate) created: Option<String>,
    #[serde(default)]
    pub(crate) created_by: Option<String>,
    #[serde(default)]
    pub(crate) comment: Option<String>,
    #[serde(default)]
    pub(crate) empty_layer: bool,
}

/// `null` read as the type's default (configs write `"Env": null`).
fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Parses JSON, naming the field path on failure (`config.Env[2]: invalid type ...`).
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        if path == "." || path.is_empty() {
            e.into_inner().to_string()
        } else {
            format!("at `{path}`: {}", e.into_inner())
        }
    })
}

impl ImageInfo {
    /// The info a config gives (layers and whiteouts are filled in while reading).
    pub(crate) fn from_config(c: &Config) -> ImageInfo {
        let user = c.config.user.clone().filter(|u| !u.is_empty());
        let working_dir = c.config.working_dir.clone().filter(|u| !u.is_empty());
        ImageInfo {
            os: c.os.clone(),
            architecture: c.architecture.clone(),
            variant: c.variant.clone(),
            created: c.created.clone(),
            env: c.config.env.clone(),
            user,
            entrypoint: c.config.entrypoint.clone(),
            cmd: c.config.cmd.clone(),
            working_dir,
            labels: c.config.labels.clone(),
            history: c
                .history
                .iter()
                .map(|h| History {
                    created: h.created.clone(),
                    created_by: h.created_by.clone(),
                    comment: h.comment.clone(),
                    empty_layer: h.empty_layer,
                })
                .collect(),
            ..ImageInfo::default()
        }
    }

    /// The `created_by` of the history entry that made layer `index` (counting only entries
    /// that are not `empty_layer`).
    pub(crate) fn created_by_for_layer(&self, index: usize) -> Option<String> {
        self.history
            .iter()
            .filter(|h| !h.empty_layer)
            .nth(index)
            .and_then(|h| h.created_by.clone())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn config_with_nulls_and_history() {
        let c: Config = parse_json(
            br#"{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/bin","X"],"Cmd":null,"Labels":null,"User":""},
            "rootfs":{"type":"layers","diff_ids":["sha256:aa"]},
            "history":[{"created_by":"ENV X","empty_layer":true},{"created_by":"COPY . /"}]}"#,
        )
        .unwrap();
        let info = ImageInfo::from_config(&c);
        assert_eq!(
            info.env_pairs(),
            vec![
                ("PATH".to_owned(), "/usr/bin".to_owned()),
                ("X".to_owned(), String::new())
            ]
        );
        assert_eq!(info.user, None);
        assert_eq!(info.created_by_for_layer(0).as_deref(), Some("COPY . /"));
        assert_eq!(c.rootfs.diff_ids, vec!["sha256:aa".to_owned()]);
    }

    #[test]
    fn bad_json_names_the_field() {
        let e = parse_json::<Config>(br#"{"config":{"Env":[1]}}"#).unwrap_err();
        assert!(e.contains("config.Env[0]"), "{e}");
    }
}
