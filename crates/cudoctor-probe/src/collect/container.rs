//! Container facts: whether we are inside one, the image's CUDA variables, and the Docker host's
//! NVIDIA runtime setup.

use std::path::Path;

use super::{Ctx, show};
use crate::env_vars;
use crate::snapshot::{ContainerFacts, DockerDaemon};

const DAEMON_JSON: &str = "/etc/docker/daemon.json";
const RUNTIME_CONFIG: &str = "/etc/nvidia-container-runtime/config.toml";
const TOOLS: &[&str] = &[
    "nvidia-container-runtime",
    "nvidia-ctk",
    "nvidia-container-cli",
];

/// Parses `/etc/docker/daemon.json`: runtime names and `default-runtime`. Invalid JSON gives an
/// error with line and column.
///
/// Real sample (written by `nvidia-ctk runtime configure --runtime=docker`):
/// ```text
/// {
///     "runtimes": {
///         "nvidia": {
///             "args": [],
///             "path": "nvidia-container-runtime"
///         }
///     }
/// }
/// ```
pub fn parse_daemon_json(text: &str) -> Result<(Vec<String>, Option<String>), String> {
    // Editors on Windows write a UTF-8 byte-order mark; dockerd accepts it too.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        format!(
            "invalid JSON at line {}, column {}: {e}",
            e.line(),
            e.column()
        )
    })?;
    let obj = v
        .as_object()
        .ok_or_else(|| "the top level is not a JSON object".to_owned())?;
    let mut runtimes: Vec<String> = obj
        .get("runtimes")
        .and_then(serde_json::Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    runtimes.sort();
    let default = obj
        .get("default-runtime")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned);
    Ok((runtimes, default))
}

/// Collects container facts.
pub fn collect(ctx: &mut Ctx<'_>) -> ContainerFacts {
    let mut c = ContainerFacts::default();
    for marker in ["/.dockerenv", "/run/.containerenv"] {
        if ctx.root.symlink_metadata(Path::new(marker)).is_ok() {
            c.markers.push(marker.to_owned());
        }
    }
    c.nvidia_require_cuda = ctx
        .env
        .get(env_vars::NVIDIA_REQUIRE_CUDA)
        .map(str::to_owned);
    c.cuda_version_env = ctx.env.get(env_vars::CUDA_VERSION).map(str::to_owned);
    c.nv_cudnn_version = ctx.env.get(env_vars::NV_CUDNN_VERSION).map(str::to_owned);
    c.cuda_compat = cuda_compat(ctx);
    let daemon = Path::new(DAEMON_JSON);
    // Read whole (a prefix of JSON is not JSON), up to the cap.
    match ctx.read_whole_optional(
        "container",
        daemon,
        crate::limits::DAEMON_JSON_BYTES,
        "DAEMON_JSON_BYTES",
    ) {
        Ok(Some(text)) => {
            let mut d = DockerDaemon {
                path: DAEMON_JSON.to_owned(),
                ..DockerDaemon::default()
            };
            match parse_daemon_json(&text) {
                Ok((runtimes, default)) => {
                    d.runtimes = runtimes;
                    d.default_runtime = default;
                }
                Err(e) => {
                    let msg = format!("`{DAEMON_JSON}`: {e}");
                    ctx.error("container", Some(daemon), msg.clone());
                    d.unknown = Some(msg);
                }
            }
            c.docker_daemon = Some(d);
        }
        Ok(None) => {}
        Err(r) => {
            c.docker_daemon = Some(DockerDaemon {
                path: DAEMON_JSON.to_owned(),
                unknown: Some(r),
                ..DockerDaemon::default()
            });
        }
    }
    let mut dirs: Vec<String> = vec![
        "/usr/bin".into(),
        "/usr/local/bin".into(),
        "/usr/sbin".into(),
    ];
    if let Some(path) = ctx.env.get(env_vars::PATH) {
        for d in path.split(':').filter(|d| d.starts_with('/')) {
            if !dirs.iter().any(|x| x == d) {
                dirs.push(d.to_owned());
            }
        }
    }
    for tool in TOOLS {
        for d in &dirs {
            let p = Path::new(d).join(tool);
            if ctx.root.is_file(&p) {
                c.nvidia_container_tools.push(show(&p));
                break;
            }
        }
    }
    c.nvidia_container_tools.sort();
    if ctx.root.exists(Path::new(RUNTIME_CONFIG)) {
        c.nvidia_container_runtime_config = Some(RUNTIME_CONFIG.to_owned());
    }
    c
}

/// The forward-compatibility driver libraries of the `cuda-compat-X-Y` package:
/// `/usr/local/cuda*/compat/libcuda.so.<version>` (NVIDIA's CUDA images install them there).
fn cuda_compat(ctx: &Ctx<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for d in ctx.root.read_dir_or_empty(Path::new("/usr/local")) {
        if !d.name_str().starts_with("cuda") {
            continue;
        }
        for f in ctx.root.read_dir_or_empty(&d.path.join("compat")) {
            let name = f.name_str();
            if name.starts_with("libcuda.so.") && name.len() > "libcuda.so.".len() {
                out.push(f.path.display().to_string());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn daemon_json() {
        let t = "{\n    \"runtimes\": {\n        \"nvidia\": {\n            \"args\": [],\n            \"path\": \"nvidia-container-runtime\"\n        }\n    }\n}\n";
        assert_eq!(
            parse_daemon_json(t).unwrap(),
            (vec!["nvidia".to_owned()], None)
        );
        let t = "{ \"default-runtime\": \"nvidia\", \"runtimes\": {\"nvidia\": {}, \"runc\": {}} }";
        assert_eq!(
            parse_daemon_json(t).unwrap(),
            (
                vec!["nvidia".to_owned(), "runc".to_owned()],
                Some("nvidia".to_owned())
            )
        );
        let e = parse_daemon_json("{\n  \"runtimes\": {\n    \"nvidia\": {,\n").unwrap_err();
        assert!(e.contains("line 3, column"), "{e}");
    }
}
