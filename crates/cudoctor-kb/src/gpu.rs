//! GPU model names -> rows of `data/gpus.toml`, forgiving the ways tools and people write them.
//!
//! Normalisation: case-insensitive; anything but letters and digits counts as a space, and
//! spaces do not count (`RTX4090` = `RTX 4090`); the words `NVIDIA`, `GeForce`, `Tesla` and `GPU`
//! are dropped; on a second pass memory and form-factor suffixes (`40GB`, `SXM4`, `PCIe`, `HBM3`,
//! `NVL`) are dropped too, so `NVIDIA A100-SXM4-40GB`, `H100 80GB HBM3` and `RTX 3090` all
//! resolve. `Quadro` may be written before the names of the workstation line that dropped it
//! (`Quadro RTX A6000` = `NVIDIA RTX A6000`). A bare model number resolves when exactly one
//! model has it as its whole number (`4090` = `GeForce RTX 4090`; `3060` is `GeForce RTX 3060`,
//! not `3060 Ti`, whose number is `3060 Ti`).
//!
//! A laptop part (`Laptop GPU`, `Mobile`, `Notebook`, `Max-Q`) resolves only to a row whose own
//! name says it is one: never to the desktop model of the same name, which can be another chip.
//! Without such a row the answer is [`GpuLookupError::Laptop`], an unknown with its reason.
//! A name that matches nothing, or several GPUs of different compute capability, is an error
//! listing close names.

use crate::tables::Kb;
use crate::tables::gpus::{GpuRow, NameKey, keys};
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
    /// A laptop GPU the table has no row for; the desktop row of the same name is not used.
    #[error(
        "`{name}` is a laptop GPU and the GPU table has no row for it: its compute capability is unknown{}",
        desktop.as_ref().map(|d| format!(" (the desktop `{d}` row is not used for it: a laptop part of the same name can be another chip)")).unwrap_or_default()
    )]
    Laptop {
        /// The name as given.
        name: String,
        /// The desktop row the name would resolve to without its laptop words.
        desktop: Option<String>,
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
            Self::UnknownCapability { .. } | Self::Laptop { .. } => {
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

/// Whether a row's name carries `Quadro`.
fn has_quadro(row: &GpuRow) -> bool {
    keys(&row.name)
        .tokens
        .first()
        .is_some_and(|t| t == "quadro")
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
    /// Resolves a GPU name as `nvidia-smi`, NVML, a cloud console or a person writes it (see the
    /// [module](crate::gpu) for the forms accepted). A laptop name resolves only to a laptop row.
    pub fn gpu_by_name(&self, name: &str) -> Result<&GpuRow, GpuLookupError> {
        let q = keys(name);
        if q.core.is_empty() {
            return Err(GpuLookupError::Unknown {
                name: name.to_owned(),
                close: Vec::new(),
            });
        }
        // 1. The full key, then the key without memory / form-factor suffixes.
        if let Some(pick) = self.by_key(name, &q, |_| true)? {
            return Ok(pick);
        }
        // 2. `Quadro` before a workstation name that no longer carries it.
        if q.tokens.first().is_some_and(|t| t == "quadro") {
            let rest = keys(&q.tokens[1..].join(" "));
            if let Some(pick) = self.by_key(name, &rest, |r| {
                r.segment == "workstation" && !has_quadro(r)
            })? {
                return Ok(pick);
            }
        }
        // 3. `Max-Q` alone (no Laptop/Mobile/Notebook) may begin a workstation row's name
        //    (the RTX PRO 6000 Blackwell Max-Q Workstation Edition): the one row it starts.
        let laptop_word = q
            .tokens
            .iter()
            .any(|t| matches!(t.as_str(), "laptop" | "mobile" | "notebook"));
        if q.laptop && !laptop_word {
            let rows = self.rows_where(|k| !k.laptop && k.tokens.starts_with(&q.tokens), |_| true);
            if let Some(pick) = Self::pick(name, &rows)? {
                return Ok(pick);
            }
        }
        // 4. A laptop name with no laptop row: unknown, never the desktop row.
        if q.laptop {
            let desktop = self
                .by_key(name, &q.without_laptop_words(), |_| true)
                .ok()
                .flatten()
                .map(|r| r.name.clone());
            return Err(GpuLookupError::Laptop {
                name: name.to_owned(),
                desktop,
            });
        }
        // 5. A bare model number: the rows whose whole model number it is.
        if q.is_bare_model() {
            let rows = self.rows_where(
                |k| !k.laptop && k.model_tokens().concat() == q.core,
                |_| true,
            );
            if let Some(pick) = Self::pick(name, &rows)? {
                return Ok(pick);
            }
        }
        // 6. Nothing: list close names.
        let qcore = &q.core;
        let mut scored: Vec<(usize, &str)> = self
            .gpus
            .iter()
            .zip(&self.gpu_keys)
            .map(|(r, k)| {
                let best = k
                    .iter()
                    .map(|k| {
                        let c = &k.core;
                        if c.contains(qcore.as_str()) || qcore.contains(c.as_str()) {
                            0
                        } else {
                            levenshtein(c, qcore)
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

    /// The rows with a name or alias whose key satisfies `keep`.
    fn rows_where(
        &self,
        keep: impl Fn(&NameKey) -> bool,
        allow: impl Fn(&GpuRow) -> bool,
    ) -> Vec<&GpuRow> {
        self.gpus
            .iter()
            .zip(&self.gpu_keys)
            .filter(|(r, k)| allow(r) && k.iter().any(&keep))
            .map(|(r, _)| r)
            .collect()
    }

    /// The row whose full key, else whose core key, equals `q`'s, among the rows `allow` lets
    /// through.
    fn by_key(
        &self,
        name: &str,
        q: &NameKey,
        allow: impl Fn(&GpuRow) -> bool + Copy,
    ) -> Result<Option<&GpuRow>, GpuLookupError> {
        if q.core.is_empty() {
            return Ok(None);
        }
        let exact = self.rows_where(|k| k.full == q.full, allow);
        if let Some(pick) = Self::pick(name, &exact)? {
            return Ok(Some(pick));
        }
        let core = self.rows_where(|k| k.core == q.core, allow);
        Self::pick(name, &core)
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
                let k = keys(&r.name);
                k.full == k.core
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
            .compute_capability_of("NVIDIA GeForce RTX 3050")
            .unwrap_err();
        let super::GpuLookupError::UnknownCapability { name, row } = &e else {
            panic!("{e}")
        };
        assert_eq!(name, "NVIDIA GeForce RTX 3050");
        assert_eq!(*row, kb().gpu_by_name(name).unwrap().name);
        assert!(e.to_string().contains("is unknown"), "{e}");
        assert!(e.hint().unwrap().contains("--cc"));
    }

    fn name(q: &str) -> String {
        kb().gpu_by_name(q)
            .unwrap_or_else(|e| panic!("{q}: {e}"))
            .name
            .clone()
    }

    #[test]
    fn missing_spaces_case_and_separators() {
        for q in [
            "RTX4090",
            "rtx4090",
            "RTX 4090",
            "rtx-4090",
            "NVIDIA GeForce RTX 4090",
            "NVIDIA GeForce RTX™ 4090",
            "geforce rtx 4090 gpu",
        ] {
            assert_eq!(name(q), "GeForce RTX 4090", "{q}");
        }
        assert_eq!(name("RTX3060Ti"), "GeForce RTX 3060 Ti");
        assert_eq!(name("GTX1080Ti"), "GeForce GTX 1080 Ti");
        assert_eq!(name("NVIDIA A100"), "NVIDIA A100");
    }

    #[test]
    fn memory_and_form_factor_suffixes() {
        assert_eq!(name("NVIDIA A100-SXM4-80GB"), "NVIDIA A100");
        assert_eq!(name("A100 80GB PCIe"), "NVIDIA A100");
        assert_eq!(name("Tesla V100-PCIE-16GB"), "NVIDIA V100");
        assert_eq!(name("Tesla P100-PCIE-16GB"), "Tesla P100");
        assert_eq!(name("NVIDIA H100 80GB HBM3"), "NVIDIA H100");
        assert_eq!(name("NVIDIA H100 PCIe"), "NVIDIA H100");
        assert_eq!(name("NVIDIA H100 SXM5"), "NVIDIA H100");
        assert_eq!(name("H100 NVL"), "NVIDIA H100");
        assert_eq!(name("NVIDIA H200 141GB HBM3e"), "NVIDIA H200");
        // A memory size that names its own row keeps it.
        assert_eq!(name("GeForce RTX 3080 12GB"), "GeForce RTX 3080 12GB");
        assert_eq!(name("NVIDIA GeForce RTX 3080"), "GeForce RTX 3080");
    }

    #[test]
    fn brand_words() {
        assert_eq!(name("Quadro RTX 8000"), "Quadro RTX 8000");
        assert_eq!(name("NVIDIA Quadro RTX 8000"), "Quadro RTX 8000");
        assert_eq!(name("Quadro P4000"), "Quadro P4000");
        // `Quadro` before a workstation name that dropped it.
        assert_eq!(name("Quadro RTX A6000"), "NVIDIA RTX A6000");
        assert_eq!(name("Tesla T4"), "NVIDIA T4");
        assert_eq!(name("T4"), "NVIDIA T4");
        // `Quadro` is not dropped in front of a GeForce name.
        assert!(kb().gpu_by_name("Quadro RTX 4090").is_err());
    }

    #[test]
    fn bare_model_numbers_by_exact_tokens() {
        assert_eq!(name("4090"), "GeForce RTX 4090");
        assert_eq!(name("5090"), "GeForce RTX 5090");
        assert_eq!(name("1080"), "GeForce GTX 1080");
        // `3060` is the whole number of the RTX 3060 only; `3060 Ti` is another model.
        assert_eq!(name("3060"), "GeForce RTX 3060");
        assert_eq!(name("3060 Ti"), "GeForce RTX 3060 Ti");
        assert_eq!(name("3060ti"), "GeForce RTX 3060 Ti");
        // `6000` is no model's whole number (Quadro RTX 6000, RTX 6000 Ada): not resolved.
        let e = kb().gpu_by_name("6000").unwrap_err();
        assert!(matches!(e, super::GpuLookupError::Unknown { .. }), "{e}");
        let e = kb().gpu_by_name("9999").unwrap_err();
        assert!(matches!(e, super::GpuLookupError::Unknown { .. }), "{e}");
        // The desktop RTX 3050 row has no confirmed capability: the bare number says so.
        let e = kb().compute_capability_of("3050").unwrap_err();
        assert!(
            matches!(e, super::GpuLookupError::UnknownCapability { .. }),
            "{e}"
        );
    }

    #[test]
    fn a_bare_number_of_two_capabilities_is_ambiguous() {
        let mut table = kb().clone();
        let mut twin = table.gpu_by_name("GeForce RTX 4090").unwrap().clone();
        twin.name = "GeForce GTX 4090".to_owned();
        twin.cc = Some("7.5".parse().unwrap());
        table.gpus.push(twin);
        table.gpu_keys = crate::tables::gpus::row_keys(&table.gpus);
        let e = table.gpu_by_name("4090").unwrap_err();
        let super::GpuLookupError::Ambiguous { matches, .. } = &e else {
            panic!("{e}")
        };
        assert_eq!(matches.len(), 2, "{matches:?}");
        assert!(matches.iter().any(|m| m == "GeForce RTX 4090"));
        assert!(matches.iter().any(|m| m == "GeForce GTX 4090"));
        assert!(
            e.to_string().starts_with("ambiguous GPU name `4090`"),
            "{e}"
        );
        assert!(e.hint().unwrap().contains("full name"));
        // The full names still resolve.
        assert_eq!(
            table.gpu_by_name("RTX 4090").unwrap().name,
            "GeForce RTX 4090"
        );
    }

    #[test]
    fn laptop_names_never_resolve_to_the_desktop_row() {
        // Laptop names the table has no laptop row for (`Mobile` and `Max-Q` spellings, laptop
        // parts its source does not list).
        for q in [
            "NVIDIA GeForce RTX 3080 Ti Laptop GPU",
            "RTX 3070 Ti Laptop",
            "GeForce RTX 3060 Mobile",
            "NVIDIA GeForce RTX 4090 Laptop GPU",
            "GeForce RTX 2080 with Max-Q Design",
            "RTX 3070 Max-Q",
        ] {
            let e = kb().gpu_by_name(q).unwrap_err();
            let super::GpuLookupError::Laptop { name, desktop } = &e else {
                panic!("{q}: {e}")
            };
            assert_eq!(name, q);
            assert!(desktop.is_some(), "{q}");
            assert!(e.to_string().contains("laptop GPU"), "{e}");
            assert!(e.to_string().contains("unknown"), "{e}");
            assert!(e.hint().unwrap().contains("--cc"));
            let e = kb().compute_capability_of(q).unwrap_err();
            assert!(matches!(e, super::GpuLookupError::Laptop { .. }), "{e}");
        }
        let e = kb()
            .gpu_by_name("NVIDIA GeForce RTX 3080 Ti Laptop GPU")
            .unwrap_err();
        assert_eq!(
            e,
            super::GpuLookupError::Laptop {
                name: "NVIDIA GeForce RTX 3080 Ti Laptop GPU".to_owned(),
                desktop: Some("GeForce RTX 3080 Ti".to_owned()),
            }
        );
        // A laptop name with no desktop model either.
        let e = kb().gpu_by_name("RTX 9999 Laptop GPU").unwrap_err();
        assert!(
            matches!(&e, super::GpuLookupError::Laptop { desktop: None, .. }),
            "{e}"
        );
        // A shorter spelling of that workstation card is the card, not a laptop part; a
        // GeForce Max-Q is still a laptop part.
        assert_eq!(
            name("RTX PRO 6000 Blackwell Max-Q"),
            "NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition"
        );
        assert!(matches!(
            kb().gpu_by_name("RTX 3070 Max-Q"),
            Err(super::GpuLookupError::Laptop { .. })
        ));
        // `Max-Q` in a row's own name is part of that name, not a laptop marker.
        assert_eq!(
            name("NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition"),
            "NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition"
        );
    }

    #[test]
    fn a_laptop_row_is_used_for_laptop_names_only() {
        let mut table = kb().clone();
        let mut laptop = table.gpu_by_name("GeForce RTX 3070").unwrap().clone();
        laptop.name = "GeForce RTX 3060 Laptop GPU".to_owned();
        laptop.aliases = Vec::new();
        table.gpus.push(laptop);
        table.gpu_keys = crate::tables::gpus::row_keys(&table.gpus);
        for q in [
            "NVIDIA GeForce RTX 3060 Laptop GPU",
            "RTX 3060 Laptop",
            "rtx3060 laptop gpu",
        ] {
            assert_eq!(
                table.gpu_by_name(q).unwrap().name,
                "GeForce RTX 3060 Laptop GPU",
                "{q}"
            );
        }
        assert_eq!(
            table.gpu_by_name("RTX 3060").unwrap().name,
            "GeForce RTX 3060"
        );
        assert_eq!(table.gpu_by_name("3060").unwrap().name, "GeForce RTX 3060");
    }

    #[test]
    fn the_rtx_3060_laptop_gpu_has_its_own_sourced_row() {
        for q in [
            "NVIDIA GeForce RTX 3060 Laptop GPU",
            "GeForce RTX 3060 Laptop GPU",
            "RTX 3060 Laptop",
            "rtx3060 laptop gpu",
        ] {
            let got = kb().compute_capability_of(q).unwrap();
            assert_eq!(got.cc.to_string(), "8.6", "{q}");
            assert_eq!(got.row.name, "GeForce RTX 3060 Laptop GPU", "{q}");
            assert_eq!(got.row.confidence, "secondary");
            // The row cites the copy of NVIDIA's notebook table, not the desktop row's source.
            assert!(
                got.row
                    .source
                    .contains("XavierJiezou/GPU-Compute-Capability"),
                "{}",
                got.row.source
            );
            assert!(got.row.source.contains("'GeForce Notebook Products'"));
            assert!(got.row.source.contains("'GeForce RTX 3060' at 8.6"));
            assert!(got.provenance().contains("`GeForce RTX 3060 Laptop GPU`"));
        }
        // The desktop name still resolves to the desktop row, read from the same copy's desktop
        // table.
        for q in ["NVIDIA GeForce RTX 3060", "RTX 3060", "3060"] {
            let got = kb().compute_capability_of(q).unwrap();
            assert_eq!(got.row.name, "GeForce RTX 3060", "{q}");
            assert_eq!(got.cc.to_string(), "8.6", "{q}");
            assert!(
                got.row.source.contains("'GeForce and TITAN Products')"),
                "{q}: {}",
                got.row.source
            );
        }
        let desktop = kb().gpu_by_name("GeForce RTX 3060").unwrap();
        let laptop = kb().gpu_by_name("GeForce RTX 3060 Laptop GPU").unwrap();
        assert_ne!(desktop.source, laptop.source);
    }

    #[test]
    fn the_notebook_table_s_other_rtx_30_parts_have_rows() {
        for (q, row) in [
            (
                "NVIDIA GeForce RTX 3080 Laptop GPU",
                "GeForce RTX 3080 Laptop GPU",
            ),
            (
                "NVIDIA GeForce RTX 3070 Laptop GPU",
                "GeForce RTX 3070 Laptop GPU",
            ),
            (
                "NVIDIA GeForce RTX 3050 Ti Laptop GPU",
                "GeForce RTX 3050 Ti Laptop GPU",
            ),
            (
                "NVIDIA GeForce RTX 3050 Laptop GPU",
                "GeForce RTX 3050 Laptop GPU",
            ),
        ] {
            let got = kb().compute_capability_of(q).unwrap();
            assert_eq!(got.row.name, row, "{q}");
            assert_eq!(got.cc.to_string(), "8.6", "{q}");
        }
        // A bare model number is never a laptop part: `3050` is the desktop card, and `3050 Ti`
        // (a laptop part only) is not resolved.
        assert_eq!(name("3050"), "GeForce RTX 3050");
        assert!(kb().gpu_by_name("3050 Ti").is_err());
    }

    #[test]
    fn unconfirmed_rows_resolve_with_unknown_cc() {
        let row = kb().gpu_by_name("NVIDIA GeForce RTX 3050").unwrap();
        assert!(row.cc.is_none(), "the reference marks RTX 3050 UNCONFIRMED");
    }
}
