//! One sample of every GPU, the [`Sampler`] trait that produces them, and the clock-event
//! reasons NVML and `nvidia-smi` report.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Produces samples: live (NVML) or from a recording.
pub trait Sampler {
    /// The next sample; `Ok(None)` at the end of a replay (a live sampler never ends).
    fn sample(&mut self) -> Result<Option<Sample>, SampleError>;
}

/// Every GPU at one moment. Serialized as one line of `--format jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// Time since the start of the watch (or of the recording).
    #[serde(rename = "t_s", with = "secs")]
    pub t: Duration,
    /// The GPUs that answered.
    pub gpus: Vec<GpuSample>,
    /// GPUs that reported themselves lost in this sample (`GPU is lost`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lost: Vec<LostGpu>,
}

/// A GPU that answered with an error instead of values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LostGpu {
    /// Its index, when the row or call named it.
    pub index: Option<u32>,
    /// What was reported (`GPU is lost`, the nvidia-smi line, the NVML error).
    pub message: String,
}

/// One GPU at one moment. Every counter is optional: a field missing from a log, `[N/A]`,
/// `[Not Supported]` or an NVML call that is not supported is `None`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GpuSample {
    /// NVML / nvidia-smi index.
    pub index: u32,
    pub name: Option<String>,
    pub uuid: Option<String>,
    /// `utilization.gpu`: percent of the sample period in which a kernel ran.
    pub sm_util: Option<u8>,
    /// `utilization.memory`: percent of the period in which device memory was read or written.
    pub mem_util: Option<u8>,
    pub mem_used_mib: Option<u64>,
    pub mem_total_mib: Option<u64>,
    pub power_w: Option<f32>,
    pub sm_clock_mhz: Option<u32>,
    pub max_sm_clock_mhz: Option<u32>,
    pub temperature_c: Option<u32>,
    /// Active clock-event (throttle) reasons. Empty when none is active or none was reported.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub throttle: Vec<ThrottleReason>,
    pub pcie_rx_kib_s: Option<u64>,
    pub pcie_tx_kib_s: Option<u64>,
    /// Compute processes on this GPU; `None` when the source does not say (an `nvidia-smi
    /// --query-gpu` log never does), `Some(vec![])` when it says there are none.
    pub processes: Option<Vec<GpuProcess>>,
}

/// A compute process on a GPU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GpuProcess {
    pub pid: u32,
    pub used_mib: Option<u64>,
    pub name: Option<String>,
}

/// Why the clocks are below their maximum: NVML's `nvmlClocksEventReasons` bits
/// (`nvmlClocksThrottleReasons` before driver 535), and the `clocks_event_reasons.*` /
/// `clocks_throttle_reasons.*` fields of `nvidia-smi --query-gpu`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThrottleReason {
    GpuIdle,
    ApplicationsClocksSetting,
    SwPowerCap,
    HwSlowdown,
    SyncBoost,
    SwThermalSlowdown,
    HwThermalSlowdown,
    HwPowerBrakeSlowdown,
    DisplayClockSetting,
}

impl ThrottleReason {
    /// Every reason, in bit order.
    pub const ALL: [Self; 9] = [
        Self::GpuIdle,
        Self::ApplicationsClocksSetting,
        Self::SwPowerCap,
        Self::HwSlowdown,
        Self::SyncBoost,
        Self::SwThermalSlowdown,
        Self::HwThermalSlowdown,
        Self::HwPowerBrakeSlowdown,
        Self::DisplayClockSetting,
    ];

    /// The bit in `nvmlDeviceGetCurrentClocksEventReasons`'s mask (nvml.h
    /// `nvmlClocksEventReasonGpuIdle 0x1` ... `nvmlClocksEventReasonDisplayClockSetting 0x100`).
    pub fn bit(self) -> u64 {
        match self {
            Self::GpuIdle => 0x1,
            Self::ApplicationsClocksSetting => 0x2,
            Self::SwPowerCap => 0x4,
            Self::HwSlowdown => 0x8,
            Self::SyncBoost => 0x10,
            Self::SwThermalSlowdown => 0x20,
            Self::HwThermalSlowdown => 0x40,
            Self::HwPowerBrakeSlowdown => 0x80,
            Self::DisplayClockSetting => 0x100,
        }
    }

    /// The reasons set in an NVML mask (unknown bits are ignored).
    pub fn from_mask(mask: u64) -> Vec<Self> {
        Self::ALL
            .into_iter()
            .filter(|r| mask & r.bit() != 0)
            .collect()
    }

    /// The reason an `nvidia-smi` field suffix names: `hw_slowdown` in
    /// `clocks_event_reasons.hw_slowdown` (or `clocks_throttle_reasons.hw_slowdown`).
    pub fn from_smi_suffix(suffix: &str) -> Option<Self> {
        Some(match suffix {
            "gpu_idle" => Self::GpuIdle,
            "applications_clocks_setting" => Self::ApplicationsClocksSetting,
            "sw_power_cap" => Self::SwPowerCap,
            "hw_slowdown" => Self::HwSlowdown,
            "sync_boost" => Self::SyncBoost,
            "sw_thermal_slowdown" => Self::SwThermalSlowdown,
            "hw_thermal_slowdown" => Self::HwThermalSlowdown,
            "hw_power_brake_slowdown" => Self::HwPowerBrakeSlowdown,
            "display_clocks_setting" => Self::DisplayClockSetting,
            _ => return None,
        })
    }

    /// The kebab-case id (`hw-thermal-slowdown`).
    pub fn id(self) -> &'static str {
        match self {
            Self::GpuIdle => "gpu-idle",
            Self::ApplicationsClocksSetting => "applications-clocks-setting",
            Self::SwPowerCap => "sw-power-cap",
            Self::HwSlowdown => "hw-slowdown",
            Self::SyncBoost => "sync-boost",
            Self::SwThermalSlowdown => "sw-thermal-slowdown",
            Self::HwThermalSlowdown => "hw-thermal-slowdown",
            Self::HwPowerBrakeSlowdown => "hw-power-brake-slowdown",
            Self::DisplayClockSetting => "display-clock-setting",
        }
    }

    /// Whether the reason is the GPU slowing itself down for heat or power (what `throttled`
    /// means), rather than idling or following a clock setting.
    pub fn is_slowdown(self) -> bool {
        matches!(
            self,
            Self::SwPowerCap
                | Self::HwSlowdown
                | Self::SwThermalSlowdown
                | Self::HwThermalSlowdown
                | Self::HwPowerBrakeSlowdown
        )
    }
}

/// Opens a recorded trace to replay; an error names `path`.
pub(crate) fn open_trace(
    path: &std::path::Path,
) -> Result<std::io::BufReader<std::fs::File>, SampleError> {
    let file = std::fs::File::open(path).map_err(|source| SampleError::Io {
        path: path.display().to_string(),
        source,
    })?;
    Ok(std::io::BufReader::new(file))
}

/// Reads the next line of a replayed trace into `line` (cleared first): `false` at the end.
/// An I/O error names `path`.
pub(crate) fn next_line(
    reader: &mut impl std::io::BufRead,
    path: &str,
    line: &mut String,
) -> Result<bool, SampleError> {
    line.clear();
    let n = reader.read_line(line).map_err(|source| SampleError::Io {
        path: path.to_owned(),
        source,
    })?;
    Ok(n > 0)
}

/// Why a sample could not be had.
#[derive(Debug, thiserror::Error)]
pub enum SampleError {
    #[error("cannot read `{path}`")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("`{path}` line {line}: {message}")]
    Parse {
        path: String,
        line: usize,
        message: String,
    },
    #[error("`{path}` line {line}: not a cudoctor watch sample")]
    Json {
        path: String,
        line: usize,
        #[source]
        source: serde_json::Error,
    },
    #[error("NVML `{library}`: {message}")]
    Nvml { library: String, message: String },
}

/// `Duration` as seconds (a float) in JSON.
mod secs {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        // Millisecond precision: what nvidia-smi's timestamps carry.
        s.serialize_f64((d.as_secs_f64() * 1000.0).round() / 1000.0)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let v = f64::deserialize(d)?;
        if !v.is_finite() || !(0.0..=1e9).contains(&v) {
            return Err(serde::de::Error::custom(format!(
                "t_s must be a time in seconds, found {v}"
            )));
        }
        Ok(Duration::from_secs_f64(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_round_trips() {
        for r in ThrottleReason::ALL {
            assert_eq!(ThrottleReason::from_mask(r.bit()), vec![r]);
        }
        // 0x64 = sw_power_cap | sw_thermal | hw_thermal.
        assert_eq!(
            ThrottleReason::from_mask(0x64),
            vec![
                ThrottleReason::SwPowerCap,
                ThrottleReason::SwThermalSlowdown,
                ThrottleReason::HwThermalSlowdown
            ]
        );
    }

    #[test]
    fn sample_json_round_trips() {
        let s = Sample {
            t: Duration::from_millis(12_500),
            gpus: vec![GpuSample {
                index: 0,
                sm_util: Some(95),
                throttle: vec![ThrottleReason::SwPowerCap],
                processes: Some(vec![GpuProcess {
                    pid: 42,
                    used_mib: Some(1024),
                    name: Some("python".into()),
                }]),
                ..GpuSample::default()
            }],
            lost: vec![],
        };
        let text = serde_json::to_string(&s).expect("serializes");
        assert!(text.starts_with(r#"{"t_s":12.5,"#), "{text}");
        assert!(text.contains(r#""throttle":["sw-power-cap"]"#), "{text}");
        let back: Sample = serde_json::from_str(&text).expect("parses");
        assert_eq!(back, s);
    }
}
