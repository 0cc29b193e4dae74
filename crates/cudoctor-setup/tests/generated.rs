//! Every generated Dockerfile parses back and lints clean; every generated Compose file
//! validates against the Compose specification's schema (vendored under `tests/schema/`).
#![allow(clippy::unwrap_used)]

use cudoctor_kb::kb;
use cudoctor_setup::{BaseChoice, DockerfileOptions, Gpus, RunOptions, dockerfile, lint, plan};

fn cases() -> Vec<DockerfileOptions> {
    let o = |spec: &str| DockerfileOptions {
        spec: spec.to_owned(),
        ..DockerfileOptions::default()
    };
    vec![
        o("tensorflow==2.9.0"),
        DockerfileOptions {
            jupyter: true,
            ..o("tensorflow==2.9.0")
        },
        DockerfileOptions {
            base: BaseChoice::Cuda,
            ..o("tensorflow==2.15.0")
        },
        o("torch==2.1.0"),
        o("jax==0.4.30"),
        DockerfileOptions {
            with_cudoctor: true,
            gpus: Some(Gpus::parse("0,1").unwrap()),
            jupyter: true,
            ..o("torch==2.1.0+cu118")
        },
        DockerfileOptions {
            python: Some("3.11".to_owned()),
            base: BaseChoice::Cuda,
            ..o("tensorflow==2.15.0")
        },
    ]
}

#[test]
fn generated_dockerfiles_lint_clean() {
    for c in cases() {
        let g = dockerfile(kb(), &c).unwrap();
        let ins = cudoctor_setup::dockerfile::parse(&g.dockerfile, "Dockerfile").unwrap();
        assert_eq!(ins[0].keyword, "FROM", "{}", c.spec);
        assert_eq!(ins[0].args, g.base);
        assert!(ins.iter().any(|i| i.keyword == "USER" && i.args == "app"));
        assert_eq!(
            ins.iter().any(|i| i.keyword == "HEALTHCHECK"),
            c.with_cudoctor,
            "{}",
            g.dockerfile
        );
        // A comment above every instruction group.
        assert!(g.dockerfile.contains("# S15: pin exact tags"));
        let findings = lint::lint(kb(), &g.dockerfile, "Dockerfile").unwrap();
        assert!(
            findings.is_empty(),
            "{}:\n{}\n{findings:#?}",
            c.spec,
            g.dockerfile
        );
    }
}

fn compose_schema() -> jsonschema::Validator {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/schema/compose-spec.json"
    );
    let mut schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(schema["$schema"], "https://json-schema.org/draft-07/schema");
    // The file says `"$schema": "https://json-schema.org/draft-07/schema"` (no `#`), which the
    // validator neither knows by that name nor fetches (no network): draft 7 is named here and
    // the key dropped from the loaded copy (the vendored file stays unchanged).
    schema.as_object_mut().unwrap().remove("$schema");
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .build(&schema)
        .unwrap()
}

#[test]
fn compose_files_validate_against_the_compose_spec() {
    let validator = compose_schema();
    for (spec, gpus, jupyter, memory, data) in [
        ("tensorflow==2.9.0", "all", true, None, None),
        ("torch==2.1.0", "0,1", false, Some("16g"), Some("/srv/data")),
        (
            "jax==0.4.30",
            "GPU-0d3c5a8e-1f4b-4d3c-9f52-6f3b1e2a7c11",
            false,
            None,
            None,
        ),
    ] {
        let p = plan(
            kb(),
            &RunOptions {
                spec: spec.to_owned(),
                gpus: Gpus::parse(gpus).unwrap(),
                memory: memory.map(str::to_owned),
                data: data.map(str::to_owned),
                jupyter,
            },
        )
        .unwrap();
        let yaml = p.compose_yaml().unwrap();
        // What `docker compose` reads: the YAML text, not our JSON value.
        let doc: serde_json::Value = serde_norway::from_str(&yaml).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        assert!(errors.is_empty(), "{yaml}\n{errors:#?}");
        assert_eq!(doc, p.compose_value());
    }
    // The schema does reject a wrong device list (the check is not vacuous).
    let bad = serde_json::json!({"services": {"x": {"image": "i", "deploy": {"resources": {"reservations": {"devices": [{"count": "some"}]}}}}}});
    assert!(!validator.is_valid(&bad));
}
