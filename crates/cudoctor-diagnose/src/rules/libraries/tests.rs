//! The library rules: library-not-found, library-wrong-version (pip pins included) and
//! cuda-runtime-untested; when each fires, when it stays silent, and that unknown facts never make
//! it fire.
#![allow(clippy::unwrap_used)]

use super::*;
use cudoctor_facts::snapshot::Fact;
use cudoctor_test::scenarios::*;

use crate::diagnose;
use crate::finding::Severity;
use crate::loader::loader_questions;
use crate::rules::testing::{installed, kb, of, sev, spec};
use crate::target::targets_from_snapshot;

#[test]
fn soname_and_requirement_parsing() {
    assert_eq!(
        parse_requirement("nvidia-cudnn-cu12==9.1.0.70; platform_system == \"Linux\""),
        (
            "nvidia-cudnn-cu12".to_owned(),
            "==9.1.0.70".to_owned(),
            "platform_system == \"Linux\"".to_owned()
        )
    );
    assert_eq!(
        parse_requirement("nvidia_cublas_cu12 (>=12.1,<13)").1,
        ">=12.1,<13"
    );
    assert_eq!(parse_requirement("nvidia-nccl-cu12").1, "");
    // A run of separators is one `-` (PEP 503); it was `nvidia--cudnn-cu12`.
    assert_eq!(
        parse_requirement("nvidia__cudnn.cu12>=9").0,
        "nvidia-cudnn-cu12"
    );
    assert!(!pin_applies_on_linux("platform_system == 'Windows'"));
    assert!(version_lt("8.0.5", "8.1.0"));
    assert!(!version_lt("11.8.89", "11.2.152"));
    assert!(version_lt("8.9", "8.9.2.26"));
    // A part that is not a number makes no order (it was read as 0: "8.x" < "8.0.1").
    assert!(!version_lt("8.x", "8.0.1") && !version_lt("8.0.1", "8.x"));
}

#[test]
fn library_not_found_and_unknown() {
    let mut s = healthy_tf29();
    s.libraries
        .retain(|l| l.soname.as_deref() != Some("libcublasLt.so.11"));
    let f = installed(&s);
    let nf = of(&f, "library-not-found");
    assert_eq!(nf.len(), 1);
    assert!(nf[0].title.contains("libcublasLt.so.11"));
    assert!(
        nf[0].fix.iter().any(|x| x.contains("libcublas-11-2")),
        "{:?}",
        nf[0].fix
    );
    assert!(
        nf[0]
            .fix
            .iter()
            .any(|x| x.contains("'nvidia-cublas-cu11'") && !x.contains("cu11>=11")),
        "{:?}",
        nf[0].fix
    );
    // No loader information: silent.
    let t = targets_from_snapshot(kb(), &s);
    assert!(
        of(
            &diagnose(
                kb(),
                &with_unknown_loader(s.clone(), &loader_questions(&t, &s)),
                &t
            )
            .findings,
            "library-not-found"
        )
        .is_empty()
    );
    // The library probe failed: unknown, silent.
    s.probe_errors.push(cudoctor_facts::snapshot::ProbeError {
        collector: "libraries".into(),
        path: None,
        message: "ld.so.cache unreadable".into(),
    });
    assert!(of(&installed(&s), "library-not-found").is_empty());
    // A CPU-only build needs none of them.
    let s = bare_host();
    assert!(of(&spec(&s, "tensorflow-cpu==2.9.0"), "library-not-found").is_empty());
    // The --for spec alone on a bare host: all eight (not libcuda: the driver rules speak).
    let f = spec(&bare_host(), "tensorflow==2.9.0");
    assert!(
        of(&f, "library-not-found")[0]
            .title
            .contains("8 CUDA libraries"),
        "{:?}",
        of(&f, "library-not-found")[0].title
    );
    // No environment is known, so the pip fix says how to put the wheels' libraries on the
    // loader's path under the site-packages of the `python3` that installs them: without it
    // TensorFlow 2.9 never finds them.
    let nf = &of(&f, "library-not-found")[0];
    let pip = nf
        .fix
        .iter()
        .find(|x| x.contains("pip install 'nvidia-"))
        .unwrap_or_else(|| panic!("{:?}", nf.fix));
    for part in [
        "SP=$(python3 -c 'import site; print(site.getsitepackages()[0])'); export LD_LIBRARY_PATH=",
        "$SP/nvidia/cudnn/lib",
        "$SP/nvidia/cuda_runtime/lib",
        "${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}",
    ] {
        assert!(pip.contains(part), "`{part}` not in {pip}");
    }
}

#[test]
fn library_wrong_version() {
    // Major mismatch behind the soname.
    let mut s = healthy_tf29();
    let l = lib_mut(&mut s, "libcufft.so.10");
    l.version.set_value("11.0.8.103".into());
    assert_eq!(
        sev(&installed(&s), "library-wrong-version"),
        Some(Severity::Error)
    );
    // An older cublas first on LD_LIBRARY_PATH hides the newer one in the cache.
    let mut s = with_lib(
        healthy_tf29(),
        "/opt/old",
        "libcublas.so.11",
        "11.2.0.252",
        "ld_library_path",
    );
    s = with_env(s, "LD_LIBRARY_PATH", "/opt/old");
    let f = installed(&s);
    let w = of(&f, "library-wrong-version");
    assert_eq!(w.len(), 1, "{f:#?}");
    assert_eq!(w[0].severity, Severity::Warning);
    assert!(w[0].fix[0].contains("/usr/local/cuda-11.2/lib64"));
    // A newer copy first is not "wrong".
    let mut s = with_lib(
        healthy_tf29(),
        "/opt/new",
        "libcublas.so.11",
        "11.11.3.6",
        "ld_library_path",
    );
    s = with_env(s, "LD_LIBRARY_PATH", "/opt/new");
    assert!(of(&installed(&s), "library-wrong-version").is_empty());
    // Unknown version of the loaded file: silent.
    let mut s = healthy_tf29();
    for l in &mut s.libraries {
        l.version = Fact::Absent;
        l.real_path = Fact::Absent;
    }
    assert!(of(&installed(&s), "library-wrong-version").is_empty());
}

/// A host with driver 550.144.03, an NVIDIA L4 (8.9) and a Python 3.11 environment `/opt/venv`.
fn l4_venv() -> cudoctor_facts::snapshot::Snapshot {
    with_python_env(
        with_gpu(with_driver(bare_host(), "550.144.03"), "NVIDIA L4", "8.9"),
        "/opt/venv",
        "3.11",
    )
}

#[test]
fn pins_missing_or_unsatisfied() {
    let s = l4_venv();
    let s = with_torch(
        s,
        "/opt/venv",
        "2.4.1",
        Some("12.1"),
        &[
            "nvidia-cudnn-cu12==9.1.0.70; platform_system == \"Linux\" and platform_machine == \"x86_64\"",
            "nvidia-cublas-cu12==12.1.3.1; platform_system == \"Linux\" and platform_machine == \"x86_64\"",
            "nvidia-nccl-cu12==2.20.5; platform_system == \"Windows\"",
        ],
    );
    let s = with_package(s, "/opt/venv", "nvidia-cudnn-cu12", "8.9.2.26");
    let f = installed(&s);
    let nf = of(&f, "library-not-found");
    assert_eq!(nf.len(), 1, "{f:#?}");
    assert!(nf[0].title.contains("nvidia-cublas-cu12") && !nf[0].title.contains("nccl"));
    let wv = of(&f, "library-wrong-version");
    assert_eq!(wv.len(), 1, "{f:#?}");
    assert!(wv[0].title.contains("nvidia-cudnn-cu12 8.9.2.26"));
    assert!(wv[0].fix[0].contains("'nvidia-cudnn-cu12==9.1.0.70'"));
}

#[test]
fn cuda_runtime_untested() {
    let mut s = healthy_tf29();
    let l = lib_mut(&mut s, "libcudart.so.11.0");
    l.version.set_value("11.8.89".into());
    let f = installed(&s);
    assert_eq!(sev(&f, "cuda-runtime-untested"), Some(Severity::Warning));
    assert!(of(&f, "cuda-runtime-untested")[0].fix[0].contains("cuda-cudart-11-2"));
    // Older minor: also a warning, explained as missing functions.
    let mut s = healthy_tf29();
    let l = lib_mut(&mut s, "libcudart.so.11.0");
    l.version.set_value("11.0.221".into());
    let f = installed(&s);
    assert!(
        of(&f, "cuda-runtime-untested")[0]
            .explanation
            .contains("older")
    );
    // Same minor, other patch: fine.
    let mut s = healthy_tf29();
    let l = lib_mut(&mut s, "libcudart.so.11.0");
    l.version.set_value("11.2.72".into());
    assert!(of(&installed(&s), "cuda-runtime-untested").is_empty());
}

#[test]
fn cudnn_copied_without_its_soname_link() {
    // `libcudnn.so.8.1.0` copied into a default directory, no `libcudnn.so.8` link, no ldconfig.
    let mut s = healthy_tf29();
    s.libraries
        .retain(|l| l.soname.as_deref() != Some("libcudnn.so.8"));
    s.libraries.push(cudoctor_facts::snapshot::Library {
        family: cudoctor_facts::snapshot::LibraryFamily::Cudnn,
        soname: Fact::from_parts(Some("libcudnn.so.8".into()), Some("DT_SONAME".into()), None),
        path: "/usr/lib/x86_64-linux-gnu/libcudnn.so.8.1.0".into(),
        real_path: Fact::value_only("/usr/lib/x86_64-linux-gnu/libcudnn.so.8.1.0".into()),
        version: Fact::value_only("8.1.0".into()),
        found_via: vec!["default_dir".into()],
        ..Default::default()
    });
    let f = installed(&s);
    let nf = of(&f, "library-not-found");
    assert_eq!(nf.len(), 1, "{f:#?}");
    assert!(
        nf[0].fix.iter().any(|x| x.contains(
            "sudo ln -sf libcudnn.so.8.1.0 /usr/lib/x86_64-linux-gnu/libcudnn.so.8 && sudo ldconfig"
        )),
        "{:?}",
        nf[0].fix
    );
    // A default directory needs no LD_LIBRARY_PATH line.
    assert!(
        !nf[0]
            .fix
            .iter()
            .any(|x| x.contains("export LD_LIBRARY_PATH=/usr/lib")),
        "{:?}",
        nf[0].fix
    );
}

#[test]
fn pip_libraries_of_a_pinning_package_are_not_reported_missing() {
    // TF 2.9 (no pins) with a cuDNN wheel in its site-packages: TF 2.9 does not look there.
    let mut s = healthy_tf29();
    s.libraries
        .retain(|l| l.soname.as_deref() != Some("libcudnn.so.8"));
    s = with_lib(
        s,
        "/opt/venv/lib/python3.9/site-packages/nvidia/cudnn/lib",
        "libcudnn.so.8",
        "8.6.0",
        "site_packages",
    );
    // With the loader's answer recorded (TF does not preload: a plain search), an explicit
    // "not found":
    let t = targets_from_snapshot(kb(), &s);
    let cudnn: Vec<_> = loader_questions(&t, &s)
        .into_iter()
        .filter(|q| q.soname == "libcudnn.so.8")
        .collect();
    assert_eq!(cudnn.len(), 1, "{cudnn:?}");
    assert_eq!(
        cudnn[0].preload_environment, None,
        "TF asks as a plain process"
    );
    let answered = with_loader_not_found(s.clone(), &cudnn);
    assert_eq!(
        of(&diagnose(kb(), &answered, &t).findings, "library-not-found").len(),
        1
    );
    // The same release installed with NVIDIA pins (as `tensorflow[and-cuda]` does): unknown.
    s.frameworks[0].requires_nvidia =
        vec!["nvidia-cudnn-cu11==8.6.0.163; extra == \"and-cuda\"".into()];
    let t = targets_from_snapshot(kb(), &s);
    let answered = with_loader_not_found(s.clone(), &cudnn);
    assert!(of(&diagnose(kb(), &answered, &t).findings, "library-not-found").is_empty());
}

#[test]
fn the_soname_a_pinned_wheel_carries() {
    let so = |pin: &str| crate::target::pinned_library(kb(), pin).map(|(p, _)| p.soname);
    for (pin, want) in [
        ("nvidia-cudnn-cu12==9.1.0.70", "libcudnn.so.9"),
        ("nvidia-cudnn-cu11==8.5.0.96", "libcudnn.so.8"),
        ("nvidia-cublas-cu12==12.4.5.8", "libcublas.so.12"),
        ("nvidia-cufft-cu12==11.2.1.3", "libcufft.so.11"),
        ("nvidia-curand-cu12==10.3.5.147", "libcurand.so.10"),
        ("nvidia-cusolver-cu12==11.6.1.9", "libcusolver.so.11"),
        ("nvidia-cusparse-cu12==12.3.1.170", "libcusparse.so.12"),
        ("nvidia-cuda-nvrtc-cu12==12.4.127", "libnvrtc.so.12"),
        ("nvidia-cuda-cupti-cu12==12.4.127", "libcupti.so.12"),
        ("nvidia-nvjitlink-cu12==12.4.127", "libnvJitLink.so.12"),
        ("nvidia-nccl-cu12==2.21.5", "libnccl.so.2"),
        (
            "nvidia_cuda_runtime_cu12==12.4.127 ; platform_system == \"Linux\"",
            "libcudart.so.12",
        ),
        ("nvidia-cufft-cu11==10.9.0.58", "libcufft.so.10"),
    ] {
        assert_eq!(so(pin).as_deref(), Some(want), "{pin}");
    }
    for pin in [
        // CUDA 11 names these by major.minor (libcudart.so.11.0, libnvrtc.so.11.2,
        // libcupti.so.11.7): not the rule, so no name.
        "nvidia-cuda-runtime-cu11==11.7.99",
        "nvidia-cuda-nvrtc-cu11==11.7.99",
        "nvidia-cuda-cupti-cu11==11.7.101",
        // No exact version.
        "nvidia-cublas-cu12>=12.1",
        "nvidia-cublas-cu12==12.*",
        "nvidia-cublas-cu12",
        // A wheel the table does not list; a CUDA major not confirmed.
        "nvidia-nvtx-cu12==12.4.127",
        "nvidia-cublas-cu13==13.0.0.19",
        "nvidia-cublas==13.0.0.19",
    ] {
        assert_eq!(so(pin), None, "{pin}");
    }
}

/// PyTorch 2.5.1 (CUDA 12.4) in /opt/venv whose cuDNN and cuBLAS wheels are not installed.
fn torch_without_its_wheels() -> cudoctor_facts::snapshot::Snapshot {
    let s = l4_venv();
    with_torch(
        s,
        "/opt/venv",
        "2.5.1",
        Some("12.4"),
        &[
            "nvidia-cudnn-cu12==9.1.0.70; platform_system == \"Linux\" and platform_machine == \"x86_64\"",
            "nvidia-cublas-cu12==12.4.5.8; platform_system == \"Linux\" and platform_machine == \"x86_64\"",
            "nvidia-nvtx-cu12==12.4.127; platform_system == \"Linux\" and platform_machine == \"x86_64\"",
            "nvidia-nccl-cu12==2.21.5; platform_system == \"Windows\"",
        ],
    )
}

/// A recorded loader answer: `soname` taken from `dir` through `ld.so.cache`.
fn found_in_cache(
    q: &cudoctor_facts::snapshot::LoaderQuestion,
    dir: &str,
) -> cudoctor_facts::loader::Resolution {
    let path = format!("{dir}/{}", q.soname);
    let taken = cudoctor_facts::loader::Candidate {
        path: path.clone(),
        step: cudoctor_facts::loader::Step::LdSoCache,
        outcome: cudoctor_facts::loader::Outcome::Taken,
        real_path: Some(path),
        detail: None,
    };
    cudoctor_facts::loader::Resolution {
        soname: q.soname.clone(),
        from: None,
        class: 64,
        machine: 62,
        chosen: Some(taken.clone()),
        candidates: vec![taken],
        notes: Vec::new(),
        preload_environment: q.preload_environment.clone(),
    }
}

#[test]
fn missing_wheels_whose_libraries_the_loader_cannot_find_fail_the_import() {
    let s = torch_without_its_wheels();
    let t = targets_from_snapshot(kb(), &s);
    let q = loader_questions(&t, &s);
    // The loader is asked, as PyTorch asks (preloading from its environment), for what the
    // missing wheels carry; nothing for the wheel the table does not list or the Windows pin.
    for so in ["libcudnn.so.9", "libcublas.so.12"] {
        assert!(
            q.iter()
                .any(|x| x.soname == so && x.preload_environment.as_deref() == Some("/opt/venv")),
            "{so}: {q:?}"
        );
    }
    assert!(!q.iter().any(|x| x.soname.starts_with("libnccl")), "{q:?}");
    let d = diagnose(kb(), &with_loader_not_found(s.clone(), &q), &t);
    let nf = of(&d.findings, "library-not-found");
    assert_eq!(nf.len(), 1, "{:#?}", d.findings);
    assert_eq!(nf[0].severity, Severity::Error);
    assert!(
        nf[0].title.contains("will fail to import")
            && nf[0].title.contains("libcudnn.so.9, libcublas.so.12")
            && nf[0]
                .title
                .contains("nvidia-cudnn-cu12, nvidia-cublas-cu12"),
        "{}",
        nf[0].title
    );
    assert!(
        nf[0]
            .evidence
            .iter()
            .any(|e| e.fact == "dlopen(\"libcudnn.so.9\")"
                && e.value.starts_with("no file the loader would take")),
        "{:#?}",
        nf[0].evidence
    );
    assert!(
        nf[0].fix[0].contains(
            "`pip install 'nvidia-cudnn-cu12==9.1.0.70' 'nvidia-cublas-cu12==12.4.5.8' 'nvidia-nvtx-cu12==12.4.127'` (into /opt/venv)"
        ),
        "{:?}",
        nf[0].fix
    );
    assert!(nf[0].fix[1].contains("pip install --force-reinstall 'torch==2.5.1'"));
    assert_eq!(d.status, crate::Status::Error);
    assert!(d.l10n_mismatches().is_empty(), "{:?}", d.l10n_mismatches());
    let zh = nf[0].localized_title(cudoctor_i18n::Lang::Zh);
    assert!(
        zh.contains("将无法导入") && zh.contains("libcudnn.so.9, libcublas.so.12"),
        "{zh}"
    );
    assert!(
        nf[0]
            .localized_explanation(cudoctor_i18n::Lang::Zh)
            .contains("import torch")
    );
    // Without recorded answers, the snapshot's library list says the same (no copy anywhere).
    assert_eq!(
        sev(&installed(&s), "library-not-found"),
        Some(Severity::Error)
    );
}

/// PyTorch 2.5.1 in /opt/venv whose cuSOLVER and NVRTC wheels are not installed (every other
/// wheel of the table it pins is), and, with `cudnn`, its cuDNN wheel too.
fn torch_without_first_use_wheels(cudnn: bool) -> cudoctor_facts::snapshot::Snapshot {
    let linux = "; platform_system == \"Linux\" and platform_machine == \"x86_64\"";
    let pins = [
        ("nvidia-cuda-nvrtc-cu12", "12.4.127"),
        ("nvidia-cuda-runtime-cu12", "12.4.127"),
        ("nvidia-cudnn-cu12", "9.1.0.70"),
        ("nvidia-cusolver-cu12", "11.6.1.9"),
    ];
    let requires: Vec<String> = pins
        .iter()
        .map(|(n, v)| format!("{n}=={v}{linux}"))
        .collect();
    let requires: Vec<&str> = requires.iter().map(String::as_str).collect();
    let mut s = with_torch(l4_venv(), "/opt/venv", "2.5.1", Some("12.4"), &requires);
    s = with_package(s, "/opt/venv", "nvidia-cuda-runtime-cu12", "12.4.127");
    if !cudnn {
        s = with_package(s, "/opt/venv", "nvidia-cudnn-cu12", "9.1.0.70");
    }
    s
}

/// The diagnosis of `s`'s installed targets when the loader finds nothing it is asked for.
fn diagnose_nothing_found(s: cudoctor_facts::snapshot::Snapshot) -> crate::Diagnosis {
    let t = targets_from_snapshot(kb(), &s);
    let q = loader_questions(&t, &s);
    diagnose(kb(), &with_loader_not_found(s, &q), &t)
}

/// Measured in the wheels (`data/pytorch.toml`, `[[library_load]]`): `import torch` does not
/// load cuSOLVER or NVRTC, so their missing wheels fail only the calls that open them, and
/// the finding says so, as a warning, not "will fail to import".
#[test]
fn missing_wheels_of_libraries_opened_on_first_use_do_not_fail_the_import() {
    let s = torch_without_first_use_wheels(false);
    let t = targets_from_snapshot(kb(), &s);
    let pinned: Vec<(&str, bool)> = t[0]
        .needs
        .pinned_libraries
        .iter()
        .map(|p| (p.value.soname.as_str(), p.value.at_import))
        .collect();
    assert_eq!(
        pinned,
        [
            ("libnvrtc.so.12", false),
            ("libcudart.so.12", true),
            ("libcudnn.so.9", true),
            ("libcusolver.so.11", false),
        ]
    );
    let q = loader_questions(&t, &s);
    let d = diagnose(kb(), &with_loader_not_found(s.clone(), &q), &t);
    let nf = of(&d.findings, "library-not-found");
    assert_eq!(nf.len(), 1, "{:#?}", d.findings);
    assert_eq!(nf[0].severity, Severity::Warning);
    assert_eq!(
        nf[0].title,
        "PyTorch 2.5.1+cu124 imports, but libnvrtc.so.12, libcusolver.so.11 not found: the calls that \
         open them will fail, and the NVIDIA wheels that carry them are not installed \
         (nvidia-cuda-nvrtc-cu12, nvidia-cusolver-cu12)"
    );
    assert!(
        nf[0]
            .explanation
            .contains("`libcusolver.so.11` on the first decomposition or solver on a GPU tensor"),
        "{}",
        nf[0].explanation
    );
    assert!(!nf[0].explanation.contains("fails with an `OSError`"));
    assert!(
        nf[0]
            .sources
            .iter()
            .any(|u| u.contains("LinearAlgebraStubs.cpp")),
        "{:?}",
        nf[0].sources
    );
    assert_eq!(d.status, crate::Status::Warning);
    assert!(d.l10n_mismatches().is_empty(), "{:?}", d.l10n_mismatches());
    assert!(
        nf[0]
            .localized_title(cudoctor_i18n::Lang::Zh)
            .contains("可以导入")
    );

    // A missing wheel whose library's loading was not measured (cuSPARSELt, which
    // libtorch_cuda.so 2.8.0 needs at import) leaves the import unknown: no "imports".
    let linux = "; platform_system == \"Linux\" and platform_machine == \"x86_64\"";
    let s = with_torch(
        l4_venv(),
        "/opt/venv",
        "2.5.1",
        Some("12.4"),
        &[
            &format!("nvidia-cusolver-cu12==11.6.1.9{linux}"),
            &format!("nvidia-cusparselt-cu12==0.6.2{linux}"),
        ],
    );
    let d = diagnose_nothing_found(s);
    let nf = of(&d.findings, "library-not-found");
    assert_eq!(nf[0].severity, Severity::Warning);
    assert!(
        nf[0]
            .title
            .contains("requires NVIDIA wheels that are not installed"),
        "{}",
        nf[0].title
    );

    // With the cuDNN wheel missing too, the import fails: the title names what fails it.
    let d = diagnose_nothing_found(torch_without_first_use_wheels(true));
    let nf = of(&d.findings, "library-not-found");
    assert_eq!(nf[0].severity, Severity::Error);
    assert!(
        nf[0].title.starts_with(
            "PyTorch 2.5.1+cu124 will fail to import: libcudnn.so.9 not found, and the NVIDIA wheel \
             that carries it is not installed (nvidia-cudnn-cu12)"
        ),
        "{}",
        nf[0].title
    );
    assert!(
        nf[0]
            .evidence
            .iter()
            .any(|e| e.fact == "dlopen(\"libcusolver.so.11\")"),
        "{:#?}",
        nf[0].evidence
    );
    assert!(d.l10n_mismatches().is_empty(), "{:?}", d.l10n_mismatches());
}

#[test]
fn missing_wheels_with_copies_on_the_loader_path_or_unknown_stay_a_warning() {
    // The cuBLAS wheel is there; the cuDNN one is not, but a libcudnn.so.9 is in ld.so.cache.
    let s = with_package(
        torch_without_its_wheels(),
        "/opt/venv",
        "nvidia-cublas-cu12",
        "12.4.5.8",
    );
    let t = targets_from_snapshot(kb(), &s);
    let q = loader_questions(&t, &s);
    let mut answered = s.clone();
    answered.loader.extend(
        q.iter()
            .map(|x| found_in_cache(x, "/usr/lib/x86_64-linux-gnu")),
    );
    let d = diagnose(kb(), &answered, &t);
    let nf = of(&d.findings, "library-not-found");
    assert_eq!(nf.len(), 1, "{:#?}", d.findings);
    assert_eq!(nf[0].severity, Severity::Warning);
    assert!(
        nf[0]
            .title
            .contains("requires NVIDIA wheels that are not installed")
    );
    assert!(
        nf[0]
            .evidence
            .iter()
            .any(|e| e.fact == "dlopen(\"libcudnn.so.9\")"
                && e.value == "/usr/lib/x86_64-linux-gnu/libcudnn.so.9 (via ld.so.cache)"),
        "{:#?}",
        nf[0].evidence
    );
    assert!(d.l10n_mismatches().is_empty(), "{:?}", d.l10n_mismatches());
    // The same copy seen only in the snapshot's library list.
    let listed = with_lib(
        s.clone(),
        "/usr/lib/x86_64-linux-gnu",
        "libcudnn.so.9",
        "9.1.0",
        "ld_so_cache",
    );
    assert_eq!(
        sev(&installed(&listed), "library-not-found"),
        Some(Severity::Warning)
    );
    // The loader's answer is unknown: a warning, never an error.
    let d = diagnose(kb(), &with_unknown_loader(s.clone(), &q), &t);
    assert_eq!(
        sev(&d.findings, "library-not-found"),
        Some(Severity::Warning)
    );
}

/// The reinstall fix of a PyTorch variant build pastes as written: PyPI has no `+cu118`
/// versions, so the release without its local label and the variant's index.
#[test]
fn the_reinstall_fix_of_a_variant_build_names_its_index() {
    let s = l4_venv();
    let s = with_torch(
        s,
        "/opt/venv",
        "2.4.1+cu118",
        Some("11.8"),
        &[
            "nvidia-cudnn-cu11==9.1.0.70; platform_system == \"Linux\" and platform_machine == \"x86_64\"",
        ],
    );
    let t = targets_from_snapshot(kb(), &s);
    let q = loader_questions(&t, &s);
    let d = diagnose(kb(), &with_loader_not_found(s.clone(), &q), &t);
    let nf = of(&d.findings, "library-not-found");
    assert_eq!(nf.len(), 1, "{:#?}", d.findings);
    let fix = nf[0].fix.join("\n");
    assert!(
        fix.contains(
            "`pip install --force-reinstall 'torch==2.4.1' --index-url https://download.pytorch.org/whl/cu118`"
        ),
        "{fix}"
    );
    assert!(!fix.contains("+cu118'"), "{fix}");
    assert!(d.l10n_mismatches().is_empty(), "{:?}", d.l10n_mismatches());
}
