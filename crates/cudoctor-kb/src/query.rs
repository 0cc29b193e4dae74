//! Queries over the knowledge base: what a framework release needs ([`Kb::requirements`]) and
//! which releases fit a machine ([`Kb::plan`]). Results are serde-serializable and follow the
//! JSON contract of the `requirements` and `plan` commands (`schema_version` 1).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::data::{
    JaxPlugin, Kb, NvccTarget, PythonRange, Series, TfArchRange, TfRelease, TfSonames, TfWheel,
    TorchVariant, expand_python,
};
use crate::framework::{Framework, Spec};
use crate::gpu::GpuLookupError;
use crate::rules::{ArchSupport, Verdict, arch_support, format_codes};
use crate::version::{
    ComputeCapability, CudaVersion, CudnnVersion, DriverVersion, FrameworkVersion, GpuCode,
    PtxIsaVersion, PythonVersion,
};

/// The JSON schema version of [`Requirements`] and [`Plan`].
pub const SCHEMA_VERSION: u32 = 1;

/// A query that cannot be answered.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The framework version is not in the tables.
    #[error("unknown {} version `{version}`", framework.display_name())]
    UnknownVersion {
        /// Framework.
        framework: Framework,
        /// The version as asked.
        version: String,
        /// The nearest known versions (below and above).
        nearest: Vec<String>,
    },
    /// The release exists but not the variant asked for.
    #[error("{} {version} has no variant `{variant}`", framework.display_name())]
    UnknownVariant {
        /// Framework.
        framework: Framework,
        /// Version.
        version: String,
        /// The variant as asked.
        variant: String,
        /// The variants that exist.
        known: Vec<String>,
    },
    /// The GPU name could not be resolved.
    #[error("resolving the GPU for `plan`")]
    Gpu(#[source] GpuLookupError),
}

impl QueryError {
    /// A one-line hint for the user (nearest versions, known variants, close GPU names).
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::UnknownVersion { nearest, .. } if !nearest.is_empty() => {
                Some(format!("nearest known versions: {}", nearest.join(", ")))
            }
            Self::UnknownVariant { known, .. } => {
                Some(format!("known variants: {}", known.join(", ")))
            }
            Self::Gpu(e) => e.hint(),
            Self::UnknownVersion { .. } => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// requirements

/// What one framework release needs (`cudoctor requirements SPEC`).
#[derive(Debug, Clone, Serialize)]
pub struct Requirements {
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Framework.
    pub framework: Framework,
    /// The pip package named in the spec.
    pub package: String,
    /// The release (the table's row for a series spec such as `tensorflow==2.9`).
    pub version: String,
    /// One entry per build variant (`default` for TensorFlow, `cu121` for PyTorch, `cuda12` for JAX).
    pub variants: Vec<VariantRequirements>,
    /// Notes on the answer as a whole.
    pub notes: Vec<String>,
}

/// What one build variant needs.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VariantRequirements {
    /// `default`, `cu121`, `cuda12`.
    pub name: String,
    /// CUDA the variant was built with.
    pub cuda: Option<String>,
    /// The lowest CUDA it runs with, where that is stated instead of or besides the build's
    /// (JAX: its `nvidia-cuda-runtime` pin or the installation docs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cuda_min: Option<String>,
    /// cuDNN the variant was built with (bundled, for PyTorch).
    pub cudnn: Option<String>,
    /// The driver without caveats (the CUDA toolkit driver; JAX: the documented minimum).
    pub driver_min: Option<String>,
    /// The driver with minor-version compatibility (CUDA >= 11 only; null before).
    pub driver_min_compat: Option<String>,
    /// Python versions (`">=3.10"` where only a minimum is stated).
    pub python: Vec<String>,
    /// GPU code in the wheels: `sm_XY` (SASS), `compute_XY` (PTX). Empty when unknown.
    pub compute_capabilities: Vec<String>,
    /// Official images.
    pub images: Vec<String>,
    /// Sources of the facts above.
    pub sources: Vec<String>,
    /// Whether `pip install` from PyPI gives this variant (PyTorch).
    pub pypi_default: Option<bool>,
    /// Release channel (PyTorch: stable / experimental / legacy).
    pub channel: Option<String>,
    /// Experimental Python versions.
    pub python_experimental: Vec<String>,
    /// Lowest compute capability (JAX).
    pub min_compute_capability: Option<String>,
    /// cuDNN versions accepted at run time.
    pub cudnn_accepted: Option<String>,
    /// The newest PTX ISA of the build's PTX: measured in a wheel (TensorFlow, where a
    /// `[[wheel]]` row exists), else the PTX ISA the CUDA version emits.
    pub ptx_isa: Option<String>,
    /// How [`Self::ptx_isa`] is known: "measured in WHEEL" or "derived from CUDA X.Y ...".
    pub ptx_isa_source: Option<String>,
    /// TensorFlow: `cuda_compute_capabilities` as `build_info.py` lists it (`compute_XY` =
    /// SASS and PTX); [`Self::compute_capabilities`] is that list expanded.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub build_compute_capabilities: Vec<String>,
    /// Sonames the release dlopens (TensorFlow), library -> soname.
    pub sonames: BTreeMap<String, String>,
    /// `observed` or `expected` for [`Self::sonames`].
    pub sonames_evidence: Option<String>,
    /// Facts that are unknown.
    pub unknown: Vec<String>,
    /// Notes from the tables.
    pub notes: Vec<String>,
}

impl VariantRequirements {
    fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            ..Self::default()
        }
    }

    fn add_source(&mut self, s: &str) {
        if !self.sources.iter().any(|x| x == s) {
            self.sources.push(s.to_owned());
        }
    }

    /// Fills CUDA, driver minimums and PTX ISA from the CUDA tables.
    fn fill_cuda(&mut self, kb: &Kb, cuda: CudaVersion) {
        self.cuda = Some(cuda.to_string());
        match kb.driver_requirement(cuda) {
            Some(req) => {
                self.driver_min = req.toolkit_min.map(ToString::to_string);
                if req.toolkit_min.is_none() {
                    self.unknown.push(format!("the CUDA {cuda} toolkit driver"));
                }
                self.driver_min_compat = req.compat_min().map(ToString::to_string);
                if let Some(f) = req.family.filter(|f| !f.exact) {
                    self.notes.push(format!(
                        "CUDA {}.x minor-version compatibility: NVIDIA gives only the branch (>= {})",
                        f.major, f.driver_min
                    ));
                }
                for s in req.sources() {
                    self.add_source(&s);
                }
            }
            None => self
                .unknown
                .push(format!("CUDA {cuda} is not in the CUDA release table")),
        }
        match kb.ptx_isa_for_cuda(cuda) {
            Some(isa) => {
                self.ptx_isa = Some(isa.to_string());
                self.ptx_isa_source = Some(PtxIsaProvenance::Derived { cuda }.describe());
            }
            None => self.unknown.push(format!("the PTX ISA of CUDA {cuda}")),
        }
    }
}

fn tf_cudnn_accepted(built: CudnnVersion) -> String {
    if built.major() >= 7 {
        format!(
            ">={}.{}, <{} (TensorFlow accepts the same major with an equal or newer minor)",
            built.major(),
            built.minor(),
            built.major() + 1
        )
    } else {
        format!(
            "=={}.{}.* (before cuDNN 7 the minor must match)",
            built.major(),
            built.minor()
        )
    }
}

/// The versions around `asked` in `known` (sorted ascending): up to two below and two above.
fn nearest(known: &[FrameworkVersion], asked: &FrameworkVersion) -> Vec<String> {
    let pos = known.partition_point(|v| v < asked);
    let lo = pos.saturating_sub(2);
    let hi = (pos + 2).min(known.len());
    known[lo..hi].iter().map(ToString::to_string).collect()
}

impl Kb {
    /// Every TensorFlow tested-configuration row, oldest first.
    pub fn tf_releases(&self) -> &[TfRelease] {
        &self.tf_releases
    }

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

    /// Every PyTorch variant row, oldest first.
    pub fn torch_variants(&self) -> &[TorchVariant] {
        &self.torch_variants
    }

    /// The PyTorch variants of `version`'s release series.
    pub fn torch_release(&self, version: &FrameworkVersion) -> Vec<&TorchVariant> {
        let s = Series::of(version);
        self.torch_variants
            .iter()
            .filter(|v| v.release == s)
            .collect()
    }

    /// One PyTorch variant (`2.4.1`, `cu121`).
    pub fn torch_variant(&self, version: &FrameworkVersion, tag: &str) -> Option<&TorchVariant> {
        self.torch_release(version)
            .into_iter()
            .find(|v| v.tag == tag)
    }

    /// Every JAX plugin row, oldest first.
    pub fn jax_plugins(&self) -> &[JaxPlugin] {
        &self.jax_plugins
    }

    /// The JAX plugins of one release.
    pub fn jax_release(&self, version: &FrameworkVersion) -> Vec<&JaxPlugin> {
        self.jax_plugins
            .iter()
            .filter(|p| &p.version == version)
            .collect()
    }

    fn unknown_version(&self, framework: Framework, asked: &FrameworkVersion) -> QueryError {
        let mut known: Vec<FrameworkVersion> = match framework {
            Framework::TensorFlow => self.tf_releases.iter().map(|r| r.version.clone()).collect(),
            Framework::PyTorch => self
                .torch_variants
                .iter()
                .filter_map(|v| v.release.to_string().parse().ok())
                .collect(),
            Framework::Jax => self.jax_plugins.iter().map(|p| p.version.clone()).collect(),
        };
        known.sort();
        known.dedup();
        QueryError::UnknownVersion {
            framework,
            version: asked.to_string(),
            nearest: nearest(&known, asked),
        }
    }

    /// What a framework release needs: CUDA, cuDNN, driver minimums, Python, GPU code, images.
    pub fn requirements(&self, spec: &Spec) -> Result<Requirements, QueryError> {
        match spec.framework {
            Framework::TensorFlow => self.tf_requirements(spec),
            Framework::PyTorch => self.torch_requirements(spec),
            Framework::Jax => self.jax_requirements(spec),
        }
    }

    fn tf_requirements(&self, spec: &Spec) -> Result<Requirements, QueryError> {
        let row = if spec.series_only {
            let s = Series::of(&spec.version);
            self.tf_releases.iter().find(|r| s.contains(&r.version))
        } else {
            self.tf_release(&spec.version)
        };
        let Some(row) = row else {
            return Err(self.unknown_version(Framework::TensorFlow, &spec.version));
        };
        if let Some(variant) = &spec.variant {
            return Err(QueryError::UnknownVariant {
                framework: Framework::TensorFlow,
                version: row.version.to_string(),
                variant: variant.clone(),
                known: vec!["default".to_owned()],
            });
        }
        let version = if spec.series_only {
            row.version.to_string()
        } else {
            spec.version.to_string()
        };
        let mut notes = Vec::new();
        if version != row.version.to_string() {
            notes.push(format!(
                "the tested configuration is recorded for the {} series (listed as {})",
                Series::of(&row.version),
                row.version
            ));
        }
        if let Some(p) = self.tf_packages.iter().find(|p| p.name == spec.package) {
            if !p.gpu {
                notes.push(format!(
                    "`{}` is CPU-only: it needs no GPU, driver or CUDA libraries; the GPU configuration below is that of `tensorflow`",
                    p.name
                ));
            }
        }
        let mut v = VariantRequirements::new("default");
        v.add_source(&row.source);
        v.fill_cuda(self, row.cuda);
        v.cudnn = Some(row.cudnn.to_string());
        v.cudnn_accepted = Some(tf_cudnn_accepted(row.cudnn));
        v.python = expand_python(&row.python)
            .iter()
            .map(ToString::to_string)
            .collect();
        if let Some(n) = &row.note {
            v.notes.push(n.clone());
        }
        if row.package != "tensorflow" {
            v.notes.push(format!("GPU package: `{}`", row.package));
        }
        match self.tf_archs(&row.version) {
            Some(a) => {
                v.add_source(&a.source);
                match &a.cuda_compute_capabilities {
                    Some(list) => {
                        v.compute_capabilities =
                            list.codes().iter().map(ToString::to_string).collect();
                        v.build_compute_capabilities = list.entries().to_vec();
                        if a.confidence != "official" && a.confidence != "high" {
                            v.notes
                                .push(format!("GPU code list confidence: {}", a.confidence));
                        }
                    }
                    None => v.unknown.push(format!(
                        "the GPU code in the official {} wheels ({})",
                        Series::of(&row.version),
                        a.confidence
                    )),
                }
            }
            None => v.unknown.push(format!(
                "the GPU code in the official {} wheels (no source)",
                Series::of(&row.version)
            )),
        }
        if let Ok(asked) = version.parse::<FrameworkVersion>() {
            match self.tf_ptx_isa(&asked, row.cuda) {
                Some((isa, how)) => {
                    v.ptx_isa = Some(isa.to_string());
                    if let PtxIsaProvenance::Measured { source, .. } = &how {
                        v.add_source(source);
                    }
                    v.ptx_isa_source = Some(how.describe());
                }
                None => v.ptx_isa_source = None,
            }
        }
        v.images = self.tf_images(&version);
        let read: Vec<&str> = self
            .tf_images
            .iter()
            .filter(|i| i.tf_version.to_string() == version)
            .map(|i| i.source.as_str())
            .collect();
        if !read.is_empty() {
            for source in read {
                v.add_source(source);
            }
        } else if v.images.is_empty() {
            v.unknown
                .push("the official image tags of this release (GPU tags before 2.2 used `-py3` suffixes inconsistently)".to_owned());
        } else {
            for s in &self.tf_image_schemes {
                v.add_source(&s.source);
            }
            v.notes.push(
                "image names follow the documented tag scheme; their contents are not recorded"
                    .to_owned(),
            );
        }
        if let Some(so) = self.tf_sonames(&row.version) {
            v.sonames = so.libs.clone();
            v.sonames_evidence = Some(so.evidence.clone());
            if let Some(how) = &so.derived {
                v.notes.push(format!("dlopens: derived, not read: {how}"));
            }
            v.add_source(&so.source);
        } else {
            v.unknown
                .push("the sonames this release dlopens".to_owned());
        }
        Ok(Requirements {
            schema_version: SCHEMA_VERSION,
            framework: Framework::TensorFlow,
            package: spec.package.clone(),
            version,
            variants: vec![v],
            notes,
        })
    }

    fn torch_requirements(&self, spec: &Spec) -> Result<Requirements, QueryError> {
        let mut rows = self.torch_release(&spec.version);
        if rows.is_empty() {
            return Err(self.unknown_version(Framework::PyTorch, &spec.version));
        }
        let version = if spec.series_only {
            Series::of(&spec.version).to_string()
        } else {
            spec.version.to_string()
        };
        if let Some(tag) = &spec.variant {
            let known: Vec<String> = rows.iter().map(|r| r.tag.clone()).collect();
            rows.retain(|r| &r.tag == tag);
            if rows.is_empty() {
                return Err(QueryError::UnknownVariant {
                    framework: Framework::PyTorch,
                    version,
                    variant: tag.clone(),
                    known,
                });
            }
        }
        rows.sort_by(|a, b| {
            b.pypi_default
                .cmp(&a.pypi_default)
                .then(b.cuda.cmp_numeric(a.cuda))
        });
        let variants = rows
            .into_iter()
            .map(|r| {
                let mut v = VariantRequirements::new(&r.tag);
                v.add_source(&r.source);
                v.fill_cuda(self, r.cuda);
                v.cudnn = r.cudnn.map(|c| c.to_string());
                if r.cudnn.is_none() {
                    v.unknown.push("the bundled cuDNN".to_owned());
                }
                match &r.python {
                    Some(p) => {
                        v.python = expand_python(p).iter().map(ToString::to_string).collect();
                    }
                    None => v.unknown.push("the Python versions".to_owned()),
                }
                v.python_experimental = r
                    .python_experimental
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                match &r.arch_list {
                    Some(a) => {
                        v.compute_capabilities =
                            a.codes().iter().map(ToString::to_string).collect();
                    }
                    None => v
                        .unknown
                        .push("the GPU code in the wheels (TORCH_CUDA_ARCH_LIST)".to_owned()),
                }
                v.pypi_default = Some(r.pypi_default);
                v.channel = Some(r.channel.clone());
                if let Some(n) = &r.note {
                    v.notes.push(n.clone());
                }
                if !matches!(r.confidence.as_str(), "official" | "high") {
                    v.notes.push(format!("confidence: {}", r.confidence));
                }
                v
            })
            .collect();
        Ok(Requirements {
            schema_version: SCHEMA_VERSION,
            framework: Framework::PyTorch,
            package: spec.package.clone(),
            version,
            variants,
            notes: vec![format!(
                "PyTorch rows describe the {} release series; every patch release of it ships these variants",
                Series::of(&spec.version)
            )],
        })
    }

    fn jax_requirements(&self, spec: &Spec) -> Result<Requirements, QueryError> {
        let version = if spec.series_only {
            let s = Series::of(&spec.version);
            self.jax_plugins
                .iter()
                .filter(|p| s.contains(&p.version))
                .map(|p| p.version.clone())
                .max()
        } else {
            Some(spec.version.clone())
        };
        let mut rows = version
            .as_ref()
            .map(|v| self.jax_release(v))
            .unwrap_or_default();
        let Some(version) = version.filter(|_| !rows.is_empty()) else {
            return Err(self.unknown_version(Framework::Jax, &spec.version));
        };
        if let Some(variant) = &spec.variant {
            let known: Vec<String> = rows.iter().map(|r| r.variant.clone()).collect();
            rows.retain(|r| &r.variant == variant);
            if rows.is_empty() {
                return Err(QueryError::UnknownVariant {
                    framework: Framework::Jax,
                    version: version.to_string(),
                    variant: variant.clone(),
                    known,
                });
            }
        }
        let mut notes = Vec::new();
        if spec.series_only {
            notes.push(format!(
                "the newest known release of the {} series",
                Series::of(&version)
            ));
        }
        let variants = rows
            .into_iter()
            .map(|r| {
                let mut v = VariantRequirements::new(&r.variant);
                v.add_source(&r.source);
                match r.cuda_built {
                    Some(c) => {
                        v.cuda = Some(c.to_string());
                        if let Some(isa) = self.ptx_isa_for_cuda(c) {
                            v.ptx_isa = Some(isa.to_string());
                        }
                    }
                    None => v.unknown.push("the CUDA version it was built with".to_owned()),
                }
                v.cudnn = r.cudnn_built.map(|c| c.to_string());
                if r.cudnn_built.is_none() {
                    v.unknown.push("the cuDNN version it was built with".to_owned());
                }
                v.cudnn_accepted = match (r.cudnn_min, r.cudnn_below) {
                    (Some(a), Some(b)) => Some(format!(">={a}, <{b}")),
                    _ => None,
                };
                match &r.driver_min {
                    Some(d) => {
                        v.driver_min = Some(d.to_string());
                        // JAX documents one minimum: the minor-version-compatibility driver of
                        // its CUDA major (the CUDA libraries come from pip).
                        v.driver_min_compat = Some(d.to_string());
                        v.notes.push(
                            "JAX documents one driver minimum (minor-version compatibility of its CUDA major); the CUDA libraries come from pip"
                                .to_owned(),
                        );
                    }
                    None => v.unknown.push("the minimum driver".to_owned()),
                }
                v.python = vec![format!(">={}", r.python_min)];
                match r.cc_min {
                    Some(cc) => v.min_compute_capability = Some(cc.to_string()),
                    None => v.unknown.push("the minimum compute capability".to_owned()),
                }
                if let Some(c) = r.cuda_min {
                    v.cuda_min = Some(c.to_string());
                    v.notes.push(format!("works with CUDA >= {c} (pip nvidia-* packages)"));
                }
                if let Some(n) = &r.note {
                    v.notes.push(n.clone());
                }
                v
            })
            .collect();
        Ok(Requirements {
            schema_version: SCHEMA_VERSION,
            framework: Framework::Jax,
            package: spec.package.clone(),
            version: version.to_string(),
            variants,
            notes,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// plan

/// The constraints of a `plan` query. A missing constraint is unknown, never "anything goes".
#[derive(Debug, Clone, Default)]
pub struct PlanQuery {
    /// The NVIDIA driver.
    pub driver: Option<DriverVersion>,
    /// The GPU's compute capability.
    pub compute_capability: Option<ComputeCapability>,
    /// A GPU name, resolved with [`Kb::gpu_by_name`] when `compute_capability` is not given.
    pub gpu_name: Option<String>,
    /// The Python version.
    pub python: Option<PythonVersion>,
    /// The frameworks to plan for; empty = all.
    pub frameworks: Vec<Framework>,
    /// Releases the tables lack, as read elsewhere (the package index): weighed like the rest,
    /// each with a caveat naming where it was read.
    pub index_offers: Vec<IndexOffer>,
}

/// A release the tables lack, as its package metadata states it (what is not stated: `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexOffer {
    /// The framework.
    pub framework: Framework,
    /// The release.
    pub version: FrameworkVersion,
    /// The variant (`cu130`, `cuda12`, `default`).
    pub variant: String,
    /// What to install (`torch`, `jax[cuda12]`).
    pub package: String,
    /// CUDA it was built with (or, for JAX, the lowest it runs with).
    pub cuda: Option<CudaVersion>,
    /// cuDNN, as stated.
    pub cudnn: Option<String>,
    /// The lowest Python (`Requires-Python`).
    pub python_min: Option<PythonVersion>,
    /// The GPU code, where stated (TensorFlow's build_info.py).
    pub codes: Option<Vec<GpuCode>>,
    /// Where it was read (`PyPI metadata of NAME VERSION (URL, sha256 ...)`).
    pub source: String,
}

/// The answer of [`Kb::plan`].
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The constraints used, and which were unknown.
    pub constraints: PlanConstraints,
    /// Per framework, candidates newest first and excluded releases with reasons.
    pub frameworks: Vec<FrameworkPlan>,
}

/// The constraints a plan was computed with.
#[derive(Debug, Clone, Serialize)]
pub struct PlanConstraints {
    /// Driver.
    pub driver: Option<DriverVersion>,
    /// Compute capability.
    pub compute_capability: Option<ComputeCapability>,
    /// Python.
    pub python: Option<PythonVersion>,
    /// The GPU name resolved from the query, as the table writes it.
    pub gpu: Option<String>,
    /// The constraints that were not given (`driver`, `compute_capability`, `python`).
    pub unknown: Vec<String>,
    /// Notes on how constraints were resolved.
    pub notes: Vec<String>,
}

/// The plan for one framework.
#[derive(Debug, Clone, Serialize)]
pub struct FrameworkPlan {
    /// Framework.
    pub framework: Framework,
    /// Releases that fit, newest first.
    pub candidates: Vec<Candidate>,
    /// Releases that do not fit, newest first, with every reason.
    pub excluded: Vec<Excluded>,
}

/// How well a candidate fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Every constraint was checked and holds.
    Compatible,
    /// It fits, with the named caveats (including constraints that could not be checked).
    CompatibleWithCaveats,
}

/// A release that fits.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    /// Release (`2.14.0`; PyTorch: the series `2.4`).
    pub version: String,
    /// Variant (`default`, `cu121`, `cuda12`).
    pub variant: String,
    /// `compatible` or `compatible_with_caveats`.
    pub status: Status,
    /// Named caveats.
    pub caveats: Vec<String>,
    /// The pip package (and extra) to install.
    pub package: String,
    /// CUDA of the build.
    pub cuda: Option<String>,
    /// cuDNN of the build.
    pub cudnn: Option<String>,
}

/// A release that does not fit.
#[derive(Debug, Clone, Serialize)]
pub struct Excluded {
    /// Release.
    pub version: String,
    /// Variant.
    pub variant: String,
    /// Every reason it does not fit.
    pub reasons: Vec<String>,
}

/// The GPU code a build carries.
enum Codes {
    /// The framework compiles at run time (JAX): judged by `cc_min` instead.
    NotApplicable,
    /// The wheels carry GPU code, but which is unknown.
    Unknown,
    /// The wheels carry this code.
    Known(Vec<GpuCode>),
}

enum PythonSupport {
    Known(Vec<PythonRange>),
    AtLeast(PythonVersion),
    Unknown,
}

/// One installable thing a plan weighs.
/// How a PTX ISA is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PtxIsaProvenance {
    /// Read from the PTX in a wheel's libraries.
    Measured {
        /// The wheel's file name.
        wheel: String,
        /// The wheel's URL.
        source: String,
    },
    /// The PTX ISA that CUDA `cuda`'s nvcc emits (NVIDIA's PTX ISA table), not read from a binary.
    Derived {
        /// The CUDA version the build used.
        cuda: CudaVersion,
    },
}

impl PtxIsaProvenance {
    /// "measured in WHEEL" / "derived from CUDA X.Y (...)".
    pub fn describe(&self) -> String {
        match self {
            Self::Measured { wheel, .. } => format!("measured in {wheel}"),
            Self::Derived { cuda } => format!(
                "derived from CUDA {cuda}: the PTX ISA its nvcc emits, not read from the binaries"
            ),
        }
    }
}

struct Offer {
    framework: Framework,
    sort_key: FrameworkVersion,
    version: String,
    variant: String,
    package: String,
    cuda: Option<CudaVersion>,
    cudnn: Option<String>,
    python: PythonSupport,
    codes: Codes,
    cc_min: Option<ComputeCapability>,
    doc_driver_min: Option<DriverVersion>,
    /// Listed first among the variants of its release: PyTorch's PyPI default; for JAX, whose
    /// CUDA plugins are both pip extras (`jax[cuda12]`, `jax[cuda13]`), the `cuda12` plugin, an
    /// ordering choice only (not a fact of the tables).
    listed_first: bool,
    /// Where an offer the tables lack was read; said as a caveat.
    read_from: Option<String>,
}

impl Offer {
    fn label(&self) -> String {
        match self.framework {
            Framework::TensorFlow => format!("TensorFlow {}", self.version),
            Framework::PyTorch => format!("PyTorch {} {}", self.version, self.variant),
            Framework::Jax => format!("jax {} {}", self.version, self.variant),
        }
    }
}

fn join_ranges(r: &[PythonRange]) -> String {
    r.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why no build made with a CUDA major can run on a GPU below its lowest `nvcc` target.
pub fn nvcc_target_reason(row: &NvccTarget, gpu: ComputeCapability) -> String {
    format!(
        "no kernel image for compute capability {gpu} is possible: the nvcc of CUDA {}.x targets compute capability >= {} only, so no build made with it carries {} code, and PTX never JIT-compiles down to a lower capability ({}; source: {})",
        row.major,
        row.cc_min,
        gpu.sm_name(),
        row.note
            .as_deref()
            .unwrap_or("knowledge base, nvcc targets"),
        row.source.split_whitespace().next().unwrap_or(&row.source)
    )
}

impl Kb {
    /// The `[[nvcc_target]]` row when the `nvcc` of `cuda`'s major cannot compile for compute
    /// capability `gpu` at all (the GPU is below its lowest target); `None` when it can or when
    /// the table has no row for that major (unknown).
    pub fn nvcc_cannot_target(
        &self,
        cuda: CudaVersion,
        gpu: ComputeCapability,
    ) -> Option<&NvccTarget> {
        self.nvcc_target(cuda)
            .filter(|row| gpu.plain() < row.cc_min.plain())
    }

    fn offers(&self, framework: Framework, extra: &[IndexOffer]) -> Vec<Offer> {
        let mut out: Vec<Offer> = match framework {
            Framework::TensorFlow => self
                .tf_releases
                .iter()
                .map(|r| Offer {
                    framework,
                    sort_key: r.version.clone(),
                    version: r.version.to_string(),
                    variant: "default".to_owned(),
                    package: r.package.clone(),
                    cuda: Some(r.cuda),
                    cudnn: Some(r.cudnn.to_string()),
                    python: PythonSupport::Known(r.python.clone()),
                    codes: self
                        .tf_archs(&r.version)
                        .and_then(TfArchRange::codes)
                        .map_or(Codes::Unknown, |c| Codes::Known(c.to_vec())),
                    cc_min: None,
                    doc_driver_min: None,
                    listed_first: true,
                    read_from: None,
                })
                .collect(),
            Framework::PyTorch => self
                .torch_variants
                .iter()
                .filter_map(|r| {
                    Some(Offer {
                        framework,
                        sort_key: r.release.to_string().parse().ok()?,
                        version: r.release.to_string(),
                        variant: r.tag.clone(),
                        package: if r.pypi_default {
                            "torch".to_owned()
                        } else {
                            format!("torch (index https://download.pytorch.org/whl/{})", r.tag)
                        },
                        cuda: Some(r.cuda),
                        cudnn: r.cudnn.map(|c| c.to_string()),
                        python: r
                            .python
                            .clone()
                            .map_or(PythonSupport::Unknown, PythonSupport::Known),
                        codes: r
                            .arch_list
                            .as_ref()
                            .map_or(Codes::Unknown, |a| Codes::Known(a.codes().to_vec())),
                        cc_min: None,
                        doc_driver_min: None,
                        listed_first: r.pypi_default,
                        read_from: None,
                    })
                })
                .collect(),
            Framework::Jax => self
                .jax_plugins
                .iter()
                .map(|r| Offer {
                    framework,
                    sort_key: r.version.clone(),
                    version: r.version.to_string(),
                    variant: r.variant.clone(),
                    package: r.extra.clone(),
                    cuda: r.cuda_built,
                    cudnn: r.cudnn_built.map(|c| c.to_string()),
                    python: PythonSupport::AtLeast(r.python_min),
                    codes: Codes::NotApplicable,
                    cc_min: r.cc_min,
                    doc_driver_min: r.driver_min.clone(),
                    listed_first: r.variant == "cuda12",
                    read_from: None,
                })
                .collect(),
        };
        out.extend(extra.iter().filter(|x| x.framework == framework).map(|x| {
            Offer {
                framework,
                sort_key: x.version.clone(),
                version: x.version.to_string(),
                variant: x.variant.clone(),
                package: x.package.clone(),
                cuda: x.cuda,
                cudnn: x.cudnn.clone(),
                python: x
                    .python_min
                    .map_or(PythonSupport::Unknown, PythonSupport::AtLeast),
                codes: match (framework, &x.codes) {
                    (Framework::Jax, _) => Codes::NotApplicable,
                    (_, Some(c)) => Codes::Known(c.clone()),
                    (_, None) => Codes::Unknown,
                },
                cc_min: None,
                doc_driver_min: None,
                listed_first: x.variant == "cuda12" || framework == Framework::PyTorch,
                read_from: Some(x.source.clone()),
            }
        }));
        out.sort_by(|a, b| {
            b.sort_key
                .cmp(&a.sort_key)
                .then(b.listed_first.cmp(&a.listed_first))
                .then_with(|| match (a.cuda, b.cuda) {
                    (Some(x), Some(y)) => y.cmp_numeric(x),
                    _ => std::cmp::Ordering::Equal,
                })
        });
        out
    }

    /// Weighs one offer: `Ok(caveats)` when it fits, `Err(reasons)` when it does not.
    fn weigh(&self, offer: &Offer, cons: &PlanConstraints) -> Result<Vec<String>, Vec<String>> {
        let mut caveats = Vec::new();
        let mut reasons = Vec::new();
        let label = offer.label();

        // Python.
        match (cons.python, &offer.python) {
            (Some(p), PythonSupport::Known(r)) => {
                if !r.iter().any(|r| r.contains(p)) {
                    reasons.push(format!("supports Python {}; you have {p}", join_ranges(r)));
                }
            }
            (Some(p), PythonSupport::AtLeast(m)) => {
                if p < *m {
                    reasons.push(format!("needs Python >= {m}; you have {p}"));
                }
            }
            (Some(p), PythonSupport::Unknown) => caveats.push(format!(
                "the Python versions of {label} are unknown: could not check Python {p}"
            )),
            (None, PythonSupport::Known(r)) => caveats.push(format!(
                "Python not given: could not check it (supports Python {})",
                join_ranges(r)
            )),
            (None, PythonSupport::AtLeast(m)) => caveats.push(format!(
                "Python not given: could not check it (needs Python >= {m})"
            )),
            (None, PythonSupport::Unknown) => {
                caveats.push("Python not given, and its supported versions are unknown".to_owned());
            }
        }

        // Driver.
        if let Some(min) = &offer.doc_driver_min {
            // JAX: the documented minimum decides.
            match &cons.driver {
                Some(d) if d < min => reasons.push(format!(
                    "needs driver >= {min} for {label} (JAX installation docs); you have {d}"
                )),
                Some(d) => {
                    if let Some(t) = offer
                        .cuda
                        .and_then(|cu| self.cuda_release(cu))
                        .and_then(|r| r.driver_min.as_ref())
                    {
                        if d < t {
                            caveats.push(format!(
                                "driver {d} is older than the CUDA {} toolkit driver {t}: runs through minor-version compatibility",
                                offer.cuda.map(|x| x.to_string()).unwrap_or_default()
                            ));
                        }
                    }
                }
                None => caveats.push(format!(
                    "driver not given: could not check it (needs >= {min})"
                )),
            }
        } else if let Some(cuda) = offer.cuda {
            match &cons.driver {
                Some(d) => match self.check_driver_for_cuda(cuda, d) {
                    Verdict::Compatible => {}
                    Verdict::CompatibleWithCaveats(list) => {
                        let toolkit = self
                            .cuda_release(cuda)
                            .and_then(|r| r.driver_min.as_ref())
                            .map_or_else(|| "unknown".to_owned(), ToString::to_string);
                        let named: Vec<String> = list.iter().map(ToString::to_string).collect();
                        caveats.push(format!(
                            "CUDA {cuda} through minor-version compatibility (driver {d} is below the CUDA {cuda} toolkit driver {toolkit}): {}",
                            named.join("; ")
                        ));
                    }
                    Verdict::Incompatible(r) => reasons.push(r),
                    Verdict::Unknown(r) => caveats.push(format!("could not check the driver: {r}")),
                },
                None => match self.driver_requirement(cuda) {
                    Some(req) => {
                        let needs = match (req.toolkit_min, req.compat_min()) {
                            (Some(t), Some(m)) => format!(
                                "CUDA {cuda} needs >= {t}, or >= {m} with minor-version compatibility"
                            ),
                            (Some(t), None) => format!("CUDA {cuda} needs >= {t}"),
                            (None, Some(m)) => format!(
                                "CUDA {cuda} needs >= {m} with minor-version compatibility; its toolkit driver is unknown"
                            ),
                            (None, None) => format!("the driver CUDA {cuda} needs is unknown"),
                        };
                        caveats.push(format!("driver not given: could not check it ({needs})"));
                    }
                    None => caveats.push(format!(
                        "could not check the driver: CUDA {cuda} is not in the CUDA release table"
                    )),
                },
            }
        } else {
            caveats.push(format!(
                "the CUDA version of {label} is unknown: could not check the driver"
            ));
        }

        // GPU architecture.
        match (cons.compute_capability, &offer.codes) {
            (Some(gpu), Codes::Known(codes)) => match arch_support(gpu, codes) {
                ArchSupport::Sass(_) => {}
                ArchSupport::PtxJit(code) => {
                    let isa = offer.cuda.and_then(|cu| match offer.framework {
                        Framework::TensorFlow => self.tf_ptx_isa(&offer.sort_key, cu),
                        _ => self
                            .ptx_isa_for_cuda(cu)
                            .map(|i| (i, PtxIsaProvenance::Derived { cuda: cu })),
                    });
                    let cuda_isa = isa.as_ref().map(|(i, _)| *i);
                    let how = isa
                        .as_ref()
                        .map_or_else(String::new, |(_, h)| h.describe());
                    let driver_isa = cons.driver.as_ref().and_then(|d| self.driver_ptx_isa(d));
                    match (cuda_isa, driver_isa) {
                        (Some(ci), Some(di)) if di < ci => reasons.push(format!(
                            "no SASS for compute capability {gpu}: its {code} PTX (PTX ISA {ci}, {how}) needs a driver whose JIT understands PTX ISA {ci}; driver {} is known to handle up to PTX ISA {di}",
                            cons.driver.as_ref().map(ToString::to_string).unwrap_or_default()
                        )),
                        _ => caveats.push(format!(
                            "PTX JIT: no SASS for compute capability {gpu}; the driver JIT-compiles the {code} PTX on first start (slow first start; needs a driver whose JIT understands {})",
                            cuda_isa.map_or_else(
                                || "the PTX ISA of the build's CUDA".to_owned(),
                                |i| format!("PTX ISA {i}, {how}")
                            )
                        )),
                    }
                }
                ArchSupport::NoKernelImage => reasons.push(format!(
                    "no kernel image for compute capability {gpu}: the wheels carry no {} code and no PTX it can JIT ({})",
                    gpu.sm_name(),
                    format_codes(codes)
                )),
                ArchSupport::Unknown(r) => caveats.push(format!("could not check GPU code: {r}")),
            },
            (Some(gpu), Codes::Unknown) => {
                match offer.cuda.and_then(|cu| self.nvcc_cannot_target(cu, gpu)) {
                    Some(row) => reasons.push(nvcc_target_reason(row, gpu)),
                    None => caveats.push(format!(
                        "the GPU code in the {label} wheels is unknown: could not check compute capability {gpu}"
                    )),
                }
            }
            (Some(gpu), Codes::NotApplicable) => match offer.cc_min {
                Some(min) if gpu.plain() < min.plain() => reasons.push(format!(
                    "needs compute capability >= {min}; the GPU has {gpu}"
                )),
                Some(_) => {}
                None => caveats.push(format!(
                    "the minimum compute capability of {label} is unknown: could not check {gpu}"
                )),
            },
            (None, _) => caveats.push(
                "GPU not given: could not check that the build carries code for it".to_owned(),
            ),
        }

        if reasons.is_empty() {
            Ok(caveats)
        } else {
            Err(reasons)
        }
    }

    /// Which releases fit a driver, GPU and Python: per framework, candidates newest first
    /// (`compatible` or `compatible_with_caveats`) and the excluded releases with every reason.
    pub fn plan(&self, query: &PlanQuery) -> Result<Plan, QueryError> {
        let mut notes = Vec::new();
        let mut cc = query.compute_capability;
        let mut gpu = None;
        if let Some(name) = &query.gpu_name {
            let row = self.gpu_by_name(name).map_err(QueryError::Gpu)?;
            gpu = Some(row.name.clone());
            match (cc, row.cc) {
                (None, Some(rc)) => cc = Some(rc),
                (None, None) => notes.push(format!(
                    "the compute capability of `{}` is unknown in the GPU table",
                    row.name
                )),
                (Some(given), Some(rc)) if given.plain() != rc.plain() => notes.push(format!(
                    "the given compute capability {given} differs from the table's {rc} for `{}`; using {given}",
                    row.name
                )),
                _ => {}
            }
        }
        let mut unknown = Vec::new();
        if query.driver.is_none() {
            unknown.push("driver".to_owned());
        }
        if cc.is_none() {
            unknown.push("compute_capability".to_owned());
        }
        if query.python.is_none() {
            unknown.push("python".to_owned());
        }
        let constraints = PlanConstraints {
            driver: query.driver.clone(),
            compute_capability: cc,
            python: query.python,
            gpu,
            unknown,
            notes,
        };
        let frameworks = if query.frameworks.is_empty() {
            Framework::ALL.to_vec()
        } else {
            let mut f = Vec::new();
            for fw in &query.frameworks {
                if !f.contains(fw) {
                    f.push(*fw);
                }
            }
            f
        };
        let frameworks = frameworks
            .into_iter()
            .map(|framework| {
                let mut candidates = Vec::new();
                let mut excluded = Vec::new();
                for o in self.offers(framework, &query.index_offers) {
                    match self
                        .weigh(&o, &constraints)
                        .map(|mut c| {
                            if let Some(src) = &o.read_from {
                                c.insert(
                                    0,
                                    format!("not in the embedded tables: read from the {src}"),
                                );
                            }
                            c
                        })
                        .map_err(|mut r| {
                            if let Some(src) = &o.read_from {
                                r.push(format!(
                                    "(not in the embedded tables: read from the {src})"
                                ));
                            }
                            r
                        }) {
                        Ok(caveats) => candidates.push(Candidate {
                            version: o.version,
                            variant: o.variant,
                            status: if caveats.is_empty() {
                                Status::Compatible
                            } else {
                                Status::CompatibleWithCaveats
                            },
                            caveats,
                            package: o.package,
                            cuda: o.cuda.map(|c| c.to_string()),
                            cudnn: o.cudnn,
                        }),
                        Err(reasons) => excluded.push(Excluded {
                            version: o.version,
                            variant: o.variant,
                            reasons,
                        }),
                    }
                }
                FrameworkPlan {
                    framework,
                    candidates,
                    excluded,
                }
            })
            .collect();
        Ok(Plan {
            schema_version: SCHEMA_VERSION,
            constraints,
            frameworks,
        })
    }
}
