//! Causes computed with the knowledge base (`cudoctor-kb`): what a captured soname, driver CUDA
//! version, required CUDA or GPU architecture means, read from the kb's sourced rows.
//!
//! Every [`Fact`] names the kb row it was read from (its `source`). Where the kb does not know
//! (a soname no row lists, a TensorFlow series whose sonames are not recorded, a GPU
//! architecture no row has), no fact is made: nothing here guesses.

use std::collections::{BTreeMap, BTreeSet};

use cudoctor_kb::Kb;
use cudoctor_kb::data::Series;
use cudoctor_kb::rules::{ArchSupport, arch_support};
use cudoctor_kb::version::{ComputeCapability, CudaVersion, GpuCode};
use serde::{Deserialize, Serialize};

/// NVIDIA's documentation of `cuDriverGetVersion` (the `found version NNNNN` encoding).
pub const DRIVER_VERSION_SOURCE: &str =
    "https://docs.nvidia.com/cuda/cuda-driver-api/group__CUDA__VERSION.html";

/// One claim computed from a match's captures with the knowledge base.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    /// What the fact is about: `soname_tf_releases`, `soname_cuda_release`, `cudnn_major`,
    /// `driver_cuda`, `driver_for_cuda`, `torch_builds_for_driver`, `required_cuda_driver`,
    /// `gpu_architecture`,
    /// `tf_wheels_with_code`, `torch_wheels_with_code` (see docs/explain.md).
    pub kind: String,
    /// The computed value in short form (`10.1`, `2.6-2.10, 2.12-2.14`, `>= 418.39`, `Ampere`).
    pub value: String,
    /// The sentence put into the cause (English).
    pub text: String,
    /// The kb row(s) the fact was read from (URLs, ` | `-separated).
    pub source: String,
    /// The sentence in Chinese (not serialized: the JSON contract is English).
    #[serde(skip)]
    pub text_zh: String,
}

/// Facts and extra fix steps (English, Chinese) for one match.
#[derive(Debug, Default)]
pub(crate) struct Computed {
    pub(crate) facts: Vec<Fact>,
    pub(crate) fix: Vec<String>,
    pub(crate) fix_zh: Vec<String>,
    /// The fact kind each fix step comes from.
    pub(crate) fix_kinds: Vec<&'static str>,
}

/// Every fact kind (what `kb_skip` may name).
pub const FACT_KINDS: &[&str] = &[
    "soname_tf_releases",
    "soname_cuda_release",
    "cudnn_major",
    "driver_cuda",
    "driver_for_cuda",
    "torch_builds_for_driver",
    "required_cuda_driver",
    "gpu_architecture",
    "tf_wheels_with_code",
    "torch_wheels_with_code",
];

/// Fact kinds that are about TensorFlow releases or PyTorch builds: given only to signatures
/// whose `frameworks` name that framework.
const TF_KINDS: &[&str] = &[
    "soname_tf_releases",
    "soname_cuda_release",
    "tf_wheels_with_code",
];
const TORCH_KINDS: &[&str] = &[
    "driver_for_cuda",
    "torch_builds_for_driver",
    "torch_wheels_with_code",
];

impl Computed {
    /// One more fix step, in English and Chinese, from the fact `kind`.
    fn add_fix(&mut self, kind: &'static str, en: String, zh: String) {
        self.fix_kinds.push(kind);
        self.fix.push(en);
        self.fix_zh.push(zh);
    }

    /// Drop the facts (and their fix steps) of `kinds`.
    fn drop_kinds(&mut self, kinds: &[&str]) {
        self.facts.retain(|f| !kinds.contains(&f.kind.as_str()));
        let steps = std::mem::take(&mut self.fix)
            .into_iter()
            .zip(std::mem::take(&mut self.fix_zh))
            .zip(std::mem::take(&mut self.fix_kinds));
        for ((en, zh), kind) in steps {
            if !kinds.contains(&kind) {
                self.add_fix(kind, en, zh);
            }
        }
    }
}

fn kb() -> Option<&'static Kb> {
    Kb::embedded().ok()
}

fn join_sources<'a>(sources: impl IntoIterator<Item = &'a str>) -> String {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for s in sources.into_iter().flat_map(|s| s.split(" | ")) {
        let s = s.trim();
        if !s.is_empty() && seen.insert(s) {
            out.push(s);
        }
    }
    out.join(" | ")
}

/// `[2.6, 2.7, 2.8, 2.12, 2.13]` -> `2.6-2.8, 2.12-2.13` (consecutive minors of one major fold).
fn series_ranges(series: &[Series]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < series.len() {
        let start = series[i];
        let mut end = start;
        while i + 1 < series.len()
            && series[i + 1].major == end.major
            && series[i + 1].minor == end.minor + 1
        {
            i += 1;
            end = series[i];
        }
        out.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    out.join(", ")
}

/// The libraries of the CUDA toolkit whose old sonames carry the toolkit's `major.minor`.
const TOOLKIT_LIBS: &[&str] = &[
    "cudart", "cublas", "cublasLt", "cufft", "curand", "cusolver", "cusparse", "nvrtc", "cupti",
];

/// `libcublas.so.10.0` -> (`cublas`, `10.0`); `None` for anything else.
fn split_soname(soname: &str) -> Option<(&str, &str)> {
    let rest = soname.strip_prefix("lib")?;
    let (stem, version) = rest.split_once(".so.")?;
    let ok_stem = !stem.is_empty() && stem.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let ok_version = !version.is_empty()
        && version
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    (ok_stem && ok_version).then_some((stem, version))
}

/// The soname a match names, from its captures.
fn captured_soname(c: &BTreeMap<String, String>) -> Option<String> {
    // The missing library is what the fix is about (it differs from `requested` only when a
    // dependency of the requested library is missing).
    for key in ["missing", "requested", "library"] {
        if let Some(v) = c.get(key) {
            if split_soname(v).is_some() {
                return Some(v.clone());
            }
        }
    }
    let (lib, ver) = (c.get("library")?, c.get("soname_version")?);
    let soname = format!("{lib}.so.{ver}");
    split_soname(&soname).is_some().then_some(soname)
}

fn soname_facts(kb: &Kb, soname: &str, scope: Scope, out: &mut Computed) {
    let Some((stem, version)) = split_soname(soname) else {
        return;
    };
    // 1. TensorFlow series whose recorded sonames include exactly this one.
    let rows: Vec<_> = kb
        .tf_soname_rows()
        .iter()
        .filter(|r| r.libs.values().any(|s| s == soname))
        .collect();
    if !rows.is_empty() {
        let mut series = Vec::new();
        for r in &rows {
            for minor in r.first.minor..=r.last.minor {
                if r.first.major == r.last.major {
                    series.push(Series {
                        major: r.first.major,
                        minor,
                    });
                }
            }
        }
        let ranges = series_ranges(&series);
        // How each row knows: seen in TensorFlow logs, or derived from the build's majors.
        let evidence = |zh: bool| {
            rows.iter()
                .map(|r| {
                    let range = if r.first == r.last {
                        r.first.to_string()
                    } else {
                        format!("{}-{}", r.first, r.last)
                    };
                    let how = match (r.evidence.as_str(), zh) {
                        ("observed", false) => "seen in TensorFlow logs",
                        ("observed", true) => "见于 TensorFlow 日志",
                        (_, false) => "derived from the build's CUDA/cuDNN majors",
                        (_, true) => "由构建所用的 CUDA/cuDNN 主版本推出",
                    };
                    format!("{range}: {how}")
                })
                .collect::<Vec<_>>()
                .join(if zh { "；" } else { "; " })
        };
        // The CUDA and cuDNN those series were built with (tested build configurations).
        let builds: Vec<_> = kb
            .tf_releases()
            .iter()
            .filter(|r| series.contains(&Series::of(&r.version)))
            .collect();
        let cudas: BTreeSet<String> = builds.iter().map(|r| r.cuda.to_string()).collect();
        let cudas = cudas.into_iter().collect::<Vec<_>>().join(", ");
        let built = if stem.starts_with("cudnn") {
            let v: BTreeSet<String> = builds.iter().map(|r| r.cudnn.to_string()).collect();
            format!("cuDNN {}", v.into_iter().collect::<Vec<_>>().join(", "))
        } else {
            format!("CUDA {cudas}")
        };
        out.facts.push(Fact {
            kind: "soname_tf_releases".into(),
            value: ranges.clone(),
            text: format!(
                "The knowledge base lists {soname} as the soname TensorFlow {ranges} dlopens ({}); those releases were built with {built}. TensorFlow releases whose sonames the knowledge base does not record are not claimed.",
                evidence(false)
            ),
            text_zh: format!(
                "知识库记录 TensorFlow {ranges} 加载的动态库正是 {soname}（{}）；这些版本是用 {built} 构建的。知识库未记录动态库名的 TensorFlow 版本不作判断。",
                evidence(true)
            ),
            source: join_sources(
                rows.iter()
                    .map(|r| r.source.as_str())
                    .chain(builds.iter().map(|r| r.source.as_str())),
            ),
        });
    }
    // 2. Old CUDA toolkit sonames (`libcublas.so.10.0`) carry the toolkit's `major.minor`: the
    //    TensorFlow releases the kb lists as built with exactly that CUDA. Only where that
    //    naming held: libcudart up to CUDA 10.2, the other toolkit libraries up to CUDA 10.0
    //    (CUDA 10.1 named them `.so.10`; from CUDA 11 libcudart.so.11.0 serves every 11.x).
    let parts: Vec<u32> = version.split('.').filter_map(|p| p.parse().ok()).collect();
    let old_scheme = parts.len() == 2
        && if stem == "cudart" {
            parts[0] <= 10
        } else {
            // CUDA 10.1 and 10.2 name their math libraries `.so.10` (libcublas.so.10).
            (parts[0], parts[1]) <= (10, 0)
        };
    if rows.is_empty() && TOOLKIT_LIBS.contains(&stem) && old_scheme {
        let cuda = CudaVersion::new(parts[0], parts[1]);
        let builds: Vec<_> = kb
            .tf_releases()
            .iter()
            .filter(|r| r.cuda.major_minor().cmp_numeric(cuda).is_eq())
            .collect();
        if let (Some(first), Some(last)) = (builds.first(), builds.last()) {
            let list = builds
                .iter()
                .map(|r| r.version.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            let value = format!("{}-{}", first.version, last.version);
            out.facts.push(Fact {
                kind: "soname_cuda_release".into(),
                value: cuda.to_string(),
                text: format!(
                    "{soname} carries the version {version}: the TensorFlow releases the knowledge base lists as built with CUDA {cuda} are {list}; a CUDA {cuda} installation provides this soname."
                ),
                text_zh: format!(
                    "{soname} 带有版本号 {version}：知识库中用 CUDA {cuda} 构建的 TensorFlow 版本为 {list}；CUDA {cuda} 的安装提供这个动态库名。"
                ),
                source: join_sources(builds.iter().map(|r| r.source.as_str())),
            });
            out.add_fix(
                "soname_cuda_release",
                format!(
                "Install CUDA {cuda} (it provides {soname}) for TensorFlow {value}, or move to a TensorFlow release built for the CUDA you have."
            ),
                format!(
                "为 TensorFlow {value} 安装 CUDA {cuda}（它提供 {soname}），或换用针对现有 CUDA 构建的 TensorFlow 版本。"
            ),
            );
        }
    }
    // 3. cuDNN sonames carry the cuDNN major.
    if stem.starts_with("cudnn") && parts.len() == 1 {
        let major = parts[0];
        let tf: Vec<_> = kb
            .tf_releases()
            .iter()
            .filter(|r| r.cudnn.major() == major)
            .collect();
        let torch: Vec<_> = kb
            .torch_variants()
            .iter()
            .filter(|v| v.cudnn.is_some_and(|c| c.major() == major))
            .collect();
        let mut parts_en = Vec::new();
        let mut parts_zh = Vec::new();
        // (Not again when a soname row already named the TensorFlow series.)
        if let (true, Some(a), Some(b)) = (scope.tf && rows.is_empty(), tf.first(), tf.last()) {
            parts_en.push(format!(
                "TensorFlow {}-{} were built with cuDNN {major}",
                a.version, b.version
            ));
            parts_zh.push(format!(
                "TensorFlow {}-{} 使用 cuDNN {major} 构建",
                a.version, b.version
            ));
        }
        let torch_series: BTreeSet<Series> = torch.iter().map(|v| v.release).collect();
        if let (true, Some(a), Some(b)) = (scope.torch, torch_series.first(), torch_series.last()) {
            parts_en.push(format!(
                "PyTorch wheels that bundle cuDNN {major} are recorded for {a}-{b}"
            ));
            parts_zh.push(format!(
                "自带 cuDNN {major} 的 PyTorch wheel 记录于 {a}-{b}"
            ));
        }
        if !parts_en.is_empty() {
            out.facts.push(Fact {
                kind: "cudnn_major".into(),
                value: major.to_string(),
                text: format!(
                    "{soname} is a cuDNN {major} library; in the knowledge base {}.",
                    parts_en.join(", and ")
                ),
                text_zh: format!(
                    "{soname} 属于 cuDNN {major}；知识库中 {}。",
                    parts_zh.join("，")
                ),
                source: join_sources(
                    tf.iter()
                        .take(1)
                        .map(|r| r.source.as_str())
                        .chain(torch.iter().take(1).map(|v| v.source.as_str())),
                ),
            });
        }
    }
}

/// `found version 10010` (cuDriverGetVersion's encoding) -> the CUDA the driver supports, the
/// drivers PyTorch builds of newer CUDA need, and the PyTorch builds this driver runs.
fn driver_facts(kb: &Kb, encoded: &str, out: &mut Computed) {
    let Ok(value) = encoded.parse::<i32>() else {
        return;
    };
    if value < 1000 || value % 10 != 0 {
        return;
    }
    let Some(driver_cuda) = CudaVersion::from_driver_api(value) else {
        return;
    };
    let mut text = format!(
        "found version {encoded} is cuDriverGetVersion's 1000 × major + 10 × minor: this driver supports CUDA up to {driver_cuda}."
    );
    let mut text_zh = format!(
        "found version {encoded} 是 cuDriverGetVersion 的编码（1000 × 主版本 + 10 × 次版本）：该驱动最高支持 CUDA {driver_cuda}。"
    );
    let mut sources = vec![DRIVER_VERSION_SOURCE.to_string()];
    if let Some(row) = kb.cuda_release(driver_cuda) {
        if let Some(min) = &row.driver_min {
            text = format!("{text} (CUDA {}'s toolkit driver is {min}.)", row.version);
            text_zh = format!("{text_zh}（CUDA {} 的工具包驱动为 {min}。）", row.version);
            sources.push(row.source.clone());
        }
    }
    out.facts.push(Fact {
        kind: "driver_cuda".into(),
        value: driver_cuda.to_string(),
        text,
        text_zh,
        source: join_sources(sources.iter().map(String::as_str)),
    });
    // Whether a driver that reports `driver_cuda` runs a build of `cuda`: judged by the kb's own
    // rule (minor-version compatibility included) for the oldest driver that reports that CUDA
    // (its toolkit driver). Unknown counts as not running: nothing is promised.
    let lowest = kb
        .driver_requirement(driver_cuda)
        .and_then(|r| r.toolkit_min.cloned());
    let runs_build = |cuda: CudaVersion| -> bool {
        cuda.cmp_numeric(driver_cuda).is_le()
            || lowest.as_ref().is_some_and(|d| {
                matches!(
                    kb.check_driver_for_cuda(cuda, d),
                    cudoctor_kb::rules::Verdict::Compatible
                        | cudoctor_kb::rules::Verdict::CompatibleWithCaveats(_)
                )
            })
    };
    // The oldest PyTorch build CUDA of each major this driver does not run, and the driver it
    // needs.
    let mut per_major: BTreeMap<u32, CudaVersion> = BTreeMap::new();
    for v in kb.torch_variants() {
        if !runs_build(v.cuda) {
            let e = per_major.entry(v.cuda.major()).or_insert(v.cuda);
            if v.cuda.cmp_numeric(*e).is_lt() {
                *e = v.cuda;
            }
        }
    }
    let mut needs_en = Vec::new();
    let mut needs_zh = Vec::new();
    let mut short = Vec::new();
    let mut need_sources = Vec::new();
    for cuda in per_major.values().take(3) {
        let Some(req) = kb.driver_requirement(*cuda) else {
            continue;
        };
        let Some(toolkit) = req.toolkit_min else {
            continue;
        };
        need_sources.push(req.cuda.source.clone());
        short.push(format!("CUDA {cuda} >= {toolkit}"));
        if let Some(f) = req.family {
            need_sources.push(f.source.clone());
            needs_en.push(format!(
                    "CUDA {cuda} builds need driver >= {toolkit} (any CUDA {}.x build starts from >= {} with minor-version-compatibility limits)",
                    cuda.major(),
                    f.driver_min
                ));
            needs_zh.push(format!(
                    "CUDA {cuda} 构建需要驱动 >= {toolkit}（CUDA {}.x 的构建在小版本兼容的限制下最低需要 >= {}）",
                    cuda.major(),
                    f.driver_min
                ));
        } else {
            needs_en.push(format!("CUDA {cuda} builds need driver >= {toolkit}"));
            needs_zh.push(format!("CUDA {cuda} 构建需要驱动 >= {toolkit}"));
        }
    }
    if !needs_en.is_empty() {
        out.facts.push(Fact {
            kind: "driver_for_cuda".into(),
            value: per_major
                .values()
                .take(needs_en.len())
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            text: format!(
                "For the PyTorch builds of newer CUDA in the knowledge base: {}.",
                needs_en.join("; ")
            ),
            text_zh: format!(
                "知识库中较新 CUDA 的 PyTorch 构建：{}。",
                needs_zh.join("；")
            ),
            source: join_sources(need_sources.iter().map(String::as_str)),
        });
        out.add_fix(
            "driver_for_cuda",
            format!(
                "Upgrade the driver to what the CUDA of your PyTorch build needs ({}).",
                short.join(", ")
            ),
            format!(
                "按 PyTorch 构建所用的 CUDA 升级驱动（{}）。",
                short.join("，")
            ),
        );
    }
    // PyTorch builds this driver runs (CUDA <= the driver's, or of its major through
    // minor-version compatibility), newest three series.
    let runs: Vec<_> = kb
        .torch_variants()
        .iter()
        .filter(|v| runs_build(v.cuda))
        .collect();
    let series: BTreeSet<Series> = runs.iter().map(|v| v.release).collect();
    let newest: Vec<Series> = series.iter().rev().take(3).rev().copied().collect();
    if !newest.is_empty() {
        let list = newest
            .iter()
            .map(|s| {
                let tags: Vec<&str> = runs
                    .iter()
                    .filter(|v| v.release == *s)
                    .map(|v| v.tag.as_str())
                    .collect();
                format!("{s} ({})", tags.join(", "))
            })
            .collect::<Vec<_>>()
            .join(", ");
        out.facts.push(Fact {
            kind: "torch_builds_for_driver".into(),
            value: list.clone(),
            text: format!(
                "The newest PyTorch builds in the knowledge base that a driver for CUDA {driver_cuda} runs (CUDA {driver_cuda} or older, or a newer CUDA {}.x through minor-version compatibility, with its limits): {list}.",
                driver_cuda.major()
            ),
            text_zh: format!(
                "知识库中该驱动（CUDA {driver_cuda}）可运行的最新 PyTorch 构建（CUDA {driver_cuda} 及更旧，或经小版本兼容运行的更新的 CUDA {}.x，有其限制）：{list}。",
                driver_cuda.major()
            ),
            source: join_sources(
                runs.iter()
                    .filter(|v| newest.contains(&v.release))
                    .map(|v| v.source.as_str()),
            ),
        });
        out.add_fix(
            "torch_builds_for_driver",
            format!("Or keep this driver and install a PyTorch build it runs: {list}."),
            format!("或保留该驱动，安装它可运行的 PyTorch 构建：{list}。"),
        );
    }
}

/// `cuda>=12.8` (an image's NVIDIA_REQUIRE_CUDA): the driver that CUDA release needs.
fn required_cuda_facts(kb: &Kb, cuda: &str, out: &mut Computed) {
    let Ok(cuda) = cuda.parse::<CudaVersion>() else {
        return;
    };
    let Some(req) = kb.driver_requirement(cuda) else {
        return;
    };
    let Some(toolkit) = req.toolkit_min else {
        return;
    };
    out.facts.push(Fact {
        kind: "required_cuda_driver".into(),
        value: format!(">= {toolkit}"),
        text: format!(
            "The knowledge base gives CUDA {}'s toolkit driver as {toolkit}: a host driver older than that does not report CUDA {cuda}.",
            req.cuda.version
        ),
        text_zh: format!(
            "知识库记录 CUDA {} 的工具包驱动为 {toolkit}：低于该版本的宿主机驱动不会报告 CUDA {cuda}。",
            req.cuda.version
        ),
        source: req.cuda.source.clone(),
    });
    out.add_fix(
        "required_cuda_driver",
        format!(
        "Install host driver >= {toolkit} (CUDA {cuda}'s toolkit driver), or run an image built for the CUDA the driver reports."
    ),
        format!(
        "在宿主机安装 >= {toolkit} 的驱动（CUDA {cuda} 的工具包驱动），或使用针对该驱动所报告的 CUDA 构建的镜像。"
    ),
    );
}

/// A GPU architecture (`sm_86`, `8.6`): its generation in the GPU table and the official wheels
/// in the kb whose GPU code runs on it.
fn arch_facts(kb: &Kb, arch: &str, out: &mut Computed) {
    let Ok(cc) = arch.trim().parse::<ComputeCapability>() else {
        return;
    };
    let rows: Vec<_> = kb.gpus().iter().filter(|g| g.cc == Some(cc)).collect();
    let archs: BTreeSet<&str> = rows.iter().map(|g| g.architecture.as_str()).collect();
    if !archs.is_empty() {
        let names: Vec<&str> = rows.iter().take(3).map(|g| g.name.as_str()).collect();
        let label = archs.into_iter().collect::<Vec<_>>().join(" / ");
        out.facts.push(Fact {
            kind: "gpu_architecture".into(),
            value: label.clone(),
            text: format!(
                "Compute capability {cc} ({}) is {label} in the knowledge base's GPU table (e.g. {}).",
                cc.sm_name(),
                names.join(", ")
            ),
            text_zh: format!(
                "在知识库的显卡表中，计算能力 {cc}（{}）属于 {label} 架构（例如 {}）。",
                cc.sm_name(),
                names.join("、")
            ),
            source: join_sources(rows.iter().take(2).map(|g| g.source.as_str())),
        });
    }
    let runs = |codes: &[GpuCode]| {
        matches!(
            arch_support(cc, codes),
            ArchSupport::Sass(_) | ArchSupport::PtxJit(_)
        )
    };
    // TensorFlow: the wheels' series ranges with code for it (rows with unknown code skipped).
    let tf: Vec<_> = kb
        .tf_arch_rows()
        .iter()
        .filter(|r| r.codes().is_some_and(runs))
        .collect();
    if !tf.is_empty() {
        let series: Vec<Series> = tf
            .iter()
            .filter(|r| r.first.major == r.last.major)
            .flat_map(|r| {
                (r.first.minor..=r.last.minor).map(|minor| Series {
                    major: r.first.major,
                    minor,
                })
            })
            .collect();
        let ranges = series_ranges(&series);
        out.facts.push(Fact {
            kind: "tf_wheels_with_code".into(),
            value: ranges.clone(),
            text: format!(
                "Official TensorFlow wheels whose recorded GPU code runs on {}: {ranges}.",
                cc.sm_name()
            ),
            text_zh: format!(
                "记录的 GPU 代码可在 {} 上运行的官方 TensorFlow wheel：{ranges}。",
                cc.sm_name()
            ),
            source: join_sources(tf.iter().map(|r| r.source.as_str())),
        });
    }
    // PyTorch: the oldest series and the newest series' wheels with code for it.
    let torch: Vec<_> = kb
        .torch_variants()
        .iter()
        .filter(|v| v.arch_list.as_ref().is_some_and(|a| runs(a.codes())))
        .collect();
    let series: BTreeSet<Series> = torch.iter().map(|v| v.release).collect();
    if let (Some(oldest), Some(newest)) = (series.first(), series.last()) {
        let tags = |s: Series| {
            torch
                .iter()
                .filter(|v| v.release == s)
                .map(|v| v.tag.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let value = format!(
            "{oldest} ({}) .. {newest} ({})",
            tags(*oldest),
            tags(*newest)
        );
        out.facts.push(Fact {
            kind: "torch_wheels_with_code".into(),
            value: value.clone(),
            text: format!(
                "PyTorch wheels in the knowledge base whose recorded arch list runs on {}: the oldest {oldest} ({}), the newest {newest} ({}); wheels whose arch list is not recorded are not claimed.",
                cc.sm_name(),
                tags(*oldest),
                tags(*newest)
            ),
            text_zh: format!(
                "知识库中记录的架构列表可在 {} 上运行的 PyTorch wheel：最早为 {oldest}（{}），最新为 {newest}（{}）；未记录架构列表的 wheel 不作判断。",
                cc.sm_name(),
                tags(*oldest),
                tags(*newest)
            ),
            source: join_sources(
                torch
                    .iter()
                    .filter(|v| v.release == *oldest || v.release == *newest)
                    .map(|v| v.source.as_str()),
            ),
        });
        out.add_fix(
            "torch_wheels_with_code",
            format!(
            "PyTorch wheels with code for {}: {newest} {} (oldest in the knowledge base: {oldest} {}).",
            cc.sm_name(),
            tags(*newest),
            tags(*oldest)
        ),
            format!(
            "包含 {} 代码的 PyTorch wheel：{newest} {}（知识库中最早：{oldest} {}）。",
            cc.sm_name(),
            tags(*newest),
            tags(*oldest)
        ),
        );
    }
}

/// Which frameworks' releases a signature's facts may name.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scope {
    pub(crate) tf: bool,
    pub(crate) torch: bool,
}

impl Scope {
    /// Both frameworks (for [`facts_for`]).
    const ALL: Scope = Scope {
        tf: true,
        torch: true,
    };
    /// From a signature's `frameworks`.
    pub(crate) fn of(frameworks: &[String]) -> Scope {
        Scope {
            tf: frameworks.iter().any(|f| f == "TensorFlow"),
            torch: frameworks.iter().any(|f| f == "PyTorch"),
        }
    }
}

/// Everything the kb says about a match with these captures: facts about TensorFlow releases
/// only for TensorFlow signatures, about PyTorch builds only for PyTorch ones, and none of the
/// kinds the signature lists in `kb_skip`.
pub(crate) fn compute(
    captures: &BTreeMap<String, String>,
    scope: Scope,
    skip: &[String],
) -> Computed {
    let mut out = Computed::default();
    let Some(kb) = kb() else {
        return out;
    };
    if let Some(soname) = captured_soname(captures) {
        soname_facts(kb, &soname, scope, &mut out);
    }
    if let Some(v) = captures.get("driver_cuda_version") {
        driver_facts(kb, v, &mut out);
    }
    if let Some(v) = captures.get("cuda") {
        required_cuda_facts(kb, v, &mut out);
    }
    for key in ["arch", "capability", "cc"] {
        if let Some(v) = captures.get(key) {
            arch_facts(kb, v, &mut out);
            break;
        }
    }
    if !scope.tf {
        out.drop_kinds(TF_KINDS);
    }
    if !scope.torch {
        out.drop_kinds(TORCH_KINDS);
    }
    let skip: Vec<&str> = skip.iter().map(String::as_str).collect();
    out.drop_kinds(&skip);
    out
}

/// The facts the knowledge base gives for a set of captures, for a signature printed by both
/// TensorFlow and PyTorch (a match holds those its signature's frameworks allow).
pub fn facts_for(captures: &BTreeMap<String, String>) -> Vec<Fact> {
    compute(captures, Scope::ALL, &[]).facts
}
