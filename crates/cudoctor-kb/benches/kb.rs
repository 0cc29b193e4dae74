//! Knowledge-base load + one `requirements` + one `plan` query (goal: all three < 1 ms).
#![allow(
    clippy::unwrap_used,
    clippy::semicolon_if_nothing_returned,
    missing_docs
)]

use criterion::{Criterion, criterion_group, criterion_main};

use cudoctor_kb::{Framework, PlanQuery, Spec, data::Kb};

fn bench(c: &mut Criterion) {
    let spec: Spec = "tensorflow==2.9.0".parse().unwrap();
    let query = PlanQuery {
        driver: Some("470.82.01".parse().unwrap()),
        gpu_name: Some("RTX 3090".to_owned()),
        python: Some("3.10".parse().unwrap()),
        frameworks: vec![Framework::TensorFlow],
        ..PlanQuery::default()
    };
    c.bench_function("load + requirements + plan", |b| {
        b.iter(|| {
            // A fresh parse each iteration: what one CLI run pays.
            let kb = Kb::parse_embedded().unwrap();
            let r = kb.requirements(&spec).unwrap();
            let p = kb.plan(&query).unwrap();
            (r.variants.len(), p.frameworks.len())
        });
    });
    let kb = Kb::parse_embedded().unwrap();
    c.bench_function("requirements (loaded)", |b| {
        b.iter(|| kb.requirements(&spec).unwrap())
    });
    c.bench_function("plan (loaded)", |b| b.iter(|| kb.plan(&query).unwrap()));
}

criterion_group!(benches, bench);
criterion_main!(benches);
