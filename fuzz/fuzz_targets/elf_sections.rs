//! The ELF section finder, and the whole reader on inputs that look like ELF files.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = cudoctor_fatbin::fuzzing::elf_sections(data);
    let _ = cudoctor_fatbin::read_bytes(data);
});
