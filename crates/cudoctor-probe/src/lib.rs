//! Read-only collectors of every fact about the GPU stack: from the live host, from a directory
//! tree treated as `/` (a mounted disk, an unpacked container), or from a saved snapshot. The
//! result is a [`Snapshot`]: versioned, deterministic JSON whose facts are known (with the file,
//! call or variable they came from), unknown (with the reason), or absent.
//!
//! Collectors observe and never judge: nothing here decides whether a version is too old or a
//! library wrong; that is `cudoctor-diagnose`'s job. Nothing here writes, runs a program found in
//! the scanned tree, or loads a library from it; live driver calls ([`live`]) happen only for the
//! running host. The GPU-name -> compute-capability and driver -> CUDA tables live in
//! `cudoctor-kb`; [`Snapshot::fill_gpu_compute_capabilities`] and
//! [`Snapshot::fill_driver_cuda_version`] let the caller apply them.

pub mod collect;
pub mod elf;
pub mod env_vars;
pub mod limits;
pub mod live;
pub mod loader;
pub mod root;

/// The loader emulation by its earlier name ([`loader`]).
pub use loader as ldso;
/// The `ld.so.cache` reader by its earlier name ([`loader::cache`]).
pub use loader::cache as ldcache;

/// The snapshot's types (they live in `cudoctor-facts`, which diagnose reads without the probe).
pub use cudoctor_facts::snapshot;

/// The per-thread step counter tests use to show the work grows linearly with hostile input
/// (filesystem operations through a [`Root`], cache lookups, string scans): the fatbinary
/// reader's counter, shared, so one [`work::take`] counts both. Not a stable API.
#[doc(hidden)]
pub use cudoctor_fatbin::work;

use crate::snapshot::Fact;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use cudoctor_kb::version::{ComputeCapability, CudaVersion, DriverVersion};

pub use cudoctor_facts::loader::LoaderQuestion;
pub use ldso::{Candidate, Outcome, Resolution, Step, which, which_for_framework};
pub use root::{
    Env, FileType, Meta, Root, RootError, RootFile, VirtualContent, VirtualKind,
    VirtualLookupError, VirtualStat, VirtualTree,
};
pub use snapshot::{SCHEMA_VERSION, Snapshot, SnapshotError};

use collect::Ctx;
use snapshot::{Gpu, RootInfo};

/// Which collectors run. All by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Collectors {
    /// Kernel module, user-space driver version.
    pub driver: bool,
    /// GPUs and device nodes.
    pub gpus: bool,
    /// CUDA toolkits.
    pub toolkits: bool,
    /// CUDA libraries.
    pub libraries: bool,
    /// cuDNN.
    pub cudnn: bool,
    /// Python environments.
    pub python: bool,
    /// Frameworks (needs `python`).
    pub frameworks: bool,
    /// Container facts.
    pub container: bool,
    /// Loader answers for every library soname found (`loader` section).
    pub loader: bool,
    /// Live libcuda / NVML calls (host only; ignored for a directory root).
    pub live: bool,
    /// Operating system, glibc, kernel, CPU and host name (`system` section).
    pub system: bool,
}

impl Default for Collectors {
    fn default() -> Self {
        Self {
            driver: true,
            gpus: true,
            toolkits: true,
            libraries: true,
            cudnn: true,
            python: true,
            frameworks: true,
            container: true,
            loader: true,
            live: true,
            system: true,
        }
    }
}

impl Collectors {
    /// No collector (to name the few wanted: `Collectors { system: true, ..Collectors::none() }`).
    pub fn none() -> Self {
        Self {
            driver: false,
            gpus: false,
            toolkits: false,
            libraries: false,
            cudnn: false,
            python: false,
            frameworks: false,
            container: false,
            loader: false,
            live: false,
            system: false,
        }
    }

    /// Every collector except live calls (hermetic).
    pub fn files_only() -> Self {
        Self {
            live: false,
            ..Self::default()
        }
    }
}

/// What to probe and how.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProbeOptions {
    /// `None`: the live host. `Some(dir)`: `dir` treated as `/`.
    pub root: Option<PathBuf>,
    /// The environment. `None`: the process environment for the host, nothing for a directory.
    pub env: Option<Vec<(String, String)>>,
    /// Which collectors run.
    pub collectors: Collectors,
}

impl ProbeOptions {
    /// The live host, its environment, every collector.
    pub fn host() -> Self {
        Self::default()
    }
    /// A directory root with the given environment pairs, every file collector.
    pub fn directory(root: impl Into<PathBuf>, env: Vec<(String, String)>) -> Self {
        Self {
            root: Some(root.into()),
            env: Some(env),
            collectors: Collectors::default(),
        }
    }
}

/// Probes a host or directory. Never fails: problems become `probe_errors` and unknown facts.
pub fn probe(opts: &ProbeOptions) -> Snapshot {
    match Probe::open(opts) {
        Ok(p) => p.snapshot(opts.collectors),
        Err(snap) => *snap,
    }
}

/// Probes an already-built [`Root`] with an explicit [`Env`].
pub fn probe_root(root: &Root, env: &Env, which_ones: Collectors) -> Snapshot {
    Probe::new(root.clone(), env.clone()).snapshot(which_ones)
}

/// A root opened once, with its environment, its `ld.so.cache` (read and parsed once) and the
/// loader emulation's memo: the one place facts come from. [`Probe::snapshot`] collects the
/// facts; [`Probe::answer`] adds the loader's answers for the questions the targets raise, so the
/// snapshot holds everything diagnose reads, whether it is used at once or saved and read back.
#[derive(Debug)]
pub struct Probe {
    root: Root,
    env: Env,
    cache: Result<ldcache::LdCache, String>,
    memo: ldso::LoaderMemo,
    /// For an image root: what the image's config and layers say, completed with the layers of
    /// the files the collectors record.
    image: Option<snapshot::ImageFacts>,
}

impl Probe {
    /// Opens the root `opts` names with its environment (the process environment for the host,
    /// `opts.env` or nothing for a directory). A root that cannot be opened gives the snapshot
    /// that says why (`Err`).
    ///
    /// # Errors
    /// The snapshot recording the failure as a `root` probe error.
    pub fn open(opts: &ProbeOptions) -> Result<Self, Box<Snapshot>> {
        let root = match &opts.root {
            None => Root::host(),
            Some(dir) => match Root::dir(dir) {
                Ok(r) => r,
                Err(e) => {
                    let mut snap = Snapshot::empty(RootInfo {
                        kind: snapshot::RootKind::Directory,
                        path: dir.display().to_string(),
                    });
                    snap.probe_errors.push(snapshot::ProbeError {
                        collector: "root".to_owned(),
                        path: Some(dir.display().to_string()),
                        message: e.to_string(),
                    });
                    return Err(Box::new(snap));
                }
            },
        };
        let mut env = match (&opts.env, root.is_host()) {
            (Some(pairs), _) => Env::from_pairs(pairs.iter().cloned()),
            (None, true) => Env::from_process(),
            (None, false) => Env::from_pairs(Vec::<(String, String)>::new()),
        };
        if root.is_host() && env.cwd.is_none() {
            // The host's working directory holds the `.python-version` / `.venv` that decide
            // the active Python, whichever environment variables are given.
            env.cwd = std::env::current_dir().ok();
        }
        Ok(Self::new(root, env))
    }

    /// A probe of `root` with `env`.
    pub fn new(root: Root, env: Env) -> Self {
        let cache = ldso::load_cache(&root);
        Self {
            root,
            env,
            cache,
            memo: ldso::LoaderMemo::default(),
            image: None,
        }
    }

    /// A probe of a container image: `root` is its tree ([`Root::virtual_tree`]), `env` its
    /// config's `Env`, `facts` its reference, config and layers. The snapshot is of kind
    /// `image`; the driver and GPU facts are left to the caller (the host that will run it).
    pub fn image(root: Root, env: Vec<(String, String)>, facts: snapshot::ImageFacts) -> Self {
        let mut env = Env::from_pairs(env);
        env.origin = format!("the config of `{}`", facts.reference);
        let mut p = Self::new(root, env);
        p.image = Some(facts);
        p
    }

    /// The root.
    pub fn root(&self) -> &Root {
        &self.root
    }

    /// The environment.
    pub fn env(&self) -> &Env {
        &self.env
    }

    /// Adds to `snap.loader` the loader's answer to each question not answered yet: the file
    /// `question.soname` resolves to when a plain process `dlopen`s it, or, with
    /// `preload_environment`, when a framework in that Python environment does (PyTorch and JAX
    /// preload `site-packages/nvidia/*/lib` first). `snap` must come from this probe's
    /// [`Probe::snapshot`].
    pub fn answer(&self, snap: &mut Snapshot, questions: &[LoaderQuestion]) {
        let mut added = false;
        for q in questions {
            if snap.loader.iter().any(|r| q.is_answered_by(r)) {
                continue;
            }
            let site: Vec<PathBuf> = q
                .preload_environment
                .as_deref()
                .and_then(|e| snap.python_environments.iter().find(|p| p.path == e))
                .map(|p| p.site_packages.iter().map(PathBuf::from).collect())
                .unwrap_or_default();
            let mut r = ldso::which_memo(
                &self.root,
                &self.env,
                &q.soname,
                None,
                &site,
                &self.cache,
                &self.memo,
            );
            r.preload_environment.clone_from(&q.preload_environment);
            snap.loader.push(r);
            added = true;
        }
        if added {
            snap.sort();
        }
    }

    /// Collects the facts `which_ones` names.
    pub fn snapshot(&self, which_ones: Collectors) -> Snapshot {
        let (root, env, cache) = (&self.root, &self.env, &self.cache);
        let info = if let Some(image) = &self.image {
            RootInfo {
                kind: snapshot::RootKind::Image,
                path: image.reference.clone(),
            }
        } else if root.is_host() {
            RootInfo {
                kind: snapshot::RootKind::Host,
                path: "/".to_owned(),
            }
        } else {
            RootInfo {
                kind: snapshot::RootKind::Directory,
                path: root.base_dir().display().to_string(),
            }
        };
        let mut snap = Snapshot::empty(info);
        snap.probe = Some(snapshot::ProbeInfo {
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        });
        snap.environment.source.clone_from(&env.origin);
        for name in env_vars::RECORDED {
            if let Some(v) = env.get(name) {
                snap.environment
                    .variables
                    .insert((*name).to_owned(), v.to_owned());
            }
        }
        if let Some(v) = env.get(env_vars::LD_LIBRARY_PATH) {
            snap.environment.ld_library_path_current_directory = ldso::current_directory_entries(v);
        }
        let mut ctx = Ctx::new(root, env);
        let want_python =
            which_ones.python || which_ones.frameworks || which_ones.libraries || which_ones.cudnn;
        let want_libraries = which_ones.libraries || which_ones.cudnn || which_ones.driver;
        // The Python environments and their frameworks are collected on a second thread while
        // this one reads everything that does not depend on them (the driver, the GPUs, the
        // toolkits, the container, the system, the loader's own directories). Both read the
        // same root; what each context gathered is joined before the libraries are collected.
        let (python, loader_dirs) = std::thread::scope(|s| {
            let python = want_python.then(|| {
                s.spawn(|| {
                    let mut pctx = Ctx::new(root, env);
                    let (envs, active) = collect::python::collect_with_active(&mut pctx);
                    let frameworks = if which_ones.frameworks {
                        collect::frameworks::collect(&mut pctx, &envs)
                    } else {
                        Vec::new()
                    };
                    // The step counter is per thread: carried back to the caller's.
                    (envs, active, frameworks, pctx, work::take())
                })
            });
            if which_ones.driver {
                collect::driver::collect_kernel(&mut ctx, &mut snap.driver);
            }
            if which_ones.gpus {
                snap.gpus = collect::driver::collect_gpus(&mut ctx);
                snap.device_nodes = collect::driver::collect_device_nodes(&mut ctx);
            }
            if which_ones.toolkits || which_ones.cudnn || which_ones.libraries {
                snap.cuda_toolkits = collect::toolkit::collect(&mut ctx);
            }
            if which_ones.container {
                snap.container = collect::container::collect(&mut ctx);
            }
            if which_ones.system {
                snap.system = collect::system::collect(&mut ctx);
            }
            let loader_dirs = want_libraries.then(|| {
                let dirs = collect::libraries::loader_dirs(&mut ctx);
                collect::libraries::prefetch(&mut ctx, &dirs);
                dirs
            });
            let python = python.map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
            (python, loader_dirs)
        });
        if let Some((envs, active, frameworks, pctx, steps)) = python {
            snap.python_environments = envs;
            snap.active_python = Some(active);
            snap.frameworks = frameworks;
            ctx.absorb(pctx);
            work::add(steps);
        }
        let site_packages: Vec<PathBuf> = snap
            .python_environments
            .iter()
            .flat_map(|e| e.site_packages.iter().map(PathBuf::from))
            .collect();
        if let Err(note) = cache {
            if root.exists(Path::new(loader::cache::LD_SO_CACHE)) || note.contains("symlink loop") {
                ctx.error(
                    "libraries",
                    Some(Path::new(loader::cache::LD_SO_CACHE)),
                    note.clone(),
                );
            }
        }
        if let Some(dirs) = loader_dirs {
            let extra = library_dirs(root, &snap, &site_packages);
            snap.libraries =
                collect::libraries::collect(&mut ctx, cache.as_ref().ok(), dirs, &extra);
            collect::libraries::read_gpu_code(&mut ctx, &mut snap.libraries);
        }
        if which_ones.cudnn {
            let roots: Vec<String> = snap.cuda_toolkits.iter().map(|t| t.root.clone()).collect();
            let dirs = collect::cudnn::include_dirs(&roots, &snap.python_environments);
            snap.cudnn = collect::cudnn::collect(
                &mut ctx,
                &dirs,
                &snap.libraries,
                &snap.python_environments,
            );
        }
        if which_ones.loader {
            let mut sonames: BTreeSet<String> = snap
                .libraries
                .iter()
                .filter_map(|l| l.soname.cloned())
                .filter(|s| s.contains(".so."))
                .collect();
            sonames.insert("libcuda.so.1".to_owned());
            // As a plain process loads them: no framework preload (that depends on who loads,
            // and is answered per environment by [`Probe::answer`]).
            for s in sonames {
                snap.loader.push(ldso::which_memo(
                    root,
                    env,
                    &s,
                    None,
                    &[],
                    cache,
                    &self.memo,
                ));
            }
        }
        if which_ones.driver {
            userspace_driver(&mut snap, root, env, cache);
        }
        if which_ones.live && root.is_host() {
            let live = live::probe_live_with(root, env, cache);
            apply_live(&mut snap, &live);
            merge_nvml(&mut snap, &live);
            snap.live = Some(live);
        } else if root.is_host() {
            snap.driver
                .cuda_version
                .unknown_unless_set(|| "live driver calls disabled".to_owned());
        } else {
            snap.driver.cuda_version.unknown_unless_set(|| {
                "no live driver call for a directory root; derive it from the driver version with the knowledge base"
                    .to_owned()
            });
        }
        snap.probe_errors.append(&mut ctx.errors);
        if let Some(facts) = &self.image {
            let mut facts = facts.clone();
            facts.provenance = image_provenance(root, &snap);
            snap.image = Some(facts);
        }
        snap.sort();
        snap
    }
}

/// Which layer wrote each library, cuDNN header and toolkit file the snapshot records (and each
/// CUDA/cuDNN package's dpkg file list), and the lower layer's file it replaced: what lets a finding say "layer 5 replaced libcudnn.so.8".
fn image_provenance(root: &Root, snap: &Snapshot) -> Vec<snapshot::FileProvenance> {
    const CUDA_PACKAGES: [&str; 10] = [
        "libcudnn",
        "cuda-",
        "libcublas",
        "libnccl",
        "libnvinfer",
        "libcusparse",
        "libcufft",
        "libcurand",
        "libcusolver",
        "libnpp",
    ];
    let mut paths: BTreeSet<String> = BTreeSet::new();
    for l in &snap.libraries {
        paths.insert(l.path.clone());
        if let Some(real) = l.real_path.as_ref() {
            paths.insert(real.clone());
        }
    }
    for c in &snap.cudnn {
        paths.insert(c.path.clone());
    }
    for t in &snap.cuda_toolkits {
        for f in ["version.json", "version.txt"] {
            paths.insert(format!("{}/{f}", t.root));
        }
    }
    // The package database: which layer installed each CUDA/cuDNN Debian package (its file list
    // `/var/lib/dpkg/info/PACKAGE[:ARCH].list` is written when the package is installed).
    for e in root.read_dir_or_empty(Path::new("/var/lib/dpkg/info")) {
        let name = e.name_str();
        if name.ends_with(".list") && CUDA_PACKAGES.iter().any(|p| name.starts_with(p)) {
            paths.insert(e.path.display().to_string());
        }
    }
    paths
        .into_iter()
        .filter_map(|p| {
            // The node itself (not what a link points to): the link and its target may come
            // from different layers, and each is recorded under its own path.
            let meta = root.symlink_metadata(Path::new(&p)).ok()?;
            let (layer, replaced_layer) = meta.layer?;
            Some(snapshot::FileProvenance {
                path: p,
                layer,
                replaced_layer,
            })
        })
        .collect()
}

/// The library directories beyond the loader's own: each toolkit's, each conda prefix's, each
/// pip `nvidia-*` wheel's and PyTorch's bundled `torch/lib`, with the reason each is searched.
fn library_dirs(
    root: &Root,
    snap: &Snapshot,
    site_packages: &[PathBuf],
) -> collect::libraries::SearchDirs {
    let mut extra = collect::libraries::SearchDirs::new();
    for tk in &snap.cuda_toolkits {
        for sub in [
            "lib64",
            "lib",
            "targets/x86_64-linux/lib",
            "extras/CUPTI/lib64",
        ] {
            extra.add(Path::new(&tk.root).join(sub), "toolkit");
        }
    }
    for env in &snap.python_environments {
        if env.kind == "conda" {
            extra.add(Path::new(&env.path).join("lib"), "conda");
        }
    }
    for sp in site_packages {
        for e in root.read_dir_or_empty(&sp.join("nvidia")) {
            extra.add(e.path.join("lib"), "pip_wheel");
        }
        extra.add(sp.join("torch/lib"), "framework_bundled");
    }
    extra
}

fn userspace_driver(
    snap: &mut Snapshot,
    root: &Root,
    env: &Env,
    cache: &Result<ldcache::LdCache, String>,
) {
    let res = ldso::which_memo(
        root,
        env,
        "libcuda.so.1",
        None,
        &[],
        cache,
        &ldso::LoaderMemo::default(),
    );
    let chosen_real = res.chosen.as_ref().and_then(|c| c.real_path.clone());
    // `libcuda.so.535.261.03` -> 535.261.03 (`libcuda.so.1` names no driver version).
    let version_of = |path: &str| -> Option<DriverVersion> {
        let name = Path::new(path).file_name()?.to_string_lossy();
        match collect::libraries::classify(&name)? {
            (snapshot::LibraryFamily::Cuda, Some(v)) if v.contains('.') => v.parse().ok(),
            _ => None,
        }
    };
    if let Some(real) = chosen_real {
        if let Some(v) = version_of(&real) {
            snap.driver.userspace_version = Fact::known(
                v,
                format!("file name `{real}` (what the loader picks for libcuda.so.1)"),
            );
            return;
        }
    }
    // Else any libcuda with a version in its name.
    let found: Vec<(DriverVersion, String)> = snap
        .libraries
        .iter()
        .filter(|l| l.family == snapshot::LibraryFamily::Cuda)
        .filter_map(|l| {
            let p = l.real_path.as_deref().unwrap_or(&l.path);
            version_of(p).map(|v| (v, p.to_owned()))
        })
        .collect();
    if let Some((v, p)) = found.first() {
        snap.driver.userspace_version = Fact::known(v.clone(), format!("file name `{p}`"));
    } else if res.chosen.is_some() {
        snap.driver.userspace_version = Fact::unknown(
            "libcuda.so.1 found but its real file name carries no version".to_owned(),
        );
    }
}

fn norm_bus(b: &str) -> String {
    let lower = b.to_ascii_lowercase();
    match lower.split_once(':') {
        Some((dom, rest)) => format!("{}:{rest}", dom.trim_start_matches('0')),
        None => lower,
    }
}

fn apply_live(snap: &mut Snapshot, live: &snapshot::LiveFacts) {
    if let Some(v) = live.cu_driver_get_version.get() {
        if let Some(cv) = CudaVersion::from_driver_api(v) {
            snap.driver.cuda_version = Fact::known(cv, format!("cuDriverGetVersion = {v}"));
        }
    } else if let Some(r) = live.cu_driver_get_version.unknown_reason() {
        snap.driver.cuda_version = Fact::unknown(r);
    }
    if snap.driver.userspace_version.is_none() {
        if let Some(Ok(v)) = live
            .nvml
            .driver_version
            .as_deref()
            .map(str::parse::<DriverVersion>)
        {
            snap.driver.userspace_version = Fact::known(v, "nvmlSystemGetDriverVersion".to_owned());
        }
    }
    for d in &live.devices {
        let idx = d.bus_location.as_deref().and_then(|b| {
            snap.gpus
                .iter()
                .position(|g| g.bus_location.as_deref().map(norm_bus) == Some(norm_bus(b)))
        });
        let idx = idx.unwrap_or_else(|| {
            snap.gpus.push(Gpu {
                bus_location: d.bus_location.clone(),
                ..Gpu::default()
            });
            snap.gpus.len() - 1
        });
        let g = &mut snap.gpus[idx];
        if let (true, Some(n)) = (g.name.is_none(), &d.name) {
            g.name = Fact::known(n.clone(), "cuDeviceGetName");
        }
        if let Some(Ok(cc)) = d
            .compute_capability
            .as_deref()
            .map(str::parse::<ComputeCapability>)
        {
            g.compute_capability = Fact::known(cc, "cuDeviceGetAttribute(75, 76)".to_owned());
        }
        if let (true, Some(m)) = (g.memory_total_bytes.is_none(), d.memory_total_bytes) {
            g.memory_total_bytes = Fact::known(
                m,
                "cuDeviceTotalMem_v2 (without the memory the driver reserves; nvidia-smi shows NVML's total)",
            );
        }
    }
}

fn merge_nvml(snap: &mut Snapshot, live: &snapshot::LiveFacts) {
    for d in &live.nvml.devices {
        let by_bus = d.bus_location.as_deref().and_then(|b| {
            snap.gpus
                .iter()
                .position(|g| g.bus_location.as_deref().map(norm_bus) == Some(norm_bus(b)))
        });
        let by_uuid = d
            .uuid
            .as_deref()
            .and_then(|u| snap.gpus.iter().position(|g| g.uuid.as_deref() == Some(u)));
        let idx = by_bus.or(by_uuid).unwrap_or_else(|| {
            snap.gpus.push(Gpu {
                bus_location: d.bus_location.clone(),
                compute_capability: Fact::from_parts(None, None, Some(
                    "NVML does not report it here; derive it from the name with the knowledge base"
                        .to_owned(),
                )),
                ..Gpu::default()
            });
            snap.gpus.len() - 1
        });
        let g = &mut snap.gpus[idx];
        if let (true, Some(n)) = (g.name.is_none(), &d.name) {
            g.name = Fact::known(n.clone(), "nvmlDeviceGetName");
        }
        if g.uuid.is_none() {
            g.uuid.clone_from(&d.uuid);
        }
        // NVML's total is what nvidia-smi reports (on an H200: 143771 MiB, where
        // cuDeviceTotalMem gives 143155 MiB), so it wins over libcuda's.
        if let Some(m) = d.memory_total_bytes {
            g.memory_total_bytes = Fact::known(m, "nvmlDeviceGetMemoryInfo");
        }
    }
}

/// Reads the snapshot file at `path` (`-`: standard input) with [`Snapshot::from_reader`] (the
/// snapshot's types do no I/O of their own).
///
/// # Errors
/// The file cannot be opened ([`SnapshotError::Io`]), or [`Snapshot::from_reader`]'s.
pub fn read_snapshot(path: &Path) -> Result<Snapshot, SnapshotError> {
    if path == Path::new("-") {
        return Snapshot::from_reader(std::io::stdin().lock());
    }
    let file = std::fs::File::open(path).map_err(|source| SnapshotError::Io { source })?;
    Snapshot::from_reader(file)
}
