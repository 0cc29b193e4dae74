//! `plan_containerd` on containerd 1.x (version 2) and 2.x (version 3) configs.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use cudoctor_fix::{ContainerdOpts, plan_containerd};

const RT: &str = "/usr/bin/nvidia-container-runtime";

fn plan(text: &str, set_default: bool) -> String {
    let opts = ContainerdOpts {
        runtime_path: RT.to_owned(),
        set_default,
    };
    let p = plan_containerd(text, &opts).unwrap();
    let again = plan_containerd(&p.new, &opts).unwrap();
    assert!(!again.changed, "not idempotent:\n{}", p.new);
    if std::env::var_os("SHOW").is_some() {
        eprintln!("=====\n{}=====", p.new);
    }
    p.new
}

/// Trimmed from `containerd config default` of containerd 1.7.
const V2: &str = r#"disabled_plugins = []
version = 2

# CRI settings
[plugins]

  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "registry.k8s.io/pause:3.8"

    [plugins."io.containerd.grpc.v1.cri".containerd]
      default_runtime_name = "runc" # what pods get
      snapshotter = "overlayfs"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes]

        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
          runtime_type = "io.containerd.runc.v2"

          [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
            SystemdCgroup = true

[metrics]
  address = ""
"#;

/// Trimmed from `containerd config default` of containerd 2.0.
const V3: &str = r#"version = 3
root = "/var/lib/containerd"

[plugins]
  [plugins.'io.containerd.cri.v1.runtime']
    enable_selinux = false

    [plugins.'io.containerd.cri.v1.runtime'.containerd]
      default_runtime_name = 'runc'

      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes]
        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
          runtime_type = 'io.containerd.runc.v2'

          [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
            BinaryName = ''
            SystemdCgroup = false
"#;

#[test]
fn v2_copies_runc_and_sets_the_default() {
    let out = plan(V2, true);
    let nvidia = r#"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia]
          runtime_type = "io.containerd.runc.v2"

          [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia.options]
            SystemdCgroup = true
            BinaryName = "/usr/bin/nvidia-container-runtime"
"#;
    let want = V2
        .replace(
            "default_runtime_name = \"runc\" # what pods get",
            "default_runtime_name = \"nvidia\" # what pods get",
        )
        .replace("\n[metrics]", &format!("{nvidia}\n[metrics]"));
    assert_eq!(out, want);
    // Without --set-default the default stays `runc`, and only the tables are added.
    let out = plan(V2, false);
    assert_eq!(
        out,
        V2.replace("\n[metrics]", &format!("{nvidia}\n[metrics]"))
    );
}

#[test]
fn v3_uses_the_containerd_2_plugin() {
    let out = plan(V3, false);
    let want = format!(
        "{V3}{}",
        r#"
        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.nvidia]
          runtime_type = 'io.containerd.runc.v2'

          [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.nvidia.options]
            BinaryName = "/usr/bin/nvidia-container-runtime"
            SystemdCgroup = false
"#
    );
    assert_eq!(out, want);
}

#[test]
fn empty_file_becomes_a_version_2_config() {
    for t in ["", "\n", "# nothing yet\n"] {
        let out = plan(t, false);
        assert!(
            out.contains("version = 2\n\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.nvidia]\nruntime_type = \"io.containerd.runc.v2\"\n\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.nvidia.options]\nBinaryName = \"/usr/bin/nvidia-container-runtime\"\n"),
            "{out}"
        );
        // Whatever the file held (a comment) is kept.
        assert!(out.contains(t.trim()), "{out}");
    }
}

#[test]
fn already_correct_is_unchanged() {
    let t = plan(V2, true);
    let p = plan_containerd(
        &t,
        &ContainerdOpts {
            runtime_path: "nvidia-container-runtime".to_owned(),
            set_default: true,
        },
    )
    .unwrap();
    assert!(!p.changed);
    assert_eq!(p.new, t);
}

#[test]
fn wrong_binary_name_is_corrected() {
    let t = "version = 2\n\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.nvidia]\n  runtime_type = \"io.containerd.runc.v2\"\n  [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.nvidia.options]\n    BinaryName = \"/opt/old/nvidia-container-runtime\" # keep me\n";
    let p = plan_containerd(
        t,
        &ContainerdOpts {
            runtime_path: RT.to_owned(),
            set_default: false,
        },
    )
    .unwrap();
    assert_eq!(
        p.new,
        t.replace(
            "\"/opt/old/nvidia-container-runtime\" # keep me",
            "\"/usr/bin/nvidia-container-runtime\" # keep me"
        )
    );
    assert!(
        p.notes.iter().any(|n| n.contains("/opt/old")),
        "{:?}",
        p.notes
    );
}

#[test]
fn no_version_is_a_version_1_config() {
    let out = plan("[plugins.cri]\n  sandbox_image = \"pause\"\n", false);
    assert!(
        out.contains("[plugins.cri.containerd.runtimes.nvidia]"),
        "{out}"
    );
}

#[test]
fn invalid_toml_names_the_line() {
    let e = plan_containerd(
        "version = 2\n\n[plugins\n",
        &ContainerdOpts {
            runtime_path: RT.to_owned(),
            set_default: false,
        },
    )
    .unwrap_err();
    assert_eq!(e.line_col().map(|(l, _)| l), Some(3), "{e}");
    assert!(e.to_string().starts_with("invalid TOML at line 3"), "{e}");
}
