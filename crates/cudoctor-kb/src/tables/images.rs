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

table_file! {
    NvidiaCudaFile {
        flavor: NvidiaCudaFlavor,
        example: NvidiaCudaExample,
    }
}

rows! {
    /// `nvidia/cuda` image flavors (base, runtime, devel).
    nvidia_cuda_flavors: [NvidiaCudaFlavor] = nvidia_cuda_flavors;
    /// `nvidia/cuda` tag examples illustrating the scheme.
    nvidia_cuda_examples: [NvidiaCudaExample] = nvidia_cuda_examples;
}
