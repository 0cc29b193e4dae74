//! The "done when" examples, through the public API.
#![allow(clippy::unwrap_used)]

use cudoctor_kb::{Framework, PlanQuery, QueryError, Spec, Status, kb};

fn spec(s: &str) -> Spec {
    s.parse().unwrap()
}

#[test]
fn tensorflow_2_9_0_requirements() {
    let r = kb().requirements(&spec("tensorflow==2.9.0")).unwrap();
    assert_eq!(r.framework, Framework::TensorFlow);
    assert_eq!(r.version, "2.9.0");
    assert_eq!(r.variants.len(), 1);
    let v = &r.variants[0];
    assert_eq!(v.name, "default");
    assert_eq!(v.cuda.as_deref(), Some("11.2"));
    assert_eq!(v.cudnn.as_deref(), Some("8.1"));
    assert_eq!(v.driver_min.as_deref(), Some("460.27.03"));
    assert_eq!(v.driver_min_compat.as_deref(), Some("450.80.02"));
    assert_eq!(v.python, ["3.7", "3.8", "3.9", "3.10"]);
    // build_info.py lists `compute_80`; by TensorFlow's convention that is sm_80 SASS plus
    // compute_80 PTX (the 2.9.0 wheel carries both: the [[wheel]] row and its data test).
    assert_eq!(
        v.compute_capabilities,
        [
            "sm_35",
            "sm_50",
            "sm_60",
            "sm_70",
            "sm_75",
            "sm_80",
            "compute_80"
        ]
    );
    assert_eq!(
        v.build_compute_capabilities,
        ["sm_35", "sm_50", "sm_60", "sm_70", "sm_75", "compute_80"]
    );
    assert_eq!(
        v.images,
        [
            "tensorflow/tensorflow:2.9.0-gpu",
            "tensorflow/tensorflow:2.9.0-gpu-jupyter"
        ]
    );
    assert!(!v.sources.is_empty());
    assert_eq!(
        v.sonames.get("cudart").map(String::as_str),
        Some("libcudart.so.11.0")
    );
    assert_eq!(
        v.sonames.get("cudnn").map(String::as_str),
        Some("libcudnn.so.8")
    );
    assert_eq!(
        v.sonames.get("cublasLt").map(String::as_str),
        Some("libcublasLt.so.11")
    );

    // The JSON contract's field names.
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["framework"], "tensorflow");
    assert_eq!(json["variants"][0]["driver_min_compat"], "450.80.02");
    for field in [
        "name",
        "cuda",
        "cudnn",
        "driver_min",
        "driver_min_compat",
        "python",
        "compute_capabilities",
        "images",
        "sources",
    ] {
        assert!(json["variants"][0].get(field).is_some(), "missing {field}");
    }
}

#[test]
fn series_and_alias_specs() {
    let a = kb().requirements(&spec("tensorflow==2.9")).unwrap();
    let b = kb().requirements(&spec("tf==2.9")).unwrap();
    assert_eq!(a.version, "2.9.0");
    assert_eq!(b.variants[0].cuda, a.variants[0].cuda);
    // A later patch of a listed series is the same configuration.
    let c = kb().requirements(&spec("tensorflow==2.9.3")).unwrap();
    assert_eq!(c.version, "2.9.3");
    assert_eq!(c.variants[0].cuda.as_deref(), Some("11.2"));
    // 2.16.0 was never released; the table lists 2.16.1.
    assert!(kb().requirements(&spec("tensorflow==2.16.0")).is_err());
    assert_eq!(
        kb().requirements(&spec("tensorflow==2.16"))
            .unwrap()
            .version,
        "2.16.1"
    );
}

#[test]
fn cuda_10_has_null_compat_driver() {
    let r = kb().requirements(&spec("tensorflow==2.3.0")).unwrap();
    assert_eq!(r.variants[0].driver_min.as_deref(), Some("418.39"));
    assert_eq!(r.variants[0].driver_min_compat, None);
    let json = serde_json::to_value(&r).unwrap();
    assert!(json["variants"][0]["driver_min_compat"].is_null());
}

#[test]
fn unknown_tf_archs_stay_unknown() {
    let r = kb().requirements(&spec("tensorflow==2.2.0")).unwrap();
    assert!(r.variants[0].compute_capabilities.is_empty());
    assert!(r.variants[0].unknown.iter().any(|u| u.contains("GPU code")));
}

#[test]
fn torch_variants() {
    let r = kb().requirements(&spec("torch==2.4.1")).unwrap();
    let names: Vec<&str> = r.variants.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(
        names,
        ["cu121", "cu124", "cu118"],
        "PyPI default first, then newest CUDA"
    );
    let one = kb().requirements(&spec("pytorch==2.4.1+cu121")).unwrap();
    assert_eq!(one.variants.len(), 1);
    let v = &one.variants[0];
    assert_eq!(v.cuda.as_deref(), Some("12.1"));
    assert_eq!(v.cudnn.as_deref(), Some("9.1.0.70"));
    assert_eq!(v.pypi_default, Some(true));
    assert_eq!(v.driver_min_compat.as_deref(), Some("525.60.13"));
    assert!(v.compute_capabilities.contains(&"sm_90".to_owned()));
    let e = kb().requirements(&spec("torch==2.4.1+cu999")).unwrap_err();
    assert!(matches!(e, QueryError::UnknownVariant { .. }));
    assert!(e.hint().unwrap().contains("cu121"));
}

#[test]
fn jax_plugin() {
    let r = kb().requirements(&spec("jax==0.4.30")).unwrap();
    assert_eq!(r.variants.len(), 1);
    let v = &r.variants[0];
    assert_eq!(v.name, "cuda12");
    assert_eq!(v.cuda.as_deref(), Some("12.3"));
    assert_eq!(v.driver_min.as_deref(), Some("525.60.13"));
    assert_eq!(v.min_compute_capability.as_deref(), Some("5.2"));
    let r = kb().requirements(&spec("jax[cuda13]==0.8.0")).unwrap();
    assert_eq!(r.variants[0].driver_min.as_deref(), Some("580"));
}

#[test]
fn unknown_version_lists_nearest() {
    let e = kb().requirements(&spec("tensorflow==2.99.0")).unwrap_err();
    let QueryError::UnknownVersion { nearest, .. } = &e else {
        panic!("{e}")
    };
    assert_eq!(nearest, &["2.20.0", "2.21.0"]);
    assert!(e.to_string().contains("`2.99.0`"));
    let e = kb().requirements(&spec("torch==1.5.0")).unwrap_err();
    let QueryError::UnknownVersion { nearest, .. } = &e else {
        panic!("{e}")
    };
    assert_eq!(nearest, &["1.12", "1.13"]);
    assert!(kb().requirements(&spec("jax==0.4.25")).is_err());
}

#[test]
fn plan_driver_470_rtx_3090_python_310() {
    let q = PlanQuery {
        driver: Some("470.82.01".parse().unwrap()),
        gpu_name: Some("RTX 3090".to_owned()),
        python: Some("3.10".parse().unwrap()),
        frameworks: vec![Framework::TensorFlow],
        ..PlanQuery::default()
    };
    let plan = kb().plan(&q).unwrap();
    assert!(plan.constraints.unknown.is_empty());
    assert_eq!(
        plan.constraints.compute_capability.unwrap().to_string(),
        "8.6"
    );
    let tf = &plan.frameworks[0];
    // The 2.12-2.14 wheels carry sm_80 SASS (build_info's compute_80 is SASS and PTX), which an
    // RTX 3090 (8.6) runs as is: no PTX JIT. CUDA 11.8 runs on a 470 driver through CUDA 11.x
    // minor-version compatibility, so 2.14.0 is the newest, with that caveat.
    let newest = &tf.candidates[0];
    assert_eq!(newest.version, "2.14.0", "{newest:?}");
    assert_eq!(newest.status, Status::CompatibleWithCaveats);
    assert!(
        newest
            .caveats
            .iter()
            .any(|c| c.contains("minor-version compatibility")),
        "{newest:?}"
    );
    for v in ["2.12.0", "2.13.0", "2.14.0"] {
        let c = tf.candidates.iter().find(|c| c.version == v).unwrap();
        assert!(
            !c.caveats.iter().any(|c| c.starts_with("PTX JIT")),
            "{v}: the sm_80 SASS runs on 8.6, no PTX JIT caveat: {c:?}"
        );
    }
    for v in [
        "2.15.0", "2.16.1", "2.17.0", "2.18.0", "2.19.0", "2.20.0", "2.21.0",
    ] {
        let x = tf.excluded.iter().find(|e| e.version == v).unwrap();
        assert!(
            x.reasons
                .iter()
                .any(|r| r.contains("needs driver >=") && r.contains("you have 470.82.01")),
            "{x:?}"
        );
    }
    let x = tf.excluded.iter().find(|e| e.version == "2.15.0").unwrap();
    assert!(
        x.reasons[0].starts_with("needs driver >= 525.60.13 for CUDA 12.2; you have 470.82.01")
    );
    // Candidates are newest first.
    let versions: Vec<&str> = tf.candidates.iter().map(|c| c.version.as_str()).collect();
    let mut sorted = tf
        .candidates
        .iter()
        .map(|c| {
            c.version
                .parse::<cudoctor_kb::version::FrameworkVersion>()
                .unwrap()
        })
        .collect::<Vec<_>>();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(
        versions,
        sorted.iter().map(ToString::to_string).collect::<Vec<_>>()
    );
    let json = serde_json::to_value(&plan).unwrap();
    assert_eq!(
        json["frameworks"][0]["candidates"][0]["status"],
        "compatible_with_caveats"
    );
    assert_eq!(json["constraints"]["driver"], "470.82.01");
}

#[test]
fn plan_driver_440_python_37() {
    let q = PlanQuery {
        driver: Some("440.33".parse().unwrap()),
        python: Some("3.7".parse().unwrap()),
        frameworks: vec![Framework::TensorFlow],
        ..PlanQuery::default()
    };
    let plan = kb().plan(&q).unwrap();
    assert_eq!(plan.constraints.unknown, ["compute_capability"]);
    let tf = &plan.frameworks[0];
    assert_eq!(tf.candidates[0].version, "2.3.0");
    // The unknown GPU is a caveat, not "anything goes".
    assert_eq!(tf.candidates[0].status, Status::CompatibleWithCaveats);
    assert!(
        tf.candidates[0]
            .caveats
            .iter()
            .any(|c| c.contains("GPU not given"))
    );
    let x = tf.excluded.iter().find(|e| e.version == "2.4.0").unwrap();
    assert!(
        x.reasons.iter().any(|r| r.contains("you have 440.33")),
        "{x:?}"
    );
}

#[test]
fn plan_tesla_k80_torch() {
    let q = PlanQuery {
        gpu_name: Some("Tesla K80".to_owned()),
        frameworks: vec![Framework::PyTorch],
        ..PlanQuery::default()
    };
    let plan = kb().plan(&q).unwrap();
    assert_eq!(plan.constraints.unknown, ["driver", "python"]);
    let torch = &plan.frameworks[0];
    // Every excluded variant is excluded for the missing sm_37 code: absent from its known
    // code list, or impossible for the nvcc of its CUDA major.
    assert!(!torch.excluded.is_empty());
    for x in &torch.excluded {
        assert!(
            x.reasons
                .iter()
                .any(|r| r.contains("no sm_37 code") || r.contains("carries sm_37 code")),
            "{x:?}"
        );
    }
    let excluded = |v: &str, t: &str| {
        torch
            .excluded
            .iter()
            .any(|x| x.version == v && x.variant == t)
    };
    let offered = |v: &str, t: &str| {
        torch
            .candidates
            .iter()
            .any(|x| x.version == v && x.variant == t)
    };
    assert!(excluded("2.1", "cu121"));
    assert!(offered("2.1", "cu118"), "cu118 builds carry sm_37");
    assert!(offered("1.12", "cu113"));
    assert!(excluded("2.8", "cu126"));
    // 2.6 cu124 (the PyPI wheel's arch flags start at sm_50) is excluded ...
    assert!(excluded("2.6", "cu124"));
    // ... and so are CUDA 12 variants whose arch list is unknown: CUDA 12's nvcc cannot target
    // 3.7 at all (the nvcc_target table), so no CUDA 12 build can carry sm_37 code.
    for (v, t) in [("2.6", "cu126"), ("2.7", "cu128")] {
        let x = torch
            .excluded
            .iter()
            .find(|x| x.version == v && x.variant == t)
            .unwrap_or_else(|| panic!("{v} {t} offered for a K80"));
        assert!(
            x.reasons
                .iter()
                .any(|r| r.contains("CUDA 12.x") && r.contains(">= 5.0") && r.contains("https://")),
            "{x:?}"
        );
    }
    for c in &torch.candidates {
        let cuda = c.cuda.as_deref().unwrap_or("");
        assert!(
            !cuda.starts_with("12.") && !cuda.starts_with("13."),
            "{c:?}"
        );
    }
    // CUDA 11.8 still targets sm_37: a cu118 build with an unknown arch list stays a candidate,
    // with a caveat saying its GPU code is unknown.
    let c = torch
        .candidates
        .iter()
        .find(|x| x.version == "2.7" && x.variant == "cu118")
        .unwrap();
    assert!(
        c.caveats
            .iter()
            .any(|c| c.contains("GPU code") && c.contains("unknown"))
    );
    for c in &torch.candidates {
        assert_eq!(
            c.status,
            Status::CompatibleWithCaveats,
            "driver and Python are unknown"
        );
    }
}

#[test]
fn plan_fully_specified_can_be_plainly_compatible() {
    let q = PlanQuery {
        driver: Some("535.261.03".parse().unwrap()),
        compute_capability: Some("7.5".parse().unwrap()),
        python: Some("3.10".parse().unwrap()),
        frameworks: vec![Framework::TensorFlow, Framework::PyTorch, Framework::Jax],
        ..PlanQuery::default()
    };
    let plan = kb().plan(&q).unwrap();
    let tf = &plan.frameworks[0];
    // TF 2.9 carries sm_75 SASS and CUDA 11.2 needs 460.27.03 <= 535.261.03.
    let c = tf.candidates.iter().find(|c| c.version == "2.9.0").unwrap();
    assert_eq!(c.status, Status::Compatible, "{:?}", c.caveats);
    // An A100 (8.0) runs TF 2.9's sm_80 SASS (build_info's compute_80 is SASS and PTX): no
    // caveat. An H100 (9.0) has no SASS in 2.9 and JIT-compiles the compute_80 PTX: a caveat.
    for (cc, ptx) in [("8.0", false), ("8.6", false), ("9.0", true)] {
        let q = PlanQuery {
            compute_capability: Some(cc.parse().unwrap()),
            ..q.clone()
        };
        let plan = kb().plan(&q).unwrap();
        let c = plan.frameworks[0]
            .candidates
            .iter()
            .find(|c| c.version == "2.9.0")
            .unwrap();
        assert_eq!(
            c.caveats.iter().any(|c| c.starts_with("PTX JIT")),
            ptx,
            "{cc}: {:?}",
            c.caveats
        );
        if !ptx {
            assert_eq!(c.status, Status::Compatible, "{cc}: {:?}", c.caveats);
        }
    }
    let jax = &plan.frameworks[2];
    assert!(jax.candidates.iter().any(|c| c.variant == "cuda12"));
    assert!(
        jax.excluded.iter().any(|c| c.variant == "cuda13"
            && c.reasons.iter().any(|r| r.contains("needs driver >= 580")))
    );
}

#[test]
fn plan_ptx_newer_than_driver_is_excluded() {
    // An H100 (9.0) has no SASS in TF 2.15 (sm_50 ... sm_75, compute_80 = sm_80 + compute_80 PTX;
    // sm_80 SASS does not run on 9.x): it needs the compute_80 PTX, which the CUDA 12.2 build
    // carries at a PTX ISA newer than a 525 driver (CUDA 12.0, PTX ISA 8.0) JIT-compiles, although
    // minor-version compatibility lets that driver run CUDA 12.2.
    let q = PlanQuery {
        driver: Some("525.60.13".parse().unwrap()),
        gpu_name: Some("NVIDIA H100 80GB HBM3".to_owned()),
        python: Some("3.10".parse().unwrap()),
        frameworks: vec![Framework::TensorFlow],
        ..PlanQuery::default()
    };
    let plan = kb().plan(&q).unwrap();
    let x = plan.frameworks[0]
        .excluded
        .iter()
        .find(|e| e.version == "2.15.0")
        .unwrap();
    assert!(
        x.reasons
            .iter()
            .any(|r| r.contains("compute_80 PTX") && r.contains("up to PTX ISA 8.0")),
        "{x:?}"
    );
    // 2.16.1 lists compute_90: sm_90 SASS, which the H100 runs as is.
    let ok = plan.frameworks[0]
        .candidates
        .iter()
        .find(|c| c.version == "2.16.1")
        .unwrap();
    assert!(
        !ok.caveats.iter().any(|c| c.starts_with("PTX JIT")),
        "{ok:?}"
    );
}

#[test]
fn plan_h100_driver_580_tensorflow_has_no_ptx_caveat_from_2_17() {
    // The example: 2.17-2.21 list compute_90, i.e. sm_90 SASS.
    let q = PlanQuery {
        driver: Some("580.65.06".parse().unwrap()),
        gpu_name: Some("H100".to_owned()),
        frameworks: vec![Framework::TensorFlow],
        ..PlanQuery::default()
    };
    let plan = kb().plan(&q).unwrap();
    let tf = &plan.frameworks[0];
    for v in ["2.17.0", "2.18.0", "2.19.0", "2.20.0", "2.21.0"] {
        let c = tf
            .candidates
            .iter()
            .find(|c| c.version == v)
            .unwrap_or_else(|| panic!("{v} is offered: {tf:?}"));
        assert!(
            !c.caveats.iter().any(|c| c.starts_with("PTX JIT")),
            "{v}: {:?}",
            c.caveats
        );
    }
    // A Blackwell GPU (10.0) has no SASS there and JIT-compiles the compute_90 PTX.
    let q = PlanQuery {
        compute_capability: Some("10.0".parse().unwrap()),
        gpu_name: None,
        ..q
    };
    let plan = kb().plan(&q).unwrap();
    let c = plan.frameworks[0]
        .candidates
        .iter()
        .find(|c| c.version == "2.21.0")
        .unwrap();
    assert!(
        c.caveats
            .iter()
            .any(|c| c.starts_with("PTX JIT") && c.contains("compute_90")),
        "{:?}",
        c.caveats
    );
}

#[test]
fn plan_unknown_gpu_is_an_error_with_close_names() {
    let q = PlanQuery {
        gpu_name: Some("RTX 9999".to_owned()),
        ..PlanQuery::default()
    };
    let e = kb().plan(&q).unwrap_err();
    assert!(matches!(e, QueryError::Gpu(_)), "{e:?}");
    let cause = std::error::Error::source(&e).map(ToString::to_string);
    assert!(
        cause.as_deref().is_some_and(|c| c.contains("`RTX 9999`")),
        "{cause:?}"
    );
    let hint = e.hint().expect("close names are offered");
    assert!(hint.contains("RTX"), "{hint}");
}

#[test]
fn cpu_only_package_is_said_so() {
    let r = kb().requirements(&spec("tensorflow-cpu==2.15.0")).unwrap();
    assert_eq!(r.package, "tensorflow-cpu");
    assert!(
        r.notes.iter().any(|n| n.contains("CPU-only")),
        "{:?}",
        r.notes
    );
    let r = kb().requirements(&spec("tensorflow-gpu==1.15.0")).unwrap();
    assert_eq!(r.variants[0].cuda.as_deref(), Some("10.0"));
    assert!(r.variants[0].driver_min_compat.is_none());
}

#[test]
fn plan_without_constraints_lists_them_as_unknown() {
    let plan = kb().plan(&PlanQuery::default()).unwrap();
    assert_eq!(
        plan.constraints.unknown,
        ["driver", "compute_capability", "python"]
    );
    assert_eq!(plan.frameworks.len(), 3);
    for f in &plan.frameworks {
        assert!(
            f.excluded.is_empty(),
            "nothing can be excluded without constraints"
        );
        for c in &f.candidates {
            assert_eq!(c.status, Status::CompatibleWithCaveats);
            assert!(c.caveats.iter().any(|c| c.contains("driver")), "{c:?}");
        }
    }
}

#[test]
fn image_names_are_not_derived_before_the_scheme_applies() {
    let r = kb().requirements(&spec("tensorflow==2.16")).unwrap();
    assert_eq!(
        r.variants[0].images,
        [
            "tensorflow/tensorflow:2.16.1-gpu",
            "tensorflow/tensorflow:2.16.1-gpu-jupyter"
        ]
    );
    let r = kb().requirements(&spec("tensorflow-gpu==1.14.0")).unwrap();
    assert!(r.variants[0].images.is_empty());
    assert!(r.variants[0].unknown.iter().any(|u| u.contains("image")));
}

#[test]
fn plan_driver_470_turing_gets_2_14_through_minor_version_compat() {
    // A T4 (7.5) runs the sm_75 SASS of TF 2.14: no PTX JIT, so the 470 driver runs CUDA 11.8
    // through minor-version compatibility, with the named caveats.
    let q = PlanQuery {
        driver: Some("470.82.01".parse().unwrap()),
        gpu_name: Some("Tesla T4".to_owned()),
        python: Some("3.10".parse().unwrap()),
        frameworks: vec![Framework::TensorFlow],
        ..PlanQuery::default()
    };
    let plan = kb().plan(&q).unwrap();
    let tf = &plan.frameworks[0];
    let newest = &tf.candidates[0];
    assert_eq!(newest.version, "2.14.0", "{newest:?}");
    assert_eq!(newest.cuda.as_deref(), Some("11.8"));
    assert_eq!(newest.status, Status::CompatibleWithCaveats);
    assert_eq!(newest.caveats.len(), 1, "{:?}", newest.caveats);
    let caveat = &newest.caveats[0];
    assert!(caveat.contains("minor-version compatibility"), "{caveat}");
    assert!(
        caveat.contains("no JIT of PTX newer than the driver's"),
        "{caveat}"
    );
    assert!(
        caveat.contains("features that need the newer driver (>= 520.61.05)"),
        "{caveat}"
    );
    let x = tf.excluded.iter().find(|e| e.version == "2.15.0").unwrap();
    assert!(
        x.reasons[0].starts_with("needs driver >= 525.60.13 for CUDA 12.2; you have 470.82.01")
    );
}

#[test]
fn newest_torch_pypi_defaults_read_from_the_wheels() {
    let r = kb().requirements(&spec("torch==2.14.0")).unwrap();
    assert_eq!(r.variants[0].name, "cu130", "PyPI default first");
    assert_eq!(r.variants[0].pypi_default, Some(true));
    let r = kb().requirements(&spec("torch==2.15.0")).unwrap();
    let v = &r.variants[0];
    assert_eq!(
        (v.name.as_str(), v.cuda.as_deref()),
        ("cu132", Some("13.2"))
    );
    assert_eq!(v.cudnn.as_deref(), Some("9.26.0.51"));
    assert_eq!(v.driver_min_compat.as_deref(), Some("580"));
    assert_eq!(v.python.first().map(String::as_str), Some("3.11"));
}

#[test]
fn nvcc_targets_bound_what_a_cuda_major_can_run_on() {
    let kb = kb();
    let cc = |s: &str| {
        s.parse::<cudoctor_kb::version::ComputeCapability>()
            .unwrap()
    };
    let cuda = |s: &str| s.parse::<cudoctor_kb::version::CudaVersion>().unwrap();
    // Kepler 3.7: CUDA 11.8 still targets it; CUDA 12.0 (and every 12.x) does not.
    assert!(kb.nvcc_cannot_target(cuda("11.8"), cc("3.7")).is_none());
    assert!(kb.nvcc_cannot_target(cuda("11.0"), cc("3.5")).is_none());
    assert!(kb.nvcc_cannot_target(cuda("11.0"), cc("3.0")).is_some());
    let row = kb.nvcc_cannot_target(cuda("12.0"), cc("3.7")).unwrap();
    assert_eq!(row.major, 12);
    assert!(row.source.contains("https://"));
    assert!(kb.nvcc_cannot_target(cuda("12.8.1"), cc("3.5")).is_some());
    // The boundary itself is targetable.
    assert!(kb.nvcc_cannot_target(cuda("12.4"), cc("5.0")).is_none());
    assert!(kb.nvcc_cannot_target(cuda("13.0"), cc("7.5")).is_none());
    // CUDA 13 dropped Maxwell, Pascal and Volta.
    for old in ["5.2", "6.1", "7.0", "7.2"] {
        assert!(
            kb.nvcc_cannot_target(cuda("13.0"), cc(old)).is_some(),
            "{old}"
        );
    }
    // Arch-specific GPUs compare by their plain capability.
    assert!(kb.nvcc_cannot_target(cuda("13.0"), cc("sm_90a")).is_none());
    // A major without a row is unknown: nothing is excluded.
    assert!(kb.nvcc_cannot_target(cuda("10.2"), cc("3.0")).is_none());
    assert!(kb.nvcc_target(cuda("10.2")).is_none());
}

#[test]
fn plan_cc_70_excludes_cuda13_builds_with_unknown_code() {
    let q = PlanQuery {
        compute_capability: Some("7.0".parse().unwrap()),
        frameworks: vec![Framework::PyTorch],
        ..PlanQuery::default()
    };
    let plan = kb().plan(&q).unwrap();
    let torch = &plan.frameworks[0];
    assert!(
        !torch.candidates.is_empty(),
        "a Volta GPU has CUDA 12 builds"
    );
    for c in &torch.candidates {
        assert!(!c.cuda.as_deref().unwrap_or("").starts_with("13."), "{c:?}");
    }
    let cu13: Vec<_> = torch
        .excluded
        .iter()
        .filter(|e| e.variant.starts_with("cu13"))
        .collect();
    assert!(
        !cu13.is_empty(),
        "the CUDA 13 builds are listed as excluded"
    );
    for e in cu13 {
        assert!(
            e.reasons.iter().any(|r| r.contains("7.0")),
            "{e:?}: the reason names the GPU's capability"
        );
    }
}
