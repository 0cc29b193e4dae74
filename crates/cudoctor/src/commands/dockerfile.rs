//! `cudoctor dockerfile SPEC`: a Dockerfile pinned to one framework release, from the knowledge
//! base (`cudoctor-setup` writes it).

use anyhow::Context as _;
use cudoctor_kb::kb;
use cudoctor_setup::{BaseChoice, DockerfileOptions, Gpus, SetupError};

use crate::cli::{BaseArg, DockerfileArgs, Format};
use crate::{Ctx, ExitStatus, error, no_markdown, to_json};

/// A setup error with its hint, in the binary's error form.
pub(crate) fn setup_error(e: SetupError, what: &str) -> anyhow::Error {
    let hint = e.hint();
    let e = anyhow::Error::new(e);
    match hint {
        Some(h) => e.context(error::Hinted {
            message: what.to_owned(),
            hint: Some(h),
        }),
        None => e.context(what.to_owned()),
    }
}

pub fn run(ctx: Ctx, args: &DockerfileArgs) -> anyhow::Result<ExitStatus> {
    no_markdown(ctx, "dockerfile")?;
    let what = format!("cannot write a Dockerfile for `{}`", args.spec);
    let gpus = args
        .gpus
        .as_deref()
        .map(Gpus::parse)
        .transpose()
        .map_err(|e| setup_error(e, &what))?;
    let opts = DockerfileOptions {
        spec: args.spec.clone(),
        jupyter: args.jupyter,
        python: args.python.clone(),
        base: match args.base {
            BaseArg::Official => BaseChoice::Official,
            BaseArg::Cuda => BaseChoice::Cuda,
        },
        gpus,
        with_cudoctor: args.with_cudoctor,
    };
    let generated = cudoctor_setup::dockerfile(kb(), &opts).map_err(|e| setup_error(e, &what))?;
    let text = match ctx.format {
        Format::Json => to_json(&generated).context("cannot write the JSON")?,
        _ => generated.dockerfile,
    };
    ctx.out.out(&text);
    Ok(ExitStatus::Success)
}
