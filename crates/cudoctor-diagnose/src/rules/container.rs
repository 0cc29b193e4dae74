//! Containers: a container without GPU, a Docker host without the NVIDIA runtime, an image
//! whose CUDA is newer than the host driver.

use cudoctor_facts::snapshot::RootKind;
use std::str::FromStr;

use cudoctor_kb::rules::Verdict;
use cudoctor_kb::version::{CudaVersion, DriverVersion};

use super::Ctx;
use crate::finding::{Finding, Severity};

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
    let (severity, title) = if outside {
        (
            Severity::Warning,
            format!(
                "This container's filesystem has no GPU device: {} cannot use one in it",
                ctx.subject()
            ),
        )
    } else {
        (
            Severity::Error,
            format!(
                "This container has no GPU: {} cannot use one",
                ctx.subject()
            ),
        )
    };
    let mut f = Finding::new("container-no-gpu", severity, title)
        .explain(
            "A container sees a GPU only when the container runtime passes it in: the \
         `/dev/nvidia*` device files and the host's driver libraries are added at start by the \
         NVIDIA Container Toolkit when the container is started with `--gpus` (or the `nvidia` \
         runtime and `NVIDIA_VISIBLE_DEVICES`). None are here, so frameworks find no GPU and run \
         on the CPU. The image itself cannot fix this; the `docker run` command and the host can.",
        )
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
        f = f.fix(format!(
            "`NVIDIA_VISIBLE_DEVICES={v}` asks the runtime for no GPU: start with `-e NVIDIA_VISIBLE_DEVICES=all` (or remove it from the image's `ENV`)"
        ));
    }
    vec![f.fix("Start the container with the GPUs: `docker run --gpus all ...` (Compose: `deploy.resources.reservations.devices: [{driver: nvidia, count: all, capabilities: [gpu]}]`)")
        .fix("On the host: install the NVIDIA Container Toolkit (`sudo apt-get install nvidia-container-toolkit`), then `sudo nvidia-ctk runtime configure --runtime=docker && sudo systemctl restart docker`")
        .fix("On the host: check the driver with `cudoctor check` (it must be new enough for the CUDA in this image)")
        .source(TOOLKIT_INSTALL)
        .source(TOOLKIT_ENV)]
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
        let f = Finding::new(
            "docker-nvidia-runtime-missing",
            Severity::Warning,
            "The NVIDIA container runtime is installed but Docker is not configured to use it",
        )
        .explain(
            "Docker starts GPU containers through the NVIDIA container runtime, which must be \
             registered in `/etc/docker/daemon.json`. It is installed here but not registered: \
             `docker run --runtime=nvidia`, Compose files with `runtime: nvidia` and setups that \
             expect it as the default runtime (Kubernetes, `docker build` steps that need the GPU) \
             fail or get containers without a GPU. (`docker run --gpus all` can still work \
             through the toolkit's hook.)",
        )
        .evidence(
            "NVIDIA container tools",
            c.nvidia_container_tools.join(", "),
            "executables found",
        );
        let f = ctx.root_judged(daemon_ev(f), "the Docker host whose files these are");
        return vec![f
            .fix("`sudo nvidia-ctk runtime configure --runtime=docker --set-as-default && sudo systemctl restart docker`")
            .fix(format!(
                "It writes this into `/etc/docker/daemon.json` (merged with the keys already there):\n{DAEMON_JSON_FRAGMENT}"
            ))
            .fix("Check: `docker info --format '{{json .Runtimes}}'` lists `nvidia`, and `docker run --rm --gpus all ubuntu nvidia-smi` shows the GPUs")
            .source(NVIDIA_CTK_DOCKER)
            .source(TOOLKIT_INSTALL)];
    }
    if daemon.is_some() && !tools && ctx.gpus_present() == Some(true) {
        let f = Finding::new(
            "docker-nvidia-runtime-missing",
            Severity::Warning,
            "Docker is installed but the NVIDIA Container Toolkit is not: containers get no GPU",
        )
        .explain(
            "This Docker host has NVIDIA GPUs, but without the NVIDIA Container Toolkit Docker \
             cannot pass them into containers: `docker run --gpus all` fails (\"could not select \
             device driver \\\"\\\" with capabilities: [[gpu]]\") and containers run without a GPU.",
        )
        .evidence("NVIDIA container tools (nvidia-ctk, nvidia-container-runtime)", "absent", "executables searched");
        let f = ctx.root_judged(daemon_ev(f), "the Docker host whose files these are");
        return vec![f
            .fix("Install the toolkit from NVIDIA's repository (see the install guide): `sudo apt-get install nvidia-container-toolkit`")
            .fix("`sudo nvidia-ctk runtime configure --runtime=docker --set-as-default && sudo systemctl restart docker`")
            .fix(format!("`/etc/docker/daemon.json` then contains:\n{DAEMON_JSON_FRAGMENT}"))
            .source(TOOLKIT_INSTALL)
            .source(NVIDIA_CTK_DOCKER)];
    }
    Vec::new()
}

/// The CUDA an image requires: `cuda>=X.Y` in `NVIDIA_REQUIRE_CUDA`, else `CUDA_VERSION`.
fn image_cuda(ctx: &Ctx<'_>) -> Option<(CudaVersion, String, String)> {
    let c = &ctx.snap.container;
    if let Some(req) = &c.nvidia_require_cuda {
        let first = req
            .split_whitespace()
            .flat_map(|alt| alt.split(','))
            .find_map(|cond| cond.strip_prefix("cuda>="))
            .and_then(|v| CudaVersion::from_str(v).ok());
        if let Some(v) = first {
            return Some((v, "NVIDIA_REQUIRE_CUDA".to_owned(), req.clone()));
        }
    }
    let v = c.cuda_version_env.as_deref()?;
    Some((
        CudaVersion::from_str(v).ok()?,
        "CUDA_VERSION".to_owned(),
        v.to_owned(),
    ))
}

/// Whether one `brand=...,driver>=N,driver<M` alternative of `NVIDIA_REQUIRE_CUDA` admits `driver`.
fn brand_alternative_admits(require: &str, driver: &DriverVersion) -> bool {
    require.split_whitespace().any(|alt| {
        if !alt.starts_with("brand=") {
            return false;
        }
        let mut ok = true;
        let mut any = false;
        for cond in alt.split(',') {
            if let Some(v) = cond.strip_prefix("driver>=") {
                any = true;
                ok &= v.parse::<DriverVersion>().is_ok_and(|m| driver >= &m);
            } else if let Some(v) = cond.strip_prefix("driver<") {
                any = true;
                ok &= v.parse::<DriverVersion>().is_ok_and(|m| driver < &m);
            }
        }
        any && ok
    })
}

/// `image-cuda-newer-than-driver`: the image's CUDA needs a newer driver than the host has.
pub(crate) fn image_cuda_newer_than_driver(ctx: &Ctx<'_>) -> Vec<Finding> {
    let Some((cuda, var, raw)) = image_cuda(ctx) else {
        return Vec::new();
    };
    let Some((driver, driver_src)) = ctx.driver() else {
        return Vec::new();
    };
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
    let base = |severity: Severity, title: String| {
        let mut f = Finding::new("image-cuda-newer-than-driver", severity, title)
            .evidence(
                format!("image CUDA ({var})"),
                raw.clone(),
                ctx.env_source(&var),
            )
            .evidence("host driver", driver.to_string(), driver_src.clone());
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
        f.sources(sources.clone())
    };
    let forward = ctx
        .snap
        .container
        .nvidia_require_cuda
        .as_deref()
        .is_some_and(|r| brand_alternative_admits(r, &driver));
    match verdict {
        Verdict::Compatible | Verdict::Unknown(_) => Vec::new(),
        Verdict::Incompatible(reason) => {
            let severity = if forward {
                Severity::Warning
            } else {
                Severity::Error
            };
            let mut f = base(
                severity,
                format!("This image needs CUDA {cuda}, newer than the host driver {driver} supports"),
            )
            .explain(format!(
                "Containers use the host's NVIDIA driver; only the CUDA libraries come from the \
                 image. This image is built for CUDA {cuda}, and the host driver is too old for it \
                 ({reason}). The NVIDIA container runtime refuses to start it (\"unsatisfied \
                 condition: cuda>={}\"), or CUDA calls fail with \"CUDA driver version is \
                 insufficient for CUDA runtime version\".{}",
                cuda.major_minor(),
                if forward {
                    " The image also accepts this driver branch through NVIDIA's forward-compatibility package, which works only on data-center GPUs."
                } else {
                    ""
                }
            ))
            .fix(format!(
                "Upgrade the host driver to >= {} (`sudo apt-get install nvidia-driver-<branch>` on the host, then reboot)",
                toolkit.clone().unwrap_or_else(|| format!("the CUDA {cuda} minimum"))
            ))
            .fix(format!(
                "Or use an image built for an older CUDA that driver {driver} supports (`cudoctor plan --driver {driver}`)"
            ));
            if forward {
                f = f.source(FORWARD_COMPAT);
            }
            vec![f]
        }
        Verdict::CompatibleWithCaveats(caveats) => {
            let named: Vec<String> = caveats.iter().map(ToString::to_string).collect();
            vec![base(
                Severity::Warning,
                format!("This image's CUDA {cuda} runs on host driver {driver} only through minor-version compatibility"),
            )
            .explain(format!(
                "Containers use the host's NVIDIA driver. It is older than the CUDA {cuda} toolkit \
                 driver, so the image runs under minor-version compatibility with limits: {}. The \
                 NVIDIA container runtime compares `{var}` with the driver's CUDA version at start \
                 and may refuse to start the container (\"unsatisfied condition: cuda>={}\").",
                named.join("; "),
                cuda.major_minor()
            ))
            .fix(format!(
                "Upgrade the host driver to >= {} to lift the limits",
                toolkit.clone().unwrap_or_else(|| "the toolkit driver".to_owned())
            ))
            .fix("If the runtime refuses to start the container although minor-version compatibility applies: `docker run -e NVIDIA_DISABLE_REQUIRE=1 ...`")]
        }
    }
}

#[cfg(test)]
mod tests;
