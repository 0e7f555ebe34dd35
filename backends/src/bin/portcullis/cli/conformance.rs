//! `portcullis conformance [--backend B] FILE...`: run case files (the format is in
//! `tests/cases/README.md`) through the engine in memory, or through a push-down back end: the
//! cases that read data (`match`, `preview`, list `decide`) load their entities into SQLite or
//! PostgreSQL and ask the compiled query; the others are counted as not applicable there.

use portcullis::grants::{Firm, Key, KeyChange, LoadedWorld, Request, World};
use portcullis::preview::{check_previewable, count_matches};
use portcullis::pushdown::{compile_filter, compile_scope, Dialect, Mapping, SqlQuery};
use portcullis::pushdown::{compile_search, compile_search_scope};
use portcullis::value::parse_uuid;
use portcullis::{compile, validate, FilterDraft, PreparedEntity, Schema};
use portcullis::{CompiledFilter, Entity};
use portcullis_backends::{
    postgres::PostgresStore, search::SearchIndex, sqlite::SqliteStore, Error,
};
use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, HashMap};

/// Where the cases' data is: the engine's memory, or a database a compiled query runs in.
pub enum Backend {
    /// The engine evaluates in memory.
    Memory,
    /// An in-memory SQLite database.
    Sqlite(Box<SqliteStore>),
    /// A throwaway schema in a PostgreSQL database, dropped when done.
    Postgres(Box<PostgresStore>),
    /// A search index in memory, of the type whose lists run on one (details).
    Search(Box<SearchIndex>),
}

/// The answer of a case whose data the back end cannot hold (PostgreSQL: a text with U+0000),
/// which it refuses rather than alter: the case is not applicable there.
const UNSTORABLE: &str = "the back end cannot hold this case's data";

/// A back end's error as a case's answer: [`UNSTORABLE`] for data it cannot hold.
fn failed(e: Error) -> String {
    match e {
        Error::Unstorable(_) => UNSTORABLE.to_string(),
        e => e.to_string(),
    }
}

/// The entity type the search back end indexes: the one whose lists run on a search index.
const SEARCHED: &str = "detail";

/// The workspace a `match` or `preview` case's entities are loaded into.
const CASE_WORKSPACE: &str = "00000000-0000-4000-8000-00000000000a";

impl Backend {
    /// The back end named `name` (`memory`, `sqlite`, `postgres`; `postgres` needs a URL).
    pub fn open(name: &str, database_url: Option<&str>) -> Result<Backend, String> {
        let schema = Schema::builtin();
        let mapping = Mapping::builtin(&schema);
        Ok(match name {
            "memory" => Backend::Memory,
            "sqlite" => Backend::Sqlite(Box::new(
                SqliteStore::in_memory(&schema, mapping).map_err(|e| e.to_string())?,
            )),
            "postgres" => {
                let url = database_url.ok_or("--backend postgres needs --database-url URL")?;
                let ns = format!("portcullis_conformance_{}", std::process::id());
                Backend::Postgres(Box::new(
                    PostgresStore::connect(url, &ns, &schema, mapping)
                        .map_err(|e| e.to_string())?,
                ))
            }
            "search" => Backend::Search(Box::new(
                SearchIndex::in_ram(&schema, SEARCHED).map_err(|e| e.to_string())?,
            )),
            other => {
                return Err(format!(
                    "unknown back end `{other}`: memory, sqlite, postgres or search"
                ))
            }
        })
    }

    /// The back end's name, for the not-applicable line.
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Memory => "memory",
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
            Backend::Search(_) => "search",
        }
    }

    /// Done: a PostgreSQL back end's throwaway schema is dropped.
    pub fn close(self) -> Result<(), String> {
        match self {
            Backend::Postgres(pg) => (*pg).drop_schema().map_err(|e| e.to_string()),
            _ => Ok(()),
        }
    }

    /// Replace the stored entities with `entities`.
    fn load(&mut self, entities: &[Entity]) -> Result<(), Error> {
        match self {
            Backend::Memory => Ok(()),
            Backend::Sqlite(db) => {
                db.clear()?;
                entities.iter().try_for_each(|e| db.insert(e))
            }
            Backend::Postgres(db) => {
                db.clear()?;
                entities.iter().try_for_each(|e| db.insert(e))
            }
            Backend::Search(index) => {
                index.clear()?;
                for e in entities.iter().filter(|e| e.entity_type == SEARCHED) {
                    index.insert(e)?;
                }
                index.commit()
            }
        }
    }

    /// Whether the back end answers a case about this entity type: the search index holds
    /// only the searched type.
    fn holds(&self, entity_type: &str) -> bool {
        !matches!(self, Backend::Search(_)) || entity_type == SEARCHED
    }

    fn dialect(&self) -> Dialect {
        match self {
            Backend::Postgres(_) => Dialect::Postgres,
            _ => Dialect::Sqlite,
        }
    }

    fn mapping(&self) -> Option<&Mapping> {
        match self {
            Backend::Memory | Backend::Search(_) => None,
            Backend::Sqlite(db) => Some(db.mapping()),
            Backend::Postgres(db) => Some(db.mapping()),
        }
    }

    fn ids(
        &mut self,
        entity_type: &str,
        workspace: &str,
        q: &SqlQuery,
    ) -> Result<Vec<String>, Error> {
        match self {
            Backend::Memory | Backend::Search(_) => Ok(Vec::new()),
            Backend::Sqlite(db) => db.ids(entity_type, workspace, q),
            Backend::Postgres(db) => db.ids(entity_type, workspace, q),
        }
    }

    /// The ids of `entities` a filter selects, through the database.
    fn select(
        &mut self,
        schema: &Schema,
        filter: &CompiledFilter,
        entities: &[Entity],
    ) -> Result<Vec<String>, String> {
        self.load(entities).map_err(failed)?;
        if let Backend::Search(index) = self {
            let q = compile_search(schema, filter).map_err(|d| d.message)?;
            return index.ids(CASE_WORKSPACE, &q).map_err(|e| e.to_string());
        }
        let mapping = self.mapping().ok_or("no database")?;
        let q = compile_filter(schema, mapping, self.dialect(), filter).map_err(|d| d.message)?;
        self.ids(filter.entity_type(), CASE_WORKSPACE, &q).map_err(|e| e.to_string())
    }
}

/// Totals over all files.
#[derive(Default)]
pub struct Tally {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Cases the back end does not answer (they read no data, or no data it holds).
    pub not_applicable: usize,
}

/// Run every case of one file, printing failures.
pub fn run_file(path: &str, tally: &mut Tally, backend: &mut Backend) -> Result<(), String> {
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
        let outcome = match backend {
            Backend::Memory => run_case(&schema, &worlds, kind, case),
            _ => match run_through(backend, &schema, &doc, kind, case) {
                Some(outcome) => Some(outcome),
                None => {
                    tally.not_applicable += 1;
                    continue;
                }
            },
        };
        match outcome {
            None => {
                tally.skipped += 1;
                println!("SKIP {path}: {name} (kind `{kind}` is not supported)");
            }
            Some(Ok(actual)) if agrees(kind, &expect, &actual) => tally.passed += 1,
            Some(Err(e)) if e == UNSTORABLE => tally.not_applicable += 1,
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
        "match" => match_case(schema, case).and_then(|(t, f, attrs)| {
            let e = PreparedEntity::new(schema, t, attrs).ok_or("unknown entity type")?;
            Ok(json!(f.matches(&e)))
        }),
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

/// A case through a database back end; `None` when the back end does not answer it.
fn run_through(
    backend: &mut Backend,
    schema: &Schema,
    doc: &Value,
    kind: &str,
    case: &Value,
) -> Option<Result<Value, String>> {
    let entity = |i: usize, t: &str, attrs: &Map<String, Value>| Entity {
        id: format!("e0000000-0000-4000-8000-{i:012}"),
        workspace_id: CASE_WORKSPACE.into(),
        entity_type: t.into(),
        attributes: attrs.clone(),
    };
    let entity_type = match kind {
        "match" => case["entity_type"].as_str(),
        "preview" => case.pointer("/filter/entity_type").and_then(Value::as_str),
        _ => case.pointer("/request/entity_type").and_then(Value::as_str),
    };
    if !backend.holds(entity_type.unwrap_or_default()) {
        return None;
    }
    Some(match kind {
        "match" => match match_case(schema, case) {
            Err(e) => Err(e),
            // The search index answers only what it can run: another filter is not applicable.
            Ok((_, f, _)) if matches!(backend, Backend::Search(_)) && !f.is_searchable() => {
                return None
            }
            Ok((t, f, attrs)) => {
                backend.select(schema, &f, &[entity(1, t, attrs)]).map(|ids| json!(!ids.is_empty()))
            }
        },
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
            let items = field(case, "entities")?.as_array().ok_or("`entities` is not an array")?;
            let (mut entities, empty) = (Vec::new(), Map::new());
            for item in items {
                let attrs = item.get("attributes").and_then(Value::as_object).unwrap_or(&empty);
                let t =
                    item.get("entity_type").and_then(Value::as_str).unwrap_or(&draft.entity_type);
                let n =
                    item.get("repeat").and_then(Value::as_u64).unwrap_or(1).min(100_000) as usize;
                for _ in 0..n {
                    entities.push(entity(entities.len(), t, attrs));
                }
            }
            let matched = backend.select(schema, &f, &entities)?.len();
            let cap = portcullis::limits::PREVIEW_CAP;
            Ok(json!({"count": matched.min(cap), "truncated": matched > cap}))
        })(),
        "decide" if case.pointer("/request/operation") == Some(&json!("list")) => (|| {
            let name = field(case, "world")?.as_str().ok_or("`world` is not a string")?;
            let world: World = serde_json::from_value(doc["worlds"][name].clone())
                .map_err(|e| format!("world: {e}"))?;
            let key: Option<Key> = serde_json::from_value(field(case, "key")?.clone())
                .map_err(|e| format!("key: {e}"))?;
            let req: Request = serde_json::from_value(field(case, "request")?.clone())
                .map_err(|e| format!("request: {e}"))?;
            let mut store = world.load(schema.clone()).store;
            if let Some(k) = &key {
                store.put_key(k.clone());
            }
            let auth = match store.authorize_list(key.as_ref().map(|k| k.id.as_str()), &req) {
                Err(refusal) => return serde_json::to_value(&refusal).map_err(|e| e.to_string()),
                Ok(auth) => auth,
            };
            // Only entities (UUID ids and workspaces, known types) are stored.
            let stored: Vec<Entity> = world
                .entities
                .into_iter()
                .filter(|e| schema.entity_type(&e.entity_type).is_some())
                .filter(|e| parse_uuid(&e.id).is_some() && parse_uuid(&e.workspace_id).is_some())
                .collect();
            backend.load(&stored).map_err(failed)?;
            let ids = match (parse_uuid(&req.workspace_id), &*backend) {
                (None, _) => Vec::new(),
                (Some(_), Backend::Search(index)) => {
                    let q = compile_search_scope(schema, &req.entity_type, &auth.scope)
                        .map_err(|d| d.message)?;
                    index.ids(&req.workspace_id, &q).map_err(|e| e.to_string())?
                }
                (Some(_), _) => {
                    let mapping = backend.mapping().ok_or("no database")?;
                    let q = compile_scope(
                        schema,
                        mapping,
                        backend.dialect(),
                        &req.entity_type,
                        &auth.scope,
                    )
                    .map_err(|d| d.message)?;
                    backend
                        .ids(&req.entity_type, &req.workspace_id, &q)
                        .map_err(|e| e.to_string())?
                }
            };
            serde_json::to_value(auth.decide(ids)).map_err(|e| e.to_string())
        })(),
        _ => return None,
    })
}

/// A `match` case's entity type, compiled filter and attributes.
fn match_case<'c>(
    schema: &Schema,
    case: &'c Value,
) -> Result<(&'c str, CompiledFilter, &'c Map<String, Value>), String> {
    let t = field(case, "entity_type")?.as_str().ok_or("`entity_type` is not a string")?;
    let text = field(case, "predicate_text")?.as_str().ok_or("`predicate_text` is not a string")?;
    let f = compile(schema, t, text)
        .map_err(|ds| format!("filter does not compile: {}", codes(&ds)))?;
    let attrs = field(case, "attributes")?.as_object().ok_or("`attributes` is not an object")?;
    Ok((t, f, attrs))
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
