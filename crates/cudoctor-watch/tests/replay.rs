//! Every replay trace of `tests/traces/` (nvidia-smi `--format=csv` logs) through the verdicts.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use cudoctor_watch::{CsvReplay, EventKind, Report, Sampler, Verdict, Watcher};

fn trace(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/traces")
        .join(name)
}

fn replay_with(name: &str, fields: Option<&[String]>) -> Report {
    let mut r = CsvReplay::open(&trace(name), fields).unwrap();
    let mut w = Watcher::new();
    while let Some(s) = r.sample().unwrap() {
        w.push(&s);
    }
    w.report(name)
}

fn replay(name: &str) -> Report {
    replay_with(name, None)
}

#[test]
fn healthy() {
    let r = replay("healthy.csv");
    assert_eq!(r.verdict, Some(Verdict::Healthy), "{}", r.explanation);
    let g = &r.gpus[0];
    assert_eq!(g.verdict, Some(Verdict::Healthy));
    assert!(g.stats.sm_util_p50.unwrap() >= 90);
    assert!(
        g.explanation.contains("stable or rising"),
        "{}",
        g.explanation
    );
    assert_eq!(r.summary.samples, 40);
    assert!((r.summary.duration_s - 39.0).abs() < 1e-9);
    // The first four samples are too few for a verdict: the 3 s up to the fourth.
    assert!(
        (r.summary.time_s.undecided - 3.0).abs() < 1e-9,
        "{:?}",
        r.summary.time_s
    );
    assert!((r.summary.time_s.healthy - 36.0).abs() < 1e-9);
    assert_eq!(r.summary.peak_mem_used_mib, Some(30822));
    assert!(g.fix.is_empty());
}

#[test]
fn input_bound() {
    let r = replay("input_bound.csv");
    assert_eq!(r.verdict, Some(Verdict::InputBound), "{}", r.explanation);
    let g = &r.gpus[0];
    assert!(g.stats.share_below_10.unwrap() >= 0.6);
    assert!(
        g.explanation.contains("10.0 GiB of GPU memory is in use"),
        "{}",
        g.explanation
    );
    assert!(
        g.fix
            .iter()
            .any(|f| f.contains("prefetch(tf.data.AUTOTUNE)"))
    );
    assert!(g.fix.iter().any(|f| f.contains("num_workers")));
}

#[test]
fn host_sync() {
    let r = replay("host_sync.csv");
    assert_eq!(r.verdict, Some(Verdict::HostSync), "{}", r.explanation);
    let g = &r.gpus[0];
    assert!(g.stats.switches >= 10, "{:?}", g.stats);
    assert!(g.fix.iter().any(|f| f.contains(".item()")));
    // Sampled every 500 ms: 60 samples in 29.5 s.
    assert!((r.summary.duration_s - 29.5).abs() < 1e-9);
}

#[test]
fn idle() {
    let r = replay("idle.csv");
    assert_eq!(r.verdict, Some(Verdict::Idle), "{}", r.explanation);
    let g = &r.gpus[0];
    // gpu_idle is a clock-event reason but not a slowdown: low clocks here are not throttling.
    assert!(g.stats.reasons.is_empty());
    assert!(g.stats.clock_ratio.unwrap() < 0.2);
    assert!(g.explanation.contains("0 MiB used"), "{}", g.explanation);
}

#[test]
fn throttled() {
    let r = replay("throttled.csv");
    assert_eq!(r.verdict, Some(Verdict::Throttled), "{}", r.explanation);
    let g = &r.gpus[0];
    assert!(g.stats.clock_ratio.unwrap() < 0.7);
    let reasons: Vec<&str> = g.stats.reasons.iter().map(|r| r.id()).collect();
    assert_eq!(reasons, ["sw-thermal-slowdown", "hw-thermal-slowdown"]);
    assert!(
        g.explanation.contains("/1980 MHz mean"),
        "{}",
        g.explanation
    );
    assert!(g.explanation.contains("°C"), "{}", g.explanation);
    assert!(g.fix.iter().any(|f| f.contains("cooling")));
}

#[test]
fn process_exits_mid_run() {
    let r = replay("process_exit.csv");
    assert_eq!(r.verdict, Some(Verdict::Healthy), "{}", r.explanation);
    let t = &r.summary.time_s;
    assert!(t.healthy > 15.0 && t.idle > 5.0, "{t:?}");
    let released: Vec<_> = r
        .summary
        .events
        .iter()
        .filter(|e| e.kind == EventKind::MemoryReleased)
        .collect();
    assert_eq!(released.len(), 1);
    assert!((released[0].t_s - 25.0).abs() < 1e-9);
}

#[test]
fn gpu_lost_mid_run() {
    let r = replay("gpu_lost.csv");
    assert_eq!(r.verdict, Some(Verdict::Healthy), "{}", r.explanation);
    assert_eq!(r.gpus.len(), 2);
    assert_eq!(r.gpus[0].lost_at_s, None);
    assert_eq!(r.gpus[1].lost_at_s, Some(20.0));
    assert!(r.gpus[1].explanation.contains("the GPU was lost at 20.0 s"));
    assert!(
        r.explanation.ends_with("; gpu1 was lost at 20.0 s"),
        "{}",
        r.explanation
    );
    let lost: Vec<_> = r
        .summary
        .events
        .iter()
        .filter(|e| e.kind == EventKind::GpuLost)
        .collect();
    assert_eq!(lost.len(), 2, "{lost:?}");
    assert_eq!(lost[0].gpu, Some(1));
    assert!(
        lost[1]
            .message
            .contains("Unable to determine the device handle")
    );
    // Lost, not also reported as disappeared.
    assert!(
        !r.summary
            .events
            .iter()
            .any(|e| e.kind == EventKind::GpuDisappeared)
    );
}

#[test]
fn noheader_nounits_with_fields() {
    let fields: Vec<String> =
        "timestamp,index,utilization.gpu,memory.used,memory.total,clocks.sm,clocks.max.sm"
            .split(',')
            .map(String::from)
            .collect();
    let r = replay_with("noheader_nounits.csv", Some(&fields));
    assert_eq!(r.verdict, Some(Verdict::Healthy), "{}", r.explanation);
    assert_eq!(r.gpus[0].stats.clock_ratio, Some(1.0));
    let mut bare = CsvReplay::open(&trace("noheader_nounits.csv"), None).unwrap();
    assert!(bare.sample().unwrap_err().to_string().contains("--fields"));
}

#[test]
fn report_serializes_the_contract_ids() {
    let r = replay("input_bound.csv");
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["verdict"], "input-bound");
    assert!(v["summary"]["time_s"]["input-bound"].as_f64().unwrap() > 0.0);
    let ids: Vec<&str> = Verdict::ALL.iter().map(|v| v.id()).collect();
    assert_eq!(
        ids,
        [
            "healthy",
            "input-bound",
            "host-sync",
            "idle",
            "throttled",
            "not-using-gpu"
        ]
    );
    for v in Verdict::ALL {
        assert_eq!(serde_json::to_value(v).unwrap(), v.id());
    }
}
