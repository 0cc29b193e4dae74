//! Which GPU code an ELF binary carries: the SASS architectures (`sm_XY`, with counts) and the
//! PTX entries (with their PTX ISA version) in its CUDA fatbinary containers.
//!
//! The reader maps the file, finds the `.nv_fatbin` and `__nv_relfatbin` sections from the ELF
//! section headers, and walks the container and entry *headers* inside them; it touches only
//! those header pages, so a 739 MB `libtorch_cuda.so` is read in about 5 ms from the page cache
//! (about 100-250 ms from a cold disk, bound by one page read per header; `bench/archs.sh`). It
//! answers what `cuobjdump --list-elf` / `--list-ptx` answer (same per-architecture counts on
//! real libraries, `tests/oracle.rs`), without a CUDA toolkit. Architectures keep their `a` /
//! `f` qualifier (`sm_90a`, `sm_100f`, from the entry flags; see [`SmArch`]), so `sm_90a` code
//! is not mistaken for `sm_90` code that would run on later 9.x GPUs.
//!
//! It deliberately does not decompress or disassemble payloads, follow the `.nvFatBinSegment`
//! wrappers (the containers are scanned directly, which also finds containers no wrapper points
//! at), read static archives (`.a`), or run anything from the file. Malformed input gives an
//! [`ArchsError`] naming the file and what is wrong; odd but survivable input (unknown entry
//! kinds, junk between containers) gives [`FileArchs::warnings`].

mod elf;
mod fatbin;
pub mod limits;

/// A per-thread count of the reader's elementary steps (section headers examined, entry
/// headers read, words scanned), so tests can show the work grows linearly with hostile input
/// without timing anything. Not a stable API.
#[doc(hidden)]
pub mod work {
    use std::cell::Cell;
    thread_local! {
        static STEPS: Cell<u64> = const { Cell::new(0) };
    }
    /// Adds `n` steps.
    pub fn add(n: u64) {
        STEPS.with(|s| s.set(s.get().saturating_add(n)));
    }
    /// The steps counted on this thread since the last [`take`].
    pub fn take() -> u64 {
        STEPS.with(|s| s.replace(0))
    }
}

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use cudoctor_kb::version::{
    ArchVariant, ComputeCapability, GpuCode, PtxIsaVersion, VersionParseError,
};
use serde::{Serialize, Serializer};

pub use fatbin::Compression;

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
    fn absorb(&mut self, other: FileArchs) {
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

    fn record(&mut self, entry: &fatbin::EntryHeader, section: &'static str, section_offset: u64) {
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

/// Why a file's GPU code could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ArchsError {
    /// The file could not be opened, inspected or mapped.
    #[error("cannot read `{path}`")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The path is not a regular file.
    #[error("cannot read GPU code from `{path}`: it is not a regular file")]
    NotAFile {
        /// The path.
        path: PathBuf,
    },
    /// The file is neither an ELF file nor a bare fatbinary.
    #[error(
        "cannot read GPU code from `{path}`: it is not an ELF file or a CUDA fatbinary (it starts with {start})"
    )]
    NotElf {
        /// The file.
        path: PathBuf,
        /// Its first bytes, in hex, or "nothing" when it is empty.
        start: String,
    },
    /// The ELF headers are malformed.
    #[error("cannot read the ELF section headers of `{path}`")]
    Elf {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        #[source]
        source: FormatError,
    },
    /// A fatbinary section is malformed.
    #[error(
        "cannot read the CUDA fatbinary in section `{section}` (file offset {offset:#x}) of `{path}`"
    )]
    Fatbin {
        /// The file.
        path: PathBuf,
        /// The section name.
        section: &'static str,
        /// The section's file offset.
        offset: u64,
        /// What is wrong.
        #[source]
        source: FormatError,
    },
}

/// A structural problem in the ELF headers or a fatbinary. Offsets in fatbinary problems are
/// relative to the start of the section.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// A resource cap of [`limits`] was reached; nothing of the file is reported.
    #[error("{what}: more than the {cap} cap of {limit} (see cudoctor_fatbin::limits)")]
    CapExceeded {
        /// What was counted.
        what: &'static str,
        /// The cap's name in [`limits`].
        cap: &'static str,
        /// The cap.
        limit: u64,
    },
    /// The ELF header is unreadable.
    #[error("{what}")]
    ElfHeader {
        /// What is wrong.
        what: String,
    },
    /// The section header table does not fit in the file.
    #[error(
        "the section header table ({count} entries of {entry_size} bytes at offset {offset:#x}) runs past the end of the file ({file_len} bytes)"
    )]
    SectionHeaderTablePastEnd {
        /// Table offset.
        offset: u64,
        /// Number of entries.
        count: u64,
        /// Entry size.
        entry_size: u64,
        /// File length.
        file_len: u64,
    },
    /// One section header does not fit in the file.
    #[error(
        "section header {index} at offset {offset:#x} runs past the end of the file ({file_len} bytes)"
    )]
    SectionHeaderPastEnd {
        /// Section index.
        index: u64,
        /// Header offset.
        offset: u64,
        /// File length.
        file_len: u64,
    },
    /// A section's data does not fit in the file (a truncated file).
    #[error(
        "the {section} ({size} bytes at offset {offset:#x}) runs past the end of the file ({file_len} bytes); the file is truncated"
    )]
    SectionPastEnd {
        /// Which section.
        section: String,
        /// Data offset.
        offset: u64,
        /// Data size.
        size: u64,
        /// File length.
        file_len: u64,
    },
    /// Fewer than 16 bytes remain for a container header.
    #[error(
        "the container header at offset {offset:#x} is truncated: {available} bytes left, 16 needed"
    )]
    ContainerHeaderTruncated {
        /// Container offset.
        offset: u64,
        /// Bytes left in the section.
        available: u64,
    },
    /// A container header declares a size below 16.
    #[error(
        "the container at offset {offset:#x} declares a header size of {header_size} bytes, less than the 16-byte fixed header"
    )]
    ContainerHeaderSize {
        /// Container offset.
        offset: u64,
        /// Declared header size.
        header_size: u64,
    },
    /// A container's declared size runs past the end of its section.
    #[error(
        "the container at offset {offset:#x} (header {header_size} bytes + {fat_size} bytes of entries) runs past the end of the section ({section_len} bytes)"
    )]
    ContainerPastEnd {
        /// Container offset.
        offset: u64,
        /// Header size.
        header_size: u64,
        /// Declared entry bytes.
        fat_size: u64,
        /// Section length.
        section_len: u64,
    },
    /// Fewer than 64 bytes remain in a container for an entry header.
    #[error(
        "the entry header at offset {offset:#x} is truncated: {available} bytes left in its container, 64 needed"
    )]
    EntryHeaderTruncated {
        /// Entry offset.
        offset: u64,
        /// Bytes left in the container.
        available: u64,
    },
    /// An entry header declares a size below 64.
    #[error(
        "the entry at offset {offset:#x} declares a header size of {header_size} bytes, less than the 64-byte fixed header"
    )]
    EntryHeaderSize {
        /// Entry offset.
        offset: u64,
        /// Declared header size.
        header_size: u32,
    },
    /// An entry has no payload.
    #[error("the entry at offset {offset:#x} has a payload size of zero")]
    EntryEmpty {
        /// Entry offset.
        offset: u64,
    },
    /// An entry runs past the end of its container (into the next container or past the section).
    #[error(
        "the entry at offset {offset:#x} (header {header_size} bytes + payload {payload_size} bytes) runs past the end of its container at {container_end:#x}"
    )]
    EntryPastContainer {
        /// Entry offset.
        offset: u64,
        /// Header size.
        header_size: u32,
        /// Payload size.
        payload_size: u64,
        /// Where the container ends.
        container_end: u64,
    },
    /// A compressed entry claims more compressed bytes than its payload holds, so it would
    /// overlap the next entry.
    #[error(
        "the entry at offset {offset:#x} claims {compressed_size} compressed bytes but its payload is {payload_size} bytes, so it would overlap the next entry"
    )]
    EntryOverlaps {
        /// Entry offset.
        offset: u64,
        /// Declared compressed size.
        compressed_size: u32,
        /// Payload size.
        payload_size: u64,
    },
}

/// The name used for in-memory input in error messages.
const IN_MEMORY: &str = "<memory>";

/// Reads the GPU code of the ELF file (or bare `.fatbin` file) at `path`.
///
/// The file is memory-mapped and only its section headers and fatbinary headers are touched.
pub fn read_file(path: impl AsRef<Path>) -> Result<FileArchs, ArchsError> {
    let path = path.as_ref();
    let io = |source| ArchsError::Io {
        path: path.to_path_buf(),
        source,
    };
    // `stat` before `open`: opening a FIFO named like a library would block until a writer came.
    if !std::fs::metadata(path).map_err(io)?.is_file() {
        return Err(ArchsError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    let file = File::open(path).map_err(io)?;
    read_open_file(&file, path)
}

/// Like [`read_file`], for a file the caller already opened (for example relative to a held
/// directory descriptor, so that no path string is opened again). `path` names it in errors.
pub fn read_open_file(file: &File, path: impl AsRef<Path>) -> Result<FileArchs, ArchsError> {
    let path = path.as_ref();
    let io = |source| ArchsError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(ArchsError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    if meta.len() == 0 {
        // `/proc` and `/sys` files report size 0 yet hold text: read what is there (bounded),
        // so the answer is "not an ELF file" with its first bytes, not "the file is empty".
        use std::io::Read;
        let mut bytes = Vec::new();
        file.take(limits::ZERO_SIZE_READ_BYTES)
            .read_to_end(&mut bytes)
            .map_err(io)?;
        return read_named(&bytes, path, &|_| {});
    }
    // SAFETY: the map is read-only and private to this call. If another process truncates the
    // file while we read it, the kernel may deliver SIGBUS; that is the documented risk of
    // mapping files, accepted here for speed (only header pages are touched).
    let map = unsafe { memmap2::Mmap::map(file) }.map_err(io)?;
    // Headers are scattered through the file: read-ahead around each one would read most of a
    // large library from disk. The advice is only a hint, so a failure to give it is ignored.
    #[cfg(unix)]
    let _ = map.advise(memmap2::Advice::Random);
    // Walked pages are dropped from this process's page table as the walk moves on: the kernel
    // maps cached neighbours of every touched page (fault-around), which on a 574 MB cuBLAS
    // made the resident set 70 MB for a few megabytes of headers. The data stays in the page
    // cache; a page touched again is simply mapped again.
    let release = |upto: u64| {
        let len = usize::try_from(upto).unwrap_or(usize::MAX).min(map.len()) & !(4096 - 1);
        if len > 0 {
            // SAFETY: a read-only, private mapping of a file: MADV_DONTNEED only unmaps pages,
            // whose contents are read back from the file if touched again.
            #[cfg(unix)]
            let _ =
                unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, 0, len) };
        }
    };
    read_named(&map, path, &release)
}

/// Reads the GPU code of an ELF file (or bare fatbinary) held in memory.
///
/// Errors name the file `<memory>`; use [`read_bytes_named`] to give a name.
pub fn read_bytes(bytes: &[u8]) -> Result<FileArchs, ArchsError> {
    read_named(bytes, Path::new(IN_MEMORY), &|_| {})
}

/// Like [`read_bytes`], naming `path` in errors.
pub fn read_bytes_named(bytes: &[u8], path: impl AsRef<Path>) -> Result<FileArchs, ArchsError> {
    read_named(bytes, path.as_ref(), &|_| {})
}

/// How far the walk must move on before the pages behind it are released (see [`read_file`]).
const RELEASE_STEP: u64 = 8 << 20;

fn read_named(bytes: &[u8], path: &Path, release: &dyn Fn(u64)) -> Result<FileArchs, ArchsError> {
    let mut out = FileArchs::default();
    if fatbin_magic_at_start(bytes) {
        let section = SectionInfo {
            name: "(whole file)",
            offset: 0,
            size: bytes.len() as u64,
            counted: true,
        };
        read_section(bytes, &section, path, &mut out, release)?;
        out.sections.push(section);
        return Ok(out);
    }
    if !elf::is_elf(bytes) {
        let start = if bytes.is_empty() {
            "nothing: the file is empty".to_owned()
        } else {
            let hex: Vec<String> = bytes.iter().take(8).map(|b| format!("{b:02x}")).collect();
            format!("bytes {}", hex.join(" "))
        };
        return Err(ArchsError::NotElf {
            path: path.to_path_buf(),
            start,
        });
    }
    let found = elf::find_fatbin_sections(bytes).map_err(|source| ArchsError::Elf {
        path: path.to_path_buf(),
        source,
    })?;
    if found.machine == elf::EM_CUDA {
        out.warnings.push(
            "this is a CUDA device ELF (a cubin), not a host binary; its code is not held in a fatbinary and is not counted"
                .to_owned(),
        );
    }
    if !found.has_section_headers {
        out.warnings.push(
            "the file has no section header table, so its fatbinary sections cannot be found"
                .to_owned(),
        );
    }
    let has_executable = found
        .sections
        .iter()
        .any(|s| s.name == elf::EXECUTABLE_SECTION && !s.nobits);
    let mut relocatable = FileArchs::default();
    let mut has_relocatable = false;
    // A hostile file can name the same bytes as a fatbinary section many times over; each
    // distinct (name, offset, size) is read once, and only up to the cap.
    let mut seen = std::collections::HashSet::new();
    let mut sections = Vec::new();
    for s in found.sections {
        if seen.insert((s.name, s.offset, s.size)) {
            sections.push(s);
        }
    }
    if sections.len() > limits::FATBIN_SECTIONS {
        return Err(ArchsError::Elf {
            path: path.to_path_buf(),
            source: FormatError::CapExceeded {
                what: "fatbinary sections",
                cap: "FATBIN_SECTIONS",
                limit: limits::FATBIN_SECTIONS as u64,
            },
        });
    }
    for section in sections {
        let counted = !has_executable || section.name == elf::EXECUTABLE_SECTION;
        let info = SectionInfo {
            name: section.name,
            offset: section.offset,
            size: section.size,
            counted,
        };
        if section.nobits {
            out.warnings.push(format!(
                "section `{}` occupies no space in the file (SHT_NOBITS) and holds no GPU code",
                section.name
            ));
            continue;
        }
        let data =
            elf::slice(bytes, section.offset, section.size).ok_or_else(|| ArchsError::Elf {
                path: path.to_path_buf(),
                source: FormatError::SectionPastEnd {
                    section: format!("section `{}`", section.name),
                    offset: section.offset,
                    size: section.size,
                    file_len: bytes.len() as u64,
                },
            })?;
        if counted {
            read_section(data, &info, path, &mut out, release)?;
        } else {
            has_relocatable = true;
            let mut part = FileArchs::default();
            read_section(data, &info, path, &mut part, release)?;
            out.warnings.append(&mut part.warnings);
            relocatable.absorb(part);
        }
        out.sections.push(info);
    }
    if has_relocatable {
        out.relocatable = Some(Box::new(relocatable));
    }
    Ok(out)
}

fn fatbin_magic_at_start(bytes: &[u8]) -> bool {
    bytes.starts_with(&fatbin::CONTAINER_MAGIC.to_le_bytes())
}

fn read_section(
    data: &[u8],
    section: &SectionInfo,
    path: &Path,
    out: &mut FileArchs,
    release: &dyn Fn(u64),
) -> Result<(), ArchsError> {
    let name = section.name;
    let mut oddities = Vec::new();
    let mut skipped_oddities: u64 = 0;
    let mut part = FileArchs::default();
    let mut released = section.offset;
    let already = out.entries.len() as u64;
    let mut over = false;
    let containers = fatbin::walk_section(
        data,
        |entry| {
            if already + part.entries.len() as u64 >= limits::FATBIN_ENTRIES {
                over = true;
                return;
            }
            part.record(entry, name, section.offset);
            let at = section.offset + entry.offset;
            if at >= released + RELEASE_STEP {
                release(at);
                released = at;
            }
        },
        |odd| {
            if oddities.len() <= limits::WARNINGS {
                oddities.push(odd);
            } else {
                skipped_oddities += 1;
            }
        },
    )
    .map_err(|source| ArchsError::Fatbin {
        path: path.to_path_buf(),
        section: name,
        offset: section.offset,
        source,
    })?;
    if over {
        return Err(ArchsError::Fatbin {
            path: path.to_path_buf(),
            section: name,
            offset: section.offset,
            source: FormatError::CapExceeded {
                what: "fatbinary entries",
                cap: "FATBIN_ENTRIES",
                limit: limits::FATBIN_ENTRIES,
            },
        });
    }
    part.containers = containers;
    out.absorb(part);
    for odd in oddities {
        out.warnings.push(match odd {
            fatbin::Oddity::UnrecognisedBytes { offset, len } => format!(
                "section `{name}`: skipped {len} bytes at offset {offset:#x} that are not a fatbinary container"
            ),
            fatbin::Oddity::OldContainer { offset } => format!(
                "section `{name}`: the old-style (pre-CUDA 4) fatbinary at offset {offset:#x} is not read"
            ),
            fatbin::Oddity::ContainerVersion { offset, version } => format!(
                "section `{name}`: the container at offset {offset:#x} has version {version} (only 1 is known); read as version 1"
            ),
        });
    }
    if skipped_oddities > 0 {
        out.warnings.push(format!(
            "section `{name}`: {skipped_oddities} more irregularities like the above (only {} are listed)",
            limits::WARNINGS
        ));
    }
    if containers == 0 && !data.is_empty() {
        out.warnings.push(format!(
            "section `{name}` ({} bytes) holds no fatbinary container",
            data.len()
        ));
    }
    Ok(())
}

/// Entry points for the fuzz targets in `fuzz/`; not a stable API.
#[doc(hidden)]
pub mod fuzzing {
    /// Runs the ELF section finder alone on `bytes` (which need not start with the ELF magic).
    pub fn elf_sections(bytes: &[u8]) -> usize {
        crate::elf::find_fatbin_sections(bytes).map_or(0, |found| found.sections.len())
    }

    /// Walks `bytes` as the data of one fatbinary section; returns the entries seen.
    pub fn fatbin_section(bytes: &[u8]) -> u64 {
        let mut entries = 0;
        let _ = crate::fatbin::walk_section(bytes, |_| entries += 1, |_| {});
        entries
    }
}

#[cfg(test)]
mod tests;
