//! `cudoctor watch [--replay FILE] [-- COMMAND ...]`: samples the GPUs (NVML, loaded from where
//! the loader emulation finds `libnvidia-ml.so.1`) or a recording, judges them with
//! `cudoctor-watch`'s verdicts, and prints a line per sample (text), the samples (jsonl) or the
//! report at the end (json). With a command, follows its process tree and exits with its code.

use std::fmt::Write as _;
use std::io::IsTerminal as _;
use std::os::fd::AsFd as _;
use std::os::unix::process::ExitStatusExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use cudoctor_watch::analysis::CommandObservation;
use cudoctor_watch::{
    CsvReplay, GpuSample, JsonlReplay, NvmlSampler, Report, Sample, Sampler, Watcher, proctree,
};

use crate::cli::{FormatArg, WatchArgs};
use crate::{Ctx, ExitStatus, error, to_json};

const NVML_SONAME: &str = "libnvidia-ml.so.1";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Text,
    Json,
    Jsonl,
    Tui,
}

/// The terminal while the view is drawn: raw mode and the alternate screen, both undone when
/// it is dropped (whatever ends the watch).
struct Tui {
    term: ratatui::Terminal<ratatui::backend::CrosstermBackend<std::io::Stdout>>,
    view: cudoctor_watch::tui::View,
    source: String,
    quit: bool,
}

impl Tui {
    fn start(source: String) -> anyhow::Result<Self> {
        ratatui::crossterm::terminal::enable_raw_mode()?;
        let mut out = std::io::stdout();
        ratatui::crossterm::execute!(out, ratatui::crossterm::terminal::EnterAlternateScreen)?;
        let term = ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(out))?;
        Ok(Self {
            term,
            view: cudoctor_watch::tui::View::new(),
            source,
            quit: false,
        })
    }

    fn frame(&mut self, sample: &Sample, watcher: &Watcher) -> anyhow::Result<()> {
        self.view.push(sample);
        let (view, source) = (&self.view, &self.source);
        self.term.draw(|f| view.draw(f, watcher, source))?;
        Ok(())
    }

    /// Waits up to `timeout` for `q`, Esc or Ctrl-C; true when one came.
    fn wait_for_quit(&mut self, timeout: Duration) -> anyhow::Result<bool> {
        use ratatui::crossterm::event::{self, Event, KeyCode, KeyModifiers};
        let end = Instant::now() + timeout;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            if !event::poll(left)? {
                return Ok(false);
            }
            if let Event::Key(k) = event::read()? {
                let ctrl_c =
                    k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL);
                if ctrl_c || matches!(k.code, KeyCode::Char('q') | KeyCode::Esc) {
                    self.quit = true;
                    return Ok(true);
                }
            }
        }
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        let _ = ratatui::crossterm::terminal::disable_raw_mode();
        let _ = ratatui::crossterm::execute!(
            self.term.backend_mut(),
            ratatui::crossterm::terminal::LeaveAlternateScreen
        );
    }
}

/// Runs the watch, reporting its own errors (exit 2): the exit code may be the command's.
pub fn main(ctx: Ctx, args: &WatchArgs, format: FormatArg) -> ExitCode {
    match run(ctx, args, format) {
        Ok(code) => code,
        Err(err) => {
            error::report(&err, ctx.err);
            ExitStatus::Error.into()
        }
    }
}

fn run(ctx: Ctx, args: &WatchArgs, format: FormatArg) -> anyhow::Result<ExitCode> {
    let mode = match format {
        FormatArg::Json => Mode::Json,
        FormatArg::Jsonl => Mode::Jsonl,
        FormatArg::Markdown => {
            return Err(error::hinted(
                "`cudoctor watch` has no Markdown output",
                "use `--format text`, `--format json` or `--format jsonl`",
            ));
        }
        FormatArg::Sh | FormatArg::Compose => {
            return Err(error::hinted(
                "`--format sh` and `--format compose` are only for `cudoctor run`",
                "use `--format text`, `--format json`, `--format jsonl` or `--format tui`",
            ));
        }
        // The view is drawn only on a terminal; elsewhere (a pipe, a file) the text lines.
        FormatArg::Tui if std::io::stdout().is_terminal() => Mode::Tui,
        FormatArg::Text | FormatArg::Tui => Mode::Text,
    };
    let interval = parse_time(&args.interval).context("`--interval`")?;
    if interval < Duration::from_millis(10) {
        return Err(error::hinted(
            format!("`--interval {}` is too short", args.interval),
            "NVML refreshes its counters every few tens of milliseconds at best; use `100ms` or more",
        ));
    }
    let duration = args
        .duration
        .as_deref()
        .map(parse_time)
        .transpose()
        .context("`--duration`")?;
    #[allow(clippy::single_match_else)] // the live arm is the long one
    let (mut sampler, source): (Box<dyn Sampler>, String) = match &args.replay {
        Some(path) => open_replay(path, args.fields.as_deref(), interval)?,
        None => {
            let lib = find_nvml()?;
            let s = NvmlSampler::open(&lib).map_err(|e| {
                error::hinted(
                    format!("cannot watch the GPUs: {e}"),
                    "run `cudoctor check` to see what is wrong with the driver; to judge a recorded log, give `--replay FILE`",
                )
            })?;
            if s.device_count() == 0 {
                return Err(error::hinted(
                    format!("NVML (`{}`) lists no GPU", lib.display()),
                    "run `cudoctor check`; in a container, check `--gpus all` and the NVIDIA Container Toolkit",
                ));
            }
            let source = format!("NVML `{}`", lib.display());
            (Box::new(s), source)
        }
    };
    let live = args.replay.is_none();
    // A live watch without a command stops after 60 s unless told otherwise.
    let duration =
        duration.or((live && args.command.is_empty()).then_some(Duration::from_secs(60)));

    let mut watcher = Watcher::new();
    let mut child = match args.command.split_first() {
        Some((program, rest)) => {
            let mut cmd = std::process::Command::new(program);
            cmd.args(rest);
            if mode != Mode::Text {
                // Our stdout carries the JSON: the command's goes to stderr.
                let fd = std::io::stderr().as_fd().try_clone_to_owned()?;
                cmd.stdout(Stdio::from(fd));
            }
            let c = cmd.spawn().map_err(|e| {
                error::hinted(
                    format!("cannot run `{}`: {e}", args.command.join(" ")),
                    "give the command after `--`, as you would run it: `cudoctor watch -- python train.py`",
                )
            })?;
            watcher.follow_command(args.command.clone());
            Some(c)
        }
        None => None,
    };
    let mut tui = if mode == Mode::Tui {
        Some(Tui::start(source.clone())?)
    } else {
        None
    };
    let start = Instant::now();
    let mut exit_code: Option<i32> = None;
    let result = watch_loop(
        ctx,
        mode,
        tui.as_mut(),
        sampler.as_mut(),
        &mut watcher,
        child.as_mut(),
        live,
        interval,
        duration,
        start,
        &mut exit_code,
    );
    if let Err(e) = result {
        if let Some(c) = child.as_ref() {
            // Sampling failed: the command keeps running on its own; say so.
            return Err(e.context(format!(
                "stopped watching; `{}` (pid {}) keeps running",
                args.command.join(" "),
                c.id()
            )));
        }
        return Err(e);
    }
    if let Some(t) = tui.as_mut() {
        // A replay ends at once: keep its last frame until a key.
        if !live && !t.quit && child.is_none() {
            t.wait_for_quit(Duration::from_secs(3600))?;
        }
    }
    // Back to the normal screen before the report.
    drop(tui);
    let report = watcher.report(&source);
    match mode {
        Mode::Json => ctx.out.out(&to_json(&report)?),
        Mode::Text | Mode::Tui => ctx.out.out(&render_report(&report)),
        Mode::Jsonl => {}
    }
    Ok(match exit_code {
        Some(code) => ExitCode::from((code & 0xff) as u8),
        None => ExitStatus::Success.into(),
    })
}

#[allow(clippy::too_many_arguments)]
fn watch_loop(
    ctx: Ctx,
    mode: Mode,
    mut tui: Option<&mut Tui>,
    sampler: &mut dyn Sampler,
    watcher: &mut Watcher,
    mut child: Option<&mut Child>,
    live: bool,
    interval: Duration,
    duration: Option<Duration>,
    start: Instant,
    exit_code: &mut Option<i32>,
) -> anyhow::Result<()> {
    let mut first_t: Option<Duration> = None;
    loop {
        let tick = Instant::now();
        let Some(sample) = sampler.sample()? else {
            break;
        };
        let t0 = *first_t.get_or_insert(sample.t);
        if let Some(d) = duration {
            let elapsed = if live {
                start.elapsed()
            } else {
                sample.t.saturating_sub(t0)
            };
            if elapsed > d {
                break;
            }
        }
        let obs = child.as_ref().map(|c| {
            let stats = proctree::scan(Path::new("/proc"));
            let (pids, cpu_s) = proctree::tree(&stats, c.id());
            CommandObservation { pids, cpu_s }
        });
        watcher.push_with(&sample, obs.as_ref());
        match mode {
            Mode::Text => ctx.out.out(&sample_lines(&sample, watcher)),
            Mode::Jsonl => {
                let mut line = serde_json::to_string(&sample)?;
                line.push('\n');
                ctx.out.out(&line);
            }
            Mode::Tui => {
                if let Some(t) = tui.as_deref_mut() {
                    t.frame(&sample, watcher)?;
                }
            }
            Mode::Json => {}
        }
        if let Some(c) = child.as_deref_mut() {
            if let Some(status) = c.try_wait()? {
                let code = status
                    .code()
                    .or_else(|| status.signal().map(|s| 128 + s))
                    .unwrap_or(1);
                *exit_code = Some(code);
                watcher.command_exited(sample.t, code);
                break;
            }
        }
        let rest = interval.saturating_sub(tick.elapsed());
        if let Some(t) = tui.as_deref_mut() {
            // Live: the next sample; a replay plays at one sample per interval. `q` stops the
            // watch (a followed command keeps running).
            if t.wait_for_quit(rest)? {
                break;
            }
        } else if live {
            std::thread::sleep(rest);
        }
    }
    Ok(())
}

/// A replay of `path`: our JSONL when it is `.jsonl` or starts with `{`, else an nvidia-smi CSV.
fn open_replay(
    path: &Path,
    fields: Option<&str>,
    interval: Duration,
) -> anyhow::Result<(Box<dyn Sampler>, String)> {
    let source = format!("replay `{}`", path.display());
    let head = std::fs::read(path)
        .map(|b| b.iter().copied().find(|c| !c.is_ascii_whitespace()))
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    let jsonl = path.extension().is_some_and(|e| e == "jsonl") || head == Some(b'{');
    if jsonl {
        if fields.is_some() {
            return Err(error::hinted(
                format!(
                    "`--fields` is for nvidia-smi CSV logs; `{}` is a JSONL recording",
                    path.display()
                ),
                "drop `--fields`: each JSONL sample names its fields",
            ));
        }
        return Ok((Box::new(JsonlReplay::open(path)?), source));
    }
    let fields: Option<Vec<String>> = fields.map(|f| {
        f.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect()
    });
    let replay = CsvReplay::open(path, fields.as_deref())?.with_interval(interval);
    Ok((Box::new(replay), source))
}

/// The NVML library to load: the loader emulation's answer for `libnvidia-ml.so.1` on this host
/// (or WSL2's `/usr/lib/wsl/lib`), checked as `cudoctor check` checks it; the error names every
/// path the emulation tried.
fn find_nvml() -> anyhow::Result<PathBuf> {
    let root = cudoctor_probe::Root::host();
    let env = cudoctor_probe::Env::from_process();
    if let Some(v) = env.get_nonempty(cudoctor_probe::env_vars::LD_LIBRARY_PATH) {
        let bad = cudoctor_probe::ldso::current_directory_entries(v);
        if !bad.is_empty() {
            return Err(error::hinted(
                format!(
                    "not loading `{NVML_SONAME}`: `LD_LIBRARY_PATH={v}` has entries relative to the current directory ({})",
                    bad.join("; ")
                ),
                "use absolute directories in `LD_LIBRARY_PATH`",
            ));
        }
    }
    let res = cudoctor_probe::which(&root, &env, NVML_SONAME, None);
    #[allow(clippy::single_match_else)] // the not-found arm builds the message
    let path = match &res.chosen {
        Some(c) => PathBuf::from(&c.path),
        None => {
            let wsl = Path::new("/usr/lib/wsl/lib").join(NVML_SONAME);
            if root.is_file(&wsl) {
                wsl
            } else {
                let tried: Vec<String> = res
                    .candidates
                    .iter()
                    .map(|c| format!("`{}` ({:?})", c.path, c.outcome).to_lowercase())
                    .collect();
                let ld = env
                    .get_nonempty(cudoctor_probe::env_vars::LD_LIBRARY_PATH)
                    .map_or_else(|| "unset".to_owned(), |v| format!("`{v}`"));
                let mut searched = format!(
                    "`LD_LIBRARY_PATH` ({ld}), `/etc/ld.so.cache`, {}",
                    res.notes.join("; ")
                );
                let _ = write!(
                    searched,
                    "; candidates: {}; and `{}` (WSL2): missing",
                    if tried.is_empty() {
                        "none".to_owned()
                    } else {
                        tried.join(", ")
                    },
                    wsl.display()
                );
                return Err(error::hinted(
                    format!(
                        "no NVIDIA GPU to watch: `{NVML_SONAME}` (NVML, installed with the NVIDIA driver) was not found. The loader emulation searched {searched}"
                    ),
                    "install the NVIDIA driver (`cudoctor check` says which one), or judge a recorded log with `--replay FILE` (`nvidia-smi --query-gpu=... --format=csv -l 1 > FILE`)",
                ));
            }
        }
    };
    cudoctor_probe::live::safe_to_load(&root, &path).map_err(|why| {
        error::hinted(
            format!("not loading `{}`: {why}", path.display()),
            "fix the permissions of the driver's files",
        )
    })?;
    if let Some(real) = res.chosen.as_ref().and_then(|c| c.real_path.as_deref()) {
        cudoctor_probe::live::safe_to_load(&root, Path::new(real)).map_err(|why| {
            error::hinted(
                format!("not loading `{real}`: {why}"),
                "fix the permissions of the driver's files",
            )
        })?;
    }
    Ok(path)
}

/// `500ms`, `1s`, `1.5s`, `2m`, `1h`, or a bare number of seconds.
fn parse_time(text: &str) -> anyhow::Result<Duration> {
    let t = text.trim();
    let (num, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60.0)
    } else if let Some(n) = t.strip_suffix('h') {
        (n, 3600.0)
    } else {
        (t, 1.0)
    };
    match num.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v * scale <= 366.0 * 86_400.0 => {
            Ok(Duration::from_secs_f64(v * scale))
        }
        _ => Err(error::hinted(
            format!("`{text}` is not a time"),
            "write it as `500ms`, `2s`, `10m` or `1h`",
        )),
    }
}

fn opt<T: std::fmt::Display>(v: Option<T>, unit: &str) -> String {
    v.map_or_else(|| "-".to_owned(), |v| format!("{v}{unit}"))
}

/// One line per GPU: `12.5s gpu0 sm 95% mem 70% 30.1/80.0 GiB 250 W 1410/1980 MHz  healthy`.
fn sample_lines(sample: &Sample, watcher: &Watcher) -> String {
    let mut out = String::new();
    let t = sample.t.as_secs_f64();
    for g in &sample.gpus {
        let verdict = if watcher.command_not_using_gpu() {
            "not-using-gpu".to_owned()
        } else {
            watcher
                .live(g.index)
                .and_then(|a| a.verdict)
                .map_or_else(|| "(deciding)".to_owned(), |v| v.id().to_owned())
        };
        let _ = writeln!(out, "{t:.1}s gpu{} {}  {verdict}", g.index, gpu_fields(g));
    }
    for l in &sample.lost {
        let who = l
            .index
            .map_or_else(|| "gpu?".to_owned(), |i| format!("gpu{i}"));
        let _ = writeln!(out, "{t:.1}s {who} lost: {}", l.message);
    }
    out
}

fn gpu_fields(g: &GpuSample) -> String {
    let mem = match (g.mem_used_mib, g.mem_total_mib) {
        (Some(u), Some(t)) => format!("{:.1}/{:.1} GiB", u as f64 / 1024.0, t as f64 / 1024.0),
        (Some(u), None) => format!("{:.1} GiB", u as f64 / 1024.0),
        _ => "- GiB".to_owned(),
    };
    let clocks = format!(
        "{}/{} MHz",
        opt(g.sm_clock_mhz, ""),
        opt(g.max_sm_clock_mhz, "")
    );
    let mut s = format!(
        "sm {} mem {} {mem} {} {clocks}",
        opt(g.sm_util, "%"),
        opt(g.mem_util, "%"),
        opt(g.power_w.map(|w| format!("{w:.0}")), " W"),
    );
    let slow: Vec<&str> = g
        .throttle
        .iter()
        .filter(|r| r.is_slowdown())
        .map(|r| r.id())
        .collect();
    if !slow.is_empty() {
        let _ = write!(s, " {}C [{}]", opt(g.temperature_c, ""), slow.join(", "));
    }
    s
}

/// The end of a text watch: the verdicts with their numbers and fixes, the time per state,
/// the events.
fn render_report(r: &Report) -> String {
    let mut out = String::new();
    let id = |v: Option<cudoctor_watch::Verdict>| v.map_or("undecided", |v| v.id());
    let _ = writeln!(out, "\nverdict: {} ({})", id(r.verdict), r.explanation);
    if r.verdict == Some(cudoctor_watch::Verdict::NotUsingGpu) {
        for f in &r.fix {
            let _ = writeln!(out, "  fix: {f}");
        }
    }
    for g in &r.gpus {
        let name = g.name.as_deref().unwrap_or("");
        let _ = writeln!(out, "gpu{} {name}: {}", g.index, id(g.verdict));
        let _ = writeln!(out, "  {}", g.explanation);
        for f in &g.fix {
            let _ = writeln!(out, "  fix: {f}");
        }
    }
    let t = &r.summary.time_s;
    let times: Vec<String> = [
        ("healthy", t.healthy),
        ("input-bound", t.input_bound),
        ("host-sync", t.host_sync),
        ("idle", t.idle),
        ("throttled", t.throttled),
        ("not-using-gpu", t.not_using_gpu),
        ("undecided", t.undecided),
    ]
    .into_iter()
    .filter(|(_, s)| *s > 0.0)
    .map(|(k, s)| format!("{k} {s:.1} s"))
    .collect();
    let s = &r.summary;
    let _ = writeln!(
        out,
        "{} samples over {:.1} s from {}; time: {}",
        s.samples,
        s.duration_s,
        r.source,
        if times.is_empty() {
            "-".to_owned()
        } else {
            times.join(", ")
        }
    );
    let _ = writeln!(
        out,
        "SM utilization: mean {}, p50 {}, p95 {}; peak memory used {}",
        opt(s.sm_util_mean, "%"),
        opt(s.sm_util_p50, "%"),
        opt(s.sm_util_p95, "%"),
        opt(
            s.peak_mem_used_mib
                .map(|m| format!("{:.1}", m as f64 / 1024.0)),
            " GiB"
        ),
    );
    if let Some(c) = &s.command {
        let _ = writeln!(
            out,
            "command `{}`: exit code {}, {} process(es), {:.1} s CPU, on the GPU: {}",
            c.argv.join(" "),
            opt(c.exit_code, ""),
            c.pids_seen,
            c.cpu_s,
            if c.gpu_pids.is_empty() {
                "none".to_owned()
            } else {
                c.gpu_pids
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        );
    }
    for e in &s.events {
        let who = e.gpu.map_or_else(String::new, |i| format!(" gpu{i}"));
        let kind = serde_json::to_value(e.kind)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        let _ = writeln!(out, "{:.1}s{who} {kind}: {}", e.t_s, e.message);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(parse_time("500ms").ok(), Some(Duration::from_millis(500)));
        assert_eq!(parse_time("1.5s").ok(), Some(Duration::from_millis(1500)));
        assert_eq!(parse_time("2m").ok(), Some(Duration::from_secs(120)));
        assert_eq!(parse_time("1h").ok(), Some(Duration::from_secs(3600)));
        assert_eq!(parse_time("3").ok(), Some(Duration::from_secs(3)));
        assert!(parse_time("soon").is_err());
        assert!(parse_time("0s").is_err());
        assert!(parse_time("-1s").is_err());
    }

    #[test]
    fn a_line() {
        let g = GpuSample {
            index: 0,
            sm_util: Some(95),
            mem_util: Some(70),
            mem_used_mib: Some(30_822),
            mem_total_mib: Some(81_920),
            power_w: Some(250.4),
            sm_clock_mhz: Some(1410),
            max_sm_clock_mhz: Some(1980),
            ..GpuSample::default()
        };
        assert_eq!(
            gpu_fields(&g),
            "sm 95% mem 70% 30.1/80.0 GiB 250 W 1410/1980 MHz"
        );
        assert_eq!(
            gpu_fields(&GpuSample::default()),
            "sm - mem - - GiB - -/- MHz"
        );
    }
}
