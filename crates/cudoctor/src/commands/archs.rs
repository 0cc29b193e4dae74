//! `cudoctor archs FILE...`: the GPU code (SASS and PTX) inside ELF files, read from the CUDA
//! fatbinary headers without a CUDA toolkit; with `--cc` / `--gpu`, whether that GPU can run it.

use cudoctor_fatbin::{ArchsReport, FileArchs, FileReport, KernelSource, read_file};
use cudoctor_kb::kb;
use cudoctor_kb::version::ComputeCapability;
use serde::Serialize;
use std::fmt::Write as _;

use crate::cli::{ArchsArgs, Format};
use crate::printer::{Printer, Tone};
use crate::{Ctx, ExitStatus, error, no_markdown, to_json};

#[derive(Serialize)]
struct Verdict {
    path: String,
    compute_capability: String,
    /// `sass`, `ptx_jit` or `no_kernel_image`.
    kernel_source: &'static str,
    detail: String,
}

#[derive(Serialize)]
struct ArchsJson {
    #[serde(flatten)]
    report: ArchsReport,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    verdicts: Vec<Verdict>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<String>,
}

pub fn run(ctx: Ctx, args: &ArchsArgs) -> anyhow::Result<ExitStatus> {
    no_markdown(ctx, "archs")?;
    let gpu = gpu_capability(args)?;
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in &args.files {
        match read_file(path) {
            Ok(archs) => files.push(FileReport {
                path: path.display().to_string(),
                archs,
            }),
            Err(e) => errors.push(anyhow::Error::new(e)),
        }
    }
    let verdicts: Vec<Verdict> = match gpu {
        Some((cc, _)) => files
            .iter()
            .map(|f| verdict(&f.path, &f.archs, cc))
            .collect(),
        None => Vec::new(),
    };
    let text = match ctx.format {
        Format::Json => to_json(&ArchsJson {
            report: ArchsReport::new(files),
            verdicts,
            // `{:#}`: the message and its causes on one line.
            errors: errors.iter().map(|e| format!("{e:#}")).collect(),
        })?,
        _ => render(
            &files,
            &verdicts,
            gpu.as_ref().map(|(_, l)| l.as_str()),
            ctx.out,
        ),
    };
    ctx.out.out(&text);
    if errors.is_empty() {
        Ok(ExitStatus::Success)
    } else {
        for e in &errors {
            error::report(e, ctx.err);
        }
        Ok(ExitStatus::Error)
    }
}

fn gpu_capability(args: &ArchsArgs) -> anyhow::Result<Option<(ComputeCapability, String)>> {
    if let Some(cc) = &args.cc {
        let c: ComputeCapability = super::machine::known_cc(cc)?;
        return Ok(Some((c, format!("compute capability {c}"))));
    }
    if let Some(name) = &args.gpu {
        let row = kb().gpu_by_name(name).map_err(|e| match e.hint() {
            Some(h) => error::hinted(e.to_string(), h),
            None => anyhow::Error::new(e),
        })?;
        let Some(cc) = row.cc else {
            return Err(error::hinted(
                format!(
                    "the compute capability of `{}` is unknown to the knowledge base",
                    row.name
                ),
                "give it with `--cc X.Y`",
            ));
        };
        return Ok(Some((
            cc,
            format!("{} (compute capability {cc})", row.name),
        )));
    }
    Ok(None)
}

fn verdict(path: &str, archs: &FileArchs, cc: ComputeCapability) -> Verdict {
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
        KernelSource::NoKernelImage if !archs.has_gpu_code() => {
            ("no_kernel_image", "the file carries no GPU code".to_owned())
        }
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

fn render(files: &[FileReport], verdicts: &[Verdict], gpu: Option<&str>, p: Printer) -> String {
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
