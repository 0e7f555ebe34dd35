//! Prepared requests: a key and a request's workspace, entity type and operation resolved
//! once (credentials, the entity type, the eligible grants and their filters), so that
//! deciding an entity costs its filters and nothing else. For hot loops: a gateway deciding
//! entity after entity for one key, a list over many rows, and the wasm package's `Decider`.
//!
//! A prepared request remembers the store's [generation](PolicyStore::generation) and is
//! resolved again before a decision when the store has changed since, so an edit or an
//! archive still takes effect on the very next decision (SPEC 4: no versions, no grace
//! period). Its decisions are [`PolicyStore::decide`]'s for the same request and data; the
//! tests hold the two to that.

use super::decide::{Row, Scope};
use super::model::{Decision, DenyCode, Operation, Request};
use super::store::PolicyStore;
use crate::eval::PreparedEntity;
#[cfg(not(target_arch = "wasm32"))]
use crate::eval::{compiled::Test, program::Union, text::Text};
use crate::schema::Action;
use std::fmt;

/// A request resolved against a [`PolicyStore`] for one key, without its entity.
///
/// ```
/// use portcullis::grants::{PolicyStore, Firm, FilterRecord, Key, Grant, Request, Operation, Row};
/// use portcullis::{Entity, Schema};
/// let ws = "a1000000-0000-4000-8000-00000000000a";
/// let mut store = PolicyStore::new(Schema::builtin());
/// store.put_firm(&Firm { id: "f1000000-0000-4000-8000-000000000001".into(), workspaces: vec![ws.into()] }).unwrap();
/// store.put_filter(FilterRecord {
///     id: "concrete".into(), workspace_id: ws.into(), entity_type: "detail".into(),
///     name: "Concrete".into(), description: None, predicate: None,
///     predicate_text: Some(r#"tags intersects ["concrete"]"#.into()), archived: false,
/// }).unwrap();
/// store.put_key(Key {
///     id: "key-1".into(), firm_id: "f1000000-0000-4000-8000-000000000001".into(), revoked: false,
///     allowed_ips: None,
///     grants: vec![Grant { workspace_id: Some(ws.into()), filter: "concrete".into(), actions: vec!["read".into()] }],
/// });
/// let get = Request { operation: Operation::Get, workspace_id: ws.into(), entity_type: "detail".into(),
///     id: None, attributes: None, source_ip: None };
/// let mut prepared = store.prepare(Some("key-1"), &get).unwrap();
///
/// let row = Row::from_json(store.schema(), &format!(
///     r#"{{"id":"d1","workspace_id":"{ws}","entity_type":"detail","attributes":{{"tags":["concrete"]}}}}"#,
/// )).unwrap();
/// assert_eq!(prepared.decide(&store, Some("d1"), row.as_ref()).status, 200);
///
/// // An edit takes effect on the very next decision.
/// store.archive_filter("concrete").unwrap();
/// assert_eq!(prepared.decide(&store, Some("d1"), row.as_ref()).status, 404);
/// ```
#[derive(Clone, Debug)]
pub struct PreparedRequest {
    key_id: Option<String>,
    request: Request,
    generation: u64,
    state: State,
}

#[derive(Clone, Debug)]
enum State {
    /// Decided before any entity is looked at: credentials (401), an entity type or action
    /// that does not exist (404), or no eligible grant where that alone refuses (403).
    Refused(Decision),
    Open(Open),
}

/// The part of a decision that does not depend on the entity.
#[derive(Clone, Debug)]
pub(crate) struct Open {
    /// The request's workspace; an entity must be there.
    pub(crate) workspace: Option<u128>,
    pub(crate) type_index: usize,
    /// The eligible grants for the operation's action (for a list, the searchable ones).
    pub(crate) scope: Scope,
    /// For a download, the eligible read grants: they decide between 403 and 404.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) read: Scope,
    /// Native code only (see [`crate::eval::program`]): the entity type's name, which an
    /// entity's must be (one prepared by another schema could share the type's index), and
    /// `scope` and `read` as one program each.
    #[cfg(not(target_arch = "wasm32"))]
    unions: (Text, Union<Test>, Union<Test>),
}

impl Open {
    /// Whether a row is where the request is: its workspace and type (and id, when the
    /// request names one; UUIDs compare without case). A row elsewhere is no such entity.
    pub(crate) fn here(&self, row: &Row, id: Option<&str>) -> bool {
        self.here_at(row.workspace, row.entity.type_index)
            && id.is_none_or(|id| id == &*row.id || id.eq_ignore_ascii_case(&row.id))
    }

    /// Whether an entity where the request is (see [`Self::here`]) is in the operation's
    /// scope or, for `read`, in the read grants'.
    #[inline]
    pub(crate) fn admits(&self, e: &PreparedEntity, read: bool) -> bool {
        #[cfg(not(target_arch = "wasm32"))]
        let admitted = {
            let (type_name, scope, read_scope) = &self.unions;
            let union = if read { read_scope } else { scope };
            matches!(union, Union::All) || (e.type_name == *type_name && union.matches(&e.slots))
        };
        #[cfg(target_arch = "wasm32")]
        let admitted = if read { self.read.matches(e) } else { self.scope.matches(e) };
        admitted
    }

    pub(crate) fn here_at(&self, workspace: Option<u128>, type_index: usize) -> bool {
        workspace.is_some() && workspace == self.workspace && type_index == self.type_index
    }
}

/// [`PolicyStore::prepare`] decides only what the entity alone settles: `get`, `list` and
/// `download`. A `create` or an `update` carries attributes of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnpreparableOperation(pub Operation);

impl fmt::Display for UnpreparableOperation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = self.0.as_str();
        write!(f, "a prepared request decides get, list and download; decide a {op} with PolicyStore::decide")
    }
}

impl std::error::Error for UnpreparableOperation {}

impl PolicyStore {
    /// Resolve a request for a key once, for many decisions. The request's `id` and
    /// `attributes` are not part of it: the id comes with each decision.
    pub fn prepare(
        &self,
        key_id: Option<&str>,
        request: &Request,
    ) -> Result<PreparedRequest, UnpreparableOperation> {
        if matches!(request.operation, Operation::Create | Operation::Update) {
            return Err(UnpreparableOperation(request.operation));
        }
        let request = Request { id: None, attributes: None, ..request.clone() };
        let mut p = PreparedRequest {
            key_id: key_id.map(str::to_owned),
            request,
            generation: 0,
            state: State::Refused(Decision::deny(DenyCode::NotFound)),
        };
        p.resolve(self);
        Ok(p)
    }
}

impl PreparedRequest {
    fn resolve(&mut self, store: &PolicyStore) {
        self.generation = store.generation();
        let key = self.key_id.as_deref().and_then(|id| store.key(id));
        self.state = match store.context(key, &self.request) {
            Err((d, _)) => State::Refused(d),
            Ok(ctx) => {
                let op = self.request.operation;
                let scope = store.scope_of(&ctx, op.action(), op == Operation::List);
                let read = if op == Operation::Download {
                    store.scope_of(&ctx, Action::Read, false)
                } else {
                    Scope { all: false, filters: Vec::new() }
                };
                if scope.is_empty() && op != Operation::Get {
                    // SPEC 4.4: a list or a download with no eligible grant is refused
                    // before the entity is looked at; a get answers 404 whatever the entity.
                    State::Refused(Decision::deny(DenyCode::InsufficientScope))
                } else {
                    let type_index = ctx.type_index;
                    #[cfg(not(target_arch = "wasm32"))]
                    let unions = {
                        // A filter of another type matches nothing of this one.
                        let union = |s: &Scope| {
                            Union::new(
                                s.all,
                                s.filters
                                    .iter()
                                    .filter(|f| f.type_index == type_index)
                                    .map(|f| f.root.clone())
                                    .collect(),
                            )
                        };
                        (
                            store.schema().entity_types[type_index].name.as_str().into(),
                            union(&scope),
                            union(&read),
                        )
                    };
                    State::Open(Open {
                        workspace: ctx.request_workspace,
                        type_index,
                        scope,
                        read,
                        #[cfg(not(target_arch = "wasm32"))]
                        unions,
                    })
                }
            }
        };
    }

    /// Resolve again if the store changed since; whether it did.
    pub fn refresh(&mut self, store: &PolicyStore) -> bool {
        let stale = self.generation != store.generation();
        if stale {
            self.resolve(store);
        }
        stale
    }

    /// The request, without id and attributes.
    pub fn request(&self) -> &Request {
        &self.request
    }

    /// Decide a `get` or a `download` of the entity `row` (`None`: there is no such entity).
    /// When `id` is given, the row must carry it. A prepared `list` decides a list of `row`.
    pub fn decide(&mut self, store: &PolicyStore, id: Option<&str>, row: Option<&Row>) -> Decision {
        self.refresh(store);
        if self.request.operation == Operation::List {
            return self.list(store, row.map(std::slice::from_ref).unwrap_or(&[]));
        }
        let here = match &self.state {
            State::Open(o) => row.filter(|r| o.here(r, id)),
            State::Refused(_) => None,
        };
        self.decide_entity(here.map(|r| &r.entity))
    }

    /// Decide a list over `rows`: the ids of those in scope, in order, or a refusal.
    pub fn list(&mut self, store: &PolicyStore, rows: &[Row]) -> Decision {
        self.refresh(store);
        let o = match &self.state {
            State::Refused(d) => return d.clone(),
            State::Open(o) => o,
        };
        let ids: Vec<String> = rows
            .iter()
            .filter(|r| o.here(r, None) && o.admits(&r.entity, false))
            .map(|r| r.id.clone())
            .collect();
        self.list_outcome(ids.len()).unwrap_or(Decision { status: 200, code: None, ids: Some(ids) })
    }

    /// The entity-independent part of the decision, once open (the caller has refreshed).
    // Used by the wasm bindings' `Decider`.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn open(&self) -> Option<&Open> {
        match &self.state {
            State::Open(o) => Some(o),
            State::Refused(_) => None,
        }
    }

    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn operation(&self) -> Operation {
        self.request.operation
    }

    /// A get's or a download's decision for the entity, given only when it is where the
    /// request is (see [`Open::here`]). The caller has refreshed.
    pub(crate) fn decide_entity(&self, entity: Option<&PreparedEntity>) -> Decision {
        self.decide_with(entity.map(|e| move |o: &Open, read: bool| o.admits(e, read)))
    }

    /// [`Self::decide_entity`] for an entity given by what decides whether it is in the
    /// operation's scope (`read` false) or, for a download, in the read grants' (`read`
    /// true). For the wasm decider, whose entities are dictionary indexes.
    pub(crate) fn decide_with(&self, in_scope: Option<impl Fn(&Open, bool) -> bool>) -> Decision {
        let o = match &self.state {
            State::Refused(d) => return d.clone(),
            State::Open(o) => o,
        };
        match (self.request.operation, in_scope) {
            (Operation::Download, Some(f)) if f(o, false) => Decision::allow(200),
            (Operation::Download, Some(f)) if f(o, true) => {
                Decision::deny(DenyCode::InsufficientScope)
            }
            (Operation::Get, Some(f)) if f(o, false) => Decision::allow(200),
            _ => Decision::deny(DenyCode::NotFound),
        }
    }

    /// A list that matched `matched` rows: its refusal (SPEC 4.4 step 3: only stored filters
    /// are eligible and together they match nothing), or `None` for a 200.
    pub(crate) fn list_outcome(&self, matched: usize) -> Option<Decision> {
        match &self.state {
            State::Refused(d) => Some(d.clone()),
            State::Open(o) if matched == 0 && !o.scope.all => {
                Some(Decision::deny(DenyCode::InsufficientScope))
            }
            State::Open(_) => None,
        }
    }
}
