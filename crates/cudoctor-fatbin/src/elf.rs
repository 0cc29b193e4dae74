//! Finds the sections that hold CUDA fatbinaries in an ELF file, from the section header table.
//!
//! Only what is needed is read: the ELF identification and header, the section header table and
//! the section-name string table. Both ELF classes (32 and 64 bit) and both byte orders are
//! understood; every offset and size is checked against the file length before it is used.

use crate::FormatError;

/// Sections that carry fatbinary containers (CUDA `include/fatbinary_section.h`).
pub(crate) const FATBIN_SECTIONS: [&str; 2] = [EXECUTABLE_SECTION, RELOCATABLE_SECTION];
/// The executable (device-linked) fatbinary section.
pub(crate) const EXECUTABLE_SECTION: &str = ".nv_fatbin";
/// The relocatable (`-rdc`, pre-link) fatbinary section.
pub(crate) const RELOCATABLE_SECTION: &str = "__nv_relfatbin";

/// `SHT_NOBITS`: a section that occupies no file space.
const SHT_NOBITS: u32 = 8;
/// `EM_CUDA`: the machine of a CUDA device ELF (a cubin), as opposed to a host binary.
pub(crate) const EM_CUDA: u16 = 190;
/// `SHN_XINDEX`: the real section-name table index lives in section 0's `sh_link`.
const SHN_XINDEX: u16 = 0xFFFF;

/// A fatbinary section found in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FatbinSection {
    /// `.nv_fatbin` or `__nv_relfatbin`.
    pub name: &'static str,
    /// File offset of the section data.
    pub offset: u64,
    /// Size of the section data in bytes.
    pub size: u64,
    /// Whether the section has no file data (`SHT_NOBITS`).
    pub nobits: bool,
}

/// What the section finder learned about the file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct ElfSections {
    /// The fatbinary sections, in section-header order.
    pub sections: Vec<FatbinSection>,
    /// `e_machine`.
    pub machine: u16,
    /// Whether the file has a section header table at all.
    pub has_section_headers: bool,
}

/// Byte order and class of the file being read.
#[derive(Clone, Copy)]
struct Layout {
    big_endian: bool,
    is_64: bool,
}

impl Layout {
    fn u16(self, bytes: &[u8], at: u64) -> Option<u16> {
        let b: [u8; 2] = slice(bytes, at, 2)?.try_into().ok()?;
        Some(if self.big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    }
    fn u32(self, bytes: &[u8], at: u64) -> Option<u32> {
        let b: [u8; 4] = slice(bytes, at, 4)?.try_into().ok()?;
        Some(if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }
    fn u64(self, bytes: &[u8], at: u64) -> Option<u64> {
        let b: [u8; 8] = slice(bytes, at, 8)?.try_into().ok()?;
        Some(if self.big_endian {
            u64::from_be_bytes(b)
        } else {
            u64::from_le_bytes(b)
        })
    }
    /// An address-sized field (`u32` in ELF32, `u64` in ELF64).
    fn addr(self, bytes: &[u8], at: u64) -> Option<u64> {
        if self.is_64 {
            self.u64(bytes, at)
        } else {
            self.u32(bytes, at).map(u64::from)
        }
    }
}

/// `bytes[at..at + len]`, or `None` when any part lies outside `bytes`.
pub(crate) fn slice(bytes: &[u8], at: u64, len: u64) -> Option<&[u8]> {
    let start = usize::try_from(at).ok()?;
    let end = start.checked_add(usize::try_from(len).ok()?)?;
    bytes.get(start..end)
}

/// Whether `bytes` starts with the ELF magic.
pub(crate) fn is_elf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x7fELF")
}

/// One section header, as far as we need it.
struct SectionHeader {
    name: u32,
    kind: u32,
    offset: u64,
    size: u64,
    link: u32,
}

/// Reads the section header table of an ELF file and returns its fatbinary sections.
///
/// The caller has checked [`is_elf`]. Errors describe the first structural problem found.
pub(crate) fn find_fatbin_sections(bytes: &[u8]) -> Result<ElfSections, FormatError> {
    let ident = slice(bytes, 0, 16).ok_or(FormatError::ElfHeader {
        what: "the file is shorter than the 16-byte ELF identification".into(),
    })?;
    let is_64 = match ident[4] {
        1 => false,
        2 => true,
        other => {
            return Err(FormatError::ElfHeader {
                what: format!("unknown ELF class {other} (expected 1 for ELF32 or 2 for ELF64)"),
            });
        }
    };
    let big_endian = match ident[5] {
        1 => false,
        2 => true,
        other => {
            return Err(FormatError::ElfHeader {
                what: format!("unknown ELF data encoding {other} (expected 1 or 2)"),
            });
        }
    };
    let l = Layout { big_endian, is_64 };
    let header_len: u64 = if is_64 { 64 } else { 52 };
    if (bytes.len() as u64) < header_len {
        return Err(FormatError::ElfHeader {
            what: format!(
                "the file is {} bytes long, shorter than the {header_len}-byte ELF header",
                bytes.len()
            ),
        });
    }
    let truncated_header = || FormatError::ElfHeader {
        what: "the ELF header is truncated".into(),
    };
    let machine = l.u16(bytes, 18).ok_or_else(truncated_header)?;
    let (shoff, shentsize, shnum, shstrndx) = if is_64 {
        (
            l.u64(bytes, 0x28).ok_or_else(truncated_header)?,
            l.u16(bytes, 0x3A).ok_or_else(truncated_header)?,
            l.u16(bytes, 0x3C).ok_or_else(truncated_header)?,
            l.u16(bytes, 0x3E).ok_or_else(truncated_header)?,
        )
    } else {
        (
            u64::from(l.u32(bytes, 0x20).ok_or_else(truncated_header)?),
            l.u16(bytes, 0x2E).ok_or_else(truncated_header)?,
            l.u16(bytes, 0x30).ok_or_else(truncated_header)?,
            l.u16(bytes, 0x32).ok_or_else(truncated_header)?,
        )
    };
    let mut out = ElfSections {
        sections: Vec::new(),
        machine,
        has_section_headers: shoff != 0,
    };
    if shoff == 0 {
        return Ok(out);
    }
    let min_entsize: u16 = if is_64 { 64 } else { 40 };
    if shentsize < min_entsize {
        return Err(FormatError::ElfHeader {
            what: format!(
                "section header entry size {shentsize} is smaller than the {min_entsize} bytes of an ELF{} section header",
                if is_64 { "64" } else { "32" }
            ),
        });
    }
    let read_header = |index: u64| -> Result<SectionHeader, FormatError> {
        let at = index
            .checked_mul(u64::from(shentsize))
            .and_then(|o| o.checked_add(shoff))
            .ok_or(FormatError::ElfHeader {
                what: "the section header table offset overflows".into(),
            })?;
        let past_end = || FormatError::SectionHeaderPastEnd {
            index,
            offset: at,
            file_len: bytes.len() as u64,
        };
        let (name, kind) = (
            l.u32(bytes, at).ok_or_else(past_end)?,
            l.u32(bytes, at + 4).ok_or_else(past_end)?,
        );
        let (offset, size, link) = if is_64 {
            (
                l.u64(bytes, at + 0x18).ok_or_else(past_end)?,
                l.u64(bytes, at + 0x20).ok_or_else(past_end)?,
                l.u32(bytes, at + 0x28).ok_or_else(past_end)?,
            )
        } else {
            (
                l.addr(bytes, at + 0x10).ok_or_else(past_end)?,
                l.addr(bytes, at + 0x14).ok_or_else(past_end)?,
                l.u32(bytes, at + 0x18).ok_or_else(past_end)?,
            )
        };
        Ok(SectionHeader {
            name,
            kind,
            offset,
            size,
            link,
        })
    };
    // Extended numbering (ELF gABI): with 0xFF00 or more sections, e_shnum is 0 and the count is
    // section 0's sh_size; with a name-table index >= 0xFF00, it is section 0's sh_link.
    let first = read_header(0)?;
    let count = if shnum == 0 {
        first.size
    } else {
        u64::from(shnum)
    };
    let table_len = count.saturating_mul(u64::from(shentsize));
    if shoff
        .checked_add(table_len)
        .is_none_or(|end| end > bytes.len() as u64)
    {
        return Err(FormatError::SectionHeaderTablePastEnd {
            offset: shoff,
            count,
            entry_size: u64::from(shentsize),
            file_len: bytes.len() as u64,
        });
    }
    let names_index = if shstrndx == SHN_XINDEX {
        u64::from(first.link)
    } else {
        u64::from(shstrndx)
    };
    if names_index >= count {
        return Err(FormatError::ElfHeader {
            what: format!(
                "the section-name table index {names_index} is outside the {count} section headers"
            ),
        });
    }
    let names = read_header(names_index)?;
    let names_data = if names.kind == SHT_NOBITS {
        None
    } else {
        Some(
            slice(bytes, names.offset, names.size).ok_or(FormatError::SectionPastEnd {
                section: "section-name table".into(),
                offset: names.offset,
                size: names.size,
                file_len: bytes.len() as u64,
            })?,
        )
    };
    let Some(names_data) = names_data else {
        return Ok(out);
    };
    for index in 0..count {
        let header = read_header(index)?;
        crate::work::add(1);
        // Compared against the few known names only: a name table with no NUL must not make
        // each lookup scan to its end (that was quadratic in the section count).
        let Some(known) = FATBIN_SECTIONS
            .iter()
            .find(|n| section_name_is(names_data, header.name, n.as_bytes()))
        else {
            continue;
        };
        out.sections.push(FatbinSection {
            name: known,
            offset: header.offset,
            size: header.size,
            nobits: header.kind == SHT_NOBITS,
        });
    }
    Ok(out)
}

/// Whether the NUL-terminated name at `offset` in the section-name table is `want`. Looks at
/// `want.len() + 1` bytes at most.
fn section_name_is(names: &[u8], offset: u32, want: &[u8]) -> bool {
    let Some(rest) = usize::try_from(offset).ok().and_then(|o| names.get(o..)) else {
        return false;
    };
    rest.starts_with(want) && rest.get(want.len()) == Some(&0)
}
