//! The Python-side parsers: TensorFlow `build_info.py`, PyTorch `version.py`, wheel `METADATA`,
//! `.dist-info` directory names and `pyvenv.cfg`.
#![no_main]

use cudoctor_probe::collect::{frameworks, python};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = frameworks::parse_tf_build_info(&text);
    let _ = frameworks::parse_torch_version_py(&text);
    let _ = python::parse_metadata(&text);
    let _ = python::parse_dist_info_name(&text);
    let _ = python::parse_pyvenv_cfg(&text);
});
