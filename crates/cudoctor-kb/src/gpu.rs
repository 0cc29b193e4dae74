//! GPU model names -> rows of `data/gpus.toml`, forgiving the ways tools and people write them.
//!
//! Normalisation: case-insensitive; `-`, `_`, `(`, `)` count as spaces; the brand words
//! `NVIDIA`, `GeForce` and `Tesla` are dropped; on a second pass memory and form-factor suffixes
//! (`40GB`, `SXM4`, `PCIe`, `HBM3`, `NVL`) are dropped too, so `NVIDIA A100-SXM4-40GB`,
//! `H100 80GB HBM3` and `RTX 3090` all resolve. A name that matches nothing, or several GPUs of
//! different compute capability, is an error listing close names.

use crate::tables::Kb;
use crate::tables::gpus::{GpuRow, keys};
use crate::version::ComputeCapability;

/// A GPU name that could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GpuLookupError {
    /// Nothing matched.
    #[error("unknown GPU name `{name}`")]
    Unknown {
        /// The name as given.
        name: String,
        /// Close names from the table.
        close: Vec<String>,
    },
    /// Several GPUs of different compute capability matched.
    #[error("ambiguous GPU name `{name}`: it matches {}", matches.join(", "))]
    Ambiguous {
        /// The name as given.
        name: String,
        /// The matching table names.
        matches: Vec<String>,
    },
    /// The name resolved to a row whose compute capability the table does not confirm.
    #[error(
        "the compute capability of `{row}` (resolved from `{name}`) is unknown: the GPU table does not confirm it"
    )]
    UnknownCapability {
        /// The name as given.
        name: String,
        /// The table's name of the matched row.
        row: String,
    },
}

impl GpuLookupError {
    /// A one-line hint: close names, or how to disambiguate.
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::Unknown { close, .. } if !close.is_empty() => Some(format!(
                "close names: {}; or give the compute capability (--cc X.Y)",
                close.join(", ")
            )),
            Self::Unknown { .. } => {
                Some("give the compute capability instead (--cc X.Y)".to_owned())
            }
            Self::Ambiguous { .. } => {
                Some("give the full name, or the compute capability (--cc X.Y)".to_owned())
            }
            Self::UnknownCapability { .. } => {
                Some("give the compute capability (--cc X.Y)".to_owned())
            }
        }
    }
}

/// A compute capability read from the GPU table by name: see [`Kb::compute_capability_of`].
#[derive(Debug, Clone, Copy)]
pub struct GpuCapability<'kb> {
    /// The compute capability.
    pub cc: ComputeCapability,
    /// The row the name resolved to (its `name` and `source`).
    pub row: &'kb GpuRow,
}

impl GpuCapability<'_> {
    /// Where the value was read, for a report: ``knowledge base: `Tesla T4` (SOURCE)``.
    pub fn provenance(&self) -> String {
        format!("knowledge base: `{}` ({})", self.row.name, self.row.source)
    }
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

impl Kb {
    /// Resolves a GPU name as `nvidia-smi`, NVML or a person writes it.
    pub fn gpu_by_name(&self, name: &str) -> Result<&GpuRow, GpuLookupError> {
        let (qfull, qcore) = keys(name);
        if qcore.is_empty() {
            return Err(GpuLookupError::Unknown {
                name: name.to_owned(),
                close: Vec::new(),
            });
        }
        let rows = || self.gpus.iter().zip(&self.gpu_keys);
        // 1. Exact match on the full key.
        let exact: Vec<&GpuRow> = rows()
            .filter(|(_, k)| k.iter().any(|(f, _)| *f == qfull))
            .map(|(r, _)| r)
            .collect();
        if let Some(pick) = Self::pick(name, &exact)? {
            return Ok(pick);
        }
        // 2. Match without memory / form-factor suffixes.
        let core: Vec<&GpuRow> = rows()
            .filter(|(_, k)| k.iter().any(|(_, c)| *c == qcore))
            .map(|(r, _)| r)
            .collect();
        if let Some(pick) = Self::pick(name, &core)? {
            return Ok(pick);
        }
        // 3. Nothing: list close names.
        let mut scored: Vec<(usize, &str)> = rows()
            .map(|(r, k)| {
                let best = k
                    .iter()
                    .map(|(_, c)| {
                        if c.contains(&qcore) || qcore.contains(c.as_str()) {
                            0
                        } else {
                            levenshtein(c, &qcore)
                        }
                    })
                    .min()
                    .unwrap_or(usize::MAX);
                (best, r.name.as_str())
            })
            .filter(|(d, _)| *d <= (qcore.len() / 2).max(2))
            .collect();
        scored.sort_unstable();
        Err(GpuLookupError::Unknown {
            name: name.to_owned(),
            close: scored
                .into_iter()
                .take(5)
                .map(|(_, n)| n.to_owned())
                .collect(),
        })
    }

    /// The compute capability of a GPU named as `nvidia-smi`, NVML or a person writes it, with
    /// the row it was read from. An unknown or ambiguous name is an error, and so is a row whose
    /// capability the table does not confirm ([`GpuLookupError::UnknownCapability`]): never a
    /// guess.
    pub fn compute_capability_of(
        &self,
        gpu_name: &str,
    ) -> Result<GpuCapability<'_>, GpuLookupError> {
        let row = self.gpu_by_name(gpu_name)?;
        let cc = row.cc.ok_or_else(|| GpuLookupError::UnknownCapability {
            name: gpu_name.to_owned(),
            row: row.name.clone(),
        })?;
        Ok(GpuCapability { cc, row })
    }

    /// One row out of several matches: fine when they agree on the compute capability.
    fn pick<'a>(name: &str, rows: &[&'a GpuRow]) -> Result<Option<&'a GpuRow>, GpuLookupError> {
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        if rows.iter().all(|r| r.cc == first.cc) {
            // Prefer the plain model over a memory variant ("Quadro M6000" over "... 24GB").
            let plain = rows.iter().find(|r| {
                let (f, c) = keys(&r.name);
                f == c
            });
            return Ok(Some(plain.copied().unwrap_or(first)));
        }
        Err(GpuLookupError::Ambiguous {
            name: name.to_owned(),
            matches: rows.iter().map(|r| r.name.clone()).collect(),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use crate::kb;

    fn cc(name: &str) -> String {
        kb().gpu_by_name(name).unwrap().cc.unwrap().to_string()
    }

    #[test]
    fn names_tools_print() {
        assert_eq!(cc("Tesla K80"), "3.7");
        assert_eq!(cc("NVIDIA A100-SXM4-40GB"), "8.0");
        assert_eq!(cc("NVIDIA A100 80GB PCIe"), "8.0");
        assert_eq!(cc("NVIDIA GeForce RTX 3090"), "8.6");
        assert_eq!(cc("H100 80GB HBM3"), "9.0");
        assert_eq!(cc("NVIDIA H100 PCIe"), "9.0");
        assert_eq!(cc("RTX 3090"), "8.6");
        assert_eq!(cc("rtx 3090"), "8.6");
        assert_eq!(cc("Tesla V100-SXM2-16GB"), "7.0");
        assert_eq!(cc("Tesla T4"), "7.5");
        assert_eq!(cc("NVIDIA L4"), "8.9");
        assert_eq!(cc("Quadro M6000 24GB"), "5.2");
        assert_eq!(
            kb().gpu_by_name("NVIDIA GeForce RTX 3090 Ti").unwrap().name,
            "GeForce RTX 3090 Ti"
        );
    }

    #[test]
    fn unknown_and_ambiguous_names_list_close_names() {
        let e = kb().gpu_by_name("NVIDIA A10G").unwrap_err();
        let super::GpuLookupError::Unknown { close, .. } = &e else {
            panic!("{e}")
        };
        assert!(close.iter().any(|n| n == "NVIDIA A10"), "{close:?}");
        assert!(e.to_string().contains("`NVIDIA A10G`"));
        let e = kb().gpu_by_name("RTX 6000").unwrap_err();
        let super::GpuLookupError::Unknown { close, .. } = &e else {
            panic!("{e}")
        };
        assert!(close.iter().any(|n| n == "Quadro RTX 6000"), "{close:?}");
        assert!(
            close.iter().any(|n| n == "NVIDIA RTX 6000 Ada"),
            "{close:?}"
        );
        assert!(kb().gpu_by_name("").is_err());
        assert!(kb().gpu_by_name("NVIDIA").is_err());
        assert!(kb().gpu_by_name("Radeon RX 7900").is_err());
    }

    #[test]
    fn compute_capability_of_a_name() {
        let t4 = kb().compute_capability_of("Tesla T4").unwrap();
        assert_eq!(t4.cc.to_string(), "7.5");
        assert_eq!(t4.row.name, "NVIDIA T4");
        assert!(t4.provenance().starts_with("knowledge base: `NVIDIA T4` ("));
        assert!(t4.provenance().contains(&t4.row.source));
        let a100 = kb().compute_capability_of("NVIDIA A100-SXM4-40GB").unwrap();
        assert_eq!(a100.cc.to_string(), "8.0");

        let e = kb().compute_capability_of("NVIDIA A10G").unwrap_err();
        assert!(matches!(e, super::GpuLookupError::Unknown { .. }), "{e}");
        let e = kb().compute_capability_of("").unwrap_err();
        assert!(matches!(e, super::GpuLookupError::Unknown { .. }), "{e}");

        // No two GPUs of the embedded table share a name; a variant of it with a second
        // `Tesla T4` of another capability makes the name ambiguous.
        let mut table = kb().clone();
        let mut twin = table.gpu_by_name("Tesla T4").unwrap().clone();
        twin.cc = Some("8.6".parse().unwrap());
        table.gpus.push(twin);
        table.gpu_keys = crate::tables::gpus::row_keys(&table.gpus);
        let e = table.compute_capability_of("Tesla T4").unwrap_err();
        assert!(matches!(e, super::GpuLookupError::Ambiguous { .. }), "{e}");

        // A row without a confirmed capability is an error with its reason, not Ok(None).
        let e = kb()
            .compute_capability_of("NVIDIA GeForce RTX 3060")
            .unwrap_err();
        let super::GpuLookupError::UnknownCapability { name, row } = &e else {
            panic!("{e}")
        };
        assert_eq!(name, "NVIDIA GeForce RTX 3060");
        assert_eq!(*row, kb().gpu_by_name(name).unwrap().name);
        assert!(e.to_string().contains("is unknown"), "{e}");
        assert!(e.hint().unwrap().contains("--cc"));
    }

    #[test]
    fn unconfirmed_rows_resolve_with_unknown_cc() {
        let row = kb().gpu_by_name("NVIDIA GeForce RTX 3060").unwrap();
        assert!(row.cc.is_none(), "the reference marks RTX 3060 UNCONFIRMED");
    }
}
