//! The bindings a service needs beside the main module's, built with the `service` feature
//! into the module behind the package's `portcullis/service` entry: a gateway or a data
//! service in front of the data asks these (the checks of a write, ids, credentials, a key
//! change as an admin makes it, the scope of a list to push down, explanations for admins and
//! logs), while a page that authors filters never loads them.

use super::{
    answer, errors, out, predicate_input, read, request_from, tree, EntitySet, Misuse, Row, Store,
};
use crate::grants::{Data, Key, KeyChange};
use crate::json::write::Obj;
use crate::pushdown::{compile_filter, compile_scope, Dialect, Mapping, SqlQuery};
use crate::validate::compile_source;
use crate::Diagnostic;
use crate::Schema;
use wasm_bindgen::prelude::*;

/// Check an entity's attributes for a create or an update (see
/// [`crate::attributes::check_attributes`]): `{"ok": true}` or `{"ok": false, "errors"}`.
#[wasm_bindgen(js_name = checkAttributes)]
pub fn check_attributes(entity_type: &str, attributes: &str) -> String {
    answer((|| {
        let v = tree(attributes, "attributes")?;
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
        _ => Err(Misuse(format!("dialect: expected \"postgres\" or \"sqlite\", got {name:?}"))),
    }
}

fn mapping(schema: &Schema, text: Option<String>) -> Result<Mapping, Misuse> {
    match text {
        None => Ok(Mapping::builtin(schema)),
        Some(t) => serde_json::from_value(tree(&t, "mapping")?)
            .map_err(|e| Misuse(format!("mapping: {e}"))),
    }
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
        let (t, src) = predicate_input(filter, "filter")?;
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
        let v = tree(scope, "scope")?;
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
            let key: Key = read(key, "key")?;
            let previous: Option<Key> = previous.map(|p| read(&p, "previous")).transpose()?;
            let change = KeyChange {
                key: &key,
                previous: previous.as_ref(),
                viewer_firm: viewer_firm.as_deref(),
            };
            Ok(out(&self.store().validate_key_change(&change)))
        })())
    }
}
