//! The embedded tables: typed rows, parsed once from `data/*.toml`, one module per data file
//! with its row types beside the [`Kb`] accessors that read them.
//!
//! Each row type mirrors one table of one data file (the file's header comment explains the
//! columns). Versions are parsed into the types of [`crate::version`] while the file is read, so a
//! malformed version in a data file is a load error naming the file, never a wrong comparison.
//! Unknown facts are `None`, never a default.
//!
//! To add a table: a `data/NAME.toml` (header comment, a `source` per row), its name in
//! `build.rs`'s `TABLES` (which also makes `FILES`) and in the data tests' list, a module here
//! with the row types, the file struct and the accessors, a field of [`Kb`] filled in
//! [`Kb::parse_embedded`], and its rules in `Kb::validate`.

use std::sync::LazyLock;

/// The embedded data files: `("data/NAME.toml", its JSON)` for each name in `build.rs`'s
/// `TABLES` (it converts each file to JSON in `OUT_DIR` and writes this list as `files.rs`).
pub(crate) const FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/files.rs"));

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
// Helpers the table modules use (macros first: they are in scope in the modules below)
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

/// `Kb` accessors that hand out one whole table, oldest row first:
/// `rows! { /// Doc. name: [RowType] = field; }` makes `pub fn name(&self) -> &[RowType]`.
/// The top level of one `data/<table>.toml`: each field an array of tables (`[[row]]`) of one
/// row type, no other key allowed. `table_file! { GpuFile { gpu: GpuRow } }` declares
/// `struct GpuFile { gpu: Vec<GpuRow> }` for [`parse`]; a field may carry attributes
/// (`#[serde(default)]` for an array a file may leave out).
macro_rules! table_file {
    ($name:ident { $($(#[$attr:meta])* $field:ident: $row:ty),+ $(,)? }) => {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub(super) struct $name {
            $($(#[$attr])* pub(super) $field: Vec<$row>,)+
        }
    };
}

macro_rules! rows {
    ($($(#[$doc:meta])* $name:ident: [$row:ty] = $field:ident;)+) => {
        impl $crate::tables::Kb {
            $(
                $(#[$doc])*
                pub fn $name(&self) -> &[$row] {
                    &self.$field
                }
            )+
        }
    };
}

pub mod cuda;
pub mod cudnn;
pub mod gpus;
pub mod images;
pub mod jax;
pub mod library_packages;
pub mod pytorch;
pub mod tensorflow;
pub mod values;

use cuda::{CompatNote, CudaFamily, CudaFile, CudaRelease, NvccTarget, PtxIsaRow};
use cudnn::{CudnnBuild, CudnnFile, CudnnRelease};
use gpus::{GpuFile, GpuRow};
use images::{NvidiaCudaExample, NvidiaCudaFile, NvidiaCudaFlavor, OsPython};
use jax::{JaxFile, JaxPlugin};
use library_packages::{LibraryPackagesFile, LibraryPackaging};
use pytorch::{PytorchFile, TorchLibraryLoad, TorchVariant};
use tensorflow::{
    ImageScheme, TensorflowFile, TfArchRange, TfImage, TfPackage, TfPipExtra, TfRelease, TfSonames,
    TfWheel,
};

/// The knowledge base: every table, typed.
#[derive(Debug, Clone)]
pub struct Kb {
    pub(crate) tf_releases: Vec<TfRelease>,
    pub(crate) tf_archs: Vec<TfArchRange>,
    pub(crate) tf_wheels: Vec<TfWheel>,
    pub(crate) tf_sonames: Vec<TfSonames>,
    pub(crate) tf_packages: Vec<TfPackage>,
    pub(crate) tf_image_schemes: Vec<ImageScheme>,
    pub(crate) tf_pip_extras: Vec<TfPipExtra>,
    pub(crate) tf_images: Vec<TfImage>,
    pub(crate) cuda_releases: Vec<CudaRelease>,
    pub(crate) cuda_families: Vec<CudaFamily>,
    pub(crate) nvcc_targets: Vec<NvccTarget>,
    pub(crate) ptx_isas: Vec<PtxIsaRow>,
    pub(crate) compat_notes: Vec<CompatNote>,
    pub(crate) cudnn_builds: Vec<CudnnBuild>,
    pub(crate) cudnn_releases: Vec<CudnnRelease>,
    pub(crate) torch_variants: Vec<TorchVariant>,
    pub(crate) torch_library_loads: Vec<TorchLibraryLoad>,
    pub(crate) jax_plugins: Vec<JaxPlugin>,
    pub(crate) gpus: Vec<GpuRow>,
    pub(crate) nvidia_cuda_flavors: Vec<NvidiaCudaFlavor>,
    pub(crate) nvidia_cuda_examples: Vec<NvidiaCudaExample>,
    pub(crate) os_pythons: Vec<OsPython>,
    pub(crate) library_packages: Vec<LibraryPackaging>,
    /// Normalised name keys per GPU row (same order as `gpus`).
    pub(crate) gpu_keys: Vec<Vec<gpus::NameKey>>,
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
        let gpu_keys = gpus::row_keys(&gpus.gpu);
        let kb = Self {
            gpu_keys,
            tf_releases: tf.release,
            tf_archs: tf.archs,
            tf_wheels: tf.wheel,
            tf_sonames: tf.sonames,
            tf_packages: tf.package,
            tf_image_schemes: tf.image_scheme,
            tf_pip_extras: tf.pip_extra,
            tf_images: tf.image,
            cuda_releases: cuda.release,
            cuda_families: cuda.family,
            nvcc_targets: cuda.nvcc_target,
            ptx_isas: cuda.ptx_isa,
            compat_notes: cuda.forward_compat,
            cudnn_builds: cudnn.build,
            cudnn_releases: cudnn.release,
            torch_variants: torch.variant,
            torch_library_loads: torch.library_load,
            jax_plugins: jax.plugin,
            gpus: gpus.gpu,
            nvidia_cuda_flavors: nv.flavor,
            nvidia_cuda_examples: nv.example,
            os_pythons: nv.os_python,
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
        // A PyTorch library load names one packaging row's family, once, and a first-use row
        // says when.
        let mut loads = std::collections::BTreeSet::new();
        for r in &self.torch_library_loads {
            let reason = if !self.library_packages.iter().any(|p| p.family == r.family) {
                Some(format!(
                    "library_load `{}` is no family of data/library_packages.toml",
                    r.family
                ))
            } else if !loads.insert(r.family.as_str()) {
                Some(format!("library_load `{}` is listed twice", r.family))
            } else if (r.loaded == pytorch::TorchLoad::FirstUse) != r.when.is_some() {
                Some(format!(
                    "library_load `{}`: `when` goes with loaded = \"first-use\", and only with it",
                    r.family
                ))
            } else {
                None
            };
            if let Some(reason) = reason {
                return Err(LoadError::Invalid {
                    file: "data/pytorch.toml",
                    reason,
                });
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

    /// `table_file!` keeps each file's top level closed: an unknown array (a typo of a table's
    /// name) is an error, a missing `#[serde(default)]` array is empty, any other missing one is
    /// an error.
    #[test]
    fn table_files_reject_unknown_and_missing_arrays() {
        let e = serde_json::from_str::<gpus::GpuFile>(r#"{"gpu": [], "gpus": []}"#)
            .err()
            .unwrap();
        assert!(e.to_string().contains("unknown field `gpus`"), "{e}");
        assert!(serde_json::from_str::<gpus::GpuFile>("{}").is_err());
        let e = serde_json::from_str::<tensorflow::TensorflowFile>(
            r#"{"release": [], "archs": [], "sonames": [], "package": [], "image_scheme": [], "image": []}"#,
        )
        .unwrap();
        assert!(e.wheel.is_empty() && e.pip_extra.is_empty());
    }
}
