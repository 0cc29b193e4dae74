//! `cudoctor matrix [TABLE]`: the knowledge base's tables with their sources.

use cudoctor_kb::{Framework, Table as KbTable, kb};
use serde::Serialize;
use std::fmt::Write as _;

use crate::cli::{Format, MatrixArgs};
use crate::printer::Tone;
use crate::table::Table;
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
        Format::Text | Format::Markdown => {
            let mut out = String::new();
            for (i, t) in tables.iter().enumerate() {
                if i > 0 {
                    out.push('\n');
                }
                let mut table = Table::new(t.columns.iter().cloned());
                for row in &t.rows {
                    table.row(row.iter().cloned());
                }
                if ctx.format == Format::Markdown {
                    let _ = write!(out, "## {}\n\n", t.title);
                    out.push_str(&table.to_markdown());
                    out.push_str("\nSources:\n");
                    for s in &t.sources {
                        let _ = writeln!(out, "- {s}");
                    }
                } else {
                    out.push_str(&ctx.out.paint(Tone::Bold, &t.title));
                    out.push('\n');
                    out.push_str(&table.to_text());
                    out.push_str(&ctx.out.paint(Tone::Dim, "sources:"));
                    out.push('\n');
                    for s in &t.sources {
                        let _ = writeln!(out, "  {s}");
                    }
                }
            }
            out
        }
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
