//! The engines of the native side, set up from the shared workload file (bench/workload.mjs
//! writes it; every engine reads the same entities, key and filters from it).
//!
//! Each engine answers the same two questions for the key `bench-key`:
//! - Task A, `admits_one(i)`: may the key `get` entity `i` in workspace W (read)?
//! - Task B, `count_all()`: how many of the 100,000 entities may it see in a list of W?
//!
//! What each engine is given before timing (its "prebuilt" state) and what each timed call does
//! is said beside each engine. [`check`] asserts that they all agree before anything is timed.

use cedar_policy::{
    Authorizer, Context as CedarContext, Decision as CedarDecision, Entities, EntityUid, PolicySet,
    Request as CedarRequest, RestrictedExpression,
};
use cel_interpreter::{Context as CelContext, Program, Value as CelValue};
use portcullis::grants::{
    Data, FilterRecord, Firm, Key, PolicyStore, PreparedRequest, Request, Row,
};
use portcullis::{Entity, Schema};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

#[derive(Deserialize)]
pub struct WorkloadFilter {
    pub id: String,
    pub workspace_id: String,
    pub entity_type: String,
    pub name: String,
    pub predicate_text: String,
    pub cedar: String,
    pub cel: String,
}

#[derive(Deserialize)]
pub struct CedarPart {
    pub policies: String,
}

#[derive(Deserialize)]
pub struct TaskA {
    pub index: usize,
    pub expected: bool,
}

#[derive(Deserialize)]
pub struct Expected {
    pub task_b_count: usize,
}

/// The file bench/workload.mjs writes.
#[derive(Deserialize)]
pub struct Workload {
    pub version: u32,
    pub workspace: String,
    pub firm: Firm,
    pub key: Key,
    pub filters: Vec<WorkloadFilter>,
    pub cedar: CedarPart,
    pub task_a: TaskA,
    pub expected: Expected,
    pub entities: Vec<Entity>,
}

/// `BENCH_WORKLOAD`, or target/bench-data/workload.json at the repository root.
pub fn workload_path() -> PathBuf {
    std::env::var_os("BENCH_WORKLOAD").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-data/workload.json")
    })
}

impl Workload {
    pub fn load() -> Workload {
        let path = workload_path();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "cannot read the workload {} ({e}): run `node bench/workload.mjs` first",
                path.display()
            )
        });
        let w: Workload = serde_json::from_str(&text).expect("the workload file does not parse");
        assert_eq!(w.version, 1, "workload version");
        w
    }
}

/// The hand-written closure's view of a detail: plain fields, as a service would have them.
pub struct Detail {
    pub workspace_id: String,
    pub type_: String,
    pub project_type: String,
    pub tags: Vec<String>,
}

/// The key's eligible grants for (W, read), written by hand: f1 OR f2, in W only.
#[inline]
pub fn closure_admits(d: &Detail, workspace: &str) -> bool {
    let has = |t: &str| d.tags.iter().any(|x| x == t);
    d.workspace_id == workspace
        && ((d.project_type == "typical" && has("concrete"))
            || ((d.type_ == "concrete" || d.type_ == "steel")
                && has("reviewed")
                && has("beam")
                && d.project_type != "project"))
}

pub struct Closure {
    pub workspace: String,
    pub details: Vec<Detail>,
}

impl Closure {
    pub fn new(w: &Workload) -> Closure {
        let s = |v: &Value| v.as_str().unwrap().to_string();
        let details = w
            .entities
            .iter()
            .map(|e| Detail {
                workspace_id: e.workspace_id.clone(),
                type_: s(&e.attributes["type"]),
                project_type: s(&e.attributes["project_type"]),
                tags: e.attributes["tags"].as_array().unwrap().iter().map(s).collect(),
            })
            .collect();
        Closure { workspace: w.workspace.clone(), details }
    }
    pub fn admits_one(&self, i: usize) -> bool {
        closure_admits(&self.details[i], &self.workspace)
    }
    pub fn count_all(&self) -> usize {
        self.details.iter().filter(|d| closure_admits(d, &self.workspace)).count()
    }
}

/// The same closure over the entity as it arrives (the reference shape, ~80 ns for f1
/// there): its workspace and its attributes map as the data service sends them, looked up by
/// name on each call.
pub struct ClosureOverMap {
    pub workspace: String,
    pub entities: Vec<Entity>,
}

/// [`closure_admits`], reading the attributes from the entity's JSON map.
#[inline]
pub fn closure_over_map_admits(e: &Entity, workspace: &str) -> bool {
    let a = &e.attributes;
    let text = |k: &str| a.get(k).and_then(Value::as_str);
    let has = |t: &str| {
        a.get("tags")
            .and_then(Value::as_array)
            .is_some_and(|xs| xs.iter().any(|x| x.as_str() == Some(t)))
    };
    let (ty, pt) = (text("type"), text("project_type"));
    e.workspace_id == workspace
        && ((pt == Some("typical") && has("concrete"))
            || ((ty == Some("concrete") || ty == Some("steel"))
                && has("reviewed")
                && has("beam")
                && pt.is_some_and(|p| p != "project")))
}

impl ClosureOverMap {
    pub fn new(w: &Workload) -> ClosureOverMap {
        ClosureOverMap { workspace: w.workspace.clone(), entities: w.entities.clone() }
    }
    pub fn admits_one(&self, i: usize) -> bool {
        closure_over_map_admits(&self.entities[i], &self.workspace)
    }
    pub fn count_all(&self) -> usize {
        self.entities.iter().filter(|e| closure_over_map_admits(e, &self.workspace)).count()
    }
}

/// portcullis: a `PolicyStore` holding the firm, the 20 filters and the key; entities prepared
/// once as `Row`s (the native API's input), requests built once.
pub struct Portcullis {
    pub store: PolicyStore,
    pub rows: Vec<Row>,
    pub gets: Vec<Request>,
    pub list: Request,
    pub key: String,
}

impl Portcullis {
    pub fn new(w: &Workload) -> Portcullis {
        let mut store = PolicyStore::new(Schema::builtin());
        store.put_firm(&w.firm).expect("firm");
        for f in &w.filters {
            store
                .put_filter(FilterRecord {
                    id: f.id.clone(),
                    workspace_id: f.workspace_id.clone(),
                    entity_type: f.entity_type.clone(),
                    name: f.name.clone(),
                    description: None,
                    predicate: None,
                    predicate_text: Some(f.predicate_text.clone()),
                    archived: false,
                })
                .unwrap_or_else(|e| panic!("filter {}: {e:?}", f.id));
        }
        let report = store.put_key(w.key.clone());
        assert!(report.valid, "the key's grants are not valid: {:?}", report.errors);
        let rows: Vec<Row> =
            w.entities.iter().map(|e| Row::new(store.schema(), e).expect("a detail")).collect();
        let req = |v: Value| -> Request { serde_json::from_value(v).unwrap() };
        let gets = w
            .entities
            .iter()
            .map(|e| req(json!({"operation": "get", "workspace_id": w.workspace, "entity_type": "detail", "id": e.id})))
            .collect();
        let list =
            req(json!({"operation": "list", "workspace_id": w.workspace, "entity_type": "detail"}));
        Portcullis { store, rows, gets, list, key: w.key.id.clone() }
    }
    /// Task A: the policy store's get decision.
    pub fn admits_one(&self, i: usize) -> bool {
        self.store.decide(Some(&self.key), &self.gets[i], Data::One(Some(&self.rows[i]))).status
            == 200
    }
    /// Not a task: the part of Task A that is filter evaluation, for the profile. The scope
    /// (the eligible compiled filters) is resolved once, outside the timing; each call checks
    /// the row's workspace and runs the filters.
    pub fn scope(&self) -> (Option<u128>, portcullis::Scope) {
        let auth =
            self.store.authorize_list(Some(&self.key), &self.list).expect("the list is authorized");
        (portcullis::value::parse_uuid(&self.list.workspace_id), auth.scope)
    }
    #[inline]
    pub fn scope_admits(&self, scope: &(Option<u128>, portcullis::Scope), i: usize) -> bool {
        let r = &self.rows[i];
        r.workspace == scope.0 && scope.1.matches(&r.entity)
    }
    /// Task B: one list decision over all the rows (the ids it returns are counted).
    pub fn count_list(&self) -> usize {
        let d = self.store.decide(Some(&self.key), &self.list, Data::Many(&self.rows));
        assert_eq!(d.status, 200);
        d.ids.map_or(0, |ids| ids.len())
    }
    /// Task B, list filtering as a data layer does it: authorize the list once, then run the
    /// scope over the rows of W.
    pub fn count_scope(&self) -> usize {
        let auth =
            self.store.authorize_list(Some(&self.key), &self.list).expect("the list is authorized");
        let ws = portcullis::value::parse_uuid(&self.list.workspace_id);
        self.rows.iter().filter(|r| r.workspace == ws && auth.scope.matches(&r.entity)).count()
    }
    /// Task B as 100,000 get decisions.
    pub fn count_gets(&self) -> usize {
        (0..self.rows.len()).filter(|&i| self.admits_one(i)).count()
    }
    /// The get of Task A prepared once (`PolicyStore::prepare`: the key, the request's
    /// workspace, type and operation resolved), for [`Portcullis::prepared_admits_one`].
    pub fn prepare_get(&self) -> PreparedRequest {
        self.store.prepare(Some(&self.key), &self.gets[0]).expect("a get prepares")
    }
    /// The list of Task B prepared once, for [`Portcullis::prepared_count_list`].
    pub fn prepare_list(&self) -> PreparedRequest {
        self.store.prepare(Some(&self.key), &self.list).expect("a list prepares")
    }
    /// Task A through a prepared get: `PreparedRequest::decide` of row `i` with the request's
    /// id (the same id `admits_one` puts in its request), generation check included.
    #[inline]
    pub fn prepared_admits_one(&self, p: &mut PreparedRequest, i: usize) -> bool {
        p.decide(&self.store, self.gets[i].id.as_deref(), Some(&self.rows[i])).status == 200
    }
    /// Task B through a prepared list: `PreparedRequest::list` over all the rows (the ids it
    /// returns are counted).
    pub fn prepared_count_list(&self, p: &mut PreparedRequest) -> usize {
        let d = p.list(&self.store, &self.rows);
        assert_eq!(d.status, 200);
        d.ids.map_or(0, |ids| ids.len())
    }
}

/// Cedar: the 20 grants as 20 permit policies (text from the workload), all entities prebuilt
/// into one `Entities` (with their workspace as parent), the principal, action, resource uids and
/// the context (the request's workspace) built once; each call builds the `Request` and runs
/// `Authorizer::is_authorized`.
pub struct Cedar {
    pub authorizer: Authorizer,
    pub policies: PolicySet,
    pub entities: Entities,
    pub principal: EntityUid,
    pub action: EntityUid,
    pub resources: Vec<EntityUid>,
    pub context: CedarContext,
}

impl Cedar {
    pub fn new(w: &Workload) -> Cedar {
        let policies = PolicySet::from_str(&w.cedar.policies).expect("the Cedar policies parse");
        assert_eq!(policies.policies().count(), 20);
        let mut json_entities: Vec<Value> = w
            .firm
            .workspaces
            .iter()
            .map(|ws| json!({"uid": {"type": "Workspace", "id": ws}, "attrs": {}, "parents": []}))
            .collect();
        json_entities.extend(w.entities.iter().map(|e| {
            let mut attrs = e.attributes.clone();
            attrs.insert("workspace_id".into(), Value::String(e.workspace_id.clone()));
            json!({"uid": {"type": "Detail", "id": e.id}, "attrs": attrs, "parents": [{"type": "Workspace", "id": e.workspace_id}]})
        }));
        let entities = Entities::from_json_value(Value::Array(json_entities), None)
            .expect("the Cedar entities parse");
        let uid = |t: &str, id: &str| {
            EntityUid::from_type_name_and_id(t.parse().unwrap(), cedar_policy::EntityId::new(id))
        };
        Cedar {
            authorizer: Authorizer::new(),
            policies,
            entities,
            principal: uid("Key", &w.key.id),
            action: uid("Action", "read"),
            resources: w.entities.iter().map(|e| uid("Detail", &e.id)).collect(),
            context: CedarContext::from_pairs([(
                "workspace".to_string(),
                RestrictedExpression::new_string(w.workspace.clone()),
            )])
            .unwrap(),
        }
    }
    pub fn admits_one(&self, i: usize) -> bool {
        let r = CedarRequest::new(
            self.principal.clone(),
            self.action.clone(),
            self.resources[i].clone(),
            self.context.clone(),
            None,
        )
        .unwrap();
        let response = self.authorizer.is_authorized(&r, &self.policies, &self.entities);
        response.decision() == CedarDecision::Allow
    }
    pub fn count_all(&self) -> usize {
        (0..self.resources.len()).filter(|&i| self.admits_one(i)).count()
    }
}

/// CEL (cel-interpreter): one compiled program per grant (the filter's predicate over `entity`);
/// the host does what CEL has no notion of, as a gateway would: picks the grants whose workspace
/// is the request's and whose actions include read, and checks the entity is in that workspace.
/// Entities are prebuilt as CEL maps; each call binds one in a child scope of a root context
/// (built once) and runs the eligible programs.
pub struct Cel {
    pub root: CelContext<'static>,
    pub grants: Vec<(String, Vec<String>, Program)>,
    pub values: Vec<CelValue>,
    pub entity_workspaces: Vec<String>,
    pub workspace: String,
}

impl Cel {
    pub fn new(w: &Workload) -> Cel {
        let by_id: HashMap<&str, &WorkloadFilter> =
            w.filters.iter().map(|f| (f.id.as_str(), f)).collect();
        let grants = w
            .key
            .grants
            .iter()
            .map(|g| {
                let f = by_id[g.filter.as_str()];
                let p =
                    Program::compile(&f.cel).unwrap_or_else(|e| panic!("CEL for {}: {e}", f.id));
                (g.workspace_id.clone().unwrap(), g.actions.clone(), p)
            })
            .collect();
        let values =
            w.entities.iter().map(|e| cel_value(&Value::Object(e.attributes.clone()))).collect();
        Cel {
            root: CelContext::default(),
            grants,
            values,
            entity_workspaces: w.entities.iter().map(|e| e.workspace_id.clone()).collect(),
            workspace: w.workspace.clone(),
        }
    }
    pub fn admits_one(&self, i: usize) -> bool {
        let ws = self.workspace.as_str();
        if self.entity_workspaces[i] != ws {
            return false;
        }
        let mut ctx = self.root.new_inner_scope();
        ctx.add_variable_from_value("entity", self.values[i].clone());
        self.grants
            .iter()
            .filter(|(gws, actions, _)| gws == ws && actions.iter().any(|a| a == "read"))
            .any(|(_, _, p)| matches!(p.execute(&ctx), Ok(CelValue::Bool(true))))
    }
    pub fn count_all(&self) -> usize {
        (0..self.values.len()).filter(|&i| self.admits_one(i)).count()
    }
}

fn cel_value(v: &Value) -> CelValue {
    match v {
        Value::Null => CelValue::Null,
        Value::Bool(b) => CelValue::Bool(*b),
        Value::Number(n) => {
            n.as_i64().map_or_else(|| CelValue::Float(n.as_f64().unwrap()), CelValue::Int)
        }
        Value::String(s) => CelValue::String(Arc::new(s.clone())),
        Value::Array(xs) => CelValue::List(Arc::new(xs.iter().map(cel_value).collect())),
        Value::Object(m) => {
            let map: HashMap<String, CelValue> =
                m.iter().map(|(k, v)| (k.clone(), cel_value(v))).collect();
            map.into()
        }
    }
}

/// Every engine, set up.
pub struct Engines {
    pub workload: Workload,
    pub closure: Closure,
    pub closure_over_map: ClosureOverMap,
    pub portcullis: Portcullis,
    pub cedar: Cedar,
    pub cel: Cel,
}

impl Engines {
    pub fn new() -> Engines {
        let workload = Workload::load();
        let closure = Closure::new(&workload);
        let closure_over_map = ClosureOverMap::new(&workload);
        let portcullis = Portcullis::new(&workload);
        let cedar = Cedar::new(&workload);
        let cel = Cel::new(&workload);
        Engines { workload, closure, closure_over_map, portcullis, cedar, cel }
    }
}

impl Default for Engines {
    fn default() -> Self {
        Engines::new()
    }
}

/// What the agreement check found.
pub struct Agreement {
    pub task_a: Vec<(&'static str, bool)>,
    pub task_b: Vec<(&'static str, usize)>,
    pub sampled: usize,
}

/// Assert, before anything is timed, that every engine gives the workload's expected answers:
/// Task A for the chosen entity, the same per-entity answer on a sample of entities (every 25th
/// entity, 4,000 in all, plus the Task A entity), and Task B's count. The prepared paths
/// (`PreparedRequest::decide` and `::list`) are checked beside `PolicyStore::decide`. Panics, loudly, if not.
pub fn check(e: &Engines) -> Agreement {
    let w = &e.workload;
    let i = w.task_a.index;
    let mut get = e.portcullis.prepare_get();
    let mut list = e.portcullis.prepare_list();
    let task_a = vec![
        ("closure", e.closure.admits_one(i)),
        ("closure over the attributes map", e.closure_over_map.admits_one(i)),
        ("portcullis", e.portcullis.admits_one(i)),
        ("portcullis prepared", e.portcullis.prepared_admits_one(&mut get, i)),
        ("cedar-policy", e.cedar.admits_one(i)),
        ("cel-interpreter", e.cel.admits_one(i)),
    ];
    for (name, got) in &task_a {
        assert_eq!(
            *got, w.task_a.expected,
            "DISAGREEMENT: Task A: {name} answers {got}, the workload expects {}",
            w.task_a.expected
        );
    }
    let mut sampled = 0;
    for j in (0..w.entities.len()).step_by(25) {
        let want = e.closure.admits_one(j);
        for (name, got) in [
            ("closure over the attributes map", e.closure_over_map.admits_one(j)),
            ("portcullis", e.portcullis.admits_one(j)),
            ("portcullis prepared", e.portcullis.prepared_admits_one(&mut get, j)),
            ("cedar-policy", e.cedar.admits_one(j)),
            ("cel-interpreter", e.cel.admits_one(j)),
        ] {
            assert_eq!(
                got, want,
                "DISAGREEMENT: entity #{j} ({}): {name} answers {got}, the closure {want}",
                w.entities[j].id
            );
        }
        sampled += 1;
    }
    let task_b = vec![
        ("closure", e.closure.count_all()),
        ("closure over the attributes map", e.closure_over_map.count_all()),
        ("portcullis list decision", e.portcullis.count_list()),
        ("portcullis prepared list", e.portcullis.prepared_count_list(&mut list)),
        ("portcullis list scope", e.portcullis.count_scope()),
        ("portcullis 100k get decisions", e.portcullis.count_gets()),
        ("cedar-policy", e.cedar.count_all()),
        ("cel-interpreter", e.cel.count_all()),
    ];
    for (name, got) in &task_b {
        assert_eq!(
            *got, w.expected.task_b_count,
            "DISAGREEMENT: Task B: {name} counts {got}, the workload expects {}",
            w.expected.task_b_count
        );
    }
    Agreement { task_a, task_b, sampled }
}
