//! `portcullis conformance FILE...`: run case files in the format of
//! `shared/conformance/README.md` through the native engine.

use portcullis::grants::{Firm, Key, KeyChange, LoadedWorld, Request, World};
use portcullis::preview::{check_previewable, count_matches};
use portcullis::{compile, validate, FilterDraft, PreparedEntity, Schema};
use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, HashMap};

/// Totals over all files.
#[derive(Default)]
pub struct Tally {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
}

/// Run every case of one file, printing failures.
pub fn run_file(path: &str, tally: &mut Tally) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| format!("{path}: not JSON: {e}"))?;
    let cases = doc
        .get("cases")
        .and_then(Value::as_array)
        .ok_or_else(|| format!("{path}: no `cases` array"))?;
    let schema = Schema::builtin();
    let mut worlds: HashMap<String, LoadedWorld> = HashMap::new();
    if let Some(Value::Object(ws)) = doc.get("worlds") {
        for (name, w) in ws {
            let world: World = serde_json::from_value(w.clone())
                .map_err(|e| format!("{path}: world {name}: {e}"))?;
            worlds.insert(name.clone(), world.load(schema.clone()));
        }
    }
    for case in cases {
        let name = case.get("name").and_then(Value::as_str).unwrap_or("(unnamed)");
        let kind = case.get("kind").and_then(Value::as_str).unwrap_or("");
        let expect = case.get("expect").cloned().unwrap_or(Value::Null);
        let outcome = run_case(&schema, &worlds, kind, case);
        match outcome {
            None => {
                tally.skipped += 1;
                println!("SKIP {path}: {name} (kind `{kind}` is not supported)");
            }
            Some(Ok(actual)) if agrees(kind, &expect, &actual) => tally.passed += 1,
            Some(actual) => {
                tally.failed += 1;
                let actual = actual.unwrap_or_else(|e| json!({ "harness_error": e }));
                println!("FAIL {path}: {name}\n  expected: {expect}\n  actual:   {actual}");
            }
        }
    }
    Ok(())
}

fn field<'a>(case: &'a Value, k: &str) -> Result<&'a Value, String> {
    case.get(k).ok_or_else(|| format!("the case has no `{k}`"))
}

fn codes(ds: &[portcullis::Diagnostic]) -> Value {
    let set: BTreeSet<&str> = ds.iter().map(|d| d.code.as_str()).collect();
    json!(set)
}

/// The engine's answer to one case, in the `expect` shape; `None` for an unknown kind.
fn run_case(
    schema: &Schema,
    worlds: &HashMap<String, LoadedWorld>,
    kind: &str,
    case: &Value,
) -> Option<Result<Value, String>> {
    let r = match kind {
        "parse" => (|| {
            let text = field(case, "text")?.as_str().ok_or("`text` is not a string")?;
            Ok(match portcullis::parse(text) {
                Ok(p) => json!({"ok": true, "predicate": portcullis::lang::predicate_to_json(&p)}),
                Err(d) => json!({"ok": false, "errors": [d.code.as_str()]}),
            })
        })(),
        "validate" => (|| {
            let draft: FilterDraft = serde_json::from_value(field(case, "filter")?.clone())
                .map_err(|e| e.to_string())?;
            let v = validate(schema, &draft);
            Ok(
                json!({"valid": v.is_valid(), "errors": codes(&v.errors), "warnings": codes(&v.warnings)}),
            )
        })(),
        "match" => (|| {
            let t = field(case, "entity_type")?.as_str().ok_or("`entity_type` is not a string")?;
            let text = field(case, "predicate_text")?
                .as_str()
                .ok_or("`predicate_text` is not a string")?;
            let f = compile(schema, t, text)
                .map_err(|ds| format!("filter does not compile: {}", codes(&ds)))?;
            let attrs =
                field(case, "attributes")?.as_object().ok_or("`attributes` is not an object")?;
            let e = PreparedEntity::new(schema, t, attrs).ok_or("unknown entity type")?;
            Ok(json!(f.matches(&e)))
        })(),
        "preview" => (|| {
            let draft: FilterDraft = serde_json::from_value(field(case, "filter")?.clone())
                .map_err(|e| e.to_string())?;
            let v = validate(schema, &draft);
            let Some(f) = v.filter.filter(|_| v.errors.is_empty()) else {
                return Ok(json!({"error": "invalid_filter"}));
            };
            if let Err(d) = check_previewable(schema, &f) {
                return Ok(json!({"error": d.code.as_str()}));
            }
            let entities = expand_entities(schema, &draft.entity_type, field(case, "entities")?)?;
            let p = count_matches(&f, entities.iter());
            Ok(json!({"count": p.count, "truncated": p.truncated}))
        })(),
        "decide" => (|| {
            let w = world(worlds, case)?;
            let key: Option<Key> = serde_json::from_value(field(case, "key")?.clone())
                .map_err(|e| format!("key: {e}"))?;
            let req: Request = serde_json::from_value(field(case, "request")?.clone())
                .map_err(|e| format!("request: {e}"))?;
            let d = w.decide(key.as_ref(), &req);
            serde_json::to_value(&d).map_err(|e| e.to_string())
        })(),
        "grants" => (|| {
            let w = world(worlds, case)?;
            let key: Key = serde_json::from_value(field(case, "key")?.clone())
                .map_err(|e| format!("key: {e}"))?;
            let r = w.validate_key(&key);
            Ok(json!({"valid": r.valid, "errors": codes(&r.errors)}))
        })(),
        "attributes" => (|| {
            let t = field(case, "entity_type")?.as_str().ok_or("`entity_type` is not a string")?;
            let r = portcullis::attributes::check_attributes(schema, t, field(case, "attributes")?);
            let errors = r.err().unwrap_or_default();
            Ok(json!({"ok": errors.is_empty(), "errors": codes(&errors)}))
        })(),
        "system_filters" => (|| {
            let firm: Firm = serde_json::from_value(field(case, "firm")?.clone())
                .map_err(|e| format!("firm: {e}"))?;
            let workspaces: Vec<&str> = firm.workspaces.iter().map(String::as_str).collect();
            let names: Vec<String> =
                schema.system_filters(&firm.id, &workspaces).into_iter().map(|f| f.id).collect();
            Ok(json!(names))
        })(),
        "credentials" => (|| {
            let w = world(worlds, case)?;
            let key: Option<Key> = serde_json::from_value(field(case, "key")?.clone())
                .map_err(|e| format!("key: {e}"))?;
            let ip = case.get("source_ip").and_then(Value::as_str);
            Ok(json!({"accepted": w.check_credentials(key.as_ref(), ip).is_ok()}))
        })(),
        "key_change" => (|| {
            let w = world(worlds, case)?;
            let key: Key = serde_json::from_value(field(case, "key")?.clone())
                .map_err(|e| format!("key: {e}"))?;
            let previous: Option<Key> =
                serde_json::from_value(case.get("previous").cloned().unwrap_or(Value::Null))
                    .map_err(|e| format!("previous: {e}"))?;
            let viewer_firm = case.get("viewer_firm").and_then(Value::as_str);
            let change = KeyChange { key: &key, previous: previous.as_ref(), viewer_firm };
            let r = w.validate_key_change(&change);
            Ok(json!({"valid": r.valid, "errors": codes(&r.errors)}))
        })(),
        _ => return None,
    };
    Some(r)
}

fn world<'a>(
    worlds: &'a HashMap<String, LoadedWorld>,
    case: &Value,
) -> Result<&'a LoadedWorld, String> {
    let name = field(case, "world")?.as_str().ok_or("`world` is not a string")?;
    worlds.get(name).ok_or_else(|| format!("no world `{name}`"))
}

/// Entities of a preview case: full entities, or `{"repeat": N, "attributes": {...}}`.
fn expand_entities(
    schema: &Schema,
    entity_type: &str,
    v: &Value,
) -> Result<Vec<PreparedEntity>, String> {
    let items = v.as_array().ok_or("`entities` is not an array")?;
    let mut out = Vec::new();
    let empty = Map::new();
    for item in items {
        let attrs = item.get("attributes").and_then(Value::as_object).unwrap_or(&empty);
        let t = item.get("entity_type").and_then(Value::as_str).unwrap_or(entity_type);
        let Some(e) = PreparedEntity::new(schema, t, attrs) else { continue };
        let n = item.get("repeat").and_then(Value::as_u64).unwrap_or(1).min(10_000_000) as usize;
        out.extend(std::iter::repeat_n(e, n));
    }
    Ok(out)
}

/// Whether an answer equals the expectation under the README's rules: sets of codes and ids
/// compare as sets, parse errors need only include the expected codes, numbers compare by value.
fn agrees(kind: &str, expect: &Value, actual: &Value) -> bool {
    match kind {
        "parse" if expect.get("ok") == Some(&Value::Bool(false)) => {
            actual.get("ok") == Some(&Value::Bool(false))
                && expect.get("errors").and_then(Value::as_array).is_some_and(|want| {
                    let got =
                        actual.get("errors").and_then(Value::as_array).cloned().unwrap_or_default();
                    want.iter().all(|c| got.contains(c))
                })
        }
        "decide" => {
            let set = |v: Option<&Value>| {
                v.and_then(Value::as_array).map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_lowercase)
                        .collect::<BTreeSet<_>>()
                })
            };
            expect.get("status") == actual.get("status")
                && expect.get("code") == actual.get("code")
                && (expect.get("ids").is_none() || set(expect.get("ids")) == set(actual.get("ids")))
        }
        "validate" | "grants" | "attributes" | "key_change" => code_sets_eq(expect, actual),
        _ => json_eq(expect, actual),
    }
}

/// Structural equality with numbers compared by value.
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// Lists of codes compare as sets.
fn code_sets_eq(expect: &Value, actual: &Value) -> bool {
    let set = |v: &Value| {
        v.as_array()
            .map(|a| a.iter().filter_map(Value::as_str).map(String::from).collect::<BTreeSet<_>>())
    };
    let (Some(e), Some(a)) = (expect.as_object(), actual.as_object()) else { return false };
    e.len() == a.len()
        && e.iter().all(|(k, v)| match k.as_str() {
            "errors" | "warnings" => a.get(k).is_some_and(|w| set(v).is_some() && set(v) == set(w)),
            _ => a.get(k) == Some(v),
        })
}
