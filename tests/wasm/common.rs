// Shared body of the wasm-bindgen tests: the raw bindings as the package's JavaScript layer
// (pkg/api.mjs) calls them, JSON text in and out, inside a real JS engine.
use portcullis::wasm;
use serde_json::{json, Value};
use wasm_bindgen_test::wasm_bindgen_test;

fn v(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

#[wasm_bindgen_test]
fn parse_returns_the_tree_and_canonical_text() {
    let r = v(&wasm::parse(r#"project_type eq "typical" and tags intersects ["concrete"]"#));
    assert_eq!(r["ok"], json!(true));
    assert_eq!(r["text"], json!(r#"project_type eq "typical" AND tags intersects ["concrete"]"#));
    assert_eq!(r["predicate"]["and"].as_array().unwrap().len(), 2);
}

#[wasm_bindgen_test]
fn syntax_errors_carry_spans_for_javascript_strings() {
    let r = v(&wasm::parse("name eq \"é\" AND"));
    assert_eq!(r["ok"], json!(false));
    let d = &r["errors"][0];
    assert_eq!(d["code"], json!("syntax_error"));
    // Byte offsets and UTF-16 offsets differ after the `é`.
    assert_eq!(d["location"]["span"]["start"], json!(16));
    assert_eq!(d["location"]["span"]["utf16_start"], json!(15));
}

#[wasm_bindgen_test]
fn invalid_filters_are_results_and_misuse_is_reported_as_such() {
    let r = v(&wasm::validate(r#"{"entity_type":"stash","name":"","predicate_text":"created_by eq \"bob\""}"#));
    assert_eq!(r["valid"], json!(false));
    assert_eq!(r["errors"].as_array().unwrap().len(), 2);
    let misuse = v(&wasm::validate("5"));
    assert!(misuse["type_error"].as_str().unwrap().starts_with("filter:"));
    let misuse = v(&wasm::validate("{not json"));
    assert!(misuse["type_error"].is_string());
    // The module stays usable after misuse.
    assert_eq!(v(&wasm::parse("a eq 1"))["ok"], json!(true));
}

const WS: &str = "a1000000-0000-4000-8000-00000000000a";
const FIRM: &str = "f1000000-0000-4000-8000-000000000001";

fn store() -> wasm::Store {
    let mut s = wasm::Store::new();
    s.put_firm(&json!({"id": "f1000000-0000-4000-8000-000000000001", "workspaces": [WS]}).to_string());
    let put = v(&s.put_filter(&json!({"id": "flt", "workspace_id": WS, "entity_type": "detail", "name": "x", "predicate_text": "tags intersects [\"concrete\"]"}).to_string()));
    assert_eq!(put["ok"], json!(true));
    s.put_key(&json!({"id": "k", "firm_id": "f1000000-0000-4000-8000-000000000001", "grants": [{"workspace_id": WS, "filter": "flt", "actions": ["read"]}]}).to_string());
    s
}

fn entity(id: u32, tag: &str) -> Value {
    json!({"id": format!("e0000000-0000-4000-8000-{id:012}"), "workspace_id": WS, "entity_type": "detail", "attributes": {"tags": [tag]}})
}

#[wasm_bindgen_test]
fn the_store_decides_and_explains_one_entity() {
    let s = store();
    let req = json!({"operation": "get", "workspace_id": WS, "entity_type": "detail", "id": "e0000000-0000-4000-8000-000000000001"}).to_string();
    let inside = entity(1, "concrete").to_string();
    let outside = entity(1, "steel").to_string();
    // The entity goes through the input buffer, as pkg/api.mjs writes it; the answer is
    // status * 4 + deny code (1 invalid_token, 2 insufficient_scope, 3 not_found).
    let len = wasm::write_input(&inside) as i32;
    assert_eq!(s.decide_one_input(Some("k".into()), &req, len), 200 * 4);
    let len = wasm::write_input(&outside) as i32;
    assert_eq!(s.decide_one_input(Some("k".into()), &req, len), 404 * 4 + 3);
    assert_eq!(s.decide_one_input(None, &req, -1), 401 * 4 + 1);
    // The text `null` is no entity, for decide as for explain.
    let len = wasm::write_input(" null ") as i32;
    assert_eq!(s.decide_one_input(Some("k".into()), &req, len), 404 * 4 + 3);
    assert_eq!(v(&s.explain_one(Some("k".into()), &req, Some(" null ".into())))["decision"]["status"], json!(404));
    assert_eq!(s.decide_one_input(Some("k".into()), "[]", -1), 0);
    assert!(wasm::last_error().starts_with("request:"));
    let len = wasm::write_input("{\"id\": 5}") as i32;
    assert_eq!(s.decide_one_input(Some("k".into()), &req, len), 0);
    assert!(wasm::last_error().starts_with("entity:"));
    assert_eq!(s.decide_one_input(Some("k".into()), &req, 1 << 30), 0);
    assert!(wasm::last_error().contains("outside the input buffer"));
    let ex = v(&s.explain_one(Some("k".into()), &req, Some(outside)));
    assert_eq!(ex["grants"][0]["failed_condition"]["text"], json!(r#"tags intersects ["concrete"]"#));
    assert_eq!(s.keys_holding("flt"), 1);
}

#[wasm_bindgen_test]
fn lists_and_previews_run_over_a_loaded_entity_set() {
    let s = store();
    let es: Vec<Value> = (0..50).map(|i| entity(i, if i % 5 == 0 { "concrete" } else { "steel" })).collect();
    let len = wasm::write_input(&Value::Array(es).to_string());
    let set = wasm::EntitySet::from_input(len).unwrap();
    assert_eq!(set.length(), 50);
    let req = json!({"operation": "list", "workspace_id": WS, "entity_type": "detail"}).to_string();
    let d = v(&s.decide_in_set(Some("k".into()), &req, &set));
    assert_eq!(d["status"], json!(200));
    assert_eq!(d["ids"].as_array().unwrap().len(), 10);
    // A single-entity request over the set is decided on the entity it names (its id, in any
    // letter case).
    let get = |id: u32| json!({"operation": "get", "workspace_id": WS, "entity_type": "detail", "id": format!("E0000000-0000-4000-8000-{id:012}")}).to_string();
    assert_eq!(v(&s.decide_in_set(Some("k".into()), &get(5), &set))["status"], json!(200));
    assert_eq!(v(&s.decide_in_set(Some("k".into()), &get(6), &set))["status"], json!(404));
    assert_eq!(v(&s.decide_in_set(Some("k".into()), &get(99), &set))["status"], json!(404));
    assert_eq!(v(&s.explain_in_set(Some("k".into()), &get(5), &set))["decision"]["status"], json!(200));
    let p = v(&wasm::preview(r#"{"entity_type":"detail","name":"n","predicate_text":"tags intersects [\"steel\"]"}"#, &set));
    assert_eq!(p, json!({"ok": true, "count": 40, "truncated": false}));
    assert!(wasm::EntitySet::new("{\"not\": \"an array\"}").is_err());
}

#[wasm_bindgen_test]
fn the_rules_consumers_ask_for() {
    let s = store();
    let ok = v(&wasm::check_attributes("stash", r#"{"is_permanent": true, "project_id": null}"#));
    assert_eq!(ok, json!({"ok": true}));
    let bad = v(&wasm::check_attributes("detail", r#"{"created_at": "2025-01-01", "tags": [1]}"#));
    let codes: Vec<&str> = bad["errors"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["read_only_attribute", "invalid_attribute"]);
    let firm = json!({"id": FIRM, "workspaces": [WS]}).to_string();
    let names: Vec<Value> = v(&wasm::system_filters(&firm)).as_array().unwrap().iter().map(|f| f["id"].clone()).collect();
    assert_eq!(names.len(), 5);
    assert_eq!(names[4], json!("default:any"));
    assert!(wasm::is_system_filter("default:any") && !wasm::is_system_filter("any"));
    assert_eq!(wasm::canonical_uuid("A1000000-0000-4000-8000-00000000000A").as_deref(), Some(WS));
    assert_eq!(wasm::canonical_uuid("d1"), None);
    assert!(s.accepts_credentials(Some("k".into()), None));
    assert!(!s.accepts_credentials(Some("nobody".into()), None));
    let key = json!({"id": "k2", "firm_id": FIRM, "grants": [{"workspace_id": WS, "filter": "nothing", "actions": ["read"]}]});
    let r = v(&s.validate_key_change(&key.to_string(), None, Some(FIRM.into())));
    assert_eq!(r["errors"][0]["code"], json!("unknown_filter"));
}
