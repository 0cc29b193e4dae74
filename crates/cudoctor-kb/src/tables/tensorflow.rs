//! TensorFlow (`data/tensorflow.toml`): tested build configurations, the GPU code and sonames of
//! the official wheels, pip package names and official images.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Kb;
use super::values::{PythonRange, Series};
use crate::query::PtxIsaProvenance;
use crate::version::{
    ComputeCapability, CudaVersion, CudnnVersion, FrameworkVersion, GpuCode, PtxIsaVersion,
    VersionParseError,
};

/// TensorFlow's `cuda_compute_capabilities` (its `build_info.py`, set at build time from
/// `TF_CUDA_COMPUTE_CAPABILITIES`): `sm_XY` means SASS for X.Y only, `compute_XY` means SASS
/// `sm_XY` **and** PTX `compute_XY`. TensorFlow's `third_party/gpus/cuda_configure.bzl`: "'compute_xy'
/// refers to both PTX and SASS, 'sm_xy' refers to SASS only"; its nvcc wrapper turns such an entry
/// into `-gencode=arch=compute_XY,code="sm_XY,compute_XY"`. (PyTorch's lists are a different
/// convention: see [`TorchArchList`](super::pytorch::TorchArchList).) Measured on the official wheels: `[[wheel]]` rows.
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

/// TensorFlow: a pip extra of the `tensorflow` package (`[[pip_extra]]`), such as `and-cuda`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TfPipExtra {
    /// The extra (`and-cuda`).
    pub extra: String,
    /// The first release series known to provide it.
    pub first: Series,
    /// Note.
    pub note: Option<String>,
    /// Source.
    pub source: String,
    /// Releases whose extra cannot be installed, and the post-release to install instead.
    #[serde(default)]
    pub replaced: Vec<TfExtraReplacement>,
}

/// A release whose pip extra cannot be installed (`tensorflow[and-cuda]==2.15.0` pins a
/// `tensorrt-libs` that PyPI does not have) and the release that fixes it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TfExtraReplacement {
    /// The release (`2.15.0`).
    pub version: String,
    /// What to install instead (`2.15.0.post1`).
    pub install: String,
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

table_file! {
    TensorflowFile {
        release: TfRelease,
        archs: TfArchRange,
        #[serde(default)] wheel: TfWheel,
        sonames: TfSonames,
        package: TfPackage,
        #[serde(default)] pip_extra: TfPipExtra,
        image_scheme: ImageScheme,
        image: TfImage,
    }
}

rows! {
    /// Every TensorFlow tested-configuration row, oldest first.
    tf_releases: [TfRelease] = tf_releases;
    /// TensorFlow GPU-code rows (by series range).
    tf_arch_rows: [TfArchRange] = tf_archs;
    /// TensorFlow wheels whose GPU code was measured.
    tf_wheels: [TfWheel] = tf_wheels;
    /// TensorFlow soname rows (by series range).
    tf_soname_rows: [TfSonames] = tf_sonames;
    /// TensorFlow pip package names.
    tf_packages: [TfPackage] = tf_packages;
    /// TensorFlow image tag patterns.
    tf_image_schemes: [ImageScheme] = tf_image_schemes;
    /// TensorFlow pip extras (`and-cuda`).
    tf_pip_extras: [TfPipExtra] = tf_pip_extras;
    /// TensorFlow image rows whose contents were read.
    tf_image_rows: [TfImage] = tf_images;
}

impl Kb {
    /// The TensorFlow row for a version: the row of its series, provided the version is not
    /// older than the release the table lists (`2.16.0` was never released; the table lists 2.16.1).
    pub fn tf_release(&self, version: &FrameworkVersion) -> Option<&TfRelease> {
        let series = Series::of(version);
        self.tf_releases
            .iter()
            .find(|r| series.contains(&r.version) && version >= &r.version)
    }

    /// The GPU code of the official TensorFlow wheels of `version`'s series (the row may say unknown).
    pub fn tf_archs(&self, version: &FrameworkVersion) -> Option<&TfArchRange> {
        let s = Series::of(version);
        self.tf_archs.iter().find(|r| r.first <= s && s <= r.last)
    }

    /// The measured wheel of `version`'s series: the same release if measured, else the newest
    /// measured release of the series that is not newer than `version`, else the oldest of it.
    pub fn tf_wheel(&self, version: &FrameworkVersion) -> Option<&TfWheel> {
        let s = Series::of(version);
        let same: Vec<&TfWheel> = self
            .tf_wheels
            .iter()
            .filter(|w| s.contains(&w.version))
            .collect();
        same.iter()
            .rev()
            .find(|w| &w.version <= version)
            .or_else(|| same.first())
            .copied()
    }

    /// The newest PTX ISA in TensorFlow `version`'s wheels and how it is known: measured in a
    /// wheel of the series, else derived from the CUDA version the release was built with.
    pub fn tf_ptx_isa(
        &self,
        version: &FrameworkVersion,
        cuda: CudaVersion,
    ) -> Option<(PtxIsaVersion, PtxIsaProvenance)> {
        if let Some(w) = self.tf_wheel(version) {
            if let Some(isa) = w.ptx_isa_max() {
                return Some((
                    isa,
                    PtxIsaProvenance::Measured {
                        wheel: w.file.clone(),
                        source: w.source.clone(),
                    },
                ));
            }
        }
        self.ptx_isa_for_cuda(cuda)
            .map(|isa| (isa, PtxIsaProvenance::Derived { cuda }))
    }

    /// The sonames TensorFlow `version` dlopens, where recorded.
    pub fn tf_sonames(&self, version: &FrameworkVersion) -> Option<&TfSonames> {
        let s = Series::of(version);
        self.tf_sonames.iter().find(|r| r.first <= s && s <= r.last)
    }

    /// The pip extra of the `tensorflow` package that installs the NVIDIA libraries for
    /// `version` (`and-cuda` from 2.14), if the table knows one for its series.
    /// The `pip install` argument for TensorFlow `version` of `package`: with the extra that
    /// installs the NVIDIA libraries where the release has it (`tensorflow[and-cuda]==2.14.0`,
    /// a post-release where the extra of the release itself cannot be installed), else
    /// `package==version`.
    pub fn tf_pip_argument(&self, package: &str, version: &FrameworkVersion) -> String {
        match self
            .tf_pip_extra(version)
            .filter(|_| package == "tensorflow")
        {
            Some(e) => {
                let v = version.to_string();
                let v = e
                    .replaced
                    .iter()
                    .find(|r| r.version == v)
                    .map_or(v, |r| r.install.clone());
                format!("tensorflow[{}]=={v}", e.extra)
            }
            None => format!("{package}=={version}"),
        }
    }

    pub fn tf_pip_extra(&self, version: &FrameworkVersion) -> Option<&TfPipExtra> {
        let s = Series::of(version);
        self.tf_pip_extras
            .iter()
            .filter(|e| e.first <= s)
            .max_by_key(|e| e.first)
    }

    /// Official images for a TensorFlow version: read rows for that version, else the names the
    /// documented tag scheme gives.
    pub fn tf_images(&self, version: &str) -> Vec<String> {
        let read: Vec<String> = self
            .tf_images
            .iter()
            .filter(|i| i.tf_version.to_string() == version)
            .map(|i| i.tag.clone())
            .collect();
        if !read.is_empty() {
            return read;
        }
        let Ok(parsed) = version.parse::<FrameworkVersion>() else {
            return Vec::new();
        };
        let series = Series::of(&parsed);
        self.tf_image_schemes
            .iter()
            .filter(|s| s.first <= series)
            .map(|s| s.pattern.replace("{version}", version))
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

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
