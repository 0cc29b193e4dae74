//! `cudoctor archs FILE...`: the GPU code (SASS and PTX) inside ELF files, read from the CUDA
//! fatbinary headers without a CUDA toolkit; with `--cc` / `--gpu`, whether that GPU can run it.

use cudoctor_fatbin::{ArchsReport, FileReport, read_file};
use cudoctor_kb::kb;
use cudoctor_kb::version::ComputeCapability;
use serde::Serialize;

use crate::cli::{ArchsArgs, Format};
use crate::render;
use crate::render::archs::Verdict;
use crate::{Ctx, ExitStatus, error, no_markdown, to_json};

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
            .map(|f| render::archs::verdict(&f.path, &f.archs, cc))
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
        _ => render::archs::render(
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
