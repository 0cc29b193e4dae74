//! Hostile strings from the probed files never reach the terminal raw: an OSC title sequence and
//! a screen clear in the GPU model line, and a newline in `default-runtime` that would forge an
//! `error[fake]` line, are shown escaped in text and Markdown (with and without color), and exact
//! in JSON.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Fixture, FixtureExt};

fn hostile_root() -> Fixture {
    let f = common::tf29_host("535.104.05", "8.1.1");
    f.file(
        "/proc/driver/nvidia/gpus/0000:00:1e.0/information",
        "Model: \t\t Tesla T4\u{1b}]0;pwned\u{7}\u{1b}[2J\nIRQ:   \t\t 70\nBus Location: \t 0000:00:1e.0\nDevice Minor: \t 0\n",
    )
    .file(
        "/etc/docker/daemon.json",
        "{\"default-runtime\": \"runc\\nerror[fake] everything is broken\", \"runtimes\": {\"x\\u001b[31m\": {\"path\": \"/bin/true\"}}}",
    )
    .file("/usr/bin/nvidia-container-runtime", "");
    f
}

#[test]
fn text_and_markdown_show_control_characters_escaped() {
    let f = hostile_root();
    for args in [
        vec!["check", "--color", "never"],
        vec!["check", "--color", "always"],
        vec!["check", "--format", "markdown"],
        vec!["probe"],
        vec!["report"],
    ] {
        let r = f.run(&args);
        assert!(r.code != 2, "{args:?}: {}", r.stderr);
        let all = format!("{}{}", r.stdout, r.stderr);
        // Color output has our own SGR sequences; no OSC or clear-screen ones survive.
        assert!(
            !all.contains("\u{1b}]0;") && !all.contains("\u{1b}[2J"),
            "{args:?}:\n{all}"
        );
        assert!(!all.contains('\u{7}'), "{args:?}");
        if args.contains(&"never") || args.contains(&"markdown") || args[0] != "check" {
            assert!(!all.contains('\u{1b}'), "{args:?}:\n{all}");
        }
        assert!(
            !all.lines()
                .any(|l| l.trim_start().starts_with("error[fake]")),
            "{args:?}: a forged line:\n{all}"
        );
    }
    let r = f.run(&["probe", "--color", "never"]);
    assert!(
        r.stdout.contains("Tesla T4\\e]0;pwned\\u{7}\\e[2J"),
        "{}",
        r.stdout
    );
}

#[test]
fn json_keeps_the_strings_exact() {
    let f = hostile_root();
    let r = f.run(&["probe", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    let name = v["gpus"][0]["name"].as_str().unwrap();
    assert_eq!(name, "Tesla T4\u{1b}]0;pwned\u{7}\u{1b}[2J");
}

/// `LD_LIBRARY_PATH=:/usr/local/cuda/lib64` (an empty entry: the current directory) is a
/// warning, and the snapshot that records it still matches the schema.
#[test]
fn ld_library_path_with_an_empty_entry_is_a_warning() {
    let f = common::tf29_host("535.104.05", "8.1.1");
    let r = f.run(&[
        "check",
        "--env",
        "LD_LIBRARY_PATH=:/usr/local/cuda/lib64",
        "--format",
        "json",
    ]);
    let v = r.json();
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == "ld-library-path-current-directory" && f["severity"] == "warning"),
        "{v:#}"
    );
    let r = f.run(&[
        "probe",
        "--env",
        "LD_LIBRARY_PATH=:/usr/local/cuda/lib64",
        "--format",
        "json",
    ]);
    let snap = r.json();
    assert!(
        !snap["environment"]["ld_library_path_current_directory"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    common::assert_matches_schema(&snap);
}
