//! `cudoctor completions SHELL` and `cudoctor man`: generated from the argument definitions,
//! checked by the tools that read them (`bash -n`, `man -l`) where those are installed.
#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;

use common::{cudoctor_cmd, run};

fn generated(args: &[&str]) -> String {
    let r = run(cudoctor_cmd().args(args));
    assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    r.stdout
}

#[test]
fn completion_scripts_name_every_command() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = generated(&["completions", shell]);
        for cmd in ["check", "probe", "which", "explain", "completions", "man"] {
            assert!(script.contains(cmd), "{shell}: no `{cmd}`");
        }
        assert!(script.contains("--format"), "{shell}: no global option");
    }
}

#[test]
fn bash_completion_parses() {
    let script = generated(&["completions", "bash"]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cudoctor.bash");
    std::fs::write(&path, script).unwrap();
    let out = Command::new("bash").arg("-n").arg(&path).output().unwrap();
    assert!(
        out.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn man_page_renders() {
    let page = generated(&["man"]);
    assert!(
        page.starts_with(".ie"),
        "not roff: {}",
        &page[..40.min(page.len())]
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cudoctor.1");
    std::fs::write(&path, &page).unwrap();
    let Ok(out) = Command::new("man")
        .arg("-l")
        .arg(&path)
        .env("MANWIDTH", "80")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .output()
    else {
        common::skip("man_page_renders", "`man` is not installed");
        return;
    };
    assert!(
        out.status.success(),
        "man -l: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for section in ["NAME", "SYNOPSIS", "SUBCOMMANDS"] {
        assert!(text.contains(section), "no {section} in:\n{text}");
    }
    assert!(text.contains("cudoctor-check"), "{text}");
}

#[test]
fn only_one_output_form() {
    for args in [
        &["completions", "bash", "--format", "json"][..],
        &["man", "--format", "markdown"],
    ] {
        let r = run(cudoctor_cmd().args(args));
        assert_eq!(r.code, 2, "{args:?}");
        assert!(r.stderr.contains("only one output form"), "{}", r.stderr);
    }
}
