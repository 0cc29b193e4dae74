//! `archs`: the GPU code in each file, and whether a given GPU can run it, in words.

use std::fmt::Write as _;

use cudoctor_fatbin::{FileArchs, FileReport, KernelSource};
use cudoctor_kb::version::ComputeCapability;
use serde::Serialize;

use super::{Printer, Tone};

/// Whether one file runs on the GPU asked about, and how.
#[derive(Serialize)]
pub struct Verdict {
    pub path: String,
    pub compute_capability: String,
    /// `sass`, `ptx_jit` or `no_kernel_image`.
    pub kernel_source: &'static str,
    pub detail: String,
}

/// The verdict for the file at `path` with `archs` on a GPU of compute capability `cc`.
pub fn verdict(path: &str, archs: &FileArchs, cc: ComputeCapability) -> Verdict {
    let (kernel_source, detail) = match archs.kernel_source(cc) {
        KernelSource::Sass(s) => (
            "sass",
            format!("runs the {} machine code as is", s.sm_name()),
        ),
        KernelSource::PtxJit { ptx, isa } => (
            "ptx_jit",
            format!(
                "no machine code for {cc}; the driver JIT-compiles the {} PTX{} at first start (slow start; the driver must understand that PTX ISA)",
                ptx.compute_name(),
                isa.map(|i| format!(" (PTX ISA {i})")).unwrap_or_default()
            ),
        ),
        KernelSource::NoKernelImage if !archs.has_gpu_code() => (
            "no_kernel_image",
            "no GPU code to judge: a host-side library (the CUDA runtime, a driver API wrapper), whose kernels, if any, come from other files".to_owned(),
        ),
        KernelSource::NoKernelImage => (
            "no_kernel_image",
            format!(
                "no machine code for {cc} and no PTX it can JIT: CUDA fails with \"no kernel image is available for execution on the device\""
            ),
        ),
    };
    Verdict {
        path: path.to_owned(),
        compute_capability: cc.to_string(),
        kernel_source,
        detail,
    }
}

fn arch_list<T>(
    map: &std::collections::BTreeMap<cudoctor_fatbin::SmArch, T>,
    show: impl Fn(&T) -> String,
) -> String {
    if map.is_empty() {
        return "none".to_owned();
    }
    map.iter()
        .map(|(a, n)| format!("{} ({})", a.capability().sm_name(), show(n)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The GPU code of `files` and, for a GPU asked about (`gpu`, in words), their `verdicts`.
pub fn render(files: &[FileReport], verdicts: &[Verdict], gpu: Option<&str>, p: Printer) -> String {
    let mut out = String::new();
    for f in files {
        out.push_str(&p.paint(Tone::Bold, &format!("`{}`", f.path)));
        out.push('\n');
        let a = &f.archs;
        if a.has_gpu_code() {
            let _ = writeln!(out, "  SASS  {}", arch_list(&a.sass, ToString::to_string));
            let ptx = if a.ptx.is_empty() {
                "none".to_owned()
            } else {
                a.ptx
                    .iter()
                    .map(|(arch, n)| {
                        let isa = a
                            .ptx_isa
                            .get(arch)
                            .map(|i| format!(", PTX ISA {i}"))
                            .unwrap_or_default();
                        format!("{} ({n}{isa})", arch.capability().compute_name())
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let _ = writeln!(out, "  PTX   {ptx}");
            if a.compressed_entries > 0 {
                let _ = writeln!(out, "  compressed entries: {}", a.compressed_entries);
            }
        } else {
            out.push_str("  no GPU code (no CUDA fatbinary in `.nv_fatbin` or `__nv_relfatbin`)\n");
        }
        for w in &a.warnings {
            let _ = writeln!(out, "  {} {w}", p.paint(Tone::Warning, "warning:"));
        }
        if let Some(v) = verdicts.iter().find(|v| v.path == f.path) {
            let (tone, word) = match v.kernel_source {
                "sass" => (Tone::Ok, "runs"),
                "ptx_jit" => (Tone::Warning, "runs after JIT"),
                // Nothing inside for the GPU: not a failure to run.
                _ if !a.has_gpu_code() => (Tone::Bold, "nothing to run"),
                _ => (Tone::Error, "cannot run"),
            };
            let _ = writeln!(
                out,
                "  {} on {}: {}",
                p.paint(tone, word),
                gpu.unwrap_or(&v.compute_capability),
                v.detail
            );
        }
    }
    out
}
