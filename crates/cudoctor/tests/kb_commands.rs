//! `requirements`, `plan` and `matrix`: answers from the embedded knowledge base, in text,
//! Markdown and JSON, and the bad-input paths (exit 2 with a clear message).
#![allow(clippy::unwrap_used)]

mod common;

use common::{FixtureExt, at, cudoctor_cmd, run, strings};
use serde_json::Value;

fn cmd(args: &[&str]) -> assert_cmd::Command {
    let mut c = cudoctor_cmd();
    c.args(args);
    c
}

fn json(args: &[&str]) -> Value {
    let r = run(&mut cmd(args));
    assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
    assert!(r.stderr.is_empty(), "{args:?}: {}", r.stderr);
    r.json()
}

// ---------------------------------------------------------------- requirements

#[test]
fn requirements_tf_2_9_0_text() {
    cmd_snapshot!(cmd(&["requirements", "tensorflow==2.9.0"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    TensorFlow 2.9.0 (tensorflow)

    variant default
      CUDA                            11.2
      cuDNN                           8.1
      cuDNN accepted                  >=8.1, <9 (TensorFlow accepts the same major with an equal or
                                      newer minor)
      driver                          >= 460.27.03
      driver (minor-version compat.)  >= 450.80.02 (minor-version compatibility: no JIT of PTX newer
                                      than the driver; features that need the newer driver are
                                      unavailable)
      Python                          3.7, 3.8, 3.9, 3.10
      GPU code                        sm_35, sm_50, sm_60, sm_70, sm_75, sm_80, compute_80
      build_info entries              sm_35, sm_50, sm_60, sm_70, sm_75, compute_80 (TensorFlow's
                                      convention: compute_XY = sm_XY SASS + compute_XY PTX)
      PTX ISA                         7.2 (measured in
                                      tensorflow-2.9.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl)
      dlopens                         libcublas.so.11, libcublasLt.so.11, libcuda.so.1,
                                      libcudart.so.11.0, libcudnn.so.8, libcufft.so.10, libcurand.so.10,
                                      libcusolver.so.11, libcusparse.so.11 (observed)
      official images                 tensorflow/tensorflow:2.9.0-gpu,
                                      tensorflow/tensorflow:2.9.0-gpu-jupyter
      sources:
        https://github.com/tensorflow/docs/blob/7c3650212740204359d4ceae481abc79345541be/site/en/install/source.md
          (Tested build configurations > Linux > GPU); https://www.tensorflow.org/install/source#gpu
        https://docs.nvidia.com/cuda/cuda-toolkit-release-notes/index.html#id7 (table 'CUDA Toolkit and
          Corresponding Driver Versions') | cross-check:
          https://blog.csdn.net/ytomc/article/details/122805982 (a copy of NVIDIA's table, 7.0-11.6) |
          minor-version column:
          https://docs.nvidia.com/deploy/cuda-compatibility/minor-version-compatibility.html (Table 1:
          13.x >= 580; 12.x >= 525 and < 580; 11.x >= 450 and < 525; 11.x requires 450.80.02 on Linux) |
          exact 525.60.13: https://github.com/tensorflow/docs/blob/master/site/en/install/pip.md ('>=
          525.60.13 for Linux') and
          https://docs.nvidia.com/deeplearning/cudnn/latest/support-matrix/index.html
        https://docs.nvidia.com/deploy/cuda-compatibility/minor-version-compatibility.html (Table 1:
          13.x >= 580; 12.x >= 525; 11.x >= 450 [1]): 'by upgrading to Tesla Recommended Drivers
          450.80.02 (Linux) / 452.39 (Windows) as indicated, minor version compatibility is possible
          across the CUDA 11.x family'
        https://pypi.org/project/tensorflow/2.4.0/ tensorflow-2.4.0-cp38-cp38-manylinux2010_x86_64.whl
          (sha256 dcd8f2e501a791c9...) tensorflow/python/platform/build_info.py |
          https://pypi.org/project/tensorflow/2.5.0/ tensorflow-2.5.0-cp38-cp38-manylinux2010_x86_64.whl
          (sha256 34ab87aac9093de9...) tensorflow/python/platform/build_info.py |
          https://pypi.org/project/tensorflow/2.6.0/ tensorflow-2.6.0-cp38-cp38-manylinux2010_x86_64.whl
          (sha256 2c9b8c6adc060acf...) tensorflow/python/platform/build_info.py |
          https://pypi.org/project/tensorflow/2.7.0/ tensorflow-2.7.0-cp38-cp38-manylinux2010_x86_64.whl
          (sha256 62db938367757c9f...) tensorflow/python/platform/build_info.py |
          https://pypi.org/project/tensorflow/2.8.0/
          tensorflow-2.8.0-cp310-cp310-manylinux2010_x86_64.whl (sha256 2a520538e77a52fb...)
          tensorflow/python/platform/build_info.py | https://pypi.org/project/tensorflow/2.9.0/
          tensorflow-2.9.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl (sha256
          c93690a4abe2c3d8...) tensorflow/python/platform/build_info.py |
          https://pypi.org/project/tensorflow/2.10.0/
          tensorflow-2.10.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl (sha256
          e129114dc529e63a...) tensorflow/python/platform/build_info.py |
          https://pypi.org/project/tensorflow/2.11.0/
          tensorflow-2.11.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl (sha256
          d973458241c8771b...) tensorflow/python/platform/build_info.py |
          https://pypi.org/project/tensorflow/2.12.0/
          tensorflow-2.12.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl (sha256
          357d9d2851188a8d...) tensorflow/python/platform/build_info.py |
          https://pypi.org/project/tensorflow/2.13.0/
          tensorflow-2.13.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl (sha256
          e8f0b69ee2f80039...) tensorflow/python/platform/build_info.py |
          https://pypi.org/project/tensorflow/2.14.0/
          tensorflow-2.14.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl (sha256
          0c9c1101269efcdb...) tensorflow/python/platform/build_info.py
        https://files.pythonhosted.org/packages/79/97/f2b50104b3a0d75150c71fd94cb1763a46a60b75da503d7ad1ff7cf9088e/tensorflow-2.9.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
        https://github.com/tensorflow/tensorflow/blob/v2.9.0/tensorflow/tools/dockerfiles/dockerfiles/gpu.Dockerfile
          ( ARG UBUNTU_VERSION=20.04, ARG CUDA=11.2, ARG CUDNN=8.1.0.77-1, ARG LIBNVINFER=7.2.2-1)
        https://github.com/tensorflow/tensorflow/blob/v2.9.0/tensorflow/tools/dockerfiles/dockerfiles/gpu-jupyter.Dockerfile
          |
          https://github.com/tensorflow/docs/blob/7c3650212740204359d4ceae481abc79345541be/site/en/install/docker.md
        https://github.com/tensorflow/tensorflow/blob/026389f7f824d140f243c608984ce163eb6f5374/tensorflow/stream_executor/platform/default/dso_loader.cc
          | https://github.com/tensorflow/tensorflow/issues/56413

    ----- stderr -----
    ");
}

#[test]
fn requirements_tf_2_9_0_json_contract() {
    let v = json(&["requirements", "tensorflow==2.9.0", "--format", "json"]);
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["framework"], "tensorflow");
    assert_eq!(v["version"], "2.9.0");
    let variants = v["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 1, "{v:#}");
    let d = &variants[0];
    assert_eq!(d["name"], "default");
    assert_eq!(d["cuda"], "11.2");
    assert_eq!(d["cudnn"], "8.1");
    assert_eq!(d["driver_min"], "460.27.03");
    assert_eq!(d["driver_min_compat"], "450.80.02");
    assert_eq!(strings(&d["python"]), ["3.7", "3.8", "3.9", "3.10"]);
    assert_eq!(
        strings(&d["compute_capabilities"]),
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
        strings(&d["build_compute_capabilities"]),
        ["sm_35", "sm_50", "sm_60", "sm_70", "sm_75", "compute_80"]
    );
    let images = strings(&d["images"]);
    assert!(
        images.contains(&"tensorflow/tensorflow:2.9.0-gpu"),
        "{images:?}"
    );
    let sources = strings(&d["sources"]);
    assert!(!sources.is_empty());
    assert!(
        sources.iter().any(|s| s.contains("tensorflow")),
        "{sources:?}"
    );
}

#[test]
fn requirements_alias_and_markdown_agree_with_json() {
    // `tf` is an alias; the Markdown form carries the same facts.
    let r = run(&mut cmd(&[
        "requirements",
        "tf==2.9.0",
        "--format",
        "markdown",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    for needle in [
        "| CUDA | 11.2 |",
        "| cuDNN | 8.1 |",
        ">= 460.27.03",
        ">= 450.80.02",
        "tensorflow/tensorflow:2.9.0-gpu",
    ] {
        assert!(r.stdout.contains(needle), "no `{needle}` in\n{}", r.stdout);
    }
}

#[test]
fn requirements_tf_series() {
    let v = json(&["requirements", "tf==2.9", "--format", "json"]);
    assert_eq!(v["framework"], "tensorflow");
    // The series resolves to its releases; every one needs CUDA 11.2 / cuDNN 8.1.
    let text = v.to_string();
    assert!(text.contains("2.9"), "{v:#}");
    let variants = v["variants"].as_array().unwrap();
    assert!(!variants.is_empty());
    for var in variants {
        assert_eq!(var["cuda"], "11.2", "{var:#}");
        assert_eq!(var["cudnn"], "8.1", "{var:#}");
    }
    cmd_snapshot!(cmd(&["requirements", "tf==2.9"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    TensorFlow 2.9.0 (tensorflow)

    variant default
      CUDA                            11.2
      cuDNN                           8.1
      cuDNN accepted                  >=8.1, <9 (TensorFlow accepts the same major with an equal or
                                      newer minor)
      driver                          >= 460.27.03
      driver (minor-version compat.)  >= 450.80.02 (minor-version compatibility: no JIT of PTX newer
                                      than the driver; features that need the newer driver are
                                      unavailable)
      Python                          3.7, 3.8, 3.9, 3.10
      GPU code                        sm_35, sm_50, sm_60, sm_70, sm_75, sm_80, compute_80
      build_info entries              sm_35, sm_50, sm_60, sm_70, sm_75, compute_80 (TensorFlow's
                                      convention: compute_XY = sm_XY SASS + compute_XY PTX)
      PTX ISA                         7.2 (measured in
                                      tensorflow-2.9.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl)
      dlopens                         libcublas.so.11, libcublasLt.so.11, libcuda.so.1,
                                      libcudart.so.11.0, libcudnn.so.8, libcufft.so.10, libcurand.so.10,
                                      libcusolver.so.11, libcusparse.so.11 (observed)
      official images                 tensorflow/tensorflow:2.9.0-gpu,
                                      tensorflow/tensorflow:2.9.0-gpu-jupyter
      sources:
        https://github.com/tensorflow/docs/blob/7c3650212740204359d4ceae481abc79345541be/site/en/install/source.md
          (Tested build configurations > Linux > GPU); https://www.tensorflow.org/install/source#gpu
        https://docs.nvidia.com/cuda/cuda-toolkit-release-notes/index.html#id7 (table 'CUDA Toolkit and
          Corresponding Driver Versions') | cross-check:
          https://blog.csdn.net/ytomc/article/details/122805982 (a copy of NVIDIA's table, 7.0-11.6) |
          minor-version column:
          https://docs.nvidia.com/deploy/cuda-compatibility/minor-version-compatibility.html (Table 1:
          13.x >= 580; 12.x >= 525 and < 580; 11.x >= 450 and < 525; 11.x requires 450.80.02 on Linux) |
          exact 525.60.13: https://github.com/tensorflow/docs/blob/master/site/en/install/pip.md ('>=
          525.60.13 for Linux') and
          https://docs.nvidia.com/deeplearning/cudnn/latest/support-matrix/index.html
        https://docs.nvidia.com/deploy/cuda-compatibility/minor-version-compatibility.html (Table 1:
          13.x >= 580; 12.x >= 525; 11.x >= 450 [1]): 'by upgrading to Tesla Recommended Drivers
          450.80.02 (Linux) / 452.39 (Windows) as indicated, minor version compatibility is possible
          across the CUDA 11.x family'
        https://pypi.org/project/tensorflow/2.4.0/ tensorflow-2.4.0-cp38-cp38-manylinux2010_x86_64.whl
          (sha256 dcd8f2e501a791c9...) tensorflow/python/platform/build_info.py |
          https://pypi.org/project/tensorflow/2.5.0/ tensorflow-2.5.0-cp38-cp38-manylinux2010_x86_64.whl
          (sha256 34ab87aac9093de9...) tensorflow/python/platform/build_info.py |
          https://pypi.org/project/tensorflow/2.6.0/ tensorflow-2.6.0-cp38-cp38-manylinux2010_x86_64.whl
          (sha256 2c9b8c6adc060acf...) tensorflow/python/platform/build_info.py |
          https://pypi.org/project/tensorflow/2.7.0/ tensorflow-2.7.0-cp38-cp38-manylinux2010_x86_64.whl
          (sha256 62db938367757c9f...) tensorflow/python/platform/build_info.py |
          https://pypi.org/project/tensorflow/2.8.0/
          tensorflow-2.8.0-cp310-cp310-manylinux2010_x86_64.whl (sha256 2a520538e77a52fb...)
          tensorflow/python/platform/build_info.py | https://pypi.org/project/tensorflow/2.9.0/
          tensorflow-2.9.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl (sha256
          c93690a4abe2c3d8...) tensorflow/python/platform/build_info.py |
          https://pypi.org/project/tensorflow/2.10.0/
          tensorflow-2.10.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl (sha256
          e129114dc529e63a...) tensorflow/python/platform/build_info.py |
          https://pypi.org/project/tensorflow/2.11.0/
          tensorflow-2.11.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl (sha256
          d973458241c8771b...) tensorflow/python/platform/build_info.py |
          https://pypi.org/project/tensorflow/2.12.0/
          tensorflow-2.12.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl (sha256
          357d9d2851188a8d...) tensorflow/python/platform/build_info.py |
          https://pypi.org/project/tensorflow/2.13.0/
          tensorflow-2.13.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl (sha256
          e8f0b69ee2f80039...) tensorflow/python/platform/build_info.py |
          https://pypi.org/project/tensorflow/2.14.0/
          tensorflow-2.14.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl (sha256
          0c9c1101269efcdb...) tensorflow/python/platform/build_info.py
        https://files.pythonhosted.org/packages/79/97/f2b50104b3a0d75150c71fd94cb1763a46a60b75da503d7ad1ff7cf9088e/tensorflow-2.9.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
        https://github.com/tensorflow/tensorflow/blob/v2.9.0/tensorflow/tools/dockerfiles/dockerfiles/gpu.Dockerfile
          ( ARG UBUNTU_VERSION=20.04, ARG CUDA=11.2, ARG CUDNN=8.1.0.77-1, ARG LIBNVINFER=7.2.2-1)
        https://github.com/tensorflow/tensorflow/blob/v2.9.0/tensorflow/tools/dockerfiles/dockerfiles/gpu-jupyter.Dockerfile
          |
          https://github.com/tensorflow/docs/blob/7c3650212740204359d4ceae481abc79345541be/site/en/install/docker.md
        https://github.com/tensorflow/tensorflow/blob/026389f7f824d140f243c608984ce163eb6f5374/tensorflow/stream_executor/platform/default/dso_loader.cc
          | https://github.com/tensorflow/tensorflow/issues/56413

    ----- stderr -----
    ");
}

/// CUDA < 11 has no minor-version compatibility: `driver_min_compat` is null, and the text says why.
#[test]
fn requirements_cuda10_has_no_minor_compat() {
    let v = json(&["requirements", "tensorflow==2.3.0", "--format", "json"]);
    let d = &v["variants"][0];
    assert_eq!(d["cuda"], "10.1");
    assert_eq!(d["cudnn"], "7.6");
    assert_eq!(d["driver_min"], "418.39");
    assert!(d["driver_min_compat"].is_null(), "{d:#}");
    assert_eq!(strings(&d["python"]), ["3.5", "3.6", "3.7", "3.8"]);
    let r = run(&mut cmd(&["requirements", "tensorflow==2.3.0"]));
    assert!(
        r.stdout
            .contains("none (CUDA < 11 has no minor-version compatibility)"),
        "{}",
        r.stdout
    );
}

#[test]
fn requirements_torch_variant() {
    let v = json(&["requirements", "torch==2.4.1+cu121", "--format", "json"]);
    // The probe names the package `torch`; requirements and plan say `pytorch`.
    assert!(
        v["framework"] == "torch" || v["framework"] == "pytorch",
        "{}",
        v["framework"]
    );
    let variants = v["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 1, "{v:#}");
    let d = &variants[0];
    assert_eq!(d["name"], "cu121");
    assert_eq!(d["cuda"], "12.1");
    assert_eq!(d["driver_min_compat"], "525.60.13");
    let ccs = strings(&d["compute_capabilities"]);
    assert!(ccs.contains(&"sm_80") && ccs.contains(&"sm_90"), "{ccs:?}");
    cmd_snapshot!(cmd(&["requirements", "torch==2.4.1+cu121"]), @r#"
    success: true
    exit_code: 0
    ----- stdout -----
    PyTorch 2.4.1 (torch)
    note: PyTorch rows describe the 2.4 release series; every patch release of it ships these variants

    variant cu121 (the PyPI default) [stable]
      CUDA                            12.1
      cuDNN                           9.1.0.70
      driver                          >= 530.30.02
      driver (minor-version compat.)  >= 525.60.13 (minor-version compatibility: no JIT of PTX newer
                                      than the driver; features that need the newer driver are
                                      unavailable)
      Python                          3.8, 3.9, 3.10, 3.11, 3.12
      GPU code                        sm_50, sm_60, sm_70, sm_75, sm_80, sm_86, sm_90
      PTX ISA                         8.1 (derived from CUDA 12.1: the PTX ISA its nvcc emits, not read
                                      from the binaries)
      sources:
        https://github.com/pytorch/builder/blob/4ce1afeb2262/manywheel/build_cuda.sh (branch
          release/2.4) + common/install_cuda.sh |
          https://github.com/pytorch/test-infra/blob/229987ea9c38/tools/scripts/generate_binary_build_matrix.py
          (CURRENT_STABLE_VERSION=2.4.x, release CUDA list) |
          https://github.com/pytorch/pytorch/blob/main/RELEASE.md#release-compatibility-matrix | PyPI
          default: the test-infra file above (1.13-2.5: the "pypi" install variant for Linux; 2.6+:
          STABLE_CUDA_VERSIONS["release"]) and the release's Linux wheel on
          https://pypi.org/project/torch/ (its METADATA pins the nvidia-* libraries of that variant)
        https://docs.nvidia.com/cuda/cuda-toolkit-release-notes/index.html#id7 (table 'CUDA Toolkit and
          Corresponding Driver Versions') | minor-version column:
          https://docs.nvidia.com/deploy/cuda-compatibility/minor-version-compatibility.html (Table 1:
          13.x >= 580; 12.x >= 525 and < 580; 11.x >= 450 and < 525; 11.x requires 450.80.02 on Linux) |
          exact 525.60.13: https://github.com/tensorflow/docs/blob/master/site/en/install/pip.md ('>=
          525.60.13 for Linux') and
          https://docs.nvidia.com/deeplearning/cudnn/latest/support-matrix/index.html
        https://docs.nvidia.com/deploy/cuda-compatibility/minor-version-compatibility.html (Table 1:
          13.x >= 580; 12.x >= 525; 11.x >= 450 [1]) |
          https://docs.nvidia.com/deeplearning/cudnn/latest/support-matrix/index.html ('>=525.60.13' for
          CUDA 12.x) | https://github.com/tensorflow/docs/blob/master/site/en/install/pip.md ('>=
          525.60.13 for Linux')

    ----- stderr -----
    "#);
}

#[test]
fn requirements_torch_all_variants() {
    let v = json(&["requirements", "pytorch==2.4.1", "--format", "json"]);
    let names: Vec<&str> = v["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    for n in ["cu118", "cu121", "cu124"] {
        assert!(names.contains(&n), "{names:?}");
    }
}

#[test]
fn requirements_jax() {
    let v = json(&["requirements", "jax==0.4.30", "--format", "json"]);
    assert_eq!(v["framework"], "jax");
    assert_eq!(v["version"], "0.4.30");
    assert!(!v["variants"].as_array().unwrap().is_empty(), "{v:#}");
    cmd_snapshot!(cmd(&["requirements", "jax==0.4.30"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    JAX 0.4.30 (jax)

    variant cuda12
      CUDA                            12.3
      cuDNN                           9.0
      cuDNN accepted                  >=9.0, <10.0
      driver                          >= 525.60.13
      driver (minor-version compat.)  >= 525.60.13 (minor-version compatibility: no JIT of PTX newer
                                      than the driver; features that need the newer driver are
                                      unavailable)
      Python                          >=3.9
      GPU code                        unknown
      lowest compute capability       5.2
      PTX ISA                         8.3
      note: JAX documents one driver minimum (minor-version compatibility of its CUDA major); the CUDA
            libraries come from pip
      note: works with CUDA >= 12.1 (pip nvidia-* packages)
      sources:
        https://files.pythonhosted.org/packages/65/1c/444f614f974a08a1ed4749c2bc70af341dd59430cc161253d96446361e7f/jax_cuda12_plugin-0.4.30-cp310-cp310-manylinux2014_x86_64.whl
          (sha256 8021452c32d39fcf7f639caea4529b2091bf36b10a3714b02dd3429ab39435e7, METADATA) |
          https://github.com/jax-ml/jax/blob/jax-v0.4.30/docs/installation.md |
          https://github.com/jax-ml/jax/blob/jax-v0.4.30/setup.py |
          https://github.com/jax-ml/jax/blob/jax-v0.4.30/jax_plugins/cuda/plugin_setup.py (tag
          jax-v0.4.30, commit f4158ace9334)

    ----- stderr -----
    ");
}

#[test]
fn requirements_unknown_version_lists_nearest() {
    // 1.16 never existed: its neighbours are stable.
    cmd_snapshot!(cmd(&["requirements", "tensorflow==1.16.0"]), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: cannot answer `requirements tensorflow==1.16.0`
      Caused by: TensorFlow 1.16.0 is unknown: it is not in the embedded knowledge base (newest known: 2.21.0) and the package index did not answer: offline: `https://pypi.org/simple/tensorflow/` is not in the cache `(no cache directory)`

    hint: `cudoctor requirements tensorflow==1.16.0` without --offline (and without CUDOCTOR_OFFLINE) reads its PyPI metadata; nearest known versions: 1.14.0, 1.15.0, 2.0.0, 2.1.0
    ");
    let r = run(&mut cmd(&["requirements", "torch==9.0.0"]));
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty());
    assert!(
        r.stderr.contains("PyTorch 9.0.0 is unknown") && r.stderr.contains("nearest known"),
        "{}",
        r.stderr
    );
}

#[test]
fn requirements_bad_input() {
    cmd_snapshot!(cmd(&["requirements", "tensorflow=2.9"]), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: invalid spec `tensorflow=2.9`: expected NAME==VERSION, e.g. `tensorflow==2.9.0`, `torch==2.4.1+cu121`, `jax==0.4.30`

    hint: write NAME==VERSION, e.g. `tensorflow==2.9.0`, `tf==2.9`, `torch==2.4.1+cu121`, `jax==0.4.30`
    ");
    cmd_snapshot!(cmd(&["requirements", "tensorflow==two"]), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: invalid spec `tensorflow==two`: expected version to start with a number, but no leading ASCII digits were found

    hint: write NAME==VERSION, e.g. `tensorflow==2.9.0`, `tf==2.9`, `torch==2.4.1+cu121`, `jax==0.4.30`
    ");
    cmd_snapshot!(cmd(&["requirements", "mxnet==1.9.1"]), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: invalid spec `mxnet==1.9.1`: unknown framework `mxnet` (known: tensorflow, tf, tensorflow-gpu, tensorflow-cpu, tf-nightly, torch, pytorch, jax, jaxlib)

    hint: write NAME==VERSION, e.g. `tensorflow==2.9.0`, `tf==2.9`, `torch==2.4.1+cu121`, `jax==0.4.30`
    ");
    cmd_snapshot!(cmd(&["requirements"]), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: the following required arguments were not provided:
      <SPEC>

    Usage: cudoctor requirements <SPEC>

    For more information, try '--help'.
    ");
}

// ---------------------------------------------------------------- plan

/// Snapshot of a plan's text up to its "excluded" section.
macro_rules! plan_head_snapshot {
    ($args:expr, @$snapshot:literal) => {{
        let mut r = run(&mut cmd($args));
        if let Some(cut) = r.stdout.find("  excluded (") {
            r.stdout.truncate(cut);
        }
        cmd_snapshot!(@run r, @$snapshot);
    }};
}

fn framework<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["frameworks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["framework"] == name || (name == "torch" && f["framework"] == "pytorch"))
        .unwrap_or_else(|| panic!("no framework {name} in {v:#}"))
}

fn excluded_reasons(fw: &Value, version: &str) -> String {
    let e = fw["excluded"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["version"] == version)
        .unwrap_or_else(|| panic!("{version} not excluded: {fw:#}"));
    strings(&e["reasons"]).join("\n")
}

fn versions(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|c| c["version"].as_str().unwrap())
        .collect()
}

/// Issue 2's example, as the wheels measure it: TF 2.12-2.14's build_info lists `compute_80`,
/// which by TensorFlow's convention is sm_80 SASS plus compute_80 PTX (the 2.14.0 wheel carries
/// both: the kb's [[wheel]] row). An RTX 3090 (8.6) runs the sm_80 SASS as is, so 2.14.0 (CUDA
/// 11.8) is the newest, through CUDA 11.x minor-version compatibility on driver 470.
#[test]
fn plan_rtx3090_driver_470() {
    let args = [
        "plan",
        "--no-probe",
        "--driver",
        "470.82.01",
        "--gpu",
        "RTX 3090",
        "--python",
        "3.10",
        "--framework",
        "tensorflow",
    ];
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    let v = json(&a);
    assert_eq!(v["schema_version"], 1);
    assert_eq!(at(&v, "/constraints/driver"), "470.82.01");
    assert_eq!(at(&v, "/constraints/compute_capability"), "8.6");
    assert_eq!(at(&v, "/constraints/python"), "3.10");
    let tf = framework(&v, "tensorflow");
    assert_eq!(
        versions(&tf["candidates"]),
        [
            "2.14.0", "2.13.0", "2.12.0", "2.11.0", "2.10.0", "2.9.0", "2.8.0"
        ],
        "newest first, Python 3.10 from 2.8 on"
    );
    for c in tf["candidates"].as_array().unwrap() {
        let caveats = strings(&c["caveats"]).join("\n");
        assert!(
            !caveats.contains("PTX JIT"),
            "sm_80 SASS runs on 8.6: {caveats}"
        );
        if c["cuda"] == "11.8" {
            assert_eq!(c["status"], "compatible_with_caveats", "{c:#}");
            assert!(
                caveats.contains("minor-version compatibility") && caveats.contains("470.82.01"),
                "{caveats}"
            );
        } else {
            assert_eq!(c["status"], "compatible", "{c:#}");
        }
    }
    for new in ["2.15.0", "2.16.1", "2.17.0"] {
        let r = excluded_reasons(tf, new);
        assert!(
            r.contains("needs driver >= 525.60.13") && r.contains("you have 470.82.01"),
            "{new}: {r}"
        );
    }
    assert!(excluded_reasons(tf, "2.7.0").contains("you have 3.10"));
    // The candidates (old releases: stable); the excluded list grows with the tables and is
    // checked through the JSON above.
    plan_head_snapshot!(&args, @"
    success: true
    exit_code: 0
    ----- stdout -----
    Constraints: driver 470.82.01, GPU GeForce RTX 3090 (compute capability 8.6), Python 3.10

    TensorFlow
      Use: 2.11.0 (CUDA 11.2, cuDNN 8.1): compatible
          why: the newest release that fits with no caveats
      also compatible (3): 2.10.0, 2.9.0, 2.8.0
      with caveats (3): 2.14.0, 2.13.0, 2.12.0

    ----- stderr -----
    ");
}

/// The minor-version-compatibility path: a T4 (7.5) has SASS in every 2.x wheel, so 2.14 (CUDA
/// 11.8) runs on driver 470 with the caveat; 2.15+ (CUDA 12) is excluded for the driver.
#[test]
fn plan_t4_driver_470() {
    let v = json(&[
        "plan",
        "--no-probe",
        "--driver",
        "470.82.01",
        "--gpu",
        "Tesla T4",
        "--python",
        "3.10",
        "--framework",
        "tensorflow",
        "--format",
        "json",
    ]);
    assert_eq!(at(&v, "/constraints/compute_capability"), "7.5");
    let tf = framework(&v, "tensorflow");
    let newest = &tf["candidates"][0];
    assert_eq!(newest["version"], "2.14.0", "{newest:#}");
    assert_eq!(newest["cuda"], "11.8");
    assert_eq!(newest["status"], "compatible_with_caveats");
    let caveats = strings(&newest["caveats"]).join("\n");
    assert!(
        caveats.contains("minor-version compatibility") && caveats.contains("520.61.05"),
        "{caveats}"
    );
    let r = excluded_reasons(tf, "2.15.0");
    assert!(
        r.contains("needs driver >= 525.60.13 for CUDA 12.2; you have 470.82.01"),
        "{r}"
    );
    // Without a GPU the same releases are offered, and the output says the GPU was not checked.
    let no_gpu = json(&[
        "plan",
        "--no-probe",
        "--driver",
        "470.82.01",
        "--python",
        "3.10",
        "--framework",
        "tensorflow",
        "--format",
        "json",
    ]);
    assert_eq!(
        no_gpu["frameworks"][0]["candidates"][0]["version"],
        "2.14.0"
    );
    assert!(
        strings(&no_gpu["constraints"]["unknown"]).contains(&"compute_capability"),
        "{:#}",
        no_gpu["constraints"]
    );
}

#[test]
fn plan_driver_440_python_37() {
    let args = [
        "plan",
        "--no-probe",
        "--driver",
        "440.33",
        "--python",
        "3.7",
        "--framework",
        "tensorflow",
    ];
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    let v = json(&a);
    let tf = framework(&v, "tensorflow");
    let newest = &tf["candidates"][0];
    assert!(
        newest["version"].as_str().unwrap().starts_with("2.3."),
        "{newest:#}"
    );
    // No candidate needs CUDA 11 (no minor-version compatibility below 450.80.02).
    for c in tf["candidates"].as_array().unwrap() {
        let v = c["version"].as_str().unwrap();
        assert!(!v.starts_with("2.4") && !v.starts_with("2.5"), "{c:#}");
    }
    // The GPU was not given: the output says so.
    assert!(
        v["constraints"]["compute_capability"].is_null(),
        "{:#}",
        v["constraints"]
    );
    // The candidates (old releases: stable); the excluded list grows with the tables and is
    // checked through the JSON above.
    plan_head_snapshot!(&args, @"
    success: true
    exit_code: 0
    ----- stdout -----
    Constraints: driver 440.33, GPU unknown, Python 3.7
    unknown: not given, so not checked: compute_capability

    TensorFlow
      Use: 2.3.0 (CUDA 10.1, cuDNN 7.6): compatible with caveats
          why: no release could be checked without caveats (compute_capability not given): the newest
            release that fits every constraint given
      with caveats (6): 2.2.0, 2.1.0, 2.0.0, 1.15.0, 1.14.0, 1.13.1

    ----- stderr -----
    ");
}

#[test]
fn plan_k80_torch_excludes_without_sm37() {
    let args = [
        "plan",
        "--no-probe",
        "--gpu",
        "Tesla K80",
        "--framework",
        "torch",
    ];
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    let v = json(&a);
    assert_eq!(at(&v, "/constraints/compute_capability"), "3.7");
    let torch = framework(&v, "torch");
    let excluded = torch["excluded"].as_array().unwrap();
    assert!(!excluded.is_empty(), "{torch:#}");
    assert!(
        excluded.iter().any(|e| strings(&e["reasons"])
            .iter()
            .any(|r| r.contains("sm_37") || r.contains("3.7"))),
        "{torch:#}"
    );
    // Wide enough that no reason wraps: the test is about what is said.
    let text = run(cmd(&args).env("COLUMNS", "400"));
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(
        text.stdout.starts_with(
            "Constraints: driver unknown, GPU Tesla K80 (compute capability 3.7), Python unknown\n"
        ),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains(": no kernel image for compute capability 3.7: the wheels carry no sm_37 code and no PTX it can JIT"),
        "{}",
        text.stdout
    );
}

/// Regression test (fixed): for a Tesla K80 (3.7) `plan` offered PyTorch 2.6/2.7 CUDA 12.x variants as
/// `compatible_with_caveats` ("GPU code unknown"), yet CUDA 12.0 removed sm_35/sm_37 from nvcc and
/// Kepler's last driver branch (R470, CUDA 11.4) is below CUDA 12's 525.60.13 minimum: no CUDA 12
/// build can run on a K80.
#[test]
fn plan_k80_never_offers_cuda12() {
    let v = json(&[
        "plan",
        "--no-probe",
        "--gpu",
        "Tesla K80",
        "--framework",
        "torch",
        "--format",
        "json",
    ]);
    for c in framework(&v, "torch")["candidates"].as_array().unwrap() {
        let cuda = c["cuda"].as_str().unwrap_or("");
        assert!(!cuda.starts_with("12."), "offered for a K80: {c:#}");
    }
}

#[test]
fn plan_markdown() {
    let r = run(&mut cmd(&[
        "plan",
        "--no-probe",
        "--driver",
        "470.82.01",
        "--cc",
        "7.5",
        "--python",
        "3.10",
        "--framework",
        "tf",
        "--format",
        "markdown",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("## TensorFlow"), "{}", r.stdout);
    assert!(
        r.stdout.contains("- Use: 2.11.0 (CUDA 11.2"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("```sh\n  pip install tensorflow==2.11.0\n  ```"),
        "{}",
        r.stdout
    );
    // --all lists every candidate, the ones with caveats with them.
    let all = run(&mut cmd(&[
        "plan",
        "--no-probe",
        "--driver",
        "470.82.01",
        "--cc",
        "7.5",
        "--python",
        "3.10",
        "--framework",
        "tf",
        "--format",
        "markdown",
        "--all",
    ]));
    assert!(all.stdout.contains("- 2.14.0 (CUDA 11.8"), "{}", all.stdout);
    assert!(
        all.stdout.contains("minor-version compatibility"),
        "{}",
        all.stdout
    );
}

#[test]
fn plan_bad_input() {
    cmd_snapshot!(cmd(&["plan", "--no-probe", "--gpu", "RTX 3909"]), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: resolving the GPU for `plan`: unknown GPU name `RTX 3909`

    hint: close names: GeForce RTX 3090, GeForce RTX 3050, GeForce RTX 3060, GeForce RTX 3070, GeForce RTX 3080; or give the compute capability (--cc X.Y)
    ");
    cmd_snapshot!(cmd(&["plan", "--no-probe", "--driver", "470.x"]), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: invalid value for `--driver`
      Caused by: invalid NVIDIA driver version `470.x`: component `x` is not a number
    ");
    cmd_snapshot!(cmd(&["plan", "--no-probe", "--python", "three"]), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: invalid value for `--python`
      Caused by: invalid Python version `three`: component `three` is not a number

    hint: write it as `3.10`
    ");
    cmd_snapshot!(cmd(&["plan", "--no-probe", "--framework", "mxnet"]), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: unknown framework `mxnet` (known: tensorflow, tf, tensorflow-gpu, tensorflow-cpu, tf-nightly, torch, pytorch, jax, jaxlib)

    hint: frameworks: tensorflow (tf), torch (pytorch), jax
    ");
    cmd_snapshot!(cmd(&["plan", "--no-probe", "--cc", "8.6", "--gpu", "RTX 3090"]), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: the argument '--cc <X.Y>' cannot be used with '--gpu <NAME>'

    Usage: cudoctor plan --no-probe --cc <X.Y>

    For more information, try '--help'.
    ");
}

// ---------------------------------------------------------------- matrix

const TABLES: &[&str] = &["tensorflow", "torch", "jax", "cuda", "cudnn", "gpus"];

#[test]
fn matrix_every_table_in_every_format() {
    for t in TABLES {
        for format in ["text", "markdown", "json"] {
            let r = run(&mut cmd(&["matrix", t, "--format", format]));
            assert_eq!(r.code, 0, "{t} {format}: {}", r.stderr);
            assert!(r.stderr.is_empty(), "{t} {format}: {}", r.stderr);
            assert!(r.stdout.lines().count() > 5, "{t} {format}:\n{}", r.stdout);
            match format {
                "markdown" => {
                    assert!(r.stdout.starts_with("## "), "{t}:\n{}", r.stdout);
                    assert!(r.stdout.contains("|---"), "{t}:\n{}", r.stdout);
                    assert!(r.stdout.contains("Sources:"), "{t}");
                }
                "text" => assert!(r.stdout.contains("sources:"), "{t}"),
                _ => {
                    let v = r.json();
                    assert_eq!(v["schema_version"], 1);
                    for table in v["tables"].as_array().unwrap() {
                        let cols = table["columns"].as_array().unwrap().len();
                        assert!(cols > 1);
                        for row in table["rows"].as_array().unwrap() {
                            assert_eq!(row.as_array().unwrap().len(), cols, "{t}: {row}");
                        }
                        assert!(!table["sources"].as_array().unwrap().is_empty(), "{t}");
                    }
                }
            }
        }
    }
}

/// The row of `table` (JSON) whose first column is `key`, as column -> value.
fn row(v: &Value, title_prefix: &str, key: &str) -> Vec<(String, String)> {
    let table = v["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["title"].as_str().unwrap().starts_with(title_prefix))
        .unwrap_or_else(|| panic!("no table `{title_prefix}` in {v:#}"));
    let cols = strings(&table["columns"]);
    let r = table["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[0] == key)
        .unwrap_or_else(|| panic!("no row `{key}` in {table:#}"));
    cols.iter()
        .zip(r.as_array().unwrap())
        .map(|(c, x)| ((*c).to_owned(), x.as_str().unwrap_or_default().to_owned()))
        .collect()
}

fn cell<'a>(row: &'a [(String, String)], col_contains: &str) -> &'a str {
    &row.iter()
        .find(|(c, _)| c.to_lowercase().contains(col_contains))
        .unwrap_or_else(|| panic!("no column `{col_contains}` in {row:?}"))
        .1
}

#[test]
fn matrix_json_spot_checks() {
    let tf = json(&["matrix", "tensorflow", "--format", "json"]);
    let r = row(&tf, "TensorFlow", "2.9.0");
    assert_eq!(cell(&r, "cuda"), "11.2", "{r:?}");
    assert!(cell(&r, "cudnn").starts_with("8.1"), "{r:?}");
    assert_eq!(cell(&r, "driver (minor"), "450.80.02", "{r:?}");
    assert_eq!(
        cell(&r, "gpu code"),
        "sm_35, sm_50, sm_60, sm_70, sm_75, sm_80, compute_80",
        "{r:?}"
    );

    let cuda = json(&["matrix", "cuda", "--format", "json"]);
    let r = row(&cuda, "CUDA", "11.2.0");
    assert_eq!(cell(&r, "toolkit driver"), "460.27.03", "{r:?}");
    assert_eq!(cell(&r, "minor-version"), "450.80.02", "{r:?}");
    assert_eq!(cell(&r, "ptx isa"), "7.2", "{r:?}");
    let r = row(&cuda, "CUDA", "11.2.1");
    assert_eq!(cell(&r, "toolkit driver"), "460.32.03", "{r:?}");

    let gpus = json(&["matrix", "gpus", "--format", "json"]);
    assert_eq!(cell(&row(&gpus, "GPU", "Tesla K80"), "compute"), "3.7");
    assert_eq!(
        cell(&row(&gpus, "GPU", "GeForce RTX 3090"), "compute"),
        "8.6"
    );
}

#[test]
fn matrix_all_tables_and_unknown() {
    let v = json(&["matrix", "--format", "json"]);
    assert!(
        v["tables"].as_array().unwrap().len() >= TABLES.len(),
        "{v:#}"
    );
    cmd_snapshot!(cmd(&["matrix", "cheese"]), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: unknown table `cheese`

    hint: tables: tensorflow, torch, jax, cuda, cudnn, gpus
    ");
}

/// Every table `cudoctor matrix --help` names answers (it once advertised `images`, which did
/// not exist).
#[test]
fn matrix_tables_named_in_help_exist() {
    let help = run(&mut cmd(&["matrix", "--help"]));
    let line = help
        .stdout
        .lines()
        .find(|l| l.contains("Only this table:"))
        .expect("the TABLE argument's help");
    let list = line.split("Only this table:").nth(1).unwrap();
    let list = list.split(". Default").next().unwrap();
    let names: Vec<&str> = list.split(',').map(str::trim).collect();
    assert!(names.len() >= 6, "{names:?}");
    for name in names {
        let r = run(&mut cmd(&["matrix", name]));
        assert_eq!(
            r.code, 0,
            "`matrix {name}` is advertised by --help but fails: {}",
            r.stderr
        );
    }
}

/// The text plan shows the excluded releases just above the newest fit (what the user would try
/// next and why it fails), not merely the newest releases.
#[test]
fn plan_text_shows_the_exclusions_nearest_the_newest_fit() {
    let r = run(&mut cmd(&[
        "plan",
        "--no-probe",
        "--driver",
        "470.82.01",
        "--gpu",
        "RTX 3090",
        "--python",
        "3.10",
        "--framework",
        "tensorflow",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    // One line per exclusion starts with `  x ` (its reasons may wrap onto further lines).
    let excluded: Vec<&str> = r
        .stdout
        .lines()
        .skip_while(|l| !l.contains("excluded ("))
        .filter(|l| l.starts_with("  x "))
        .collect();
    assert_eq!(excluded.len(), 3, "{}", r.stdout);
    // The newest fit is 2.14.0; the nearest exclusions are the CUDA 12 releases after it.
    assert!(
        excluded[0].starts_with("  x 2.17.0: needs driver >= 525.60.13"),
        "{}",
        r.stdout
    );
    assert!(excluded[2].starts_with("  x 2.15.0:"), "{}", r.stdout);
}

/// Without `--no-probe`, constraints that were not given come from the probed machine (here a
/// fixture root: driver 535.104.05, a Tesla T4, the active venv's Python 3.9), each with a note;
/// a constraint given on the command line wins.
#[test]
fn plan_fills_missing_constraints_from_the_machine() {
    let f = common::tf29_host("535.104.05", "8.1.1");
    let r = f.run(&[
        "plan",
        "--framework",
        "tensorflow",
        "--python",
        "3.8",
        "--format",
        "json",
        "--env",
        "VIRTUAL_ENV=/opt/venv",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    let c = &v["constraints"];
    assert_eq!(c["driver"], "535.104.05", "{c:#}");
    assert_eq!(c["compute_capability"], "7.5", "{c:#}");
    assert_eq!(c["python"], "3.8", "the given --python wins: {c:#}");
    let notes = strings(&c["notes"]);
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("driver 535.104.05 taken from this machine")),
        "{notes:?}"
    );
    assert!(notes.iter().any(|n| n.contains("Tesla T4")), "{notes:?}");
    assert!(!notes.iter().any(|n| n.starts_with("Python")), "{notes:?}");
    // Without --python, the active venv's.
    let r = f.run(&[
        "plan",
        "--framework",
        "tensorflow",
        "--format",
        "json",
        "--env",
        "VIRTUAL_ENV=/opt/venv",
    ]);
    let v = r.json();
    assert_eq!(v["constraints"]["python"], "3.9", "{:#}", v["constraints"]);
    assert!(
        strings(&v["constraints"]["notes"])
            .iter()
            .any(|n| n.contains("/opt/venv") && n.contains("active virtual environment")),
        "{:#}",
        v["constraints"]
    );
    // --no-probe with a source is refused.
    let r = f.run(&["plan", "--no-probe"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

/// Issue 9's "done when": the PyPI default of torch 2.5.x is cu124 (its wheel's METADATA pins
/// nvidia-cuda-runtime-cu12==12.4.127), and JAX 0.12.0.1 answers offline from the embedded data
/// (read from its plugin wheels' METADATA).
#[test]
fn requirements_torch_2_5_1_default_and_jax_0_12_0_1_offline() {
    let v = json(&["requirements", "torch==2.5.1", "--format", "json"]);
    let defaults: Vec<&str> = v["variants"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["pypi_default"] == true)
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(defaults, ["cu124"], "{v:#}");

    let v = json(&[
        "requirements",
        "jax==0.12.0.1",
        "--offline",
        "--format",
        "json",
    ]);
    let names: Vec<&str> = v["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["cuda12", "cuda13"]);
    assert_eq!(v["variants"][1]["cudnn_accepted"], ">=9.12.0, <10.0");
    assert!(
        strings(&v["variants"][0]["sources"])
            .iter()
            .any(|s| s.contains("jax_cuda12_plugin-0.12.0.1-")),
        "{v:#}"
    );
}

/// A compute capability no NVIDIA GPU has is refused with the known ones, for `plan` and `archs`.
#[test]
fn cc_no_gpu_has_is_an_error() {
    for cc in ["99.9", "0.0"] {
        for args in [
            vec!["plan", "--no-probe", "--cc", cc, "--framework", "jax"],
            vec!["archs", "/dev/null", "--cc", cc],
        ] {
            let r = run(&mut cmd(&args));
            assert_eq!(r.code, 2, "{args:?}: {}", r.stdout);
            assert!(
                r.stderr.contains(&format!("compute capability {cc}"))
                    && r.stderr.contains("known compute capabilities: 3.0"),
                "{args:?}: {}",
                r.stderr
            );
        }
    }
    assert_eq!(
        run(&mut cmd(&[
            "plan",
            "--no-probe",
            "--cc",
            "8.6",
            "--framework",
            "jax"
        ]))
        .code,
        0
    );
}

/// A bare framework name is the newest release the embedded data knows, and says which.
#[test]
fn requirements_without_a_version_answer_for_the_newest_release() {
    for (bare, framework) in [
        ("tensorflow", "tensorflow"),
        ("torch", "torch"),
        ("jax", "jax"),
    ] {
        let v = json(&["requirements", bare, "--format", "json"]);
        let version = v["version"]
            .as_str()
            .unwrap_or_else(|| panic!("{bare}: {v:#}"));
        assert!(!version.is_empty(), "{bare}: {v:#}");
        // The same answer as naming that version.
        let named = json(&[
            "requirements",
            &format!("{framework}=={version}"),
            "--format",
            "json",
        ]);
        assert_eq!(v, named, "{bare}");
    }
}

// ---------------------------------------------------------------- output width

/// `cmd` with `COLUMNS=80`: its stdout.
fn text_80(args: &[&str]) -> String {
    let out = cmd(args).env("COLUMNS", "80").output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// With `COLUMNS=80`, no line of `requirements`, `plan` or `matrix` text that could be wrapped is
/// wider than 80 columns: every table, a release of every framework and series, and the plans
/// the issue names (commands and URLs may stand alone wider).
#[test]
fn kb_text_fits_80_columns() {
    for table in ["tensorflow", "torch", "jax", "cuda", "cudnn", "gpus"] {
        common::assert_fits(&text_80(&["matrix", table]), 80, &format!("matrix {table}"));
    }
    common::assert_fits(&text_80(&["matrix"]), 80, "matrix");
    for spec in [
        "tensorflow==1.15.0",
        "tensorflow==2.9.0",
        "tensorflow==2.15.0",
        "tensorflow==2.9",
        "tensorflow",
        "torch==1.13.1",
        "torch==2.5.1",
        "torch",
        "jax==0.4.30",
        "jax",
    ] {
        let text = text_80(&["requirements", spec]);
        common::assert_fits(&text, 80, &format!("requirements {spec}"));
    }
    for args in [
        &[
            "plan",
            "--no-probe",
            "--gpu",
            "RTX 4090",
            "--driver",
            "550.54.15",
            "--framework",
            "torch",
        ][..],
        &["plan", "--no-probe", "--gpu", "Tesla V100"],
        &[
            "plan",
            "--no-probe",
            "--driver",
            "470.82.01",
            "--gpu",
            "RTX 3090",
            "--python",
            "3.10",
        ],
        &["plan", "--no-probe"],
    ] {
        common::assert_fits(&text_80(args), 80, &args.join(" "));
    }
}

/// `--lang zh plan`: the recommendation reads in Chinese ("使用：", why it was chosen, the
/// install label) and the plan still ends in the same command to paste, fits 40 lines and 80
/// columns; the JSON is the English one.
#[test]
fn plan_reads_in_chinese() {
    for &args in PLANS {
        let mut a = vec!["plan", "--no-probe"];
        a.extend(args);
        let en = text_80(&a);
        let mut z = vec!["--lang", "zh"];
        z.extend(&a);
        let zh = text_80(&z);
        assert!(zh.starts_with("约束条件：驱动 "), "{z:?}:\n{zh}");
        assert!(zh.contains("  使用："), "{z:?}:\n{zh}");
        assert!(zh.contains("原因："), "{z:?}:\n{zh}");
        assert!(zh.contains("  安装 "), "{z:?}:\n{zh}");
        assert!(!zh.contains("Use:") && !zh.contains("why:"), "{z:?}:\n{zh}");
        // The same command (and image) to paste, last.
        assert_eq!(zh.lines().last(), en.lines().last(), "{z:?}");
        assert!(zh.lines().count() <= 40, "{z:?}:\n{zh}");
        common::assert_fits(&zh, 80, &format!("{z:?}"));
        let mut j = z.clone();
        j.extend(["--format", "json"]);
        let mut je = a.clone();
        je.extend(["--format", "json"]);
        assert_eq!(json(&j), json(&je), "{z:?}: JSON stays English");
    }
}

/// Plans of one framework each: the issue's and one per framework.
const PLANS: &[&[&str]] = &[
    &[
        "--gpu",
        "RTX 4090",
        "--driver",
        "550.54.15",
        "--framework",
        "torch",
    ],
    &["--gpu", "Tesla V100", "--framework", "torch"],
    &["--gpu", "Tesla V100", "--framework", "tensorflow"],
    &[
        "--driver",
        "470.82.01",
        "--gpu",
        "RTX 3090",
        "--python",
        "3.10",
        "--framework",
        "tensorflow",
    ],
    &[
        "--gpu",
        "H100",
        "--driver",
        "580.65.06",
        "--framework",
        "jax",
        "--python",
        "3.12",
    ],
    &["--gpu", "Tesla K80", "--framework", "torch"],
];

/// Issue 15's "done when": `plan` for one framework fits in 40 lines, starts the framework with
/// "Use:" and ends in a command to paste, the one the JSON `recommendation.install` gives.
#[test]
fn plan_one_framework_fits_40_lines_and_ends_in_the_command() {
    for &args in PLANS {
        let mut a = vec!["plan", "--no-probe"];
        a.extend(args);
        let text = text_80(&a);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines.len() <= 40, "{a:?}: {} lines\n{text}", lines.len());
        let fw_line = lines
            .iter()
            .position(|l| {
                !l.starts_with(' ')
                    && l.chars().next().is_some_and(char::is_uppercase)
                    && !l.contains(':')
            })
            .unwrap();
        let mut j = a.clone();
        j.extend(["--format", "json"]);
        let v = json(&j);
        // Every candidate says how to install it, in argv form; a PyTorch variant PyPI does not
        // serve names its index.
        for c in v["frameworks"][0]["candidates"].as_array().unwrap() {
            assert!(!strings(&c["install"]["pip"]).is_empty(), "{a:?}: {c:#}");
            let prose = c["package"].as_str().unwrap();
            if prose.contains("index https://") {
                assert!(
                    c["install"]["index_url"].is_string()
                        || c["install"]["extra_index_url"].is_string(),
                    "{a:?}: {c:#}"
                );
            }
        }
        let rec = &v["frameworks"][0]["recommendation"];
        let last = lines.last().unwrap().trim();
        if rec.is_null() {
            assert!(text.contains("No recommendation: "), "{a:?}:\n{text}");
            continue;
        }
        assert!(
            lines[fw_line + 1].trim_start().starts_with("Use: "),
            "{a:?}:\n{text}"
        );
        let pip = strings(&rec["install"]["pip"]);
        assert!(text.contains("      pip install "), "{a:?}:\n{text}");
        for arg in &pip {
            assert!(text.contains(arg), "{a:?}: `{arg}` not in\n{text}");
        }
        if let Some(image) = rec["install"]["image"].as_str() {
            assert_eq!(last, format!("docker run --gpus all -it {image}"), "{a:?}");
        } else {
            assert!(last.starts_with("pip install "), "{a:?}: ends in {last:?}");
            if let Some(url) = rec["install"]["index_url"].as_str() {
                assert!(
                    last.ends_with(&format!("--index-url {url}")),
                    "{a:?}: {last}"
                );
            }
        }
    }
}
