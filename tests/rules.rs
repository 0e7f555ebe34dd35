//! The contract rules that consumers ask the engine instead of restating (attribute typing
//! for writes, system filters, credentials from a source address, a key change as an admin
//! makes it, where a row is), natively; tests/pkg/rules.test.mjs asks the same through wasm.

use portcullis::attributes::check_attributes;
use portcullis::grants::{
    is_system_filter, Data, FilterRecord, Firm, Grant, Key, KeyChange, PolicyStore, Row, Step,
    World,
};
use portcullis::schema::{Attribute, EntityType, Schema, ValueType};
use portcullis::{Action, Entity, Request};
use serde_json::json;

const FIRM: &str = "f1000000-0000-4000-8000-000000000001";
const OTHER_FIRM: &str = "f2000000-0000-4000-8000-000000000002";
const WS: &str = "a1000000-0000-4000-8000-00000000000a";
const OTHER_WS: &str = "c3000000-0000-4000-8000-00000000000c";

fn codes(r: Result<(), Vec<portcullis::Diagnostic>>) -> Vec<&'static str> {
    r.err().unwrap_or_default().iter().map(|d| d.code.as_str()).collect()
}

/// A schema with a writable date, so that write typing of dates can be seen.
fn dated() -> Schema {
    let attr = |name: &str, value_type| Attribute {
        name: name.into(),
        value_type,
        filterable: true,
        server_assigned: false,
    };
    Schema {
        entity_types: vec![EntityType {
            name: "event".into(),
            collection: "events".into(),
            actions: vec![Action::Read, Action::Write],
            attributes: vec![attr("on", ValueType::Date), attr("weight", ValueType::Number)],
            search: None,
            previewable: true,
        }],
    }
}

#[test]
fn write_dates_are_typed_as_evaluation_types_them() {
    let s = dated();
    for bad in ["2024-02-30", "2023-02-29", "2025-01-01T10:00Z", "2025-1-01", "yesterday"] {
        assert_eq!(
            codes(check_attributes(&s, "event", &json!({ "on": bad }))),
            ["invalid_attribute"],
            "{bad}"
        );
    }
    for good in ["2024-02-29", "2025-01-01t10:00:00z", "2025-01-01T10:00:00.5+05:30", "2025-01-01"]
    {
        assert_eq!(check_attributes(&s, "event", &json!({ "on": good })), Ok(()), "{good}");
    }
    assert_eq!(check_attributes(&s, "event", &json!({ "weight": 1.5, "on": null })), Ok(()));
    assert_eq!(
        codes(check_attributes(&s, "event", &json!({ "weight": "1" }))),
        ["invalid_attribute"]
    );
}

#[test]
fn write_attributes_are_checked_whole() {
    let s = Schema::builtin();
    let r = check_attributes(
        &s,
        "detail",
        &json!({"colour": "red", "tags": ["a", 1], "created_at": "2025-01-01"}),
    );
    let ds = r.unwrap_err();
    let got: Vec<(&str, Option<&str>)> = ds
        .iter()
        .map(|d| (d.code.as_str(), d.location.as_ref().and_then(|l| l.path.as_deref())))
        .collect();
    assert_eq!(
        got,
        [
            ("unknown_attribute", Some("$.colour")),
            ("read_only_attribute", Some("$.created_at")),
            ("invalid_attribute", Some("$.tags"))
        ]
    );
    assert_eq!(codes(check_attributes(&s, "detail", &json!("x"))), ["invalid_attribute"]);
}

#[test]
fn system_filters_are_the_engines() {
    let s = Schema::builtin();
    let names: Vec<String> =
        s.system_filters(FIRM, &[WS, "not-a-uuid", OTHER_WS]).into_iter().map(|f| f.id).collect();
    assert_eq!(names.len(), 9, "two workspaces of four types, then default:any: {names:?}");
    assert!(s.system_filters("not-a-firm", &[WS]).is_empty());
    assert!(
        is_system_filter("default:tags")
            && is_system_filter("default:nothing")
            && !is_system_filter("tags")
    );
    assert_eq!(s.system_filter_type("default:stashes"), Some(2));
    assert_eq!(s.system_filter_type("default:any"), None);
}

fn store() -> PolicyStore {
    let mut s = PolicyStore::new(Schema::builtin());
    s.put_firm(&Firm { id: FIRM.into(), workspaces: vec![WS.into()] }).unwrap();
    s.put_firm(&Firm { id: OTHER_FIRM.into(), workspaces: vec![OTHER_WS.into()] }).unwrap();
    s.put_firm(&Firm { id: "f9000000-0000-4000-8000-000000000009".into(), workspaces: vec![] })
        .unwrap();
    for (id, ws) in [("mine", WS), ("theirs", OTHER_WS)] {
        s.put_filter(FilterRecord {
            id: id.into(),
            workspace_id: ws.into(),
            entity_type: "detail".into(),
            name: id.into(),
            description: None,
            predicate: None,
            predicate_text: Some(r#"type eq "steel""#.into()),
            archived: false,
        })
        .unwrap();
    }
    s
}

fn key(id: &str, firm: &str, grants: Vec<Grant>) -> Key {
    Key { id: id.into(), firm_id: firm.into(), revoked: false, allowed_ips: None, grants }
}

fn grant(ws: &str, filter: &str) -> Grant {
    Grant { workspace_id: Some(ws.into()), filter: filter.into(), actions: vec!["read".into()] }
}

#[test]
fn credentials_from_a_source_address_in_a_firm_without_workspaces() {
    let mut s = store();
    let k = Key {
        allowed_ips: Some(vec!["10.0.0.0/8".into()]),
        ..key("k", "f9000000-0000-4000-8000-000000000009", vec![])
    };
    s.put_key(k);
    assert_eq!(s.check_credentials(Some("k"), Some("10.9.9.9")), Ok(()));
    assert_eq!(s.check_credentials(Some("k"), Some("192.0.2.1")), Err(Step::SourceNotAllowed));
    assert_eq!(s.check_credentials(Some("k"), None), Err(Step::SourceNotAllowed));
    s.put_key(Key { revoked: true, ..key("r", FIRM, vec![]) });
    assert_eq!(s.check_credentials(Some("r"), Some("10.9.9.9")), Err(Step::RevokedCredentials));
    assert_eq!(s.check_credentials(None, None), Err(Step::UnknownCredentials));
}

#[test]
fn a_key_change_keeps_inert_grants_and_hides_other_firms() {
    let mut s = store();
    let before = key("k", FIRM, vec![grant(WS, "mine")]);
    s.archive_filter("mine").unwrap();
    let after = Key { allowed_ips: Some(vec!["10.0.0.0/8".into()]), ..before.clone() };
    let kept = s.validate_key_change(&KeyChange {
        key: &after,
        previous: Some(&before),
        viewer_firm: None,
    });
    assert!(kept.valid, "{kept:?}");
    // Plain validation and a new key still refuse the archived filter.
    assert!(!s.validate_key(&after).valid);
    assert!(
        !s.validate_key_change(&KeyChange { key: &after, previous: None, viewer_firm: None }).valid
    );

    let theirs = key("k2", FIRM, vec![grant(WS, "theirs")]);
    let nothing = key("k2", FIRM, vec![grant(WS, "nothing")]);
    let as_admin =
        s.validate_key_change(&KeyChange { key: &theirs, previous: None, viewer_firm: Some(FIRM) });
    let unknown = s.validate_key_change(&KeyChange {
        key: &nothing,
        previous: None,
        viewer_firm: Some(FIRM),
    });
    assert_eq!(as_admin.errors.len(), 1);
    assert_eq!(as_admin.errors[0].code.as_str(), "unknown_filter");
    assert_eq!(as_admin.errors[0].message.replace("theirs", "nothing"), unknown.errors[0].message);
    assert_eq!(s.validate_key(&theirs).errors[0].code.as_str(), "workspace_mismatch");
    // A viewer firm that is not a UUID sees no firm's filters.
    let r =
        s.validate_key_change(&KeyChange { key: &theirs, previous: None, viewer_firm: Some("x") });
    assert_eq!(r.errors[0].code.as_str(), "unknown_filter");
    // Not even a firm whose id is the nil UUID.
    let nil_ws = "d4000000-0000-4000-8000-00000000000d";
    let nil =
        Firm { id: "00000000-0000-0000-0000-000000000000".into(), workspaces: vec![nil_ws.into()] };
    s.put_firm(&nil).unwrap();
    let mut f = s.filter("theirs").unwrap().record.clone();
    (f.id, f.workspace_id, f.predicate) = ("nils".into(), nil_ws.into(), None);
    s.put_filter(f).unwrap();
    let nils = key("k3", "00000000-0000-0000-0000-000000000000", vec![grant(nil_ws, "nils")]);
    assert!(s.validate_key(&nils).valid);
    let r =
        s.validate_key_change(&KeyChange { key: &nils, previous: None, viewer_firm: Some("x") });
    assert_eq!(r.errors.iter().map(|d| d.code.as_str()).collect::<Vec<_>>(), ["unknown_filter"]);
}

fn entity(id: &str) -> Entity {
    serde_json::from_value(json!({
        "id": id, "workspace_id": WS, "entity_type": "detail", "attributes": {"type": "steel"}
    }))
    .unwrap()
}

#[test]
fn an_entity_whose_id_is_not_a_uuid_is_no_entity_anywhere() {
    let world = World {
        firms: vec![Firm { id: FIRM.into(), workspaces: vec![WS.into()] }],
        filters: vec![],
        entities: vec![entity("not-a-uuid"), entity("E0000000-0000-4000-8000-000000000001")],
    };
    let loaded = world.load(Schema::builtin());
    let k = key("k", FIRM, vec![grant(WS, "default:details")]);
    let req = |op: &str, id: Option<&str>| -> Request {
        serde_json::from_value(
            json!({"operation": op, "workspace_id": WS, "entity_type": "detail", "id": id}),
        )
        .unwrap()
    };
    let list = loaded.decide(Some(&k), &req("list", None));
    assert_eq!(list.ids.unwrap(), ["E0000000-0000-4000-8000-000000000001"]);
    assert_eq!(loaded.decide(Some(&k), &req("get", Some("not-a-uuid"))).status, 404);
    assert_eq!(
        loaded.decide(Some(&k), &req("get", Some("e0000000-0000-4000-8000-000000000001"))).status,
        200
    );
    // Handed to a decision directly, it is no entity either.
    let mut s = store();
    s.put_key(k);
    let odd = Row::new(s.schema(), &entity("not-a-uuid")).unwrap();
    assert_eq!(
        s.decide(Some("k"), &req("get", Some("not-a-uuid")), Data::One(Some(&odd))).status,
        404
    );
    assert_eq!(
        s.decide(Some("k"), &req("list", None), Data::Many(std::slice::from_ref(&odd))).ids,
        Some(vec![])
    );
    let mut p = s.prepare(Some("k"), &req("get", None)).unwrap();
    assert_eq!(p.decide(&s, Some("not-a-uuid"), Some(&odd)).status, 404);
    assert_eq!(p.decide(&s, None, Some(&odd)).status, 404);
    let row = Row::new(s.schema(), &entity("E0000000-0000-4000-8000-000000000001")).unwrap();
    let get = req("get", Some("e0000000-0000-4000-8000-000000000001"));
    assert_eq!(s.decide(Some("k"), &get, Data::One(Some(&row))).status, 200);
    assert_eq!(s.decide(Some("k"), &req("get", Some("other")), Data::One(Some(&row))).status, 404);
    assert_eq!(p.decide(&s, Some("e0000000-0000-4000-8000-000000000001"), Some(&row)).status, 200);
}
