//! Plain tables rendered as aligned text or as Markdown.

use super::markdown::cell;
use super::wrap::fill;

/// A table: a title, column names and rows of cells.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new<S: Into<String>>(columns: impl IntoIterator<Item = S>) -> Self {
        Self {
            columns: columns.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }

    fn widths(&self) -> Vec<usize> {
        let mut widths: Vec<usize> = self.columns.iter().map(|c| c.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                if i < widths.len() {
                    widths[i] = widths[i].max(cell.chars().count());
                }
            }
        }
        widths
    }

    /// Aligned columns separated by two spaces; the header underlined with dashes.
    pub fn to_text(&self) -> String {
        let widths = self.widths();
        let mut out = String::new();
        let line = |cells: &[String], out: &mut String| {
            let mut s = String::new();
            for (i, w) in widths.iter().enumerate() {
                let cell = cells.get(i).map_or("", String::as_str);
                if i + 1 == widths.len() {
                    s.push_str(cell);
                } else {
                    s.push_str(cell);
                    s.push_str(&" ".repeat(w - cell.chars().count() + 2));
                }
            }
            out.push_str(s.trim_end());
            out.push('\n');
        };
        line(&self.columns, &mut out);
        let dashes: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        line(&dashes, &mut out);
        for row in &self.rows {
            line(row, &mut out);
        }
        out
    }

    /// The table as aligned columns when they fit in `width` columns, else as records: each row
    /// under its first cell, one `column  value` line per other cell, values wrapped to `width`.
    pub fn to_text_fit(&self, width: usize) -> String {
        let widths = self.widths();
        let natural = widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1);
        if natural <= width || self.columns.len() < 2 {
            return self.to_text();
        }
        let key = self.columns[1..]
            .iter()
            .map(|c| c.chars().count())
            .max()
            .unwrap_or(0);
        let hang = " ".repeat(key + 4);
        let mut out = String::new();
        for (n, row) in self.rows.iter().enumerate() {
            if n > 0 {
                out.push('\n');
            }
            let first = row.first().map_or("", String::as_str);
            out.push_str(&fill(
                &format!("{} {first}", self.columns[0]),
                width,
                "",
                "  ",
            ));
            for (col, cell) in self.columns[1..].iter().zip(row.iter().skip(1)) {
                if cell.is_empty() {
                    continue;
                }
                out.push_str(&fill(cell, width, &format!("  {col:<key$}  "), &hang));
            }
        }
        out
    }

    /// A GitHub-flavoured Markdown table (pipes in cells escaped).
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        out.push_str("| ");
        out.push_str(
            &self
                .columns
                .iter()
                .map(|c| cell(c))
                .collect::<Vec<_>>()
                .join(" | "),
        );
        out.push_str(" |\n|");
        for _ in &self.columns {
            out.push_str("---|");
        }
        out.push('\n');
        for row in &self.rows {
            out.push_str("| ");
            out.push_str(&row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | "));
            out.push_str(" |\n");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_markdown() {
        let mut t = Table::new(["tf", "cuda"]);
        t.row(["2.9.0", "11.2"]);
        t.row(["2.15.0", "12.2"]);
        assert_eq!(
            t.to_text(),
            "tf      cuda\n------  ----\n2.9.0   11.2\n2.15.0  12.2\n"
        );
        assert_eq!(t.to_text_fit(80), t.to_text());
        assert_eq!(
            t.to_text_fit(10),
            "tf 2.9.0\n  cuda  11.2\n\ntf 2.15.0\n  cuda  12.2\n"
        );
        assert_eq!(
            t.to_markdown(),
            "| tf | cuda |\n|---|---|\n| 2.9.0 | 11.2 |\n| 2.15.0 | 12.2 |\n"
        );
    }
}
