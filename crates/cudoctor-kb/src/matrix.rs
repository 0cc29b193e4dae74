//! The tables as generic rows of text (`cudoctor matrix`), so the CLI renders text, markdown and
//! JSON the same way for every table.

use serde::Serialize;

use crate::framework::Framework;
use crate::rules::format_codes;
use crate::tables::Kb;
use crate::tables::values::expand_python;

/// One table: a title, column names, rows of cells, and the sources its rows cite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Table {
    /// Title.
    pub title: String,
    /// Column names.
    pub columns: Vec<String>,
    /// Rows; each has one cell per column ("" = not applicable, "unknown" = unknown).
    pub rows: Vec<Vec<String>>,
    /// Distinct sources cited by the rows, in first-use order.
    pub sources: Vec<String>,
}

const UNKNOWN: &str = "unknown";

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| UNKNOWN.to_owned(), |v| v.to_string())
}

struct Builder {
    table: Table,
}

impl Builder {
    fn new(title: &str, columns: &[&str]) -> Self {
        Self {
            table: Table {
                title: title.to_owned(),
                columns: columns.iter().map(|c| (*c).to_owned()).collect(),
                rows: Vec::new(),
                sources: Vec::new(),
            },
        }
    }
    fn row(&mut self, cells: Vec<String>, source: &str) {
        self.table.rows.push(cells);
        if !self.table.sources.iter().any(|s| s == source) {
            self.table.sources.push(source.to_owned());
        }
    }
}

impl Kb {
    /// The tables for one framework (newest first), or every table.
    pub fn matrix(&self, framework: Option<Framework>) -> Vec<Table> {
        match framework {
            Some(Framework::TensorFlow) => vec![self.tf_table()],
            Some(Framework::PyTorch) => vec![self.torch_table()],
            Some(Framework::Jax) => vec![self.jax_table()],
            None => vec![
                self.tf_table(),
                self.torch_table(),
                self.jax_table(),
                self.cuda_table(),
                self.cudnn_table(),
                self.gpu_table(),
            ],
        }
    }

    fn tf_table(&self) -> Table {
        let mut b = Builder::new(
            "TensorFlow tested GPU build configurations (Linux)",
            &[
                "Version",
                "Package",
                "Python",
                "Compiler",
                "Build tools",
                "CUDA",
                "cuDNN",
                "Driver",
                "Driver (minor-version compat)",
                "GPU code",
            ],
        );
        for r in self.tf_releases.iter().rev() {
            let req = self.driver_requirement(r.cuda);
            let codes = self
                .tf_archs(&r.version)
                .and_then(crate::tables::tensorflow::TfArchRange::codes)
                .map_or_else(|| UNKNOWN.to_owned(), format_codes);
            let py = expand_python(&r.python)
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            b.row(
                vec![
                    r.version.to_string(),
                    r.package.clone(),
                    py,
                    r.compiler.clone(),
                    r.build_tools.clone(),
                    r.cuda.to_string(),
                    r.cudnn.to_string(),
                    opt(req.as_ref().and_then(|q| q.toolkit_min)),
                    req.as_ref()
                        .and_then(|q| q.compat_min())
                        .map_or_else(|| "n/a".to_owned(), ToString::to_string),
                    codes,
                ],
                &r.source,
            );
        }
        for a in &self.tf_archs {
            b.row_source_only(&a.source);
        }
        b.table
    }

    fn torch_table(&self) -> Table {
        let mut b = Builder::new(
            "PyTorch CUDA wheel variants (Linux x86_64)",
            &[
                "Release",
                "Variant",
                "CUDA",
                "PyPI default",
                "Channel",
                "Python",
                "cuDNN",
                "Arch list",
            ],
        );
        for r in self.torch_variants.iter().rev() {
            b.row(
                vec![
                    r.release.to_string(),
                    r.tag.clone(),
                    r.cuda.to_string(),
                    if r.pypi_default { "yes" } else { "no" }.to_owned(),
                    r.channel.clone(),
                    r.python.as_deref().map_or_else(
                        || UNKNOWN.to_owned(),
                        |p| {
                            p.iter()
                                .map(ToString::to_string)
                                .collect::<Vec<_>>()
                                .join(", ")
                        },
                    ),
                    opt(r.cudnn),
                    opt(r.arch_list.as_ref()),
                ],
                &r.source,
            );
        }
        b.table
    }

    fn jax_table(&self) -> Table {
        let mut b = Builder::new(
            "JAX CUDA plugins",
            &[
                "Version",
                "Plugin",
                "Python",
                "CUDA built",
                "CUDA min",
                "cuDNN built",
                "cuDNN accepted",
                "Driver min",
                "CC min",
            ],
        );
        for r in self.jax_plugins.iter().rev() {
            b.row(
                vec![
                    r.version.to_string(),
                    r.variant.clone(),
                    format!(">={}", r.python_min),
                    opt(r.cuda_built),
                    opt(r.cuda_min),
                    opt(r.cudnn_built),
                    match (r.cudnn_min, r.cudnn_below) {
                        (Some(a), Some(c)) => format!(">={a}, <{c}"),
                        _ => UNKNOWN.to_owned(),
                    },
                    opt(r.driver_min.as_ref()),
                    opt(r.cc_min),
                ],
                &r.source,
            );
        }
        b.table
    }

    fn cuda_table(&self) -> Table {
        let mut b = Builder::new(
            "CUDA toolkit releases and drivers (Linux x86_64)",
            &[
                "Version",
                "Release",
                "Kind",
                "Toolkit driver",
                "Minor-version compat driver",
                "PTX ISA",
                "Confidence",
            ],
        );
        for r in self.cuda_releases.iter().rev() {
            // The same minor-version-compatibility rule the driver checks use.
            let compat_min = self
                .driver_requirement(r.version)
                .and_then(|q| q.compat_min().cloned());
            b.row(
                vec![
                    r.version.to_string(),
                    r.label.clone(),
                    r.kind.clone(),
                    opt(r.driver_min.as_ref()),
                    compat_min.map_or_else(|| "n/a".to_owned(), |d| d.to_string()),
                    opt(self.ptx_isa_for_cuda(r.version)),
                    r.confidence.clone(),
                ],
                &r.source,
            );
        }
        for f in &self.cuda_families {
            b.row_source_only(&f.source);
        }
        for p in &self.ptx_isas {
            b.row_source_only(&p.source);
        }
        b.table
    }

    fn cudnn_table(&self) -> Table {
        let mut b = Builder::new(
            "cuDNN builds",
            &["cuDNN", "Build", "CUDA", "Driver min", "Compute capability"],
        );
        for r in self.cudnn_builds.iter().rev() {
            let versions = if r.first == r.last {
                r.first.to_string()
            } else {
                format!("{}-{}", r.first, r.last)
            };
            let cuda = match (r.cuda_min, r.cuda_max) {
                (Some(a), Some(c)) if a == c => a.to_string(),
                (Some(a), Some(c)) => format!("{a}-{c}"),
                _ => UNKNOWN.to_owned(),
            };
            let cc = match (&r.cc_list, r.cc_min) {
                (Some(l), _) => l
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                (None, Some(m)) => format!(">= {m}"),
                (None, None) => UNKNOWN.to_owned(),
            };
            b.row(
                vec![
                    versions,
                    r.family.clone(),
                    cuda,
                    opt(r.driver_min.as_ref()),
                    cc,
                ],
                &r.source,
            );
        }
        b.table
    }

    fn gpu_table(&self) -> Table {
        let mut b = Builder::new(
            "GPU compute capabilities",
            &["GPU", "Compute capability", "Architecture", "Segment"],
        );
        for r in self.gpus.iter().rev() {
            b.row(
                vec![
                    r.name.clone(),
                    opt(r.cc),
                    r.architecture.clone(),
                    r.segment.clone(),
                ],
                &r.source,
            );
        }
        b.table
    }
}

impl Builder {
    fn row_source_only(&mut self, source: &str) {
        if !self.table.sources.iter().any(|s| s == source) {
            self.table.sources.push(source.to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Framework, kb};

    #[test]
    fn every_table_is_rectangular_and_sourced() {
        let tables = kb().matrix(None);
        assert_eq!(tables.len(), 6);
        for t in &tables {
            assert!(!t.rows.is_empty(), "{}", t.title);
            assert!(!t.sources.is_empty(), "{}", t.title);
            for row in &t.rows {
                assert_eq!(row.len(), t.columns.len(), "{}: {row:?}", t.title);
            }
        }
    }

    #[test]
    fn tensorflow_table_newest_first_with_drivers() {
        let t = &kb().matrix(Some(Framework::TensorFlow))[0];
        assert_eq!(t.rows[0][0], "2.21.0");
        let row = t.rows.iter().find(|r| r[0] == "2.9.0").expect("2.9.0 row");
        assert_eq!(row[5], "11.2");
        assert_eq!(row[6], "8.1");
        assert_eq!(row[7], "460.27.03");
        assert_eq!(row[8], "450.80.02");
        assert_eq!(
            row[9],
            "sm_35, sm_50, sm_60, sm_70, sm_75, sm_80, compute_80"
        );
        let old = t.rows.iter().find(|r| r[0] == "2.3.0").expect("2.3.0 row");
        assert_eq!(
            old[8], "n/a",
            "no minor-version compatibility before CUDA 11"
        );
        let unknown = t.rows.iter().find(|r| r[0] == "2.2.0").expect("2.2.0 row");
        assert_eq!(unknown[9], "unknown");
    }

    #[test]
    fn framework_tables_are_separate() {
        assert_eq!(
            kb().matrix(Some(Framework::PyTorch))[0].columns[1],
            "Variant"
        );
        assert_eq!(kb().matrix(Some(Framework::Jax))[0].columns[1], "Plugin");
        let cuda = &kb().matrix(None)[3];
        let r = cuda.rows.iter().find(|r| r[0] == "13.5.0").expect("13.5.0");
        assert_eq!(r[3], "unknown", "13.5 toolkit driver stays unknown");
        assert_eq!(r[4], "580");
        let compat = |v: &str| {
            let r = cuda.rows.iter().find(|r| r[0] == v).expect(v);
            r[4].clone()
        };
        assert_eq!(compat("11.8.0"), "450.80.02");
        assert_eq!(compat("10.2"), "n/a", "no minor-version compatibility");
    }
}
