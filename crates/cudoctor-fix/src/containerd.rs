//! The `config.toml` edit for containerd, with `toml_edit` (comments, order and formatting of
//! everything else are kept).
//!
//! What it writes follows NVIDIA's `nvidia-ctk runtime configure --runtime=containerd`
//! (nvidia-container-toolkit, `pkg/config/engine/containerd/`): the CRI plugin is
//! `io.containerd.grpc.v1.cri` in a `version = 2` config, `io.containerd.cri.v1.runtime` in
//! `version = 3` (containerd 2.x) and `cri` in a config without `version` (containerd reads that
//! as version 1); an empty file becomes a `version = 2` config. The new runtime's settings are
//! copied from the low-level runtime already configured (the default runtime, else `runc`, else
//! `crun`), so that `SystemdCgroup` and the like carry over, as `nvidia-ctk` does; without one it
//! gets `runtime_type = "io.containerd.runc.v2"`. Then `options.BinaryName` is the NVIDIA runtime.

use toml_edit::{DocumentMut, Item, Key, Table, value};

use crate::{FixError, Plan, RUNTIME_NAME, json::line_col, path_is_ok};

/// Options for [`plan_containerd`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerdOpts {
    /// What `options.BinaryName` should be.
    pub runtime_path: String,
    /// Also set `default_runtime_name = "nvidia"`.
    pub set_default: bool,
}

const RUNC_V2: &str = "io.containerd.runc.v2";

/// The CRI plugin's key for a config `version`.
fn cri_plugin(version: i64) -> &'static str {
    match version {
        1 => "cri",
        2 => "io.containerd.grpc.v1.cri",
        _ => "io.containerd.cri.v1.runtime",
    }
}

/// The table `key` of `t`, created (implicit, so that it has no header of its own) when absent.
fn sub<'a>(t: &'a mut Table, key: &str, shown: &str) -> Result<&'a mut Table, FixError> {
    let item = t.entry(key).or_insert_with(|| {
        let mut nt = Table::new();
        nt.set_implicit(true);
        Item::Table(nt)
    });
    item.as_table_mut().ok_or_else(|| FixError::NotATable {
        key: shown.to_owned(),
    })
}

/// Plans the edit of containerd's `config.toml` (`text`) that registers the NVIDIA runtime:
/// `[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia]` with a `runtime_type` and
/// `options.BinaryName = RUNTIME_PATH`, and with `set_default`, `default_runtime_name =
/// "nvidia"` (the plugin key depends on the config's `version`, see the module doc). Already
/// right: `changed: false`.
///
/// A sample of the input, as `containerd config default` (1.7) writes it:
///
/// ```toml
/// version = 2
///
/// [plugins."io.containerd.grpc.v1.cri".containerd]
///   default_runtime_name = "runc"
///
///   [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
///     runtime_type = "io.containerd.runc.v2"
///
///     [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
///       SystemdCgroup = true
/// ```
pub fn plan_containerd(text: &str, opts: &ContainerdOpts) -> Result<Plan, FixError> {
    let mut doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
        FixError::InvalidToml {
            line,
            column,
            source: e,
        }
    })?;
    let mut notes = Vec::new();
    let empty = doc.as_table().is_empty();
    let version = if empty {
        doc["version"] = value(2);
        notes.push("the file has no settings: it becomes a `version = 2` config".to_owned());
        2
    } else {
        match doc.get("version") {
            None => {
                notes.push(
                    "the file has no `version`: containerd reads it as a version 1 config (plugin `cri`)"
                        .to_owned(),
                );
                1
            }
            Some(v) => v.as_integer().ok_or_else(|| FixError::NotATable {
                key: "version (not an integer)".to_owned(),
            })?,
        }
    };
    let plugin = cri_plugin(version);
    let shown = format!("plugins.\"{plugin}\".containerd");
    let plugins = sub(doc.as_table_mut(), "plugins", "plugins")?;
    let cri = sub(plugins, plugin, &format!("plugins.\"{plugin}\""))?;
    let containerd = sub(cri, "containerd", &shown)?;
    let default_name = containerd
        .get("default_runtime_name")
        .and_then(Item::as_str)
        .map(str::to_owned);
    if opts.set_default && default_name.as_deref() != Some(RUNTIME_NAME) {
        if let Some(d) = &default_name {
            notes.push(format!(
                "`default_runtime_name` was `{d}`; it becomes `nvidia`"
            ));
        }
        containerd.set_implicit(false);
        let decor = containerd
            .get("default_runtime_name")
            .and_then(Item::as_value)
            .map(|v| v.decor().clone());
        containerd["default_runtime_name"] = value(RUNTIME_NAME);
        if let (Some(decor), Some(v)) = (decor, containerd["default_runtime_name"].as_value_mut()) {
            *v.decor_mut() = decor;
        }
    }
    let runtimes = sub(containerd, "runtimes", &format!("{shown}.runtimes"))?;
    if runtimes.get(RUNTIME_NAME).is_none() {
        // The low-level runtime to copy settings from, as nvidia-ctk picks it.
        let base_name = [default_name.as_deref(), Some("runc"), Some("crun")]
            .into_iter()
            .flatten()
            .find(|n| *n != RUNTIME_NAME && runtimes.get(n).is_some_and(Item::is_table))
            .map(str::to_owned);
        let mut nvidia = Table::new();
        let mut options = Table::new();
        if let Some(base) = base_name
            .as_deref()
            .and_then(|n| runtimes.get(n)?.as_table())
        {
            notes.push(format!(
                "the `nvidia` runtime copies the settings of `{}`",
                base_name.as_deref().unwrap_or_default()
            ));
            copy_formatted(base, &mut nvidia, &mut options);
        }
        if nvidia.get("runtime_type").is_none() {
            nvidia["runtime_type"] = value(RUNC_V2);
        }
        if options.contains_key("BinaryName") {
            options["BinaryName"] = value(opts.runtime_path.as_str());
        } else {
            // Indented like the keys beside it.
            let mut k = Key::new("BinaryName");
            if let Some(p) = options
                .iter()
                .next()
                .and_then(|(first, _)| options.key(first)?.leaf_decor().prefix().cloned())
            {
                k.leaf_decor_mut().set_prefix(p);
            }
            options.insert_formatted(&k, value(opts.runtime_path.as_str()));
        }
        nvidia.insert("options", Item::Table(options));
        runtimes[RUNTIME_NAME] = Item::Table(nvidia);
    } else {
        let nvidia = sub(runtimes, RUNTIME_NAME, &format!("{shown}.runtimes.nvidia"))?;
        if nvidia.get("runtime_type").is_none() {
            notes.push("`runtimes.nvidia` had no `runtime_type`".to_owned());
            nvidia["runtime_type"] = value(RUNC_V2);
        }
        let options = sub(
            nvidia,
            "options",
            &format!("{shown}.runtimes.nvidia.options"),
        )?;
        options.set_implicit(false);
        let have = options
            .get("BinaryName")
            .and_then(Item::as_str)
            .map(str::to_owned);
        if !have
            .as_deref()
            .is_some_and(|h| path_is_ok(h, &opts.runtime_path))
        {
            if let Some(h) = have {
                notes.push(format!(
                    "`runtimes.nvidia.options.BinaryName` was `{h}`; it becomes `{}`",
                    opts.runtime_path
                ));
            }
            set_keeping_decor(options, "BinaryName", &opts.runtime_path);
        }
    }
    let new = doc.to_string();
    Ok(Plan {
        changed: new != text,
        old: text.to_owned(),
        new,
        notes,
    })
}

/// Copies `base`'s values (and those of its `options` table) into `nvidia` and `options`, keys
/// indented as they are there, values without their comments; the table headers get `base`'s
/// indent too.
fn copy_formatted(base: &Table, nvidia: &mut Table, options: &mut Table) {
    nvidia.decor_mut().clone_from(base.decor());
    // A blank line before the new table, whatever precedes it.
    let prefix = base
        .decor()
        .prefix()
        .and_then(|p| p.as_str())
        .unwrap_or_default()
        .to_owned();
    if !prefix.starts_with('\n') {
        nvidia.decor_mut().set_prefix(format!("\n{prefix}"));
    }
    for (k, item) in base {
        let Some(key) = base.key(k) else { continue };
        if let Some(v) = item.as_value() {
            nvidia.insert_formatted(key, value(fresh(v)));
        } else if k == "options" {
            if let Some(o) = item.as_table() {
                options.decor_mut().clone_from(o.decor());
                for (ok, oitem) in o {
                    if let (Some(okey), Some(v)) = (o.key(ok), oitem.as_value()) {
                        options.insert_formatted(okey, value(fresh(v)));
                    }
                }
            }
        }
    }
}

/// Sets `t[key] = "to"`, keeping the spaces and the comment around the old value.
fn set_keeping_decor(t: &mut Table, key: &str, to: &str) {
    let decor = t
        .get(key)
        .and_then(Item::as_value)
        .map(|v| v.decor().clone());
    t[key] = value(to);
    if let (Some(decor), Some(v)) = (decor, t[key].as_value_mut()) {
        *v.decor_mut() = decor;
    }
}

/// `v` without its surrounding whitespace and comments.
fn fresh(v: &toml_edit::Value) -> toml_edit::Value {
    let mut v = v.clone();
    v.decor_mut().clear();
    v
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn opts() -> ContainerdOpts {
        ContainerdOpts {
            runtime_path: "/usr/bin/nvidia-container-runtime".to_owned(),
            set_default: true,
        }
    }

    #[test]
    fn empty_becomes_version_2() {
        let p = plan_containerd("", &opts()).unwrap();
        assert_eq!(
            p.new,
            "version = 2\n\n[plugins.\"io.containerd.grpc.v1.cri\".containerd]\ndefault_runtime_name = \"nvidia\"\n\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.nvidia]\nruntime_type = \"io.containerd.runc.v2\"\n\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.nvidia.options]\nBinaryName = \"/usr/bin/nvidia-container-runtime\"\n"
        );
        assert!(!plan_containerd(&p.new, &opts()).unwrap().changed);
    }

    #[test]
    fn toml_error_names_line() {
        let e = plan_containerd("version = 2\n[plugins\n", &opts()).unwrap_err();
        assert_eq!(e.line_col().map(|l| l.0), Some(2), "{e}");
    }
}
