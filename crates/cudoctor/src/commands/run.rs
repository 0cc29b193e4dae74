//! `cudoctor run SPEC`: the `docker run` line (S9, S15) or Compose file for a release's image.

use anyhow::Context as _;
use cudoctor_kb::kb;
use cudoctor_setup::{Gpus, RunOptions};
use serde::Serialize;

use super::dockerfile::setup_error;
use crate::cli::{Format, RunArgs};
use crate::{Ctx, ExitStatus, no_markdown, to_json};

/// `run --format json`.
#[derive(Serialize)]
struct RunJson<'a> {
    schema_version: u32,
    #[serde(flatten)]
    plan: &'a cudoctor_setup::RunPlan,
    compose: serde_json::Value,
}

pub fn run(ctx: Ctx, args: &RunArgs) -> anyhow::Result<ExitStatus> {
    no_markdown(ctx, "run")?;
    let what = format!("cannot write a `docker run` for `{}`", args.spec);
    let gpus = Gpus::parse(&args.gpus).map_err(|e| setup_error(e, &what))?;
    let opts = RunOptions {
        spec: args.spec.clone(),
        gpus,
        memory: args.memory.clone(),
        data: args.data.clone(),
        jupyter: args.jupyter,
    };
    let plan = cudoctor_setup::plan(kb(), &opts).map_err(|e| setup_error(e, &what))?;
    let text = if ctx.format == Format::Json {
        to_json(&RunJson {
            schema_version: 1,
            plan: &plan,
            compose: plan.compose_value(),
        })
        .context("cannot write the JSON")?
    } else if args.compose {
        plan.compose_yaml().map_err(|e| setup_error(e, &what))?
    } else {
        let mut t = String::new();
        for n in &plan.notes {
            t.push_str("# ");
            t.push_str(n);
            t.push('\n');
        }
        t.push_str(&plan.command);
        t.push('\n');
        t
    };
    ctx.out.out(&text);
    Ok(ExitStatus::Success)
}
