//! `cudoctor watch`: the replay traces of cudoctor-watch through the binary (text, json checked
//! against docs/watch.schema.json, jsonl read back), its errors and exit codes, and the live path
//! against a stand-in NVML (cudoctor-watch's tests/nvml_shim.c, built here with `cc`), found by
//! the loader emulation through `LD_LIBRARY_PATH`.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{cudoctor_cmd, run};

fn trace(name: &str) -> String {
    cudoctor_test::repo_root()
        .join("crates/cudoctor-watch/tests/traces")
        .join(name)
        .display()
        .to_string()
}

fn schema() -> serde_json::Value {
    let text =
        std::fs::read_to_string(cudoctor_test::repo_root().join("docs/watch.schema.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn assert_schema(v: &serde_json::Value) {
    let errors = cudoctor_test::schema_errors(&schema(), v);
    assert!(
        errors.is_empty(),
        "does not match docs/watch.schema.json:\n{}",
        errors.join("\n")
    );
}

#[test]
fn every_trace_as_json_matches_the_schema() {
    let noheader =
        "timestamp,index,utilization.gpu,memory.used,memory.total,clocks.sm,clocks.max.sm";
    for (file, fields, verdict) in [
        ("healthy.csv", None, "healthy"),
        ("input_bound.csv", None, "input-bound"),
        ("host_sync.csv", None, "host-sync"),
        ("idle.csv", None, "idle"),
        ("throttled.csv", None, "throttled"),
        ("process_exit.csv", None, "healthy"),
        ("gpu_lost.csv", None, "healthy"),
        ("noheader_nounits.csv", Some(noheader), "healthy"),
    ] {
        let mut cmd = cudoctor_cmd();
        cmd.args(["watch", "--replay", &trace(file), "--format", "json"]);
        if let Some(f) = fields {
            cmd.args(["--fields", f]);
        }
        let r = run(&mut cmd);
        assert_eq!(r.code, 0, "{file}: {}", r.stderr);
        let v = r.json();
        assert_schema(&v);
        assert_eq!(v["verdict"], verdict, "{file}: {}", v["explanation"]);
        assert_eq!(v["schema_version"], 1);
    }
}

#[test]
fn text_is_a_line_per_sample_then_the_verdict() {
    let r = run(cudoctor_cmd().args(["watch", "--replay", &trace("input_bound.csv")]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "0.0s gpu0 sm 3% mem 2% 10.0/80.0 GiB 75 W 1395/1410 MHz  (deciding)"
    );
    assert!(lines[39].starts_with("39.0s gpu0 "), "{}", lines[39]);
    assert!(lines[39].ends_with("  input-bound"), "{}", lines[39]);
    assert!(
        r.stdout.contains("\nverdict: input-bound ("),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains(
        "fix: TensorFlow: end the input pipeline with `dataset.prefetch(tf.data.AUTOTUNE)`"
    ));
    assert!(r.stdout.contains("40 samples over 39.0 s from replay `"));
    assert!(r.stderr.is_empty(), "{}", r.stderr);

    let r = run(cudoctor_cmd().args(["watch", "--replay", &trace("gpu_lost.csv")]));
    assert!(
        r.stdout.contains("20.0s gpu1 lost: GPU is lost\n"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("20.0s gpu1 gpu-lost: GPU is lost\n"),
        "{}",
        r.stdout
    );
}

#[test]
fn tui_on_a_pipe_is_the_text_lines() {
    let text = run(cudoctor_cmd().args(["watch", "--replay", &trace("idle.csv")]));
    let tui =
        run(cudoctor_cmd().args(["watch", "--format", "tui", "--replay", &trace("idle.csv")]));
    assert_eq!(tui.code, 0, "{}", tui.stderr);
    assert_eq!(tui.stdout, text.stdout);
    assert!(tui.stdout.contains("\nverdict: idle ("), "{}", tui.stdout);
}

#[test]
fn jsonl_is_read_back_to_the_same_report() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(cudoctor_cmd().args([
        "watch",
        "--replay",
        &trace("throttled.csv"),
        "--format",
        "jsonl",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.lines().count(), 40);
    let first: serde_json::Value = serde_json::from_str(r.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(first["t_s"], 0.0);
    assert_eq!(first["gpus"][0]["throttle"][0], "sw-thermal-slowdown");
    let rec = dir.path().join("run.jsonl");
    std::fs::write(&rec, &r.stdout).unwrap();
    let direct = run(cudoctor_cmd().args([
        "watch",
        "--replay",
        &trace("throttled.csv"),
        "--format",
        "json",
    ]))
    .json();
    let back = run(cudoctor_cmd().args([
        "watch",
        "--replay",
        rec.to_str().unwrap(),
        "--format",
        "json",
    ]))
    .json();
    assert_eq!(back["verdict"], "throttled");
    assert_eq!(back["summary"]["time_s"], direct["summary"]["time_s"]);
    assert_eq!(back["gpus"][0]["stats"], direct["gpus"][0]["stats"]);
}

#[test]
fn errors_exit_2() {
    for (args, needle) in [
        (
            vec!["watch", "--replay", "/nonexistent/gpu.csv"],
            "error: cannot read `/nonexistent/gpu.csv`",
        ),
        (
            vec!["watch", "--format", "markdown", "--replay", "x.csv"],
            "has no Markdown output",
        ),
        (vec!["watch", "--interval", "soon"], "`soon` is not a time"),
        (vec!["watch", "--interval", "1ms"], "is too short"),
        (vec!["watch", "--fields", "index"], "--replay"),
        (
            vec!["watch", "--replay", "x.csv", "--", "true"],
            "cannot be used with",
        ),
        (
            vec!["matrix", "--format", "jsonl"],
            "only for `cudoctor watch`",
        ),
    ] {
        let r = run(cudoctor_cmd().args(&args));
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(needle), "{args:?}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
    }
    let r = run(cudoctor_cmd().args(["watch", "--replay", &trace("noheader_nounits.csv")]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(
            "line 1: the log has no header line; give its fields in order with `--fields`"
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn without_a_gpu_it_says_what_it_looked_for() {
    let r = run(cudoctor_cmd().args(["watch", "--duration", "1s"]));
    if r.code == 0 && Path::new("/dev/nvidiactl").exists() {
        cudoctor_test::log_skip("this machine has an NVIDIA driver: NVML was found");
        return;
    }
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.is_empty());
    assert!(
        r.stderr.starts_with("error: no NVIDIA GPU to watch: `libnvidia-ml.so.1` (NVML, installed with the NVIDIA driver) was not found. The loader emulation searched `LD_LIBRARY_PATH` (unset), `/etc/ld.so.cache`, "),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("`/usr/lib/wsl/lib/libnvidia-ml.so.1` (WSL2): missing"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("hint: install the NVIDIA driver"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"));
}

/// The stand-in NVML built into `dir`, or `None` (a logged skip) without a C compiler.
fn shim(dir: &Path) -> Option<PathBuf> {
    let src = cudoctor_test::repo_root().join("crates/cudoctor-watch/tests/nvml_shim.c");
    match std::process::Command::new("cc")
        .args(["-shared", "-fPIC", "-Wl,-soname,libnvidia-ml.so.1", "-o"])
        .arg(dir.join("libnvidia-ml.so.1"))
        .arg(&src)
        .status()
    {
        Ok(s) if s.success() => Some(dir.to_path_buf()),
        Ok(s) => panic!("cc failed: {s}"),
        Err(e) => cudoctor_test::missing(&format!("no C compiler (`cc`): {e}")),
    }
}

#[test]
fn live_through_the_nvml_shim() {
    let dir = tempfile::tempdir().unwrap();
    let Some(lib) = shim(dir.path()) else { return };
    let r = run(cudoctor_cmd().env("LD_LIBRARY_PATH", &lib).args([
        "watch",
        "--duration",
        "1s",
        "--interval",
        "100ms",
        "--format",
        "json",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    assert_schema(&v);
    assert_eq!(
        v["source"],
        format!("NVML `{}`", lib.join("libnvidia-ml.so.1").display())
    );
    assert_eq!(v["gpus"][0]["name"], "NVIDIA A100-SXM4-80GB");
    assert_eq!(v["gpus"][1]["name"], "NVIDIA H100 80GB HBM3");
    // The shim's GPU 0 runs at 1410 of 1980 MHz with sw-thermal-slowdown: throttled.
    assert_eq!(v["gpus"][0]["verdict"], "throttled");
    assert!(v["summary"]["samples"].as_u64().unwrap() >= 5);
}

#[test]
fn a_command_that_never_reaches_the_gpu() {
    let dir = tempfile::tempdir().unwrap();
    let Some(lib) = shim(dir.path()) else { return };
    // About two CPU seconds of shell arithmetic, then exit 3; the GPU lists no process of it.
    let r = run(cudoctor_cmd()
        .env("LD_LIBRARY_PATH", &lib)
        .env("SHIM_NO_PROCS", "1")
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .args([
            "watch",
            "--interval",
            "100ms",
            "--format",
            "json",
            "--",
            "sh",
            "-c",
        ])
        .arg("i=0; while [ $i -lt 2000000 ]; do i=$((i+1)); done; echo finished; exit 3"));
    assert_eq!(r.code, 3, "the command's exit code: {}", r.stderr);
    // The command's stdout went to stderr; stdout is the report alone.
    assert!(r.stderr.contains("finished"), "{}", r.stderr);
    let v = r.json();
    assert_schema(&v);
    assert_eq!(v["verdict"], "not-using-gpu", "{}", v["explanation"]);
    let c = &v["summary"]["command"];
    assert_eq!(c["exit_code"], 3);
    assert_eq!(c["gpu_pids"], serde_json::json!([]));
    assert!(c["cpu_s"].as_f64().unwrap() >= 0.5, "{c}");
    assert!(v["fix"][0].as_str().unwrap().contains("cudoctor check"));
    assert!(
        v["summary"]["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "command-exited")
    );
}

#[test]
fn the_command_exit_code_passes_through() {
    let dir = tempfile::tempdir().unwrap();
    let Some(lib) = shim(dir.path()) else { return };
    let r = run(cudoctor_cmd()
        .env("LD_LIBRARY_PATH", &lib)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .args([
            "watch",
            "--interval",
            "100ms",
            "--",
            "sh",
            "-c",
            "sleep 0.3; exit 7",
        ]));
    assert_eq!(r.code, 7, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("command `sh -c sleep 0.3; exit 7`: exit code 7"),
        "{}",
        r.stdout
    );
    let r = run(cudoctor_cmd().env("LD_LIBRARY_PATH", &lib).args([
        "watch",
        "--",
        "/nonexistent/train",
    ]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("cannot run `/nonexistent/train`"),
        "{}",
        r.stderr
    );
}

/// The README's `watch --replay` example is real output: every line of its block but the
/// elision is in what the command prints.
#[test]
fn readme_watch_example_is_real_output() {
    let readme = std::fs::read_to_string(common::repo_root().join("README.md")).unwrap();
    let command = "$ cudoctor watch --replay crates/cudoctor-watch/tests/traces/input_bound.csv\n";
    let at = readme
        .find(command)
        .expect("the README shows watch --replay");
    let block = &readme[at + command.len()..];
    let block = &block[..block.find("```").unwrap()];
    let out = common::cudoctor_cmd()
        .current_dir(common::repo_root())
        .args([
            "watch",
            "--replay",
            "crates/cudoctor-watch/tests/traces/input_bound.csv",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for line in block.lines().filter(|l| l.trim() != "...") {
        assert!(
            text.contains(line),
            "README line not in the output: {line:?}\n{text}"
        );
    }
}
