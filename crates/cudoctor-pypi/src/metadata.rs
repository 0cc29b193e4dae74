//! Core metadata (`*.dist-info/METADATA`, the PEP 658 `.metadata` file): the fields cudoctor
//! uses, with `Requires-Dist` split into name, extras, specifiers and marker.
//!
//! A real sample (jax-cuda12-plugin 0.12.0.1, trimmed):
//! ```text
//! Metadata-Version: 2.4
//! Name: jax-cuda12-plugin
//! Version: 0.12.0.1
//! Requires-Python: >=3.12
//! Requires-Dist: jax-cuda12-pjrt==0.12.0.1
//! Provides-Extra: with-cuda
//! Requires-Dist: nvidia-cudnn-cu12<10.0,>=9.10.2.21; sys_platform == "linux" and extra == "with-cuda"
//! ```
//! Older wheels write specifiers in parentheses: `nvidia-cudnn-cu12 (==9.1.0.70) ; platform_system == "Linux"`.

use serde::{Deserialize, Serialize};

/// The fields of a METADATA file that cudoctor reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// `Name`.
    pub name: String,
    /// `Version`, as written.
    pub version: String,
    /// `Requires-Python`, as written.
    pub requires_python: Option<String>,
    /// Every `Requires-Dist`, in order.
    pub requires_dist: Vec<Requirement>,
    /// Every `Provides-Extra`.
    pub provides_extra: Vec<String>,
}

/// One `Requires-Dist` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirement {
    /// The line as written.
    pub text: String,
    /// Project name as written.
    pub name: String,
    /// Extras in brackets (`jax-cuda12-plugin[with-cuda]`).
    pub extras: Vec<String>,
    /// The version specifiers, without parentheses (`<10.0,>=9.10.2.21`); empty = any.
    pub specifiers: String,
    /// The environment marker after `;`, as written (`extra == "with-cuda"`).
    pub marker: Option<String>,
}

impl Requirement {
    /// Parses one `Requires-Dist` value (PEP 508, without URL requirements).
    pub fn parse(text: &str) -> Result<Self, String> {
        let (spec, marker) = match text.split_once(';') {
            Some((s, m)) => (
                s.trim(),
                Some(m.trim().to_owned()).filter(|m| !m.is_empty()),
            ),
            None => (text.trim(), None),
        };
        let name_end = spec
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
            .unwrap_or(spec.len());
        let name = &spec[..name_end];
        if name.is_empty() {
            return Err(format!("`{text}` does not start with a project name"));
        }
        let mut rest = spec[name_end..].trim_start();
        let mut extras = Vec::new();
        if let Some(r) = rest.strip_prefix('[') {
            let (inner, after) = r
                .split_once(']')
                .ok_or_else(|| format!("`{text}`: unclosed `[` of the extras"))?;
            extras = inner
                .split(',')
                .map(|e| e.trim().to_owned())
                .filter(|e| !e.is_empty())
                .collect();
            rest = after.trim_start();
        }
        if rest.starts_with('@') {
            return Err(format!("`{text}`: URL requirements are not supported"));
        }
        let specifiers = rest
            .trim()
            .trim_start_matches('(')
            .trim_end_matches(')')
            .trim()
            .replace(' ', "");
        Ok(Self {
            text: text.trim().to_owned(),
            name: name.to_owned(),
            extras,
            specifiers,
            marker,
        })
    }

    /// The extra that gates this requirement (`extra == "with-cuda"`), if any.
    pub fn extra(&self) -> Option<String> {
        let m = self.marker.as_deref()?;
        let i = m.find("extra")?;
        let rest = m[i + 5..].trim_start().strip_prefix("==")?.trim_start();
        let q = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let body = &rest[1..];
        body.find(q).map(|end| body[..end].to_owned())
    }
}

/// Parses METADATA text (RFC 822 style headers; the body after the first blank line is the
/// description and is ignored; continuation lines start with whitespace).
pub fn parse_metadata(text: &str) -> Result<Metadata, String> {
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = headers.last_mut() {
                v.push('\n');
                v.push_str(line.trim());
            }
            continue;
        }
        let Some((k, v)) = line.split_once(':') else {
            return Err(format!("the header line `{line}` has no `:`"));
        };
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
    }
    let one = |k: &str| headers.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let name = one("name").ok_or("no `Name:` header")?;
    let version = one("version").ok_or("no `Version:` header")?;
    let requires_dist = headers
        .iter()
        .filter(|(n, _)| n == "requires-dist")
        .map(|(_, v)| Requirement::parse(v))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Metadata {
        name,
        version,
        requires_python: one("requires-python").filter(|v| !v.is_empty()),
        requires_dist,
        provides_extra: headers
            .iter()
            .filter(|(n, _)| n == "provides-extra")
            .map(|(_, v)| v.clone())
            .collect(),
    })
}

/// The header part of METADATA (up to the first blank line): what the cache keeps.
pub fn headers_only(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            break;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_jax_plugin_metadata() {
        let m = parse_metadata(include_str!(
            "../tests/data/jax_cuda12_plugin-0.12.0.1.METADATA.txt"
        ))
        .expect("parses");
        assert_eq!(m.name, "jax-cuda12-plugin");
        assert_eq!(m.version, "0.12.0.1");
        assert_eq!(m.requires_python.as_deref(), Some(">=3.12"));
        assert_eq!(m.provides_extra, ["with-cuda"]);
        let cudnn = m
            .requires_dist
            .iter()
            .find(|r| r.name == "nvidia-cudnn-cu12")
            .expect("cudnn pin");
        assert_eq!(cudnn.specifiers, "<10.0,>=9.10.2.21");
        assert_eq!(cudnn.extra().as_deref(), Some("with-cuda"));
        assert_eq!(m.requires_dist[0].name, "jax-cuda12-pjrt");
        assert_eq!(m.requires_dist[0].extra(), None);
    }

    #[test]
    fn real_torch_metadata_with_parenthesised_specifiers() {
        let m =
            parse_metadata(include_str!("../tests/data/torch-2.5.1.METADATA.txt")).expect("parses");
        assert_eq!(m.version, "2.5.1");
        let rt = m
            .requires_dist
            .iter()
            .find(|r| r.name == "nvidia-cuda-runtime-cu12")
            .expect("runtime pin");
        assert_eq!(rt.specifiers, "==12.4.127");
        assert_eq!(
            rt.marker.as_deref(),
            Some(r#"platform_system == "Linux" and platform_machine == "x86_64""#)
        );
        let opt = m
            .requires_dist
            .iter()
            .find(|r| r.name == "opt-einsum")
            .expect("opt-einsum");
        assert_eq!(opt.extra().as_deref(), Some("opt-einsum"));
    }

    #[test]
    fn requirement_forms_and_errors() {
        let r = Requirement::parse("jax-cuda12-plugin[with-cuda, x]==0.4.30; extra == 'cuda12'")
            .expect("ok");
        assert_eq!(r.extras, ["with-cuda", "x"]);
        assert_eq!(r.specifiers, "==0.4.30");
        assert_eq!(r.extra().as_deref(), Some("cuda12"));
        assert_eq!(Requirement::parse("packaging").expect("ok").specifiers, "");
        assert!(Requirement::parse(">=1").is_err());
        assert!(Requirement::parse("a[b").is_err());
        assert!(Requirement::parse("a @ https://x/a.whl").is_err());
        assert!(parse_metadata("Name: x\n").is_err());
        assert!(parse_metadata("garbage line\n").is_err());
        assert!(parse_metadata("").is_err());
    }
}
