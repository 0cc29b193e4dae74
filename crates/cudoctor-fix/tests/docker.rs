//! `plan_docker_runtime` on fixed `daemon.json` files and on generated ones (proptest).
#![allow(clippy::unwrap_used, clippy::print_stderr, clippy::single_match_else)]

use cudoctor_fix::{DockerOpts, plan_docker_runtime};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

const RT: &str = "/usr/bin/nvidia-container-runtime";

fn opts(set_default: bool) -> DockerOpts {
    DockerOpts {
        runtime_path: RT.to_owned(),
        set_default,
    }
}

/// Plans, checks that planning the result again changes nothing, and returns the new text.
fn plan(text: &str, set_default: bool) -> String {
    let p = plan_docker_runtime(text, &opts(set_default)).unwrap();
    assert_eq!(p.old, text);
    let again = plan_docker_runtime(&p.new, &opts(set_default)).unwrap();
    assert!(!again.changed, "not idempotent:\n{}", p.new);
    assert_eq!(again.new, p.new);
    p.new
}

#[test]
fn other_runtimes_and_features() {
    let t = r#"{
    "features": {
        "buildkit": true,
        "containerd-snapshotter": false
    },
    "runtimes": {
        "crun": {
            "path": "/usr/bin/crun"
        }
    }
}
"#;
    assert_eq!(
        plan(t, true),
        r#"{
    "features": {
        "buildkit": true,
        "containerd-snapshotter": false
    },
    "runtimes": {
        "crun": {
            "path": "/usr/bin/crun"
        },
        "nvidia": {
            "args": [],
            "path": "/usr/bin/nvidia-container-runtime"
        }
    },
    "default-runtime": "nvidia"
}
"#
    );
}

#[test]
fn nested_default_ulimits_with_tabs() {
    let t = "{\n\t\"default-ulimits\": {\n\t\t\"nofile\": {\n\t\t\t\"Name\": \"nofile\",\n\t\t\t\"Hard\": 64000,\n\t\t\t\"Soft\": 64000\n\t\t}\n\t},\n\t\"log-opts\": {\"max-size\": \"10m\"}\n}";
    assert_eq!(
        plan(t, false),
        "{\n\t\"default-ulimits\": {\n\t\t\"nofile\": {\n\t\t\t\"Name\": \"nofile\",\n\t\t\t\"Hard\": 64000,\n\t\t\t\"Soft\": 64000\n\t\t}\n\t},\n\t\"log-opts\": {\"max-size\": \"10m\"},\n\t\"runtimes\": {\n\t\t\"nvidia\": {\n\t\t\t\"args\": [],\n\t\t\t\"path\": \"/usr/bin/nvidia-container-runtime\"\n\t\t}\n\t}\n}"
    );
}

#[test]
fn empty_file_gets_the_fragment() {
    for t in ["", "  \n", "\n"] {
        assert_eq!(
            plan(t, true),
            "{\n    \"default-runtime\": \"nvidia\",\n    \"runtimes\": {\n        \"nvidia\": {\n            \"args\": [],\n            \"path\": \"/usr/bin/nvidia-container-runtime\"\n        }\n    }\n}\n"
        );
    }
    assert_eq!(
        plan("", false),
        "{\n    \"runtimes\": {\n        \"nvidia\": {\n            \"args\": [],\n            \"path\": \"/usr/bin/nvidia-container-runtime\"\n        }\n    }\n}\n"
    );
}

#[test]
fn already_correct_is_unchanged() {
    // What `nvidia-ctk runtime configure --runtime=docker --set-as-default` writes.
    let t = "{\n    \"default-runtime\": \"nvidia\",\n    \"runtimes\": {\n        \"nvidia\": {\n            \"args\": [],\n            \"path\": \"nvidia-container-runtime\"\n        }\n    }\n}";
    let p = plan_docker_runtime(t, &opts(true)).unwrap();
    assert!(!p.changed);
    assert_eq!(p.new, t);
    // Without --set-default, another default runtime is left alone.
    let t2 = t.replace(
        "\"default-runtime\": \"nvidia\"",
        "\"default-runtime\": \"runc\"",
    );
    assert!(!plan_docker_runtime(&t2, &opts(false)).unwrap().changed);
}

#[test]
fn wrong_nvidia_path_is_corrected_keeping_other_keys() {
    let t = r#"{
  "runtimes": {
    "nvidia": {
      "path": "/opt/old/nvidia-container-runtime",
      "runtimeArgs": ["--debug"]
    }
  },
  "default-runtime": "runc"
}
"#;
    let p = plan_docker_runtime(t, &opts(true)).unwrap();
    assert_eq!(
        p.new,
        r#"{
  "runtimes": {
    "nvidia": {
      "path": "/usr/bin/nvidia-container-runtime",
      "runtimeArgs": ["--debug"]
    }
  },
  "default-runtime": "nvidia"
}
"#
    );
    assert_eq!(p.notes.len(), 2, "{:?}", p.notes);
    assert!(p.notes.iter().any(|n| n.contains("/opt/old")));
    assert!(!plan_docker_runtime(&p.new, &opts(true)).unwrap().changed);
}

#[test]
fn crlf_line_endings_are_kept() {
    let t = "{\r\n  \"debug\": true\r\n}\r\n";
    assert_eq!(
        plan(t, true),
        "{\r\n  \"debug\": true,\r\n  \"default-runtime\": \"nvidia\",\r\n  \"runtimes\": {\r\n    \"nvidia\": {\r\n      \"args\": [],\r\n      \"path\": \"/usr/bin/nvidia-container-runtime\"\r\n    }\r\n  }\r\n}\r\n"
    );
}

#[test]
fn empty_runtimes_object_and_byte_order_mark() {
    let t = "\u{feff}{\n  \"runtimes\": {}\n}\n";
    assert_eq!(
        plan(t, false),
        "\u{feff}{\n  \"runtimes\": {\n    \"nvidia\": {\n      \"args\": [],\n      \"path\": \"/usr/bin/nvidia-container-runtime\"\n    }\n  }\n}\n"
    );
}

#[test]
fn nvidia_not_an_object_is_replaced() {
    let t = "{\n  \"runtimes\": {\n    \"nvidia\": \"nvidia-container-runtime\"\n  }\n}\n";
    let out = plan(t, false);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["runtimes"]["nvidia"], json!({"args": [], "path": RT}));
}

#[test]
fn invalid_input_names_line_and_column() {
    let e =
        plan_docker_runtime("{\n  \"debug\": true,\n  \"x\": tru\n}\n", &opts(true)).unwrap_err();
    // serde_json points after `tru`, at the start of line 4 (its column 0, shown as 1).
    assert_eq!(e.line_col(), Some((4, 1)), "{e}");
    assert_eq!(e.to_string(), "invalid JSON at line 4, column 1");
    let e = plan_docker_runtime("\"a string\"", &opts(true)).unwrap_err();
    assert!(
        e.to_string().contains("top level is not a JSON object"),
        "{e}"
    );
    let e = plan_docker_runtime("{\n  \"runtimes\": \"nvidia\"\n}", &opts(true)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "`runtimes` is not a JSON object (line 2, column 15)"
    );
}

// ---- generated files ----

fn arb_string() -> impl Strategy<Value = String> {
    // ASCII, escapes (quote, backslash, control characters) and non-ASCII text.
    proptest::collection::vec(
        prop_oneof![
            4 => proptest::char::range('a', 'z'),
            1 => Just('"'),
            1 => Just('\\'),
            1 => Just('\n'),
            1 => Just('\u{1}'),
            1 => Just('é'),
            1 => Just('€'),
            1 => Just('😀'),
            1 => Just('/'),
        ],
        0..8,
    )
    .prop_map(|v| v.into_iter().collect())
}

fn arb_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1.0e6f64..1.0e6).prop_map(|f| json!(f)),
        arb_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::vec((arb_string(), inner), 0..5)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn arb_top() -> impl Strategy<Value = Map<String, Value>> {
    proptest::collection::vec((arb_string(), arb_value()), 0..6).prop_map(|kv| {
        kv.into_iter()
            .filter(|(k, _)| k != "runtimes" && k != "default-runtime")
            .collect()
    })
}

/// Serializes with one of: compact, 2 or 4 spaces, a tab; with or without a final newline.
fn serialize(v: &Value, style: u8, newline: bool) -> String {
    use serde::Serialize;
    let mut out = match style {
        0 => serde_json::to_string(v).unwrap(),
        _ => {
            let indent: &[u8] = match style {
                1 => b"  ",
                2 => b"    ",
                _ => b"\t",
            };
            let mut buf = Vec::new();
            let fmt = serde_json::ser::PrettyFormatter::with_indent(indent);
            let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
            v.serialize(&mut ser).unwrap();
            String::from_utf8(buf).unwrap()
        }
    };
    if newline {
        out.push('\n');
    }
    out
}

/// The text of `old` and `new` is the same except for one span: a common prefix and suffix
/// cover all of `old`.
fn one_insertion(old: &str, new: &str) -> bool {
    let pre = old
        .bytes()
        .zip(new.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    let suf = old
        .bytes()
        .rev()
        .zip(new.bytes().rev())
        .take_while(|(a, b)| a == b)
        .count();
    pre + suf >= old.len() && new.len() >= old.len()
}

/// serde_json with `preserve_order` keeps each object's key order; its compact text compares
/// values and orders both.
fn same(a: &Value, b: &Value) -> bool {
    serde_json::to_string(a).unwrap() == serde_json::to_string(b).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn adds_only_the_nvidia_entries(top in arb_top(), style in 0u8..4, newline: bool, set_default: bool) {
        let old = serialize(&Value::Object(top.clone()), style, newline);
        let p = plan_docker_runtime(&old, &opts(set_default)).unwrap();
        prop_assert!(p.changed);
        let got: Value = serde_json::from_str(&p.new).unwrap();
        // The old text's value (floats parse as serde_json reads them, not as generated).
        let Value::Object(mut want) = serde_json::from_str(&old).unwrap() else { unreachable!() };
        if set_default {
            want.insert("default-runtime".into(), json!("nvidia"));
        }
        want.insert("runtimes".into(), json!({"nvidia": {"args": [], "path": RT}}));
        prop_assert!(same(&got, &Value::Object(want)), "old:\n{}\nnew:\n{}", old, p.new);
        prop_assert!(one_insertion(&old, &p.new), "old:\n{}\nnew:\n{}", old, p.new);
        let again = plan_docker_runtime(&p.new, &opts(set_default)).unwrap();
        prop_assert!(!again.changed);
        prop_assert_eq!(again.new, p.new);
    }

    #[test]
    fn joins_existing_runtimes(
        top in arb_top(),
        others in proptest::collection::vec((arb_string(), arb_value()), 0..4),
        style in 0u8..4,
        newline: bool,
    ) {
        let mut top = top;
        let others: Map<String, Value> = others.into_iter().filter(|(k, _)| k != "nvidia").collect();
        top.insert("runtimes".into(), Value::Object(others.clone()));
        let old = serialize(&Value::Object(top.clone()), style, newline);
        let p = plan_docker_runtime(&old, &opts(false)).unwrap();
        let got: Value = serde_json::from_str(&p.new).unwrap();
        let mut want: Value = serde_json::from_str(&old).unwrap();
        want["runtimes"].as_object_mut().unwrap().insert("nvidia".into(), json!({"args": [], "path": RT}));
        prop_assert!(same(&got, &want), "old:\n{}\nnew:\n{}", old, p.new);
        prop_assert!(one_insertion(&old, &p.new), "old:\n{}\nnew:\n{}", old, p.new);
        prop_assert!(!plan_docker_runtime(&p.new, &opts(false)).unwrap().changed);
    }
}

#[test]
fn escaped_keys_and_one_line_files() {
    // `runtimes` spelled with an escape is still `runtimes` (serde_json and dockerd agree).
    let t = "{\"run\\u0074imes\": {\"crun\": {}}}";
    assert_eq!(
        plan(t, false),
        "{\"run\\u0074imes\": {\"crun\": {}, \"nvidia\": {\"args\": [], \"path\": \"/usr/bin/nvidia-container-runtime\"}}}"
    );
    let t = "{\"a\": 1, \"b\": [1, 2]}\n";
    assert_eq!(
        plan(t, true),
        "{\"a\": 1, \"b\": [1, 2], \"default-runtime\": \"nvidia\", \"runtimes\": {\"nvidia\": {\"args\": [], \"path\": \"/usr/bin/nvidia-container-runtime\"}}}\n"
    );
}
