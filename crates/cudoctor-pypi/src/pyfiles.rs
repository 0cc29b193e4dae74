//! Python files read out of framework wheels: TensorFlow's
//! `tensorflow/python/platform/build_info.py` and PyTorch's `torch/version.py`.
//!
//! Only Python literals are read (strings, numbers, booleans, `None`, lists, tuples, dicts and
//! `collections.OrderedDict([...])`); nothing is evaluated. A real TensorFlow 2.9.0 sample:
//! ```text
//! build_info = collections.OrderedDict([('cpu_compiler', '/dt9/usr/bin/gcc'),
//!   ('cuda_compute_capabilities', ['sm_35', 'sm_50', 'sm_60', 'sm_70', 'sm_75', 'compute_80']),
//!   ('cuda_version', '11.2'), ('cudnn_version', '8'), ('is_cuda_build', True), ...])
//! ```
//! and PyTorch 2.5.1's `version.py`:
//! ```text
//! __version__ = '2.5.1+cu124'
//! cuda: Optional[str] = '12.4'
//! git_version = 'a8d6afb511a69687bbb2b7e88a3cf67917e1697e'
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A Python literal value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PyValue {
    /// `None`.
    None,
    /// `True` / `False`.
    Bool(bool),
    /// An integer or float, as written.
    Number(String),
    /// A string.
    Str(String),
    /// A list or tuple.
    List(Vec<PyValue>),
    /// A dict or `OrderedDict`, keys as strings, in order.
    Dict(Vec<(String, PyValue)>),
}

impl PyValue {
    /// The string, if it is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// TensorFlow's `build_info.py`, the keys cudoctor reads (every key is kept in `all`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TfBuildInfo {
    /// `cuda_compute_capabilities` (`sm_XY` / `compute_XY` as written), when present.
    pub cuda_compute_capabilities: Option<Vec<String>>,
    /// `cuda_version` (or the pre-2.3 `cuda_version_number`).
    pub cuda_version: Option<String>,
    /// `cudnn_version` (or `cudnn_version_number`).
    pub cudnn_version: Option<String>,
    /// `is_cuda_build`.
    pub is_cuda_build: Option<bool>,
    /// `is_rocm_build`.
    pub is_rocm_build: Option<bool>,
    /// `is_tensorrt_build`.
    pub is_tensorrt_build: Option<bool>,
    /// Every key read, in file order.
    pub all: BTreeMap<String, PyValue>,
}

/// PyTorch's `version.py`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TorchVersionPy {
    /// `__version__` (`2.5.1+cu124`).
    pub version: Option<String>,
    /// `cuda` (`12.4`; `None` in CPU builds).
    pub cuda: Option<String>,
    /// `git_version`.
    pub git_version: Option<String>,
    /// `hip`.
    pub hip: Option<String>,
}

/// Parses TensorFlow's `build_info.py`: the `build_info = {...}` / `OrderedDict([...])` value,
/// or (before 2.3) the module-level assignments.
pub fn parse_tf_build_info(text: &str) -> Result<TfBuildInfo, String> {
    let assigns = module_assignments(text);
    let mut all: BTreeMap<String, PyValue> = BTreeMap::new();
    if let Some((_, PyValue::Dict(d))) = assigns.iter().find(|(k, _)| k == "build_info") {
        all.extend(d.iter().cloned());
    }
    for (k, v) in &assigns {
        if k != "build_info" {
            all.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    if all.is_empty() {
        return Err("no `build_info = ...` value and no module-level assignments".into());
    }
    let s = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| all.get(*k).and_then(PyValue::as_str).map(str::to_owned))
    };
    let b = |k: &str| match all.get(k) {
        Some(PyValue::Bool(v)) => Some(*v),
        _ => None,
    };
    let caps = match all.get("cuda_compute_capabilities") {
        Some(PyValue::List(l)) => Some(
            l.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
        ),
        _ => None,
    };
    Ok(TfBuildInfo {
        cuda_compute_capabilities: caps,
        cuda_version: s(&["cuda_version", "cuda_version_number"]),
        cudnn_version: s(&["cudnn_version", "cudnn_version_number"]),
        is_cuda_build: b("is_cuda_build"),
        is_rocm_build: b("is_rocm_build"),
        is_tensorrt_build: b("is_tensorrt_build"),
        all,
    })
}

/// Parses PyTorch's `torch/version.py`.
pub fn parse_torch_version_py(text: &str) -> Result<TorchVersionPy, String> {
    let assigns = module_assignments(text);
    let get = |k: &str| {
        assigns
            .iter()
            .find(|(n, _)| n == k)
            .and_then(|(_, v)| v.as_str().map(str::to_owned))
    };
    let out = TorchVersionPy {
        version: get("__version__"),
        cuda: get("cuda"),
        git_version: get("git_version"),
        hip: get("hip"),
    };
    if out.version.is_none() {
        return Err("no `__version__ = '...'` assignment".into());
    }
    Ok(out)
}

/// Module-level `NAME = literal` (or `NAME: annotation = literal`) assignments whose value is a
/// literal; other statements are skipped.
fn module_assignments(text: &str) -> Vec<(String, PyValue)> {
    let mut out = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if line.starts_with([' ', '\t', '#']) {
            continue;
        }
        let Some((lhs, rhs)) = line.split_once('=') else {
            continue;
        };
        if rhs.starts_with('=') {
            continue;
        }
        let name = lhs.split(':').next().unwrap_or("").trim();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        // The value may span lines: gather until the brackets balance (bounded, and each line
        // is scanned once).
        let mut value = rhs.to_owned();
        let mut state = Balance::default();
        state.feed(rhs);
        let mut guard = 0;
        while !state.balanced() && guard < 10_000 {
            match lines.next() {
                Some(l) => {
                    value.push('\n');
                    value.push_str(l);
                    state.feed(l);
                }
                None => break,
            }
            guard += 1;
        }
        let mut p = Parser {
            s: value.as_bytes(),
            i: 0,
            depth: 0,
        };
        if let Ok(v) = p.value() {
            p.ws();
            if p.i == p.s.len() {
                out.push((name.to_owned(), v));
            }
        }
    }
    out
}

/// Bracket depth and string state over lines fed one at a time (a `#` outside a string ends
/// the line).
#[derive(Default)]
struct Balance {
    depth: i64,
    quote: Option<char>,
}

impl Balance {
    fn feed(&mut self, line: &str) {
        let mut escape = false;
        for c in line.chars() {
            if let Some(q) = self.quote {
                if escape {
                    escape = false;
                } else if c == '\\' {
                    escape = true;
                } else if c == q {
                    self.quote = None;
                }
                continue;
            }
            match c {
                '\'' | '"' => self.quote = Some(c),
                '(' | '[' | '{' => self.depth += 1,
                ')' | ']' | '}' => self.depth -= 1,
                '#' => break,
                _ => {}
            }
        }
        // A string literal does not continue past its line.
        self.quote = None;
    }
    fn balanced(&self) -> bool {
        self.depth <= 0
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    depth: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while let Some(&c) = self.s.get(self.i) {
            if c == b'#' {
                while self.s.get(self.i).is_some_and(|&c| c != b'\n') {
                    self.i += 1;
                }
            } else if c.is_ascii_whitespace() {
                self.i += 1;
            } else {
                break;
            }
        }
    }
    fn eat(&mut self, t: &str) -> bool {
        self.ws();
        if self.s[self.i..].starts_with(t.as_bytes()) {
            self.i += t.len();
            true
        } else {
            false
        }
    }
    fn value(&mut self) -> Result<PyValue, ()> {
        self.depth += 1;
        if self.depth > 64 {
            return Err(());
        }
        self.ws();
        let v = match self.s.get(self.i).copied().ok_or(())? {
            b'\'' | b'"' => PyValue::Str(self.string()?),
            b'[' => {
                self.i += 1;
                PyValue::List(self.seq(b']')?)
            }
            b'(' => {
                self.i += 1;
                PyValue::List(self.seq(b')')?)
            }
            b'{' => {
                self.i += 1;
                let mut d = Vec::new();
                loop {
                    if self.eat("}") {
                        break;
                    }
                    let k = self.value()?;
                    if !self.eat(":") {
                        return Err(());
                    }
                    let v = self.value()?;
                    d.push((key(&k)?, v));
                    if !self.eat(",") {
                        if self.eat("}") {
                            break;
                        }
                        return Err(());
                    }
                }
                PyValue::Dict(d)
            }
            _ => {
                if self.eat("True") {
                    PyValue::Bool(true)
                } else if self.eat("False") {
                    PyValue::Bool(false)
                } else if self.eat("None") {
                    PyValue::None
                } else if self.eat("collections.OrderedDict(")
                    || self.eat("OrderedDict(")
                    || self.eat("dict(")
                {
                    let inner = if self.eat(")") {
                        PyValue::List(vec![])
                    } else {
                        self.value()?
                    };
                    if !self.eat(")") {
                        return Err(());
                    }
                    let PyValue::List(pairs) = inner else {
                        return Err(());
                    };
                    let mut d = Vec::new();
                    for p in pairs {
                        match p {
                            PyValue::List(kv) if kv.len() == 2 => {
                                let mut it = kv.into_iter();
                                let (Some(k), Some(v)) = (it.next(), it.next()) else {
                                    return Err(());
                                };
                                d.push((key(&k)?, v));
                            }
                            _ => return Err(()),
                        }
                    }
                    PyValue::Dict(d)
                } else {
                    let start = self.i;
                    while self.s.get(self.i).is_some_and(|c| {
                        c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'+' | b'e' | b'E')
                    }) {
                        self.i += 1;
                    }
                    if self.i == start {
                        return Err(());
                    }
                    PyValue::Number(String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
                }
            }
        };
        self.depth -= 1;
        Ok(v)
    }
    fn seq(&mut self, close: u8) -> Result<Vec<PyValue>, ()> {
        let close_s = if close == b']' { "]" } else { ")" };
        let mut out = Vec::new();
        loop {
            if self.eat(close_s) {
                return Ok(out);
            }
            out.push(self.value()?);
            if !self.eat(",") {
                if self.eat(close_s) {
                    return Ok(out);
                }
                return Err(());
            }
        }
    }
    fn string(&mut self) -> Result<String, ()> {
        let mut out = Vec::new();
        // Adjacent string literals concatenate ('a' 'b'); a loop, so no input can recurse deep.
        loop {
            let q = *self.s.get(self.i).ok_or(())?;
            self.i += 1;
            loop {
                let c = *self.s.get(self.i).ok_or(())?;
                self.i += 1;
                if c == q {
                    break;
                }
                if c == b'\\' {
                    let e = *self.s.get(self.i).ok_or(())?;
                    self.i += 1;
                    out.push(match e {
                        b'n' => b'\n',
                        b't' => b'\t',
                        other => other,
                    });
                } else if c == b'\n' {
                    return Err(());
                } else {
                    out.push(c);
                }
            }
            self.ws();
            if !matches!(self.s.get(self.i), Some(b'\'' | b'"')) {
                return Ok(String::from_utf8_lossy(&out).into_owned());
            }
        }
    }
}

fn key(v: &PyValue) -> Result<String, ()> {
    match v {
        PyValue::Str(s) | PyValue::Number(s) => Ok(s.clone()),
        _ => Err(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_tf_2_9_build_info() {
        let b = parse_tf_build_info(include_str!("../tests/data/tensorflow-2.9.0.build_info.py"))
            .expect("parses");
        assert_eq!(
            b.cuda_compute_capabilities.as_deref(),
            Some(
                &["sm_35", "sm_50", "sm_60", "sm_70", "sm_75", "compute_80"].map(String::from)[..]
            )
        );
        assert_eq!(b.cuda_version.as_deref(), Some("11.2"));
        assert_eq!(b.cudnn_version.as_deref(), Some("8"));
        assert_eq!(b.is_cuda_build, Some(true));
        assert_eq!(b.is_rocm_build, Some(false));
        assert_eq!(
            b.all.get("cpu_compiler").and_then(PyValue::as_str),
            Some("/dt9/usr/bin/gcc")
        );
    }

    #[test]
    fn dict_form_and_old_module_form() {
        // The dict form of later releases, spread over lines.
        let b = parse_tf_build_info(
            "build_info = {\n  'cuda_compute_capabilities': [\"sm_60\", 'compute_90'],\n  'cuda_version': '12.5.1', # c\n  'is_cuda_build': True,\n}\n",
        )
        .expect("parses");
        assert_eq!(
            b.cuda_compute_capabilities.expect("caps"),
            ["sm_60", "compute_90"]
        );
        assert_eq!(b.cuda_version.as_deref(), Some("12.5.1"));
        // 2.2-era module assignments.
        let b = parse_tf_build_info("is_rocm_build = False\nis_cuda_build = True\ncuda_version_number = '10.1'\ncudnn_version_number = '7'\n")
            .expect("parses");
        assert_eq!(b.cuda_version.as_deref(), Some("10.1"));
        assert_eq!(b.cudnn_version.as_deref(), Some("7"));
        assert_eq!(b.cuda_compute_capabilities, None);
        assert!(parse_tf_build_info("import os\n").is_err());
        // Unbalanced and hostile inputs are errors or partial reads, never panics.
        let many = format!("x = {}\n", "'a' ".repeat(100_000));
        assert!(parse_tf_build_info(&many).is_ok());
        // Unclosed brackets over many lines are read in linear time and fail to parse.
        let open = format!("build_info = {{\n{}", "'k': ['v',\n".repeat(20_000));
        assert!(parse_tf_build_info(&open).is_err());
        for bad in [
            "build_info = {'a': [",
            "x = '",
            "x = ((((((((",
            &"[".repeat(10_000),
            "x = 1e",
            "x = {1: }",
        ] {
            let _ = parse_tf_build_info(bad);
        }
    }

    #[test]
    fn real_torch_version_py() {
        let v = parse_torch_version_py(include_str!("../tests/data/torch-2.5.1.version.py"))
            .expect("parses");
        assert_eq!(v.version.as_deref(), Some("2.5.1+cu124"));
        assert_eq!(v.cuda.as_deref(), Some("12.4"));
        assert_eq!(
            v.git_version.as_deref(),
            Some("a8d6afb511a69687bbb2b7e88a3cf67917e1697e")
        );
        assert_eq!(v.hip, None);
        assert!(parse_torch_version_py("debug = False\n").is_err());
    }
}
