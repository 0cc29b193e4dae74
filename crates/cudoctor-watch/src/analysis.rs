//! The verdicts: each GPU's samples over a sliding window, judged by the rules below, and the
//! run's summary.
//!
//! The rules, in the order they are tried (the first that holds wins):
//!
//! 1. `throttled`: in at least [`THROTTLED_MIN_SHARE`] of the samples the SM clock is under
//!    [`THROTTLE_CLOCK_RATIO`] of its maximum while a thermal, power or hardware slowdown reason
//!    is active.
//! 2. `idle`: no compute process (or, when the source does not list processes, no more than
//!    [`MEM_FLOOR_MIB`] used) and SM utilization p95 under [`LOW_UTIL`].
//! 3. `host-sync`: the utilization is bimodal (under [`LOW_UTIL`] or at least [`HIGH_UTIL`] in
//!    [`HOST_SYNC_MIN_BIMODAL_SHARE`] of the samples, each side at least
//!    [`HOST_SYNC_MIN_PHASE_SHARE`]) and alternates in short bursts: at least
//!    [`HOST_SYNC_MIN_SWITCHES`] switches, both phases at most [`HOST_SYNC_MAX_MEAN_RUN`]
//!    samples long on average, and the waiting samples not the majority (under
//!    [`INPUT_BOUND_MIN_LOW_SHARE`]: a GPU that mostly waits is `input-bound`).
//! 4. `input-bound`: a process holds GPU memory (or more than [`MEM_FLOOR_MIB`] is used) while
//!    the SM utilization is under [`LOW_UTIL`] in at least [`INPUT_BOUND_MIN_LOW_SHARE`] of the
//!    samples.
//! 5. `healthy`: SM utilization p50 at least [`HEALTHY_SM_P50`], under [`LOW_UTIL`] in less than
//!    [`HEALTHY_MAX_LOW_SHARE`] of the samples, and the memory used stable or rising (it fell by
//!    no more than [`MEM_DROP_TOLERANCE`] of the total).
//!
//! Anything else (a steady 40%, say) is left undecided: no rule claims it. `not-using-gpu` is
//! the run's verdict, not a window's: with `-- COMMAND`, the command's process tree used at
//! least [`NOT_USING_GPU_MIN_CPU_S`] of CPU time and none of its processes ever appeared among
//! the GPU processes.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write as _;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::sample::{Sample, ThrottleReason};

/// S12: "GPU-Util steadily above 70% with memory use rising means the pipeline is healthy".
pub const HEALTHY_SM_P50: f64 = 70.0;
/// S12: "utilization staying below 10% points to an input-pipeline bottleneck or to the GPU not
/// being used at all": a sample under this is a GPU waiting.
pub const LOW_UTIL: u8 = 10;
/// `healthy` tolerates this share of waiting samples ("steadily": under 10% of them).
pub const HEALTHY_MAX_LOW_SHARE: f64 = 0.10;
/// `input-bound`: "most samples" below [`LOW_UTIL`]. Clearly most: a GPU waiting half the time
/// in short alternations is `host-sync`'s pattern.
pub const INPUT_BOUND_MIN_LOW_SHARE: f64 = 0.6;
/// A busy sample, for `host-sync`'s "~100".
pub const HIGH_UTIL: u8 = 80;
/// `host-sync`: each side (waiting, busy) holds at least this share of the samples.
pub const HOST_SYNC_MIN_PHASE_SHARE: f64 = 0.2;
/// `host-sync`: waiting plus busy samples hold at least this share (few in-between values).
pub const HOST_SYNC_MIN_BIMODAL_SHARE: f64 = 0.8;
/// `host-sync`: at least this many switches between waiting and busy in the window.
pub const HOST_SYNC_MIN_SWITCHES: usize = 4;
/// `host-sync`: "bursts of a few samples": the mean length of a waiting or a busy phase.
pub const HOST_SYNC_MAX_MEAN_RUN: f64 = 5.0;
/// `throttled`: the SM clock "well under max".
pub const THROTTLE_CLOCK_RATIO: f64 = 0.8;
/// `throttled`: the share of samples that must be throttled.
pub const THROTTLED_MIN_SHARE: f64 = 0.5;
/// Memory a GPU shows with no job (the driver, a display server): above it, something holds
/// the GPU.
pub const MEM_FLOOR_MIB: u64 = 512;
/// "Memory stable or rising": a fall of at most this share of the total.
pub const MEM_DROP_TOLERANCE: f64 = 0.05;
/// No verdict from fewer samples than this.
pub const MIN_SAMPLES: usize = 5;
/// `not-using-gpu`: the CPU time the command's tree must have used.
pub const NOT_USING_GPU_MIN_CPU_S: f64 = 0.5;

/// A verdict. The ids (`serde`, [`Verdict::id`]) are a public contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Healthy,
    InputBound,
    HostSync,
    Idle,
    Throttled,
    NotUsingGpu,
}

impl Verdict {
    /// Every verdict.
    pub const ALL: [Self; 6] = [
        Self::Healthy,
        Self::InputBound,
        Self::HostSync,
        Self::Idle,
        Self::Throttled,
        Self::NotUsingGpu,
    ];

    /// The public id.
    pub fn id(self) -> &'static str {
        match self {
            Self::Healthy => "healthy",
            Self::InputBound => "input-bound",
            Self::HostSync => "host-sync",
            Self::Idle => "idle",
            Self::Throttled => "throttled",
            Self::NotUsingGpu => "not-using-gpu",
        }
    }

    /// Which wins a tie in time: the one that needs acting on.
    fn priority(self) -> u8 {
        match self {
            Self::NotUsingGpu => 6,
            Self::Throttled => 5,
            Self::HostSync => 4,
            Self::InputBound => 3,
            Self::Healthy => 2,
            Self::Idle => 1,
        }
    }

    /// What to do.
    pub fn fix(self) -> Vec<String> {
        let v: &[&str] = match self {
            Self::Healthy => &[],
            Self::InputBound => &[
                "TensorFlow: end the input pipeline with `dataset.prefetch(tf.data.AUTOTUNE)`, decode in parallel with `dataset.map(f, num_parallel_calls=tf.data.AUTOTUNE)`, and `dataset.cache()` what fits in memory",
                "PyTorch: `DataLoader(..., num_workers=N, pin_memory=True, persistent_workers=True)` with N about the number of CPU cores",
                "check that the data is on a fast local disk, not read from a network share per step",
            ],
            Self::HostSync => &[
                "avoid `.item()`, `.cpu()`, `.numpy()` or printing a tensor every step: each one waits for the GPU; log every N steps",
                "copy to the GPU with `tensor.to(device, non_blocking=True)` from pinned memory (`pin_memory=True`)",
                "TensorFlow: keep the training step in a `tf.function` and avoid `.numpy()` inside it",
            ],
            Self::Idle => {
                &["nothing runs here; if your job should be using this GPU, run `cudoctor check`"]
            }
            Self::Throttled => &[
                "thermal: improve cooling (airflow, fan curve, dust, room temperature); `nvidia-smi -q -d TEMPERATURE,PERFORMANCE` shows the slowdown temperatures",
                "power: check the power limit (`nvidia-smi -q -d POWER`) against the board's default and the power supply; `hw-power-brake-slowdown` means the system asserted the power brake",
            ],
            Self::NotUsingGpu => &[
                "run `cudoctor check` to see why the framework does not see the GPU (driver, CUDA and cuDNN versions, a CPU-only build)",
                "confirm from the framework: `tf.config.list_physical_devices('GPU')`, `torch.cuda.is_available()`, `jax.devices()`",
            ],
        };
        v.iter().map(|s| (*s).to_owned()).collect()
    }
}

/// The window: the last `duration` or the last `samples` samples, whichever is fewer.
#[derive(Debug, Clone, Copy)]
pub struct WindowConfig {
    pub duration: Duration,
    pub samples: usize,
}

impl Default for WindowConfig {
    fn default() -> Self {
        Self {
            duration: Duration::from_secs(30),
            samples: 60,
        }
    }
}

/// The numbers a verdict rests on, over one window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WindowStats {
    /// Samples in the window.
    pub samples: usize,
    /// Seconds the window spans.
    pub span_s: f64,
    pub sm_util_mean: Option<f64>,
    pub sm_util_p50: Option<u8>,
    pub sm_util_p95: Option<u8>,
    /// Share of samples with SM utilization under [`LOW_UTIL`].
    pub share_below_10: Option<f64>,
    /// Share of samples with SM utilization at least [`HIGH_UTIL`].
    pub share_busy: Option<f64>,
    /// Switches between waiting and busy samples.
    pub switches: usize,
    /// Mean SM clock over mean max SM clock.
    pub clock_ratio: Option<f64>,
    pub sm_clock_mhz_mean: Option<f64>,
    pub max_sm_clock_mhz: Option<u32>,
    /// Share of samples throttled (clock under [`THROTTLE_CLOCK_RATIO`] of max with a
    /// slowdown reason).
    pub throttled_share: Option<f64>,
    /// The slowdown reasons active in any sample.
    pub reasons: Vec<ThrottleReason>,
    pub temperature_c_max: Option<u32>,
    pub mem_used_first_mib: Option<u64>,
    pub mem_used_last_mib: Option<u64>,
    pub mem_used_peak_mib: Option<u64>,
    pub mem_total_mib: Option<u64>,
    /// Compute processes seen in the window; `None` when the source does not list them.
    pub processes: Option<usize>,
}

/// One verdict with its numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    /// `None`: too few samples, or no rule holds.
    pub verdict: Option<Verdict>,
    pub explanation: String,
    pub fix: Vec<String>,
    pub stats: WindowStats,
}

#[derive(Debug, Clone)]
struct Point {
    t: Duration,
    sm: Option<u8>,
    mem_used: Option<u64>,
    mem_total: Option<u64>,
    clock: Option<u32>,
    max_clock: Option<u32>,
    temp: Option<u32>,
    slowdowns: Vec<ThrottleReason>,
    processes: Option<usize>,
}

/// Seconds per verdict (GPU-seconds in a summary over several GPUs).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StateTimes {
    pub healthy: f64,
    #[serde(rename = "input-bound")]
    pub input_bound: f64,
    #[serde(rename = "host-sync")]
    pub host_sync: f64,
    pub idle: f64,
    pub throttled: f64,
    #[serde(rename = "not-using-gpu")]
    pub not_using_gpu: f64,
    /// Too few samples yet, or no rule held.
    pub undecided: f64,
}

impl StateTimes {
    fn slot(&mut self, v: Option<Verdict>) -> &mut f64 {
        match v {
            Some(Verdict::Healthy) => &mut self.healthy,
            Some(Verdict::InputBound) => &mut self.input_bound,
            Some(Verdict::HostSync) => &mut self.host_sync,
            Some(Verdict::Idle) => &mut self.idle,
            Some(Verdict::Throttled) => &mut self.throttled,
            Some(Verdict::NotUsingGpu) => &mut self.not_using_gpu,
            None => &mut self.undecided,
        }
    }

    fn get(&self, v: Verdict) -> f64 {
        match v {
            Verdict::Healthy => self.healthy,
            Verdict::InputBound => self.input_bound,
            Verdict::HostSync => self.host_sync,
            Verdict::Idle => self.idle,
            Verdict::Throttled => self.throttled,
            Verdict::NotUsingGpu => self.not_using_gpu,
        }
    }

    fn add(&mut self, other: &Self) {
        for v in Verdict::ALL {
            *self.slot(Some(v)) += other.get(v);
        }
        self.undecided += other.undecided;
    }

    fn round(&mut self) {
        for v in Verdict::ALL {
            let s = self.slot(Some(v));
            *s = round3(*s);
        }
        self.undecided = round3(self.undecided);
    }

    /// The verdict that held longest: `idle` only when nothing else held at all.
    fn dominant(&self) -> Option<Verdict> {
        let best = |pool: &[Verdict]| {
            pool.iter()
                .copied()
                .filter(|v| self.get(*v) > 0.0)
                .max_by(|a, b| {
                    self.get(*a)
                        .total_cmp(&self.get(*b))
                        .then(a.priority().cmp(&b.priority()))
                })
        };
        let busy: Vec<Verdict> = Verdict::ALL
            .into_iter()
            .filter(|v| *v != Verdict::Idle)
            .collect();
        best(&busy).or_else(|| best(&[Verdict::Idle]))
    }
}

/// Something that happened during the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub t_s: f64,
    pub gpu: Option<u32>,
    pub kind: EventKind,
    pub message: String,
}

/// What kind of event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    /// The GPU answered `GPU is lost` (or nvidia-smi could not reach it).
    GpuLost,
    /// A GPU seen before was no longer in the samples.
    GpuDisappeared,
    /// The memory used fell to the idle floor: the job holding it ended (or freed it).
    MemoryReleased,
    /// A compute process left the GPU.
    ProcessExited,
    /// The command given after `--` exited.
    CommandExited,
}

/// What the command's process tree looked like in one sample.
#[derive(Debug, Clone, Default)]
pub struct CommandObservation {
    pub pids: BTreeSet<u32>,
    pub cpu_s: f64,
}

/// The command followed with `-- COMMAND`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CommandSummary {
    pub argv: Vec<String>,
    /// Its exit code (128 + the signal when a signal ended it); `None` while it runs.
    pub exit_code: Option<i32>,
    /// Processes of its tree seen in `/proc`.
    pub pids_seen: usize,
    /// Its processes that appeared among the GPU processes.
    pub gpu_pids: Vec<u32>,
    /// CPU seconds its tree used (as far as `/proc` showed).
    pub cpu_s: f64,
    /// Whether the GPU source lists processes at all (attribution needs it).
    pub processes_listed: bool,
}

struct GpuTrack {
    index: u32,
    name: Option<String>,
    uuid: Option<String>,
    window: VecDeque<Point>,
    hist: [u64; 101],
    util_sum: f64,
    util_n: u64,
    peak_mem: Option<u64>,
    mem_total: Option<u64>,
    time: StateTimes,
    last_of: BTreeMap<Verdict, Assessment>,
    live: Assessment,
    lost_at: Option<f64>,
    mem_above_floor: bool,
    last_pids: BTreeSet<u32>,
}

/// Judges samples as they come.
pub struct Watcher {
    config: WindowConfig,
    gpus: BTreeMap<u32, GpuTrack>,
    last_t: Option<Duration>,
    first_t: Option<Duration>,
    samples: u64,
    events: Vec<Event>,
    command: Option<CommandSummary>,
    command_pids: BTreeSet<u32>,
    processes_listed: bool,
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

fn gib(mib: u64) -> String {
    format!("{:.1} GiB", mib as f64 / 1024.0)
}

fn pct(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

/// The nearest-rank percentile of sorted values.
fn percentile(sorted: &[u8], p: f64) -> Option<u8> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// The same over a histogram of 0..=100.
fn hist_percentile(hist: &[u64; 101], p: f64) -> Option<u8> {
    let n: u64 = hist.iter().sum();
    if n == 0 {
        return None;
    }
    let rank = (((p / 100.0) * n as f64).ceil() as u64).clamp(1, n);
    let mut seen = 0;
    for (v, c) in hist.iter().enumerate() {
        seen += c;
        if seen >= rank {
            return Some(v as u8);
        }
    }
    Some(100)
}

/// Judges one window.
fn assess(window: &VecDeque<Point>) -> Assessment {
    let stats = window_stats(window);
    let n_util = window.iter().filter(|p| p.sm.is_some()).count();
    let undecided = |why: String| Assessment {
        verdict: None,
        explanation: why,
        fix: Vec::new(),
        stats: stats.clone(),
    };
    if n_util < MIN_SAMPLES {
        return undecided(format!(
            "{n_util} sample(s) with SM utilization in the window; a verdict needs {MIN_SAMPLES}"
        ));
    }
    let (Some(mean), Some(p50), Some(p95), Some(low), Some(busy)) = (
        stats.sm_util_mean,
        stats.sm_util_p50,
        stats.sm_util_p95,
        stats.share_below_10,
        stats.share_busy,
    ) else {
        return undecided("no SM utilization in the window".to_owned());
    };
    let util = format!("SM utilization mean {mean:.1}%, p50 {p50}%, p95 {p95}%");
    let over = format!(
        "over the last {} samples ({:.1} s)",
        stats.samples, stats.span_s
    );
    let reasons: Vec<&str> = stats.reasons.iter().map(|r| r.id()).collect();
    let mem_now = stats.mem_used_last_mib.unwrap_or(0);
    let holds = match stats.processes {
        Some(n) => n > 0 || mem_now > MEM_FLOOR_MIB,
        None => mem_now > MEM_FLOOR_MIB,
    };
    let with = |verdict: Verdict, explanation: String| Assessment {
        verdict: Some(verdict),
        explanation,
        fix: verdict.fix(),
        stats: stats.clone(),
    };

    // 1. throttled
    if let (Some(share), Some(ratio)) = (stats.throttled_share, stats.clock_ratio) {
        if share >= THROTTLED_MIN_SHARE {
            let temp = stats
                .temperature_c_max
                .map(|t| format!("; up to {t} °C"))
                .unwrap_or_default();
            return with(
                Verdict::Throttled,
                format!(
                    "the SM clock ran at {:.0}% of its maximum ({:.0}/{} MHz mean) and was under {:.0}% of it with {} active in {} of the samples {over}{temp}; {util}",
                    ratio * 100.0,
                    stats.sm_clock_mhz_mean.unwrap_or(0.0),
                    stats.max_sm_clock_mhz.unwrap_or(0),
                    THROTTLE_CLOCK_RATIO * 100.0,
                    reasons.join(", "),
                    pct(share),
                ),
            );
        }
    }
    // 2. idle
    if !holds && p95 < LOW_UTIL {
        let procs = match stats.processes {
            Some(_) => "no compute process".to_owned(),
            None => format!("{mem_now} MiB used (at most {MEM_FLOOR_MIB} MiB: no job holds it)"),
        };
        return with(Verdict::Idle, format!("{procs} and no load: {util} {over}"));
    }
    // 3. host-sync
    let mean_run = if stats.switches > 0 {
        n_util as f64 / (stats.switches + 1) as f64
    } else {
        f64::INFINITY
    };
    if (HOST_SYNC_MIN_PHASE_SHARE..INPUT_BOUND_MIN_LOW_SHARE).contains(&low)
        && busy >= HOST_SYNC_MIN_PHASE_SHARE
        && low + busy >= HOST_SYNC_MIN_BIMODAL_SHARE
        && stats.switches >= HOST_SYNC_MIN_SWITCHES
        && mean_run <= HOST_SYNC_MAX_MEAN_RUN
    {
        return with(
            Verdict::HostSync,
            format!(
                "SM utilization alternates between under {LOW_UTIL}% ({} of the samples) and at least {HIGH_UTIL}% ({}), switching {} times, {mean_run:.1} samples per phase on average {over}: the GPU waits for the host between short bursts; {util}",
                pct(low),
                pct(busy),
                stats.switches,
            ),
        );
    }
    // 4. input-bound
    if holds && low >= INPUT_BOUND_MIN_LOW_SHARE {
        let who = match stats.processes {
            Some(n) if n > 0 => format!("{n} process(es) hold {} on the GPU", gib(mem_now)),
            _ => format!("{} of GPU memory is in use", gib(mem_now)),
        };
        return with(
            Verdict::InputBound,
            format!(
                "{who}, but SM utilization was under {LOW_UTIL}% in {} of the samples {over} ({util}): the GPU waits for its input between bursts (S12: below 10% points to an input-pipeline bottleneck)",
                pct(low),
            ),
        );
    }
    // 5. healthy
    let first = stats.mem_used_first_mib;
    let last = stats.mem_used_last_mib;
    let total = stats.mem_total_mib;
    let mem_ok = match (first, last, total) {
        (Some(f), Some(l), Some(t)) => l as f64 >= f as f64 - MEM_DROP_TOLERANCE * t as f64,
        _ => true,
    };
    let mem = match (first, last) {
        (Some(f), Some(l)) => format!("memory {} -> {}", gib(f), gib(l)),
        _ => "memory not reported".to_owned(),
    };
    if f64::from(p50) >= HEALTHY_SM_P50 && low < HEALTHY_MAX_LOW_SHARE && mem_ok {
        return with(
            Verdict::Healthy,
            format!(
                "{util} {over}, {} of the samples under {LOW_UTIL}%; {mem} (stable or rising). S12: steadily above 70% with memory stable or rising is a healthy pipeline",
                pct(low)
            ),
        );
    }
    undecided(format!(
        "no rule holds: {util} {over}, {} of the samples under {LOW_UTIL}%; {mem}",
        pct(low)
    ))
}

fn window_stats(window: &VecDeque<Point>) -> WindowStats {
    let mut utils: Vec<u8> = window.iter().filter_map(|p| p.sm).collect();
    let n = utils.len();
    let mut s = WindowStats {
        samples: window.len(),
        span_s: match (window.front(), window.back()) {
            (Some(a), Some(b)) => round3(b.t.saturating_sub(a.t).as_secs_f64()),
            _ => 0.0,
        },
        ..WindowStats::default()
    };
    if n > 0 {
        let sum: f64 = utils.iter().map(|&u| f64::from(u)).sum();
        s.sm_util_mean = Some(round1(sum / n as f64));
        s.share_below_10 = Some(round3(
            utils.iter().filter(|&&u| u < LOW_UTIL).count() as f64 / n as f64,
        ));
        s.share_busy = Some(round3(
            utils.iter().filter(|&&u| u >= HIGH_UTIL).count() as f64 / n as f64,
        ));
        // Switches between the waiting and busy phases, middle values ignored.
        let mut phase: Option<bool> = None;
        for &u in &utils {
            let p = if u < LOW_UTIL {
                Some(false)
            } else if u >= HIGH_UTIL {
                Some(true)
            } else {
                None
            };
            if let Some(p) = p {
                if phase.is_some_and(|q| q != p) {
                    s.switches += 1;
                }
                phase = Some(p);
            }
        }
        utils.sort_unstable();
        s.sm_util_p50 = percentile(&utils, 50.0);
        s.sm_util_p95 = percentile(&utils, 95.0);
    }
    let clocks: Vec<(u32, u32)> = window
        .iter()
        .filter_map(|p| Some((p.clock?, p.max_clock?)))
        .filter(|(_, m)| *m > 0)
        .collect();
    if !clocks.is_empty() {
        let c: f64 = clocks.iter().map(|(c, _)| f64::from(*c)).sum::<f64>() / clocks.len() as f64;
        let m: f64 = clocks.iter().map(|(_, m)| f64::from(*m)).sum::<f64>() / clocks.len() as f64;
        s.clock_ratio = Some(round3(c / m));
        s.sm_clock_mhz_mean = Some(round1(c));
        s.max_sm_clock_mhz = clocks.iter().map(|(_, m)| *m).max();
        let throttled = window
            .iter()
            .filter(|p| match (p.clock, p.max_clock) {
                (Some(c), Some(m)) if m > 0 => {
                    f64::from(c) < THROTTLE_CLOCK_RATIO * f64::from(m) && !p.slowdowns.is_empty()
                }
                _ => false,
            })
            .count();
        s.throttled_share = Some(round3(throttled as f64 / clocks.len() as f64));
    }
    let mut reasons: BTreeSet<ThrottleReason> = BTreeSet::new();
    for p in window {
        reasons.extend(p.slowdowns.iter().copied());
    }
    s.reasons = reasons.into_iter().collect();
    s.temperature_c_max = window.iter().filter_map(|p| p.temp).max();
    s.mem_used_first_mib = window.iter().find_map(|p| p.mem_used);
    s.mem_used_last_mib = window.iter().rev().find_map(|p| p.mem_used);
    s.mem_used_peak_mib = window.iter().filter_map(|p| p.mem_used).max();
    s.mem_total_mib = window.iter().rev().find_map(|p| p.mem_total);
    let listed: Vec<usize> = window.iter().filter_map(|p| p.processes).collect();
    s.processes = (!listed.is_empty()).then(|| listed.iter().copied().max().unwrap_or(0));
    s
}

impl Watcher {
    /// A watcher with the default window (30 s or 60 samples).
    pub fn new() -> Self {
        Self::with_config(WindowConfig::default())
    }

    /// A watcher with the window `config`.
    pub fn with_config(config: WindowConfig) -> Self {
        Self {
            config,
            gpus: BTreeMap::new(),
            last_t: None,
            first_t: None,
            samples: 0,
            events: Vec::new(),
            command: None,
            command_pids: BTreeSet::new(),
            processes_listed: false,
        }
    }

    /// Follows the command `argv` (its observations come with [`Watcher::push_with`]).
    pub fn follow_command(&mut self, argv: Vec<String>) {
        self.command = Some(CommandSummary {
            argv,
            ..CommandSummary::default()
        });
    }

    /// Records the command's exit code at `t`.
    pub fn command_exited(&mut self, t: Duration, code: i32) {
        if let Some(c) = self.command.as_mut() {
            c.exit_code = Some(code);
            self.events.push(Event {
                t_s: round3(t.as_secs_f64()),
                gpu: None,
                kind: EventKind::CommandExited,
                message: format!("`{}` exited with {code}", c.argv.join(" ")),
            });
        }
    }

    /// Adds a sample.
    pub fn push(&mut self, sample: &Sample) {
        self.push_with(sample, None);
    }

    /// Adds a sample and what the followed command's tree looked like then.
    pub fn push_with(&mut self, sample: &Sample, command: Option<&CommandObservation>) {
        let t = sample.t;
        // The first sample counts for no time: the distance to the next is not known yet.
        let dt = self
            .last_t
            .map_or(Duration::ZERO, |prev| t.saturating_sub(prev));
        self.first_t.get_or_insert(t);
        self.last_t = Some(t);
        self.samples += 1;
        let ts = round3(t.as_secs_f64());
        if let Some(obs) = command {
            self.command_pids.extend(obs.pids.iter().copied());
            if let Some(c) = self.command.as_mut() {
                c.cpu_s = c.cpu_s.max(round3(obs.cpu_s));
                c.pids_seen = self.command_pids.len();
            }
        }
        for lost in &sample.lost {
            let already = lost
                .index
                .and_then(|i| self.gpus.get(&i))
                .is_some_and(|g| g.lost_at.is_some());
            if !already {
                self.events.push(Event {
                    t_s: ts,
                    gpu: lost.index,
                    kind: EventKind::GpuLost,
                    message: lost.message.clone(),
                });
            }
            if let Some(g) = lost.index.and_then(|i| self.gpus.get_mut(&i)) {
                g.lost_at.get_or_insert(ts);
            }
        }
        let present: BTreeSet<u32> = sample.gpus.iter().map(|g| g.index).collect();
        for g in self.gpus.values_mut() {
            if !present.contains(&g.index) && g.lost_at.is_none() {
                g.lost_at = Some(ts);
                self.events.push(Event {
                    t_s: ts,
                    gpu: Some(g.index),
                    kind: EventKind::GpuDisappeared,
                    message: format!("gpu{} is no longer in the samples", g.index),
                });
            }
        }
        for gs in &sample.gpus {
            if gs.processes.is_some() {
                self.processes_listed = true;
            }
            let g = self.gpus.entry(gs.index).or_insert_with(|| GpuTrack {
                index: gs.index,
                name: None,
                uuid: None,
                window: VecDeque::new(),
                hist: [0; 101],
                util_sum: 0.0,
                util_n: 0,
                peak_mem: None,
                mem_total: None,
                time: StateTimes::default(),
                last_of: BTreeMap::new(),
                live: Assessment {
                    verdict: None,
                    explanation: "no sample yet".to_owned(),
                    fix: Vec::new(),
                    stats: WindowStats::default(),
                },
                lost_at: None,
                mem_above_floor: false,
                last_pids: BTreeSet::new(),
            });
            if gs.name.is_some() {
                g.name.clone_from(&gs.name);
            }
            if gs.uuid.is_some() {
                g.uuid.clone_from(&gs.uuid);
            }
            if let Some(u) = gs.sm_util {
                g.hist[usize::from(u.min(100))] += 1;
                g.util_sum += f64::from(u);
                g.util_n += 1;
            }
            // When the job ends (its memory released, its last process gone) the samples
            // before describe it, not the GPU now: the window starts again.
            let mut job_ended = false;
            if let Some(m) = gs.mem_used_mib {
                g.peak_mem = Some(g.peak_mem.map_or(m, |p| p.max(m)));
                let above = m > MEM_FLOOR_MIB;
                if g.mem_above_floor && !above {
                    job_ended = true;
                    self.events.push(Event {
                        t_s: ts,
                        gpu: Some(g.index),
                        kind: EventKind::MemoryReleased,
                        message: format!(
                            "gpu{} memory used fell to {m} MiB: the job holding it ended or freed it",
                            g.index
                        ),
                    });
                }
                g.mem_above_floor = above;
            }
            if gs.mem_total_mib.is_some() {
                g.mem_total = gs.mem_total_mib;
            }
            if let Some(procs) = &gs.processes {
                let pids: BTreeSet<u32> = procs.iter().map(|p| p.pid).collect();
                for gone in g.last_pids.difference(&pids) {
                    self.events.push(Event {
                        t_s: ts,
                        gpu: Some(g.index),
                        kind: EventKind::ProcessExited,
                        message: format!("process {gone} left gpu{}", g.index),
                    });
                }
                if let Some(c) = self.command.as_mut() {
                    for p in &pids {
                        if self.command_pids.contains(p) && !c.gpu_pids.contains(p) {
                            c.gpu_pids.push(*p);
                        }
                    }
                }
                if !g.last_pids.is_empty() && pids.is_empty() {
                    job_ended = true;
                }
                g.last_pids = pids;
            }
            if job_ended {
                g.window.clear();
            }
            g.window.push_back(Point {
                t,
                sm: gs.sm_util,
                mem_used: gs.mem_used_mib,
                mem_total: gs.mem_total_mib,
                clock: gs.sm_clock_mhz,
                max_clock: gs.max_sm_clock_mhz,
                temp: gs.temperature_c,
                slowdowns: gs
                    .throttle
                    .iter()
                    .copied()
                    .filter(|r| r.is_slowdown())
                    .collect(),
                processes: gs.processes.as_ref().map(Vec::len),
            });
            while g.window.len() > self.config.samples
                || g.window
                    .front()
                    .is_some_and(|p| t.saturating_sub(p.t) > self.config.duration)
            {
                g.window.pop_front();
            }
            g.live = assess(&g.window);
            // The window that ends at this sample judges the time since the previous one.
            *g.time.slot(g.live.verdict) += dt.as_secs_f64();
            if let Some(v) = g.live.verdict {
                g.last_of.insert(v, g.live.clone());
            }
        }
    }

    /// The live assessment of GPU `index`.
    pub fn live(&self, index: u32) -> Option<&Assessment> {
        self.gpus.get(&index).map(|g| &g.live)
    }

    /// Whether the followed command is, so far, not using the GPU (see [`NOT_USING_GPU_MIN_CPU_S`]).
    pub fn command_not_using_gpu(&self) -> bool {
        self.command.as_ref().is_some_and(|c| {
            self.processes_listed && c.gpu_pids.is_empty() && c.cpu_s >= NOT_USING_GPU_MIN_CPU_S
        })
    }

    /// The report of the run so far.
    pub fn report(&self, source: &str) -> Report {
        let mut gpus = Vec::new();
        let mut time = StateTimes::default();
        let mut hist = [0u64; 101];
        let mut util_sum = 0.0;
        let mut util_n = 0u64;
        let mut peak: Option<u64> = None;
        for g in self.gpus.values() {
            time.add(&g.time);
            for (h, x) in hist.iter_mut().zip(g.hist.iter()) {
                *h += x;
            }
            util_sum += g.util_sum;
            util_n += g.util_n;
            peak = match (peak, g.peak_mem) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
            let verdict = g.time.dominant().or(g.live.verdict);
            let a = verdict
                .and_then(|v| g.last_of.get(&v))
                .unwrap_or(&g.live)
                .clone();
            let mut gt = g.time.clone();
            gt.round();
            let mut explanation = a.explanation.clone();
            if let Some(at) = g.lost_at {
                let _ = write!(explanation, "; the GPU was lost at {at:.1} s");
            }
            gpus.push(GpuReport {
                index: g.index,
                name: g.name.clone(),
                uuid: g.uuid.clone(),
                verdict: a.verdict,
                explanation,
                fix: a.fix,
                stats: a.stats,
                time_s: gt,
                peak_mem_used_mib: g.peak_mem,
                mem_total_mib: g.mem_total,
                lost_at_s: g.lost_at,
            });
        }
        let mut verdict = time.dominant().or_else(|| {
            gpus.iter()
                .filter_map(|g| g.verdict)
                .max_by_key(|v| v.priority())
        });
        let mut explanation = match verdict {
            Some(v) => {
                let which: Vec<String> = gpus
                    .iter()
                    .filter(|g| g.verdict == Some(v))
                    .map(|g| format!("gpu{}", g.index))
                    .collect();
                format!(
                    "{} for {:.1} GPU-seconds ({})",
                    v.id(),
                    time.get(v),
                    which.join(", ")
                )
            }
            None if gpus.is_empty() => "no GPU sample".to_owned(),
            None => "too few samples, or no rule held".to_owned(),
        };
        for g in &gpus {
            if let Some(at) = g.lost_at_s {
                let _ = write!(explanation, "; gpu{} was lost at {at:.1} s", g.index);
            }
        }
        let mut fix = verdict.map(Verdict::fix).unwrap_or_default();
        if self.command_not_using_gpu() {
            if let Some(c) = &self.command {
                verdict = Some(Verdict::NotUsingGpu);
                explanation = format!(
                    "`{}` used {:.1} s of CPU in {} process(es), but none of them ever appeared among the GPU processes",
                    c.argv.join(" "),
                    c.cpu_s,
                    c.pids_seen
                );
                fix = Verdict::NotUsingGpu.fix();
            }
        }
        let duration = match (self.first_t, self.last_t) {
            (Some(a), Some(b)) => b.saturating_sub(a).as_secs_f64(),
            _ => 0.0,
        };
        time.round();
        Report {
            schema_version: 1,
            verdict,
            explanation,
            fix,
            source: source.to_owned(),
            gpus,
            summary: Summary {
                duration_s: round3(duration),
                samples: self.samples,
                time_s: time,
                sm_util_mean: (util_n > 0).then(|| round1(util_sum / util_n as f64)),
                sm_util_p50: hist_percentile(&hist, 50.0),
                sm_util_p95: hist_percentile(&hist, 95.0),
                peak_mem_used_mib: peak,
                events: self.events.clone(),
                command: self.command.clone().map(|mut c| {
                    c.processes_listed = self.processes_listed;
                    c
                }),
            },
        }
    }
}

impl Default for Watcher {
    fn default() -> Self {
        Self::new()
    }
}

/// `cudoctor watch --format json` (docs/watch.schema.json).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    /// The run's verdict: the one that held longest (`idle` only if nothing else held), or
    /// `not-using-gpu`; `None` when no verdict was reached.
    pub verdict: Option<Verdict>,
    pub explanation: String,
    pub fix: Vec<String>,
    /// Where the samples came from.
    pub source: String,
    pub gpus: Vec<GpuReport>,
    pub summary: Summary,
}

/// One GPU's verdict over the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GpuReport {
    pub index: u32,
    pub name: Option<String>,
    pub uuid: Option<String>,
    /// The verdict that held longest on this GPU.
    pub verdict: Option<Verdict>,
    /// The explanation of the last window with that verdict.
    pub explanation: String,
    pub fix: Vec<String>,
    /// That window's numbers.
    pub stats: WindowStats,
    pub time_s: StateTimes,
    pub peak_mem_used_mib: Option<u64>,
    pub mem_total_mib: Option<u64>,
    pub lost_at_s: Option<f64>,
}

/// The run as a whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub duration_s: f64,
    pub samples: u64,
    /// GPU-seconds per verdict, all GPUs together.
    pub time_s: StateTimes,
    /// Over every sample of every GPU.
    pub sm_util_mean: Option<f64>,
    pub sm_util_p50: Option<u8>,
    pub sm_util_p95: Option<u8>,
    pub peak_mem_used_mib: Option<u64>,
    pub events: Vec<Event>,
    pub command: Option<CommandSummary>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::sample::{GpuProcess, GpuSample};

    fn run(utils: &[u8], mem: u64, procs: Option<usize>) -> Report {
        let mut w = Watcher::new();
        for (i, &u) in utils.iter().enumerate() {
            w.push(&Sample {
                t: Duration::from_secs(i as u64),
                gpus: vec![GpuSample {
                    index: 0,
                    sm_util: Some(u),
                    mem_used_mib: Some(mem),
                    mem_total_mib: Some(81_920),
                    processes: procs.map(|n| {
                        (0..n)
                            .map(|k| GpuProcess {
                                pid: 100 + k as u32,
                                used_mib: None,
                                name: None,
                            })
                            .collect()
                    }),
                    ..GpuSample::default()
                }],
                lost: vec![],
            });
        }
        w.report("test")
    }

    #[test]
    fn percentiles() {
        assert_eq!(percentile(&[1, 2, 3, 4], 50.0), Some(2));
        assert_eq!(percentile(&[1, 2, 3, 4], 95.0), Some(4));
        let mut h = [0u64; 101];
        h[1] = 1;
        h[2] = 1;
        h[3] = 1;
        h[4] = 1;
        assert_eq!(hist_percentile(&h, 50.0), Some(2));
        assert_eq!(hist_percentile(&h, 95.0), Some(4));
    }

    #[test]
    fn the_rules() {
        assert_eq!(
            run(&[95; 20], 30_000, Some(1)).verdict,
            Some(Verdict::Healthy)
        );
        assert_eq!(run(&[0; 20], 3, Some(0)).verdict, Some(Verdict::Idle));
        assert_eq!(run(&[0; 20], 3, None).verdict, Some(Verdict::Idle));
        let bursts: Vec<u8> = (0..30).map(|i| if i % 6 == 0 { 90 } else { 2 }).collect();
        assert_eq!(
            run(&bursts, 20_000, None).verdict,
            Some(Verdict::InputBound)
        );
        let sync: Vec<u8> = (0..30)
            .map(|i| if (i / 2) % 2 == 0 { 100 } else { 0 })
            .collect();
        assert_eq!(run(&sync, 20_000, Some(1)).verdict, Some(Verdict::HostSync));
        assert_eq!(run(&[40; 20], 20_000, Some(1)).verdict, None);
        assert_eq!(run(&[95; 3], 30_000, Some(1)).verdict, None, "too few");
    }

    #[test]
    fn not_using_gpu_needs_listed_processes_and_cpu() {
        let mut w = Watcher::new();
        w.follow_command(vec!["python".into(), "train.py".into()]);
        for i in 0..10u64 {
            let obs = CommandObservation {
                pids: [4242].into_iter().collect(),
                cpu_s: i as f64 * 0.9,
            };
            w.push_with(
                &Sample {
                    t: Duration::from_secs(i),
                    gpus: vec![GpuSample {
                        index: 0,
                        sm_util: Some(0),
                        mem_used_mib: Some(0),
                        processes: Some(vec![]),
                        ..GpuSample::default()
                    }],
                    lost: vec![],
                },
                Some(&obs),
            );
        }
        let r = w.report("test");
        assert_eq!(r.verdict, Some(Verdict::NotUsingGpu));
        assert!(
            r.explanation
                .contains("`python train.py` used 8.1 s of CPU"),
            "{}",
            r.explanation
        );
        assert_eq!(r.gpus[0].verdict, Some(Verdict::Idle));
    }
}
