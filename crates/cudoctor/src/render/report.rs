//! `report`: the fields of a bug report (PyTorch's `collect_env` and the TensorFlow and JAX
//! equivalents) from the facts, as `field: value` lines or a collapsed Markdown block.

use cudoctor_probe::Snapshot;
use cudoctor_probe::snapshot::Framework;

use super::markdown::shareable;

/// The fields as `field: value` lines.
pub fn lines(fields: &[(&'static str, String)]) -> String {
    let mut out = String::new();
    for (k, v) in fields {
        out.push_str(k);
        out.push_str(": ");
        out.push_str(v);
        out.push('\n');
    }
    out
}

/// The fields in a collapsed Markdown block, the home directory as `~` (for pasting into an
/// issue).
pub fn markdown(fields: &[(&'static str, String)], snap: &Snapshot) -> String {
    let body = lines(fields);
    shareable(
        &format!("<details><summary>cudoctor report</summary>\n\n```\n{body}```\n\n</details>\n"),
        snap,
    )
}

/// What the loader takes for the libraries maintainers ask about first: soname stem, field.
const LOADER_FIELDS: &[(&str, &str)] = &[
    ("libcudart", "Loader: libcudart"),
    ("libcudnn", "Loader: libcudnn"),
    ("libcublas", "Loader: libcublas"),
    ("libcuda", "Loader: libcuda"),
];

/// What a framework was built with: `N/A` without the framework, else the version or why it is
/// unknown.
fn built_with<V: ToString>(
    fw: Option<&Framework>,
    field: impl Fn(&Framework) -> (Option<V>, Option<&str>),
) -> String {
    fw.map_or_else(
        || "N/A".to_owned(),
        |t| {
            let (v, why) = field(t);
            v.map_or_else(|| could_not(why), |v| v.to_string())
        },
    )
}

/// `version (where)`, `?` for an unknown version.
fn at<V: ToString>(version: Option<V>, path: &str) -> String {
    format!(
        "{} ({path})",
        version.map_or_else(|| "?".to_owned(), |v| v.to_string())
    )
}

/// The items joined with `; `, or `none` when there are none.
fn joined(items: &[String], none: impl FnOnce() -> String) -> String {
    if items.is_empty() {
        none()
    } else {
        items.join("; ")
    }
}

/// A fact's value, or why it could not be collected.
fn fact(x: &cudoctor_probe::snapshot::Fact<String>) -> String {
    x.as_ref()
        .map_or_else(|| could_not(x.unknown_reason()), Clone::clone)
}

/// The Python `pip install` would use here, and why it is the one.
fn active_python(s: &Snapshot) -> String {
    match &s.active_python {
        Some(a) => match (&a.unknown, a.version.as_ref()) {
            (Some(why), _) => could_not(Some(why)),
            (None, v) => format!(
                "{} ({}; {})",
                a.full_version
                    .clone()
                    .or_else(|| v.map(ToString::to_string))
                    .unwrap_or_else(|| "?".to_owned()),
                a.prefix
                    .as_deref()
                    .or(a.interpreter.as_deref())
                    .unwrap_or("?"),
                a.detail
            ),
        },
        None => could_not(Some("no active Python recorded")),
    }
}

fn could_not(why: Option<&str>) -> String {
    match why {
        Some(w) => format!("Could not collect ({w})"),
        None => "Could not collect (not found)".to_owned(),
    }
}

/// The report's fields, in collect_env's order where they overlap.
#[allow(clippy::many_single_char_names)] // one letter per snapshot section
pub fn fields(s: &Snapshot) -> Vec<(&'static str, String)> {
    let mut f: Vec<(&'static str, String)> = Vec::new();
    let torch = s.frameworks.iter().find(|x| x.name == "torch");
    let tf = s
        .frameworks
        .iter()
        .find(|x| x.name.starts_with("tensorflow") || x.name == "tf-nightly");
    let jax = s.frameworks.iter().find(|x| x.name == "jax");
    let jaxlib = s.frameworks.iter().find(|x| x.name == "jaxlib");
    let ver = |x: Option<&Framework>| match x {
        Some(fw) => fw.version.as_ref().map_or_else(
            || could_not(fw.version.unknown_reason()),
            ToString::to_string,
        ),
        None => "N/A (not installed)".to_owned(),
    };
    f.push(("PyTorch version", ver(torch)));
    f.push((
        "CUDA used to build PyTorch",
        built_with(torch, |t| {
            (t.cuda_version.cloned(), t.cuda_version.unknown_reason())
        }),
    ));
    f.push(("TensorFlow version", ver(tf)));
    f.push((
        "CUDA used to build TensorFlow",
        built_with(tf, |t| {
            (t.cuda_version.cloned(), t.cuda_version.unknown_reason())
        }),
    ));
    f.push((
        "cuDNN used to build TensorFlow",
        built_with(tf, |t| {
            (t.cudnn_version.cloned(), t.cudnn_version.unknown_reason())
        }),
    ));
    f.push(("jax version", ver(jax)));
    f.push(("jaxlib version", ver(jaxlib)));
    f.push(("Python version", active_python(s)));
    let py: Vec<String> = s
        .python_environments
        .iter()
        .map(|e| {
            let mut x = at(e.python_version.cloned(), &e.path);
            if e.active {
                x.push_str(" (active)");
            }
            x
        })
        .collect();
    f.push(("Python environments", joined(&py, || could_not(None))));
    f.push(("OS", fact(&s.system.os)));
    f.push(("GLIBC version", fact(&s.system.glibc_version)));
    f.push(("Kernel", fact(&s.system.kernel_release)));
    f.push((
        "CPU",
        match (s.system.cpu_model.as_ref(), s.system.cpu_count) {
            (Some(m), Some(n)) => format!("{m} ({n} logical CPUs)"),
            (Some(m), None) => m.clone(),
            (None, _) => could_not(s.system.cpu_model.unknown_reason()),
        },
    ));
    f.push((
        "cudoctor version",
        s.probe.as_ref().map_or_else(
            || {
                format!(
                    "{} (the snapshot does not say which probed it)",
                    env!("CARGO_PKG_VERSION")
                )
            },
            |p| p.tool_version.clone(),
        ),
    ));
    let active = s
        .python_environments
        .iter()
        .find(|e| e.active)
        .or_else(|| s.python_environments.first());
    let pkgs: Vec<String> = active
        .map(|e| {
            e.packages
                .iter()
                .map(|p| format!("{}=={}", p.name, p.version.as_deref().unwrap_or("?")))
                .collect()
        })
        .unwrap_or_default();
    f.push((
        "Versions of relevant libraries",
        joined(&pkgs, || "none found".to_owned()),
    ));
    f.push((
        "Is CUDA available",
        match &s.live {
            Some(l) => match (l.cu_init, &l.cu_init_name) {
                (Some(0), _) => format!(
                    "True (cuInit succeeded, {} device(s))",
                    l.device_count.unwrap_or(0)
                ),
                (Some(c), Some(n)) => format!("False (cuInit returned {c} {n})"),
                _ => could_not(l.libcuda_unknown.as_deref()),
            },
            None => "Could not collect (no live driver calls for this source)".to_owned(),
        },
    ));
    let tk: Vec<String> = s
        .cuda_toolkits
        .iter()
        .map(|t| at(t.version.cloned(), &t.root))
        .collect();
    f.push((
        "CUDA toolkits (not what the frameworks load)",
        joined(&tk, || "None".to_owned()),
    ));
    let gpus: Vec<String> = s
        .gpus
        .iter()
        .enumerate()
        .map(|(i, g)| {
            format!(
                "GPU {i}: {} (compute capability {})",
                g.name.as_deref().unwrap_or("?"),
                g.compute_capability
                    .as_ref()
                    .map_or_else(|| "?".to_owned(), ToString::to_string)
            )
        })
        .collect();
    f.push((
        "GPU models and configuration",
        joined(&gpus, || could_not(None)),
    ));
    f.push((
        "Nvidia driver version",
        s.driver
            .userspace_version
            .as_ref()
            .or(s.driver.kernel_module_version.as_ref())
            .map_or_else(
                || could_not(s.driver.userspace_version.unknown_reason()),
                ToString::to_string,
            ),
    ));
    f.push((
        "Driver supports CUDA",
        s.driver.cuda_version.as_ref().map_or_else(
            || could_not(s.driver.cuda_version.unknown_reason()),
            ToString::to_string,
        ),
    ));
    let cudnn: Vec<String> = s
        .cudnn
        .iter()
        .map(|c| at(c.version.cloned(), &c.path))
        .collect();
    f.push(("cuDNN version", joined(&cudnn, || could_not(None))));
    for r in s.loader.iter().filter(|r| r.preload_environment.is_none()) {
        let stem = r.soname.split(".so").next().unwrap_or_default();
        if let Some((_, key)) = LOADER_FIELDS.iter().find(|(s, _)| *s == stem) {
            let key: &'static str = key;
            let v = match &r.chosen {
                Some(c) => format!(
                    "{} -> {}",
                    r.soname,
                    c.real_path.as_deref().unwrap_or(&c.path)
                ),
                None => format!("{} -> not found", r.soname),
            };
            f.push((key, v));
        }
    }
    for k in ["CUDA_VISIBLE_DEVICES", "LD_LIBRARY_PATH", "CUDA_HOME"] {
        if let Some(v) = s.environment.variables.get(k) {
            f.push((k, v.clone()));
        }
    }
    f
}
