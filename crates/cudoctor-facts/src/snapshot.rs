//! The snapshot: every fact a probe collected, as a versioned, deterministic JSON document.
//!
//! Facts are tri-state. A known fact is a plain value with its provenance in a sibling
//! `*_source` field; a fact that could not be read is `null` with a sibling `*_unknown` reason;
//! an absent fact is `null` with neither. Lists are sorted so that the same machine gives the
//! same bytes, and `from_json(to_json(s)) == s` exactly.

use std::collections::BTreeMap;

use cudoctor_kb::version::{
    ComputeCapability, CudaVersion, CudnnVersion, DriverVersion, FrameworkVersion, PythonVersion,
};
use serde::{Deserialize, Serialize};

/// An enum whose variants each have one name, written once: the name JSON writes (serde), the
/// name [`as_str`](RootKind::as_str) and `Display` give, and `ALL` in declaration order.
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text)] $variant, )+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The name, as JSON writes it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub use crate::fact::Fact;
pub use crate::loader::LoaderQuestion;

/// The schema version this crate writes and reads.
pub const SCHEMA_VERSION: u32 = 1;

/// A snapshot that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// Not valid JSON at all.
    #[error("cannot parse snapshot JSON (line {line}, column {column})")]
    Parse {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
    /// Valid JSON, but a field is missing or has the wrong type.
    #[error("snapshot field `{field}` is wrong: {message}")]
    Field {
        /// The field's path (`gpus[0].name`, `driver`; `.` for the document itself).
        field: String,
        /// What serde expected and found (`invalid type: string "notalist", expected a sequence`).
        message: String,
    },
    /// Written by a newer or older schema, or not a version at all.
    #[error("unsupported snapshot schema_version {found} (this build reads {SCHEMA_VERSION})")]
    SchemaVersion {
        /// What the file holds there, as JSON text (`"1"`, `-1`, `1e300`, `missing`).
        found: String,
    },
    /// A cap of [`crate::limits`] was reached.
    #[error("{what}: more than the {cap} cap of {limit}")]
    TooLarge {
        /// What is too large (`the snapshot`, `gpus[0].name`).
        what: String,
        /// The cap's name in [`crate::limits`].
        cap: &'static str,
        /// The cap.
        limit: u64,
    },
    /// The input could not be read.
    #[error("cannot read the snapshot")]
    Io {
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Could not serialize (should not happen).
    #[error("cannot serialize snapshot")]
    Serialize {
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
}

/// Everything a probe found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// What was probed.
    pub root: RootInfo,
    /// The environment variables that matter, as seen by the probe.
    pub environment: EnvironmentFacts,
    /// Kernel and user-space driver.
    pub driver: DriverFacts,
    /// GPUs, from `/proc/driver/nvidia/gpus/*/information` and live calls.
    pub gpus: Vec<Gpu>,
    /// `/dev/nvidia*` nodes.
    pub device_nodes: DeviceNodes,
    /// CUDA toolkits.
    pub cuda_toolkits: Vec<CudaToolkit>,
    /// CUDA (and driver) libraries found anywhere a loader or framework looks.
    pub libraries: Vec<Library>,
    /// cuDNN copies (headers, libraries, wheels).
    pub cudnn: Vec<Cudnn>,
    /// Python environments.
    pub python_environments: Vec<PythonEnvironment>,
    /// Frameworks installed in those environments.
    pub frameworks: Vec<Framework>,
    /// Container facts (inside one, or a Docker host).
    pub container: ContainerFacts,
    /// What the loader would pick for each soname found (and `libcuda.so.1`), sorted.
    pub loader: Vec<crate::loader::Resolution>,
    /// Live driver calls (host only; `null` for a directory root or when disabled).
    pub live: Option<LiveFacts>,
    /// Collectors that failed or files that could not be read.
    pub probe_errors: Vec<ProbeError>,
    /// The container image the files come from (`--image`); absent for a host or a directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageFacts>,
    /// The Python that `python` / `pip` run here, and which rule decided it (see
    /// [`ActivePython`]); absent when the Python environments were not collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_python: Option<ActivePython>,
    /// Operating system, C library, kernel, CPU and host name: what a bug report's
    /// `collect_env` shows. Omitted when nothing of it was collected.
    #[serde(default, skip_serializing_if = "SystemFacts::is_empty")]
    pub system: SystemFacts,
    /// The probe that wrote the snapshot; absent in snapshots of earlier probes and in ones
    /// built by hand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<ProbeInfo>,
}

/// The probe that wrote a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ProbeInfo {
    /// The cudoctor version (`0.1.0`).
    pub tool_version: String,
}

named_enum! {
    /// Why an environment is the active Python: the rule that decided, in the probe's order of
    /// precedence (first that applies wins).
    #[derive(
        Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
    )]
    pub enum ActivePythonReason {
        /// `VIRTUAL_ENV` is set (an activated venv).
        VirtualEnv = "virtual_env",
        /// `CONDA_PREFIX` is set (an activated conda environment).
        CondaPrefix = "conda_prefix",
        /// pyenv decides, from `PYENV_VERSION`.
        PyenvVersion = "pyenv_version",
        /// pyenv decides, from a `.python-version` file in the working directory or a parent.
        PythonVersionFile = "python_version_file",
        /// pyenv decides, from its global `$PYENV_ROOT/version`.
        PyenvGlobal = "pyenv_global",
        /// A `.venv` directory (with `pyvenv.cfg`) in the working directory.
        DotVenv = "dot_venv",
        /// The first `python3` / `python` on `PATH`.
        #[default]
        Path = "path",
    }
}

/// The active Python: the environment `python` and `pip` would use, found from files and the
/// environment variables only (never by running an interpreter).
///
/// When the deciding rule names something that is not there (`PYENV_VERSION=3.9.18` with no
/// `versions/3.9.18`, a `VIRTUAL_ENV` that does not exist), `prefix` is null and `unknown` says
/// why: the probe does not fall back to another rule silently.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ActivePython {
    /// The rule that decided (`pyenv_version`).
    pub reason: ActivePythonReason,
    /// The deciding setting, for people (`PYENV_VERSION=3.9.18`,
    /// `/work/proj/.python-version says 3.10.4`, `/usr/bin/python3 is the first python on PATH`).
    pub detail: String,
    /// The environment's prefix (`/opt/venv`, `/root/.pyenv/versions/3.9.18`, `/usr`): the
    /// `path` of the entry of `python_environments` marked `active` when it has site-packages.
    pub prefix: Option<String>,
    /// The interpreter, when known (`/usr/bin/python3`, `/opt/venv/bin/python`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpreter: Option<String>,
    /// Its Python version (`3.9`).
    #[serde(flatten, with = "activepython_version")]
    pub version: Fact<PythonVersion>,
    /// The full version when a file names it (`3.9.18` from `pyvenv.cfg` or a pyenv version).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_version: Option<String>,
    /// Why the active environment is unknown (the rule named one that is not there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unknown: Option<String>,
}

/// The operating system, C library, kernel, CPU and host name, read from files only.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SystemFacts {
    /// `PRETTY_NAME` of `/etc/os-release` (`Debian GNU/Linux 12 (bookworm)`).
    #[serde(flatten, with = "system_os")]
    pub os: Fact<String>,
    /// `ID` of os-release (`debian`, `ubuntu`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_id: Option<String>,
    /// `VERSION_ID` of os-release (`12`, `22.04`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_version_id: Option<String>,
    /// The GNU C library's version (`2.36`), from `libc.so.6`'s link target name or the release
    /// string inside it.
    #[serde(flatten, with = "system_glibc_version")]
    pub glibc_version: Fact<String>,
    /// The running kernel's release (`6.8.0-45-generic`); unknown for a directory or an image
    /// (their files do not say which kernel will run them).
    #[serde(flatten, with = "system_kernel_release")]
    pub kernel_release: Fact<String>,
    /// The CPU model (`AMD EPYC 7763 64-Core Processor`), live host only.
    #[serde(flatten, with = "system_cpu_model")]
    pub cpu_model: Fact<String>,
    /// Logical CPUs listed in `/proc/cpuinfo`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_count: Option<u32>,
    /// The host name (`/proc/sys/kernel/hostname`, `/etc/hostname` or `HOSTNAME`); recorded so
    /// that [`Snapshot::redact`] can remove it everywhere.
    #[serde(flatten, with = "system_hostname")]
    pub hostname: Fact<String>,
}

impl SystemFacts {
    /// Whether nothing was collected (the section is then omitted from JSON).
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// A container image: its reference, its config and where each of its layers came from.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ImageFacts {
    /// The reference as given, in its transport's form (`docker-archive:/tmp/tf.tar`).
    pub reference: String,
    /// `docker-archive`, `oci-archive`, `oci`, `docker` (a registry) or `docker-daemon` (an
    /// engine's API).
    pub transport: String,
    /// The manifest's digest (`sha256:...`), when known.
    pub manifest_digest: Option<String>,
    /// The config's digest.
    pub config_digest: Option<String>,
    /// `os/architecture[/variant]` from the config.
    pub platform: String,
    /// The config's `created` (RFC 3339).
    pub created: Option<String>,
    /// Whole days from `created` to the probe, when both are known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_days: Option<u64>,
    /// The names the image carries (`RepoTags` of a `docker save` archive, the
    /// `org.opencontainers.image.ref.name` of an OCI layout, the registry reference), as written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The config's `Env`, as `K=V`, in order.
    pub env: Vec<String>,
    /// The config's `User` (`None` or empty: root).
    pub user: Option<String>,
    /// `Entrypoint`.
    pub entrypoint: Vec<String>,
    /// `Cmd`.
    pub cmd: Vec<String>,
    /// `Labels`, sorted.
    pub labels: BTreeMap<String, String>,
    /// The config's `history`, in order.
    pub history: Vec<ImageHistory>,
    /// The layers, bottom first.
    pub layers: Vec<ImageLayer>,
    /// Paths a layer deleted with a whiteout (capped; the cap is noted in `problems`).
    pub whiteouts: Vec<ImageWhiteout>,
    /// Where the library and header files the probe recorded came from.
    pub provenance: Vec<FileProvenance>,
    /// Members skipped and why, each naming the member and layer.
    pub problems: Vec<String>,
    /// Where the driver and GPU facts (the host that will run the image) came from:
    /// `this machine` or `--host FILE`.
    pub host: String,
}

/// One `history` entry of an image config.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ImageHistory {
    /// RFC 3339.
    pub created: Option<String>,
    /// The Dockerfile instruction or command (`RUN pip install ...`).
    pub created_by: Option<String>,
    /// Whether it made no layer (`ENV`, `LABEL`).
    pub empty_layer: bool,
}

/// One layer of an image.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ImageLayer {
    /// 0 for the bottom layer.
    pub index: u32,
    /// The blob digest, when known.
    pub digest: Option<String>,
    /// `none`, `gzip` or `zstd`.
    pub compression: String,
    /// Bytes of the blob.
    pub size: u64,
    /// The `history` entry that made it.
    pub created_by: Option<String>,
}

/// A path deleted by a whiteout.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ImageWhiteout {
    /// The path inside the image.
    pub path: String,
    /// The layer holding the whiteout.
    pub layer: u32,
    /// The layer whose file it hid, when there was one.
    pub hid_layer: Option<u32>,
}

/// Which layer wrote a file, and which lower layer's file at that path it replaced.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FileProvenance {
    /// The path inside the image.
    pub path: String,
    /// The layer that wrote it.
    pub layer: u32,
    /// The lower layer whose file it replaced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced_layer: Option<u32>,
}

/// What was probed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootInfo {
    /// `host` or `directory`.
    pub kind: RootKind,
    /// `/` or the directory.
    pub path: String,
}

named_enum! {
    /// The kind of root the facts come from.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
    pub enum RootKind {
        /// The running host (`/`): live driver calls and the process environment apply.
        Host = "host",
        /// A directory treated as `/` (`--root DIR`): files only, the environment `--env` gives.
        Directory = "directory",
        /// A container image (`--image REF`): its layers' files, its config's `Env`; the driver
        /// and GPUs are those of the host that will run it.
        Image = "image",
    }
}

/// Environment variables of interest (only those set).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EnvironmentFacts {
    /// `process environment` or `--env`.
    pub source: String,
    /// Variable -> value, sorted by name.
    pub variables: BTreeMap<String, String>,
    /// The entries of `LD_LIBRARY_PATH` that glibc reads relative to the current directory:
    /// an empty one (a leading, trailing or doubled `:`, which glibc takes as the current
    /// directory) or a relative path, each described (`entry 1 is empty (the current
    /// directory)`). Empty when there are none or the variable is unset. While it is not
    /// empty, the live probe loads no driver library (see `live.libcuda_unknown`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ld_library_path_current_directory: Vec<String>,
}

/// Kernel module and user-space driver.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DriverFacts {
    /// Kernel module version (`535.104.05`).
    #[serde(flatten, with = "driverfacts_kernel_module_version")]
    pub kernel_module_version: Fact<DriverVersion>,
    /// `proprietary` or `open` (from the banner).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernel_module_flavor: Option<String>,
    /// The banner line as read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernel_module_banner: Option<String>,
    /// User-space driver version (from `libcuda.so.<ver>`, NVML).
    #[serde(flatten, with = "driverfacts_userspace_version")]
    pub userspace_version: Fact<DriverVersion>,
    /// The newest CUDA version the driver supports, `major.minor` as the driver reports it
    /// (`cuDriverGetVersion`, `nvidia-smi`: `12.2`).
    #[serde(flatten, with = "driverfacts_cuda_version")]
    pub cuda_version: Fact<CudaVersion>,
    /// The newest CUDA toolkit release the driver runs without compatibility packages: the
    /// newest release whose toolkit driver requirement it meets (`12.2.2` for 535.261.03), from
    /// the knowledge base.
    #[serde(flatten, with = "driverfacts_newest_toolkit")]
    pub newest_toolkit: Fact<CudaVersion>,
}

impl DriverFacts {
    /// The driver version: the kernel module's, else the user-space driver's.
    pub fn version(&self) -> Option<&DriverVersion> {
        self.kernel_module_version
            .value()
            .or(self.userspace_version.value())
    }
}

/// A GPU.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Gpu {
    /// PCI bus location (`0000:3b:00.0`), when known; used to merge sources.
    pub bus_location: Option<String>,
    /// Marketing name (`NVIDIA A100-SXM4-80GB`).
    #[serde(flatten, with = "gpu_name")]
    pub name: Fact<String>,
    /// Compute capability (`8.0`).
    #[serde(flatten, with = "gpu_compute_capability")]
    pub compute_capability: Fact<ComputeCapability>,
    /// GPU UUID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    /// Total memory in bytes: NVML's (what `nvidia-smi` shows), else `cuDeviceTotalMem`.
    #[serde(flatten, with = "gpu_memory_total_bytes")]
    pub memory_total_bytes: Fact<u64>,
}

/// `/dev/nvidia*` device nodes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DeviceNodes {
    /// `/dev/nvidia0`, `/dev/nvidia1`, ...
    pub gpus: Vec<String>,
    /// `/dev/nvidiactl` present.
    pub nvidiactl: bool,
    /// `/dev/nvidia-uvm` present.
    pub nvidia_uvm: bool,
    /// Why `/dev` could not be listed, if it could not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unknown: Option<String>,
}

/// A CUDA toolkit installation.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CudaToolkit {
    /// The toolkit directory as found (`/usr/local/cuda-11.8`).
    pub root: String,
    /// The directory behind links (`/usr/local/cuda` -> `/usr/local/cuda-12.2`).
    pub real_root: Option<String>,
    /// How it was found (`/usr/local/cuda*`, `CUDA_HOME`, `nvcc on PATH`, ...), sorted.
    pub found_via: Vec<String>,
    /// Toolkit version (`11.8.89` or `11.8`).
    #[serde(flatten, with = "cudatoolkit_version")]
    pub version: Fact<CudaVersion>,
    /// `bin/nvcc` when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nvcc: Option<String>,
}

/// A shared library of interest.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Library {
    /// The family (`cudart`, `cublas`, `cuda`, `nvidia-ml`, `cudnn`, ...).
    pub family: LibraryFamily,
    /// DT_SONAME of the real file, else the name the file was found under.
    #[serde(flatten, with = "library_soname")]
    pub soname: Fact<String>,
    /// The path found (inside the root).
    pub path: String,
    /// The file behind all links (inside the root); null when dangling or a loop.
    #[serde(flatten, with = "library_real_path")]
    pub real_path: Fact<String>,
    /// Version text (`11.8.89`, `535.261.03`).
    #[serde(flatten, with = "library_version")]
    pub version: Fact<String>,
    /// Where it was found (`ld_so_cache`, `default_dir`, `ld_library_path`, `toolkit`, ...), sorted.
    pub found_via: Vec<String>,
    /// A symlink whose target does not exist.
    pub dangling: bool,
    /// `elf64-x86_64` etc., when the ELF header was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elf: Option<String>,
    /// GPU code in the library's CUDA fatbinaries (`sm_80`, `compute_90`), for cuBLAS and cuDNN
    /// (for cuDNN, united over the `libcudnn*` sub-libraries of the same major next to it, which
    /// hold its kernels). Null when not read.
    #[serde(flatten, with = "library_gpu_code")]
    pub gpu_code: Fact<Vec<String>>,
}

named_enum! {
    /// The library families the probe records: a file `lib<family>.so*`, named by the stem of its
    /// file name (`lib<name>.so`), as in JSON; [`LibraryFamily::ALL`] is the order the probe lists
    /// them in.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
    pub enum LibraryFamily {
        /// The user-space driver, `libcuda.so`.
        #[default]
        Cuda = "cuda",
        /// NVML, `libnvidia-ml.so` (part of the driver).
        NvidiaMl = "nvidia-ml",
        /// The CUDA runtime.
        Cudart = "cudart",
        /// cuBLAS.
        Cublas = "cublas",
        /// cuBLASLt.
        CublasLt = "cublasLt",
        /// cuFFT.
        Cufft = "cufft",
        /// cuRAND.
        Curand = "curand",
        /// cuSOLVER.
        Cusolver = "cusolver",
        /// cuSPARSE.
        Cusparse = "cusparse",
        /// NVRTC.
        Nvrtc = "nvrtc",
        /// nvJitLink.
        NvJitLink = "nvJitLink",
        /// CUPTI.
        Cupti = "cupti",
        /// NCCL.
        Nccl = "nccl",
        /// TensorRT.
        Nvinfer = "nvinfer",
        /// cuDNN.
        Cudnn = "cudnn",
    }
}

impl LibraryFamily {
    /// The family of a file-name stem (`cudart`), exactly.
    pub fn from_stem(stem: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|f| f.as_str() == stem)
    }
}

impl PartialEq<&str> for LibraryFamily {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::str::FromStr for LibraryFamily {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::from_stem(s).ok_or_else(|| format!("`{s}` is not a library family cudoctor records"))
    }
}

/// A cuDNN copy.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Cudnn {
    /// `header`, `library` or `wheel`.
    pub kind: String,
    /// The file (header, library, or wheel METADATA).
    pub path: String,
    /// Its version.
    #[serde(flatten, with = "cudnn_version")]
    pub version: Fact<CudnnVersion>,
}

/// A Python environment.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PythonEnvironment {
    /// The prefix (`/opt/venv`, `/usr`, `/opt/conda/envs/tf`) or a site-packages directory.
    pub path: String,
    /// `venv`, `conda`, `system`, `user`, `interpreter`.
    pub kind: String,
    /// How it was found, sorted.
    pub found_via: Vec<String>,
    /// Python version (`3.10`).
    #[serde(flatten, with = "pythonenvironment_python_version")]
    pub python_version: Fact<PythonVersion>,
    /// Its site-packages / dist-packages directories.
    pub site_packages: Vec<String>,
    /// Packages of interest (frameworks, `nvidia-*`), sorted by name.
    pub packages: Vec<PythonPackage>,
    /// Whether it is the active Python ([`Snapshot::active_python`]); written only when true
    /// (absent means false), so snapshots of earlier probes read and write back unchanged.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub active: bool,
}

/// An installed Python distribution of interest.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PythonPackage {
    /// Normalized name (`nvidia-cuda-runtime-cu11`).
    pub name: String,
    /// Version as written in METADATA.
    pub version: Option<String>,
    /// The `.dist-info` directory.
    pub metadata_path: String,
    /// `Requires-Dist` entries naming `nvidia-*` packages, as written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires_nvidia: Vec<String>,
}

/// A framework installation.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Framework {
    /// `tensorflow`, `torch`, `jax`, `jaxlib`, `jax-cuda12-plugin`, ...
    pub name: String,
    /// The environment (prefix) it is installed in.
    pub environment: String,
    /// Its version.
    #[serde(flatten, with = "framework_version")]
    pub version: Fact<FrameworkVersion>,
    /// CUDA version it was built with.
    #[serde(flatten, with = "framework_cuda_version")]
    pub cuda_version: Fact<CudaVersion>,
    /// cuDNN version it was built with.
    #[serde(flatten, with = "framework_cudnn_version")]
    pub cudnn_version: Fact<CudnnVersion>,
    /// GPU targets compiled in, as written (`sm_35`, `compute_80`); null when unknown.
    #[serde(flatten, with = "framework_compute_capabilities")]
    pub compute_capabilities: Fact<Vec<String>>,
    /// Built with CUDA (TF `is_cuda_build`; torch `cuda` not None).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_cuda_build: Option<bool>,
    /// ROCm/HIP version (torch `hip`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hip_version: Option<String>,
    /// `Requires-Dist` entries naming `nvidia-*` packages (pins), as written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires_nvidia: Vec<String>,
}

/// Container facts.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ContainerFacts {
    /// Markers of being inside a container (`/.dockerenv`, `/run/.containerenv`).
    pub markers: Vec<String>,
    /// `NVIDIA_REQUIRE_CUDA`.
    pub nvidia_require_cuda: Option<String>,
    /// `CUDA_VERSION` (image env).
    pub cuda_version_env: Option<String>,
    /// `NV_CUDNN_VERSION`.
    pub nv_cudnn_version: Option<String>,
    /// `/etc/docker/daemon.json`, when present.
    pub docker_daemon: Option<DockerDaemon>,
    /// nvidia-container-toolkit binaries found (`/usr/bin/nvidia-ctk`, ...), sorted.
    pub nvidia_container_tools: Vec<String>,
    /// `/etc/nvidia-container-runtime/config.toml` when present.
    pub nvidia_container_runtime_config: Option<String>,
    /// CUDA forward-compatibility driver libraries (the `cuda-compat` package:
    /// `/usr/local/cuda*/compat/libcuda.so.<version>`), sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cuda_compat: Vec<String>,
}

/// `/etc/docker/daemon.json`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DockerDaemon {
    /// The file.
    pub path: String,
    /// Names under `runtimes`, sorted.
    pub runtimes: Vec<String>,
    /// `default-runtime`.
    pub default_runtime: Option<String>,
    /// Why it could not be read (invalid JSON with line and column).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unknown: Option<String>,
}

/// Live driver calls on the running host.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LiveFacts {
    /// The libcuda file that was loaded, or the name tried when loading failed (then with
    /// `libcuda_unknown`): both can be set, so it is not one [`Fact`].
    pub libcuda: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub libcuda_unknown: Option<String>,
    /// `cuDriverGetVersion` (`12020`).
    #[serde(flatten, with = "livefacts_cu_driver_get_version")]
    pub cu_driver_get_version: Fact<i32>,
    /// `cuInit(0)`'s result code (0 success, 100 no device, ...).
    pub cu_init: Option<i32>,
    /// Its name (`CUDA_ERROR_NO_DEVICE`).
    pub cu_init_name: Option<String>,
    /// `cuDeviceGetCount` (after a successful cuInit).
    pub device_count: Option<i32>,
    /// Devices seen through libcuda.
    pub devices: Vec<LiveDevice>,
    /// NVML.
    pub nvml: NvmlFacts,
}

/// A device as seen through libcuda.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LiveDevice {
    /// Ordinal.
    pub index: i32,
    /// `cuDeviceGetName`.
    pub name: Option<String>,
    /// From attributes 75/76 (`8.0`).
    pub compute_capability: Option<String>,
    /// `domain:bus:device.0` from attributes 50/33/34.
    pub bus_location: Option<String>,
    /// `cuDeviceTotalMem_v2`.
    pub memory_total_bytes: Option<u64>,
}

/// NVML answers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NvmlFacts {
    /// How NVML was reached (`dlopen libnvidia-ml.so.1`).
    pub method: String,
    /// The library loaded.
    pub library: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unknown: Option<String>,
    /// `nvmlSystemGetDriverVersion`.
    pub driver_version: Option<String>,
    /// Devices.
    pub devices: Vec<NvmlDevice>,
}

/// A device as seen through NVML.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NvmlDevice {
    /// Ordinal.
    pub index: u32,
    /// Name.
    pub name: Option<String>,
    /// UUID.
    pub uuid: Option<String>,
    /// PCI bus id.
    pub bus_location: Option<String>,
    /// Total memory in bytes.
    pub memory_total_bytes: Option<u64>,
}

/// A collector failure or unreadable file. Never fatal.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ProbeError {
    /// The collector (`driver`, `libraries`, ...).
    pub collector: String,
    /// The file involved, if any.
    pub path: Option<String>,
    /// What went wrong.
    pub message: String,
}

impl Snapshot {
    /// An empty snapshot of the given root.
    pub fn empty(root: RootInfo) -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            root,
            environment: EnvironmentFacts::default(),
            driver: DriverFacts::default(),
            gpus: Vec::new(),
            device_nodes: DeviceNodes::default(),
            cuda_toolkits: Vec::new(),
            libraries: Vec::new(),
            cudnn: Vec::new(),
            python_environments: Vec::new(),
            frameworks: Vec::new(),
            container: ContainerFacts::default(),
            loader: Vec::new(),
            live: None,
            probe_errors: Vec::new(),
            image: None,
            active_python: None,
            system: SystemFacts::default(),
            probe: None,
        }
    }

    /// The first failure the probe recorded for `collector` (`driver`, `libraries`): where it
    /// failed, what it gathered is incomplete.
    pub fn probe_error(&self, collector: &str) -> Option<&ProbeError> {
        self.probe_errors.iter().find(|e| e.collector == collector)
    }

    /// Pretty JSON, deterministic.
    pub fn to_json(&self) -> Result<String, SnapshotError> {
        serde_json::to_string_pretty(self).map_err(|source| SnapshotError::Serialize { source })
    }

    /// Reads a snapshot, checking `schema_version` first. A field that is missing or of the
    /// wrong type is named by its path ([`SnapshotError::Field`]); a string longer than
    /// [`NAME_CHARS`](crate::limits::NAME_CHARS) where a name belongs is refused.
    pub fn from_json(text: &str) -> Result<Self, SnapshotError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let parse = |source: serde_json::Error| SnapshotError::Parse {
            line: source.line(),
            column: source.column(),
            source,
        };
        let value: serde_json::Value = serde_json::from_str(text).map_err(parse)?;
        let version = value.get("schema_version");
        if version.and_then(serde_json::Value::as_u64) != Some(u64::from(SCHEMA_VERSION)) {
            return Err(SnapshotError::SchemaVersion {
                found: version.map_or_else(|| "missing".to_owned(), snippet_json),
            });
        }
        let snap: Snapshot = serde_path_to_error::deserialize(value).map_err(|e| {
            let field = e.path().to_string();
            SnapshotError::Field {
                field,
                message: e.into_inner().to_string(),
            }
        })?;
        snap.check_caps()?;
        Ok(snap)
    }

    /// Reads a snapshot from `reader` (a file, or standard input for `-`), at most
    /// [`SNAPSHOT_BYTES`](crate::limits::SNAPSHOT_BYTES): a longer input (`/dev/zero`) is
    /// refused with the cap named, never read to the end.
    pub fn from_reader(reader: impl std::io::Read) -> Result<Self, SnapshotError> {
        use std::io::Read as _;
        let cap = crate::limits::SNAPSHOT_BYTES;
        let mut bytes = Vec::new();
        reader
            .take(cap + 1)
            .read_to_end(&mut bytes)
            .map_err(|source| SnapshotError::Io { source })?;
        if bytes.len() as u64 > cap {
            return Err(SnapshotError::TooLarge {
                what: "the snapshot".to_owned(),
                cap: "SNAPSHOT_BYTES",
                limit: cap,
            });
        }
        let text = String::from_utf8(bytes).map_err(|e| SnapshotError::Io {
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("not UTF-8 (at byte {})", e.utf8_error().valid_up_to()),
            ),
        })?;
        Self::from_json(&text)
    }

    /// Names longer than [`NAME_CHARS`](crate::limits::NAME_CHARS) are not names.
    fn check_caps(&self) -> Result<(), SnapshotError> {
        let cap = crate::limits::NAME_CHARS;
        let long = |what: String, s: Option<&str>| {
            if s.is_some_and(|s| s.chars().count() > cap) {
                Err(SnapshotError::TooLarge {
                    what,
                    cap: "NAME_CHARS",
                    limit: cap as u64,
                })
            } else {
                Ok(())
            }
        };
        for (i, g) in self.gpus.iter().enumerate() {
            long(format!("gpus[{i}].name"), g.name.as_deref())?;
        }
        if let Some(live) = &self.live {
            for (i, d) in live.devices.iter().enumerate() {
                long(format!("live.devices[{i}].name"), d.name.as_deref())?;
            }
            for (i, d) in live.nvml.devices.iter().enumerate() {
                long(format!("live.nvml.devices[{i}].name"), d.name.as_deref())?;
            }
        }
        Ok(())
    }

    /// Sorts every list so that output is deterministic.
    pub fn sort(&mut self) {
        self.gpus.sort_by(|a, b| {
            (&a.bus_location, &a.name, &a.uuid).cmp(&(&b.bus_location, &b.name, &b.uuid))
        });
        self.device_nodes.gpus.sort();
        self.cuda_toolkits.sort_by(|a, b| a.root.cmp(&b.root));
        self.libraries
            .sort_by(|a, b| (a.family.as_str(), &a.path).cmp(&(b.family.as_str(), &b.path)));
        self.cudnn
            .sort_by(|a, b| (&a.kind, &a.path).cmp(&(&b.kind, &b.path)));
        self.python_environments.sort_by(|a, b| a.path.cmp(&b.path));
        for env in &mut self.python_environments {
            env.packages
                .sort_by(|a, b| (&a.name, &a.metadata_path).cmp(&(&b.name, &b.metadata_path)));
        }
        self.frameworks
            .sort_by(|a, b| (&a.environment, &a.name).cmp(&(&b.environment, &b.name)));
        self.container.markers.sort();
        self.container.nvidia_container_tools.sort();
        self.loader.sort_by(|a, b| {
            (&a.soname, &a.preload_environment).cmp(&(&b.soname, &b.preload_environment))
        });
        self.probe_errors.sort();
        self.probe_errors.dedup();
    }
}

/// A JSON value as text for a message, at most 40 characters.
fn snippet_json(v: &serde_json::Value) -> String {
    let t = v.to_string();
    if t.chars().count() > 40 {
        format!("{}...", t.chars().take(40).collect::<String>())
    } else {
        t
    }
}

impl Snapshot {
    /// Fills unknown GPU compute capabilities from their names (the knowledge base's
    /// `gpu_by_name`); `lookup` returns the capability and its source.
    pub fn fill_gpu_compute_capabilities(
        &mut self,
        lookup: impl Fn(&str) -> Option<(ComputeCapability, String)>,
    ) {
        for g in &mut self.gpus {
            if g.compute_capability.is_known() {
                continue;
            }
            if let Some((cc, src)) = g.name.as_deref().and_then(&lookup) {
                g.compute_capability = Fact::known(cc, src);
            }
        }
    }

    /// Fills an unknown `driver.cuda_version` from the driver version (the knowledge base's
    /// driver-branch table); `lookup` returns the CUDA version and its source.
    pub fn fill_driver_cuda_version(
        &mut self,
        lookup: impl Fn(&DriverVersion) -> Option<(CudaVersion, String)>,
    ) {
        if self.driver.cuda_version.is_known() {
            return;
        }
        if let Some((cv, src)) = self.driver.version().and_then(&lookup) {
            self.driver.cuda_version = Fact::known(cv, src);
        }
    }

    /// Fills `driver.newest_toolkit` from the driver version (kernel module, else user space)
    /// with `lookup` (the knowledge base's toolkit table).
    pub fn fill_driver_newest_toolkit(
        &mut self,
        lookup: impl Fn(&DriverVersion) -> Option<(CudaVersion, String)>,
    ) {
        if let Some((cv, src)) = self.driver.version().and_then(&lookup) {
            self.driver.newest_toolkit = Fact::known(cv, src);
        }
    }
}

// The JSON keys of each fact field (see `crate::fact`).
crate::fact_keys!(
    driverfacts_kernel_module_version,
    "kernel_module_version",
    "kernel_module_version_source",
    "kernel_module_version_unknown"
);
crate::fact_keys!(
    driverfacts_userspace_version,
    "userspace_version",
    "userspace_version_source",
    "userspace_version_unknown"
);
crate::fact_keys!(
    driverfacts_cuda_version,
    "cuda_version",
    "cuda_version_source",
    "cuda_version_unknown"
);
crate::fact_keys!(driverfacts_newest_toolkit, skip "newest_toolkit", "newest_toolkit_source", _);
crate::fact_keys!(gpu_name, "name", "name_source", _);
crate::fact_keys!(
    gpu_compute_capability,
    "compute_capability",
    "compute_capability_source",
    "compute_capability_unknown"
);
crate::fact_keys!(gpu_memory_total_bytes, skip "memory_total_bytes", "memory_total_bytes_source", _);
crate::fact_keys!(
    cudatoolkit_version,
    "version",
    "version_source",
    "version_unknown"
);
crate::fact_keys!(library_soname, "soname", "soname_source", _);
crate::fact_keys!(library_real_path, "real_path", _, "real_path_unknown");
crate::fact_keys!(
    library_version,
    "version",
    "version_source",
    "version_unknown"
);
crate::fact_keys!(library_gpu_code, skip "gpu_code", "gpu_code_source", "gpu_code_unknown");
crate::fact_keys!(
    cudnn_version,
    "version",
    "version_source",
    "version_unknown"
);
crate::fact_keys!(
    pythonenvironment_python_version,
    "python_version",
    "python_version_source",
    "python_version_unknown"
);
crate::fact_keys!(
    activepython_version,
    "version",
    "version_source",
    "version_unknown"
);
crate::fact_keys!(system_os, skip "os", "os_source", "os_unknown");
crate::fact_keys!(
    system_glibc_version,
    skip "glibc_version",
    "glibc_version_source",
    "glibc_version_unknown"
);
crate::fact_keys!(
    system_kernel_release,
    skip "kernel_release",
    "kernel_release_source",
    "kernel_release_unknown"
);
crate::fact_keys!(system_cpu_model, skip "cpu_model", "cpu_model_source", "cpu_model_unknown");
crate::fact_keys!(system_hostname, skip "hostname", "hostname_source", "hostname_unknown");
crate::fact_keys!(
    framework_version,
    "version",
    "version_source",
    "version_unknown"
);
crate::fact_keys!(
    framework_cuda_version,
    "cuda_version",
    "cuda_version_source",
    "cuda_version_unknown"
);
crate::fact_keys!(
    framework_cudnn_version,
    "cudnn_version",
    "cudnn_version_source",
    "cudnn_version_unknown"
);
crate::fact_keys!(
    framework_compute_capabilities,
    "compute_capabilities",
    "compute_capabilities_source",
    "compute_capabilities_unknown"
);
crate::fact_keys!(
    livefacts_cu_driver_get_version,
    "cu_driver_get_version",
    _,
    "cu_driver_get_version_unknown"
);

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::{ActivePythonReason, LibraryFamily, RootKind};

    /// Each variant's one name is what JSON writes and reads, and what `Display` prints.
    fn names_agree<T>(all: &[T], as_str: fn(&T) -> &'static str)
    where
        T: serde::Serialize
            + serde::de::DeserializeOwned
            + PartialEq
            + std::fmt::Debug
            + std::fmt::Display,
    {
        for v in all {
            let name = as_str(v);
            assert_eq!(serde_json::to_string(v).unwrap(), format!("\"{name}\""));
            assert_eq!(
                &serde_json::from_str::<T>(&format!("\"{name}\"")).unwrap(),
                v
            );
            assert_eq!(v.to_string(), name);
        }
    }

    #[test]
    fn named_enums_write_one_name_everywhere() {
        names_agree(RootKind::ALL, |v| v.as_str());
        names_agree(ActivePythonReason::ALL, |v| v.as_str());
        names_agree(LibraryFamily::ALL, |v| v.as_str());
        assert_eq!(
            LibraryFamily::from_stem("nvJitLink"),
            Some(LibraryFamily::NvJitLink)
        );
        assert_eq!(ActivePythonReason::default(), ActivePythonReason::Path);
        assert_eq!(LibraryFamily::default(), LibraryFamily::Cuda);
    }
}
