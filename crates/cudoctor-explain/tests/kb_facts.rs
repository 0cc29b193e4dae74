//! Causes computed with the knowledge base, on real excerpts of the corpus (`tests/corpus/`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::Path;

use cudoctor_explain::{Fact, Lang, Match, kb::facts_for, scan};

/// The pasted lines of a corpus excerpt (after its `---` header line).
fn excerpt(file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    text.split_once("\n---\n").unwrap().1.to_string()
}

fn matched(file: &str, signature: &str) -> Match {
    let report = scan(Cursor::new(excerpt(file).into_bytes())).unwrap();
    let found: Vec<String> = report.matches.iter().map(|m| m.signature.clone()).collect();
    report
        .matches
        .into_iter()
        .find(|m| m.signature == signature)
        .unwrap_or_else(|| panic!("{file}: no {signature} match (got {found:?})"))
}

fn fact<'a>(m: &'a Match, kind: &str) -> &'a Fact {
    m.facts
        .iter()
        .find(|f| f.kind == kind)
        .unwrap_or_else(|| panic!("{}: no `{kind}` fact in {:#?}", m.signature, m.facts))
}

fn dump(m: &Match) {
    println!("{}: {}\n  fix: {:?}", m.signature, m.cause, m.fix);
    println!("  zh: {}\n  fix_zh: {:?}", m.cause_zh, m.fix_zh);
}

fn every_fact_cites_a_source(m: &Match) {
    assert!(!m.facts.is_empty(), "{}: no facts", m.signature);
    for f in &m.facts {
        assert!(
            f.source.contains("https://"),
            "{}: fact `{}` cites no URL: {:?}",
            m.signature,
            f.kind,
            f.source
        );
        assert!(
            m.cause.contains(&f.text),
            "{}: the cause lacks `{}`",
            m.signature,
            f.text
        );
        assert!(
            !f.text_zh.is_empty(),
            "{}: fact `{}` has no Chinese",
            m.signature,
            f.kind
        );
        assert!(
            m.cause_in(Lang::Zh).contains(&f.text_zh),
            "{}: the Chinese cause lacks `{}`",
            m.signature,
            f.text_zh
        );
    }
}

#[test]
fn libcublas_10_0_means_cuda_10_0_and_tf_1_13_to_2_0() {
    // ImportError: libcublas.so.10.0: cannot open shared object file (TF 1.x on a Jetson Nano).
    let m = matched(
        "tf1-import-libcublas-10.0-jetson.log",
        "cuda-library-import-error",
    );
    dump(&m);
    every_fact_cites_a_source(&m);
    let f = fact(&m, "soname_cuda_release");
    assert_eq!(f.value, "10.0");
    assert!(
        f.text.contains("1.13.1, 1.14.0, 1.15.0, 2.0.0"),
        "{}",
        f.text
    );
    assert!(f.source.contains("tensorflow/docs"), "{}", f.source);
    assert!(
        m.fix
            .iter()
            .any(|s| s.starts_with("Install CUDA 10.0 (it provides libcublas.so.10.0)")),
        "{:?}",
        m.fix
    );
    // No TensorFlow soname row lists this name: no soname row is claimed.
    assert!(m.facts.iter().all(|f| f.kind != "soname_tf_releases"));
}

#[test]
fn libcudart_11_0_names_the_tf_series_of_the_soname_rows() {
    let m = matched("tf-libcudart-11.0-dreamtalk.log", "tf-libcudart-missing");
    every_fact_cites_a_source(&m);
    let f = fact(&m, "soname_tf_releases");
    // The kb's soname rows: 2.6-2.10 (observed) and 2.12-2.14 (expected); 2.11 and 2.4-2.5 have
    // no row, so they are not claimed.
    assert_eq!(f.value, "2.6-2.10, 2.12-2.14");
    assert!(f.text.contains("CUDA 11.2, 11.8"), "{}", f.text);
    // Each row says how it knows: seen in logs, or derived from the build's majors.
    assert!(
        f.text.contains("2.6-2.10: seen in TensorFlow logs; 2.12-2.14: derived from the build's CUDA/cuDNN majors"),
        "{}",
        f.text
    );
    // libcudart.so.11.0 is not CUDA 11.0: the old-naming rule must not fire.
    assert!(m.facts.iter().all(|f| f.kind != "soname_cuda_release"));
}

#[test]
fn cudnn_8_sublibrary_names_the_cudnn_8_builds() {
    let m = matched("cudnn-sublib-ops-stt.log", "cudnn-sublibrary-load-failed");
    every_fact_cites_a_source(&m);
    let f = fact(&m, "cudnn_major");
    assert_eq!(f.value, "8");
    // A PyTorch/CTranslate2 signature: the PyTorch builds, not TensorFlow's.
    assert!(
        f.text
            .contains("PyTorch wheels that bundle cuDNN 8 are recorded for"),
        "{}",
        f.text
    );
    assert!(!f.text.contains("TensorFlow"), "{}", f.text);
    // The same soname, for a signature both frameworks print, names TensorFlow's builds too.
    let caps: BTreeMap<String, String> =
        [("library".to_string(), "libcudnn_ops_infer.so.8".to_string())].into();
    let all = facts_for(&caps);
    assert!(
        all[0]
            .text
            .contains("TensorFlow 2.4.0-2.17.0 were built with cuDNN 8"),
        "{all:?}"
    );
}

#[test]
fn facts_stay_within_the_signature_frameworks_and_kb_skip() {
    // xla-ptxas-too-old (JAX/TensorFlow/XLA) skips the wheel facts: a ptxas too old for sm_86
    // is not fixed by a wheel with sm_86 code. The GPU generation is still named.
    let m = matched("xla-ptxas-sm86-serving.log", "xla-ptxas-too-old");
    let kinds: Vec<&str> = m.facts.iter().map(|f| f.kind.as_str()).collect();
    assert_eq!(kinds, ["gpu_architecture"], "{:?}", m.facts);
    // A PyTorch-only signature gets no TensorFlow wheel facts.
    let m = matched("arch-sm86-comboloss.log", "torch-arch-not-compatible");
    assert!(m.facts.iter().all(|f| f.kind != "tf_wheels_with_code"));
    assert_eq!(
        m.fix.len(),
        m.facts
            .iter()
            .filter(|f| f.kind == "torch_wheels_with_code")
            .count()
            + 3
    );
}

#[test]
fn found_version_10010_means_cuda_10_1_and_names_the_drivers_needed() {
    let m = matched(
        "torch-driver-old-10010-nanodet.log",
        "cuda-driver-insufficient",
    );
    dump(&m);
    every_fact_cites_a_source(&m);
    let f = fact(&m, "driver_cuda");
    assert_eq!(f.value, "10.1");
    assert!(
        f.source
            .contains(cudoctor_explain::kb::DRIVER_VERSION_SOURCE)
    );
    assert!(
        f.text.contains("CUDA 10.1's toolkit driver is 418.39"),
        "{}",
        f.text
    );
    let f = fact(&m, "driver_for_cuda");
    assert!(
        f.text.contains("CUDA 10.2 builds need driver >= 440.33"),
        "{}",
        f.text
    );
    assert!(
        f.text.contains("CUDA 12.x build starts from >= 525.60.13"),
        "{}",
        f.text
    );
    assert!(
        m.fix.iter().any(|s| s.contains("CUDA 10.2 >= 440.33")),
        "{:?}",
        m.fix
    );
}

#[test]
fn found_version_11040_means_cuda_11_4() {
    let m = matched(
        "torch-driver-old-11040-fooocus.log",
        "cuda-driver-insufficient",
    );
    every_fact_cites_a_source(&m);
    assert_eq!(fact(&m, "driver_cuda").value, "11.4");
    // A CUDA 11.4 driver (R470) runs every CUDA 11.x build through minor-version
    // compatibility: only CUDA 12 and later need a newer driver, and the builds it runs include
    // the cu118 ones (not only CUDA <= 11.4, which would send the user to PyTorch 1.12).
    let needs = &fact(&m, "driver_for_cuda").value;
    assert!(needs.starts_with("12."), "{needs}");
    assert!(!needs.contains("11.") && !needs.contains("10."), "{needs}");
    let runs = &fact(&m, "torch_builds_for_driver").value;
    assert!(runs.contains("cu118"), "{runs}");
    assert!(!runs.contains("cu12"), "{runs}");
}

#[test]
fn image_cuda_requirement_names_the_driver_of_that_cuda() {
    let m = matched(
        "ctk-require-cuda-12.8-petric2.log",
        "nvidia-container-cli-cuda-requirement",
    );
    every_fact_cites_a_source(&m);
    let f = fact(&m, "required_cuda_driver");
    assert_eq!(f.value, ">= 570.26");
    assert!(
        m.fix
            .iter()
            .any(|s| s.contains("Install host driver >= 570.26"))
    );
}

#[test]
fn sm_86_is_ampere_and_names_wheels_with_code_for_it() {
    let m = matched("arch-sm86-comboloss.log", "torch-arch-not-compatible");
    dump(&m);
    every_fact_cites_a_source(&m);
    assert_eq!(fact(&m, "gpu_architecture").value, "Ampere");
    let torch = fact(&m, "torch_wheels_with_code");
    assert!(torch.text.contains("sm_86"), "{}", torch.text);
    // PyTorch 1.12 cu113 carries sm_86 (its arch list has 8.6); a CUDA 10.2 wheel cannot.
    assert!(torch.value.starts_with("1.12 (cu113"), "{}", torch.value);
    assert!(!torch.value.contains("cu102"), "{}", torch.value);
}

#[test]
fn unknown_sonames_and_values_give_no_invented_claim() {
    let caps = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    };
    for c in [
        // TensorRT: the kb has no soname rows for it.
        caps(&[("library", "libnvinfer.so.7")]),
        caps(&[
            ("requested", "libnvinfer.so.7"),
            ("missing", "libnvinfer.so.7"),
        ]),
        caps(&[("library", "libfoo.so.3")]),
        // CUDA 10.1 named cuBLAS libcublas.so.10: a `.so.10.1` cuBLAS is not claimed.
        caps(&[("library", "libcublas.so.10.1")]),
        // libcudart.so.11.1 is no soname any row lists, and 11.x no longer follows the minor.
        caps(&[("library", "libcudart.so.11.1")]),
        // Not a soname, not a driver version, not a capability.
        caps(&[("library", "libcudnn")]),
        caps(&[("driver_cuda_version", "123")]),
        caps(&[("arch", "sm_x")]),
        caps(&[("cuda", "99.9")]),
    ] {
        assert_eq!(facts_for(&c), Vec::<Fact>::new(), "{c:?}");
    }
}

#[test]
fn languages_parse_and_missing_translations_fall_back_to_english() {
    assert_eq!("zh".parse::<Lang>(), Ok(Lang::Zh));
    assert_eq!("zh-CN".parse::<Lang>(), Ok(Lang::Zh));
    assert_eq!("EN".parse::<Lang>(), Ok(Lang::En));
    assert!("fr".parse::<Lang>().is_err());
    let mut m = matched("tf-libcudart-11.0-dreamtalk.log", "tf-libcudart-missing");
    assert_eq!(m.cause_in(Lang::En), m.cause);
    m.cause_zh.clear();
    m.fix_zh.clear();
    assert_eq!(m.cause_in(Lang::Zh), m.cause);
    assert_eq!(m.fix_in(Lang::Zh), m.fix.as_slice());
}
