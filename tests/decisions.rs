//! Decision properties: no existence disclosure, and edits taking effect on the next decision.

use portcullis::grants::{Data, FilterRecord, Firm, Grant, Key, PolicyStore, Request, Row};
use portcullis::{Entity, Schema};
use proptest::prelude::*;
use serde_json::json;

const F: &str = "f1000000-0000-4000-8000-000000000001";
const W: &str = "a1000000-0000-4000-8000-00000000000a";

fn store() -> PolicyStore {
    let mut s = PolicyStore::new(Schema::builtin());
    s.put_firm(&Firm { id: F.into(), workspaces: vec![W.into()] }).unwrap();
    s.put_filter(FilterRecord {
        id: "typical".into(),
        workspace_id: W.into(),
        entity_type: "detail".into(),
        name: "Typical".into(),
        description: None,
        predicate: None,
        predicate_text: Some(r#"project_type eq "typical""#.into()),
        archived: false,
    })
    .unwrap();
    s.put_key(Key {
        id: "k".into(),
        firm_id: F.into(),
        revoked: false,
        allowed_ips: None,
        grants: vec![Grant {
            workspace_id: Some(W.into()),
            filter: "typical".into(),
            actions: vec!["read".into(), "download".into()],
        }],
    });
    s
}

fn row(s: &PolicyStore, project_type: &str) -> Row {
    let e = Entity {
        id: "e0000000-0000-4000-8000-000000000001".into(),
        workspace_id: W.into(),
        entity_type: "detail".into(),
        attributes: json!({"project_type": project_type}).as_object().unwrap().clone(),
    };
    Row::new(s.schema(), &e).unwrap()
}

fn get(op: &str) -> Request {
    serde_json::from_value(json!({"operation": op, "workspace_id": W, "entity_type": "detail", "id": "e0000000-0000-4000-8000-000000000001"})).unwrap()
}

proptest! {
    /// A get or download of an entity outside the grants answers exactly as for no entity.
    #[test]
    fn outside_the_grants_is_indistinguishable_from_absent(pt in "[a-z]{0,8}", op in prop::sample::select(vec!["get", "download"])) {
        prop_assume!(pt != "typical");
        let s = store();
        let outside = row(&s, &pt);
        let absent = s.decide(Some("k"), &get(op), Data::One(None));
        let hidden = s.decide(Some("k"), &get(op), Data::One(Some(&outside)));
        prop_assert_eq!(absent.clone(), hidden);
        prop_assert_eq!(absent.status, 404);
    }
}

#[test]
fn edits_and_archives_take_effect_on_the_next_decision() {
    let mut s = store();
    let r = row(&s, "project");
    assert_eq!(s.decide(Some("k"), &get("get"), Data::One(Some(&r))).status, 404);
    let edit = FilterRecord {
        id: "typical".into(),
        workspace_id: W.into(),
        entity_type: "detail".into(),
        name: "Typical or project".into(),
        description: None,
        predicate: None,
        predicate_text: Some(r#"project_type in ["typical", "project"]"#.into()),
        archived: false,
    };
    assert_eq!(s.put_filter(edit).unwrap().keys_affected, 1);
    assert_eq!(s.decide(Some("k"), &get("get"), Data::One(Some(&r))).status, 200);
    s.archive_filter("typical").unwrap();
    assert_eq!(s.decide(Some("k"), &get("get"), Data::One(Some(&r))).status, 404);
    let list: Request = serde_json::from_value(
        json!({"operation": "list", "workspace_id": W, "entity_type": "detail"}),
    )
    .unwrap();
    assert_eq!(s.decide(Some("k"), &list, Data::Many(&[r])).status, 403);
}

#[test]
fn a_key_stored_before_its_filter_grants_once_the_filter_exists() {
    let mut s = PolicyStore::new(Schema::builtin());
    s.put_firm(&Firm { id: F.into(), workspaces: vec![W.into()] }).unwrap();
    let key = Key {
        id: "early".into(),
        firm_id: F.into(),
        revoked: false,
        allowed_ips: None,
        grants: vec![Grant {
            workspace_id: Some(W.into()),
            filter: "later".into(),
            actions: vec!["read".into()],
        }],
    };
    assert!(!s.put_key(key.clone()).valid, "unknown_filter while the filter does not exist");
    let r = row(&s, "typical");
    assert_eq!(s.decide(Some("early"), &get("get"), Data::One(Some(&r))).status, 404);
    s.put_filter(FilterRecord {
        id: "later".into(),
        workspace_id: W.into(),
        entity_type: "detail".into(),
        name: "Later".into(),
        description: None,
        predicate: None,
        predicate_text: Some(r#"project_type eq "typical""#.into()),
        archived: false,
    })
    .unwrap();
    assert_eq!(s.decide(Some("early"), &get("get"), Data::One(Some(&r))).status, 200);
    assert!(s.validate_key(&key).valid);
}

#[test]
fn workspace_and_type_are_fixed_at_creation() {
    let mut s = store();
    let moved = FilterRecord {
        id: "typical".into(),
        workspace_id: W.into(),
        entity_type: "family".into(),
        name: "x".into(),
        description: None,
        predicate: None,
        predicate_text: Some(r#"name eq "x""#.into()),
        archived: false,
    };
    let errs = s.put_filter(moved).unwrap_err();
    assert!(errs.iter().any(|d| d.code.as_str() == "filter_immutable"));
}

#[test]
fn the_index_keeps_decisions_to_the_eligible_grants() {
    let mut s = store();
    let n = portcullis::limits::MAX_GRANTS_PER_KEY - 1;
    let mut grants: Vec<Grant> = (0..n)
        .map(|i| Grant {
            workspace_id: Some(W.into()),
            filter: "default:families".into(),
            actions: vec![if i % 2 == 0 { "write" } else { "download" }.into()],
        })
        .collect();
    grants.push(Grant {
        workspace_id: Some(W.into()),
        filter: "typical".into(),
        actions: vec!["read".into()],
    });
    s.put_key(Key {
        id: "big".into(),
        firm_id: F.into(),
        revoked: false,
        allowed_ips: None,
        grants,
    });
    let key = s.key("big").unwrap();
    // Explanations walk every grant; the decision's own candidates are the indexed ones.
    let r = row(&s, "typical");
    assert_eq!(s.decide(Some("big"), &get("get"), Data::One(Some(&r))).status, 200);
    assert_eq!(key.key.grants.len(), n + 1);
    let e = s.explain(Some("big"), &get("get"), Data::One(Some(&r)));
    assert_eq!(e.grants.iter().filter(|g| g.eligible).count(), 1);
    assert!(e.render().contains(&format!("grant #{n} typical")));
}

#[test]
fn a_list_explanation_counts_only_the_requested_type() {
    let mut s = store();
    s.put_key(Key {
        id: "all".into(),
        firm_id: F.into(),
        revoked: false,
        allowed_ips: None,
        grants: vec![
            Grant {
                workspace_id: Some(W.into()),
                filter: "default:details".into(),
                actions: vec!["read".into()],
            },
            Grant {
                workspace_id: Some(W.into()),
                filter: "typical".into(),
                actions: vec!["read".into()],
            },
        ],
    });
    // A set as the builder loads it: the workspace's entities of every type.
    let family = Entity {
        id: "e0000000-0000-4000-8000-000000000009".into(),
        workspace_id: W.into(),
        entity_type: "family".into(),
        attributes: json!({"name": "n"}).as_object().unwrap().clone(),
    };
    let rows = vec![row(&s, "typical"), row(&s, "project"), Row::new(s.schema(), &family).unwrap()];
    let list: Request = serde_json::from_value(
        json!({"operation": "list", "workspace_id": W, "entity_type": "detail"}),
    )
    .unwrap();
    assert_eq!(s.decide(Some("all"), &list, Data::Many(&rows)).ids.map(|ids| ids.len()), Some(2));
    let e = s.explain(Some("all"), &list, Data::Many(&rows));
    let counts: Vec<Option<usize>> = e.grants.iter().map(|g| g.match_count).collect();
    assert_eq!(counts, vec![Some(2), Some(1)]);
}

#[test]
fn the_entity_handed_over_must_be_the_one_the_request_names() {
    let s = store();
    let r = row(&s, "typical");
    assert_eq!(s.decide(Some("k"), &get("get"), Data::One(Some(&r))).status, 200);
    // The same id in upper case is the same UUID.
    let mut upper = get("get");
    upper.id = upper.id.map(|id| id.to_uppercase());
    assert_eq!(s.decide(Some("k"), &upper, Data::One(Some(&r))).status, 200);
    // Another id: a caller's mix-up, decided as no such entity, never as this entity.
    let mut other = get("download");
    other.id = Some("e0000000-0000-4000-8000-000000000002".into());
    assert_eq!(
        s.decide(Some("k"), &other, Data::One(Some(&r))),
        s.decide(Some("k"), &other, Data::One(None))
    );
    assert_eq!(s.decide(Some("k"), &other, Data::One(Some(&r))).status, 404);
}

#[test]
fn edit_impact_counts_a_repeated_id_once_at_its_first_row() {
    let s = store();
    let ent = |id: &str, ws: &str, pt: &str| Entity {
        id: id.into(),
        workspace_id: ws.into(),
        entity_type: "detail".into(),
        attributes: json!({"project_type": pt}).as_object().unwrap().clone(),
    };
    let other_ws = "a1000000-0000-4000-8000-00000000000b";
    let entities = vec![
        ent("e1", W, "typical"),        // lost by the edit
        ent("e2", W, "project"),        // gained
        ent("e1", W, "project"),        // a repeat of e1: ignored, though the edit would gain it
        ent("e3", other_ws, "project"), // another workspace: ignored
        ent("e4", W, "typical"),        // lost
        ent("e2", W, "typical"),        // a repeat of e2: ignored
        ent("e0", W, "project"),        // gained, listed in document order
    ];
    let edit = portcullis::PredicateSource::Text(r#"project_type eq "project""#.into());
    let impact = s.edit_impact("typical", &edit, &entities).unwrap();
    assert_eq!(impact.keys, 1);
    assert_eq!(impact.gained, vec!["e2".to_string(), "e0".to_string()]);
    assert_eq!(impact.lost, vec!["e1".to_string(), "e4".to_string()]);
}

#[test]
fn a_world_finds_the_entity_a_request_names_by_its_uuid() {
    use portcullis::grants::World;
    let id = "e0000000-0000-4000-8000-000000000001";
    let world: World = serde_json::from_value(json!({
        "firms": [{"id": F, "workspaces": [W]}],
        "filters": [{"id": "typical", "workspace_id": W, "entity_type": "detail", "name": "T", "predicate_text": "project_type eq \"typical\""}],
        "entities": [
            {"id": id, "workspace_id": W, "entity_type": "detail", "attributes": {"project_type": "project"}},
            {"id": "not-a-uuid", "workspace_id": W, "entity_type": "detail", "attributes": {"project_type": "typical"}},
            // The last entity with an id is the one a request names.
            {"id": id.to_uppercase(), "workspace_id": W, "entity_type": "detail", "attributes": {"project_type": "typical"}},
        ]
    })).unwrap();
    let w = world.load(Schema::builtin());
    let key: Key = serde_json::from_value(json!({"id": "k", "firm_id": F, "grants": [{"workspace_id": W, "filter": "typical", "actions": ["read"]}]})).unwrap();
    let req = |v: serde_json::Value| -> Request { serde_json::from_value(v).unwrap() };
    let get =
        req(json!({"operation": "get", "workspace_id": W, "entity_type": "detail", "id": id}));
    assert_eq!(w.decide(Some(&key), &get).status, 200);
    let elsewhere = req(
        json!({"operation": "get", "workspace_id": "a1000000-0000-4000-8000-00000000000b", "entity_type": "detail", "id": id}),
    );
    assert_eq!(w.decide(Some(&key), &elsewhere).status, 404);
    let list = req(json!({"operation": "list", "workspace_id": W, "entity_type": "detail"}));
    assert_eq!(w.decide(Some(&key), &list).ids, Some(vec![id.to_uppercase()]));
    assert_eq!(w.decide(None, &get).status, 401);
}

/// Whatever shape the data comes in, a decision takes what its operation needs: a get given
/// the workspace's entities decides on the one it names, a list given one entity lists it, and
/// `decide_in` over an `Entities` agrees with both.
#[test]
fn data_of_any_shape_is_fitted_to_the_operation() {
    use portcullis::grants::Entities;
    let s = store();
    let entity = |n: u32, project_type: &str| Entity {
        id: format!("e0000000-0000-4000-8000-{n:012}"),
        workspace_id: W.into(),
        entity_type: "detail".into(),
        attributes: json!({"project_type": project_type}).as_object().unwrap().clone(),
    };
    let entities = vec![entity(1, "typical"), entity(2, "project"), entity(3, "typical")];
    let held = Entities::new(s.schema(), &entities).unwrap();
    let rows = held.rows();
    for (id, status) in [(1, 200), (2, 404), (3, 200), (4, 404)] {
        let req = Request::get(W, "detail", format!("E0000000-0000-4000-8000-{id:012}"));
        let named = held.get(&req.id.clone().unwrap());
        assert_eq!(s.decide(Some("k"), &req, Data::One(named)).status, status, "{id}");
        assert_eq!(s.decide(Some("k"), &req, Data::Many(rows)).status, status, "{id}");
        assert_eq!(s.decide_in(Some("k"), &req, &held).status, status, "{id}");
    }
    let list = Request::list(W, "detail");
    let all = s.decide_in(Some("k"), &list, &held);
    assert_eq!(all.ids.as_deref().unwrap(), [entities[0].id.clone(), entities[2].id.clone()]);
    assert_eq!(s.decide(Some("k"), &list, Data::Many(rows)), all);
    let one = s.decide(Some("k"), &list, Data::One(Some(&rows[0])));
    assert_eq!(one.ids.unwrap(), [entities[0].id.clone()]);
    // An id that is not a UUID names nothing, in every shape.
    let odd =
        Entities::new(s.schema(), &[Entity { id: "d1".into(), ..entities[0].clone() }]).unwrap();
    let req = Request::get(W, "detail", "d1");
    assert!(odd.get("d1").is_none());
    assert_eq!(s.decide_in(Some("k"), &req, &odd).status, 404);
    assert_eq!(s.decide(Some("k"), &req, Data::Many(odd.rows())).status, 404);
    assert_eq!(s.decide(Some("k"), &req, Data::One(odd.rows().first())).status, 404);
    // An entity of a type the schema does not have is refused with the reason and its place.
    let widget = Entity { entity_type: "widget".into(), ..entities[1].clone() };
    let err = Entities::new(s.schema(), &[entities[0].clone(), widget]).unwrap_err();
    assert_eq!(err.code.as_str(), "unknown_entity_type");
    assert_eq!(err.path(), Some("$[1].entity_type"));
}

/// A list authorization shows its scope as filters, not as their compiled programs.
#[test]
fn a_list_authorization_debugs_as_its_filters() {
    let s = store();
    let auth = s.authorize_list(Some("k"), &Request::list(W, "detail")).unwrap();
    let shown = format!("{auth:?}");
    assert!(shown.contains(r#"CompiledFilter(detail: project_type eq "typical")"#), "{shown}");
    assert!(shown.len() < 300, "{shown}");
}

/// A key's grants and allow-list are bounded by the engine, with codes of their own, and a
/// key over either bound grants nothing.
#[test]
fn keys_are_bounded() {
    use portcullis::limits::{MAX_DIAGNOSTICS_PER_CODE, MAX_GRANTS_PER_KEY, MAX_IP_RANGES_PER_KEY};
    let s = store();
    let grant = Grant::new(W, "typical", [portcullis::Action::Read]);
    let at_cap =
        (0..MAX_GRANTS_PER_KEY).fold(Key::new("k2", F), |k, _| k.with_grant(grant.clone()));
    assert!(s.validate_key(&at_cap).valid);
    let over = at_cap.clone().with_grant(grant.clone());
    let report = s.validate_key(&over);
    let codes: Vec<&str> = report.errors.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["too_many_grants"]);
    assert_eq!(report.errors[0].path(), Some("$.grants"));
    let ips: Vec<String> =
        (0..=MAX_IP_RANGES_PER_KEY).map(|i| format!("10.0.{}.{}", i / 256, i % 256)).collect();
    let report = s.validate_key(&Key::new("k3", F).with_grant(grant.clone()).with_allowed_ips(ips));
    assert_eq!(report.errors[0].code.as_str(), "too_many_ip_ranges");
    // Stored anyway (a key is stored even when invalid), it grants nothing: fail closed.
    let mut s = s;
    s.put_key(over);
    let req = get("get");
    let typical = row(&s, "typical");
    assert_eq!(s.decide(Some("k2"), &req, Data::One(Some(&typical))).status, 404);
    assert_eq!(s.decide(Some("k"), &req, Data::One(Some(&typical))).status, 200);
    // Hundreds of bad grants answer every code, each at most the bound plus one count.
    let bad = (0..90).fold(Key::new("k4", F), |k, i| {
        k.with_grant(Grant { actions: vec!["fly".into()], ..Grant::new(W, format!("nope{i}"), []) })
    });
    let report = s.validate_key(&bad);
    let mut codes: Vec<&str> = report.errors.iter().map(|d| d.code.as_str()).collect();
    codes.dedup();
    assert!(report.errors.len() <= 2 * (MAX_DIAGNOSTICS_PER_CODE + 1), "{}", report.errors.len());
    assert!(
        report.errors.iter().any(|d| d.message.contains("more `")),
        "{:?}",
        report.errors.last()
    );
    assert!(codes.contains(&"unknown_filter"), "{codes:?}");
}
