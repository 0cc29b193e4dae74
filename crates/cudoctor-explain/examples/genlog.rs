//! Deterministic generator of a large training log with few known errors, for `bench/explain.sh`.
//!
//! `genlog OUT BYTES [EVERY]` writes about BYTES bytes of log lines to OUT; every EVERY-th line
//! (default 500000) is one of the signature examples, all other lines are ordinary output.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::format_push_string,
    clippy::many_single_char_names
)]

use std::io::{BufWriter, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(out), Some(bytes)) = (args.get(1), args.get(2).and_then(|b| b.parse::<u64>().ok()))
    else {
        eprintln!("usage: genlog OUT BYTES [EVERY]");
        return ExitCode::FAILURE;
    };
    let every: u64 = args.get(3).and_then(|e| e.parse().ok()).unwrap_or(500_000);
    let examples: Vec<String> = cudoctor_explain::signatures()
        .iter()
        .filter(|s| s.context.is_none())
        .map(|s| s.examples[0].clone())
        .collect();
    let file = match std::fs::File::create(out) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: creating `{out}`: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut written: u64 = 0;
    let mut line_no: u64 = 0;
    let mut injected = 0usize;
    let mut buf = String::with_capacity(512);
    while written < bytes {
        line_no += 1;
        buf.clear();
        let r = next();
        let (h, m, s, us) = (
            (line_no / 3_600_000) % 24,
            (line_no / 60_000) % 60,
            (line_no / 1000) % 60,
            r % 1_000_000,
        );
        if line_no % every == 0 {
            buf.push_str(&examples[injected % examples.len()]);
            injected += 1;
        } else {
            match r % 8 {
                0 => buf.push_str(&format!(
                    "2026-11-26 {h:02}:{m:02}:{s:02}.{us:06}: I tensorflow/core/platform/cpu_feature_guard.cc:182] This TensorFlow binary is optimized to use available CPU instructions in performance-critical operations."
                )),
                1 | 2 => buf.push_str(&format!(
                    "Epoch {}/100 - step {} - loss: 0.{:04} - accuracy: 0.{:04} - lr: 1.0e-04 - {} ms/step",
                    line_no % 100 + 1,
                    line_no,
                    r % 10_000,
                    (r >> 16) % 10_000,
                    (r >> 32) % 900 + 100
                )),
                3 => buf.push_str(&format!(
                    "[rank{}]:[I1126 {h:02}:{m:02}:{s:02}.{us:06} {} ProcessGroupNCCL.cpp:{}] [PG ID 0 PG GUID 0(default_pg) Rank {}] heartbeat monitor ok",
                    r % 8,
                    (r >> 8) % 60_000,
                    (r >> 24) % 3000,
                    r % 8
                )),
                4 => buf.push_str(&format!(
                    "INFO:trainer:Saving checkpoint to /data/checkpoints/run-{}/model-{}.pt ({} MB)",
                    (r >> 40) % 100,
                    line_no,
                    (r >> 20) % 4096
                )),
                5 => buf.push_str(&format!(
                    "  File \"/usr/local/lib/python3.10/dist-packages/torch/nn/modules/module.py\", line {}, in _call_impl",
                    (r >> 12) % 2000
                )),
                6 => buf.push_str(&format!(
                    "GPU {}: {} MiB / 81559 MiB used, utilization {}%, temperature {} C, power {} W",
                    r % 8,
                    (r >> 10) % 81_559,
                    (r >> 30) % 101,
                    (r >> 40) % 50 + 30,
                    (r >> 48) % 400 + 50
                )),
                _ => buf.push_str(&format!(
                    "W0000 00:00:{}.{us:06} {} gpu_timer.cc:114] Skipping the delay kernel, measurement accuracy will be reduced",
                    line_no,
                    (r >> 8) % 60_000
                )),
            }
        }
        buf.push('\n');
        if let Err(e) = w.write_all(buf.as_bytes()) {
            eprintln!("error: writing `{out}`: {e}");
            return ExitCode::FAILURE;
        }
        written += buf.len() as u64;
    }
    if let Err(e) = w.flush() {
        eprintln!("error: writing `{out}`: {e}");
        return ExitCode::FAILURE;
    }
    println!("wrote {written} bytes, {line_no} lines, {injected} injected error lines to {out}");
    ExitCode::SUCCESS
}
