//! The framework build itself: Python, CPU-only builds, GPU code for this GPU, TensorRT, and
//! what the knowledge base knows of the release.

use cudoctor_i18n::msg;
use cudoctor_kb::framework::Framework;
use cudoctor_kb::query::PtxIsaProvenance;
use cudoctor_kb::rules::{ArchSupport, arch_support, format_codes};
use cudoctor_kb::version::ComputeCapability;

use super::Ctx;
use crate::finding::{Finding, Severity};
use crate::target::{KbKnowledge, Target, TargetOrigin};

const TF_PIP: &str = "https://www.tensorflow.org/install/pip";
const TORCH_LOCAL: &str = "https://pytorch.org/get-started/locally/";
const JAX_INSTALL: &str = "https://docs.jax.dev/en/latest/installation.html";
const CUDA_BINARY_COMPAT: &str =
    "https://docs.nvidia.com/cuda/cuda-c-programming-guide/index.html#binary-compatibility";

pub(crate) fn install_doc(f: Framework) -> &'static str {
    match f {
        Framework::TensorFlow => TF_PIP,
        Framework::PyTorch => TORCH_LOCAL,
        Framework::Jax => JAX_INSTALL,
    }
}

fn kb_url(source: &str) -> Vec<String> {
    crate::finding::kb_urls(source)
}

/// What `pip install` needs to install this target's release again: `'tensorflow==2.9.0'`;
/// for a PyTorch variant build other than the one PyPI serves, the release without its local
/// label plus the variant's index (`'torch==2.4.1' --index-url
/// https://download.pytorch.org/whl/cu118`: PyPI has no `+cu118` versions); for JAX its plugin extra (`'jax[cuda12]==0.4.30'`); for TensorFlow the argument
/// the knowledge base gives (`'tensorflow[and-cuda]==2.15.0.post1'` where the release has the
/// extra); the bare package when the version is unknown.
pub(crate) fn pip_install_args(kb: &cudoctor_kb::Kb, t: &Target) -> String {
    let Some(v) = &t.version else {
        return format!("'{}'", t.package);
    };
    let pin = format!("'{}=={}'", t.package, v.without_local());
    match (t.framework, t.variant.as_deref()) {
        (Framework::TensorFlow, _) => {
            format!("'{}'", kb.tf_pip_argument(&t.package, &v.without_local()))
        }
        // The variant PyPI serves for the release (the knowledge base says which) needs no
        // index; any other does.
        (Framework::PyTorch, Some(tag))
            if !kb
                .torch_release(&v.without_local())
                .iter()
                .any(|r| r.pypi_default && r.tag == tag) =>
        {
            format!("{pin} --index-url https://download.pytorch.org/whl/{tag}")
        }
        // JAX's variant is the pip extra that installs its CUDA plugin.
        (Framework::Jax, Some(extra)) => format!("'{}[{extra}]=={}'", t.package, v.without_local()),
        _ => pin,
    }
}

/// `cudoctor requirements <package>==<version>`, or `cudoctor matrix <framework>` when the
/// version is unknown.
fn requirements_command(t: &Target) -> String {
    match &t.version {
        Some(v) => format!("cudoctor requirements {}=={v}", t.package),
        None => format!("cudoctor matrix {}", t.framework.name()),
    }
}

/// `python-version-unsupported`: the environment's Python is not one the release supports.
pub(crate) fn python_version_unsupported(ctx: &Ctx<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for t in ctx.targets {
        let (Some(py), Some(supported)) = (&t.python, &t.needs.python) else {
            continue;
        };
        if supported.value.contains(py.value) {
            continue;
        }
        let spec = matches!(t.origin, TargetOrigin::Spec(_));
        let env = t.environment.as_deref().unwrap_or("the Python environment");
        let f = Finding::titled(
            "python-version-unsupported",
            if spec {
                Severity::Error
            } else {
                Severity::Warning
            },
            msg!(
                "python-version-unsupported-title",
                target = t.display(),
                py_value = py.value.to_string(),
                env = t.environment.clone().map_or_else(
                    || cudoctor_i18n::Arg::Msg(msg!("python-version-unsupported-env-default")),
                    cudoctor_i18n::Arg::Text
                )
            ),
        )
        .explain_msg(if spec {
            msg!(
                "python-version-unsupported-explain-1",
                target = t.display(),
                supported_value = supported.value.to_string(),
                py_value = py.value.to_string()
            )
        } else {
            msg!(
                "python-version-unsupported-explain-2",
                target = t.display(),
                py_value = py.value.to_string(),
                supported_value = supported.value.to_string()
            )
        })
        .evidence(
            format!("Python in {env}"),
            py.value.to_string(),
            py.source.clone(),
        )
        .evidence(
            format!("Python versions of {}", t.display()),
            supported.value.to_string(),
            supported.source.clone(),
        )
        .fix_msg(msg!(
            "python-version-unsupported-fix",
            python = (match &supported.value {
                crate::target::PythonSupport::Listed(l) =>
                    l.last().map_or_else(|| "3".to_owned(), ToString::to_string),
                crate::target::PythonSupport::AtLeast(m) => m.to_string(),
            })
            .clone(),
            framework = t.framework.name().to_string(),
            packages = pip_install_args(ctx.kb, t)
        ))
        .fix_msg(msg!(
            "python-version-unsupported-fix-2",
            py_value = py.value.to_string(),
            framework = t.framework.name().to_string()
        ))
        .sources(kb_url(&supported.source));
        out.push(f);
    }
    out
}

/// `cpu-only-build`: a CPU-only build while NVIDIA GPUs are present.
pub(crate) fn cpu_only_build(ctx: &Ctx<'_>) -> Vec<Finding> {
    if ctx.gpus_present() != Some(true) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for t in ctx.targets {
        let Some(g) = &t.needs.gpu_build else {
            continue;
        };
        if g.value {
            continue;
        }
        let fix = gpu_build_fix(ctx, t);
        let hip = ctx
            .snap
            .frameworks
            .iter()
            .find(|f| Some(&f.environment) == t.environment.as_ref() && f.name == t.package)
            .and_then(|f| f.hip_version.clone());
        let title = match &hip {
            Some(h) => msg!(
                "cpu-only-build-title-1",
                target = t.display(),
                h = h.clone()
            ),
            None => msg!("cpu-only-build-title-2", target = t.display()),
        };
        let mut f = Finding::titled("cpu-only-build", Severity::Error, title)
            .explain_msg(msg!(
                "cpu-only-build-explain",
                target = t.display(),
                check = (match t.framework {
                    Framework::TensorFlow => "`tf.test.is_built_with_cuda()` is False",
                    Framework::PyTorch => "`torch.version.cuda` is None",
                    Framework::Jax => "`jax.devices()` lists only CPU devices",
                })
                .to_string()
            ))
            .evidence("GPU build", "no", g.source.clone());
        if let Some((label, cc, src)) = ctx.gpu_capabilities().into_iter().next() {
            f = f.evidence("GPU", format!("{label} (compute capability {cc})"), src);
        } else {
            f = f.evidence(
                "NVIDIA GPUs",
                format!(
                    "{} device node(s)",
                    ctx.snap.device_nodes.gpus.len().max(ctx.snap.gpus.len())
                ),
                "/dev/nvidia*, /proc/driver/nvidia/gpus",
            );
        }
        out.push(f.fix_msg(fix).source(install_doc(t.framework)));
    }
    out
}

/// The command that replaces a CPU-only build with the GPU build of the same release, from the
/// knowledge base's tables: TensorFlow's GPU package of that release (`tensorflow-gpu` up to
/// 2.0, where `tensorflow` itself is CPU-only), PyTorch's PyPI default variant, JAX's plugin
/// extra. A release the tables do not know gets no pin it cannot stand behind.
fn gpu_build_fix(ctx: &Ctx<'_>, t: &crate::target::Target) -> cudoctor_i18n::Msg {
    let version = t
        .version
        .as_ref()
        .map(cudoctor_kb::version::FrameworkVersion::without_local);
    let pin = |package: &str| match &version {
        Some(v) if t.framework == Framework::TensorFlow => {
            format!("'{}'", ctx.kb.tf_pip_argument(package, v))
        }
        Some(v) => format!("'{package}=={v}'"),
        None => format!("'{package}'"),
    };
    let requirements = match &version {
        Some(v) => format!("`cudoctor requirements {}=={v}`", t.package),
        None => format!("`cudoctor matrix {}`", t.framework.name()),
    };
    match t.framework {
        Framework::TensorFlow => match version.as_ref().and_then(|v| ctx.kb.tf_release(v)) {
            Some(release) => msg!(
                "cpu-only-build-fix-1",
                t_package = t.package.clone(),
                pin_release_package = pin(&release.package),
                release_package = release.package.clone()
            ),
            None => msg!(
                "cpu-only-build-fix-2",
                t_package = t.package.clone(),
                requirements = requirements.clone()
            ),
        },
        Framework::PyTorch => {
            let default = version.as_ref().and_then(|v| {
                ctx.kb
                    .torch_release(v)
                    .into_iter()
                    .find(|r| r.pypi_default && r.tag != "cpu")
            });
            match default {
                Some(d) => msg!(
                    "cpu-only-build-fix-3",
                    pin_torch = pin("torch"),
                    d_tag = d.tag.clone(),
                    d_cuda = d.cuda.to_string(),
                    requirements = requirements.clone()
                ),
                None => msg!(
                    "cpu-only-build-fix-4",
                    pin_torch = pin("torch"),
                    requirements = requirements.clone()
                ),
            }
        }
        Framework::Jax => {
            let plugins = version
                .as_ref()
                .map(|v| ctx.kb.jax_release(v))
                .unwrap_or_default();
            // The oldest CUDA plugin of the release: it asks least of the driver.
            match plugins.first() {
                Some(p) if plugins.len() == 1 => msg!(
                    "cpu-only-build-fix-5",
                    pin_p_extra = pin(&p.extra),
                    p_variant = p.variant.clone()
                ),
                Some(p) => msg!(
                    "cpu-only-build-fix-6",
                    pin_p_extra = pin(&p.extra),
                    p_variant = p.variant.clone(),
                    requirements = requirements.clone()
                ),
                None => msg!("cpu-only-build-fix-7", requirements = requirements.clone()),
            }
        }
    }
}

/// A `gpu-arch-unsupported` finding about one GPU (label, compute capability, where that was
/// read), with the GPU as its first evidence.
fn gpu_arch_finding(
    severity: Severity,
    title: cudoctor_i18n::Msg,
    (label, cc, source): &(String, ComputeCapability, String),
) -> Finding {
    Finding::titled("gpu-arch-unsupported", severity, title).evidence(
        "GPU",
        format!("{label}, compute capability {cc}"),
        source.clone(),
    )
}

/// `gpu-arch-unsupported`: the build has no machine code for the GPU and no PTX it can JIT
/// (error), or only PTX (warning).
pub(crate) fn gpu_arch_unsupported(ctx: &Ctx<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let gpus = ctx.gpu_capabilities();
    for t in ctx.gpu_targets() {
        for gpu in &gpus {
            let (label, cc, _) = gpu;
            if let Some(codes) = &t.needs.gpu_code {
                let base = |sev: Severity, title: cudoctor_i18n::Msg| {
                    gpu_arch_finding(sev, title, gpu)
                        .evidence(
                            format!("GPU code in {}", t.display()),
                            format_codes(&codes.value),
                            codes.source.clone(),
                        )
                        .sources(kb_url(&codes.source))
                        .source(CUDA_BINARY_COMPAT)
                };
                match arch_support(*cc, &codes.value) {
                    ArchSupport::Sass(_) | ArchSupport::Unknown(_) => {}
                    ArchSupport::NoKernelImage => out.push(
                        base(
                            Severity::Error,
                            msg!(
                                "gpu-arch-unsupported-title-1",
                                target = t.display(),
                                label = label.clone(),
                                cc = cc.to_string()
                            ),
                        )
                        .explain_msg(msg!(
                            "gpu-arch-unsupported-explain",
                            target = t.display(),
                            cc = cc.to_string(),
                            cc_sm_name = cc.sm_name()
                        ))
                        .fix_msg(msg!(
                            "gpu-arch-unsupported-fix",
                            cc_sm_name = cc.sm_name(),
                            cc = cc.to_string(),
                            framework = t.framework.name().to_string()
                        ))
                        .fix_msg(msg!(
                            "gpu-arch-unsupported-fix-2",
                            framework_name = t.framework.display_name().to_string(),
                            cc = cc.to_string()
                        )),
                    ),
                    ArchSupport::PtxJit(code) => {
                        // The PTX was emitted by the build's CUDA; the driver's JIT must know
                        // that PTX ISA version (knowledge base: PTX ISA per CUDA release).
                        // TensorFlow: measured in a wheel of the release where the kb has one.
                        let isa = t.needs.cuda.as_ref().and_then(|c| {
                            let (cuda_isa, how) = match (t.framework, &t.version) {
                                (Framework::TensorFlow, Some(v)) => {
                                    ctx.kb.tf_ptx_isa(v, c.value)?
                                }
                                _ => (
                                    ctx.kb.ptx_isa_for_cuda(c.value)?,
                                    PtxIsaProvenance::Derived { cuda: c.value },
                                ),
                            };
                            let (driver, dsrc) = ctx.driver()?;
                            let driver_isa = ctx.kb.driver_ptx_isa(&driver)?;
                            Some((c, cuda_isa, how, driver, dsrc, driver_isa))
                        });
                        match isa {
                            Some((cuda, cuda_isa, how, driver, dsrc, driver_isa))
                                if driver_isa < cuda_isa =>
                            {
                                out.push(
                                    base(
                                        Severity::Error,
                                        msg!("gpu-arch-unsupported-title-2", target = t.display(), code = code.to_string(), label = label.clone(), driver = driver.to_string()),
                                    )
                                    .explain_msg(msg!("gpu-arch-unsupported-explain-2", target = t.display(), cc = cc.to_string(), code = code.to_string(), cuda_value = cuda.value.to_string(), cuda_isa = cuda_isa.to_string(), how_describe = how.describe(), driver = driver.to_string(), driver_isa = driver_isa.to_string()))
                                    .evidence("driver version", driver.to_string(), dsrc)
                                    .evidence(
                                        format!("PTX ISA of the PTX in {}", t.display()),
                                        cuda_isa.to_string(),
                                        match &how {
                                            PtxIsaProvenance::Measured { source, .. } => {
                                                format!("knowledge base: {}, {source}", how.describe())
                                            }
                                            PtxIsaProvenance::Derived { .. } => {
                                                format!("knowledge base: {}", how.describe())
                                            }
                                        },
                                    )
                                    .evidence(
                                        format!("newest PTX ISA driver {driver} is known to compile"),
                                        driver_isa.to_string(),
                                        "knowledge base (CUDA toolkit drivers, PTX ISA per CUDA release)",
                                    )
                                    .fix_msg(msg!("gpu-arch-unsupported-fix-3", cuda_value = cuda.value.to_string(), requirements = requirements_command(t)))
                                    .fix_msg(msg!("gpu-arch-unsupported-fix-4", cc = cc.to_string(), driver = driver.to_string(), framework = t.framework.name().to_string()))
                                    .source("https://docs.nvidia.com/deploy/cuda-compatibility/minor-version-compatibility.html"),
                                );
                            }
                            _ => out.push(
                                base(
                                    Severity::Warning,
                                    msg!(
                                        "gpu-arch-unsupported-title-3",
                                        target = t.display(),
                                        code = code.to_string(),
                                        label = label.clone()
                                    ),
                                )
                                .explain_msg(msg!(
                                    "gpu-arch-unsupported-explain-3",
                                    target = t.display(),
                                    cc = cc.to_string(),
                                    code = code.to_string()
                                ))
                                .fix_msg(msg!("gpu-arch-unsupported-fix-jit-cache"))
                                .fix_msg(msg!(
                                    "gpu-arch-unsupported-fix-5",
                                    cc = cc.to_string(),
                                    framework = t.framework.name().to_string(),
                                    cc_sm_name = cc.sm_name()
                                )),
                            ),
                        }
                    }
                }
            } else if let Some(min) = &t.needs.cc_min {
                if cc.plain() < min.value.plain() {
                    out.push(
                        gpu_arch_finding(
                            Severity::Error,
                            msg!(
                                "gpu-arch-unsupported-title-direct-1",
                                target = t.display(),
                                min_value = min.value.to_string(),
                                label = label.clone(),
                                cc = cc.to_string()
                            ),
                            gpu,
                        )
                        .explain_msg(msg!(
                            "gpu-arch-unsupported-explain-4",
                            target = t.display(),
                            min_value = min.value.to_string(),
                            label = label.clone(),
                            cc = cc.to_string()
                        ))
                        .evidence(
                            "lowest compute capability",
                            min.value.to_string(),
                            min.source.clone(),
                        )
                        .fix_msg(msg!(
                            "gpu-arch-unsupported-fix-6",
                            cc = cc.to_string(),
                            framework = t.framework.name().to_string()
                        ))
                        .sources(kb_url(&min.source)),
                    );
                }
            } else if let Some(cuda) = &t.needs.cuda {
                // The GPU code is unknown, but the CUDA the build was made with bounds it: the
                // nvcc of that major cannot target a GPU below its lowest target at all.
                if let Some(row) = ctx.kb.nvcc_cannot_target(cuda.value, *cc) {
                    out.push(
                        gpu_arch_finding(
                            Severity::Error,
                            msg!(
                                "gpu-arch-unsupported-title-direct-2",
                                target = t.display(),
                                cuda_value = cuda.value.to_string(),
                                label = label.clone(),
                                cc = cc.to_string()
                            ),
                            gpu,
                        )
                        .explain_msg(msg!(
                            "gpu-arch-unsupported-explain-5",
                            target = t.display(),
                            cuda_value = cuda.value.to_string(),
                            row_major = row.major.to_string(),
                            row_cc_min = row.cc_min.to_string(),
                            cc = cc.to_string(),
                            cc_sm_name = cc.sm_name()
                        ))
                        .evidence(
                            "CUDA built with",
                            cuda.value.to_string(),
                            cuda.source.clone(),
                        )
                        .evidence(
                            format!("lowest compute capability of CUDA {}.x nvcc", row.major),
                            row.cc_min.to_string(),
                            crate::target::kb_source(&row.source),
                        )
                        .fix_msg(msg!(
                            "gpu-arch-unsupported-fix-7",
                            cc_sm_name = cc.sm_name(),
                            cc = cc.to_string(),
                            framework = t.framework.name().to_string()
                        ))
                        .sources(kb_url(&row.source))
                        .source(CUDA_BINARY_COMPAT),
                    );
                }
            }
        }
    }
    out
}

/// `gpu-arch-unsupported` for the cuBLAS the target loads: its kernels are machine code for
/// some GPU generations (plus PTX for the newest); a GPU outside them fails every matrix
/// product with "no kernel image" even when the framework's own code runs. Facts: the GPU code
/// the probe read from the loaded library's fatbinary headers. cuDNN is not judged this way: its
/// runtime-compiled engines (cuDNN 9) can serve GPUs its precompiled kernels do not cover.
pub(crate) fn library_gpu_code(ctx: &Ctx<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let gpus = ctx.gpu_capabilities();
    for t in ctx.gpu_targets() {
        let Some(cuda) = &t.needs.cuda else { continue };
        let soname = format!("libcublasLt.so.{}", cuda.value.major());
        let r = ctx.resolve_for(t, &soname);
        let Some(loaded) = &r.loaded else { continue };
        let lib = ctx.snap.libraries.iter().find(|l| {
            l.gpu_code.is_some()
                && (l.path == loaded.path
                    || (loaded.real_path.is_some()
                        && l.real_path.as_ref() == loaded.real_path.as_ref()))
        });
        let Some(lib) = lib else { continue };
        let Some(names) = lib.gpu_code.as_ref() else {
            continue;
        };
        let codes: Vec<cudoctor_kb::version::GpuCode> =
            names.iter().filter_map(|c| c.parse().ok()).collect();
        if codes.len() != names.len() || codes.is_empty() {
            continue;
        }
        let shown = loaded.real_path.as_deref().unwrap_or(&loaded.path);
        for gpu in &gpus {
            let (label, cc, _) = gpu;
            let base = |sev: Severity, title: cudoctor_i18n::Msg| {
                gpu_arch_finding(sev, title, gpu)
                    .evidence(
                        format!("{soname} loads"),
                        shown.to_owned(),
                        format!("{} (via {})", r.source, loaded.via),
                    )
                    .evidence(
                        format!("GPU code in {shown}"),
                        format_codes(&codes),
                        lib.gpu_code
                            .source()
                            .map_or_else(|| "fatbinary headers".to_owned(), str::to_owned),
                    )
                    .source(CUDA_BINARY_COMPAT)
            };
            match arch_support(*cc, &codes) {
                ArchSupport::Sass(_) | ArchSupport::Unknown(_) => {}
                ArchSupport::NoKernelImage => out.push(
                    base(
                        Severity::Error,
                        msg!(
                            "gpu-arch-unsupported-title-4",
                            target = t.display(),
                            label = label.clone(),
                            cc = cc.to_string()
                        ),
                    )
                    .explain_msg(msg!(
                        "gpu-arch-unsupported-explain-6",
                        target = t.display(),
                        soname = soname.clone(),
                        cc = cc.to_string()
                    ))
                    .fix_msg(match ctx.kb.nvcc_cannot_target(cuda.value, *cc) {
                        // No library of this CUDA major can carry code for the GPU.
                        Some(row) => msg!(
                            "gpu-arch-unsupported-fix-cublas-1",
                            row_major = row.major.to_string(),
                            cc_sm_name = cc.sm_name(),
                            row_cc_min = row.cc_min.to_string(),
                            cc = cc.to_string(),
                            framework = t.framework.name().to_string()
                        ),
                        None => msg!(
                            "gpu-arch-unsupported-fix-cublas-2",
                            cuda_value_major = cuda.value.major().to_string(),
                            cc_sm_name = cc.sm_name(),
                            soname = soname.clone()
                        ),
                    })
                    .fix_msg(msg!("gpu-arch-unsupported-fix-8", soname = soname.clone())),
                ),
                ArchSupport::PtxJit(code) => out.push(
                    base(
                        Severity::Warning,
                        msg!(
                            "gpu-arch-unsupported-title-5",
                            target = t.display(),
                            code = code.to_string(),
                            label = label.clone()
                        ),
                    )
                    .explain_msg(msg!(
                        "gpu-arch-unsupported-explain-7",
                        target = t.display(),
                        cc = cc.to_string(),
                        code = code.to_string()
                    ))
                    .fix_msg(msg!("gpu-arch-unsupported-fix-jit-cache"))
                    .fix_msg(msg!(
                        "gpu-arch-unsupported-fix-9",
                        cc_sm_name = cc.sm_name()
                    )),
                ),
            }
        }
    }
    out
}

/// `tensorrt-missing` (info): TensorFlow's TensorRT warning is harmless.
pub(crate) fn tensorrt_missing(ctx: &Ctx<'_>) -> Vec<Finding> {
    if ctx.snap.probe_error("libraries").is_some() {
        return Vec::new();
    }
    let has_trt = ctx.snap.libraries.iter().any(|l| {
        l.family == cudoctor_facts::snapshot::LibraryFamily::Nvinfer
            || l.path
                .rsplit('/')
                .next()
                .is_some_and(|n| n.starts_with("libnvinfer"))
    });
    if has_trt {
        return Vec::new();
    }
    ctx.gpu_targets()
        .filter(|t| t.framework == Framework::TensorFlow)
        .take(1)
        .map(|t| {
            Finding::titled(
                "tensorrt-missing",
                Severity::Info,
                msg!("tensorrt-missing-title"),
            )
            .explain_msg(msg!("tensorrt-missing-explain", target = t.display()))
            .evidence("libnvinfer.so.*", "absent", "library search")
            .fix_msg(msg!("tensorrt-missing-fix"))
            .source("https://docs.nvidia.com/deeplearning/frameworks/tf-trt-user-guide/index.html")
        })
        .collect()
}

/// `release-not-in-knowledge-base` (info or warning): the knowledge base does not know the
/// release; what the installed files say is still diagnosed.
pub(crate) fn release_not_in_knowledge_base(ctx: &Ctx<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for t in ctx.targets {
        let (title_msg, why_arg) = match &t.kb {
            KbKnowledge::Known => continue,
            KbKnowledge::NewerThanKb { newest } => (
                msg!(
                    "release-not-in-knowledge-base-title-newer",
                    target = t.display(),
                    newest = newest.clone()
                ),
                cudoctor_i18n::Arg::Msg(msg!(
                    "release-not-in-knowledge-base-why-newer",
                    framework = t.framework.display_name(),
                    newest = newest.clone()
                )),
            ),
            KbKnowledge::Unknown { reason } => (
                msg!("release-not-in-knowledge-base-title", target = t.display()),
                cudoctor_i18n::Arg::Text(reason.clone()),
            ),
        };
        let installed = matches!(t.origin, TargetOrigin::Installed(_));
        let mut f = Finding::titled(
            "release-not-in-knowledge-base",
            if installed {
                Severity::Info
            } else {
                Severity::Warning
            },
            title_msg,
        )
        .explain_msg(msg!(
            "release-not-in-knowledge-base-explain",
            why = why_arg,
            how = if installed && t.framework == Framework::TensorFlow {
                msg!("release-not-in-knowledge-base-how-installed-tensorflow")
            } else if installed {
                msg!("release-not-in-knowledge-base-how-installed")
            } else {
                msg!("release-not-in-knowledge-base-how-spec")
            }
        ))
        .evidence(
            format!("{} version", t.framework.display_name()),
            t.version
                .as_ref()
                .map_or_else(|| "unknown".to_owned(), ToString::to_string),
            match &t.origin {
                TargetOrigin::Spec(s) => format!("--for {s}"),
                TargetOrigin::Installed(p) => p.clone(),
            },
        );
        let n = &t.needs;
        if let Some(c) = &n.cuda {
            f = f.evidence("CUDA built with", c.value.to_string(), c.source.clone());
        }
        if let Some(c) = &n.cudnn {
            f = f.evidence("cuDNN built with", c.value.to_string(), c.source.clone());
        }
        if let Some(c) = &n.gpu_code {
            f = f.evidence("GPU code", format_codes(&c.value), c.source.clone());
        }
        if let Some(so) = n
            .sonames
            .as_ref()
            .filter(|s| s.source.contains("carried over"))
        {
            f = f.evidence(
                "libraries it opens",
                so.value
                    .iter()
                    .map(|s| s.soname.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                so.source.clone(),
            );
        }
        for p in n.pins.iter().take(8) {
            f = f.evidence("pinned NVIDIA package", p.value.clone(), p.source.clone());
        }
        out.push(
            f.fix_msg(match &t.version {
                // `requirements` reads a release the tables lack from its PyPI metadata.
                Some(v) => msg!(
                    "release-not-in-knowledge-base-fix-read-1",
                    t_package = t.package.clone(),
                    v = v.to_string(),
                    framework = t.framework.name().to_string()
                ),
                None => msg!(
                    "release-not-in-knowledge-base-fix-read-2",
                    t_package = t.package.clone(),
                    framework = t.framework.name().to_string()
                ),
            })
            .fix_msg(msg!("release-not-in-knowledge-base-fix-1"))
            .source(install_doc(t.framework)),
        );
    }
    out
}

/// `no-framework-target` (info): nothing to check a framework against; says what `--for` adds.
pub(crate) fn no_framework_target(ctx: &Ctx<'_>) -> Vec<Finding> {
    if !ctx.targets.is_empty() {
        return Vec::new();
    }
    let envs = ctx.snap.python_environments.len();
    vec![
        Finding::titled(
            "no-framework-target",
            Severity::Info,
            msg!("no-framework-target-title"),
        )
        .explain_msg(msg!("no-framework-target-explain"))
        .evidence(
            "frameworks installed",
            format!(
                "none found in {envs} Python environment{}",
                if envs == 1 { "" } else { "s" }
            ),
            "Python environments (*.dist-info)",
        )
        .fix_msg(msg!("no-framework-target-fix"))
        .source("https://www.tensorflow.org/install/source#gpu"),
    ]
}

#[cfg(test)]
mod tests;
