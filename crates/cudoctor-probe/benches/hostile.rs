//! Time on the hostile inputs of issue 11, at growing sizes: the tests prove linear growth by
//! counting steps (`tests/hostile.rs`); this measures the wall time the same inputs cost.
//! Run: `cargo bench -p cudoctor-probe --bench hostile` (results: bench/README.md).
#![allow(clippy::unwrap_used, missing_docs)]

use std::fmt::Write as _;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use cudoctor_probe::{Collectors, ProbeOptions, probe};

use cudoctor_test::Fixture;

fn files_only(f: &Fixture) -> ProbeOptions {
    let mut opts = ProbeOptions::directory(f.path(), vec![]);
    opts.collectors = Collectors::files_only();
    opts
}

fn benches(c: &mut Criterion) {
    let mut g = c.benchmark_group("libcudnn.so.8.N files in one directory");
    g.sample_size(10);
    for n in [150, 600, 2400] {
        let f = Fixture::new();
        for i in 0..n {
            let name = format!("libcudnn.so.8.{i}");
            f.lib(&format!("/usr/lib/x86_64-linux-gnu/{name}"), &name);
        }
        let opts = files_only(&f);
        g.bench_with_input(BenchmarkId::from_parameter(n), &opts, |b, o| {
            b.iter(|| probe(o));
        });
    }
    g.finish();

    let mut g = c.benchmark_group("ld.so.conf: 10 self-including files x N directories");
    g.sample_size(10);
    for n in [500, 2000, 8000] {
        let f = Fixture::new();
        f.file("/etc/ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n");
        for k in 0..10 {
            let mut text =
                String::from("include /etc/ld.so.conf.d/*.conf\ninclude /etc/ld.so.conf\n");
            for d in 0..n {
                writeln!(text, "/opt/d{k}/{d}").unwrap();
            }
            f.file(&format!("/etc/ld.so.conf.d/{k}.conf"), text);
        }
        let opts = files_only(&f);
        g.bench_with_input(BenchmarkId::from_parameter(n), &opts, |b, o| {
            b.iter(|| probe(o));
        });
    }
    g.finish();
}

criterion_group!(hostile_benches, benches);
criterion_main!(hostile_benches);
