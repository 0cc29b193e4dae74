//! Entry points for the fuzz targets in `fuzz/`; not a stable API.

/// Runs the ELF section finder alone on `bytes` (which need not start with the ELF magic).
pub fn elf_sections(bytes: &[u8]) -> usize {
    crate::sections::find_fatbin_sections(bytes).map_or(0, |found| found.sections.len())
}

/// Walks `bytes` as the data of one fatbinary section; returns the entries seen.
pub fn fatbin_section(bytes: &[u8]) -> u64 {
    let mut entries = 0;
    let _ = crate::fatbin::walk_section(bytes, |_| entries += 1, |_| {});
    entries
}
