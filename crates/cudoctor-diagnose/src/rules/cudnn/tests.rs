//! The cuDNN rule: cudnn-version-mismatch and its apt fix; when it fires, when it stays silent,
//! and that unknown facts never make it fire.
#![allow(clippy::unwrap_used)]

use cudoctor_facts::snapshot::Fact;
use cudoctor_facts::snapshot::{Cudnn, Snapshot};
use cudoctor_test::scenarios::*;

use crate::finding::Severity;
use crate::rules::testing::{installed, of, sev};

fn with_cudnn_file_version(mut s: Snapshot, v: &str) -> Snapshot {
    let l = lib_mut(&mut s, "libcudnn.so.8");
    l.version.set_value(v.into());
    l.real_path
        .set_value(format!("/usr/local/cuda-11.2/lib64/libcudnn.so.{v}"));
    s.cudnn[0].version.set_value(v.parse().unwrap());
    s
}

#[test]
fn cudnn_version_mismatch() {
    assert_eq!(
        sev(
            &installed(&with_cudnn_file_version(healthy_tf29(), "8.0.5")),
            "cudnn-version-mismatch"
        ),
        Some(Severity::Error)
    );
    assert_eq!(
        sev(
            &installed(&with_cudnn_file_version(healthy_tf29(), "8.9.7")),
            "cudnn-version-mismatch"
        ),
        Some(Severity::Warning)
    );
    assert!(
        of(
            &installed(&with_cudnn_file_version(healthy_tf29(), "8.1.1")),
            "cudnn-version-mismatch"
        )
        .is_empty()
    );
    // Loaded version unknown: silent.
    let mut s = healthy_tf29();
    for l in &mut s.libraries {
        if l.family == "cudnn" {
            l.version = Fact::Absent;
            l.real_path = Fact::Absent;
        }
    }
    s.cudnn.clear();
    assert!(of(&installed(&s), "cudnn-version-mismatch").is_empty());
    // A custom TF build with cuDNN 9 from build_info: libcudnn.so.8 is not what it opens; the
    // knowledge base's sonames are not used for a build that disagrees on CUDA.
    let mut s = healthy_tf29();
    s.frameworks[0]
        .cuda_version
        .set_value("12.3".parse().unwrap());
    s.frameworks[0]
        .cudnn_version
        .set_value("9".parse().unwrap());
    let f = installed(&s);
    assert!(of(&f, "library-not-found").is_empty(), "{f:#?}");
}

#[test]
fn several_cudnn_copies_only_within_one_major() {
    let mut s = healthy_tf29();
    s.cudnn.push(Cudnn {
        kind: "wheel".into(),
        path: "/opt/venv/lib/python3.9/site-packages/nvidia_cudnn_cu12-9.1.0.70.dist-info/METADATA"
            .into(),
        version: Fact::value_only("9.1.0.70".parse().unwrap()),
    });
    assert!(of(&installed(&s), "cudnn-version-mismatch").is_empty());
    s.cudnn.push(Cudnn {
        kind: "header".into(),
        path: "/usr/include/cudnn_version.h".into(),
        version: Fact::value_only("8.1.0".parse().unwrap()),
    });
    assert!(of(&installed(&s), "cudnn-version-mismatch").is_empty());
    s.cudnn.push(Cudnn {
        kind: "header".into(),
        path: "/usr/local/cuda/include/cudnn_version.h".into(),
        version: Fact::value_only("8.2.4".parse().unwrap()),
    });
    let f = installed(&s);
    let w = of(&f, "cudnn-version-mismatch");
    assert_eq!(w.len(), 1);
    assert!(
        w[0].evidence.iter().any(|e| e
            .fact
            .starts_with("libcudnn.so.8 loads for TensorFlow 2.9.0")
            && e.value.contains("8.1.0")),
        "{:?}",
        w[0].evidence
    );
}

/// cuDNN 8's apt versions name their CUDA (`8.1.1.33-1+cuda11.2`, and for CUDA 12 only
/// `+cuda12.0` to `+cuda12.2`): the install line picks the newest of the wanted minor built for
/// the CUDA major. cuDNN 9's package names the CUDA major and its versions carry no CUDA suffix.
/// Each install line, run by bash with `apt-cache madison` answering a listing of NVIDIA's
/// repository and `sudo` echoing, installs the version it should.
#[test]
fn cudnn_apt_commands_per_packaging_scheme() {
    let listing = "\
 libcudnn8 | 8.9.7.29-1+cuda12.2 | https://developer.download.nvidia.com/compute/cuda/repos/ubuntu2204/x86_64  Packages
 libcudnn8 | 8.9.7.29-1+cuda11.8 | https://developer.download.nvidia.com/compute/cuda/repos/ubuntu2204/x86_64  Packages
 libcudnn8 | 8.9.6.50-1+cuda12.2 | https://developer.download.nvidia.com/compute/cuda/repos/ubuntu2204/x86_64  Packages
 libcudnn8 | 8.1.1.33-1+cuda11.2 | https://developer.download.nvidia.com/compute/cuda/repos/ubuntu2004/x86_64  Packages
 libcudnn8 | 8.1.0.77-1+cuda11.2 | https://developer.download.nvidia.com/compute/cuda/repos/ubuntu2004/x86_64  Packages
 libcudnn9-cuda-12 | 9.1.0.70-1 | https://developer.download.nvidia.com/compute/cuda/repos/ubuntu2204/x86_64  Packages
 libcudnn9-cuda-12 | 9.0.0.312-1 | https://developer.download.nvidia.com/compute/cuda/repos/ubuntu2204/x86_64  Packages
";
    let install = |fix: &str, pkg: &str| -> String {
        let cmd = fix
            .split('`')
            .find(|c| c.starts_with("sudo apt-get install"))
            .unwrap_or_else(|| panic!("no install command in {fix}"));
        let script = format!(
            "apt-cache() {{ printf '%s' \"$LISTING\" | grep -e \"^ *$2 |\"; }}; sudo() {{ echo \"$@\"; }}; {cmd}"
        );
        let out = std::process::Command::new("bash")
            .args(["-c", &script])
            .env("LISTING", listing)
            .output()
            .unwrap();
        assert!(out.status.success(), "{pkg}: {out:?}");
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    for (cudnn, cuda, expect) in [
        (
            "8.1",
            "11.2",
            "apt-get install libcudnn8=8.1.1.33-1+cuda11.2",
        ),
        (
            "8.9",
            "12.3",
            "apt-get install libcudnn8=8.9.7.29-1+cuda12.2",
        ),
        (
            "8.9",
            "11.8",
            "apt-get install libcudnn8=8.9.7.29-1+cuda11.8",
        ),
        (
            "9.1.0",
            "12.4",
            "apt-get install libcudnn9-cuda-12=9.1.0.70-1",
        ),
    ] {
        let fix = super::apt_commands(cudnn.parse().unwrap(), cuda.parse().unwrap())
            .render(cudoctor_i18n::Lang::En);
        assert_eq!(
            install(&fix, cudnn),
            expect,
            "{cudnn} for CUDA {cuda}: {fix}"
        );
        assert!(!fix.contains('<'), "a placeholder in {fix}");
    }
}
