//! What the user means to run: targets, and what each one needs.
//!
//! A target is a framework release, from a `--for` spec ([`target_from_spec`]) or found installed
//! in the snapshot ([`targets_from_snapshot`]). Its [`Needs`] come from the installed files first
//! (TensorFlow's `build_info.py`, torch's `version.py`, the GPU code in the binaries, the
//! `nvidia-*` pins in METADATA) and from the knowledge base where the files say nothing. A
//! release the knowledge base does not know is still a target: what the files say is diagnosed,
//! the rest stays unknown.

use cudoctor_facts::snapshot::{Framework as InstalledFramework, Snapshot};
use cudoctor_kb::data::{Kb, Series};
use cudoctor_kb::framework::{Framework, Spec};
use cudoctor_kb::query::{KbFact, VariantNeeds, VariantRequirements};
use cudoctor_kb::version::{
    ComputeCapability, CudaVersion, CudnnVersion, DriverVersion, FrameworkVersion, GpuCode,
    PythonVersion,
};
use serde::Serialize;
use std::str::FromStr as _;

/// A value with where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sourced<T> {
    /// The value.
    pub value: T,
    /// Where it came from (a file, `knowledge base: <url>`).
    pub source: String,
}

impl<T> Sourced<T> {
    /// A sourced value.
    pub fn new(value: T, source: impl Into<String>) -> Self {
        Self {
            value,
            source: source.into(),
        }
    }
}

pub use cudoctor_kb::query::{CudnnRule, PythonSupport, Soname};

/// What a target needs from the machine. `None` = unknown.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Needs {
    /// Whether the build can use a GPU at all (`false`: a CPU-only build).
    pub gpu_build: Option<Sourced<bool>>,
    /// CUDA it was built with.
    pub cuda: Option<Sourced<CudaVersion>>,
    /// cuDNN it was built with.
    pub cudnn: Option<Sourced<CudnnVersion>>,
    /// The cuDNN rule applied at run time.
    pub cudnn_rule: Option<CudnnRule>,
    /// Python versions.
    pub python: Option<Sourced<PythonSupport>>,
    /// GPU code in its binaries.
    pub gpu_code: Option<Sourced<Vec<GpuCode>>>,
    /// Lowest compute capability (where only that is known, JAX).
    pub cc_min: Option<Sourced<ComputeCapability>>,
    /// A documented driver minimum that replaces the CUDA-derived one (JAX).
    pub driver_min_documented: Option<Sourced<DriverVersion>>,
    /// Libraries it dlopens.
    pub sonames: Option<Sourced<Vec<Soname>>>,
    /// `Requires-Dist: nvidia-*` lines of the installed package, as written.
    pub pins: Vec<Sourced<String>>,
    /// The libraries its pinned wheels carry that the framework loads, at the import or on
    /// first use ([`pinned_libraries`]); empty where that is not known.
    pub pinned_libraries: Vec<Sourced<PinnedLibrary>>,
}

/// A library a pinned `nvidia-*` wheel carries: `nvidia-cudnn-cu12==9.1.0.70` carries
/// `libcudnn.so.9`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PinnedLibrary {
    /// The wheel, its name normalized (`nvidia-cudnn-cu12`).
    pub package: String,
    /// The library family (`cudnn`).
    pub library: String,
    /// The name the framework's binaries ask the loader for (`libcudnn.so.9`).
    pub soname: String,
    /// Whether importing the framework loads it (`false`: it is opened on first use, and the
    /// import works without it), as the knowledge base measured in the framework's wheels.
    pub at_import: bool,
    /// For a library opened on first use: the calls that open it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_use: Option<String>,
}

/// What the knowledge base knows of the release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum KbKnowledge {
    /// The release is in the tables.
    Known,
    /// Newer than every release in the tables.
    NewerThanKb {
        /// The newest release the tables know.
        newest: String,
    },
    /// Not in the tables (older, a gap, or the version is unknown).
    Unknown {
        /// Why.
        reason: String,
    },
}

/// How the target was chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum TargetOrigin {
    /// `--for SPEC`.
    Spec(String),
    /// Installed in the probed system (the METADATA / version file).
    Installed(String),
}

/// A framework release to diagnose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    /// The framework.
    pub framework: Framework,
    /// The pip package (`tensorflow`, `tensorflow-cpu`, `torch`, `jax`).
    pub package: String,
    /// The release, when known.
    pub version: Option<FrameworkVersion>,
    /// The build variant (`cu121`, `cpu`, `cuda12`).
    pub variant: Option<String>,
    /// How it was chosen.
    pub origin: TargetOrigin,
    /// The Python environment (prefix) it is or would be installed in.
    pub environment: Option<String>,
    /// That environment's Python version.
    pub python: Option<Sourced<PythonVersion>>,
    /// What it needs.
    pub needs: Needs,
    /// What the knowledge base knows of it.
    pub kb: KbKnowledge,
}

impl Target {
    /// `TensorFlow 2.9.0`, `PyTorch 2.4.1+cu121`, `JAX 0.4.30`.
    pub fn display(&self) -> String {
        let name = self.framework.display_name();
        match (&self.version, self.framework) {
            (Some(v), Framework::PyTorch) => match &self.variant {
                Some(var) if v.local().is_none() => format!("{name} {v}+{var}"),
                _ => format!("{name} {v}"),
            },
            (Some(v), _) => format!("{name} {v}"),
            (None, _) => name.to_owned(),
        }
    }

    /// The serializable summary for reports.
    pub fn info(&self) -> TargetInfo {
        TargetInfo {
            name: self.display(),
            framework: self.framework.name().to_owned(),
            package: self.package.clone(),
            version: self.version.as_ref().map(ToString::to_string),
            variant: self.variant.clone(),
            origin: match &self.origin {
                TargetOrigin::Spec(s) => format!("--for {s}"),
                TargetOrigin::Installed(p) => format!("installed ({p})"),
            },
            environment: self.environment.clone(),
            python: self.python.as_ref().map(|p| p.value.to_string()),
            gpu_build: self.needs.gpu_build.as_ref().map(|g| g.value),
            cuda: self.needs.cuda.as_ref().map(|c| c.value.to_string()),
            cudnn: self.needs.cudnn.as_ref().map(|c| c.value.to_string()),
            gpu_code: self
                .needs
                .gpu_code
                .as_ref()
                .map(|c| c.value.iter().map(ToString::to_string).collect()),
            in_knowledge_base: matches!(self.kb, KbKnowledge::Known),
        }
    }

    /// Whether the framework preloads `site-packages/nvidia/*/lib` before the loader searches
    /// (PyTorch, JAX): then which copy loads depends on its environment.
    pub fn preloads(&self) -> bool {
        matches!(
            self.framework,
            cudoctor_kb::framework::Framework::PyTorch | cudoctor_kb::framework::Framework::Jax
        )
    }

    /// Whether the target means to use a GPU (not a known CPU-only build).
    pub fn needs_gpu(&self) -> bool {
        !matches!(self.needs.gpu_build, Some(Sourced { value: false, .. }))
    }
}

/// A target as reports show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetInfo {
    /// `TensorFlow 2.9.0`.
    pub name: String,
    /// `tensorflow`, `pytorch`, `jax`.
    pub framework: String,
    /// The pip package.
    pub package: String,
    /// The release.
    pub version: Option<String>,
    /// The variant.
    pub variant: Option<String>,
    /// `--for tensorflow==2.9.0` or `installed (/opt/venv/...)`.
    pub origin: String,
    /// The Python environment.
    pub environment: Option<String>,
    /// Its Python version.
    pub python: Option<String>,
    /// Whether the build can use a GPU (`null`: unknown).
    pub gpu_build: Option<bool>,
    /// CUDA it was built with.
    pub cuda: Option<String>,
    /// cuDNN it was built with.
    pub cudnn: Option<String>,
    /// GPU code in its binaries.
    pub gpu_code: Option<Vec<String>>,
    /// Whether the knowledge base knows the release.
    pub in_knowledge_base: bool,
}

/// `knowledge base: <url> | <url>`: the provenance of a knowledge-base fact, reduced to the
/// URLs its row cites (the whole text when it cites none).
pub(crate) fn kb_source(source: &str) -> String {
    format!(
        "knowledge base: {}",
        crate::finding::split_sources(source).join(" | ")
    )
}

/// The official GPU image of a TensorFlow release, from the knowledge base (recorded images
/// first, else its documented tag scheme), without the Jupyter variant when there is a choice.
pub(crate) fn tf_gpu_image(kb: &Kb, version: &FrameworkVersion) -> Option<String> {
    let images = kb.tf_images(&version.without_local().to_string());
    images
        .iter()
        .find(|i| i.ends_with("-gpu"))
        .or_else(|| images.first())
        .cloned()
}

fn knowledge_for_missing(kb: &Kb, framework: Framework, version: &FrameworkVersion) -> KbKnowledge {
    match kb.newest_listed(framework) {
        Some(newest) if Series::of(version) > Series::of(&newest) || version > &newest => {
            KbKnowledge::NewerThanKb {
                newest: newest.to_string(),
            }
        }
        _ => KbKnowledge::Unknown {
            reason: format!(
                "{} {version} is not in the knowledge base",
                framework.display_name()
            ),
        },
    }
}

/// A knowledge-base fact as findings cite it: [`kb_source`] of its row, then how the value was
/// read from that row.
fn from_kb<T>(fact: KbFact<T>) -> Sourced<T> {
    let source = kb_source(&fact.source);
    let source = match fact.detail {
        Some(detail) => format!("{source} {detail}"),
        None => source,
    };
    Sourced::new(fact.value, source)
}

/// Lays what the knowledge base says a variant needs under what the installed files said:
/// a fact the files gave stays; the cuDNN rule, the lowest compute capability and the
/// documented driver minimum are the knowledge base's.
fn lay_kb_needs(kb: VariantNeeds, needs: &mut Needs) {
    let kb_cuda = kb.cuda.as_ref().map(|c| c.value);
    if let Some(c) = kb.cuda {
        needs.cuda.get_or_insert(from_kb(c));
    }
    if let Some(c) = kb.cudnn {
        needs.cudnn.get_or_insert(from_kb(c));
    }
    needs.cudnn_rule = Some(kb.cudnn_rule);
    if let Some(p) = kb.python {
        needs.python.get_or_insert(from_kb(p));
    }
    if let Some(g) = kb.gpu_code {
        needs.gpu_code.get_or_insert(from_kb(g));
    }
    if let Some(cc) = kb.cc_min {
        needs.cc_min = Some(from_kb(cc));
    }
    if let Some(d) = kb.driver_min_documented {
        needs.driver_min_documented = Some(from_kb(d));
    }
    // The sonames are those of the official wheels: only when the installed build agrees with
    // the table on CUDA.
    let same_cuda = needs
        .cuda
        .as_ref()
        .is_none_or(|c| kb_cuda.is_none_or(|k| c.value.same_minor(k)));
    if let Some(so) = kb.sonames.filter(|_| same_cuda) {
        needs.sonames.get_or_insert(from_kb(so));
    }
}

impl Target {
    /// Lays what a `requirements` answer for this release states (the package index's, for a
    /// release the tables lack) under the needs the installed files and the tables gave: only a
    /// need still unknown is filled, each with the answer's first source. Python is taken as
    /// a lower bound (`>=3.9`, what a wheel's `Requires-Python` says); a list of versions is
    /// left alone, and values that do not parse are skipped.
    pub fn lay_requirements(&mut self, v: &VariantRequirements) {
        fn parsed<T: std::str::FromStr>(value: Option<&str>, src: &str) -> Option<Sourced<T>> {
            value
                .and_then(|c| c.parse().ok())
                .map(|c| Sourced::new(c, src))
        }
        let src = v.sources.first().cloned().unwrap_or_default();
        let n = &mut self.needs;
        if n.cuda.is_none() {
            n.cuda = parsed(v.cuda.as_deref(), &src);
        }
        if n.cudnn.is_none() {
            n.cudnn = parsed(v.cudnn.as_deref(), &src);
        }
        if n.python.is_none() {
            n.python = v
                .python
                .first()
                .and_then(|p| p.strip_prefix(">="))
                .and_then(|p| p.parse().ok())
                .map(|p| Sourced::new(PythonSupport::AtLeast(p), &src));
        }
        if n.gpu_code.is_none() && !v.compute_capabilities.is_empty() {
            n.gpu_code = Some(Sourced::new(parse_codes(&v.compute_capabilities), &src));
        }
    }
}

/// Fills `needs` from the knowledge base for a release; returns what the kb knows of it.
fn fill_from_kb(
    kb: &Kb,
    framework: Framework,
    version: &FrameworkVersion,
    variant: Option<&str>,
    needs: &mut Needs,
) -> (KbKnowledge, Option<String>) {
    let Some(variants) = kb.release_needs(framework, version) else {
        return (knowledge_for_missing(kb, framework, version), None);
    };
    let chosen = match framework {
        Framework::TensorFlow => variants.into_iter().next(),
        Framework::PyTorch => {
            if variant == Some("cpu") {
                // The CPU wheels of a known release: nothing CUDA-related to fill.
                return (KbKnowledge::Known, Some("cpu".to_owned()));
            }
            let built = needs.cuda.as_ref().map(|c| c.value);
            let built_with = |n: &VariantNeeds, b: CudaVersion| {
                n.cuda.as_ref().is_some_and(|c| c.value.same_minor(b))
            };
            let i = match variant {
                Some(tag) => variants.iter().position(|n| n.name == tag),
                None => variants
                    .iter()
                    .position(|n| built.is_none_or(|b| built_with(n, b)) && n.pypi_default)
                    .or_else(|| {
                        variants
                            .iter()
                            .position(|n| built.is_some_and(|b| built_with(n, b)))
                    }),
            };
            let Some(i) = i else {
                return (
                    KbKnowledge::Unknown {
                        reason: format!(
                            "the knowledge base has no {} variant of PyTorch {}",
                            variant.map_or_else(
                                || built.map_or_else(String::new, |b| format!("CUDA {b}")),
                                ToOwned::to_owned
                            ),
                            Series::of(version)
                        ),
                    },
                    None,
                );
            };
            variants.into_iter().nth(i)
        }
        Framework::Jax => {
            let i = match variant {
                Some(v) => variants.iter().position(|n| n.name == v),
                None if variants.len() == 1 => Some(0),
                None => None,
            };
            let Some(i) = i else {
                return (
                    KbKnowledge::Unknown {
                        reason: format!(
                            "which CUDA plugin of jax {version} is meant is unknown (known: {})",
                            variants
                                .iter()
                                .map(|n| n.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    },
                    None,
                );
            };
            variants.into_iter().nth(i)
        }
    };
    let Some(chosen) = chosen else {
        return (knowledge_for_missing(kb, framework, version), None);
    };
    let tag = (framework != Framework::TensorFlow).then(|| chosen.name.clone());
    lay_kb_needs(chosen, needs);
    (KbKnowledge::Known, tag)
}

fn env_python(snapshot: &Snapshot, environment: &str) -> Option<Sourced<PythonVersion>> {
    let env = snapshot
        .python_environments
        .iter()
        .find(|e| e.path == environment)?;
    let v = env.python_version.cloned()?;
    Some(Sourced::new(
        v,
        env.python_version
            .source()
            .map_or_else(|| format!("Python environment {}", env.path), str::to_owned),
    ))
}

/// The CUDA major a build needs: its CUDA version, else the `-cuNN` suffix its `nvidia-*` pins
/// agree on (with where that came from).
fn cuda_major(needs: &Needs) -> Option<(u32, String)> {
    if let Some(c) = &needs.cuda {
        return Some((c.value.major(), c.source.clone()));
    }
    let mut found: Option<(u32, String)> = None;
    for p in &needs.pins {
        let name = p
            .value
            .split([' ', '=', '>', '<', '~', '!', ';', '['])
            .next()?;
        let Some((_, major)) = name
            .strip_prefix("nvidia-")
            .and_then(cudoctor_kb::split_cuda_suffix)
        else {
            continue;
        };
        match &found {
            Some((m, _)) if *m != major => return None, // pins disagree: unknown
            Some(_) => {}
            None => found = Some((major, format!("{} ({})", p.value, p.source))),
        }
    }
    found
}

/// A Requires-Dist line split into (normalized name, specifier text, marker text).
pub(crate) fn parse_requirement(line: &str) -> (String, String, String) {
    let (req, marker) = line.split_once(';').unwrap_or((line, ""));
    let req = req.trim();
    let end = req
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
        .unwrap_or(req.len());
    let name = cudoctor_kb::framework::normalize_name(&req[..end]);
    let mut spec = req[end..].trim();
    // `name[extra]` and `name (>=1)` forms.
    if let Some(rest) = spec.strip_prefix('[') {
        spec = rest.split_once(']').map_or("", |(_, r)| r.trim());
    }
    let spec = spec
        .trim_start_matches('(')
        .trim_end_matches(')')
        .trim()
        .to_owned();
    (name, spec, marker.trim().to_owned())
}

/// Whether a requirement applies on Linux x86_64: its marker names no other system and not
/// aarch64.
pub(crate) fn pin_applies_on_linux(marker: &str) -> bool {
    let m = marker.replace('\'', "\"");
    !(m.contains("platform_system == \"Windows\"")
        || m.contains("platform_system == \"Darwin\"")
        || m.contains("sys_platform == \"win32\"")
        || m.contains("sys_platform == \"darwin\"")
        || m.contains("platform_machine == \"aarch64\""))
}

/// The wheels whose library is named `lib{family}.so.{M}`, M the major of the wheel's own
/// version, by the CUDA major of the wheel's `-cuNN` suffix. In CUDA 12 this holds for every
/// family of the table (`nvidia-cudnn-cu12` 9.x: `libcudnn.so.9`, `nvidia-cufft-cu12` 11.x:
/// `libcufft.so.11`, `nvidia-curand-cu12` 10.x: `libcurand.so.10`, `nvidia-nccl-cu12` 2.x:
/// `libnccl.so.2`). In CUDA 11 not for all: the runtime is `libcudart.so.11.0`, NVRTC
/// `libnvrtc.so.11.2` and CUPTI `libcupti.so.11.<minor>` (major.minor sonames), so those are left
/// out, as is every CUDA major not listed (the CUDA 13 wheels are not confirmed here): no
/// soname is better than a wrong one.
/// `wheel_tests` below checks the rule against the files of the real wheels in the test cache
/// (`nvidia-cuda-runtime-cu12` carries `libcudart.so.12`; the CUDA 11 runtime and NVRTC carry
/// `libcudart.so.11.0` and `libnvrtc.so.11.2`, no `lib{family}.so.11`).
const SONAME_IS_LIB_FAMILY_MAJOR: &[(u32, &[&str])] = &[
    (
        12,
        &[
            "cudart",
            "cublas",
            "cufft",
            "curand",
            "cusolver",
            "cusparse",
            "nvrtc",
            "cupti",
            "nvJitLink",
            "nccl",
            "cudnn",
        ],
    ),
    (
        11,
        &[
            "cublas", "cufft", "curand", "cusolver", "cusparse", "nccl", "cudnn",
        ],
    ),
];

/// The library a pinned wheel carries: the knowledge base's `library_packages` row whose pip
/// name (`{pip_stem}-cu{major}`) is the requirement's, and the soname `lib{family}.so.{M}`, M
/// the major of the requirement's exact `==` version. `None` for a requirement without an
/// exact version, for a wheel the table does not list, and where the soname does not follow
/// that rule ([`SONAME_IS_LIB_FAMILY_MAJOR`]).
pub(crate) fn pinned_library(kb: &Kb, requirement: &str) -> Option<(PinnedLibrary, String)> {
    let (name, spec, _) = parse_requirement(requirement);
    let exact = spec.strip_prefix("==")?.trim();
    // `===` (arbitrary equality), `==9.*` and `==9.1,<10` are not one exact version.
    if exact.starts_with('=') || exact.contains([',', '*']) {
        return None;
    }
    let version = pep440_rs::Version::from_str(exact).ok()?;
    let major = u32::try_from(*version.release().first()?).ok()?;
    let (stem, cuda) = cudoctor_kb::split_cuda_suffix(&name)?;
    let row = kb
        .library_packages()
        .iter()
        .find(|r| cudoctor_kb::framework::normalize_name(&r.pip_stem) == stem)?;
    let certain = SONAME_IS_LIB_FAMILY_MAJOR
        .iter()
        .any(|(c, families)| *c == cuda && families.contains(&row.family.as_str()));
    if !certain {
        return None;
    }
    let soname = format!("lib{}.so.{major}", row.family);
    // The row cites the PyPI project first, then the apt repository: the wheel's page.
    let pypi = crate::finding::split_sources(&row.source)
        .into_iter()
        .next()
        .unwrap_or_else(|| row.source.clone());
    let source = format!(
        "knowledge base: {pypi} (family `{}`; soname `lib{}.so.<major of {exact}>`)",
        row.family, row.family
    );
    Some((
        PinnedLibrary {
            package: name,
            library: row.family.clone(),
            soname,
            at_import: true,
            first_use: None,
        },
        source,
    ))
}

/// The libraries a framework's pins carry that it loads, and when: PyTorch's libraries name
/// most of them in `DT_NEEDED` (found through their `RPATH` in `site-packages/nvidia/*/lib`,
/// then the loader's path), so `import torch` fails without them; cuSOLVER and NVRTC it opens
/// by name on first use ([`cudoctor_kb::Kb::torch_library_load`], measured in the wheels). A
/// family with no measured row is left out. TensorFlow and JAX open theirs when the GPU
/// backend starts and fall back to the CPU: none for them here.
fn pinned_libraries(
    kb: &Kb,
    framework: Framework,
    pins: &[Sourced<String>],
) -> Vec<Sourced<PinnedLibrary>> {
    if framework != Framework::PyTorch {
        return Vec::new();
    }
    let mut out: Vec<Sourced<PinnedLibrary>> = Vec::new();
    for pin in pins {
        let (_, _, marker) = parse_requirement(&pin.value);
        if marker.contains("extra") || !pin_applies_on_linux(&marker) {
            continue;
        }
        let Some((mut lib, source)) = pinned_library(kb, &pin.value) else {
            continue;
        };
        let Some(load) = kb.torch_library_load(&lib.library) else {
            continue;
        };
        lib.at_import = load.loaded == cudoctor_kb::data::TorchLoad::Import;
        lib.first_use.clone_from(&load.when);
        // The row's URLs: the wheels it was measured in (`measured` has the details), and for a
        // library opened on first use the PyTorch source that opens it.
        let url = crate::finding::split_sources(&load.source).join(" ");
        let source = format!(
            "{source}; loaded {}: knowledge base: {url} (data/pytorch.toml, library_load `{}`)",
            if lib.at_import {
                "at the import"
            } else {
                "on first use"
            },
            load.family
        );
        if !out.iter().any(|o| o.value == lib) {
            out.push(Sourced::new(lib, source));
        }
    }
    out
}

/// The sonames TensorFlow dlopens for a release the knowledge base does not know, carried over
/// by the knowledge base ([`Kb::tf_carried_sonames`]) from the build's CUDA major and, when
/// known, its cuDNN major. `None` for a CPU-only build, when the CUDA major is unknown, or when
/// no known release shares it.
pub(crate) fn carried_over_tf_sonames(kb: &Kb, needs: &Needs) -> Option<Sourced<Vec<Soname>>> {
    if matches!(needs.gpu_build, Some(Sourced { value: false, .. })) {
        return None;
    }
    let (major, major_src) = cuda_major(needs)?;
    let cudnn_major = needs.cudnn.as_ref().map(|c| c.value.major());
    let carried = kb.tf_carried_sonames(major, cudnn_major)?;
    let cudnn_note = match (carried.with_cudnn, cudnn_major) {
        (true, Some(m)) => format!(" and cuDNN {m}"),
        (true, None) => String::new(),
        (false, Some(m)) => format!(
            "; its cuDNN {} name is left out: this build's cuDNN major is {m}",
            carried.from.cudnn.major()
        ),
        (false, None) => "; no cuDNN name: this build's cuDNN major is unknown".to_owned(),
    };
    let names = from_kb(carried.names);
    Some(Sourced::new(
        names.value,
        format!(
            "carried over from TensorFlow {} (the newest release the knowledge base knows built with CUDA {major}{cudnn_note}; the names TensorFlow opens follow from the CUDA and cuDNN majors): CUDA major from {major_src}; {}",
            carried.from.version, names.source
        ),
    ))
}

/// The target for a `--for` spec. Never fails: a release the knowledge base does not know is a
/// target whose needs are unknown (a finding says so).
pub fn target_from_spec(kb: &Kb, spec: &Spec, snapshot: &Snapshot) -> Target {
    let mut needs = Needs::default();
    if kb.is_cpu_only_build(spec.framework, &spec.package, spec.variant.as_deref()) {
        needs.gpu_build = Some(Sourced::new(
            false,
            format!("--for {spec}: a CPU-only package"),
        ));
    }
    // A series spec (`tensorflow==2.9`) means the release the table lists for the series.
    let mut version = spec.version.clone();
    if spec.series_only && spec.framework == Framework::TensorFlow {
        if let Some(r) = kb.tf_series_release(&spec.version) {
            version = r.version.clone();
        }
    }
    let (kb_knowledge, variant) = fill_from_kb(
        kb,
        spec.framework,
        &version,
        spec.variant.as_deref(),
        &mut needs,
    );
    // The environment: where this framework is installed, else the only Python environment.
    let environment = snapshot
        .frameworks
        .iter()
        .find(|f| {
            f.name
                .parse::<Framework>()
                .is_ok_and(|fw| fw == spec.framework)
        })
        .map(|f| f.environment.clone())
        .or_else(|| {
            let known: Vec<_> = snapshot
                .python_environments
                .iter()
                .filter(|e| e.python_version.is_some())
                .collect();
            (known.len() == 1).then(|| known[0].path.clone())
        });
    let python = environment.as_deref().and_then(|e| env_python(snapshot, e));
    Target {
        framework: spec.framework,
        package: spec.package.clone(),
        version: Some(version),
        variant: spec.variant.clone().or(variant),
        origin: TargetOrigin::Spec(spec.to_string()),
        environment,
        python,
        needs,
        kb: kb_knowledge,
    }
}

fn parse_codes(list: &[String]) -> Vec<GpuCode> {
    list.iter().filter_map(|c| c.parse().ok()).collect()
}

fn target_from_installed(kb: &Kb, snapshot: &Snapshot, fw: &InstalledFramework) -> Option<Target> {
    let framework: Framework = fw.name.parse().ok()?;
    if fw.name == "jaxlib" {
        return None;
    }
    let mut needs = Needs::default();
    let src = |s: Option<&str>, what: &str| {
        s.map_or_else(
            || format!("{what} of {} in {}", fw.name, fw.environment),
            str::to_owned,
        )
    };
    if let Some(c) = fw.cuda_version.get() {
        needs.cuda = Some(Sourced::new(
            c,
            src(fw.cuda_version.source(), "CUDA version"),
        ));
    }
    if let Some(list) = fw.compute_capabilities.as_ref() {
        let codes = parse_codes(list);
        if !codes.is_empty() {
            needs.gpu_code = Some(Sourced::new(
                codes,
                src(fw.compute_capabilities.source(), "GPU code"),
            ));
        }
    }
    if let Some(b) = fw.is_cuda_build {
        needs.gpu_build = Some(Sourced::new(
            b,
            format!("is_cuda_build of {} in {}", fw.name, fw.environment),
        ));
    }
    let mut variant = fw.version.as_ref().and_then(FrameworkVersion::local);
    if kb.is_cpu_only_build(framework, &fw.name, variant.as_deref()) {
        // TensorFlow's package name overrides what the build said of itself; PyTorch's `+cpu`
        // label fills in only where the build said nothing.
        if framework == Framework::TensorFlow {
            needs.gpu_build = Some(Sourced::new(
                false,
                format!("package name `{}` in {}", fw.name, fw.environment),
            ));
        } else {
            needs.gpu_build.get_or_insert(Sourced::new(
                false,
                src(fw.version.source(), "version label `+cpu`"),
            ));
        }
    }
    if framework == Framework::Jax {
        // The CUDA plugin installed next to jax names the variant.
        variant = snapshot
            .frameworks
            .iter()
            .filter(|o| o.environment == fw.environment)
            .find_map(|o| {
                o.name
                    .strip_prefix("jax-")
                    .and_then(|r| r.strip_suffix("-plugin"))
                    .map(ToOwned::to_owned)
            });
        needs.pins = snapshot
            .frameworks
            .iter()
            .filter(|o| o.environment == fw.environment && o.name.starts_with("jax-cuda"))
            .flat_map(|o| {
                o.requires_nvidia.iter().map(|p| {
                    Sourced::new(
                        p.clone(),
                        format!("Requires-Dist of {} in {}", o.name, o.environment),
                    )
                })
            })
            .collect();
    }
    // TensorFlow's build_info gives only the cuDNN major; keep the installed value only when the
    // knowledge base cannot say more (filled below).
    let built_cudnn = fw.cudnn_version.get();
    needs.pins.extend(fw.requires_nvidia.iter().map(|p| {
        Sourced::new(
            p.clone(),
            format!("Requires-Dist of {} in {}", fw.name, fw.environment),
        )
    }));
    let (kb_knowledge, kb_variant) = match fw.version.as_ref() {
        Some(v) => {
            let base = v.without_local();
            fill_from_kb(kb, framework, &base, variant.as_deref(), &mut needs)
        }
        None => (
            KbKnowledge::Unknown {
                reason: fw.version.unknown_reason().map_or_else(
                    || {
                        format!(
                            "the version of {} in {} is unknown",
                            fw.name, fw.environment
                        )
                    },
                    str::to_owned,
                ),
            },
            None,
        ),
    };
    if let Some(b) = built_cudnn {
        let kb_agrees = needs.cudnn.as_ref().is_some_and(|k| {
            k.value.major() == b.major() && (b.components() < k.value.components())
        });
        if !kb_agrees {
            needs.cudnn = Some(Sourced::new(
                b,
                src(fw.cudnn_version.source(), "cuDNN version"),
            ));
        }
    }
    needs.pinned_libraries = pinned_libraries(kb, framework, &needs.pins);
    if framework == Framework::TensorFlow {
        needs.cudnn_rule = Some(CudnnRule::TensorFlow);
        if !matches!(kb_knowledge, KbKnowledge::Known) && needs.sonames.is_none() {
            needs.sonames = carried_over_tf_sonames(kb, &needs);
        }
    }
    Some(Target {
        framework,
        package: fw.name.clone(),
        version: fw.version.cloned(),
        variant: variant.or(kb_variant),
        origin: TargetOrigin::Installed(
            fw.version
                .source()
                .map_or_else(|| fw.environment.clone(), str::to_owned),
        ),
        environment: Some(fw.environment.clone()),
        python: env_python(snapshot, &fw.environment),
        needs,
        kb: kb_knowledge,
    })
}

/// One target per framework installed in the snapshot (`jaxlib` and the JAX CUDA plugins are
/// folded into their `jax`), in the snapshot's order.
pub fn targets_from_snapshot(kb: &Kb, snapshot: &Snapshot) -> Vec<Target> {
    let mut out: Vec<Target> = snapshot
        .frameworks
        .iter()
        .filter_map(|fw| target_from_installed(kb, snapshot, fw))
        .collect();
    // A jaxlib without jax in the same environment is still JAX.
    for fw in snapshot.frameworks.iter().filter(|f| f.name == "jaxlib") {
        let has_jax = snapshot
            .frameworks
            .iter()
            .any(|o| o.name == "jax" && o.environment == fw.environment);
        if !has_jax {
            let mut as_jax = fw.clone();
            "jax".clone_into(&mut as_jax.name);
            if let Some(t) = target_from_installed(kb, snapshot, &as_jax) {
                out.push(t);
            }
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod lay_tests {
    use super::*;

    /// What an index answer states fills only the needs still unknown, each citing it.
    #[test]
    fn an_index_answer_fills_only_what_is_unknown() {
        let kb = Kb::embedded().unwrap();
        let spec: Spec = "torch==9.9.0+cu999".parse().unwrap();
        let mut t = target_from_spec(kb, &spec, &cudoctor_test::scenarios::bare_host());
        assert!(t.needs.cuda.is_none() && t.needs.python.is_none());
        t.needs.cudnn = Some(Sourced::new("9.1.0".parse().unwrap(), "installed"));
        let v = VariantRequirements {
            name: "cu999".into(),
            cuda: Some("12.8".into()),
            cudnn: Some("9.7.1".into()),
            python: vec![">=3.10".into()],
            compute_capabilities: vec!["sm_90".into(), "junk".into()],
            sources: vec!["https://pypi.org/project/torch/9.9.0/".into(), "x".into()],
            ..VariantRequirements::default()
        };
        t.lay_requirements(&v);
        let n = &t.needs;
        let cuda = n.cuda.as_ref().unwrap();
        assert_eq!(cuda.value.to_string(), "12.8");
        assert_eq!(cuda.source, "https://pypi.org/project/torch/9.9.0/");
        assert_eq!(n.cudnn.as_ref().unwrap().source, "installed");
        assert_eq!(
            n.python.as_ref().unwrap().value,
            PythonSupport::AtLeast("3.10".parse().unwrap())
        );
        assert_eq!(n.gpu_code.as_ref().unwrap().value.len(), 1);
        // A list of Python versions is not a lower bound: left unknown.
        let mut t = target_from_spec(kb, &spec, &cudoctor_test::scenarios::bare_host());
        let v = VariantRequirements {
            python: vec!["3.10".into(), "3.11".into()],
            ..VariantRequirements::default()
        };
        t.lay_requirements(&v);
        assert!(t.needs.python.is_none());
    }
}

/// The soname rule measured against the real wheels the test cache holds
/// (`scripts/fetch-test-artifacts.sh` unpacks them under `.cache/wheels/unpacked/`: at least
/// `nvidia-cuda-runtime-cu11`, `nvidia-cuda-nvrtc-cu11` and `nvidia-cuda-runtime-cu12`).
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod wheel_tests {
    use std::path::{Path, PathBuf};

    /// Each `nvidia-*` wheel's `Name` and `Version` from its METADATA.
    fn wheels(unpacked: &Path) -> Vec<(String, String)> {
        let Ok(dir) = std::fs::read_dir(unpacked) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for entry in dir.flatten() {
            let Ok(meta) = std::fs::read_to_string(entry.path().join("METADATA")) else {
                continue;
            };
            let field = |key: &str| {
                meta.lines()
                    .find_map(|l| l.strip_prefix(key))
                    .map(|v| v.trim().to_owned())
            };
            if let (Some(name), Some(version)) = (field("Name:"), field("Version:")) {
                if name.starts_with("nvidia-") {
                    out.push((name, version));
                }
            }
        }
        out.sort();
        out
    }

    /// Where the rule names a soname, the wheel carries a file of that name in its library
    /// directory; where it names none (CUDA 11's runtime and NVRTC), the naive
    /// `lib{family}.so.{major}` is indeed not in the wheel, so leaving it out was needed.
    #[test]
    fn pinned_sonames_are_files_of_the_real_wheels() {
        let unpacked =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.cache/wheels/unpacked");
        let found = wheels(&unpacked);
        if found.is_empty() {
            cudoctor_test::skip::missing::<()>(&format!(
                "no nvidia-* wheel unpacked under `{}` (run scripts/fetch-test-artifacts.sh)",
                unpacked.display()
            ));
            return;
        }
        let kb = cudoctor_kb::Kb::embedded().unwrap();
        let mut named = 0;
        for (name, version) in &found {
            // CUDA 13's wheels drop the `-cuNN` suffix; the rule does not name those.
            let Some((stem, _)) = cudoctor_kb::split_cuda_suffix(name) else {
                continue;
            };
            let Some(row) = kb.library_packages().iter().find(|r| r.pip_stem == stem) else {
                continue;
            };
            let lib = unpacked.join(row.site_lib_dir());
            let major = version.split('.').next().unwrap();
            if let Some((p, _)) = super::pinned_library(kb, &format!("{name}=={version}")) {
                assert!(
                    lib.join(&p.soname).is_file(),
                    "{name} {version}: no `{}` in {}",
                    p.soname,
                    lib.display()
                );
                named += 1;
            } else {
                let naive = format!("lib{}.so.{major}", row.family);
                assert!(
                    !lib.join(&naive).exists(),
                    "{name} {version} carries `{naive}`: the rule could name it"
                );
            }
        }
        assert!(
            named > 0,
            "no wheel with a soname the rule names: {found:?}"
        );
    }
}
