//! What the replay + verdict path costs: a generated 24-hour `nvidia-smi --query-gpu ... -l 1`
//! log (86,400 samples of one GPU, every field `cudoctor watch` reads) through [`CsvReplay`]
//! and [`Watcher`], with the CPU time per sample and the resident memory at the start, after
//! 1 h, 12 h and 24 h of samples (flat memory: the window and the histograms are bounded).
//! A figure to report, not a test: `cargo run --release -p cudoctor-watch --example replay_cost`.
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::fmt::Write as _;
use std::time::Instant;

use cudoctor_watch::{CsvReplay, Sampler, Watcher};

const HEADER: &str = "timestamp, index, name, uuid, utilization.gpu [%], utilization.memory [%], memory.used [MiB], memory.total [MiB], power.draw [W], clocks.current.sm [MHz], clocks.max.sm [MHz], temperature.gpu, clocks_event_reasons.sw_power_cap, clocks_event_reasons.hw_slowdown, clocks_event_reasons.sw_thermal_slowdown, clocks_event_reasons.hw_thermal_slowdown";

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn main() {
    let n = 86_400u64;
    let mut log = String::with_capacity(300 * n as usize);
    log.push_str(HEADER);
    log.push('\n');
    for i in 0..n {
        let (h, m, s) = (i / 3600, (i / 60) % 60, i % 60);
        // A day of jobs: 40 min of training, 10 of data loading, 10 idle, repeating.
        let phase = (i / 60) % 60;
        let (util, mem) = match phase {
            0..40 => (90 + i % 10, 30_000 + i % 800),
            40..50 => (if i % 6 == 0 { 95 } else { 2 }, 30_000),
            _ => (0, 3),
        };
        let _ = writeln!(
            log,
            "2026/11/30 {h:02}:{m:02}:{s:02}.123, 0, NVIDIA A100-SXM4-80GB, GPU-3f2a9c4e-8b1d-4f6a-9e2c-7d5b1a0c9e11, {util} %, {} %, {mem} MiB, 81920 MiB, {}.25 W, 1410 MHz, 1410 MHz, 61, Not Active, Not Active, Not Active, Not Active",
            util / 2,
            60 + util * 3
        );
    }
    println!(
        "generated {n} samples, {:.1} MiB of CSV",
        log.len() as f64 / 1_048_576.0
    );
    let mut replay = CsvReplay::new(log.as_bytes(), "generated.csv", None);
    let mut watcher = Watcher::new();
    let rss0 = rss_kib();
    let start = Instant::now();
    let mut count = 0u64;
    let mut marks = Vec::new();
    while let Some(s) = replay.sample().unwrap() {
        watcher.push(&s);
        count += 1;
        if count == 1 || count == 3600 || count == 43_200 || count == n {
            marks.push((count, rss_kib()));
        }
    }
    let elapsed = start.elapsed();
    let report = watcher.report("generated");
    println!(
        "{count} samples in {:.3} s: {:.2} µs per sample (CsvReplay + Watcher)",
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1e6 / count as f64
    );
    println!("resident memory before the replay: {rss0} KiB (the generated log itself included)");
    for (c, kib) in marks {
        println!("  after {c:>6} samples: {kib} KiB");
    }
    println!(
        "verdict {:?}; time {:?}; {} events",
        report.verdict.map(cudoctor_watch::Verdict::id),
        report.summary.time_s,
        report.summary.events.len()
    );
}
