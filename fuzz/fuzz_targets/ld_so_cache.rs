//! The `ld.so.cache` parser, and a lookup of every soname it returns.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(cache) = cudoctor_probe::ldcache::parse_ld_so_cache(data) {
        for e in cache.entries.iter().take(64) {
            let _ = cache.lookup(&e.soname).count();
            let _ = e.arch();
            let _ = e.describe_flags();
        }
    }
});
