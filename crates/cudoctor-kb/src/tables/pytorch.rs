//! PyTorch (`data/pytorch.toml`): the CUDA variants of each release series.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Kb;
use super::values::{PythonRange, Series};
use crate::version::{
    ComputeCapability, CudaVersion, CudnnVersion, FrameworkVersion, GpuCode, PythonVersion,
    VersionParseError,
};

/// A `TORCH_CUDA_ARCH_LIST`: `5.0;6.0;7.0;7.5;8.0;8.6;9.0`, `+PTX` after an entry adds PTX for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TorchArchList {
    text: String,
    codes: Vec<GpuCode>,
}

impl TorchArchList {
    /// The GPU code the wheels carry: SASS for every entry, PTX for `+PTX` entries.
    pub fn codes(&self) -> &[GpuCode] {
        &self.codes
    }
    /// The list as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl FromStr for TorchArchList {
    type Err = VersionParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut codes = Vec::new();
        for entry in s.split(';') {
            let (cc, ptx) = match entry.trim().strip_suffix("+PTX") {
                Some(cc) => (cc, true),
                None => (entry.trim(), false),
            };
            let cc: ComputeCapability = cc.parse()?;
            codes.push(GpuCode::Sass(cc));
            if ptx {
                codes.push(GpuCode::Ptx(cc));
            }
        }
        codes.sort();
        Ok(Self {
            text: s.to_owned(),
            codes,
        })
    }
}
impl fmt::Display for TorchArchList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}
serde_from_str!(TorchArchList);

/// PyTorch: one CUDA variant of a release series (`data/pytorch.toml`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TorchVariant {
    /// Release series.
    pub release: Series,
    /// Wheel tag (`cu121`).
    pub tag: String,
    /// CUDA of the build.
    pub cuda: CudaVersion,
    /// stable / experimental / legacy.
    pub channel: String,
    /// Whether `pip install torch` on Linux gives this variant.
    pub pypi_default: bool,
    /// Python versions; `None` = unknown.
    pub python: Option<Vec<PythonRange>>,
    /// Experimental Python versions.
    #[serde(default)]
    pub python_experimental: Vec<PythonVersion>,
    /// Bundled cuDNN; `None` = unknown.
    pub cudnn: Option<CudnnVersion>,
    /// `TORCH_CUDA_ARCH_LIST`; `None` = unknown.
    pub arch_list: Option<TorchArchList>,
    /// Confidence.
    pub confidence: String,
    /// Note.
    pub note: Option<String>,
    /// How a value of the row was computed rather than read from its source (absent: read).
    pub derived: Option<String>,
    /// Source.
    pub source: String,
}

/// When `import torch` loads a library: at the import, or on the first call that needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TorchLoad {
    /// A DT_NEEDED entry of a library the import loads (or of one of theirs): without it the
    /// import fails.
    Import,
    /// Opened by name on the first call that needs it: the import works without it.
    FirstUse,
}

/// PyTorch: when a wheel whose CUDA libraries are pinned `nvidia-*` wheels loads one library
/// family's library (`data/pytorch.toml`, `[[library_load]]`), as measured in the wheels.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TorchLibraryLoad {
    /// The family (as in `data/library_packages.toml`: `cusolver`).
    pub family: String,
    /// At the import or on first use.
    pub loaded: TorchLoad,
    /// Which file of the wheel needs it, and how.
    pub by: String,
    /// For [`TorchLoad::FirstUse`]: the calls that load it.
    pub when: Option<String>,
    /// The wheels read.
    pub measured: String,
    /// Source.
    pub source: String,
}

table_file! { PytorchFile { variant: TorchVariant, library_load: TorchLibraryLoad } }

rows! {
    /// Every PyTorch variant row, oldest first.
    torch_variants: [TorchVariant] = torch_variants;
    /// When PyTorch loads each library family, as measured in its wheels.
    torch_library_loads: [TorchLibraryLoad] = torch_library_loads;
}

impl Kb {
    /// The PyTorch variants of `version`'s release series.
    pub fn torch_release(&self, version: &FrameworkVersion) -> Vec<&TorchVariant> {
        let s = Series::of(version);
        self.torch_variants
            .iter()
            .filter(|v| v.release == s)
            .collect()
    }

    /// When PyTorch loads the library of `family` (`cusolver`, or an alias of a packaging row:
    /// `cublasLt` is `cublas`'s); `None` where that was not measured.
    pub fn torch_library_load(&self, family: &str) -> Option<&TorchLibraryLoad> {
        let family = self
            .library_packaging(family)
            .map_or(family, |row| row.family.as_str());
        self.torch_library_loads.iter().find(|r| r.family == family)
    }

    /// One PyTorch variant (`2.4.1`, `cu121`).
    pub fn torch_variant(&self, version: &FrameworkVersion, tag: &str) -> Option<&TorchVariant> {
        self.torch_release(version)
            .into_iter()
            .find(|v| v.tag == tag)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn python_ranges_and_arch_lists() {
        let r: PythonRange = "3.3-3.6".parse().unwrap();
        assert_eq!(r.expand().len(), 4);
        assert!("3.6-3.3".parse::<PythonRange>().is_err());
        assert!("2.7-3.3".parse::<PythonRange>().is_err());
        let a: TorchArchList = "7.5;8.0;12.0+PTX".parse().unwrap();
        let codes: Vec<String> = a.codes().iter().map(ToString::to_string).collect();
        assert_eq!(codes, ["sm_75", "sm_80", "sm_120", "compute_120"]);
        assert!("7.5;x".parse::<TorchArchList>().is_err());
    }

    /// Every family of the packaging table has a measured row (PyTorch also pins wheels the
    /// table does not list, such as cuSPARSELt, cuFile and NVTX: those have none), and the two
    /// the import does not load are the ones measured so: cuSOLVER (libtorch_cuda_linalg.so,
    /// opened on first use) and NVRTC (opened by name).
    #[test]
    fn every_packaged_family_has_a_measured_load() {
        let kb = crate::kb();
        for row in kb.library_packages() {
            for family in std::iter::once(&row.family).chain(&row.aliases) {
                let load = kb.torch_library_load(family);
                assert!(load.is_some(), "{family}");
            }
        }
        let first_use: Vec<&str> = kb
            .torch_library_loads()
            .iter()
            .filter(|r| r.loaded == TorchLoad::FirstUse)
            .map(|r| r.family.as_str())
            .collect();
        assert_eq!(first_use, ["cusolver", "nvrtc"]);
        assert_eq!(
            kb.torch_library_load("cublasLt").map(|r| r.family.as_str()),
            Some("cublas")
        );
        assert!(kb.torch_library_load("nvtx").is_none());
    }
}
