//! Every environment variable the probe reads, in one place.

/// Variables recorded in the snapshot's `environment` section.
pub const RECORDED: &[&str] = &[
    CUDA_VISIBLE_DEVICES,
    NVIDIA_VISIBLE_DEVICES,
    LD_LIBRARY_PATH,
    PATH,
    CUDA_HOME,
    CUDA_PATH,
    TF_FORCE_GPU_ALLOW_GROWTH,
    XLA_FLAGS,
    PYTORCH_CUDA_ALLOC_CONF,
    VIRTUAL_ENV,
    CONDA_PREFIX,
    NVIDIA_REQUIRE_CUDA,
    NVIDIA_DISABLE_REQUIRE,
    CUDA_VERSION,
    NV_CUDNN_VERSION,
    NVIDIA_DRIVER_CAPABILITIES,
    PYENV_VERSION,
    PYENV_ROOT,
    HOME,
    USER,
    LOGNAME,
    HOSTNAME,
];

/// Which GPUs CUDA applications see.
pub const CUDA_VISIBLE_DEVICES: &str = "CUDA_VISIBLE_DEVICES";
/// Which GPUs the NVIDIA container runtime exposes.
pub const NVIDIA_VISIBLE_DEVICES: &str = "NVIDIA_VISIBLE_DEVICES";
/// Directories the loader searches before the cache.
pub const LD_LIBRARY_PATH: &str = "LD_LIBRARY_PATH";
/// Where `nvcc` and `python3` are looked for.
pub const PATH: &str = "PATH";
/// A toolkit location honoured by many build systems.
pub const CUDA_HOME: &str = "CUDA_HOME";
/// Same, another spelling.
pub const CUDA_PATH: &str = "CUDA_PATH";
/// TensorFlow memory growth.
pub const TF_FORCE_GPU_ALLOW_GROWTH: &str = "TF_FORCE_GPU_ALLOW_GROWTH";
/// XLA options (JAX, TensorFlow).
pub const XLA_FLAGS: &str = "XLA_FLAGS";
/// PyTorch's allocator options.
pub const PYTORCH_CUDA_ALLOC_CONF: &str = "PYTORCH_CUDA_ALLOC_CONF";
/// The active virtual environment.
pub const VIRTUAL_ENV: &str = "VIRTUAL_ENV";
/// The active conda environment.
pub const CONDA_PREFIX: &str = "CONDA_PREFIX";
/// NVIDIA CUDA images: the driver requirement.
pub const NVIDIA_REQUIRE_CUDA: &str = "NVIDIA_REQUIRE_CUDA";
/// Set (to anything): the NVIDIA container runtime skips the `NVIDIA_REQUIRE_*` checks.
pub const NVIDIA_DISABLE_REQUIRE: &str = "NVIDIA_DISABLE_REQUIRE";
/// NVIDIA CUDA images: the toolkit version.
pub const CUDA_VERSION: &str = "CUDA_VERSION";
/// NVIDIA cuDNN images: the cuDNN version.
pub const NV_CUDNN_VERSION: &str = "NV_CUDNN_VERSION";
/// NVIDIA container runtime capabilities.
pub const NVIDIA_DRIVER_CAPABILITIES: &str = "NVIDIA_DRIVER_CAPABILITIES";
/// The user's home, for `~/.local` and `~/*` venvs.
pub const HOME: &str = "HOME";
/// pyenv: the version selected for this shell (`pyenv shell`), `:`-separated.
pub const PYENV_VERSION: &str = "PYENV_VERSION";
/// pyenv: where its `versions/`, `shims/` and global `version` file live (default `~/.pyenv`).
pub const PYENV_ROOT: &str = "PYENV_ROOT";
/// The user name (recorded so that redaction can remove it).
pub const USER: &str = "USER";
/// The login name (recorded so that redaction can remove it).
pub const LOGNAME: &str = "LOGNAME";
/// The host name as the shell sets it (recorded so that redaction can remove it).
pub const HOSTNAME: &str = "HOSTNAME";
