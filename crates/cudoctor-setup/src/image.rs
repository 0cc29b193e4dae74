//! Image references in `FROM` and what the knowledge base says a base image holds.
//!
//! Three kinds of base are known: `nvidia/cuda:<cuda>-[cudnn<N>-]<flavor>-<os>` (NVIDIA's tag
//! scheme, `data/nvidia_cuda_images.toml`), the official TensorFlow images (`[[image]]` rows read
//! from their Dockerfiles, else the documented `[[image_scheme]]`: the image carries the
//! release's tested CUDA and cuDNN) and the official PyTorch images
//! (`pytorch/pytorch:<ver>-cuda<x.y>-cudnn<n>-runtime`, read from the tag). The three are known
//! by name whatever the tag (`latest-gpu`, a digest alone), their CUDA then unknown. Anything
//! else is a custom base whose CUDA is unknown.

use cudoctor_kb::version::{CudaVersion, CudnnVersion, FrameworkVersion};
use cudoctor_kb::{Framework, Kb, Spec};

/// `[registry/]name[:tag][@digest]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Repository with its registry, as written (`nvidia/cuda`, `docker.io/library/ubuntu`).
    pub name: String,
    /// Tag, when given.
    pub tag: Option<String>,
    /// Digest (`sha256:...`), when given.
    pub digest: Option<String>,
}

impl ImageRef {
    /// Parses a `FROM` image (without flags or `AS name`).
    pub fn parse(s: &str) -> Self {
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => (r, Some(d.to_owned())),
            None => (s, None),
        };
        // A `:` after the last `/` starts the tag (`host:5000/x` is a registry port).
        let slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[slash..].rfind(':') {
            Some(i) => (
                rest[..slash + i].to_owned(),
                Some(rest[slash + i + 1..].to_owned()),
            ),
            None => (rest.to_owned(), None),
        };
        Self { name, tag, digest }
    }

    /// The repository without `docker.io/` and `library/` (`nvidia/cuda`, `ubuntu`).
    pub fn short_name(&self) -> &str {
        let n = self
            .name
            .strip_prefix("docker.io/")
            .or_else(|| self.name.strip_prefix("index.docker.io/"))
            .unwrap_or(&self.name);
        n.strip_prefix("library/").unwrap_or(n)
    }
}

/// What a base image holds, as far as the knowledge base and the tag tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaseKind {
    /// `nvidia/cuda`: CUDA (and cuDNN's major, where the tag has one) from the tag.
    NvidiaCuda {
        /// The CUDA version in the tag; `None` when the tag does not follow NVIDIA's scheme or
        /// the image is named by digest alone.
        cuda: Option<CudaVersion>,
        /// `Some(Some(8))` for `cudnn8`, `Some(None)` for an unnumbered `cudnn`, `None` without.
        cudnn_major: Option<Option<u32>>,
    },
    /// An official framework image (`tensorflow/tensorflow:2.9.0-gpu`, `pytorch/pytorch:...`).
    Official {
        /// The framework inside.
        framework: Framework,
        /// Its release.
        version: String,
        /// CUDA inside, where known.
        cuda: Option<CudaVersion>,
        /// cuDNN inside, where known.
        cudnn: Option<CudnnVersion>,
        /// Where that was read (kb row source, or "the image tag").
        source: String,
        /// Whether it is a GPU image: CUDA inside, and `NVIDIA_VISIBLE_DEVICES` and
        /// `NVIDIA_DRIVER_CAPABILITIES` set (see [`BaseKind::sets_nvidia_env`]); `None` when the
        /// reference does not say which image it is (a digest alone).
        gpu: Option<bool>,
    },
    /// `scratch`.
    Scratch,
    /// Anything else: its CUDA is unknown.
    Custom,
}

impl BaseKind {
    /// The CUDA inside, where known.
    pub fn cuda(&self) -> Option<CudaVersion> {
        match self {
            Self::NvidiaCuda { cuda, .. } | Self::Official { cuda, .. } => *cuda,
            _ => None,
        }
    }

    /// The cuDNN major inside, where known.
    pub fn cudnn_major(&self) -> Option<u32> {
        match self {
            Self::NvidiaCuda { cudnn_major, .. } => cudnn_major.flatten(),
            Self::Official { cudnn, .. } => cudnn.map(CudnnVersion::major),
            _ => None,
        }
    }

    /// Whether the image sets the variables that tell the NVIDIA container runtime to mount the
    /// GPUs and the driver (`NVIDIA_VISIBLE_DEVICES`, `NVIDIA_DRIVER_CAPABILITIES`), as its
    /// Dockerfile does: every `nvidia/cuda` image (its `base` Dockerfile sets both), TensorFlow's
    /// GPU images (`gpu.Dockerfile` is built `FROM nvidia/cuda`) but not its CPU ones
    /// (`cpu.Dockerfile` is `FROM ubuntu`), and PyTorch's (its Dockerfile's `official` stage sets
    /// both). `None` where that is unknown: a custom base, or an official one named by digest.
    pub fn sets_nvidia_env(&self) -> Option<bool> {
        match self {
            Self::NvidiaCuda { .. } => Some(true),
            Self::Official { gpu, .. } => *gpu,
            Self::Scratch | Self::Custom => None,
        }
    }
}

/// Reads a `nvidia/cuda` tag: `12.2.2-cudnn8-runtime-ubuntu22.04` -> CUDA 12.2.2, cuDNN 8.
pub fn parse_nvidia_cuda_tag(tag: &str) -> Option<(CudaVersion, Option<Option<u32>>)> {
    let mut parts = tag.split('-');
    let cuda: CudaVersion = parts.next()?.parse().ok()?;
    let cudnn = parts.next().and_then(|p| {
        let n = p.strip_prefix("cudnn")?;
        Some(if n.is_empty() { None } else { n.parse().ok() })
    });
    Some((cuda, cudnn))
}

/// Reads an official PyTorch tag: `2.1.0-cuda12.1-cudnn8-runtime` -> (2.1.0, 12.1, 8).
pub fn parse_pytorch_tag(tag: &str) -> Option<(String, CudaVersion, Option<u32>)> {
    let mut parts = tag.split('-');
    let version = parts.next()?.to_owned();
    let cuda: CudaVersion = parts.next()?.strip_prefix("cuda")?.parse().ok()?;
    let cudnn = parts
        .next()
        .and_then(|p| p.strip_prefix("cudnn"))
        .and_then(|n| n.parse().ok());
    Some((version, cuda, cudnn))
}

/// What `image` holds, by the knowledge base.
pub fn classify(kb: &Kb, image: &ImageRef) -> BaseKind {
    // NVIDIA publishes the same CUDA images, tags and all, on its own registry (NGC:
    // https://catalog.ngc.nvidia.com/orgs/nvidia/containers/cuda) and on Docker Hub.
    let name = match image.short_name() {
        "nvcr.io/nvidia/cuda" => "nvidia/cuda",
        n => n,
    };
    let tag = image.tag.as_deref().unwrap_or("latest");
    match name {
        "scratch" => BaseKind::Scratch,
        // NVIDIA's own images, whatever the tag says (or a digest alone).
        "nvidia/cuda" => match parse_nvidia_cuda_tag(tag) {
            Some((cuda, cudnn_major)) => BaseKind::NvidiaCuda {
                cuda: Some(cuda),
                cudnn_major,
            },
            None => BaseKind::NvidiaCuda {
                cuda: None,
                cudnn_major: None,
            },
        },
        "tensorflow/tensorflow" => {
            tensorflow_base(kb, image.tag.as_deref(), image.digest.is_some())
        }
        "pytorch/pytorch" => match parse_pytorch_tag(tag) {
            Some((version, cuda, cudnn)) => BaseKind::Official {
                framework: Framework::PyTorch,
                version,
                cuda: Some(cuda),
                cudnn: cudnn.and_then(|m| m.to_string().parse().ok()),
                source: format!("the image tag `pytorch/pytorch:{tag}`"),
                gpu: Some(true),
            },
            // `latest`, a digest alone: PyTorch's image, CUDA unknown.
            None => BaseKind::Official {
                framework: Framework::PyTorch,
                version: image.tag.clone().unwrap_or_default(),
                cuda: None,
                cudnn: None,
                source: "the image name".to_owned(),
                gpu: Some(true),
            },
        },
        _ => BaseKind::Custom,
    }
}

/// What an image of repository `name` holds when its tag is unknown (it comes from a build
/// `ARG` without a value): NVIDIA's and the frameworks' images by name, CUDA unknown, and a
/// TensorFlow image not known to be a GPU or a CPU one.
pub fn classify_name(kb: &Kb, name: &str) -> BaseKind {
    classify(
        kb,
        &ImageRef {
            name: name.to_owned(),
            tag: None,
            // Neither a tag nor `latest`: which image is unknown, as for a digest alone.
            digest: Some(String::new()),
        },
    )
}

/// An official TensorFlow image: the `[[image]]` row read for that tag, else the tested
/// configuration of the release in the tag (the documented scheme builds each image on it). A
/// tag without a release (`latest-gpu`, `nightly`) names the image but not its CUDA; a `gpu`
/// part makes it a GPU image. A digest alone names neither.
fn tensorflow_base(kb: &Kb, tag: Option<&str>, digest: bool) -> BaseKind {
    let (tag, gpu) = match tag {
        Some(t) => (t, Some(t.split('-').any(|p| p == "gpu"))),
        None if digest => ("", None),
        None => ("latest", Some(false)),
    };
    let full = format!("tensorflow/tensorflow:{tag}");
    if let Some(row) = kb.tf_image_rows().iter().find(|r| r.tag == full) {
        return BaseKind::Official {
            framework: Framework::TensorFlow,
            version: row.tf_version.to_string(),
            cuda: row.cuda,
            cudnn: row.cudnn,
            source: row.source.clone(),
            gpu,
        };
    }
    let version = tag.split('-').next().unwrap_or_default();
    let release = version
        .parse::<FrameworkVersion>()
        .ok()
        .and_then(|v| kb.tf_release(&v))
        .filter(|_| gpu == Some(true));
    let (cuda, cudnn, source) = match release {
        Some(r) => (Some(r.cuda), Some(r.cudnn), r.source.clone()),
        None => (None, None, "the image tag".to_owned()),
    };
    BaseKind::Official {
        framework: Framework::TensorFlow,
        version: version.to_owned(),
        cuda,
        cudnn,
        source,
        gpu,
    }
}

/// The official image the knowledge base names for `spec`, where it names one: TensorFlow's
/// `-gpu` (or `-gpu-jupyter`) tag for that exact release. PyTorch's images are not in the
/// knowledge base, so none is named for them (the caller falls back to `nvidia/cuda`).
pub fn official_image(kb: &Kb, spec: &Spec, version: &str, jupyter: bool) -> Option<String> {
    if spec.framework != Framework::TensorFlow || spec.package == "tensorflow-cpu" {
        return None;
    }
    let suffix = if jupyter { "-gpu-jupyter" } else { "-gpu" };
    kb.tf_images(version)
        .into_iter()
        .find(|t| t.ends_with(suffix) && t.starts_with("tensorflow/tensorflow:"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use cudoctor_kb::kb;

    #[test]
    fn references() {
        let r = ImageRef::parse("localhost:5000/nvidia/cuda:12.2.2-runtime-ubuntu22.04");
        assert_eq!(r.name, "localhost:5000/nvidia/cuda");
        assert_eq!(r.tag.as_deref(), Some("12.2.2-runtime-ubuntu22.04"));
        let r = ImageRef::parse("docker.io/library/ubuntu@sha256:abc");
        assert_eq!(r.short_name(), "ubuntu");
        assert_eq!(r.tag, None);
        assert_eq!(r.digest.as_deref(), Some("sha256:abc"));
    }

    #[test]
    fn bases() {
        let k = kb();
        let b = classify(
            k,
            &ImageRef::parse("nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04"),
        );
        assert_eq!(b.cuda().unwrap().to_string(), "11.2.2");
        assert_eq!(b.cudnn_major(), Some(8));
        // The read row: TF 2.9.0-gpu is built on CUDA 11.2.1 with cuDNN 8.1.0.77.
        let b = classify(k, &ImageRef::parse("tensorflow/tensorflow:2.9.0-gpu"));
        assert_eq!(b.cuda().unwrap().to_string(), "11.2.1");
        assert_eq!(b.cudnn_major(), Some(8));
        // A derived one: the release's tested configuration.
        let b = classify(k, &ImageRef::parse("tensorflow/tensorflow:2.15.0-gpu"));
        assert_eq!(b.cuda().unwrap().to_string(), "12.2");
        let b = classify(
            k,
            &ImageRef::parse("pytorch/pytorch:2.1.0-cuda12.1-cudnn8-runtime"),
        );
        assert_eq!(b.cuda().unwrap().to_string(), "12.1");
        assert_eq!(
            classify(k, &ImageRef::parse("ubuntu:22.04")),
            BaseKind::Custom
        );
        // Known by name whatever the tag: CUDA unknown, the NVIDIA variables as their
        // Dockerfiles set them.
        let b = classify(
            k,
            &ImageRef::parse("nvcr.io/nvidia/cuda:12.2.2-cudnn8-runtime-ubuntu22.04"),
        );
        assert_eq!(b.cuda().unwrap().to_string(), "12.2.2");
        let b = classify(k, &ImageRef::parse("nvidia/cuda@sha256:00"));
        assert_eq!((b.cuda(), b.sets_nvidia_env()), (None, Some(true)));
        let b = classify(k, &ImageRef::parse("pytorch/pytorch:latest"));
        assert_eq!((b.cuda(), b.sets_nvidia_env()), (None, Some(true)));
        let b = classify(k, &ImageRef::parse("tensorflow/tensorflow:latest-gpu"));
        assert_eq!((b.cuda(), b.sets_nvidia_env()), (None, Some(true)));
        let b = classify(k, &ImageRef::parse("tensorflow/tensorflow:2.9.0"));
        assert_eq!((b.cuda(), b.sets_nvidia_env()), (None, Some(false)));
        let b = classify(k, &ImageRef::parse("tensorflow/tensorflow@sha256:00"));
        assert_eq!(b.sets_nvidia_env(), None);
        assert_eq!(
            classify(k, &ImageRef::parse("ubuntu:22.04")).sets_nvidia_env(),
            None
        );
        // A tag from a build ARG without a value: the repository still counts.
        let b = classify_name(k, "nvidia/cuda");
        assert_eq!((b.cuda(), b.sets_nvidia_env()), (None, Some(true)));
        assert_eq!(
            classify_name(k, "pytorch/pytorch").sets_nvidia_env(),
            Some(true)
        );
        // TensorFlow's could be a CPU or a GPU image: unknown, not judged.
        assert_eq!(
            classify_name(k, "tensorflow/tensorflow").sets_nvidia_env(),
            None
        );
        assert_eq!(
            classify_name(k, "registry.example/team/base"),
            BaseKind::Custom
        );
    }
}
