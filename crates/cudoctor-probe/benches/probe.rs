//! Full-probe timings: this host (file collectors, and with live calls), and the extracted
//! Debian driver + CUDA 11.8 tree when cached. Run: `cargo bench -p cudoctor-probe --bench probe`.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use cudoctor_probe::{Collectors, ProbeOptions, probe};

fn benches(c: &mut Criterion) {
    let files_only = ProbeOptions {
        collectors: Collectors::files_only(),
        ..ProbeOptions::host()
    };
    c.bench_function("probe host (files only)", |b| b.iter(|| probe(&files_only)));
    c.bench_function(
        "probe host (with live libcuda/NVML, cached after first)",
        |b| {
            b.iter(|| probe(&ProbeOptions::host()));
        },
    );
    let debian = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.cache/debian/root");
    if debian.exists() {
        let opts = ProbeOptions::directory(&debian, vec![]);
        c.bench_function("probe --root .cache/debian/root", |b| {
            b.iter(|| probe(&opts));
        });
    }
    c.bench_function("snapshot to_json + from_json (host)", |b| {
        let snap = probe(&files_only);
        b.iter(|| cudoctor_probe::Snapshot::from_json(&snap.to_json().unwrap()).unwrap());
    });
}

criterion_group!(probe_benches, benches);
criterion_main!(probe_benches);
