//! Walks the fatbinary containers of one section and the entry headers inside each container.
//!
//! Layout (all little-endian; `../shared/reference/tools.md` section 11, from ZLUDA
//! `cuda_types/src/dark_api.rs`, n-eiling `fatbin-decompress.h`, redplait `fb/fb.cc`, checked
//! against real libraries):
//!
//! ```text
//! container header, 16 bytes, 8-byte aligned:
//!   0x00 u32 magic 0xBA55ED50   0x04 u16 version   0x06 u16 header_size   0x08 u64 fat_size
//! entry header, 64 bytes fixed, `header_size` bytes in all:
//!   0x00 u16 kind (1 PTX, 2 ELF)  0x02 u16 version  0x04 u32 header_size  0x08 u64 payload size
//!   0x10 u32 compressed size      0x14 u32 address size
//!   0x18 u16 minor  0x1A u16 major (the PTX ISA version for PTX)  0x1C u32 arch (80 for sm_80)
//!   0x28 u64 flags (0x1000 / 0x2000 LZ4, 0x8000 zstd, 0x100000 `a`, 0x200000 `f`)
//!   0x38 u64 decompressed size
//! ```
//!
//! The next entry starts at `entry + header_size + payload size`; the next container at
//! `container + header_size + fat_size`. Payloads are never read, so nothing is decompressed.

use cudoctor_kb::version::ArchVariant;

use crate::FormatError;
use crate::elf::slice;

/// Container magic (`FATBIN_MAGIC`), bytes `50 ED 55 BA`.
pub(crate) const CONTAINER_MAGIC: u32 = 0xBA55_ED50;
/// The magic of the pre-CUDA-4 text fatbinary, which this reader does not decode.
pub(crate) const OLD_CONTAINER_MAGIC: u32 = 0x1EE5_5A01;
/// Size of the fixed part of a container header.
pub(crate) const CONTAINER_HEADER_LEN: u64 = 16;
/// Size of the fixed part of an entry header.
pub(crate) const ENTRY_HEADER_LEN: u64 = 64;

/// `FATBIN_KIND_PTX`.
pub(crate) const KIND_PTX: u16 = 1;
/// `FATBIN_KIND_ELF` (a cubin: SASS).
pub(crate) const KIND_ELF: u16 = 2;

/// `FATBIN_FLAG_COMPRESS` (older LZ4 mode).
const FLAG_COMPRESS: u64 = 0x1000;
/// `FATBIN_FLAG_COMPRESS2` (LZ4 block format).
const FLAG_COMPRESS2: u64 = 0x2000;
/// `FATBIN_FLAG_ZCOMPRESS` (zstd frame).
const FLAG_ZCOMPRESS: u64 = 0x8000;

/// The entry was built for an architecture-specific target (`sm_90a`, `compute_120a`).
///
/// Observed, not documented: nvcc 13.0 (V13.0.88) given `-gencode` for sm_75, sm_90, sm_90a,
/// sm_100a, sm_100f, sm_120a and PTX compute_90, compute_120a wrote these flags: sm_90 cubin
/// `0x11`, sm_90a `0x100011`, sm_100a `0x1100011`, sm_100f `0x1200011`, sm_120a `0x1100011`,
/// compute_90 PTX `0x8011`, compute_120a PTX `0x108011` (plus `0x8000` on every entry when
/// compressed). CUDA 13.0 `cuobjdump --list-elf` named those cubins `sm_90`, `sm_90a`,
/// `sm_100a`, `sm_100`, `sm_120a` and `--list-ptx` the PTX `sm_90`, `sm_120a`: it names the
/// `a` bit but prints the `f` cubin as plain `sm_100`. The three libraries and the listing are
/// carved into `tests/fixtures/archs13-*` (see `tests/fixtures.rs`).
pub(crate) const FLAG_ARCH_SPECIFIC: u64 = 0x10_0000;
/// The entry was built for a family-specific target (`sm_100f`); same evidence as
/// [`FLAG_ARCH_SPECIFIC`]. (`0x1000000`, set on every sm_100 and later cubin seen, is not
/// decoded.)
pub(crate) const FLAG_FAMILY_SPECIFIC: u64 = 0x20_0000;

/// How an entry's payload is compressed, from its flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Compression {
    /// No compression flag is set.
    None,
    /// LZ4 (`0x1000` or `0x2000`).
    Lz4,
    /// zstd (`0x8000`).
    Zstd,
}

impl Compression {
    fn from_flags(flags: u64) -> Self {
        if flags & FLAG_ZCOMPRESS != 0 {
            Self::Zstd
        } else if flags & (FLAG_COMPRESS | FLAG_COMPRESS2) != 0 {
            Self::Lz4
        } else {
            Self::None
        }
    }
}

/// One entry header, as read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EntryHeader {
    /// Offset of the entry header in the section.
    pub offset: u64,
    pub kind: u16,
    pub header_size: u32,
    pub payload_size: u64,
    pub compressed_size: u32,
    pub minor: u16,
    pub major: u16,
    pub arch: u32,
    pub flags: u64,
}

impl EntryHeader {
    pub fn compression(&self) -> Compression {
        Compression::from_flags(self.flags)
    }

    /// The `a` / `f` qualifier from the flags. When both bits are set (never seen), the
    /// stricter `a` rule (runs on exactly this capability) is returned and `true` says so.
    pub fn variant(&self) -> (ArchVariant, bool) {
        let a = self.flags & FLAG_ARCH_SPECIFIC != 0;
        let f = self.flags & FLAG_FAMILY_SPECIFIC != 0;
        match (a, f) {
            (true, _) => (ArchVariant::ArchSpecific, f),
            (false, true) => (ArchVariant::FamilySpecific, false),
            (false, false) => (ArchVariant::Plain, false),
        }
    }
}

fn le_u16(data: &[u8], at: u64) -> Option<u16> {
    Some(u16::from_le_bytes(slice(data, at, 2)?.try_into().ok()?))
}
fn le_u32(data: &[u8], at: u64) -> Option<u32> {
    Some(u32::from_le_bytes(slice(data, at, 4)?.try_into().ok()?))
}
fn le_u64(data: &[u8], at: u64) -> Option<u64> {
    Some(u64::from_le_bytes(slice(data, at, 8)?.try_into().ok()?))
}

/// Rounds `n` up to a multiple of 8 (saturating).
fn align8(n: u64) -> u64 {
    n.checked_add(7).map_or(u64::MAX, |m| m & !7)
}

/// Something odd that did not stop the walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Oddity {
    /// Non-zero bytes that are not a container, skipped up to the next container magic (or the end).
    UnrecognisedBytes { offset: u64, len: u64 },
    /// A pre-CUDA-4 text fatbinary, skipped.
    OldContainer { offset: u64 },
    /// A container header whose version is not 1.
    ContainerVersion { offset: u64, version: u16 },
}

/// Walks every container in `data` (the bytes of one fatbinary section), calling `on_entry` for
/// each entry header and `on_oddity` for survivable irregularities. Stops at the first
/// structural error.
pub(crate) fn walk_section(
    data: &[u8],
    mut on_entry: impl FnMut(&EntryHeader),
    mut on_oddity: impl FnMut(Oddity),
) -> Result<u64, FormatError> {
    let len = data.len() as u64;
    let mut pos: u64 = 0;
    let mut containers = 0;
    while pos < len {
        crate::work::add(1);
        let Some(magic) = le_u32(data, pos) else {
            // Fewer than 4 bytes left: padding if zero.
            skip_tail(data, pos, &mut on_oddity);
            break;
        };
        if magic == CONTAINER_MAGIC {
            pos = walk_container(data, pos, &mut on_entry, &mut on_oddity)?;
            containers += 1;
            pos = align8(pos);
            continue;
        }
        // Zero padding between containers is normal; anything else is skipped with a note.
        let word_end = (pos + 8).min(len);
        if data[pos as usize..word_end as usize]
            .iter()
            .all(|&b| b == 0)
        {
            pos = word_end;
            continue;
        }
        if magic == OLD_CONTAINER_MAGIC {
            on_oddity(Oddity::OldContainer { offset: pos });
        }
        let next = find_magic(data, pos + 8).unwrap_or(len);
        if magic != OLD_CONTAINER_MAGIC {
            on_oddity(Oddity::UnrecognisedBytes {
                offset: pos,
                len: next - pos,
            });
        }
        pos = next;
    }
    Ok(containers)
}

/// Notes non-zero bytes in the last (< 4) bytes of a section.
fn skip_tail(data: &[u8], pos: u64, on_oddity: &mut impl FnMut(Oddity)) {
    let tail = &data[pos as usize..];
    if tail.iter().any(|&b| b != 0) {
        on_oddity(Oddity::UnrecognisedBytes {
            offset: pos,
            len: tail.len() as u64,
        });
    }
}

/// The next 8-byte aligned offset at or after `from` where the container magic sits.
fn find_magic(data: &[u8], from: u64) -> Option<u64> {
    let mut at = align8(from);
    let magic = CONTAINER_MAGIC.to_le_bytes();
    while let Some(word) = slice(data, at, 4) {
        crate::work::add(1);
        if word == magic {
            return Some(at);
        }
        at += 8;
    }
    None
}

/// Reads the container at `start` and its entries; returns the offset just past the container.
fn walk_container(
    data: &[u8],
    start: u64,
    on_entry: &mut impl FnMut(&EntryHeader),
    on_oddity: &mut impl FnMut(Oddity),
) -> Result<u64, FormatError> {
    let len = data.len() as u64;
    let header =
        slice(data, start, CONTAINER_HEADER_LEN).ok_or(FormatError::ContainerHeaderTruncated {
            offset: start,
            available: len - start,
        })?;
    let version = u16::from_le_bytes([header[4], header[5]]);
    let header_size = u64::from(u16::from_le_bytes([header[6], header[7]]));
    let mut fat_size_bytes = [0u8; 8];
    fat_size_bytes.copy_from_slice(&header[8..16]);
    let fat_size = u64::from_le_bytes(fat_size_bytes);
    if version != 1 {
        on_oddity(Oddity::ContainerVersion {
            offset: start,
            version,
        });
    }
    if header_size < CONTAINER_HEADER_LEN {
        return Err(FormatError::ContainerHeaderSize {
            offset: start,
            header_size,
        });
    }
    let body = start + header_size;
    let end = body.checked_add(fat_size).filter(|&end| end <= len).ok_or(
        FormatError::ContainerPastEnd {
            offset: start,
            header_size,
            fat_size,
            section_len: len,
        },
    )?;
    let mut at = body;
    while at < end {
        crate::work::add(1);
        let entry = read_entry(data, at, end)?;
        on_entry(&entry);
        at = at + u64::from(entry.header_size) + entry.payload_size;
    }
    Ok(end)
}

/// Reads and checks the entry header at `at`; the container's entries end at `end`.
fn read_entry(data: &[u8], at: u64, end: u64) -> Result<EntryHeader, FormatError> {
    if end - at < ENTRY_HEADER_LEN {
        return Err(FormatError::EntryHeaderTruncated {
            offset: at,
            available: end - at,
        });
    }
    let truncated = || FormatError::EntryHeaderTruncated {
        offset: at,
        available: end - at,
    };
    let get16 = |o: u64| le_u16(data, at + o).ok_or_else(truncated);
    let get32 = |o: u64| le_u32(data, at + o).ok_or_else(truncated);
    let get64 = |o: u64| le_u64(data, at + o).ok_or_else(truncated);
    let entry = EntryHeader {
        offset: at,
        kind: get16(0x00)?,
        header_size: get32(0x04)?,
        payload_size: get64(0x08)?,
        compressed_size: get32(0x10)?,
        minor: get16(0x18)?,
        major: get16(0x1A)?,
        arch: get32(0x1C)?,
        flags: get64(0x28)?,
    };
    if u64::from(entry.header_size) < ENTRY_HEADER_LEN {
        return Err(FormatError::EntryHeaderSize {
            offset: at,
            header_size: entry.header_size,
        });
    }
    if entry.payload_size == 0 {
        return Err(FormatError::EntryEmpty { offset: at });
    }
    let entry_end = at
        .checked_add(u64::from(entry.header_size))
        .and_then(|e| e.checked_add(entry.payload_size));
    if entry_end.is_none_or(|e| e > end) {
        return Err(FormatError::EntryPastContainer {
            offset: at,
            header_size: entry.header_size,
            payload_size: entry.payload_size,
            container_end: end,
        });
    }
    if entry.compression() != Compression::None
        && u64::from(entry.compressed_size) > entry.payload_size
    {
        return Err(FormatError::EntryOverlaps {
            offset: at,
            compressed_size: entry.compressed_size,
            payload_size: entry.payload_size,
        });
    }
    Ok(entry)
}
