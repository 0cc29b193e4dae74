//! Container images (`--image`): the source's best practices (S15) as findings, and where in the
//! layers a CUDA or cuDNN file was replaced or deleted (S14, a custom image whose cuDNN was
//! replaced). Only for snapshots with an `image` section; silent otherwise.

use cudoctor_facts::snapshot::ImageFacts;
use cudoctor_i18n::msg;

use super::Ctx;
use crate::finding::{Finding, Severity};

/// Docker's own advice on pinning base images.
const DOCKER_PIN: &str =
    "https://docs.docker.com/build/building/best-practices/#pin-base-image-versions";
/// Docker's advice on `USER`.
const DOCKER_USER: &str = "https://docs.docker.com/build/building/best-practices/#user";
/// Docker's advice on rebuilding images often.
const DOCKER_REBUILD: &str =
    "https://docs.docker.com/build/building/best-practices/#rebuild-your-images-often";
/// The OCI annotation naming an image's base.
const OCI_BASE_NAME: &str = "org.opencontainers.image.base.name";
/// Images older than this many days are reported (`info`).
pub(crate) const IMAGE_AGE_DAYS: u64 = 180;

/// A tag that moves: `latest`, `latest-gpu`, `gpu-latest`, a bare major (`2`, `12-gpu`), or
/// none at all (which means `latest`). A digest never moves.
fn floating(name: &str) -> Option<String> {
    if name.contains("@sha256:") {
        return None;
    }
    // The tag is after the last `:` that follows the last `/` (a registry port is not a tag).
    let last = name.rsplit('/').next().unwrap_or(name);
    let Some((_, tag)) = last.rsplit_once(':') else {
        return Some("no tag, which means `latest`".to_owned());
    };
    if tag == "latest" || tag.starts_with("latest-") || tag.ends_with("-latest") {
        return Some(format!("`{tag}` names whatever was pushed last"));
    }
    let major = tag.split(['-', '_']).next().unwrap_or(tag);
    if !major.is_empty() && major.bytes().all(|b| b.is_ascii_digit()) {
        return Some(format!(
            "`{tag}` names only a major version, which moves with every release"
        ));
    }
    None
}

fn layer_name(image: &ImageFacts, layer: u32) -> String {
    match image
        .layers
        .get(layer as usize)
        .and_then(|l| l.created_by.as_deref())
    {
        Some(by) => format!("layer {layer} (`{}`)", shorten(by)),
        None => format!("layer {layer}"),
    }
}

/// A history line, shortened for a title (`/bin/sh -c #(nop) ` dropped, 80 characters).
fn shorten(created_by: &str) -> String {
    let s = created_by
        .trim()
        .trim_start_matches("/bin/sh -c ")
        .trim_start_matches("#(nop) ")
        .trim();
    let mut out: String = s.chars().take(80).collect();
    if s.chars().count() > 80 {
        out.push_str("...");
    }
    out
}

/// `image-floating-tag`: the image, or its recorded base, is named by a tag that moves.
pub(crate) fn image_floating_tag(ctx: &Ctx<'_>) -> Vec<Finding> {
    let Some(image) = &ctx.snap.image else {
        return Vec::new();
    };
    let mut names: Vec<(String, String)> = image
        .tags
        .iter()
        .map(|t| (t.clone(), "the image's own name".to_owned()))
        .collect();
    if let Some(base) = image.labels.get(OCI_BASE_NAME) {
        names.push((
            base.clone(),
            format!("label `{OCI_BASE_NAME}` (its base image)"),
        ));
    }
    for h in &image.history {
        let Some(by) = h.created_by.as_deref() else {
            continue;
        };
        // BuildKit and buildah record no FROM line; some tools do (`FROM x:y` or `# FROM`).
        if let Some(rest) = by.split("FROM ").nth(1) {
            if let Some(name) = rest.split_whitespace().next() {
                names.push((
                    name.to_owned(),
                    "a `FROM` line in the image history".to_owned(),
                ));
            }
        }
    }
    let mut out = Vec::new();
    for (i, (name, where_)) in names.into_iter().enumerate() {
        // An OCI layout's `org.opencontainers.image.ref.name` is usually a bare tag (`2.9.0-gpu`).
        let bare_tag = i < image.tags.len() && !name.contains(':') && !name.contains('/');
        let judged = if bare_tag {
            format!(":{name}")
        } else {
            name.clone()
        };
        let Some(why) = floating(&judged) else {
            continue;
        };
        out.push(
            Finding::titled(
                "image-floating-tag",
                Severity::Warning,
                msg!("image-floating-tag-title", name = name.clone()),
            )
            .explain_msg(msg!("image-floating-tag-explain", why = why.clone()))
            .evidence("name", name.clone(), where_)
            .fix_msg(msg!("image-floating-tag-fix"))
            .source(DOCKER_PIN),
        );
    }
    out
}

/// `image-runs-as-root`: the config sets no `User` (or root).
pub(crate) fn image_runs_as_root(ctx: &Ctx<'_>) -> Vec<Finding> {
    let Some(image) = &ctx.snap.image else {
        return Vec::new();
    };
    let user = image.user.as_deref().unwrap_or("").trim();
    let name = user.split(':').next().unwrap_or("");
    if !(name.is_empty() || name == "root" || name == "0") {
        return Vec::new();
    }
    vec![
        Finding::titled(
            "image-runs-as-root",
            Severity::Info,
            msg!("image-runs-as-root-title"),
        )
        .explain_msg(msg!("image-runs-as-root-explain"))
        .evidence(
            "User",
            if user.is_empty() {
                "(not set)".to_owned()
            } else {
                user.to_owned()
            },
            format!("the config of `{}`", image.reference),
        )
        .fix_msg(msg!("image-runs-as-root-fix"))
        .source(DOCKER_USER),
    ]
}

/// `image-old`: the image was built more than [`IMAGE_AGE_DAYS`] days before the probe.
pub(crate) fn image_old(ctx: &Ctx<'_>) -> Vec<Finding> {
    let Some(image) = &ctx.snap.image else {
        return Vec::new();
    };
    let Some(days) = image.age_days else {
        return Vec::new();
    };
    if days <= IMAGE_AGE_DAYS {
        return Vec::new();
    }
    vec![
        Finding::titled(
            "image-old",
            Severity::Info,
            msg!("image-old-title", days = days.to_string()),
        )
        .explain_msg(msg!(
            "image-old-explain",
            image_age_days = IMAGE_AGE_DAYS.to_string()
        ))
        .evidence(
            "created",
            image.created.clone().unwrap_or_default(),
            format!("the config of `{}`", image.reference),
        )
        .fix_msg(msg!("image-old-fix"))
        .source(DOCKER_REBUILD),
    ]
}

/// Whether a path is a CUDA, cuDNN or driver library or header the stack depends on.
fn is_stack_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    [
        "libcudnn",
        "libcuda",
        "libcublas",
        "libcudart",
        "libnvrtc",
        "libcufft",
        "libcurand",
        "libcusolver",
        "libcusparse",
        "libnccl",
        "libnvinfer",
        "cudnn_version.h",
        "cudnn.h",
    ]
    .iter()
    .any(|p| name.starts_with(p))
}

/// A `history` line that installs CUDA or cuDNN packages (`apt-get install libcudnn8=...`,
/// `pip install nvidia-cudnn-cu11`, `conda install cudnn`) when a lower layer already holds that
/// library: a second copy, or one over the base's (S6, S14). Installing cuDNN over a CUDA base is
/// how the official images are built, so only the same library counts. Package names follow
/// NVIDIA's (Debian/RPM `libcudnn8`, `cuda-cudart-11-2`, `libcublas-11-2`, `libnccl2`; pip
/// `nvidia-cudnn-cu11`, `nvidia-cublas-cu12`; conda `cudnn`, `cudatoolkit`), each with the file
/// names it installs.
fn installs_over_lower_layers(image: &ImageFacts) -> Vec<String> {
    const FAMILIES: [(&[&str], &[&str]); 4] = [
        (
            &["libcudnn", "nvidia-cudnn", "cudnn"],
            &["libcudnn", "cudnn_version.h", "cudnn.h"],
        ),
        (&["libcublas", "nvidia-cublas"], &["libcublas"]),
        (&["libnccl", "nvidia-nccl"], &["libnccl"]),
        (
            &[
                "cuda-cudart",
                "cuda-runtime",
                "cuda-libraries",
                "cudatoolkit",
                "nvidia-cuda-runtime",
            ],
            &["libcudart"],
        ),
    ];
    const INSTALLERS: [&str; 8] = [
        "apt-get install",
        "apt install",
        "yum install",
        "dnf install",
        "pip install",
        "pip3 install",
        "conda install",
        "mamba install",
    ];
    let mut out = Vec::new();
    for layer in &image.layers {
        let Some(by) = layer.created_by.as_deref() else {
            continue;
        };
        if !INSTALLERS.iter().any(|i| by.contains(i)) {
            continue;
        }
        for word in by.split(|c: char| c.is_whitespace() || c == '"' || c == '\'') {
            let Some((_, files)) = FAMILIES
                .iter()
                .find(|(pkgs, _)| pkgs.iter().any(|p| word.starts_with(p)))
            else {
                continue;
            };
            let lower = image
                .provenance
                .iter()
                .filter(|p| p.layer < layer.index)
                .filter(|p| {
                    let name = p.path.rsplit('/').next().unwrap_or(&p.path);
                    files.iter().any(|f| name.starts_with(f))
                })
                .map(|p| p.layer)
                .max();
            if let Some(lower) = lower {
                out.push(format!(
                    "{} installs `{word}` over the copy in {}",
                    layer_name(image, layer.index),
                    layer_name(image, lower)
                ));
            }
        }
    }
    out
}

/// `image-library-replaced`: an upper layer replaced or deleted a CUDA/cuDNN file of a lower
/// layer (S14: a custom image whose cuDNN was replaced).
pub(crate) fn image_library_replaced(ctx: &Ctx<'_>) -> Vec<Finding> {
    let Some(image) = &ctx.snap.image else {
        return Vec::new();
    };
    let mut replaced: Vec<String> = image
        .provenance
        .iter()
        .filter(|p| is_stack_file(&p.path))
        .filter_map(|p| {
            p.replaced_layer.map(|lower| {
                // A dpkg file list rewritten: the package was installed again (or upgraded, or
                // downgraded) over the lower layer's.
                if let Some(pkg) = p
                    .path
                    .strip_prefix("/var/lib/dpkg/info/")
                    .and_then(|n| n.strip_suffix(".list"))
                {
                    return format!(
                        "{} reinstalled the package `{pkg}` over {}'s (dpkg database)",
                        layer_name(image, p.layer),
                        layer_name(image, lower)
                    );
                }
                format!(
                    "{} replaced `{}` of {}",
                    layer_name(image, p.layer),
                    p.path,
                    layer_name(image, lower)
                )
            })
        })
        .collect();
    replaced.extend(
        image
            .whiteouts
            .iter()
            .filter(|w| is_stack_file(&w.path))
            .map(|w| match w.hid_layer {
                Some(lower) => format!(
                    "{} deleted `{}` of {}",
                    layer_name(image, w.layer),
                    w.path,
                    layer_name(image, lower)
                ),
                None => format!("{} deleted `{}`", layer_name(image, w.layer), w.path),
            }),
    );
    replaced.extend(installs_over_lower_layers(image));
    if replaced.is_empty() {
        return Vec::new();
    }
    let mut f = Finding::titled(
        "image-library-replaced",
        Severity::Warning,
        msg!("image-library-replaced-title", count = replaced.len()),
    )
    .explain_msg(msg!("image-library-replaced-explain"));
    for line in replaced.iter().take(10) {
        f = f.evidence(
            "layer",
            line.clone(),
            format!("the layers of `{}`", image.reference),
        );
    }
    if replaced.len() > 10 {
        f = f.evidence(
            "layer",
            format!("... and {} more", replaced.len() - 10),
            "the image's layers",
        );
    }
    vec![
        f.fix_msg(msg!("image-library-replaced-fix"))
            .fix_msg(msg!("image-library-replaced-fix-2")),
    ]
}

#[cfg(test)]
mod tests;
