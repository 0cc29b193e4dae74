//! `cudoctor probe`: the facts, as a readable summary or as a snapshot (`--format json`).

use crate::cli::{Format, ProbeArgs};
use crate::render;
use crate::{Ctx, ExitStatus, no_markdown};

pub fn run(ctx: Ctx, args: &ProbeArgs) -> anyhow::Result<ExitStatus> {
    no_markdown(ctx, "probe")?;
    let mut facts = crate::source::Facts::open(&args.source)?;
    // The loader's answers for the installed frameworks, and for each `--for` target: what
    // `check` asks, so `check --snapshot` of this file reads the same answers.
    let mut targets = super::check::targets(&[], &facts.snapshot, true)?;
    if !args.targets.is_empty() {
        targets.extend(super::check::targets(
            &args.targets,
            &facts.snapshot,
            args.offline,
        )?);
    }
    facts.answer_for(&targets);
    let mut snap = facts.snapshot;
    if args.redact {
        super::report::redact(ctx, &mut snap)?;
    }
    let text = match ctx.format {
        Format::Json => {
            let mut t = snap.to_json()?;
            t.push('\n');
            t
        }
        _ => render::probe::render(&crate::term::escaped(&snap)?, ctx.out),
    };
    ctx.out.out(&text);
    Ok(ExitStatus::Success)
}
