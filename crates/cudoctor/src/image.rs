//! `--image REF`: a container image as the source of facts. The reference is read in skopeo's
//! forms (`docker-archive:`, `oci-archive:`, `oci:`, `docker://`, a path, `-`, or a bare
//! `NAME:TAG` looked up in a local Docker or Podman engine, then in its registry), its layers
//! are applied into a tree in memory (`cudoctor-image`), and that tree is probed like any root
//! (`cudoctor_probe::Root::virtual_tree`). The driver and GPUs are the host's that will run it:
//! this machine's, or those of a snapshot given with `--host FILE`.

use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use cudoctor_image::{Blob, Image, OpenOptions, Parts, Reference};
use cudoctor_probe::snapshot::{
    FileProvenance, ImageFacts, ImageHistory, ImageLayer, ImageWhiteout, Snapshot,
};
use cudoctor_probe::{
    Collectors, Probe, ProbeOptions, Root, VirtualContent, VirtualKind, VirtualLookupError,
    VirtualStat, VirtualTree,
};
use cudoctor_registry::{Client, Options as RegistryOptions, RegistryRef};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::SourceArgs;
use crate::error;

/// The image's tree, as the probe's [`VirtualTree`].
#[derive(Debug)]
struct ImageTree(cudoctor_image::Tree);

impl VirtualTree for ImageTree {
    fn lookup(&self, path: &Path, follow_last: bool) -> Result<u32, VirtualLookupError> {
        use cudoctor_image::TreeError;
        self.0.lookup(path, follow_last).map_err(|e| match e {
            TreeError::NotFound { .. } => VirtualLookupError::NotFound,
            TreeError::NotADirectory { .. } => VirtualLookupError::NotADirectory,
            TreeError::Loop { .. } => VirtualLookupError::Loop,
        })
    }

    fn stat(&self, node: u32) -> VirtualStat {
        use cudoctor_image::NodeKind;
        let s = self.0.stat(node);
        VirtualStat {
            kind: match s.kind {
                NodeKind::Dir => VirtualKind::Dir,
                NodeKind::File => VirtualKind::File,
                NodeKind::Symlink => VirtualKind::Symlink,
                NodeKind::CharDevice => VirtualKind::CharDevice,
                NodeKind::BlockDevice => VirtualKind::BlockDevice,
                NodeKind::Fifo => VirtualKind::Fifo,
            },
            size: s.size,
            mode: s.mode,
            layer: Some(s.layer),
            replaced_layer: s.replaced_layer,
        }
    }

    fn path_of(&self, node: u32) -> PathBuf {
        self.0.path_of(node)
    }

    fn read_link(&self, node: u32) -> Option<PathBuf> {
        self.0.read_link(node).map(Path::to_path_buf)
    }

    fn children(&self, node: u32) -> Vec<OsString> {
        self.0.children(node).into_iter().map(|(n, _)| n).collect()
    }

    fn content(&self, node: u32) -> Option<VirtualContent> {
        self.0.content(node).map(|c| VirtualContent {
            file: c.file,
            offset: c.offset,
            len: c.len,
        })
    }
}

/// A progress bar on stderr, drawn only when stderr is a terminal.
fn progress_bar(message: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} {bytes}/{total_bytes} ({bytes_per_sec})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(message.to_owned());
    bar
}

/// Opens the image `args.image` names, as a probe of its tree.
pub fn open(args: &SourceArgs, reference: &str) -> anyhow::Result<Probe> {
    let parsed = Reference::parse(reference)
        .map_err(|e| error::hinted(format!("`--image {reference}`: {e}"), IMAGE_FORMS))?;
    let bar = progress_bar("reading layers");
    let on_progress = |p: cudoctor_image::Progress| {
        if let Some(total) = p.total {
            bar.set_length(total);
        }
        bar.set_position(p.bytes);
        bar.set_message(format!("layer {}/{}", p.layer + 1, p.layers));
    };
    let opts = OpenOptions {
        platform: args.platform.clone(),
        progress: Some(&on_progress),
        verify_digests: false,
    };
    let (image, tags, notes) = match &parsed {
        Reference::Registry { .. } => {
            let (image, tags) = from_registry(args, &parsed, &opts)?;
            (image, tags, Vec::new())
        }
        Reference::Engine { name } => from_engine(args, name, &opts)?,
        _ => {
            let image = cudoctor_image::open(&parsed, &opts)
                .with_context(|| format!("cannot read the image `{parsed}`"))?;
            (image, Vec::new(), Vec::new())
        }
    };
    bar.finish_and_clear();
    let mut facts = image_facts(&image, tags);
    facts.problems.extend(notes);
    let env = image.info.env_pairs();
    let label = image.info.reference.clone();
    let root = Root::virtual_tree(label, Arc::new(ImageTree(image.tree)));
    Ok(Probe::image(root, env, facts))
}

/// What `--image` takes, for hints.
const IMAGE_FORMS: &str = "give a `docker save` or OCI archive or an OCI layout directory (a path, or `docker-archive:PATH`, `oci-archive:PATH[:REF]`, `oci:DIR[:REF]`), `-` for a `docker save` stream on stdin, `docker://HOST/REPO:TAG`, or `NAME:TAG` of an image in the local Docker or Podman engine";

fn registry_client(args: &SourceArgs) -> Client {
    let mut opts = RegistryOptions::from_env();
    opts.platform.clone_from(&args.platform);
    opts.insecure.clone_from(&args.insecure_registry);
    Client::new(opts)
}

/// `docker://...`: the manifest and config, and with `--layers` every layer (cached by digest).
fn from_registry(
    args: &SourceArgs,
    reference: &Reference,
    opts: &OpenOptions<'_>,
) -> anyhow::Result<(Image, Vec<String>)> {
    let Reference::Registry {
        host,
        repository,
        tag,
        digest,
    } = reference
    else {
        unreachable!("from_registry takes a registry reference");
    };
    let r = RegistryRef {
        host: host.clone(),
        repository: repository.clone(),
        tag: tag.clone(),
        digest: digest.clone(),
    };
    let client = registry_client(args);
    let fetched = client
        .fetch_config(&r)
        .with_context(|| format!("cannot read the image `{reference}` from its registry"))?;
    let mut layers = Vec::new();
    if args.layers {
        for (i, layer) in fetched.layers.iter().enumerate() {
            let path = client.fetch_layer(&r, layer).with_context(|| {
                format!(
                    "cannot fetch layer {i} (`{}`) of `{reference}`",
                    layer.digest
                )
            })?;
            let file = File::open(&path)
                .with_context(|| format!("cannot open the cached blob `{}`", path.display()))?;
            layers.push(Blob {
                file: Arc::new(file),
                offset: 0,
                len: layer.size,
                digest: Some(layer.digest.clone()),
                media_type: Some(layer.media_type.clone()),
            });
        }
    }
    let parts = Parts {
        reference: fetched.reference.clone(),
        transport: "docker".to_owned(),
        manifest_digest: Some(fetched.manifest_digest.clone()),
        config: fetched.config.clone(),
        config_digest: Some(fetched.config_digest.clone()),
        layers,
        tags: vec![fetched.reference.clone()],
    };
    let mut image = cudoctor_image::from_parts(parts, opts)
        .with_context(|| format!("cannot read the image `{reference}`"))?;
    if !args.layers {
        image.problems.push(format!(
            "only the config of `{reference}` was read: its files are not known (add `--layers` to read its {} layers)",
            fetched.layers.len()
        ));
    }
    Ok((image, Vec::new()))
}

/// `NAME:TAG`: the local engine's copy (`docker save` through its API socket), else the
/// registry's, with a note saying so.
fn from_engine(
    args: &SourceArgs,
    name: &str,
    opts: &OpenOptions<'_>,
) -> anyhow::Result<(Image, Vec<String>, Vec<String>)> {
    let env = |k: &str| std::env::var(k).ok();
    let sockets = cudoctor_registry::engine_socket(&env);
    let fallback = |why: String| -> anyhow::Result<(Image, Vec<String>, Vec<String>)> {
        let registry = Reference::parse(&format!("docker://{name}"))
            .map_err(|e| error::hinted(format!("`--image {name}`: {e}"), IMAGE_FORMS))?;
        let (image, tags) = from_registry(args, &registry, opts)?;
        Ok((
            image,
            tags,
            vec![format!(
                "{why}; read `{registry}` from its registry instead"
            )],
        ))
    };
    let Ok(socket) = cudoctor_registry::first_engine(&sockets) else {
        let tried: Vec<String> = sockets
            .iter()
            .map(|p| format!("`{}`", p.display()))
            .collect();
        return fallback(format!(
            "no Docker or Podman engine answered (tried {})",
            tried.join(", ")
        ));
    };
    match cudoctor_registry::engine_inspect(&socket, name) {
        Ok(Some(_)) => {}
        Ok(None) => {
            return fallback(format!(
                "the engine at `{}` has no image `{name}`",
                socket.display()
            ));
        }
        Err(e) => {
            return Err(e).context(format!("cannot ask the engine at `{}`", socket.display()));
        }
    }
    let bar = progress_bar("docker save");
    let progress = |bytes: u64, total: Option<u64>| {
        if let Some(t) = total {
            bar.set_length(t);
        }
        bar.set_position(bytes);
    };
    let file =
        cudoctor_registry::engine_save(&socket, name, Some(&progress)).with_context(|| {
            format!(
                "cannot save `{name}` from the engine at `{}`",
                socket.display()
            )
        })?;
    bar.finish_and_clear();
    let mut image = cudoctor_image::open_docker_archive_file(file, name, opts)
        .with_context(|| format!("cannot read the image `{name}` saved by the engine"))?;
    "docker-daemon".clone_into(&mut image.info.transport);
    image.info.reference = format!("docker-daemon:{name}");
    Ok((image, vec![name.to_owned()], Vec::new()))
}

/// The snapshot's image section from what the image says about itself.
fn image_facts(image: &Image, mut tags: Vec<String>) -> ImageFacts {
    let info = &image.info;
    for t in &info.tags {
        if !tags.contains(t) {
            tags.push(t.clone());
        }
    }
    let platform = match &info.variant {
        Some(v) => format!("{}/{}/{v}", info.os, info.architecture),
        None => format!("{}/{}", info.os, info.architecture),
    };
    ImageFacts {
        reference: info.reference.clone(),
        transport: info.transport.clone(),
        manifest_digest: info.manifest_digest.clone(),
        config_digest: info.config_digest.clone(),
        platform,
        created: info.created.clone(),
        age_days: info.created.as_deref().and_then(age_days),
        tags,
        env: info.env.clone(),
        user: info.user.clone(),
        entrypoint: info.entrypoint.clone(),
        cmd: info.cmd.clone(),
        labels: info.labels.clone(),
        history: info
            .history
            .iter()
            .map(|h| ImageHistory {
                created: h.created.clone(),
                created_by: h.created_by.clone(),
                empty_layer: h.empty_layer,
            })
            .collect(),
        layers: info
            .layers
            .iter()
            .map(|l| ImageLayer {
                index: l.index,
                digest: Some(l.digest.clone()),
                compression: l.compression.clone(),
                size: l.size,
                created_by: l.created_by.clone(),
            })
            .collect(),
        whiteouts: info
            .whiteouts
            .iter()
            .map(|w| ImageWhiteout {
                path: w.path.clone(),
                layer: w.layer,
                hid_layer: w.hid_layer,
            })
            .collect(),
        provenance: Vec::<FileProvenance>::new(),
        problems: image.problems.clone(),
        host: String::new(),
    }
}

/// Whole days from an RFC 3339 time (`2022-05-16T20:48:33.123Z`) to now; `None` when it does
/// not parse or lies in the future.
fn age_days(created: &str) -> Option<u64> {
    let date = created.get(..10)?;
    let mut parts = date.split('-').map(str::parse::<i64>);
    let (y, m, d) = (
        parts.next()?.ok()?,
        parts.next()?.ok()?,
        parts.next()?.ok()?,
    );
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let then = cudoctor_watch::csv::days_from_civil(y, m, d);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs()
        / 86_400;
    u64::try_from(i64::try_from(now).ok()? - then).ok()
}

/// Puts the host that will run the image into its snapshot: the driver, the GPUs, the device
/// nodes, the live driver answers and the Docker side (`daemon.json`, the NVIDIA container
/// tools) come from `host` (a snapshot read from `--host FILE`, with how to name it), or from
/// this machine. What the image holds itself (its libraries, its `libcuda` if it wrongly ships
/// one) stays as probed.
pub fn add_host(snapshot: &mut Snapshot, host: Option<(Snapshot, String)>) {
    let (host, label) = host.unwrap_or_else(|| {
        let snap = match Probe::open(&ProbeOptions::host()) {
            Ok(p) => p.snapshot(Collectors::default()),
            Err(s) => *s,
        };
        (snap, "this machine".to_owned())
    });
    snapshot.driver = host.driver;
    snapshot.gpus = host.gpus;
    snapshot.device_nodes = host.device_nodes;
    snapshot.live = host.live;
    snapshot.container.docker_daemon = host.container.docker_daemon;
    snapshot.container.nvidia_container_tools = host.container.nvidia_container_tools;
    snapshot.container.nvidia_container_runtime_config =
        host.container.nvidia_container_runtime_config;
    if let Some(image) = &mut snapshot.image {
        image.host = label;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_ages_count_days_like_the_calendar() {
        assert!(age_days("2999-01-01T00:00:00Z").is_none());
        assert!(age_days("not a date").is_none());
        assert!(age_days("2020-01-01T00:00:00Z").is_some_and(|d| d > 365));
    }
}
