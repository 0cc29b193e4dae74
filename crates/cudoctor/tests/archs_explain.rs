//! `archs` on small ELF files carved from a real CUDA 11.8 library, and `explain` on real log
//! excerpts (the examples quoted in the signature table).
#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;

use common::{Fixture, FixtureExt, cudoctor_cmd, run, run_with, strings};

/// `crates/cudoctor-fatbin/tests/fixtures/<name>`: containers of Debian's
/// `libcusparse.so.11.7.5.86` (CUDA 11.8); counts cross-checked with `cuobjdump` by that crate.
fn fatbin_fixture(name: &str) -> PathBuf {
    common::repo_root()
        .join("crates/cudoctor-fatbin/tests/fixtures")
        .join(name)
}

fn archs(args: &[&str], files: &[PathBuf]) -> common::Run {
    let mut c = cudoctor_cmd();
    c.arg("archs").args(files).args(args);
    let dir = common::repo_root().display().to_string();
    run_with(&mut c, &[(dir.as_str(), "[REPO]")])
}

// ---------------------------------------------------------------- archs

#[test]
fn archs_text_and_json_contract() {
    let full = fatbin_fixture("cusparse11-full.elf64");
    let r = archs(&[], std::slice::from_ref(&full));
    insta::assert_snapshot!(common::render(&r), @"
    success: true
    exit_code: 0
    ----- stdout -----
    `[REPO]/crates/cudoctor-fatbin/tests/fixtures/cusparse11-full.elf64`
      SASS  sm_35 (1), sm_37 (1), sm_50 (1), sm_52 (1), sm_60 (1), sm_61 (1), sm_70 (1), sm_75 (1), sm_80 (1), sm_86 (1), sm_89 (1), sm_90 (1)
      PTX   compute_90 (1, PTX ISA 7.8)
      compressed entries: 13

    ----- stderr -----
    ");
    let r = archs(&["--format", "json"], &[full]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["schema_version"], 1);
    let f = &v["files"][0];
    assert_eq!(
        f["path"],
        "[REPO]/crates/cudoctor-fatbin/tests/fixtures/cusparse11-full.elf64"
    );
    let sass: Vec<&String> = f["sass"].as_object().unwrap().keys().collect();
    assert_eq!(
        sass,
        [
            "sm_35", "sm_37", "sm_50", "sm_52", "sm_60", "sm_61", "sm_70", "sm_75", "sm_80",
            "sm_86", "sm_89", "sm_90"
        ]
    );
    assert_eq!(f["ptx"], serde_json::json!({"sm_90": 1}));
    assert_eq!(f["ptx_isa"], serde_json::json!({"sm_90": "7.8"}));
    assert_eq!(f["compressed_entries"], 13);
}

#[test]
fn archs_verdicts() {
    let full = fatbin_fixture("cusparse11-full.elf64");
    // 8.6: SASS present. 8.7 (Orin): no sm_87, but sm_86 runs on 8.7 (same major, lower minor).
    // 9.0a-less Hopper 9.0: sm_90. 12.0 (Blackwell GeForce): PTX compute_90 JIT.
    // 3.0 (Kepler GK104): nothing below 3.5 -> no kernel image.
    for (cc, expect) in [
        ("8.6", "sass"),
        ("8.7", "sass"),
        ("sm_90", "sass"),
        ("12.0", "ptx_jit"),
        ("3.0", "no_kernel_image"),
    ] {
        let r = archs(
            &["--cc", cc, "--format", "json"],
            std::slice::from_ref(&full),
        );
        assert_eq!(r.code, 0, "{cc}: {}", r.stderr);
        let v = r.json();
        assert_eq!(v["verdicts"][0]["kernel_source"], expect, "{cc}: {v:#}");
    }
    let r = archs(&["--cc", "8.6"], std::slice::from_ref(&full));
    insta::assert_snapshot!(common::render(&r), @"
    success: true
    exit_code: 0
    ----- stdout -----
    `[REPO]/crates/cudoctor-fatbin/tests/fixtures/cusparse11-full.elf64`
      SASS  sm_35 (1), sm_37 (1), sm_50 (1), sm_52 (1), sm_60 (1), sm_61 (1), sm_70 (1), sm_75 (1), sm_80 (1), sm_86 (1), sm_89 (1), sm_90 (1)
      PTX   compute_90 (1, PTX ISA 7.8)
      compressed entries: 13
      runs on compute capability 8.6: runs the sm_86 machine code as is

    ----- stderr -----
    ");
    let r = archs(&["--gpu", "Tesla K80"], std::slice::from_ref(&full));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("runs"), "{}", r.stdout);
    assert!(r.stdout.contains("sm_37"), "{}", r.stdout);
}

#[test]
fn archs_file_without_gpu_code() {
    let f = Fixture::new();
    f.lib("/libplain.so", "libplain.so");
    let r = archs(
        &["--cc", "8.6", "--format", "json"],
        &[f.host_path("/libplain.so")],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["verdicts"][0]["kernel_source"], "no_kernel_image");
    assert!(
        v["files"][0]["sass"]
            .as_object()
            .is_none_or(serde_json::Map::is_empty)
    );
}

#[test]
fn archs_bad_input() {
    let f = Fixture::new();
    f.file("/notes.txt", "not an ELF file\n").dir("/somedir");
    let mut c = cudoctor_cmd();
    c.arg("archs").arg(f.host_path("/notes.txt"));
    cmd_snapshot!(c, root = f.path(), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: cannot read GPU code from `[ROOT]/notes.txt`: it is not an ELF file or a CUDA fatbinary (it starts with bytes 6e 6f 74 20 61 6e 20 45)
    ");
    let mut c = cudoctor_cmd();
    c.arg("archs").arg(f.host_path("/somedir"));
    cmd_snapshot!(c, root = f.path(), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: cannot read GPU code from `[ROOT]/somedir`: it is not a regular file
    ");
    let mut c = cudoctor_cmd();
    c.arg("archs").arg(f.host_path("/missing.so"));
    cmd_snapshot!(c, root = f.path(), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: cannot read `[ROOT]/missing.so`
      Caused by: No such file or directory (os error 2)
    ");
    // One good file and one bad: the good one is reported, the exit code says something failed.
    let r = archs(
        &["--format", "json"],
        &[
            fatbin_fixture("cusparse11.elf64"),
            f.host_path("/notes.txt"),
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stdout);
    let v = r.json();
    assert_eq!(v["files"].as_array().unwrap().len(), 1);
    assert_eq!(v["errors"].as_array().unwrap().len(), 1);
    cmd_snapshot!(cudoctor_cmd().args(["archs", "x.so", "--cc", "eight"]), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: invalid value for `--cc`: invalid compute capability `eight`: component `eight` is not a number; write it as `8.6`, `sm_86` or `compute_86`

    hint: write it as `8.6` or `sm_86`
    ");
    cmd_snapshot!(cudoctor_cmd().args(["archs", "x.so", "--gpu", "RTX 9999 Ti"]), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: unknown GPU name `RTX 9999 Ti`

    hint: close names: GeForce RTX 3090 Ti, GeForce GTX 980 Ti, GeForce RTX 2080 Ti, GeForce RTX 3060 Ti, GeForce RTX 3070 Ti; or give the compute capability (--cc X.Y)
    ");
    cmd_snapshot!(cudoctor_cmd().args(["archs"]), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: the following required arguments were not provided:
      <FILES>...

    Usage: cudoctor archs <FILES>...

    For more information, try '--help'.
    ");
}

// ---------------------------------------------------------------- explain

/// Real TensorFlow 2.x lines (quoted in `crates/cudoctor-explain/data/signatures.toml` from
/// their sources): a missing cuDNN and the summary that follows.
const TF_LOG: &str = "\
2024-06-19 16:06:44.100000: I tensorflow/core/platform/cpu_feature_guard.cc:193] This TensorFlow binary is optimized with oneAPI Deep Neural Network Library (oneDNN)
W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic library 'libcudnn.so.8'; dlerror: libcudnn.so.8: cannot open shared object file: No such file or directory
2024-06-19 16:06:44.996140: W tensorflow/core/common_runtime/gpu/gpu_device.cc:1689] Cannot dlopen some GPU libraries. Please make sure the missing libraries mentioned above are installed properly if you would like to use GPU. Follow the guide at https://www.tensorflow.org/install/gpu
Skipping registering GPU devices...
";

/// `explain` with an empty fixture root, so this machine's facts never enter the output.
fn explain(f: &Fixture, args: &[&str]) -> assert_cmd::Command {
    let mut c = f.cmd(&["explain"]);
    c.args(args);
    c
}

#[test]
fn explain_stdin_and_file_agree() {
    let f = Fixture::new();
    f.file("/train.log", TF_LOG);
    let mut c = explain(&f, &["--format", "json"]);
    c.write_stdin(TF_LOG);
    let root = f.path().display().to_string();
    let stdin = run_with(&mut c, &[(root.as_str(), "[ROOT]")]);
    assert_eq!(stdin.code, 1, "{}", stdin.stderr);
    let mut c = explain(&f, &["--format", "json"]);
    c.arg(f.host_path("/train.log"));
    let file = run_with(&mut c, &[(root.as_str(), "[ROOT]")]);
    assert_eq!(file.code, 1, "{}", file.stderr);
    assert_eq!(stdin.json()["matches"], file.json()["matches"]);
    let mut c = explain(&f, &["-"]);
    c.write_stdin(TF_LOG);
    let dash = run_with(&mut c, &[(root.as_str(), "[ROOT]")]);
    assert_eq!(dash.code, 1);
}

#[test]
fn explain_json_contract() {
    let f = Fixture::new();
    let mut c = explain(&f, &["--format", "json"]);
    c.write_stdin(TF_LOG);
    let r = run(&mut c);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["schema_version"], 1);
    let matches = v["matches"].as_array().unwrap();
    assert!(!matches.is_empty());
    for m in matches {
        for key in ["signature", "cause", "title"] {
            assert!(
                m[key].as_str().is_some_and(|s| !s.is_empty()),
                "no `{key}`: {m:#}"
            );
        }
        assert!(m["line"].as_u64().unwrap() >= 1, "{m:#}");
        assert!(m["count"].as_u64().unwrap() >= 1, "{m:#}");
        assert!(
            m["captures"].is_object() || m["captures"].is_array(),
            "{m:#}"
        );
        assert!(m["fix"].as_array().is_some_and(|a| !a.is_empty()), "{m:#}");
        assert!(m["related_findings"].is_array(), "{m:#}");
    }
    // The cuDNN line is line 2 and names the library.
    let cudnn = matches
        .iter()
        .find(|m| m["line"] == 2)
        .unwrap_or_else(|| panic!("nothing matched line 2: {v:#}"));
    assert!(cudnn.to_string().contains("libcudnn.so.8"), "{cudnn:#}");
    assert!(
        strings(&cudnn["related_findings"]).contains(&"library-not-found"),
        "{cudnn:#}"
    );
    assert!(v["findings"].is_array());
    assert_eq!(v["lines"], 4);
}

#[test]
fn explain_text() {
    let f = Fixture::new();
    let mut c = explain(&f, &[]);
    c.write_stdin(TF_LOG);
    cmd_snapshot!(c, root = f.path(), @"
    success: false
    exit_code: 1
    ----- stdout -----
    3 known errors in the log (4 lines read), cause first:

    tf-libcudnn-missing line 2: TensorFlow cannot dlopen cuDNN (libcudnn)
      > W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic library 'libcudnn.so.8'; dlerror: libcudnn.so.8: cannot open shared object file: No such file or directory
      cause: This log asks for libcudnn.so.8: this TensorFlow was built with cuDNN 8 and no cuDNN 8
        library is on the loader path. The knowledge base lists libcudnn.so.8 as the soname TensorFlow
        2.6-2.10, 2.12-2.17 dlopens (2.6-2.10: seen in TensorFlow logs; 2.12-2.14: derived from the
        build's CUDA/cuDNN majors; 2.15-2.17: derived from the build's CUDA/cuDNN majors); those
        releases were built with cuDNN 8.1, 8.6, 8.7, 8.9. TensorFlow releases whose sonames the
        knowledge base does not record are not claimed. cuDNN is not part of the CUDA toolkit; the cuDNN
        major TensorFlow was built with (libcudnn.so.7 up to TF 2.3, libcudnn.so.8 for 2.4-2.17,
        libcudnn.so.9 from 2.18) is not installed or not on the loader path. Threads about it also
        spread harmful fixes such as symlinking libcuda.so.<ver> to libcudnn.so.8.
      fix: Install cuDNN 8 for the CUDA major TensorFlow uses (pip nvidia-cudnn-cuXX of major 8, apt
        libcudnn8, or conda cudnn=8) and put its directory on the loader path.
      fix: Install the cuDNN major in `tf.sysconfig.get_build_info()['cudnn_version']` (pip
        nvidia-cudnn-cuXX, apt libcudnn8/libcudnn9, or conda cudnn).
      fix: Make its directory visible to the loader (ld.so cache or `LD_LIBRARY_PATH`) and check that
        the libcudnn* symlinks really resolve to cuDNN.
      source: https://github.com/tensorflow/tensorflow/issues/60854

    tf-cannot-dlopen-gpu-libs line 3: TensorFlow could not dlopen some GPU libraries and will not use the GPU
      > 2024-06-19 16:06:44.996140: W tensorflow/core/common_runtime/gpu/gpu_device.cc:1689] Cannot dlopen some GPU libraries. Please make sure the missing libraries mentioned above are installed properly if you would like to use GPU. Follow the guide at https://w…
      explained by: tf-libcudnn-missing
      cause: At least one of cudart, cublas, cublasLt, cufft, curand, cusolver, cusparse or cudnn failed
        to dlopen; TensorFlow continues on the CPU. From TF 2.13 the individual
        `Could not load dynamic library` lines are only logged at VLOG(1), so this summary may be the
        only line.
      fix: Re-run with `TF_CPP_MAX_VLOG_LEVEL=3` (and `TF_CPP_MIN_LOG_LEVEL=0`) to see which library
        failed, then fix each one.
      fix: For TF 2.14+ install the matching `tensorflow[and-cuda]`; check that module systems or
        scripts did not overwrite `LD_LIBRARY_PATH`.
      source: https://github.com/NVIDIA/tensorflow/issues/110

    tf-skipping-gpu-registration line 4: TensorFlow skipped registering GPU devices (runs on the CPU)
      > Skipping registering GPU devices...
      explained by: tf-cannot-dlopen-gpu-libs
      cause: Consequence of a failed GPU library load: TensorFlow registers no GPU device and silently
        runs on the CPU.
      fix: Fix the library errors reported just before this line (see the
        `Cannot dlopen some GPU libraries` explanation).
      source: https://github.com/tensorflow/tensorflow/issues/60646

    This machine: No problem found in the files (no framework checked); the driver and GPU were not checked (directory root)

    ----- stderr -----
    ");
}

/// The machine's side: on a TF 2.9 root without cuDNN, the log's cuDNN error is tied to the
/// `library-not-found` finding of that root.
#[test]
fn explain_with_the_machine_facts() {
    let f = common::tf29_host("535.104.05", "8.1.1");
    f.remove(&format!("{}/libcudnn.so.8", common::LIBDIR))
        .remove(&format!("{}/libcudnn.so.8.1.1", common::LIBDIR));
    let mut c = explain(&f, &["--format", "json"]);
    c.write_stdin(TF_LOG);
    let r = run(&mut c);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = r.json();
    let ids: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"library-not-found"), "{v:#}");
    assert!(
        v["verdict"]
            .as_str()
            .unwrap()
            .contains("will not use the GPU"),
        "{}",
        v["verdict"]
    );
    let mut c = explain(&f, &[]);
    c.write_stdin(TF_LOG);
    let text = run(&mut c).stdout;
    assert!(
        text.contains("on this machine: error[library-not-found]"),
        "{text}"
    );
}

#[test]
fn explain_clean_log() {
    let f = Fixture::new();
    let mut c = explain(&f, &[]);
    c.write_stdin("epoch 1/10 loss=0.53\nepoch 2/10 loss=0.41\n");
    let r = cmd_snapshot!(c, root = f.path(), @"
    success: true
    exit_code: 0
    ----- stdout -----
    No known GPU-stack error in the log (2 lines read).
    This machine: No problem found in the files (no framework checked); the driver and GPU were not checked (directory root)
      info[no-framework-target] No framework to check against: only the GPU stack was checked
    Run `cudoctor check` for the details.

    ----- stderr -----
    ");
    assert_eq!(r.code, 0);
}

#[test]
fn explain_bad_input() {
    let f = Fixture::new();
    f.dir("/logs");
    cmd_snapshot!(explain(&f, &[f.host_path("/logs").to_str().unwrap()]), root = f.path(), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: reading log `[ROOT]/logs`: it is a directory, not a file
    ");
    cmd_snapshot!(explain(&f, &[f.host_path("/none.log").to_str().unwrap()]), root = f.path(), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: opening log `[ROOT]/none.log`
      Caused by: No such file or directory (os error 2)
    ");
}

#[test]
fn explain_binary_garbage_does_not_panic() {
    let f = Fixture::new();
    // Deterministic pseudo-random bytes, with NULs, invalid UTF-8 and a real error line inside.
    let mut bytes = Vec::new();
    let mut state: u32 = 0x1234_5678;
    for _ in 0..200_000 {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        bytes.push(state.to_le_bytes()[0]);
    }
    bytes.extend_from_slice(b"\nW dso_loader.cc:64] Could not load dynamic library 'libcudnn.so.8'; dlerror: libcudnn.so.8: cannot open shared object file: No such file or directory\n");
    bytes.extend_from_slice(&[0xff, 0xfe, 0x00, 0xc3]);
    let mut c = explain(&f, &["--format", "json"]);
    c.write_stdin(bytes);
    let r = run(&mut c);
    assert!(
        !r.stderr.contains("panicked"),
        "panic on binary input: {}",
        r.stderr
    );
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    let v = r.json();
    assert!(
        v["matches"].to_string().contains("libcudnn.so.8"),
        "the error line inside binary data is still found: {v:#}"
    );
}

#[test]
fn explain_markdown_is_refused() {
    let f = Fixture::new();
    cmd_snapshot!(explain(&f, &["--format", "markdown"]), root = f.path(), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: `cudoctor explain` has no Markdown output

    hint: use `--format text` or `--format json`
    ");
}

/// A host-side library (no fatbinary, like `libcudart.so`) has nothing for the GPU to run: the
/// text says so instead of "cannot run"; the JSON keeps its `no_kernel_image` contract.
#[test]
fn archs_host_library_has_nothing_to_judge() {
    let f = Fixture::new();
    f.lib("/libcudart.so.12", "libcudart.so.12");
    let r = archs(&["--cc", "8.6"], &[f.host_path("/libcudart.so.12")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("nothing to run"), "{}", r.stdout);
    assert!(!r.stdout.contains("cannot run"), "{}", r.stdout);
}

/// `--lang zh explain`: each match's cause and fix read in Chinese (the catalog's text of the
/// signature, the log's values in it), with Chinese labels; the signature ids, the quoted log
/// line and the sources stay; the JSON is the English one.
#[test]
fn explain_reads_in_chinese() {
    let f = Fixture::new();
    let mut c = explain(&f, &["--format", "json"]);
    c.write_stdin(TF_LOG);
    let en = run(&mut c).json();
    let mut c = explain(&f, &["--format", "json", "--lang", "zh"]);
    c.write_stdin(TF_LOG);
    assert_eq!(run(&mut c).json(), en, "JSON stays English");
    let mut c = explain(&f, &["--lang", "zh"]);
    c.write_stdin(TF_LOG);
    let r = run(&mut c);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let zh = &r.stdout;
    assert!(
        zh.starts_with("日志中有 3 个已知错误（共读取 4 行）"),
        "{zh}"
    );
    for m in en["matches"].as_array().unwrap() {
        let sig = m["signature"].as_str().unwrap();
        assert!(
            zh.contains(&format!("{sig} 第 {} 行", m["line"])),
            "{sig}:\n{zh}"
        );
        let cause = m["cause"].as_str().unwrap();
        let head: String = cause
            .split_whitespace()
            .take(6)
            .collect::<Vec<_>>()
            .join(" ");
        assert!(!zh.contains(&head), "English cause of {sig} in\n{zh}");
        assert!(zh.contains(m["source"].as_str().unwrap()), "{sig}:\n{zh}");
    }
    assert!(zh.contains("  原因："), "{zh}");
    assert!(zh.contains("  修复："), "{zh}");
    // The log line is quoted as it is.
    assert!(
        zh.contains("  > Skipping registering GPU devices..."),
        "{zh}"
    );
}

/// One line is "1 line", not "1 lines"; the count of errors agrees with its noun too.
#[test]
fn explain_counts_in_the_singular() {
    let f = Fixture::new();
    let mut c = explain(&f, &[]);
    c.write_stdin("RuntimeError: cuDNN error: CUDNN_STATUS_NOT_SUPPORTED.\n");
    let r = run(&mut c);
    assert!(
        r.stdout
            .starts_with("1 known error in the log (1 line read), cause first:"),
        "{}",
        r.stdout
    );
    let mut c = explain(&f, &[]);
    c.write_stdin("hello\n");
    let r = run(&mut c);
    assert!(
        r.stdout
            .starts_with("No known GPU-stack error in the log (1 line read)."),
        "{}",
        r.stdout
    );
}
