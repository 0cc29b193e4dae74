//! `cudoctor lint [Dockerfile]`: the GPU-stack mistakes in a Dockerfile, as findings in
//! `check`'s format (id, severity, title, explanation, evidence with the line, fix, sources).
//!
//! The facts come from the knowledge base: what a pinned release needs is `requirements` of
//! that release, what a base holds is [`crate::image::classify`]. The ids are documented in
//! `docs/findings.md` (`## Lint`).

use std::collections::BTreeMap;

use cudoctor_diagnose::{Evidence, Finding, Severity};
use cudoctor_i18n::{Msg, msg};
use cudoctor_kb::{Framework, Kb, Spec};

use crate::dockerfile::{Instruction, ParseError, env_pairs, parse, shell_words};
use crate::image::{BaseKind, ImageRef, classify, classify_name};

/// A `FROM` that floats.
pub const FLOATING_TAG: &str = "lint-floating-tag";
/// A pinned framework over a base whose CUDA or cuDNN it cannot use.
pub const BASE_CUDA_MISMATCH: &str = "lint-base-cuda-mismatch";
/// CUDA or cuDNN installed or copied over an official framework image's.
pub const CUDA_OVERWRITTEN: &str = "lint-cuda-overwritten";
/// `pip install torch` / `tensorflow` / `jax` without `==`.
pub const UNPINNED_FRAMEWORK: &str = "lint-unpinned-framework";
/// A custom base installing a GPU framework without the NVIDIA container variables.
pub const MISSING_NVIDIA_ENV: &str = "lint-missing-nvidia-env";
/// `ENV LD_LIBRARY_PATH` with an empty entry.
pub const LD_LIBRARY_PATH_EMPTY_ENTRY: &str = "lint-ld-library-path-empty-entry";

/// Every lint id, in the order of `docs/findings.md`.
pub const IDS: [&str; 6] = [
    FLOATING_TAG,
    BASE_CUDA_MISMATCH,
    CUDA_OVERWRITTEN,
    UNPINNED_FRAMEWORK,
    MISSING_NVIDIA_ENV,
    LD_LIBRARY_PATH_EMPTY_ENTRY,
];

/// S15 of the seed document, quoted in several explanations.
fn s15() -> Msg {
    msg!("lint-s15")
}
/// The finding's documentation: `docs/findings.md#<id>` in the repository.
fn docs(id: &str) -> String {
    format!(
        "{}/blob/main/docs/findings.md#{id}",
        env!("CARGO_PKG_REPOSITORY")
    )
}

/// Lints `text`, read from `path` (used in the evidence: `Dockerfile:3`).
pub fn lint(kb: &Kb, text: &str, path: &str) -> Result<Vec<Finding>, ParseError> {
    let instructions = parse(text, path)?;
    let mut l = Linter {
        kb,
        path,
        findings: Vec::new(),
        args: BTreeMap::new(),
        stages: Vec::new(),
    };
    for ins in &instructions {
        l.instruction(ins);
    }
    for i in 0..l.stages.len() {
        l.finish_stage(i);
    }
    Ok(l.findings)
}

struct Stage {
    alias: Option<String>,
    image: String,
    base: BaseKind,
    line: usize,
    nvidia_env: bool,
    /// The first GPU framework install: its line and requirement (`torch==2.1.0`).
    gpu_install: Option<(usize, String)>,
    /// A later stage is built `FROM` this one (and is judged in its place).
    is_base: bool,
    /// A later stage copies from it (`COPY --from=`): a build stage.
    copied_from: bool,
}

struct Linter<'a> {
    kb: &'a Kb,
    path: &'a str,
    findings: Vec<Finding>,
    /// `ARG` defaults before the first `FROM` (the only ones `FROM` can use).
    args: BTreeMap<String, Option<String>>,
    stages: Vec<Stage>,
}

/// A requirement on a `pip install` line: `name[extras]spec`.
struct PipReq {
    name: String,
    extras: Vec<String>,
    version: Option<String>,
    pinned: bool,
    /// The same `pip install` reads an index of wheels that do not use CUDA (`--index-url
    /// https://download.pytorch.org/whl/cpu`, `.../whl/rocm6.0`, `.../whl/xpu`).
    non_cuda_index: bool,
}

impl PipReq {
    /// The requirement as written, normalised: `torch==2.1.0`, `jax[cuda12]` (no version).
    fn requirement(&self) -> String {
        match &self.version {
            Some(v) => format!("{}=={v}", self.spelled()),
            None => self.spelled(),
        }
    }

    /// The name as it selects the build: with its extras (`jax[cuda12]`).
    fn spelled(&self) -> String {
        if self.extras.is_empty() {
            self.name.clone()
        } else {
            format!("{}[{}]", self.name, self.extras.join(","))
        }
    }

    /// Whether this install brings a framework build that uses the GPU: `tensorflow-cpu` does
    /// not; PyTorch not when its version is `+cpu` or the index is a CPU one; JAX only with a
    /// CUDA extra (`jax[cuda12]`; plain `jax` is CPU-only, per its install guide), a CUDA
    /// `jaxlib` (`+cuda12...`) or a CUDA plugin wheel (`jax-cuda12-plugin`).
    fn uses_gpu(&self, framework: Framework) -> bool {
        let local = self
            .version
            .as_deref()
            .and_then(|v| v.split_once('+'))
            .map(|(_, l)| l);
        match framework {
            Framework::TensorFlow => self.name != "tensorflow-cpu",
            Framework::PyTorch => !self.non_cuda_index && !local.is_some_and(not_cuda_build),
            Framework::Jax => {
                self.name.starts_with("jax-cuda")
                    || self.extras.iter().any(|e| e.starts_with("cuda"))
                    || local.is_some_and(|l| l.starts_with("cuda"))
            }
        }
    }
}

fn parse_requirement(word: &str) -> Option<PipReq> {
    let end = word
        .find(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c)))
        .unwrap_or(word.len());
    let name = word[..end].to_ascii_lowercase().replace('_', "-");
    if name.is_empty() || word.contains("://") || word.contains('/') {
        return None;
    }
    let mut rest = &word[end..];
    let mut extras = Vec::new();
    if let Some(r) = rest.strip_prefix('[') {
        let close = r.find(']')?;
        extras = r[..close].split(',').map(|e| e.trim().to_owned()).collect();
        rest = &r[close + 1..];
    }
    let rest = rest.split(';').next().unwrap_or_default().trim();
    let version = rest
        .strip_prefix("===")
        .or_else(|| rest.strip_prefix("=="))
        .map(|v| v.trim().to_owned());
    Some(PipReq {
        non_cuda_index: false,
        pinned: version
            .as_deref()
            .is_some_and(|v| !v.contains('*') && !v.contains(',')),
        name,
        extras,
        version,
    })
}

/// A PyTorch build label (a wheel's local version, the last part of its index URL) that is not
/// an NVIDIA one: `cpu`, AMD's `rocm6.0`, Intel's `xpu`. Those need no NVIDIA runtime.
fn not_cuda_build(label: &str) -> bool {
    label == "cpu" || label.starts_with("rocm") || label == "xpu"
}

/// The requirements of each `pip install` in a `RUN`.
fn pip_installs(run: &str) -> Vec<PipReq> {
    let words = shell_words(run);
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = words[i].trim_start_matches('(');
        let base = w.rsplit('/').next().unwrap_or(w);
        let is_pip =
            base.starts_with("pip") && base[3..].chars().all(|c| c.is_ascii_digit() || c == '.');
        let is_m = w == "-m" && words.get(i + 1).is_some_and(|n| n == "pip");
        // pip's general options may stand before the command (`pip --no-cache-dir install`).
        let install = (is_pip || is_m)
            .then(|| subcommand(&words, i + if is_m { 2 } else { 1 }, PIP_VALUE_OPTIONS))
            .flatten()
            .filter(|&k| words[k] == "install");
        if let Some(k) = install {
            let mut j = k + 1;
            let first = out.len();
            let mut non_cuda_index = false;
            while j < words.len() {
                let a = &words[j];
                if matches!(a.as_str(), "&&" | "||" | ";" | "|") {
                    break;
                }
                let last = a.ends_with(';');
                let a = a.trim_end_matches(';');
                if a.starts_with('-') {
                    let (flag, inline) = match a.split_once('=') {
                        Some((name, value)) => (name, Some(value)),
                        None => (a, None),
                    };
                    if matches!(flag, "-i" | "--index-url" | "--extra-index-url") {
                        let url = inline.or_else(|| words.get(j + 1).map(String::as_str));
                        non_cuda_index |= url.is_some_and(|u| {
                            u.trim_end_matches('/')
                                .rsplit('/')
                                .next()
                                .is_some_and(not_cuda_build)
                        });
                    }
                    // `pip install --retries 5 torch`: `5` is no requirement.
                    let takes_value = inline.is_none()
                        && (PIP_INSTALL_VALUE_OPTIONS.contains(&a)
                            || PIP_VALUE_OPTIONS.contains(&a));
                    if takes_value {
                        j += 1;
                    }
                } else if let Some(r) = parse_requirement(a) {
                    out.push(r);
                }
                j += 1;
                if last {
                    break;
                }
            }
            for r in &mut out[first..] {
                r.non_cuda_index = non_cuda_index;
            }
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// `pip install`'s own options that take a value as the next word.
const PIP_INSTALL_VALUE_OPTIONS: &[&str] = &[
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "-r",
    "--requirement",
    "-c",
    "--constraint",
    "-t",
    "--target",
    "--prefix",
    "--root",
    "--platform",
    "--python-version",
    "--implementation",
    "--abi",
    "--src",
    "--upgrade-strategy",
    "--progress-bar",
    "--report",
];
/// pip's general options that take a value as the next word (before or after the command).
const PIP_VALUE_OPTIONS: &[&str] = &[
    "--cache-dir",
    "--proxy",
    "--retries",
    "--timeout",
    "--log",
    "--python",
    "--exists-action",
    "--trusted-host",
    "--cert",
    "--client-cert",
    "--use-feature",
    "--use-deprecated",
    "--root-user-action",
    "--keyring-provider",
];
/// apt's options that take a value as the next word (`-o Dpkg::Options::=--force-confnew`).
const APT_VALUE_OPTIONS: &[&str] = &[
    "-o",
    "--option",
    "-c",
    "--config-file",
    "-t",
    "--target-release",
];

/// The index of the first word from `start` that is not an option (options in `value_options`
/// take the next word, unless written `--opt=value`), if any.
fn subcommand(words: &[String], start: usize, value_options: &[&str]) -> Option<usize> {
    let mut k = start;
    while let Some(w) = words.get(k) {
        if !w.starts_with('-') {
            return Some(k);
        }
        k += if value_options.contains(&w.as_str()) {
            2
        } else {
            1
        };
    }
    None
}

/// The packages of each `apt-get install` / `apt install` in a `RUN`.
fn apt_installs(run: &str) -> Vec<String> {
    let words = shell_words(run);
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        i += 1;
        // Options may stand before the command (`apt-get -y install`).
        let install = (w == "apt-get" || w == "apt")
            .then(|| subcommand(&words, i, APT_VALUE_OPTIONS))
            .flatten()
            .filter(|&k| words[k] == "install");
        let Some(k) = install else { continue };
        // Each word is read once: the scan goes on after the packages (linear in the words).
        i = k + 1;
        let mut value = false;
        while let Some(a) = words.get(i) {
            if matches!(a.as_str(), "&&" | "||" | ";" | "|") {
                break;
            }
            i += 1;
            if std::mem::take(&mut value) {
                // The value of `-o`: not a package.
            } else if a.starts_with('-') {
                value = APT_VALUE_OPTIONS.contains(&a.as_str());
            } else {
                out.push(a.trim_end_matches(';').to_owned());
            }
            if a.ends_with(';') {
                break;
            }
        }
    }
    out
}

/// An apt package of CUDA's (`libcudnn8=8.9.7.29-1+cuda12.2`, `cuda-cudart-12-1`, `cudnn9-cuda-12`):
/// the toolkit's own are `cuda-...`, cuDNN's repository packages `cudnn...`, and a library of the
/// knowledge base's packaging table (`data/library_packages.toml`) is `lib<family>...` in Debian
/// and NVIDIA's repository alike (`libcublas-12-1`, `libcublaslt12`, `libnvjitlink-12-4`,
/// `libnccl2`), or the table's `apt_stem` (`cuda-nvrtc-12-1`).
fn is_cuda_package(kb: &Kb, apt: &str) -> bool {
    let n = apt.split('=').next().unwrap_or(apt).to_ascii_lowercase();
    n.starts_with("cuda-")
        || n.starts_with("cudnn")
        // The toolkit's meta package, Debian's and Ubuntu's toolkit and cuDNN packages.
        || matches!(n.as_str(), "cuda" | "nvidia-cuda-toolkit" | "nvidia-cudnn")
        || OTHER_CUDA_LIBRARIES
            .iter()
            .any(|l| n.starts_with(&format!("lib{l}")))
        || kb.library_packages().iter().any(|row| {
            row.apt_stem
                .as_deref()
                .is_some_and(|stem| n.starts_with(&format!("{stem}-")))
                || std::iter::once(&row.family)
                    .chain(&row.aliases)
                    .any(|family| n.starts_with(&format!("lib{}", family.to_ascii_lowercase())))
        })
}

/// CUDA toolkit libraries outside the knowledge base's packaging table (it has the ones the
/// frameworks load by soname): NPP, nvJPEG, cuFile and NVTX, as NVIDIA's repository names their
/// apt packages (`libnpp-12-2`, `libnvjpeg-12-2`, `libcufile-12-2`) and PyPI their wheels
/// (`nvidia-npp-cu12`, `nvidia-nvjpeg-cu12`, `nvidia-cufile-cu12`, `nvidia-nvtx-cu12`).
const OTHER_CUDA_LIBRARIES: [&str; 4] = ["npp", "nvjpeg", "cufile", "nvtx"];

/// A pip wheel of CUDA's: one of the knowledge base's packaging table (`nvidia-cudnn-cu11`,
/// `nvidia-nvjitlink-cu12`, `nvidia-cuda-runtime-cu12`, CUDA 13's unsuffixed `nvidia-cublas`),
/// another `nvidia-cuda-...` wheel of the toolkit's (`nvidia-cuda-nvcc-cu12`), or a `-cuNN`
/// wheel named after a family of that table (`nvidia-cusparselt-cu12`, cuSPARSELt).
fn is_cuda_wheel(kb: &Kb, name: &str) -> bool {
    let (stem, cuda_suffixed) = match cudoctor_kb::split_cuda_suffix(name) {
        Some((stem, _)) => (stem, true),
        None => (name, false),
    };
    name.starts_with("nvidia-cuda-")
        || (cuda_suffixed
            && OTHER_CUDA_LIBRARIES
                .iter()
                .any(|l| stem.strip_prefix("nvidia-") == Some(l)))
        || kb.library_packages().iter().any(|row| {
            stem == row.pip_stem
                || (cuda_suffixed
                    && stem
                        .strip_prefix("nvidia-")
                        .is_some_and(|rest| rest.starts_with(&row.family.to_ascii_lowercase())))
        })
}

/// A path of CUDA's libraries: under `/usr/local/cuda`, or with a part named like one
/// (`libcudnn.so.8`, `libcublasLt.so.12`) or like NVIDIA's cuDNN archive
/// (`cudnn-linux-x86_64-8.9.7.29_cuda12-archive`); `test_cudnn.py` is not.
fn is_cuda_path(p: &str) -> bool {
    let p = p.to_ascii_lowercase();
    p.contains("/usr/local/cuda")
        || p.split('/').any(|part| {
            ["libcudnn", "libcudart", "libcublas", "cudnn-linux-"]
                .iter()
                .any(|n| part.starts_with(n))
        })
}

impl Linter<'_> {
    fn at(&self, line: usize) -> String {
        format!("{}:{line}", self.path)
    }

    /// The instruction at fault becomes the first evidence (its source is `FILE:LINE`).
    fn located(&self, f: Finding, ins: &Instruction) -> Finding {
        let id = f.id.clone();
        let mut f = f.source(docs(&id));
        f.evidence.insert(
            0,
            Evidence::new(
                format!("`{}` at line {}", ins.keyword, ins.line),
                format!("{} {}", ins.keyword, ins.args),
                self.at(ins.line),
            ),
        );
        f
    }

    fn instruction(&mut self, ins: &Instruction) {
        match ins.keyword.as_str() {
            // Each word is a name or a name=value (BuildKit's `parseNameOrNameVal`), and a
            // default is expanded with the ARGs before it (`ARG BASE=nvidia/cuda:${CUDA}`).
            "ARG" if self.stages.is_empty() => {
                for word in shell_words(&ins.args) {
                    match word.split_once('=') {
                        Some((k, v)) => {
                            let v = self.substitute(v).unwrap_or_else(|_| v.to_owned());
                            self.args.insert(k.to_owned(), Some(v));
                        }
                        None => {
                            self.args.insert(word, None);
                        }
                    }
                }
            }
            "FROM" => self.from(ins),
            "RUN" => self.run(ins),
            "COPY" | "ADD" => self.copy(ins),
            "ENV" => self.env(ins),
            _ => {}
        }
    }

    /// `${NAME}` / `$NAME` replaced by global `ARG` defaults, with BuildKit's `${NAME:-word}`
    /// (word when NAME is unset or empty) and `${NAME:+word}` (word when it is set and not
    /// empty), the word substituted in turn; `Err(name)` for a NAME without a value that no
    /// modifier settles.
    fn substitute(&self, s: &str) -> Result<String, String> {
        self.substitute_depth(s, 0)
    }

    fn substitute_depth(&self, s: &str, depth: usize) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find('$') {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            let (inner, len) = if let Some(b) = after.strip_prefix('{') {
                let end = b.find('}').ok_or_else(|| after.to_owned())?;
                (&b[..end], end + 2)
            } else {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], end)
            };
            let name_end = inner
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(inner.len());
            let (name, modifier) = inner.split_at(name_end);
            let value = self.args.get(name).cloned().flatten();
            let set = value.as_deref().is_some_and(|v| !v.is_empty());
            let word = |w: &str| {
                if depth > 8 {
                    Err(name.to_owned())
                } else {
                    self.substitute_depth(w, depth + 1)
                }
            };
            match (modifier.get(..2), value) {
                (Some(":-"), _) if !set => out.push_str(&word(&modifier[2..])?),
                (Some(":+"), _) if set => out.push_str(&word(&modifier[2..])?),
                (Some(":+"), _) => {}
                (_, Some(v)) => out.push_str(&v),
                (_, None) => return Err(name.to_owned()),
            }
            rest = &after[len..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn from(&mut self, ins: &Instruction) {
        let words: Vec<&str> = ins
            .args
            .split_whitespace()
            .filter(|w| !w.starts_with("--"))
            .collect();
        let raw = words.first().copied().unwrap_or_default().to_owned();
        let alias = match words.as_slice() {
            [_, kw, name, ..] if kw.eq_ignore_ascii_case("as") => Some((*name).to_owned()),
            _ => None,
        };
        // An earlier stage: it inherits that stage's base.
        if let Some(prev) = self
            .stages
            .iter_mut()
            // Stage names are case-insensitive (BuildKit lowercases them).
            .find(|s| {
                s.alias
                    .as_deref()
                    .is_some_and(|a| a.eq_ignore_ascii_case(&raw))
            })
        {
            let (image, base) = (prev.image.clone(), prev.base.clone());
            let (nvidia_env, gpu) = (prev.nvidia_env, prev.gpu_install.clone());
            prev.is_base = true;
            self.push_stage(alias, image, base, ins.line);
            if let Some(s) = self.stages.last_mut() {
                s.nvidia_env = nvidia_env;
                s.gpu_install = gpu;
            }
            return;
        }
        let (image, arg) = match self.substitute(&raw) {
            Ok(i) => (i, None),
            Err(name) => (raw.clone(), Some(name)),
        };
        let r = ImageRef::parse(&image);
        let base = if arg.is_some() {
            // The tag is unknown, the repository may not be (`nvidia/cuda:${CUDA}-devel`).
            if r.name.contains('$') {
                BaseKind::Custom
            } else {
                classify_name(self.kb, &r.name)
            }
        } else {
            classify(self.kb, &r)
        };
        if let Some(name) = arg {
            let f = Finding::titled(
                FLOATING_TAG,
                Severity::Info,
                msg!(
                    "lint-floating-tag-title-arg",
                    raw = raw.clone(),
                    name = name.clone()
                ),
            )
            .explain_msg(msg!(
                "lint-floating-tag-explain-arg",
                name = name.clone(),
                s15 = s15()
            ))
            .evidence(
                "build ARG",
                format!("{name} (no default)"),
                self.at(ins.line),
            )
            .fix_msg(msg!("lint-floating-tag-fix-arg", name = name.clone()));
            let f = self.located(f, ins);
            self.findings.push(f);
        } else if base != BaseKind::Scratch && r.digest.is_none() {
            let tag = r.tag.as_deref();
            let why = match tag {
                None => Some(msg!("lint-floating-tag-why-latest")),
                // `latest-gpu`, `nightly-jupyter`; TensorFlow's `devel-gpu` is built from its
                // main branch.
                Some(t)
                    if t.split('-').next().is_some_and(|first| {
                        first == "latest"
                            || first == "nightly"
                            || (first == "devel" && r.short_name() == "tensorflow/tensorflow")
                    }) =>
                {
                    Some(msg!("lint-floating-tag-why-moving", tag = t))
                }
                Some(t)
                    if t.split('-').next().is_some_and(|v| {
                        !v.is_empty() && v.chars().all(|c| c.is_ascii_digit())
                    }) =>
                {
                    Some(msg!("lint-floating-tag-why-major", tag = t))
                }
                _ => None,
            };
            if let Some(why) = why {
                let explain = if image == raw {
                    msg!("lint-floating-tag-explain", s15 = s15())
                } else {
                    msg!(
                        "lint-floating-tag-explain-via",
                        raw = raw.clone(),
                        s15 = s15()
                    )
                };
                let f = Finding::titled(
                    FLOATING_TAG,
                    Severity::Warning,
                    msg!("lint-floating-tag-title", image = image.clone(), why = why),
                )
                .explain_msg(explain)
                .fix_msg(msg!("lint-floating-tag-fix", name = r.name.clone()));
                let f = self.located(f, ins);
                self.findings.push(f);
            }
        }
        self.push_stage(alias, image, base, ins.line);
    }

    /// A new build stage from `FROM image` at `line`: no NVIDIA environment and no GPU
    /// framework installed yet.
    fn push_stage(&mut self, alias: Option<String>, image: String, base: BaseKind, line: usize) {
        self.stages.push(Stage {
            alias,
            image,
            base,
            line,
            nvidia_env: false,
            gpu_install: None,
            is_base: false,
            copied_from: false,
        });
    }

    fn stage(&self) -> Option<&Stage> {
        self.stages.last()
    }

    /// `lint-cuda-overwritten` when the stage's base is an official framework GPU image (a CPU
    /// image has no CUDA to replace; one named by digest alone may be either).
    fn overwritten(&mut self, ins: &Instruction, what: Msg) {
        let Some(Stage {
            base:
                BaseKind::Official {
                    framework,
                    cuda,
                    cudnn,
                    source,
                    gpu: Some(true),
                    ..
                },
            image,
            ..
        }) = self.stage()
        else {
            return;
        };
        let unknown = || "unknown".to_owned();
        let (framework, image, source) = (*framework, image.clone(), source.clone());
        let cuda = cuda.map_or_else(unknown, |c| c.to_string());
        let cudnn = cudnn.map_or_else(unknown, |c| c.to_string());
        let f = Finding::titled(
            CUDA_OVERWRITTEN,
            Severity::Warning,
            msg!(
                "lint-cuda-overwritten-title",
                what = what,
                framework = framework.display_name(),
                image = image.clone()
            ),
        )
        .explain_msg(msg!(
            "lint-cuda-overwritten-explain",
            framework = framework.display_name()
        ))
        .evidence(
            "the base's CUDA / cuDNN",
            format!("{cuda} / {cudnn}"),
            source,
        )
        .fix_msg(msg!("lint-cuda-overwritten-fix", image = image))
        .fix_msg(msg!("lint-cuda-overwritten-fix-2"));
        let f = self.located(f, ins);
        self.findings.push(f);
    }

    fn run(&mut self, ins: &Instruction) {
        // The exec form's words (`RUN ["pip", "install", "torch==2.1.0"]`), else the shell form.
        let command = ins
            .exec_words()
            .map_or_else(|| ins.args.clone(), |w| w.join(" "));
        let mut reqs = pip_installs(&command);
        // The same requirement twice in one instruction is judged once (`if ...; then pip
        // install torch; else pip install torch; fi`); the other lints make at most one
        // finding per instruction.
        let mut seen = std::collections::BTreeSet::new();
        reqs.retain(|r| seen.insert((r.name.clone(), r.extras.clone(), r.version.clone())));
        for r in &reqs {
            let framework = match r.name.as_str() {
                "tensorflow" | "tensorflow-gpu" | "tensorflow-cpu" | "tf-nightly" => {
                    Framework::TensorFlow
                }
                "torch" => Framework::PyTorch,
                "jax" | "jaxlib" => Framework::Jax,
                n if n.starts_with("jax-cuda") => {
                    self.gpu_installed(ins, r);
                    continue;
                }
                n if is_cuda_wheel(self.kb, n) => {
                    self.overwritten(ins, msg!("lint-cuda-overwritten-what-pip", package = n));
                    continue;
                }
                _ => continue,
            };
            let gpu = r.uses_gpu(framework);
            if gpu {
                self.gpu_installed(ins, r);
            }
            if let (Some(v), true) = (&r.version, r.pinned) {
                if gpu {
                    self.mismatch(ins, framework, r, v);
                }
            } else {
                let f = Finding::titled(
                    UNPINNED_FRAMEWORK,
                    Severity::Warning,
                    msg!("lint-unpinned-framework-title", name = r.spelled()),
                )
                .explain_msg(msg!(
                    "lint-unpinned-framework-explain",
                    framework = framework.display_name(),
                    s15 = s15()
                ))
                .fix_msg(msg!(
                    "lint-unpinned-framework-fix",
                    spelled = r.spelled(),
                    name = r.name.clone()
                ));
                let f = self.located(f, ins);
                self.findings.push(f);
            }
        }
        if let Some(p) = apt_installs(&command)
            .into_iter()
            .find(|p| is_cuda_package(self.kb, p))
        {
            self.overwritten(ins, msg!("lint-cuda-overwritten-what-apt", package = p));
        }
    }

    /// Records the stage's first GPU framework install.
    fn gpu_installed(&mut self, ins: &Instruction, r: &PipReq) {
        if let Some(s) = self.stages.last_mut() {
            s.gpu_install
                .get_or_insert_with(|| (ins.line, r.requirement()));
        }
    }

    fn copy(&mut self, ins: &Instruction) {
        let all = shell_words(&ins.args);
        // `--from=NAME` or `--from=N` (a stage's index) marks that stage as a build stage.
        if let Some(from) = all.iter().find_map(|w| w.strip_prefix("--from=")) {
            let current = self.stages.len().saturating_sub(1);
            let stage = match from.parse::<usize>() {
                Ok(n) => self.stages.get_mut(n).filter(|_| n < current),
                Err(_) => self.stages[..current].iter_mut().find(|s| {
                    s.alias
                        .as_deref()
                        .is_some_and(|a| a.eq_ignore_ascii_case(from))
                }),
            };
            // What it installed is in the image that copies it (`COPY --from=build /opt/venv`):
            // the copying stage is judged with that install.
            let gpu = stage.and_then(|s| {
                s.copied_from = true;
                s.gpu_install.clone()
            });
            if let (Some(install), Some(cur)) = (gpu, self.stages.last_mut()) {
                cur.gpu_install.get_or_insert(install);
            }
        }
        let words: Vec<String> = all.into_iter().filter(|w| !w.starts_with("--")).collect();
        if let Some(p) = words.iter().find(|w| is_cuda_path(w)) {
            self.overwritten(
                ins,
                msg!(
                    "lint-cuda-overwritten-what-copy",
                    keyword = ins.keyword.clone(),
                    path = p.clone()
                ),
            );
        }
    }

    fn env(&mut self, ins: &Instruction) {
        for (k, v) in env_pairs(&ins.args) {
            // `void`, empty or unset: the runtime acts as runc; `none`: the driver but no GPU
            // (NVIDIA container runtime, `NVIDIA_VISIBLE_DEVICES`).
            if k == "NVIDIA_VISIBLE_DEVICES" {
                let gives_gpus = !matches!(v.trim(), "" | "void" | "none");
                if let Some(s) = self.stages.last_mut() {
                    s.nvidia_env = gives_gpus;
                }
            }
            if k == "LD_LIBRARY_PATH" {
                let entries: Vec<&str> = v.split(':').collect();
                // An empty value as a whole adds no directory (glibc); an empty entry among
                // others is the current directory.
                let empty = entries.len() > 1 && entries.iter().any(|e| e.is_empty());
                if empty {
                    let f = Finding::titled(
                        LD_LIBRARY_PATH_EMPTY_ENTRY,
                        Severity::Warning,
                        msg!("lint-ld-library-path-empty-entry-title", v = v.clone()),
                    )
                    .explain_msg(msg!("lint-ld-library-path-empty-entry-explain"))
                    .evidence(
                        "empty entries",
                        entries.iter().filter(|e| e.is_empty()).count().to_string(),
                        self.at(ins.line),
                    )
                    .fix_msg(msg!("lint-ld-library-path-empty-entry-fix"));
                    let f = self.located(f, ins);
                    self.findings.push(f);
                }
            }
        }
    }

    fn mismatch(&mut self, ins: &Instruction, framework: Framework, r: &PipReq, version: &str) {
        // PyTorch and JAX wheels (and TensorFlow's `and-cuda` extra) bring their CUDA libraries
        // as pip packages: the base's CUDA is not what they load.
        if framework != Framework::TensorFlow || r.extras.iter().any(|e| e == "and-cuda") {
            return;
        }
        let Some(stage) = self.stage() else { return };
        let Some(base_cuda) = stage.base.cuda() else {
            return;
        };
        let image = stage.image.clone();
        let base = stage.base.clone();
        let Ok(spec) = format!("{}=={version}", r.name).parse::<Spec>() else {
            return;
        };
        let Ok(req) = self.kb.requirements(&spec) else {
            return;
        };
        let Some(v) = req.variants.first() else {
            return;
        };
        let Some(need) = v
            .cuda
            .as_deref()
            .and_then(|c| c.parse::<cudoctor_kb::version::CudaVersion>().ok())
        else {
            return;
        };
        let need_cudnn = v
            .cudnn
            .as_deref()
            .and_then(|c| c.parse::<cudoctor_kb::version::CudnnVersion>().ok());
        let soname = |lib: &str| {
            v.sonames
                .iter()
                .find(|(k, _)| k.contains(lib))
                .map(|(_, s)| s.clone())
        };
        let cudnn_soname = |c: cudoctor_kb::version::CudnnVersion| {
            soname("cudnn").unwrap_or_else(|| format!("libcudnn.so.{}", c.major()))
        };
        let explain = "lint-base-cuda-mismatch-explain";
        // Up to CUDA 10 the libraries' sonames carry the minor too (`libcudart.so.10.1`): a
        // 10.2 base does not have what a 10.1 build loads. From CUDA 11 on they carry the major.
        let same_sonames = if need.major() <= 10 {
            base_cuda.same_minor(need)
        } else {
            base_cuda.major() == need.major()
        };
        let problem = if same_sonames {
            match (&base, need_cudnn) {
                (
                    BaseKind::NvidiaCuda {
                        cudnn_major: None, ..
                    },
                    Some(c),
                ) => Some((
                    msg!(
                        "lint-base-cuda-mismatch-no-cudnn",
                        cudnn = c.to_string(),
                        soname = cudnn_soname(c),
                        image = image.clone()
                    ),
                    explain,
                )),
                (_, Some(c)) => match (base.cudnn_major(), &base) {
                    (Some(m), _) if m != c.major() => Some((
                        msg!(
                            "lint-base-cuda-mismatch-cudnn",
                            cudnn = c.to_string(),
                            soname = cudnn_soname(c),
                            image = image.clone(),
                            base_cudnn = m.to_string()
                        ),
                        explain,
                    )),
                    // The same major: TensorFlow refuses a cuDNN older than the minor it was
                    // built with (`requirements`' `cudnn_accepted`); the exact version is known
                    // for an official image. The library loads; the version check fails.
                    (
                        _,
                        BaseKind::Official {
                            cudnn: Some(have), ..
                        },
                    ) if have.major() == c.major() && have.minor() < c.minor() => Some((
                        msg!(
                            "lint-base-cuda-mismatch-cudnn-minor",
                            cudnn = c.to_string(),
                            soname = cudnn_soname(c),
                            image = image.clone(),
                            base_cudnn = have.to_string()
                        ),
                        "lint-base-cuda-mismatch-explain-cudnn-minor",
                    )),
                    _ => None,
                },
                _ => None,
            }
        } else {
            let cudart = soname("cudart").or_else(|| {
                (need.major() <= 10)
                    .then(|| format!("libcudart.so.{}.{}", need.major(), need.minor()))
            });
            let problem = match cudart {
                Some(soname) => msg!(
                    "lint-base-cuda-mismatch-cuda",
                    cuda = need.to_string(),
                    soname = soname,
                    image = image.clone(),
                    base_cuda = base_cuda.to_string()
                ),
                None => msg!(
                    "lint-base-cuda-mismatch-cuda-libraries",
                    cuda = need.to_string(),
                    cuda_major = need.major().to_string(),
                    image = image.clone(),
                    base_cuda = base_cuda.to_string()
                ),
            };
            Some((problem, explain))
        };
        let Some((problem, explain)) = problem else {
            return;
        };
        let tf_fix = if v.images.is_empty() {
            msg!(
                "lint-base-cuda-mismatch-fix-no-image",
                name = r.name.clone(),
                version = version
            )
        } else {
            msg!(
                "lint-base-cuda-mismatch-fix",
                name = r.name.clone(),
                version = version,
                images = v.images.join(", ")
            )
        };
        let f = Finding::titled(
            BASE_CUDA_MISMATCH,
            Severity::Error,
            msg!(
                "lint-base-cuda-mismatch-title",
                name = r.name.clone(),
                version = version,
                image = image.clone()
            ),
        )
        .explain_msg(Msg::new(explain).arg("problem", problem))
        .evidence(
            format!("{} {version} needs", framework.display_name()),
            format!(
                "CUDA {need}, cuDNN {}",
                v.cudnn.as_deref().unwrap_or("unknown")
            ),
            "knowledge base",
        )
        .evidence(
            "the base has",
            format!(
                "CUDA {base_cuda}, cuDNN {}",
                match &base {
                    BaseKind::Official { cudnn: Some(c), .. } => c.to_string(),
                    _ => base
                        .cudnn_major()
                        .map_or_else(|| "unknown".to_owned(), |m| m.to_string()),
                }
            ),
            match &base {
                BaseKind::Official { source, .. } => source.clone(),
                _ => format!(
                    "the image tag (line {})",
                    self.stage().map_or(0, |s| s.line)
                ),
            },
        )
        .fix_msg(tf_fix)
        .sources(v.sources.iter().take(2));
        // The kb's `[[pip_extra]]` row (with the post-release where the extra of the release
        // itself cannot be installed).
        let f = if spec.package == "tensorflow" && self.kb.tf_pip_extra(&spec.version).is_some() {
            f.fix_msg(msg!(
                "lint-base-cuda-mismatch-fix-pip",
                argument = self.kb.tf_pip_argument("tensorflow", &spec.version)
            ))
        } else {
            f
        };
        let f = self.located(f, ins);
        self.findings.push(f);
    }

    fn finish_stage(&mut self, i: usize) {
        let s = &self.stages[i];
        let Some((line, installed)) = s.gpu_install.clone() else {
            return;
        };
        // A stage another is built on is judged as that one; a build stage that is only
        // copied from is not an image anyone runs (the last stage always is).
        if s.is_base || (s.copied_from && i + 1 < self.stages.len()) {
            return;
        }
        if s.nvidia_env {
            return;
        }
        // A custom base is taken to set neither variable; an official image whose reference
        // does not say which one it is (a digest alone) is not judged.
        let cpu_image = match (&s.base, s.base.sets_nvidia_env()) {
            (BaseKind::Custom, _) => false,
            (BaseKind::Official { .. }, Some(false)) => true,
            _ => return,
        };
        let image = s.image.clone();
        let from = s.line;
        let title = if cpu_image {
            msg!("lint-missing-nvidia-env-title-cpu", image = image.clone())
        } else {
            msg!("lint-missing-nvidia-env-title", image = image.clone())
        };
        let f = Finding::titled(MISSING_NVIDIA_ENV, Severity::Warning, title)
            .explain_msg(msg!("lint-missing-nvidia-env-explain"))
            .evidence(
                format!("`FROM` at line {from}"),
                format!("FROM {image}"),
                self.at(from),
            )
            .evidence(
                format!("GPU framework installed at line {line}"),
                format!("pip install {installed}"),
                self.at(line),
            );
        let f = match cpu_image
            .then(|| tensorflow_gpu_tag(self.kb, &image))
            .flatten()
        {
            Some(gpu) => f.fix_msg(msg!("lint-missing-nvidia-env-fix-gpu-image", image = gpu)),
            None => f,
        };
        let f = f
            .fix_msg(msg!("lint-missing-nvidia-env-fix"))
            .source(docs(MISSING_NVIDIA_ENV));
        self.findings.push(f);
    }
}

/// The GPU image of TensorFlow's CPU image `image` (`tensorflow/tensorflow:2.9.0-jupyter` ->
/// `tensorflow/tensorflow:2.9.0-gpu-jupyter`), when the knowledge base lists it.
fn tensorflow_gpu_tag(kb: &Kb, image: &str) -> Option<String> {
    let r = ImageRef::parse(image);
    let tag = r.tag.as_deref().unwrap_or("latest");
    let gpu_tag = match tag.strip_suffix("-jupyter") {
        Some(t) => format!("{t}-gpu-jupyter"),
        None => format!("{tag}-gpu"),
    };
    let version = tag.split('-').next().unwrap_or_default();
    kb.tf_images(version)
        .into_iter()
        .find(|t| t.strip_prefix("tensorflow/tensorflow:") == Some(gpu_tag.as_str()))
        .map(|_| format!("{}:{gpu_tag}", r.name))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use cudoctor_kb::kb;

    /// The one finding `text` gives (fails when it gives another number).
    fn only(text: &str) -> Finding {
        let mut f = lint(kb(), text, "Dockerfile").unwrap();
        assert_eq!(
            f.len(),
            1,
            "{text:?}: {:?}",
            f.iter().map(|f| &f.id).collect::<Vec<_>>()
        );
        f.remove(0)
    }

    /// `text` gives one finding, `id` at `line`.
    fn expect_one(text: &str, id: &str, line: usize) {
        assert_eq!(ids(text), [(id.to_owned(), line)], "{text:?}");
    }

    fn ids(text: &str) -> Vec<(String, usize)> {
        lint(kb(), text, "Dockerfile")
            .unwrap()
            .into_iter()
            .map(|f| {
                let line = f
                    .evidence
                    .iter()
                    .find_map(|e| e.source.strip_prefix("Dockerfile:")?.parse().ok())
                    .unwrap();
                (f.id, line)
            })
            .collect()
    }

    #[test]
    fn pip_lines() {
        let r = pip_installs(
            "apt-get update && python3 -m pip install --no-cache-dir -i https://x torch==2.1.0 'jax[cuda12]>=0.4' && pip3 install -r req.txt tensorflow",
        );
        let got: Vec<(String, bool)> = r.iter().map(|r| (r.name.clone(), r.pinned)).collect();
        assert_eq!(
            got,
            [
                ("torch".to_owned(), true),
                ("jax".to_owned(), false),
                ("tensorflow".to_owned(), false)
            ]
        );
        // A general option's value is not a requirement (`--retries 5`), before or after
        // `install`.
        let names: Vec<String> =
            pip_installs("pip install --retries 5 --timeout 60 --cache-dir /c torch==2.1.0")
                .into_iter()
                .map(|r| r.name)
                .collect();
        assert_eq!(names, ["torch"]);
    }

    /// Options before the command, and apt's option values, are not packages.
    #[test]
    fn options_before_the_command() {
        let names =
            |run: &str| -> Vec<String> { pip_installs(run).into_iter().map(|r| r.name).collect() };
        assert_eq!(
            names("pip --no-cache-dir install tensorflow==2.9.0"),
            ["tensorflow"]
        );
        assert_eq!(
            names("python3 -m pip --cache-dir /c install -q torch==2.1.0"),
            ["torch"]
        );
        assert_eq!(
            names("pip --no-cache-dir download torch"),
            Vec::<String>::new()
        );
        assert_eq!(
            apt_installs(
                "apt-get -y -o Dpkg::Use-Pty=0 install --allow-downgrades -o APT::Get::Foo=1 libcudnn7=7.6.5.32-1+cuda10.1 && apt-get -qq update"
            ),
            ["libcudnn7=7.6.5.32-1+cuda10.1"]
        );
    }

    #[test]
    fn cuda_packages_by_apt_and_pip_name() {
        let kb = kb();
        for apt in [
            "libcudnn8=8.9.7.29-1+cuda12.2",
            "libcudnn9-cuda-12",
            "cudnn9-cuda-12",
            "cuda-cudart-12-1",
            "libcublas-12-1",
            "libcublaslt12",
            "libcufft-11-8",
            "libcusolver-11-8",
            "libcusparse-12-1",
            "libcurand-12-1",
            "libnccl2",
            "libnvjitlink-12-4",
            "cuda-nvrtc-12-1",
            "libcupti12",
            "libcudart12",
            "libnpp-12-2",
            "libnvjpeg-12-2",
            "libcufile-12-2",
            "cuda",
            "nvidia-cuda-toolkit",
            "nvidia-cudnn",
        ] {
            assert!(is_cuda_package(kb, apt), "{apt}");
        }
        for apt in [
            "curl",
            "libcurl4",
            "libc6",
            "python3-pip",
            "libcups2",
            "nvidia-driver",
            "libnvidia-ml1",
        ] {
            assert!(!is_cuda_package(kb, apt), "{apt}");
        }
        for wheel in [
            "nvidia-cudnn-cu11",
            "nvidia-cuda-runtime-cu12",
            "nvidia-cublas-cu12",
            "nvidia-cufft-cu12",
            "nvidia-cusolver-cu12",
            "nvidia-cusparse-cu12",
            "nvidia-curand-cu12",
            "nvidia-nccl-cu12",
            "nvidia-nvjitlink-cu12",
            "nvidia-cuda-nvrtc-cu12",
            "nvidia-cuda-cupti-cu12",
            "nvidia-cuda-nvcc-cu12",
            "nvidia-cusparselt-cu12",
            "nvidia-cublas",
            "nvidia-npp-cu12",
            "nvidia-nvjpeg-cu12",
            "nvidia-cufile-cu12",
            "nvidia-nvtx-cu12",
        ] {
            assert!(is_cuda_wheel(kb, wheel), "{wheel}");
        }
        for wheel in [
            "nvidia-ml-py",
            "nvidia-cudnn-frontend",
            "nvidia-dali-cuda120",
            "nvidia-nccl-tests",
            "cudnn",
            "torch",
            // A table stem followed by something that is not `-cuNN` (digits only).
            "nvidia-cublas-cuda",
            "nvidia-cublas-cu",
            "nvidia-cublas-cu-12",
            "nvidia-cudnn-cu12-foo",
            "nvidia-cusparse-cu12.1",
            "nvidia-nvtx",
            "nvidia-npp-cu12-dev",
        ] {
            assert!(!is_cuda_wheel(kb, wheel), "{wheel}");
        }
        // Every wheel of the table is a CUDA wheel, for each CUDA major it is built for.
        for row in kb.library_packages() {
            for major in [11, 12] {
                assert!(is_cuda_wheel(kb, &row.pip_name(major)), "{}", row.family);
            }
        }
    }

    #[test]
    fn each_mistake_once() {
        expect_one("FROM tensorflow/tensorflow:latest-gpu\n", FLOATING_TAG, 1);
        expect_one("FROM ubuntu\n", FLOATING_TAG, 1);
        expect_one("FROM nvidia/cuda:12\n", FLOATING_TAG, 1);
        assert!(ids(&format!("FROM ubuntu@sha256:{}\n", "0".repeat(64))).is_empty());
        expect_one("ARG T\nFROM nvidia/cuda:${T}\n", FLOATING_TAG, 2);
        assert!(ids("ARG T=12.2.2-cudnn8-runtime-ubuntu22.04\nFROM nvidia/cuda:${T}\n").is_empty());
        expect_one(
            "FROM nvidia/cuda:12.2.2-cudnn8-runtime-ubuntu22.04\n\nRUN pip install \\\n  tensorflow==2.9.0\n",
            BASE_CUDA_MISMATCH,
            3,
        );
        assert!(ids("FROM nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04\nRUN pip install tensorflow==2.9.0\n").is_empty());
        expect_one(
            "FROM tensorflow/tensorflow:2.9.0-gpu\nRUN apt-get update && apt-get install -y libcudnn8=8.9.7.29-1+cuda12.2\n",
            CUDA_OVERWRITTEN,
            2,
        );
        expect_one(
            "FROM tensorflow/tensorflow:2.9.0-gpu\nCOPY libcudnn.so.8 /usr/lib/x86_64-linux-gnu/\n",
            CUDA_OVERWRITTEN,
            2,
        );
        expect_one(
            "FROM tensorflow/tensorflow:2.9.0-gpu\nRUN pip install nvidia-cudnn-cu11==8.6.0.163\n",
            CUDA_OVERWRITTEN,
            2,
        );
        // nvJitLink is a family of the packaging table: its wheel and its apt package both count.
        expect_one(
            "FROM pytorch/pytorch:2.1.0-cuda12.1-cudnn8-runtime\nRUN pip install nvidia-nvjitlink-cu12==12.4.127\n",
            CUDA_OVERWRITTEN,
            2,
        );
        expect_one(
            "FROM tensorflow/tensorflow:2.15.0-gpu\nRUN apt-get install -y libnvjitlink-12-4\n",
            CUDA_OVERWRITTEN,
            2,
        );
        expect_one(
            "FROM nvidia/cuda:12.1.1-cudnn8-runtime-ubuntu22.04\nRUN pip install torch\n",
            UNPINNED_FRAMEWORK,
            2,
        );
        expect_one(
            "FROM python:3.10.14\nRUN pip install torch==2.1.0\n",
            MISSING_NVIDIA_ENV,
            1,
        );
        assert!(ids("FROM python:3.10.14\nENV NVIDIA_VISIBLE_DEVICES=all\nRUN pip install torch==2.1.0\n").is_empty());
        expect_one(
            "FROM nvidia/cuda:12.1.1-runtime-ubuntu22.04\nENV LD_LIBRARY_PATH=/usr/local/cuda/lib64:\n",
            LD_LIBRARY_PATH_EMPTY_ENTRY,
            2,
        );
        expect_one(
            "FROM nvidia/cuda:12.1.1-runtime-ubuntu22.04\nENV LD_LIBRARY_PATH=/a::/b\n",
            LD_LIBRARY_PATH_EMPTY_ENTRY,
            2,
        );
    }

    #[test]
    fn stages_inherit() {
        assert!(ids("FROM nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04 AS build\nFROM build\nRUN pip install tensorflow==2.9.0\n").is_empty());
        // The NVIDIA variables set in a stage hold in the stages built on it.
        assert!(ids("FROM python:3.10.14 AS a\nENV NVIDIA_VISIBLE_DEVICES=all\nFROM a\nRUN pip install torch==2.1.0\n").is_empty());
        expect_one(
            "FROM python:3.10.14 AS a\nFROM a\nRUN pip install torch==2.1.0\n",
            MISSING_NVIDIA_ENV,
            2,
        );
    }

    /// NVIDIA's and the frameworks' own images are known by name, whatever the tag; a digest
    /// alone pins them (no floating tag) and says nothing against their NVIDIA variables.
    #[test]
    fn official_images_whatever_the_tag() {
        let digest = format!("sha256:{}", "0".repeat(64));
        for base in [
            format!("nvidia/cuda@{digest}"),
            format!("tensorflow/tensorflow@{digest}"),
            format!("pytorch/pytorch@{digest}"),
            "nvidia/cuda:12.2.2-cudnn8-runtime-ubuntu22.04".to_owned(),
            "tensorflow/tensorflow:2.9.0-gpu".to_owned(),
        ] {
            assert!(
                ids(&format!("FROM {base}\nRUN pip install torch==2.1.0\n")).is_empty(),
                "{base}"
            );
        }
        for base in [
            "pytorch/pytorch",
            "pytorch/pytorch:latest",
            "tensorflow/tensorflow:latest-gpu",
            "tensorflow/tensorflow:nightly-gpu",
            "tensorflow/tensorflow:devel-gpu",
            "tensorflow/tensorflow:latest-gpu-jupyter",
        ] {
            expect_one(
                &format!("FROM {base}\nRUN pip install torch==2.1.0\n"),
                FLOATING_TAG,
                1,
            );
        }
        // `devel` moves only in TensorFlow's scheme.
        assert!(ids("FROM example.com/team/base:devel\n").is_empty());
    }

    /// Every lint message is reached by one of these Dockerfiles and renders in every language
    /// with the arguments the lint passes; every line of a finding is keyed (none is English
    /// only); and the catalog has no `lint-` key that no lint uses.
    #[test]
    fn every_lint_message_in_every_language() {
        use cudoctor_i18n::{Arg, Catalog, Lang};
        fn walk(m: &Msg, used: &mut std::collections::BTreeSet<String>) {
            used.insert(m.key.to_owned());
            for lang in [Lang::En, Lang::Zh] {
                assert!(m.render_strict(lang).is_some(), "{} in {lang:?}", m.key);
            }
            for (_, a) in &m.args {
                if let Arg::Msg(inner) = a {
                    walk(inner, used);
                }
            }
        }
        let cases = [
            "ARG T\nFROM nvidia/cuda:${T}\n",
            "FROM ubuntu\nFROM nvidia/cuda:12\nFROM tensorflow/tensorflow:latest-gpu\n",
            "ARG T=latest\nFROM ubuntu:${T}\n",
            "FROM tensorflow/tensorflow:2.9.0-gpu\nRUN pip install nvidia-cudnn-cu11 && apt-get install -y libcudnn8\nCOPY libcudnn.so.8 /usr/lib/\n",
            "FROM nvidia/cuda:12.1.1-runtime-ubuntu22.04\nRUN pip install torch\nENV LD_LIBRARY_PATH=:/x\n",
            "FROM nvidia/cuda:11.2.2-runtime-ubuntu20.04\nRUN pip install tensorflow==2.9.0\n",
            "FROM nvidia/cuda:12.3.2-cudnn9-runtime-ubuntu22.04\nRUN pip install tensorflow==2.16.1\n",
            "FROM tensorflow/tensorflow:2.9.0-gpu\nRUN pip install tensorflow==2.12.0\n",
            "FROM nvidia/cuda:12.2.2-cudnn8-runtime-ubuntu22.04\nRUN pip install tensorflow==2.9.0 tensorflow==2.1.0 tensorflow==2.4.1\n",
            "FROM python:3.10.14\nRUN pip install torch==2.1.0\nFROM tensorflow/tensorflow:2.9.0\nRUN pip install torch==2.1.0\n",
        ];
        let mut used = std::collections::BTreeSet::new();
        for text in cases {
            for f in lint(kb(), text, "Dockerfile").unwrap() {
                let l = f
                    .l10n
                    .as_ref()
                    .unwrap_or_else(|| panic!("{}: no keys", f.id));
                assert!(l.title.is_some() && l.explanation.is_some(), "{}", f.id);
                assert_eq!(l.fix.len(), f.fix.len(), "{}", f.id);
                assert!(
                    l.fix.iter().all(Option::is_some),
                    "{}: an English-only fix",
                    f.id
                );
                for m in l
                    .title
                    .iter()
                    .chain(&l.explanation)
                    .chain(l.fix.iter().flatten())
                {
                    walk(m, &mut used);
                }
            }
        }
        let catalog: std::collections::BTreeSet<String> = Catalog::get(Lang::En)
            .keys()
            .filter(|k| k.starts_with("lint-"))
            .map(str::to_owned)
            .collect();
        assert_eq!(used, catalog);
    }

    /// CPU-only installs need no GPU: no CUDA mismatch, no NVIDIA variables.
    #[test]
    fn cpu_only_installs() {
        for line in [
            "tensorflow-cpu==2.15.0",
            "torch==2.1.0+cpu",
            "torch==2.1.0 --index-url https://download.pytorch.org/whl/cpu",
            "--extra-index-url=https://download.pytorch.org/whl/cpu/ torch==2.1.0",
            "jax==0.4.30",
            "jaxlib==0.4.30",
        ] {
            let text = format!("FROM python:3.10.14\nRUN pip install {line}\n");
            assert!(ids(&text).is_empty(), "{line}");
        }
        assert!(
            ids("FROM nvidia/cuda:12.2.2-cudnn8-runtime-ubuntu22.04\nRUN pip install tensorflow-cpu==2.9.0\n")
                .is_empty()
        );
        for line in [
            "torch==2.1.0",
            "torch==2.1.0 --index-url https://download.pytorch.org/whl/cu121",
            "jax[cuda12]==0.4.30",
            "jax-cuda12-plugin==0.4.30",
            "jaxlib==0.4.26+cuda12.cudnn89",
            "tensorflow==2.15.0",
        ] {
            let text = format!("FROM python:3.10.14\nRUN pip install {line}\n");
            expect_one(&text, MISSING_NVIDIA_ENV, 1);
        }
    }

    /// The fix keeps the extras that choose the GPU build.
    #[test]
    fn unpinned_fix_keeps_extras() {
        let f = only(
            "FROM nvidia/cuda:12.3.2-cudnn9-runtime-ubuntu22.04\nRUN pip install \"jax[cuda12]>=0.4\"\n",
        );
        assert!(
            f.title.starts_with("`pip install jax[cuda12]`"),
            "{}",
            f.title
        );
        assert!(
            f.fix[0].starts_with("pin it, e.g. `pip install jax[cuda12]==<version>`; `cudoctor requirements jax==<version>`"),
            "{}",
            f.fix[0]
        );
    }

    /// BuildKit's `${NAME:-word}` and `${NAME:+word}`; a tag from an ARG without a value
    /// leaves the repository known.
    #[test]
    fn arg_defaults_and_modifiers() {
        expect_one(
            "ARG CUDA_VERSION\nFROM nvidia/cuda:${CUDA_VERSION}-cudnn8-devel-ubuntu22.04\nRUN pip install torch==2.1.0\n",
            FLOATING_TAG,
            2,
        );
        expect_one(
            "ARG CUDA\nFROM nvidia/cuda:${CUDA:-12.2.2-cudnn8-runtime-ubuntu22.04}\nRUN pip install tensorflow==2.9.0\n",
            BASE_CUDA_MISMATCH,
            3,
        );
        // TensorFlow's gpu.Dockerfile: `ARCH` empty, so no `-$ARCH` suffix.
        assert!(ids("ARG ARCH=\"\"\nARG CUDA=11.2.2\nFROM nvidia/cuda${ARCH:+-$ARCH}:${CUDA}-cudnn8-runtime-ubuntu20.04 as base\nRUN pip install tensorflow==2.9.0\n").is_empty());
        assert_eq!(
            ids(
                "ARG ARCH=ppc64le\nARG CUDA=12.2.2\nFROM nvidia/cuda${ARCH:+-$ARCH}:${CUDA}-runtime-ubuntu22.04\n"
            ),
            Vec::<(String, usize)>::new()
        );
    }

    /// `ARG` words are each a name or a name=value; a default uses the ARGs before it.
    #[test]
    fn arg_words_and_nested_defaults() {
        expect_one(
            "ARG BASE_TAG CUDA=12.2.2\nFROM nvidia/cuda:${CUDA}-cudnn8-runtime-ubuntu22.04\nRUN pip install tensorflow==2.9.0\n",
            BASE_CUDA_MISMATCH,
            3,
        );
        expect_one(
            "ARG CUDA=12.2.2\nARG BASE=nvidia/cuda:${CUDA}-cudnn8-runtime-ubuntu22.04\nFROM ${BASE}\nRUN pip install tensorflow==2.9.0\n",
            BASE_CUDA_MISMATCH,
            4,
        );
    }

    /// PyTorch's AMD (ROCm) and Intel (XPU) builds need no NVIDIA runtime.
    #[test]
    fn rocm_and_xpu_builds_are_not_nvidia() {
        for line in [
            "torch==2.3.0 --index-url https://download.pytorch.org/whl/rocm6.0",
            "torch==2.3.0+rocm6.0",
            "torch==2.5.0 --index-url https://download.pytorch.org/whl/xpu",
        ] {
            let text = format!("FROM rocm/dev-ubuntu-22.04:6.0.2\nRUN pip install {line}\n");
            assert!(ids(&text).is_empty(), "{line}");
        }
    }

    /// The evidence says what was installed, and where a base's CUDA was read.
    #[test]
    fn evidence_names_the_install_and_the_base() {
        let f = lint(
            kb(),
            "FROM python:3.10.14 AS build\nRUN pip install \"jax[cuda12]==0.4.30\"\nFROM python:3.10.14-slim\nCOPY --from=build /opt/venv /opt/venv\n",
            "Dockerfile",
        )
        .unwrap();
        let e = &f[0].evidence[1];
        assert_eq!(
            (e.fact.as_str(), e.value.as_str(), e.source.as_str()),
            (
                "GPU framework installed at line 2",
                "pip install jax[cuda12]==0.4.30",
                "Dockerfile:2"
            )
        );
        let f = lint(
            kb(),
            "FROM tensorflow/tensorflow:2.9.0-gpu\nRUN pip install nvidia-cudnn-cu11==8.6.0.163\n",
            "Dockerfile",
        )
        .unwrap();
        let e = &f[0].evidence[1];
        assert_eq!(e.value, "11.2.1 / 8.1.0.77");
        assert!(e.source.starts_with("https://"), "{}", e.source);
    }

    /// What a build stage installed is in the stage that copies it.
    #[test]
    fn copied_installs_count_where_copied() {
        expect_one(
            "FROM python:3.10.14 AS build\nRUN python -m venv /opt/venv && /opt/venv/bin/pip install torch==2.1.0\nFROM python:3.10.14-slim\nCOPY --from=build /opt/venv /opt/venv\n",
            MISSING_NVIDIA_ENV,
            3,
        );
    }

    /// Each word of a long command is read once: 20,000 `apt-get install` without `&&` give
    /// 40,000 words, not hundreds of millions (no timing is asserted; the count is).
    #[test]
    fn long_commands_are_read_once() {
        let run = "apt-get install -y curl ".repeat(20_000);
        let packages = apt_installs(&run);
        // One `apt-get install` whose arguments run on: `curl`, then `apt-get install curl`
        // 19,999 times (options skipped).
        assert_eq!(packages.len(), 1 + 19_999 * 3);
        // The same requirement 1,000 times in one RUN is one finding.
        let text = format!(
            "FROM nvidia/cuda:12.2.2-cudnn8-runtime-ubuntu22.04\nRUN pip install{}\n",
            " tensorflow==2.9.0".repeat(1000)
        );
        expect_one(&text, BASE_CUDA_MISMATCH, 2);
    }

    /// A stage that is only copied from, or that another is built on, is not judged on its own.
    #[test]
    fn build_stages() {
        for from in ["build", "0", "BUILD"] {
            let text = format!(
                "FROM python:3.10.14 AS build\nRUN pip install torch==2.1.0\nFROM nvidia/cuda:12.1.1-runtime-ubuntu22.04\nCOPY --from={from} /opt /opt\n"
            );
            assert!(ids(&text).is_empty(), "{from}");
        }
        assert!(ids("FROM python:3.10.14 AS base\nRUN pip install torch==2.1.0\nFROM base\nENV NVIDIA_VISIBLE_DEVICES=all\n").is_empty());
        expect_one(
            "FROM python:3.10.14 AS base\nRUN pip install torch==2.1.0\nFROM base\n",
            MISSING_NVIDIA_ENV,
            3,
        );
        // The last stage is an image someone runs, even when nothing copies from it.
        expect_one(
            "FROM python:3.10.14 AS a\nFROM python:3.10.14\nRUN pip install torch==2.1.0\n",
            MISSING_NVIDIA_ENV,
            2,
        );
    }

    /// CUDA 10's sonames carry the minor: TensorFlow 2.3 (CUDA 10.1) cannot use a 10.2 base.
    #[test]
    fn cuda_10_sonames_carry_the_minor() {
        let f = only(
            "FROM nvidia/cuda:10.2-cudnn7-runtime-ubuntu18.04\nRUN pip install tensorflow==2.3.0\n",
        );
        assert_eq!(f.id, BASE_CUDA_MISMATCH);
        assert!(
            f.explanation.contains("loads libcudart.so.10.1"),
            "{}",
            f.explanation
        );
        assert!(ids("FROM nvidia/cuda:10.1-cudnn7-runtime-ubuntu18.04\nRUN pip install tensorflow==2.3.0\n").is_empty());
        // CUDA 11 keeps one soname across its minors.
        assert!(ids("FROM nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04\nRUN pip install tensorflow==2.9.0\n").is_empty());
    }

    /// Instructions the old parser refused: heredocs (a `RUN` body is commands, a `COPY` body
    /// a file's content), empty `ARG`/`ENV` values, several `ARG`s on one line.
    #[test]
    fn buildkit_forms() {
        expect_one(
            "FROM nvidia/cuda:12.2.2-cudnn8-runtime-ubuntu22.04\nRUN <<EOF\napt-get update\npip install tensorflow==2.9.0\nEOF\n",
            BASE_CUDA_MISMATCH,
            2,
        );
        assert!(ids("FROM pytorch/pytorch:2.1.0-cuda12.1-cudnn8-runtime\nCOPY <<EOF /etc/ld.so.conf.d/app.conf\n/usr/local/cuda/lib64\nEOF\n").is_empty());
        assert!(
            ids(
                "ARG A= B=2\nFROM nvidia/cuda:12.2.2-cudnn8-runtime-ubuntu22.04\nENV X=\nARG C D\n"
            )
            .is_empty()
        );
    }

    /// TensorFlow 2.12 (built with cuDNN 8.6) refuses the cuDNN 8.1.0.77 of the 2.9.0 image.
    #[test]
    fn cudnn_minor_older_than_built_with() {
        let f = only("FROM tensorflow/tensorflow:2.9.0-gpu\nRUN pip install tensorflow==2.12.0\n");
        assert!(
            f.explanation.contains("has cuDNN 8.1.0.77"),
            "{}",
            f.explanation
        );
        assert!(
            ids("FROM tensorflow/tensorflow:2.12.0-gpu\nRUN pip install tensorflow==2.12.0\n")
                .is_empty()
        );
    }

    #[test]
    fn one_finding_per_mistake_and_line() {
        expect_one(
            "FROM nvidia/cuda:12.1.1-runtime-ubuntu22.04\nRUN if [ -n \"$X\" ]; then pip install torch; else pip install torch; fi\n",
            UNPINNED_FRAMEWORK,
            2,
        );
    }

    #[test]
    fn stage_names_are_case_insensitive() {
        assert!(ids("FROM nvidia/cuda:12.2.2-cudnn8-runtime-ubuntu22.04 AS Build\nFROM build\nRUN pip install torch==2.1.0\n").is_empty());
    }

    #[test]
    fn copies_of_cuda_libraries_only() {
        let base = "FROM pytorch/pytorch:2.1.0-cuda12.1-cudnn8-runtime\n";
        assert!(ids(&format!("{base}COPY test_cudnn.py /workspace/\n")).is_empty());
        for copy in [
            "COPY cudnn-linux-x86_64-8.9.7.29_cuda12-archive/lib/ /usr/lib/x86_64-linux-gnu/",
            "COPY lib/libcudnn_ops.so.8 /usr/lib/",
            "COPY --from=build /usr/local/cuda-12.2 /usr/local/cuda-12.2",
        ] {
            expect_one(&format!("{base}{copy}\n"), CUDA_OVERWRITTEN, 2);
        }
    }

    /// `NVIDIA_VISIBLE_DEVICES` counts when it gives GPUs (`void`, `none`, empty do not);
    /// `NVIDIA_DRIVER_CAPABILITIES` alone does not.
    #[test]
    fn nvidia_visible_devices_must_give_gpus() {
        for env in [
            "NVIDIA_VISIBLE_DEVICES=void",
            "NVIDIA_VISIBLE_DEVICES=none",
            "NVIDIA_VISIBLE_DEVICES=\"\"",
            "NVIDIA_DRIVER_CAPABILITIES=compute,utility",
        ] {
            let text = format!("FROM python:3.10.14\nENV {env}\nRUN pip install torch==2.1.0\n");
            expect_one(&text, MISSING_NVIDIA_ENV, 1);
        }
        assert!(ids("FROM python:3.10.14\nENV NVIDIA_VISIBLE_DEVICES=0,1\nRUN pip install torch==2.1.0\n").is_empty());
    }

    /// An empty value as a whole adds no directory to the loader's path.
    #[test]
    fn empty_ld_library_path_is_no_entry() {
        assert!(
            ids("FROM nvidia/cuda:12.1.1-runtime-ubuntu22.04\nENV LD_LIBRARY_PATH=\"\"\n")
                .is_empty()
        );
    }

    /// TensorFlow's CPU images are built on plain Ubuntu: no NVIDIA variables.
    #[test]
    fn tensorflow_cpu_image_sets_no_nvidia_env() {
        let f = only("FROM tensorflow/tensorflow:2.9.0\nRUN pip install torch==2.1.0\n");
        assert_eq!(f.id, MISSING_NVIDIA_ENV);
        assert!(f.title.contains("TensorFlow's CPU image"), "{}", f.title);
        assert_eq!(
            f.fix[0],
            "start from its GPU image: `FROM tensorflow/tensorflow:2.9.0-gpu`"
        );
        // The Jupyter CPU image's GPU image is the `-gpu-jupyter` one.
        let f = only("FROM tensorflow/tensorflow:2.9.0-jupyter\nRUN pip install torch==2.1.0\n");
        assert_eq!(
            f.fix[0],
            "start from its GPU image: `FROM tensorflow/tensorflow:2.9.0-gpu-jupyter`"
        );
        // A CPU image has no CUDA or cuDNN to replace.
        assert!(
            !ids(
                "FROM tensorflow/tensorflow:2.9.0\nRUN pip install nvidia-cudnn-cu11==8.6.0.163\n"
            )
            .iter()
            .any(|(id, _)| id == CUDA_OVERWRITTEN)
        );
        // With no tag it is `latest`, the CPU image too; the kb names no GPU tag for it.
        let f = lint(
            kb(),
            "FROM tensorflow/tensorflow\nRUN pip install torch==2.1.0\n",
            "Dockerfile",
        )
        .unwrap();
        let ids: Vec<&str> = f.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, [FLOATING_TAG, MISSING_NVIDIA_ENV]);
        assert!(f[1].fix[0].starts_with("add `ENV NVIDIA_VISIBLE_DEVICES=all"));
    }
}
