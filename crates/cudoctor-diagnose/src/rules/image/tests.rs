//! The image rules: image-floating-tag, image-runs-as-root, image-old and
//! image-library-replaced; when each fires and when it stays silent.
#![allow(clippy::unwrap_used)]

use cudoctor_facts::snapshot::{FileProvenance, ImageFacts, ImageLayer, ImageWhiteout, RootKind};
use cudoctor_test::scenarios::*;

use super::floating;
use crate::finding::Severity;
use crate::rules::testing::{installed, of, sev};

fn image(f: impl FnOnce(&mut ImageFacts)) -> cudoctor_facts::snapshot::Snapshot {
    let mut s = bare_host();
    s.root.kind = RootKind::Image;
    s.root.path = "docker-archive:/tmp/tf.tar".into();
    let mut i = ImageFacts {
        reference: "docker-archive:/tmp/tf.tar".into(),
        transport: "docker-archive".into(),
        user: Some("1000".into()),
        tags: vec!["tensorflow/tensorflow:2.9.0-gpu".into()],
        layers: (0..6)
            .map(|n| ImageLayer {
                index: n,
                created_by: Some(format!("/bin/sh -c step {n}")),
                ..ImageLayer::default()
            })
            .collect(),
        ..ImageFacts::default()
    };
    f(&mut i);
    s.image = Some(i);
    s
}

#[test]
fn floating_tags_are_recognised() {
    assert!(floating("tensorflow/tensorflow:latest-gpu").is_some());
    assert!(floating("tensorflow/tensorflow:latest").is_some());
    assert!(floating("nvidia/cuda").is_some());
    assert!(floating("pytorch/pytorch:2-cuda12").is_some());
    assert!(
        floating("localhost:5000/tf").is_some(),
        "a port is not a tag"
    );
    assert!(floating("localhost:5000/tf:2.9.0-gpu").is_none());
    assert!(floating("tensorflow/tensorflow:2.9.0-gpu").is_none());
    assert!(floating("nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04").is_none());
    assert!(floating("nvidia/cuda@sha256:0123").is_none());
}

#[test]
fn image_floating_tag() {
    assert_eq!(sev(&installed(&image(|_| {})), "image-floating-tag"), None);
    let s = image(|i| i.tags = vec!["tensorflow/tensorflow:latest-gpu".into()]);
    assert_eq!(
        sev(&installed(&s), "image-floating-tag"),
        Some(Severity::Warning)
    );
    let s = image(|i| {
        i.labels.insert(
            "org.opencontainers.image.base.name".into(),
            "ubuntu:latest".into(),
        );
    });
    let found = installed(&s);
    let f = of(&found, "image-floating-tag");
    assert_eq!(f.len(), 1);
    assert!(f[0].title.contains("ubuntu:latest"), "{}", f[0].title);
    // An OCI ref name is a bare tag.
    let s = image(|i| i.tags = vec!["2.9.0-gpu".into()]);
    assert_eq!(sev(&installed(&s), "image-floating-tag"), None);
    let s = image(|i| i.tags = vec!["latest".into()]);
    assert_eq!(
        sev(&installed(&s), "image-floating-tag"),
        Some(Severity::Warning)
    );
    // Not an image: silent whatever the environment says.
    assert_eq!(sev(&installed(&bare_host()), "image-floating-tag"), None);
}

#[test]
fn image_runs_as_root() {
    assert_eq!(sev(&installed(&image(|_| {})), "image-runs-as-root"), None);
    for user in [None, Some(""), Some("root"), Some("0:0")] {
        let s = image(|i| i.user = user.map(Into::into));
        assert_eq!(
            sev(&installed(&s), "image-runs-as-root"),
            Some(Severity::Info),
            "{user:?}"
        );
    }
}

#[test]
fn image_old() {
    let s = image(|i| i.age_days = Some(super::IMAGE_AGE_DAYS));
    assert_eq!(sev(&installed(&s), "image-old"), None);
    let s = image(|i| {
        i.age_days = Some(900);
        i.created = Some("2024-05-01T00:00:00Z".into());
    });
    assert_eq!(sev(&installed(&s), "image-old"), Some(Severity::Info));
    // Age unknown: silent.
    assert_eq!(sev(&installed(&image(|_| {})), "image-old"), None);
}

#[test]
fn image_library_replaced() {
    // A file written once is no replacement.
    let s = image(|i| {
        i.provenance = vec![FileProvenance {
            path: "/usr/lib/x86_64-linux-gnu/libcudnn.so.8.1.0".into(),
            layer: 3,
            replaced_layer: None,
        }];
    });
    assert_eq!(sev(&installed(&s), "image-library-replaced"), None);
    let s = image(|i| {
        i.provenance = vec![
            FileProvenance {
                path: "/usr/lib/x86_64-linux-gnu/libcudnn.so.8".into(),
                layer: 5,
                replaced_layer: Some(3),
            },
            // Not a CUDA file: ignored.
            FileProvenance {
                path: "/etc/hostname".into(),
                layer: 5,
                replaced_layer: Some(0),
            },
        ];
        i.whiteouts = vec![ImageWhiteout {
            path: "/usr/include/cudnn_version.h".into(),
            layer: 5,
            hid_layer: Some(3),
        }];
    });
    let found = installed(&s);
    let f = of(&found, "image-library-replaced");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Warning);
    let lines: Vec<&str> = f[0].evidence.iter().map(|e| e.value.as_str()).collect();
    assert_eq!(
        lines,
        [
            "layer 5 (`step 5`) replaced `/usr/lib/x86_64-linux-gnu/libcudnn.so.8` of layer 3 (`step 3`)",
            "layer 5 (`step 5`) deleted `/usr/include/cudnn_version.h` of layer 3 (`step 3`)"
        ]
    );
}

#[test]
fn a_history_line_that_installs_cudnn_over_a_lower_layer() {
    let s = image(|i| {
        i.layers[5].created_by =
            Some("RUN /bin/sh -c pip install nvidia-cudnn-cu11==8.6.0.163 # buildkit".into());
        i.provenance = vec![FileProvenance {
            path: "/usr/lib/x86_64-linux-gnu/libcudnn.so.8.1.0".into(),
            layer: 2,
            replaced_layer: None,
        }];
    });
    let found = installed(&s);
    let f = of(&found, "image-library-replaced");
    assert_eq!(f.len(), 1, "{found:?}");
    assert_eq!(
        f[0].evidence[0].value,
        "layer 5 (`RUN /bin/sh -c pip install nvidia-cudnn-cu11==8.6.0.163 # buildkit`) installs `nvidia-cudnn-cu11==8.6.0.163` over the copy in layer 2 (`step 2`)"
    );
    // cuDNN installed over a CUDA layer is how the official images are built: silent.
    let s = image(|i| {
        i.layers[2].created_by =
            Some("RUN apt-get install -y libcudnn8=8.1.0.77-1+cuda11.2".into());
        i.provenance = vec![FileProvenance {
            path: "/usr/lib/x86_64-linux-gnu/libcudart.so.11.2.152".into(),
            layer: 1,
            replaced_layer: None,
        }];
    });
    assert_eq!(sev(&installed(&s), "image-library-replaced"), None);
    // The same install with no CUDA below it (a base without CUDA): silent.
    let s = image(|i| {
        i.layers[5].created_by = Some("RUN pip install nvidia-cudnn-cu11==8.6.0.163".into());
    });
    assert_eq!(sev(&installed(&s), "image-library-replaced"), None);
}

#[test]
fn a_package_reinstalled_over_the_base_is_named_from_the_dpkg_database() {
    let s = image(|i| {
        i.provenance = vec![FileProvenance {
            path: "/var/lib/dpkg/info/libcudnn8:amd64.list".into(),
            layer: 4,
            replaced_layer: Some(2),
        }];
    });
    let found = installed(&s);
    let f = of(&found, "image-library-replaced");
    assert_eq!(f.len(), 1, "{found:?}");
    assert_eq!(
        f[0].evidence[0].value,
        "layer 4 (`step 4`) reinstalled the package `libcudnn8:amd64` over layer 2 (`step 2`)'s (dpkg database)"
    );
}
