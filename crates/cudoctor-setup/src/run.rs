//! `cudoctor run SPEC`: a `docker run` line (S9, S15) or a Compose file that gives the
//! container the GPUs through `deploy.resources.reservations.devices`.

use std::fmt::Write as _;

use cudoctor_kb::Kb;
use serde::Serialize;
use serde_json::{Value, json};

use crate::SetupError;
use crate::generate::{Gpus, Resolved};

/// What `cudoctor run` was asked for.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The release.
    pub spec: String,
    /// The GPUs (default all).
    pub gpus: Gpus,
    /// `--memory` (`16g`).
    pub memory: Option<String>,
    /// A host directory mounted at `/data`.
    pub data: Option<String>,
    /// Jupyter on 8888.
    pub jupyter: bool,
}

/// The container to run.
#[derive(Debug, Clone, Serialize)]
pub struct RunPlan {
    /// The image.
    pub image: String,
    /// Whether it is the official image (else one built from `cudoctor dockerfile`).
    pub official: bool,
    /// `docker run` arguments, one per element (unquoted).
    pub argv: Vec<String>,
    /// The same as one shell line (quoted for a POSIX shell).
    pub command: String,
    /// Notes: how to build a non-official image, what is unknown.
    pub notes: Vec<String>,
    #[serde(skip)]
    service: String,
    #[serde(skip)]
    opts: RunOptions,
}

/// Plans the container for `opts`.
pub fn plan(kb: &Kb, opts: &RunOptions) -> Result<RunPlan, SetupError> {
    if let Some(m) = &opts.memory {
        let digits = m.trim_end_matches(['b', 'k', 'm', 'g', 'B', 'K', 'M', 'G']);
        if digits.is_empty()
            || !digits.chars().all(|c| c.is_ascii_digit())
            || m.len() - digits.len() > 1
        {
            return Err(SetupError::Memory(m.clone()));
        }
    }
    let r = Resolved::new(kb, &opts.spec)?;
    let mut notes = Vec::new();
    let (image, official) = if let Some(i) = r.official_image(kb, opts.jupyter) {
        (i, true)
    } else {
        {
            let local = r.local_image();
            let jupyter = if opts.jupyter { " --jupyter" } else { "" };
            notes.push(format!(
                "the knowledge base names no official image for {}: build `{local}` first: `cudoctor dockerfile {}{jupyter} > Dockerfile && docker build -t {local} .`",
                r.spec, opts.spec
            ));
            (local, false)
        }
    };
    let mut argv: Vec<String> = ["docker", "run", "-it", "--rm", "--gpus"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    argv.push(match &opts.gpus {
        Gpus::All => "all".to_owned(),
        Gpus::Devices(d) => format!("\"device={}\"", d.join(",")),
    });
    if let Some(m) = &opts.memory {
        argv.push(format!("--memory={m}"));
    }
    if opts.jupyter {
        argv.push("-p".to_owned());
        argv.push("8888:8888".to_owned());
    }
    argv.push("-v".to_owned());
    argv.push(match &opts.data {
        Some(d) => format!("{d}:/data"),
        None => "$(pwd):/tmp".to_owned(),
    });
    argv.push(image.clone());
    let command = argv
        .iter()
        .map(|a| shell_quote(a))
        .collect::<Vec<_>>()
        .join(" ");
    Ok(RunPlan {
        image,
        official,
        argv,
        command,
        notes,
        service: r.short_name().to_owned(),
        opts: opts.clone(),
    })
}

/// Quotes a word for a POSIX shell; `$(pwd)` stays unquoted so the shell expands it (S9).
fn shell_quote(a: &str) -> String {
    if a.starts_with("$(pwd)") && !a.contains('\'') && !a.contains(' ') {
        return a.to_owned();
    }
    if a.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./:=,@%+".contains(c))
    {
        return a.to_owned();
    }
    format!("'{}'", a.replace('\'', "'\\''"))
}

impl RunPlan {
    /// The Compose document (one service) as a JSON value.
    pub fn compose_value(&self) -> Value {
        let o = &self.opts;
        let device = match &o.gpus {
            Gpus::All => json!({"driver": "nvidia", "count": "all", "capabilities": ["gpu"]}),
            Gpus::Devices(d) => {
                json!({"driver": "nvidia", "device_ids": d, "capabilities": ["gpu"]})
            }
        };
        let mut service = serde_json::Map::new();
        service.insert("image".to_owned(), json!(self.image));
        service.insert("stdin_open".to_owned(), json!(true));
        service.insert("tty".to_owned(), json!(true));
        if o.jupyter {
            service.insert("ports".to_owned(), json!(["8888:8888"]));
        }
        let volume = match &o.data {
            Some(d) => format!("{d}:/data"),
            None => "./:/tmp".to_owned(),
        };
        service.insert("volumes".to_owned(), json!([volume]));
        if let Some(m) = &o.memory {
            service.insert("mem_limit".to_owned(), json!(m));
        }
        service.insert(
            "deploy".to_owned(),
            json!({"resources": {"reservations": {"devices": [device]}}}),
        );
        json!({"services": {self.service.clone(): Value::Object(service)}})
    }

    /// The Compose file as YAML, with a comment header.
    pub fn compose_yaml(&self) -> Result<String, SetupError> {
        let body = serde_norway::to_string(&self.compose_value()).map_err(SetupError::Yaml)?;
        let o = &self.opts;
        let mut args = o.spec.clone();
        if o.gpus != Gpus::All {
            let _ = write!(args, " --gpus {}", o.gpus.visible_devices());
        }
        if let Some(m) = &o.memory {
            let _ = write!(args, " --memory {m}");
        }
        if let Some(d) = &o.data {
            let _ = write!(args, " --data {d}");
        }
        if o.jupyter {
            args.push_str(" --jupyter");
        }
        let mut out = format!(
            "# Generated by `cudoctor run {args} --compose`; start it with `docker compose up`.\n# S15: exact image tag; data on a mounted volume; the GPUs reserved below.\n"
        );
        for n in &self.notes {
            out.push_str("# ");
            out.push_str(n);
            out.push('\n');
        }
        out.push_str(&body);
        Ok(out)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use cudoctor_kb::kb;

    fn opts(spec: &str) -> RunOptions {
        RunOptions {
            spec: spec.to_owned(),
            gpus: Gpus::All,
            memory: None,
            data: None,
            jupyter: false,
        }
    }

    #[test]
    fn s9_shape() {
        let mut o = opts("tensorflow==2.9.0");
        o.jupyter = true;
        let p = plan(kb(), &o).unwrap();
        assert_eq!(
            p.command,
            "docker run -it --rm --gpus all -p 8888:8888 -v $(pwd):/tmp tensorflow/tensorflow:2.9.0-gpu-jupyter"
        );
    }

    #[test]
    fn devices_and_memory() {
        let mut o = opts("torch==2.1.0");
        o.gpus = Gpus::parse("0,1").unwrap();
        o.memory = Some("16g".to_owned());
        o.data = Some("/srv/data".to_owned());
        let p = plan(kb(), &o).unwrap();
        assert_eq!(
            p.command,
            "docker run -it --rm --gpus '\"device=0,1\"' --memory=16g -v /srv/data:/data cudoctor-torch:2.1.0-cu121"
        );
        assert!(!p.official);
        let v = p.compose_value();
        assert_eq!(
            v["services"]["torch"]["deploy"]["resources"]["reservations"]["devices"][0]["device_ids"],
            json!(["0", "1"])
        );
        o.memory = Some("lots".to_owned());
        assert!(plan(kb(), &o).is_err());
    }
}
