//! Snapshot reading (`--snapshot FILE` / `-`): size cap, schema_version, field errors, caps.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(snap) = cudoctor_probe::Snapshot::from_reader(data) {
        let _ = snap.to_json();
    }
});
