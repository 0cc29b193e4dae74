//! `cudoctor report`: a bug-report block with the fields PyTorch maintainers ask for (`python -m
//! torch.utils.collect_env`), plus the TensorFlow and JAX equivalents, each read from files and
//! the real loader, "Could not collect (why)" where unknown.

use crate::cli::{Format, ReportArgs};
use crate::render;
use crate::{Ctx, ExitStatus, to_json};

pub fn run(ctx: Ctx, args: &ReportArgs) -> anyhow::Result<ExitStatus> {
    let mut snap = crate::source::Facts::of_installed(&args.source)?;
    if args.redact {
        redact(ctx, &mut snap)?;
    }
    if ctx.format != Format::Json {
        snap = crate::term::escaped(&snap)?;
    }
    let fields = render::report::fields(&snap);
    let text = match ctx.format {
        Format::Json => {
            let map: serde_json::Map<String, serde_json::Value> = fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v.clone())))
                .collect();
            to_json(&serde_json::json!({"schema_version": 1, "fields": map}))?
        }
        Format::Text => render::report::lines(&fields),
        Format::Markdown => render::report::markdown(&fields, &snap),
    };
    ctx.out.out(&text);
    Ok(ExitStatus::Success)
}

/// `--redact` (report and probe): the snapshot redacted; what could not be redacted goes to
/// stderr, so the user knows before sharing.
pub fn redact(ctx: Ctx, snap: &mut cudoctor_probe::Snapshot) -> anyhow::Result<()> {
    let notes = snap
        .redact()
        .map_err(|e| anyhow::anyhow!("redacting the facts: {e}"))?;
    for n in notes {
        crate::error::warn(ctx.err, &format!("--redact: {n}"));
    }
    Ok(())
}
