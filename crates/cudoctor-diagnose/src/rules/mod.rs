//! The rules. Each is a pure function of [`Ctx`] (facts, knowledge base, targets, loader
//! answers) returning findings under one stable id. A rule without enough evidence stays silent
//! or says "unknown"; it never guesses.

use cudoctor_facts::snapshot::RootKind;
use cudoctor_facts::snapshot::Snapshot;
use cudoctor_kb::data::Kb;
use cudoctor_kb::version::{ComputeCapability, DriverVersion};

use crate::finding::Finding;
use crate::loader::Resolution;
use crate::target::Target;

mod container;
mod cudnn;
mod driver;
mod environment;
mod files;
mod framework;
mod image;
mod libraries;

/// Everything a rule may look at.
pub(crate) struct Ctx<'a> {
    pub snap: &'a Snapshot,
    pub kb: &'a Kb,
    pub targets: &'a [Target],
}

/// A rule: its id and its function.
pub(crate) type Rule = fn(&Ctx<'_>) -> Vec<Finding>;

/// Every rule, in documentation order.
pub(crate) const RULES: &[(&str, Rule)] = &[
    ("driver-missing", driver::driver_missing),
    ("kernel-module-not-loaded", driver::kernel_module_not_loaded),
    ("driver-library-mismatch", driver::driver_library_mismatch),
    ("driver-too-old", driver::driver_too_old),
    ("library-not-found", libraries::library_not_found),
    ("library-wrong-version", libraries::library_wrong_version),
    ("cudnn-version-mismatch", cudnn::cudnn_version_mismatch),
    ("cuda-toolkit-conflict", environment::cuda_toolkit_conflict),
    ("cuda-runtime-untested", libraries::cuda_runtime_untested),
    (
        "python-version-unsupported",
        framework::python_version_unsupported,
    ),
    ("cpu-only-build", framework::cpu_only_build),
    ("gpu-arch-unsupported", framework::gpu_arch_unsupported),
    ("gpu-arch-unsupported", framework::library_gpu_code),
    (
        "cuda-visible-devices-hides-all",
        environment::cuda_visible_devices_hides_all,
    ),
    (
        "ld-library-path-current-directory",
        environment::ld_library_path_current_directory,
    ),
    ("container-no-gpu", container::container_no_gpu),
    (
        "docker-nvidia-runtime-missing",
        container::docker_nvidia_runtime_missing,
    ),
    (
        "image-cuda-newer-than-driver",
        container::image_cuda_newer_than_driver,
    ),
    ("image-library-replaced", image::image_library_replaced),
    ("image-floating-tag", image::image_floating_tag),
    ("image-runs-as-root", image::image_runs_as_root),
    ("image-old", image::image_old),
    ("tensorrt-missing", framework::tensorrt_missing),
    (
        "release-not-in-knowledge-base",
        framework::release_not_in_knowledge_base,
    ),
    ("no-framework-target", framework::no_framework_target),
];

impl Ctx<'_> {
    /// An environment variable as the probe saw it.
    pub fn env(&self, name: &str) -> Option<&str> {
        self.snap
            .environment
            .variables
            .get(name)
            .map(String::as_str)
    }

    /// Where environment variables came from.
    pub fn env_source(&self, name: &str) -> String {
        if self.snap.environment.source.is_empty() {
            format!("environment variable {name}")
        } else {
            format!("{name} ({})", self.snap.environment.source)
        }
    }

    /// The facts are a container's: the probe runs inside one (a host root with container
    /// markers), or the root is a container's filesystem (`--root /proc/PID/root`, an exported
    /// container) holding the markers the engine writes (`/.dockerenv`, `/run/.containerenv`).
    /// An image has none: the engine creates them when a container starts.
    pub fn in_container(&self) -> bool {
        !self.snap.container.markers.is_empty()
    }

    /// For a root other than this host, the evidence line that says what was judged: file facts
    /// are judged wherever the files are, and the finding says whose they are.
    pub fn root_judged(&self, f: Finding, what: &str) -> Finding {
        if self.snap.root.kind == RootKind::Host {
            return f;
        }
        f.evidence(
            "root judged",
            format!("{} `{}`: {what}", self.snap.root.kind, self.snap.root.path),
            if self.snap.root.kind == RootKind::Image {
                "--image"
            } else {
                "--root"
            },
        )
    }

    /// The probed root describes a container image or an unpacked filesystem (its driver comes
    /// from whichever host runs it).
    pub fn is_image_like(&self) -> bool {
        self.snap.root.kind != RootKind::Host
            || self.snap.container.nvidia_require_cuda.is_some()
            || self.snap.container.cuda_version_env.is_some()
    }

    /// The CUDA version to look up in the knowledge base: the exact release when the table has
    /// it, else its `major.minor` series (whose first GA release the table knows). An update the
    /// table does not list (`12.5.3`) is then judged by its series, never left unknown for the
    /// patch alone.
    pub fn kb_cuda(
        &self,
        cuda: cudoctor_kb::version::CudaVersion,
    ) -> cudoctor_kb::version::CudaVersion {
        if cuda.patch().is_some() && self.kb.cuda_release(cuda).is_none() {
            cuda.major_minor()
        } else {
            cuda
        }
    }

    /// WSL 2: the driver lives on Windows; Linux has `libcuda` under `/usr/lib/wsl/lib` and no
    /// `nvidia` kernel module, by design.
    pub fn is_wsl(&self) -> bool {
        self.snap
            .libraries
            .iter()
            .any(|l| l.path.starts_with("/usr/lib/wsl/"))
    }

    /// The driver that decides what CUDA runs: the kernel module (the host's, also inside a
    /// container), else the user-space driver.
    pub fn driver(&self) -> Option<(DriverVersion, String)> {
        let d = &self.snap.driver;
        if let Some(v) = d.kernel_module_version.as_ref() {
            return Some((
                v.clone(),
                d.kernel_module_version
                    .source()
                    .map_or_else(|| "kernel module".to_owned(), str::to_owned),
            ));
        }
        d.userspace_version.as_ref().map(|v| {
            (
                v.clone(),
                d.userspace_version
                    .source()
                    .map_or_else(|| "user-space driver".to_owned(), str::to_owned),
            )
        })
    }

    /// Whether any NVIDIA GPU is known to be present: `Some(true)`, `Some(false)` (known none),
    /// `None` (cannot tell).
    pub fn gpus_present(&self) -> Option<bool> {
        let s = self.snap;
        if !s.gpus.is_empty() || !s.device_nodes.gpus.is_empty() {
            return Some(true);
        }
        if let Some(live) = &s.live {
            if live.device_count.is_some_and(|n| n > 0) || !live.devices.is_empty() {
                return Some(true);
            }
            if live.cu_init == Some(100) {
                return Some(false);
            }
        }
        // No device node proves nothing either: `/dev` may be unreadable, and with the kernel
        // module loaded the `/dev/nvidiaN` nodes are created on demand (nvidia-modprobe).
        None
    }

    /// The file `soname` resolves to when target `t` loads it (the snapshot's loader answer).
    pub fn resolve_for(&self, t: &Target, soname: &str) -> Resolution {
        crate::loader::answer(self.snap, soname, t.environment.as_deref(), t.preloads())
    }

    /// The GPUs with a known compute capability: (label, capability, source).
    pub fn gpu_capabilities(&self) -> Vec<(String, ComputeCapability, String)> {
        let mut out = Vec::new();
        for (i, g) in self.snap.gpus.iter().enumerate() {
            let label = g
                .name
                .cloned()
                .or_else(|| g.bus_location.clone())
                .unwrap_or_else(|| format!("GPU {i}"));
            if let Some(cc) = g.compute_capability.get() {
                let src = g
                    .compute_capability
                    .source()
                    .map_or_else(|| "GPU facts".to_owned(), str::to_owned);
                out.push((label, cc, src));
            } else if let Some(name) = g.name.as_ref() {
                // Only the name is known: the knowledge base's GPU table, when it knows the
                // model exactly (an unknown or ambiguous name stays unknown).
                if let Ok(c) = self.kb.compute_capability_of(name) {
                    let cc = (c.cc, crate::target::kb_source(&c.row.source));
                    out.push((
                        label,
                        cc.0,
                        format!(
                            "{} (GPU name) + {}",
                            g.name.source().unwrap_or("GPU facts"),
                            cc.1
                        ),
                    ));
                }
            }
        }
        if out.is_empty() {
            if let Some(live) = &self.snap.live {
                for d in &live.devices {
                    if let Some(cc) = d
                        .compute_capability
                        .as_deref()
                        .and_then(|c| c.parse::<ComputeCapability>().ok())
                    {
                        let label = d.name.clone().unwrap_or_else(|| format!("GPU {}", d.index));
                        out.push((label, cc, "cuDeviceGetAttribute (live)".to_owned()));
                    }
                }
            }
        }
        out
    }

    /// The targets that mean to use a GPU.
    pub fn gpu_targets(&self) -> impl Iterator<Item = &Target> {
        self.targets.iter().filter(|t| t.needs_gpu())
    }

    /// `TensorFlow 2.9.0` or `the GPU stack`, for titles.
    pub fn subject(&self) -> String {
        let names: Vec<String> = self.gpu_targets().map(Target::display).collect();
        if names.is_empty() {
            "CUDA programs".to_owned()
        } else {
            names.join(", ")
        }
    }
}

/// Runs every rule.
pub(crate) fn run_all(ctx: &Ctx<'_>) -> Vec<Finding> {
    RULES.iter().flat_map(|(_, rule)| rule(ctx)).collect()
}

#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod tests;
