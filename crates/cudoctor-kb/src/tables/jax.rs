//! JAX (`data/jax.toml`): the CUDA plugins of each release.

use serde::{Deserialize, Serialize};

use super::Kb;
use crate::version::{
    ComputeCapability, CudaVersion, CudnnVersion, DriverVersion, FrameworkVersion, PythonVersion,
};

/// JAX: one CUDA plugin of a release (`data/jax.toml`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct JaxPlugin {
    /// jax release.
    pub version: FrameworkVersion,
    /// `cuda12` / `cuda13`.
    pub variant: String,
    /// pip extra.
    pub extra: String,
    /// Lowest Python.
    pub python_min: PythonVersion,
    /// CUDA built with.
    pub cuda_built: Option<CudaVersion>,
    /// Lowest CUDA it works with.
    pub cuda_min: Option<CudaVersion>,
    /// cuDNN built with.
    pub cudnn_built: Option<CudnnVersion>,
    /// Lowest cuDNN accepted.
    pub cudnn_min: Option<CudnnVersion>,
    /// cuDNN accepted below this.
    pub cudnn_below: Option<CudnnVersion>,
    /// Minimum driver as the docs state it.
    pub driver_min: Option<DriverVersion>,
    /// Lowest compute capability.
    pub cc_min: Option<ComputeCapability>,
    /// The cuDNN pin as written in plugin_setup.py.
    pub cudnn_pin: Option<String>,
    /// Note.
    pub note: Option<String>,
    /// How a value of the row was computed rather than read from its source (absent: read).
    pub derived: Option<String>,
    /// Source.
    pub source: String,
}

table_file! { JaxFile { plugin: JaxPlugin } }

rows! {
    /// Every JAX plugin row, oldest first.
    jax_plugins: [JaxPlugin] = jax_plugins;
}

impl Kb {
    /// The JAX plugins of one release.
    pub fn jax_release(&self, version: &FrameworkVersion) -> Vec<&JaxPlugin> {
        self.jax_plugins
            .iter()
            .filter(|p| &p.version == version)
            .collect()
    }
}
