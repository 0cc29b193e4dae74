//! What a file carries: the SASS and PTX architectures, their counts and PTX ISA versions, and
//! the compatibility answers drawn from them.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use cudoctor_kb::version::{
    ArchVariant, ComputeCapability, GpuCode, PtxIsaVersion, VersionParseError,
};
use serde::{Serialize, Serializer};

use crate::fatbin::{self, Compression};

/// The version of the JSON document [`ArchsReport`] serializes to.
pub const SCHEMA_VERSION: u32 = 1;

/// The architecture of a fatbinary entry: its number (`80` in `sm_80`) and its `a` / `f`
/// qualifier (`sm_90a`, `sm_100f`), read from the entry header's arch field and flags.
///
/// Ordered numerically, then plain < `a` < `f` (`sm_90` < `sm_90a` < `sm_100` < `sm_100a` <
/// `sm_100f`); displayed and serialized as `"sm_80"`, `"sm_90a"`, `"sm_100f"` (the same form for
/// PTX entries: the JSON `ptx` map keys them `sm_XY` as `cuobjdump --list-ptx` does).
///
/// The qualifier comes from flag bits `0x100000` (`a`) and `0x200000` (`f`), observed on nvcc
/// 13.0 output (the values are listed in the crate source, `fatbin.rs`). NVIDIA documents what
/// the qualifiers mean (CUDA C++ Programming Guide, "Feature Set Compiler Targets"; NVIDIA
/// technical blog "NVIDIA Blackwell and NVIDIA CUDA 12.9 Introduce Family-Specific Architecture
/// Features"): `a` code uses architecture-specific features and runs only on exactly that
/// capability; `f` code uses family-specific features and runs on that capability and later
/// minors of the same family. Note that CUDA 13.0 `cuobjdump` prints an `f` cubin without its
/// qualifier (`sm_100`); this crate names it `sm_100f`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SmArch {
    /// The architecture number: `80` for `sm_80`, `100` for `sm_100f`.
    pub number: u32,
    /// The `a` / `f` qualifier.
    pub variant: ArchVariant,
}

impl SmArch {
    /// A plain architecture: `SmArch::new(80)` is `sm_80`.
    pub const fn new(number: u32) -> Self {
        Self {
            number,
            variant: ArchVariant::Plain,
        }
    }

    /// An architecture with a qualifier: `SmArch::with_variant(90, ArchVariant::ArchSpecific)`
    /// is `sm_90a`.
    pub const fn with_variant(number: u32, variant: ArchVariant) -> Self {
        Self { number, variant }
    }

    /// The capability this names, qualifier included: `sm_86` -> `8.6`, `sm_90a` -> `9.0a`,
    /// `sm_100f` -> `10.0f`, `sm_120` -> `12.0`. The qualifier makes
    /// [`ComputeCapability::sass_runs_on`] and [`ComputeCapability::ptx_jits_for`] apply the
    /// `a` / `f` rules.
    pub fn capability(self) -> ComputeCapability {
        ComputeCapability::new(self.number / 10, self.number % 10).with_variant(self.variant)
    }
}

impl From<ComputeCapability> for SmArch {
    fn from(cc: ComputeCapability) -> Self {
        Self::with_variant(cc.arch_number(), cc.variant())
    }
}

impl FromStr for SmArch {
    type Err = VersionParseError;
    /// Accepts what [`ComputeCapability`] parses: `sm_90a`, `compute_100f`, `8.6`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse::<ComputeCapability>().map(Self::from)
    }
}

impl fmt::Display for SmArch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let suffix = match self.variant {
            ArchVariant::Plain => "",
            ArchVariant::ArchSpecific => "a",
            ArchVariant::FamilySpecific => "f",
        };
        write!(f, "sm_{}{suffix}", self.number)
    }
}

impl Serialize for SmArch {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The GPU code found in one file.
///
/// Serializes to the per-file fields of the `cudoctor archs --format json` document:
/// `{"sass":{"sm_80":290},"ptx":{"sm_80":289},"ptx_isa":{"sm_80":"7.2"},"compressed_entries":N}`,
/// keys in numeric order, then plain < `a` < `f` (`"sm_90":444,"sm_90a":4`). The other fields are for callers and the text renderer.
///
/// Like `cuobjdump` (whose `--all-fatbin` help reads "By default will only dump contents of
/// executable fatbin (if exists), else relocatable fatbin if no executable fatbin"), the counts
/// cover the executable fatbinary (`.nv_fatbin`) when the file has one, else the relocatable
/// one (`__nv_relfatbin`). When both exist, the relocatable fatbinary (the `-rdc` inputs that
/// were device-linked into `.nv_fatbin`) is counted separately in [`FileArchs::relocatable`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FileArchs {
    /// ELF (cubin, SASS) entries per architecture.
    pub sass: BTreeMap<SmArch, u64>,
    /// PTX entries per architecture.
    pub ptx: BTreeMap<SmArch, u64>,
    /// The highest PTX ISA version among the PTX entries of each architecture (the one a
    /// driver's JIT must understand).
    pub ptx_isa: BTreeMap<SmArch, PtxIsaVersion>,
    /// Entries whose payload is compressed (LZ4 or zstd), of any kind.
    pub compressed_entries: u64,
    /// Every PTX ISA version seen per PTX architecture.
    #[serde(skip)]
    pub ptx_isa_all: BTreeMap<SmArch, BTreeSet<PtxIsaVersion>>,
    /// Entries per compression mode (`Compression::None` included).
    #[serde(skip)]
    pub compression: BTreeMap<Compression, u64>,
    /// Entries of kinds other than PTX (1) and ELF (2), by kind number; they are skipped by size.
    #[serde(skip)]
    pub other_kinds: BTreeMap<u16, u64>,
    /// Fatbinary containers counted.
    #[serde(skip)]
    pub containers: u64,
    /// The fatbinary sections read (counted or not).
    #[serde(skip)]
    pub sections: Vec<SectionInfo>,
    /// The entries of `__nv_relfatbin` when the file also has a `.nv_fatbin` (what `cuobjdump
    /// --all-fatbin` adds); `None` otherwise. Its own `warnings` and `sections` are empty.
    #[serde(skip)]
    pub relocatable: Option<Box<FileArchs>>,
    /// Odd but survivable things found, one sentence each.
    #[serde(skip)]
    pub warnings: Vec<String>,
    /// Every entry header of the counted sections (unknown kinds included), in file order.
    #[serde(skip)]
    pub entries: Vec<EntryInfo>,
}

/// What an entry holds, from its `kind` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntryKind {
    /// PTX text (kind 1).
    Ptx,
    /// An ELF cubin: SASS (kind 2).
    Elf,
    /// Any other kind (e.g. 4, the old cubin, or LTO-IR), skipped.
    Other(u16),
}

/// One fatbinary entry header, as read (the payload is never read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryInfo {
    /// The section it is in.
    pub section: &'static str,
    /// File offset of the entry header.
    pub offset: u64,
    /// What it holds.
    pub kind: EntryKind,
    /// The architecture it was built for, with its `a` / `f` qualifier.
    pub arch: SmArch,
    /// For PTX, the PTX ISA version (`.version` of the text); `None` for other kinds.
    pub ptx_isa: Option<PtxIsaVersion>,
    /// The raw `(major, minor)` version field (the cubin ELF ABI version for ELF entries).
    pub version: (u16, u16),
    /// The raw flags (`0x11`: 64-bit Linux; `0x2000`: LZ4; `0x8000`: zstd; `0x100000`: `a`;
    /// `0x200000`: `f`; see the crate source).
    pub flags: u64,
    /// How the payload is compressed.
    pub compression: Compression,
    /// Header size in bytes.
    pub header_size: u32,
    /// Payload size in bytes (as stored, padded to 8).
    pub payload_size: u64,
}

/// A fatbinary section that was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionInfo {
    /// `.nv_fatbin`, `__nv_relfatbin`, or `(whole file)` for a bare `.fatbin` file.
    pub name: &'static str,
    /// File offset of the section data.
    pub offset: u64,
    /// Size of the section data.
    pub size: u64,
    /// Whether its entries are in the main counts (see [`FileArchs`]).
    pub counted: bool,
}

/// The SASS and PTX capabilities of a file, as the compatibility rules want them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GpuCodeSummary {
    /// Capabilities with SASS (cubin) entries.
    pub sass: BTreeSet<ComputeCapability>,
    /// Capabilities with PTX entries.
    pub ptx: BTreeSet<ComputeCapability>,
    /// The highest PTX ISA version per PTX capability.
    pub ptx_isa: BTreeMap<ComputeCapability, PtxIsaVersion>,
}

/// How a GPU of a given capability would get a kernel image from a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KernelSource {
    /// SASS built for this capability runs as is (the most specific compatible one is named,
    /// see [`FileArchs::kernel_source`]).
    Sass(ComputeCapability),
    /// No compatible SASS, but PTX for this capability can be JIT-compiled by the driver, whose
    /// JIT must understand this PTX ISA version.
    PtxJit {
        /// The PTX architecture (the most specific one that JITs for the GPU).
        ptx: ComputeCapability,
        /// The PTX ISA version of that PTX, when known.
        isa: Option<PtxIsaVersion>,
    },
    /// Neither: CUDA reports "no kernel image is available for execution on the device".
    NoKernelImage,
}

impl FileArchs {
    /// Whether the file carries any GPU code at all.
    pub fn has_gpu_code(&self) -> bool {
        !self.sass.is_empty() || !self.ptx.is_empty()
    }

    /// Every kind of GPU code in the file, as `sm_XY` (SASS) and `compute_XY` (PTX), sorted.
    pub fn gpu_code(&self) -> Vec<GpuCode> {
        let mut out: Vec<GpuCode> = self
            .sass
            .keys()
            .map(|a| GpuCode::Sass(a.capability()))
            .chain(self.ptx.keys().map(|a| GpuCode::Ptx(a.capability())))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The SASS and PTX capability sets and PTX ISA versions.
    pub fn summary(&self) -> GpuCodeSummary {
        GpuCodeSummary {
            sass: self.sass.keys().map(|a| a.capability()).collect(),
            ptx: self.ptx.keys().map(|a| a.capability()).collect(),
            ptx_isa: self
                .ptx_isa
                .iter()
                .map(|(a, v)| (a.capability(), *v))
                .collect(),
        }
    }

    /// Where a GPU of capability `gpu` gets its kernels from this file.
    ///
    /// Rules from the CUDA C++ Programming Guide ("Binary Compatibility", "Application
    /// Compatibility", "Feature Set Compiler Targets"), as implemented by
    /// [`ComputeCapability::sass_runs_on`] and [`ComputeCapability::ptx_jits_for`]: plain SASS
    /// runs on later minors of its major; `a` SASS (`sm_90a`) only on exactly its capability; `f`
    /// SASS (`sm_100f`) on its capability and later minors of its family; plain PTX JITs for any
    /// capability not below it; `a` / `f` PTX only within the same bounds as `a` / `f` SASS.
    /// The qualifier of `gpu` is ignored (a GPU is a plain capability).
    ///
    /// SASS wins over PTX. When several entries are compatible, the one named is the most
    /// specific: the highest capability, then `a` (built for exactly this GPU) before `f`
    /// before plain; so a 9.0 GPU with both `sm_90` and `sm_90a` SASS gets `Sass(9.0a)`. Which
    /// of several compatible cubins the driver loads is not documented; any of them runs
    /// without JIT, which is what this answer is for.
    ///
    /// This is per file: a library whose kernels were built for different sets of
    /// architectures per kernel (PyTorch's few `sm_90a` kernels beside hundreds of `sm_90`
    /// ones) is judged by the union of its entries.
    pub fn kernel_source(&self, gpu: ComputeCapability) -> KernelSource {
        let summary = self.summary();
        if let Some(sass) = most_specific(summary.sass.iter().filter(|c| c.sass_runs_on(gpu))) {
            return KernelSource::Sass(sass);
        }
        if let Some(ptx) = most_specific(summary.ptx.iter().filter(|c| c.ptx_jits_for(gpu))) {
            return KernelSource::PtxJit {
                ptx,
                isa: summary.ptx_isa.get(&ptx).copied(),
            };
        }
        KernelSource::NoKernelImage
    }

    /// Adds the counts of `other` (not its warnings or sections) to `self`.
    pub(crate) fn absorb(&mut self, other: FileArchs) {
        for (arch, n) in other.sass {
            *self.sass.entry(arch).or_default() += n;
        }
        for (arch, n) in other.ptx {
            *self.ptx.entry(arch).or_default() += n;
        }
        for (arch, isa) in other.ptx_isa {
            let best = self.ptx_isa.entry(arch).or_insert(isa);
            if isa > *best {
                *best = isa;
            }
        }
        for (arch, all) in other.ptx_isa_all {
            self.ptx_isa_all.entry(arch).or_default().extend(all);
        }
        self.compressed_entries += other.compressed_entries;
        for (mode, n) in other.compression {
            *self.compression.entry(mode).or_default() += n;
        }
        for (kind, n) in other.other_kinds {
            *self.other_kinds.entry(kind).or_default() += n;
        }
        self.containers += other.containers;
        self.warnings.extend(other.warnings);
        self.entries.extend(other.entries);
    }

    pub(crate) fn record(
        &mut self,
        entry: &fatbin::EntryHeader,
        section: &'static str,
        section_offset: u64,
    ) {
        let compression = entry.compression();
        let kind = match entry.kind {
            fatbin::KIND_PTX => EntryKind::Ptx,
            fatbin::KIND_ELF => EntryKind::Elf,
            other => EntryKind::Other(other),
        };
        let (variant, both_variants) = entry.variant();
        let arch = SmArch::with_variant(entry.arch, variant);
        if both_variants {
            self.warnings.push(format!(
                "section `{section}`: entry at offset {:#x} has both the architecture-specific (`a`) \
                 and the family-specific (`f`) flag set (flags {:#x}); it is counted as {arch}, \
                 the stricter of the two",
                entry.offset, entry.flags
            ));
        }
        self.entries.push(EntryInfo {
            section,
            offset: section_offset.saturating_add(entry.offset),
            kind,
            arch,
            ptx_isa: (kind == EntryKind::Ptx)
                .then(|| PtxIsaVersion::new(u32::from(entry.major), u32::from(entry.minor))),
            version: (entry.major, entry.minor),
            flags: entry.flags,
            compression,
            header_size: entry.header_size,
            payload_size: entry.payload_size,
        });
        *self.compression.entry(compression).or_default() += 1;
        if compression != Compression::None {
            self.compressed_entries += 1;
        }
        match entry.kind {
            fatbin::KIND_ELF => *self.sass.entry(arch).or_default() += 1,
            fatbin::KIND_PTX => {
                *self.ptx.entry(arch).or_default() += 1;
                let isa = PtxIsaVersion::new(u32::from(entry.major), u32::from(entry.minor));
                self.ptx_isa_all.entry(arch).or_default().insert(isa);
                let best = self.ptx_isa.entry(arch).or_insert(isa);
                if isa > *best {
                    *best = isa;
                }
            }
            other => {
                let seen = self.other_kinds.entry(other).or_default();
                if *seen == 0 {
                    self.warnings.push(format!(
                        "section `{section}`: entry at offset {:#x} has kind {other}, which is \
                         neither PTX (1) nor ELF (2); entries of this kind are skipped and not counted",
                        entry.offset
                    ));
                }
                *seen += 1;
            }
        }
        if matches!(entry.kind, fatbin::KIND_ELF | fatbin::KIND_PTX) && entry.arch < 10 {
            self.warnings.push(format!(
                "section `{section}`: entry at offset {:#x} names architecture {}, which is not a real GPU architecture",
                entry.offset, entry.arch
            ));
        }
    }
}

/// The most specific of `candidates`: highest capability, then `a` > `f` > plain.
fn most_specific<'a>(
    candidates: impl Iterator<Item = &'a ComputeCapability>,
) -> Option<ComputeCapability> {
    let rank = |c: &ComputeCapability| match c.variant() {
        ArchVariant::Plain => 0,
        ArchVariant::FamilySpecific => 1,
        ArchVariant::ArchSpecific => 2,
    };
    candidates
        .max_by_key(|c| (c.major(), c.minor(), rank(c)))
        .copied()
}

/// The `cudoctor archs --format json` document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArchsReport {
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// One entry per file, in the order given.
    pub files: Vec<FileReport>,
}

impl ArchsReport {
    /// A report over `files`.
    pub fn new(files: Vec<FileReport>) -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            files,
        }
    }
}

/// One file of an [`ArchsReport`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileReport {
    /// The path as the user gave it.
    pub path: String,
    /// What the file carries.
    #[serde(flatten)]
    pub archs: FileArchs,
}
