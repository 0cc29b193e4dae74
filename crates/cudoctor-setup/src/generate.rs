//! `cudoctor dockerfile SPEC`: a Dockerfile for one framework release, every fact from the
//! knowledge base and every instruction commented with why.

use std::fmt::Write as _;

use cudoctor_kb::data::OsPython;
use cudoctor_kb::version::{CudaVersion, CudnnVersion, FrameworkVersion};
use cudoctor_kb::{Framework, Kb, Requirements, Spec, VariantRequirements};
use serde::Serialize;

use crate::SetupError;
use crate::image::official_image;

/// Which base to build on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BaseChoice {
    /// The official framework image where the knowledge base names one, else `nvidia/cuda`.
    #[default]
    Official,
    /// Always `nvidia/cuda` plus a pinned `pip install`.
    Cuda,
}

/// Which GPUs a container sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gpus {
    /// `--gpus all`.
    All,
    /// `--gpus '"device=0,1"'`.
    Devices(Vec<String>),
}

impl Gpus {
    /// Parses `all` or a comma-separated list of indices or UUIDs (`0,1`, `GPU-3a…`).
    pub fn parse(s: &str) -> Result<Self, SetupError> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("all") {
            return Ok(Self::All);
        }
        let list: Vec<String> = s
            .split(',')
            .map(|d| d.trim().to_owned())
            .filter(|d| !d.is_empty())
            .collect();
        let ok = |d: &String| {
            d.chars().all(|c| c.is_ascii_digit())
                || (d.starts_with("GPU-") || d.starts_with("MIG-"))
                    && d.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-/".contains(c))
        };
        if list.is_empty() || !list.iter().all(ok) {
            return Err(SetupError::Gpus(s.to_owned()));
        }
        Ok(Self::Devices(list))
    }

    /// `all` or `0,1` (the `NVIDIA_VISIBLE_DEVICES` value).
    pub fn visible_devices(&self) -> String {
        match self {
            Self::All => "all".to_owned(),
            Self::Devices(d) => d.join(","),
        }
    }
}

/// What `cudoctor dockerfile` was asked for.
#[derive(Debug, Clone, Default)]
pub struct DockerfileOptions {
    /// The release: `tensorflow==2.9.0`, `torch==2.1.0+cu121`, `jax==0.4.30`.
    pub spec: String,
    /// Jupyter on port 8888.
    pub jupyter: bool,
    /// The Python to install (`nvidia/cuda` bases only).
    pub python: Option<String>,
    /// The base.
    pub base: BaseChoice,
    /// `ENV NVIDIA_VISIBLE_DEVICES` for these GPUs.
    pub gpus: Option<Gpus>,
    /// `pip install cudoctor` and a `HEALTHCHECK` running `cudoctor check --quiet`.
    pub with_cudoctor: bool,
}

/// A generated Dockerfile (`--format json`: `{base, dockerfile, notes}`).
#[derive(Debug, Clone, Serialize)]
pub struct Generated {
    /// The `FROM` image.
    pub base: String,
    /// The Dockerfile text.
    pub dockerfile: String,
    /// What was derived rather than read, and what stayed unknown.
    pub notes: Vec<String>,
}

/// A release resolved against the knowledge base: its requirements and the variant used.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The parsed spec.
    pub spec: Spec,
    /// `requirements SPEC`.
    pub req: Requirements,
    /// The variant built on (PyTorch: the PyPI default unless the spec names one).
    pub variant: VariantRequirements,
}

impl Resolved {
    /// Resolves `spec` (`tensorflow==2.9.0`) against the knowledge base.
    pub fn new(kb: &Kb, spec: &str) -> Result<Self, SetupError> {
        let spec: Spec = spec.parse().map_err(SetupError::Spec)?;
        let req = kb.requirements(&spec).map_err(SetupError::Query)?;
        let variant = req
            .variants
            .first()
            .cloned()
            .ok_or_else(|| SetupError::NoVariant(spec.to_string()))?;
        Ok(Self { spec, req, variant })
    }

    /// The framework.
    pub fn framework(&self) -> Framework {
        self.spec.framework
    }

    /// `tensorflow`, `torch`, `jax`: a name for a service or a local image.
    pub fn short_name(&self) -> &'static str {
        self.spec.framework.default_package()
    }

    /// The official image for this release, where the knowledge base names one.
    pub fn official_image(&self, kb: &Kb, jupyter: bool) -> Option<String> {
        official_image(kb, &self.spec, &self.req.version, jupyter)
    }

    /// The local image name `cudoctor dockerfile` output is built as (`cudoctor-torch:2.1.0-cu121`).
    pub fn local_image(&self) -> String {
        let variant = if self.variant.name == "default" {
            String::new()
        } else {
            format!("-{}", self.variant.name)
        };
        format!(
            "cudoctor-{}:{}{variant}",
            self.short_name(),
            self.req.version
        )
    }

    /// The exact `pip install` requirement and its extra arguments, with why.
    pub fn pip_requirement(&self, kb: &Kb) -> (String, Vec<String>, String) {
        let v = &self.req.version;
        match self.spec.framework {
            Framework::TensorFlow => {
                let package = v
                    .parse::<FrameworkVersion>()
                    .ok()
                    .and_then(|p| kb.tf_release(&p).map(|r| r.package.clone()))
                    .unwrap_or_else(|| self.spec.package.clone());
                let parsed = v.parse::<FrameworkVersion>().ok();
                match parsed.as_ref().filter(|p| package == "tensorflow" && kb.tf_pip_extra(p).is_some()) {
                    Some(p) => (
                        kb.tf_pip_argument(&package, p),
                        Vec::new(),
                        format!(
                            "the `and-cuda` extra (kb: tensorflow.toml [[pip_extra]], from TensorFlow {}) installs the CUDA and cuDNN wheels this release was built with",
                            kb.tf_pip_extra(p).map_or_else(String::new, |e| e.first.to_string())
                        ),
                    ),
                    None => (
                        format!("{package}=={v}"),
                        Vec::new(),
                        "TensorFlow before the `and-cuda` extra (kb: tensorflow.toml [[pip_extra]]): it uses the base image's CUDA and cuDNN".to_owned(),
                    ),
                }
            }
            Framework::PyTorch => {
                let tag = &self.variant.name;
                (
                    format!("torch=={v}"),
                    vec![
                        "--index-url".to_owned(),
                        format!("https://download.pytorch.org/whl/{tag}"),
                    ],
                    format!(
                        "the {tag} index gives the CUDA {} build (kb: pytorch.toml); its wheels bring their own CUDA libraries",
                        self.variant.cuda.as_deref().unwrap_or("unknown")
                    ),
                )
            }
            Framework::Jax => {
                let extra = v
                    .parse::<FrameworkVersion>()
                    .ok()
                    .and_then(|p| {
                        kb.jax_release(&p)
                            .into_iter()
                            .find(|r| r.variant == self.variant.name)
                            .map(|r| r.extra.clone())
                    })
                    .unwrap_or_else(|| format!("jax[{}]", self.variant.name));
                (
                    format!("{extra}=={v}"),
                    Vec::new(),
                    format!(
                        "`{extra}` installs the CUDA plugin and its CUDA and cuDNN wheels (kb: jax.toml)"
                    ),
                )
            }
        }
    }
}

/// A `nvidia/cuda` runtime tag for CUDA `cuda` (and cuDNN `cudnn`), and why it is that one.
///
/// The knowledge base has NVIDIA's tag scheme and a few tags seen in official material, not the
/// list of published tags: the CUDA patch is the newest release of that minor in the CUDA table,
/// the cuDNN part is `cudnn<N>` up to cuDNN 8 and unnumbered (`cudnn`) from 9 (the kb's CUDA 12
/// example), and the OS is the kb example's where one matches, else Ubuntu 18.04 up to CUDA 10
/// (NVIDIA's Ubuntu 20.04 images start with CUDA 11), 20.04 for CUDA 11, 22.04 for CUDA 12 and
/// 24.04 after. Such a tag is marked derived.
pub fn cuda_runtime_tag(
    kb: &Kb,
    cuda: CudaVersion,
    cudnn: Option<CudnnVersion>,
) -> (String, Option<String>) {
    let full = if cuda.patch().is_some() {
        cuda
    } else {
        kb.cuda_releases()
            .iter()
            .map(|r| r.version)
            .filter(|v| v.same_minor(cuda) && v.patch().is_some())
            .max_by(|a, b| a.cmp_numeric(*b))
            .unwrap_or(cuda)
    };
    let cudnn_part = cudnn.map(|c| {
        if c.major() <= 8 {
            format!("cudnn{}", c.major())
        } else {
            "cudnn".to_owned()
        }
    });
    let seen = kb.nvidia_cuda_examples().iter().find(|e| {
        e.flavor == "runtime"
            && e.cuda == full
            && e.cudnn.as_deref().map(|c| {
                if c.is_empty() {
                    "cudnn".to_owned()
                } else {
                    format!("cudnn{c}")
                }
            }) == cudnn_part
    });
    if let Some(e) = seen {
        return (e.tag.clone(), None);
    }
    let os = match full.major() {
        0..=10 => "ubuntu18.04",
        11 => "ubuntu20.04",
        12 => "ubuntu22.04",
        _ => "ubuntu24.04",
    };
    let mid = cudnn_part.map(|c| format!("{c}-")).unwrap_or_default();
    let tag = format!("nvidia/cuda:{full}-{mid}runtime-{os}");
    let why = format!(
        "`{tag}` is derived from NVIDIA's tag scheme <cuda>-cudnn<N>-runtime-<os> (kb: nvidia_cuda_images.toml): the knowledge base has no list of published nvidia/cuda tags, so check that it exists (`docker manifest inspect {tag}`)"
    );
    (tag, Some(why))
}

/// One instruction with the comment lines above it.
struct Step {
    why: Vec<String>,
    instruction: String,
}

fn step(why: impl Into<String>, instruction: impl Into<String>) -> Step {
    Step {
        why: vec![why.into()],
        instruction: instruction.into(),
    }
}

/// The Python versions a variant supports contain `py` (`"3.10"` in `["3.9", "3.10"]` or `">=3.9"`).
fn python_supported(v: &VariantRequirements, py: &str) -> Option<bool> {
    let want = major_minor(py)?;
    if v.python.is_empty() {
        return None;
    }
    Some(v.python.iter().any(|p| match p.strip_prefix(">=") {
        Some(min) => major_minor(min).is_some_and(|m| want >= m),
        None => major_minor(p) == Some(want),
    }))
}

/// `3.10` -> (3, 10).
fn major_minor(s: &str) -> Option<(u32, u32)> {
    let (a, b) = s.trim().split_once('.')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// The OS part of an `nvidia/cuda` tag (`...-runtime-ubuntu22.04` -> `ubuntu22.04`).
fn tag_os(tag: &str) -> &str {
    tag.rsplit('-').next().unwrap_or_default()
}

/// The pip installed over an archive's older one: pip 20.3.4 reads manylinux2014 wheels (pip
/// 19.3 added them) and is the last release that runs on Python 3.5 (pip 21.0 dropped it):
/// https://pip.pypa.io/en/stable/news/.
const PIP_FOR_OLD_ARCHIVES: &str = "20.3.4";

/// Below this pip major a venv's pip reads only manylinux1 wheels; TensorFlow's install guide
/// asks for pip >= 19.0 (https://www.tensorflow.org/install/pip).
const PIP_MANYLINUX2010: u32 = 19;

/// Without `--python` the Dockerfile installs the base OS's own `python3`: an error when the
/// release has no wheel for that Python (`jax==0.7.0` needs >= 3.11; Ubuntu 22.04's is 3.10), so
/// that no Dockerfile is written whose `pip install` cannot succeed.
fn check_base_python(r: &Resolved, tag: &str, row: Option<&OsPython>) -> Result<(), SetupError> {
    let Some(row) = row else {
        return Ok(());
    };
    if python_supported(&r.variant, &row.python) != Some(false) {
        return Ok(());
    }
    Err(SetupError::BasePython(Box::new(crate::BasePython {
        base: tag.to_owned(),
        python: row.python.clone(),
        url: row
            .source
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned(),
        release: r.spec.to_string(),
        supported: r.variant.python.join(", "),
        suggest: nearest_python(&r.variant.python, &row.python),
    })))
}

/// The Python of `supported` (`["3.9", "3.10"]`, `[">=3.11"]`) nearest above `have`, else the
/// newest below it.
fn nearest_python(supported: &[String], have: &str) -> Option<String> {
    let have = major_minor(have)?;
    let all: Vec<(u32, u32)> = supported
        .iter()
        .filter_map(|p| major_minor(p.trim().trim_start_matches(">=")))
        .collect();
    let above = all.iter().filter(|&&v| v > have).min();
    let below = all.iter().filter(|&&v| v < have).max();
    above.or(below).map(|(a, b)| format!("{a}.{b}"))
}

/// Writes the Dockerfile.
pub fn dockerfile(kb: &Kb, opts: &DockerfileOptions) -> Result<Generated, SetupError> {
    let r = Resolved::new(kb, &opts.spec)?;
    let mut notes = Vec::new();
    let official = match opts.base {
        BaseChoice::Official => {
            let o = r.official_image(kb, opts.jupyter);
            if o.is_none() {
                notes.push(format!(
                    "the knowledge base names no official {} image for {}: built on nvidia/cuda instead",
                    r.framework().display_name(),
                    r.req.version
                ));
            }
            o
        }
        BaseChoice::Cuda => None,
    };
    if let Some(py) = &opts.python {
        if official.is_some() {
            return Err(SetupError::PythonWithOfficial(py.clone()));
        }
        if python_supported(&r.variant, py) == Some(false) {
            return Err(SetupError::Python {
                python: py.clone(),
                release: r.spec.to_string(),
                supported: r.variant.python.join(", "),
            });
        }
    }
    let fw = r.framework().display_name();
    let v = &r.variant;
    let mut steps: Vec<Step> = Vec::new();
    let base;
    let cuda_text = v.cuda.as_deref().unwrap_or("unknown");
    let cudnn_text = v.cudnn.as_deref().unwrap_or("unknown");
    if let Some(image) = official {
        base = image.clone();
        let read = kb.tf_image_rows().iter().any(|i| i.tag == image);
        let how = if read {
            "its contents were read from its Dockerfile (kb: tensorflow.toml [[image]])"
        } else {
            notes.push(format!(
                "`{image}` follows TensorFlow's documented tag scheme; its contents are not recorded in the kb"
            ));
            "the name follows the documented tag scheme (kb: tensorflow.toml [[image_scheme]])"
        };
        steps.push(Step {
            why: vec![
                format!(
                    "S8: prefer the official image: {fw} {} with CUDA {cuda_text} and cuDNN {cudnn_text}; {how}.",
                    r.req.version
                ),
                "S15: pin exact tags, never `latest`.".to_owned(),
            ],
            instruction: format!("FROM {image}"),
        });
    } else {
        let cuda: Option<CudaVersion> = v.cuda.as_deref().and_then(|c| c.parse().ok());
        let cudnn: Option<CudnnVersion> = v.cudnn.as_deref().and_then(|c| c.parse().ok());
        let Some(cuda) = cuda else {
            return Err(SetupError::UnknownCuda(r.spec.to_string()));
        };
        let (tag, derived) = cuda_runtime_tag(kb, cuda, cudnn);
        let os = tag_os(&tag).to_owned();
        let os_python = kb.os_python(&os);
        if opts.python.is_none() {
            check_base_python(&r, &tag, os_python)?;
        }
        base = tag.clone();
        let mut why = vec![
            format!(
                "{fw} {} ({}) was built with CUDA {cuda_text} and cuDNN {cudnn_text} (kb: `cudoctor requirements {}`).",
                r.req.version, v.name, r.spec
            ),
            "S15: pin exact tags, never `latest`.".to_owned(),
        ];
        match derived {
            Some(d) => {
                why.push(format!("{d}."));
                notes.push(d);
            }
            None => why.push(
                "This tag is one the kb saw in official material (nvidia_cuda_images.toml)."
                    .to_owned(),
            ),
        }
        steps.push(Step {
            why,
            instruction: format!("FROM {tag}"),
        });
        let python = opts
            .python
            .as_deref()
            .map_or_else(|| "python3".to_owned(), |p| format!("python{p}"));
        let pkgs = if opts.python.is_some() {
            format!("{python} {python}-venv")
        } else {
            "python3 python3-venv".to_owned()
        };
        if let Some(py) = &opts.python {
            notes.push(format!(
                "whether the base's Ubuntu archive carries `python{py}` is not in the kb (unknown)"
            ));
        }
        steps.push(step(
            "nvidia/cuda images hold no Python: the distribution's, in a virtual environment for pip.",
            format!(
                "RUN apt-get update && apt-get install -y --no-install-recommends {pkgs} && rm -rf /var/lib/apt/lists/*"
            ),
        ));
        steps.push(step(
            "The virtual environment's pip installs the framework; it comes first on PATH.",
            format!("RUN {python} -m venv /opt/venv"),
        ));
        steps.push(step("", "ENV PATH=/opt/venv/bin:$PATH"));
        // An old archive's pip reads only manylinux1 wheels; TensorFlow's install guide asks
        // for pip >= 19.0 (manylinux2010), and newer wheels are manylinux2014.
        if let Some(row) = os_python.filter(|r| {
            r.pip.split('.').next().and_then(|m| m.parse::<u32>().ok()) < Some(PIP_MANYLINUX2010)
        }) {
            steps.push(step(
                format!(
                    "The venv's pip is {os}'s {} (kb: nvidia_cuda_images.toml [[os_python]]), which reads only manylinux1 wheels: upgrade it first (TensorFlow asks for pip >= {PIP_MANYLINUX2010}.0); pip {PIP_FOR_OLD_ARCHIVES} reads manylinux2014 and is the last that runs on Python 3.5 (https://pip.pypa.io/en/stable/news/).",
                    row.pip
                ),
                format!("RUN python3 -m pip install --no-cache-dir pip=={PIP_FOR_OLD_ARCHIVES}"),
            ));
        }
        let (req, extra, why) = r.pip_requirement(kb);
        let mut cmd = format!("RUN python3 -m pip install --no-cache-dir {req}");
        for a in &extra {
            cmd.push(' ');
            cmd.push_str(a);
        }
        steps.push(Step {
            why: vec![format!("S15: pin the framework exactly; {why}.")],
            instruction: cmd,
        });
        if opts.jupyter {
            notes.push("Jupyter is installed unpinned: the kb has no Jupyter versions".to_owned());
            steps.push(step(
                "Jupyter (its version is not in the kb, so pip picks it).",
                "RUN python3 -m pip install --no-cache-dir notebook",
            ));
        }
    }
    if let Some(g) = &opts.gpus {
        steps.push(step(
            "The GPUs the NVIDIA Container Toolkit exposes by default, and the driver parts it mounts (S13: `--gpus` still decides at run time).",
            format!(
                "ENV NVIDIA_VISIBLE_DEVICES={} NVIDIA_DRIVER_CAPABILITIES=compute,utility",
                g.visible_devices()
            ),
        ));
    }
    if opts.with_cudoctor {
        let version = env!("CARGO_PKG_VERSION");
        steps.push(step(
            "cudoctor in the image, for the HEALTHCHECK below (the `cudoctor` wheel on PyPI).",
            format!("RUN python3 -m pip install --no-cache-dir cudoctor=={version}"),
        ));
    }
    steps.push(step(
        "A non-root user: the framework needs no root, and files written to /data belong to uid 1000.",
        "RUN useradd -m -u 1000 app && mkdir -p /data && chown app /data",
    ));
    steps.push(step(
        "S15: keep data on a mounted volume: `docker run -v /host/data:/data ...`.",
        "VOLUME /data",
    ));
    steps.push(step("", "WORKDIR /data"));
    steps.push(step("", "USER app"));
    if opts.jupyter {
        steps.push(step(
            "S9: Jupyter on port 8888 (`docker run -p 8888:8888 ...`), serving /data.",
            "EXPOSE 8888",
        ));
        steps.push(step(
            "",
            "CMD [\"jupyter\", \"notebook\", \"--notebook-dir=/data\", \"--ip=0.0.0.0\", \"--no-browser\"]",
        ));
    }
    if opts.with_cudoctor {
        steps.push(step(
            "The container is healthy while `cudoctor check` finds no error (exit 1 on errors).",
            format!("HEALTHCHECK CMD cudoctor check --quiet --for {}", r.spec),
        ));
    } else {
        steps.push(Step {
            why: vec![
                "No HEALTHCHECK: cudoctor is not in this image (`cudoctor dockerfile --with-cudoctor` adds".to_owned(),
                "`pip install cudoctor` and `HEALTHCHECK CMD cudoctor check --quiet`).".to_owned(),
            ],
            instruction: String::new(),
        });
    }
    let mut text = String::new();
    let _ = writeln!(
        text,
        "# Generated by `cudoctor dockerfile {}` from the cudoctor knowledge base.",
        opts.spec
    );
    if let Some(min) = &v.driver_min {
        let compat = v
            .driver_min_compat
            .as_deref()
            .filter(|c| c != min)
            .map(|c| format!(" (>= {c} with CUDA minor-version compatibility)"))
            .unwrap_or_default();
        let _ = writeln!(
            text,
            "# The host needs the NVIDIA driver >= {min}{compat} and the NVIDIA Container Toolkit (S8, S13)."
        );
    }
    for s in steps {
        text.push('\n');
        for w in s.why.iter().filter(|w| !w.is_empty()) {
            let _ = writeln!(text, "# {w}");
        }
        if !s.instruction.is_empty() {
            text.push_str(&s.instruction);
            text.push('\n');
        }
    }
    // Steps without a comment follow the one before them.
    let text = text
        .replace("\n\nENV PATH", "\nENV PATH")
        .replace("\n\nWORKDIR", "\nWORKDIR")
        .replace("\n\nUSER", "\nUSER")
        .replace("\n\nCMD", "\nCMD");
    notes.extend(r.req.notes.iter().cloned());
    Ok(Generated {
        base,
        dockerfile: text,
        notes,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use cudoctor_kb::kb;

    fn make(spec: &str, f: impl FnOnce(&mut DockerfileOptions)) -> Generated {
        let mut o = DockerfileOptions {
            spec: spec.to_owned(),
            ..DockerfileOptions::default()
        };
        f(&mut o);
        dockerfile(kb(), &o).unwrap()
    }

    #[test]
    fn tensorflow_official() {
        let g = make("tensorflow==2.9.0", |_| {});
        assert_eq!(g.base, "tensorflow/tensorflow:2.9.0-gpu");
        assert!(
            g.dockerfile
                .contains("\nFROM tensorflow/tensorflow:2.9.0-gpu\n")
        );
        assert!(g.dockerfile.contains("USER app\n"));
        assert!(!g.dockerfile.contains("\nHEALTHCHECK"));
        let g = make("tf==2.9", |o| o.jupyter = true);
        assert_eq!(g.base, "tensorflow/tensorflow:2.9.0-gpu-jupyter");
    }

    #[test]
    fn cuda_bases() {
        let g = make("tensorflow==2.15.0", |o| o.base = BaseChoice::Cuda);
        assert_eq!(g.base, "nvidia/cuda:12.2.2-cudnn8-runtime-ubuntu22.04");
        assert!(g.dockerfile.contains("tensorflow[and-cuda]==2.15.0.post1"));
        let g = make("tensorflow==2.9.0", |o| o.base = BaseChoice::Cuda);
        // The kb saw this tag in official material: not derived.
        assert_eq!(g.base, "nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04");
        assert!(
            g.dockerfile
                .contains("install --no-cache-dir tensorflow==2.9.0\n")
        );
        let g = make("torch==2.1.0", |_| {});
        assert_eq!(g.base, "nvidia/cuda:12.1.1-cudnn8-runtime-ubuntu22.04");
        assert!(
            g.dockerfile
                .contains("torch==2.1.0 --index-url https://download.pytorch.org/whl/cu121")
        );
        assert!(
            g.notes
                .iter()
                .any(|n| n.contains("no official PyTorch image"))
        );
        let g = make("jax==0.4.30", |o| o.with_cudoctor = true);
        assert!(g.dockerfile.contains("jax[cuda12]==0.4.30"));
        assert!(
            g.dockerfile
                .contains("HEALTHCHECK CMD cudoctor check --quiet --for jax==0.4.30")
        );
    }

    #[test]
    fn and_cuda_from_the_kb_row() {
        let first = |v: &str| kb().tf_pip_argument("tensorflow", &v.parse().unwrap());
        assert_eq!(first("2.14.0"), "tensorflow[and-cuda]==2.14.0");
        assert_eq!(first("2.13.1"), "tensorflow==2.13.1");
    }

    /// Without `--python` the base's own `python3` must be one the release has wheels for.
    #[test]
    fn base_python_is_checked() {
        let mut o = DockerfileOptions {
            spec: "jax==0.7.0".to_owned(),
            base: BaseChoice::Cuda,
            ..DockerfileOptions::default()
        };
        match dockerfile(kb(), &o) {
            Err(SetupError::BasePython(b)) => {
                assert_eq!(b.python, "3.10");
                assert!(b.base.ends_with("-ubuntu22.04"), "{}", b.base);
                assert_eq!(b.suggest.as_deref(), Some("3.11"));
            }
            other => panic!("{:?}", other.map(|g| g.dockerfile)),
        }
        o.python = Some("3.11".to_owned());
        assert!(dockerfile(kb(), &o).is_ok());
        // CUDA 10 images are Ubuntu 18.04 ones, whose Python 3.6 TensorFlow 2.1 supports.
        o.spec = "tensorflow==2.1.0".to_owned();
        o.python = None;
        let g = dockerfile(kb(), &o).unwrap();
        assert!(g.base.ends_with("-ubuntu18.04"), "{}", g.base);
        // Its venv's pip (9.0.1) reads only manylinux1 wheels; TensorFlow 2.1's are
        // manylinux2010: pip is upgraded before the install.
        let upgrade = g
            .dockerfile
            .find("RUN python3 -m pip install --no-cache-dir pip==20.3.4")
            .expect("a pip upgrade");
        assert!(upgrade < g.dockerfile.find("tensorflow==2.1.0\n").unwrap());
        // Ubuntu 22.04's pip is 22.0.2: no upgrade step.
        o.spec = "torch==2.1.0".to_owned();
        let g = dockerfile(kb(), &o).unwrap();
        assert!(!g.dockerfile.contains("pip==20.3.4"), "{}", g.dockerfile);
        assert_eq!(
            nearest_python(&["3.9".into(), "3.10".into()], "3.8").as_deref(),
            Some("3.9")
        );
        assert_eq!(
            nearest_python(&["3.6".into(), "3.7".into()], "3.8").as_deref(),
            Some("3.7")
        );
        assert_eq!(
            nearest_python(&[">=3.11".into()], "3.10").as_deref(),
            Some("3.11")
        );
    }

    /// Every OS a derived or example tag names has its `python3` in the knowledge base, so the
    /// check above never passes for want of a row.
    #[test]
    fn every_base_os_has_its_python() {
        let mut oses: Vec<String> = kb()
            .nvidia_cuda_examples()
            .iter()
            .map(|e| e.os.clone())
            .collect();
        for c in ["10.1", "11.8", "12.3", "13.0"] {
            let (tag, _) = cuda_runtime_tag(kb(), c.parse().unwrap(), None);
            oses.push(tag_os(&tag).to_owned());
        }
        for os in oses {
            assert!(kb().os_python(&os).is_some(), "{os}");
        }
    }

    #[test]
    fn python_is_checked() {
        let mut o = DockerfileOptions {
            spec: "tensorflow==2.9.0".to_owned(),
            python: Some("3.12".to_owned()),
            base: BaseChoice::Cuda,
            ..DockerfileOptions::default()
        };
        assert!(matches!(
            dockerfile(kb(), &o),
            Err(SetupError::Python { .. })
        ));
        o.python = Some("3.10".to_owned());
        assert!(
            dockerfile(kb(), &o)
                .unwrap()
                .dockerfile
                .contains("python3.10 python3.10-venv")
        );
        o.base = BaseChoice::Official;
        assert!(matches!(
            dockerfile(kb(), &o),
            Err(SetupError::PythonWithOfficial(_))
        ));
    }

    #[test]
    fn gpus() {
        assert_eq!(Gpus::parse("all").unwrap(), Gpus::All);
        assert_eq!(Gpus::parse("0,1").unwrap().visible_devices(), "0,1");
        assert!(Gpus::parse("0;rm").is_err());
    }
}
