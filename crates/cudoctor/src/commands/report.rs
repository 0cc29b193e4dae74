//! `cudoctor report`: a bug-report block with the fields PyTorch maintainers ask for (`python -m
//! torch.utils.collect_env`), plus the TensorFlow and JAX equivalents, each read from files and
//! the real loader, "Could not collect (why)" where unknown.

use cudoctor_probe::Snapshot;
use cudoctor_probe::snapshot::RootKind;

use crate::cli::{Format, SourceArgs};
use crate::{Ctx, ExitStatus, to_json};

pub fn run(ctx: Ctx, args: &SourceArgs) -> anyhow::Result<ExitStatus> {
    let mut snap = crate::source::Facts::of_installed(args)?;
    if ctx.format != Format::Json {
        snap = crate::term::escaped(&snap)?;
    }
    let fields = fields(&snap);
    let text = match ctx.format {
        Format::Json => {
            let map: serde_json::Map<String, serde_json::Value> = fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v.clone())))
                .collect();
            to_json(&serde_json::json!({"schema_version": 1, "fields": map}))?
        }
        Format::Text => lines(&fields),
        Format::Markdown => {
            let body = lines(&fields);
            let home = if snap.root.kind == RootKind::Host {
                std::env::var("HOME").ok()
            } else {
                None
            };
            crate::render::markdown::tilde(
                &format!(
                    "<details><summary>cudoctor report</summary>\n\n```\n{body}```\n\n</details>\n"
                ),
                home.as_deref(),
            )
        }
    };
    ctx.out.out(&text);
    Ok(ExitStatus::Success)
}

fn lines(fields: &[(&'static str, String)]) -> String {
    let mut out = String::new();
    for (k, v) in fields {
        out.push_str(k);
        out.push_str(": ");
        out.push_str(v);
        out.push('\n');
    }
    out
}

/// What the loader takes for the libraries maintainers ask about first: soname stem, field.
const LOADER_FIELDS: &[(&str, &str)] = &[
    ("libcudart", "Loader: libcudart"),
    ("libcudnn", "Loader: libcudnn"),
    ("libcublas", "Loader: libcublas"),
    ("libcuda", "Loader: libcuda"),
];

fn could_not(why: Option<&String>) -> String {
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
    let ver = |x: Option<&cudoctor_probe::snapshot::Framework>| match x {
        Some(fw) => fw.version.as_ref().map_or_else(
            || could_not(fw.version_unknown.as_ref()),
            ToString::to_string,
        ),
        None => "N/A (not installed)".to_owned(),
    };
    f.push(("PyTorch version", ver(torch)));
    f.push((
        "CUDA used to build PyTorch",
        torch.map_or_else(
            || "N/A".to_owned(),
            |t| {
                t.cuda_version.map_or_else(
                    || could_not(t.cuda_version_unknown.as_ref()),
                    |c| c.to_string(),
                )
            },
        ),
    ));
    f.push(("TensorFlow version", ver(tf)));
    f.push((
        "CUDA used to build TensorFlow",
        tf.map_or_else(
            || "N/A".to_owned(),
            |t| {
                t.cuda_version.map_or_else(
                    || could_not(t.cuda_version_unknown.as_ref()),
                    |c| c.to_string(),
                )
            },
        ),
    ));
    f.push((
        "cuDNN used to build TensorFlow",
        tf.map_or_else(
            || "N/A".to_owned(),
            |t| {
                t.cudnn_version.map_or_else(
                    || could_not(t.cudnn_version_unknown.as_ref()),
                    |c| c.to_string(),
                )
            },
        ),
    ));
    f.push(("jax version", ver(jax)));
    f.push(("jaxlib version", ver(jaxlib)));
    let py: Vec<String> = s
        .python_environments
        .iter()
        .map(|e| {
            format!(
                "{} ({})",
                e.python_version
                    .map_or_else(|| "?".to_owned(), |v| v.to_string()),
                e.path
            )
        })
        .collect();
    f.push((
        "Python version",
        if py.is_empty() {
            could_not(None)
        } else {
            py.join("; ")
        },
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
                _ => could_not(l.libcuda_unknown.as_ref()),
            },
            None => "Could not collect (no live driver calls for this source)".to_owned(),
        },
    ));
    let tk: Vec<String> = s
        .cuda_toolkits
        .iter()
        .map(|t| {
            format!(
                "{} ({})",
                t.version.map_or_else(|| "?".to_owned(), |v| v.to_string()),
                t.root
            )
        })
        .collect();
    f.push((
        "CUDA toolkits (not what the frameworks load)",
        if tk.is_empty() {
            "None".to_owned()
        } else {
            tk.join("; ")
        },
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
                    .map_or_else(|| "?".to_owned(), |c| c.to_string())
            )
        })
        .collect();
    f.push((
        "GPU models and configuration",
        if gpus.is_empty() {
            could_not(None)
        } else {
            gpus.join("; ")
        },
    ));
    f.push((
        "Nvidia driver version",
        s.driver
            .userspace_version
            .as_ref()
            .or(s.driver.kernel_module_version.as_ref())
            .map_or_else(
                || could_not(s.driver.userspace_version_unknown.as_ref()),
                ToString::to_string,
            ),
    ));
    f.push((
        "Driver supports CUDA",
        s.driver.cuda_version.map_or_else(
            || could_not(s.driver.cuda_version_unknown.as_ref()),
            |c| c.to_string(),
        ),
    ));
    let cudnn: Vec<String> = s
        .cudnn
        .iter()
        .map(|c| {
            format!(
                "{} ({})",
                c.version.map_or_else(|| "?".to_owned(), |v| v.to_string()),
                c.path
            )
        })
        .collect();
    f.push((
        "cuDNN version",
        if cudnn.is_empty() {
            could_not(None)
        } else {
            cudnn.join("; ")
        },
    ));
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
