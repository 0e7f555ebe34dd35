//! Decisions (SPEC 4.2-4.4), in the SPEC's order: credentials, the entity type's actions,
//! then per operation. The eligible grants come from the key's index, so a decision costs
//! the grants that could apply, not all of a key's grants; explanations re-walk every grant
//! with the same eligibility test, only when asked.

use super::model::{Decision, DenyCode, Operation, Request};
use super::store::{CompiledKey, PolicyStore, Target};
use crate::diagnostic::Diagnostic;
use crate::eval::scan::{read_entity, ScanError, Scanner};
use crate::eval::{CompiledFilter, Entity, FailedCondition, PreparedEntity};
use crate::lang::predicate_to_json;
use crate::schema::{Action, Schema};
use crate::validate::{compile_source, PredicateSource};
use crate::value::parse_uuid;
use serde::Serialize;
use serde_json::{Map, Value};
use std::sync::Arc;

/// An entity ready for decisions: its id, workspace and prepared attributes.
#[derive(Clone, Debug)]
pub struct Row {
    pub id: String,
    pub workspace: Option<u128>,
    pub entity: PreparedEntity,
}

impl Row {
    /// Prepare an entity; `None` when its type is not in the schema.
    pub fn new(schema: &Schema, e: &Entity) -> Option<Row> {
        Some(Row {
            id: e.id.clone(),
            workspace: parse_uuid(&e.workspace_id),
            entity: schema.prepare(e)?,
        })
    }

    /// Read one entity's JSON text straight into a row, without a JSON tree (the same result
    /// as parsing an [`Entity`] and [`Row::new`]); `Ok(None)` when its type is not in the schema.
    ///
    /// ```
    /// use portcullis::{grants::Row, Schema};
    /// let text = r#"{"id":"d1","workspace_id":"a1000000-0000-4000-8000-00000000000a","entity_type":"detail","attributes":{"tags":["concrete"]}}"#;
    /// let row = Row::from_json(&Schema::builtin(), text).unwrap().unwrap();
    /// assert_eq!(row.id, "d1");
    /// ```
    pub fn from_json(schema: &Schema, text: &str) -> Result<Option<Row>, ScanError> {
        let mut s = Scanner::new(text);
        let row = read_entity(&mut s, schema)?;
        s.finish()?;
        Ok(row.map(|(id, ws, entity)| Row { id, workspace: parse_uuid(&ws), entity }))
    }

    /// Read a JSON array of entities into rows, leaving out entities of unknown types.
    pub fn many_from_json(schema: &Schema, text: &str) -> Result<Vec<Row>, ScanError> {
        let mut s = Scanner::new(text);
        let mut rows = Vec::new();
        s.array(|s| {
            if let Some((id, ws, entity)) = read_entity(s, schema)? {
                rows.push(Row { id, workspace: parse_uuid(&ws), entity });
            }
            Ok(())
        })?;
        s.finish()?;
        Ok(rows)
    }
}

/// The data a decision needs besides the key and the request.
#[derive(Clone, Copy, Debug)]
pub enum Data<'a> {
    /// Nothing (create).
    Nothing,
    /// The entity the request names, looked up by id (get, update, download); `None` when
    /// there is no such entity.
    One(Option<&'a Row>),
    /// The workspace's entities of the requested type (list).
    Many(&'a [Row]),
}

impl<'a> Data<'a> {
    /// The data a request needs, picked from `rows`: nothing for a create; for a list, all
    /// of them (the decision keeps those of the request's workspace and type); otherwise the
    /// row whose id is the request's id as a UUID (the last, if `rows` repeat an id), which
    /// the decision then checks lives in the request's workspace and type.
    pub fn for_request(req: &Request, rows: &'a [Row]) -> Data<'a> {
        match req.operation {
            Operation::Create => Data::Nothing,
            Operation::List => Data::Many(rows),
            _ => {
                let id = req.id.as_deref().and_then(parse_uuid);
                Data::One(
                    id.and_then(|id| rows.iter().rev().find(|r| parse_uuid(&r.id) == Some(id))),
                )
            }
        }
    }
}

/// Why a grant is not eligible for a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ineligibility {
    OtherFirm,
    OtherWorkspace,
    OtherEntityType,
    ActionNotGranted,
    Archived,
    NotSearchable,
    UnknownFilter,
    InvalidGrant,
}

/// An eligible grant's scope.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Eligible<'s> {
    /// A system filter: every entity of the type.
    All,
    Filter(&'s Arc<CompiledFilter>),
}

impl Eligible<'_> {
    fn matches(&self, e: &PreparedEntity) -> bool {
        match self {
            Eligible::All => true,
            Eligible::Filter(f) => f.matches(e),
        }
    }
}

/// The scope of a list: everything of the type, or the union of some filters. It travels as
/// JSON (`{"all": true}` or `{"all": false, "any": [predicate, ...]}`) so a data service can
/// run it where the data is.
#[derive(Clone, Debug)]
pub struct Scope {
    pub all: bool,
    pub filters: Vec<Arc<CompiledFilter>>,
}

/// The wire form: `{"all": true}`, or `{"all": false, "any": [predicate, ...]}` with the
/// eligible filters' predicates in their JSON form.
impl Serialize for Scope {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("all", &self.all)?;
        if !self.all {
            let any: Vec<Value> =
                self.filters.iter().map(|f| predicate_to_json(f.predicate())).collect();
            m.serialize_entry("any", &any)?;
        }
        m.end()
    }
}

impl Scope {
    /// Whether an entity is in scope.
    #[inline]
    pub fn matches(&self, e: &PreparedEntity) -> bool {
        self.all || self.filters.iter().any(|f| f.matches(e))
    }

    /// Whether nothing is in scope: no grant is eligible.
    pub fn is_empty(&self) -> bool {
        !self.all && self.filters.is_empty()
    }

    /// The wire form (see its `Serialize`).
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// Read the wire form for an entity type, validating every predicate (a data service must
    /// never run what the engine would not).
    ///
    /// ```
    /// use portcullis::{Schema, Scope};
    /// let s = Schema::builtin();
    /// let scope = Scope::from_json(&s, "detail", &serde_json::json!({"all": false, "any": [
    ///     {"attr": "type", "op": "eq", "value": "steel"}]})).unwrap();
    /// assert!(!scope.all && scope.filters.len() == 1);
    /// ```
    pub fn from_json(
        schema: &Schema,
        entity_type: &str,
        v: &Value,
    ) -> Result<Scope, Vec<Diagnostic>> {
        let bad = |m: &str| {
            vec![Diagnostic::error(crate::Code::InvalidPredicate, m.to_string()).at_path("$")]
        };
        let obj = v
            .as_object()
            .ok_or_else(|| bad("a scope is {\"all\": true} or {\"all\": false, \"any\": [...]}"))?;
        match (obj.get("all"), obj.get("any")) {
            (Some(Value::Bool(true)), None) => Ok(Scope { all: true, filters: vec![] }),
            (Some(Value::Bool(false)), Some(Value::Array(items))) => {
                let mut filters = Vec::with_capacity(items.len());
                for item in items {
                    let (f, _) =
                        compile_source(schema, entity_type, &PredicateSource::Json(item.clone()))?;
                    filters.push(Arc::new(f));
                }
                Ok(Scope { all: false, filters })
            }
            _ => Err(bad("a scope is {\"all\": true} or {\"all\": false, \"any\": [...]}")),
        }
    }
}

/// The first half of a list decision, for callers that push the scope down to their data.
#[derive(Clone, Debug)]
pub struct ListAuthorization {
    pub scope: Scope,
    /// Every eligible grant is a stored filter: when the scope matches no entity of the type
    /// in the workspace, the answer is 403 `insufficient_scope` (SPEC 4.4 step 3).
    pub require_match: bool,
}

/// One grant's part in a decision.
#[derive(Clone, Debug, Serialize)]
pub struct GrantExplanation {
    pub index: usize,
    pub filter: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<String>,
    pub actions: Vec<String>,
    pub eligible: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Ineligibility>,
    /// For an eligible grant tested against one entity: whether it matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched: Option<bool>,
    /// For an eligible grant of a list: how many of the entities it matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_count: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_condition: Option<FailedCondition>,
}

/// A decision with its account: for admins and logs, never for the integrator.
#[derive(Clone, Debug, Serialize)]
pub struct Explanation {
    pub decision: Decision,
    /// Which step of SPEC 4.4 decided.
    pub step: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<Action>,
    pub grants: Vec<GrantExplanation>,
    pub summary: String,
}

impl Explanation {
    /// A readable account, one grant a line.
    pub fn render(&self) -> String {
        let mut out = format!("decision: {}", self.decision.status);
        if let Some(c) = self.decision.code {
            out += &format!(" {c}");
        }
        out += &format!("\nstep: {}\n{}\n", self.step, self.summary);
        for g in &self.grants {
            let ws = g.workspace_id.as_deref().unwrap_or("(firm-global)");
            out += &format!(
                "  grant #{} {} in {} [{}]: ",
                g.index,
                g.filter,
                ws,
                g.actions.join(", ")
            );
            if !g.eligible {
                out += &format!("not eligible ({})\n", g.reason.map_or("", |r| reason_text(r)));
                continue;
            }
            out += "eligible";
            if let Some(m) = g.matched {
                out += if m { ", matched" } else { ", did not match" };
            }
            if let Some(n) = g.match_count {
                out += &format!(", matched {n}");
            }
            if let Some(fc) = &g.failed_condition {
                let neg = if fc.negated { " under NOT" } else { "" };
                out += &format!(" (`{}` at {} was {}{neg})", fc.text, fc.path, fc.result.as_str());
            }
            out += "\n";
        }
        out
    }
}

fn reason_text(r: Ineligibility) -> &'static str {
    match r {
        Ineligibility::OtherFirm => "the request's workspace is not in the key's firm",
        Ineligibility::OtherWorkspace => "another workspace",
        Ineligibility::OtherEntityType => "another entity type",
        Ineligibility::ActionNotGranted => "action not granted",
        Ineligibility::Archived => "filter archived",
        Ineligibility::NotSearchable => "filter not searchable, so not eligible for list/search",
        Ineligibility::UnknownFilter => "no such filter",
        Ineligibility::InvalidGrant => "the grant is invalid (SPEC 4.1)",
    }
}

/// The context every step shares, resolved once per decision.
pub(super) struct Ctx<'s> {
    key: &'s CompiledKey,
    /// The request's workspace, when it belongs to the key's firm.
    workspace: Option<u128>,
    /// The request's workspace as written, parsed once (it may be outside the firm).
    pub(super) request_workspace: Option<u128>,
    pub(super) type_index: usize,
    searchable_only_for_list: bool,
}

impl PolicyStore {
    /// Decide a request for a stored key (`None`, or an unknown id: 401).
    pub fn decide(&self, key_id: Option<&str>, req: &Request, data: Data<'_>) -> Decision {
        let key = key_id.and_then(|id| self.keys.get(id)).map(|k| &**k);
        self.decide_for(key, req, data).0
    }

    /// Decide, and explain the decision.
    pub fn explain(&self, key_id: Option<&str>, req: &Request, data: Data<'_>) -> Explanation {
        let key = key_id.and_then(|id| self.keys.get(id)).map(|k| &**k);
        self.explain_for(key, req, data)
    }

    /// Decide for a compiled key that need not be stored.
    pub fn decide_for(
        &self,
        key: Option<&CompiledKey>,
        req: &Request,
        data: Data<'_>,
    ) -> (Decision, &'static str) {
        let ctx = match self.context(key, req) {
            Ok(ctx) => ctx,
            Err(d) => return d,
        };
        let t = &self.schema.entity_types[ctx.type_index];
        let any = |action: Action, list: bool, e: &PreparedEntity| {
            self.eligible(&ctx, action, list).any(|(_, el)| el.matches(e))
        };
        let req_ws = ctx.request_workspace;
        let type_index = ctx.type_index;
        // The entity handed over must be the one the request names: its workspace, its type,
        // and (when the request names one) its id, UUIDs compared without case. Anything else
        // is a caller's mix-up, decided as "no such entity" (fail closed).
        fn same_place<'r>(
            row: Option<&'r Row>,
            ws: Option<u128>,
            t: usize,
            id: Option<&str>,
        ) -> Option<&'r Row> {
            row.filter(|r| {
                r.workspace.is_some()
                    && r.workspace == ws
                    && r.entity.type_index == t
                    && id.is_none_or(|id| id.eq_ignore_ascii_case(&r.id))
            })
        }
        let matches_row = |row| same_place(row, req_ws, type_index, req.id.as_deref());
        let action = req.operation.action();
        let deny = |c: DenyCode, step: &'static str| (Decision::deny(c), step);
        match req.operation {
            Operation::Get => {
                let Data::One(row) = data else {
                    return deny(DenyCode::NotFound, "get: no entity");
                };
                match matches_row(row) {
                    Some(r) if any(Action::Read, false, &r.entity) => {
                        (Decision::allow(200), "get: a read grant matches")
                    }
                    _ => deny(DenyCode::NotFound, "get: not found or not permitted"),
                }
            }
            Operation::List => {
                if self.eligible(&ctx, Action::Read, true).next().is_none() {
                    return deny(DenyCode::InsufficientScope, "list: no eligible read grant");
                }
                let all = self
                    .eligible(&ctx, Action::Read, true)
                    .any(|(_, e)| matches!(e, Eligible::All));
                let ws = ctx.workspace;
                let rows: &[Row] = if let Data::Many(rows) = data { rows } else { &[] };
                let ids: Vec<String> = rows
                    .iter()
                    .filter(|r| {
                        r.workspace.is_some()
                            && r.workspace == ws
                            && r.entity.type_index == ctx.type_index
                    })
                    .filter(|r| all || any(Action::Read, true, &r.entity))
                    .map(|r| r.id.clone())
                    .collect();
                if !all && ids.is_empty() {
                    return deny(
                        DenyCode::InsufficientScope,
                        "list: the eligible filters match nothing in the workspace",
                    );
                }
                (Decision { status: 200, code: None, ids: Some(ids) }, "list: eligible grants")
            }
            Operation::Create => {
                if self.eligible(&ctx, action, false).next().is_none() {
                    return deny(DenyCode::InsufficientScope, "create: no eligible write grant");
                }
                let empty = Map::new();
                let new = PreparedEntity::for_type(
                    ctx.type_index,
                    t,
                    req.attributes.as_ref().unwrap_or(&empty),
                );
                if any(action, false, &new) {
                    (Decision::allow(201), "create: the new entity matches a write grant")
                } else {
                    deny(
                        DenyCode::InsufficientScope,
                        "create: the new entity matches no write grant",
                    )
                }
            }
            Operation::Update | Operation::Download => {
                if self.eligible(&ctx, action, false).next().is_none() {
                    return deny(DenyCode::InsufficientScope, "no eligible grant for the action");
                }
                let row = if let Data::One(row) = data { matches_row(row) } else { None };
                let Some(row) = row else { return deny(DenyCode::NotFound, "no such entity") };
                if !any(action, false, &row.entity) {
                    return if any(Action::Read, false, &row.entity) {
                        deny(
                            DenyCode::InsufficientScope,
                            "the entity matches no grant for the action, but the key can see it",
                        )
                    } else {
                        deny(
                            DenyCode::NotFound,
                            "the entity matches no grant for the action, and the key cannot see it",
                        )
                    };
                }
                if req.operation == Operation::Update {
                    if let Some(attrs) = &req.attributes {
                        let after = PreparedEntity::for_type(ctx.type_index, t, attrs);
                        if !any(action, false, &after) {
                            return deny(DenyCode::InsufficientScope, "update: the entity after the change would leave the key's write scope");
                        }
                    }
                }
                (Decision::allow(200), "the entity matches a grant for the action")
            }
        }
    }

    /// SPEC 4.4 step 1, and the request's type and workspace resolved once.
    pub(super) fn context<'s>(
        &'s self,
        key: Option<&'s CompiledKey>,
        req: &Request,
    ) -> Result<Ctx<'s>, (Decision, &'static str)> {
        let Some(key) = key else {
            return Err((Decision::deny(DenyCode::InvalidToken), "credentials: unknown"));
        };
        if key.key.revoked {
            return Err((Decision::deny(DenyCode::InvalidToken), "credentials: revoked"));
        }
        if !key.admits(req.source_ip.as_deref()) {
            return Err((
                Decision::deny(DenyCode::InvalidToken),
                "credentials: source address outside the allowlist",
            ));
        }
        let Some(type_index) = self.schema.type_index(&req.entity_type) else {
            return Err((Decision::deny(DenyCode::NotFound), "no such entity type"));
        };
        let t = &self.schema.entity_types[type_index];
        if !t.has_action(req.operation.action()) {
            return Err((Decision::deny(DenyCode::NotFound), "the entity type has no such action"));
        }
        let request_workspace = parse_uuid(&req.workspace_id);
        let workspace =
            request_workspace.filter(|w| key.firm.is_some() && self.firm_of(*w) == key.firm);
        Ok(Ctx {
            key,
            workspace,
            request_workspace,
            type_index,
            searchable_only_for_list: t.search.is_some(),
        })
    }

    /// A grant's eligibility for (workspace, type, action), per SPEC 4.2.
    fn grant_status<'s>(
        &'s self,
        ctx: &Ctx<'s>,
        i: usize,
        action: Action,
        list: bool,
    ) -> Result<Eligible<'s>, Ineligibility> {
        let g = &ctx.key.grants[i];
        if ctx.key.key_invalid || g.invalid {
            return Err(Ineligibility::InvalidGrant);
        }
        let Some(target) = &g.target else { return Err(Ineligibility::InvalidGrant) };
        let Some(ws) = ctx.workspace else { return Err(Ineligibility::OtherFirm) };
        let (workspace, type_index) = match target {
            Target::SystemAny => (None, None),
            Target::SystemType { workspace, type_index }
            | Target::Stored { workspace, type_index, .. } => (Some(*workspace), Some(*type_index)),
        };
        if workspace.is_some_and(|w| w != ws) {
            return Err(Ineligibility::OtherWorkspace);
        }
        if type_index.is_some_and(|t| t != ctx.type_index) {
            return Err(Ineligibility::OtherEntityType);
        }
        if !g.actions[action.index()] {
            return Err(Ineligibility::ActionNotGranted);
        }
        let Target::Stored { filter, .. } = target else { return Ok(Eligible::All) };
        let Some(f) = self.filters.get(filter) else { return Err(Ineligibility::UnknownFilter) };
        if f.record.archived {
            return Err(Ineligibility::Archived);
        }
        if list && ctx.searchable_only_for_list && !f.compiled.is_searchable() {
            return Err(Ineligibility::NotSearchable);
        }
        Ok(Eligible::Filter(&f.compiled))
    }

    /// The eligible grants, from the index: only grants of this workspace, type and action,
    /// and the firm-global ones, are looked at.
    fn eligible<'s, 'c>(
        &'s self,
        ctx: &'c Ctx<'s>,
        action: Action,
        list: bool,
    ) -> impl Iterator<Item = (usize, Eligible<'s>)> + 'c
    where
        's: 'c,
    {
        let local: &[u32] = ctx
            .workspace
            .and_then(|ws| ctx.key.index.get(&(ws, ctx.type_index, action)))
            .map_or(&[], Vec::as_slice);
        let global: &[u32] =
            if ctx.workspace.is_some() { &ctx.key.any[action.index()] } else { &[] };
        local.iter().chain(global).filter_map(move |&i| {
            self.grant_status(ctx, i as usize, action, list).ok().map(|e| (i as usize, e))
        })
    }

    /// The union of the eligible grants for an action: everything (a system filter is
    /// eligible) or the distinct eligible filters.
    pub(super) fn scope_of(&self, ctx: &Ctx<'_>, action: Action, list: bool) -> Scope {
        let mut scope = Scope { all: false, filters: Vec::new() };
        for (_, e) in self.eligible(ctx, action, list) {
            match e {
                Eligible::All => scope.all = true,
                Eligible::Filter(f) => {
                    if !scope.filters.iter().any(|g| Arc::ptr_eq(g, f)) {
                        scope.filters.push(f.clone());
                    }
                }
            }
        }
        if scope.all {
            scope.filters.clear();
        }
        scope
    }

    /// The first half of a list decision: 401/404/403 refusals, or the scope to push down.
    pub fn authorize_list(
        &self,
        key_id: Option<&str>,
        req: &Request,
    ) -> Result<ListAuthorization, Decision> {
        let key = key_id.and_then(|id| self.keys.get(id)).map(|k| &**k);
        let ctx = self.context(key, req).map_err(|(d, _)| d)?;
        let scope = self.scope_of(&ctx, Action::Read, true);
        if scope.is_empty() {
            return Err(Decision::deny(DenyCode::InsufficientScope));
        }
        let require_match = !scope.all;
        Ok(ListAuthorization { scope, require_match })
    }

    /// Decide, and account for every grant of the key. The decision is the one
    /// [`PolicyStore::decide_for`] makes; the account only describes it.
    pub fn explain_for(
        &self,
        key: Option<&CompiledKey>,
        req: &Request,
        data: Data<'_>,
    ) -> Explanation {
        let (decision, step) = self.decide_for(key, req, data);
        let action = req.operation.action();
        let ctx = match self.context(key, req) {
            Ok(ctx) => ctx,
            Err(_) => {
                let summary = format!("refused at step 1 of SPEC 4.4: {step}");
                return Explanation {
                    decision,
                    step,
                    action: Some(action),
                    grants: vec![],
                    summary,
                };
            }
        };
        let list = req.operation == Operation::List;
        let row = match data {
            Data::One(r) => r,
            _ => None,
        };
        let grants = ctx
            .key
            .key
            .grants
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let status = self.grant_status(&ctx, i, action, list);
                let mut ge = GrantExplanation {
                    index: i,
                    filter: g.filter.clone(),
                    workspace_id: g.workspace_id.clone(),
                    actions: g.actions.clone(),
                    eligible: status.is_ok(),
                    reason: status.err(),
                    matched: None,
                    match_count: None,
                    failed_condition: None,
                };
                if let Ok(e) = status {
                    match (data, e) {
                        // The rows the decision looks at: the request's workspace and type.
                        (Data::Many(rows), e) => {
                            let here = |r: &&Row| {
                                r.workspace.is_some()
                                    && r.workspace == ctx.workspace
                                    && r.entity.type_index == ctx.type_index
                            };
                            ge.match_count = Some(
                                rows.iter().filter(here).filter(|r| e.matches(&r.entity)).count(),
                            );
                        }
                        (_, Eligible::All) if row.is_some() => ge.matched = Some(true),
                        (_, Eligible::Filter(f)) => {
                            let subject = match (req.operation, &req.attributes) {
                                (Operation::Create, attrs) => Some(PreparedEntity::for_type(
                                    ctx.type_index,
                                    &self.schema.entity_types[ctx.type_index],
                                    attrs.as_ref().unwrap_or(&Map::new()),
                                )),
                                _ => row.map(|r| r.entity.clone()),
                            };
                            if let Some(s) = subject {
                                ge.matched = Some(f.matches(&s));
                                ge.failed_condition = f.explain(&s);
                            }
                        }
                        _ => {}
                    }
                }
                ge
            })
            .collect::<Vec<_>>();
        let eligible = grants.iter().filter(|g| g.eligible).count();
        let summary = format!(
            "{} of {} grants eligible for {} on {}; {}",
            eligible,
            grants.len(),
            action,
            req.entity_type,
            step
        );
        Explanation { decision, step, action: Some(action), grants, summary }
    }
}
