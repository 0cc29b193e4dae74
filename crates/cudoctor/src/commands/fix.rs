//! `cudoctor fix docker-runtime` and `cudoctor fix containerd`: register the NVIDIA runtime in
//! the daemon's config. A dry run (the diff) by default; `--apply` writes through
//! `cudoctor_fix::apply` (atomic, with a backup). The edits themselves are `cudoctor-fix`'s.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use cudoctor_fix::{ContainerdOpts, DockerOpts, FixError};
use serde::Serialize;

use crate::cli::{FixArgs, FixEditArgs, FixTarget, Format};
use crate::{Ctx, ExitStatus, error, no_markdown, to_json};

/// containerd's default config file.
const CONTAINERD_CONFIG: &str = "/etc/containerd/config.toml";

/// `--format json`.
#[derive(Debug, Serialize)]
struct FixJson {
    schema_version: u32,
    path: String,
    changed: bool,
    written: bool,
    diff: String,
    backup: Option<String>,
    notes: Vec<String>,
    next: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Engine {
    Docker,
    Containerd,
}

impl Engine {
    fn subcommand(self) -> &'static str {
        match self {
            Engine::Docker => "docker-runtime",
            Engine::Containerd => "containerd",
        }
    }

    fn service(self) -> &'static str {
        match self {
            Engine::Docker => "docker",
            Engine::Containerd => "containerd",
        }
    }

    /// The commands that restart the daemon and check a GPU container.
    fn next(self) -> Vec<String> {
        match self {
            Engine::Docker => vec![
                "sudo systemctl restart docker".to_owned(),
                "docker info --format '{{json .Runtimes}}'   # lists nvidia".to_owned(),
                "docker run --rm --gpus all ubuntu nvidia-smi".to_owned(),
            ],
            // `ctr run IMAGE ID COMMAND` needs the image pulled first; `--gpus 0` asks ctr's
            // own NVIDIA hook for GPU 0. Kubernetes pods use the CRI runtime configured here
            // through a RuntimeClass with `handler: nvidia` (or as the default runtime).
            Engine::Containerd => vec![
                "sudo systemctl restart containerd".to_owned(),
                "sudo ctr image pull docker.io/nvidia/cuda:12.4.1-base-ubuntu22.04".to_owned(),
                "sudo ctr run --rm --gpus 0 docker.io/nvidia/cuda:12.4.1-base-ubuntu22.04 cuda-check nvidia-smi".to_owned(),
            ],
        }
    }
}

pub fn run(ctx: Ctx, args: &FixArgs) -> anyhow::Result<ExitStatus> {
    no_markdown(ctx, "fix")?;
    match &args.target {
        FixTarget::DockerRuntime(a) => edit(ctx, Engine::Docker, a),
        FixTarget::Containerd(a) => edit(ctx, Engine::Containerd, a),
    }
}

fn edit(ctx: Ctx, engine: Engine, args: &FixEditArgs) -> anyhow::Result<ExitStatus> {
    let env = |k: &str| std::env::var(k).ok();
    let mut notes = Vec::new();
    let path: PathBuf = match (&args.config, engine) {
        (Some(p), _) => p.clone(),
        (None, Engine::Docker) => {
            let found = cudoctor_fix::find_docker_configs(&env, Path::new("/proc"));
            // find_docker_configs always ends with /etc/docker/daemon.json.
            let first = found.into_iter().next().map_or_else(
                || (PathBuf::from(cudoctor_fix::DAEMON_JSON), String::new()),
                |c| (c.path, c.why),
            );
            notes.push(format!("editing `{}`: {}", first.0.display(), first.1));
            first.0
        }
        (None, Engine::Containerd) => PathBuf::from(CONTAINERD_CONFIG),
    };
    let shown = path.display().to_string();
    let mut old_exists = true;
    let old = match std::fs::read(&path) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|_| {
            error::hinted(
                format!("`{shown}` is not UTF-8 text"),
                "check that `--config` names the right file",
            )
        })?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            old_exists = false;
            notes.push(format!(
                "`{shown}` does not exist; `--apply` creates it (mode 0644)"
            ));
            String::new()
        }
        Err(e) => {
            let hint = if e.kind() == io::ErrorKind::PermissionDenied {
                "run it with `sudo`"
            } else {
                "check that `--config` names the right file"
            };
            return Err(error::hinted(format!("cannot read `{shown}`: {e}"), hint));
        }
    };
    let (runtime_path, runtime_note) = cudoctor_fix::find_runtime(&env);
    notes.extend(runtime_note);
    let plan = match engine {
        Engine::Docker => cudoctor_fix::plan_docker_runtime(
            &old,
            &DockerOpts {
                runtime_path,
                set_default: args.set_default,
            },
        ),
        Engine::Containerd => cudoctor_fix::plan_containerd(
            &old,
            &ContainerdOpts {
                runtime_path,
                set_default: args.set_default,
            },
        ),
    }
    .map_err(|e| plan_error(&e, &shown))?;
    notes.extend(plan.notes.iter().cloned());
    let diff = cudoctor_fix::unified_diff(&shown, &plan.old, &plan.new);

    let mut backup = None;
    let mut written = false;
    if args.apply && plan.changed {
        let applied =
            cudoctor_fix::apply(&path, &plan).map_err(|e| apply_error(&e, &path, engine))?;
        written = applied.written;
        backup = applied.backup;
    }
    let next = if written { engine.next() } else { Vec::new() };

    if ctx.format == Format::Json {
        ctx.out.out(&to_json(&FixJson {
            schema_version: 1,
            path: shown,
            changed: plan.changed,
            written,
            diff,
            backup: backup.map(|b| b.display().to_string()),
            notes,
            next,
        })?);
        return Ok(ExitStatus::Success);
    }
    let mut err = String::new();
    for n in &notes {
        let _ = writeln!(err, "note: {n}");
    }
    if plan.changed {
        ctx.out.out(&diff);
    } else {
        ctx.out.out(&format!(
            "`{shown}` already has the nvidia runtime; nothing to change\n"
        ));
    }
    if written {
        let _ = writeln!(err, "wrote `{shown}`");
        if let Some(b) = &backup {
            let _ = writeln!(err, "backup: `{}`", b.display());
        }
        let _ = write!(
            err,
            "\nNext, restart {} and check a GPU container:\n",
            engine.service()
        );
        for c in &next {
            let _ = writeln!(err, "  {c}");
        }
    } else if plan.changed {
        let kept = if old_exists {
            " (the original is kept as a backup)"
        } else {
            ""
        };
        let _ = writeln!(
            err,
            "dry run: nothing was written; add `--apply` to write `{shown}`{kept}"
        );
    }
    to_stderr(&err);
    Ok(ExitStatus::Success)
}

fn to_stderr(text: &str) {
    let _ = io::stderr().lock().write_all(text.as_bytes());
}

/// The error for a file we cannot plan: what is wrong and where, with the parser's words.
fn plan_error(e: &FixError, shown: &str) -> anyhow::Error {
    let mut msg = e.to_string();
    match e {
        FixError::InvalidJson { source, .. } => {
            // serde_json's words ("expected value"), without its own position.
            let s = source.to_string();
            let words = s.rfind(" at line ").map_or(s.as_str(), |i| &s[..i]);
            let _ = write!(msg, ": {words}");
        }
        FixError::InvalidToml { source, .. } => {
            let words: Vec<&str> = source.message().lines().map(str::trim).collect();
            let _ = write!(msg, ": {}", words.join("; "));
        }
        _ => {}
    }
    let hint = match e.line_col() {
        Some((line, column)) => format!(
            "nothing was changed; fix `{shown}` at line {line}, column {column} by hand (the daemon cannot read it either), then run this again"
        ),
        None => format!("nothing was changed in `{shown}`"),
    };
    error::hinted(msg, hint).context(format!("cannot edit `{shown}`"))
}

/// The error for a write that did not happen.
fn apply_error(e: &FixError, path: &Path, engine: Engine) -> anyhow::Error {
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let _ = write!(msg, ": {s}");
        source = s.source();
    }
    let denied = matches!(
        e,
        FixError::Io { source, .. } if source.kind() == io::ErrorKind::PermissionDenied
    ) || matches!(e, FixError::Owner { .. });
    let hint = if denied {
        format!(
            "`{}` was left as it was; run it as root: `sudo cudoctor fix {} --apply`",
            path.display(),
            engine.subcommand()
        )
    } else {
        format!("`{}` was left as it was", path.display())
    };
    error::hinted(msg, hint).context(format!("cannot write `{}`", path.display()))
}
