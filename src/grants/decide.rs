//! Decisions (SPEC 4.4): a request is resolved for its key (the credentials, the entity type
//! and its action, the workspace: `Resolved`), then the steps of [`super::outcome`] settle
//! it, asking the key's eligible grants (found through the key's index, so a decision costs
//! the grants that could apply, not all of a key's grants) whether an entity is in scope.
//! [`super::prepared`] resolves once and asks compiled programs instead; both take the same
//! steps.

use super::model::{Decision, Operation, Request};
use super::outcome::{self, Ask, Step};
use super::row::{Data, Entities, Place, Row};
use super::scope::{Eligible, ListAuthorization};
use super::store::{CompiledKey, PolicyStore};
use crate::eval::PreparedEntity;
use crate::schema::Action;
use crate::value::parse_uuid;
use serde_json::Map;

/// A request resolved for a key: SPEC 4.4 step 1 passed, its entity type has the action, and
/// its workspace is placed. Everything later asks grants about entities.
pub(crate) struct Resolved<'s> {
    pub(crate) key: &'s CompiledKey,
    /// Where the request is; an entity elsewhere is no entity to it.
    pub(crate) place: Place,
    /// The request's workspace, when it belongs to the key's firm (no grant is eligible
    /// anywhere else).
    pub(crate) firm_workspace: Option<u128>,
    /// The entity type's list and search run on a search index (SPEC 4.3).
    pub(crate) searchable_only_for_list: bool,
}

/// SPEC 4.4 step 1: the credentials, and the source address against the key's allow-list.
fn credentials<'k>(
    key: Option<&'k CompiledKey>,
    source_ip: Option<&str>,
) -> Result<&'k CompiledKey, Step> {
    let key = key.ok_or(Step::UnknownCredentials)?;
    if key.key.revoked {
        Err(Step::RevokedCredentials)
    } else if !key.admits(source_ip) {
        Err(Step::SourceNotAllowed)
    } else {
        Ok(key)
    }
}

impl PolicyStore {
    /// Decide a request for a stored key (`None`, or an unknown id: 401).
    ///
    /// `data` is what the operation needs: [`Data::One`] for a get, update or download (the
    /// entity the request names; `None` when there is none), [`Data::Many`] for a list (the
    /// workspace's entities of the type), [`Data::Nothing`] for a create. Data of another shape
    /// is fitted to the operation first ([`Data::fit`]): a get given the workspace's entities
    /// decides on the one with the request's id, a list given one entity lists it.
    /// [`PolicyStore::decide_in`] takes an [`Entities`] and needs no
    /// choice at all.
    pub fn decide(&self, key_id: Option<&str>, req: &Request, data: Data<'_>) -> Decision {
        self.decide_for(self.key_for(key_id), req, data)
    }

    /// Decide a request for a stored key over entities held for decisions: the entity a
    /// get, update or download names is looked up by id, a list runs over all of them.
    pub fn decide_in(&self, key_id: Option<&str>, req: &Request, entities: &Entities) -> Decision {
        self.decide(key_id, req, entities.data_for(req))
    }

    /// Decide for a compiled key that need not be stored.
    pub fn decide_for(&self, key: Option<&CompiledKey>, req: &Request, data: Data<'_>) -> Decision {
        self.decision(key, req, data).0
    }

    /// Whether a stored key's credentials are accepted from this source address (SPEC 4.4
    /// step 1), whatever the request: `Err` with the step that refuses them.
    ///
    /// ```
    /// use portcullis::grants::{Key, PolicyStore, Step};
    /// let mut store = PolicyStore::new(portcullis::Schema::builtin());
    /// store.put_key(Key {
    ///     id: "k".into(), firm_id: "f1000000-0000-4000-8000-000000000001".into(),
    ///     revoked: false, allowed_ips: Some(vec!["10.0.0.0/8".into()]), grants: vec![],
    /// });
    /// assert_eq!(store.check_credentials(Some("k"), Some("10.1.2.3")), Ok(()));
    /// assert_eq!(store.check_credentials(Some("k"), Some("192.0.2.1")), Err(Step::SourceNotAllowed));
    /// assert_eq!(store.check_credentials(Some("k"), None), Err(Step::SourceNotAllowed));
    /// assert_eq!(store.check_credentials(Some("nobody"), None), Err(Step::UnknownCredentials));
    /// ```
    pub fn check_credentials(
        &self,
        key_id: Option<&str>,
        source_ip: Option<&str>,
    ) -> Result<(), Step> {
        self.check_credentials_for(self.key_for(key_id), source_ip)
    }

    /// [`PolicyStore::check_credentials`] for a compiled key that need not be stored.
    pub fn check_credentials_for(
        &self,
        key: Option<&CompiledKey>,
        source_ip: Option<&str>,
    ) -> Result<(), Step> {
        credentials(key, source_ip).map(|_| ())
    }

    pub(crate) fn key_for(&self, key_id: Option<&str>) -> Option<&CompiledKey> {
        key_id.and_then(|id| self.keys.get(id)).map(|k| &**k)
    }

    /// SPEC 4.4 step 1 and the entity type's action, then the request placed: the part of a
    /// decision that does not depend on any entity.
    pub(crate) fn resolve<'s>(
        &'s self,
        key: Option<&'s CompiledKey>,
        req: &Request,
    ) -> Result<Resolved<'s>, Step> {
        let key = credentials(key, req.source_ip.as_deref())?;
        let type_index = self.schema.type_index(&req.entity_type).ok_or(Step::NoSuchEntityType)?;
        let t = &self.schema.entity_types[type_index];
        if !t.has_action(req.operation.action()) {
            return Err(Step::ActionNotOnEntityType);
        }
        let workspace = parse_uuid(&req.workspace_id);
        let firm_workspace =
            workspace.filter(|w| key.firm.is_some() && self.firm_of(*w) == key.firm);
        Ok(Resolved {
            key,
            place: Place { workspace, type_index },
            firm_workspace,
            searchable_only_for_list: t.search.is_some(),
        })
    }

    /// The decision and the step that settled it.
    pub(crate) fn decision(
        &self,
        key: Option<&CompiledKey>,
        req: &Request,
        data: Data<'_>,
    ) -> (Decision, Step) {
        match self.resolve(key, req) {
            Ok(ctx) => self.decide_resolved(&ctx, req, data),
            Err(step) => (step.decision(), step),
        }
    }

    /// The steps after resolution, for a request resolved as `ctx`.
    pub(crate) fn decide_resolved(
        &self,
        ctx: &Resolved<'_>,
        req: &Request,
        data: Data<'_>,
    ) -> (Decision, Step) {
        let data = data.fit(req);
        let op = req.operation;
        let action = op.action();
        let step = match (op, data) {
            (Operation::List, data) => {
                let granted = ctx.granted(self, Action::Read, true);
                let all =
                    self.eligible(ctx, Action::Read, true).any(|(_, e)| matches!(e, Eligible::All));
                let rows = if let Data::Many(rows) = data { rows } else { &[] };
                let ids: Vec<String> = if granted {
                    let in_scope =
                        |r: &&Row| all || ctx.admits(self, Action::Read, true, &r.entity);
                    ctx.place.rows_here(rows).filter(in_scope).map(|r| r.id.clone()).collect()
                } else {
                    Vec::new()
                };
                let step = outcome::list(granted, all, ids.len());
                let mut d = step.decision();
                if step == Step::Listed {
                    d.ids = Some(ids);
                }
                return (d, step);
            }
            (Operation::Create, _) => {
                let granted = ctx.granted(self, action, false);
                let new = || self.attributes_entity(ctx, req);
                outcome::single(op, granted, Some(|_: Ask| ctx.admits(self, action, false, &new())))
            }
            (_, data) => {
                let granted = op == Operation::Get || ctx.granted(self, action, false);
                let row = if let Data::One(row) = data { row } else { None };
                let row = row.filter(|r| ctx.place.holds(r, req.id.as_deref()));
                let admits = row.map(|r| {
                    move |ask: Ask| match ask {
                        Ask::Action => ctx.admits(self, action, false, &r.entity),
                        Ask::Read => ctx.admits(self, Action::Read, false, &r.entity),
                        // An update that carries no attributes changes nothing.
                        Ask::After => {
                            req.attributes.is_none()
                                || ctx.admits(
                                    self,
                                    Action::Write,
                                    false,
                                    &self.attributes_entity(ctx, req),
                                )
                        }
                    }
                });
                outcome::single(op, granted, admits)
            }
        };
        (step.decision(), step)
    }

    /// The entity a create or an update would leave: the request's attributes, typed.
    pub(crate) fn attributes_entity(&self, ctx: &Resolved<'_>, req: &Request) -> PreparedEntity {
        let t = ctx.place.type_index;
        let empty = Map::new();
        PreparedEntity::for_type(
            t,
            &self.schema.entity_types[t],
            req.attributes.as_ref().unwrap_or(&empty),
        )
    }

    /// The first half of a list decision, for callers that push the scope down to their
    /// data: the refusal (401, 404, or 403 with no eligible grant), or the scope.
    pub fn authorize_list(
        &self,
        key_id: Option<&str>,
        req: &Request,
    ) -> Result<ListAuthorization, Decision> {
        let ctx = self.resolve(self.key_for(key_id), req).map_err(Step::decision)?;
        let scope = self.scope_of(&ctx, Action::Read, true);
        if scope.is_empty() {
            return Err(outcome::list(false, false, 0).decision());
        }
        let require_match = !scope.all;
        Ok(ListAuthorization { scope, require_match })
    }

    /// A whole list decision over one page that a data service answered for the pushed-down
    /// scope of [`Self::authorize_list`]: `scope_matches` is whether the scope alone matched
    /// any entity of the type in the workspace. Each row of the page is checked again here,
    /// and the second value counts those outside the request's workspace, type or scope,
    /// which a correct data service never sends: they are left out of the decision's ids.
    ///
    /// ```
    /// use portcullis::grants::{PolicyStore, Request};
    /// use portcullis::Schema;
    /// let store = PolicyStore::new(Schema::builtin());
    /// let req: Request = serde_json::from_value(serde_json::json!({"operation": "list",
    ///     "workspace_id": "a1000000-0000-4000-8000-00000000000a", "entity_type": "tag"})).unwrap();
    /// let (d, outside) = store.decide_list_page(Some("nobody"), &req, true, &[]);
    /// assert_eq!((d.status, outside), (401, 0));
    /// ```
    pub fn decide_list_page(
        &self,
        key_id: Option<&str>,
        req: &Request,
        scope_matches: bool,
        page: &[Row],
    ) -> (Decision, usize) {
        let a = match self.authorize_list(key_id, req) {
            Ok(a) => a,
            Err(d) => return (d, 0),
        };
        let workspace = parse_uuid(&req.workspace_id);
        let type_index = self.schema.type_index(&req.entity_type);
        let (inside, outside): (Vec<&Row>, Vec<&Row>) = page.iter().partition(|r| {
            workspace.is_some()
                && r.workspace == workspace
                && Some(r.entity.type_index) == type_index
                && a.scope.matches(&r.entity)
        });
        let ids = inside.iter().map(|r| r.id.clone()).collect();
        (a.decide_page(scope_matches, ids), outside.len())
    }
}
