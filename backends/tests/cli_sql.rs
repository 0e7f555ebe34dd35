//! `portcullis sql` as users run it: a predicate or a scope file in, `{sql, params}` out.

use serde_json::{json, Value};
use std::process::Command;

fn sql(args: &[&str]) -> (Option<i32>, String, String) {
    let out =
        Command::new(env!("CARGO_BIN_EXE_portcullis")).arg("sql").args(args).output().unwrap();
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (out.status.code(), text(out.stdout), text(out.stderr))
}

#[test]
fn a_predicate_compiles_to_a_fragment_and_its_parameters() {
    let (code, out, _) = sql(&[
        "--dialect",
        "postgres",
        "--entity-type",
        "detail",
        "--predicate",
        r#"NOT type eq "steel""#,
    ]);
    assert_eq!(code, Some(0));
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v, json!({"sql": "\"type\" <> $1", "params": [{"type": "text", "value": "steel"}]}));
    let (code, out, _) = sql(&[
        "--dialect",
        "sqlite",
        "--entity-type",
        "stash",
        "--predicate",
        r#"{"attr": "created_by", "op": "in", "value": ["5B6C7D8E-9FA0-4B1C-8D2E-3F4A5B6C7D8E"]}"#,
    ]);
    assert_eq!(code, Some(0));
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["params"],
        json!([{"type": "uuid[]", "value": ["5b6c7d8e-9fa0-4b1c-8d2e-3f4a5b6c7d8e"]}])
    );
    assert!(v["sql"].as_str().unwrap().contains("json_each(?1)"));
}

#[test]
fn a_scope_file_and_a_mapping_file_are_read() {
    let dir = std::env::temp_dir().join(format!("portcullis-sql-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let scope = dir.join("scope.json");
    std::fs::write(
        &scope,
        r#"{"all": false, "any": [{"attr": "name", "op": "eq", "value": "a"}]}"#,
    )
    .unwrap();
    let mapping = dir.join("mapping.json");
    std::fs::write(
        &mapping,
        json!({"tables": [{"entity_type": "tag", "table": "labels", "id": "id", "workspace": "ws",
        "columns": [{"attribute": "name", "column": "label", "storage": "text"}]}]})
        .to_string(),
    )
    .unwrap();
    let (scope, mapping) = (scope.display().to_string(), mapping.display().to_string());
    let (code, out, _) = sql(&[
        "--dialect",
        "sqlite",
        "--entity-type",
        "tag",
        "--scope",
        &scope,
        "--mapping",
        &mapping,
    ]);
    assert_eq!(code, Some(0));
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap()["sql"], json!("\"label\" = ?1"));
    // A mapping that stores an attribute as another type is refused.
    std::fs::write(
        &mapping,
        json!({"tables": [{"entity_type": "tag", "table": "labels", "id": "id", "workspace": "ws",
        "columns": [{"attribute": "name", "column": "label", "storage": "text_list"}]}]})
        .to_string(),
    )
    .unwrap();
    let (code, _, err) = sql(&[
        "--dialect",
        "sqlite",
        "--entity-type",
        "tag",
        "--scope",
        &scope,
        "--mapping",
        &mapping,
    ]);
    assert_eq!(code, Some(1), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_invalid_predicate_is_its_diagnostics() {
    let (code, _, err) =
        sql(&["--dialect", "sqlite", "--entity-type", "detail", "--predicate", r#"type like "x""#]);
    assert_eq!(code, Some(1));
    assert!(err.contains("operator_not_allowed"), "{err}");
    let (code, _, err) =
        sql(&["--dialect", "mysql", "--entity-type", "detail", "--predicate", "x"]);
    assert_eq!(code, Some(2), "{err}");
}
