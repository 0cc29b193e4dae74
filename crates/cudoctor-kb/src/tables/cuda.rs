//! CUDA (`data/cuda.toml`): toolkit releases and their drivers, minor-version-compatibility
//! families, the lowest `nvcc` targets, PTX ISA versions and compatibility notes.

use serde::{Deserialize, Serialize};

use super::Kb;
use crate::version::{ComputeCapability, CudaVersion, DriverVersion, PtxIsaVersion};

/// CUDA: one toolkit release (`data/cuda.toml`, `[[release]]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CudaRelease {
    /// Version.
    pub version: CudaVersion,
    /// NVIDIA's label.
    pub label: String,
    /// GA / GA2 / update / RC / preview / unknown.
    pub kind: String,
    /// The toolkit driver (Linux x86_64); `None` = unknown.
    pub driver_min: Option<DriverVersion>,
    /// Confidence.
    pub confidence: String,
    /// Note.
    pub note: Option<String>,
    /// How a value of the row was computed rather than read from its source (absent: read).
    pub derived: Option<String>,
    /// Source.
    pub source: String,
}

impl CudaRelease {
    /// Whether this is a general-availability release (not an RC or preview).
    pub fn is_ga(&self) -> bool {
        self.kind.starts_with("GA")
    }
}

/// CUDA: minor-version compatibility of one major (`[[family]]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CudaFamily {
    /// CUDA major.
    pub major: u32,
    /// Lowest driver for minor-version compatibility.
    pub driver_min: DriverVersion,
    /// False where NVIDIA gives only the branch.
    pub exact: bool,
    /// Note.
    pub note: Option<String>,
    /// Confidence.
    pub confidence: String,
    /// Source.
    pub source: String,
}

/// CUDA: the lowest compute capability the `nvcc` of one CUDA major can compile for
/// (`[[nvcc_target]]`). A GPU below it runs no code built with that major: no SASS can exist for
/// it, and PTX never JIT-compiles down to a lower capability.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NvccTarget {
    /// CUDA major.
    pub major: u32,
    /// The lowest compute capability its `nvcc` targets.
    pub cc_min: ComputeCapability,
    /// Confidence.
    pub confidence: String,
    /// Note.
    pub note: Option<String>,
    /// Source.
    pub source: String,
}

/// CUDA: a PTX ISA version and the first CUDA release of it (`[[ptx_isa]]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PtxIsaRow {
    /// ISA version.
    pub isa: PtxIsaVersion,
    /// First CUDA release that emits (and whose driver loads) it.
    pub first_cuda: CudaVersion,
    /// Confidence.
    pub confidence: String,
    /// Note.
    pub note: Option<String>,
    /// Source.
    pub source: String,
}

/// CUDA: a compatibility note (`[[forward_compat]]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CompatNote {
    /// Short topic key.
    pub topic: String,
    /// The note.
    pub text: String,
    /// Source.
    pub source: String,
}

table_file! {
    CudaFile {
        release: CudaRelease,
        family: CudaFamily,
        nvcc_target: NvccTarget,
        ptx_isa: PtxIsaRow,
        forward_compat: CompatNote,
    }
}

rows! {
    /// Every CUDA release row, oldest first.
    cuda_releases: [CudaRelease] = cuda_releases;
    /// CUDA minor-version-compatibility families.
    cuda_families: [CudaFamily] = cuda_families;
    /// The lowest-target rows, one per CUDA major (`[[nvcc_target]]`).
    nvcc_targets: [NvccTarget] = nvcc_targets;
    /// The PTX ISA table, oldest first.
    ptx_isas: [PtxIsaRow] = ptx_isas;
    /// Forward-compatibility and minor-version-compatibility notes.
    compat_notes: [CompatNote] = compat_notes;
}

impl Kb {
    /// The CUDA release row for a version: the exact release when a patch is given, otherwise
    /// the first GA release of the `major.minor` series (that is what "built with CUDA 11.2"
    /// needs at least).
    pub fn cuda_release(&self, cuda: CudaVersion) -> Option<&CudaRelease> {
        let series = self
            .cuda_releases
            .iter()
            .filter(|r| r.version.same_minor(cuda));
        if cuda.patch().is_some() {
            return series.clone().find(|r| r.version.cmp_numeric(cuda).is_eq());
        }
        let mut series = series.peekable();
        let first = series.peek().copied();
        series.find(|r| r.is_ga()).or(first)
    }

    /// The minor-version-compatibility family of a CUDA major (none before CUDA 11).
    pub fn cuda_family(&self, major: u32) -> Option<&CudaFamily> {
        self.cuda_families.iter().find(|f| f.major == major)
    }

    /// The lowest compute capability the `nvcc` of `cuda`'s major can target; `None` when the
    /// table has no row for that major (unknown, never "anything").
    pub fn nvcc_target(&self, cuda: CudaVersion) -> Option<&NvccTarget> {
        self.nvcc_targets.iter().find(|r| r.major == cuda.major())
    }

    /// The PTX ISA a CUDA release emits: the newest ISA introduced at or before it. `None`
    /// when the CUDA version is newer than the newest ISA row (the table may be stale) or
    /// older than the first.
    pub fn ptx_isa_for_cuda(&self, cuda: CudaVersion) -> Option<PtxIsaVersion> {
        let cuda = cuda.major_minor();
        let newest = self.ptx_isas.last()?;
        if cuda.cmp_numeric(newest.first_cuda).is_gt() {
            return None;
        }
        self.ptx_isas
            .iter()
            .rev()
            .find(|r| r.first_cuda.cmp_numeric(cuda).is_le())
            .map(|r| r.isa)
    }
}
