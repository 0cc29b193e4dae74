//! Finds the sections that hold CUDA fatbinaries in an ELF file, from the section header table
//! (read with [`crate::elf`]).

use crate::FormatError;
use crate::elf::{Header, SHT_NOBITS, SectionTable};

/// Sections that carry fatbinary containers (CUDA `include/fatbinary_section.h`).
pub(crate) const FATBIN_SECTIONS: [&str; 2] = [EXECUTABLE_SECTION, RELOCATABLE_SECTION];
/// The executable (device-linked) fatbinary section.
pub(crate) const EXECUTABLE_SECTION: &str = ".nv_fatbin";
/// The relocatable (`-rdc`, pre-link) fatbinary section.
pub(crate) const RELOCATABLE_SECTION: &str = "__nv_relfatbin";

/// `EM_CUDA`: the machine of a CUDA device ELF (a cubin), as opposed to a host binary.
pub(crate) const EM_CUDA: u16 = 190;

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

/// Reads the section header table of an ELF file and returns its fatbinary sections.
///
/// The caller has checked [`crate::elf::is_elf`]. Errors describe the first structural problem
/// found.
pub(crate) fn find_fatbin_sections(bytes: &[u8]) -> Result<ElfSections, FormatError> {
    let header = Header::parse(bytes).map_err(|e| FormatError::ElfHeader {
        what: e.to_string(),
    })?;
    let mut out = ElfSections {
        sections: Vec::new(),
        machine: header.machine,
        has_section_headers: header.shoff != 0,
    };
    let Some(table) = SectionTable::read(bytes, bytes.len() as u64, &header)? else {
        return Ok(out);
    };
    if !table.has_names() {
        return Ok(out);
    }
    for index in 0..table.count() {
        let section = table.header(index)?;
        crate::work::add(1);
        // Compared against the few known names only: a name table with no NUL must not make
        // each lookup scan to its end (that was quadratic in the section count).
        let Some(known) = FATBIN_SECTIONS
            .iter()
            .find(|n| table.name_is(&section, n.as_bytes()))
        else {
            continue;
        };
        out.sections.push(FatbinSection {
            name: known,
            offset: section.offset,
            size: section.size,
            nobits: section.kind == SHT_NOBITS,
        });
    }
    Ok(out)
}
