//! The bindings a service needs beside the main module's, built with the `service` feature
//! into the module behind the package's `portcullis/service` entry: a gateway or a data
//! service in front of the data asks these (the checks of a write, ids, credentials, a key
//! change as an admin makes it, the scope of a list to push down, explanations for admins and
//! logs), while a page that authors filters never loads them.

use super::{
    answer, errors, input, out, predicate_input, read, request_from, tree, tree_input, EntitySet,
    Misuse, Row, Store,
};
use crate::grants::{Data, Key, KeyChange};
use crate::json::write::Obj;
use crate::pushdown::{
    compile_filter, compile_scope, ColumnMapping, Dialect, Mapping, SqlQuery, Storage, TableMapping,
};
use crate::record::kind;
use crate::validate::compile_source;
use crate::Diagnostic;
use crate::Schema;
use serde_json::{Map, Value};
use wasm_bindgen::prelude::*;

/// Check an entity's attributes for a create or an update (see
/// [`crate::attributes::check_attributes`]): `{"ok": true}` or `{"ok": false, "errors"}`.
#[wasm_bindgen(js_name = checkAttributes)]
pub fn check_attributes(entity_type: &str, attributes: &str) -> String {
    answer((|| {
        let v = input!(tree_input(attributes, "attributes"));
        Ok(match crate::attributes::check_attributes(&Schema::builtin(), entity_type, &v) {
            Ok(()) => r#"{"ok":true}"#.into(),
            Err(ds) => errors(&ds),
        })
    })())
}

/// Whether a filter id is a system filter's name.
#[wasm_bindgen(js_name = isSystemFilter)]
pub fn is_system_filter(id: &str) -> bool {
    crate::grants::is_system_filter(id)
}

/// An id in canonical form (a lower-case hyphenated UUID), or `undefined` when it is not a
/// UUID: ids that are not UUIDs name nothing (SPEC 1).
#[wasm_bindgen(js_name = canonicalUuid)]
pub fn canonical_uuid(id: &str) -> Option<String> {
    crate::value::parse_uuid(id).map(crate::value::format_uuid)
}

impl Store {
    fn one(&self, entity: Option<String>) -> Result<Option<Row>, Misuse> {
        entity.map_or(Ok(None), |text| self.row(&text))
    }
}

fn dialect(name: &str) -> Result<Dialect, Misuse> {
    match name {
        "postgres" => Ok(Dialect::Postgres),
        "sqlite" => Ok(Dialect::Sqlite),
        _ => {
            Err(Misuse(format!("input.dialect: expected \"postgres\" or \"sqlite\", got {name:?}")))
        }
    }
}

/// Every storage, in the order the messages list them.
const STORAGES: [Storage; 6] = [
    Storage::Text,
    Storage::Number,
    Storage::Bool,
    Storage::Uuid,
    Storage::Instant,
    Storage::TextList,
];

/// Fails to compile when a storage is added, so that [`STORAGES`] is kept whole.
#[allow(dead_code)]
fn every_storage_listed(s: Storage) {
    match s {
        Storage::Text
        | Storage::Number
        | Storage::Bool
        | Storage::Uuid
        | Storage::Instant
        | Storage::TextList => {}
    }
}

/// The fields of an object of a mapping that takes exactly `fields`, or the misuse at `path`.
fn fields<'a>(v: &'a Value, path: &str, fields: &[&str]) -> Result<&'a Map<String, Value>, Misuse> {
    let list = fields.join(", ");
    let Value::Object(m) = v else {
        return Err(Misuse(format!("{path}: expected an object with {list}, got {}", kind(v))));
    };
    if let Some(k) = m.keys().find(|k| !fields.contains(&k.as_str())) {
        return Err(Misuse(format!("{path}: unknown property `{k}` (expected {list})")));
    }
    Ok(m)
}

/// A required property of a mapping's object.
fn field<'a>(m: &'a Map<String, Value>, path: &str, key: &str) -> Result<&'a Value, Misuse> {
    m.get(key).ok_or_else(|| Misuse(format!("{path}: `{key}` is missing")))
}

fn text(m: &Map<String, Value>, path: &str, key: &str) -> Result<String, Misuse> {
    match field(m, path, key)? {
        Value::String(s) => Ok(s.clone()),
        other => Err(Misuse(format!("{path}.{key}: expected a string, got {}", kind(other)))),
    }
}

fn items<'a>(m: &'a Map<String, Value>, path: &str, key: &str) -> Result<&'a [Value], Misuse> {
    match field(m, path, key)? {
        Value::Array(a) => Ok(a),
        other => Err(Misuse(format!("{path}.{key}: expected an array, got {}", kind(other)))),
    }
}

/// A table mapping from its JSON form (see [`Mapping`]), read with its rules (every property
/// required, no other), each problem named by its property path in the caller's terms.
fn mapping(schema: &Schema, text_form: Option<String>) -> Result<Mapping, Misuse> {
    let Some(t) = text_form else { return Ok(Mapping::builtin(schema)) };
    let v = tree(&t, "input.mapping")?;
    let m = fields(&v, "input.mapping", &["tables"])?;
    let mut tables = Vec::new();
    for (i, t) in items(m, "input.mapping", "tables")?.iter().enumerate() {
        let at = format!("input.mapping.tables[{i}]");
        let t = fields(t, &at, &["entity_type", "table", "id", "workspace", "columns"])?;
        let (entity_type, table) = (text(t, &at, "entity_type")?, text(t, &at, "table")?);
        let (id, workspace) = (text(t, &at, "id")?, text(t, &at, "workspace")?);
        let mut columns = Vec::new();
        for (j, c) in items(t, &at, "columns")?.iter().enumerate() {
            let at = format!("{at}.columns[{j}]");
            let c = fields(c, &at, &["attribute", "column", "storage"])?;
            let (attribute, column) = (text(c, &at, "attribute")?, text(c, &at, "column")?);
            let name = out(&text(c, &at, "storage")?);
            let storage = STORAGES.into_iter().find(|s| out(s) == name).ok_or_else(|| {
                let names = STORAGES.map(|s| out(&s)).join(", ");
                Misuse(format!("{at}.storage: expected one of {names}, got {name}"))
            })?;
            columns.push(ColumnMapping { attribute, column, storage });
        }
        tables.push(TableMapping { entity_type, table, id, workspace, columns });
    }
    Ok(Mapping { tables })
}

fn compiled(q: Result<SqlQuery, Vec<Diagnostic>>) -> String {
    match q {
        Ok(q) => {
            Obj::new().field("ok", &true).field("sql", &q.sql).field("params", &q.params).end()
        }
        Err(ds) => errors(&ds),
    }
}

/// A filter (`{entity_type, predicate | predicate_text}`) compiled to a SQL `WHERE` fragment
/// and its parameters (see [`crate::pushdown`]), over the default mapping or `mapping`'s:
/// `{ok, sql, params}` or `{ok: false, errors}`.
#[wasm_bindgen(js_name = compileSql)]
pub fn compile_sql(dialect_name: &str, filter: &str, mapping_text: Option<String>) -> String {
    answer((|| {
        let d = dialect(dialect_name)?;
        let (t, src) = input!(predicate_input(filter, "input"));
        let schema = Schema::builtin();
        let m = mapping(&schema, mapping_text)?;
        Ok(compiled(
            compile_source(&schema, &t, &src)
                .and_then(|(f, _)| compile_filter(&schema, &m, d, &f).map_err(|e| vec![e])),
        ))
    })())
}

/// A list's scope (`{all: true}` or `{all: false, any: [predicates]}`, as `authorizeList`
/// answers it) compiled for an entity type's table: as [`compile_sql`].
#[wasm_bindgen(js_name = compileScopeSql)]
pub fn compile_scope_sql(
    dialect_name: &str,
    entity_type: &str,
    scope: &str,
    mapping_text: Option<String>,
) -> String {
    answer((|| {
        let d = dialect(dialect_name)?;
        let schema = Schema::builtin();
        let m = mapping(&schema, mapping_text)?;
        let v = tree(scope, "input.scope")?;
        Ok(compiled(
            crate::Scope::from_json(&schema, entity_type, &v)
                .and_then(|s| compile_scope(&schema, &m, d, entity_type, &s).map_err(|e| vec![e])),
        ))
    })())
}

#[wasm_bindgen]
impl Store {
    /// Explain a single-entity request; `entity` is its JSON text, or absent.
    #[wasm_bindgen(js_name = explainOne)]
    pub fn explain_one(
        &self,
        key_id: Option<String>,
        request: &str,
        entity: Option<String>,
    ) -> String {
        answer((|| {
            let req = request_from(request)?;
            let row = self.one(entity)?;
            Ok(out(&self.store().explain(
                key_id.as_deref(),
                &req,
                Data::for_entity(&req, row.as_ref()),
            )))
        })())
    }

    /// Explain a decision over a loaded entity set (its data picked as for `decideInSet`).
    #[wasm_bindgen(js_name = explainInSet)]
    pub fn explain_in_set(
        &self,
        key_id: Option<String>,
        request: &str,
        entities: &EntitySet,
    ) -> String {
        answer((|| {
            let req = request_from(request)?;
            Ok(out(&self.store().explain(
                key_id.as_deref(),
                &req,
                Data::for_request(&req, &entities.rows),
            )))
        })())
    }

    /// The first half of a list decision: `{status: 200, scope, require_match}`, or the
    /// refusal.
    #[wasm_bindgen(js_name = authorizeList)]
    pub fn authorize_list(&self, key_id: Option<String>, request: &str) -> String {
        answer((|| {
            let req = request_from(request)?;
            Ok(match self.store().authorize_list(key_id.as_deref(), &req) {
                Ok(a) => Obj::new()
                    .field("status", &200)
                    .field("scope", &a.scope)
                    .field("require_match", &a.require_match)
                    .end(),
                Err(d) => out(&d),
            })
        })())
    }

    /// A whole list decision over one page a data service answered for the pushed-down
    /// scope (see `authorizeList`): `{status, code?, ids?, outside}`, where `outside` counts
    /// the page's entities outside the request's scope, which are never in `ids`.
    #[wasm_bindgen(js_name = decideListPage)]
    pub fn decide_list_page(
        &self,
        key_id: Option<String>,
        request: &str,
        scope_matches: bool,
        page: &EntitySet,
    ) -> String {
        answer((|| {
            let req = request_from(request)?;
            let (d, outside) =
                self.store().decide_list_page(key_id.as_deref(), &req, scope_matches, &page.rows);
            let mut o = Obj::new().field("status", &d.status);
            if let Some(code) = &d.code {
                o = o.field("code", code);
            }
            if let Some(ids) = &d.ids {
                o = o.field("ids", ids);
            }
            Ok(o.field("outside", &outside).end())
        })())
    }

    /// SPEC 4.4 step 1 alone: whether the key's credentials are accepted from this source
    /// address (absent: unknown), whatever the request.
    #[wasm_bindgen(js_name = acceptsCredentials)]
    pub fn accepts_credentials(&self, key_id: Option<String>, source_ip: Option<String>) -> bool {
        self.store().check_credentials(key_id.as_deref(), source_ip.as_deref()).is_ok()
    }

    /// Validate a change to a key as an admin makes it (see [`KeyChange`]): the key as the
    /// change leaves it, the key before it (absent for a new key), and the admin's firm
    /// (absent for an operator); the answer is a grant report.
    #[wasm_bindgen(js_name = validateKeyChange)]
    pub fn validate_key_change(
        &self,
        key: &str,
        previous: Option<String>,
        viewer_firm: Option<String>,
    ) -> String {
        answer((|| {
            let key: Key = read(key, "change.key")?;
            let previous: Option<Key> =
                previous.map(|p| read(&p, "change.previous")).transpose()?;
            let change = KeyChange {
                key: &key,
                previous: previous.as_ref(),
                viewer_firm: viewer_firm.as_deref(),
            };
            Ok(out(&self.store().validate_key_change(&change)))
        })())
    }
}
