//! CUDA and driver libraries: everywhere a loader or framework could pick them up.

use crate::snapshot::Fact;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{Ctx, UnitedGpuCode, show};
use crate::elf;
use crate::env_vars;
pub use crate::loader::cache::LD_SO_CACHE;
use crate::loader::cache::LdCache;
pub use crate::loader::conf::{ConfLine, LD_SO_CONF, default_dirs, parse_ld_so_conf};
use crate::snapshot::{Library, LibraryFamily};

/// Library families recorded (file names `lib<family>.so*`).
pub const FAMILIES: &[LibraryFamily] = LibraryFamily::ALL;

/// Driver directories that packages use before a link or ld.so.conf entry makes them visible to
/// the loader (so a library here is reported, but the loader finds it only if configured).
pub const VENDOR_DIRS: &[&str] = &[
    // Debian's nvidia-alternative target.
    "/usr/lib/x86_64-linux-gnu/nvidia/current",
    // Fedora/RPM Fusion and NVIDIA's .run installer variants.
    "/usr/lib64/nvidia",
    // Mounted by the NVIDIA container toolkit in some Kubernetes setups.
    "/usr/local/nvidia/lib64",
    // WSL2.
    "/usr/lib/wsl/lib",
];

/// `libcudart.so.11.8.89` -> (`cudart`, Some(`11.8.89`)); `libcudart.so` -> (`cudart`, None).
pub fn classify(file_name: &str) -> Option<(LibraryFamily, Option<&str>)> {
    let rest = file_name.strip_prefix("lib")?;
    let (stem, after) = rest.split_once(".so")?;
    let family = LibraryFamily::from_stem(stem)?;
    if after.is_empty() {
        return Some((family, None));
    }
    let ver = after.strip_prefix('.')?;
    if ver.is_empty()
        || !ver
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    Some((family, Some(ver)))
}

/// The directories of `/etc/ld.so.conf` ([`crate::loader::conf::ld_so_conf_dirs`]), each problem
/// met recorded as a probe error.
pub fn ld_so_conf_dirs(ctx: &mut Ctx<'_>) -> Vec<String> {
    let conf = crate::loader::conf::ld_so_conf_dirs(ctx.root);
    for (path, message) in conf.errors {
        ctx.error("libraries", Some(&path), message);
    }
    conf.dirs
}

/// Directories to scan, each with how it was found.
pub struct SearchDirs {
    dirs: BTreeMap<PathBuf, Vec<String>>,
    order: Vec<PathBuf>,
}

impl SearchDirs {
    /// Empty.
    pub fn new() -> Self {
        Self {
            dirs: BTreeMap::new(),
            order: Vec::new(),
        }
    }
    /// Adds a directory with a reason.
    pub fn add(&mut self, dir: impl Into<PathBuf>, via: &str) {
        let dir = dir.into();
        let e = self.dirs.entry(dir.clone()).or_default();
        if e.is_empty() {
            self.order.push(dir);
        }
        if !e.iter().any(|v| v == via) {
            e.push(via.to_owned());
        }
    }
}

impl Default for SearchDirs {
    fn default() -> Self {
        Self::new()
    }
}

/// The directories the loader itself searches, each with how it was found: `LD_LIBRARY_PATH`,
/// `/etc/ld.so.conf`, the default directories, and the driver vendors' directories. None of
/// them depends on the Python environments, so [`prefetch`] can list them while those are
/// collected.
pub fn loader_dirs(ctx: &mut Ctx<'_>) -> SearchDirs {
    let mut dirs = SearchDirs::new();
    if let Some(llp) = ctx.env.get(env_vars::LD_LIBRARY_PATH).map(str::to_owned) {
        for d in llp.split([':', ';']).filter(|d| d.starts_with('/')) {
            dirs.add(d, "ld_library_path");
        }
    }
    for d in ld_so_conf_dirs(ctx) {
        dirs.add(d, "ld_so_conf");
    }
    let host_class = if cfg!(target_pointer_width = "64") {
        64
    } else {
        32
    };
    let host_machine = if cfg!(target_arch = "aarch64") {
        183
    } else {
        62
    };
    for d in default_dirs(ctx.root, host_class, host_machine).0 {
        dirs.add(d, "default_dir");
    }
    for d in VENDOR_DIRS {
        dirs.add(*d, "driver_vendor_dir");
    }
    dirs
}

/// Lists each of `dirs` into the context's listings ([`Ctx::listing`]), so that [`collect`]
/// finds them read: `/usr/lib/x86_64-linux-gnu` alone holds a thousand names. Like
/// [`collect`], a directory met again under another name is not listed again.
pub fn prefetch(ctx: &mut Ctx<'_>, dirs: &SearchDirs) {
    let mut seen = std::collections::BTreeSet::new();
    for dir in &dirs.order {
        let real = ctx.root.real_path(dir).unwrap_or_else(|_| dir.clone());
        if seen.insert(real) {
            ctx.listing(dir);
        }
    }
}

/// Collects libraries from the loader's directories (`dirs`, from [`loader_dirs`]) plus `extra`
/// directories (toolkit, wheel and conda library directories, with their reason).
pub fn collect(
    ctx: &mut Ctx<'_>,
    cache: Option<&LdCache>,
    mut dirs: SearchDirs,
    extra: &SearchDirs,
) -> Vec<Library> {
    for d in &extra.order {
        for via in &extra.dirs[d] {
            dirs.add(d.clone(), via);
        }
    }
    let mut found: BTreeMap<PathBuf, (LibraryFamily, Vec<String>)> = BTreeMap::new();
    if let Some(cache) = cache {
        for e in &cache.entries {
            let name = Path::new(&e.path)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if let Some((family, _)) = classify(&name) {
                found
                    .entry(PathBuf::from(&e.path))
                    .or_insert((family, Vec::new()))
                    .1
                    .push("ld_so_cache".to_owned());
            }
        }
    }
    // The same directory under several names (`/usr/local/cuda` -> `cuda-13.0`, `lib64` ->
    // `targets/x86_64-linux/lib`) is listed once, under the first name met: search order puts
    // the names the loader is configured with first.
    let mut scanned: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for dir in &dirs.order {
        let vias = &dirs.dirs[dir];
        let real = ctx.root.real_path(dir).unwrap_or_else(|_| dir.clone());
        if let Some(paths) = scanned.get(&real) {
            for p in paths {
                if let Some(slot) = found.get_mut(p) {
                    slot.1.extend(vias.iter().cloned());
                }
            }
            continue;
        }
        let mut here = Vec::new();
        for e in ctx.listing(dir).iter() {
            // A directory named like a library is no library (the loader skips it too).
            if let Some((family, _)) = classify(&e.name_str()).filter(|_| !ctx.root.is_dir(&e.path))
            {
                let slot = found.entry(e.path.clone()).or_insert((family, Vec::new()));
                slot.1.extend(vias.iter().cloned());
                here.push(e.path.clone());
            }
        }
        scanned.insert(real, here);
    }
    let mut out = Vec::new();
    for (path, (family, mut via)) in found {
        via.sort();
        via.dedup();
        out.push(describe_library(ctx, &path, family, via));
    }
    out
}

/// Facts about one library file.
pub fn describe_library(
    ctx: &mut Ctx<'_>,
    path: &Path,
    family: LibraryFamily,
    found_via: Vec<String>,
) -> Library {
    let mut lib = Library {
        family,
        path: show(path),
        found_via,
        ..Library::default()
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let is_link = ctx
        .root
        .symlink_metadata(path)
        .is_ok_and(|m| m.is_symlink());
    let real = match ctx.root.real_path(path) {
        Ok(r) => {
            lib.real_path.set_value(show(&r));
            Some(r)
        }
        Err(e) => {
            if e.is_not_found() && is_link {
                lib.dangling = true;
                let target = ctx
                    .root
                    .read_link(path)
                    .map(|t| show(&t))
                    .unwrap_or_default();
                lib.real_path = Fact::unknown(format!("dangling link to `{target}`"));
            } else {
                lib.real_path = Fact::unknown(e.reason());
            }
            None
        }
    };
    // Version from the real file's name (`libcudart.so.11.8.89`), else the name found.
    let real_name = real
        .as_ref()
        .and_then(|r| r.file_name())
        .map(|n| n.to_string_lossy().into_owned());
    let from_name = real_name
        .as_deref()
        .and_then(|n| {
            classify(n)
                .and_then(|(_, v)| v)
                .map(|v| (v.to_owned(), n.to_owned()))
        })
        .or_else(|| {
            classify(&file_name)
                .and_then(|(_, v)| v)
                .map(|v| (v.to_owned(), file_name.clone()))
        });
    match from_name {
        Some((v, n)) if v.split('.').count() >= 3 => {
            lib.version = Fact::known(v, format!("file name `{n}`"));
        }
        other => {
            if let Some((v, src)) = wheel_version(ctx, path) {
                lib.version = Fact::known(v, src);
            } else if let Some((v, n)) = other {
                lib.version = Fact::unknown(format!(
                    "file name `{n}` carries only the interface version `{v}`"
                ));
            } else if !lib.dangling {
                lib.version = Fact::unknown("no version in the file name");
            }
        }
    }
    if let Some(real) = &real {
        match elf::read_elf(ctx.root, real) {
            Ok(info) => {
                lib.elf = Some(info.describe());
                if let Some(s) = info.soname {
                    lib.soname = Fact::known(s, format!("DT_SONAME of `{}`", show(real)));
                }
            }
            Err(e) => {
                ctx.error("libraries", Some(real), e.to_string());
            }
        }
    }
    if lib.soname.is_none() {
        lib.soname = Fact::known(file_name.clone(), "file name".to_owned());
    }
    lib
}

/// For a file under `<site-packages>/nvidia/`, the version of the wheel that installed it: the
/// `nvidia_*.dist-info/RECORD` listing the file (works for every layout, including CUDA 13's
/// shared `nvidia/cu13/lib`), else the dist-info named after the folder
/// (`nvidia/cuda_runtime/lib` -> `nvidia_cuda_runtime_cu11-*.dist-info`).
pub fn wheel_version(ctx: &mut Ctx<'_>, path: &Path) -> Option<(String, String)> {
    let nvidia = path
        .ancestors()
        .find(|a| a.file_name().is_some_and(|n| n == "nvidia"))?;
    let site = nvidia.parent()?.to_path_buf();
    let rel = path
        .strip_prefix(&site)
        .ok()?
        .to_string_lossy()
        .into_owned();
    if !ctx.wheel_records.contains_key(&site) {
        let index = record_index(ctx, &site);
        ctx.wheel_records.insert(site.clone(), index);
    }
    let dist = ctx
        .wheel_records
        .get(&site)
        .and_then(|m| m.get(&rel))
        .cloned();
    let dist = dist.or_else(|| {
        // Folder-name fallback for wheels without a RECORD.
        let sub = path.strip_prefix(nvidia).ok()?.components().next()?;
        let prefix = format!("nvidia_{}", sub.as_os_str().to_string_lossy());
        ctx.root.read_dir_or_empty(&site).into_iter().find_map(|e| {
            let name = e.name_str();
            let tail = name.strip_prefix(&prefix)?;
            (name.ends_with(".dist-info") && (tail.starts_with("_cu") || tail.starts_with('-')))
                .then_some(e.path)
        })
    })?;
    let meta = dist.join("METADATA");
    if let Ok(text) = ctx
        .root
        .read_headers(&meta, crate::limits::METADATA_BYTES, "METADATA_BYTES")
    {
        if let Some(v) = super::python::parse_metadata(&text).version {
            return Some((v, format!("wheel METADATA `{}`", show(&meta))));
        }
    }
    let name = dist.file_name()?.to_string_lossy().into_owned();
    super::python::parse_dist_info_name(&name)
        .map(|(_, v)| (v, format!("wheel folder name `{}`", show(&dist))))
}

/// Maps each file listed in a `nvidia_*.dist-info/RECORD` of `site` to that dist-info.
fn record_index(ctx: &Ctx<'_>, site: &Path) -> std::collections::HashMap<String, PathBuf> {
    let mut index = std::collections::HashMap::new();
    for e in ctx.root.read_dir_or_empty(site) {
        let name = e.name_str();
        if !(name.starts_with("nvidia_") && name.ends_with(".dist-info")) {
            continue;
        }
        let Ok(text) = ctx.root.read_text(
            &e.path.join("RECORD"),
            crate::limits::RECORD_BYTES,
            "RECORD_BYTES",
        ) else {
            continue;
        };
        for file in parse_record(&text) {
            if file.contains(".so") {
                index.insert(file.to_owned(), e.path.clone());
            }
        }
    }
    index
}

/// The file paths of a wheel's `RECORD` (CSV: path, hash, size).
///
/// Real sample (`nvidia_cuda_runtime_cu11-11.8.89.dist-info/RECORD`):
/// ```text
/// nvidia/cuda_runtime/lib/libcudart.so.11.0,sha256=...,679264
/// nvidia_cuda_runtime_cu11-11.8.89.dist-info/METADATA,sha256=...,1507
/// ```
pub fn parse_record(text: &str) -> impl Iterator<Item = &str> {
    text.lines().filter_map(|line| {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix('"') {
            // A quoted path (it contains a comma).
            return rest.split('"').next();
        }
        line.split(',').next().filter(|p| !p.is_empty())
    })
}

/// The families whose GPU code is read: the libraries whose kernels a framework's GPU work
/// depends on (cuBLAS for matrix products, cuDNN for convolutions and RNNs).
const GPU_CODE_FAMILIES: &[LibraryFamily] = &[
    LibraryFamily::Cublas,
    LibraryFamily::CublasLt,
    LibraryFamily::Cudnn,
];

/// Fills `gpu_code` of cuBLAS and cuDNN libraries from their CUDA fatbinary headers. cuDNN's
/// kernels live in sub-libraries (`libcudnn_cnn_infer.so.8`, `libcudnn_engines_precompiled.so.9`,
/// ...) next to the `libcudnn.so.N` dispatcher, so its code is the union over every real
/// `libcudnn*.so.N*` file in that directory. Headers only; each file is read once.
pub fn read_gpu_code(ctx: &mut Ctx<'_>, libs: &mut [Library]) {
    type Answer = Result<(Vec<String>, String), String>;
    // Answers per group: a cuDNN group is every `libcudnn*.so.<major>*` file of one directory,
    // listed and stat'ed once however many libraries of the group there are (3,000 files
    // `libcudnn.so.8.N` in one directory made this quadratic).
    let mut done: std::collections::HashMap<(LibraryFamily, PathBuf, String), Answer> =
        std::collections::HashMap::new();
    for lib in libs.iter_mut() {
        if !GPU_CODE_FAMILIES.contains(&lib.family) || lib.dangling {
            continue;
        }
        let Some(real) = lib.real_path.cloned() else {
            continue;
        };
        let real = Path::new(&real);
        let (files, key) = if lib.family == LibraryFamily::Cudnn {
            // `libcudnn.so.8` -> 8, else the major of the version.
            let major = lib
                .soname
                .as_deref()
                .and_then(classify)
                .and_then(|(_, v)| v)
                .or(lib.version.as_deref())
                .and_then(|v| v.split('.').next())
                .map(str::to_owned);
            let (Some(major), Some(dir)) = (major, real.parent()) else {
                continue;
            };
            let group = (dir.to_path_buf(), major);
            let key = (lib.family, group.0.clone(), group.1.clone());
            if done.contains_key(&key) {
                (Vec::new(), key)
            } else {
                let mut names: Vec<PathBuf> = ctx
                    .root
                    .read_dir_or_empty(dir)
                    .into_iter()
                    .filter(|e| {
                        let n = e.name_str();
                        n.starts_with("libcudnn")
                            && n.split_once(".so.")
                                .is_some_and(|(_, v)| v.split('.').next() == Some(group.1.as_str()))
                    })
                    .map(|e| e.path)
                    .filter(|p| ctx.root.symlink_metadata(p).is_ok_and(|m| m.is_file()))
                    .collect();
                names.sort();
                (names, key)
            }
        } else {
            (
                vec![real.to_path_buf()],
                (lib.family, real.to_path_buf(), String::new()),
            )
        };
        if files.is_empty() && !done.contains_key(&key) {
            continue;
        }
        let answer = done.entry(key).or_insert_with(|| {
            let mut united = UnitedGpuCode::read(ctx.root, &files);
            // The files were listed a moment ago: one gone now is a problem, not an absence.
            united.problems.extend(
                united
                    .missing
                    .drain(..)
                    .map(|f| format!("{f}: no longer there")),
            );
            united
                .source("")
                .map(|source| (united.code_strings(), source))
                .ok_or_else(|| united.problems.join("; "))
        });
        match answer {
            Ok((codes, source)) => {
                lib.gpu_code = Fact::known(codes.clone(), source.clone());
            }
            Err(why) => lib.gpu_code = Fact::unknown(why.clone()),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn classify_names() {
        assert_eq!(
            classify("libcudart.so.11.8.89"),
            Some((LibraryFamily::Cudart, Some("11.8.89")))
        );
        assert_eq!(
            classify("libcuda.so.535.261.03"),
            Some((LibraryFamily::Cuda, Some("535.261.03")))
        );
        assert_eq!(
            classify("libcublasLt.so.11"),
            Some((LibraryFamily::CublasLt, Some("11")))
        );
        assert_eq!(
            classify("libcudart.so"),
            Some((LibraryFamily::Cudart, None))
        );
        assert_eq!(classify("libcudart_static.a"), None);
        assert_eq!(classify("libcudnn_ops_infer.so.8"), None);
        assert_eq!(classify("libcuda.so.1.bak"), None);
        assert_eq!(
            classify("libnvidia-ml.so.1"),
            Some((LibraryFamily::NvidiaMl, Some("1")))
        );
    }

    #[test]
    fn conf_lines() {
        let t = "# Multiarch support\n/usr/local/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu\ninclude /etc/ld.so.conf.d/*.conf\n\n/opt/a:/opt/b # two\n";
        assert_eq!(
            parse_ld_so_conf(t),
            vec![
                ConfLine::Dir("/usr/local/lib/x86_64-linux-gnu".into()),
                ConfLine::Dir("/lib/x86_64-linux-gnu".into()),
                ConfLine::Include("/etc/ld.so.conf.d/*.conf".into()),
                ConfLine::Dir("/opt/a".into()),
                ConfLine::Dir("/opt/b".into()),
            ]
        );
        assert!(parse_ld_so_conf("\u{0}\u{ff}").len() <= 1);
    }

    #[test]
    fn record_paths() {
        let t = "nvidia/cu13/lib/libcudart.so.13,sha256=abc,700000\n\"odd,name.so\",sha256=x,1\nnvidia_cuda_runtime-13.0.96.dist-info/RECORD,,\n";
        let paths: Vec<&str> = parse_record(t).collect();
        assert_eq!(
            paths,
            [
                "nvidia/cu13/lib/libcudart.so.13",
                "odd,name.so",
                "nvidia_cuda_runtime-13.0.96.dist-info/RECORD"
            ]
        );
    }
}
