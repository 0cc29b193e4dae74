//! NVIDIA library families -> the names of their pip wheels and CUDA-repository packages
//! (`data/library_packages.toml`).

use serde::{Deserialize, Serialize};

use super::Kb;
use crate::version::CudaVersion;

/// How one NVIDIA library family is packaged (`data/library_packages.toml`, `[[package]]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LibraryPackaging {
    /// The family (the soname stem: `cudart` for `libcudart.so.12`).
    pub family: String,
    /// Other families shipped in the same packages (`cublasLt` with `cublas`).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The pip wheel's name without its CUDA-major suffix (`nvidia-cuda-runtime`).
    pub pip_stem: String,
    /// The wheel's directory under `site-packages/nvidia/` (`cuda_runtime`).
    pub site_dir: String,
    /// The CUDA network repository's package name without its version suffix (`cuda-cudart`);
    /// `None` = the table names none.
    pub apt_stem: Option<String>,
    /// How the row was confirmed.
    pub note: Option<String>,
    /// Source.
    pub source: String,
}

table_file! { LibraryPackagesFile { package: LibraryPackaging } }

/// A pip wheel's name split at its CUDA-major suffix, the inverse of
/// [`LibraryPackaging::pip_name`]: `nvidia-cudnn-cu11` -> `("nvidia-cudnn", 11)`. `None` for a
/// name with no `-cuNN` ending of digits only (CUDA 13's unsuffixed `nvidia-cublas`,
/// `nvidia-cudnn-frontend`, `nvidia-dali-cuda120`).
pub fn split_cuda_suffix(name: &str) -> Option<(&str, u32)> {
    let (stem, digits) = name.rsplit_once("-cu")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((stem, digits.parse().ok()?))
}

impl LibraryPackaging {
    /// Whether `family` names this row (its family or an alias; exact, case included).
    pub fn is_for(&self, family: &str) -> bool {
        self.family == family || self.aliases.iter().any(|a| a == family)
    }

    /// The pip wheel for a CUDA major: `nvidia-cuda-runtime-cu12`.
    pub fn pip_name(&self, cuda_major: u32) -> String {
        format!("{}-cu{cuda_major}", self.pip_stem)
    }

    /// The wheel's library directory relative to `site-packages`: `nvidia/cuda_runtime/lib`.
    pub fn site_lib_dir(&self) -> String {
        format!("nvidia/{}/lib", self.site_dir)
    }

    /// The CUDA network repository's package for a CUDA release: `cuda-cudart-12-4`; `None`
    /// where the table names no apt package (NCCL, cuDNN).
    pub fn apt_name(&self, cuda: CudaVersion) -> Option<String> {
        self.apt_stem
            .as_ref()
            .map(|stem| format!("{stem}-{}-{}", cuda.major(), cuda.minor()))
    }
}

impl Kb {
    /// Every library packaging row.
    pub fn library_packages(&self) -> &[LibraryPackaging] {
        &self.library_packages
    }

    /// The packaging of a library family (`cudart`, `cublasLt`, `nvJitLink`), matched exactly
    /// on the family or an alias; `None` for a family the table does not list.
    pub fn library_packaging(&self, family: &str) -> Option<&LibraryPackaging> {
        self.library_packages.iter().find(|r| r.is_for(family))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::split_cuda_suffix;
    use crate::kb;

    #[test]
    fn a_cuda_suffix_is_split_only_when_it_is_digits() {
        assert_eq!(
            split_cuda_suffix("nvidia-cudnn-cu11"),
            Some(("nvidia-cudnn", 11))
        );
        assert_eq!(
            split_cuda_suffix("nvidia-cusparselt-cu12"),
            Some(("nvidia-cusparselt", 12))
        );
        for name in [
            "nvidia-cublas",
            "nvidia-cudnn-frontend",
            "nvidia-dali-cuda120",
            "nvidia-cudnn-cu",
            "nvidia-cudnn-cu+12",
            "nvidia-cudnn-cu99999999999",
        ] {
            assert_eq!(split_cuda_suffix(name), None, "{name}");
        }
        for row in kb().library_packages() {
            assert_eq!(
                split_cuda_suffix(&row.pip_name(12)),
                Some((row.pip_stem.as_str(), 12))
            );
        }
    }

    /// Today's values, as cudoctor-diagnose's `packaging` had them in code: the move to data
    /// must not change them.
    #[test]
    fn pins_the_table_the_rules_used() {
        let expected: &[(&str, &str, &str, Option<&str>)] = &[
            (
                "cudart",
                "nvidia-cuda-runtime",
                "cuda_runtime",
                Some("cuda-cudart"),
            ),
            ("cublas", "nvidia-cublas", "cublas", Some("libcublas")),
            ("cublasLt", "nvidia-cublas", "cublas", Some("libcublas")),
            ("cufft", "nvidia-cufft", "cufft", Some("libcufft")),
            ("curand", "nvidia-curand", "curand", Some("libcurand")),
            (
                "cusolver",
                "nvidia-cusolver",
                "cusolver",
                Some("libcusolver"),
            ),
            (
                "cusparse",
                "nvidia-cusparse",
                "cusparse",
                Some("libcusparse"),
            ),
            (
                "nvrtc",
                "nvidia-cuda-nvrtc",
                "cuda_nvrtc",
                Some("cuda-nvrtc"),
            ),
            (
                "cupti",
                "nvidia-cuda-cupti",
                "cuda_cupti",
                Some("cuda-cupti"),
            ),
            (
                "nvJitLink",
                "nvidia-nvjitlink",
                "nvjitlink",
                Some("libnvjitlink"),
            ),
            ("nccl", "nvidia-nccl", "nccl", None),
            ("cudnn", "nvidia-cudnn", "cudnn", None),
        ];
        for (family, pip, dir, apt) in expected {
            let row = kb().library_packaging(family).unwrap();
            assert_eq!(row.pip_stem, *pip, "{family}");
            assert_eq!(row.site_dir, *dir, "{family}");
            assert_eq!(row.apt_stem.as_deref(), *apt, "{family}");
        }
        // Every row is one of them.
        assert_eq!(kb().library_packages().len(), 11);
    }

    #[test]
    fn names_are_built_from_the_stems() {
        let cuda = "12.4".parse().unwrap();
        let rt = kb().library_packaging("cudart").unwrap();
        assert_eq!(rt.pip_name(12), "nvidia-cuda-runtime-cu12");
        assert_eq!(rt.site_lib_dir(), "nvidia/cuda_runtime/lib");
        assert_eq!(rt.apt_name(cuda).as_deref(), Some("cuda-cudart-12-4"));
        let lt = kb().library_packaging("cublasLt").unwrap();
        assert_eq!(lt.pip_name(11), "nvidia-cublas-cu11");
        assert_eq!(lt.apt_name(cuda).as_deref(), Some("libcublas-12-4"));
        assert_eq!(
            kb().library_packaging("cudnn").unwrap().apt_name(cuda),
            None
        );
        assert_eq!(kb().library_packaging("nccl").unwrap().apt_name(cuda), None);
    }

    #[test]
    fn lookups_are_exact() {
        for miss in ["", "CUDART", "cublaslt", "nvjitlink", "libcudart", "npp"] {
            assert!(kb().library_packaging(miss).is_none(), "{miss}");
        }
    }
}
