//! `requirements`: what one framework release needs ([`Kb::requirements`]).

use std::collections::BTreeMap;

use serde::Serialize;

use super::{PtxIsaProvenance, QueryError, SCHEMA_VERSION};
use crate::framework::{Framework, Spec};
use crate::tables::Kb;
use crate::tables::jax::JaxPlugin;
use crate::tables::pytorch::TorchVariant;
use crate::tables::tensorflow::{TfRelease, TfSonames};
use crate::tables::values::Series;
use crate::tables::values::expand_python;
use crate::version::{
    ComputeCapability, CudaVersion, CudnnVersion, DriverVersion, FrameworkVersion, GpuCode,
    PythonVersion,
};

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

impl Requirements {
    /// The variant `name` names, or the only one when no name is given (`None` when there
    /// are several to choose from, or none of that name).
    pub fn variant(&self, name: Option<&str>) -> Option<&VariantRequirements> {
        match (name, self.variants.as_slice()) {
            (Some(name), vs) => vs.iter().find(|v| v.name == name),
            (None, [one]) => Some(one),
            (None, _) => None,
        }
    }
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

/// Keeps the rows of the variant `spec` asks for (`variant_of` names a row's), when it asks for
/// one; none left is [`QueryError::UnknownVariant`], listing the variants there were.
fn keep_variant<R>(
    rows: &mut Vec<&R>,
    spec: &Spec,
    variant_of: impl Fn(&R) -> &String,
    version: impl FnOnce() -> String,
) -> Result<(), QueryError> {
    let Some(asked) = &spec.variant else {
        return Ok(());
    };
    let known: Vec<String> = rows.iter().map(|r| variant_of(r).clone()).collect();
    rows.retain(|r| variant_of(r) == asked);
    if rows.is_empty() {
        return Err(QueryError::UnknownVariant {
            framework: spec.framework,
            version: version(),
            variant: asked.clone(),
            known,
        });
    }
    Ok(())
}

/// The versions around `asked` in `known` (sorted ascending): up to two below and two above.
fn nearest(known: &[FrameworkVersion], asked: &FrameworkVersion) -> Vec<String> {
    let pos = known.partition_point(|v| v < asked);
    let lo = pos.saturating_sub(2);
    let hi = (pos + 2).min(known.len());
    known[lo..hi].iter().map(ToString::to_string).collect()
}

impl Kb {
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
            self.tf_series_release(&spec.version)
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
        let n = self.tf_needs(row);
        let mut v = VariantRequirements::new(&n.name);
        v.add_source(&row.source);
        if let Some(c) = &n.cuda {
            v.fill_cuda(self, c.value);
        }
        v.cudnn = n.cudnn.as_ref().map(|c| c.value.to_string());
        v.cudnn_accepted = n.cudnn_accepted();
        v.python = n
            .python
            .as_ref()
            .map(|p| python_strings(&p.value))
            .unwrap_or_default();
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
                        v.compute_capabilities = n
                            .gpu_code
                            .as_ref()
                            .map(|c| codes_strings(&c.value))
                            .unwrap_or_default();
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
        if let (Some(names), Some(so)) = (&n.sonames, self.tf_sonames(&row.version)) {
            v.sonames = names
                .value
                .iter()
                .map(|s| (s.library.clone(), s.soname.clone()))
                .collect();
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
        keep_variant(&mut rows, spec, |r| &r.tag, || version.clone())?;
        rows.sort_by(|a, b| {
            b.pypi_default
                .cmp(&a.pypi_default)
                .then(b.cuda.cmp_numeric(a.cuda))
        });
        let variants = rows
            .into_iter()
            .map(|r| {
                let n = torch_needs(r);
                let mut v = VariantRequirements::new(&n.name);
                v.add_source(&r.source);
                if let Some(c) = &n.cuda {
                    v.fill_cuda(self, c.value);
                }
                v.cudnn = n.cudnn.as_ref().map(|c| c.value.to_string());
                if n.cudnn.is_none() {
                    v.unknown.push("the bundled cuDNN".to_owned());
                }
                match &n.python {
                    Some(p) => v.python = python_strings(&p.value),
                    None => v.unknown.push("the Python versions".to_owned()),
                }
                v.python_experimental = r
                    .python_experimental
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                match &n.gpu_code {
                    Some(c) => v.compute_capabilities = codes_strings(&c.value),
                    None => v
                        .unknown
                        .push("the GPU code in the wheels (TORCH_CUDA_ARCH_LIST)".to_owned()),
                }
                v.pypi_default = Some(n.pypi_default);
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
        keep_variant(&mut rows, spec, |r| &r.variant, || version.to_string())?;
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
                let n = jax_needs(r);
                let mut v = VariantRequirements::new(&n.name);
                v.add_source(&r.source);
                match n.cuda.as_ref().map(|c| c.value) {
                    Some(c) => {
                        v.cuda = Some(c.to_string());
                        if let Some(isa) = self.ptx_isa_for_cuda(c) {
                            v.ptx_isa = Some(isa.to_string());
                        }
                    }
                    None => v.unknown.push("the CUDA version it was built with".to_owned()),
                }
                v.cudnn = n.cudnn.as_ref().map(|c| c.value.to_string());
                if n.cudnn.is_none() {
                    v.unknown.push("the cuDNN version it was built with".to_owned());
                }
                v.cudnn_accepted = n.cudnn_accepted();
                match n.driver_min_documented.as_ref().map(|d| &d.value) {
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
                if let Some(p) = &n.python {
                    v.python = python_strings(&p.value);
                }
                match &n.cc_min {
                    Some(cc) => v.min_compute_capability = Some(cc.value.to_string()),
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

/// A fact the knowledge base states, with the row it is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KbFact<T> {
    /// The value.
    pub value: T,
    /// The row's `source` field as written (free text citing one or more URLs).
    pub source: String,
    /// How the value is read from that row, where it is more than the row itself:
    /// `(observed names)`, `(cuda_compute_capabilities ...: ...)`.
    pub detail: Option<String>,
}

impl<T> KbFact<T> {
    fn of_row(value: T, source: &str) -> Self {
        Self {
            value,
            source: source.to_owned(),
            detail: None,
        }
    }
}

/// Python versions a release supports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "versions", rename_all = "snake_case")]
pub enum PythonSupport {
    /// Exactly these.
    Listed(Vec<PythonVersion>),
    /// This one or newer.
    AtLeast(PythonVersion),
}

impl PythonSupport {
    /// Whether `v` is supported.
    pub fn contains(&self, v: PythonVersion) -> bool {
        match self {
            Self::Listed(list) => list.contains(&v),
            Self::AtLeast(min) => v >= *min,
        }
    }
}

impl std::fmt::Display for PythonSupport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Listed(list) => f.write_str(
                &list
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            Self::AtLeast(min) => write!(f, ">= {min}"),
        }
    }
}

/// Which runtime cuDNN rule the framework applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CudnnRule {
    /// TensorFlow / XLA `IsSourceCompatibleWithCudnnLibrary`.
    TensorFlow,
    /// An accepted range (JAX plugin: `>= min, < below`).
    Range {
        /// Lowest accepted.
        min: CudnnVersion,
        /// Accepted below this.
        below: CudnnVersion,
    },
    /// Not checked here (PyTorch bundles its pinned cuDNN wheel; see the pins).
    None,
}

/// A `dlopen`ed library: `cudart` -> `libcudart.so.11.0`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Soname {
    /// The library (`cudart`, `cublasLt`, `cudnn`).
    pub library: String,
    /// The name passed to `dlopen`.
    pub soname: String,
}

/// What one build variant of a release needs, as the tables state it: typed, each fact with
/// its row ([`Kb::release_needs`]). `None` = the tables do not say. Both `requirements` (its
/// [`VariantRequirements`]) and diagnose's needs of a target are read from this.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariantNeeds {
    /// `default` (TensorFlow), `cu121` (PyTorch), `cuda12` (JAX).
    pub name: String,
    /// Whether `pip install` from PyPI gives this variant (PyTorch; `false` elsewhere).
    pub pypi_default: bool,
    /// CUDA the variant was built with.
    pub cuda: Option<KbFact<CudaVersion>>,
    /// cuDNN the variant was built with.
    pub cudnn: Option<KbFact<CudnnVersion>>,
    /// The cuDNN rule applied at run time.
    pub cudnn_rule: CudnnRule,
    /// Python versions.
    pub python: Option<KbFact<PythonSupport>>,
    /// GPU code in the official binaries.
    pub gpu_code: Option<KbFact<Vec<GpuCode>>>,
    /// Lowest compute capability (JAX).
    pub cc_min: Option<KbFact<ComputeCapability>>,
    /// A documented driver minimum that replaces the CUDA-derived one (JAX).
    pub driver_min_documented: Option<KbFact<DriverVersion>>,
    /// Libraries it dlopens (TensorFlow), with `observed` / `expected` in the detail.
    pub sonames: Option<KbFact<Vec<Soname>>>,
}

impl VariantNeeds {
    fn new(name: &str, cudnn_rule: CudnnRule) -> Self {
        Self {
            name: name.to_owned(),
            pypi_default: false,
            cuda: None,
            cudnn: None,
            cudnn_rule,
            python: None,
            gpu_code: None,
            cc_min: None,
            driver_min_documented: None,
            sonames: None,
        }
    }

    /// The cuDNN versions accepted at run time, in words (`requirements`' `cudnn_accepted`).
    fn cudnn_accepted(&self) -> Option<String> {
        match self.cudnn_rule {
            CudnnRule::TensorFlow => self.cudnn.as_ref().map(|c| tf_cudnn_accepted(c.value)),
            CudnnRule::Range { min, below } => Some(format!(">={min}, <{below}")),
            CudnnRule::None => None,
        }
    }
}

/// Python support as `requirements` lists it: each version, or `">=3.10"`.
fn python_strings(p: &PythonSupport) -> Vec<String> {
    match p {
        PythonSupport::Listed(list) => list.iter().map(ToString::to_string).collect(),
        PythonSupport::AtLeast(min) => vec![format!(">={min}")],
    }
}

fn codes_strings(codes: &[GpuCode]) -> Vec<String> {
    codes.iter().map(ToString::to_string).collect()
}

impl Kb {
    /// What each build variant of a release needs, typed and sourced, in the table's order:
    /// TensorFlow's one (`default`), PyTorch's of the release's series, JAX's CUDA plugins.
    /// `None` when the tables do not know the release.
    pub fn release_needs(
        &self,
        framework: Framework,
        version: &FrameworkVersion,
    ) -> Option<Vec<VariantNeeds>> {
        let needs: Vec<VariantNeeds> = match framework {
            Framework::TensorFlow => vec![self.tf_needs(self.tf_release(version)?)],
            Framework::PyTorch => self
                .torch_release(version)
                .into_iter()
                .map(torch_needs)
                .collect(),
            Framework::Jax => self
                .jax_release(version)
                .into_iter()
                .map(jax_needs)
                .collect(),
        };
        (!needs.is_empty()).then_some(needs)
    }

    /// A TensorFlow release row's needs, with its series' GPU code and sonames.
    fn tf_needs(&self, row: &TfRelease) -> VariantNeeds {
        let mut n = VariantNeeds::new("default", CudnnRule::TensorFlow);
        n.cuda = Some(KbFact::of_row(row.cuda, &row.source));
        n.cudnn = Some(KbFact::of_row(row.cudnn, &row.source));
        n.python = Some(KbFact::of_row(
            PythonSupport::Listed(expand_python(&row.python)),
            &row.source,
        ));
        n.gpu_code = self.tf_archs(&row.version).and_then(|a| {
            let list = a.cuda_compute_capabilities.as_ref()?;
            Some(KbFact {
                value: list.codes().to_vec(),
                source: a.source.clone(),
                detail: Some(format!(
                    "(cuda_compute_capabilities {}: compute_XY is sm_XY SASS plus compute_XY PTX)",
                    list.entries().join(", ")
                )),
            })
        });
        n.sonames = self.tf_sonames(&row.version).map(|so| KbFact {
            value: sonames_of(so, true),
            source: so.source.clone(),
            detail: Some(format!("({} names)", so.evidence)),
        });
        n
    }
}

/// TensorFlow's sonames carried over to a build the tables do not know ([`Kb::tf_carried_sonames`]).
#[derive(Debug, Clone)]
pub struct CarriedSonames<'a> {
    /// The release the names are carried over from: the newest the tables know built with the
    /// same CUDA major (and the same cuDNN major when that is asked and shared).
    pub from: &'a TfRelease,
    /// The names, with their row.
    pub names: KbFact<Vec<Soname>>,
    /// Whether the cuDNN name is among them (the cuDNN majors agree).
    pub with_cudnn: bool,
}

impl Kb {
    /// The sonames TensorFlow opens for a build the tables do not know, from its CUDA major
    /// and, when known, its cuDNN major: TensorFlow's `dso_loader.cc` builds each name from the
    /// library versions of `cuda_config.h` (`TF_CUDART_VERSION`, `TF_CUDNN_VERSION`, ...), which
    /// follow from the CUDA and cuDNN majors of the build, so the names carry over from the
    /// newest known release built with the same majors. Same CUDA major only:
    /// the CUDA names carry over, the cuDNN one does not; an unknown cuDNN major carries over
    /// no cuDNN name. `None` when no known release with soname data shares the CUDA major.
    pub fn tf_carried_sonames(
        &self,
        cuda_major: u32,
        cudnn_major: Option<u32>,
    ) -> Option<CarriedSonames<'_>> {
        let newest_with = |want_cudnn: bool| {
            self.tf_releases
                .iter()
                .filter(|r| r.cuda.major() == cuda_major)
                .filter(|r| !want_cudnn || cudnn_major.is_none_or(|m| r.cudnn.major() == m))
                .filter(|r| self.tf_sonames(&r.version).is_some())
                .max_by(|a, b| a.version.cmp(&b.version))
        };
        let (from, with_cudnn) = match newest_with(true).filter(|_| cudnn_major.is_some()) {
            Some(r) => (r, true),
            None => (newest_with(false)?, false),
        };
        let row = self.tf_sonames(&from.version)?;
        Some(CarriedSonames {
            from,
            names: KbFact {
                value: sonames_of(row, with_cudnn),
                source: row.source.clone(),
                detail: Some(format!("({} names)", row.evidence)),
            },
            with_cudnn,
        })
    }

    /// The row the TensorFlow table lists for `version`'s series: what a series spec
    /// (`tensorflow==2.9`) means.
    pub fn tf_series_release(&self, version: &FrameworkVersion) -> Option<&TfRelease> {
        let s = Series::of(version);
        self.tf_releases.iter().find(|r| s.contains(&r.version))
    }

    /// Whether `package` (with the local-version `variant`) is a CPU-only build, which needs no
    /// GPU, driver or CUDA library: a TensorFlow package the package table marks CPU-only
    /// (`tensorflow-cpu`), or a PyTorch wheel of the `cpu` variant (the `+cpu` label of the
    /// wheels on https://download.pytorch.org/whl/cpu).
    pub fn is_cpu_only_build(
        &self,
        framework: Framework,
        package: &str,
        variant: Option<&str>,
    ) -> bool {
        match framework {
            Framework::TensorFlow => self.tf_packages.iter().any(|p| p.name == package && !p.gpu),
            Framework::PyTorch => variant == Some("cpu"),
            Framework::Jax => false,
        }
    }

    /// The newest release of `framework` any row of the tables names (known fully or not;
    /// compare [`Kb::newest_release`]): a release above it is newer than the tables.
    pub fn newest_listed(&self, framework: Framework) -> Option<FrameworkVersion> {
        match framework {
            Framework::TensorFlow => self.tf_releases.iter().map(|r| r.version.clone()).max(),
            Framework::PyTorch => self
                .torch_variants
                .iter()
                .filter_map(|v| v.release.to_string().parse::<FrameworkVersion>().ok())
                .max(),
            Framework::Jax => self.jax_plugins.iter().map(|p| p.version.clone()).max(),
        }
    }
}

/// The names of a TensorFlow soname row, without the cuDNN one unless `with_cudnn`.
fn sonames_of(row: &TfSonames, with_cudnn: bool) -> Vec<Soname> {
    row.libs
        .iter()
        .filter(|(library, _)| with_cudnn || library.as_str() != "cudnn")
        .map(|(library, soname)| Soname {
            library: library.clone(),
            soname: soname.clone(),
        })
        .collect()
}

/// A PyTorch variant row's needs.
fn torch_needs(r: &TorchVariant) -> VariantNeeds {
    let mut n = VariantNeeds::new(&r.tag, CudnnRule::None);
    n.pypi_default = r.pypi_default;
    n.cuda = Some(KbFact::of_row(r.cuda, &r.source));
    n.cudnn = r.cudnn.map(|c| KbFact::of_row(c, &r.source));
    n.python = r
        .python
        .as_ref()
        .map(|p| KbFact::of_row(PythonSupport::Listed(expand_python(p)), &r.source));
    n.gpu_code = r
        .arch_list
        .as_ref()
        .map(|a| KbFact::of_row(a.codes().to_vec(), &r.source));
    n
}

/// A JAX plugin row's needs.
fn jax_needs(r: &JaxPlugin) -> VariantNeeds {
    let rule = match (r.cudnn_min, r.cudnn_below) {
        (Some(min), Some(below)) => CudnnRule::Range { min, below },
        _ => CudnnRule::None,
    };
    let mut n = VariantNeeds::new(&r.variant, rule);
    n.cuda = r.cuda_built.map(|c| KbFact::of_row(c, &r.source));
    n.cudnn = r.cudnn_built.map(|c| KbFact::of_row(c, &r.source));
    n.python = Some(KbFact::of_row(
        PythonSupport::AtLeast(r.python_min),
        &r.source,
    ));
    n.cc_min = r.cc_min.map(|c| KbFact::of_row(c, &r.source));
    n.driver_min_documented = r
        .driver_min
        .as_ref()
        .map(|d| KbFact::of_row(d.clone(), &r.source));
    n
}

#[cfg(test)]
mod release_needs_tests {
    use super::{CudnnRule, PythonSupport, python_strings};
    use crate::framework::Framework;
    use crate::tables::values::expand_python;
    use crate::version::FrameworkVersion;

    fn kb() -> &'static crate::Kb {
        crate::Kb::embedded().unwrap_or_else(|e| panic!("{e}"))
    }

    /// For every release with soname data, its own CUDA and cuDNN majors carry over the names
    /// of the newest release built with those majors, which are that release's own names.
    #[test]
    fn carried_sonames_are_those_of_the_newest_release_with_the_same_majors() {
        let kb = kb();
        let with_names: Vec<_> = kb
            .tf_releases()
            .iter()
            .filter(|r| kb.tf_sonames(&r.version).is_some())
            .collect();
        assert!(!with_names.is_empty());
        for r in &with_names {
            let (cuda, cudnn) = (r.cuda.major(), r.cudnn.major());
            let c = kb
                .tf_carried_sonames(cuda, Some(cudnn))
                .unwrap_or_else(|| panic!("{}", r.version));
            assert!(c.with_cudnn, "{}", r.version);
            let newest = with_names
                .iter()
                .filter(|o| o.cuda.major() == cuda && o.cudnn.major() == cudnn)
                .map(|o| &o.version)
                .max();
            assert_eq!(Some(&c.from.version), newest, "{}", r.version);
            let own = kb
                .release_needs(Framework::TensorFlow, &c.from.version)
                .and_then(|n| n.into_iter().next())
                .and_then(|n| n.sonames)
                .unwrap_or_else(|| panic!("{}", c.from.version));
            assert_eq!(c.names, own, "{}", r.version);
            // Another cuDNN major, or none known: the CUDA names alone, of the newest release
            // with that CUDA major whatever its cuDNN.
            let newest_cuda = with_names
                .iter()
                .filter(|o| o.cuda.major() == cuda)
                .max_by(|a, b| a.version.cmp(&b.version))
                .unwrap_or_else(|| panic!("{}", r.version));
            let cuda_only: Vec<_> = kb
                .release_needs(Framework::TensorFlow, &newest_cuda.version)
                .and_then(|n| n.into_iter().next())
                .and_then(|n| n.sonames)
                .map(|s| s.value)
                .unwrap_or_default()
                .into_iter()
                .filter(|n| n.library != "cudnn")
                .collect();
            assert!(!cuda_only.is_empty(), "{}", newest_cuda.version);
            for other in [Some(cudnn + 100), None] {
                let c = kb
                    .tf_carried_sonames(cuda, other)
                    .unwrap_or_else(|| panic!("{}", r.version));
                assert!(!c.with_cudnn);
                assert_eq!(c.from.version, newest_cuda.version, "{}", r.version);
                assert_eq!(c.names.value, cuda_only, "{}", r.version);
            }
        }
        assert!(kb.tf_carried_sonames(99, None).is_none());
    }

    /// A named variant is found by name; without a name only a release of one variant answers.
    #[test]
    fn a_variant_is_picked_by_name_or_as_the_only_one() {
        let kb = kb();
        let req = |s: &str| {
            kb.requirements(&s.parse().unwrap_or_else(|e| panic!("{e}")))
                .unwrap_or_else(|e| panic!("{s}: {e}"))
        };
        let tf = req("tensorflow==2.9.0");
        assert_eq!(tf.variant(None).map(|v| v.name.as_str()), Some("default"));
        let torch = req("torch==2.4.1");
        assert!(torch.variants.len() > 1);
        assert!(torch.variant(None).is_none());
        assert_eq!(
            torch.variant(Some("cu121")).map(|v| v.name.as_str()),
            Some("cu121")
        );
        assert!(torch.variant(Some("cu999")).is_none());
    }

    #[test]
    fn cpu_only_builds_are_the_package_table_and_the_cpu_label() {
        let kb = kb();
        for p in kb.tf_packages() {
            assert_eq!(
                kb.is_cpu_only_build(Framework::TensorFlow, &p.name, None),
                !p.gpu,
                "{}",
                p.name
            );
        }
        assert!(kb.is_cpu_only_build(Framework::TensorFlow, "tensorflow-cpu", None));
        assert!(!kb.is_cpu_only_build(Framework::TensorFlow, "tensorflow", None));
        assert!(kb.is_cpu_only_build(Framework::PyTorch, "torch", Some("cpu")));
        assert!(!kb.is_cpu_only_build(Framework::PyTorch, "torch", Some("cu121")));
        assert!(!kb.is_cpu_only_build(Framework::PyTorch, "torch", None));
        assert!(!kb.is_cpu_only_build(Framework::Jax, "jax", Some("cpu")));
    }

    /// A series spec means a row of the series, the lowest the table lists; no row is newer
    /// than the newest listed release.
    #[test]
    fn series_and_newest_listed_releases_are_rows() {
        let kb = kb();
        for r in kb.tf_releases() {
            let series: FrameworkVersion = crate::tables::values::Series::of(&r.version)
                .to_string()
                .parse()
                .unwrap_or_else(|e| panic!("{e}"));
            let listed = kb
                .tf_series_release(&series)
                .unwrap_or_else(|| panic!("{series}"));
            assert!(
                crate::tables::values::Series::of(&listed.version).contains(&r.version)
                    && listed.version <= r.version,
                "{series}: {}",
                listed.version
            );
        }
        let tf = kb.newest_listed(Framework::TensorFlow);
        assert!(
            kb.tf_releases()
                .iter()
                .all(|r| Some(&r.version) <= tf.as_ref())
        );
        let jax = kb.newest_listed(Framework::Jax);
        assert!(
            kb.jax_plugins()
                .iter()
                .all(|p| Some(&p.version) <= jax.as_ref())
        );
        let torch = kb.newest_listed(Framework::PyTorch);
        assert!(kb.torch_variants().iter().all(|v| {
            v.release
                .to_string()
                .parse::<FrameworkVersion>()
                .ok()
                .as_ref()
                <= torch.as_ref()
        }));
        for f in [Framework::TensorFlow, Framework::PyTorch, Framework::Jax] {
            let newest: FrameworkVersion = kb
                .newest_release(f)
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{f:?}"));
            assert!(Some(&newest) <= kb.newest_listed(f).as_ref(), "{f:?}");
        }
    }

    /// Every TensorFlow release: the row's CUDA, cuDNN and Python, its series' GPU code and
    /// sonames, each with the row it came from.
    #[test]
    fn tensorflow_needs_are_the_rows() {
        let kb = kb();
        for row in kb.tf_releases() {
            let all = kb
                .release_needs(Framework::TensorFlow, &row.version)
                .unwrap_or_else(|| panic!("{}", row.version));
            assert_eq!(all.len(), 1);
            let n = &all[0];
            assert_eq!(n.name, "default");
            assert_eq!(n.cudnn_rule, CudnnRule::TensorFlow);
            let cuda = n.cuda.as_ref().unwrap_or_else(|| panic!("{}", row.version));
            assert_eq!(
                (cuda.value, cuda.source.as_str()),
                (row.cuda, row.source.as_str())
            );
            assert_eq!(n.cudnn.as_ref().map(|c| c.value), Some(row.cudnn));
            assert_eq!(
                n.python.as_ref().map(|p| &p.value),
                Some(&PythonSupport::Listed(expand_python(&row.python)))
            );
            let archs = kb.tf_archs(&row.version);
            assert_eq!(
                n.gpu_code
                    .as_ref()
                    .map(|g| (g.value.as_slice(), g.source.as_str())),
                archs.and_then(|a| a.codes().map(|c| (c, a.source.as_str())))
            );
            if let Some(g) = &n.gpu_code {
                let detail = g.detail.as_deref().unwrap_or_default();
                assert!(
                    detail.starts_with("(cuda_compute_capabilities "),
                    "{detail}"
                );
            }
            let so = kb.tf_sonames(&row.version);
            assert_eq!(n.sonames.is_some(), so.is_some(), "{}", row.version);
            if let (Some(n), Some(so)) = (&n.sonames, so) {
                assert_eq!(n.value.len(), so.libs.len());
                assert!(
                    n.value
                        .iter()
                        .all(|s| so.libs.get(&s.library) == Some(&s.soname))
                );
                assert_eq!(n.detail, Some(format!("({} names)", so.evidence)));
            }
            assert!(n.cc_min.is_none() && n.driver_min_documented.is_none());
        }
    }

    /// Every PyTorch series and JAX release: one needs per row, in the table's order.
    #[test]
    fn torch_and_jax_needs_are_the_rows() {
        let kb = kb();
        for r in kb.torch_variants() {
            let v: FrameworkVersion = r
                .release
                .to_string()
                .parse()
                .unwrap_or_else(|e| panic!("{e}"));
            let all = kb.release_needs(Framework::PyTorch, &v).unwrap_or_default();
            let names: Vec<&str> = all.iter().map(|n| n.name.as_str()).collect();
            let tags: Vec<&str> = kb
                .torch_release(&v)
                .iter()
                .map(|r| r.tag.as_str())
                .collect();
            assert_eq!(names, tags);
            let n = all
                .iter()
                .find(|n| n.name == r.tag)
                .unwrap_or_else(|| panic!("{}", r.tag));
            assert_eq!(n.pypi_default, r.pypi_default);
            assert_eq!(n.cuda.as_ref().map(|c| c.value), Some(r.cuda));
            assert_eq!(n.cudnn.as_ref().map(|c| c.value), r.cudnn);
            assert_eq!(n.cudnn_rule, CudnnRule::None);
            assert_eq!(
                n.gpu_code.as_ref().map(|g| g.value.as_slice()),
                r.arch_list
                    .as_ref()
                    .map(crate::tables::pytorch::TorchArchList::codes)
            );
            assert!(n.sonames.is_none() && n.cc_min.is_none());
        }
        for p in kb.jax_plugins() {
            let all = kb
                .release_needs(Framework::Jax, &p.version)
                .unwrap_or_default();
            let n = all
                .iter()
                .find(|n| n.name == p.variant)
                .unwrap_or_else(|| panic!("{}", p.variant));
            assert_eq!(n.cuda.as_ref().map(|c| c.value), p.cuda_built);
            assert_eq!(n.cudnn.as_ref().map(|c| c.value), p.cudnn_built);
            assert_eq!(n.cc_min.as_ref().map(|c| c.value), p.cc_min);
            assert_eq!(
                n.driver_min_documented.as_ref().map(|d| &d.value),
                p.driver_min.as_ref()
            );
            assert_eq!(
                n.python.as_ref().map(|p| &p.value),
                Some(&PythonSupport::AtLeast(p.python_min))
            );
            let range = matches!(n.cudnn_rule, CudnnRule::Range { .. });
            assert_eq!(range, p.cudnn_min.is_some() && p.cudnn_below.is_some());
            assert!(n.gpu_code.is_none() && n.sonames.is_none());
        }
    }

    #[test]
    fn an_unknown_release_has_no_needs() {
        let v: FrameworkVersion = "0.0.1".parse().unwrap_or_else(|e| panic!("{e}"));
        for f in [Framework::TensorFlow, Framework::PyTorch, Framework::Jax] {
            assert!(kb().release_needs(f, &v).is_none(), "{f:?}");
        }
    }

    /// `requirements` states the same facts as [`crate::Kb::release_needs`], in words.
    #[test]
    fn requirements_say_the_needs_in_words() {
        let kb = kb();
        let mut specs: Vec<String> = kb
            .tf_releases()
            .iter()
            .map(|r| format!("tensorflow=={}", r.version))
            .collect();
        specs.extend(
            kb.torch_variants()
                .iter()
                .map(|r| format!("torch=={}", r.release)),
        );
        specs.extend(
            kb.jax_plugins()
                .iter()
                .map(|p| format!("jax=={}", p.version)),
        );
        for s in specs {
            let spec: crate::Spec = s.parse().unwrap_or_else(|e| panic!("{s}: {e}"));
            let req = kb
                .requirements(&spec)
                .unwrap_or_else(|e| panic!("{s}: {e}"));
            let version: FrameworkVersion = req.version.parse().unwrap_or_else(|e| panic!("{e}"));
            let needs = kb
                .release_needs(spec.framework, &version)
                .unwrap_or_default();
            assert_eq!(req.variants.len(), needs.len(), "{s}");
            for v in &req.variants {
                let n = needs
                    .iter()
                    .find(|n| n.name == v.name)
                    .unwrap_or_else(|| panic!("{s}"));
                assert_eq!(v.cuda, n.cuda.as_ref().map(|c| c.value.to_string()), "{s}");
                assert_eq!(
                    v.cudnn,
                    n.cudnn.as_ref().map(|c| c.value.to_string()),
                    "{s}"
                );
                assert_eq!(v.cudnn_accepted, n.cudnn_accepted(), "{s}");
                let python = n.python.as_ref().map(|p| python_strings(&p.value));
                assert_eq!(v.python, python.unwrap_or_default(), "{s}");
                let codes: Vec<String> = n
                    .gpu_code
                    .as_ref()
                    .map(|g| g.value.iter().map(ToString::to_string).collect())
                    .unwrap_or_default();
                assert_eq!(v.compute_capabilities, codes, "{s}");
                assert_eq!(
                    v.min_compute_capability,
                    n.cc_min.as_ref().map(|c| c.value.to_string()),
                    "{s}"
                );
                assert_eq!(
                    v.sonames.len(),
                    n.sonames.as_ref().map_or(0, |so| so.value.len())
                );
            }
        }
    }
}
