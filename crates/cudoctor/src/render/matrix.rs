//! `matrix`: the knowledge base's tables, each with its title and sources; in text a table too
//! wide for the terminal is shown as one record per row.

use cudoctor_kb::Table as KbTable;

use super::table::Table;
use super::{Printer, heading, sources};

/// The `tables` as aligned text or as Markdown tables.
pub fn render(tables: &[KbTable], p: Printer, markdown: bool) -> String {
    let mut out = String::new();
    for (i, t) in tables.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let mut table = Table::new(t.columns.iter().cloned());
        for row in &t.rows {
            table.row(row.iter().cloned());
        }
        heading(&mut out, p, markdown, 2, &t.title);
        if markdown {
            out.push_str(&table.to_markdown());
        } else {
            out.push_str(&table.to_text_fit(p.width()));
        }
        sources(&mut out, p, markdown, "", &t.sources);
    }
    out
}
