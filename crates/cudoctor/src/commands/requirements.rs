//! `cudoctor requirements SPEC`: what a framework release needs.

use anyhow::Context as _;
use cudoctor_kb::{QueryError, Spec, kb};

use super::newer;

use crate::cli::RequirementsArgs;
use crate::render;
use crate::{Ctx, ExitStatus, error};

pub fn run(ctx: Ctx, args: &RequirementsArgs) -> anyhow::Result<ExitStatus> {
    // A bare name (`tensorflow`) is the newest release the embedded data knows.
    let text = crate::spec::complete(&args.spec, None);
    let spec: Spec = text.parse().map_err(|e: cudoctor_kb::SpecParseError| {
        error::hinted(
            e.to_string(),
            "write NAME==VERSION, e.g. `tensorflow==2.9.0`, `tf==2.9`, `torch==2.4.1+cu121`, `jax==0.4.30`",
        )
    })?;
    let req = match kb().requirements(&spec) {
        Ok(r) => r,
        // A release the embedded data lacks: read it from the package index, never guess.
        Err(e @ QueryError::UnknownVersion { .. }) if !spec.series_only => {
            let nearest = e.hint().map(|h| format!("; {h}")).unwrap_or_default();
            let config = newer::config(args.offline);
            let offline = config.offline;
            match newer::requirements(kb(), &spec, config) {
                Ok(r) => r,
                Err(n) => {
                    let hint = if offline {
                        format!(
                            "`cudoctor requirements {}` without --offline (and without CUDOCTOR_OFFLINE) reads its PyPI metadata{nearest}",
                            args.spec
                        )
                    } else {
                        format!(
                            "check that the release exists: `pip index versions {}`{nearest}",
                            spec.package
                        )
                    };
                    return Err(error::hinted(
                        format!(
                            "{} {} is unknown: it is not in the embedded knowledge base (newest known: {}) and the package index did not answer: {}",
                            spec.framework.display_name(),
                            spec.version,
                            n.newest_known.as_deref().unwrap_or("none"),
                            n.reason
                        ),
                        hint,
                    ))
                    .with_context(|| format!("cannot answer `requirements {}`", args.spec));
                }
            }
        }
        Err(e) => {
            return Err(match e.hint() {
                Some(h) => error::hinted(e.to_string(), h),
                None => anyhow::Error::new(e),
            })
            .with_context(|| format!("cannot answer `requirements {}`", args.spec));
        }
    };
    let text = render::document(ctx.format, ctx.out, &req, render::requirements::render)?;
    ctx.out.out(&text);
    Ok(ExitStatus::Success)
}
