//! `cudoctor matrix [TABLE]`: the knowledge base's tables with their sources.

use cudoctor_kb::{Framework, Table as KbTable, kb};
use serde::Serialize;

use crate::cli::{Format, MatrixArgs};
use crate::render;
use crate::{Ctx, ExitStatus, error, to_json};

const OTHER_TABLES: &[(&str, &str)] = &[
    ("cuda", "CUDA"),
    ("cudnn", "cuDNN"),
    ("gpus", "GPU"),
    ("gpu", "GPU"),
];

#[derive(Serialize)]
struct MatrixJson<'a> {
    schema_version: u32,
    tables: &'a [KbTable],
}

pub fn run(ctx: Ctx, args: &MatrixArgs) -> anyhow::Result<ExitStatus> {
    let tables = select(args.table.as_deref())?;
    let text = match ctx.format {
        Format::Json => to_json(&MatrixJson {
            schema_version: 1,
            tables: &tables,
        })?,
        Format::Text => render::matrix::render(&tables, ctx.out, false),
        Format::Markdown => render::matrix::render(&tables, ctx.out, true),
    };
    ctx.out.out(&text);
    Ok(ExitStatus::Success)
}

fn select(name: Option<&str>) -> anyhow::Result<Vec<KbTable>> {
    let Some(name) = name else {
        return Ok(kb().matrix(None));
    };
    if let Ok(fw) = name.parse::<Framework>() {
        return Ok(kb().matrix(Some(fw)));
    }
    let key = name.trim().to_ascii_lowercase();
    if let Some((_, prefix)) = OTHER_TABLES.iter().find(|(k, _)| *k == key) {
        let tables: Vec<KbTable> = kb()
            .matrix(None)
            .into_iter()
            .filter(|t| t.title.starts_with(prefix))
            .collect();
        if !tables.is_empty() {
            return Ok(tables);
        }
    }
    Err(error::hinted(
        format!("unknown table `{name}`"),
        "tables: tensorflow, torch, jax, cuda, cudnn, gpus",
    ))
}
