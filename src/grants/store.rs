//! The policy store: firms, filters and keys compiled once, grants indexed by
//! (workspace, entity type, action), and grant validation (SPEC 4.1).

use super::fast_hash::FastMap;
use super::ip::{normalize, IpRange};
use super::model::{FilterRecord, Firm, Grant, Key};
use super::row::Row;
use super::system::{is_system_filter, DEFAULT_ANY};
use crate::diagnostic::{bound, Code, Diagnostic};
use crate::eval::{CompiledFilter, Entity};
use crate::limits::{MAX_GRANTS_PER_KEY, MAX_ID_BYTES, MAX_IP_RANGES_PER_KEY};
use crate::schema::{Action, Schema};
use crate::validate::{validate, FilterDraft, PredicateSource};
use crate::value::parse_uuid;
use serde::Serialize;
use std::collections::BTreeSet;
use std::net::IpAddr;
use std::sync::Arc;

/// A filter as the store holds it.
#[derive(Clone, Debug)]
pub struct StoredFilter {
    /// The record, with the predicate in both canonical forms.
    pub record: FilterRecord,
    pub(crate) workspace: u128,
    pub(crate) compiled: Arc<CompiledFilter>,
}

impl StoredFilter {
    /// The compiled filter.
    pub fn compiled(&self) -> &CompiledFilter {
        &self.compiled
    }
}

/// What a grant points at, once resolved.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Target {
    /// `default:<collection>` in a workspace: every entity of that type there.
    SystemType { workspace: u128, type_index: usize },
    /// `default:any`: every entity of every type in every workspace of the firm.
    SystemAny,
    /// A stored filter.
    Stored { filter: String, workspace: u128, type_index: usize },
}

#[derive(Clone, Debug)]
pub(crate) struct CompiledGrant {
    pub(crate) target: Option<Target>,
    pub(crate) actions: [bool; 3],
    /// The grant failed a rule of SPEC 4.1 that does not change over time; never eligible.
    pub(crate) invalid: bool,
}

/// A key with its grants resolved and indexed.
#[derive(Clone, Debug)]
pub struct CompiledKey {
    /// The key as given.
    pub key: Key,
    pub(crate) firm: Option<u128>,
    pub(crate) allowed_ips: Option<Vec<Option<IpRange>>>,
    pub(crate) grants: Vec<CompiledGrant>,
    /// (workspace, entity type, action) → grant indexes; `default:any` grants under `any`.
    pub(crate) index: FastMap<(u128, usize, Action), Vec<u32>>,
    pub(crate) any: [Vec<u32>; 3],
    /// A key-level rule failed (`invalid_ip_range`): no grant is eligible.
    pub(crate) key_invalid: bool,
    /// What validating the key's grants found (SPEC 4.1).
    pub report: GrantReport,
}

impl CompiledKey {
    /// Whether a request from this source address is admitted by the allowlist (SPEC 4.4
    /// step 1): absent list = any; a list refuses an unknown or unparsable source.
    pub fn admits(&self, source: Option<&str>) -> bool {
        let Some(list) = &self.allowed_ips else { return true };
        let Some(ip) = source.and_then(|s| s.trim().parse::<IpAddr>().ok()) else { return false };
        let ip = normalize(ip);
        list.iter().flatten().any(|r| r.contains(ip))
    }
}

/// The outcome of validating a key's grants (SPEC 4.1).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct GrantReport {
    /// Whether every grant and the allow-list are valid.
    pub valid: bool,
    /// Every problem, each with its code and path (`$.grants[1].filter`).
    pub errors: Vec<Diagnostic>,
}

/// A change to a key, as [`PolicyStore::validate_key_change`] judges it.
#[derive(Clone, Copy, Debug)]
pub struct KeyChange<'a> {
    /// The key as the change would leave it.
    pub key: &'a Key,
    /// The key as it is before the change; `None` for a new key. A grant equal to one the key
    /// had is kept: archiving a filter makes the grants that hold it inert (SPEC 2.1), so a
    /// kept grant on an archived filter does not refuse the change; a grant the change brings
    /// in must not name one (SPEC 4.1).
    pub previous: Option<&'a Key>,
    /// The firm of the admin making the change; `None` for an operator, who sees every firm.
    /// To a firm admin another firm's filter does not exist: naming one is `unknown_filter`,
    /// exactly as naming no filter is, so its existence is not told.
    pub viewer_firm: Option<&'a str>,
}

/// Whose filters the one judging a key's grants sees.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Viewer {
    /// Every firm's: the store itself, or an operator.
    Everyone,
    /// One firm's; `None` for a firm id that names no firm, which sees none.
    Firm(Option<u128>),
}

impl Viewer {
    fn sees(self, firm: Option<u128>) -> bool {
        match self {
            Viewer::Everyone => true,
            Viewer::Firm(v) => v.is_some() && v == firm,
        }
    }
}

/// How a key's grants are judged: by the store itself, or for an admin's change.
#[derive(Clone, Copy)]
struct Judging<'a> {
    /// Whose filters the judge sees (see [`KeyChange::viewer_firm`]).
    viewer: Viewer,
    /// By grant: whether the change keeps it (see [`KeyChange::previous`]).
    kept: &'a [bool],
}

/// What an edit to a filter would do.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EditImpact {
    /// Keys that hold the filter and would change on their next request.
    pub keys: usize,
    /// Entities the edit would start to match.
    pub gained: Vec<String>,
    /// Entities the edit would stop matching.
    pub lost: Vec<String>,
}

/// The result of adding or editing a filter.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PutFilter {
    /// Validation's warnings (`not_searchable`).
    pub warnings: Vec<Diagnostic>,
    /// Keys that hold this filter (the "This will immediately affect N credentials" count).
    pub keys_affected: usize,
}

/// Filters and keys, compiled once; decisions are in [`super::decide`].
///
/// ```
/// use portcullis::grants::{PolicyStore, Firm, FilterRecord, Key, Grant};
/// let mut store = PolicyStore::new(portcullis::Schema::builtin());
/// let ws = "a1000000-0000-4000-8000-00000000000a";
/// store.put_firm(&Firm { id: "f1000000-0000-4000-8000-000000000001".into(), workspaces: vec![ws.into()] }).unwrap();
/// store.put_filter(FilterRecord {
///     id: "flt-1".into(), workspace_id: ws.into(), entity_type: "detail".into(),
///     name: "Concrete".into(), description: None, predicate: None,
///     predicate_text: Some(r#"tags intersects ["concrete"]"#.into()), archived: false,
/// }).unwrap();
/// let report = store.put_key(Key {
///     id: "key-1".into(), firm_id: "f1000000-0000-4000-8000-000000000001".into(), revoked: false,
///     allowed_ips: None,
///     grants: vec![Grant { workspace_id: Some(ws.into()), filter: "flt-1".into(), actions: vec!["read".into()] }],
/// });
/// assert!(report.valid);
/// assert_eq!(store.keys_holding("flt-1"), 1);
/// ```
#[derive(Clone, Debug)]
pub struct PolicyStore {
    pub(crate) schema: Schema,
    pub(crate) workspace_firm: FastMap<u128, u128>,
    pub(crate) firms: FastMap<u128, Vec<u128>>,
    pub(crate) filters: FastMap<String, StoredFilter>,
    pub(crate) keys: FastMap<String, Arc<CompiledKey>>,
    holders: FastMap<String, BTreeSet<String>>,
    /// Changes with every edit (see [`PolicyStore::generation`]).
    generation: u64,
}

/// Generations come from one counter for every store in the process, so two stores (or a
/// store and its clone, once either is edited) never share one by chance: a prepared request
/// can never be taken for current against a store it was not resolved from.
static GENERATIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

fn next_generation() -> u64 {
    GENERATIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

fn bad_id(what: &str, id: &str) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidUuid,
        format!("{what} `{}` is not a UUID", id.chars().take(64).collect::<String>()),
    )
}

impl PolicyStore {
    /// An empty store over a schema.
    pub fn new(schema: Schema) -> PolicyStore {
        PolicyStore {
            schema,
            workspace_firm: FastMap::default(),
            firms: FastMap::default(),
            filters: FastMap::default(),
            keys: FastMap::default(),
            holders: FastMap::default(),
            generation: next_generation(),
        }
    }

    /// A number that changes whenever the store's firms, filters or keys change. Equal
    /// generations mean equal contents, so a [`super::PreparedRequest`] resolved at this
    /// generation is still exact.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The schema.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Add or replace a firm and its workspaces. Keys of the firm are re-resolved.
    pub fn put_firm(&mut self, firm: &Firm) -> Result<(), Diagnostic> {
        self.generation = next_generation();
        let id = parse_uuid(&firm.id).ok_or_else(|| bad_id("firm id", &firm.id).at_path("$.id"))?;
        let mut workspaces = Vec::new();
        for (i, w) in firm.workspaces.iter().enumerate() {
            let ws = parse_uuid(w)
                .ok_or_else(|| bad_id("workspace id", w).at_path(format!("$.workspaces[{i}]")))?;
            if self.workspace_firm.get(&ws).is_some_and(|f| *f != id) {
                return Err(Diagnostic::error(
                    Code::WorkspaceMismatch,
                    format!("workspace `{w}` belongs to another firm"),
                ));
            }
            workspaces.push(ws);
        }
        if let Some(old) = self.firms.insert(id, workspaces.clone()) {
            for ws in old {
                self.workspace_firm.remove(&ws);
            }
        }
        for ws in workspaces {
            self.workspace_firm.insert(ws, id);
        }
        self.recompile_keys(|k| k.firm == Some(id));
        Ok(())
    }

    /// Add a filter, or edit one: validated in full; its workspace and entity type are fixed
    /// at creation (SPEC 2.1) and an archived filter cannot be edited. The edit takes effect on
    /// the very next decision of every key that holds it.
    pub fn put_filter(&mut self, record: FilterRecord) -> Result<PutFilter, Vec<Diagnostic>> {
        self.generation = next_generation();
        if is_system_filter(&record.id) {
            return Err(vec![Diagnostic::error(
                Code::SystemFilter,
                format!(
                    "`{}` is a system filter name: system filters cannot be created or edited",
                    record.id
                ),
            )
            .at_path("$.id")]);
        }
        if record.id.is_empty() || record.id.len() > MAX_ID_BYTES {
            return Err(vec![Diagnostic::error(
                Code::InputTooLarge,
                format!("a filter id is 1 to {MAX_ID_BYTES} bytes"),
            )
            .at_path("$.id")]);
        }
        let mut errors = Vec::new();
        let workspace =
            parse_uuid(&record.workspace_id).filter(|w| self.workspace_firm.contains_key(w));
        if workspace.is_none() {
            errors.push(
                Diagnostic::error(
                    Code::UnknownWorkspace,
                    format!("`{}` is not a workspace of any firm", record.workspace_id),
                )
                .at_path("$.workspace_id"),
            );
        }
        if let Some(old) = self.filters.get(&record.id) {
            if old.record.archived {
                errors.push(
                    Diagnostic::error(
                        Code::FilterArchived,
                        "an archived filter cannot be edited; create a new one",
                    )
                    .at_path("$.archived"),
                );
            }
            if old.record.entity_type != record.entity_type {
                errors.push(
                    Diagnostic::error(
                        Code::FilterImmutable,
                        "a filter's entity type is fixed at creation; create a new filter instead",
                    )
                    .at_path("$.entity_type"),
                );
            }
            if parse_uuid(&old.record.workspace_id) != parse_uuid(&record.workspace_id) {
                errors.push(
                    Diagnostic::error(
                        Code::FilterImmutable,
                        "a filter's workspace is fixed at creation; create a new filter instead",
                    )
                    .at_path("$.workspace_id"),
                );
            }
        }
        let source = match (&record.predicate, &record.predicate_text) {
            (Some(v), None) => PredicateSource::Json(v.clone()),
            (None, Some(t)) => PredicateSource::Text(t.clone()),
            _ => {
                errors.push(Diagnostic::error(Code::InvalidPredicate, "give exactly one of `predicate` (JSON form) or `predicate_text` (text form)").at_path("$.predicate"));
                return Err(errors);
            }
        };
        let draft = FilterDraft {
            entity_type: record.entity_type.clone(),
            name: record.name.clone(),
            description: record.description.clone(),
            predicate: source,
        };
        let v = validate(&self.schema, &draft);
        errors.extend(v.errors);
        let (Some(compiled), Some(workspace), true) = (v.filter, workspace, errors.is_empty())
        else {
            return Err(errors);
        };
        let mut record = record;
        // Store the canonical forms, so every reader sees one text per filter.
        record.predicate = Some(crate::lang::predicate_to_json(compiled.predicate()));
        record.predicate_text = Some(compiled.predicate().to_string());
        let keys_affected = self.keys_holding(&record.id);
        let id = record.id.clone();
        let created = self
            .filters
            .insert(id.clone(), StoredFilter { record, workspace, compiled: Arc::new(compiled) })
            .is_none();
        // Keys stored before the filter existed named it in vain (`unknown_filter`): resolve
        // them again, so the order in which a store is filled does not matter.
        if created && keys_affected > 0 {
            let holders = self.holders.get(&id).cloned().unwrap_or_default();
            self.recompile_keys(|k| holders.contains(&k.key.id));
        }
        Ok(PutFilter { warnings: v.warnings, keys_affected })
    }

    /// Archive a filter: it stops granting on the very next decision; the record stays so
    /// history resolves. It cannot be undone.
    pub fn archive_filter(&mut self, id: &str) -> Result<(), Diagnostic> {
        self.generation = next_generation();
        if is_system_filter(id) {
            return Err(Diagnostic::error(
                Code::SystemFilter,
                format!("`{id}` is a system filter: it cannot be archived"),
            ));
        }
        let f = self.filters.get_mut(id).ok_or_else(|| {
            Diagnostic::error(Code::UnknownFilter, format!("there is no filter `{id}`"))
        })?;
        f.record.archived = true;
        Ok(())
    }

    /// The stored filter with this id.
    pub fn filter(&self, id: &str) -> Option<&StoredFilter> {
        self.filters.get(id)
    }

    /// Every stored filter.
    pub fn filters(&self) -> impl Iterator<Item = &StoredFilter> {
        self.filters.values()
    }

    /// How many keys hold this filter in a grant.
    pub fn keys_holding(&self, filter_id: &str) -> usize {
        self.holders.get(filter_id).map_or(0, BTreeSet::len)
    }

    /// The ids of the keys that hold a filter in a grant, in id order: the keys
    /// [`keys_holding`](Self::keys_holding) counts.
    ///
    /// ```
    /// use portcullis::{PolicyStore, Schema};
    /// let mut store = PolicyStore::new(Schema::builtin());
    /// store.put_key(serde_json::from_str(r#"{"id": "k2", "firm_id": "f", "revoked": false,
    ///     "grants": [{"filter": "default:any", "actions": ["read"]}]}"#).unwrap());
    /// assert_eq!(store.key_ids_holding("default:any").collect::<Vec<_>>(), ["k2"]);
    /// assert_eq!(store.key_ids_holding("flt_none").count(), 0);
    /// ```
    pub fn key_ids_holding<'a>(&'a self, filter_id: &str) -> impl Iterator<Item = &'a str> + 'a {
        self.holders.get(filter_id).into_iter().flatten().map(String::as_str)
    }

    /// Add or replace a key. It is stored even when some grants are invalid: those are never
    /// eligible (fail closed). Callers that must refuse invalid keys check the report.
    pub fn put_key(&mut self, key: Key) -> GrantReport {
        self.generation = next_generation();
        let compiled = self.compile_key(&key);
        let report = compiled.report.clone();
        self.remove_key(&key.id);
        for g in &key.grants {
            self.holders.entry(g.filter.clone()).or_default().insert(key.id.clone());
        }
        self.keys.insert(key.id.clone(), Arc::new(compiled));
        report
    }

    /// Remove a key; whether it was there.
    pub fn remove_key(&mut self, id: &str) -> bool {
        self.generation = next_generation();
        let Some(old) = self.keys.remove(id) else { return false };
        for g in &old.key.grants {
            if let Some(h) = self.holders.get_mut(&g.filter) {
                h.remove(id);
            }
        }
        true
    }

    /// The key with this id.
    pub fn key(&self, id: &str) -> Option<&CompiledKey> {
        self.keys.get(id).map(|k| &**k)
    }

    fn recompile_keys(&mut self, which: impl Fn(&CompiledKey) -> bool) {
        let ids: Vec<String> =
            self.keys.values().filter(|k| which(k)).map(|k| k.key.id.clone()).collect();
        for id in ids {
            let key = self.keys[&id].key.clone();
            let compiled = self.compile_key(&key);
            self.keys.insert(id, Arc::new(compiled));
        }
    }

    /// Validate a key's grants (SPEC 4.1) without storing it.
    pub fn validate_key(&self, key: &Key) -> GrantReport {
        self.compile_key(key).report
    }

    /// Validate a change to a key (SPEC 4.1) as an admin makes it: see [`KeyChange`].
    ///
    /// ```
    /// use portcullis::grants::{FilterRecord, Firm, Grant, Key, KeyChange, PolicyStore};
    /// let ws = "a1000000-0000-4000-8000-00000000000a";
    /// let firm = "f1000000-0000-4000-8000-000000000001";
    /// let mut store = PolicyStore::new(portcullis::Schema::builtin());
    /// store.put_firm(&Firm { id: firm.into(), workspaces: vec![ws.into()] }).unwrap();
    /// store.put_filter(FilterRecord {
    ///     id: "steel".into(), workspace_id: ws.into(), entity_type: "detail".into(),
    ///     name: "Steel".into(), description: None, predicate: None,
    ///     predicate_text: Some(r#"type eq "steel""#.into()), archived: false,
    /// }).unwrap();
    /// let grant = Grant { workspace_id: Some(ws.into()), filter: "steel".into(), actions: vec!["read".into()] };
    /// let before = Key { id: "k".into(), firm_id: firm.into(), revoked: false, allowed_ips: None, grants: vec![grant.clone()] };
    /// store.archive_filter("steel").unwrap();
    /// // A grant the change keeps may name a filter archived since: it is inert, not invalid.
    /// let after = Key { allowed_ips: Some(vec!["10.0.0.0/8".into()]), ..before.clone() };
    /// assert!(store.validate_key_change(&KeyChange { key: &after, previous: Some(&before), viewer_firm: None }).valid);
    /// // A grant the change brings in must not.
    /// let added = Key { grants: vec![grant.clone(), grant], ..before.clone() };
    /// let report = store.validate_key_change(&KeyChange { key: &added, previous: Some(&before), viewer_firm: None });
    /// assert_eq!(report.errors[0].code.as_str(), "filter_archived");
    /// ```
    pub fn validate_key_change(&self, change: &KeyChange<'_>) -> GrantReport {
        // A grant is kept when an equal one was on the key before, each earlier grant
        // answering for one later grant.
        let mut before: Vec<&Grant> =
            change.previous.map_or(Vec::new(), |k| k.grants.iter().collect());
        let kept: Vec<bool> = change
            .key
            .grants
            .iter()
            .map(|g| match before.iter().position(|b| *b == g) {
                Some(i) => {
                    before.swap_remove(i);
                    true
                }
                None => false,
            })
            .collect();
        let viewer = change.viewer_firm.map_or(Viewer::Everyone, |f| Viewer::Firm(parse_uuid(f)));
        self.compile_key_as(change.key, Judging { viewer, kept: &kept }).report
    }

    /// Resolve, validate and index a key's grants.
    pub fn compile_key(&self, key: &Key) -> CompiledKey {
        self.compile_key_as(key, Judging { viewer: Viewer::Everyone, kept: &[] })
    }

    fn compile_key_as(&self, key: &Key, judging: Judging<'_>) -> CompiledKey {
        let firm = parse_uuid(&key.firm_id).filter(|f| self.firms.contains_key(f));
        let mut errors = Vec::new();
        if firm.is_none() {
            errors.push(
                Diagnostic::error(
                    Code::UnknownFirm,
                    format!("`{}` is not a known firm", key.firm_id),
                )
                .at_path("$.firm_id"),
            );
        }
        let mut key_invalid = false;
        if key.grants.len() > MAX_GRANTS_PER_KEY {
            key_invalid = true;
            errors.push(
                Diagnostic::error(
                    Code::TooManyGrants,
                    format!(
                        "the key has {} grants; the limit is {MAX_GRANTS_PER_KEY}",
                        key.grants.len()
                    ),
                )
                .with_help("a filter can cover what several grants would; or give the integration a second key")
                .at_path("$.grants"),
            );
        }
        if let Some(n) =
            key.allowed_ips.as_ref().map(Vec::len).filter(|&n| n > MAX_IP_RANGES_PER_KEY)
        {
            key_invalid = true;
            errors.push(
                Diagnostic::error(
                    Code::TooManyIpRanges,
                    format!(
                        "the IP allow-list has {n} entries; the limit is {MAX_IP_RANGES_PER_KEY}"
                    ),
                )
                .with_help("a CIDR range covers many addresses: 10.0.0.0/8, 2001:db8::/32")
                .at_path("$.allowed_ips"),
            );
        }
        let allowed_ips = key.allowed_ips.as_ref().map(|list| {
            list.iter()
                .enumerate()
                .map(|(i, s)| {
                    let r = IpRange::parse(s.trim());
                    if r.is_none() {
                        key_invalid = true;
                        errors.push(
                            Diagnostic::error(Code::InvalidIpRange, format!("`{}` is not an IP address or CIDR range", s.chars().take(64).collect::<String>()))
                                .with_help("write a single address (203.0.113.7, 2001:db8::1) or a range (10.0.0.0/8, 2001:db8::/32)")
                                .at_path(format!("$.allowed_ips[{i}]")),
                        );
                    }
                    r
                })
                .collect()
        });
        let mut grants = Vec::with_capacity(key.grants.len());
        let mut index: FastMap<(u128, usize, Action), Vec<u32>> = FastMap::default();
        let mut any: [Vec<u32>; 3] = Default::default();
        for (i, g) in key.grants.iter().enumerate() {
            let before = errors.len();
            let kept = judging.kept.get(i).copied().unwrap_or(false);
            let path = format!("$.grants[{i}]");
            let cg = self.compile_grant(firm, g, (&path, judging.viewer, kept), &mut errors);
            let invalid = errors.len() > before || cg.target.is_none();
            let cg = CompiledGrant { invalid, ..cg };
            if !invalid {
                for a in Action::ALL {
                    if !cg.actions[a.index()] {
                        continue;
                    }
                    match &cg.target {
                        Some(Target::SystemAny) => any[a.index()].push(i as u32),
                        Some(Target::SystemType { workspace, type_index })
                        | Some(Target::Stored { workspace, type_index, .. }) => {
                            index.entry((*workspace, *type_index, a)).or_default().push(i as u32)
                        }
                        None => {}
                    }
                }
            }
            grants.push(cg);
        }
        let report = GrantReport { valid: errors.is_empty(), errors: bound(errors) };
        CompiledKey { key: key.clone(), firm, allowed_ips, grants, index, any, key_invalid, report }
    }

    /// One grant resolved and checked; its problems are added to `errors`. `(path, viewer,
    /// kept)`: where the grant is in the key, the firm of the admin judging it (another firm's
    /// filter is, to them, no filter), and whether the change being judged keeps it.
    fn compile_grant(
        &self,
        firm: Option<u128>,
        g: &Grant,
        (path, viewer, kept): (&str, Viewer, bool),
        errors: &mut Vec<Diagnostic>,
    ) -> CompiledGrant {
        let err = |errors: &mut Vec<Diagnostic>, code: Code, msg: String, at: &str| {
            errors.push(Diagnostic::error(code, msg).at_path(format!("{path}{at}")))
        };
        // The grant's workspace must be one of the key's firm's workspaces.
        let workspace = g.workspace_id.as_deref().map(|w| {
            let ws = parse_uuid(w)
                .filter(|ws| firm.is_some() && self.workspace_firm.get(ws) == firm.as_ref());
            (w, ws)
        });
        let mut type_index: Option<usize> = None;
        let target = if g.filter == DEFAULT_ANY {
            if workspace.is_some() {
                err(
                    errors,
                    Code::WorkspaceMismatch,
                    "`default:any` is firm-global: its grant carries no workspace".into(),
                    ".workspace_id",
                );
                None
            } else {
                Some(Target::SystemAny)
            }
        } else {
            let ws = match workspace {
                None => {
                    err(
                        errors,
                        Code::UnknownWorkspace,
                        format!("the grant of `{}` needs a workspace", g.filter),
                        "",
                    );
                    None
                }
                Some((w, None)) => {
                    err(
                        errors,
                        Code::UnknownWorkspace,
                        format!("`{w}` is not a workspace of this key's firm"),
                        ".workspace_id",
                    );
                    None
                }
                Some((_, Some(ws))) => Some(ws),
            };
            if is_system_filter(&g.filter) {
                match self.schema.system_filter_type(&g.filter) {
                    Some(t) => {
                        type_index = Some(t);
                        ws.map(|workspace| Target::SystemType { workspace, type_index: t })
                    }
                    None => {
                        err(
                            errors,
                            Code::UnknownFilter,
                            format!("`{}` is not a system filter", g.filter),
                            ".filter",
                        );
                        None
                    }
                }
            } else {
                let seen = |f: &&StoredFilter| viewer.sees(self.firm_of(f.workspace));
                match self.filters.get(&g.filter).filter(seen) {
                    None => {
                        err(
                            errors,
                            Code::UnknownFilter,
                            format!("there is no filter `{}`", g.filter),
                            ".filter",
                        );
                        None
                    }
                    Some(f) => {
                        let t = f.compiled.type_index;
                        type_index = Some(t);
                        // A kept grant on a filter archived since is inert, not a reason to
                        // refuse the change.
                        if f.record.archived && !kept {
                            err(
                                errors,
                                Code::FilterArchived,
                                format!("filter `{}` is archived", g.filter),
                                ".filter",
                            );
                        }
                        match ws {
                            Some(ws) if ws != f.workspace => {
                                err(
                                    errors,
                                    Code::WorkspaceMismatch,
                                    format!(
                                        "filter `{}` lives in workspace {}, not in the grant's",
                                        g.filter, f.record.workspace_id
                                    ),
                                    ".workspace_id",
                                );
                                None
                            }
                            Some(workspace) => Some(Target::Stored {
                                filter: g.filter.clone(),
                                workspace,
                                type_index: t,
                            }),
                            None => None,
                        }
                    }
                }
            }
        };
        let mut actions = [false; 3];
        if g.actions.is_empty() {
            err(
                errors,
                Code::InvalidAction,
                "a grant needs at least one action (read, write, download)".into(),
                ".actions",
            );
        }
        for (i, a) in g.actions.iter().enumerate() {
            match Action::from_code(a) {
                None => err(
                    errors,
                    Code::InvalidAction,
                    format!(
                        "`{}` is not an action (read, write, download)",
                        a.chars().take(32).collect::<String>()
                    ),
                    &format!(".actions[{i}]"),
                ),
                Some(act) => {
                    let t = type_index.map(|t| &self.schema.entity_types[t]);
                    if let Some(t) = t.filter(|t| !t.has_action(act)) {
                        err(
                            errors,
                            Code::ActionNotAllowed,
                            format!("{} has no `{act}` action", t.collection),
                            &format!(".actions[{i}]"),
                        );
                    }
                    actions[act.index()] = true;
                }
            }
        }
        CompiledGrant { target, actions, invalid: false }
    }

    /// Which of the key's firm's workspaces this is, if any.
    pub(crate) fn firm_of(&self, workspace: u128) -> Option<u128> {
        self.workspace_firm.get(&workspace).copied()
    }

    /// What an edit to a stored filter would do, before it is saved: the keys that hold it,
    /// and over `entities` (the filter's workspace and type; others are ignored) the entities
    /// gained and lost.
    pub fn edit_impact(
        &self,
        filter_id: &str,
        edit: &PredicateSource,
        entities: &[Entity],
    ) -> Result<EditImpact, Vec<Diagnostic>> {
        let rows: Vec<Row> =
            entities.iter().filter_map(|e| Row::new(&self.schema, e).ok()).collect();
        self.edit_impact_rows(filter_id, edit, &rows)
    }

    /// [`PolicyStore::edit_impact`] over entities already prepared (a loaded entity set).
    pub fn edit_impact_rows(
        &self,
        filter_id: &str,
        edit: &PredicateSource,
        rows: &[Row],
    ) -> Result<EditImpact, Vec<Diagnostic>> {
        let f = self.filters.get(filter_id).ok_or_else(|| {
            vec![Diagnostic::error(
                Code::UnknownFilter,
                format!("there is no filter `{filter_id}`"),
            )]
        })?;
        let (new, _) =
            crate::validate::compile_source(&self.schema, f.compiled.entity_type(), edit)?;
        let type_index = self.schema.type_index(&f.record.entity_type);
        let (mut gained, mut lost) = (Vec::new(), Vec::new());
        let here: Vec<&Row> = rows
            .iter()
            .filter(|r| r.workspace == Some(f.workspace) && Some(r.entity.type_index) == type_index)
            .collect();
        // An id counted once, at its first row: found by one stable sort of the rows by id
        // (entity ids come from data, so no hash set a chosen set of ids could flood).
        let mut by_id: Vec<usize> = (0..here.len()).collect();
        by_id.sort_by(|&a, &b| here[a].id.cmp(&here[b].id));
        let mut repeat = vec![false; here.len()];
        for w in by_id.windows(2) {
            repeat[w[1]] = here[w[0]].id == here[w[1]].id;
        }
        for (r, _) in here.iter().zip(&repeat).filter(|(_, &rep)| !rep) {
            match (f.compiled.matches(&r.entity), new.matches(&r.entity)) {
                (false, true) => gained.push(r.id.clone()),
                (true, false) => lost.push(r.id.clone()),
                _ => {}
            }
        }
        Ok(EditImpact { keys: self.keys_holding(filter_id), gained, lost })
    }
}
