//! The back ends against the engine's own evaluation: through SQLite and through PostgreSQL
//! (a throwaway cluster, see `support`), every `match` and list `decide` case of the project's
//! conformance files, and random filters over random entities (absent, null and wrong-typed
//! attributes included), must select exactly the entities the engine matches. The partition
//! check: every row is in exactly one of true(p), true(NOT p) and unknown(p).

mod support;

use portcullis::grants::{Key, World};
use portcullis::pushdown::{compile_filter, compile_scope, Dialect, Mapping};
use portcullis::value::parse_uuid;
use portcullis::{compile, Entity, PreparedEntity, Request, Schema, Truth};
use portcullis_backends::{postgres::PostgresStore, sqlite::SqliteStore, Error};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Map, Value};
use std::cell::RefCell;
use support::{case_files, Cluster};

const WS: &str = "a1000000-0000-4000-8000-00000000000a";

fn id(i: usize) -> String {
    format!("e0000000-0000-4000-8000-{i:012}")
}

fn entity(i: usize, entity_type: &str, attributes: &Map<String, Value>) -> Entity {
    Entity {
        id: id(i),
        workspace_id: WS.into(),
        entity_type: entity_type.into(),
        attributes: attributes.clone(),
    }
}

/// Both back ends, emptied before each use.
struct Backends {
    sqlite: SqliteStore,
    pg: PostgresStore,
}

impl Backends {
    fn new(schema: &Schema, cluster: &Cluster, name: &str) -> Backends {
        let mapping = Mapping::builtin(schema);
        Backends {
            sqlite: SqliteStore::in_memory(schema, mapping.clone()).unwrap(),
            pg: PostgresStore::connect(&cluster.url(), name, schema, mapping).unwrap(),
        }
    }

    /// Store `entities` in both, emptied first.
    /// Store `entities` in both, emptied first; whether PostgreSQL could hold them all (it
    /// refuses a text with U+0000 rather than alter it).
    fn load(&mut self, entities: &[Entity]) -> bool {
        self.sqlite.clear().unwrap();
        self.pg.clear().unwrap();
        let mut pg_holds = true;
        for e in entities {
            self.sqlite.insert(e).unwrap();
            match self.pg.insert(e) {
                Ok(()) => {}
                Err(Error::Unstorable(_)) => pg_holds = false,
                Err(e) => panic!("{e}"),
            }
        }
        pg_holds
    }

    /// The ids SQLite and PostgreSQL select for a filter; PostgreSQL's `None` when it could
    /// not hold the data.
    fn select(
        &mut self,
        schema: &Schema,
        entity_type: &str,
        filter: &portcullis::CompiledFilter,
        pg_holds: bool,
    ) -> Selected {
        let q = compile_filter(schema, self.sqlite.mapping(), Dialect::Sqlite, filter).unwrap();
        let lite = self.sqlite.ids(entity_type, WS, &q).unwrap_or_else(|e| panic!("{} {e}", q.sql));
        let q = compile_filter(schema, self.pg.mapping(), Dialect::Postgres, filter).unwrap();
        let pg = pg_holds
            .then(|| self.pg.ids(entity_type, WS, &q).unwrap_or_else(|e| panic!("{} {e}", q.sql)));
        (lite, pg)
    }
}

/// The ids SQLite selects, and PostgreSQL's (`None` where it could not hold the data).
type Selected = (Vec<String>, Option<Vec<String>>);

/// The ids the engine matches, and the ids each back end selects, for a filter over entities.
fn both(
    b: &mut Backends,
    schema: &Schema,
    entity_type: &str,
    text: &str,
    entities: &[Entity],
) -> (Vec<String>, Selected) {
    let filter = compile(schema, entity_type, text).unwrap_or_else(|ds| panic!("{text}: {ds:?}"));
    let pg_holds = b.load(entities);
    let mut engine: Vec<String> = entities
        .iter()
        .filter(|e| {
            filter.matches(&PreparedEntity::new(schema, entity_type, &e.attributes).unwrap())
        })
        .map(|e| e.id.clone())
        .collect();
    engine.sort();
    (engine, b.select(schema, entity_type, &filter, pg_holds))
}

#[test]
fn every_match_case_of_the_project_agrees() {
    let schema = Schema::builtin();
    let cluster = Cluster::start();
    let mut b = Backends::new(&schema, &cluster, "match_cases");
    let mut run = 0;
    for path in case_files() {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for case in doc["cases"].as_array().unwrap().iter().filter(|c| c["kind"] == "match") {
            let (t, text) =
                (case["entity_type"].as_str().unwrap(), case["predicate_text"].as_str().unwrap());
            let attrs = case["attributes"].as_object().unwrap();
            let (engine, (lite, pg)) = both(&mut b, &schema, t, text, &[entity(1, t, attrs)]);
            assert_eq!(lite, engine, "sqlite, {}: {text}", case["name"]);
            // PostgreSQL refuses a text with U+0000: not applicable there.
            if let Some(pg) = pg {
                assert_eq!(pg, engine, "postgres, {}: {text}", case["name"]);
            }
            assert_eq!(!engine.is_empty(), case["expect"] == json!(true), "{}", case["name"]);
            run += 1;
        }
    }
    assert!(run >= 25, "only {run} match cases found");
}

/// The list cases: the key's scope, authorized by the engine, pushed down to SQLite over the
/// world's entities, must list what the engine lists (and refuse what it refuses).
#[test]
fn every_list_case_of_the_project_agrees() {
    let schema = Schema::builtin();
    let cluster = Cluster::start();
    let mut b = Backends::new(&schema, &cluster, "list_cases");
    let mut run = 0;
    for path in case_files() {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let lists = doc["cases"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["kind"] == "decide" && c["request"]["operation"] == "list");
        for case in lists {
            let world: World =
                serde_json::from_value(doc["worlds"][case["world"].as_str().unwrap()].clone())
                    .unwrap();
            let Some(key) = serde_json::from_value::<Option<Key>>(case["key"].clone()).unwrap()
            else {
                continue;
            };
            let req: Request = serde_json::from_value(case["request"].clone()).unwrap();
            let mut store = world.load(schema.clone()).store;
            store.put_key(key.clone());
            let got = match store.authorize_list(Some(&key.id), &req) {
                Err(refusal) => json!({"status": refusal.status, "code": refusal.code}),
                Ok(auth) => {
                    // Entities that are no entities (ids or workspaces not UUIDs, unknown
                    // types) are not stored.
                    let stored: Vec<Entity> = world
                        .entities
                        .iter()
                        .filter(|e| schema.entity_type(&e.entity_type).is_some())
                        .filter(|e| {
                            parse_uuid(&e.id).is_some() && parse_uuid(&e.workspace_id).is_some()
                        })
                        .cloned()
                        .collect();
                    assert!(b.load(&stored), "{}: data PostgreSQL cannot hold", case["name"]);
                    let (t, ws) = (&req.entity_type, &req.workspace_id);
                    let scope = &auth.scope;
                    let lite =
                        compile_scope(&schema, b.sqlite.mapping(), Dialect::Sqlite, t, scope);
                    let pg = compile_scope(&schema, b.pg.mapping(), Dialect::Postgres, t, scope);
                    let (lite, pg) = match parse_uuid(ws) {
                        Some(_) => (
                            b.sqlite.ids(t, ws, &lite.unwrap()).unwrap(),
                            b.pg.ids(t, ws, &pg.unwrap()).unwrap(),
                        ),
                        None => (Vec::new(), Vec::new()),
                    };
                    assert_eq!(lite, pg, "{}", case["name"]);
                    serde_json::to_value(auth.decide(lite)).unwrap()
                }
            };
            let want = &case["expect"];
            assert_eq!(got["status"], want["status"], "{}", case["name"]);
            assert_eq!(got.get("code"), want.get("code"), "{}", case["name"]);
            if let Some(ids) = want.get("ids") {
                let norm = |v: &Value| {
                    let mut v: Vec<String> = v
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|x| x.as_str().unwrap().to_lowercase())
                        .collect();
                    v.sort();
                    v
                };
                assert_eq!(norm(&got["ids"]), norm(ids), "{}", case["name"]);
            }
            run += 1;
        }
    }
    assert!(run >= 8, "only {run} list cases found");
}

// Random family filters and entities, from small vocabularies so that values meet.
const TEXTS: [&str; 4] = ["a", "b", "A", "é"];
const UUIDS: [&str; 3] = [
    "9d7e0c4a-1b2f-4c3d-8e5f-60718293a4b5",
    "9D7E0C4A-1B2F-4C3D-8E5F-60718293A4B6",
    "1d7e0c4a-1b2f-4c3d-8e5f-60718293a4b5",
];
const DATES: [&str; 6] = [
    "2025-01-01",
    "2025-01-02",
    "2025-01-01T00:00:00Z",
    "2025-01-01T23:59:59.999999999Z",
    "2025-01-02T01:00:00+02:00",
    "2024-12-31T23:59:59Z",
];

fn text() -> impl Strategy<Value = String> {
    prop::sample::select(&TEXTS[..]).prop_map(str::to_string)
}

fn texts(min: usize) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(text(), min..4)
}

/// One attribute's value in an entity: of its type, null, absent, or of another type.
fn value(kind: &'static str) -> impl Strategy<Value = Option<Value>> {
    let typed: BoxedStrategy<Value> = match kind {
        "text" => text().prop_map(Value::from).boxed(),
        "list" => texts(0).prop_map(|v| json!(v)).boxed(),
        "uuid" => prop::sample::select(&UUIDS[..]).prop_map(Value::from).boxed(),
        _ => prop::sample::select(&DATES[..]).prop_map(Value::from).boxed(),
    };
    prop_oneof![
        4 => typed.prop_map(Some),
        1 => Just(Some(Value::Null)),
        1 => Just(None),
        1 => prop_oneof![Just(json!(1)), Just(json!(["a", 1])), Just(json!("not a date or uuid")), Just(json!(true))]
            .prop_map(Some),
    ]
}

fn family() -> impl Strategy<Value = Map<String, Value>> {
    (value("text"), value("text"), value("list"), value("uuid"), value("date")).prop_map(
        |(n, c, t, p, d)| {
            let mut m = Map::new();
            for (k, v) in
                [("name", n), ("category", c), ("tags", t), ("project_id", p), ("created_at", d)]
            {
                if let Some(v) = v {
                    m.insert(k.into(), v);
                }
            }
            m
        },
    )
}

fn quoted(v: &[String]) -> String {
    serde_json::to_string(v).unwrap()
}

fn condition() -> impl Strategy<Value = String> {
    prop_oneof![
        (
            prop::sample::select(&["name", "category"][..]),
            prop::sample::select(&["eq", "neq"][..]),
            text()
        )
            .prop_map(|(a, op, v)| format!("{a} {op} {}", json!(v))),
        (prop::sample::select(&["in", "nin"][..]), texts(1))
            .prop_map(|(op, v)| format!("name {op} {}", quoted(&v))),
        (prop::sample::select(&["intersects", "contains"][..]), texts(1))
            .prop_map(|(op, v)| format!("tags {op} {}", quoted(&v))),
        texts(0).prop_map(|v| format!("tags eq_set {}", quoted(&v))),
        (prop::sample::select(&["eq", "neq"][..]), prop::sample::select(&UUIDS[..]))
            .prop_map(|(op, v)| format!("project_id {op} {}", json!(v))),
        prop::collection::vec(prop::sample::select(&UUIDS[..]), 1..3)
            .prop_map(|v| format!("project_id nin {}", json!(v))),
        (
            prop::sample::select(&["eq", "neq", "gt", "gte", "lt", "lte"][..]),
            prop::sample::select(&DATES[..])
        )
            .prop_map(|(op, v)| format!("created_at {op} {}", json!(v))),
    ]
}

fn predicate() -> impl Strategy<Value = String> {
    condition().prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(|p| format!("NOT ({p})")),
            prop::collection::vec(inner.clone(), 2..4)
                .prop_map(|ps| format!("({})", ps.join(") AND ("))),
            prop::collection::vec(inner, 2..4).prop_map(|ps| format!("({})", ps.join(") OR ("))),
        ]
    })
}

fn family_entities(rows: &[Map<String, Value>]) -> Vec<Entity> {
    rows.iter().enumerate().map(|(i, a)| entity(i, "family", a)).collect()
}

#[test]
fn random_filters_select_what_the_engine_matches() {
    let schema = Schema::builtin();
    let cluster = Cluster::start();
    let b = RefCell::new(Backends::new(&schema, &cluster, "random"));
    let mut runner = TestRunner::new(Config::with_cases(1000));
    let strategy = (predicate(), prop::collection::vec(family(), 1..12));
    runner
        .run(&strategy, |(p, rows)| {
            let (engine, (lite, pg)) =
                both(&mut b.borrow_mut(), &schema, "family", &p, &family_entities(&rows));
            prop_assert_eq!(&lite, &engine, "sqlite: {}", p);
            prop_assert_eq!(pg.as_ref(), Some(&engine), "postgres: {}", p);
            Ok(())
        })
        .unwrap();
}

#[test]
fn true_false_and_unknown_partition_the_rows() {
    let schema = Schema::builtin();
    let cluster = Cluster::start();
    let b = RefCell::new(Backends::new(&schema, &cluster, "partition"));
    let mut runner = TestRunner::new(Config::with_cases(500));
    let strategy = (predicate(), prop::collection::vec(family(), 1..12));
    runner
        .run(&strategy, |(p, rows)| {
            let entities = family_entities(&rows);
            let mut b = b.borrow_mut();
            let (yes, (yes_lite, yes_pg)) = both(&mut b, &schema, "family", &p, &entities);
            let (no, (no_lite, no_pg)) =
                both(&mut b, &schema, "family", &format!("NOT ({p})"), &entities);
            let (yes_pg, no_pg) = (yes_pg.unwrap(), no_pg.unwrap());
            prop_assert_eq!((&yes_lite, &no_lite), (&yes, &no));
            prop_assert_eq!((&yes_pg, &no_pg), (&yes, &no));
            let filter = compile(&schema, "family", &p).unwrap();
            for e in &entities {
                let truth =
                    filter.eval(&PreparedEntity::new(&schema, "family", &e.attributes).unwrap());
                let (t, f) = (yes_pg.contains(&e.id), no_pg.contains(&e.id));
                prop_assert_eq!((t, f), (truth == Truth::True, truth == Truth::False), "{}", p);
            }
            Ok(())
        })
        .unwrap();
}
