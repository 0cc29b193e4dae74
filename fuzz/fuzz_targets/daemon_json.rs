//! `/etc/docker/daemon.json` parsing.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = cudoctor_probe::collect::container::parse_daemon_json(&String::from_utf8_lossy(data));
});
