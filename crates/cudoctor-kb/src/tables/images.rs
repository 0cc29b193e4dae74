//! The `nvidia/cuda` images (`data/nvidia_cuda_images.toml`): flavors and tag examples.

use serde::{Deserialize, Serialize};

use crate::version::CudaVersion;

/// `nvidia/cuda` image flavor.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NvidiaCudaFlavor {
    /// base / runtime / devel.
    pub name: String,
    /// What it contains.
    pub text: String,
    /// Source.
    pub source: String,
}

/// `nvidia/cuda` tag example.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NvidiaCudaExample {
    /// Full reference.
    pub tag: String,
    /// CUDA.
    pub cuda: CudaVersion,
    /// cuDNN part of the tag (`"8"`, `""` for unnumbered); `None` = none.
    pub cudnn: Option<String>,
    /// Flavor.
    pub flavor: String,
    /// OS.
    pub os: String,
    /// Note.
    pub note: Option<String>,
    /// Source.
    pub source: String,
}

/// The `python3` an operating system installs from its own archive.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OsPython {
    /// The OS as an `nvidia/cuda` tag names it (`ubuntu22.04`).
    pub os: String,
    /// Its default Python 3, major.minor (`3.10`).
    pub python: String,
    /// The pip a virtual environment of it gets (the archive's `python-pip-whl`, named
    /// `python3-pip-whl` from 22.04: `22.0.2`).
    pub pip: String,
    /// Source (the distribution's package page).
    pub source: String,
}

table_file! {
    NvidiaCudaFile {
        flavor: NvidiaCudaFlavor,
        example: NvidiaCudaExample,
        os_python: OsPython,
    }
}

rows! {
    /// `nvidia/cuda` image flavors (base, runtime, devel).
    nvidia_cuda_flavors: [NvidiaCudaFlavor] = nvidia_cuda_flavors;
    /// `nvidia/cuda` tag examples illustrating the scheme.
    nvidia_cuda_examples: [NvidiaCudaExample] = nvidia_cuda_examples;
    /// The default `python3` of each operating system an `nvidia/cuda` tag names.
    os_pythons: [OsPython] = os_pythons;
}

impl crate::Kb {
    /// The default `python3` of `os` (`ubuntu22.04` -> `3.10`), where the table has it.
    pub fn os_python(&self, os: &str) -> Option<&OsPython> {
        self.os_pythons.iter().find(|r| r.os == os)
    }
}
