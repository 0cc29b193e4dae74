//! The CUDA libraries a target dlopens: found, the right major, the tested runtime; and the
//! `nvidia-*` wheels its package pins.

use cudoctor_i18n::msg;
use std::fmt::Write as _;
use std::str::FromStr;

use cudoctor_kb::framework::Framework;
use cudoctor_kb::version::CudaVersion;

use super::Ctx;
use super::files::{file_version, soname_parts};
use crate::finding::{Finding, Severity};
use crate::loader::{LoadedFile, Resolution};
use crate::target::{PinnedLibrary, Sourced, Target, parse_requirement, pin_applies_on_linux};

const TF_GPU_GUIDE: &str = "https://www.tensorflow.org/install/pip";
const REQUIRES_DIST: &str = "https://packaging.python.org/en/latest/specifications/core-metadata/#requires-dist-multiple-use";
const CUDA_INSTALL_GUIDE: &str =
    "https://docs.nvidia.com/cuda/cuda-installation-guide-linux/index.html";

fn first_component(v: &str) -> Option<u32> {
    v.split('.').next()?.parse().ok()
}

/// The pip wheel that carries `family` for CUDA `cuda_major` (the knowledge base's
/// `library_packages` table: `cudart`, 12 -> `nvidia-cuda-runtime-cu12`).
fn pip_name(ctx: &Ctx<'_>, family: &str, cuda_major: u32) -> Option<String> {
    ctx.kb
        .library_packaging(family)
        .map(|p| p.pip_name(cuda_major))
}

fn site_lib_dirs(ctx: &Ctx<'_>, env: Option<&str>, families: &[&str]) -> Vec<String> {
    let Some(env) = env else { return Vec::new() };
    let Some(pyenv) = ctx.snap.python_environments.iter().find(|p| p.path == env) else {
        return Vec::new();
    };
    let Some(sp) = pyenv.site_packages.first() else {
        return Vec::new();
    };
    let mut dirs: Vec<String> = Vec::new();
    for fam in families {
        if let Some(p) = ctx.kb.library_packaging(fam) {
            let d = format!("{}/{}", sp.trim_end_matches('/'), p.site_lib_dir());
            if !dirs.contains(&d) {
                dirs.push(d);
            }
        }
    }
    dirs
}

fn export_line(dirs: &[String]) -> String {
    format!(
        "export LD_LIBRARY_PATH={}${{LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}}",
        dirs.join(":")
    )
}

/// Whether a copy of `soname` found off the search path is one the target can use: its version
/// has the soname's major, and for cuDNN the framework's runtime rule accepts it. Only such copies
/// are offered in an `LD_LIBRARY_PATH` line.
fn acceptable_copy(t: &Target, library: &str, soname: &str, copy: &LoadedFile) -> bool {
    let Some(version) = file_version(copy) else {
        return false;
    };
    let (_, so_ver) = soname_parts(soname);
    if let (Some(w), Some(h)) = (so_ver.and_then(first_component), first_component(&version)) {
        if w != h {
            return false;
        }
    }
    if library == "cudnn" {
        if let (Some(built), Some(crate::target::CudnnRule::TensorFlow)) =
            (&t.needs.cudnn, t.needs.cudnn_rule)
        {
            let Ok(v) = cudoctor_kb::version::CudnnVersion::from_str(&version) else {
                return false;
            };
            return matches!(
                cudoctor_kb::rules::tf_cudnn_runtime_check(built.value, v),
                cudoctor_kb::rules::CudnnCheck::Accepted
                    | cudoctor_kb::rules::CudnnCheck::AcceptedUntested(_)
            );
        }
    }
    true
}

fn resolved_for(ctx: &Ctx<'_>, t: &Target) -> Vec<(String, Resolution)> {
    let Some(sonames) = &t.needs.sonames else {
        return Vec::new();
    };
    sonames
        .value
        .iter()
        .filter(|s| s.library != "cuda") // the driver: the driver rules speak for it
        .map(|s| (s.library.clone(), ctx.resolve_for(t, &s.soname)))
        .collect()
}

/// `library-not-found`: a soname the target dlopens resolves to no file; or a pinned
/// `nvidia-*` wheel is not installed (an error when the framework links against a library it
/// carries and the loader finds no copy of that library elsewhere either).
pub(crate) fn library_not_found(ctx: &Ctx<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for t in ctx.gpu_targets() {
        let site = site_packages_of(ctx, t.environment.as_deref());
        let missing: Vec<(String, Resolution)> = resolved_for(ctx, t)
            .into_iter()
            .filter(|(_, r)| r.loaded.is_none() && r.unknown.is_none())
            // A package that pins NVIDIA wheels finds their copies in its own site-packages
            // through its RUNPATH, which a loader answer without the requesting object does not
            // see: unknown, not missing.
            .filter(|(_, r)| {
                t.needs.pins.is_empty()
                    || !r
                        .off_path
                        .iter()
                        .any(|o| site.iter().any(|sp| o.path.starts_with(&format!("{sp}/"))))
            })
            .collect();
        if !missing.is_empty() {
            out.push(missing_sonames(ctx, t, &missing));
        }
        out.extend(missing_pins(ctx, t));
    }
    out
}

fn site_packages_of(ctx: &Ctx<'_>, env: Option<&str>) -> Vec<String> {
    env.and_then(|e| ctx.snap.python_environments.iter().find(|p| p.path == e))
        .map(|p| {
            p.site_packages
                .iter()
                .map(|s| s.trim_end_matches('/').to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The loader's answer as evidence reads it: the file taken (and the step that reaches it), why
/// it is unknown, or "no file the loader would take" with the files skipped and the copies
/// that exist off the search path.
fn loader_answer(r: &Resolution) -> String {
    if let Some(l) = &r.loaded {
        return format!("{} (via {})", l.path, l.via);
    }
    if let Some(why) = &r.unknown {
        return format!("unknown: {why}");
    }
    let mut value = "no file the loader would take".to_owned();
    if !r.skipped.is_empty() {
        let skipped: Vec<String> = r
            .skipped
            .iter()
            .map(|s| format!("{} ({})", s.path, s.reason))
            .collect();
        let _ = write!(value, "; skipped: {}", skipped.join(", "));
    }
    if !r.off_path.is_empty() {
        let off: Vec<String> = r
            .off_path
            .iter()
            .map(|o| format!("{} (found via {})", o.path, o.via))
            .collect();
        let _ = write!(value, "; copies off the search path: {}", off.join(", "));
    }
    value
}

fn missing_sonames(ctx: &Ctx<'_>, t: &Target, missing: &[(String, Resolution)]) -> Finding {
    let names: Vec<&str> = missing.iter().map(|(_, r)| r.soname.as_str()).collect();
    let sonames_src = t
        .needs
        .sonames
        .as_ref()
        .map_or_else(String::new, |s| s.source.clone());
    let mut f = Finding::titled(
        "library-not-found",
        Severity::Error,
        msg!(
            "library-not-found-title",
            target = t.display(),
            count = names.len(),
            names_join = names.join(", ")
        ),
    )
    .explain_msg(msg!(
        "library-not-found-explain",
        target = t.display(),
        count = names.len()
    ));
    for (_, r) in missing {
        f = f.evidence(
            format!("dlopen(\"{}\")", r.soname),
            loader_answer(r),
            r.source.clone(),
        );
    }
    f = f.evidence(
        format!("libraries {} dlopens", t.display()),
        names.join(", "),
        sonames_src.clone(),
    );
    if let Some(ld) = ctx.env("LD_LIBRARY_PATH") {
        f = f.evidence(
            "LD_LIBRARY_PATH",
            ld.to_owned(),
            ctx.env_source("LD_LIBRARY_PATH"),
        );
    }
    // Copies that exist off the search path: the exact line that makes them visible.
    let mut dirs: Vec<String> = Vec::new();
    let mut links: Vec<String> = Vec::new();
    for (library, r) in missing {
        if let Some(o) = r
            .off_path
            .iter()
            .find(|o| acceptable_copy(t, library, &r.soname, o))
        {
            let (dir, name) = o.path.rsplit_once('/').unwrap_or((".", o.path.as_str()));
            let searched = ["ld_library_path", "default_dir", "ld_so_conf"]
                .iter()
                .any(|k| o.via.contains(k));
            if name != r.soname {
                // The file is there under its full name only: the soname link is missing.
                links.push(format!("sudo ln -sf {name} {dir}/{}", r.soname));
            }
            if !searched && !dirs.iter().any(|d| d == dir) {
                dirs.push(dir.to_owned());
            }
        }
    }
    if !links.is_empty() {
        f = f.fix_msg(msg!(
            "library-not-found-fix",
            count = links.len(),
            links_join = links.join(" && ")
        ));
    }
    if !dirs.is_empty() {
        f = f.fix_msg(msg!(
            "library-not-found-fix-2",
            export_line_dirs = export_line(&dirs),
            dirs_join = dirs.join(" ")
        ));
    }
    let cuda = t.needs.cuda.as_ref().map(|c| c.value);
    let families: Vec<&str> = missing.iter().map(|(l, _)| l.as_str()).collect();
    if let Some(cuda) = cuda {
        // pip: the pins of the installed package when it has them.
        let pinned: Vec<String> = t
            .needs
            .pins
            .iter()
            .map(|p| parse_requirement(&p.value))
            .filter(|(name, _, _)| {
                families
                    .iter()
                    .any(|fam| pip_name(ctx, fam, cuda.major()).as_deref() == Some(name.as_str()))
            })
            .map(|(name, spec, _)| format!("'{name}{spec}'"))
            .collect();
        if t.framework == Framework::TensorFlow && !t.needs.pins.is_empty() {
            if let Some(v) = &t.version {
                let arg = ctx.kb.tf_pip_argument("tensorflow", &v.without_local());
                let arg = if arg.contains('[') {
                    arg
                } else {
                    format!("tensorflow[and-cuda]=={v}")
                };
                f = f.fix_msg(msg!("library-not-found-fix-3", arg = arg));
            }
        } else {
            let mut pip: Vec<String> = pinned;
            for fam in &families {
                if let Some(name) = pip_name(ctx, fam, cuda.major()) {
                    if pip.iter().any(|p| p.starts_with(&format!("'{name}"))) {
                        continue;
                    }
                    let spec = if *fam == "cudnn" {
                        t.needs.cudnn.as_ref().map_or_else(String::new, |c| {
                            format!(
                                ">={}.{},<{}",
                                c.value.major(),
                                c.value.minor(),
                                c.value.major().saturating_add(1)
                            )
                        })
                    } else {
                        // The `-cuXX` suffix already selects the CUDA major. The wheels carry
                        // the library's own version (nvidia-cufft-cu11 is 10.9.0.58,
                        // nvidia-curand-cu12 is 10.3.x), not the CUDA version, so a
                        // `>=11.2` pin would make pip fail to resolve.
                        String::new()
                    };
                    pip.push(format!("'{name}{spec}'"));
                }
            }
            if !pip.is_empty() {
                let known_dirs = site_lib_dirs(ctx, t.environment.as_deref(), &families);
                // Without a known environment, the same directories under the site-packages
                // of the `python3` the user installs into: the wheels' libraries are off the
                // loader's path until `LD_LIBRARY_PATH` names them.
                let export = if known_dirs.is_empty() {
                    let dirs: Vec<String> = families
                        .iter()
                        .filter_map(|fam| ctx.kb.library_packaging(fam))
                        .map(|p| format!("$SP/{}", p.site_lib_dir()))
                        .fold(Vec::new(), |mut v, d| {
                            if !v.contains(&d) {
                                v.push(d);
                            }
                            v
                        });
                    (!dirs.is_empty()).then(|| {
                        format!(
                            "SP=$(python3 -c 'import site; print(site.getsitepackages()[0])'); {}",
                            export_line(&dirs)
                        )
                    })
                } else {
                    Some(export_line(&known_dirs))
                };
                let mut line = format!(
                    "pip (into {}): `pip install {}`",
                    t.environment
                        .as_deref()
                        .unwrap_or("the framework's environment"),
                    pip.join(" ")
                );
                let env = t.environment.clone().map_or_else(
                    || cudoctor_i18n::Arg::Msg(msg!("library-not-found-env-default")),
                    cudoctor_i18n::Arg::Text,
                );
                let line_msg = match export {
                    None => msg!(
                        "library-not-found-fix-pip",
                        env = env,
                        packages = pip.join(" ")
                    ),
                    Some(export) => {
                        let _ = write!(line, ", then `{export}`");
                        msg!(
                            "library-not-found-fix-pip-export",
                            env = env,
                            packages = pip.join(" "),
                            export = export
                        )
                    }
                };
                f = f.fix_msg(line_msg);
            }
        }
        // apt: NVIDIA's CUDA network repository.
        let mut apt: Vec<String> = Vec::new();
        for fam in &families {
            if let Some(p) = ctx.kb.library_packaging(fam).and_then(|p| p.apt_name(cuda)) {
                if !apt.contains(&p) {
                    apt.push(p);
                }
            }
        }
        if !apt.is_empty() {
            f = f.fix_msg(msg!("library-not-found-fix-4", apt_join = apt.join(" ")));
        }
        if families.contains(&"cudnn") {
            if let Some(c) = &t.needs.cudnn {
                f = f.fix_msg(msg!(
                    "library-not-found-fix-5",
                    c_value_major = c.value.major().to_string(),
                    c_value_minor = c.value.minor().to_string(),
                    cuda_major_minor = cuda.major_minor().to_string(),
                    apt = super::cudnn::apt_commands(c.value, cuda)
                ));
            }
        }
    }
    if t.framework == Framework::TensorFlow {
        if let Some(image) = t
            .version
            .as_ref()
            .and_then(|v| crate::target::tf_gpu_image(ctx.kb, v))
        {
            f = f.fix_msg(msg!("library-not-found-fix-6", image = image.clone()));
        }
    }
    f.sources(crate::finding::kb_urls(&sonames_src))
        .source(TF_GPU_GUIDE)
        .source(CUDA_INSTALL_GUIDE)
}

/// The environment's installed packages, by normalized name.
fn installed(ctx: &Ctx<'_>, env: Option<&str>, name: &str) -> Option<(Option<String>, String)> {
    let env = env?;
    let pyenv = ctx
        .snap
        .python_environments
        .iter()
        .find(|p| p.path == env)?;
    pyenv
        .packages
        .iter()
        .find(|p| p.name.to_ascii_lowercase().replace('_', "-") == name)
        .map(|p| (p.version.clone(), p.metadata_path.clone()))
}

/// Pins whose package is absent from the framework's environment: an error where a library the
/// missing wheels carry ([`crate::target::Needs::pinned_libraries`]) has no copy the loader would
/// take (the framework cannot be imported), else a warning (a copy is on the loader's path, the
/// answer is unknown, or no soname is known for the wheel).
fn missing_pins(ctx: &Ctx<'_>, t: &Target) -> Vec<Finding> {
    let Some(env) = t.environment.as_deref() else {
        return Vec::new();
    };
    if !matches!(t.origin, crate::target::TargetOrigin::Installed(_)) {
        return Vec::new();
    }
    let Some(pyenv) = ctx.snap.python_environments.iter().find(|p| p.path == env) else {
        return Vec::new();
    };
    // Only when the probe listed the environment's nvidia-* packages at all.
    let _ = pyenv;
    let mut missing: Vec<(&Sourced<String>, String, String)> = Vec::new();
    for pin in &t.needs.pins {
        let (name, spec, marker) = parse_requirement(&pin.value);
        if marker.contains("extra") || !pin_applies_on_linux(&marker) {
            continue;
        }
        if installed(ctx, Some(env), &name).is_none() {
            missing.push((pin, name, spec));
        }
    }
    if missing.is_empty() {
        return Vec::new();
    }
    // The libraries the missing wheels carry, with the loader's answer for each. The framework
    // links against them: where the loader finds no copy either, importing it fails.
    let answers: Vec<(&Sourced<PinnedLibrary>, Resolution)> = t
        .needs
        .pinned_libraries
        .iter()
        .filter(|p| missing.iter().any(|(_, n, _)| *n == p.value.package))
        .map(|p| (p, ctx.resolve_for(t, &p.value.soname)))
        .collect();
    let not_found: Vec<&PinnedLibrary> = answers
        .iter()
        .filter(|(_, r)| r.loaded.is_none() && r.unknown.is_none())
        .map(|(p, _)| &p.value)
        .collect();
    // Those the import loads fail it; the others fail only the calls that open them. "It
    // imports" is said only when every missing wheel carries a library opened on first use
    // that the loader answered for: a wheel with no measured library (cuSPARSELt, cuFile,
    // NVTX) or an unknown answer leaves the import unknown.
    let (at_import, first_use): (Vec<&PinnedLibrary>, Vec<&PinnedLibrary>) =
        not_found.iter().partition(|p| p.at_import);
    let only_first_use = at_import.is_empty()
        && missing.iter().all(|(_, name, _)| {
            let carried: Vec<_> = answers
                .iter()
                .filter(|(p, _)| p.value.package == *name)
                .collect();
            !carried.is_empty()
                && carried
                    .iter()
                    .all(|(p, r)| !p.value.at_import && r.unknown.is_none())
        });
    // A finding titled by `key` with the sonames and the wheels that carry them, and how many.
    let titled = |severity: Severity, key: &'static str, libs: &[&PinnedLibrary]| {
        let sonames: Vec<&str> = libs.iter().map(|p| p.soname.as_str()).collect();
        let wheels: Vec<&str> = libs.iter().map(|p| p.package.as_str()).collect();
        Finding::titled(
            "library-not-found",
            severity,
            msg!(
                key,
                target = t.display(),
                sonames_join = sonames.join(", "),
                count = wheels.len(),
                wheels_join = wheels.join(", ")
            ),
        )
    };
    let names: Vec<String> = missing.iter().map(|(_, n, _)| n.clone()).collect();
    let mut f = if not_found.is_empty() || (at_import.is_empty() && !only_first_use) {
        Finding::titled(
            "library-not-found",
            Severity::Warning,
            msg!(
                "library-not-found-title-2",
                target = t.display(),
                names_join = names.join(", ")
            ),
        )
        .explain_msg(msg!(
            "library-not-found-explain-2",
            target = t.display(),
            env = env.to_string()
        ))
    } else if only_first_use {
        let uses: Vec<String> = first_use
            .iter()
            .map(|p| {
                format!(
                    "`{}` on {}",
                    p.soname,
                    p.first_use.as_deref().unwrap_or("first use")
                )
            })
            .collect();
        titled(
            Severity::Warning,
            "library-not-found-title-first-use",
            &first_use,
        )
        .explain_msg(msg!(
            "library-not-found-explain-first-use",
            target = t.display(),
            uses_join = uses.join("; "),
            env = env.to_string()
        ))
    } else {
        titled(
            Severity::Error,
            "library-not-found-title-import",
            &at_import,
        )
        .explain_msg(msg!(
            "library-not-found-explain-import",
            target = t.display(),
            env = env.to_string(),
            package = t.package.clone()
        ))
    };
    for (pin, name, _) in &missing {
        f = f.evidence(
            format!("{name} installed in {env}"),
            "no",
            "python environment packages (*.dist-info)",
        );
        f = f.evidence("pinned requirement", pin.value.clone(), pin.source.clone());
    }
    for (p, r) in &answers {
        f = f
            .evidence(
                format!("library in {}", p.value.package),
                p.value.soname.clone(),
                p.source.clone(),
            )
            .evidence(
                format!("dlopen(\"{}\")", r.soname),
                loader_answer(r),
                r.source.clone(),
            );
    }
    if !not_found.is_empty() {
        if let Some(ld) = ctx.env("LD_LIBRARY_PATH") {
            f = f.evidence(
                "LD_LIBRARY_PATH",
                ld.to_owned(),
                ctx.env_source("LD_LIBRARY_PATH"),
            );
        }
    }
    let reqs: Vec<String> = missing
        .iter()
        .map(|(_, n, s)| format!("'{n}{s}'"))
        .collect();
    f = f.fix_msg(msg!(
        "library-not-found-fix-7",
        reqs_join = reqs.join(" "),
        env = env.to_string()
    ));
    if t.version.is_some() {
        let args = super::framework::pip_install_args(ctx.kb, t);
        f = f.fix_msg(msg!("library-not-found-fix-8", args = args));
    }
    let kb_sources: Vec<String> = answers
        .iter()
        .flat_map(|(p, _)| crate::finding::kb_urls(&p.source))
        .collect();
    vec![
        f.source(REQUIRES_DIST)
            .source(super::framework::install_doc(t.framework))
            .sources(kb_sources),
    ]
}

/// `library-wrong-version`: the file taken belongs to another major; an older copy shadows a
/// newer one; or an installed `nvidia-*` wheel does not satisfy the package's pin.
pub(crate) fn library_wrong_version(ctx: &Ctx<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for t in ctx.gpu_targets() {
        for (library, r) in resolved_for(ctx, t) {
            let Some(loaded) = &r.loaded else { continue };
            let Some(version) = file_version(loaded) else {
                continue;
            };
            let (_, so_ver) = soname_parts(&r.soname);
            let want_major = so_ver.and_then(first_component);
            let have_major = first_component(&version);
            if let (Some(w), Some(h)) = (want_major, have_major) {
                if w != h {
                    out.push(
                        Finding::titled(
                            "library-wrong-version",
                            Severity::Error,
                            msg!(
                                "library-wrong-version-title",
                                r_soname = r.soname.clone(),
                                version = version.clone(),
                                w = w.to_string()
                            ),
                        )
                        .explain_msg(msg!(
                            "library-wrong-version-explain",
                            target = t.display(),
                            r_soname = r.soname.clone(),
                            w = w.to_string(),
                            version = version.clone()
                        ))
                        .evidence(
                            format!("file loaded for {}", r.soname),
                            format!(
                                "{} -> {}",
                                loaded.path,
                                loaded.real_path.as_deref().unwrap_or("?")
                            ),
                            format!("{} (via {})", r.source, loaded.via),
                        )
                        .evidence("its version", version.clone(), r.source.clone())
                        .fix_msg(msg!(
                            "library-wrong-version-fix",
                            r_soname = r.soname.clone(),
                            loaded_path = loaded.path.clone(),
                            w = w.to_string()
                        ))
                        .source(CUDA_INSTALL_GUIDE),
                    );
                    continue;
                }
            }
            if library == "cudnn" || library == "cudart" {
                continue; // cudnn-version-mismatch / cuda-runtime-untested speak for these
            }
            // An older copy first in the search order hides a newer one.
            let newer: Vec<&LoadedFile> = r
                .shadowed
                .iter()
                .filter(|s| file_version(s).is_some_and(|sv| version_lt(&version, &sv)))
                .collect();
            if let Some(n) = newer.first() {
                out.push(
                    Finding::titled(
                        "library-wrong-version",
                        Severity::Warning,
                        msg!(
                            "library-wrong-version-title-2",
                            r_soname = r.soname.clone(),
                            version = version.clone(),
                            newer_version = (file_version(n).unwrap_or_default()).clone()
                        ),
                    )
                    .explain_msg(msg!("library-wrong-version-explain-2"))
                    .evidence(
                        format!("taken ({})", loaded.via),
                        loaded.path.clone(),
                        r.source.clone(),
                    )
                    .evidence(
                        format!("hidden ({})", n.via),
                        n.path.clone(),
                        r.source.clone(),
                    )
                    .fix_msg(msg!(
                        "library-wrong-version-fix-2",
                        export = (export_line(&[n
                            .path
                            .rsplit_once('/')
                            .map_or(".", |(d, _)| d)
                            .to_owned()]))
                        .clone()
                    ))
                    .source(CUDA_INSTALL_GUIDE),
                );
            }
        }
        out.extend(pin_mismatches(ctx, t));
    }
    out
}

/// Whether library version `a` is older than `b`, compared as versions (PEP 440, which every
/// dotted numeric file or wheel version is); two versions either of which does not parse are not
/// ordered, so neither is called older.
fn version_lt(a: &str, b: &str) -> bool {
    match (
        pep440_rs::Version::from_str(a),
        pep440_rs::Version::from_str(b),
    ) {
        (Ok(a), Ok(b)) => a < b,
        _ => false,
    }
}

fn pin_mismatches(ctx: &Ctx<'_>, t: &Target) -> Vec<Finding> {
    let mut out = Vec::new();
    for pin in &t.needs.pins {
        let (name, spec, marker) = parse_requirement(&pin.value);
        if spec.is_empty() || !pin_applies_on_linux(&marker) {
            continue;
        }
        let Some((Some(version), meta)) = installed(ctx, t.environment.as_deref(), &name) else {
            continue;
        };
        let (Ok(specs), Ok(v)) = (
            pep440_rs::VersionSpecifiers::from_str(&spec),
            pep440_rs::Version::from_str(&version),
        ) else {
            continue;
        };
        if specs.contains(&v) {
            continue;
        }
        out.push(
            Finding::titled(
                "library-wrong-version",
                Severity::Warning,
                msg!(
                    "library-wrong-version-title-3",
                    name = name.clone(),
                    version = version.clone(),
                    target = t.display(),
                    spec = spec.clone()
                ),
            )
            .explain_msg(msg!(
                "library-wrong-version-explain-3",
                target = t.display(),
                name = name.clone()
            ))
            .evidence(format!("{name} installed"), version.clone(), meta)
            .evidence("pinned requirement", pin.value.clone(), pin.source.clone())
            .fix_msg(msg!(
                "library-wrong-version-fix-3",
                name = name.clone(),
                spec = spec.clone(),
                env = t.environment.clone().map_or_else(
                    || cudoctor_i18n::Arg::Msg(msg!("library-wrong-version-env-default")),
                    cudoctor_i18n::Arg::Text
                )
            ))
            .fix_msg(msg!("library-wrong-version-fix-4"))
            .source(REQUIRES_DIST)
            .source(super::framework::install_doc(t.framework)),
        );
    }
    out
}

/// `cuda-runtime-untested`: the CUDA runtime the target loads differs in minor from the one it
/// was built with.
pub(crate) fn cuda_runtime_untested(ctx: &Ctx<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for t in ctx.gpu_targets() {
        let Some(cuda) = &t.needs.cuda else { continue };
        for (library, r) in resolved_for(ctx, t) {
            if library != "cudart" {
                continue;
            }
            let Some(loaded) = &r.loaded else { continue };
            let Some(version) = file_version(loaded) else {
                continue;
            };
            let Ok(rt) = CudaVersion::from_str(&version) else {
                continue;
            };
            if rt.major() != cuda.value.major() || rt.same_minor(cuda.value) {
                continue; // another major: library-wrong-version
            }
            let older = rt.minor() < cuda.value.minor();
            let mut f = Finding::titled(
                "cuda-runtime-untested",
                Severity::Warning,
                msg!(
                    "cuda-runtime-untested-title",
                    target = t.display(),
                    rt = rt.to_string(),
                    cuda_value = cuda.value.to_string()
                ),
            )
            .explain_msg(msg!(
                if older {
                    "library-wrong-version-explain-runtime-1"
                } else {
                    "library-wrong-version-explain-runtime-2"
                },
                r_soname = r.soname.clone(),
                target = t.display(),
                cuda_value_major = cuda.value.major().to_string(),
                rt_major_minor = rt.major_minor().to_string()
            ))
            .evidence(
                format!("{} loaded", r.soname),
                format!("{} ({version})", loaded.path),
                format!("{} (via {})", r.source, loaded.via),
            )
            .evidence(
                format!("CUDA {} was built with", t.display()),
                cuda.value.to_string(),
                cuda.source.clone(),
            );
            let better: Vec<&LoadedFile> = r
                .shadowed
                .iter()
                .chain(r.off_path.iter())
                .filter(|s| {
                    file_version(s)
                        .and_then(|v| CudaVersion::from_str(&v).ok())
                        .is_some_and(|v| v.same_minor(cuda.value))
                })
                .collect();
            if let Some(b) = better.first() {
                let dir = b.path.rsplit_once('/').map_or(".", |(d, _)| d).to_owned();
                f = f
                    .evidence(
                        format!("a CUDA {} copy", cuda.value),
                        b.path.clone(),
                        format!("{} ({})", r.source, b.via),
                    )
                    .fix_msg(msg!(
                        "cuda-runtime-untested-fix",
                        cuda_value = cuda.value.to_string(),
                        export_line_dir = export_line(&[dir])
                    ));
            } else {
                f = f.fix_msg(msg!(
                    "cuda-runtime-untested-fix-2",
                    cuda_value_major_minor = cuda.value.major_minor().to_string(),
                    cuda_value_major = cuda.value.major().to_string(),
                    cuda_value_minor = cuda.value.minor().to_string()
                ));
            }
            if let Some(ld) = ctx.env("LD_LIBRARY_PATH") {
                f = f.evidence(
                    "LD_LIBRARY_PATH",
                    ld.to_owned(),
                    ctx.env_source("LD_LIBRARY_PATH"),
                );
            }
            out.push(
                f.sources(crate::finding::kb_urls(&cuda.source))
                    .source("https://docs.nvidia.com/deploy/cuda-compatibility/minor-version-compatibility.html"),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests;
