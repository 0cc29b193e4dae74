//! `requirements`: what one framework release needs ([`Kb::requirements`]).

use std::collections::BTreeMap;

use serde::Serialize;

use super::{PtxIsaProvenance, QueryError, SCHEMA_VERSION};
use crate::framework::{Framework, Spec};
use crate::tables::Kb;
use crate::tables::values::Series;
use crate::tables::values::expand_python;
use crate::version::{CudaVersion, CudnnVersion, FrameworkVersion};

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
