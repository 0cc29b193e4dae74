//! A checker for the subset of JSON Schema that `docs/*.schema.json` use, and the contracts it
//! checks: the probe's and the binary's tests use it, so both check the same contract the same way.

use crate::repo_root;

/// `docs/snapshot.schema.json`.
pub fn snapshot_schema() -> serde_json::Value {
    let text = std::fs::read_to_string(repo_root().join("docs/snapshot.schema.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Asserts that a snapshot value (the probe's JSON, `probe --format json`, `check --format json`'s
/// `facts`) satisfies `docs/snapshot.schema.json`.
pub fn assert_matches_schema(v: &serde_json::Value) {
    let errors = schema_errors(&snapshot_schema(), v);
    assert!(
        errors.is_empty(),
        "snapshot does not match docs/snapshot.schema.json:\n{}",
        errors.join("\n")
    );
}

/// Asserts that a `check --format json` document satisfies `docs/check.schema.json` (its `facts`
/// are checked against the snapshot schema by [`assert_matches_schema`]).
pub fn assert_matches_check_schema(v: &serde_json::Value) {
    let text = std::fs::read_to_string(repo_root().join("docs/check.schema.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let errors = schema_errors(&schema, v);
    assert!(
        errors.is_empty(),
        "check JSON does not match docs/check.schema.json:\n{}",
        errors.join("\n")
    );
}

/// Checks `value` against the subset of JSON Schema the snapshot schema uses (`$ref`, `anyOf`,
/// `const`, `enum`, `type`, `properties`, `required`, `additionalProperties`, `items`), returning
/// every violation with its JSON pointer.
pub fn schema_errors(schema: &serde_json::Value, value: &serde_json::Value) -> Vec<String> {
    let mut errors = Vec::new();
    check(schema, schema, value, "", &mut errors);
    errors
}

fn check(
    root: &serde_json::Value,
    s: &serde_json::Value,
    v: &serde_json::Value,
    at: &str,
    errors: &mut Vec<String>,
) {
    use serde_json::Value;
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        let name = r.strip_prefix("#/$defs/").unwrap();
        return check(root, &root["$defs"][name], v, at, errors);
    }
    if let Some(any) = s.get("anyOf").and_then(Value::as_array) {
        if !any
            .iter()
            .any(|alt| schema_errors_in(root, alt, v, at).is_empty())
        {
            errors.push(format!("{at}: matches no alternative"));
        }
        return;
    }
    if let Some(c) = s.get("const") {
        if c != v {
            errors.push(format!("{at}: expected {c}, found {v}"));
        }
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array) {
        if !e.contains(v) {
            errors.push(format!("{at}: {v} not in {e:?}"));
        }
    }
    if let Some(t) = s.get("type") {
        let types: Vec<&str> = match t {
            Value::String(one) => vec![one.as_str()],
            Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let actual = match v {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        let number_ok = actual == "integer" && types.contains(&"number");
        if !types.contains(&actual) && !number_ok {
            errors.push(format!("{at}: type {actual}, schema wants {types:?}"));
            return;
        }
    }
    if let Value::Object(map) = v {
        let props = s.get("properties").and_then(Value::as_object);
        if let Some(req) = s.get("required").and_then(Value::as_array) {
            for r in req.iter().filter_map(Value::as_str) {
                if !map.contains_key(r) {
                    errors.push(format!("{at}: missing required `{r}`"));
                }
            }
        }
        for (k, child) in map {
            let path = format!("{at}/{k}");
            if let Some(ps) = props.and_then(|p| p.get(k)) {
                check(root, ps, child, &path, errors);
            } else {
                match s.get("additionalProperties") {
                    Some(Value::Bool(false)) => errors.push(format!("{path}: not in the schema")),
                    Some(extra @ Value::Object(_)) => check(root, extra, child, &path, errors),
                    _ => {}
                }
            }
        }
    }
    if let (Value::Array(items), Some(item_schema)) = (v, s.get("items")) {
        for (i, item) in items.iter().enumerate() {
            check(root, item_schema, item, &format!("{at}/{i}"), errors);
        }
    }
}

fn schema_errors_in(
    root: &serde_json::Value,
    s: &serde_json::Value,
    v: &serde_json::Value,
    at: &str,
) -> Vec<String> {
    let mut e = Vec::new();
    check(root, s, v, at, &mut e);
    e
}
