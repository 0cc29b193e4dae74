//! Comparing what PyPI says with the embedded tables: one [`Finding`] per disagreement (or
//! missing row), and proposed TOML rows in the format of `crates/cudoctor-kb/data/*.toml`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use cudoctor_kb::Kb;
use cudoctor_kb::version::{CudnnVersion, FrameworkVersion};

use crate::refresh::{PackageFacts, ReleaseFacts};

/// One disagreement between PyPI and the embedded data.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    /// The data file (`data/jax.toml`).
    pub file: &'static str,
    /// The row (`[[plugin]] 0.8.0 cuda13`).
    pub row: String,
    /// The field, or `row` when the whole row is missing or extra.
    pub field: String,
    /// What the embedded data says (`None` = no row / no value).
    pub embedded: Option<String>,
    /// What PyPI says (`None` = PyPI has no such release).
    pub pypi: Option<String>,
    /// Where PyPI said it (`PyPI metadata of ...`).
    pub source: String,
}

impl Finding {
    /// One readable line: `data/jax.toml [[plugin]] 0.8.0 cuda13 cudnn_min: embedded 9.8, PyPI 9.12.0.46 (source)`.
    pub fn line(&self) -> String {
        let show = |v: &Option<String>, none: &str| v.clone().unwrap_or_else(|| none.to_owned());
        format!(
            "{} {} {}: embedded {}, PyPI {} ({})",
            self.file,
            self.row,
            self.field,
            show(&self.embedded, "(no row)"),
            show(&self.pypi, "(not on PyPI)"),
            self.source
        )
    }
}

/// A proposed row: the data file and the TOML text to paste.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// The data file.
    pub file: &'static str,
    /// The array of tables it joins (`plugin`, `release`).
    pub table: &'static str,
    /// A TOML table (`[[plugin]]` ...).
    pub toml: String,
}

/// The comparison of every package read.
#[derive(Debug, Clone, Default)]
pub struct Comparison {
    /// Disagreements, sorted.
    pub findings: Vec<Finding>,
    /// Rows to add.
    pub proposals: Vec<Proposal>,
}

/// The wheel a fact was read from, as a row's `source` writes it.
pub fn wheel_source(rel: &ReleaseFacts, what: &str) -> String {
    let sha = rel.file.sha256.as_deref().unwrap_or("not stated");
    format!("{} (sha256 {sha}) {what}", rel.file.url)
}

fn metadata_source(rel: &ReleaseFacts) -> String {
    rel.pins
        .as_ref()
        .map_or_else(|| wheel_source(rel, "METADATA"), |p| p.source.clone())
}

/// Whether `data` agrees with `read` on the components `data` gives (`9.8` vs `9.8.0.87`: yes;
/// `9.8` vs `9.12.0.46`: no).
fn agrees_on_data_precision(data: &str, read: &str) -> bool {
    let d: Vec<&str> = data.split('.').collect();
    let r: Vec<&str> = read.split('.').collect();
    d.iter().enumerate().all(|(i, x)| {
        r.get(i).map_or(*x == "0", |y| {
            y.trim_start_matches('0') == x.trim_start_matches('0')
        })
    })
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A sort key that orders the numbers in a row name numerically (`0.9.0` before `0.10.0`).
fn natural(s: &str) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    let mut num = String::new();
    let mut text = String::new();
    for ch in s.chars() {
        if ch.is_ascii_digit() {
            if !text.is_empty() {
                out.push((0, std::mem::take(&mut text)));
            }
            num.push(ch);
        } else {
            if !num.is_empty() {
                out.push((num.parse().unwrap_or(u64::MAX), String::new()));
                num.clear();
            }
            text.push(ch);
        }
    }
    if !num.is_empty() {
        out.push((num.parse().unwrap_or(u64::MAX), String::new()));
    }
    if !text.is_empty() {
        out.push((0, text));
    }
    out
}

/// Compares everything read with `kb`.
pub fn compare(kb: &Kb, facts: &BTreeMap<String, PackageFacts>) -> Comparison {
    let mut c = Comparison::default();
    for (package, pf) in facts {
        match package.as_str() {
            "tensorflow" => tensorflow(kb, pf, &mut c),
            "torch" => torch(kb, pf, &mut c),
            p if p.starts_with("nvidia-cudnn-") => cudnn(kb, p, pf, &mut c),
            p if p.starts_with("nvidia-cuda-runtime") => cuda_runtime(kb, p, pf, &mut c),
            _ => {} // tensorflow-cpu, jaxlib: read and listed, no table holds their facts
        }
    }
    jax_plugins(kb, facts, &mut c);
    c.findings.sort_by(|a, b| {
        (a.file, natural(&a.row), &a.field).cmp(&(b.file, natural(&b.row), &b.field))
    });
    c.findings.dedup();
    c
}

fn fv(v: &pep440_rs::Version) -> Option<FrameworkVersion> {
    v.to_string().parse().ok()
}

fn tensorflow(kb: &Kb, pf: &PackageFacts, c: &mut Comparison) {
    for rel in &pf.releases {
        let Some(v) = fv(&rel.version) else { continue };
        let Some(bi) = &rel.build_info else { continue };
        if bi.is_cuda_build != Some(true) {
            continue;
        }
        let src = wheel_source(rel, crate::refresh::TF_BUILD_INFO);
        if let Some(row) = kb.tf_release(&v) {
            let rowname = format!("[[release]] {} (read: {})", row.version, rel.version);
            for (field, read, data) in [
                ("cuda", &bi.cuda_version, row.cuda.to_string()),
                ("cudnn", &bi.cudnn_version, row.cudnn.to_string()),
            ] {
                let Some(read) = read else { continue };
                if !agrees_on_data_precision(&data, read) && !agrees_on_data_precision(read, &data)
                {
                    c.findings.push(Finding {
                        file: "data/tensorflow.toml",
                        row: rowname.clone(),
                        field: field.into(),
                        embedded: Some(data),
                        pypi: Some(read.clone()),
                        source: src.clone(),
                    });
                }
            }
            if let (true, Some(pmin), Some(first)) = (
                row.version == v,
                lowest_python(rel),
                row.python.iter().map(|r| r.first).min(),
            ) {
                if pmin != first.to_string() {
                    c.findings.push(Finding {
                        file: "data/tensorflow.toml",
                        row: rowname.clone(),
                        field: "python (lowest)".into(),
                        embedded: Some(first.to_string()),
                        pypi: Some(python_text(rel, &pmin)),
                        source: python_source(rel),
                    });
                }
            }
        } else if rel.version.release().first().is_some_and(|m| *m >= 2) {
            c.findings.push(Finding {
                file: "data/tensorflow.toml",
                row: format!("[[release]] {}", rel.version),
                field: "row".into(),
                embedded: None,
                pypi: Some(format!(
                    "cuda {}, cudnn {}",
                    bi.cuda_version.clone().unwrap_or_default(),
                    bi.cudnn_version.clone().unwrap_or_default()
                )),
                source: src.clone(),
            });
        }
        if let Some(caps) = &bi.cuda_compute_capabilities {
            let read: BTreeSet<String> = caps.iter().cloned().collect();
            match kb.tf_archs(&v) {
                Some(row) => {
                    // The entries as build_info.py writes them (compute_XY = SASS + PTX,
                    // expanded by the kb), compared as written.
                    let data: Option<BTreeSet<String>> = row
                        .cuda_compute_capabilities
                        .as_ref()
                        .map(|cs| cs.entries().iter().cloned().collect());
                    if data.as_ref() != Some(&read) {
                        c.findings.push(Finding {
                            file: "data/tensorflow.toml",
                            row: format!(
                                "[[archs]] {}-{} (read: {})",
                                row.first, row.last, rel.version
                            ),
                            field: "cuda_compute_capabilities".into(),
                            embedded: Some(data.map_or_else(
                                || "unknown".into(),
                                |d| d.into_iter().collect::<Vec<_>>().join(" "),
                            )),
                            pypi: Some(caps.join(" ")),
                            source: src.clone(),
                        });
                    }
                }
                None => c.findings.push(Finding {
                    file: "data/tensorflow.toml",
                    row: format!("[[archs]] {}", rel.version),
                    field: "row".into(),
                    embedded: None,
                    pypi: Some(caps.join(" ")),
                    source: src.clone(),
                }),
            }
        }
    }
}

fn torch(kb: &Kb, pf: &PackageFacts, c: &mut Comparison) {
    for rel in &pf.releases {
        let Some(v) = fv(&rel.version) else { continue };
        let cuda_py = rel.version_py.as_ref().and_then(|p| p.cuda.clone());
        let pins = rel.pins.as_ref();
        let cuda_pin = pins.filter(|p| p.cuda_exact).and_then(|p| p.cuda.clone());
        // version.py is the build's own word; the runtime pin must agree with it.
        let Some(cuda) = cuda_py.clone().or(cuda_pin.clone()) else {
            continue;
        };
        let src = if cuda_py.is_some() {
            wheel_source(rel, crate::refresh::TORCH_VERSION_PY)
        } else {
            metadata_source(rel)
        };
        let variants = kb.torch_release(&v);
        let series = format!("{}", cudoctor_kb::data::Series::of(&v));
        if kb
            .torch_variants()
            .first()
            .is_some_and(|f| cudoctor_kb::data::Series::of(&v) < f.release)
        {
            continue; // older than the table: not a fact the data has
        }
        if variants.is_empty() {
            c.findings.push(Finding {
                file: "data/pytorch.toml",
                row: format!("[[variant]] {series} (read: {})", rel.version),
                field: "row".into(),
                embedded: None,
                pypi: Some(format!("PyPI wheel built with CUDA {cuda}")),
                source: src,
            });
            continue;
        }
        let default = variants.iter().find(|r| r.pypi_default);
        let mm = pins::major_minor(&cuda);
        let matching = variants
            .iter()
            .find(|r| pins::major_minor(&r.cuda.to_string()) == mm);
        let embedded_default = default.map(|d| format!("{} (CUDA {})", d.tag, d.cuda));
        if default.map(|d| pins::major_minor(&d.cuda.to_string())) != Some(mm.clone()) {
            c.findings.push(Finding {
                file: "data/pytorch.toml",
                row: format!("[[variant]] {series} (read: {})", rel.version),
                field: "pypi_default".into(),
                embedded: embedded_default.or(Some("no variant marked".into())),
                pypi: Some(format!(
                    "CUDA {cuda}{}{}",
                    matching.map_or_else(
                        || " (no such variant row)".into(),
                        |m| format!(" = {}", m.tag)
                    ),
                    rel.version_py
                        .as_ref()
                        .and_then(|p| p.version.clone())
                        .map(|v| format!(", __version__ {v}"))
                        .unwrap_or_default()
                )),
                source: src.clone(),
            });
        }
        if let (Some(row), Some(cudnn)) = (
            matching,
            pins.and_then(|p| p.cudnn.as_ref())
                .filter(|p| p.exact)
                .and_then(|p| p.minimum.clone()),
        ) {
            if let Some(data) = row.cudnn {
                if data.to_string() != cudnn {
                    c.findings.push(Finding {
                        file: "data/pytorch.toml",
                        row: format!("[[variant]] {series} {} (read: {})", row.tag, rel.version),
                        field: "cudnn".into(),
                        embedded: Some(data.to_string()),
                        pypi: Some(cudnn),
                        source: metadata_source(rel),
                    });
                }
            }
        }
        if let (Some(row), Some(pmin)) = (matching, lowest_python(rel)) {
            if let Some(first) = row
                .python
                .as_ref()
                .and_then(|p| p.iter().map(|r| r.first).min())
            {
                if first.to_string() != pmin {
                    c.findings.push(Finding {
                        file: "data/pytorch.toml",
                        row: format!("[[variant]] {series} {} (read: {})", row.tag, rel.version),
                        field: "python (lowest)".into(),
                        embedded: Some(first.to_string()),
                        pypi: Some(python_text(rel, &pmin)),
                        source: python_source(rel),
                    });
                }
            }
        }
    }
}

use cudoctor_pypi::pins;

/// The lowest Python a release can be installed on: its lowest CPython Linux x86_64 wheel
/// (Requires-Python is often laxer: torch 2.5 says `>=3.8.0` but ships cp39 and up), else
/// Requires-Python's floor.
fn lowest_python(rel: &ReleaseFacts) -> Option<String> {
    rel.cpython_minors
        .first()
        .map(|m| format!("3.{m}"))
        .or_else(|| rel.pins.as_ref().and_then(|p| p.python_min.clone()))
}

fn python_text(rel: &ReleaseFacts, lowest: &str) -> String {
    let rp = rel
        .pins
        .as_ref()
        .and_then(|p| p.requires_python.clone())
        .unwrap_or_else(|| "not stated".into());
    if rel.cpython_minors.is_empty() {
        format!("{lowest} (Requires-Python {rp})")
    } else {
        format!("{lowest} (lowest CPython Linux x86_64 wheel; Requires-Python {rp})")
    }
}

fn python_source(rel: &ReleaseFacts) -> String {
    format!(
        "https://pypi.org/simple/{}/ (the {} Linux x86_64 wheels); {}",
        rel.package,
        rel.version,
        metadata_source(rel)
    )
}

/// The plugin release a jax release's `cudaNN` extra installs: the newest Linux x86_64 plugin
/// release its pin allows (`jax-cuda12-plugin[with_cuda]<=0.4.37,>=0.4.36; extra == "cuda12"`
/// -> 0.4.36, since 0.4.37 was never published), or the pin as written when none is.
fn plugin_of(
    jax: &ReleaseFacts,
    variant: &str,
    plugins: &[ReleaseFacts],
) -> Option<Result<String, String>> {
    let plugin = format!("jax-{variant}-plugin");
    let req = jax.requires.iter().find(|r| {
        cudoctor_pypi::simple::normalize_name(&r.name) == plugin
            && r.extra().as_deref() == Some(variant)
    })?;
    let specs: pep440_rs::VersionSpecifiers = req.specifiers.parse().ok()?;
    Some(
        plugins
            .iter()
            .filter(|p| specs.contains(&p.version))
            .map(|p| &p.version)
            .max()
            .map(ToString::to_string)
            .ok_or_else(|| format!("{plugin}{}", req.specifiers)),
    )
}

/// JAX: one row per (jax release, plugin). Which plugin release a jax release installs comes
/// from jax's own METADATA when jax was read (jax 0.4.37 installs plugin 0.4.36), else the
/// plugin's version is taken as the jax version.
fn jax_plugins(kb: &Kb, facts: &BTreeMap<String, PackageFacts>, c: &mut Comparison) {
    for variant in ["cuda12", "cuda13"] {
        let package = format!("jax-{variant}-plugin");
        let Some(pf) = facts.get(&package) else {
            continue;
        };
        if pf.releases.is_empty() {
            continue;
        }
        let plugins: BTreeMap<String, &ReleaseFacts> = pf
            .releases
            .iter()
            .map(|r| (r.version.to_string(), r))
            .collect();
        // (jax release -> plugin release, or the unmet pin) pairs.
        let pairs: Vec<(String, Result<String, String>)> =
            match facts.get("jax").filter(|j| !j.releases.is_empty()) {
                Some(jax) => jax
                    .releases
                    .iter()
                    .filter_map(|r| {
                        plugin_of(r, variant, &pf.releases).map(|p| (r.version.to_string(), p))
                    })
                    .collect(),
                None => plugins.keys().map(|v| (v.clone(), Ok(v.clone()))).collect(),
            };
        let first_row = kb
            .jax_plugins()
            .iter()
            .filter(|r| r.variant == variant)
            .map(|r| r.version.clone())
            .min();
        let listed: BTreeSet<String> = pairs.iter().map(|(j, _)| j.clone()).collect();
        for (jax_version, plugin_version) in &pairs {
            let Ok(v) = jax_version.parse::<FrameworkVersion>() else {
                continue;
            };
            let row = kb
                .jax_release(&v)
                .into_iter()
                .find(|r| r.variant == variant);
            let rel = match plugin_version {
                Ok(p) => plugins.get(p).copied(),
                Err(_) => None,
            };
            let Some(rel) = rel else {
                if row.is_some() {
                    let pin = plugin_version.clone().unwrap_or_else(|e| e);
                    c.findings.push(Finding {
                        file: "data/jax.toml",
                        row: format!("[[plugin]] {jax_version} {variant}"),
                        field: "row".into(),
                        embedded: Some("present".into()),
                        pypi: Some(format!("jax {jax_version} pins `{pin}`, and no Linux x86_64 wheel of {package} satisfies it")),
                        source: format!("https://pypi.org/simple/{package}/"),
                    });
                }
                continue;
            };
            let plugin_version = rel.version.to_string();
            let plugin_version = &plugin_version;
            let Some(p) = &rel.pins else { continue };
            let cudnn = p.cudnn.as_ref();
            let cudnn_min = cudnn.and_then(|d| d.minimum.clone());
            let cudnn_below = cudnn.and_then(|d| d.below.clone());
            let Some(row) = row else {
                if first_row.as_ref().is_some_and(|f| &v < f) {
                    continue; // older than the table: not a fact the data has
                }
                c.findings.push(Finding {
                    file: "data/jax.toml",
                    row: format!("[[plugin]] {jax_version} {variant}"),
                    field: "row".into(),
                    embedded: None,
                    pypi: Some(format!(
                        "{package} {plugin_version}: python >= {}, CUDA >= {}, cuDNN {}",
                        p.python_min.clone().unwrap_or_else(|| "?".into()),
                        p.cuda.clone().unwrap_or_else(|| "?".into()),
                        cudnn.map_or_else(|| "?".into(), |d| d.specifiers.clone())
                    )),
                    source: p.source.clone(),
                });
                let mut t = String::from("[[plugin]]\n");
                let _ = writeln!(t, "version = {}", quote(jax_version));
                let _ = writeln!(t, "variant = {}", quote(variant));
                let _ = writeln!(t, "extra = {}", quote(&format!("jax[{variant}]")));
                if let Some(py) = &p.python_min {
                    let _ = writeln!(t, "python_min = {}", quote(py));
                }
                if let Some(cuda) = &p.cuda {
                    let _ = writeln!(t, "cuda_min = {}", quote(cuda));
                }
                if let Some(m) = &cudnn_min {
                    let _ = writeln!(t, "cudnn_min = {}", quote(m));
                }
                if let Some(b) = &cudnn_below {
                    let _ = writeln!(t, "cudnn_below = {}", quote(b));
                }
                if let Some(d) = cudnn {
                    let _ = writeln!(
                        t,
                        "cudnn_pin = {}",
                        quote(&format!("{} ({})", d.specifiers, d.package))
                    );
                }
                let via = if plugin_version == jax_version {
                    String::new()
                } else {
                    format!("jax {jax_version} installs {package} {plugin_version}; ")
                };
                let _ = writeln!(
                    t,
                    "note = {}",
                    quote(&format!(
                        "{via}read from the PyPI wheel METADATA (Requires-Python, nvidia-* pins); built-with CUDA/cuDNN, driver and compute capability are not stated there"
                    ))
                );
                let _ = writeln!(t, "source = {}", quote(&p.source));
                c.proposals.push(Proposal {
                    file: "data/jax.toml",
                    table: "plugin",
                    toml: t,
                });
                continue;
            };
            let rowname = format!("[[plugin]] {} {variant}", row.version);
            let mut check = |field: &str, data: Option<String>, read: Option<String>| {
                if let (Some(d), Some(r)) = (&data, &read) {
                    if !agrees_on_data_precision(d, r) {
                        c.findings.push(Finding {
                            file: "data/jax.toml",
                            row: rowname.clone(),
                            field: field.into(),
                            embedded: data.clone(),
                            pypi: read.clone(),
                            source: p.source.clone(),
                        });
                    }
                }
            };
            check(
                "python_min",
                Some(row.python_min.to_string()),
                p.python_min.clone(),
            );
            check(
                "cuda_min",
                row.cuda_min.map(|v| v.to_string()),
                p.cuda.clone(),
            );
            check(
                "cudnn_min",
                row.cudnn_min.map(|v| v.to_string()),
                cudnn_min.clone(),
            );
            check(
                "cudnn_below",
                row.cudnn_below.map(|v| v.to_string()),
                cudnn_below.clone(),
            );
        }
        for row in kb.jax_plugins().iter().filter(|r| r.variant == variant) {
            if !listed.contains(&row.version.to_string()) {
                c.findings.push(Finding {
                    file: "data/jax.toml",
                    row: format!("[[plugin]] {} {variant}", row.version),
                    field: "row".into(),
                    embedded: Some("present".into()),
                    pypi: None,
                    source: format!("https://pypi.org/simple/{package}/ and https://pypi.org/simple/jax/ (no release {} with a `{variant}` extra pinning {package})", row.version),
                });
            }
        }
    }
}

fn cudnn(kb: &Kb, package: &str, pf: &PackageFacts, c: &mut Comparison) {
    for rel in &pf.releases {
        let text = rel.version.to_string();
        let Ok(v) = text.parse::<CudnnVersion>() else {
            continue;
        };
        if !kb.cudnn_known(v) {
            let src = metadata_source(rel);
            c.findings.push(Finding {
                file: "data/cudnn.toml",
                row: format!("[[release]] {text}"),
                field: "row".into(),
                embedded: None,
                pypi: Some(format!("{package} {text} is published")),
                source: src.clone(),
            });
            let mut t = String::from("[[release]]\n");
            let _ = writeln!(t, "first = {}", quote(&text));
            let _ = writeln!(t, "last = {}", quote(&text));
            let _ = writeln!(
                t,
                "note = {}",
                quote(&format!(
                    "published on PyPI as {package} {text}; support matrix not read"
                ))
            );
            let _ = writeln!(t, "source = {}", quote(wheel_source(rel, "").trim_end()));
            // One row per cuDNN version, whichever CUDA flavours publish it.
            if !c.proposals.iter().any(|p| {
                p.file == "data/cudnn.toml"
                    && p.toml.contains(&format!("first = {}\n", quote(&text)))
            }) {
                c.proposals.push(Proposal {
                    file: "data/cudnn.toml",
                    table: "release",
                    toml: t,
                });
            }
        }
    }
}

fn cuda_runtime(kb: &Kb, package: &str, pf: &PackageFacts, c: &mut Comparison) {
    let known: BTreeSet<String> = kb
        .cuda_releases()
        .iter()
        .map(|r| format!("{}.{}", r.version.major(), r.version.minor()))
        .collect();
    let mut seen = BTreeSet::new();
    for rel in &pf.releases {
        let mm = pins::major_minor(&rel.version.to_string());
        if !seen.insert(mm.clone()) {
            continue;
        }
        if !known.contains(&mm) {
            c.findings.push(Finding {
                file: "data/cuda.toml",
                row: format!("[[release]] {mm}"),
                field: "row".into(),
                embedded: None,
                pypi: Some(format!("{package} {} is published (the driver minimum is NVIDIA's release notes' to state, not PyPI's)", rel.version)),
                source: metadata_source(rel),
            });
        }
    }
}

/// Renders the comparison as text: the disagreements, then the rows to paste.
pub fn render(c: &Comparison, facts: &BTreeMap<String, PackageFacts>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# kb-refresh: PyPI compared with the embedded data");
    for (p, pf) in facts {
        let wheels = pf.releases.len();
        let errors: usize = pf.releases.iter().map(|r| r.errors.len()).sum();
        let _ = writeln!(
            out,
            "# {p}: {wheels} releases read (one Linux x86_64 wheel each){}{}{}",
            if pf.skipped.is_empty() {
                String::new()
            } else {
                format!(", {} without a Linux x86_64 wheel", pf.skipped.len())
            },
            if errors == 0 {
                String::new()
            } else {
                format!(", {errors} read errors")
            },
            pf.error
                .as_ref()
                .map(|e| format!(", page not read: {e}"))
                .unwrap_or_default()
        );
        for r in &pf.releases {
            for e in &r.errors {
                let _ = writeln!(out, "#   {p} {}: {e}", r.version);
            }
        }
    }
    let _ = writeln!(out, "\n## {} disagreements", c.findings.len());
    for f in &c.findings {
        let _ = writeln!(out, "- {}", f.line());
    }
    let _ = writeln!(out, "\n## {} proposed rows", c.proposals.len());
    let mut last = "";
    for p in &c.proposals {
        if p.file != last {
            let _ = writeln!(out, "\n# --- crates/cudoctor-kb/{} ---", p.file);
            last = p.file;
        }
        let _ = writeln!(out, "{}", p.toml);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use cudoctor_pypi::pyfiles::TorchVersionPy;
    use cudoctor_pypi::{CoreMetadata, IndexFile, Requirement};

    fn release(package: &str, version: &str) -> ReleaseFacts {
        ReleaseFacts {
            package: package.into(),
            version: version.parse().expect("version"),
            file: IndexFile {
                filename: format!("{package}-{version}-cp312-cp312-manylinux_2_28_x86_64.whl"),
                url: format!("https://files.example/{package}-{version}.whl"),
                sha256: Some("ab".into()),
                requires_python: None,
                core_metadata: CoreMetadata::Absent,
                upload_time: None,
                yanked: None,
                size: None,
            },
            pins: None,
            extras: Vec::new(),
            requires: Vec::new(),
            cpython_minors: vec![12],
            build_info: None,
            version_py: None,
            errors: Vec::new(),
        }
    }

    #[test]
    fn precision_and_natural_order() {
        assert!(agrees_on_data_precision("9.8", "9.8.0.87"));
        assert!(!agrees_on_data_precision("9.8", "9.12.0.46"));
        assert!(agrees_on_data_precision("12.0", "12"));
        assert!(!agrees_on_data_precision("12.1", "12"));
        let mut rows = vec![
            "[[plugin]] 0.10.0 cuda12",
            "[[plugin]] 0.9.2 cuda12",
            "[[plugin]] 0.9.0.1 cuda12",
        ];
        rows.sort_by_key(|r| natural(r));
        assert_eq!(
            rows,
            [
                "[[plugin]] 0.9.0.1 cuda12",
                "[[plugin]] 0.9.2 cuda12",
                "[[plugin]] 0.10.0 cuda12"
            ]
        );
    }

    #[test]
    fn plugin_of_takes_the_newest_published_release_the_pin_allows() {
        let mut jax = release("jax", "0.4.37");
        jax.requires = vec![
            Requirement::parse(
                r#"jax-cuda12-plugin[with_cuda]<=0.4.37,>=0.4.36; extra == "cuda12""#,
            )
            .expect("req"),
            Requirement::parse(r#"jax-cuda12-plugin==0.4.36; extra == "cuda12-local""#)
                .expect("req"),
        ];
        let plugins = vec![
            release("jax-cuda12-plugin", "0.4.35"),
            release("jax-cuda12-plugin", "0.4.36"),
        ];
        assert_eq!(
            plugin_of(&jax, "cuda12", &plugins),
            Some(Ok("0.4.36".into()))
        );
        assert_eq!(
            plugin_of(&jax, "cuda12", &plugins[..1]),
            Some(Err("jax-cuda12-plugin<=0.4.37,>=0.4.36".into()))
        );
        assert_eq!(plugin_of(&jax, "cuda13", &plugins), None);
    }

    #[test]
    fn torch_default_variant_is_checked_against_version_py() {
        // Whatever the embedded default of 2.6 is, a wheel built with it agrees and one built
        // with another CUDA does not (the test does not depend on the data's current value).
        let kb = cudoctor_kb::kb();
        let v: FrameworkVersion = "2.6.0".parse().expect("version");
        let default = kb
            .torch_release(&v)
            .into_iter()
            .find(|r| r.pypi_default)
            .expect("a 2.6 default");
        let with = |cuda: &str| {
            let mut r = release("torch", "2.6.0");
            r.version_py = Some(TorchVersionPy {
                version: Some("2.6.0".into()),
                cuda: Some(cuda.into()),
                git_version: None,
                hip: None,
            });
            let facts = BTreeMap::from([(
                "torch".to_owned(),
                PackageFacts {
                    releases: vec![r],
                    ..PackageFacts::default()
                },
            )]);
            compare(kb, &facts).findings
        };
        let same = pins::major_minor(&default.cuda.to_string());
        assert!(
            with(&same).iter().all(|f| f.field != "pypi_default"),
            "{:?}",
            with(&same)
        );
        let other = with("99.9");
        assert!(
            other.iter().any(|f| f.field == "pypi_default"
                && f.pypi
                    .as_deref()
                    .is_some_and(|p| p.starts_with("CUDA 99.9"))),
            "{other:?}"
        );
    }
}
