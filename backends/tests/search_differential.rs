//! The detail search index against the engine's own evaluation: every searchable detail
//! `match` case and detail list `decide` case of the conformance files, and random searchable
//! detail filters over random details (absent, null and wrong-typed attributes included),
//! must select exactly the entities the engine matches, and so must SQLite and PostgreSQL for
//! the same filters: the four agree; and the partition check, as for SQL.

mod support;

use portcullis::grants::{Key, World};
use portcullis::pushdown::{
    compile_filter, compile_search, compile_search_scope, Dialect, Mapping,
};
use portcullis::value::parse_uuid;
use portcullis::{compile, Entity, PreparedEntity, Request, Schema, Truth};
use portcullis_backends::search::SearchIndex;
use portcullis_backends::{postgres::PostgresStore, sqlite::SqliteStore};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Map, Value};
use std::cell::RefCell;
use support::case_files;

const WS: &str = "a1000000-0000-4000-8000-00000000000a";

fn entity(i: usize, attributes: &Map<String, Value>) -> Entity {
    Entity {
        id: format!("e0000000-0000-4000-8000-{i:012}"),
        workspace_id: WS.into(),
        entity_type: "detail".into(),
        attributes: attributes.clone(),
    }
}

fn load(index: &mut SearchIndex, entities: &[Entity]) {
    index.clear().unwrap();
    for e in entities {
        index.insert(e).unwrap();
    }
    index.commit().unwrap();
}

/// The ids the engine matches and the ids the index selects, or `None` for a filter the index
/// refuses (`not_searchable`).
fn both(
    index: &mut SearchIndex,
    schema: &Schema,
    text: &str,
    entities: &[Entity],
) -> Option<(Vec<String>, Vec<String>)> {
    let filter = compile(schema, "detail", text).unwrap_or_else(|ds| panic!("{text}: {ds:?}"));
    let q = match compile_search(schema, &filter) {
        Ok(q) => q,
        Err(d) => {
            assert_eq!(d.code.as_str(), "not_searchable");
            assert!(!filter.is_searchable());
            return None;
        }
    };
    load(index, entities);
    let mut engine: Vec<String> = entities
        .iter()
        .filter(|e| filter.matches(&PreparedEntity::new(schema, "detail", &e.attributes).unwrap()))
        .map(|e| e.id.clone())
        .collect();
    engine.sort();
    Some((engine, index.ids(WS, &q).unwrap()))
}

#[test]
fn every_searchable_detail_case_agrees() {
    let schema = Schema::builtin();
    let mut index = SearchIndex::in_ram(&schema, "detail").unwrap();
    let (mut matches, mut lists) = (0, 0);
    for path in case_files() {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for case in doc["cases"].as_array().unwrap() {
            if case["kind"] == "match" && case["entity_type"] == "detail" {
                let text = case["predicate_text"].as_str().unwrap();
                let attrs = case["attributes"].as_object().unwrap();
                if let Some((engine, index_ids)) =
                    both(&mut index, &schema, text, &[entity(1, attrs)])
                {
                    assert_eq!(index_ids, engine, "{}: {text}", case["name"]);
                    matches += 1;
                }
            }
            let list = case["kind"] == "decide" && case["request"]["operation"] == "list";
            if !list || case["request"]["entity_type"] != "detail" {
                continue;
            }
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
            let Ok(auth) = store.authorize_list(Some(&key.id), &req) else { continue };
            let details: Vec<Entity> = world
                .entities
                .iter()
                .filter(|e| {
                    e.entity_type == "detail"
                        && parse_uuid(&e.id).is_some()
                        && parse_uuid(&e.workspace_id).is_some()
                })
                .cloned()
                .collect();
            load(&mut index, &details);
            // A detail list's eligible filters are searchable (SPEC 4.3), so the index answers it.
            let q = compile_search_scope(&schema, "detail", &auth.scope).unwrap();
            let ids = match parse_uuid(&req.workspace_id) {
                Some(_) => index.ids(&req.workspace_id, &q).unwrap(),
                None => Vec::new(),
            };
            let got = serde_json::to_value(auth.decide(ids)).unwrap();
            let want = &case["expect"];
            assert_eq!(got["status"], want["status"], "{}", case["name"]);
            if let Some(want_ids) = want.get("ids") {
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
                assert_eq!(norm(&got["ids"]), norm(want_ids), "{}", case["name"]);
            }
            lists += 1;
        }
    }
    assert!(matches >= 7 && lists >= 2, "only {matches} match and {lists} list cases");
}

const TEXTS: [&str; 4] = ["a", "b", "A", "é"];

fn text() -> impl Strategy<Value = String> {
    prop::sample::select(&TEXTS[..]).prop_map(str::to_string)
}

fn texts(min: usize) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(text(), min..4)
}

fn value(list: bool) -> impl Strategy<Value = Option<Value>> {
    let typed: BoxedStrategy<Value> = if list {
        texts(0).prop_map(|v| json!(v)).boxed()
    } else {
        text().prop_map(Value::from).boxed()
    };
    prop_oneof![
        4 => typed.prop_map(Some),
        1 => Just(Some(Value::Null)),
        1 => Just(None),
        1 => prop_oneof![Just(json!(1)), Just(json!(["a", 1])), Just(json!({"a": 1})), Just(json!(true))].prop_map(Some),
    ]
}

fn detail() -> impl Strategy<Value = Map<String, Value>> {
    (value(false), value(false), value(true)).prop_map(|(t, p, g)| {
        let mut m = Map::new();
        for (k, v) in [("type", t), ("project_type", p), ("tags", g)] {
            if let Some(v) = v {
                m.insert(k.into(), v);
            }
        }
        m
    })
}

fn condition() -> impl Strategy<Value = String> {
    let list = |v: Vec<String>| serde_json::to_string(&v).unwrap();
    prop_oneof![
        (
            prop::sample::select(&["type", "project_type"][..]),
            prop::sample::select(&["eq", "neq"][..]),
            text()
        )
            .prop_map(|(a, op, v)| format!("{a} {op} {}", json!(v))),
        (
            prop::sample::select(&["type", "project_type"][..]),
            prop::sample::select(&["in", "nin"][..]),
            texts(1)
        )
            .prop_map(move |(a, op, v)| format!("{a} {op} {}", list(v))),
        (prop::sample::select(&["intersects", "contains"][..]), texts(1))
            .prop_map(move |(op, v)| format!("tags {op} {}", list(v))),
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

/// The same filter through SQLite and PostgreSQL.
fn through_sql(
    sqlite: &mut SqliteStore,
    pg: &mut PostgresStore,
    schema: &Schema,
    text: &str,
    entities: &[Entity],
) -> [Vec<String>; 2] {
    let filter = compile(schema, "detail", text).unwrap();
    sqlite.clear().unwrap();
    pg.clear().unwrap();
    for e in entities {
        sqlite.insert(e).unwrap();
        pg.insert(e).unwrap();
    }
    let lite = compile_filter(schema, sqlite.mapping(), Dialect::Sqlite, &filter).unwrap();
    let post = compile_filter(schema, pg.mapping(), Dialect::Postgres, &filter).unwrap();
    [sqlite.ids("detail", WS, &lite).unwrap(), pg.ids("detail", WS, &post).unwrap()]
}

#[test]
fn random_searchable_filters_select_what_the_engine_matches_and_partition_the_rows() {
    let schema = Schema::builtin();
    let index = RefCell::new(SearchIndex::in_ram(&schema, "detail").unwrap());
    let cluster = support::Cluster::start();
    let sqlite = RefCell::new(SqliteStore::in_memory(&schema, Mapping::builtin(&schema)).unwrap());
    let pg = RefCell::new(
        PostgresStore::connect(&cluster.url(), "search_random", &schema, Mapping::builtin(&schema))
            .unwrap(),
    );
    let mut runner = TestRunner::new(Config::with_cases(1000));
    let strategy = (predicate(), prop::collection::vec(detail(), 1..12));
    runner
        .run(&strategy, |(p, rows)| {
            let entities: Vec<Entity> =
                rows.iter().enumerate().map(|(i, a)| entity(i, a)).collect();
            let mut index = index.borrow_mut();
            let (yes, yes_index) = both(&mut index, &schema, &p, &entities).unwrap();
            let (no, no_index) =
                both(&mut index, &schema, &format!("NOT ({p})"), &entities).unwrap();
            prop_assert_eq!(&yes_index, &yes, "{}", p);
            prop_assert_eq!(&no_index, &no, "NOT ({})", p);
            let [lite, post] =
                through_sql(&mut sqlite.borrow_mut(), &mut pg.borrow_mut(), &schema, &p, &entities);
            prop_assert_eq!(&lite, &yes, "sqlite: {}", p);
            prop_assert_eq!(&post, &yes, "postgres: {}", p);
            let filter = compile(&schema, "detail", &p).unwrap();
            for e in &entities {
                let truth =
                    filter.eval(&PreparedEntity::new(&schema, "detail", &e.attributes).unwrap());
                let (t, f) = (yes_index.contains(&e.id), no_index.contains(&e.id));
                prop_assert_eq!((t, f), (truth == Truth::True, truth == Truth::False), "{}", p);
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn what_the_index_cannot_run_is_refused() {
    let schema = Schema::builtin();
    for text in [r#"tags eq_set ["a"]"#, r#"project_id eq "9d7e0c4a-1b2f-4c3d-8e5f-60718293a4b5""#]
    {
        let f = compile(&schema, "detail", text).unwrap();
        assert_eq!(
            compile_search(&schema, &f).unwrap_err().code.as_str(),
            "not_searchable",
            "{text}"
        );
    }
    let family = compile(&schema, "family", r#"name eq "a""#).unwrap();
    assert_eq!(compile_search(&schema, &family).unwrap_err().code.as_str(), "not_searchable");
    assert!(SearchIndex::in_ram(&schema, "family").is_err());
}
