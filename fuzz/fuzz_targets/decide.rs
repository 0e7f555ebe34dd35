//! Decisions: a structured input builds a small world through the public grants API (firms,
//! filters from a small pool of texts, keys with grants, archives, key removals) and asks for
//! decisions, interleaved, so every change is followed by requests.
//!
//! Beyond "no panic", after every step or request:
//! - SPEC 4.1: each key's grant report has exactly the codes an independent reading of the
//!   rules gives, grant by grant; `keys_holding` counts the stored keys naming a filter;
//! - SPEC 4.4 fail-closed rules, checked directly: no key, an unknown key or a revoked key gets
//!   401 `invalid_token`; a key with an allowlist refuses a request with no source address
//!   (401); a source address outside every range is refused, one inside a plain range admitted;
//!   a key with no grants, or no valid grant, never gets 200/201; a create never gets 200; a
//!   tag download is 404; a `get` answers 200 or exactly what it answers for no entity;
//!   a 200 list holds only entities of the request's workspace and type;
//! - the whole decision equals a reference model of SPEC 4.2-4.4 written against the public
//!   API (the store's index and eligibility against a plain walk over the key's grants);
//! - `explain` reports the same decision; `authorize_list` agrees with the list decision and
//!   its scope survives its wire form; `edit_impact` gains and losses are the entities whose
//!   match changes.
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use portcullis::grants::{
    Data, DenyCode, FilterRecord, Firm, Grant, Key, Operation, PolicyStore, Request, Row,
};
use portcullis::lang::predicate_to_json;
use portcullis::value::parse_uuid;
use portcullis::{
    compile_source, parse, Action, Decision, Entity, PredicateSource, PreparedEntity, Schema, Scope,
};
use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, HashMap};

const FIRMS: [&str; 5] = [
    "f1000000-0000-4000-8000-000000000001",
    "f2000000-0000-4000-8000-000000000002",
    "f3000000-0000-4000-8000-000000000003",
    "F1000000-0000-4000-8000-000000000001",
    "not-a-firm",
];
const WORKSPACES: [&str; 6] = [
    "a1000000-0000-4000-8000-00000000000a",
    "b2000000-0000-4000-8000-00000000000b",
    "c3000000-0000-4000-8000-00000000000c",
    "d4000000-0000-4000-8000-00000000000d",
    "A1000000-0000-4000-8000-00000000000A",
    "ws-bad",
];
const FILTER_IDS: [&str; 8] =
    ["f-a", "f-b", "f-c", "f-d", "F-A", "default:details", "default:any", ""];
const GRANT_FILTERS: [&str; 13] = [
    "f-a",
    "f-b",
    "f-c",
    "f-d",
    "F-A",
    "default:any",
    "default:families",
    "default:details",
    "default:stashes",
    "default:tags",
    "default:widgets",
    "default:",
    "nope",
];
const TYPES: [&str; 5] = ["family", "detail", "stash", "tag", "Detail"];
const P1: &str = "9d7e0c4a-1b2f-4c3d-8e5f-60718293a4b5";
const U1: &str = "5b6c7d8e-9fa0-4b1c-8d2e-3f4a5b6c7d8e";
const TEXTS: [&[&str]; 5] = [
    &[
        r#"name eq "A""#,
        r#"category eq "Structural""#,
        r#"tags intersects ["concrete"]"#,
        r#"project_id eq "9d7e0c4a-1b2f-4c3d-8e5f-60718293a4b5""#,
        r#"NOT category eq "Structural""#,
        r#"created_at gt "2025-01-01""#,
        r#"name eq "A" OR tags contains ["concrete", "steel"]"#,
        r#"tags eq_set []"#,
        r#"colour eq "x""#,
    ],
    &[
        r#"type eq "concrete""#,
        r#"project_type eq "typical""#,
        r#"tags intersects ["concrete"] AND NOT type eq "steel""#,
        r#"project_id eq "9d7e0c4a-1b2f-4c3d-8e5f-60718293a4b5""#,
        r#"tags eq_set ["concrete"]"#,
        r#"type in ["concrete", "steel"]"#,
        r#"status eq "draft""#,
        r#"type eq "concrete" OR project_id eq "9D7E0C4A-1B2F-4C3D-8E5F-60718293A4B5""#,
        r#"NOT (type eq "steel" OR tags intersects ["draft"])"#,
    ],
    &[
        r#"is_permanent eq true"#,
        r#"created_by eq "5b6c7d8e-9fa0-4b1c-8d2e-3f4a5b6c7d8e""#,
        r#"NOT is_permanent eq true"#,
        r#"created_at lt "2025-06-01T00:00:00Z""#,
        r#"created_by in ["5B6C7D8E-9FA0-4B1C-8D2E-3F4A5B6C7D8E"] AND project_id neq "9d7e0c4a-1b2f-4c3d-8e5f-60718293a4b5""#,
    ],
    &[r#"name eq "concrete""#, r#"name nin ["concrete"]"#, r#"name eq 5"#],
    &[r#"x eq 1"#],
];
const ENTITY_IDS: [&str; 8] = [
    "e0000000-0000-4000-8000-000000000001",
    "e0000000-0000-4000-8000-000000000002",
    "e0000000-0000-4000-8000-000000000003",
    "e0000000-0000-4000-8000-000000000004",
    "e0000000-0000-4000-8000-000000000005",
    "e0000000-0000-4000-8000-000000000006",
    "E0000000-0000-4000-8000-000000000001",
    "not-a-uuid",
];
const ATTRS: [&str; 11] = [
    "name",
    "category",
    "classification",
    "tags",
    "project_id",
    "created_at",
    "type",
    "project_type",
    "status",
    "is_permanent",
    "created_by",
];
const KEY_IDS: [&str; 4] = ["k0", "k1", "k2", "K0"];
const ACTIONS: [&str; 6] = ["read", "write", "download", "READ", "delete", ""];
const RANGES: [&str; 9] = [
    "10.0.0.0/8",
    "203.0.113.7",
    "2001:db8::/32",
    "0.0.0.0/0",
    "::/0",
    " 10.1.2.3 ",
    "bogus",
    "10.0.0.0/33",
    "::ffff:10.0.0.0/104",
];
const SOURCES: [&str; 8] = [
    "10.1.2.3",
    "203.0.113.7",
    "2001:db8::1",
    "::ffff:10.1.2.3",
    "192.168.1.1",
    "garbage",
    "",
    " 10.1.2.3",
];
/// May range r admit source s (the source really is in the range, IPv4-mapped IPv6 counted as
/// its IPv4 address)? A one-sided bound: admitting outside it is a failure.
const MAY_ADMIT: [[bool; 8]; 9] = [
    [true, false, false, true, false, false, false, true],
    [false, true, false, false, false, false, false, false],
    [false, false, true, false, false, false, false, false],
    [true, true, false, true, true, false, false, true],
    [false, false, true, true, false, false, false, false],
    [true, false, false, true, false, false, false, true],
    [false; 8],
    [false; 8],
    [true, false, false, true, false, false, false, true],
];
/// Must range r admit source s? The plain cases: an address inside an IPv4 or IPv6 range of
/// its own family.
const MUST_ADMIT: [[bool; 8]; 9] = [
    [true, false, false, true, false, false, false, true],
    [false, true, false, false, false, false, false, false],
    [false, false, true, false, false, false, false, false],
    [true, true, false, true, true, false, false, true],
    [false, false, true, false, false, false, false, false],
    [true, false, false, true, false, false, false, true],
    [false; 8],
    [false; 8],
    [false; 8],
];

fn pick<T: Copy>(pool: &[T], i: u8) -> T {
    pool[i as usize % pool.len()]
}

fn value_pool(i: u8) -> Value {
    let pool = [
        json!("concrete"),
        json!("steel"),
        json!("typical"),
        json!("A"),
        json!("Structural"),
        json!("draft"),
        json!(["concrete"]),
        json!(["concrete", "steel"]),
        json!([]),
        json!(["concrete", 1]),
        json!(P1),
        json!(P1.to_uppercase()),
        json!(U1),
        json!("bob"),
        json!(true),
        json!(false),
        json!("2025-01-01"),
        json!("2025-01-02T00:00:00Z"),
        json!("bad-date"),
        Value::Null,
        json!(5),
    ];
    pool[i as usize % pool.len()].clone()
}

/// Attribute sets per entity type, so that the filters of TEXTS match some entities and not
/// others without the fuzzer having to find the values.
fn profile(type_index: usize, i: u8) -> Value {
    let u1_upper = U1.to_uppercase();
    let profiles: Vec<Value> = match type_index {
        0 => vec![
            json!({"name": "A", "category": "Structural", "tags": ["concrete"], "project_id": P1, "created_at": "2025-01-02"}),
            json!({"name": "B", "category": "Other", "tags": ["concrete", "steel"], "created_at": "2024-12-31T23:00:00-02:00"}),
            json!({}),
        ],
        1 => vec![
            json!({"type": "concrete", "project_type": "typical", "tags": ["concrete"], "project_id": P1}),
            json!({"type": "steel", "project_type": "project", "tags": ["steel", "draft"]}),
            json!({"type": "concrete", "tags": ["draft"], "status": "draft"}),
            json!({}),
        ],
        2 => vec![
            json!({"is_permanent": true, "created_by": U1, "created_at": "2025-01-01", "project_id": P1}),
            json!({"is_permanent": false, "created_by": u1_upper, "created_at": "2025-07-01T00:00:00Z"}),
            json!({}),
        ],
        3 => vec![json!({"name": "concrete"}), json!({"name": "steel"}), json!({})],
        _ => vec![json!({})],
    };
    profiles[i as usize % profiles.len()].clone()
}

#[derive(Arbitrary, Debug)]
struct AttrSpec {
    profile: u8,
    /// Overrides from the general value pool, mostly of the wrong type.
    extra: Vec<(u8, u8)>,
}

fn attributes(type_index: usize, spec: &AttrSpec) -> Map<String, Value> {
    let mut m = profile(type_index, spec.profile).as_object().unwrap().clone();
    for &(a, v) in spec.extra.iter().take(3) {
        m.insert(pick(&ATTRS, a).to_string(), value_pool(v));
    }
    m
}

#[derive(Arbitrary, Debug)]
struct EntitySpec {
    id: u8,
    workspace: u8,
    entity_type: u8,
    attrs: AttrSpec,
}

#[derive(Arbitrary, Debug)]
struct GrantSpec {
    workspace: Option<u8>,
    filter: u8,
    actions: Vec<u8>,
}

#[derive(Arbitrary, Debug)]
struct RequestSpec {
    /// Past the pool: no key at all.
    key: u8,
    operation: u8,
    /// An entity of the world: the request takes its workspace, type and id. Otherwise the
    /// three below.
    target: Option<u8>,
    workspace: u8,
    entity_type: u8,
    id: Option<u8>,
    attrs: Option<AttrSpec>,
    source: Option<u8>,
    /// How the caller supplies data: 0 the entity by id / every row, 1 nothing found / only
    /// the workspace's rows of the type, 2 the wrong shape.
    data: u8,
}

#[derive(Arbitrary, Debug)]
enum Step {
    PutFirm { firm: u8, workspaces: u8 },
    PutFilter { id: u8, workspace: u8, entity_type: u8, text: u8, json: bool, blank_name: bool },
    Archive { id: u8 },
    PutKey { id: u8, firm: u8, revoked: bool, ips: Option<Vec<u8>>, grants: Vec<GrantSpec> },
    RemoveKey { id: u8 },
    EditImpact { id: u8, text: u8, json: bool },
    Request(RequestSpec),
}

#[derive(Arbitrary, Debug)]
struct Input {
    entities: Vec<EntitySpec>,
    steps: Vec<Step>,
}

/// What the model knows of a stored filter.
struct ModelFilter {
    workspace: u128,
    entity_type: String,
    archived: bool,
}

/// The reference: the world as the public API was told it, kept independently of the store.
struct Model {
    schema: Schema,
    firms: HashMap<u128, Vec<u128>>,
    workspace_firm: HashMap<u128, u128>,
    filters: HashMap<String, ModelFilter>,
    keys: HashMap<String, Key>,
}

fn source_for(type_index: usize, text_index: u8, as_json: bool) -> PredicateSource {
    let text = pick(TEXTS[type_index], text_index);
    match (as_json, parse(text)) {
        (true, Ok(tree)) => PredicateSource::Json(predicate_to_json(&tree)),
        _ => PredicateSource::Text(text.to_string()),
    }
}

impl Model {
    fn put_firm(&mut self, store: &mut PolicyStore, firm: &Firm) {
        let result = store.put_firm(firm);
        let id = parse_uuid(&firm.id);
        let ws: Option<Vec<u128>> = firm.workspaces.iter().map(|w| parse_uuid(w)).collect();
        let expect_ok = match (id, &ws) {
            (Some(id), Some(ws)) => {
                ws.iter().all(|w| self.workspace_firm.get(w).is_none_or(|f| *f == id))
            }
            _ => false,
        };
        assert_eq!(result.is_ok(), expect_ok, "put_firm {firm:?}: {result:?}");
        if let (true, Some(id), Some(ws)) = (expect_ok, id, ws) {
            if let Some(old) = self.firms.insert(id, ws.clone()) {
                for w in old {
                    self.workspace_firm.remove(&w);
                }
            }
            for w in ws {
                self.workspace_firm.insert(w, id);
            }
        }
    }

    fn put_filter(&mut self, store: &mut PolicyStore, record: FilterRecord) {
        let result = store.put_filter(record.clone());
        let Ok(_) = result else { return };
        assert!(
            !record.id.starts_with("default:") && !record.id.is_empty(),
            "stored a system or empty filter id: {record:?}"
        );
        let ws =
            parse_uuid(&record.workspace_id).expect("stored a filter in a malformed workspace");
        assert!(self.workspace_firm.contains_key(&ws), "stored a filter in an unknown workspace");
        let stored = store.filter(&record.id).expect("a stored filter is there");
        assert_eq!(stored.compiled().entity_type(), record.entity_type);
        match self.filters.get(&record.id) {
            Some(old) => {
                assert!(!old.archived, "an archived filter was edited");
                assert_eq!(
                    (old.workspace, &old.entity_type),
                    (ws, &record.entity_type),
                    "a filter moved"
                );
            }
            None => {
                self.filters.insert(
                    record.id.clone(),
                    ModelFilter {
                        workspace: ws,
                        entity_type: record.entity_type.clone(),
                        archived: false,
                    },
                );
            }
        }
    }

    fn archive(&mut self, store: &mut PolicyStore, id: &str) {
        let result = store.archive_filter(id);
        assert_eq!(result.is_ok(), self.filters.contains_key(id), "archive {id:?}: {result:?}");
        if let Some(f) = self.filters.get_mut(id) {
            f.archived = true;
        }
        if result.is_ok() {
            assert!(store.filter(id).unwrap().record.archived);
        }
    }

    /// SPEC 4.1, rule by rule: the codes each grant should fail with, and the key-level codes.
    fn expected_report(&self, key: &Key) -> (BTreeSet<&'static str>, Vec<BTreeSet<&'static str>>) {
        let mut key_codes = BTreeSet::new();
        let firm = parse_uuid(&key.firm_id).filter(|f| self.firms.contains_key(f));
        if firm.is_none() {
            key_codes.insert("unknown_firm");
        }
        for r in key.allowed_ips.iter().flatten() {
            if !RANGES[..6].contains(&r.as_str()) && !RANGES[8..].contains(&r.as_str()) {
                key_codes.insert("invalid_ip_range");
            }
        }
        let grants =
            key.grants
                .iter()
                .map(|g| {
                    let mut codes = BTreeSet::new();
                    let mut type_name: Option<String> = None;
                    if g.filter == "default:any" {
                        if g.workspace_id.is_some() {
                            codes.insert("workspace_mismatch");
                        }
                    } else {
                        let ws = g.workspace_id.as_deref().and_then(parse_uuid).filter(|w| {
                            firm.is_some() && self.workspace_firm.get(w) == firm.as_ref()
                        });
                        if ws.is_none() {
                            codes.insert("unknown_workspace");
                        }
                        if let Some(collection) = g.filter.strip_prefix("default:") {
                            match self.schema.by_collection(collection) {
                                Some(t) => type_name = Some(t.name.clone()),
                                None => {
                                    codes.insert("unknown_filter");
                                }
                            }
                        } else {
                            match self.filters.get(&g.filter) {
                                None => {
                                    codes.insert("unknown_filter");
                                }
                                Some(f) => {
                                    type_name = Some(f.entity_type.clone());
                                    if f.archived {
                                        codes.insert("filter_archived");
                                    }
                                    if ws.is_some_and(|w| w != f.workspace) {
                                        codes.insert("workspace_mismatch");
                                    }
                                }
                            }
                        }
                    }
                    if g.actions.is_empty() {
                        codes.insert("invalid_action");
                    }
                    for a in &g.actions {
                        match Action::from_code(a) {
                            None => {
                                codes.insert("invalid_action");
                            }
                            Some(a) => {
                                if type_name
                                    .as_deref()
                                    .and_then(|t| self.schema.entity_type(t))
                                    .is_some_and(|t| !t.has_action(a))
                                {
                                    codes.insert("action_not_allowed");
                                }
                            }
                        }
                    }
                    codes
                })
                .collect();
        (key_codes, grants)
    }

    fn put_key(&mut self, store: &mut PolicyStore, key: Key) {
        let report = store.put_key(key.clone());
        assert_eq!(report, store.validate_key(&key), "put_key and validate_key report alike");
        assert_eq!(report.valid, report.errors.is_empty());
        let (key_codes, grant_codes) = self.expected_report(&key);
        let mut got_key = BTreeSet::new();
        let mut got_grants = vec![BTreeSet::new(); key.grants.len()];
        for d in &report.errors {
            let path = d.path().expect("a grant diagnostic has a path");
            match grant_index(path) {
                Some(i) => {
                    got_grants[i].insert(d.code.as_str());
                }
                None => {
                    got_key.insert(d.code.as_str());
                }
            }
        }
        assert_eq!(got_key, key_codes, "key-level codes of {key:?}");
        assert_eq!(got_grants, grant_codes, "grant codes of {key:?}");
        self.keys.insert(key.id.clone(), key);
    }

    fn check_holders(&self, store: &PolicyStore) {
        for f in GRANT_FILTERS {
            let n = self.keys.values().filter(|k| k.grants.iter().any(|g| g.filter == f)).count();
            assert_eq!(store.keys_holding(f), n, "keys holding {f}");
        }
        for id in KEY_IDS {
            assert_eq!(store.key(id).is_some(), self.keys.contains_key(id));
        }
    }
}

/// `$.grants[3].actions[0]` → 3.
fn grant_index(path: &str) -> Option<usize> {
    let rest = path.strip_prefix("$.grants[")?;
    rest[..rest.find(']')?].parse().ok()
}

/// Which grants of a stored key are invalid (SPEC 4.1) per its report, and whether a key-level
/// rule failed.
fn invalid_grants(store: &PolicyStore, key_id: &str) -> (bool, Vec<bool>) {
    let k = store.key(key_id).unwrap();
    let mut grants = vec![false; k.key.grants.len()];
    let mut key_level = false;
    for d in &k.report.errors {
        match d.path().and_then(grant_index) {
            Some(i) => grants[i] = true,
            None => key_level = true,
        }
    }
    (key_level, grants)
}

fn operation(i: u8) -> Operation {
    [Operation::Get, Operation::List, Operation::Create, Operation::Update, Operation::Download]
        [i as usize % 5]
}

fn same_id(a: &str, b: &str) -> bool {
    match (parse_uuid(a), parse_uuid(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// SPEC 4.2-4.4 over the public API: a walk over every grant of the key.
fn reference(
    model: &Model,
    store: &PolicyStore,
    key_id: Option<&str>,
    req: &Request,
    data: Data<'_>,
) -> Decision {
    let deny = Decision::deny;
    let Some(kid) = key_id.filter(|k| model.keys.contains_key(*k)) else {
        return deny(DenyCode::InvalidToken);
    };
    let key = &model.keys[kid];
    let compiled = store.key(kid).unwrap();
    if key.revoked || !compiled.admits(req.source_ip.as_deref()) {
        return deny(DenyCode::InvalidToken);
    }
    let Some(t) = model.schema.entity_type(&req.entity_type) else {
        return deny(DenyCode::NotFound);
    };
    let action = req.operation.action();
    if !t.has_action(action) {
        return deny(DenyCode::NotFound);
    }
    let (key_level, invalid) = invalid_grants(store, kid);
    let firm = parse_uuid(&key.firm_id).filter(|f| model.firms.contains_key(f));
    let req_ws = parse_uuid(&req.workspace_id);
    let in_firm =
        req_ws.is_some_and(|w| firm.is_some() && model.workspace_firm.get(&w) == firm.as_ref());
    // For each eligible grant: None = a system filter (everything), Some(filter id).
    let eligible = |action: Action, list: bool| -> Vec<Option<&str>> {
        if key_level || !in_firm {
            return vec![];
        }
        key.grants
            .iter()
            .enumerate()
            .filter(|(i, g)| {
                if invalid[*i] || !g.actions.iter().any(|a| Action::from_code(a) == Some(action)) {
                    return false;
                }
                let gws = g.workspace_id.as_deref().and_then(parse_uuid);
                if g.filter == "default:any" {
                    return true;
                }
                if let Some(collection) = g.filter.strip_prefix("default:") {
                    return gws == req_ws && t.collection == collection;
                }
                let Some(f) = model.filters.get(&g.filter) else { return false };
                let searchable = store.filter(&g.filter).unwrap().compiled().is_searchable();
                !f.archived
                    && gws == req_ws
                    && Some(f.workspace) == req_ws
                    && f.entity_type == t.name
                    && !(list && t.search.is_some() && !searchable)
            })
            .map(
                |(_, g)| {
                    if g.filter.starts_with("default:") {
                        None
                    } else {
                        Some(g.filter.as_str())
                    }
                },
            )
            .collect()
    };
    let matches = |grants: &[Option<&str>], e: &PreparedEntity| {
        grants.iter().any(|g| match g {
            None => true,
            Some(id) => store.filter(id).unwrap().compiled().matches(e),
        })
    };
    let here = |r: &&Row| {
        r.workspace.is_some() && r.workspace == req_ws && r.entity.entity_type() == t.name
    };
    let one = match data {
        Data::One(r) => r.filter(here),
        _ => None,
    };
    let empty = Map::new();
    match req.operation {
        Operation::Get => match one {
            Some(r) if matches(&eligible(Action::Read, false), &r.entity) => Decision::allow(200),
            _ => deny(DenyCode::NotFound),
        },
        Operation::List => {
            let el = eligible(Action::Read, true);
            if el.is_empty() {
                return deny(DenyCode::InsufficientScope);
            }
            let all = el.iter().any(Option::is_none);
            let rows: &[Row] = if let Data::Many(rows) = data { rows } else { &[] };
            let ids: Vec<String> = rows
                .iter()
                .filter(here)
                .filter(|r| matches(&el, &r.entity))
                .map(|r| r.id.clone())
                .collect();
            if !all && ids.is_empty() {
                return deny(DenyCode::InsufficientScope);
            }
            Decision { status: 200, code: None, ids: Some(ids) }
        }
        Operation::Create => {
            let el = eligible(Action::Write, false);
            if el.is_empty() {
                return deny(DenyCode::InsufficientScope);
            }
            let new = PreparedEntity::new(
                &model.schema,
                &t.name,
                req.attributes.as_ref().unwrap_or(&empty),
            )
            .unwrap();
            if matches(&el, &new) {
                Decision::allow(201)
            } else {
                deny(DenyCode::InsufficientScope)
            }
        }
        Operation::Update | Operation::Download => {
            let el = eligible(action, false);
            if el.is_empty() {
                return deny(DenyCode::InsufficientScope);
            }
            let Some(r) = one else { return deny(DenyCode::NotFound) };
            if !matches(&el, &r.entity) {
                return if matches(&eligible(Action::Read, false), &r.entity) {
                    deny(DenyCode::InsufficientScope)
                } else {
                    deny(DenyCode::NotFound)
                };
            }
            if req.operation == Operation::Update {
                if let Some(attrs) = &req.attributes {
                    let after = PreparedEntity::new(&model.schema, &t.name, attrs).unwrap();
                    if !matches(&el, &after) {
                        return deny(DenyCode::InsufficientScope);
                    }
                }
            }
            Decision::allow(200)
        }
    }
}

fn request(
    model: &Model,
    store: &PolicyStore,
    entities: &[Entity],
    rows: &[Row],
    spec: &RequestSpec,
) {
    let key_id = KEY_IDS.get(spec.key as usize % (KEY_IDS.len() + 1)).copied();
    let target = spec
        .target
        .filter(|_| !entities.is_empty())
        .map(|t| &entities[t as usize % entities.len()]);
    let (workspace_id, entity_type, id) = match target {
        Some(e) => (e.workspace_id.clone(), e.entity_type.clone(), Some(e.id.clone())),
        None => (
            pick(&WORKSPACES, spec.workspace).into(),
            pick(&TYPES, spec.entity_type).into(),
            spec.id.map(|i| pick(&ENTITY_IDS, i).into()),
        ),
    };
    let type_index = TYPES.iter().position(|t| *t == entity_type).unwrap();
    let req = Request {
        operation: operation(spec.operation),
        workspace_id,
        entity_type,
        id,
        attributes: spec.attrs.as_ref().map(|a| attributes(type_index, a)),
        source_ip: spec.source.map(|s| pick(&SOURCES, s).into()),
    };
    let by_id = req.id.as_deref().and_then(|id| rows.iter().find(|r| same_id(&r.id, id)));
    let local: Vec<Row> = rows
        .iter()
        .filter(|r| {
            r.workspace.is_some()
                && r.workspace == parse_uuid(&req.workspace_id)
                && r.entity.entity_type() == req.entity_type
        })
        .cloned()
        .collect();
    let data = match (req.operation, spec.data % 3) {
        (_, 2) => Data::Nothing,
        (Operation::List, 0) => Data::Many(rows),
        (Operation::List, _) => Data::Many(&local),
        (Operation::Create, _) => Data::Nothing,
        (_, 0) => Data::One(by_id),
        _ => Data::One(None),
    };
    let d = store.decide(key_id, &req, data);
    let status_ok = matches!(
        (d.status, d.code),
        (200 | 201, None)
            | (401, Some(DenyCode::InvalidToken))
            | (403, Some(DenyCode::InsufficientScope))
            | (404, Some(DenyCode::NotFound))
    );
    assert!(status_ok, "{d:?}");
    assert_eq!(d.ids.is_some(), d.status == 200 && req.operation == Operation::List, "{d:?}");

    // The fail-closed rules, stated directly.
    let key = key_id.and_then(|k| model.keys.get(k));
    match key {
        None => assert_eq!(d, Decision::deny(DenyCode::InvalidToken), "no or unknown key"),
        Some(k) => {
            if k.revoked {
                assert_eq!(d, Decision::deny(DenyCode::InvalidToken), "revoked key");
            }
            if let Some(list) = &k.allowed_ips {
                let src = spec.source.map(|s| s as usize % SOURCES.len());
                let ranges: Vec<usize> =
                    list.iter().map(|r| RANGES.iter().position(|x| x == r).unwrap()).collect();
                let may = src.is_some_and(|s| ranges.iter().any(|&r| MAY_ADMIT[r][s]));
                let must = src.is_some_and(|s| ranges.iter().any(|&r| MUST_ADMIT[r][s]));
                let admitted = store.key(&k.id).unwrap().admits(req.source_ip.as_deref());
                assert!(may || !admitted, "{:?} admits {:?}", k.allowed_ips, req.source_ip);
                assert!(!must || admitted, "{:?} refuses {:?}", k.allowed_ips, req.source_ip);
                if !may {
                    assert_eq!(
                        d,
                        Decision::deny(DenyCode::InvalidToken),
                        "source outside the allowlist"
                    );
                }
            }
            let (key_level, invalid) = invalid_grants(store, &k.id);
            if k.grants.is_empty() || key_level || invalid.iter().all(|&i| i) {
                assert!(
                    !d.is_allowed(),
                    "a key with no valid grant was allowed: {k:?} {req:?} {d:?}"
                );
            }
        }
    }
    if req.operation == Operation::Create {
        assert_ne!(d.status, 200);
    }
    if req.entity_type == "tag" && req.operation == Operation::Download && d.status != 401 {
        assert_eq!(d, Decision::deny(DenyCode::NotFound), "tag download");
    }
    if req.operation == Operation::Get && d.status != 200 {
        assert_eq!(
            d,
            store.decide(key_id, &req, Data::One(None)),
            "a refused get discloses nothing"
        );
    }
    if let Some(ids) = &d.ids {
        for id in ids {
            let here = rows.iter().any(|r| {
                &r.id == id
                    && r.workspace == parse_uuid(&req.workspace_id)
                    && r.entity.entity_type() == req.entity_type
            });
            assert!(here, "listed {id} from elsewhere");
        }
    }

    // The whole decision against the reference.
    let want = reference(model, store, key_id, &req, data);
    assert_eq!(d, want, "decision for {key:?} on {req:?}");

    let e = store.explain(key_id, &req, data);
    assert_eq!(e.decision, d, "explain decides alike");
    let _ = e.render();

    if req.operation == Operation::List {
        let rows_given: &[Row] = if let Data::Many(r) = data { r } else { &[] };
        match store.authorize_list(key_id, &req) {
            Err(refusal) => {
                assert!(!refusal.is_allowed());
                assert_eq!(refusal, d, "authorize_list refuses as decide does");
            }
            Ok(auth) => {
                let ws = parse_uuid(&req.workspace_id);
                let ids: Vec<String> = rows_given
                    .iter()
                    .filter(|r| {
                        r.workspace.is_some()
                            && r.workspace == ws
                            && r.entity.entity_type() == req.entity_type
                    })
                    .filter(|r| auth.scope.matches(&r.entity))
                    .map(|r| r.id.clone())
                    .collect();
                if auth.require_match && ids.is_empty() {
                    assert_eq!(d, Decision::deny(DenyCode::InsufficientScope));
                } else {
                    assert_eq!(
                        d,
                        Decision { status: 200, code: None, ids: Some(ids) },
                        "authorize_list's scope lists what decide lists"
                    );
                }
                let back =
                    Scope::from_json(store.schema(), &req.entity_type, &auth.scope.to_json())
                        .expect("a scope's wire form reads back");
                for r in rows_given {
                    assert_eq!(back.matches(&r.entity), auth.scope.matches(&r.entity));
                }
            }
        }
    }
}

fn run(input: &Input) {
    let schema = Schema::builtin();
    let mut store = PolicyStore::new(schema.clone());
    let mut model = Model {
        schema,
        firms: HashMap::new(),
        workspace_firm: HashMap::new(),
        filters: HashMap::new(),
        keys: HashMap::new(),
    };
    // A starting world: two firms, three workspaces, one filter of each type.
    model.put_firm(
        &mut store,
        &Firm { id: FIRMS[0].into(), workspaces: vec![WORKSPACES[0].into(), WORKSPACES[1].into()] },
    );
    model.put_firm(
        &mut store,
        &Firm { id: FIRMS[1].into(), workspaces: vec![WORKSPACES[2].into()] },
    );
    for (i, ty) in TYPES[..4].iter().enumerate() {
        let record = FilterRecord {
            id: FILTER_IDS[i].into(),
            workspace_id: WORKSPACES[0].into(),
            entity_type: (*ty).into(),
            name: "start".into(),
            description: None,
            predicate: None,
            predicate_text: Some(TEXTS[i][0].into()),
            archived: false,
        };
        model.put_filter(&mut store, record);
    }
    // And a key of the first firm holding every one of them, and the tags of the second
    // workspace, so that decisions reach the filters without the fuzzer building a key first.
    let start_grants = FILTER_IDS[..4]
        .iter()
        .map(|f| Grant {
            workspace_id: Some(WORKSPACES[0].into()),
            filter: (*f).into(),
            actions: vec!["read".into(), "write".into()],
        })
        .chain([Grant {
            workspace_id: Some(WORKSPACES[1].into()),
            filter: "default:tags".into(),
            actions: vec!["read".into()],
        }])
        .collect();
    model.put_key(
        &mut store,
        Key {
            id: KEY_IDS[0].into(),
            firm_id: FIRMS[0].into(),
            revoked: false,
            allowed_ips: None,
            grants: start_grants,
        },
    );
    let entities: Vec<Entity> = input
        .entities
        .iter()
        .take(12)
        .map(|e| {
            let ti = e.entity_type as usize % TYPES.len();
            Entity {
                id: pick(&ENTITY_IDS, e.id).into(),
                workspace_id: pick(&WORKSPACES, e.workspace).into(),
                entity_type: TYPES[ti].into(),
                attributes: attributes(ti, &e.attrs),
            }
        })
        .collect();
    let rows: Vec<Row> = entities.iter().filter_map(|e| Row::new(store.schema(), e).ok()).collect();
    for step in input.steps.iter().take(48) {
        match step {
            Step::PutFirm { firm, workspaces } => {
                let ws = WORKSPACES
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| workspaces & (1 << i) != 0)
                    .map(|(_, w)| w.to_string())
                    .collect();
                model
                    .put_firm(&mut store, &Firm { id: pick(&FIRMS, *firm).into(), workspaces: ws });
            }
            Step::PutFilter { id, workspace, entity_type, text, json, blank_name } => {
                let ti = *entity_type as usize % TYPES.len();
                let (predicate, predicate_text) = match source_for(ti, *text, *json) {
                    PredicateSource::Json(v) => (Some(v), None),
                    PredicateSource::Text(t) => (None, Some(t)),
                    PredicateSource::Tree(_) => unreachable!(),
                };
                let record = FilterRecord {
                    id: pick(&FILTER_IDS, *id).into(),
                    workspace_id: pick(&WORKSPACES, *workspace).into(),
                    entity_type: TYPES[ti].into(),
                    name: if *blank_name { " ".into() } else { "f".into() },
                    description: None,
                    predicate,
                    predicate_text,
                    archived: false,
                };
                model.put_filter(&mut store, record);
            }
            Step::Archive { id } => model.archive(&mut store, pick(&FILTER_IDS, *id)),
            Step::PutKey { id, firm, revoked, ips, grants } => {
                let key = Key {
                    id: pick(&KEY_IDS, *id).into(),
                    firm_id: pick(&FIRMS, *firm).into(),
                    revoked: *revoked,
                    allowed_ips: ips
                        .as_ref()
                        .map(|l| l.iter().take(4).map(|&r| pick(&RANGES, r).to_string()).collect()),
                    grants: grants
                        .iter()
                        .take(8)
                        .map(|g| Grant {
                            workspace_id: g.workspace.map(|w| pick(&WORKSPACES, w).into()),
                            filter: pick(&GRANT_FILTERS, g.filter).into(),
                            actions: g
                                .actions
                                .iter()
                                .take(4)
                                .map(|&a| pick(&ACTIONS, a).into())
                                .collect(),
                        })
                        .collect(),
                };
                model.put_key(&mut store, key);
            }
            Step::RemoveKey { id } => {
                let id = pick(&KEY_IDS, *id);
                assert_eq!(store.remove_key(id), model.keys.remove(id).is_some());
            }
            Step::EditImpact { id, text, json } => {
                let id = pick(&FILTER_IDS, *id);
                let Some(f) = store.filter(id) else { continue };
                let ti = TYPES.iter().position(|t| *t == f.record.entity_type).unwrap();
                let source = source_for(ti, *text, *json);
                let old = f.compiled().clone();
                let ws = parse_uuid(&f.record.workspace_id);
                match store.edit_impact(id, &source, &entities) {
                    Ok(impact) => {
                        let (new, _) =
                            compile_source(store.schema(), &f.record.entity_type, &source)
                                .expect("edit_impact compiled it");
                        assert_eq!(impact.keys, store.keys_holding(id));
                        let mut gained = Vec::new();
                        let mut lost = Vec::new();
                        let mut seen = BTreeSet::new();
                        for e in &entities {
                            if parse_uuid(&e.workspace_id) != ws
                                || e.entity_type != f.record.entity_type
                                || !seen.insert(e.id.as_str())
                            {
                                continue;
                            }
                            let p =
                                PreparedEntity::new(store.schema(), &e.entity_type, &e.attributes)
                                    .unwrap();
                            match (old.matches(&p), new.matches(&p)) {
                                (false, true) => gained.push(e.id.clone()),
                                (true, false) => lost.push(e.id.clone()),
                                _ => {}
                            }
                        }
                        assert_eq!((impact.gained, impact.lost), (gained, lost));
                    }
                    Err(errors) => assert!(!errors.is_empty()),
                }
            }
            Step::Request(spec) => request(&model, &store, &entities, &rows, spec),
        }
        model.check_holders(&store);
    }
}

fuzz_target!(|input: Input| run(&input));
