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

use super::model::{Decision, Operation, Request};
use super::outcome::{self, Ask, Step};
use super::row::{Place, Row};
use super::scope::Scope;
use super::store::PolicyStore;
use crate::eval::tuning::UnionMatcher;
use crate::eval::PreparedEntity;
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
/// let id = "e0000000-0000-4000-8000-000000000001";
/// let row = Row::from_json(store.schema(), &format!(
///     r#"{{"id":"{id}","workspace_id":"{ws}","entity_type":"detail","attributes":{{"tags":["concrete"]}}}}"#,
/// )).unwrap();
/// assert_eq!(prepared.decide(&store, Some(id), row.as_ref()).status, 200);
///
/// // An edit takes effect on the very next decision.
/// store.archive_filter("concrete").unwrap();
/// assert_eq!(prepared.decide(&store, Some(id), row.as_ref()).status, 404);
/// ```
#[derive(Clone, Debug)]
pub struct PreparedRequest {
    key_id: Option<String>,
    request: Request,
    generation: u64,
    state: State,
}

/// A prepared request's state: open for entities, or decided before any entity is looked at
/// (`Err`: credentials (401), an entity type or action that does not exist (404), or no
/// eligible grant where that alone refuses (403)).
type State = Result<Open, Step>;

/// The part of a decision that does not depend on the entity.
#[derive(Clone, Debug)]
pub(crate) struct Open {
    /// Where the request is; an entity elsewhere is no entity to it.
    pub(crate) place: Place,
    /// The eligible grants for the operation's action (for a list, the searchable ones).
    pub(crate) scope: Scope,
    /// For a download, the eligible read grants: they decide between 403 and 404.
    pub(crate) read: Scope,
    /// `scope` as the build matches it.
    scope_matcher: UnionMatcher,
    /// `read` as the build matches it.
    read_matcher: UnionMatcher,
}

impl Open {
    /// Whether an entity where the request is (see [`Place::holds`]) is in the operation's
    /// scope or, for `read`, in the read grants'.
    #[inline(always)]
    pub(crate) fn admits(&self, e: &PreparedEntity, read: bool) -> bool {
        if read {
            self.read_matcher.matches(e)
        } else {
            self.scope_matcher.matches(e)
        }
    }
}

/// [`PolicyStore::prepare`] decides only what the entity alone settles: `get`, `list` and
/// `download`. A `create` or an `update` carries attributes of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnpreparableOperation(pub Operation);

impl fmt::Display for UnpreparableOperation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = self.0.as_str();
        write!(f, "a prepared request decides get, list and download, not {op}: decide each {op} with its attributes through `decide`")
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
            state: Err(Step::UnknownCredentials),
        };
        p.resolve(self);
        Ok(p)
    }
}

impl PreparedRequest {
    fn resolve(&mut self, store: &PolicyStore) {
        self.generation = store.generation();
        let key = store.key_for(self.key_id.as_deref());
        let op = self.request.operation;
        self.state = store.resolve(key, &self.request).and_then(|ctx| {
            let scope = store.scope_of(&ctx, op.action(), op == Operation::List);
            let read = if op == Operation::Download {
                store.scope_of(&ctx, Action::Read, false)
            } else {
                Scope { all: false, filters: Vec::new() }
            };
            if scope.is_empty() && op != Operation::Get {
                // A list or a download with no eligible grant is refused before the
                // entity is looked at; a get answers 404 whatever the entity.
                Err(Step::NoEligibleGrant)
            } else {
                let t = ctx.place.type_index;
                let name = &store.schema().entity_types[t].name;
                let matcher = |s: &Scope| UnionMatcher::new(name, t, s.all, &s.filters);
                let (scope_matcher, read_matcher) = (matcher(&scope), matcher(&read));
                Ok(Open { place: ctx.place, scope, read, scope_matcher, read_matcher })
            }
        });
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

    /// The union of the eligible grants for the operation's action (for a list, what to push
    /// down to the data), as of the last decision or refresh; `None` when the request is
    /// refused whatever the entity.
    pub fn scope(&self) -> Option<&Scope> {
        self.state.as_ref().ok().map(|o| &o.scope)
    }

    /// For a download, the union of the eligible read grants, which decides between 403 (the
    /// key can read the entity) and 404; empty for other operations; `None` as for
    /// [`Self::scope`].
    pub fn read_scope(&self) -> Option<&Scope> {
        self.state.as_ref().ok().map(|o| &o.read)
    }

    /// Decide a `get` or a `download` of the entity `row` (`None`: there is no such entity).
    /// When `id` is given, the row must carry it. A prepared `list` decides a list of `row`.
    pub fn decide(&mut self, store: &PolicyStore, id: Option<&str>, row: Option<&Row>) -> Decision {
        self.refresh(store);
        if self.request.operation == Operation::List {
            return self.list(store, row.map(std::slice::from_ref).unwrap_or(&[]));
        }
        let o = match &self.state {
            Err(step) => return step.decision(),
            Ok(o) => o,
        };
        let here = row.filter(|r| o.place.holds(r, id)).map(|r| &r.entity);
        self.decide_open(o, here.map(|e| move |read: bool| o.admits(e, read)))
    }

    /// A get's or a download's decision, once open, for an entity given by what answers
    /// whether it is in the operation's scope (`false`) or, for a download, in the read
    /// grants' (`true`); `None` when there is no such entity where the request is.
    #[inline(always)]
    fn decide_open(&self, o: &Open, in_scope: Option<impl Fn(bool) -> bool>) -> Decision {
        let admits = in_scope.map(|f| move |ask: Ask| f(ask == Ask::Read));
        outcome::single(self.request.operation, !o.scope.is_empty(), admits).decision()
    }

    /// Decide a list over `rows`: the ids of those in scope, in order, or a refusal.
    pub fn list(&mut self, store: &PolicyStore, rows: &[Row]) -> Decision {
        self.refresh(store);
        let ids: Vec<String> = match &self.state {
            Err(_) => Vec::new(),
            Ok(o) => o
                .place
                .rows_here(rows)
                .filter(|r| o.admits(&r.entity, false))
                .map(|r| r.id.clone())
                .collect(),
        };
        let mut d = self.list_outcome(ids.len());
        if d.status == 200 {
            d.ids = Some(ids);
        }
        d
    }

    /// The entity-independent part of the decision, once open (the caller has refreshed).
    #[cfg(target_arch = "wasm32")]
    pub(crate) fn open(&self) -> Option<&Open> {
        self.state.as_ref().ok()
    }

    /// The operation prepared.
    pub fn operation(&self) -> Operation {
        self.request.operation
    }

    /// A get's or a download's decision for the entity, given only when it is where the
    /// request is (see [`Place::holds`]). The caller has refreshed. For the wasm decider.
    #[cfg(target_arch = "wasm32")]
    pub(crate) fn decide_entity(&self, entity: Option<&PreparedEntity>) -> Decision {
        match &self.state {
            Err(step) => step.decision(),
            Ok(o) => self.decide_open(o, entity.map(|e| move |read: bool| o.admits(e, read))),
        }
    }

    /// [`Self::decide_entity`] for an entity given by what answers whether it is in the
    /// operation's scope (`false`) or in the read grants' (`true`): the wasm decider's
    /// entities are dictionary indexes.
    #[cfg(target_arch = "wasm32")]
    pub(crate) fn decide_by(&self, in_scope: Option<impl Fn(bool) -> bool>) -> Decision {
        match &self.state {
            Err(step) => step.decision(),
            Ok(o) => self.decide_open(o, in_scope),
        }
    }

    /// A list that matched `matched` rows: its refusal, or a 200 without ids.
    pub(crate) fn list_outcome(&self, matched: usize) -> Decision {
        match &self.state {
            Err(step) => step.decision(),
            Ok(o) => outcome::list(!o.scope.is_empty(), o.scope.all, matched).decision(),
        }
    }
}
