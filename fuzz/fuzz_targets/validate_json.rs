//! The JSON form and validation: arbitrary bytes → serde_json → a filter draft
//! (`{entity_type, name, description?, predicate | predicate_text}`) and/or a bare predicate
//! (the document itself, or its `predicate` member) → validate and compile, against the
//! built-in schema and a custom one with a number attribute and a search index.
//!
//! Beyond "no panic":
//! - a draft is valid exactly when it comes out compiled;
//! - every diagnostic has a JSON path; JSON-form diagnostics carry no span, text-form spans lie
//!   within the text on char boundaries;
//! - a compiled filter evaluates every fixed entity without panicking, `matches` is `eval ==
//!   true`, `explain` names a condition exactly when the entity does not match, and a preview
//!   count is the number of matches;
//! - the JSON form and the text form of one tree validate alike (the same (code, path) pairs,
//!   errors and warnings), and when valid, compile to filters that agree on every entity.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis::lang::{predicate_from_json, predicate_to_json, Predicate};
use portcullis::limits::{MAX_PARSE_NESTING, MAX_TEXT_BYTES};
use portcullis::{
    compile_source, parse, preview, validate, CompiledFilter, Diagnostic, FilterDraft,
    PredicateSource, PreparedEntity, Schema, Scope, Truth, Validation,
};
use serde_json::{json, Map, Value};
use std::sync::OnceLock;

struct Fixture {
    schemas: Vec<Schema>,
    /// Per schema, per entity type: the fixed entities, prepared.
    entities: Vec<Vec<Vec<PreparedEntity>>>,
}

const CUSTOM: &str = r#"{"entity_types": [{
    "name": "widget", "collection": "widgets", "actions": ["read", "write"],
    "attributes": [
        {"name": "weight", "type": "number"}, {"name": "label", "type": "text"},
        {"name": "flags", "type": "list"}, {"name": "owner", "type": "uuid"},
        {"name": "at", "type": "date"}, {"name": "on", "type": "bool"},
        {"name": "secret", "type": "text", "filterable": false}],
    "search": {"attributes": ["weight", "label", "flags"], "unsupported_operators": ["gt", "eq_set"]}
}]}"#;

fn attribute_sets() -> Vec<Map<String, Value>> {
    let sets = [
        json!({}),
        json!({"name": "concrete", "category": "Structural", "classification": "A", "tags": ["concrete", "typical"],
               "project_id": "9d7e0c4a-1b2f-4c3d-8e5f-60718293a4b5", "created_at": "2025-01-01",
               "type": "concrete", "project_type": "typical", "status": "draft",
               "is_permanent": true, "created_by": "5b6c7d8e-9fa0-4b1c-8d2e-3f4a5b6c7d8e",
               "weight": 1.5, "label": "a", "flags": ["x"], "owner": "5B6C7D8E-9FA0-4B1C-8D2E-3F4A5B6C7D8E",
               "at": "2025-01-01T09:30:00Z", "on": true, "secret": "s"}),
        json!({"name": 5, "category": null, "tags": ["a", 1], "project_id": "bob", "created_at": "yesterday",
               "type": ["concrete"], "project_type": true, "is_permanent": "yes", "created_by": 7,
               "weight": "1.5", "label": null, "flags": "x", "owner": "", "at": 20250101, "on": null}),
        json!({"name": "", "category": "structural", "tags": [], "project_id": "9D7E0C4A-1B2F-4C3D-8E5F-60718293A4B5",
               "created_at": "2024-12-31T23:30:00-02:00", "type": "steel", "project_type": "project",
               "is_permanent": false, "created_by": "00000000-0000-0000-0000-000000000000",
               "weight": -0.0, "label": "", "flags": [], "at": "2025-01-02", "on": false}),
        json!({"name": "Say \"hi\" é", "tags": ["draft", "concrete", "draft", "é"], "created_at": "2025-01-01T00:00:00.000000001+14:00",
               "type": "Concrete", "weight": 1e300, "flags": ["a", "b", "a"], "at": "0001-01-01", "on": true,
               "owner": "ffffffff-ffff-ffff-ffff-ffffffffffff"}),
        json!({"weight": 18446744073709551615u64, "created_at": "9999-12-31T23:59:59Z", "at": "2025-02-29"}),
        json!({"weight": -9007199254740993i64, "tags": ["concrete", "steel", "typical", "draft"], "at": "2025-01-01T09:30:00+00:00"}),
    ];
    sets.into_iter().map(|v| v.as_object().unwrap().clone()).collect()
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let schemas =
            vec![Schema::builtin(), Schema::from_json(CUSTOM).expect("the custom schema")];
        let sets = attribute_sets();
        let entities = schemas
            .iter()
            .map(|s| {
                s.entity_types
                    .iter()
                    .map(|t| {
                        sets.iter().map(|a| PreparedEntity::new(s, &t.name, a).unwrap()).collect()
                    })
                    .collect()
            })
            .collect();
        Fixture { schemas, entities }
    })
}

/// A value for a failure message, cut to a readable length.
fn short(v: &impl std::fmt::Debug) -> String {
    let s = format!("{v:?}");
    if s.chars().count() > 300 {
        format!("{}… ({} bytes)", s.chars().take(300).collect::<String>(), s.len())
    } else {
        s
    }
}

fn pairs(ds: &[Diagnostic]) -> Vec<(&'static str, String)> {
    let mut v: Vec<_> =
        ds.iter().map(|d| (d.code.as_str(), d.path().unwrap_or("").to_string())).collect();
    v.sort();
    v
}

fn check_diagnostics(v: &Validation, text: Option<&str>) {
    for d in v.errors.iter().chain(&v.warnings) {
        assert!(d.path().is_some(), "every validation diagnostic has a path: {d:?}");
        match (text, d.span()) {
            (None, Some(_)) => panic!("a JSON-form diagnostic with a span: {d:?}"),
            (Some(src), Some(s)) => {
                assert!(s.start <= s.end && s.end <= src.len(), "span outside the text: {d:?}");
                assert!(
                    src.is_char_boundary(s.start) && src.is_char_boundary(s.end),
                    "span inside a character: {d:?}"
                );
            }
            _ => {}
        }
    }
}

/// Evaluate a compiled filter on the fixed entities of every type of its schema.
fn evaluate(schema_index: usize, f: &CompiledFilter) -> Vec<Truth> {
    let fx = fixture();
    let schema = &fx.schemas[schema_index];
    let mut out = Vec::new();
    for (ti, es) in fx.entities[schema_index].iter().enumerate() {
        let own = schema.entity_types[ti].name == f.entity_type();
        for e in es {
            let t = f.eval(e);
            if !own {
                assert_eq!(t, Truth::Unknown, "an entity of another type is unknown");
            }
            assert_eq!(f.matches(e), t == Truth::True);
            let why = f.explain(e);
            assert_eq!(
                why.is_none(),
                t == Truth::True,
                "explain names a condition exactly when the entity does not match"
            );
            out.push(t);
        }
        if own {
            if let Ok(p) = preview(schema, f, es.iter()) {
                assert_eq!(p.count, es.iter().filter(|e| f.matches(e)).count());
                assert!(!p.truncated);
            }
        }
    }
    out
}

/// The other form of a tree that has one: the canonical text of a JSON-form tree when it
/// parses back to the same tree, the JSON form of a text-form tree.
fn other_form(tree: &Predicate, source: &PredicateSource) -> Option<(PredicateSource, Predicate)> {
    match source {
        PredicateSource::Json(_) => {
            let text = tree.to_string();
            let back = parse(&text).ok()?;
            Some((PredicateSource::Text(text), back))
        }
        PredicateSource::Text(t) => {
            // Bounds measured differently by the two forms: raw text size against canonical
            // text size, parser nesting against JSON nesting.
            if t.len().max(tree.to_string().len()) > MAX_TEXT_BYTES
                || tree.depth() > MAX_PARSE_NESTING
            {
                return None;
            }
            Some((PredicateSource::Json(predicate_to_json(tree)), tree.clone()))
        }
        PredicateSource::Tree(_) => None,
    }
}

fn check_draft(schema_index: usize, draft: &FilterDraft) {
    let schema = &fixture().schemas[schema_index];
    let text = match &draft.predicate {
        PredicateSource::Text(t) => Some(t.as_str()),
        _ => None,
    };
    let v = validate(schema, draft);
    check_diagnostics(&v, text);
    assert_eq!(v.is_valid(), v.filter.is_some(), "valid iff compiled: {:?}", v.errors);
    let results = v.filter.as_ref().map(|f| evaluate(schema_index, f));
    let Some(tree) = &v.predicate else { return };
    let Some((other, other_tree)) = other_form(tree, &draft.predicate) else { return };
    let w = validate(schema, &FilterDraft { predicate: other.clone(), ..draft.clone() });
    check_diagnostics(&w, if let PredicateSource::Text(t) = &other { Some(t) } else { None });
    if other_tree == *tree {
        assert_eq!(
            pairs(&v.errors),
            pairs(&w.errors),
            "errors, {} against {}",
            short(&draft.predicate),
            short(&other)
        );
        assert_eq!(
            pairs(&v.warnings),
            pairs(&w.warnings),
            "warnings, {} against {}",
            short(&draft.predicate),
            short(&other)
        );
    }
    // Single-child groups collapse in the text form, which can only lower the depth.
    if v.is_valid() {
        assert!(
            w.is_valid(),
            "{} is valid, its other form {} is not: {:?}",
            short(&draft.predicate),
            short(&other),
            w.errors
        );
        let f = w.filter.as_ref().expect("valid means compiled");
        assert_eq!(
            results.as_ref(),
            Some(&evaluate(schema_index, f)),
            "the two forms evaluate alike"
        );
    }
}

fn check_predicate(v: &Value) {
    let fx = fixture();
    let source = PredicateSource::Json(v.clone());
    for (si, schema) in fx.schemas.iter().enumerate() {
        for t in &schema.entity_types {
            match compile_source(schema, &t.name, &source) {
                Ok((f, _warnings)) => {
                    evaluate(si, &f);
                    // The same tree through the text form compiles too, and agrees.
                    let text = f.predicate().to_string();
                    if let Ok((g, _)) =
                        compile_source(schema, &t.name, &PredicateSource::Text(text.clone()))
                    {
                        assert_eq!(
                            evaluate(si, &f),
                            evaluate(si, &g),
                            "JSON form and {} disagree",
                            short(&text)
                        );
                    } else {
                        panic!(
                            "a compiled JSON predicate's canonical text {} does not compile",
                            short(&text)
                        );
                    }
                }
                Err(errors) => assert!(!errors.is_empty(), "a refusal says why"),
            }
        }
    }
    if predicate_from_json(v, "$").is_ok() {
        // The draft path with a name, for every entity type of both schemas.
        for (si, schema) in fx.schemas.iter().enumerate() {
            for t in &schema.entity_types {
                check_draft(
                    si,
                    &FilterDraft {
                        entity_type: t.name.clone(),
                        name: "n".into(),
                        description: None,
                        predicate: source.clone(),
                    },
                );
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(v) = serde_json::from_slice::<Value>(data) else { return };
    let fx = fixture();
    if let Ok(draft) = serde_json::from_value::<FilterDraft>(v.clone()) {
        for si in 0..fx.schemas.len() {
            check_draft(si, &draft);
        }
    }
    let predicate = v.get("predicate").unwrap_or(&v);
    check_predicate(predicate);
    if v.get("all").is_some() {
        for (si, schema) in fx.schemas.iter().enumerate() {
            for (ti, t) in schema.entity_types.iter().enumerate() {
                if let Ok(scope) = Scope::from_json(schema, &t.name, &v) {
                    let back = Scope::from_json(schema, &t.name, &scope.to_json())
                        .expect("a scope's wire form reads back");
                    for e in &fx.entities[si][ti] {
                        assert_eq!(scope.matches(e), back.matches(e));
                    }
                }
            }
        }
    }
});
