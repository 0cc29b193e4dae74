//! The NVIDIA driver: present, loaded, consistent, new enough.

use cudoctor_i18n::msg;
use cudoctor_kb::rules::{DriverCaveat, Verdict};
use cudoctor_kb::version::CudaVersion;

use super::Ctx;
use crate::finding::{Finding, Severity};

const COMPAT_GUIDE: &str =
    "https://docs.nvidia.com/deploy/cuda-compatibility/minor-version-compatibility.html";
const DRIVER_DOWNLOADS: &str = "https://www.nvidia.com/Download/index.aspx";

fn has_libcuda(ctx: &Ctx<'_>) -> bool {
    ctx.snap
        .libraries
        .iter()
        .any(|l| l.family == cudoctor_facts::snapshot::LibraryFamily::Cuda && !l.dangling)
}

/// The driver the targets need at least, for the fix text: (version, "for CUDA 11.2 (TensorFlow 2.9.0)").
fn needed_driver(ctx: &Ctx<'_>) -> Option<(String, cudoctor_i18n::Msg)> {
    ctx.gpu_targets()
        .filter_map(|t| {
            let cuda = t.needs.cuda.as_ref()?.value;
            let req = ctx.kb.driver_requirement(ctx.kb_cuda(cuda))?;
            let v = req.toolkit_min?.clone();
            Some((
                v,
                msg!(
                    "driver-missing-why",
                    cuda = cuda.to_string(),
                    target = t.display()
                ),
            ))
        })
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(v, why)| (v.to_string(), why))
}

/// `driver-missing`: no kernel module, no user-space driver, on a host (not a container or an image).
pub(crate) fn driver_missing(ctx: &Ctx<'_>) -> Vec<Finding> {
    let d = &ctx.snap.driver;
    if ctx.in_container() || ctx.is_image_like() {
        return Vec::new();
    }
    let kernel_absent =
        d.kernel_module_version.is_none() && d.kernel_module_version.unknown_reason().is_none();
    let user_absent =
        d.userspace_version.is_none() && d.userspace_version.unknown_reason().is_none();
    if !(kernel_absent && user_absent) || has_libcuda(ctx) {
        return Vec::new();
    }
    if ctx.snap.probe_error("driver").is_some() {
        return Vec::new();
    }
    let mut f = Finding::titled(
        "driver-missing",
        Severity::Error,
        msg!("driver-missing-title"),
    )
    .explain_msg(msg!("driver-missing-explain", ctx_subject = ctx.subject()))
    .evidence(
        "kernel module version",
        "absent",
        "/proc/driver/nvidia/version, /sys/module/nvidia/version",
    )
    .evidence(
        "user-space driver (libcuda.so)",
        "absent",
        "library search (ld.so.cache, default directories, LD_LIBRARY_PATH)",
    );
    if let Some(live) = &ctx.snap.live {
        if let Some(why) = live.libcuda_unknown.as_deref() {
            f = f.evidence("dlopen libcuda.so.1", why, "live probe");
        }
    }
    match needed_driver(ctx) {
        Some((v, why_msg)) => {
            f = f.fix_msg(msg!(
                "driver-missing-fix",
                v = v.clone(),
                why = why_msg,
                branch = (v.split('.').next().unwrap_or(&v)).to_string()
            ));
        }
        None => {
            f = f.fix_msg(msg!("driver-missing-fix-2"));
        }
    }
    vec![
        f.fix_msg(msg!("driver-missing-fix-3"))
            .source(DRIVER_DOWNLOADS)
            .source(COMPAT_GUIDE),
    ]
}

/// `kernel-module-not-loaded`: the user-space driver is installed, the kernel module is not loaded.
pub(crate) fn kernel_module_not_loaded(ctx: &Ctx<'_>) -> Vec<Finding> {
    let d = &ctx.snap.driver;
    if ctx.in_container() || ctx.is_image_like() || ctx.is_wsl() {
        return Vec::new();
    }
    if d.kernel_module_version.is_some() || d.kernel_module_version.unknown_reason().is_some() {
        return Vec::new();
    }
    let user = d.userspace_version.clone();
    if user.is_none() && !has_libcuda(ctx) {
        return Vec::new();
    }
    let (user_text, user_src) = match user.as_ref() {
        Some(v) => (
            v.to_string(),
            d.userspace_version
                .source()
                .map_or_else(|| "user-space driver".to_owned(), str::to_owned),
        ),
        None => (
            "present (version unknown)".to_owned(),
            "libcuda.so found by the library search".to_owned(),
        ),
    };
    let branch = user
        .as_ref()
        .map_or_else(|| "<branch>".to_owned(), |v| v.major().to_string());
    let mut f = Finding::titled(
        "kernel-module-not-loaded",
        Severity::Error,
        msg!("kernel-module-not-loaded-title"),
    )
    .explain_msg(msg!("kernel-module-not-loaded-explain"))
    .evidence("user-space driver version", user_text, user_src)
    .evidence(
        "kernel module version",
        "absent",
        "/proc/driver/nvidia/version, /sys/module/nvidia/version",
    );
    if let Some(live) = &ctx.snap.live {
        if let (Some(code), Some(name)) = (live.cu_init, &live.cu_init_name) {
            f = f.evidence("cuInit(0)", format!("{code} {name}"), "live probe");
        }
    }
    vec![
        f.fix_msg(msg!("kernel-module-not-loaded-fix"))
            .fix_msg(msg!(
                "kernel-module-not-loaded-fix-2",
                branch = branch.clone()
            ))
            .fix_msg(msg!("kernel-module-not-loaded-fix-3"))
            .source(DRIVER_DOWNLOADS),
    ]
}

/// `driver-library-mismatch`: kernel module and user-space driver versions differ.
pub(crate) fn driver_library_mismatch(ctx: &Ctx<'_>) -> Vec<Finding> {
    let d = &ctx.snap.driver;
    let Some(kernel) = d.kernel_module_version.as_ref() else {
        return Vec::new();
    };
    let mut others = Vec::new();
    if let Some(u) = d.userspace_version.as_ref() {
        others.push((
            "user-space driver version (libcuda)",
            u.to_string(),
            d.userspace_version
                .source()
                .map_or_else(|| "user-space driver".to_owned(), str::to_owned),
            u != kernel,
        ));
    }
    if let Some(nvml) = ctx
        .snap
        .live
        .as_ref()
        .and_then(|l| l.nvml.driver_version.clone())
    {
        let differs = nvml
            .parse::<cudoctor_kb::version::DriverVersion>()
            .is_ok_and(|v| &v != kernel);
        others.push((
            "NVML driver version",
            nvml,
            "nvmlSystemGetDriverVersion (live)".to_owned(),
            differs,
        ));
    }
    if !others.iter().any(|o| o.3) {
        return Vec::new();
    }
    let mut f = Finding::titled(
        "driver-library-mismatch",
        Severity::Error,
        msg!("driver-library-mismatch-title"),
    )
    .evidence(
        "kernel module version",
        kernel.to_string(),
        d.kernel_module_version
            .source()
            .map_or_else(|| "kernel module".to_owned(), str::to_owned),
    );
    for (fact, value, src, _) in &others {
        f = f.evidence(*fact, value.clone(), src.clone());
    }
    if ctx.in_container() {
        f = f
            .explain_msg(msg!("driver-library-mismatch-explain"))
            .fix_msg(msg!("driver-library-mismatch-fix"));
    } else {
        f = f
            .explain_msg(msg!("driver-library-mismatch-explain-2"))
            .fix_msg(msg!("driver-library-mismatch-fix-2"))
            .fix_msg(msg!("driver-library-mismatch-fix-3"));
    }
    vec![f.source(DRIVER_DOWNLOADS)]
}

fn caveat_text(c: &DriverCaveat) -> String {
    c.to_string()
}

/// `driver-too-old`: the driver is below what a target's CUDA needs.
pub(crate) fn driver_too_old(ctx: &Ctx<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for t in ctx.gpu_targets() {
        let Some(cuda) = &t.needs.cuda else { continue };
        let Some((driver, driver_src)) = ctx.driver() else {
            // Only the CUDA version the driver supports may be known.
            if let Some(f) = driver_cuda_too_old(ctx, t, cuda.value, &cuda.source) {
                out.push(f);
            }
            continue;
        };
        // JAX documents its own minimum.
        if let Some(doc) = &t.needs.driver_min_documented {
            if driver < doc.value {
                out.push(
                    Finding::titled(
                        "driver-too-old",
                        Severity::Error,
                        msg!(
                            "driver-too-old-title",
                            driver = driver.to_string(),
                            target = t.display(),
                            doc_value = doc.value.to_string()
                        ),
                    )
                    .explain_msg(explain_too_old(&t.display(), cuda.value))
                    .evidence("driver version", driver.to_string(), driver_src.clone())
                    .evidence(
                        format!("CUDA {} built with", t.display()),
                        cuda.value.to_string(),
                        cuda.source.clone(),
                    )
                    .evidence(
                        "documented minimum driver",
                        doc.value.to_string(),
                        doc.source.clone(),
                    )
                    .fix_msg(upgrade_fix(&doc.value.to_string(), None))
                    .fix_msg(msg!(
                        "driver-too-old-fix-1",
                        driver = driver.to_string(),
                        framework = t.framework.name().to_string()
                    ))
                    .sources(crate::finding::kb_urls(&doc.source))
                    .source(COMPAT_GUIDE),
                );
            }
            continue;
        }
        let Some(req) = ctx.kb.driver_requirement(ctx.kb_cuda(cuda.value)) else {
            continue;
        };
        let toolkit = req.toolkit_min.map(ToString::to_string);
        let compat = req.compat_min().map(ToString::to_string);
        // Titled by `key`, a message of the driver, the target and its CUDA.
        let base = |severity: Severity, key: &'static str| {
            let title = msg!(
                key,
                driver = driver.to_string(),
                target = t.display(),
                cuda = cuda.value.to_string()
            );
            let mut f = Finding::titled("driver-too-old", severity, title)
                .evidence("driver version", driver.to_string(), driver_src.clone())
                .evidence(
                    format!("CUDA {} was built with", t.display()),
                    cuda.value.to_string(),
                    cuda.source.clone(),
                );
            if let Some(tk) = &toolkit {
                f = f.evidence(
                    format!("CUDA {} toolkit driver", req.cuda.version),
                    format!(">= {tk}"),
                    crate::target::kb_source(&req.cuda.source),
                );
            }
            match (&compat, req.family) {
                (Some(c), Some(fam)) => {
                    f = f.evidence(
                        format!("CUDA {}.x minor-version-compatibility minimum", fam.major),
                        format!(">= {c}"),
                        crate::target::kb_source(&fam.source),
                    );
                }
                _ => {
                    f = f.evidence(
                        "minor-version compatibility",
                        format!(
                            "none before CUDA 11 (CUDA {} needs its toolkit driver)",
                            cuda.value
                        ),
                        format!("knowledge base: {COMPAT_GUIDE}"),
                    );
                }
            }
            f.sources(req.sources()).source(COMPAT_GUIDE)
        };
        match ctx
            .kb
            .check_driver_for_cuda(ctx.kb_cuda(cuda.value), &driver)
        {
            Verdict::Compatible | Verdict::Unknown(_) => {}
            Verdict::Incompatible(reason) => {
                let need = compat
                    .clone()
                    .or_else(|| toolkit.clone())
                    .unwrap_or_default();
                out.push(
                    base(Severity::Error, "driver-too-old-title-incompatible")
                        .explain_msg(msg!(
                            "driver-too-old-explain-1",
                            too_old = explain_too_old(&t.display(), cuda.value),
                            reason = reason.clone()
                        ))
                        .fix_msg(upgrade_fix(
                            toolkit.as_deref().unwrap_or(&need),
                            compat.as_deref().filter(|c| Some(*c) != toolkit.as_deref()),
                        ))
                        .fix_msg(msg!(
                            "driver-too-old-fix-2",
                            driver = driver.to_string(),
                            framework = t.framework.name().to_string()
                        )),
                );
            }
            Verdict::CompatibleWithCaveats(caveats) => {
                let named: Vec<String> = caveats.iter().map(caveat_text).collect();
                let mut f =
                    base(Severity::Warning, "driver-too-old-title-caveats").explain_msg(msg!(
                        "driver-too-old-explain-2",
                        target = t.display(),
                        cuda_value = cuda.value.to_string(),
                        toolkit = match toolkit.as_deref() {
                            Some(v) => cudoctor_i18n::Arg::from(v),
                            // The word in the reader's language.
                            None => msg!("plan-unknown").into(),
                        },
                        cuda_value_major = cuda.value.major().to_string(),
                        named_join = named.join("; ")
                    ));
                for c in &named {
                    f = f.evidence(
                        "minor-version-compatibility caveat",
                        c.clone(),
                        format!("knowledge base: {COMPAT_GUIDE}"),
                    );
                }
                if let Some(tk) = &toolkit {
                    f = f.fix_msg(upgrade_fix(tk, None));
                }
                out.push(f);
            }
        }
    }
    out
}

fn driver_cuda_too_old(
    ctx: &Ctx<'_>,
    t: &crate::target::Target,
    cuda: CudaVersion,
    cuda_src: &str,
) -> Option<Finding> {
    let (supported, src) = match (ctx.snap.driver.cuda_version.as_ref(), &ctx.snap.live) {
        (Some(c), _) => (
            *c,
            ctx.snap
                .driver
                .cuda_version
                .source()
                .map_or_else(|| "driver".to_owned(), str::to_owned),
        ),
        (None, Some(live)) => (
            CudaVersion::from_driver_api(live.cu_driver_get_version.cloned()?)?,
            "cuDriverGetVersion (live)".to_owned(),
        ),
        _ => return None,
    };
    if supported.major() >= cuda.major() {
        // Same major: minor-version compatibility may apply; without the driver version the
        // minimum cannot be checked.
        return None;
    }
    let req = ctx.kb.driver_requirement(ctx.kb_cuda(cuda))?;
    let need = req.lowest()?.to_string();
    Some(
        Finding::titled(
            "driver-too-old",
            Severity::Error,
            msg!(
                "driver-too-old-title-2",
                supported = supported.to_string(),
                target = t.display(),
                cuda = cuda.to_string()
            ),
        )
        .explain_msg(explain_too_old(&t.display(), cuda))
        .evidence(
            "CUDA version the driver supports",
            supported.to_string(),
            src,
        )
        .evidence(
            format!("CUDA {} was built with", t.display()),
            cuda.to_string(),
            cuda_src.to_owned(),
        )
        .evidence(
            format!("lowest driver for CUDA {cuda}"),
            format!(">= {need}"),
            crate::target::kb_source(&req.sources().join(" | ")),
        )
        .fix_msg(upgrade_fix(
            &req.toolkit_min
                .map_or_else(|| need.clone(), ToString::to_string),
            None,
        ))
        .sources(req.sources())
        .source(COMPAT_GUIDE),
    )
}

fn explain_too_old(target: &str, cuda: CudaVersion) -> cudoctor_i18n::Msg {
    msg!(
        "driver-too-old-explain",
        target = target,
        cuda = cuda.to_string()
    )
}

fn upgrade_fix(min: &str, compat: Option<&str>) -> cudoctor_i18n::Msg {
    let branch = min.split('.').next().unwrap_or(min);
    match compat {
        Some(c) => msg!(
            "driver-upgrade-fix-compat",
            min = min,
            compat = c,
            branch = branch
        ),
        None => msg!("driver-upgrade-fix", min = min, branch = branch),
    }
}

#[cfg(test)]
mod tests;
