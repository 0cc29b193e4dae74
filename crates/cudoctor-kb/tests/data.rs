//! Data tests: every table parses, every row cites a source, tables are sorted without
//! duplicates or overlaps, and every CUDA / cuDNN version a framework row refers to exists.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::collections::HashMap;

use cudoctor_kb::data::Kb;
use cudoctor_kb::kb;

const FILES: &[(&str, &str)] = &[
    ("tensorflow.toml", include_str!("../data/tensorflow.toml")),
    ("cuda.toml", include_str!("../data/cuda.toml")),
    ("cudnn.toml", include_str!("../data/cudnn.toml")),
    ("pytorch.toml", include_str!("../data/pytorch.toml")),
    ("jax.toml", include_str!("../data/jax.toml")),
    ("gpus.toml", include_str!("../data/gpus.toml")),
    (
        "nvidia_cuda_images.toml",
        include_str!("../data/nvidia_cuda_images.toml"),
    ),
    (
        "library_packages.toml",
        include_str!("../data/library_packages.toml"),
    ),
];

#[test]
fn embedded_tables_parse_and_validate() {
    // Sorted, no duplicates, no overlapping ranges: checked by the loader itself.
    Kb::parse_embedded().unwrap();
}

#[test]
fn every_row_cites_a_source_and_files_explain_their_columns() {
    for (name, text) in FILES {
        assert!(
            text.starts_with('#'),
            "{name} must open with a header comment"
        );
        let value: toml::Table = toml::from_str(text).unwrap();
        let mut rows = 0;
        for (table, items) in &value {
            let toml::Value::Array(items) = items else {
                panic!("{name}: `{table}` is not an array of tables")
            };
            for (i, row) in items.iter().enumerate() {
                rows += 1;
                let source = row
                    .get("source")
                    .and_then(toml::Value::as_str)
                    .unwrap_or("");
                assert!(
                    names_a_place(source),
                    "{name}: [[{table}]] row {i} has no usable source: {source:?}"
                );
                assert!(
                    !source.starts_with("NOT READ"),
                    "{name}: [[{table}]] row {i} cites a page that was not read"
                );
            }
        }
        assert!(rows > 0, "{name} has no rows");
    }
}

/// Whether a source names somewhere to read it: a URL, a host path or an `owner/repo` path (at
/// least two named parts joined by `/`, so `n/a` or `TBD` are not sources).
/// A source a reader can open: every ` | `-separated part of it holds an http(s) URL, and none
/// of it is a note on how the value was read ("not fetchable here", "stored copy") instead of
/// where it is published.
fn names_a_place(source: &str) -> bool {
    const NOTES: &[&str] = &[
        "not fetchable",
        "not retrievable",
        "not readable",
        "stored cop",
        "not identified",
        "transcription",
    ];
    !source.trim().is_empty()
        && source.split(" | ").all(|part| {
            part.split_whitespace().any(|w| {
                let w = w.trim_start_matches(|c: char| !c.is_alphanumeric());
                (w.starts_with("https://") || w.starts_with("http://"))
                    && w.split('/').filter(|p| !p.is_empty()).count() >= 2
            })
        })
        && !NOTES.iter().any(|n| source.contains(n))
}

#[test]
fn a_source_must_name_a_place() {
    for good in [
        "https://docs.nvidia.com/cuda/cuda-toolkit-release-notes/index.html",
        "https://github.com/jax-ml/jax/blob/jax-v0.4.26/docs/installation.md (tag jax-v0.4.26) | https://pypi.org/project/jax/",
        "cross-check: https://blog.csdn.net/ytomc/article/details/122805982 (a copy of NVIDIA's table)",
    ] {
        assert!(names_a_place(good), "{good}");
    }
    for bad in [
        "",
        "n/a",
        "N/A",
        "TBD",
        "see above",
        "/",
        "the docs / the notes",
        // Locators and research notes are not places a reader can open.
        "github.com/jax-ml/jax@jax-v0.4.26 (fed7efd73003): docs/installation.md",
        "official nvidia/cuda README (copy in MassGrid/Dockerfile_cuda)",
        "https://docs.nvidia.com/x/y | RELEASE.md (official RELEASE.md not fetchable: repo > 500 MB)",
        "https://developer.nvidia.com/cuda-gpus (stored copy)",
        "https://",
    ] {
        assert!(!names_a_place(bad), "{bad}");
    }
}

#[test]
fn second_hand_rows_state_their_confidence() {
    let kb = kb();
    for r in kb.cuda_releases() {
        assert!(!r.confidence.is_empty(), "CUDA {}", r.version);
        if r.confidence.starts_with("UNCONFIRMED") {
            assert!(
                r.driver_min.is_none(),
                "CUDA {}: an UNCONFIRMED toolkit driver must stay unknown",
                r.version
            );
        }
    }
    for r in kb.torch_variants() {
        if r.confidence.contains("UNCONFIRMED (arch)") {
            assert!(
                r.arch_list.is_none(),
                "PyTorch {} {}: an UNCONFIRMED arch list must stay unknown",
                r.release,
                r.tag
            );
        }
    }
    for r in kb.gpus() {
        assert!(!r.confidence.is_empty(), "{}", r.name);
        if r.confidence.starts_with("UNCONFIRMED") {
            assert!(
                r.cc.is_none(),
                "{}: an UNCONFIRMED capability must stay unknown",
                r.name
            );
        }
    }
    for r in kb.tf_arch_rows() {
        if r.confidence.starts_with("UNCONFIRMED") || r.confidence == "low" {
            assert!(
                r.codes().is_none(),
                "TF {}-{}: unconfirmed archs must stay unknown",
                r.first,
                r.last
            );
        }
    }
}

#[test]
fn framework_rows_refer_to_known_cuda_and_cudnn() {
    let kb = kb();
    let mut missing = Vec::new();
    let mut cuda = |what: String, v: cudoctor_kb::version::CudaVersion| {
        if kb.cuda_release(v).is_none() {
            missing.push(format!("{what}: CUDA {v}"));
        }
    };
    for r in kb.tf_releases() {
        cuda(format!("TensorFlow {}", r.version), r.cuda);
    }
    for r in kb.torch_variants() {
        cuda(format!("PyTorch {} {}", r.release, r.tag), r.cuda);
    }
    for r in kb.jax_plugins() {
        if let Some(c) = r.cuda_built {
            cuda(format!("jax {} {}", r.version, r.variant), c);
        }
        if let Some(c) = r.cuda_min {
            cuda(format!("jax {} {} (min)", r.version, r.variant), c);
        }
    }
    for r in kb.tf_image_rows() {
        if let Some(c) = r.cuda {
            cuda(r.tag.clone(), c);
        }
    }
    for r in kb.cudnn_builds() {
        for c in [r.cuda_min, r.cuda_max].into_iter().flatten() {
            cuda(format!("cuDNN {} {}", r.first, r.family), c);
        }
    }
    let mut cudnn = |what: String, v: cudoctor_kb::version::CudnnVersion| {
        if !kb.cudnn_known(v) {
            missing.push(format!("{what}: cuDNN {v}"));
        }
    };
    for r in kb.tf_releases() {
        cudnn(format!("TensorFlow {}", r.version), r.cudnn);
    }
    for r in kb.torch_variants() {
        if let Some(c) = r.cudnn {
            cudnn(format!("PyTorch {} {}", r.release, r.tag), c);
        }
    }
    for r in kb.jax_plugins() {
        for c in [r.cudnn_built, r.cudnn_min].into_iter().flatten() {
            cudnn(format!("jax {} {}", r.version, r.variant), c);
        }
    }
    for r in kb.tf_image_rows() {
        if let Some(c) = r.cudnn {
            cudnn(r.tag.clone(), c);
        }
    }
    assert!(
        missing.is_empty(),
        "unknown versions referenced:\n{}",
        missing.join("\n")
    );
}

#[test]
fn every_framework_cuda_has_a_ptx_isa_or_is_newer_than_the_table() {
    let kb = kb();
    let newest = kb.ptx_isas().last().unwrap().first_cuda;
    let builds = kb
        .torch_variants()
        .iter()
        .map(|r| (format!("PyTorch {} {}", r.release, r.tag), r.cuda))
        .chain(
            kb.tf_releases()
                .iter()
                .map(|r| (format!("TensorFlow {}", r.version), r.cuda)),
        )
        .chain(kb.jax_plugins().iter().filter_map(|r| {
            r.cuda_built
                .map(|c| (format!("jax {} {}", r.version, r.variant), c))
        }));
    for (what, cuda) in builds {
        let known = kb.ptx_isa_for_cuda(cuda).is_some();
        assert!(
            known || cuda.major_minor() > newest.major_minor(),
            "{what}: CUDA {cuda}"
        );
    }
}

#[test]
fn tables_cover_the_ranges_the_issue_names() {
    let kb = kb();
    let tf: Vec<String> = kb
        .tf_releases()
        .iter()
        .map(|r| r.version.to_string())
        .collect();
    assert_eq!(tf.first().map(String::as_str), Some("1.0.0"));
    assert_eq!(tf.last().map(String::as_str), Some("2.21.0"));
    let cuda = kb.cuda_releases();
    assert_eq!(cuda.first().unwrap().version.major(), 8);
    assert_eq!(cuda.last().unwrap().version.major(), 13);
    let torch = kb.torch_variants();
    assert_eq!(torch.first().unwrap().release.to_string(), "1.12");
    for tag in ["cu113", "cu130"] {
        assert!(torch.iter().any(|v| v.tag == tag), "{tag}");
    }
    for variant in ["cuda12", "cuda13"] {
        assert!(
            kb.jax_plugins().iter().any(|p| p.variant == variant),
            "{variant}"
        );
    }
    for f in [11, 12, 13] {
        assert!(kb.cuda_family(f).is_some(), "CUDA {f}.x family");
    }
    assert!(
        kb.cuda_family(10).is_none(),
        "no minor-version compatibility before CUDA 11"
    );
    assert_eq!(
        kb.cuda_family(11).unwrap().driver_min.to_string(),
        "450.80.02"
    );
    assert_eq!(
        kb.cuda_family(12).unwrap().driver_min.to_string(),
        "525.60.13"
    );
    assert_eq!(kb.cuda_family(13).unwrap().driver_min.to_string(), "580");
    // Exactly one PyPI default per PyTorch release series.
    let mut defaults: HashMap<String, usize> = HashMap::new();
    for v in torch {
        *defaults.entry(v.release.to_string()).or_default() += usize::from(v.pypi_default);
    }
    for (release, n) in defaults {
        assert_eq!(n, 1, "PyTorch {release} has {n} PyPI defaults");
    }
}

#[test]
fn gpu_names_do_not_collide() {
    let kb = kb();
    for row in kb.gpus() {
        let found = kb.gpu_by_name(&row.name).unwrap();
        assert_eq!(found.cc, row.cc, "{} resolves to {}", row.name, found.name);
        for alias in &row.aliases {
            assert_eq!(
                kb.gpu_by_name(alias).unwrap().name,
                row.name,
                "alias {alias}"
            );
        }
    }
}

/// The GPU code measured in an official wheel (`[[wheel]]`) is exactly what its series'
/// `[[archs]]` row gives once TensorFlow's convention is applied (`compute_XY` = sm_XY SASS +
/// compute_XY PTX): the data cannot read `compute_80` as PTX only again without this failing.
#[test]
fn tensorflow_wheels_measured_agree_with_build_info() {
    use cudoctor_kb::version::GpuCode;
    let kb = kb();
    assert!(
        kb.tf_wheels().len() >= 12,
        "the twelve measured wheels (2.3.0 ... 2.21.0) are recorded"
    );
    for w in kb.tf_wheels() {
        let ctx = format!("[[wheel]] {}", w.version);
        assert!(
            w.sass.iter().all(|c| matches!(c, GpuCode::Sass(_)))
                && w.ptx.iter().all(|c| matches!(c, GpuCode::Ptx(_))),
            "{ctx}: sass lists sm_XY, ptx lists compute_XY"
        );
        assert!(!w.sass.is_empty() && !w.libraries.is_empty(), "{ctx}");
        assert_eq!(w.ptx.is_empty(), w.ptx_isa.is_empty(), "{ctx}: PTX ISA");
        assert!(
            w.sha256.len() == 64 && w.sha256.bytes().all(|b| b.is_ascii_hexdigit()),
            "{ctx}: sha256"
        );
        assert!(
            w.source.starts_with("https://files.pythonhosted.org/")
                && w.source.ends_with(&format!("/{}", w.file)),
            "{ctx}: the source is the wheel's URL"
        );
        assert!(
            w.file.starts_with(&format!("tensorflow-{}-", w.version)),
            "{ctx}"
        );
        let archs = kb
            .tf_archs(&w.version)
            .unwrap_or_else(|| panic!("{ctx}: no [[archs]] row"));
        let listed = archs
            .codes()
            .unwrap_or_else(|| panic!("{ctx}: the [[archs]] row says unknown"));
        assert_eq!(
            listed,
            w.codes().as_slice(),
            "{ctx}: build_info {:?} expanded vs measured",
            archs
                .cuda_compute_capabilities
                .as_ref()
                .map(cudoctor_kb::data::TfComputeCapabilities::entries)
        );
    }
}

/// The PTX ISA a TensorFlow release needs comes from its measured wheel, not its CUDA version,
/// where the two differ (2.20: CUDA 12.5.1 would emit 8.5; the wheel carries 8.3).
#[test]
fn tensorflow_ptx_isa_is_measured_where_a_wheel_was_read() {
    use cudoctor_kb::query::PtxIsaProvenance;
    let kb = kb();
    for (v, cuda, isa, measured) in [
        ("2.20.0", "12.5.1", "8.3", true),
        ("2.17.1", "12.3", "8.1", true),
        ("2.9.3", "11.2", "7.2", true),
        ("2.11.0", "11.2", "7.2", false),
    ] {
        let (got, how) = kb
            .tf_ptx_isa(&v.parse().unwrap(), cuda.parse().unwrap())
            .unwrap();
        assert_eq!(got.to_string(), isa, "{v}");
        assert_eq!(
            matches!(how, PtxIsaProvenance::Measured { .. }),
            measured,
            "{v}: {how:?}"
        );
    }
    assert_eq!(
        kb.ptx_isa_for_cuda("12.5".parse().unwrap())
            .unwrap()
            .to_string(),
        "8.5",
        "the derived value differs, which is why the measurement matters"
    );
}

/// A soname row that was not observed says how it was derived, and an observed one does not.
#[test]
fn expected_sonames_say_how_they_were_derived() {
    for r in kb().tf_soname_rows() {
        assert_eq!(
            r.evidence == "expected",
            r.derived.is_some(),
            "TF {}-{}: evidence {} / derived {:?}",
            r.first,
            r.last,
            r.evidence,
            r.derived
        );
    }
}
