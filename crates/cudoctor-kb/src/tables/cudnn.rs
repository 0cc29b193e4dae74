//! cuDNN (`data/cudnn.toml`): support-matrix builds and releases known without a matrix.

use serde::{Deserialize, Serialize};

use super::Kb;
use crate::version::{ComputeCapability, CudaVersion, CudnnVersion, DriverVersion};

/// cuDNN: one build of a range of releases for a CUDA family (`data/cudnn.toml`, `[[build]]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CudnnBuild {
    /// First cuDNN version covered.
    pub first: CudnnVersion,
    /// Last cuDNN version covered (inclusive).
    pub last: CudnnVersion,
    /// NVIDIA's name for the build ("for CUDA 12.x").
    pub family: String,
    /// Lowest CUDA supported.
    pub cuda_min: Option<CudaVersion>,
    /// Highest CUDA supported.
    pub cuda_max: Option<CudaVersion>,
    /// Minimum driver.
    pub driver_min: Option<DriverVersion>,
    /// Lowest compute capability.
    pub cc_min: Option<ComputeCapability>,
    /// Exact compute capability list where NVIDIA gives one.
    pub cc_list: Option<Vec<ComputeCapability>>,
    /// Confidence.
    pub confidence: String,
    /// Note.
    pub note: Option<String>,
    /// How a value of the row was computed rather than read from its source (absent: read).
    pub derived: Option<String>,
    /// Source.
    pub source: String,
}

/// cuDNN: releases known to exist whose support matrix was not read (`[[release]]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CudnnRelease {
    /// First version.
    pub first: CudnnVersion,
    /// Last version (inclusive).
    pub last: CudnnVersion,
    /// Note.
    pub note: Option<String>,
    /// How a value of the row was computed rather than read from its source (absent: read).
    pub derived: Option<String>,
    /// Source.
    pub source: String,
}

table_file! {
    CudnnFile {
        build: CudnnBuild,
        release: CudnnRelease,
    }
}

rows! {
    /// cuDNN builds from the support matrices, oldest first.
    cudnn_builds: [CudnnBuild] = cudnn_builds;
    /// cuDNN releases known to exist without support-matrix details.
    cudnn_releases: [CudnnRelease] = cudnn_releases;
}

impl Kb {
    /// The support-matrix builds covering a cuDNN version (compared on as many components as
    /// both sides give, up to the patch level).
    pub fn cudnn_builds_for(&self, version: CudnnVersion) -> Vec<&CudnnBuild> {
        self.cudnn_builds
            .iter()
            .filter(|b| cudnn_in_range(version, b.first, b.last))
            .collect()
    }

    /// Whether a cuDNN version is known to the tables (as a build or a release row).
    pub fn cudnn_known(&self, version: CudnnVersion) -> bool {
        !self.cudnn_builds_for(version).is_empty()
            || self
                .cudnn_releases
                .iter()
                .any(|r| cudnn_in_range(version, r.first, r.last))
    }
}

/// Truncates a cuDNN version to `n` components (for prefix comparison).
fn cudnn_prefix(v: CudnnVersion, n: usize) -> Vec<u32> {
    let parts = [v.major(), v.minor(), v.patch().unwrap_or(0)];
    parts[..n.min(3)].to_vec()
}

/// Whether `v` lies in `[first, last]`, comparing on `v`'s own precision (`8.1` is in
/// `8.1.0-8.1.1`; `7` is in `7.4.0`).
pub(crate) fn cudnn_in_range(v: CudnnVersion, first: CudnnVersion, last: CudnnVersion) -> bool {
    let n = v.components().min(3);
    let key = cudnn_prefix(v, n);
    cudnn_prefix(first, n) <= key && key <= cudnn_prefix(last, n)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cudnn_ranges_compare_on_the_given_precision() {
        let v = |s: &str| s.parse::<CudnnVersion>().unwrap();
        assert!(cudnn_in_range(v("8.1"), v("8.1.0"), v("8.1.1")));
        assert!(cudnn_in_range(v("7"), v("7.4.0"), v("7.4.0")));
        assert!(cudnn_in_range(v("8.9.2.26"), v("8.9.2"), v("8.9.2")));
        assert!(!cudnn_in_range(v("8.9.3"), v("8.9.2"), v("8.9.2")));
        assert!(!cudnn_in_range(v("9.2"), v("9.0.0"), v("9.1.0")));
    }
}
