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

mod archs;
pub mod elf;
mod error;
mod fatbin;
#[doc(hidden)]
pub mod fuzzing;
pub mod limits;
mod reader;
mod sections;
#[doc(hidden)]
pub mod work;

pub use archs::{
    ArchsReport, EntryInfo, EntryKind, FileArchs, FileReport, GpuCodeSummary, KernelSource,
    SCHEMA_VERSION, SectionInfo, SmArch,
};
pub use error::{ArchsError, FormatError};
pub use fatbin::Compression;
pub use reader::{read_bytes, read_bytes_named, read_file, read_file_region, read_open_file};

#[cfg(test)]
mod tests;
