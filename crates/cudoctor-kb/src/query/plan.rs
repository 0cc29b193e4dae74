//! `plan`: which releases fit a machine ([`Kb::plan`]).

use serde::Serialize;

use super::{PtxIsaProvenance, QueryError, SCHEMA_VERSION};
use crate::framework::Framework;
use crate::rules::{ArchSupport, Verdict, arch_support, format_codes};
use crate::tables::Kb;
use crate::tables::cuda::NvccTarget;
use crate::tables::tensorflow::TfArchRange;
use crate::tables::values::PythonRange;
use crate::version::{
    ComputeCapability, CudaVersion, DriverVersion, FrameworkVersion, GpuCode, PythonVersion,
};

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
