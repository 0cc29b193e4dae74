//! `probe`: the facts as a readable summary, one section per part of the stack.

use std::fmt::Write as _;

use cudoctor_probe::Snapshot;

use super::{Printer, Tone, resolved};

/// A snapshot fact as `value (source)`, `unknown (why)` or `not found`.
pub fn fact_of<T: ToString>(f: &cudoctor_probe::snapshot::Fact<T>) -> String {
    fact(f.value(), f.source(), f.unknown_reason())
}

/// `value (source)`, `unknown (why)` or `not found`.
pub fn fact<T: ToString>(v: Option<&T>, source: Option<&str>, unknown: Option<&str>) -> String {
    match (v, unknown) {
        (Some(v), _) => match source {
            Some(s) => format!("{}  ({s})", v.to_string()),
            None => v.to_string(),
        },
        (None, Some(why)) => format!("unknown ({why})"),
        (None, None) => "not found".to_owned(),
    }
}

fn section(out: &mut String, p: Printer, title: &str) {
    out.push('\n');
    out.push_str(&p.paint(Tone::Bold, title));
    out.push('\n');
}

/// A section of a list of things, `none found` when empty.
fn list_section<T>(out: &mut String, p: Printer, title: &str, items: &[T]) {
    section(out, p, title);
    if items.is_empty() {
        out.push_str("  none found\n");
    }
}

/// The readable summary of `s`.
#[allow(clippy::many_single_char_names)] // one letter per snapshot section, in a long renderer
pub fn render(s: &Snapshot, p: Printer) -> String {
    let mut out = String::new();
    let _ = write!(out, "Probed {} `{}`", s.root.kind, s.root.path);
    if s.environment.source == "--env" && s.environment.variables.is_empty() {
        out.push_str(" (no environment: none given with `--env`)");
    } else if !s.environment.source.is_empty() {
        let _ = write!(out, " (environment: {})", s.environment.source);
    }
    out.push('\n');

    section(&mut out, p, "Driver");
    let d = &s.driver;
    let _ = writeln!(
        out,
        "  kernel module    {}",
        fact_of(&d.kernel_module_version)
    );
    if let Some(flavor) = &d.kernel_module_flavor {
        let _ = writeln!(out, "  module flavor    {flavor}");
    }
    let _ = writeln!(out, "  user space       {}", fact_of(&d.userspace_version));
    let _ = writeln!(out, "  supports CUDA    {}", fact_of(&d.cuda_version));
    if d.newest_toolkit.is_some() {
        let _ = writeln!(
            out,
            "  newest toolkit   {}",
            fact(d.newest_toolkit.as_ref(), d.newest_toolkit.source(), None)
        );
    }

    list_section(&mut out, p, "GPUs", &s.gpus);
    for (i, g) in s.gpus.iter().enumerate() {
        let name = g.name.cloned().unwrap_or_else(|| "unnamed GPU".to_owned());
        let cc = fact_of(&g.compute_capability);
        let _ = writeln!(out, "  {i}  {name}\n     compute capability {cc}");
        if let Some(bus) = &g.bus_location {
            let _ = writeln!(out, "     bus {bus}");
        }
        if let Some(m) = g.memory_total_bytes.as_ref() {
            let _ = writeln!(out, "     memory {} MiB", m / (1024 * 1024));
        }
    }
    let n = &s.device_nodes;
    let mut nodes: Vec<String> = n.gpus.clone();
    if n.nvidiactl {
        nodes.push("/dev/nvidiactl".to_owned());
    }
    if n.nvidia_uvm {
        nodes.push("/dev/nvidia-uvm".to_owned());
    }
    let _ = writeln!(
        out,
        "  device nodes: {}",
        match (&n.unknown, nodes.is_empty()) {
            (Some(why), _) => format!("unknown ({why})"),
            (None, true) => "none".to_owned(),
            (None, false) => nodes.join(", "),
        }
    );

    list_section(&mut out, p, "CUDA toolkits", &s.cuda_toolkits);
    for t in &s.cuda_toolkits {
        let real = resolved(&t.root, t.real_root.as_deref(), "");
        let _ = writeln!(
            out,
            "  `{}`{real}: {}  [{}]",
            t.root,
            fact_of(&t.version),
            t.found_via.join(", ")
        );
    }

    list_section(&mut out, p, "CUDA libraries", &s.libraries);
    for l in &s.libraries {
        let soname = l.soname.cloned().unwrap_or_else(|| "?".to_owned());
        let version = l
            .version
            .cloned()
            .unwrap_or_else(|| "version unknown".to_owned());
        let dangling = if l.dangling { "  DANGLING LINK" } else { "" };
        let _ = writeln!(out, "  {soname:<24} {version:<14} `{}`{dangling}", l.path);
    }

    list_section(&mut out, p, "cuDNN", &s.cudnn);
    for c in &s.cudnn {
        let _ = writeln!(
            out,
            "  {:<8} {}  `{}`",
            c.kind,
            fact(c.version.as_ref(), None, c.version.unknown_reason()),
            c.path
        );
    }

    list_section(&mut out, p, "Python environments", &s.python_environments);
    for e in &s.python_environments {
        let v = e
            .python_version
            .as_ref()
            .map_or_else(|| "Python ?".to_owned(), |v| format!("Python {v}"));
        let active = if e.active { ", active" } else { "" };
        let _ = writeln!(out, "  `{}` ({}, {v}{active})", e.path, e.kind);
    }
    if let Some(a) = &s.active_python {
        match &a.unknown {
            Some(why) => {
                let _ = writeln!(out, "  active: unknown ({why})");
            }
            None => {
                let _ = writeln!(out, "  active: {}", a.detail);
            }
        }
    }

    list_section(&mut out, p, "Frameworks", &s.frameworks);
    for f in &s.frameworks {
        let v = f
            .version
            .as_ref()
            .map_or_else(|| "?".to_owned(), ToString::to_string);
        let cuda = f
            .cuda_version
            .as_ref()
            .map_or_else(|| "?".to_owned(), ToString::to_string);
        let cudnn = f
            .cudnn_version
            .as_ref()
            .map_or_else(|| "?".to_owned(), ToString::to_string);
        let _ = writeln!(
            out,
            "  {} {v}: built with CUDA {cuda}, cuDNN {cudnn}  in `{}`",
            f.name, f.environment
        );
        if let Some(cc) = f.compute_capabilities.as_ref() {
            let _ = writeln!(out, "     GPU code: {}", cc.join(", "));
        }
    }

    let c = &s.container;
    if !c.markers.is_empty()
        || c.docker_daemon.is_some()
        || !c.nvidia_container_tools.is_empty()
        || c.nvidia_require_cuda.is_some()
    {
        section(&mut out, p, "Containers");
        if !c.markers.is_empty() {
            let _ = writeln!(out, "  inside a container: {}", c.markers.join(", "));
        }
        if let Some(v) = &c.nvidia_require_cuda {
            let _ = writeln!(out, "  NVIDIA_REQUIRE_CUDA={v}");
        }
        if let Some(v) = &c.cuda_version_env {
            let _ = writeln!(out, "  CUDA_VERSION={v}");
        }
        if let Some(dd) = &c.docker_daemon {
            match &dd.unknown {
                Some(why) => {
                    let _ = writeln!(out, "  `{}`: unknown ({why})", dd.path);
                }
                None => {
                    let _ = writeln!(
                        out,
                        "  `{}`: runtimes [{}], default-runtime {}",
                        dd.path,
                        dd.runtimes.join(", "),
                        dd.default_runtime.as_deref().unwrap_or("not set")
                    );
                }
            }
        }
        if !c.nvidia_container_tools.is_empty() {
            let _ = writeln!(
                out,
                "  NVIDIA container tools: {}",
                c.nvidia_container_tools.join(", ")
            );
        }
    }

    if let Some(live) = &s.live {
        section(&mut out, p, "Live driver calls");
        let _ = writeln!(
            out,
            "  libcuda          {}",
            fact(live.libcuda.as_ref(), None, live.libcuda_unknown.as_deref(),)
        );
        let _ = writeln!(
            out,
            "  cuDriverGetVersion {}",
            fact(
                live.cu_driver_get_version.as_ref(),
                None,
                live.cu_driver_get_version.unknown_reason()
            )
        );
        if let Some(code) = live.cu_init {
            let _ = writeln!(
                out,
                "  cuInit           {code} {}",
                live.cu_init_name.as_deref().unwrap_or("")
            );
        }
        let _ = writeln!(
            out,
            "  NVML             {}",
            match (&live.nvml.driver_version, &live.nvml.unknown) {
                (Some(v), _) => format!("driver {v}, {} device(s)", live.nvml.devices.len()),
                (None, Some(why)) => format!("unknown ({why})"),
                (None, None) => "not loaded".to_owned(),
            }
        );
    }

    if !s.environment.variables.is_empty() {
        section(&mut out, p, "Environment");
        for (k, v) in &s.environment.variables {
            let _ = writeln!(out, "  {k}={v}");
        }
    }
    if !s.probe_errors.is_empty() {
        section(&mut out, p, "Could not read");
        for e in &s.probe_errors {
            let path = e
                .path
                .as_deref()
                .map(|p| format!("`{p}`: "))
                .unwrap_or_default();
            let _ = writeln!(out, "  [{}] {path}{}", e.collector, e.message);
        }
    }
    out
}
