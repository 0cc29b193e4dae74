//! The process environment: toolkit pointers that disagree, `CUDA_VISIBLE_DEVICES`.

use cudoctor_facts::snapshot::CudaToolkit;
use cudoctor_i18n::msg;

use super::Ctx;
use crate::finding::{Finding, Severity};

const CUDA_ENV_VARS: &str =
    "https://docs.nvidia.com/cuda/cuda-c-programming-guide/index.html#cuda-environment-variables";
const CUDA_INSTALL_GUIDE: &str =
    "https://docs.nvidia.com/cuda/cuda-installation-guide-linux/index.html";

fn norm(p: &str) -> &str {
    let t = p.trim_end_matches('/');
    if t.is_empty() { "/" } else { t }
}

fn under(path: &str, dir: &str) -> bool {
    let (path, dir) = (norm(path), norm(dir));
    path == dir || path.starts_with(&format!("{dir}/"))
}

fn canonical(t: &CudaToolkit) -> &str {
    norm(t.real_root.as_deref().unwrap_or(&t.root))
}

/// The toolkit a path lies in (the longest matching root).
fn toolkit_of<'a>(toolkits: &'a [CudaToolkit], path: &str) -> Option<&'a CudaToolkit> {
    toolkits
        .iter()
        .filter(|t| under(path, &t.root) || t.real_root.as_deref().is_some_and(|r| under(path, r)))
        .max_by_key(|t| t.root.len())
}

fn describe(t: &CudaToolkit) -> String {
    let v = t
        .version
        .as_ref()
        .map_or_else(|| "version unknown".to_owned(), |v| format!("CUDA {v}"));
    format!("{} ({v})", canonical(t))
}

/// `cuda-toolkit-conflict`: `CUDA_HOME`/`CUDA_PATH`, `nvcc` on `PATH`, `/usr/local/cuda` and
/// `LD_LIBRARY_PATH` point at different toolkits.
pub(crate) fn cuda_toolkit_conflict(ctx: &Ctx<'_>) -> Vec<Finding> {
    let toolkits = &ctx.snap.cuda_toolkits;
    if toolkits.len() < 2 {
        return Vec::new();
    }
    // (what points, its value, the toolkit it selects, source)
    let mut pointers: Vec<(String, String, &CudaToolkit, String)> = Vec::new();
    for var in ["CUDA_HOME", "CUDA_PATH"] {
        if let Some(v) = ctx.env(var) {
            if let Some(t) = toolkit_of(toolkits, v) {
                pointers.push((var.to_owned(), v.to_owned(), t, ctx.env_source(var)));
            }
        }
    }
    if let Some(path) = ctx.env("PATH") {
        let first = path.split(':').filter(|d| !d.is_empty()).find_map(|d| {
            toolkits
                .iter()
                .find(|t| {
                    t.nvcc
                        .as_deref()
                        .is_some_and(|n| norm(n) == format!("{}/nvcc", norm(d)))
                        || norm(d) == format!("{}/bin", norm(&t.root))
                })
                .map(|t| (d, t))
        });
        if let Some((d, t)) = first {
            pointers.push((
                "nvcc on PATH".to_owned(),
                format!("{}/nvcc", norm(d)),
                t,
                ctx.env_source("PATH"),
            ));
        }
    }
    if let Some(t) = toolkits.iter().find(|t| norm(&t.root) == "/usr/local/cuda") {
        if let Some(real) = &t.real_root {
            if let Some(target) = toolkits
                .iter()
                .find(|o| canonical(o) == norm(real))
                .or(Some(t))
            {
                pointers.push((
                    "/usr/local/cuda link".to_owned(),
                    format!("/usr/local/cuda -> {real}"),
                    target,
                    "symlink /usr/local/cuda".to_owned(),
                ));
            }
        }
    }
    if let Some(ld) = ctx.env("LD_LIBRARY_PATH") {
        if let Some((d, t)) = ld
            .split(':')
            .filter(|d| !d.is_empty())
            .find_map(|d| toolkit_of(toolkits, d).map(|t| (d, t)))
        {
            pointers.push((
                "LD_LIBRARY_PATH".to_owned(),
                d.to_owned(),
                t,
                ctx.env_source("LD_LIBRARY_PATH"),
            ));
        }
    }
    let mut distinct: Vec<&str> = pointers.iter().map(|p| canonical(p.2)).collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 2 {
        return Vec::new();
    }
    // The toolkit to settle on: the one matching a target's CUDA, else the one the loader uses.
    let wanted = ctx
        .gpu_targets()
        .find_map(|t| t.needs.cuda.as_ref())
        .and_then(|c| {
            toolkits.iter().find(|t| {
                t.version.as_ref().is_some_and(|v| v.same_minor(c.value))
                    && norm(&t.root) != "/usr/local/cuda"
            })
        })
        .or_else(|| {
            pointers
                .iter()
                .find(|p| p.0 == "LD_LIBRARY_PATH")
                .map(|p| p.2)
        });
    let mut f = Finding::titled(
        "cuda-toolkit-conflict",
        Severity::Warning,
        msg!("cuda-toolkit-conflict-title", distinct_len = distinct.len()),
    )
    .explain_msg(msg!("cuda-toolkit-conflict-explain"));
    for (what, value, t, src) in &pointers {
        f = f.evidence(
            what.clone(),
            format!("{value} -> {}", describe(t)),
            src.clone(),
        );
    }
    match wanted {
        Some(t) => {
            let root = canonical(t);
            let lib = format!("{root}/lib64");
            f = f.fix_msg(msg!(
                "cuda-toolkit-conflict-fix",
                describe_t = describe(t),
                root = root.to_string(),
                lib = lib.clone()
            ));
            f = f.fix_msg(msg!("cuda-toolkit-conflict-fix-2", root = root.to_string()));
        }
        None => {
            f = f.fix_msg(msg!("cuda-toolkit-conflict-fix-3"));
        }
    }
    vec![f.source(CUDA_INSTALL_GUIDE)]
}

/// `cuda-visible-devices-hides-all`: `CUDA_VISIBLE_DEVICES` leaves no GPU visible.
pub(crate) fn cuda_visible_devices_hides_all(ctx: &Ctx<'_>) -> Vec<Finding> {
    let Some(value) = ctx.env("CUDA_VISIBLE_DEVICES") else {
        return Vec::new();
    };
    let s = ctx.snap;
    let count = {
        let live = s
            .live
            .as_ref()
            .and_then(|l| l.device_count)
            .and_then(|n| usize::try_from(n).ok());
        let listed = s.gpus.len().max(s.device_nodes.gpus.len());
        match live {
            Some(n) => Some(n.max(listed)),
            None if listed > 0 => Some(listed),
            None => None,
        }
    };
    let uuids: Vec<String> = s
        .gpus
        .iter()
        .filter_map(|g| g.uuid.clone())
        .chain(
            s.live
                .iter()
                .flat_map(|l| l.nvml.devices.iter().filter_map(|d| d.uuid.clone())),
        )
        .collect();
    let trimmed = value.trim();
    // CUDA reads the list up to the first invalid entry; only the first entry decides whether
    // any device stays visible.
    let first = trimmed.split(',').next().unwrap_or("").trim();
    let why: Option<cudoctor_i18n::Msg> = if trimmed.is_empty() {
        Some(msg!("cuda-visible-devices-hides-all-why-empty"))
    } else if let Ok(n) = first.parse::<i64>() {
        if n < 0 {
            Some(msg!(
                "cuda-visible-devices-hides-all-why-negative",
                first = first
            ))
        } else {
            match count {
                Some(c) if usize::try_from(n).is_ok_and(|n| n >= c) => {
                    let indexes = (0..c).map(|i| i.to_string()).collect::<Vec<_>>().join(", ");
                    Some(msg!(
                        "cuda-visible-devices-hides-all-why-index",
                        first = first,
                        count = c,
                        indexes = indexes
                    ))
                }
                _ => None,
            }
        }
    } else if first.starts_with("MIG-") {
        None // MIG instance UUIDs are not recorded: cannot judge
    } else if first.starts_with("GPU-") {
        if !uuids.is_empty() && !uuids.iter().any(|u| u.starts_with(first)) {
            Some(msg!(
                "cuda-visible-devices-hides-all-why-uuid",
                first = first
            ))
        } else {
            None
        }
    } else {
        Some(msg!(
            "cuda-visible-devices-hides-all-why-invalid",
            first = first
        ))
    };
    let Some(why_msg) = why else {
        return Vec::new();
    };
    let mut f = Finding::titled(
        "cuda-visible-devices-hides-all",
        Severity::Error,
        msg!("cuda-visible-devices-hides-all-title"),
    )
    .explain_msg(msg!(
        "cuda-visible-devices-hides-all-explain",
        why = why_msg
    ))
    .evidence(
        "CUDA_VISIBLE_DEVICES",
        format!("\"{value}\""),
        ctx.env_source("CUDA_VISIBLE_DEVICES"),
    );
    if let Some(c) = count {
        f = f.evidence(
            "GPUs on this machine",
            c.to_string(),
            "GPU facts (/proc/driver/nvidia/gpus, /dev/nvidia*, live)",
        );
    }
    vec![
        f.fix_msg(msg!("cuda-visible-devices-hides-all-fix"))
            .fix_msg(msg!("cuda-visible-devices-hides-all-fix-2"))
            .source(CUDA_ENV_VARS),
    ]
}

/// `ld-library-path-current-directory` (warning): `LD_LIBRARY_PATH` has an empty entry (a
/// leading, trailing or doubled `:`, as many CUDA guides write it) or a relative one. glibc
/// searches the current directory for such an entry, so every framework started from a
/// directory holding a `libcuda.so.1`, `libcudnn.so.9`, ... loads that file instead, and runs its
/// code. The probe itself refuses to load the driver while this holds.
pub(crate) fn ld_library_path_current_directory(ctx: &Ctx<'_>) -> Vec<Finding> {
    let entries = &ctx.snap.environment.ld_library_path_current_directory;
    if entries.is_empty() {
        return Vec::new();
    }
    let value = ctx.env("LD_LIBRARY_PATH").unwrap_or("");
    let cleaned: Vec<&str> = value.split(':').filter(|d| d.starts_with('/')).collect();
    let mut f = Finding::titled(
        "ld-library-path-current-directory",
        Severity::Warning,
        msg!("ld-library-path-current-directory-title"),
    )
    .explain_msg(msg!("ld-library-path-current-directory-explain"));
    for e in entries {
        f = f.evidence(
            "LD_LIBRARY_PATH entry",
            e.clone(),
            ctx.env_source("LD_LIBRARY_PATH"),
        );
    }
    vec![
        f.fix_msg(if cleaned.is_empty() {
            msg!("ld-library-path-current-directory-fix-unset")
        } else {
            msg!(
                "ld-library-path-current-directory-fix-drop",
                cleaned = cleaned.join(":")
            )
        })
        .fix_msg(msg!("ld-library-path-current-directory-fix-1"))
        .source("https://man7.org/linux/man-pages/man8/ld.so.8.html"),
    ]
}

#[cfg(test)]
mod tests;
