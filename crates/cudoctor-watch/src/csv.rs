//! Replays a recorded `nvidia-smi --query-gpu=... --format=csv` log.
//!
//! The log `nvidia-smi --query-gpu=timestamp,index,name,utilization.gpu,memory.used,memory.total
//! --format=csv -l 1` writes (one header line, then one row per GPU per second; the field names
//! are those of `nvidia-smi --help-query-gpu`, the header adds the unit in brackets):
//!
//! ```text
//! timestamp, index, name, utilization.gpu [%], memory.used [MiB], memory.total [MiB]
//! 2024/05/01 12:00:01.123, 0, NVIDIA H200, 95 %, 30822 MiB, 143771 MiB
//! ```
//!
//! The real row captured on an H200 (`--query-gpu=index,name,driver_version,compute_cap,
//! memory.total,uuid,pci.bus_id --format=csv,noheader`, the repository's
//! `crates/cudoctor/tests/fixtures/gpu-validate/smi_query.txt`) is
//! `0, NVIDIA H200, 580.159.04, 9.0, 143771 MiB, GPU-441bf4c3-..., 00000000:00:06.0`: values carry
//! their unit after a space unless `nounits` is given, and a value the GPU cannot give is
//! `[N/A]` or `[Not Supported]`.
//!
//! Any subset and order of fields is read, by the header's names or, for `noheader`, by the
//! names the caller gives. Fields we do not use (`pci.bus_id`, `pstate`, ...) are skipped.
//! Rows are grouped into one [`Sample`] per moment: a row starts a new sample when its GPU index
//! is already in the current one or its timestamp is 200 ms or more from the current one's (the
//! rows of one `-l` loop carry the same timestamp, or nearly). Without a timestamp column, each
//! group is one interval (default 1 s, `-l 1`) after the previous.

use std::io::BufRead;
use std::time::Duration;

use crate::sample::{GpuSample, LostGpu, Sample, SampleError, Sampler, ThrottleReason};

/// A column of the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Timestamp,
    Index,
    Name,
    Uuid,
    SmUtil,
    MemUtil,
    MemUsed,
    MemTotal,
    Power,
    SmClock,
    MaxSmClock,
    Temperature,
    /// `clocks_event_reasons.active`: the NVML mask in hex.
    ReasonMask,
    /// `clocks_event_reasons.hw_slowdown` and the like: `Active` / `Not Active`.
    Reason(ThrottleReason),
    /// Read but not used.
    Other,
}

/// The field a header cell or `--fields` entry names: `utilization.gpu [%]` and `utilization.gpu`
/// are the same field; `clocks.sm` is `clocks.current.sm`; `clocks_throttle_reasons.*` (drivers
/// before 535) is `clocks_event_reasons.*`.
fn field(name: &str) -> Field {
    let name = name.trim();
    let name = name.split_once(" [").map_or(name, |(n, _)| n).trim();
    match name {
        "timestamp" => Field::Timestamp,
        "index" => Field::Index,
        "name" | "gpu_name" => Field::Name,
        "uuid" | "gpu_uuid" => Field::Uuid,
        "utilization.gpu" => Field::SmUtil,
        "utilization.memory" => Field::MemUtil,
        "memory.used" => Field::MemUsed,
        "memory.total" => Field::MemTotal,
        "power.draw" | "power.draw.instant" | "power.draw.average" => Field::Power,
        "clocks.sm" | "clocks.current.sm" => Field::SmClock,
        "clocks.max.sm" | "clocks.max.streaming_multiprocessor" => Field::MaxSmClock,
        "temperature.gpu" => Field::Temperature,
        _ => {
            let suffix = name
                .strip_prefix("clocks_event_reasons.")
                .or_else(|| name.strip_prefix("clocks_throttle_reasons."));
            match suffix {
                Some("active") => Field::ReasonMask,
                Some(s) => ThrottleReason::from_smi_suffix(s).map_or(Field::Other, Field::Reason),
                None => Field::Other,
            }
        }
    }
}

/// Whether `line` is a header: every cell a lower-case dotted name (with an optional ` [unit]`)
/// and at least one a field we read. A data row always has a value that is not (a number, a
/// GPU name, `Active`).
fn is_header(line: &str) -> bool {
    let mut known = false;
    for cell in line.split(',') {
        let cell = cell.trim();
        let name = cell.split_once(" [").map_or(cell, |(n, _)| n);
        let mut chars = name.chars();
        let ok = chars.next().is_some_and(|c| c.is_ascii_lowercase())
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.');
        if !ok {
            return false;
        }
        known |= field(name) != Field::Other;
    }
    known
}

/// Reads an `nvidia-smi --format=csv` log, one [`Sample`] per moment.
pub struct CsvReplay<R> {
    reader: R,
    path: String,
    fields: Option<Vec<Field>>,
    line_no: usize,
    interval: Duration,
    start_ms: Option<i64>,
    groups: u64,
    current: Option<Group>,
    done: bool,
}

struct Group {
    ts_ms: Option<i64>,
    sample: Sample,
}

impl CsvReplay<std::io::BufReader<std::fs::File>> {
    /// Opens the log at `path`. `fields`: the `--query-gpu` names in order, for a log written
    /// with `noheader` (a header line, when there is one, is used instead).
    pub fn open(path: &std::path::Path, fields: Option<&[String]>) -> Result<Self, SampleError> {
        Ok(Self::new(
            crate::sample::open_trace(path)?,
            path.display().to_string(),
            fields,
        ))
    }
}

impl<R: BufRead> CsvReplay<R> {
    /// A replay of `reader`; `path` names it in errors.
    pub fn new(reader: R, path: impl Into<String>, fields: Option<&[String]>) -> Self {
        Self {
            reader,
            path: path.into(),
            fields: fields.map(|f| f.iter().map(|n| field(n)).collect()),
            line_no: 0,
            interval: Duration::from_secs(1),
            start_ms: None,
            groups: 0,
            current: None,
            done: false,
        }
    }

    /// The time between two samples of a log without a `timestamp` column (default 1 s).
    #[must_use]
    pub fn with_interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    fn error(&self, message: impl Into<String>) -> SampleError {
        SampleError::Parse {
            path: self.path.clone(),
            line: self.line_no,
            message: message.into(),
        }
    }

    /// Starts a group at `ts_ms`, returning the one it ends.
    fn start_group(&mut self, ts_ms: Option<i64>) -> Option<Sample> {
        let t = match (ts_ms, self.start_ms) {
            (Some(ts), Some(start)) => {
                Duration::from_millis(ts.saturating_sub(start).max(0) as u64)
            }
            (Some(ts), None) => {
                self.start_ms = Some(ts);
                Duration::ZERO
            }
            (None, _) => self.interval * self.groups as u32,
        };
        self.groups += 1;
        let new = Group {
            ts_ms,
            sample: Sample {
                t,
                gpus: Vec::new(),
                lost: Vec::new(),
            },
        };
        self.current.replace(new).map(|g| g.sample)
    }

    /// Parses one data row into the current group, returning a finished sample when the row
    /// starts a new one.
    fn row(&mut self, line: &str) -> Result<Option<Sample>, SampleError> {
        let Some(fields) = self.fields.clone() else {
            return Err(self.error(
                "the log has no header line; give its fields in order with `--fields` (the `--query-gpu` list it was written with)",
            ));
        };
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        if cells.len() != fields.len() {
            return Err(self.error(format!(
                "{} values, but the header names {} fields",
                cells.len(),
                fields.len()
            )));
        }
        let mut gpu = GpuSample::default();
        let mut ts = None;
        let mut lost: Option<String> = None;
        let mut has_index = false;
        for (&f, &cell) in fields.iter().zip(&cells) {
            if cell.contains("GPU is lost") || cell.contains("Unknown Error") {
                lost.get_or_insert_with(|| cell.trim_matches(['[', ']']).to_owned());
                continue;
            }
            let Some(v) = value(cell) else { continue };
            match f {
                Field::Timestamp => {
                    ts = Some(
                        parse_timestamp(v)
                            .ok_or_else(|| self.error(format!("`{v}` is not a timestamp")))?,
                    );
                }
                Field::Index => {
                    gpu.index = self.number(v, "index", 1023.0)? as u32;
                    has_index = true;
                }
                Field::Name => gpu.name = Some(v.to_owned()),
                Field::Uuid => gpu.uuid = Some(v.to_owned()),
                Field::SmUtil => {
                    gpu.sm_util = Some(self.number(v, "utilization.gpu", 100.0)? as u8);
                }
                Field::MemUtil => {
                    gpu.mem_util = Some(self.number(v, "utilization.memory", 100.0)? as u8);
                }
                Field::MemUsed => {
                    gpu.mem_used_mib = Some(self.number(v, "memory.used", 1e9)? as u64);
                }
                Field::MemTotal => {
                    gpu.mem_total_mib = Some(self.number(v, "memory.total", 1e9)? as u64);
                }
                Field::Power => gpu.power_w = Some(self.number(v, "power.draw", 1e5)? as f32),
                Field::SmClock => {
                    gpu.sm_clock_mhz = Some(self.number(v, "clocks.current.sm", 1e5)? as u32);
                }
                Field::MaxSmClock => {
                    gpu.max_sm_clock_mhz = Some(self.number(v, "clocks.max.sm", 1e5)? as u32);
                }
                Field::Temperature => {
                    gpu.temperature_c = Some(self.number(v, "temperature.gpu", 300.0)? as u32);
                }
                Field::ReasonMask => {
                    let hex = v.trim_start_matches("0x").trim_start_matches("0X");
                    let mask = u64::from_str_radix(hex, 16).map_err(|_| {
                        self.error(format!(
                            "clocks_event_reasons.active: `{v}` is not a hex mask"
                        ))
                    })?;
                    for r in ThrottleReason::from_mask(mask) {
                        if !gpu.throttle.contains(&r) {
                            gpu.throttle.push(r);
                        }
                    }
                }
                Field::Reason(r) => {
                    let active = match v.to_ascii_lowercase().replace('_', " ").as_str() {
                        "active" => true,
                        "not active" => false,
                        _ => {
                            return Err(self.error(format!(
                                "clocks_event_reasons.{}: `{v}` is neither `Active` nor `Not Active`",
                                r.id().replace('-', "_")
                            )));
                        }
                    };
                    if active && !gpu.throttle.contains(&r) {
                        gpu.throttle.push(r);
                    }
                }
                Field::Other => {}
            }
        }
        gpu.throttle.sort();
        let new_group = match &self.current {
            None => true,
            Some(g) => {
                let same_gpu = g.sample.gpus.iter().any(|x| x.index == gpu.index)
                    || g.sample.lost.iter().any(|x| x.index == Some(gpu.index));
                let far = match (g.ts_ms, ts) {
                    (Some(a), Some(b)) => (a - b).abs() >= 200,
                    _ => false,
                };
                same_gpu || far
            }
        };
        let finished = if new_group {
            self.start_group(ts)
        } else {
            None
        };
        if let Some(g) = self.current.as_mut() {
            if let Some(message) = lost {
                g.sample.lost.push(LostGpu {
                    index: has_index.then_some(gpu.index),
                    message,
                });
            } else {
                g.sample.gpus.push(gpu);
            }
        }
        Ok(finished)
    }

    fn number(&self, v: &str, what: &str, max: f64) -> Result<f64, SampleError> {
        // `95 %`, `1410 MHz`, `70.50 W`, or with `nounits` the bare number.
        let first = v.split_whitespace().next().unwrap_or(v);
        let first = first.trim_end_matches(['%', 'W']);
        match first.parse::<f64>() {
            Ok(n) if n.is_finite() && (0.0..=max).contains(&n) => Ok(n),
            Ok(n) => Err(self.error(format!("{what}: {n} is out of range"))),
            Err(_) => Err(self.error(format!(
                "{what}: `{v}` is not a number (are the fields in the order the log was written with?)"
            ))),
        }
    }
}

/// A cell's value, or `None` for an empty cell, `[N/A]`, `[Not Supported]` and any other
/// bracketed placeholder nvidia-smi writes instead of a value.
fn value(cell: &str) -> Option<&str> {
    let v = cell.trim();
    (!v.is_empty() && !v.starts_with('[') && v != "N/A").then_some(v)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`);
/// negative before 1970.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `2024/05/01 12:00:01.123` (nvidia-smi's `timestamp`, local time) as milliseconds since
/// 1970-01-01 00:00 of the same clock.
#[allow(clippy::many_single_char_names)]
fn parse_timestamp(v: &str) -> Option<i64> {
    let (date, time) = v.trim().split_once(' ')?;
    let mut d = date.split(['/', '-']);
    let y: i64 = d.next()?.parse().ok()?;
    let m: i64 = d.next()?.parse().ok()?;
    let day: i64 = d.next()?.parse().ok()?;
    if d.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    let (hms, frac) = time.trim().split_once('.').unwrap_or((time.trim(), ""));
    let mut t = hms.split(':');
    let h: i64 = t.next()?.parse().ok()?;
    let min: i64 = t.next()?.parse().ok()?;
    let s: i64 = t.next()?.parse().ok()?;
    if t.next().is_some() || h > 23 || min > 59 || s > 60 {
        return None;
    }
    let ms: i64 = if frac.is_empty() {
        0
    } else {
        let digits: String = frac.chars().take(3).collect();
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        format!("{digits:0<3}").parse().ok()?
    };
    let days = days_from_civil(y, m, day);
    Some((((days * 24 + h) * 60 + min) * 60 + s) * 1000 + ms)
}

impl<R: BufRead> Sampler for CsvReplay<R> {
    fn sample(&mut self) -> Result<Option<Sample>, SampleError> {
        if self.done {
            return Ok(None);
        }
        let mut line = String::new();
        loop {
            if !crate::sample::next_line(&mut self.reader, &self.path, &mut line)? {
                self.done = true;
                return Ok(self.current.take().map(|g| g.sample));
            }
            self.line_no += 1;
            let text = line.trim();
            if text.is_empty() {
                continue;
            }
            if is_header(text) {
                // A header (logs appended with `>>` repeat it): the fields from here on.
                self.fields = Some(text.split(',').map(field).collect());
                continue;
            }
            if !text.contains(',') || text.starts_with("Unable to determine") {
                // An nvidia-smi message instead of a row: `Unable to determine the device
                // handle for GPU0000:3B:00.0: GPU is lost.  Reboot the system to recover this
                // GPU`, `No devices were found`.
                let lost = LostGpu {
                    index: None,
                    message: text.to_owned(),
                };
                if self.current.is_none() {
                    self.start_group(None);
                }
                if let Some(g) = self.current.as_mut() {
                    g.sample.lost.push(lost);
                }
                continue;
            }
            if let Some(s) = self.row(text)? {
                return Ok(Some(s));
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn dates_count_days_like_the_calendar() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(
            days_from_civil(2024, 2, 29) + 1,
            days_from_civil(2024, 3, 1)
        );
        assert_eq!(
            days_from_civil(2023, 2, 28) + 1,
            days_from_civil(2023, 3, 1)
        );
    }

    fn all(text: &str, fields: Option<&[String]>) -> Vec<Sample> {
        let mut r = CsvReplay::new(text.as_bytes(), "log.csv", fields);
        let mut out = Vec::new();
        while let Some(s) = r.sample().unwrap() {
            out.push(s);
        }
        out
    }

    #[test]
    fn timestamps() {
        assert_eq!(parse_timestamp("1970/01/01 00:00:01.5"), Some(1500));
        assert_eq!(
            parse_timestamp("2024/05/01 12:00:01.123").unwrap()
                - parse_timestamp("2024/05/01 12:00:00.000").unwrap(),
            1123
        );
        // Across midnight and a month end.
        assert_eq!(
            parse_timestamp("2024/03/01 00:00:00.000").unwrap()
                - parse_timestamp("2024/02/29 23:59:59.000").unwrap(),
            1000
        );
        assert_eq!(parse_timestamp("yesterday"), None);
        assert_eq!(parse_timestamp("2024/13/01 00:00:00"), None);
    }

    #[test]
    fn header_names_and_units() {
        assert!(is_header(
            "timestamp, index, name, utilization.gpu [%], memory.used [MiB], clocks_event_reasons.hw_slowdown"
        ));
        assert!(!is_header("0, NVIDIA H200, 580.159.04, 9.0, 143771 MiB"));
        assert!(!is_header("pstate"), "no field we read");
        assert_eq!(field("clocks.current.sm [MHz]"), Field::SmClock);
        assert_eq!(field("clocks.sm"), Field::SmClock);
        assert_eq!(
            field("clocks_throttle_reasons.sw_thermal_slowdown"),
            Field::Reason(ThrottleReason::SwThermalSlowdown)
        );
        assert_eq!(field("clocks_event_reasons.active"), Field::ReasonMask);
        assert_eq!(field("pci.bus_id"), Field::Other);
    }

    #[test]
    fn rows_with_units_and_placeholders() {
        let log = "\
timestamp, index, name, utilization.gpu [%], utilization.memory [%], memory.used [MiB], memory.total [MiB], power.draw [W], clocks.current.sm [MHz], clocks.max.sm [MHz], temperature.gpu, clocks_event_reasons.sw_power_cap, clocks_event_reasons.hw_thermal_slowdown
2024/05/01 12:00:01.123, 0, NVIDIA A100-SXM4-80GB, 95 %, 70 %, 30822 MiB, 81920 MiB, 250.50 W, 1410 MHz, 1410 MHz, 61, Active, Not Active
2024/05/01 12:00:01.123, 1, NVIDIA A100-SXM4-80GB, [N/A], [Not Supported], 1 MiB, 81920 MiB, [N/A], 210 MHz, 1410 MHz, 31, Not Active, Not Active
2024/05/01 12:00:02.124, 0, NVIDIA A100-SXM4-80GB, 0 %, 0 %, 30822 MiB, 81920 MiB, 90.00 W, 1410 MHz, 1410 MHz, 60, Not Active, Active
";
        let s = all(log, None);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].t, Duration::ZERO);
        assert_eq!(s[1].t, Duration::from_millis(1001));
        assert_eq!(s[0].gpus.len(), 2);
        let g = &s[0].gpus[0];
        assert_eq!(g.sm_util, Some(95));
        assert_eq!(g.mem_used_mib, Some(30822));
        assert_eq!(g.power_w, Some(250.5));
        assert_eq!(g.max_sm_clock_mhz, Some(1410));
        assert_eq!(g.temperature_c, Some(61));
        assert_eq!(g.throttle, vec![ThrottleReason::SwPowerCap]);
        assert_eq!(g.processes, None);
        let g1 = &s[0].gpus[1];
        assert_eq!(
            (g1.index, g1.sm_util, g1.mem_util, g1.power_w),
            (1, None, None, None)
        );
        assert_eq!(
            s[1].gpus[0].throttle,
            vec![ThrottleReason::HwThermalSlowdown]
        );
    }

    #[test]
    fn noheader_nounits_needs_fields() {
        let log = "0, 95, 1024\n0, 90, 1030\n";
        let mut r = CsvReplay::new(log.as_bytes(), "log.csv", None);
        let err = r.sample().unwrap_err().to_string();
        assert!(
            err.contains("no header line") && err.contains("--fields"),
            "{err}"
        );
        let fields: Vec<String> = ["index", "utilization.gpu", "memory.used"]
            .map(String::from)
            .to_vec();
        let s = all(log, Some(&fields));
        assert_eq!(s.len(), 2, "the index repeats: two samples");
        assert_eq!(s[1].t, Duration::from_secs(1));
        assert_eq!(s[1].gpus[0].mem_used_mib, Some(1030));
    }

    #[test]
    fn fields_in_the_wrong_order_are_an_error() {
        let fields: Vec<String> = ["utilization.gpu", "name"].map(String::from).to_vec();
        let mut r = CsvReplay::new("NVIDIA H200, 95\n".as_bytes(), "log.csv", Some(&fields));
        let err = r.sample().unwrap_err().to_string();
        assert!(
            err.contains("`log.csv` line 1: utilization.gpu: `NVIDIA H200` is not a number"),
            "{err}"
        );
    }

    #[test]
    fn the_real_h200_row() {
        // crates/cudoctor/tests/fixtures/gpu-validate/smi_query.txt, captured on an H200.
        let fields: Vec<String> = [
            "index",
            "name",
            "driver_version",
            "compute_cap",
            "memory.total",
            "uuid",
            "pci.bus_id",
        ]
        .map(String::from)
        .to_vec();
        let row = "0, NVIDIA H200, 580.159.04, 9.0, 143771 MiB, GPU-441bf4c3-0c33-17a1-d057-f8b05be4c789, 00000000:00:06.0\n";
        let s = all(row, Some(&fields));
        let g = &s[0].gpus[0];
        assert_eq!(g.name.as_deref(), Some("NVIDIA H200"));
        assert_eq!(g.mem_total_mib, Some(143_771));
        assert_eq!(
            g.uuid.as_deref(),
            Some("GPU-441bf4c3-0c33-17a1-d057-f8b05be4c789")
        );
    }

    #[test]
    fn lost_gpu_rows_and_messages() {
        let log = "\
timestamp, index, utilization.gpu [%]
2024/05/01 12:00:01.000, 0, 95 %
2024/05/01 12:00:01.000, 1, 93 %
2024/05/01 12:00:02.000, 0, 94 %
2024/05/01 12:00:02.000, 1, [GPU is lost]
Unable to determine the device handle for GPU0000:3B:00.0: GPU is lost.  Reboot the system to recover this GPU
2024/05/01 12:00:03.000, 0, 96 %
";
        let s = all(log, None);
        assert_eq!(s.len(), 3);
        assert_eq!(s[1].gpus.len(), 1);
        assert_eq!(s[1].lost.len(), 2);
        assert_eq!(s[1].lost[0].index, Some(1));
        assert_eq!(s[1].lost[0].message, "GPU is lost");
        assert!(s[1].lost[1].message.starts_with("Unable to determine"));
    }

    #[test]
    fn event_reason_mask() {
        let log = "index, clocks_throttle_reasons.active\n0, 0x0000000000000064\n";
        let s = all(log, None);
        assert_eq!(
            s[0].gpus[0].throttle,
            vec![
                ThrottleReason::SwPowerCap,
                ThrottleReason::SwThermalSlowdown,
                ThrottleReason::HwThermalSlowdown
            ]
        );
    }
}
