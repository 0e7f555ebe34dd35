//! Scopes: which of a key's grants are eligible for a request (SPEC 4.2), and the union of
//! their filters, which a list pushes down to the data as JSON.

use super::decide::Resolved;
use super::model::Decision;
use super::outcome::{self, Step};
use super::store::{PolicyStore, Target};
use crate::diagnostic::Diagnostic;
use crate::eval::{CompiledFilter, PreparedEntity};
use crate::lang::predicate_to_json;
use crate::schema::{Action, Schema};
use crate::validate::{compile_source, PredicateSource};
use serde::Serialize;
use serde_json::Value;
use std::sync::Arc;

/// Why a grant is not eligible for a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ineligibility {
    /// The request's workspace is not one of the key's firm's.
    OtherFirm,
    /// The grant is for another workspace.
    OtherWorkspace,
    /// The grant's filter is of another entity type.
    OtherEntityType,
    /// The grant does not carry the request's action.
    ActionNotGranted,
    /// The grant's filter is archived.
    Archived,
    /// A detail list or search, and the filter uses what the search index cannot run.
    NotSearchable,
    /// The grant names a filter the store does not hold.
    UnknownFilter,
    /// The grant, or its key, fails a rule of SPEC 4.1: never eligible.
    InvalidGrant,
}

impl Ineligibility {
    /// The reason as a phrase, for an explanation.
    pub fn describe(self) -> &'static str {
        match self {
            Ineligibility::OtherFirm => "the request's workspace is not in the key's firm",
            Ineligibility::OtherWorkspace => "another workspace",
            Ineligibility::OtherEntityType => "another entity type",
            Ineligibility::ActionNotGranted => "action not granted",
            Ineligibility::Archived => "filter archived",
            Ineligibility::NotSearchable => {
                "filter not searchable, so not eligible for list or search"
            }
            Ineligibility::UnknownFilter => "no such filter",
            Ineligibility::InvalidGrant => "the grant is invalid",
        }
    }
}

/// An eligible grant's scope.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Eligible<'s> {
    /// A system filter: every entity of the type.
    All,
    /// A stored filter.
    Filter(&'s Arc<CompiledFilter>),
}

impl Eligible<'_> {
    pub(crate) fn matches(&self, e: &PreparedEntity) -> bool {
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
    /// A system filter is eligible: every entity of the type is in scope.
    pub all: bool,
    /// Otherwise, the distinct eligible filters, in the key's grant order.
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
    /// What the caller may list: push it down to the data.
    pub scope: Scope,
    /// Every eligible grant is a stored filter: when the scope matches no entity of the type
    /// in the workspace, the answer is 403 `insufficient_scope` (SPEC 4.4 step 3).
    pub require_match: bool,
}

impl ListAuthorization {
    /// The second half: the decision, given the ids of the entities of the request's
    /// workspace and type that the pushed-down scope matched (all of them, or at least the
    /// page asked for, with whether any matched at all counted from them).
    ///
    /// ```
    /// use portcullis::grants::{ListAuthorization, Scope};
    /// let stored = ListAuthorization { scope: Scope { all: false, filters: vec![] }, require_match: true };
    /// assert_eq!(stored.decide(vec![]).status, 403);
    /// assert_eq!(stored.decide(vec!["e1".into()]).ids, Some(vec!["e1".into()]));
    /// ```
    pub fn decide(&self, matched: Vec<String>) -> Decision {
        self.decide_page(!matched.is_empty(), matched)
    }
}

impl ListAuthorization {
    /// The second half for one page of a list whose caller also searched: `scope_matches`
    /// is whether the scope alone matched any entity of the workspace's type (counted
    /// before the caller's own search narrowed it), and `page` the ids of the page.
    ///
    /// ```
    /// use portcullis::grants::{ListAuthorization, Scope};
    /// let stored = ListAuthorization { scope: Scope { all: false, filters: vec![] }, require_match: true };
    /// assert_eq!(stored.decide_page(false, vec![]).status, 403);
    /// // The scope matches, the caller's search does not: an empty page, not a refusal.
    /// assert_eq!(stored.decide_page(true, vec![]).ids, Some(vec![]));
    /// ```
    pub fn decide_page(&self, scope_matches: bool, page: Vec<String>) -> Decision {
        let step = outcome::list(true, !self.require_match, usize::from(scope_matches));
        let mut d = step.decision();
        if step == Step::Listed {
            d.ids = Some(page);
        }
        d
    }
}

impl PolicyStore {
    /// A grant's eligibility for (workspace, type, action), per SPEC 4.2.
    pub(crate) fn grant_status<'s>(
        &'s self,
        ctx: &Resolved<'s>,
        i: usize,
        action: Action,
        list: bool,
    ) -> Result<Eligible<'s>, Ineligibility> {
        let g = &ctx.key.grants[i];
        if ctx.key.key_invalid || g.invalid {
            return Err(Ineligibility::InvalidGrant);
        }
        let Some(target) = &g.target else { return Err(Ineligibility::InvalidGrant) };
        let Some(ws) = ctx.firm_workspace else { return Err(Ineligibility::OtherFirm) };
        let (workspace, type_index) = match target {
            Target::SystemAny => (None, None),
            Target::SystemType { workspace, type_index }
            | Target::Stored { workspace, type_index, .. } => (Some(*workspace), Some(*type_index)),
        };
        if workspace.is_some_and(|w| w != ws) {
            return Err(Ineligibility::OtherWorkspace);
        }
        if type_index.is_some_and(|t| t != ctx.place.type_index) {
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
    pub(crate) fn eligible<'s, 'c>(
        &'s self,
        ctx: &'c Resolved<'s>,
        action: Action,
        list: bool,
    ) -> impl Iterator<Item = (usize, Eligible<'s>)> + 'c
    where
        's: 'c,
    {
        let local: &[u32] = ctx
            .firm_workspace
            .and_then(|ws| ctx.key.index.get(&(ws, ctx.place.type_index, action)))
            .map_or(&[], Vec::as_slice);
        let global: &[u32] =
            if ctx.firm_workspace.is_some() { &ctx.key.any[action.index()] } else { &[] };
        local.iter().chain(global).filter_map(move |&i| {
            self.grant_status(ctx, i as usize, action, list).ok().map(|e| (i as usize, e))
        })
    }

    /// The union of the eligible grants for an action: everything (a system filter is
    /// eligible) or the distinct eligible filters.
    pub(crate) fn scope_of(&self, ctx: &Resolved<'_>, action: Action, list: bool) -> Scope {
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
}

impl Resolved<'_> {
    /// Whether an entity is in the union of the eligible grants for an action.
    pub(crate) fn admits(
        &self,
        store: &PolicyStore,
        action: Action,
        list: bool,
        e: &PreparedEntity,
    ) -> bool {
        store.eligible(self, action, list).any(|(_, el)| el.matches(e))
    }

    /// Whether any grant is eligible for an action.
    pub(crate) fn granted(&self, store: &PolicyStore, action: Action, list: bool) -> bool {
        store.eligible(self, action, list).next().is_some()
    }
}
