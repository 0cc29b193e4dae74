//! Containers: a container without GPU, a Docker host without the NVIDIA runtime, an image
//! whose CUDA is newer than the host driver.

use cudoctor_facts::snapshot::RootKind;
use cudoctor_i18n::msg;
use std::str::FromStr;

use cudoctor_kb::rules::Verdict;
use cudoctor_kb::version::{CudaVersion, DriverVersion};

use super::Ctx;
use crate::finding::{Finding, Severity};
use crate::require;

const TOOLKIT_INSTALL: &str =
    "https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/install-guide.html";
const TOOLKIT_ENV: &str = "https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/docker-specialized.html";
const NVIDIA_CTK_DOCKER: &str = "https://github.com/NVIDIA/nvidia-container-toolkit/blob/main/pkg/config/engine/docker/docker.go";
const COMPAT_GUIDE: &str =
    "https://docs.nvidia.com/deploy/cuda-compatibility/minor-version-compatibility.html";
const FORWARD_COMPAT: &str =
    "https://docs.nvidia.com/deploy/cuda-compatibility/forward-compatibility.html";

/// The `daemon.json` that `nvidia-ctk runtime configure --runtime=docker --set-as-default`
/// writes (4-space indent, keys sorted), also S10 of the source article (which spells the
/// argument list `runtimeArgs`).
pub(crate) const DAEMON_JSON_FRAGMENT: &str = r#"{
    "default-runtime": "nvidia",
    "runtimes": {
        "nvidia": {
            "args": [],
            "path": "nvidia-container-runtime"
        }
    }
}"#;

/// `container-no-gpu`: inside a container that has no `/dev/nvidia*` GPU device.
pub(crate) fn container_no_gpu(ctx: &Ctx<'_>) -> Vec<Finding> {
    if !ctx.in_container() {
        return Vec::new();
    }
    let nodes = &ctx.snap.device_nodes;
    let outside = ctx.snap.root.kind != RootKind::Host;
    if nodes.unknown.is_some() || !nodes.gpus.is_empty() {
        return Vec::new();
    }
    if ctx
        .snap
        .live
        .as_ref()
        .is_some_and(|l| l.device_count.is_some_and(|n| n > 0))
    {
        return Vec::new();
    }
    let nvd = ctx.env("NVIDIA_VISIBLE_DEVICES");
    // Seen from outside, the root's `/dev` is the container's own only while it runs (`--root
    // /proc/PID/root`); an exported filesystem has none at all. So a warning, that says so.
    let (severity, title_key) = if outside {
        (Severity::Warning, "container-no-gpu-title-outside")
    } else {
        (Severity::Error, "container-no-gpu-title")
    };
    let mut f = Finding::titled(
        "container-no-gpu",
        severity,
        cudoctor_i18n::Msg::new(title_key).arg("subject", ctx.subject()),
    )
    .explain_msg(msg!("container-no-gpu-explain"))
    .evidence(
        "inside a container",
        ctx.snap.container.markers.join(", "),
        "container markers",
    )
    .evidence("/dev/nvidia0, /dev/nvidia1, ...", "absent", "/dev")
    .evidence(
        "NVIDIA_VISIBLE_DEVICES",
        nvd.map_or_else(|| "unset".to_owned(), |v| format!("\"{v}\"")),
        ctx.env_source("NVIDIA_VISIBLE_DEVICES"),
    );
    f = ctx.root_judged(
        f,
        "a container's filesystem, seen from outside: its `/dev` shows the container's devices only while it runs (`--root /proc/PID/root`)",
    );
    if let Some(v) = nvd.filter(|v| matches!(v.trim(), "void" | "none" | "")) {
        f = f.fix_msg(msg!("container-no-gpu-fix", v = v.to_string()));
    }
    vec![
        f.fix_msg(msg!("container-no-gpu-fix-2"))
            .fix_msg(msg!("container-no-gpu-fix-3"))
            .fix_msg(msg!("container-no-gpu-fix-4"))
            .source(TOOLKIT_INSTALL)
            .source(TOOLKIT_ENV),
    ]
}

fn has_tool(ctx: &Ctx<'_>, name: &str) -> bool {
    ctx.snap
        .container
        .nvidia_container_tools
        .iter()
        .any(|t| t.rsplit('/').next() == Some(name))
}

/// `docker-nvidia-runtime-missing`: a Docker host whose daemon does not know the NVIDIA runtime,
/// or has no NVIDIA Container Toolkit at all while it has GPUs.
pub(crate) fn docker_nvidia_runtime_missing(ctx: &Ctx<'_>) -> Vec<Finding> {
    // A Docker host's files: this host, or a root that is one (a mounted disk, a VM image);
    // a container's filesystem is not a Docker host.
    if ctx.in_container() {
        return Vec::new();
    }
    let c = &ctx.snap.container;
    let daemon = c.docker_daemon.as_ref();
    if daemon.is_some_and(|d| d.unknown.is_some()) {
        return Vec::new();
    }
    let registered = daemon.is_some_and(|d| d.runtimes.iter().any(|r| r == "nvidia"));
    let tools = !c.nvidia_container_tools.is_empty();
    let daemon_ev = |f: Finding| match daemon {
        Some(d) => f
            .evidence(
                "daemon.json runtimes",
                if d.runtimes.is_empty() {
                    "none".to_owned()
                } else {
                    d.runtimes.join(", ")
                },
                d.path.clone(),
            )
            .evidence(
                "daemon.json default-runtime",
                d.default_runtime
                    .clone()
                    .unwrap_or_else(|| "unset (runc)".to_owned()),
                d.path.clone(),
            ),
        None => f.evidence("/etc/docker/daemon.json", "absent", "/etc/docker"),
    };
    if tools
        && !registered
        && (has_tool(ctx, "nvidia-container-runtime") || has_tool(ctx, "nvidia-ctk"))
    {
        let f = Finding::titled(
            "docker-nvidia-runtime-missing",
            Severity::Warning,
            msg!("docker-nvidia-runtime-missing-title"),
        )
        .explain_msg(msg!("docker-nvidia-runtime-missing-explain"))
        .evidence(
            "NVIDIA container tools",
            c.nvidia_container_tools.join(", "),
            "executables found",
        );
        let f = ctx.root_judged(daemon_ev(f), "the Docker host whose files these are");
        return vec![
            f.fix_msg(msg!("docker-nvidia-runtime-missing-fix"))
                .fix_msg(msg!("docker-nvidia-runtime-missing-fix-2"))
                .fix_msg(msg!(
                    "docker-nvidia-runtime-missing-fix-3",
                    daemon_json_fragment = DAEMON_JSON_FRAGMENT.to_string()
                ))
                .fix_msg(msg!("docker-nvidia-runtime-missing-fix-4"))
                .source(NVIDIA_CTK_DOCKER)
                .source(TOOLKIT_INSTALL),
        ];
    }
    if daemon.is_some() && !tools && ctx.gpus_present() == Some(true) {
        let f = Finding::titled(
            "docker-nvidia-runtime-missing",
            Severity::Warning,
            msg!("docker-nvidia-runtime-missing-title-2"),
        )
        .explain_msg(msg!("docker-nvidia-runtime-missing-explain-2"))
        .evidence(
            "NVIDIA container tools (nvidia-ctk, nvidia-container-runtime)",
            "absent",
            "executables searched",
        );
        let f = ctx.root_judged(daemon_ev(f), "the Docker host whose files these are");
        return vec![
            f.fix_msg(msg!("docker-nvidia-runtime-missing-fix-5"))
                .fix_msg(msg!("docker-nvidia-runtime-missing-fix-6"))
                .fix_msg(msg!(
                    "docker-nvidia-runtime-missing-fix-7",
                    daemon_json_fragment = DAEMON_JSON_FRAGMENT.to_string()
                ))
                .source(TOOLKIT_INSTALL)
                .source(NVIDIA_CTK_DOCKER),
        ];
    }
    Vec::new()
}

/// The CUDA an image is built for: `cuda>=X.Y` in `NVIDIA_REQUIRE_CUDA`, else `CUDA_VERSION`.
fn image_cuda(env: &[(String, String)]) -> Option<CudaVersion> {
    let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    if let Some(req) = get("NVIDIA_REQUIRE_CUDA") {
        let first = req
            .split_whitespace()
            .flat_map(|alt| alt.split(','))
            .find_map(|cond| cond.strip_prefix("cuda>="))
            .and_then(|v| CudaVersion::from_str(v).ok());
        if first.is_some() {
            return first;
        }
    }
    CudaVersion::from_str(get("CUDA_VERSION")?).ok()
}

/// The image's environment as `(name, value)`: the image config's `Env` for an image, else the
/// variables the probe recorded (inside a container, or `--env` for a directory).
fn image_env(ctx: &Ctx<'_>) -> Vec<(String, String)> {
    if let Some(image) = &ctx.snap.image {
        return image
            .env
            .iter()
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
    }
    let mut env: Vec<(String, String)> = ctx
        .snap
        .environment
        .variables
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let c = &ctx.snap.container;
    for (k, v) in [
        ("NVIDIA_REQUIRE_CUDA", &c.nvidia_require_cuda),
        ("CUDA_VERSION", &c.cuda_version_env),
    ] {
        if let Some(v) = v {
            if !env.iter().any(|(n, _)| n == k) {
                env.push((k.to_owned(), v.clone()));
            }
        }
    }
    env
}

/// Where an image variable was read, for evidence.
fn image_env_source(ctx: &Ctx<'_>, var: &str) -> String {
    match &ctx.snap.image {
        Some(image) => format!("{var} in the config of `{}`", image.reference),
        None => ctx.env_source(var),
    }
}

/// The host as the container toolkit sees it: the CUDA version its driver reports, the driver
/// version, the first GPU's compute capability. The CUDA version comes from the driver when the
/// probe asked it, else from the knowledge base (the newest release whose toolkit driver it
/// meets: a lower bound), and then `true` says a failed `cuda` factor may be the table's age.
fn host_properties(ctx: &Ctx<'_>, driver: &DriverVersion) -> (require::HostProperties, bool) {
    let mut lower_bound = false;
    let cuda = if let Some(v) = ctx.snap.driver.cuda_version.as_ref() {
        Some(v.major_minor().to_string())
    } else {
        let at_least = ctx.kb.driver_cuda_at_least(driver);
        let newest = ctx
            .kb
            .cuda_releases()
            .iter()
            .map(|r| r.version)
            .max_by(|a, b| a.cmp_numeric(*b));
        lower_bound = at_least.is_some() && at_least == newest;
        at_least.map(|v| v.major_minor().to_string())
    };
    let arch = ctx
        .snap
        .gpus
        .iter()
        .find_map(|g| g.compute_capability.as_ref().map(ToString::to_string));
    (
        require::HostProperties {
            cuda,
            driver: Some(driver.to_string()),
            arch,
            brand: None,
        },
        lower_bound,
    )
}

/// What the container toolkit decides for the image's requirements on this host.
enum Decision {
    /// Every requirement holds through a `cuda` term (or there is none).
    Starts,
    /// Every requirement holds, one only through a driver-branch group (forward compatibility).
    Forward(Vec<String>),
    /// Some requirement depends on a property the facts lack (the GPU brand).
    Depends(Vec<&'static str>, String),
    /// Some requirement fails: the toolkit refuses to start the container.
    Refused(require::Requirement, Vec<(String, String)>),
}

fn decide(reqs: &[require::Requirement], host: &require::HostProperties) -> Decision {
    let mut forward = None;
    let mut depends = None;
    for r in reqs {
        match require::evaluate(r, host) {
            require::Outcome::Unsatisfied { failed } => {
                return Decision::Refused(r.clone(), failed);
            }
            require::Outcome::Unknown { needs } => depends = Some((needs, r.var.clone())),
            require::Outcome::Satisfied { term } => {
                // A `brand=...,driver>=N,driver<M` group is a forward-compatibility branch; a
                // bare `driver>=450` is the minor-version-compatibility floor, judged below by
                // the knowledge base like a `cuda` term.
                if term.iter().any(|f| f.starts_with("brand"))
                    && !term.iter().any(|f| f.starts_with("cuda"))
                {
                    forward = Some(term);
                }
            }
        }
    }
    if let Some((needs, var)) = depends {
        return Decision::Depends(needs, var);
    }
    forward.map_or(Decision::Starts, Decision::Forward)
}

/// `image-cuda-newer-than-driver`: the image's CUDA needs a newer driver than the host has, as
/// the NVIDIA Container Toolkit decides it from `NVIDIA_REQUIRE_*` (see [`require`]), and as
/// the knowledge base's driver table decides it for the CUDA libraries inside.
pub(crate) fn image_cuda_newer_than_driver(ctx: &Ctx<'_>) -> Vec<Finding> {
    let env = image_env(ctx);
    let Some(cuda) = image_cuda(&env) else {
        return Vec::new();
    };
    let Some((driver, driver_src)) = ctx.driver() else {
        return Vec::new();
    };
    let reqs = match require::from_env(env.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
        Ok(r) => r,
        Err(e) => {
            return vec![
                Finding::titled(
                    "image-cuda-newer-than-driver",
                    Severity::Error,
                    msg!("image-cuda-newer-than-driver-title"),
                )
                .explain_msg(msg!(
                    "image-cuda-newer-than-driver-explain",
                    e = e.to_string()
                ))
                .evidence(
                    e.var.clone(),
                    e.factor.clone(),
                    image_env_source(ctx, &e.var),
                )
                .fix_msg(msg!("image-cuda-newer-than-driver-fix"))
                .source(require::TOOLKIT_REQUIREMENTS_SOURCE),
            ];
        }
    };
    let (host, lower_bound) = host_properties(ctx, &driver);
    let decision = decide(&reqs, &host);
    let verdict = ctx.kb.check_driver_for_cuda(ctx.kb_cuda(cuda), &driver);
    let req = ctx.kb.driver_requirement(ctx.kb_cuda(cuda));
    let toolkit = req
        .as_ref()
        .and_then(|r| r.toolkit_min.map(ToString::to_string));
    let mut sources: Vec<String> = req
        .as_ref()
        .map(cudoctor_kb::rules::DriverRequirement::sources)
        .unwrap_or_default();
    sources.push(COMPAT_GUIDE.to_owned());
    let (var, raw) = reqs.first().map_or_else(
        || ("CUDA_VERSION".to_owned(), cuda.to_string()),
        |r| (r.var.clone(), r.raw.clone()),
    );
    let host_cuda = host.cuda.clone().map_or_else(
        || "unknown".to_owned(),
        |c| {
            if ctx.snap.driver.cuda_version.is_some() {
                c
            } else {
                format!("{c} (at least: the newest CUDA whose toolkit driver {driver} meets)")
            }
        },
    );
    let base = |severity: Severity, title: cudoctor_i18n::Msg| {
        let mut f = Finding::titled("image-cuda-newer-than-driver", severity, title)
            .evidence(
                format!("image requirement ({var})"),
                raw.clone(),
                image_env_source(ctx, &var),
            )
            .evidence("host driver", driver.to_string(), driver_src.clone())
            .evidence(
                "CUDA the host driver supports",
                host_cuda.clone(),
                ctx.snap.driver.cuda_version.source().map_or_else(
                    || "knowledge base: CUDA releases' toolkit drivers".to_owned(),
                    str::to_owned,
                ),
            );
        if let Some(tk) = &toolkit {
            f = f.evidence(
                format!("CUDA {cuda} toolkit driver"),
                format!(">= {tk}"),
                req.as_ref().map_or_else(
                    || "knowledge base".to_owned(),
                    |r| crate::target::kb_source(&r.cuda.source),
                ),
            );
        }
        if let Some(image) = &ctx.snap.image {
            f = f.evidence(
                "host",
                image.host.clone(),
                "the host that will run the image",
            );
        }
        f.sources(sources.clone())
            .source(require::TOOLKIT_REQUIREMENTS_SOURCE)
    };
    let upgrade = msg!(
        "image-cuda-newer-than-driver-fix-upgrade",
        min = toolkit.clone().map_or_else(
            || cudoctor_i18n::Arg::Msg(msg!(
                "image-cuda-newer-than-driver-cuda-minimum",
                cuda = cuda.to_string()
            )),
            cudoctor_i18n::Arg::Text
        )
    );
    let older = msg!(
        "image-cuda-newer-than-driver-fix-older",
        driver = driver.to_string()
    );
    let compat = &ctx.snap.container.cuda_compat;
    match decision {
        Decision::Refused(r, failed) => {
            if lower_bound && failed.iter().all(|(_, f)| f.starts_with("cuda")) {
                // The table may be older than the driver: say so instead of guessing.
                return vec![
                    base(
                        Severity::Warning,
                        msg!(
                            "image-cuda-newer-than-driver-title-unknown",
                            driver = driver.to_string(),
                            raw = r.raw.clone()
                        ),
                    )
                    .explain_msg(msg!(
                        "image-cuda-newer-than-driver-explain-2",
                        r_var = r.var.clone(),
                        driver = driver.to_string()
                    ))
                    .fix_msg(msg!("image-cuda-newer-than-driver-fix-2")),
                ];
            }
            let failing: Vec<String> = failed
                .iter()
                .map(|(term, factor)| {
                    if term == factor {
                        format!("`{term}`")
                    } else {
                        format!("`{term}` (`{factor}` fails)")
                    }
                })
                .collect();
            let minor = matches!(verdict, Verdict::CompatibleWithCaveats(_));
            let mut f = base(
                Severity::Error,
                msg!(
                    "image-cuda-newer-than-driver-title-refused",
                    driver = driver.to_string(),
                    var = r.var.clone()
                ),
            )
            .explain_msg(msg!(
                "image-cuda-newer-than-driver-explain-3",
                r_var = r.var.clone(),
                failing_join = failing.join(", "),
                failed = (failed.first().map_or(r.raw.as_str(), |(_, f)| f.as_str())).to_string(),
                minor_note = if minor {
                    msg!("image-cuda-newer-than-driver-minor-note")
                } else {
                    msg!("i18n-empty")
                }
            ))
            .fix_msg(upgrade.clone())
            .fix_msg(older.clone());
            if minor {
                f = f.fix_msg(msg!("image-cuda-newer-than-driver-fix-3"));
            }
            vec![f]
        }
        Decision::Depends(needs, var) => vec![
            base(
                Severity::Warning,
                msg!(
                    "image-cuda-newer-than-driver-title-depends",
                    driver = driver.to_string(),
                    needs = needs.join(" and ")
                ),
            )
            .explain_msg(msg!(
                "image-cuda-newer-than-driver-explain-4",
                var = var.clone(),
                driver = driver.to_string(),
                needs_join_and = needs.join(" and ")
            ))
            .fix_msg(msg!("image-cuda-newer-than-driver-fix-4"))
            .fix_msg(upgrade.clone())
            .source(FORWARD_COMPAT),
        ],
        Decision::Forward(term) => {
            let has_compat = !compat.is_empty();
            let severity = if has_compat {
                Severity::Warning
            } else {
                Severity::Error
            };
            let mut f = base(
                severity,
                msg!(
                    if has_compat {
                        "image-cuda-newer-than-driver-title-forward"
                    } else {
                        "image-cuda-newer-than-driver-title-forward-no-compat"
                    },
                    driver = driver.to_string(),
                    cuda = cuda.to_string()
                ),
            )
            .explain_msg(msg!(
                "image-cuda-newer-than-driver-explain-5",
                driver = driver.to_string(),
                term_join = term.join(","),
                compat_note = if has_compat {
                    msg!("image-cuda-newer-than-driver-compat-note")
                } else {
                    msg!("image-cuda-newer-than-driver-no-compat-note")
                }
            ))
            .fix_msg(upgrade.clone())
            .source(FORWARD_COMPAT);
            if has_compat {
                f = f.evidence(
                    "cuda-compat libraries",
                    compat.join(", "),
                    "files in the image",
                );
            } else {
                f = f.fix_msg(msg!(
                    "image-cuda-newer-than-driver-fix-5",
                    cuda_major = cuda.major().to_string(),
                    cuda_minor = cuda.minor().to_string()
                ));
            }
            vec![f]
        }
        Decision::Starts => match verdict {
            Verdict::Compatible | Verdict::Unknown(_) => Vec::new(),
            Verdict::Incompatible(reason) => vec![
                base(
                    Severity::Error,
                    msg!(
                        "image-cuda-newer-than-driver-title-old-driver",
                        cuda = cuda.to_string(),
                        driver = driver.to_string()
                    ),
                )
                .explain_msg(msg!(
                    "image-cuda-newer-than-driver-explain-6",
                    cuda = cuda.to_string(),
                    reason = reason.clone()
                ))
                .fix_msg(upgrade.clone())
                .fix_msg(older.clone()),
            ],
            Verdict::CompatibleWithCaveats(caveats) => {
                let named: Vec<String> = caveats.iter().map(ToString::to_string).collect();
                vec![
                    base(
                        Severity::Warning,
                        msg!(
                            "image-cuda-newer-than-driver-title-minor",
                            cuda = cuda.to_string(),
                            driver = driver.to_string()
                        ),
                    )
                    .explain_msg(msg!(
                        "image-cuda-newer-than-driver-explain-7",
                        cuda = cuda.to_string(),
                        named_join = named.join("; ")
                    ))
                    .fix_msg(msg!(
                        "image-cuda-newer-than-driver-fix-6",
                        toolkit = toolkit.clone().map_or_else(
                            || cudoctor_i18n::Arg::Msg(msg!(
                                "image-cuda-newer-than-driver-toolkit-driver"
                            )),
                            cudoctor_i18n::Arg::Text
                        )
                    )),
                ]
            }
        },
    }
}

#[cfg(test)]
mod tests;
