//! The explain crate's streaming matcher over arbitrary log bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = cudoctor_explain::scan(data);
});
