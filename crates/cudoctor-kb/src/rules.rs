//! Compatibility rules as code: driver vs CUDA, TensorFlow's runtime cuDNN check, and GPU
//! architecture support. Each rule is a pure function of the knowledge base and its inputs.
//!
//! Sources:
//! - driver: NVIDIA CUDA Compatibility guide, "Minor Version Compatibility"
//!   (<https://docs.nvidia.com/deploy/cuda-compatibility/minor-version-compatibility.html>);
//!   the toolkit drivers and family minimums are rows of `data/cuda.toml`.
//! - cuDNN: TensorFlow `IsSourceCompatibleWithCudnnLibrary`
//!   (`tensorflow/stream_executor/cuda/cudnn_version.cc`).
//! - architectures: CUDA C++ Programming Guide, "Binary Compatibility" / "Application
//!   Compatibility" (see [`ComputeCapability::sass_runs_on`] and [`ComputeCapability::ptx_jits_for`]).

use std::fmt;

use serde::Serialize;

use crate::tables::Kb;
use crate::tables::cuda::CudaFamily;
use crate::tables::cuda::CudaRelease;
use crate::version::{
    ComputeCapability, CudaVersion, CudnnVersion, DriverVersion, GpuCode, PtxIsaVersion,
};

// ---------------------------------------------------------------------------------------------
// Driver vs CUDA

/// What a CUDA version needs from the driver.
#[derive(Debug, Clone, Serialize)]
pub struct DriverRequirement<'a> {
    /// The CUDA release row used (the exact release, or the first GA release of the series).
    pub cuda: &'a CudaRelease,
    /// The toolkit driver: everything works at or above it. `None` = unknown.
    pub toolkit_min: Option<&'a DriverVersion>,
    /// The minor-version-compatibility family (CUDA >= 11 only).
    pub family: Option<&'a CudaFamily>,
}

impl DriverRequirement<'_> {
    /// The minor-version-compatibility minimum, if the family has one.
    pub fn compat_min(&self) -> Option<&DriverVersion> {
        self.family.map(|f| &f.driver_min)
    }
    /// The lowest driver that runs this CUDA at all (with caveats), if known.
    pub fn lowest(&self) -> Option<&DriverVersion> {
        match (self.toolkit_min, self.compat_min()) {
            (Some(t), Some(c)) => Some(if c < t { c } else { t }),
            (t, c) => t.or(c),
        }
    }
    /// Sources of the facts used.
    pub fn sources(&self) -> Vec<String> {
        let mut s = vec![self.cuda.source.clone()];
        if let Some(f) = self.family {
            s.push(f.source.clone());
        }
        s
    }
}

/// A named limit of running under minor-version compatibility.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DriverCaveat {
    /// The driver's PTX JIT cannot compile PTX newer than the ISA it knows.
    NoPtxJitNewerThanDriver {
        /// PTX ISA the toolkit emits, if known.
        cuda_ptx_isa: Option<PtxIsaVersion>,
        /// Newest PTX ISA the driver is known to load, if known.
        driver_ptx_isa: Option<PtxIsaVersion>,
    },
    /// CUDA APIs that need the toolkit's own driver are unavailable.
    FeaturesNeedNewerDriver {
        /// The toolkit driver, if known.
        toolkit_driver: Option<DriverVersion>,
    },
    /// The family minimum is given by NVIDIA as a branch only (`>= 580`).
    BranchOnlyMinimum {
        /// The branch minimum.
        minimum: DriverVersion,
    },
    /// The toolkit driver of this CUDA release is unknown.
    ToolkitDriverUnknown,
}

impl fmt::Display for DriverCaveat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoPtxJitNewerThanDriver {
                cuda_ptx_isa,
                driver_ptx_isa,
            } => {
                f.write_str("no JIT of PTX newer than the driver's")?;
                match (cuda_ptx_isa, driver_ptx_isa) {
                    (Some(c), Some(d)) => write!(
                        f,
                        " (the toolkit emits PTX ISA {c}; this driver JIT-compiles up to PTX ISA {d})"
                    ),
                    (Some(c), None) => write!(f, " (the toolkit emits PTX ISA {c})"),
                    _ => Ok(()),
                }
            }
            Self::FeaturesNeedNewerDriver { toolkit_driver } => match toolkit_driver {
                Some(d) => write!(
                    f,
                    "features that need the newer driver (>= {d}) are unavailable"
                ),
                None => f.write_str("features that need the newer driver are unavailable"),
            },
            Self::BranchOnlyMinimum { minimum } => write!(
                f,
                "NVIDIA gives the minor-version-compatibility minimum only as the branch (>= {minimum}); the exact build is unknown"
            ),
            Self::ToolkitDriverUnknown => {
                f.write_str("the toolkit driver of this CUDA release is unknown")
            }
        }
    }
}

/// Result of a rule: works, works with named caveats, does not work, or cannot be decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", content = "detail", rename_all = "snake_case")]
pub enum Verdict<C> {
    /// Works.
    Compatible,
    /// Works, with these caveats.
    CompatibleWithCaveats(Vec<C>),
    /// Does not work, and why.
    Incompatible(String),
    /// Cannot be decided, and why.
    Unknown(String),
}

/// The driver verdict.
pub type DriverCheck = Verdict<DriverCaveat>;

impl Kb {
    /// The newest CUDA release whose toolkit driver is <= `driver`: the driver supports at least
    /// that CUDA version (it may support newer ones the table does not know yet).
    pub fn driver_cuda_at_least(&self, driver: &DriverVersion) -> Option<CudaVersion> {
        self.cuda_releases
            .iter()
            .filter(|r| r.driver_min.as_ref().is_some_and(|m| m <= driver))
            .map(|r| r.version)
            .max_by(|a, b| a.cmp_numeric(*b))
    }

    /// The newest PTX ISA the driver's JIT is known to load (a lower bound).
    pub fn driver_ptx_isa(&self, driver: &DriverVersion) -> Option<PtxIsaVersion> {
        let cuda = self.driver_cuda_at_least(driver)?;
        self.ptx_isa_for_cuda(cuda).or_else(|| {
            // Newer than the ISA table: the newest ISA is certainly loadable (but a CUDA older
            // than the table's first row says nothing).
            let newest = self.ptx_isas.last()?;
            cuda.major_minor()
                .cmp_numeric(newest.first_cuda)
                .is_gt()
                .then_some(newest.isa)
        })
    }

    /// What `cuda` needs from the driver; `None` when the CUDA version is not in the table.
    pub fn driver_requirement(&self, cuda: CudaVersion) -> Option<DriverRequirement<'_>> {
        let row = self.cuda_release(cuda)?;
        let family = if cuda.major() >= 11 {
            self.cuda_family(cuda.major())
        } else {
            None
        };
        Some(DriverRequirement {
            cuda: row,
            toolkit_min: row.driver_min.as_ref(),
            family,
        })
    }

    /// Whether `driver` runs code built with `cuda`.
    ///
    /// At or above the toolkit driver: compatible. For CUDA >= 11, between the family's
    /// minor-version-compatibility minimum and the toolkit driver: compatible with caveats (no
    /// JIT of newer PTX, no features that need the newer driver). Below: incompatible. CUDA 10.x
    /// and older have no minor-version compatibility.
    pub fn check_driver_for_cuda(&self, cuda: CudaVersion, driver: &DriverVersion) -> DriverCheck {
        let Some(req) = self.driver_requirement(cuda) else {
            return Verdict::Unknown(format!("CUDA {cuda} is not in the CUDA release table"));
        };
        let shown = req.cuda.version;
        if let Some(t) = req.toolkit_min {
            if driver >= t {
                return Verdict::Compatible;
            }
        }
        match req.family {
            Some(family) if driver >= &family.driver_min => {
                let mut caveats = Vec::new();
                if req.toolkit_min.is_none() {
                    caveats.push(DriverCaveat::ToolkitDriverUnknown);
                }
                caveats.push(DriverCaveat::NoPtxJitNewerThanDriver {
                    cuda_ptx_isa: self.ptx_isa_for_cuda(shown),
                    driver_ptx_isa: self.driver_ptx_isa(driver),
                });
                caveats.push(DriverCaveat::FeaturesNeedNewerDriver {
                    toolkit_driver: req.toolkit_min.cloned(),
                });
                if !family.exact {
                    caveats.push(DriverCaveat::BranchOnlyMinimum {
                        minimum: family.driver_min.clone(),
                    });
                }
                Verdict::CompatibleWithCaveats(caveats)
            }
            Some(family) => Verdict::Incompatible(match req.toolkit_min {
                Some(t) => format!(
                    "needs driver >= {} for CUDA {cuda}; you have {driver} (>= {t} without minor-version-compatibility caveats)",
                    family.driver_min
                ),
                None => format!(
                    "needs driver >= {} for CUDA {cuda}; you have {driver}",
                    family.driver_min
                ),
            }),
            None => match req.toolkit_min {
                Some(t) => Verdict::Incompatible(if shown.major() < 11 {
                    format!(
                        "needs driver >= {t} for CUDA {cuda}; you have {driver} (CUDA {}.x has no minor-version compatibility)",
                        cuda.major()
                    )
                } else {
                    format!("needs driver >= {t} for CUDA {cuda}; you have {driver}")
                }),
                None => Verdict::Unknown(format!(
                    "the driver CUDA {cuda} needs is unknown (no toolkit driver recorded)"
                )),
            },
        }
    }
}

// ---------------------------------------------------------------------------------------------
// TensorFlow's runtime cuDNN check

/// Outcome of TensorFlow's runtime cuDNN version check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", content = "detail", rename_all = "snake_case")]
pub enum CudnnCheck {
    /// Same major and minor: accepted.
    Accepted,
    /// Same major, newer minor: accepted by TensorFlow, but not the tested combination.
    AcceptedUntested(String),
    /// TensorFlow refuses to initialise cuDNN.
    Rejected(String),
    /// Cannot be decided (the built version's minor is unknown).
    Unknown(String),
}

/// TensorFlow's `IsSourceCompatibleWithCudnnLibrary(source, loaded)`: the major must match; the
/// loaded minor must equal the built minor, or (cuDNN >= 7) be higher. Patch levels never matter.
pub fn tf_cudnn_runtime_check(built: CudnnVersion, loaded: CudnnVersion) -> CudnnCheck {
    if loaded.major() != built.major() {
        return CudnnCheck::Rejected(format!(
            "built with cuDNN {built}, loaded {loaded}: the major version must match"
        ));
    }
    if !built.has_minor() || !loaded.has_minor() {
        return CudnnCheck::Unknown(format!(
            "built with cuDNN {built}, loaded {loaded}: the minor version is needed to decide"
        ));
    }
    if loaded.minor() == built.minor() {
        CudnnCheck::Accepted
    } else if built.major() >= 7 && loaded.minor() > built.minor() {
        CudnnCheck::AcceptedUntested(format!(
            "built with cuDNN {built}, loaded {loaded}: a newer minor is accepted but untested"
        ))
    } else {
        CudnnCheck::Rejected(format!(
            "built with cuDNN {built}, loaded {loaded}: the loaded minor version must be {} or higher (TensorFlow: \"CuDNN library needs to have matching major version and equal or higher minor version\")",
            built.minor()
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// GPU architecture support

/// How a GPU runs a binary's GPU code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "code", rename_all = "snake_case")]
pub enum ArchSupport {
    /// Machine code for the GPU's architecture is present.
    Sass(GpuCode),
    /// Only PTX fits: the driver JIT-compiles it on first start (slow first start; needs a
    /// driver whose JIT understands that PTX ISA).
    PtxJit(GpuCode),
    /// Neither SASS nor usable PTX: "no kernel image is available for execution on the device".
    NoKernelImage,
    /// The code list is unknown.
    Unknown(String),
}

/// Decides how a GPU of capability `gpu` runs a binary carrying `codes` (SASS preferred; of
/// several PTX, the newest that fits).
pub fn arch_support(gpu: ComputeCapability, codes: &[GpuCode]) -> ArchSupport {
    if codes.is_empty() {
        return ArchSupport::Unknown("the binary's GPU code list is empty or unknown".to_owned());
    }
    if let Some(sass) = codes
        .iter()
        .filter(|c| matches!(c, GpuCode::Sass(cc) if cc.sass_runs_on(gpu)))
        .max()
    {
        return ArchSupport::Sass(*sass);
    }
    codes
        .iter()
        .filter(|c| matches!(c, GpuCode::Ptx(cc) if cc.ptx_jits_for(gpu)))
        .max()
        .map_or(ArchSupport::NoKernelImage, |c| ArchSupport::PtxJit(*c))
}

/// Formats a code list as `sm_35, sm_50, compute_80`.
pub fn format_codes(codes: &[GpuCode]) -> String {
    codes
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::kb;

    fn d(s: &str) -> DriverVersion {
        s.parse().unwrap()
    }
    fn c(s: &str) -> CudaVersion {
        s.parse().unwrap()
    }
    fn n(s: &str) -> CudnnVersion {
        s.parse().unwrap()
    }
    fn cc(s: &str) -> ComputeCapability {
        s.parse().unwrap()
    }
    fn codes(s: &[&str]) -> Vec<GpuCode> {
        s.iter().map(|x| x.parse().unwrap()).collect()
    }

    #[test]
    fn cuda_series_resolves_to_first_ga() {
        let kb = kb();
        assert_eq!(
            kb.cuda_release(c("11.2")).unwrap().version.to_string(),
            "11.2.0"
        );
        // 11.0.1 is an RC: "11.0" means the GA 11.0.2.
        assert_eq!(
            kb.cuda_release(c("11.0")).unwrap().version.to_string(),
            "11.0.2"
        );
        assert_eq!(
            kb.cuda_release(c("12.8.1")).unwrap().version.to_string(),
            "12.8.1"
        );
        assert!(kb.cuda_release(c("12.7")).is_none());
        assert!(kb.cuda_release(c("12.8.9")).is_none());
    }

    #[test]
    fn driver_at_toolkit_minimum_is_compatible() {
        let kb = kb();
        assert_eq!(
            kb.check_driver_for_cuda(c("11.2"), &d("460.27.03")),
            Verdict::Compatible
        );
        assert_eq!(
            kb.check_driver_for_cuda(c("12.2"), &d("535.261.03")),
            Verdict::Compatible
        );
        assert_eq!(
            kb.check_driver_for_cuda(c("10.1"), &d("418.39")),
            Verdict::Compatible
        );
    }

    #[test]
    fn driver_between_compat_and_toolkit_has_named_caveats() {
        let kb = kb();
        let v = kb.check_driver_for_cuda(c("11.8"), &d("470.82.01"));
        let Verdict::CompatibleWithCaveats(caveats) = v else {
            panic!("expected caveats, got {v:?}")
        };
        assert!(caveats.contains(&DriverCaveat::NoPtxJitNewerThanDriver {
            cuda_ptx_isa: Some("7.8".parse().unwrap()),
            driver_ptx_isa: Some("7.4".parse().unwrap()),
        }));
        assert!(caveats.contains(&DriverCaveat::FeaturesNeedNewerDriver {
            toolkit_driver: Some(d("520.61.05"))
        }));
        // Exactly at the family minimum.
        assert!(matches!(
            kb.check_driver_for_cuda(c("11.2"), &d("450.80.02")),
            Verdict::CompatibleWithCaveats(_)
        ));
        // 13.x: branch-only minimum is named.
        let Verdict::CompatibleWithCaveats(caveats) =
            kb.check_driver_for_cuda(c("13.2"), &d("580.65.06"))
        else {
            panic!()
        };
        assert!(
            caveats
                .iter()
                .any(|c| matches!(c, DriverCaveat::BranchOnlyMinimum { .. }))
        );
    }

    #[test]
    fn driver_below_compat_minimum_is_incompatible_with_exact_reason() {
        let kb = kb();
        let Verdict::Incompatible(reason) = kb.check_driver_for_cuda(c("12.2"), &d("470.82.01"))
        else {
            panic!()
        };
        assert!(
            reason.starts_with("needs driver >= 525.60.13 for CUDA 12.2; you have 470.82.01"),
            "{reason}"
        );
        // Just below 450.80.02 for 11.x (11.2's toolkit driver is 460.27.03).
        assert!(matches!(
            kb.check_driver_for_cuda(c("11.2"), &d("450.80.01")),
            Verdict::Incompatible(_)
        ));
        // ... while 11.0 GA's own toolkit driver (450.51.05) is below the family minimum.
        assert_eq!(
            kb.check_driver_for_cuda(c("11.0"), &d("450.51.05")),
            Verdict::Compatible
        );
        // Cross-major: an R535 driver cannot run CUDA 13.
        assert!(matches!(
            kb.check_driver_for_cuda(c("13.0"), &d("535.261.03")),
            Verdict::Incompatible(_)
        ));
    }

    #[test]
    fn cuda_10_has_no_minor_version_compatibility() {
        let kb = kb();
        let Verdict::Incompatible(reason) = kb.check_driver_for_cuda(c("10.2"), &d("440.32"))
        else {
            panic!()
        };
        assert!(
            reason.contains("no minor-version compatibility"),
            "{reason}"
        );
        assert!(
            kb.driver_requirement(c("10.2"))
                .unwrap()
                .compat_min()
                .is_none()
        );
        // 440.33 is enough for 10.2 but not for 11.0 (needs 450.80.02 at least).
        assert_eq!(
            kb.check_driver_for_cuda(c("10.2"), &d("440.33")),
            Verdict::Compatible
        );
        assert!(matches!(
            kb.check_driver_for_cuda(c("11.0"), &d("440.33")),
            Verdict::Incompatible(_)
        ));
    }

    #[test]
    fn unknown_cuda_or_unknown_toolkit_driver() {
        let kb = kb();
        assert!(matches!(
            kb.check_driver_for_cuda(c("12.7"), &d("600")),
            Verdict::Unknown(_)
        ));
        // 13.5: toolkit driver unknown, family minimum known -> caveats naming the unknown.
        let v = kb.check_driver_for_cuda(c("13.5"), &d("590.48.01"));
        let Verdict::CompatibleWithCaveats(caveats) = v else {
            panic!("{v:?}")
        };
        assert!(caveats.contains(&DriverCaveat::ToolkitDriverUnknown));
        assert!(matches!(
            kb.check_driver_for_cuda(c("13.5"), &d("575.57.08")),
            Verdict::Incompatible(_)
        ));
    }

    #[test]
    fn ptx_isa_per_cuda() {
        let kb = kb();
        let isa = |s: &str| kb.ptx_isa_for_cuda(c(s)).map(|v| v.to_string());
        assert_eq!(isa("11.2").as_deref(), Some("7.2"));
        assert_eq!(isa("11.8.0").as_deref(), Some("7.8"));
        assert_eq!(isa("12.6").as_deref(), Some("8.5"));
        assert_eq!(isa("12.8").as_deref(), Some("8.7"));
        assert_eq!(isa("13.1").as_deref(), Some("9.1"));
        // Newer than the table: unknown, not a guess.
        assert_eq!(isa("13.3"), None);
        assert_eq!(
            kb.driver_ptx_isa(&d("470.82.01"))
                .map(|v| v.to_string())
                .as_deref(),
            Some("7.4")
        );
        // A driver newer than every CUDA in the ISA table loads at least the newest ISA ...
        let newest = kb.ptx_isas().last().unwrap().isa;
        assert_eq!(kb.driver_ptx_isa(&d("999.99")), Some(newest));
        // ... and one older than every toolkit driver is unknown.
        assert_eq!(kb.driver_ptx_isa(&d("300.1")), None);
    }

    #[test]
    fn tensorflow_cudnn_rule() {
        assert_eq!(
            tf_cudnn_runtime_check(n("8.1"), n("8.1.0.77")),
            CudnnCheck::Accepted
        );
        assert!(matches!(
            tf_cudnn_runtime_check(n("8.1"), n("8.9.7.29")),
            CudnnCheck::AcceptedUntested(_)
        ));
        assert!(matches!(
            tf_cudnn_runtime_check(n("9.3.0"), n("9.1.0")),
            CudnnCheck::Rejected(_)
        ));
        assert!(matches!(
            tf_cudnn_runtime_check(n("8.9"), n("9.1.0")),
            CudnnCheck::Rejected(_)
        ));
        assert!(matches!(
            tf_cudnn_runtime_check(n("9.1"), n("8.9")),
            CudnnCheck::Rejected(_)
        ));
        // Before cuDNN 7, minors had to match exactly.
        assert!(matches!(
            tf_cudnn_runtime_check(n("6.0"), n("6.1")),
            CudnnCheck::Rejected(_)
        ));
        // Patch level is ignored.
        assert_eq!(
            tf_cudnn_runtime_check(n("8.9.7"), n("8.9.4")),
            CudnnCheck::Accepted
        );
        assert!(matches!(
            tf_cudnn_runtime_check(n("7"), n("7.6.5")),
            CudnnCheck::Unknown(_)
        ));
    }

    #[test]
    fn arch_support_rule() {
        let tf29 = codes(&["sm_35", "sm_50", "sm_60", "sm_70", "sm_75", "compute_80"]);
        assert_eq!(
            arch_support(cc("7.5"), &tf29),
            ArchSupport::Sass("sm_75".parse().unwrap())
        );
        assert_eq!(
            arch_support(cc("3.7"), &tf29),
            ArchSupport::Sass("sm_35".parse().unwrap())
        );
        assert_eq!(
            arch_support(cc("8.6"), &tf29),
            ArchSupport::PtxJit("compute_80".parse().unwrap())
        );
        assert_eq!(
            arch_support(cc("9.0"), &tf29),
            ArchSupport::PtxJit("compute_80".parse().unwrap())
        );
        assert_eq!(arch_support(cc("3.0"), &tf29), ArchSupport::NoKernelImage);
        // TF 2.3: CC 5.0 has no SASS and 7.0 PTX cannot JIT down.
        let tf23 = codes(&["sm_35", "sm_37", "sm_52", "sm_60", "sm_61", "compute_70"]);
        assert_eq!(arch_support(cc("5.0"), &tf23), ArchSupport::NoKernelImage);
        // Arch-specific SASS only on the exact GPU.
        let hopper = codes(&["sm_90a"]);
        assert_eq!(
            arch_support(cc("9.0"), &hopper),
            ArchSupport::Sass("sm_90a".parse().unwrap())
        );
        assert_eq!(
            arch_support(cc("10.0"), &hopper),
            ArchSupport::NoKernelImage
        );
        assert!(matches!(
            arch_support(cc("8.6"), &[]),
            ArchSupport::Unknown(_)
        ));
    }
}
