//! The fatbinary reader's resource caps, each with its reason. Hitting one is an error naming
//! the file and the cap ([`crate::FormatError::CapExceeded`]): counts cut short would be a
//! partial answer presented as whole.

/// Fatbinary sections (`.nv_fatbin`, `__nv_relfatbin`) read from one ELF, after identical
/// (offset, size) duplicates are dropped. Real libraries have one or two.
pub const FATBIN_SECTIONS: usize = 64;

/// Entry headers read from one file. libtorch_cuda.so (2.5, cu124) has about 25,000.
pub const FATBIN_ENTRIES: u64 = 4 << 20;

/// Warnings kept per file; more are summarised in one last line.
pub const WARNINGS: usize = 64;

/// Bytes read of a file whose size is reported as 0 (a `/proc` file) to see what it holds.
pub const ZERO_SIZE_READ_BYTES: u64 = 1 << 20;
