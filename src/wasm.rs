//! JavaScript bindings: a translation layer over the native API, nothing more. Inputs arrive
//! as JS values and are read with serde; outputs leave as plain JSON-compatible objects.
//! Invalid *input* comes back as a structured result; *misuse* (a value of the wrong shape
//! for the API) throws a `TypeError`. No rule lives here.

use crate::grants::{Data, Firm, FilterRecord, Key, Operation, PolicyStore, Request, Row, World};
use crate::lang::{predicate_from_json, predicate_to_json};
use crate::preview::{check_previewable, count_matches};
use crate::schema::{Operator, ValueType};
use crate::validate::{compile_source, validate as validate_draft, FilterDraft, PredicateSource};
use crate::{limits, Diagnostic, Entity, Schema};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;

type JsResult = Result<JsValue, JsValue>;

fn to_js<T: Serialize + ?Sized>(v: &T) -> JsValue {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).unwrap_or(JsValue::NULL)
}

fn type_error(what: &str, e: impl std::fmt::Display) -> JsValue {
    js_sys::TypeError::new(&format!("portcullis: {what}: {e}")).into()
}

fn from_js<T: DeserializeOwned>(v: JsValue, what: &str) -> Result<T, JsValue> {
    serde_wasm_bindgen::from_value(v).map_err(|e| type_error(what, e))
}

fn errors(ds: &[Diagnostic]) -> JsValue {
    to_js(&json!({"ok": false, "errors": ds}))
}

/// `{entity_type, predicate? | predicate_text?}`: the part of a filter evaluation needs.
#[derive(Deserialize)]
struct PredicateInput {
    entity_type: String,
    #[serde(default)]
    predicate: Option<Value>,
    #[serde(default)]
    predicate_text: Option<String>,
}

impl PredicateInput {
    fn source(self) -> Result<(String, PredicateSource), JsValue> {
        let src = match (self.predicate, self.predicate_text) {
            (Some(v), None) => PredicateSource::Json(v),
            (None, Some(t)) => PredicateSource::Text(t),
            _ => return Err(type_error("filter", "give exactly one of `predicate` or `predicate_text`")),
        };
        Ok((self.entity_type, src))
    }
}

#[wasm_bindgen(typescript_custom_section)]
const TS: &str = r#"// Types: see index.d.ts, the hand-checked declarations of this package."#;

/// Parse the text form.
#[wasm_bindgen(skip_typescript)]
pub fn parse(text: &str) -> JsValue {
    match crate::parse(text) {
        Ok(p) => to_js(&json!({"ok": true, "predicate": predicate_to_json(&p), "text": p.to_string()})),
        Err(d) => errors(&[d]),
    }
}

/// Format a JSON-form predicate as canonical text.
#[wasm_bindgen(skip_typescript)]
pub fn format(predicate: JsValue) -> JsResult {
    let v: Value = from_js(predicate, "predicate")?;
    Ok(match predicate_from_json(&v, "$") {
        Ok(p) => to_js(&json!({"ok": true, "text": p.to_string()})),
        Err(ds) => errors(&ds),
    })
}

/// Validate a whole filter.
#[wasm_bindgen(skip_typescript)]
pub fn validate(filter: JsValue) -> JsResult {
    let draft: FilterDraft = from_js(filter, "filter")?;
    let v = validate_draft(&Schema::builtin(), &draft);
    let mut out = json!({"valid": v.is_valid(), "errors": v.errors, "warnings": v.warnings});
    if let Some(p) = &v.predicate {
        out["predicate"] = predicate_to_json(p);
        out["text"] = Value::String(p.to_string());
    }
    if let Some(f) = v.filter.as_ref().filter(|_| v.errors.is_empty()) {
        out["searchable"] = Value::Bool(f.is_searchable());
    }
    Ok(to_js(&out))
}

/// Whether one entity's attributes match a filter.
#[wasm_bindgen(skip_typescript)]
pub fn matches(filter: JsValue, attributes: JsValue) -> JsResult {
    let (t, src) = from_js::<PredicateInput>(filter, "filter")?.source()?;
    let attrs: serde_json::Map<String, Value> = from_js(attributes, "attributes")?;
    let schema = Schema::builtin();
    Ok(match compile_source(&schema, &t, &src) {
        Ok((f, _)) => {
            let e = crate::PreparedEntity::new(&schema, &t, &attrs);
            to_js(&json!({"ok": true, "matches": e.is_some_and(|e| f.matches(&e))}))
        }
        Err(ds) => errors(&ds),
    })
}

/// Preview match count over entities.
#[wasm_bindgen(skip_typescript)]
pub fn preview(filter: JsValue, entities: JsValue) -> JsResult {
    let draft: FilterDraft = from_js(filter, "filter")?;
    let entities: Vec<Entity> = from_js(entities, "entities")?;
    let schema = Schema::builtin();
    let v = validate_draft(&schema, &draft);
    let Some(f) = v.filter.filter(|_| v.errors.is_empty()) else {
        return Ok(to_js(&json!({"ok": false, "error": "invalid_filter", "errors": v.errors})));
    };
    if let Err(d) = check_previewable(&schema, &f) {
        return Ok(to_js(&json!({"ok": false, "error": d.code, "errors": [d]})));
    }
    let prepared: Vec<_> = entities.iter().filter(|e| e.entity_type == draft.entity_type).filter_map(|e| schema.prepare(e)).collect();
    let p = count_matches(&f, prepared.iter());
    Ok(to_js(&json!({"ok": true, "count": p.count, "truncated": p.truncated})))
}

/// The schema as a builder needs it.
#[wasm_bindgen(js_name = describeSchema, skip_typescript)]
pub fn describe_schema() -> JsValue {
    to_js(&describe(&Schema::builtin()))
}

fn describe(s: &Schema) -> Value {
    let types: Vec<Value> = s
        .entity_types
        .iter()
        .map(|t| {
            let attrs: Vec<Value> = t
                .attributes
                .iter()
                .map(|a| {
                    let ops: Vec<&str> = if a.filterable { a.value_type.operators().iter().map(|o| o.as_str()).collect() } else { vec![] };
                    json!({"name": a.name, "type": a.value_type, "filterable": a.filterable, "operators": ops, "searchable": t.searchable(&a.name, None)})
                })
                .collect();
            let unsearchable: Vec<Operator> = t.search.as_ref().map(|s| s.unsupported_operators.clone()).unwrap_or_default();
            json!({"name": t.name, "collection": t.collection, "actions": t.actions, "attributes": attrs,
                   "previewable": t.previewable, "unsearchable_operators": unsearchable})
        })
        .collect();
    let ops: serde_json::Map<String, Value> =
        ValueType::ALL.iter().map(|v| (v.as_str().to_string(), json!(v.operators().iter().map(|o| o.as_str()).collect::<Vec<_>>()))).collect();
    json!({
        "entity_types": types,
        "operators": ops,
        "limits": {
            "max_depth": limits::MAX_DEPTH, "max_group_children": limits::MAX_GROUP_CHILDREN,
            "max_name_chars": limits::MAX_NAME_CHARS, "max_description_chars": limits::MAX_DESCRIPTION_CHARS,
            "max_text_bytes": limits::MAX_TEXT_BYTES, "max_list_values": limits::MAX_LIST_VALUES,
            "max_string_chars": limits::MAX_STRING_CHARS, "preview_cap": limits::PREVIEW_CAP,
        }
    })
}

fn load_world(world: JsValue) -> Result<crate::grants::LoadedWorld, JsValue> {
    Ok(from_js::<World>(world, "world")?.load(Schema::builtin()))
}

/// Validate a key's grants against a world.
#[wasm_bindgen(js_name = validateGrants, skip_typescript)]
pub fn validate_grants(world: JsValue, key: JsValue) -> JsResult {
    let w = load_world(world)?;
    let key: Key = from_js(key, "key")?;
    Ok(to_js(&w.validate_key(&key)))
}

/// One-shot decision over a world.
#[wasm_bindgen(skip_typescript)]
pub fn decide(world: JsValue, key: JsValue, request: JsValue) -> JsResult {
    let w = load_world(world)?;
    let key: Option<Key> = from_js(key, "key")?;
    let req: Request = from_js(request, "request")?;
    Ok(to_js(&w.decide(key.as_ref(), &req)))
}

/// One-shot explained decision over a world.
#[wasm_bindgen(skip_typescript)]
pub fn explain(world: JsValue, key: JsValue, request: JsValue) -> JsResult {
    let w = load_world(world)?;
    let key: Option<Key> = from_js(key, "key")?;
    let req: Request = from_js(request, "request")?;
    Ok(to_js(&w.explain(key.as_ref(), &req)))
}

/// Filters and keys compiled once; decisions on demand.
#[wasm_bindgen(skip_typescript)]
pub struct Store {
    inner: PolicyStore,
}

enum Owned {
    Nothing,
    One(Option<Row>),
    Many(Vec<Row>),
}

impl Store {
    fn data(&self, req: &Request, data: JsValue) -> Result<Owned, JsValue> {
        let schema = self.inner.schema();
        if data.is_undefined() || data.is_null() {
            return Ok(match req.operation {
                Operation::Create => Owned::Nothing,
                Operation::List => Owned::Many(vec![]),
                _ => Owned::One(None),
            });
        }
        if req.operation == Operation::List {
            let es: Vec<Entity> = from_js(data, "entities")?;
            return Ok(Owned::Many(es.iter().filter_map(|e| Row::new(schema, e)).collect()));
        }
        let e: Entity = from_js(data, "entity")?;
        Ok(Owned::One(Row::new(schema, &e)))
    }
}

fn borrow(o: &Owned) -> Data<'_> {
    match o {
        Owned::Nothing => Data::Nothing,
        Owned::One(r) => Data::One(r.as_ref()),
        Owned::Many(rs) => Data::Many(rs),
    }
}

#[wasm_bindgen]
impl Store {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Store {
        Store { inner: PolicyStore::new(Schema::builtin()) }
    }

    #[wasm_bindgen(js_name = putFirm)]
    pub fn put_firm(&mut self, firm: JsValue) -> JsResult {
        let f: Firm = from_js(firm, "firm")?;
        Ok(match self.inner.put_firm(&f) {
            Ok(()) => to_js(&json!({"ok": true})),
            Err(d) => errors(&[d]),
        })
    }

    #[wasm_bindgen(js_name = putFilter)]
    pub fn put_filter(&mut self, record: JsValue) -> JsResult {
        let r: FilterRecord = from_js(record, "filter record")?;
        Ok(match self.inner.put_filter(r) {
            Ok(p) => to_js(&json!({"ok": true, "warnings": p.warnings, "keys_affected": p.keys_affected})),
            Err(ds) => errors(&ds),
        })
    }

    #[wasm_bindgen(js_name = archiveFilter)]
    pub fn archive_filter(&mut self, id: &str) -> JsValue {
        match self.inner.archive_filter(id) {
            Ok(()) => to_js(&json!({"ok": true})),
            Err(d) => errors(&[d]),
        }
    }

    #[wasm_bindgen(js_name = getFilter)]
    pub fn get_filter(&self, id: &str) -> JsValue {
        self.inner.filter(id).map_or(JsValue::NULL, |f| to_js(&f.record))
    }

    #[wasm_bindgen(js_name = putKey)]
    pub fn put_key(&mut self, key: JsValue) -> JsResult {
        let k: Key = from_js(key, "key")?;
        Ok(to_js(&self.inner.put_key(k)))
    }

    #[wasm_bindgen(js_name = removeKey)]
    pub fn remove_key(&mut self, id: &str) -> bool {
        self.inner.remove_key(id)
    }

    #[wasm_bindgen(js_name = validateKey)]
    pub fn validate_key(&self, key: JsValue) -> JsResult {
        let k: Key = from_js(key, "key")?;
        Ok(to_js(&self.inner.validate_key(&k)))
    }

    #[wasm_bindgen(js_name = keysHolding)]
    pub fn keys_holding(&self, filter_id: &str) -> u32 {
        self.inner.keys_holding(filter_id) as u32
    }

    #[wasm_bindgen(js_name = editImpact)]
    pub fn edit_impact(&self, filter_id: &str, edit: JsValue, entities: JsValue) -> JsResult {
        let (_, src) = from_js::<PredicateInput>(edit, "edit")?.source()?;
        let es: Vec<Entity> = from_js(entities, "entities")?;
        Ok(match self.inner.edit_impact(filter_id, &src, &es) {
            Ok(i) => to_js(&json!({"ok": true, "keys": i.keys, "gained": i.gained, "lost": i.lost})),
            Err(ds) => errors(&ds),
        })
    }

    pub fn decide(&self, key_id: Option<String>, request: JsValue, data: JsValue) -> JsResult {
        let req: Request = from_js(request, "request")?;
        let owned = self.data(&req, data)?;
        Ok(to_js(&self.inner.decide(key_id.as_deref(), &req, borrow(&owned))))
    }

    pub fn explain(&self, key_id: Option<String>, request: JsValue, data: JsValue) -> JsResult {
        let req: Request = from_js(request, "request")?;
        let owned = self.data(&req, data)?;
        Ok(to_js(&self.inner.explain(key_id.as_deref(), &req, borrow(&owned))))
    }

    #[wasm_bindgen(js_name = authorizeList)]
    pub fn authorize_list(&self, key_id: Option<String>, request: JsValue) -> JsResult {
        let req: Request = from_js(request, "request")?;
        Ok(match self.inner.authorize_list(key_id.as_deref(), &req) {
            Ok(a) => to_js(&json!({"status": 200, "scope": a.scope.to_json(), "require_match": a.require_match})),
            Err(d) => to_js(&d),
        })
    }

    #[wasm_bindgen(js_name = filterIds)]
    pub fn filter_ids(&self, key_id: Option<String>, request: JsValue, entities: JsValue) -> JsResult {
        let req: Request = from_js(request, "request")?;
        let es: Vec<Entity> = from_js(entities, "entities")?;
        let Ok(auth) = self.inner.authorize_list(key_id.as_deref(), &req) else { return Ok(to_js::<[String]>(&[])) };
        let schema = self.inner.schema();
        let ws = crate::value::parse_uuid(&req.workspace_id);
        let ids: Vec<&str> = es
            .iter()
            .filter(|e| e.entity_type == req.entity_type && crate::value::parse_uuid(&e.workspace_id) == ws)
            .filter(|e| schema.prepare(e).is_some_and(|p| auth.scope.matches(&p)))
            .map(|e| e.id.as_str())
            .collect();
        Ok(to_js(&ids))
    }
}

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}
