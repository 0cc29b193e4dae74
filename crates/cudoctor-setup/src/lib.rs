//! GPU container setups from the knowledge base: `cudoctor dockerfile` (a Dockerfile pinned to
//! one framework release), `cudoctor run` (a `docker run` line or a Compose file that gives the
//! container its GPUs) and `cudoctor lint` (the GPU-stack mistakes in a Dockerfile, as findings
//! in `check`'s format).
//!
//! Every fact comes from `cudoctor-kb`: what a release needs is its `requirements`, which
//! official image carries it is the kb's image rows and tag schemes, what a base image holds is
//! read from its tag against those. Where the kb does not know (PyTorch's official image tags,
//! the list of published `nvidia/cuda` tags) the output says so and falls back, never guesses
//! silently. This crate builds nothing, runs no container and reaches no registry.
//!
//! Layout: [`dockerfile`] parses a Dockerfile into instructions with line numbers
//! (split by BuildKit's rules); [`image`] reads image references and classifies bases;
//! [`generate`] writes Dockerfiles; [`run`] writes `docker run` lines and Compose files;
//! [`lint`] finds the mistakes.

pub mod dockerfile;
pub mod generate;
pub mod image;
pub mod lint;
pub mod run;

pub use generate::{BaseChoice, DockerfileOptions, Generated, Gpus, Resolved, dockerfile};
pub use run::{RunOptions, RunPlan, plan};

/// Why a setup could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The spec did not parse.
    #[error("cannot read the release")]
    Spec(#[source] cudoctor_kb::SpecParseError),
    /// The knowledge base does not answer for the spec.
    #[error("cannot look the release up in the knowledge base")]
    Query(#[source] cudoctor_kb::QueryError),
    /// The requirements have no variant.
    #[error("the knowledge base lists no build of `{0}`")]
    NoVariant(String),
    /// The CUDA the release was built with is unknown, so no `nvidia/cuda` tag can be chosen.
    #[error(
        "the CUDA version `{0}` was built with is unknown, so no nvidia/cuda base can be chosen"
    )]
    UnknownCuda(String),
    /// `--python` that the release does not support.
    #[error("{release} does not support Python {python} (supported: {supported})")]
    Python {
        python: String,
        release: String,
        supported: String,
    },
    /// The base's own `python3` is one the release has no wheel for.
    #[error(
        "{} does not support Python {}, the `python3` of `{}` ({}); it supports {}",
        .0.release, .0.python, .0.base, .0.url, .0.supported
    )]
    BasePython(Box<BasePython>),
    /// `--python` with an official image, whose Python is fixed.
    #[error(
        "`--python {0}` needs `--base cuda`: an official image's Python is the one it was built with"
    )]
    PythonWithOfficial(String),
    /// A `--gpus` value that is neither `all` nor a list of indices or UUIDs.
    #[error("`--gpus {0}` is neither `all` nor a comma-separated list of GPU indices or UUIDs")]
    Gpus(String),
    /// A `--memory` value docker does not accept.
    #[error("`--memory {0}` is not a size such as `16g` or `512m`")]
    Memory(String),
    /// The Compose document could not be written as YAML.
    #[error("cannot write the Compose file as YAML")]
    Yaml(#[source] serde_norway::Error),
}

/// What [`SetupError::BasePython`] says: the base, its `python3`, and the release's Pythons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasePython {
    /// The `nvidia/cuda` tag (`nvidia/cuda:12.3.1-cudnn-runtime-ubuntu22.04`).
    pub base: String,
    /// Its OS's `python3` (`3.10`).
    pub python: String,
    /// Where that was read (packages.ubuntu.com).
    pub url: String,
    /// The release (`jax==0.7.0`).
    pub release: String,
    /// The Python versions it supports (`>=3.11`).
    pub supported: String,
    /// A `--python` the release supports.
    pub suggest: Option<String>,
}

impl SetupError {
    /// A hint for the user, where one helps.
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::Spec(_) => Some("write NAME==VERSION, e.g. `tensorflow==2.9.0`, `torch==2.1.0+cu121`, `jax==0.4.30`".to_owned()),
            Self::Query(e) => e.hint(),
            Self::Python { .. } => Some("`cudoctor requirements SPEC` lists the Python versions of each release".to_owned()),
            Self::PythonWithOfficial(_) => Some("add `--base cuda`, or drop `--python`".to_owned()),
            Self::BasePython(b) => Some(match &b.suggest {
                Some(py) => format!("pass `--python {py}`: the Dockerfile then installs `python{py}` from the base's Ubuntu archive (whether the archive has it is not in the knowledge base), or pick another release (`cudoctor requirements SPEC` lists their Python versions)"),
                None => "pick another release: `cudoctor requirements SPEC` lists the Python versions of each".to_owned(),
            }),
            _ => None,
        }
    }
}
