//! What a running GPU job is doing, and what to do about it: `cudoctor watch`'s library.
//!
//! Samples come from a [`Sampler`]: [`NvmlSampler`] asks NVML (`libnvidia-ml.so.1`, loaded with
//! `dlopen` by an absolute path the caller chose), [`CsvReplay`] reads a recorded
//! `nvidia-smi --query-gpu=... --format=csv -l 1` log and [`JsonlReplay`] reads our own
//! `--format jsonl` recordings. A [`Watcher`] judges the samples over a sliding window (30 s or
//! 60 samples) and gives each GPU one of the [`Verdict`]s, whose ids are a public contract:
//! `healthy`, `input-bound`, `host-sync`, `idle`, `throttled`, `not-using-gpu`. Each verdict
//! carries its numbers and a fix; the run ends in a [`Report`] (`cudoctor watch --format json`).
//! [`proctree`] follows a command's process tree through `/proc`, so GPU processes can be
//! attributed to it. With the `tui` feature, [`tui::View`] draws the terminal view's frames
//! (ratatui); the terminal itself is the command's.
//!
//! What it does not do: it never starts, stops or changes anything on the GPU (no clocks, no
//! power limits, no persistence mode), never profiles kernels (the verdicts read utilization
//! counters that NVML averages over its own sampling period, so a host sync at the millisecond
//! scale shows as a steady middle utilization, not as alternating samples), and never loads NVML
//! from a relative path or by searching: finding the file is the loader emulation's job
//! (`cudoctor_probe::which`). Besides the `tui` frames it holds no rendering code.

pub mod analysis;
pub mod csv;
pub mod jsonl;
pub mod nvml;
pub mod proctree;
pub mod sample;
#[cfg(feature = "tui")]
pub mod tui;

pub use analysis::{
    Assessment, Event, EventKind, GpuReport, Report, StateTimes, Summary, Verdict, Watcher,
    WindowConfig, WindowStats,
};
pub use csv::CsvReplay;
pub use jsonl::JsonlReplay;
pub use nvml::NvmlSampler;
pub use sample::{GpuProcess, GpuSample, LostGpu, Sample, SampleError, Sampler, ThrottleReason};
