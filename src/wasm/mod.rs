//! JavaScript bindings: a translation layer over the native API, nothing more. No rule lives
//! here.
//!
//! Everything crosses the boundary as JSON text: `pkg/api.mjs` (the package's public surface)
//! stringifies inputs and parses outputs. One text codec instead of walking JS objects field
//! by field through `Reflect` keeps the module small and the boundary cheap, and lets a caller
//! that already holds JSON text (a gateway reading the data service's body) pass it untouched.
//!
//! Invalid *input* (a bad filter, an unknown key) comes back as a structured result. *Misuse*
//! (JSON of the wrong shape for the API) comes back as `{"type_error": "..."}`, which the
//! wrapper throws as a `TypeError`; hot paths that answer a number answer 0 instead and leave
//! the message in [`last_error`].

use crate::grants::{Data, DenyCode, FilterRecord, Firm, Key, PolicyStore, Request, Row};
use crate::json::scan::{read_tree, ScanError, ScanErrorKind};
use crate::lang::{predicate_from_json, predicate_to_json};
use crate::preview::{check_previewable, count_matches};
use crate::record::{FromTree, ReadError, ReadErrorKind};
use crate::validate::{compile_source, validate as validate_draft, FilterDraft, PredicateSource};
use crate::{Diagnostic, Schema};
use serde_json::Value;
use std::cell::{Ref, RefCell, RefMut};
use std::rc::Rc;

mod decider;
pub use decider::Decider;
#[cfg(feature = "service")]
mod service;
#[cfg(feature = "service")]
pub use service::{
    canonical_uuid, check_attributes, compile_scope_sql, compile_sql, is_system_filter,
};
use wasm_bindgen::prelude::*;

/// Why the shape was wrong, for the wrapper's `TypeError`.
struct Misuse(String);

type Answer = Result<String, Misuse>;

use crate::json::write::{text as out, Obj};

fn answer(a: Answer) -> String {
    a.unwrap_or_else(|Misuse(m)| Obj::new().field("type_error", &m).end())
}

/// A record of the wrong shape, in the caller's terms: `what` is the argument's name as the
/// JavaScript API calls it, and the field's path follows it as a property path
/// (`key.grants[0].filter: expected a string, got a number`).
fn shape(what: &str, e: &ReadError) -> Misuse {
    let (at, sep) = if e.path().is_empty() { ("", "") } else { (e.path(), ".") };
    Misuse(match e.kind() {
        ReadErrorKind::WrongType { expected, found } => {
            format!("{what}{sep}{at}: expected {expected}, got {found}")
        }
        ReadErrorKind::MissingField(k) => format!("{what}{sep}{at}: `{k}` is missing"),
        ReadErrorKind::Custom(m) => format!("{what}{sep}{at}: {m}"),
    })
}

/// Malformed JSON text as misuse: a record's error as [`shape`] words it; for text that is not
/// well-formed, the byte offset where it was noticed, as ` at byte N` at the very end. The
/// JavaScript layer turns that into an index into the caller's text, or drops it when the text
/// was its own (an object it stringified).
fn scanned(what: &str, e: ScanError) -> Misuse {
    match e.kind {
        ScanErrorKind::Record(r) => shape(what, &r),
        k => Misuse(format!("{what}: {k} at byte {}", e.offset)),
    }
}

/// A JSON tree from text, with the crate's strict JSON reader.
fn tree(text: &str, what: &str) -> Result<Value, Misuse> {
    read_tree(text).map_err(|e| scanned(what, e))
}

/// A record from JSON text: the tree, then the record's reader.
fn read<T: FromTree>(text: &str, what: &str) -> Result<T, Misuse> {
    T::from_tree(&tree(text, what)?).map_err(|e| shape(what, &e))
}

/// What reading a document the caller wrote (a filter, a predicate, attributes) gives. In the
/// service module, whose callers pass on what their own callers wrote (a gateway's admin API),
/// a document nested past what the reader takes is refused with a diagnostic rather than as
/// misuse: the inner `Err` is that answer, in the failure shape every function answering with
/// diagnostics shares (`ok` and `valid` false, `error`, `errors`, empty `warnings` and
/// `notices`). The main module's callers (a page) build their documents, so there it is plain
/// misuse, and the module keeps the bytes.
#[cfg(feature = "service")]
type Input<T> = Result<Result<T, String>, Misuse>;
#[cfg(not(feature = "service"))]
type Input<T> = Result<T, Misuse>;

/// A caller's document as a tree (see [`Input`]).
#[cfg(feature = "service")]
fn tree_input(text: &str, what: &str) -> Input<Value> {
    match read_tree(text) {
        Ok(v) => Ok(Ok(v)),
        Err(e) if e.kind == ScanErrorKind::NestedTooDeeply => Ok(Err(TOO_DEEP.into())),
        Err(e) => Err(scanned(what, e)),
    }
}
#[cfg(not(feature = "service"))]
fn tree_input(text: &str, what: &str) -> Input<Value> {
    tree(text, what)
}

/// The answer for a document nested too deeply, written out once: it is the same for every
/// input, and building it would cost the module more than the text does.
#[cfg(feature = "service")]
const TOO_DEEP: &str = concat!(
    r#"{"ok":false,"valid":false,"error":"input_too_large","errors":[{"code":"input_too_large","#,
    r#""severity":"error","message":"the document is nested more than 127 levels deep","#,
    r#""location":{"path":"$"}}],"#,
    r#""warnings":[],"notices":[]}"#
);
#[cfg(feature = "service")]
const _: () = assert!(crate::json::MAX_NESTING == 127, "TOO_DEEP states the bound");

/// [`read`] for a document the caller wrote (see [`Input`]).
#[cfg(feature = "service")]
fn read_input<T: FromTree>(text: &str, what: &str) -> Input<T> {
    match tree_input(text, what)? {
        Ok(v) => read_through(T::from_tree(&v).map_err(|e| shape(what, &e))),
        Err(refusal) => Ok(Err(refusal)),
    }
}
#[cfg(not(feature = "service"))]
fn read_input<T: FromTree>(text: &str, what: &str) -> Input<T> {
    read(text, what)
}

/// The value of a caller's document; in the service module, its refusal returned as the
/// function's answer instead (see [`Input`]).
#[cfg(feature = "service")]
macro_rules! input {
    ($read:expr) => {
        match $read? {
            Ok(v) => v,
            Err(refusal) => return Ok(refusal),
        }
    };
}
#[cfg(not(feature = "service"))]
macro_rules! input {
    ($read:expr) => {
        $read?
    };
}
#[cfg(feature = "service")]
pub(crate) use input;

fn errors(ds: &[Diagnostic]) -> String {
    Obj::new().field("ok", &false).field("errors", ds).end()
}

fn request_from(text: &str) -> Result<Request, Misuse> {
    Request::from_json(text).map_err(|e| scanned("request", e))
}

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
    /// Where the wrapper writes large inputs (entities) as UTF-8 with `TextEncoder.encodeInto`:
    /// one native copy, instead of wasm-bindgen's per-character string transfer and an
    /// allocation per call. Kept between calls; it only grows.
    static INPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Make room for `len` bytes of input and answer the buffer's address in linear memory. The
/// wrapper writes there, then calls a `...Input` function with the lengths it wrote.
#[wasm_bindgen(js_name = inputBuffer)]
pub fn input_buffer(len: usize) -> *mut u8 {
    INPUT.with(|b| {
        let mut b = b.borrow_mut();
        if b.len() < len {
            // Exactly `len`, and the old bytes freed first (they are not needed): a growing
            // Vec would double its capacity and copy, holding up to three times the input.
            *b = Vec::new();
            *b = vec![0; len];
        }
        b.as_mut_ptr()
    })
}

/// Write `text` at the start of the input buffer, as the JavaScript wrapper does (for Rust
/// callers and tests).
pub fn write_input(text: &str) -> usize {
    INPUT.with(|b| {
        let mut b = b.borrow_mut();
        b.clear();
        b.extend_from_slice(text.as_bytes());
    });
    text.len()
}

/// Run `f` on the input buffer's text `start..start + len`; a range outside the buffer or
/// bytes that are not UTF-8 are misuse.
fn with_input<T>(
    start: usize,
    len: usize,
    f: impl FnOnce(&str) -> Result<T, Misuse>,
) -> Result<T, Misuse> {
    INPUT.with(|b| {
        let b = b.borrow();
        let bytes = start
            .checked_add(len)
            .and_then(|end| b.get(start..end))
            .ok_or_else(|| Misuse("input: outside the input buffer".into()))?;
        let text = std::str::from_utf8(bytes).map_err(|_| Misuse("input: not UTF-8".into()))?;
        f(text)
    })
}

/// The message of the last misuse answered as 0 by a hot path.
#[wasm_bindgen(js_name = lastError)]
pub fn last_error() -> String {
    LAST_ERROR.with(|e| e.borrow().clone())
}

fn remember(Misuse(m): Misuse) -> u32 {
    LAST_ERROR.with(|e| *e.borrow_mut() = m);
    0
}

/// `{entity_type, predicate? | predicate_text?}`: the part of a filter evaluation needs.
fn predicate_input(text: &str, what: &str) -> Input<(String, PredicateSource)> {
    #[cfg(feature = "service")]
    let v = match tree_input(text, what)? {
        Ok(v) => v,
        Err(refusal) => return Ok(Err(refusal)),
    };
    #[cfg(not(feature = "service"))]
    let v = tree_input(text, what)?;
    let read = || -> Result<(String, PredicateSource), crate::record::ReadError> {
        let f = crate::record::Fields::of(&v, String::new())?;
        let src = match (f.get("predicate"), f.opt_string("predicate_text")?) {
            (Some(p), None) => PredicateSource::Json(p.clone()),
            (None, Some(t)) => PredicateSource::Text(t),
            _ => return Err("give exactly one of `predicate` or `predicate_text`".into()),
        };
        Ok((f.string("entity_type")?, src))
    };
    read_through(read().map_err(|e| shape(what, &e)))
}

/// A read that got past the document's depth, as an [`Input`].
#[cfg(feature = "service")]
fn read_through<T>(r: Result<T, Misuse>) -> Input<T> {
    r.map(Ok)
}
#[cfg(not(feature = "service"))]
fn read_through<T>(r: Result<T, Misuse>) -> Input<T> {
    r
}

/// Parse the text form.
#[wasm_bindgen]
pub fn parse(text: &str) -> String {
    match crate::parse(text) {
        Ok(p) => Obj::new()
            .field("ok", &true)
            .field("predicate", &predicate_to_json(&p))
            .field("text", &p.to_string())
            .end(),
        Err(d) => errors(&[d]),
    }
}

/// Format a JSON-form predicate as canonical text.
#[wasm_bindgen]
pub fn format(predicate: &str) -> String {
    answer((|| {
        let v = input!(tree_input(predicate, "predicate"));
        Ok(match predicate_from_json(&v, "$") {
            Ok(p) => Obj::new().field("ok", &true).field("text", &p.to_string()).end(),
            Err(ds) => errors(&ds),
        })
    })())
}

/// Validate a whole filter.
#[wasm_bindgen]
pub fn validate(filter: &str) -> String {
    answer((|| {
        let draft: FilterDraft = input!(read_input(filter, "filter"));
        let v = validate_draft(&Schema::builtin(), &draft);
        let mut o = Obj::new()
            .field("valid", &v.is_valid())
            .field("errors", &v.errors)
            .field("warnings", &v.warnings)
            .field("notices", &v.notices);
        if let Some(p) = &v.predicate {
            o = o.field("predicate", &predicate_to_json(p)).field("text", &p.to_string());
        }
        if let Some(f) = v.filter.as_ref().filter(|_| v.errors.is_empty()) {
            o = o.field("searchable", &f.is_searchable());
        }
        Ok(o.end())
    })())
}

/// Whether one entity's attributes match a filter.
#[wasm_bindgen]
pub fn matches(filter: &str, attributes: &str) -> String {
    answer((|| {
        let (t, src) = input!(predicate_input(filter, "filter"));
        let Value::Object(attrs) = input!(tree_input(attributes, "attributes")) else {
            return Err(Misuse("attributes: expected an object".into()));
        };
        let schema = Schema::builtin();
        Ok(match compile_source(&schema, &t, &src) {
            Ok((f, _)) => {
                let e = crate::PreparedEntity::new(&schema, &t, &attrs);
                Obj::new()
                    .field("ok", &true)
                    .field("matches", &e.is_some_and(|e| f.matches(&e)))
                    .end()
            }
            Err(ds) => errors(&ds),
        })
    })())
}

/// Preview match count over a loaded entity set.
#[wasm_bindgen]
pub fn preview(filter: &str, entities: &EntitySet) -> String {
    answer((|| {
        let draft: FilterDraft = input!(read_input(filter, "filter"));
        let schema = Schema::builtin();
        let v = validate_draft(&schema, &draft);
        let Some(f) = v.filter.filter(|_| v.errors.is_empty()) else {
            return Ok(Obj::new()
                .field("ok", &false)
                .field("error", "invalid_filter")
                .field("errors", &v.errors)
                .end());
        };
        Ok(preview_answer(&schema, &f, entities))
    })())
}

/// Preview match count of a predicate alone (`{entity_type, predicate | predicate_text}`):
/// what [`preview`] answers for a filter with that predicate, without the name and description
/// a whole filter needs, so an author sees the count while the filter is still unnamed.
#[wasm_bindgen(js_name = previewPredicate)]
pub fn preview_predicate(input: &str, entities: &EntitySet) -> String {
    answer((|| {
        let (t, src) = input!(predicate_input(input, "input"));
        let schema = Schema::builtin();
        let f = match compile_source(&schema, &t, &src) {
            Ok((f, _)) => f,
            Err(ds) => {
                return Ok(Obj::new()
                    .field("ok", &false)
                    .field("error", "invalid_filter")
                    .field("errors", &ds)
                    .end())
            }
        };
        Ok(preview_answer(&schema, &f, entities))
    })())
}

/// A valid filter's preview over the set: the count, or why it cannot be previewed.
fn preview_answer(schema: &Schema, f: &crate::CompiledFilter, entities: &EntitySet) -> String {
    if let Err(d) = check_previewable(schema, f) {
        return Obj::new().field("ok", &false).field("error", &d.code).field("errors", &[&d]).end();
    }
    let p = count_matches(
        f,
        entities.rows.iter().map(|r| &r.entity).filter(|e| e.entity_type() == f.entity_type()),
    );
    Obj::new().field("ok", &true).field("count", &p.count).field("truncated", &p.truncated).end()
}

/// The schema as a builder needs it: [`Schema::describe`] of the built-in schema, kept as
/// text (see [`crate::schema::BUILTIN_DESCRIPTION`]).
#[wasm_bindgen(js_name = describeSchema)]
pub fn describe_schema() -> String {
    crate::schema::BUILTIN_DESCRIPTION.to_string()
}

/// The system filters of a firm (`{id, workspaces}`, as for `putFirm`): see
/// [`Schema::system_filters`].
#[wasm_bindgen(js_name = systemFilters)]
pub fn system_filters(firm: &str) -> String {
    answer((|| {
        let f: Firm = read(firm, "firm")?;
        let workspaces: Vec<&str> = f.workspaces.iter().map(String::as_str).collect();
        Ok(out(&Schema::builtin().system_filters(&f.id, &workspaces)))
    })())
}

/// Entities loaded and prepared once (parsed, typed into slots), for previews, list decisions
/// and edit impact over the same data without re-sending it.
#[wasm_bindgen]
pub struct EntitySet {
    rows: Vec<Row>,
}

impl EntitySet {
    /// Load a JSON array of entities. Entities of a type the schema does not know are kept out
    /// (no filter can match them). (The package loads sets through [`EntitySet::from_input`];
    /// this is the same for Rust callers and tests, and not exported to JavaScript.)
    pub fn new(entities: &str) -> Result<EntitySet, String> {
        Row::many_from_json(&Schema::builtin(), entities)
            .map(|rows| EntitySet { rows })
            .map_err(|e| format!("entities: {e}"))
    }
}

#[wasm_bindgen]
impl EntitySet {
    /// Load the JSON array the wrapper wrote at the start of the input buffer.
    #[wasm_bindgen(js_name = fromInput)]
    pub fn from_input(len: usize) -> Result<EntitySet, JsValue> {
        let rows = with_input(0, len, |text| {
            Row::many_from_json(&Schema::builtin(), text).map_err(|e| scanned("entities", e))
        });
        rows.map(|rows| EntitySet { rows }).map_err(|Misuse(m)| JsValue::from_str(&m))
    }

    /// How many entities the set holds.
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> u32 {
        self.rows.len() as u32
    }
}

/// Filters and keys compiled once; decisions on demand.
#[wasm_bindgen]
pub struct Store {
    /// Shared with the store's [`decider::Decider`]s, which see every edit on their next call.
    inner: Rc<RefCell<PolicyStore>>,
}

impl Store {
    fn store(&self) -> Ref<'_, PolicyStore> {
        self.inner.borrow()
    }

    fn store_mut(&self) -> RefMut<'_, PolicyStore> {
        self.inner.borrow_mut()
    }

    fn row(&self, text: &str) -> Result<Option<Row>, Misuse> {
        entity_row(self.store().schema(), text)
    }
}

/// An entity's JSON text as a row; the text `null` is no entity, as an absent one is.
fn entity_row(schema: &Schema, text: &str) -> Result<Option<Row>, Misuse> {
    if text.trim_matches([' ', '\t', '\n', '\r']) == "null" {
        return Ok(None);
    }
    Row::from_json(schema, text).map_err(|e| scanned("entity", e))
}

/// A single-entity decision as one number: the status times 4 plus the deny code's number
/// (0 none, 1 invalid_token, 2 insufficient_scope, 3 not_found).
fn decision_code(d: &crate::Decision) -> u32 {
    let code = match d.code {
        None => 0,
        Some(DenyCode::InvalidToken) => 1,
        Some(DenyCode::InsufficientScope) => 2,
        Some(DenyCode::NotFound) => 3,
    };
    u32::from(d.status) * 4 + code
}

#[wasm_bindgen]
impl Store {
    /// An empty store over the built-in schema.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Store {
        Store { inner: Rc::new(RefCell::new(PolicyStore::new(Schema::builtin()))) }
    }

    /// Add or replace a firm (`{id, workspaces}`): `{ok}` or `{ok: false, errors}`.
    #[wasm_bindgen(js_name = putFirm)]
    pub fn put_firm(&mut self, firm: &str) -> String {
        answer((|| {
            let f: Firm = read(firm, "firm")?;
            Ok(match self.store_mut().put_firm(&f) {
                Ok(()) => r#"{"ok":true}"#.into(),
                Err(d) => errors(&[d]),
            })
        })())
    }

    /// Add or edit a filter record: `{ok, warnings, keys_affected}` or `{ok: false, errors}`.
    #[wasm_bindgen(js_name = putFilter)]
    pub fn put_filter(&mut self, record: &str) -> String {
        answer((|| {
            let r: FilterRecord = input!(read_input(record, "record"));
            Ok(match self.store_mut().put_filter(r) {
                Ok(p) => Obj::new()
                    .field("ok", &true)
                    .field("warnings", &p.warnings)
                    .field("keys_affected", &p.keys_affected)
                    .end(),
                Err(ds) => errors(&ds),
            })
        })())
    }

    /// Archive a filter: `{ok}` or `{ok: false, errors}`.
    #[wasm_bindgen(js_name = archiveFilter)]
    pub fn archive_filter(&mut self, id: &str) -> String {
        match self.store_mut().archive_filter(id) {
            Ok(()) => r#"{"ok":true}"#.into(),
            Err(d) => errors(&[d]),
        }
    }

    /// The stored filter record with this id (its predicate in both canonical forms), or
    /// `null`.
    #[wasm_bindgen(js_name = getFilter)]
    pub fn get_filter(&self, id: &str) -> String {
        self.store().filter(id).map_or_else(|| "null".into(), |f| out(&f.record))
    }

    /// Add or replace a key: its grant report (a key with invalid grants is stored, and
    /// those grants are never eligible).
    #[wasm_bindgen(js_name = putKey)]
    pub fn put_key(&mut self, key: &str) -> String {
        answer((|| {
            let k: Key = read(key, "key")?;
            Ok(out(&self.store_mut().put_key(k)))
        })())
    }

    /// Remove a key; whether it was there.
    #[wasm_bindgen(js_name = removeKey)]
    pub fn remove_key(&mut self, id: &str) -> bool {
        self.store_mut().remove_key(id)
    }

    /// Validate a key's grants without storing it: its grant report.
    #[wasm_bindgen(js_name = validateKey)]
    pub fn validate_key(&self, key: &str) -> String {
        answer((|| {
            let k: Key = read(key, "key")?;
            Ok(out(&self.store().validate_key(&k)))
        })())
    }

    /// How many keys hold this filter in a grant.
    #[wasm_bindgen(js_name = keysHolding)]
    pub fn keys_holding(&self, filter_id: &str) -> u32 {
        self.store().keys_holding(filter_id) as u32
    }

    /// The ids of the keys that hold this filter in a grant (a JSON array, in id order).
    #[wasm_bindgen(js_name = keyIdsHolding)]
    pub fn key_ids_holding(&self, filter_id: &str) -> String {
        out(&self.store().key_ids_holding(filter_id).collect::<Vec<_>>())
    }

    /// What an edit to a filter would do over the entity set: `{ok, keys, gained, lost}`.
    #[wasm_bindgen(js_name = editImpact)]
    pub fn edit_impact(&self, filter_id: &str, edit: &str, entities: &EntitySet) -> String {
        answer((|| {
            let (_, src) = input!(predicate_input(edit, "edit"));
            Ok(match self.store().edit_impact_rows(filter_id, &src, &entities.rows) {
                Ok(i) => Obj::new()
                    .field("ok", &true)
                    .field("keys", &i.keys)
                    .field("gained", &i.gained)
                    .field("lost", &i.lost)
                    .end(),
                Err(ds) => errors(&ds),
            })
        })())
    }

    /// The hot path for a single-entity request (get, create, update, download): the entity's
    /// JSON text is in the input buffer (`entity_len` bytes at its start; negative for none),
    /// and the answer is one number (see [`decision_code`]); 0 means misuse (see [`last_error`]).
    #[wasm_bindgen(js_name = decideOneInput)]
    pub fn decide_one_input(&self, key_id: Option<String>, request: &str, entity_len: i32) -> u32 {
        let go = || -> Result<u32, Misuse> {
            let req = request_from(request)?;
            let row = match usize::try_from(entity_len) {
                Ok(len) => with_input(0, len, |text| self.row(text))?,
                Err(_) => None,
            };
            Ok(decision_code(&self.store().decide(
                key_id.as_deref(),
                &req,
                Data::for_entity(&req, row.as_ref()),
            )))
        };
        go().unwrap_or_else(remember)
    }

    /// A decision over a loaded entity set, which holds its data ([`Data::for_request`]: for
    /// a list, the workspace's entities of the type; otherwise the entity the request names):
    /// `{status, code?, ids?}`.
    #[wasm_bindgen(js_name = decideInSet)]
    pub fn decide_in_set(
        &self,
        key_id: Option<String>,
        request: &str,
        entities: &EntitySet,
    ) -> String {
        answer((|| {
            let req = request_from(request)?;
            Ok(out(&self.store().decide(
                key_id.as_deref(),
                &req,
                Data::for_request(&req, &entities.rows),
            )))
        })())
    }
}

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}
