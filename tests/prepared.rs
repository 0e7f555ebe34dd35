//! Prepared requests decide exactly as `PolicyStore::decide` does, for any key, request and
//! entity, and follow every edit of the store on the very next decision.

use portcullis::grants::{
    Data, FilterRecord, Firm, Grant, Key, Operation, PolicyStore, Request, Row,
};
use portcullis::{Entity, Schema};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

const F: &str = "f1000000-0000-4000-8000-000000000001";
const G: &str = "f2000000-0000-4000-8000-000000000002";
const W: &str = "a1000000-0000-4000-8000-00000000000a";
const W_UPPER: &str = "A1000000-0000-4000-8000-00000000000A";
const W2: &str = "a2000000-0000-4000-8000-00000000000b";
const X: &str = "b1000000-0000-4000-8000-00000000000c";

fn filter(id: &str, ws: &str, ty: &str, text: &str) -> FilterRecord {
    FilterRecord {
        id: id.into(),
        workspace_id: ws.into(),
        entity_type: ty.into(),
        name: id.into(),
        description: None,
        predicate: None,
        predicate_text: Some(text.into()),
        archived: false,
    }
}

fn store() -> PolicyStore {
    let mut s = PolicyStore::new(Schema::builtin());
    s.put_firm(&Firm { id: F.into(), workspaces: vec![W.into(), W2.into()] }).unwrap();
    s.put_firm(&Firm { id: G.into(), workspaces: vec![X.into()] }).unwrap();
    for f in [
        filter("typical", W, "detail", r#"project_type eq "typical""#),
        filter("concrete", W, "detail", r#"tags intersects ["concrete"] AND type neq "steel""#),
        filter(
            "recent",
            W,
            "detail",
            r#"project_id eq "c1000000-0000-4000-8000-000000000001" OR NOT tags contains ["beam", "reviewed"]"#,
        ),
        filter("named", W, "family", r#"name in ["a", "b"] OR created_at gt "2024-06-01""#),
        filter("steel2", W2, "detail", r#"type in ["steel", "wood"]"#),
        filter("gone", W, "detail", r#"type eq "concrete""#),
        filter("other-firm", X, "detail", r#"type eq "concrete""#),
    ] {
        s.put_filter(f).unwrap();
    }
    s.archive_filter("gone").unwrap();
    s
}

fn grant() -> impl Strategy<Value = Grant> {
    let ws = prop::sample::select(vec![Some(W), Some(W), Some(W), Some(W2), Some(X), None]);
    let filter = prop::sample::select(vec![
        "typical",
        "concrete",
        "recent",
        "named",
        "steel2",
        "gone",
        "other-firm",
        "default:details",
        "default:families",
        "default:any",
        "missing",
    ]);
    let actions = prop::sample::subsequence(vec!["read", "read", "write", "download"], 0..=4)
        .prop_map(|mut a| {
            a.dedup();
            a
        });
    (ws, filter, actions).prop_map(|(ws, filter, actions)| Grant {
        workspace_id: ws.map(str::to_owned),
        filter: filter.into(),
        actions: actions.into_iter().map(str::to_owned).collect(),
    })
}

fn key() -> impl Strategy<Value = Key> {
    let ips = prop_oneof![4 => Just(None), 1 => Just(Some(vec!["10.0.0.0/8".to_string()]))];
    let firm = prop_oneof![6 => Just(F), 1 => Just(G)];
    // Often one grant that reaches W's details, so that allows are as common as refusals.
    let reaching = prop::option::weighted(
        0.7,
        (
            prop::sample::select(vec!["typical", "concrete", "recent", "default:details"]),
            prop::sample::select(vec![vec!["read"], vec!["read", "download"], vec!["download"]]),
        ),
    );
    (prop::collection::vec(grant(), 0..5), reaching, prop::bool::weighted(0.05), ips, firm)
        .prop_map(|(mut grants, reaching, revoked, allowed_ips, firm)| {
            if let Some((filter, actions)) = reaching {
                grants.push(Grant {
                    workspace_id: Some(W.into()),
                    filter: filter.into(),
                    actions: actions.into_iter().map(str::to_owned).collect(),
                });
            }
            Key { id: "k".into(), firm_id: firm.into(), revoked, allowed_ips, grants }
        })
}

fn request() -> impl Strategy<Value = Request> {
    (
        prop::sample::select(vec![Operation::Get, Operation::List, Operation::Download]),
        prop::sample::select(vec![W, W, W, W_UPPER, W2, X, "not-a-uuid"]),
        prop::sample::select(vec!["detail", "detail", "detail", "family", "tag", "bogus"]),
        prop::sample::select(vec![None, Some("10.1.2.3"), Some("10.1.2.3"), Some("192.168.0.1")]),
    )
        .prop_map(|(operation, ws, ty, ip)| Request {
            operation,
            workspace_id: ws.into(),
            entity_type: ty.into(),
            id: None,
            attributes: None,
            source_ip: ip.map(str::to_owned),
        })
}

fn entity() -> impl Strategy<Value = Entity> {
    let attrs = (
        prop::sample::select(vec![json!("typical"), json!("project"), json!(null), json!(3)]),
        prop::sample::select(vec![json!("concrete"), json!("steel"), json!("wood"), json!(["x"])]),
        prop::sample::subsequence(vec!["concrete", "beam", "reviewed", "steel"], 0..=4),
        prop::sample::select(vec![
            json!("2024-01-01"),
            json!("2025-02-03T04:05:06Z"),
            json!("soon"),
            json!(null),
        ]),
        prop::sample::select(vec![json!("a"), json!("c"), json!(null)]),
        prop::sample::select(vec![
            json!("c1000000-0000-4000-8000-000000000001"),
            json!("C1000000-0000-4000-8000-000000000001"),
            json!("c1"),
            json!(null),
        ]),
    )
        .prop_map(|(pt, ty, tags, created, name, project)| {
            let mut m = Map::new();
            m.insert("project_type".into(), pt);
            m.insert("type".into(), ty);
            m.insert("tags".into(), Value::from(tags));
            m.insert("created_at".into(), created);
            m.insert("name".into(), name);
            m.insert("project_id".into(), project);
            m
        });
    (
        prop::sample::select(vec![
            "e0000000-0000-4000-8000-000000000001",
            "E0000000-0000-4000-8000-000000000001",
            "e0000000-0000-4000-8000-000000000002",
        ]),
        prop::sample::select(vec![W, W, W, W_UPPER, W2, X, "zz"]),
        prop::sample::select(vec!["detail", "detail", "detail", "family", "tag", "bogus"]),
        attrs,
    )
        .prop_map(|(id, ws, ty, attributes)| Entity {
            id: id.into(),
            workspace_id: ws.into(),
            entity_type: ty.into(),
            attributes,
        })
}

/// One of the edits an admin makes between two decisions.
fn edit(s: &mut PolicyStore, which: u8, key: &Key) {
    match which % 5 {
        0 => {
            let _ = s.archive_filter("typical");
        }
        1 => {
            let _ = s.put_filter(filter(
                "concrete",
                W,
                "detail",
                r#"tags intersects ["steel", "beam"]"#,
            ));
        }
        2 => {
            s.put_key(Key { revoked: true, ..key.clone() });
        }
        3 => {
            s.remove_key("k");
        }
        _ => {
            let _ = s.put_firm(&Firm { id: F.into(), workspaces: vec![W2.into()] });
        }
    }
}

fn rows(s: &PolicyStore, entities: &[Entity]) -> Vec<Row> {
    entities.iter().filter_map(|e| Row::new(s.schema(), e).ok()).collect()
}

fn check(
    s: &PolicyStore,
    p: &mut portcullis::grants::PreparedRequest,
    req: &Request,
    entities: &[Entity],
    id: Option<&str>,
) -> Result<(), TestCaseError> {
    let rows = rows(s, entities);
    if req.operation == Operation::List {
        let general = s.decide(Some("k"), req, Data::Many(&rows));
        prop_assert_eq!(p.list(s, &rows), general);
    } else {
        let req = Request { id: id.map(str::to_owned), ..req.clone() };
        for e in entities {
            let row = Row::new(s.schema(), e).ok();
            let general = s.decide(Some("k"), &req, Data::One(row.as_ref()));
            prop_assert_eq!(p.decide(s, id, row.as_ref()), general);
        }
        prop_assert_eq!(p.decide(s, id, None), s.decide(Some("k"), &req, Data::One(None)));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn a_prepared_request_decides_as_the_store_does(
        key in key(),
        req in request(),
        entities in prop::collection::vec(entity(), 0..12),
        named in any::<bool>(),
        which in any::<u8>(),
    ) {
        let mut s = store();
        s.put_key(key.clone());
        let mut p = s.prepare(Some("k"), &req).unwrap();
        let id = named.then_some("e0000000-0000-4000-8000-000000000001");
        check(&s, &mut p, &req, &entities, id)?;
        // After an edit, the same prepared request follows the store.
        edit(&mut s, which, &key);
        check(&s, &mut p, &req, &entities, id)?;
    }
}

#[test]
fn creates_and_updates_are_not_prepared() {
    let s = store();
    for op in [Operation::Create, Operation::Update] {
        let req = Request {
            operation: op,
            workspace_id: W.into(),
            entity_type: "detail".into(),
            id: None,
            attributes: None,
            source_ip: None,
        };
        let err = s.prepare(Some("k"), &req).unwrap_err();
        assert!(err.to_string().contains("get, list and download"), "{err}");
    }
}

#[test]
fn a_prepared_request_is_never_current_for_another_store() {
    let a = store();
    let b = store();
    assert_ne!(a.generation(), b.generation());
    let mut c = a.clone();
    assert_eq!(a.generation(), c.generation(), "a clone is the same contents");
    c.archive_filter("typical").unwrap();
    assert_ne!(a.generation(), c.generation());
}
