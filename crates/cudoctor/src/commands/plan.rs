//! `cudoctor plan`: which framework versions fit a driver, GPU and Python.

use anyhow::Context as _;
use cudoctor_kb::version::{DriverVersion, PythonVersion};
use cudoctor_kb::{Framework, PlanQuery, kb};

use crate::cli::{Format, PlanArgs};
use crate::render;
use crate::{Ctx, ExitStatus, error};

pub fn run(ctx: Ctx, args: &PlanArgs) -> anyhow::Result<ExitStatus> {
    let mut query = PlanQuery {
        driver: parse_opt::<DriverVersion>(args.driver.as_deref(), "--driver")?,
        compute_capability: args
            .cc
            .as_deref()
            .map(super::machine::known_cc)
            .transpose()?,
        gpu_name: args.gpu.clone(),
        python: match args.python.as_deref() {
            Some(p) => Some(
                PythonVersion::parse_lenient(p)
                    .map_err(|e| error::hinted(e.to_string(), "write it as `3.10`"))
                    .context("invalid value for `--python`")?,
            ),
            None => None,
        },
        frameworks: Vec::new(),
        index_offers: Vec::new(),
    };
    for name in &args.frameworks {
        let fw: Framework = name.parse().map_err(|e: cudoctor_kb::UnknownFramework| {
            error::hinted(
                e.to_string(),
                "frameworks: tensorflow (tf), torch (pytorch), jax",
            )
        })?;
        if !query.frameworks.contains(&fw) {
            query.frameworks.push(fw);
        }
    }
    let mut filled = Vec::new();
    let given = query.driver.is_some()
        && (query.compute_capability.is_some() || query.gpu_name.is_some())
        && query.python.is_some();
    if !args.no_probe && !given {
        let mut snap = crate::source::Facts::of_installed(&args.source)?;
        if ctx.format != Format::Json {
            snap = crate::term::escaped(&snap)?;
        }
        super::machine::fill_plan_constraints(&mut query, &snap, &mut filled);
    }
    let mut index_notes = Vec::new();
    let config = super::newer::config(args.offline);
    if !config.offline {
        let asked = if query.frameworks.is_empty() {
            Framework::ALL.to_vec()
        } else {
            query.frameworks.clone()
        };
        for fw in asked {
            match super::newer::newer_offers(kb(), fw, &config) {
                Ok((offers, note)) => {
                    query.index_offers.extend(offers);
                    index_notes.extend(note);
                }
                Err(why) => index_notes.push(format!(
                    "releases of {} newer than the embedded data were not looked up: {why}",
                    fw.display_name()
                )),
            }
        }
    }
    let mut plan = kb().plan(&query).map_err(|e| match e.hint() {
        Some(h) => error::hinted(format!("{e}: {}", source_text(&e)), h),
        None => anyhow::Error::new(e),
    })?;
    plan.constraints.notes.extend(filled);
    plan.constraints.notes.extend(index_notes);
    let text = render::document(ctx.format, ctx.out, &plan, |plan, p, md| {
        render::plan::render(plan, p, md, args.all)
    })?;
    ctx.out.out(&text);
    Ok(ExitStatus::Success)
}

fn source_text(e: &dyn std::error::Error) -> String {
    e.source().map(ToString::to_string).unwrap_or_default()
}

fn parse_opt<T>(value: Option<&str>, flag: &str) -> anyhow::Result<Option<T>>
where
    T: std::str::FromStr<Err = cudoctor_kb::version::VersionParseError>,
{
    value
        .map(|v| {
            v.parse::<T>()
                .map_err(|e| anyhow::Error::new(e).context(format!("invalid value for `{flag}`")))
        })
        .transpose()
}
