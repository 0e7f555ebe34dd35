// Shared body of the wasm-bindgen tests: the bindings exercised as JavaScript sees them.
use js_sys::{Array, Reflect, JSON};
use portcullis::wasm;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

fn get(v: &JsValue, k: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(k)).unwrap()
}

fn js(json: &str) -> JsValue {
    JSON::parse(json).unwrap()
}

#[wasm_bindgen_test]
fn parse_returns_the_tree_and_canonical_text() {
    let r = wasm::parse(r#"project_type eq "typical" and tags intersects ["concrete"]"#);
    assert_eq!(get(&r, "ok"), JsValue::TRUE);
    assert_eq!(get(&r, "text").as_string().unwrap(), r#"project_type eq "typical" AND tags intersects ["concrete"]"#);
    let and = get(&get(&r, "predicate"), "and");
    assert_eq!(Array::from(&and).length(), 2);
}

#[wasm_bindgen_test]
fn syntax_errors_carry_spans_for_javascript_strings() {
    let r = wasm::parse("name eq \"é\" AND");
    assert_eq!(get(&r, "ok"), JsValue::FALSE);
    let d = Array::from(&get(&r, "errors")).get(0);
    assert_eq!(get(&d, "code").as_string().unwrap(), "syntax_error");
    let span = get(&get(&d, "location"), "span");
    // Byte offsets and UTF-16 offsets differ after the `é`.
    assert_eq!(get(&span, "start").as_f64().unwrap(), 16.0);
    assert_eq!(get(&span, "utf16_start").as_f64().unwrap(), 15.0);
}

#[wasm_bindgen_test]
fn invalid_filters_are_results_and_misuse_is_a_type_error() {
    let r = wasm::validate(js(r#"{"entity_type":"stash","name":"","predicate_text":"created_by eq \"bob\""}"#)).unwrap();
    assert_eq!(get(&r, "valid"), JsValue::FALSE);
    assert_eq!(Array::from(&get(&r, "errors")).length(), 2);
    let err = wasm::validate(JsValue::from_f64(5.0)).unwrap_err();
    assert!(err.is_instance_of::<js_sys::TypeError>());
    // The module stays usable after misuse.
    assert_eq!(get(&wasm::parse("a eq 1"), "ok"), JsValue::TRUE);
}

#[wasm_bindgen_test]
fn the_store_decides_and_explains() {
    let mut s = wasm::Store::new();
    s.put_firm(js(r#"{"id":"f1000000-0000-4000-8000-000000000001","workspaces":["a1000000-0000-4000-8000-00000000000a"]}"#)).unwrap();
    let put = s.put_filter(js(r#"{"id":"flt","workspace_id":"a1000000-0000-4000-8000-00000000000a","entity_type":"detail","name":"x","predicate_text":"tags intersects [\"concrete\"]"}"#)).unwrap();
    assert_eq!(get(&put, "ok"), JsValue::TRUE);
    s.put_key(js(r#"{"id":"k","firm_id":"f1000000-0000-4000-8000-000000000001","grants":[{"workspace_id":"a1000000-0000-4000-8000-00000000000a","filter":"flt","actions":["read"]}]}"#)).unwrap();
    let req = js(r#"{"operation":"get","workspace_id":"a1000000-0000-4000-8000-00000000000a","entity_type":"detail","id":"e0000000-0000-4000-8000-000000000001"}"#);
    let inside = js(r#"{"id":"e0000000-0000-4000-8000-000000000001","workspace_id":"a1000000-0000-4000-8000-00000000000a","entity_type":"detail","attributes":{"tags":["concrete"]}}"#);
    let outside = js(r#"{"id":"e0000000-0000-4000-8000-000000000001","workspace_id":"a1000000-0000-4000-8000-00000000000a","entity_type":"detail","attributes":{"tags":["steel"]}}"#);
    assert_eq!(get(&s.decide(Some("k".into()), req.clone(), inside).unwrap(), "status").as_f64(), Some(200.0));
    assert_eq!(get(&s.decide(Some("k".into()), req.clone(), outside.clone()).unwrap(), "status").as_f64(), Some(404.0));
    assert_eq!(get(&s.decide(None, req.clone(), JsValue::NULL).unwrap(), "status").as_f64(), Some(401.0));
    let ex = s.explain(Some("k".into()), req, outside).unwrap();
    let g = Array::from(&get(&ex, "grants")).get(0);
    assert_eq!(get(&get(&g, "failed_condition"), "text").as_string().unwrap(), r#"tags intersects ["concrete"]"#);
    assert_eq!(s.keys_holding("flt"), 1);
}
