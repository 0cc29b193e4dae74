//! cuDNN: the copy that loads against what the framework was built with.

use cudoctor_i18n::msg;
use std::str::FromStr;

use cudoctor_kb::rules::{CudnnCheck, tf_cudnn_runtime_check};
use cudoctor_kb::version::{CudaVersion, CudnnVersion};

use super::Ctx;
use super::files::file_version;
use crate::finding::{Finding, Severity};
use crate::loader::Resolution;
use crate::target::{CudnnRule, Target};

const TF_CUDNN_RULE: &str = "https://github.com/tensorflow/tensorflow/blob/0db332dc4ca50224965f7924050df365b32fb979/tensorflow/stream_executor/cuda/cudnn_version.cc";
const CUDNN_MATRIX: &str =
    "https://docs.nvidia.com/deeplearning/cudnn/latest/reference/support-matrix.html";

/// The cuDNN the target will load: (version, where, source).
fn loaded_cudnn(ctx: &Ctx<'_>, t: &Target) -> Option<(CudnnVersion, String, String)> {
    if let Some(so) = t
        .needs
        .sonames
        .as_ref()
        .and_then(|s| s.value.iter().find(|s| s.library == "cudnn"))
    {
        let r: Resolution = ctx.resolve_for(t, &so.soname);
        let loaded = r.loaded.as_ref()?;
        let v = file_version(loaded)
            .and_then(|v| CudnnVersion::from_str(&v).ok())
            .filter(|v| v.has_minor())
            .or_else(|| {
                // The probe may know the version of that file from its cuDNN facts.
                ctx.snap
                    .cudnn
                    .iter()
                    .find(|c| c.path == loaded.path || Some(&c.path) == loaded.real_path.as_ref())
                    .and_then(|c| c.version.cloned())
            })?;
        return Some((
            v,
            format!(
                "{} -> {}",
                so.soname,
                loaded.real_path.as_deref().unwrap_or(&loaded.path)
            ),
            format!("{} (via {})", r.source, loaded.via),
        ));
    }
    // Wheel-based frameworks: the nvidia-cudnn wheel in the environment.
    let env = t.environment.as_deref()?;
    let pyenv = ctx
        .snap
        .python_environments
        .iter()
        .find(|p| p.path == env)?;
    let pkg = pyenv
        .packages
        .iter()
        .find(|p| p.name.starts_with("nvidia-cudnn-cu"))?;
    let v = CudnnVersion::from_str(pkg.version.as_deref()?).ok()?;
    Some((v, format!("{} {}", pkg.name, v), pkg.metadata_path.clone()))
}

/// The `grep` pattern of the apt versions of cuDNN `major.minor`: `^9\.1\.` (cuDNN 9 versions
/// carry no CUDA suffix), `^8\.1\..*+cuda11\.` for cuDNN 8 built for a CUDA 11 (any minor:
/// NVIDIA builds `libcudnn8` for a few CUDA minors only, `+cuda12.0` to `+cuda12.2` for CUDA 12,
/// and a build runs on every minor of its major).
fn apt_version_grep(cudnn: CudnnVersion, cuda: Option<CudaVersion>) -> String {
    let head = format!("^{}\\.{}\\.", cudnn.major(), cudnn.minor());
    match cuda {
        Some(c) => format!("{head}.*+cuda{}\\.", c.major()),
        None => head,
    }
}

/// The apt commands (NVIDIA's CUDA repository) that list and install cuDNN `major.minor` for
/// `cuda`. cuDNN 8 is one package (`libcudnn8`) whose versions name the CUDA they were built
/// for (`8.1.1.33-1+cuda11.2`); from cuDNN 9 on the package name carries the CUDA major
/// (`libcudnn9-cuda-12`) and its versions carry no CUDA suffix (`9.0.0.312-1`, as pinned in
/// https://github.com/pytorch/xla/pull/6835), so grepping them for `cuda12.x` finds nothing.
pub(crate) fn apt_commands(cudnn: CudnnVersion, cuda: CudaVersion) -> cudoctor_i18n::Msg {
    let want = format!("{}.{}", cudnn.major(), cudnn.minor());
    if cudnn.major() >= 9 {
        let pkg = format!("libcudnn{}-cuda-{}", cudnn.major(), cuda.major());
        msg!(
            "cudnn-apt-commands",
            pkg = pkg,
            want = want,
            grep = apt_version_grep(cudnn, None)
        )
    } else {
        let pkg = format!("libcudnn{}", cudnn.major());
        msg!(
            "cudnn-apt-commands-grep",
            pkg = pkg,
            want = want,
            cuda_major = cuda.major().to_string(),
            grep = apt_version_grep(cudnn, Some(cuda))
        )
    }
}

/// `cudnn-version-mismatch`: the loaded cuDNN is not accepted (or untested) by the target; or
/// several different cuDNN copies are installed.
pub(crate) fn cudnn_version_mismatch(ctx: &Ctx<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for t in ctx.gpu_targets() {
        let (Some(built), Some(rule)) = (&t.needs.cudnn, t.needs.cudnn_rule) else {
            continue;
        };
        let Some((loaded, what, src)) = loaded_cudnn(ctx, t) else {
            continue;
        };
        let verdict = match rule {
            CudnnRule::TensorFlow => tf_cudnn_runtime_check(built.value, loaded),
            CudnnRule::Range { min, below } => {
                if loaded >= min && loaded < below {
                    CudnnCheck::Accepted
                } else {
                    CudnnCheck::Rejected(format!(
                        "{} accepts cuDNN >= {min}, < {below}; loaded {loaded}",
                        t.display()
                    ))
                }
            }
            CudnnRule::None => continue,
        };
        let (severity, reason) = match verdict {
            CudnnCheck::Accepted | CudnnCheck::Unknown(_) => continue,
            CudnnCheck::Rejected(r) => (Severity::Error, r),
            CudnnCheck::AcceptedUntested(r) => (Severity::Warning, r),
        };
        let l10n_args = |key: &'static str| {
            msg!(
                key,
                target = t.display(),
                loaded = loaded.to_string(),
                built = built.value.to_string(),
                reason = reason.clone()
            )
        };
        let mut f = Finding::titled(
            "cudnn-version-mismatch",
            severity,
            l10n_args(if severity == Severity::Error {
                "cudnn-version-mismatch-title-rejected"
            } else {
                "cudnn-version-mismatch-title-untested"
            }),
        )
        .explain_msg(l10n_args(if severity == Severity::Error {
            "cudnn-version-mismatch-explain-rejected"
        } else {
            "cudnn-version-mismatch-explain-untested"
        }))
        .evidence("cuDNN loaded", format!("{what} ({loaded})"), src)
        .evidence(
            format!("cuDNN {} was built with", t.display()),
            built.value.to_string(),
            built.source.clone(),
        );
        let cuda = t.needs.cuda.as_ref().map(|c| c.value);
        let want = format!("{}.{}", built.value.major(), built.value.minor());
        if let Some(cuda) = cuda {
            f = f.fix_msg(msg!(
                "cudnn-version-mismatch-fix",
                want = want.clone(),
                cuda_major_minor = cuda.major_minor().to_string(),
                apt = apt_commands(built.value, cuda),
                cuda_major = cuda.major().to_string(),
                next_major = (built.value.major().saturating_add(1)).to_string()
            ));
        }
        f = f.fix_msg(msg!("cudnn-version-mismatch-fix-2"));
        if ctx.in_container() || ctx.is_image_like() {
            if let (Some(image), cudoctor_kb::framework::Framework::TensorFlow) = (
                t.version
                    .as_ref()
                    .and_then(|v| crate::target::tf_gpu_image(ctx.kb, v)),
                t.framework,
            ) {
                f = f.fix_msg(msg!("cudnn-version-mismatch-fix-3", image = image.clone()));
            }
        }
        out.push(
            f.source(TF_CUDNN_RULE)
                .sources(crate::finding::kb_urls(&built.source))
                .source(CUDNN_MATRIX),
        );
    }
    out.extend(several_copies(ctx));
    out
}

fn several_copies(ctx: &Ctx<'_>) -> Vec<Finding> {
    let mut versions: Vec<CudnnVersion> = ctx
        .snap
        .cudnn
        .iter()
        .filter_map(|c| c.version.cloned())
        .map(|v| {
            // Compare on major.minor.patch: `8.1.0` (header) and `8.1.0.77` (wheel) are one release.
            let s = v.to_string();
            let three: Vec<&str> = s.split('.').take(3).collect();
            three.join(".").parse().unwrap_or(v)
        })
        .collect();
    versions.sort();
    versions.dedup();
    // Copies of different majors have different sonames and do not compete: only several
    // versions of one major matter.
    let mut majors: Vec<u32> = versions
        .windows(2)
        .filter(|w| w[0].major() == w[1].major())
        .map(|w| w[0].major())
        .collect();
    majors.dedup();
    if majors.is_empty() {
        return Vec::new();
    }
    versions.retain(|v| majors.contains(&v.major()));
    // Which one loads: ask the loader for each major's soname, as each GPU target would load it
    // (PyTorch and JAX preload their own site-packages copy; a plain process does not).
    let mut askers: Vec<(Option<String>, bool, String)> = Vec::new();
    for t in ctx.gpu_targets() {
        let q = crate::loader::question("", t.environment.as_deref(), t.preloads());
        if !askers
            .iter()
            .any(|(e, p, _)| crate::loader::question("", e.as_deref(), *p) == q)
        {
            askers.push((
                t.environment.clone(),
                t.preloads(),
                format!(" for {}", t.display()),
            ));
        }
    }
    if askers.is_empty() {
        askers.push((None, false, String::new()));
    }
    let mut loads = Vec::new();
    for &m in &majors {
        let soname = format!("libcudnn.so.{m}");
        for (env, preload, who) in &askers {
            let r = crate::loader::answer(ctx.snap, &soname, env.as_deref(), *preload);
            let fact = format!("{soname} loads{who}");
            match (&r.loaded, &r.unknown) {
                (Some(l), _) => loads.push((
                    fact,
                    format!(
                        "{}{}",
                        l.real_path.as_deref().unwrap_or(&l.path),
                        file_version(l).map_or_else(String::new, |v| format!(" ({v})"))
                    ),
                    format!("{} (via {})", r.source, l.via),
                )),
                (None, Some(why)) => {
                    loads.push((fact, format!("unknown: {why}"), r.source.clone()));
                }
                (None, None) => {
                    loads.push((fact, "nothing (not found)".to_owned(), r.source.clone()));
                }
            }
        }
    }
    let list: Vec<String> = versions.iter().map(ToString::to_string).collect();
    let mut f = Finding::titled(
        "cudnn-version-mismatch",
        Severity::Warning,
        msg!(
            "cudnn-version-mismatch-title-1",
            list_join = list.join(", ")
        ),
    )
    .explain_msg(msg!("cudnn-version-mismatch-explain-1"));
    for c in &ctx.snap.cudnn {
        if let Some(v) = c.version.cloned().filter(|v| majors.contains(&v.major())) {
            f = f.evidence(
                format!("cuDNN {} ({})", v, c.kind),
                c.path.clone(),
                c.version
                    .source()
                    .map_or_else(|| "cuDNN probe".to_owned(), str::to_owned),
            );
        }
    }
    for (fact, what, src) in loads {
        f = f.evidence(fact, what, src);
    }
    vec![
        f.fix_msg(msg!("cudnn-version-mismatch-fix-4"))
            .fix_msg(msg!("cudnn-version-mismatch-fix-5"))
            .source(CUDNN_MATRIX),
    ]
}

#[cfg(test)]
mod tests;
