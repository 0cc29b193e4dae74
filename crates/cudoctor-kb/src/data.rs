//! The compatibility path of the table types: every item that lived here before the tables
//! moved to [`crate::tables`] (one module per data file) is re-exported, so
//! `cudoctor_kb::data::Kb`, `cudoctor_kb::data::Series` and the rest keep resolving. New code
//! may use either path.

pub use crate::tables::cuda::{CompatNote, CudaFamily, CudaRelease, NvccTarget, PtxIsaRow};
pub use crate::tables::cudnn::{CudnnBuild, CudnnRelease};
pub use crate::tables::gpus::GpuRow;
pub use crate::tables::images::{NvidiaCudaExample, NvidiaCudaFlavor, OsPython};
pub use crate::tables::jax::JaxPlugin;
pub use crate::tables::library_packages::LibraryPackaging;
pub use crate::tables::pytorch::{TorchArchList, TorchLibraryLoad, TorchLoad, TorchVariant};
pub use crate::tables::tensorflow::{
    ImageScheme, TfArchRange, TfComputeCapabilities, TfImage, TfPackage, TfRelease, TfSonames,
    TfWheel,
};
pub use crate::tables::values::{PythonRange, Series, expand_python};
pub use crate::tables::{Kb, LoadError};
