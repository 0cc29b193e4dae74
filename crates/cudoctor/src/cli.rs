//! Command-line arguments (clap). Resolved into settings before any command runs.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::render::printer::ColorChoice;

const AFTER_HELP: &str = "\
Examples:
  cudoctor check                         is this machine ready for the frameworks installed here?
  cudoctor check --for tensorflow==2.9.0
  cudoctor requirements tf==2.9          what does TensorFlow 2.9 need?
  cudoctor plan --driver 470.82.01 --gpu \"RTX 3090\" --python 3.10 --framework tensorflow
  cudoctor which libcudnn.so.8           which file would the loader take, and why?
  python train.py 2>&1 | cudoctor explain
  cudoctor dockerfile tensorflow==2.9.0 > Dockerfile && cudoctor lint Dockerfile

Exit status: 0 no error found; 1 at least one error found (check, explain, which, lint);
2 cudoctor could not run.";

/// Diagnose the NVIDIA driver / CUDA / cuDNN / framework stack: what a release needs, what this
/// machine has, what the loader will really load, and how to fix it.
#[derive(Debug, Parser)]
#[command(name = "cudoctor", version, about, after_help = AFTER_HELP, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// The help heading of the options every command takes.
const GLOBAL: &str = "Global options";

/// Options every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = FormatArg::Text, help_heading = GLOBAL)]
    pub format: FormatArg,
    /// When to color the output (honours NO_COLOR and CLICOLOR_FORCE with `auto`).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, help_heading = GLOBAL)]
    pub color: ColorChoice,
    /// Language of the text: `en` or `zh` (default: CUDOCTOR_LANG, else the locale)
    ///
    /// Language of the text and Markdown output: `en` or `zh`. Without it, CUDOCTOR_LANG, else
    /// the first set of LC_ALL, LC_MESSAGES and LANG (`zh_CN.UTF-8` is Chinese, anything else
    /// English). Commands, versions, paths and ids stay as they are; JSON is always English.
    #[arg(long, global = true, value_name = "LANG", value_parser = parse_lang, help_heading = GLOBAL)]
    pub lang: Option<cudoctor_i18n::Lang>,
}

fn parse_lang(s: &str) -> Result<cudoctor_i18n::Lang, String> {
    s.parse()
        .map_err(|e: cudoctor_i18n::UnknownLang| e.to_string())
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human-readable text.
    Text,
    /// Machine-readable JSON with a `schema_version`.
    Json,
    /// Markdown, for pasting into a bug report.
    Markdown,
}

/// `--format` as given: the formats of every command, and `jsonl` and `tui`, which only
/// `cudoctor watch` has (hidden from the other commands' help).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Human-readable text.
    Text,
    /// Machine-readable JSON with a `schema_version`.
    Json,
    /// Markdown, for pasting into a bug report.
    Markdown,
    /// `cudoctor watch`: one JSON sample per line, as it comes.
    #[value(hide = true)]
    Jsonl,
    /// `cudoctor watch`: a terminal view (the text lines when stdout is not a terminal).
    #[value(hide = true)]
    Tui,
    /// `cudoctor run`: the `docker run` line (its default).
    #[value(hide = true)]
    Sh,
    /// `cudoctor run`: a Compose file (the same as `--compose`).
    #[value(hide = true)]
    Compose,
}

impl FormatArg {
    /// The format of the commands other than `watch` and `run`; `None` for `jsonl`, `tui`,
    /// `sh` and `compose`.
    pub fn plain(self) -> Option<Format> {
        match self {
            Self::Text => Some(Format::Text),
            Self::Json => Some(Format::Json),
            Self::Markdown => Some(Format::Markdown),
            Self::Jsonl | Self::Tui | Self::Sh | Self::Compose => None,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Probe this machine (or --root / --snapshot) and report what will fail, why, and how to fix it.
    #[command(
        after_help = "Examples:\n  cudoctor check\n  cudoctor check --for tensorflow==2.9.0 --format json\n  cudoctor check --root /mnt/image-rootfs --env LD_LIBRARY_PATH=/usr/local/cuda/lib64\n  cudoctor check --snapshot snap.json\n  cudoctor check --quiet   # one verdict line; exit 1 on errors (container HEALTHCHECK)"
    )]
    Check(CheckArgs),
    /// Collect the facts about the GPU stack (read-only); `--format json` gives a snapshot file.
    #[command(
        after_help = "Examples:\n  cudoctor probe\n  cudoctor probe --format json > snap.json\n  cudoctor probe --format json --for tensorflow==2.9.0 > snap.json   # with the loader's answers that target needs\n  cudoctor probe --root ./rootfs --env LD_LIBRARY_PATH=/opt/cuda/lib64"
    )]
    Probe(ProbeArgs),
    /// Which file the dynamic loader would load for SONAME, and every candidate it skipped.
    #[command(
        after_help = "Examples:\n  cudoctor which libcudnn.so.8\n  cudoctor which libcudart.so.12 --from venv/lib/python3.11/site-packages/torch/lib/libtorch_cuda.so"
    )]
    Which(WhichArgs),
    /// A bug-report block (the fields `python -m torch.utils.collect_env` gives), sourced from files.
    #[command(
        after_help = "Examples:\n  cudoctor report\n  cudoctor report --format markdown   # paste into a GitHub issue; your home directory shows as ~\n  cudoctor report --redact            # user names, host names and home directories replaced\n  cudoctor report --snapshot snap.json"
    )]
    Report(ReportArgs),
    /// What a framework release needs: CUDA, cuDNN, driver, Python, GPU architectures, images.
    #[command(
        after_help = "Examples:\n  cudoctor requirements tensorflow==2.9.0\n  cudoctor requirements tf==2.9          # the 2.9 series\n  cudoctor requirements torch==2.4.1+cu121\n  cudoctor requirements jax==0.4.30 --format json"
    )]
    Requirements(RequirementsArgs),
    /// Which framework versions fit a driver, GPU and Python; what is excluded and why.
    #[command(
        after_help = "Examples:\n  cudoctor plan --driver 470.82.01 --gpu \"RTX 3090\" --python 3.10 --framework tensorflow\n  cudoctor plan --driver 440.33 --python 3.7 --framework tensorflow\n  cudoctor plan --gpu \"Tesla K80\" --framework torch\n  cudoctor plan --gpu \"RTX 4090\" --driver 550.54.15 --framework torch --all   # every candidate\n  cudoctor plan --snapshot snap.json --framework torch   # constraints from a saved probe"
    )]
    Plan(PlanArgs),
    /// The compatibility tables, with their sources.
    #[command(
        after_help = "Examples:\n  cudoctor matrix\n  cudoctor matrix tensorflow --format markdown\n  cudoctor matrix cuda --format json"
    )]
    Matrix(MatrixArgs),
    /// The GPU code (SASS architectures and PTX) inside ELF executables and shared libraries.
    #[command(
        after_help = "Examples:\n  cudoctor archs venv/lib/python3.11/site-packages/torch/lib/libtorch_cuda.so\n  cudoctor archs /usr/lib/x86_64-linux-gnu/libcublasLt.so.11 --format json"
    )]
    Archs(ArchsArgs),
    /// Read an error log and say what each known GPU-stack error means on this machine.
    #[command(
        after_help = "Examples:\n  python train.py 2>&1 | cudoctor explain\n  cudoctor explain train.log --format json\n  cudoctor explain ci.log --snapshot snap.json"
    )]
    Explain(ExplainArgs),
    /// Print a Dockerfile pinned to one framework release (official image, else nvidia/cuda + pip).
    #[command(
        after_help = "Examples:\n  cudoctor dockerfile tensorflow==2.9.0 > Dockerfile     # FROM tensorflow/tensorflow:2.9.0-gpu\n  cudoctor dockerfile tf==2.9 --jupyter\n  cudoctor dockerfile tensorflow==2.15.0 --base cuda\n  cudoctor dockerfile torch==2.1.0 --with-cudoctor     # adds HEALTHCHECK CMD cudoctor check --quiet\n  cudoctor dockerfile jax==0.4.30 --format json        # {base, dockerfile, notes}"
    )]
    Dockerfile(DockerfileArgs),
    /// Print a `docker run` line (or, with --compose, a Compose file) that gives a release's image the GPUs.
    #[command(
        after_help = "Examples:\n  cudoctor run tensorflow==2.9.0 --jupyter\n  cudoctor run torch==2.1.0 --gpus 0,1 --memory 16g --data /srv/data\n  cudoctor run tensorflow==2.9.0 --jupyter --compose > compose.yaml\n  cudoctor run jax==0.4.30 --format json"
    )]
    Run(RunArgs),
    /// Find GPU-stack mistakes in a Dockerfile (floating tags, CUDA mismatches, replaced cuDNN...).
    #[command(
        after_help = "Examples:\n  cudoctor lint                 # ./Dockerfile\n  cudoctor lint docker/gpu.Dockerfile --format json\n  cudoctor dockerfile torch==2.1.0 | cudoctor lint -\n\nExit status: 0 no error found (warnings allowed); 1 at least one error; 2 the file could not be read or parsed."
    )]
    Lint(LintArgs),
    /// Register the NVIDIA container runtime with Docker or containerd: a diff by default,
    /// `--apply` writes it (with a backup).
    #[command(
        after_help = "Examples:\n  cudoctor fix docker-runtime                      # the diff for the daemon.json dockerd reads\n  sudo cudoctor fix docker-runtime --set-default --apply\n  cudoctor fix containerd --config /etc/containerd/config.toml\n  sudo cudoctor fix containerd --set-default --apply && sudo systemctl restart containerd"
    )]
    Fix(FixArgs),
    /// Watch a job's GPUs (or replay an nvidia-smi log) and say what holds it back.
    #[command(
        after_help = "Formats: `--format text` (one line per GPU per sample, then the verdicts), `json` (the report at the end, docs/watch.schema.json), `jsonl` (one sample per line, as they come; `--replay` reads it back), `tui` (a terminal view: per-GPU counters, a sparkline of the SM utilization and the live verdict; `q` quits; on a pipe, the text lines).\n\nVerdicts: healthy, input-bound, host-sync, idle, throttled, not-using-gpu (docs/watch.md).\n\nExamples:\n  cudoctor watch                                  the GPUs for 60 s, from NVML\n  cudoctor watch -- python train.py               follow the job; exit with its exit code\n  cudoctor watch --format json -- python train.py > watch.json\n  nvidia-smi --query-gpu=timestamp,index,name,utilization.gpu,utilization.memory,memory.used,memory.total,power.draw,clocks.sm,clocks.max.sm,temperature.gpu,clocks_event_reasons.active --format=csv -l 1 > gpu.csv\n  cudoctor watch --replay gpu.csv\n  cudoctor watch --replay gpu-noheader.csv --fields timestamp,index,utilization.gpu,memory.used\n\nExit status: 0 watched to the end; the command's exit code with `-- COMMAND`; 2 cudoctor could not watch (no NVML, no GPU, an unreadable log)."
    )]
    Watch(WatchArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to standard output.
    #[command(
        after_help = "Examples:\n  cudoctor completions bash > ~/.local/share/bash-completion/completions/cudoctor\n  cudoctor completions zsh > \"${fpath[1]}/_cudoctor\"\n  cudoctor completions fish > ~/.config/fish/completions/cudoctor.fish"
    )]
    Completions(CompletionsArgs),
    /// Print the manual page (roff) to standard output.
    #[command(
        after_help = "Examples:\n  cudoctor man | man -l -\n  cudoctor man > /usr/local/share/man/man1/cudoctor.1"
    )]
    Man,
}

/// `report`: where the facts come from, and whether to redact them.
#[derive(Debug, Args, Clone, Default)]
pub struct ReportArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Replace user names (`<user>`), host names (`<host>`) and home directories (`~`) in every
    /// field, for sharing (in JSON too).
    #[arg(long)]
    pub redact: bool,
}

/// Where the facts come from.
#[derive(Debug, Args, Clone, Default)]
pub struct SourceArgs {
    /// Treat DIR as `/` (a mounted disk, an unpacked container, a fixture). Nothing is executed from it.
    #[arg(long, value_name = "DIR", conflicts_with = "snapshot")]
    pub root: Option<PathBuf>,
    /// Read facts from a snapshot written by `cudoctor probe --format json`.
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,
    /// An environment variable for --root (repeatable); the process environment is not used there.
    #[arg(long = "env", value_name = "KEY=VALUE", requires = "root")]
    pub env: Vec<String>,
    /// Read a container image instead of this system's files, without running it: a `docker
    /// save` or OCI archive or an OCI layout (a path, `docker-archive:PATH`,
    /// `oci-archive:PATH[:REF]`, `oci:DIR[:REF]`), `-` for a `docker save` stream on stdin,
    /// `docker://HOST/REPO:TAG` (a registry), or `NAME:TAG` (the local Docker or Podman engine,
    /// else its registry). The driver and GPUs judged are this machine's (or `--host`'s).
    #[arg(long, value_name = "REF", conflicts_with_all = ["root", "snapshot"])]
    pub image: Option<String>,
    /// With --image: the host that will run the image, as a snapshot written by `cudoctor
    /// probe --format json` on it (default: this machine).
    #[arg(long, value_name = "SNAPSHOT", requires = "image")]
    pub host: Option<PathBuf>,
    /// With --image: the platform to pick from a multi-platform image (`linux/arm64`).
    /// Default: `linux/amd64`.
    #[arg(long, value_name = "OS/ARCH", requires = "image")]
    pub platform: Option<String>,
    /// With a registry --image: also fetch the layers (cached by digest under the XDG cache),
    /// not only the config.
    #[arg(long, requires = "image")]
    pub layers: bool,
    /// With a registry --image: reach HOST over plain HTTP (repeatable). Loopback registries
    /// always are.
    #[arg(long = "insecure-registry", value_name = "HOST", requires = "image")]
    pub insecure_registry: Vec<String>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// What you mean to run (repeatable): `tensorflow==2.9.0`, `torch==2.4.1+cu121`, `jax==0.4.30`.
    /// Default: every framework installed on the probed system.
    #[arg(long = "for", value_name = "SPEC")]
    pub targets: Vec<String>,
    #[command(flatten)]
    pub source: SourceArgs,
    /// Print only the verdict line.
    #[arg(long, short)]
    pub quiet: bool,
    /// For a `--for` release the embedded data lacks, do not read its metadata from the package
    /// index (also `CUDOCTOR_OFFLINE=1`).
    #[arg(long)]
    pub offline: bool,
}

#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// Also record the loader's answers for what you mean to run (repeatable), so that `check
    /// --snapshot FILE --for SPEC` has them. The frameworks installed there are always covered.
    #[arg(long = "for", value_name = "SPEC")]
    pub targets: Vec<String>,
    #[command(flatten)]
    pub source: SourceArgs,
    /// For a `--for` release the embedded data lacks, do not read its metadata from the package
    /// index (also `CUDOCTOR_OFFLINE=1`).
    #[arg(long)]
    pub offline: bool,
    /// Replace user names (`<user>`), host names (`<host>`) and home directories (`~`) in the
    /// facts, for a snapshot to share (it records `HOME`, `USER` and the host name).
    #[arg(long)]
    pub redact: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct WhichArgs {
    /// The soname to resolve, e.g. `libcudnn.so.8`.
    pub soname: String,
    /// Resolve as FILE's dependency (uses its DT_RPATH / DT_RUNPATH and $ORIGIN).
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
    /// Also apply what PyTorch and JAX do first: preload `nvidia/*/lib` of this site-packages
    /// (repeatable). Implied by a `--from` file inside a site-packages.
    #[arg(long, value_name = "DIR")]
    pub site_packages: Vec<PathBuf>,
    #[command(flatten)]
    pub source: SourceArgs,
}

#[derive(Debug, Args)]
pub struct RequirementsArgs {
    /// `tensorflow==2.9.0`, `tensorflow==2.9` (a series), `torch==2.4.1+cu121`, `jax==0.4.30`;
    /// aliases: tf, tensorflow-gpu, pytorch.
    pub spec: String,
    /// For a release the embedded data lacks, do not read the package index (PyPI, or
    /// `PIP_INDEX_URL` / `UV_INDEX_URL`): answer from earlier lookups in the cache, else say
    /// unknown. Also `CUDOCTOR_OFFLINE=1`.
    #[arg(long)]
    pub offline: bool,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// NVIDIA driver version, e.g. `535.104.05`.
    #[arg(long, value_name = "VERSION")]
    pub driver: Option<String>,
    /// GPU model, e.g. "RTX 3090", "Tesla K80", "NVIDIA A100-SXM4-40GB".
    #[arg(long, value_name = "NAME", conflicts_with = "cc")]
    pub gpu: Option<String>,
    /// GPU compute capability, e.g. `8.6` or `sm_86`.
    #[arg(long, value_name = "X.Y")]
    pub cc: Option<String>,
    /// Python version, e.g. `3.10`.
    #[arg(long, value_name = "X.Y")]
    pub python: Option<String>,
    /// Framework to plan for (repeatable): tensorflow, torch, jax. Default: all three.
    #[arg(long = "framework", value_name = "NAME")]
    pub frameworks: Vec<String>,
    /// Do not fill missing constraints from this machine (or from `--root` / `--snapshot`).
    #[arg(long, conflicts_with_all = ["root", "snapshot"])]
    pub no_probe: bool,
    /// Do not look for releases newer than the embedded data in the package index (also
    /// `CUDOCTOR_OFFLINE=1`); with it, the plan covers the embedded releases only.
    #[arg(long)]
    pub offline: bool,
    /// Show every candidate with its caveats and every excluded release (by default: the
    /// recommendation, the other candidates in a line, the nearest exclusions).
    #[arg(long)]
    pub all: bool,
    /// Where missing constraints come from (default: this machine).
    #[command(flatten)]
    pub source: SourceArgs,
}

#[derive(Debug, Args)]
pub struct MatrixArgs {
    /// Only this table: tensorflow, torch, jax, cuda, cudnn, gpus. Default: all.
    pub table: Option<String>,
}

#[derive(Debug, Args)]
pub struct ArchsArgs {
    /// ELF executables or shared libraries.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Also say whether a GPU of this compute capability can run each file (`8.6`, `sm_86`).
    #[arg(long, value_name = "X.Y", conflicts_with = "gpu")]
    pub cc: Option<String>,
    /// Also say whether this GPU model can run each file ("RTX 3090", "Tesla K80").
    #[arg(long, value_name = "NAME")]
    pub gpu: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The log to read; `-` or nothing reads standard input.
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub source: SourceArgs,
}

/// `--base`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BaseArg {
    /// The official framework image where the knowledge base names one, else nvidia/cuda.
    Official,
    /// nvidia/cuda with the release's CUDA and cuDNN, plus a pinned `pip install`.
    Cuda,
}

#[derive(Debug, Args)]
pub struct DockerfileArgs {
    /// `tensorflow==2.9.0`, `tf==2.9`, `torch==2.1.0` (`+cu118` for another build), `jax==0.4.30`.
    pub spec: String,
    /// Jupyter on port 8888 (the official `-gpu-jupyter` image for TensorFlow).
    #[arg(long)]
    pub jupyter: bool,
    /// The Python to install, e.g. `3.11` (needs `--base cuda`; checked against the release).
    #[arg(long, value_name = "X.Y")]
    pub python: Option<String>,
    /// The base image.
    #[arg(long, value_enum, default_value_t = BaseArg::Official)]
    pub base: BaseArg,
    /// Also set `NVIDIA_VISIBLE_DEVICES` to these GPUs: `all` or `0,1`.
    #[arg(long, value_name = "all|0,1")]
    pub gpus: Option<String>,
    /// Install cudoctor in the image and add `HEALTHCHECK CMD cudoctor check --quiet`.
    #[arg(long)]
    pub with_cudoctor: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The release, as for `cudoctor dockerfile`.
    pub spec: String,
    /// The GPUs: `all` or a list such as `0,1` (written `--gpus '"device=0,1"'`).
    #[arg(long, value_name = "all|0,1", default_value = "all")]
    pub gpus: String,
    /// Memory limit, e.g. `16g` (S15).
    #[arg(long, value_name = "SIZE")]
    pub memory: Option<String>,
    /// A host directory mounted at /data (default: the current directory at /tmp, as in S9).
    #[arg(long, value_name = "DIR")]
    pub data: Option<String>,
    /// Jupyter on port 8888.
    #[arg(long)]
    pub jupyter: bool,
    /// Print a Compose file (YAML) instead of a `docker run` line.
    #[arg(long)]
    pub compose: bool,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// The Dockerfile; `-` reads standard input.
    #[arg(default_value = "Dockerfile")]
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct FixArgs {
    #[command(subcommand)]
    pub target: FixTarget,
}

/// What `cudoctor fix` edits.
#[derive(Debug, Subcommand)]
pub enum FixTarget {
    /// Add `runtimes.nvidia` to Docker's `daemon.json` (every other key and its formatting kept).
    #[command(
        after_help = "Examples:\n  cudoctor fix docker-runtime                       # show the diff; nothing is written\n  sudo cudoctor fix docker-runtime --set-default --apply\n  cudoctor fix docker-runtime --config ~/.config/docker/daemon.json --apply   # rootless Docker\n  cudoctor fix docker-runtime --format json\n\nThe file is the `--config-file` of the running dockerd, a rootless daemon's\n~/.config/docker/daemon.json, the snap's, else /etc/docker/daemon.json.\nWith --apply: the original is kept as PATH.cudoctor-backup-YYYYMMDDTHHMMSSZ."
    )]
    DockerRuntime(FixEditArgs),
    /// Add the `nvidia` runtime to containerd's `config.toml` (comments and order kept).
    #[command(
        after_help = "Examples:\n  cudoctor fix containerd                           # show the diff; nothing is written\n  sudo cudoctor fix containerd --set-default --apply   # Kubernetes nodes: pods get the GPU runtime\n  cudoctor fix containerd --config /etc/k3s/containerd/config.toml\n\nversion = 2 configs (containerd 1.x) get plugins.\"io.containerd.grpc.v1.cri\", version = 3\n(containerd 2.x) plugins.\"io.containerd.cri.v1.runtime\"; an empty file becomes version = 2."
    )]
    Containerd(FixEditArgs),
}

#[derive(Debug, Args)]
pub struct FixEditArgs {
    /// The file to edit. Default: the one the daemon reads (`docker-runtime`), or
    /// `/etc/containerd/config.toml` (`containerd`).
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Also make `nvidia` the default runtime (`default-runtime` / `default_runtime_name`).
    #[arg(long)]
    pub set_default: bool,
    /// Write the change (atomically, keeping a backup). Without it, only the diff is shown.
    #[arg(long)]
    pub apply: bool,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Time between two samples (`500ms`, `1s`, `2m`); also the step of a CSV log without a
    /// `timestamp` column.
    #[arg(long, value_name = "TIME", default_value = "500ms")]
    pub interval: String,
    /// Stop after this long (`60s`, `10m`, `1h`). Default: 60 s; with `-- COMMAND`, until it
    /// exits; with `--replay`, the whole recording.
    #[arg(long, value_name = "TIME")]
    pub duration: Option<String>,
    /// Judge a recording instead of the live GPUs: an `nvidia-smi --query-gpu=... --format=csv`
    /// log, or a `cudoctor watch --format jsonl` recording (`.jsonl`).
    #[arg(long, value_name = "FILE")]
    pub replay: Option<PathBuf>,
    /// With --replay of a log written with `--format=csv,noheader`: its `--query-gpu` fields,
    /// in order (`timestamp,index,utilization.gpu,memory.used`).
    #[arg(long, value_name = "LIST", requires = "replay")]
    pub fields: Option<String>,
    /// The command to run and follow (after `--`): its process tree is matched against the GPU
    /// processes, and the watch ends when it exits.
    #[arg(last = true, value_name = "COMMAND", conflicts_with = "replay")]
    pub command: Vec<String>,
}
