//! The embedded tables: typed rows, parsed once from `data/*.toml`.
//!
//! Each row type mirrors one table of one data file (the file's header comment explains the
//! columns). Versions are parsed into the types of [`crate::version`] while the file is read, so a
//! malformed version in a data file is a load error naming the file, never a wrong comparison.
//! Unknown facts are `None`, never a default.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use crate::tables::library_packages::LibraryPackaging;
use crate::version::{
    ComputeCapability, CudaVersion, CudnnVersion, DriverVersion, FrameworkVersion, GpuCode,
    PtxIsaVersion, PythonVersion, VersionParseError,
};

/// The embedded data files: `data/NAME.toml`, converted to JSON by `build.rs`.
pub(crate) const FILES: &[(&str, &str)] = &[
    (
        "data/tensorflow.toml",
        include_str!(concat!(env!("OUT_DIR"), "/tensorflow.json")),
    ),
    (
        "data/cuda.toml",
        include_str!(concat!(env!("OUT_DIR"), "/cuda.json")),
    ),
    (
        "data/cudnn.toml",
        include_str!(concat!(env!("OUT_DIR"), "/cudnn.json")),
    ),
    (
        "data/pytorch.toml",
        include_str!(concat!(env!("OUT_DIR"), "/pytorch.json")),
    ),
    (
        "data/jax.toml",
        include_str!(concat!(env!("OUT_DIR"), "/jax.json")),
    ),
    (
        "data/gpus.toml",
        include_str!(concat!(env!("OUT_DIR"), "/gpus.json")),
    ),
    (
        "data/nvidia_cuda_images.toml",
        include_str!(concat!(env!("OUT_DIR"), "/nvidia_cuda_images.json")),
    ),
    (
        "data/library_packages.toml",
        include_str!(concat!(env!("OUT_DIR"), "/library_packages.json")),
    ),
];

/// An embedded table that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The table did not parse into the row types.
    #[error("reading the embedded table `{file}`")]
    Parse {
        /// The data file.
        file: &'static str,
        /// What was wrong (field and reason).
        #[source]
        source: serde_json::Error,
    },
    /// A row parsed but breaks a rule of its table.
    #[error("checking the embedded table `{file}`: {reason}")]
    Invalid {
        /// The data file.
        file: &'static str,
        /// What is wrong.
        reason: String,
    },
}

// ---------------------------------------------------------------------------------------------
// Small value types used by the rows

macro_rules! serde_from_str {
    ($ty:ty) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }
    };
}

/// A framework release series `X.Y` (`2.9` covers `2.9.0`, `2.9.3`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Series {
    /// Major.
    pub major: u64,
    /// Minor.
    pub minor: u64,
}

impl Series {
    /// Whether `version` belongs to this series.
    pub fn contains(self, version: &FrameworkVersion) -> bool {
        version.in_series(&[self.major, self.minor])
    }
    /// The series of a version (`2.9.3` -> `2.9`).
    pub fn of(version: &FrameworkVersion) -> Self {
        let r = version.release();
        Self {
            major: r.first().copied().unwrap_or(0),
            minor: r.get(1).copied().unwrap_or(0),
        }
    }
}

impl FromStr for Series {
    type Err = VersionParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason: &str| VersionParseError {
            kind: "release series",
            input: s.to_owned(),
            reason: reason.to_owned(),
        };
        let (a, b) = s
            .trim()
            .split_once('.')
            .ok_or_else(|| err("expected `MAJOR.MINOR`"))?;
        Ok(Self {
            major: a.parse().map_err(|_| err("the major is not a number"))?,
            minor: b.parse().map_err(|_| err("the minor is not a number"))?,
        })
    }
}
impl fmt::Display for Series {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}
serde_from_str!(Series);

/// Python versions as a data file writes them: `3.7` or `3.3-3.6` (same major, inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PythonRange {
    /// First version.
    pub first: PythonVersion,
    /// Last version (inclusive).
    pub last: PythonVersion,
}

impl PythonRange {
    /// Whether `v` is in the range.
    pub fn contains(self, v: PythonVersion) -> bool {
        self.first <= v && v <= self.last
    }
    /// Every minor version in the range.
    pub fn expand(self) -> Vec<PythonVersion> {
        (self.first.minor()..=self.last.minor())
            .map(|m| PythonVersion::new(self.first.major(), m))
            .collect()
    }
}

impl FromStr for PythonRange {
    type Err = VersionParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (a, b) = s.split_once('-').unwrap_or((s, s));
        let first: PythonVersion = a.trim().parse()?;
        let last: PythonVersion = b.trim().parse()?;
        if first.major() != last.major() || first > last {
            return Err(VersionParseError {
                kind: "Python range",
                input: s.to_owned(),
                reason: "expected `X.Y-X.Z` with the same major and Y <= Z".to_owned(),
            });
        }
        Ok(Self { first, last })
    }
}
impl fmt::Display for PythonRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.first == self.last {
            write!(f, "{}", self.first)
        } else {
            write!(f, "{}-{}", self.first, self.last)
        }
    }
}
serde_from_str!(PythonRange);

/// Expands Python ranges into the list of versions.
pub fn expand_python(ranges: &[PythonRange]) -> Vec<PythonVersion> {
    ranges.iter().flat_map(|r| r.expand()).collect()
}

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

/// TensorFlow's `cuda_compute_capabilities` (its `build_info.py`, set at build time from
/// `TF_CUDA_COMPUTE_CAPABILITIES`): `sm_XY` means SASS for X.Y only, `compute_XY` means SASS
/// `sm_XY` **and** PTX `compute_XY`. TensorFlow's `third_party/gpus/cuda_configure.bzl`: "'compute_xy'
/// refers to both PTX and SASS, 'sm_xy' refers to SASS only"; its nvcc wrapper turns such an entry
/// into `-gencode=arch=compute_XY,code="sm_XY,compute_XY"`. (PyTorch's lists are a different
/// convention: see [`TorchArchList`].) Measured on the official wheels: `[[wheel]]` rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TfComputeCapabilities {
    entries: Vec<String>,
    codes: Vec<GpuCode>,
}

impl TfComputeCapabilities {
    /// Reads build entries (`"sm_35"`, `"compute_80"`); `8.0`-style entries (TensorFlow 1.x
    /// `TF_CUDA_COMPUTE_CAPABILITIES`) mean SASS and PTX, as `compute_80` does.
    pub fn parse<'a>(
        entries: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, VersionParseError> {
        let mut codes = Vec::new();
        let mut text = Vec::new();
        for entry in entries {
            let entry = entry.trim();
            text.push(entry.to_owned());
            if let Some(rest) = entry.strip_prefix("sm_") {
                let cc: ComputeCapability = format!("sm_{rest}").parse()?;
                codes.push(GpuCode::Sass(cc));
            } else {
                let cc: ComputeCapability = entry.parse()?;
                codes.push(GpuCode::Sass(cc));
                codes.push(GpuCode::Ptx(cc));
            }
        }
        codes.sort();
        codes.dedup();
        Ok(Self {
            entries: text,
            codes,
        })
    }
    /// The GPU code the build carries: SASS for every entry, PTX for `compute_XY` entries.
    pub fn codes(&self) -> &[GpuCode] {
        &self.codes
    }
    /// The entries as `build_info.py` lists them.
    pub fn entries(&self) -> &[String] {
        &self.entries
    }
}

impl<'de> Deserialize<'de> for TfComputeCapabilities {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let entries = Vec::<String>::deserialize(d)?;
        Self::parse(entries.iter().map(String::as_str)).map_err(serde::de::Error::custom)
    }
}
impl Serialize for TfComputeCapabilities {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.entries.serialize(s)
    }
}

// ---------------------------------------------------------------------------------------------
// Rows

/// TensorFlow: one tested GPU build configuration (`data/tensorflow.toml`, `[[release]]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TfRelease {
    /// The first release of the series that the table lists.
    pub version: FrameworkVersion,
    /// The pip package with GPU support (`tensorflow`, `tensorflow-gpu`).
    pub package: String,
    /// Python versions.
    pub python: Vec<PythonRange>,
    /// Compiler.
    pub compiler: String,
    /// Build tool.
    pub build_tools: String,
    /// cuDNN the release was built with.
    pub cudnn: CudnnVersion,
    /// CUDA the release was built with.
    pub cuda: CudaVersion,
    /// Decisions and corrections.
    pub note: Option<String>,
    /// How a value of the row was computed rather than read from its source (absent: read).
    pub derived: Option<String>,
    /// Where the row was read.
    pub source: String,
}

/// TensorFlow: GPU code in the official wheels for a range of series (`[[archs]]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TfArchRange {
    /// First series.
    pub first: Series,
    /// Last series (inclusive).
    pub last: Series,
    /// `cuda_compute_capabilities` as the wheels' `build_info.py` lists it; `None` = unknown.
    pub cuda_compute_capabilities: Option<TfComputeCapabilities>,
    /// Confidence.
    pub confidence: String,
    /// Note.
    pub note: Option<String>,
    /// How a value of the row was computed rather than read (absent: every value was read).
    pub derived: Option<String>,
    /// Source.
    pub source: String,
}

impl TfArchRange {
    /// The GPU code of the wheels (TensorFlow's convention applied); `None` = unknown.
    pub fn codes(&self) -> Option<&[GpuCode]> {
        self.cuda_compute_capabilities
            .as_ref()
            .map(TfComputeCapabilities::codes)
    }
}

/// TensorFlow: the GPU code measured in one official wheel's libraries (`[[wheel]]`), read with
/// `cudoctor archs` (the fatbinary headers) and checked against CUDA's `cuobjdump`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TfWheel {
    /// The release.
    pub version: FrameworkVersion,
    /// The wheel's file name.
    pub file: String,
    /// The wheel's sha256.
    pub sha256: String,
    /// The libraries that carry GPU code (paths inside the wheel).
    pub libraries: Vec<String>,
    /// SASS architectures found (union over the libraries).
    pub sass: Vec<GpuCode>,
    /// PTX architectures found.
    pub ptx: Vec<GpuCode>,
    /// PTX ISA versions of the PTX found, lowest first.
    pub ptx_isa: Vec<PtxIsaVersion>,
    /// Counts as measured, for the reader (`"sm_80: 290 cubins"`).
    pub note: Option<String>,
    /// The wheel's URL.
    pub source: String,
}

impl TfWheel {
    /// All GPU code found, sorted.
    pub fn codes(&self) -> Vec<GpuCode> {
        let mut c: Vec<GpuCode> = self.sass.iter().chain(&self.ptx).copied().collect();
        c.sort();
        c
    }
    /// The newest PTX ISA found: what a driver's JIT must understand.
    pub fn ptx_isa_max(&self) -> Option<PtxIsaVersion> {
        self.ptx_isa.iter().max().copied()
    }
}

/// TensorFlow: sonames the official wheels dlopen (`[[sonames]]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TfSonames {
    /// First series.
    pub first: Series,
    /// Last series (inclusive).
    pub last: Series,
    /// `observed` or `expected`.
    pub evidence: String,
    /// Library -> soname (`cudart` -> `libcudart.so.11.0`).
    pub libs: BTreeMap<String, String>,
    /// Confidence.
    pub confidence: String,
    /// Note.
    pub note: Option<String>,
    /// How a value of the row was computed rather than read from its source (absent: read).
    pub derived: Option<String>,
    /// Source.
    pub source: String,
}

/// TensorFlow: a pip package name (`[[package]]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TfPackage {
    /// Name on PyPI.
    pub name: String,
    /// Whether it has GPU support.
    pub gpu: bool,
    /// Note.
    pub note: Option<String>,
    /// Source.
    pub source: String,
}

/// TensorFlow: an image tag pattern (`[[image_scheme]]`), `{version}` is replaced.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ImageScheme {
    /// Pattern.
    pub pattern: String,
    /// First release series the pattern applies to.
    pub first: Series,
    /// Note.
    pub note: Option<String>,
    /// Source.
    pub source: String,
}

/// TensorFlow: an official image whose contents were read (`[[image]]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TfImage {
    /// Full image reference.
    pub tag: String,
    /// TensorFlow release inside.
    pub tf_version: FrameworkVersion,
    /// Base image.
    pub base: Option<String>,
    /// Ubuntu release.
    pub ubuntu: Option<String>,
    /// CUDA inside.
    pub cuda: Option<CudaVersion>,
    /// cuDNN inside.
    pub cudnn: Option<CudnnVersion>,
    /// TensorRT inside.
    pub tensorrt: Option<String>,
    /// Confidence.
    pub confidence: String,
    /// Note.
    pub note: Option<String>,
    /// Source.
    pub source: String,
}

/// CUDA: one toolkit release (`data/cuda.toml`, `[[release]]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CudaRelease {
    /// Version.
    pub version: CudaVersion,
    /// NVIDIA's label.
    pub label: String,
    /// GA / GA2 / update / RC / preview / unknown.
    pub kind: String,
    /// The toolkit driver (Linux x86_64); `None` = unknown.
    pub driver_min: Option<DriverVersion>,
    /// Confidence.
    pub confidence: String,
    /// Note.
    pub note: Option<String>,
    /// How a value of the row was computed rather than read from its source (absent: read).
    pub derived: Option<String>,
    /// Source.
    pub source: String,
}

impl CudaRelease {
    /// Whether this is a general-availability release (not an RC or preview).
    pub fn is_ga(&self) -> bool {
        self.kind.starts_with("GA")
    }
}

/// CUDA: minor-version compatibility of one major (`[[family]]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CudaFamily {
    /// CUDA major.
    pub major: u32,
    /// Lowest driver for minor-version compatibility.
    pub driver_min: DriverVersion,
    /// False where NVIDIA gives only the branch.
    pub exact: bool,
    /// Note.
    pub note: Option<String>,
    /// Confidence.
    pub confidence: String,
    /// Source.
    pub source: String,
}

/// CUDA: the lowest compute capability the `nvcc` of one CUDA major can compile for
/// (`[[nvcc_target]]`). A GPU below it runs no code built with that major: no SASS can exist for
/// it, and PTX never JIT-compiles down to a lower capability.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NvccTarget {
    /// CUDA major.
    pub major: u32,
    /// The lowest compute capability its `nvcc` targets.
    pub cc_min: ComputeCapability,
    /// Confidence.
    pub confidence: String,
    /// Note.
    pub note: Option<String>,
    /// Source.
    pub source: String,
}

/// CUDA: a PTX ISA version and the first CUDA release of it (`[[ptx_isa]]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PtxIsaRow {
    /// ISA version.
    pub isa: PtxIsaVersion,
    /// First CUDA release that emits (and whose driver loads) it.
    pub first_cuda: CudaVersion,
    /// Confidence.
    pub confidence: String,
    /// Note.
    pub note: Option<String>,
    /// Source.
    pub source: String,
}

/// CUDA: a compatibility note (`[[forward_compat]]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CompatNote {
    /// Short topic key.
    pub topic: String,
    /// The note.
    pub text: String,
    /// Source.
    pub source: String,
}

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

/// A GPU model (`data/gpus.toml`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GpuRow {
    /// NVIDIA's name.
    pub name: String,
    /// Compute capability; `None` = unknown.
    pub cc: Option<ComputeCapability>,
    /// Architecture label.
    pub architecture: String,
    /// Market segment.
    pub segment: String,
    /// Other names.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Confidence.
    pub confidence: String,
    /// Note.
    pub note: Option<String>,
    /// How a value of the row was computed rather than read from its source (absent: read).
    pub derived: Option<String>,
    /// Source.
    pub source: String,
}

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

// ---------------------------------------------------------------------------------------------
// Files

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TensorflowFile {
    release: Vec<TfRelease>,
    archs: Vec<TfArchRange>,
    #[serde(default)]
    wheel: Vec<TfWheel>,
    sonames: Vec<TfSonames>,
    package: Vec<TfPackage>,
    image_scheme: Vec<ImageScheme>,
    image: Vec<TfImage>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CudaFile {
    release: Vec<CudaRelease>,
    family: Vec<CudaFamily>,
    nvcc_target: Vec<NvccTarget>,
    ptx_isa: Vec<PtxIsaRow>,
    forward_compat: Vec<CompatNote>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CudnnFile {
    build: Vec<CudnnBuild>,
    release: Vec<CudnnRelease>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PytorchFile {
    variant: Vec<TorchVariant>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JaxFile {
    plugin: Vec<JaxPlugin>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GpuFile {
    gpu: Vec<GpuRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NvidiaCudaFile {
    flavor: Vec<NvidiaCudaFlavor>,
    example: Vec<NvidiaCudaExample>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LibraryPackagesFile {
    package: Vec<LibraryPackaging>,
}

/// The knowledge base: every table, typed.
#[derive(Debug, Clone)]
pub struct Kb {
    pub(crate) tf_releases: Vec<TfRelease>,
    pub(crate) tf_archs: Vec<TfArchRange>,
    pub(crate) tf_wheels: Vec<TfWheel>,
    pub(crate) tf_sonames: Vec<TfSonames>,
    pub(crate) tf_packages: Vec<TfPackage>,
    pub(crate) tf_image_schemes: Vec<ImageScheme>,
    pub(crate) tf_images: Vec<TfImage>,
    pub(crate) cuda_releases: Vec<CudaRelease>,
    pub(crate) cuda_families: Vec<CudaFamily>,
    pub(crate) nvcc_targets: Vec<NvccTarget>,
    pub(crate) ptx_isas: Vec<PtxIsaRow>,
    pub(crate) compat_notes: Vec<CompatNote>,
    pub(crate) cudnn_builds: Vec<CudnnBuild>,
    pub(crate) cudnn_releases: Vec<CudnnRelease>,
    pub(crate) torch_variants: Vec<TorchVariant>,
    pub(crate) jax_plugins: Vec<JaxPlugin>,
    pub(crate) gpus: Vec<GpuRow>,
    pub(crate) nvidia_cuda_flavors: Vec<NvidiaCudaFlavor>,
    pub(crate) nvidia_cuda_examples: Vec<NvidiaCudaExample>,
    pub(crate) library_packages: Vec<LibraryPackaging>,
    /// Normalised `(full, core)` name keys per GPU row (same order as `gpus`).
    pub(crate) gpu_keys: Vec<Vec<(String, String)>>,
}

fn parse<T: serde::de::DeserializeOwned>(file: &'static str) -> Result<T, LoadError> {
    let text = FILES
        .iter()
        .find(|(name, _)| *name == file)
        .map_or("", |(_, text)| *text);
    serde_json::from_str(text).map_err(|source| LoadError::Parse { file, source })
}

static EMBEDDED: LazyLock<Result<Kb, LoadError>> = LazyLock::new(Kb::parse_embedded);

impl Kb {
    /// Parses the embedded tables (every call parses again; use [`Kb::embedded`]).
    pub fn parse_embedded() -> Result<Self, LoadError> {
        let tf: TensorflowFile = parse("data/tensorflow.toml")?;
        let cuda: CudaFile = parse("data/cuda.toml")?;
        let cudnn: CudnnFile = parse("data/cudnn.toml")?;
        let torch: PytorchFile = parse("data/pytorch.toml")?;
        let jax: JaxFile = parse("data/jax.toml")?;
        let gpus: GpuFile = parse("data/gpus.toml")?;
        let nv: NvidiaCudaFile = parse("data/nvidia_cuda_images.toml")?;
        let packages: LibraryPackagesFile = parse("data/library_packages.toml")?;
        let gpu_keys = crate::gpu::row_keys(&gpus.gpu);
        let kb = Self {
            gpu_keys,
            tf_releases: tf.release,
            tf_archs: tf.archs,
            tf_wheels: tf.wheel,
            tf_sonames: tf.sonames,
            tf_packages: tf.package,
            tf_image_schemes: tf.image_scheme,
            tf_images: tf.image,
            cuda_releases: cuda.release,
            cuda_families: cuda.family,
            nvcc_targets: cuda.nvcc_target,
            ptx_isas: cuda.ptx_isa,
            compat_notes: cuda.forward_compat,
            cudnn_builds: cudnn.build,
            cudnn_releases: cudnn.release,
            torch_variants: torch.variant,
            jax_plugins: jax.plugin,
            gpus: gpus.gpu,
            nvidia_cuda_flavors: nv.flavor,
            nvidia_cuda_examples: nv.example,
            library_packages: packages.package,
        };
        kb.validate()?;
        Ok(kb)
    }

    /// The embedded knowledge base, parsed on first use.
    pub fn embedded() -> Result<&'static Self, &'static LoadError> {
        EMBEDDED.as_ref()
    }

    /// Rules every table must keep; checked at load, so a broken table never answers queries.
    fn validate(&self) -> Result<(), LoadError> {
        fn sorted<T, K: Ord>(
            file: &'static str,
            what: &str,
            rows: &[T],
            key: impl Fn(&T) -> K,
            show: impl Fn(&T) -> String,
        ) -> Result<(), LoadError> {
            for w in rows.windows(2) {
                if key(&w[0]) >= key(&w[1]) {
                    return Err(LoadError::Invalid {
                        file,
                        reason: format!(
                            "{what} rows must be sorted oldest first without duplicates: `{}` is followed by `{}`",
                            show(&w[0]),
                            show(&w[1])
                        ),
                    });
                }
            }
            Ok(())
        }
        sorted(
            "data/tensorflow.toml",
            "release",
            &self.tf_releases,
            |r| r.version.clone(),
            |r| r.version.to_string(),
        )?;
        sorted(
            "data/tensorflow.toml",
            "archs",
            &self.tf_archs,
            |r| r.first,
            |r| r.first.to_string(),
        )?;
        sorted(
            "data/tensorflow.toml",
            "sonames",
            &self.tf_sonames,
            |r| r.first,
            |r| r.first.to_string(),
        )?;
        sorted(
            "data/cuda.toml",
            "release",
            &self.cuda_releases,
            |r| {
                let v = r.version;
                (v.major(), v.minor(), v.patch().unwrap_or(0))
            },
            |r| r.version.to_string(),
        )?;
        sorted(
            "data/cuda.toml",
            "family",
            &self.cuda_families,
            |r| r.major,
            |r| r.major.to_string(),
        )?;
        sorted(
            "data/cuda.toml",
            "nvcc_target",
            &self.nvcc_targets,
            |r| r.major,
            |r| r.major.to_string(),
        )?;
        sorted(
            "data/cuda.toml",
            "ptx_isa",
            &self.ptx_isas,
            |r| r.isa,
            |r| r.isa.to_string(),
        )?;
        sorted(
            "data/cudnn.toml",
            "build",
            &self.cudnn_builds,
            |r| (r.first, r.cuda_min.map(|c| (c.major(), c.minor()))),
            |r| format!("{} {}", r.first, r.family),
        )?;
        sorted(
            "data/cudnn.toml",
            "release",
            &self.cudnn_releases,
            |r| r.first,
            |r| r.first.to_string(),
        )?;
        sorted(
            "data/pytorch.toml",
            "variant",
            &self.torch_variants,
            |r| (r.release, r.cuda.major(), r.cuda.minor()),
            |r| format!("{} {}", r.release, r.tag),
        )?;
        sorted(
            "data/jax.toml",
            "plugin",
            &self.jax_plugins,
            |r| (r.version.clone(), r.variant.clone()),
            |r| format!("{} {}", r.version, r.variant),
        )?;
        // A library family names one packaging row.
        let mut families = std::collections::BTreeSet::new();
        for r in &self.library_packages {
            for f in std::iter::once(&r.family).chain(&r.aliases) {
                if !families.insert(f.as_str()) {
                    return Err(LoadError::Invalid {
                        file: "data/library_packages.toml",
                        reason: format!("the family `{f}` is listed twice"),
                    });
                }
            }
        }
        // Ranges must not overlap.
        for (file, what, ranges) in [
            (
                "data/tensorflow.toml",
                "archs",
                self.tf_archs
                    .iter()
                    .map(|r| (r.first, r.last))
                    .collect::<Vec<_>>(),
            ),
            (
                "data/tensorflow.toml",
                "sonames",
                self.tf_sonames.iter().map(|r| (r.first, r.last)).collect(),
            ),
        ] {
            for (i, (first, last)) in ranges.iter().enumerate() {
                if first > last {
                    return Err(LoadError::Invalid {
                        file,
                        reason: format!("{what} row {first}-{last} ends before it starts"),
                    });
                }
                if let Some((nf, _)) = ranges.get(i + 1) {
                    if nf <= last {
                        return Err(LoadError::Invalid {
                            file,
                            reason: format!(
                                "{what} rows overlap: {first}-{last} and one from {nf}"
                            ),
                        });
                    }
                }
            }
        }
        Ok(())
    }
}

impl Kb {
    /// TensorFlow pip package names.
    pub fn tf_packages(&self) -> &[TfPackage] {
        &self.tf_packages
    }

    /// TensorFlow GPU-code rows (by series range).
    pub fn tf_arch_rows(&self) -> &[TfArchRange] {
        &self.tf_archs
    }

    /// TensorFlow wheels whose GPU code was measured.
    pub fn tf_wheels(&self) -> &[TfWheel] {
        &self.tf_wheels
    }

    /// TensorFlow soname rows (by series range).
    pub fn tf_soname_rows(&self) -> &[TfSonames] {
        &self.tf_sonames
    }

    /// TensorFlow image tag patterns.
    pub fn tf_image_schemes(&self) -> &[ImageScheme] {
        &self.tf_image_schemes
    }

    /// TensorFlow image rows whose contents were read.
    pub fn tf_image_rows(&self) -> &[TfImage] {
        &self.tf_images
    }

    /// Forward-compatibility and minor-version-compatibility notes.
    pub fn compat_notes(&self) -> &[CompatNote] {
        &self.compat_notes
    }

    /// CUDA minor-version-compatibility families.
    pub fn cuda_families(&self) -> &[CudaFamily] {
        &self.cuda_families
    }

    /// The lowest-target rows, one per CUDA major (`[[nvcc_target]]`).
    pub fn nvcc_targets(&self) -> &[NvccTarget] {
        &self.nvcc_targets
    }

    /// The lowest compute capability the `nvcc` of `cuda`'s major can target; `None` when the
    /// table has no row for that major (unknown, never "anything").
    pub fn nvcc_target(&self, cuda: CudaVersion) -> Option<&NvccTarget> {
        self.nvcc_targets.iter().find(|r| r.major == cuda.major())
    }

    /// cuDNN builds from the support matrices, oldest first.
    pub fn cudnn_builds(&self) -> &[CudnnBuild] {
        &self.cudnn_builds
    }

    /// cuDNN releases known to exist without support-matrix details.
    pub fn cudnn_releases(&self) -> &[CudnnRelease] {
        &self.cudnn_releases
    }

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

    /// `nvidia/cuda` image flavors (base, runtime, devel).
    pub fn nvidia_cuda_flavors(&self) -> &[NvidiaCudaFlavor] {
        &self.nvidia_cuda_flavors
    }

    /// `nvidia/cuda` tag examples illustrating the scheme.
    pub fn nvidia_cuda_examples(&self) -> &[NvidiaCudaExample] {
        &self.nvidia_cuda_examples
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
    fn validation_rejects_unsorted_duplicate_and_overlapping_rows() {
        let good = Kb::parse_embedded().unwrap();
        let mut kb = good.clone();
        kb.tf_releases.swap(0, 1);
        assert!(kb.validate().unwrap_err().to_string().contains("sorted"));
        let mut kb = good.clone();
        let dup = kb.cuda_releases[3].clone();
        kb.cuda_releases.insert(3, dup);
        assert!(kb.validate().is_err());
        let mut kb = good.clone();
        kb.tf_archs[1].first = kb.tf_archs[0].last;
        assert!(kb.validate().unwrap_err().to_string().contains("overlap"));
        let mut kb = good;
        kb.torch_variants.swap(0, 1);
        assert!(kb.validate().is_err());
    }

    #[test]
    fn load_errors_name_the_file() {
        let e = serde_json::from_str::<CudaFile>(r#"{"release": [{"version": "x"}]}"#)
            .map_err(|source| LoadError::Parse {
                file: "data/cuda.toml",
                source,
            })
            .err()
            .unwrap();
        assert!(e.to_string().contains("`data/cuda.toml`"));
    }

    #[test]
    fn cudnn_ranges_compare_on_the_given_precision() {
        let v = |s: &str| s.parse::<CudnnVersion>().unwrap();
        assert!(cudnn_in_range(v("8.1"), v("8.1.0"), v("8.1.1")));
        assert!(cudnn_in_range(v("7"), v("7.4.0"), v("7.4.0")));
        assert!(cudnn_in_range(v("8.9.2.26"), v("8.9.2"), v("8.9.2")));
        assert!(!cudnn_in_range(v("8.9.3"), v("8.9.2"), v("8.9.2")));
        assert!(!cudnn_in_range(v("9.2"), v("9.0.0"), v("9.1.0")));
    }

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

    #[test]
    fn tensorflow_compute_entries_are_sass_and_ptx() {
        // build_info.py of the 2.9.0 wheel; cuda_configure.bzl: compute_xy is PTX and SASS.
        let l = TfComputeCapabilities::parse([
            "sm_35",
            "sm_50",
            "sm_60",
            "sm_70",
            "sm_75",
            "compute_80",
        ])
        .unwrap();
        let codes: Vec<String> = l.codes().iter().map(ToString::to_string).collect();
        assert_eq!(
            codes,
            [
                "sm_35",
                "sm_50",
                "sm_60",
                "sm_70",
                "sm_75",
                "sm_80",
                "compute_80"
            ]
        );
        assert_eq!(l.entries().len(), 6);
        // TF 1.x style `8.0` entries mean the same as compute_80; duplicates fold.
        let l = TfComputeCapabilities::parse(["3.7", "sm_37", "compute_37"]).unwrap();
        let codes: Vec<String> = l.codes().iter().map(ToString::to_string).collect();
        assert_eq!(codes, ["sm_37", "compute_37"]);
        assert!(TfComputeCapabilities::parse(["sm_x"]).is_err());
        assert!(TfComputeCapabilities::parse(["compute_"]).is_err());
        // Serialized as read.
        let json = serde_json::to_string(&l).unwrap();
        assert_eq!(json, r#"["3.7","sm_37","compute_37"]"#);
    }
}
