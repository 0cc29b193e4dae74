//! Tests of the signature data and the streaming matcher.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::items_after_statements,
    clippy::format_push_string
)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufReader, Cursor, Read};

use cudoctor_explain::{
    ExplainError, Match, ScanReport, prefilter_literals, scan, scan_named, scan_path, signatures,
};

/// Finding ids of `cudoctor check` (issue 6 / the check command).
const FINDINGS: &[&str] = &[
    "driver-too-old",
    "library-not-found",
    "library-wrong-version",
    "cudnn-version-mismatch",
    "cuda-toolkit-conflict",
    "cuda-runtime-untested",
    "python-version-unsupported",
    "cpu-only-build",
    "gpu-arch-unsupported",
    "cuda-visible-devices-hides-all",
    "container-no-gpu",
    "docker-nvidia-runtime-missing",
    "image-cuda-newer-than-driver",
    "tensorrt-missing",
    "driver-missing",
    "kernel-module-not-loaded",
    "driver-library-mismatch",
];

fn scan_str(text: &str) -> ScanReport {
    scan(Cursor::new(text.as_bytes().to_vec())).expect("scan")
}

/// The match of signature `id`, or of the signature `id` was merged into (its `aliases`), as a
/// JSON consumer of an old id would look it up.
fn find<'a>(report: &'a ScanReport, id: &str) -> Option<&'a Match> {
    report
        .matches
        .iter()
        .find(|m| m.signature == id || m.aliases.iter().any(|a| a == id))
}

fn ids(report: &ScanReport) -> Vec<&str> {
    report
        .matches
        .iter()
        .map(|m| m.signature.as_str())
        .collect()
}

#[test]
fn signature_data_is_complete_and_consistent() {
    let sigs = signatures();
    assert!(sigs.len() >= 40, "only {} signatures", sigs.len());
    let all_ids: BTreeSet<&str> = sigs.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(all_ids.len(), sigs.len(), "duplicate ids");
    for s in sigs {
        assert!(
            !s.title.is_empty() && !s.cause.is_empty() && !s.fix.is_empty(),
            "{}",
            s.id
        );
        assert!(
            s.source.starts_with("https://") || s.source.starts_with("seed:"),
            "{}: source {}",
            s.id,
            s.source
        );
        assert!(!s.examples.is_empty(), "{} has no example", s.id);
        for f in &s.related_findings {
            assert!(
                FINDINGS.contains(&f.as_str()),
                "{}: unknown finding id {f}",
                s.id
            );
        }
        for e in s.explains.iter().chain(&s.caused_by) {
            assert!(all_ids.contains(e.as_str()), "{}: unknown link {e}", s.id);
            assert_ne!(e, &s.id, "{} links to itself", s.id);
        }
    }
    // Coverage of the stack, as the issue asks.
    let frameworks: BTreeSet<&str> = sigs
        .iter()
        .flat_map(|s| s.frameworks.iter().map(String::as_str))
        .collect();
    for needed in [
        "TensorFlow",
        "PyTorch",
        "JAX",
        "NVML",
        "Docker",
        "NVIDIA Container Toolkit",
        "cuDNN",
        "NCCL",
        "XLA",
    ] {
        assert!(frameworks.contains(needed), "no signature for {needed}");
    }
    // The explains graph has no cycle (depth-first search with colours).
    let index: BTreeMap<&str, usize> = sigs
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let mut edges = vec![BTreeSet::new(); sigs.len()];
    for (i, s) in sigs.iter().enumerate() {
        for e in &s.explains {
            edges[i].insert(index[e.as_str()]);
        }
        for c in &s.caused_by {
            edges[index[c.as_str()]].insert(i);
        }
    }
    fn visit(i: usize, edges: &[BTreeSet<usize>], colour: &mut [u8]) {
        assert_ne!(colour[i], 1, "cycle in explains through signature #{i}");
        if colour[i] == 2 {
            return;
        }
        colour[i] = 1;
        for &j in &edges[i] {
            visit(j, edges, colour);
        }
        colour[i] = 2;
    }
    let mut colour = vec![0u8; sigs.len()];
    for i in 0..sigs.len() {
        visit(i, &edges, &mut colour);
    }
}

/// Every example of every signature, scanned through the real prefilter, matches that signature,
/// and named captures are extracted.
#[test]
fn every_signature_matches_its_own_examples() {
    for s in signatures() {
        let regexes: Vec<regex::bytes::Regex> = s
            .regexes
            .iter()
            .map(|r| regex::bytes::Regex::new(r).unwrap())
            .collect();
        for example in &s.examples {
            let log = match &s.context {
                Some(ctx) => format!("{}\n{example}\n", ctx.example),
                None => format!("{example}\n"),
            };
            let report = scan_str(&log);
            let m = find(&report, &s.id).unwrap_or_else(|| {
                panic!(
                    "{}: example not matched: {example}\n got {:?}",
                    s.id,
                    ids(&report)
                )
            });
            let line = if s.context.is_some() { 2 } else { 1 };
            assert_eq!(m.line, line, "{}", s.id);
            assert_eq!(m.count, 1, "{}", s.id);
            // The first regex that matches decides which captures must be present.
            let re = regexes
                .iter()
                .find(|re| re.is_match(example.as_bytes()))
                .unwrap();
            let caps = re.captures(example.as_bytes()).unwrap();
            for name in re.capture_names().flatten() {
                if caps.name(name).is_some() {
                    assert!(
                        m.captures
                            .get(name)
                            .is_some_and(|v| { *v == String::from_utf8_lossy(&caps[name]).trim() }),
                        "{}: capture {name} not extracted from {example}: {:?}",
                        s.id,
                        m.captures
                    );
                }
            }
            // The general cause and fix always follow the specific sentence and what the
            // knowledge base computed (at most one fix step per fact), if any.
            assert!(m.cause.ends_with(&s.cause), "{}", s.id);
            assert!(m.fix.ends_with(&s.fix), "{}", s.id);
            assert!(m.fix.len() <= s.fix.len() + 1 + m.facts.len(), "{}", s.id);
            for f in &m.facts {
                assert!(m.cause.contains(&f.text), "{}: {}", s.id, f.text);
            }
        }
    }
}

#[test]
fn captures_carry_versions_and_names() {
    let r = scan_str(
        "E0000 00:00:1738697930.202924    7665 cuda_dnn.cc:522] Loaded runtime CuDNN library: 9.1.0 but source was compiled with: 9.3.0.  CuDNN library needs to have matching major version and equal or higher minor version.\n",
    );
    let m = find(&r, "cudnn-runtime-older-than-compiled").unwrap();
    assert_eq!(m.captures["loaded"], "9.1.0");
    assert_eq!(m.captures["compiled"], "9.3.0");

    let r = scan_str(
        "W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic library 'libcudart.so.11.0'; dlerror: libcudart.so.11.0: cannot open shared object file: No such file or directory\n",
    );
    let m = find(&r, "tf-libcudart-missing").unwrap();
    assert_eq!(m.captures["library"], "libcudart");
    assert_eq!(m.captures["soname_version"], "11.0");

    let r = scan_str(
        "RuntimeError: The NVIDIA driver on your system is too old (found version 11040). Please update your GPU driver\n",
    );
    assert_eq!(
        find(&r, "torch-driver-too-old").unwrap().captures["driver_cuda_version"],
        "11040"
    );

    let r = scan_str(
        "nvidia-container-cli: requirement error: unsatisfied condition: cuda>=12.8, please update your driver to a newer version, or use an earlier cuda container: unknown\n",
    );
    assert_eq!(
        find(&r, "nvidia-container-cli-cuda-requirement")
            .unwrap()
            .captures["cuda"],
        "12.8"
    );
}

/// The same-name/different-name rule separates a missing library from a missing dependency.
#[test]
fn missing_library_and_missing_dependency_are_distinguished() {
    let own = "W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic library 'libcusolver.so.11'; dlerror: libcusolver.so.11: cannot open shared object file: No such file or directory\n";
    let dep = "W tensorflow/stream_executor/platform/default/dso_loader.cc:60] Could not load dynamic library 'libcusolver.so.11'; dlerror: libnvJitLink.so.12: cannot open shared object file: No such file or directory\n";
    let r = scan_str(own);
    assert_eq!(ids(&r), ["tf-cuda-library-missing"]);
    let r = scan_str(dep);
    assert_eq!(ids(&r), ["tf-dso-dependency-missing"]);
    assert_eq!(
        find(&r, "tf-dso-dependency-missing").unwrap().captures["missing"],
        "libnvJitLink.so.12"
    );
}

/// A real TensorFlow 2.9 excerpt (tensorflow/tensorflow#56413, as recorded in
/// shared/reference/tf_sonames.md section 3): causes come first, each effect after its causes.
#[test]
fn chains_are_ordered_cause_first() {
    let log = "\
2022-06-08 10:00:00.000001: W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic library 'libcudart.so.11.0'; dlerror: libcudart.so.11.0: cannot open shared object file: No such file or directory
2022-06-08 10:00:00.000002: I tensorflow/stream_executor/cuda/cudart_stub.cc:29] Ignore above cudart dlerror if you do not have a GPU set up on your machine.
2022-06-08 10:00:01.000003: W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic library 'libcudnn.so.8'; dlerror: libcudnn.so.8: cannot open shared object file: No such file or directory
2022-06-08 10:00:01.000004: W tensorflow/core/common_runtime/gpu/gpu_device.cc:1850] Cannot dlopen some GPU libraries. Please make sure the missing libraries mentioned above are installed properly if you would like to use GPU. Follow the guide at https://www.tensorflow.org/install/gpu for how to download and setup the required libraries for your platform.
Skipping registering GPU devices...
";
    let r = scan_str(log);
    assert_eq!(
        ids(&r),
        [
            "tf-libcudart-missing",
            "tf-cuda-drivers-not-found",
            "tf-libcudnn-missing",
            "tf-cannot-dlopen-gpu-libs",
            "tf-skipping-gpu-registration"
        ]
    );
    let dlopen = find(&r, "tf-cannot-dlopen-gpu-libs").unwrap();
    assert_eq!(
        dlopen.explained_by,
        ["tf-libcudart-missing", "tf-libcudnn-missing"]
    );
    assert_eq!(dlopen.explains, ["tf-skipping-gpu-registration"]);
    assert_eq!(dlopen.line, 4);
    assert_eq!(r.lines, 5);

    // The effect printed before its cause (JAX prints the summary first): the cause still leads.
    let jax = "\
CUDA backend failed to initialize: Unable to use CUDA because of the following issues with CUDA components:
Outdated cuDNN installation found.
Version JAX was built against: 8907
Minimum supported: 9100
Installed version: 8907
The local installation version must be no lower than 9100..(Set TF_CPP_MIN_LOG_LEVEL=0 and rerun for more info.)
";
    let r = scan_str(jax);
    assert_eq!(ids(&r), ["jax-outdated-cudnn", "jax-cuda-backend-failed"]);
    let outdated = find(&r, "jax-outdated-cudnn").unwrap();
    assert_eq!(outdated.count, 2);
    assert_eq!(outdated.lines, [2, 6]);
    assert_eq!(outdated.captures_seen["minimum"], ["9100"]);
}

#[test]
fn repeats_are_grouped_with_count_lines_and_distinct_values() {
    let mut log = String::new();
    for (i, (loaded, compiled)) in [("8.0.4", "8.1.0"), ("8.0.4", "8.1.0"), ("8.0.5", "8.1.0")]
        .iter()
        .enumerate()
    {
        log.push_str(&format!("I some unrelated line {i}\n"));
        log.push_str(&format!(
            "2021-10-13 17:19:29.385716: E tensorflow/stream_executor/cuda/cuda_dnn.cc:362] Loaded runtime CuDNN library: {loaded} but source was compiled with: {compiled}.  CuDNN library needs to have matching major version and equal or higher minor version.\n"
        ));
    }
    let r = scan_str(&log);
    assert_eq!(r.matches.len(), 1);
    let m = &r.matches[0];
    assert_eq!(m.count, 3);
    assert_eq!(m.line, 2);
    assert_eq!(m.lines, [2, 4, 6]);
    assert_eq!(m.captures["loaded"], "8.0.4");
    assert_eq!(m.captures_seen["loaded"], ["8.0.4", "8.0.5"]);
    assert_eq!(m.captures_seen["compiled"], ["8.1.0"]);
    assert!(m.excerpt.contains("Loaded runtime CuDNN library: 8.0.4"));
}

#[test]
fn line_numbers_are_capped_but_counts_exact() {
    let line = "RuntimeError: CUDA error: an illegal memory access was encountered\n";
    let r = scan_str(&line.repeat(1000));
    let m = find(&r, "cuda-illegal-memory-access").unwrap();
    assert_eq!(m.count, 1000);
    assert_eq!(m.lines.len(), cudoctor_explain::MAX_LINES_PER_MATCH);
    assert_eq!(m.lines[99], 100);
}

#[test]
fn context_rule_segfault_counts_only_after_gpu_libraries() {
    let alone = "starting\nSegmentation fault (core dumped)\n";
    assert!(scan_str(alone).matches.is_empty());
    let real = "\
2018-10-31 13:54:43.930905: E tensorflow/stream_executor/cuda/cuda_dnn.cc:352] Could not create cudnn handle: CUDNN_STATUS_NOT_INITIALIZED
2018-10-31 13:54:43.931008: E tensorflow/stream_executor/cuda/cuda_dnn.cc:360] Possibly insufficient driver version: 384.111.0
Segmentation fault (core dumped)
";
    let r = scan_str(real);
    assert_eq!(
        ids(&r),
        [
            "cudnn-handle-not-initialized",
            "cudnn-possibly-insufficient-driver",
            "segfault-after-gpu-libs"
        ]
    );
    assert_eq!(
        find(&r, "cudnn-possibly-insufficient-driver")
            .unwrap()
            .captures["driver_version"],
        "384.111.0"
    );
    // Too far after the GPU lines: not counted.
    let far = format!(
        "{}{}Segmentation fault\n",
        real.lines().next().unwrap().to_owned() + "\n",
        "x\n".repeat(60)
    );
    assert!(find(&scan_str(&far), "segfault-after-gpu-libs").is_none());
}

#[test]
fn clean_logs_produce_no_matches() {
    let clean = "\
2021-02-22 10:08:07.383300: I tensorflow/stream_executor/platform/default/dso_loader.cc:49] Successfully opened dynamic library libcudart.so.11.0
2021-02-22 10:08:11.985232: I tensorflow/stream_executor/platform/default/dso_loader.cc:49] Successfully opened dynamic library libcuda.so.1
Epoch 1/10 - loss: 0.3412 - accuracy: 0.8821
NCCL INFO Using network IB
";
    let r = scan_str(clean);
    assert!(r.matches.is_empty(), "{:?}", ids(&r));
    assert_eq!(r.lines, 4);
    assert_eq!(r.bytes, clean.len() as u64);
}

#[test]
fn empty_input() {
    let r = scan(Cursor::new(Vec::new())).unwrap();
    assert!(r.matches.is_empty());
    assert_eq!((r.lines, r.bytes), (0, 0));
}

#[test]
fn last_line_without_newline_and_crlf() {
    let r = scan_str(
        "a\r\nFailed to initialize NVML: Driver/library version mismatch\r\nNVML library version: 535.261\r\nAssertionError: Torch not compiled with CUDA enabled",
    );
    assert_eq!(r.lines, 4);
    let nvml = find(&r, "nvml-driver-library-mismatch").unwrap();
    assert_eq!(nvml.lines, [2, 3]);
    assert_eq!(nvml.captures_seen["nvml_version"], ["535.261"]);
    assert_eq!(find(&r, "torch-not-compiled-with-cuda").unwrap().line, 4);
}

#[test]
fn binary_data_and_invalid_utf8_are_handled_lossily() {
    let mut data: Vec<u8> = Vec::new();
    // Deterministic pseudo-random bytes, including NULs and no newlines for long stretches.
    let mut x: u32 = 0x1234_5678;
    for _ in 0..300_000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        data.push((x >> 24) as u8);
    }
    data.extend_from_slice(b"\n\xff\xfe garbage \x00 Could not load dynamic library 'libcudnn.so.8\xff'; dlerror: libcudnn.so.8: cannot open shared object file\n");
    data.extend_from_slice(
        b"\x80\x81Loaded runtime CuDNN library: 8.\xff0 but source was compiled with: 8.6.0\n",
    );
    data.extend_from_slice(b"\xc3\x28 NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. \xe2\x82\n");
    let r = scan(Cursor::new(data.clone())).unwrap();
    assert_eq!(r.bytes, data.len() as u64);
    // The soname contains an invalid byte, so the libcudnn regex (digits only) must not match the
    // broken soname; the generic dependency rule sees different names and matches.
    assert!(
        find(&r, "nvidia-smi-cannot-communicate").is_some(),
        "{:?}",
        ids(&r)
    );
    let dep = find(&r, "tf-dso-dependency-missing").unwrap();
    assert!(
        dep.captures["requested"].contains('\u{fffd}'),
        "{:?}",
        dep.captures
    );
    serde_json::to_string(&r.to_json()).unwrap();
}

#[test]
fn a_single_100_mb_line_is_scanned_in_bounded_segments() {
    const SIZE: usize = 100 * 1024 * 1024;
    let needle =
        b"RuntimeError: CUDA error: no kernel image is available for execution on the device";
    // A generator reader: 100 MB of 'a' with needles at the start, across a buffer boundary, and
    // at the end, no newline anywhere; nothing of this size is ever held in memory by the test.
    struct Gen {
        pos: usize,
        needles: Vec<(usize, &'static [u8])>,
    }
    impl Read for Gen {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(SIZE - self.pos);
            for (i, b) in buf[..n].iter_mut().enumerate() {
                let p = self.pos + i;
                *b = self
                    .needles
                    .iter()
                    .find(|(at, nd)| p >= *at && p < at + nd.len())
                    .map_or(b'a', |(at, nd)| nd[p - at]);
            }
            self.pos += n;
            Ok(n)
        }
    }
    let boundary = cudoctor_explain::BUFFER_SIZE - 20;
    let oom: &'static [u8] =
        b"torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB";
    let gen_reader = Gen {
        pos: 0,
        needles: vec![
            (10, needle),
            (boundary, oom),
            (
                SIZE - 200,
                b"AssertionError: Torch not compiled with CUDA enabled",
            ),
        ],
    };
    let r = scan_named(BufReader::new(gen_reader), "big.log").unwrap();
    assert_eq!(r.bytes, SIZE as u64);
    assert_eq!(r.lines, 1);
    let m = find(&r, "no-kernel-image").unwrap();
    assert_eq!((m.line, m.count), (1, 1));
    let oom = find(&r, "cuda-out-of-memory").expect("match across a segment boundary");
    assert_eq!(oom.captures["requested"], "20.00 MiB");
    assert!(find(&r, "torch-not-compiled-with-cuda").is_some());
    // Excerpts stay bounded even for a 100 MB line.
    assert!(m.excerpt.len() <= cudoctor_explain::MAX_VALUE_LEN + 4);
}

#[test]
fn read_errors_name_the_input() {
    struct Failing;
    impl Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk on fire"))
        }
    }
    let err = scan_named(BufReader::new(Failing), "train.log").unwrap_err();
    assert!(matches!(err, ExplainError::Read { .. }));
    assert_eq!(err.to_string(), "reading log `train.log`");
    assert_eq!(
        std::error::Error::source(&err).unwrap().to_string(),
        "disk on fire"
    );
}

#[test]
fn scan_path_reports_directories_and_missing_files() {
    let dir = std::env::temp_dir();
    let err = scan_path(&dir).unwrap_err();
    assert!(matches!(err, ExplainError::IsDirectory { .. }), "{err}");
    assert!(err.to_string().contains("is a directory"));
    let missing = dir.join("cudoctor-explain-no-such-file.log");
    let err = scan_path(&missing).unwrap_err();
    assert!(matches!(err, ExplainError::Open { .. }));
    assert!(
        err.to_string()
            .contains("cudoctor-explain-no-such-file.log")
    );
}

#[test]
fn scan_path_reads_a_file() {
    let path = std::env::temp_dir().join(format!("cudoctor-explain-{}.log", std::process::id()));
    std::fs::write(
        &path,
        "epoch 1\nFailed to initialize NVML: Driver/library version mismatch\n",
    )
    .unwrap();
    let r = scan_path(&path);
    std::fs::remove_file(&path).unwrap();
    let r = r.unwrap();
    assert_eq!(ids(&r), ["nvml-driver-library-mismatch"]);
    assert_eq!((r.matches[0].line, r.lines), (2, 2));
}

#[test]
fn json_contract_shape() {
    let r = scan_str(
        "RuntimeError: CUDA error: CUDA driver version is insufficient for CUDA runtime version\n",
    );
    let v = serde_json::to_value(r.to_json()).unwrap();
    assert_eq!(v["schema_version"], 1);
    let m = &v["matches"][0];
    assert_eq!(m["signature"], "cuda-driver-insufficient");
    assert_eq!(m["line"], 1);
    assert_eq!(m["count"], 1);
    assert!(m["captures"].is_object());
    assert!(m["cause"].is_string());
    assert!(m["fix"].is_array());
    assert_eq!(m["related_findings"][0], "driver-too-old");
}

#[test]
fn prefilter_literals_are_long_enough_for_skipping() {
    // The whole-buffer search skips up to (shortest literal - 2) bytes per step; short literals
    // would make every scan slow. This is a performance budget on the data, not a timing.
    let lits = prefilter_literals();
    let shortest = lits.iter().min_by_key(|l| l.len()).unwrap();
    assert!(shortest.len() >= 10, "literal {shortest:?} is too short");
}

/// The two-thread prefilter pass gives exactly the serial result, with hits on both halves of
/// every buffer and lines straddling buffer refills.
#[test]
fn parallel_and_serial_scans_agree() {
    use cudoctor_explain::{ScanOptions, scan_with};
    let examples: Vec<&str> = signatures()
        .iter()
        .filter(|s| s.context.is_none())
        .map(|s| s.examples[0].as_str())
        .collect();
    let mut log = String::new();
    let mut i = 0usize;
    while log.len() < 5 * cudoctor_explain::BUFFER_SIZE {
        if i % 997 == 0 {
            log.push_str(examples[(i / 997) % examples.len()]);
        } else {
            log.push_str(&format!(
                "Epoch {i}/100 - loss: 0.{:04} - accuracy: 0.9{i}",
                i % 10_000
            ));
        }
        log.push('\n');
        i += 1;
    }
    let run = |parallel| {
        scan_with(
            Cursor::new(log.as_bytes().to_vec()),
            "log",
            ScanOptions { parallel },
        )
        .unwrap()
    };
    let (serial, parallel) = (run(false), run(true));
    assert_eq!(serial, parallel);
    assert!(
        serial.matches.len() >= examples.len() - 5,
        "{}",
        serial.matches.len()
    );
    assert_eq!(serial.lines, i as u64);
    let total: u64 = serial.matches.iter().map(|m| m.count).sum();
    assert!(total >= (i / 997) as u64, "{total}");
}

/// Real excerpts where the consequence is printed before its cause, or several lines form one
/// message: tensorflow/tensorflow#44869 (container without the driver) and astral-sh/uv#14742
/// (a wheel without the GPU's architecture).
#[test]
fn real_excerpts_group_multi_line_messages_and_order_causes() {
    let tf = "\
2020-11-11 10:46:37.459527: I tensorflow/stream_executor/platform/default/dso_loader.cc:48] Successfully opened dynamic library libcuda.so.1
2020-11-11 10:46:37.467224: E tensorflow/stream_executor/cuda/cuda_driver.cc:314] failed call to cuInit: CUDA_ERROR_NO_DEVICE: no CUDA-capable device is detected
2020-11-11 10:46:37.467270: I tensorflow/stream_executor/cuda/cuda_diagnostics.cc:156] kernel driver does not appear to be running on this host (16c54693e7f2): /proc/driver/nvidia/version does not exist
";
    let r = scan_str(tf);
    assert_eq!(ids(&r), ["kernel-driver-not-running", "cuinit-no-device"]);
    let k = find(&r, "kernel-driver-not-running").unwrap();
    assert_eq!((k.line, k.captures["host"].as_str()), (3, "16c54693e7f2"));
    assert!(k.related_findings.contains(&"container-no-gpu".to_string()));

    let torch = "\
/root/env/lib/python3.11/site-packages/torch/cuda/__init__.py:262: UserWarning:
    Found GPU0 NVIDIA GeForce GTX 1080 Ti which is of cuda capability 6.1.
    PyTorch no longer supports this GPU because it is too old.
    The minimum cuda capability supported by this library is 7.5.

  warnings.warn(
/root/env/lib/python3.11/site-packages/torch/cuda/__init__.py:287: UserWarning:
NVIDIA GeForce GTX 1080 Ti with CUDA capability sm_61 is not compatible with the current PyTorch installation.
The current PyTorch install supports CUDA capabilities sm_75 sm_80 sm_86 sm_90 sm_100 sm_120 compute_120.
";
    let r = scan_str(torch);
    assert_eq!(ids(&r), ["torch-gpu-too-old", "torch-arch-not-compatible"]);
    let old = &r.matches[0];
    assert_eq!((old.line, old.count), (2, 3));
    assert_eq!(old.captures["capability"], "6.1");
    assert_eq!(old.captures_seen["minimum"], ["7.5"]);
    let arch = &r.matches[1];
    assert_eq!(arch.lines, [8, 9]);
    assert_eq!(arch.captures["arch"], "sm_61");
    assert_eq!(
        arch.captures_seen["supported"],
        ["sm_75 sm_80 sm_86 sm_90 sm_100 sm_120 compute_120"]
    );
}

/// A reader that hands out one line per `read` call, so every line is its own region and the
/// key-line rule must carry the previous line across regions.
struct LineByLine(Vec<Vec<u8>>);

impl Read for LineByLine {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.0.is_empty() {
            return Ok(0);
        }
        let line = self.0.remove(0);
        assert!(line.len() <= buf.len());
        buf[..line.len()].copy_from_slice(&line);
        Ok(line.len())
    }
}

/// The key-line rule (docs/explain.md): the raised exception beats a quoted source line and any
/// earlier line of the same error; repeats count as the first; a source line alone still counts.
#[test]
fn key_line_rule() {
    // facebookresearch/detectron2#460: the `raise` line quoted in the traceback is not the match.
    let traceback = "\
Traceback (most recent call last):
  File \"/x/torch/cuda/__init__.py\", line 95, in _check_driver
    raise AssertionError(\"Torch not compiled with CUDA enabled\")
AssertionError: Torch not compiled with CUDA enabled
";
    for r in [
        scan_str(traceback),
        scan(BufReader::new(LineByLine(
            traceback
                .split_inclusive('\n')
                .map(|l| l.as_bytes().to_vec())
                .collect(),
        )))
        .unwrap(),
    ] {
        let m = find(&r, "torch-not-compiled-with-cuda").unwrap();
        assert_eq!((m.line, m.count, m.lines.as_slice()), (4, 1, &[4][..]));
        assert!(m.excerpt.starts_with("AssertionError:"));
    }
    // A paste cut before the exception: the quoted line is all there is, so it is the match.
    let cut = "  File \"/x/torch/cuda/__init__.py\", line 95, in _check_driver\n    raise AssertionError(\"Torch not compiled with CUDA enabled\")\n";
    let m = scan_str(cut).matches.remove(0);
    assert_eq!(
        (m.signature.as_str(), m.line, m.count),
        ("torch-not-compiled-with-cuda", 2, 1)
    );
    // After a `<stdin>` frame the next line is the exception, not a source line.
    let stdin = "  File \"<stdin>\", line 1, in <module>\nAssertionError: Torch not compiled with CUDA enabled\n";
    assert_eq!(
        find(&scan_str(stdin), "torch-not-compiled-with-cuda")
            .unwrap()
            .line,
        2
    );

    // mlcommons/inference#54: the THCudaCheck line comes first, the raised RuntimeError is the key.
    let multi = "\
THCudaCheck FAIL file=/pytorch/torch/csrc/cuda/Module.cpp line=34 error=35 : CUDA driver version is insufficient for CUDA runtime version
Traceback (most recent call last):
  File \"infer.py\", line 151, in main
    torch.cuda.set_device(args.device)
RuntimeError: cuda runtime error (35) : CUDA driver version is insufficient for CUDA runtime version at /pytorch/torch/csrc/cuda/Module.cpp:34
";
    let m = find(&scan_str(multi), "cuda-driver-insufficient")
        .unwrap()
        .clone();
    assert_eq!((m.line, m.count, m.lines.as_slice()), (5, 2, &[1, 5][..]));

    // wuhuikai/FastFCN#37: `AssertionError:` alone on its line; its message line is the key, and
    // its captures fill the specific cause.
    let header =
        "AssertionError: \nThe NVIDIA driver on your system is too old (found version 9000).\n";
    let r = scan_str(header);
    let m = find(&r, "torch-driver-too-old").unwrap();
    assert_eq!(m.line, 2);
    assert!(
        m.cause.contains("found version 9000") && m.cause.contains("CUDA 9.0"),
        "{}",
        m.cause
    );

    // Repeated identical lines: the first is the key, with the count.
    let repeated =
        "E0000 cuda_blas.cc:464] failed to create cublas handle: CUBLAS_STATUS_NOT_INITIALIZED\n"
            .repeat(3);
    let m = find(
        &scan_str(&format!("start\n{repeated}")),
        "cublas-not-initialized",
    )
    .unwrap()
    .clone();
    assert_eq!((m.line, m.count), (2, 3));

    // A fatal glog line beats an earlier plain line of the same signature.
    let fatal = "\
2019-01-01 00:00:00.000000: E tensorflow/stream_executor/cuda/cuda_dnn.cc:1] could not create cudnn handle: CUDNN_STATUS_INTERNAL_ERROR
F0101 00:00:00.000000 1 cuda_dnn.cc:2] Check failed: could not create cudnn handle: CUDNN_STATUS_NOT_INITIALIZED
";
    let m = find(&scan_str(fatal), "cudnn-handle-not-initialized")
        .unwrap()
        .clone();
    assert_eq!(
        (m.line, m.count, m.captures["status"].as_str()),
        (2, 2, "CUDNN_STATUS_NOT_INITIALIZED")
    );
}

/// Causes name what the capture found (issue 16, item 4): the soname and its CUDA major, the
/// versions, the GPU architecture.
#[test]
fn causes_name_the_captured_values() {
    let r = scan_str(
        "W tensorflow/stream_executor/platform/default/dso_loader.cc:55] Could not load dynamic library 'libcublas.so.10.0'; dlerror: libcublas.so.10.0: cannot open shared object file: No such file or directory\n",
    );
    let m = find(&r, "tf-cuda-library-missing").unwrap();
    assert!(
        m.cause
            .starts_with("This log asks for libcublas.so.10.0, a library of CUDA 10"),
        "{}",
        m.cause
    );
    assert!(m.fix[0].contains("CUDA 10"), "{:?}", m.fix);
    let s = signatures()
        .iter()
        .find(|s| s.id == "tf-cuda-library-missing")
        .unwrap();
    assert!(m.cause.ends_with(&s.cause) && m.fix.ends_with(&s.fix));
    // Without the captured major (libcufft's soname is not the CUDA major) the template is not
    // used; the knowledge base's soname rows say which TensorFlow series load libcufft.so.10
    // (the CUDA 11 builds), and that is all the cause adds.
    let r = scan_str(
        "Could not load dynamic library 'libcufft.so.10'; dlerror: libcufft.so.10: cannot open shared object file: No such file or directory\n",
    );
    let m = find(&r, "tf-cuda-library-missing").unwrap();
    assert!(!m.cause.contains("a library of CUDA 10"), "{}", m.cause);
    assert_eq!(m.facts.len(), 1, "{:?}", m.facts);
    assert_eq!(m.facts[0].kind, "soname_tf_releases");
    assert!(m.facts[0].text.contains("built with CUDA 11.2, 11.8"));
    assert_eq!(m.cause, format!("{} {}", m.facts[0].text, s.cause));

    let r = scan_str(
        "NVIDIA A40 with CUDA capability sm_86 is not compatible with the current PyTorch installation.\n",
    );
    let m = find(&r, "torch-arch-not-compatible").unwrap();
    assert!(
        m.cause.contains("NVIDIA A40, compute capability sm_86"),
        "{}",
        m.cause
    );

    let r = scan_str("Loaded runtime CuDNN library: 8.7.0 but source was compiled with: 8.9.4.\n");
    let m = find(&r, "cudnn-runtime-older-than-compiled").unwrap();
    assert!(
        m.cause.contains("cuDNN 8.7.0 loaded at runtime and 8.9.4"),
        "{}",
        m.cause
    );
}

/// Signatures merged because one cause is phrased differently across releases: the surviving
/// signature matches every phrasing, reports its own id with the merged id in `aliases`, and the
/// old id still resolves.
#[test]
fn merged_signatures_match_every_phrasing_and_keep_the_old_id() {
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "tf-cuda-drivers-not-found",
            "tf-cudart-dlerror-hint",
            &[
                // tensorflow/tensorflow#61689 (tsl cudart stub)
                "2023-08-25 11:11:47.521702: I tensorflow/tsl/cuda/cudart_stub.cc:28] Could not find cuda drivers on your machine, GPU will not be used.",
                // jax-ml/jax#3746 (stream_executor cudart stub)
                "2021-04-09 19:52:41.024341: I tensorflow/stream_executor/cuda/cudart_stub.cc:29] Ignore above cudart dlerror if you do not have a GPU set up on your machine.",
            ],
        ),
        (
            "cuda-driver-insufficient",
            "torch-driver-too-old",
            &[
                // tensorflow/tensorflow#37978
                "cudaGetDevice() failed. Status: CUDA driver version is insufficient for CUDA runtime version",
                // lllyasviel/Fooocus#1313
                "RuntimeError: The NVIDIA driver on your system is too old (found version 11040). Please update your GPU driver by downloading and installing a new version from the URL: http://www.nvidia.com/Download/index.aspx",
            ],
        ),
    ];
    for (id, alias, lines) in cases {
        let sig = cudoctor_explain::find_signature(alias).unwrap();
        assert_eq!(&sig.id, id);
        assert!(sig.aliases.iter().any(|a| a == alias));
        assert!(
            !signatures().iter().any(|s| s.id == *alias),
            "{alias} is still an id"
        );
        for line in *lines {
            let r = scan_str(&format!("{line}\n"));
            assert_eq!(ids(&r), [*id], "{line}");
            assert_eq!(r.matches[0].aliases, [*alias]);
            let v = serde_json::to_value(r.to_json()).unwrap();
            assert_eq!(v["matches"][0]["signature"], *id);
            assert_eq!(v["matches"][0]["aliases"][0], *alias);
        }
    }
    // The driver phrasing keeps its specific cause.
    let r = scan_str(
        "RuntimeError: The NVIDIA driver on your system is too old (found version 11040).\n",
    );
    assert!(
        find(&r, "torch-driver-too-old")
            .unwrap()
            .cause
            .contains("CUDA 11.4")
    );
}
