//! `requirements`, `plan` and `matrix`: answers from the embedded knowledge base, in text,
//! Markdown and JSON, and the bad-input paths (exit 2 with a clear message).
#![allow(clippy::unwrap_used)]

mod common;

use common::{at, cudoctor_cmd, run, strings};
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
    cmd_snapshot!(cmd(&["requirements", "tensorflow==2.9.0"]), @"");
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
    cmd_snapshot!(cmd(&["requirements", "tf==2.9"]), @"");
}

#[test]
fn requirements_torch_variant() {
    let v = json(&["requirements", "torch==2.4.1+cu121", "--format", "json"]);
    assert_eq!(v["framework"], "torch");
    let variants = v["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 1, "{v:#}");
    let d = &variants[0];
    assert_eq!(d["name"], "cu121");
    assert_eq!(d["cuda"], "12.1");
    assert_eq!(d["driver_min_compat"], "525.60.13");
    let ccs = strings(&d["compute_capabilities"]);
    assert!(ccs.contains(&"sm_80") && ccs.contains(&"sm_90"), "{ccs:?}");
    cmd_snapshot!(cmd(&["requirements", "torch==2.4.1+cu121"]), @"");
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
    cmd_snapshot!(cmd(&["requirements", "jax==0.4.30"]), @"");
}

#[test]
fn requirements_unknown_version_lists_nearest() {
    cmd_snapshot!(cmd(&["requirements", "tensorflow==2.99.0"]), @"");
}

#[test]
fn requirements_bad_input() {
    cmd_snapshot!(cmd(&["requirements", "tensorflow"]), @"");
    cmd_snapshot!(cmd(&["requirements", "tensorflow==two"]), @"");
    cmd_snapshot!(cmd(&["requirements", "mxnet==1.9.1"]), @"");
    cmd_snapshot!(cmd(&["requirements"]), @"");
}

// ---------------------------------------------------------------- plan

fn framework<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["frameworks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["framework"] == name)
        .unwrap_or_else(|| panic!("no framework {name} in {v:#}"))
}

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
    let candidates = tf["candidates"].as_array().unwrap();
    let newest = &candidates[0];
    assert!(
        newest["version"].as_str().unwrap().starts_with("2.14."),
        "{newest:#}"
    );
    assert_eq!(newest["status"], "compatible_with_caveats");
    let caveats = strings(&newest["caveats"]).join("\n");
    assert!(caveats.contains("minor-version"), "{caveats}");
    // Candidates are newest first and none needs more than the driver gives.
    for c in candidates {
        let ver = c["version"].as_str().unwrap();
        assert!(!ver.starts_with("2.15") && !ver.starts_with("2.16"), "{c:#}");
    }
    let excluded = tf["excluded"].as_array().unwrap();
    let e215 = excluded
        .iter()
        .find(|e| e["version"].as_str().unwrap().starts_with("2.15"))
        .unwrap_or_else(|| panic!("2.15 not excluded: {tf:#}"));
    let reasons = strings(&e215["reasons"]).join("\n");
    assert!(reasons.contains("driver"), "{reasons}");
    assert!(reasons.contains("470.82.01"), "{reasons}");
    cmd_snapshot!(cmd(&args), @"");
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
    cmd_snapshot!(cmd(&args), @"");
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
    cmd_snapshot!(cmd(&args), @"");
}

#[test]
fn plan_markdown() {
    let r = run(&mut cmd(&[
        "plan",
        "--no-probe",
        "--driver",
        "470.82.01",
        "--cc",
        "8.6",
        "--python",
        "3.10",
        "--framework",
        "tf",
        "--format",
        "markdown",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains('|'), "{}", r.stdout);
    assert!(r.stdout.contains("2.14"), "{}", r.stdout);
}

#[test]
fn plan_bad_input() {
    cmd_snapshot!(cmd(&["plan", "--no-probe", "--gpu", "RTX 3909"]), @"");
    cmd_snapshot!(cmd(&["plan", "--no-probe", "--driver", "470.x"]), @"");
    cmd_snapshot!(cmd(&["plan", "--no-probe", "--python", "three"]), @"");
    cmd_snapshot!(cmd(&["plan", "--no-probe", "--framework", "mxnet"]), @"");
    cmd_snapshot!(cmd(&["plan", "--no-probe", "--cc", "8.6", "--gpu", "RTX 3090"]), @"");
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

    let cuda = json(&["matrix", "cuda", "--format", "json"]);
    let r = row(&cuda, "CUDA", "11.2");
    assert!(
        r.iter().any(|(_, x)| x.contains("460.27.03")),
        "CUDA 11.2 row lacks its driver minimum: {r:?}"
    );

    let gpus = json(&["matrix", "gpus", "--format", "json"]);
    let text = gpus.to_string();
    assert!(text.contains("Tesla K80") && text.contains("3.7"), "{text}");
}

#[test]
fn matrix_all_tables_and_unknown() {
    let v = json(&["matrix", "--format", "json"]);
    assert!(v["tables"].as_array().unwrap().len() >= TABLES.len(), "{v:#}");
    cmd_snapshot!(cmd(&["matrix", "cheese"]), @"");
}

#[test]
fn matrix_images_table_named_in_help() {
    // `cudoctor matrix --help` names `images` among the tables.
    let help = run(&mut cmd(&["matrix", "--help"]));
    assert!(help.stdout.contains("images"), "{}", help.stdout);
    let r = run(&mut cmd(&["matrix", "images"]));
    assert_eq!(
        r.code, 0,
        "`matrix images` is advertised by --help but fails: {}",
        r.stderr
    );
}
