//! The fatbinary container and entry walker on arbitrary section data.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let entries = cudoctor_fatbin::fuzzing::fatbin_section(data);
    // Each entry has a 64-byte header inside the data.
    assert!(entries <= data.len() as u64 / 64);
});
