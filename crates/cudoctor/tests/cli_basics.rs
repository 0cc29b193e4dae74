//! What every command shares: `--help` with examples, `--version`, usage errors, color, a
//! closed pipe.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Read;
use std::process::Stdio;

use common::{cudoctor_cmd, run};

const COMMANDS: &[&str] = &[
    "check",
    "probe",
    "which",
    "report",
    "requirements",
    "plan",
    "matrix",
    "archs",
    "explain",
    "completions",
    "man",
];

#[test]
fn help_of_every_command_has_an_example() {
    for c in COMMANDS.iter().filter(|c| **c != "report") {
        assert_help_has_example(c);
    }
}

#[test]
fn help_of_report_has_an_example() {
    assert_help_has_example("report");
}

fn assert_help_has_example(c: &str) {
    {
        let r = run(cudoctor_cmd().args([c, "--help"]));
        assert_eq!(r.code, 0, "{c} --help: {}", r.stderr);
        assert!(r.stderr.is_empty(), "{c}: {}", r.stderr);
        assert!(
            r.stdout.contains("Examples:"),
            "`cudoctor {c} --help` shows no example:\n{}",
            r.stdout
        );
        assert!(
            r.stdout.contains(&format!("cudoctor {c}")),
            "`cudoctor {c} --help` examples do not run `cudoctor {c}`:\n{}",
            r.stdout
        );
    }
}

#[test]
fn top_level_help() {
    let r = run(cudoctor_cmd().arg("--help"));
    assert_eq!(r.code, 0);
    for c in COMMANDS {
        assert!(r.stdout.contains(c), "{c} missing from --help");
    }
    assert!(r.stdout.contains("Exit status"), "{}", r.stdout);
    let short = run(cudoctor_cmd().arg("-h"));
    assert_eq!(short.code, 0);
}

#[test]
fn version() {
    let r = run(cudoctor_cmd().arg("--version"));
    assert_eq!(r.code, 0);
    assert_eq!(
        r.stdout,
        format!("cudoctor {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn usage_errors_exit_2() {
    cmd_snapshot!(cudoctor_cmd(), @r#"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    Diagnose the NVIDIA driver / CUDA / cuDNN / framework stack: what is needed, what is there, what
    will load, and how to fix it

    Usage: cudoctor [OPTIONS] <COMMAND>

    Commands:
      check         Probe this machine (or --root / --snapshot) and report what will fail, why, and how
                    to fix it
      probe         Collect the facts about the GPU stack (read-only); `--format json` gives a snapshot
                    file
      which         Which file the dynamic loader would load for SONAME, and every candidate it skipped
      report        A bug-report block (the fields `python -m torch.utils.collect_env` gives), sourced
                    from files
      requirements  What a framework release needs: CUDA, cuDNN, driver, Python, GPU architectures,
                    images
      plan          Which framework versions fit a driver, GPU and Python; what is excluded and why
      matrix        The compatibility tables, with their sources
      archs         The GPU code (SASS architectures and PTX) inside ELF executables and shared
                    libraries
      explain       Read an error log and say what each known GPU-stack error means on this machine
      dockerfile    Print a Dockerfile pinned to one framework release (official image, else nvidia/cuda
                    + pip)
      run           Print a `docker run` line (or, with --compose, a Compose file) that gives a
                    release's image the GPUs
      lint          Find GPU-stack mistakes in a Dockerfile (floating tags, CUDA mismatches, replaced
                    cuDNN...)
      fix           Register the NVIDIA container runtime with Docker or containerd: a diff by default,
                    `--apply` writes it (with a backup)
      watch         Watch a job's GPUs (or replay an nvidia-smi log) and say what holds it back
      completions   Print a shell completion script (bash, zsh, fish, elvish, powershell) to standard
                    output
      man           Print the manual page (roff) to standard output
      help          Print this message or the help of the given subcommand(s)

    Options:
      -h, --help     Print help (see more with '--help')
      -V, --version  Print version

    Global options:
          --format <FORMAT>  Output format [default: text] [possible values: text, json, markdown]
          --color <COLOR>    When to color the output (honours NO_COLOR and CLICOLOR_FORCE with `auto`)
                             [default: auto] [possible values: auto, always, never]
          --lang <LANG>      Language of the text: `en` or `zh` (default: CUDOCTOR_LANG, else the
                             locale)

    Examples:
      cudoctor check                         is this machine ready for the frameworks installed here?
      cudoctor check --for tensorflow==2.9.0
      cudoctor requirements tf==2.9          what does TensorFlow 2.9 need?
      cudoctor plan --driver 470.82.01 --gpu "RTX 3090" --python 3.10 --framework tensorflow
      cudoctor which libcudnn.so.8           which file would the loader take, and why?
      python train.py 2>&1 | cudoctor explain
      cudoctor dockerfile tensorflow==2.9.0 > Dockerfile && cudoctor lint Dockerfile

    Exit status: 0 no error found; 1 at least one error found (check, explain, which, lint);
    2 cudoctor could not run.
    "#);
    cmd_snapshot!(cudoctor_cmd().arg("frobnicate"), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: unrecognized subcommand 'frobnicate'

    Usage: cudoctor [OPTIONS] <COMMAND>

    For more information, try '--help'.
    ");
    cmd_snapshot!(cudoctor_cmd().args(["matrix", "--format", "yaml"]), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: invalid value 'yaml' for '--format <FORMAT>'
      [possible values: text, json, markdown]

    For more information, try '--help'.
    ");
    cmd_snapshot!(cudoctor_cmd().args(["matrix", "--color", "sometimes"]), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: invalid value 'sometimes' for '--color <COLOR>'
      [possible values: auto, always, never]

    For more information, try '--help'.
    ");
}

fn has_ansi(s: &str) -> bool {
    s.contains("\u{1b}[")
}

#[test]
fn color() {
    let args = ["requirements", "tf==2.9.0"];
    let always = run(cudoctor_cmd().args(args).args(["--color", "always"]));
    assert!(
        has_ansi(&always.stdout),
        "--color always: {}",
        always.stdout
    );
    let never = run(cudoctor_cmd().args(args).args(["--color", "never"]));
    assert!(!has_ansi(&never.stdout));
    // Not a terminal, NO_COLOR=1 (set by cudoctor_cmd): plain.
    let auto = run(cudoctor_cmd().args(args));
    assert!(!has_ansi(&auto.stdout));
    assert_eq!(auto.stdout, never.stdout);
    // CLICOLOR_FORCE forces color for `auto`, but NO_COLOR still wins.
    let forced = run(cudoctor_cmd()
        .args(args)
        .env_remove("NO_COLOR")
        .env("CLICOLOR_FORCE", "1"));
    assert!(has_ansi(&forced.stdout));
    let both = run(cudoctor_cmd().args(args).env("CLICOLOR_FORCE", "1"));
    assert!(!has_ansi(&both.stdout));
    // Errors are colored on stderr with --color always, never in JSON.
    let err = run(cudoctor_cmd().args(["requirements", "tf==9.9", "--color", "always"]));
    assert_eq!(err.code, 2);
    assert!(has_ansi(&err.stderr), "{}", err.stderr);
    let json = run(cudoctor_cmd().args([
        "requirements",
        "tf==2.9.0",
        "--format",
        "json",
        "--color",
        "always",
    ]));
    assert!(!has_ansi(&json.stdout), "ANSI codes inside JSON");
    json.json();
}

#[test]
fn closed_pipe_exits_0() {
    // `cudoctor matrix | head -1`: read one line, close the pipe, the process ends with success.
    let bin = assert_cmd::cargo::cargo_bin("cudoctor");
    let mut child = std::process::Command::new(bin)
        .arg("matrix")
        .env_clear()
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn closed_pipe_through_a_shell() {
    // The shell form, with pipefail so that cudoctor's own status is the pipeline's.
    let bin = assert_cmd::cargo::cargo_bin("cudoctor");
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "set -o pipefail; '{}' matrix | head -1",
            bin.display()
        ))
        .env_clear()
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{text}{err}");
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(err.is_empty(), "stderr after a closed pipe: {err}");
}
