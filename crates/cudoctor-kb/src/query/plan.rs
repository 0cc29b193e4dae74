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
    /// The one release to install, chosen among [`Self::candidates`] (see [`Recommendation`]);
    /// `None` when nothing fits, with the reason in [`Self::no_recommendation`].
    pub recommendation: Option<Recommendation>,
    /// Why there is no recommendation (`None` when there is one).
    pub no_recommendation: Option<String>,
    /// Caveats every candidate has word for word (two candidates or more), said once here.
    /// Caveats that only say a constraint was not given are left out: `constraints.unknown`
    /// says that once for the whole plan.
    pub common_caveats: Vec<String>,
}

/// The release a plan recommends for one framework: the newest candidate with no caveats;
/// else, when constraints were not given, the newest whose only caveats are those constraints
/// (it fits everything that could be checked); else the newest candidate, with its caveats.
/// A candidate that may not be published (a PyTorch build target the release matrix does not
/// list) is never recommended.
#[derive(Debug, Clone, Serialize)]
pub struct Recommendation {
    /// The release, as [`Candidate::version`] writes it (`2.14.0`; PyTorch: the series `2.6`).
    pub release: String,
    /// The variant (`default`, `cu124`, `cuda12`).
    pub variant: String,
    /// `compatible` or `compatible_with_caveats`.
    pub status: Status,
    /// Every caveat of the candidate (the same list as its [`Candidate::caveats`]).
    pub caveats: Vec<String>,
    /// Its caveats less [`FrameworkPlan::common_caveats`] and the constraints not given.
    pub distinct_caveats: Vec<String>,
    /// Why this candidate was chosen.
    pub why: String,
    /// The same, as a value a renderer can word in another language (not serialized: `why`
    /// is the contract).
    #[serde(skip)]
    pub why_kind: WhyChosen,
    /// How to install it.
    pub install: Install,
}

/// Why a [`Recommendation`] was chosen; [`WhyChosen::english`] is its `why`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum WhyChosen {
    /// The newest candidate with no caveats.
    #[default]
    NoCaveats,
    /// Constraints were not given (these): the newest that fits every constraint given.
    NotGiven(Vec<String>),
    /// Every candidate has caveats, all of them common ones: the newest.
    CommonCaveats,
    /// Every candidate has caveats: the newest, with this many of its own.
    DistinctCaveats(usize),
}

impl WhyChosen {
    /// The English sentence (the recommendation's `why`).
    pub fn english(&self) -> String {
        match self {
            Self::NoCaveats => "the newest release that fits with no caveats".to_owned(),
            Self::NotGiven(unknown) => format!(
                "no release could be checked without caveats ({} not given): the newest release that fits every constraint given",
                unknown.join(", ")
            ),
            Self::CommonCaveats => "every release that fits has caveats, the same for all (common_caveats): the newest one".to_owned(),
            Self::DistinctCaveats(n) => format!(
                "every release that fits has caveats: the newest one, with {n} of its own (distinct_caveats)"
            ),
        }
    }
}

/// How to install a release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Install {
    /// The arguments after `pip install`, one argv element each: `torch==2.6.*` (PyTorch rows
    /// are kept by series, so the pin is the series: the newest patch release of it),
    /// `jax[cuda12]==0.4.30`, `tensorflow[and-cuda]==2.14.0`.
    pub pip: Vec<String>,
    /// The package index to install from instead of PyPI (`pip install --index-url URL`):
    /// PyTorch's `https://download.pytorch.org/whl/cuXYZ` for a variant that is not the one
    /// PyPI serves, from PyTorch 2.0 on; `None` = PyPI.
    pub index_url: Option<String>,
    /// An index to search beside PyPI (`pip install --extra-index-url URL`): PyTorch's index of
    /// a non-default variant before 2.0, whose dependencies are on PyPI only. Both forms are the
    /// ones https://pytorch.org/get-started/previous-versions/ gives for each release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_index_url: Option<String>,
    /// The official image with the release, where a sourced table names it (TensorFlow's
    /// `tensorflow/tensorflow:X-gpu`); `None` = none known.
    pub image: Option<String>,
}

impl Install {
    /// The pip command line, quoted for a POSIX shell:
    /// `pip install 'tensorflow[and-cuda]==2.14.0'`,
    /// `pip install 'torch==2.6.*' --index-url https://download.pytorch.org/whl/cu126`.
    pub fn pip_command(&self) -> String {
        let mut words = vec!["pip".to_owned(), "install".to_owned()];
        words.extend(self.pip.iter().map(|w| shell_quote(w)));
        for (flag, url) in [
            ("--index-url", &self.index_url),
            ("--extra-index-url", &self.extra_index_url),
        ] {
            if let Some(url) = url {
                words.push(flag.to_owned());
                words.push(shell_quote(url));
            }
        }
        words.join(" ")
    }
}

/// `word` as one POSIX shell word: as is when it holds only characters no shell treats
/// specially, else single-quoted (`~` and `[` glob or expand in some shells).
fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '=' | '/' | ':' | '+' | ',')
        });
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
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
    /// Its caveats less [`FrameworkPlan::common_caveats`] and less those that only say a
    /// constraint was not given ([`PlanConstraints::unknown`] says that once).
    pub distinct_caveats: Vec<String>,
    /// How to install it: the pasteable form of `package`.
    pub install: Install,
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
    /// How to install it.
    install: Install,
    /// Why it may not be published at all (a PyTorch build target whose wheels were not seen):
    /// never recommended.
    unpublished: Option<String>,
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
                    install: Install {
                        pip: vec![self.tf_pip_argument(&r.package, &r.version)],
                        index_url: None,
                        extra_index_url: None,
                        image: self
                            .tf_images(&r.version.to_string())
                            .into_iter()
                            .find(|t| t.ends_with("-gpu")),
                    },
                    unpublished: None,
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
                        install: {
                            // The row covers every patch release of the series. Before 2.0
                            // PyTorch's own commands take its index beside PyPI, and the
                            // `+cuXYZ` local version there ranks above PyPI's same release.
                            let url = (!r.pypi_default)
                                .then(|| format!("https://download.pytorch.org/whl/{}", r.tag));
                            let before_2 = r.release.to_string().starts_with("1.");
                            Install {
                                pip: vec![format!("torch=={}.*", r.release)],
                                index_url: url.clone().filter(|_| !before_2),
                                extra_index_url: url.filter(|_| before_2),
                                image: None,
                            }
                        },
                        // PyPI serves the default; the other variants are published when the
                        // release matrix names their channel.
                        unpublished: (!r.pypi_default
                            && !["stable", "legacy", "experimental"]
                                .iter()
                                .any(|c| r.channel.starts_with(c)))
                        .then(|| format!("its publication is not known (channel: {})", r.channel)),
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
                    install: Install {
                        pip: vec![format!("{}=={}", r.extra, r.version)],
                        index_url: None,
                        extra_index_url: None,
                        image: None,
                    },
                    unpublished: None,
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
                // Read from PyPI: what `pip install` gets there (TensorFlow with its extra, as
                // for the releases in the tables).
                install: Install {
                    pip: vec![if framework == Framework::TensorFlow {
                        self.tf_pip_argument(&x.package, &x.version)
                    } else {
                        format!("{}=={}", x.package, x.version)
                    }],
                    index_url: None,
                    extra_index_url: None,
                    image: None,
                },
                unpublished: None,
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

    /// Weighs one offer: `Ok(caveats)` when it fits, `Err(reasons)` when it does not. Each
    /// caveat says whether it only reports a constraint that was not given.
    fn weigh(
        &self,
        offer: &Offer,
        cons: &PlanConstraints,
    ) -> Result<Vec<(String, bool)>, Vec<String>> {
        let mut caveats = Vec::new();
        // The indices of the caveats that only say a constraint was not given.
        let mut unasked: Vec<usize> = Vec::new();
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
            (None, python) => {
                unasked.push(caveats.len());
                caveats.push(match python {
                    PythonSupport::Known(r) => format!(
                        "Python not given: could not check it (supports Python {})",
                        join_ranges(r)
                    ),
                    PythonSupport::AtLeast(m) => {
                        format!("Python not given: could not check it (needs Python >= {m})")
                    }
                    PythonSupport::Unknown => {
                        "Python not given, and its supported versions are unknown".to_owned()
                    }
                });
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
                None => {
                    unasked.push(caveats.len());
                    caveats.push(format!(
                        "driver not given: could not check it (needs >= {min})"
                    ));
                }
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
                        unasked.push(caveats.len());
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
            (None, _) => {
                unasked.push(caveats.len());
                caveats.push(
                    "GPU not given: could not check that the build carries code for it".to_owned(),
                );
            }
        }

        if reasons.is_empty() {
            Ok(caveats
                .into_iter()
                .enumerate()
                .map(|(i, c)| (c, unasked.contains(&i)))
                .collect())
        } else {
            Err(reasons)
        }
    }

    /// The plan for one framework: every offer weighed, the caveats grouped, one recommended.
    fn plan_framework(
        &self,
        framework: Framework,
        index_offers: &[IndexOffer],
        constraints: &PlanConstraints,
    ) -> FrameworkPlan {
        // (candidate, which of its caveats only say a constraint was not given, install)
        let mut fits: Vec<(Candidate, Vec<bool>)> = Vec::new();
        // Indices into `fits` that may not be published: never recommended.
        let mut unpublished: Vec<(usize, String)> = Vec::new();
        let mut excluded = Vec::new();
        for o in self.offers(framework, index_offers) {
            match self.weigh(&o, constraints) {
                Ok(mut caveats) => {
                    if let Some(src) = &o.read_from {
                        caveats.insert(
                            0,
                            (
                                format!("not in the embedded tables: read from the {src}"),
                                false,
                            ),
                        );
                    }
                    let (caveats, unasked): (Vec<String>, Vec<bool>) = caveats.into_iter().unzip();
                    if let Some(why) = o.unpublished {
                        unpublished
                            .push((fits.len(), format!("{} {}: {why}", o.version, o.variant)));
                    }
                    fits.push((
                        Candidate {
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
                            distinct_caveats: Vec::new(),
                            install: o.install,
                        },
                        unasked,
                    ));
                }
                Err(mut reasons) => {
                    if let Some(src) = &o.read_from {
                        reasons.push(format!("(not in the embedded tables: read from the {src})"));
                    }
                    excluded.push(Excluded {
                        version: o.version,
                        variant: o.variant,
                        reasons,
                    });
                }
            }
        }

        // Caveats every candidate has word for word, less those of constraints not given.
        let common_caveats: Vec<String> = match fits.split_first() {
            Some(((first, first_unasked), rest)) if !rest.is_empty() => first
                .caveats
                .iter()
                .zip(first_unasked)
                .filter(|(c, unasked)| {
                    !**unasked && rest.iter().all(|(o, _)| o.caveats.contains(c))
                })
                .map(|(c, _)| c.clone())
                .collect(),
            _ => Vec::new(),
        };
        for (c, unasked) in &mut fits {
            c.distinct_caveats = c
                .caveats
                .iter()
                .zip(unasked.iter())
                .filter(|(text, unasked)| !**unasked && !common_caveats.contains(text))
                .map(|(text, _)| text.clone())
                .collect();
        }

        // The recommendation: no caveats; else only constraints not given; else the newest;
        // among the candidates known to be published.
        let published = |i: &usize| !unpublished.iter().any(|(u, _)| u == i);
        let pick = (0..fits.len())
            .filter(published)
            .find(|i| fits[*i].0.caveats.is_empty())
            .map(|i| (i, WhyChosen::NoCaveats))
            .or_else(|| {
                (0..fits.len())
                    .filter(published)
                    .find(|i| fits[*i].1.iter().all(|u| *u))
                    .map(|i| (i, WhyChosen::NotGiven(constraints.unknown.clone())))
            })
            .or_else(|| {
                (0..fits.len()).find(published).map(|i| {
                    let why = match fits[i].0.distinct_caveats.len() {
                        0 => WhyChosen::CommonCaveats,
                        n => WhyChosen::DistinctCaveats(n),
                    };
                    (i, why)
                })
            });
        let (recommendation, no_recommendation) = match pick {
            Some((i, why)) => {
                let (c, _) = &fits[i];
                (
                    Some(Recommendation {
                        release: c.version.clone(),
                        variant: c.variant.clone(),
                        status: c.status,
                        caveats: c.caveats.clone(),
                        distinct_caveats: c.distinct_caveats.clone(),
                        why: why.english(),
                        why_kind: why,
                        install: c.install.clone(),
                    }),
                    None,
                )
            }
            None if !fits.is_empty() => (
                None,
                Some(format!(
                    "the only {} releases that fit may not be published: {}",
                    framework.display_name(),
                    unpublished
                        .iter()
                        .map(|(_, w)| w.as_str())
                        .collect::<Vec<_>>()
                        .join("; ")
                )),
            ),
            None => (
                None,
                Some(match excluded.first() {
                    Some(newest) => format!(
                        "no {} release in the tables fits: all {} are excluded (the newest, {} {}: {})",
                        framework.display_name(),
                        excluded.len(),
                        newest.version,
                        newest.variant,
                        newest.reasons.join("; ")
                    ),
                    None => format!("the tables have no {} release", framework.display_name()),
                }),
            ),
        };
        FrameworkPlan {
            framework,
            candidates: fits.into_iter().map(|(c, _)| c).collect(),
            excluded,
            recommendation,
            no_recommendation,
            common_caveats,
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
            .map(|framework| self.plan_framework(framework, &query.index_offers, &constraints))
            .collect();
        Ok(Plan {
            schema_version: SCHEMA_VERSION,
            constraints,
            frameworks,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod recommendation_tests {
    use super::{Install, PlanQuery, Status};
    use crate::framework::{Framework, Spec};
    use crate::kb;

    fn plan(q: &PlanQuery) -> super::FrameworkPlan {
        let mut p = kb().plan(q).unwrap();
        assert_eq!(p.frameworks.len(), 1);
        p.frameworks.remove(0)
    }

    fn spec(s: &str) -> Spec {
        s.parse().unwrap()
    }

    #[test]
    fn torch_on_an_rtx_4090_with_driver_550() {
        let fp = plan(&PlanQuery {
            driver: Some("550.54.15".parse().unwrap()),
            gpu_name: Some("RTX 4090".to_owned()),
            frameworks: vec![Framework::PyTorch],
            ..PlanQuery::default()
        });
        let rec = fp.recommendation.as_ref().unwrap();
        assert!(fp.no_recommendation.is_none());
        // Python was not given, so every candidate has that caveat; the recommendation is the
        // newest whose only caveats are the constraints not given, and every newer candidate has
        // a caveat of its own.
        let i = fp
            .candidates
            .iter()
            .position(|c| c.version == rec.release && c.variant == rec.variant)
            .unwrap();
        let cand = &fp.candidates[i];
        assert!(cand.distinct_caveats.is_empty(), "{cand:?}");
        assert!(!cand.caveats.is_empty(), "{cand:?}");
        assert_eq!(rec.caveats, cand.caveats);
        assert!(rec.distinct_caveats.is_empty());
        assert!(rec.why.contains("python not given"), "{}", rec.why);
        for newer in &fp.candidates[..i] {
            assert!(!newer.distinct_caveats.is_empty(), "{newer:?}");
        }

        // The install line agrees with `requirements` for that release and variant.
        let req = kb()
            .requirements(&spec(&format!("torch=={}", rec.release)))
            .unwrap();
        let var = req.variants.iter().find(|v| v.name == rec.variant).unwrap();
        assert_eq!(rec.install.pip, [format!("torch=={}.*", rec.release)]);
        let expected_index = match var.pypi_default {
            Some(true) => None,
            Some(false) => Some(format!("https://download.pytorch.org/whl/{}", rec.variant)),
            None => panic!("the table knows which variant PyPI serves: {var:?}"),
        };
        assert_eq!(rec.install.index_url, expected_index);
        assert_eq!(rec.install.image, None);
        // And the variant's CUDA needs no more than the given driver.
        let toolkit: crate::version::DriverVersion =
            var.driver_min.as_deref().unwrap().parse().unwrap();
        assert!(toolkit <= "550.54.15".parse().unwrap(), "{toolkit}");
    }

    #[test]
    fn torch_with_every_constraint_given_has_no_caveats() {
        let fp = plan(&PlanQuery {
            driver: Some("550.54.15".parse().unwrap()),
            gpu_name: Some("RTX 4090".to_owned()),
            python: Some("3.11".parse().unwrap()),
            frameworks: vec![Framework::PyTorch],
            ..PlanQuery::default()
        });
        let rec = fp.recommendation.as_ref().unwrap();
        let first_clean = fp
            .candidates
            .iter()
            .find(|c| c.status == Status::Compatible)
            .unwrap();
        assert_eq!(
            (&rec.release, &rec.variant),
            (&first_clean.version, &first_clean.variant)
        );
        assert_eq!(rec.status, Status::Compatible);
        assert!(rec.caveats.is_empty());
        assert_eq!(rec.why, "the newest release that fits with no caveats");
    }

    #[test]
    fn jax_on_an_h100() {
        let driver: crate::version::DriverVersion = "550.54.15".parse().unwrap();
        let fp = plan(&PlanQuery {
            driver: Some(driver.clone()),
            gpu_name: Some("NVIDIA H100 80GB HBM3".to_owned()),
            python: Some("3.11".parse().unwrap()),
            frameworks: vec![Framework::Jax],
            ..PlanQuery::default()
        });
        let rec = fp.recommendation.as_ref().unwrap();
        let version = rec.release.parse().unwrap();
        let row = kb()
            .jax_release(&version)
            .into_iter()
            .find(|p| p.variant == rec.variant)
            .unwrap();
        // The extra the row names, pinned to the release.
        assert_eq!(rec.install.pip, [format!("{}=={}", row.extra, rec.release)]);
        assert!(
            rec.install.pip[0].starts_with("jax[cuda"),
            "{:?}",
            rec.install
        );
        assert_eq!(rec.install.index_url, None);
        assert!(row.driver_min.as_ref().is_some_and(|m| *m <= driver));
        assert!(row.python_min <= "3.11".parse().unwrap());
    }

    #[test]
    fn tensorflow_with_and_without_the_and_cuda_extra() {
        // A recent machine: a release with the `and-cuda` extra and a `-gpu` image.
        let fp = plan(&PlanQuery {
            driver: Some("550.54.15".parse().unwrap()),
            gpu_name: Some("RTX 3090".to_owned()),
            python: Some("3.11".parse().unwrap()),
            frameworks: vec![Framework::TensorFlow],
            ..PlanQuery::default()
        });
        let rec = fp.recommendation.as_ref().unwrap();
        let v: crate::version::FrameworkVersion = rec.release.parse().unwrap();
        let row = kb().tf_release(&v).unwrap();
        let extra = kb().tf_pip_extra(&v).unwrap();
        assert_eq!(extra.extra, "and-cuda");
        assert_eq!(row.package, "tensorflow");
        assert_eq!(
            rec.install.pip,
            [format!("tensorflow[and-cuda]=={}", rec.release)]
        );
        assert_eq!(
            rec.install.image.as_deref(),
            Some(format!("tensorflow/tensorflow:{}-gpu", rec.release).as_str())
        );
        assert!(
            kb().tf_images(&rec.release)
                .contains(rec.install.image.as_ref().unwrap())
        );

        // An old machine: a 1.x release, whose GPU package is `tensorflow-gpu`, no extra, and no
        // image name (the scheme starts at 2.2).
        let fp = plan(&PlanQuery {
            driver: Some("410.48".parse().unwrap()),
            compute_capability: Some("7.0".parse().unwrap()),
            python: Some("3.6".parse().unwrap()),
            frameworks: vec![Framework::TensorFlow],
            ..PlanQuery::default()
        });
        let rec = fp.recommendation.as_ref().unwrap();
        let v: crate::version::FrameworkVersion = rec.release.parse().unwrap();
        assert!(kb().tf_pip_extra(&v).is_none(), "{v}");
        let row = kb().tf_release(&v).unwrap();
        assert_eq!(
            rec.install.pip,
            [format!("{}=={}", row.package, rec.release)]
        );
        assert!(!rec.install.pip[0].contains('['));
        assert_eq!(rec.install.image, None, "{v}");
    }

    #[test]
    fn nothing_fits_says_why() {
        // A driver older than any CUDA the PyTorch table's builds use.
        let fp = plan(&PlanQuery {
            driver: Some("384.81".parse().unwrap()),
            gpu_name: Some("RTX 4090".to_owned()),
            python: Some("3.10".parse().unwrap()),
            frameworks: vec![Framework::PyTorch],
            ..PlanQuery::default()
        });
        assert!(fp.candidates.is_empty(), "{:?}", fp.candidates);
        assert!(fp.recommendation.is_none());
        let why = fp.no_recommendation.as_deref().unwrap();
        assert!(
            why.starts_with("no PyTorch release in the tables fits"),
            "{why}"
        );
        assert!(why.contains(&fp.excluded[0].reasons[0]), "{why}");
        assert!(fp.common_caveats.is_empty());
    }

    #[test]
    fn caveats_of_every_candidate_are_said_once() {
        // Nothing given: every candidate says the GPU was not given, word for word.
        let fp = plan(&PlanQuery {
            frameworks: vec![Framework::TensorFlow],
            ..PlanQuery::default()
        });
        let gpu = "GPU not given: could not check that the build carries code for it";
        assert!(fp.candidates.len() > 1);
        assert!(
            fp.candidates
                .iter()
                .all(|c| c.caveats.iter().any(|x| x == gpu))
        );
        // Constraints not given are said once, in `constraints.unknown`: in neither grouped list.
        assert!(!fp.common_caveats.iter().any(|c| c.contains("not given")));
        for c in &fp.candidates {
            assert!(
                !c.distinct_caveats.iter().any(|x| x.contains("not given")),
                "{c:?}"
            );
            for d in &c.distinct_caveats {
                assert!(c.caveats.contains(d));
                assert!(!fp.common_caveats.contains(d));
            }
        }
        let rec = fp.recommendation.as_ref().unwrap();
        assert_eq!(rec.release, fp.candidates[0].version);

        // A caveat that is not about a missing constraint and that every candidate has is
        // common: on the JAX docs' minimum driver, every plugin built with the same CUDA runs
        // through minor-version compatibility, said in the same words. Python 3.9 keeps the
        // plugins of one build CUDA only.
        let fp = plan(&PlanQuery {
            driver: Some("525.60.13".parse().unwrap()),
            compute_capability: Some("9.0".parse().unwrap()),
            python: Some("3.9".parse().unwrap()),
            frameworks: vec![Framework::Jax],
            ..PlanQuery::default()
        });
        assert!(fp.candidates.len() > 1);
        let cuda = &fp.candidates[0].cuda;
        assert!(fp.candidates.iter().all(|c| &c.cuda == cuda));
        assert_eq!(fp.common_caveats.len(), 1, "{:?}", fp.common_caveats);
        assert!(fp.common_caveats[0].contains("minor-version compatibility"));
        for c in &fp.candidates {
            assert!(c.caveats.contains(&fp.common_caveats[0]), "{c:?}");
            assert!(c.distinct_caveats.is_empty(), "{c:?}");
        }
        let rec = fp.recommendation.as_ref().unwrap();
        assert_eq!(rec.release, fp.candidates[0].version);
        assert_eq!(rec.caveats, fp.candidates[0].caveats);
        assert!(rec.why.contains("common_caveats"), "{}", rec.why);
    }

    #[test]
    fn a_variant_that_may_not_be_published_is_never_recommended() {
        let mut table = kb().clone();
        table
            .torch_variants
            .retain(|v| !v.pypi_default && v.channel.contains("not verified"));
        assert!(!table.torch_variants.is_empty());
        let mut p = table
            .plan(&PlanQuery {
                driver: Some("580.65.06".parse().unwrap()),
                compute_capability: Some("9.0".parse().unwrap()),
                frameworks: vec![Framework::PyTorch],
                ..PlanQuery::default()
            })
            .unwrap();
        let fp = p.frameworks.remove(0);
        assert!(!fp.candidates.is_empty(), "{:?}", fp.excluded);
        assert!(fp.recommendation.is_none());
        let why = fp.no_recommendation.unwrap();
        assert!(why.contains("may not be published"), "{why}");
        assert!(why.contains(&fp.candidates[0].variant), "{why}");
    }

    #[test]
    fn a_laptop_gpu_with_its_own_row_plans_with_that_row() {
        let p = kb()
            .plan(&PlanQuery {
                gpu_name: Some("NVIDIA GeForce RTX 3060 Laptop GPU".to_owned()),
                ..PlanQuery::default()
            })
            .unwrap();
        assert_eq!(
            p.constraints.gpu.as_deref(),
            Some("GeForce RTX 3060 Laptop GPU")
        );
        assert_eq!(
            p.constraints.compute_capability.map(|c| c.to_string()),
            Some("8.6".to_owned())
        );
        assert!(
            !p.constraints
                .unknown
                .contains(&"compute_capability".to_owned())
        );
    }

    #[test]
    fn a_laptop_gpu_name_is_an_error_not_a_desktop_plan() {
        // A laptop part with no laptop row of its own (the desktop RTX 3080 Ti row is not used).
        let e = kb()
            .plan(&PlanQuery {
                gpu_name: Some("NVIDIA GeForce RTX 3080 Ti Laptop GPU".to_owned()),
                ..PlanQuery::default()
            })
            .unwrap_err();
        assert!(
            matches!(
                e,
                super::QueryError::Gpu(crate::GpuLookupError::Laptop { .. })
            ),
            "{e}"
        );
        assert!(e.hint().unwrap().contains("--cc"));
    }

    /// Golden lines, written out (not rebuilt from the formula): what
    /// https://pytorch.org/get-started/previous-versions/ gives, less the patch number the
    /// series rows do not have. From 2.0 a non-default variant's index replaces PyPI; before it,
    /// PyTorch's index is searched beside PyPI (its dependencies are on PyPI only).
    #[test]
    fn torch_install_lines_follow_pytorch_s_own_commands() {
        let p = plan(&PlanQuery {
            frameworks: vec![Framework::PyTorch],
            ..PlanQuery::default()
        });
        let line = |version: &str, variant: &str| {
            p.candidates
                .iter()
                .find(|c| c.version == version && c.variant == variant)
                .unwrap_or_else(|| panic!("no {version} {variant}"))
                .install
                .pip_command()
        };
        assert_eq!(line("2.5", "cu124"), "pip install 'torch==2.5.*'");
        assert_eq!(
            line("2.5", "cu118"),
            "pip install 'torch==2.5.*' --index-url https://download.pytorch.org/whl/cu118"
        );
        assert_eq!(
            line("1.13", "cu116"),
            "pip install 'torch==1.13.*' --extra-index-url https://download.pytorch.org/whl/cu116"
        );
    }

    /// `tensorflow[and-cuda]==2.15.0` cannot be installed (its METADATA pins a `tensorrt-libs`
    /// PyPI does not serve); its post-release can: the plan offers that. 2.14 takes the extra,
    /// 2.13 has none.
    #[test]
    fn tensorflow_2_15_installs_the_post_release_that_fixed_the_extra() {
        let p = plan(&PlanQuery {
            frameworks: vec![Framework::TensorFlow],
            ..PlanQuery::default()
        });
        let line = |v: &str| {
            p.candidates
                .iter()
                .find(|c| c.version == v)
                .unwrap_or_else(|| panic!("no {v}"))
                .install
                .pip_command()
        };
        assert_eq!(
            line("2.15.0"),
            "pip install 'tensorflow[and-cuda]==2.15.0.post1'"
        );
        assert_eq!(line("2.14.0"), "pip install 'tensorflow[and-cuda]==2.14.0'");
        assert_eq!(line("2.13.0"), "pip install tensorflow==2.13.0");
    }

    #[test]
    fn pip_commands_quote_what_a_shell_would_expand() {
        let i = Install {
            pip: vec!["torch==2.6.*".to_owned()],
            index_url: Some("https://download.pytorch.org/whl/cu126".to_owned()),
            extra_index_url: None,
            image: None,
        };
        assert_eq!(
            i.pip_command(),
            "pip install 'torch==2.6.*' --index-url https://download.pytorch.org/whl/cu126"
        );
        let i = Install {
            pip: vec!["tensorflow[and-cuda]==2.14.0".to_owned()],
            index_url: None,
            extra_index_url: None,
            image: None,
        };
        assert_eq!(
            i.pip_command(),
            "pip install 'tensorflow[and-cuda]==2.14.0'"
        );
        let i = Install {
            pip: vec!["tensorflow-gpu==1.15.0".to_owned(), "it's".to_owned()],
            index_url: None,
            extra_index_url: None,
            image: None,
        };
        assert_eq!(
            i.pip_command(),
            "pip install tensorflow-gpu==1.15.0 'it'\\''s'"
        );
    }
}
