//! Every pure parser, fed many kinds of garbage (random bytes, multi-byte UTF-8, truncations of
//! real samples): no panic.
#![allow(clippy::unwrap_used)]

use cudoctor_probe::collect::{container, cudnn, driver, frameworks, libraries, python, toolkit};
use cudoctor_probe::ldcache::parse_ld_so_cache;
use cudoctor_probe::root::Env;

const SAMPLES: &[&str] = &[
    "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  550.144.03  Release Build  (dvs-builder@U16-I3-B03-4-3)  Thu Dec 12 09:34:02 UTC 2024\n",
    "Model: \t\t Tesla T4\nGPU UUID: \t GPU-ad8e9ef0\nBus Location: \t 0000:00:1e.0\n",
    "{\"cuda\" : {\"name\" : \"CUDA SDK\", \"version\" : \"12.2.2\"}}",
    "CUDA Version 10.2.89\n",
    "#define CUDNN_MAJOR 8\n#define CUDNN_MINOR 9\n#define CUDNN_PATCHLEVEL 7\n",
    "build_info = collections.OrderedDict([('cuda_compute_capabilities', ['sm_35', 'compute_80']), ('cuda_version', '11.2'), ('is_cuda_build', True)])\n",
    "__version__ = '2.1.0+cu121'\ncuda: Optional[str] = '12.1'\nhip: Optional[str] = None\n",
    "Metadata-Version: 2.1\nName: torch\nVersion: 2.1.0\nRequires-Dist: nvidia-cudnn-cu12 (==8.9.2.26)\n",
    "home = /usr/bin\nversion_info = 3.12.3.final.0\n",
    "include /etc/ld.so.conf.d/*.conf\n/usr/local/lib\n",
    "{\"runtimes\": {\"nvidia\": {\"path\": \"nvidia-container-runtime\"}}, \"default-runtime\": \"nvidia\"}",
    "nvidia/cu13/lib/libcudart.so.13,sha256=x,1\n\"a,b\",,\n",
];

fn feed(text: &str) {
    let _ = driver::parse_proc_driver_nvidia_version(text);
    let _ = driver::parse_sys_module_version(text);
    let _ = driver::parse_gpu_information(text);
    let _ = toolkit::parse_version_json(text);
    let _ = toolkit::parse_version_txt(text);
    let _ = toolkit::parse_nvcc_release(text.as_bytes());
    let _ = cudnn::parse_cudnn_header(text);
    let _ = frameworks::parse_tf_build_info(text);
    let _ = frameworks::parse_torch_version_py(text);
    let _ = frameworks::cudnn_pin(text);
    let _ = frameworks::py_lookup(text, "cuda_version");
    let _ = python::parse_metadata(text);
    let _ = python::parse_pyvenv_cfg(text);
    let _ = python::parse_dist_info_name(text);
    let _ = python::python_version_from_name(text);
    let _ = python::normalize_name(text);
    let _ = libraries::parse_ld_so_conf(text);
    let _ = libraries::classify(text);
    let _ = libraries::parse_record(text).count();
    let _ = container::parse_daemon_json(text);
    let _ = Env::parse_pair(text);
    let _ = parse_ld_so_cache(text.as_bytes());
}

#[test]
fn truncations_of_real_samples() {
    for s in SAMPLES {
        for (i, _) in s.char_indices() {
            feed(&s[..i]);
            feed(&s[i..]);
        }
    }
}

#[test]
fn random_bytes_and_multibyte_text() {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for round in 0..2000 {
        let len = (round % 200) + 1;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect();
        feed(&String::from_utf8_lossy(&bytes));
        let _ = parse_ld_so_cache(&bytes);
    }
    for s in [
        "é",
        "€€€",
        "'\u{1F600}",
        "('cuda_version', '",
        "[",
        "#define CUDNN_MAJOR",
        "lib.so.",
        "libcuda.so.",
        "Cuda compilation tools, release ",
    ] {
        feed(s);
    }
}

#[test]
fn env_pairs() {
    assert_eq!(Env::parse_pair("A=b=c"), Some(("A".into(), "b=c".into())));
    assert_eq!(Env::parse_pair("=x"), None);
    assert_eq!(Env::parse_pair("novalue"), None);
    assert_eq!(
        Env::parse_pair("EMPTY="),
        Some(("EMPTY".into(), String::new()))
    );
}
