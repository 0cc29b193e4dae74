//! `cudoctor which SONAME`: the file the dynamic loader would load, and every candidate skipped.

use std::path::{Path, PathBuf};

use crate::cli::{Format, WhichArgs};
use crate::render;
use crate::{Ctx, ExitStatus, error, no_markdown, to_json};

pub fn run(ctx: Ctx, args: &WhichArgs) -> anyhow::Result<ExitStatus> {
    no_markdown(ctx, "which")?;
    if args.soname.trim().is_empty() {
        return Err(error::hinted(
            "the library name is empty",
            "give a soname such as `libcudnn.so.8`",
        ));
    }
    if args.source.snapshot.is_some() {
        return Err(error::hinted(
            "`cudoctor which` needs the files, not a snapshot",
            "run it on the machine, with `--root DIR` or `--image REF`; a snapshot already holds the loader's answers under `loader`",
        ));
    }
    let (root, env) = crate::source::root_and_env(&args.source)?;
    let from = match (&args.from, root.is_host()) {
        (Some(f), true) if f.is_relative() => Some(std::env::current_dir()?.join(f)),
        (f, _) => f.clone(),
    };
    if let Some(f) = &from {
        if !root.is_file(f) {
            return Err(error::hinted(
                format!(
                    "`--from {}`: no such file (or not a regular file)",
                    f.display()
                ),
                "give the ELF file that loads the library (a framework's shared object)",
            ));
        }
    }
    // PyTorch and JAX preload the CUDA libraries of the `nvidia-*` wheels from their own
    // site-packages before the loader searches; a requester inside a site-packages (a
    // framework's own library) gets that step too, as does `--site-packages DIR`.
    // A relative `--site-packages` is the user's current directory's, on this host.
    let mut site_packages: Vec<PathBuf> = args
        .site_packages
        .iter()
        .map(|p| {
            if p.is_relative() && root.is_host() {
                std::env::current_dir().map_or_else(|_| p.clone(), |d| d.join(p))
            } else {
                p.clone()
            }
        })
        .collect();
    if let Some(sp) = from.as_deref().and_then(enclosing_site_packages) {
        if !site_packages.contains(&sp) {
            site_packages.push(sp);
        }
    }
    let res = cudoctor_probe::which_for_framework(
        &root,
        &env,
        &args.soname,
        from.as_deref(),
        &site_packages,
    );
    let text = match ctx.format {
        Format::Json => to_json(&res)?,
        _ => render::which::render(&res, ctx.out),
    };
    ctx.out.out(&text);
    // Not found is an answer, not a failure of the tool; but scripts want to know.
    Ok(if res.chosen.is_some() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

/// The `site-packages` (or `dist-packages`) directory that contains `path`, if any.
fn enclosing_site_packages(path: &Path) -> Option<PathBuf> {
    path.ancestors()
        .find(|a| {
            a.file_name()
                .is_some_and(|n| n == "site-packages" || n == "dist-packages")
        })
        .map(Path::to_path_buf)
}
