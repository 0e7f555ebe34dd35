//! `Decider`: a [`PreparedRequest`] for JavaScript, with an entity encoding that costs less
//! than JSON text.
//!
//! A decision only reads the attributes its eligible filters name, and a text attribute's
//! value matters only as one of the texts those filters compare against (every text test is
//! an equality: `eq`, `neq`, `in`, `nin`, `intersects`, `contains`, `eq_set`). So the decider
//! publishes a *plan*: the attributes to read, and for each text or list attribute a
//! dictionary of those texts. The wrapper (`pkg/api.mjs`) writes an entity as a few 32-bit
//! words: a dictionary index per text, or `OTHER` for any text outside the dictionary. The
//! decider decides on those indexes with the filters restated over the same dictionaries
//! ([`crate::eval::symbolic`]): integer comparisons and bit sets, no text read. An entity the
//! encoding cannot carry
//! exactly (odd shapes, strings that are not well-formed UTF-16, objects with `toJSON`)
//! travels as JSON text instead, read as [`Store::decide`](super::Store) reads it.
//!
//! The plan depends on the store's filters, so it has a version. When the store has changed
//! since the wrapper fetched the plan, a call answers `STALE` and the wrapper fetches the new
//! plan and encodes again: an edit takes effect on the very next decision.
//!
//! Words of one entity record, in the plan's attribute order:
//!
//! | record | words |
//! |---|---|
//! | here (the request's workspace and type) | `0`, then one value per plan attribute |
//! | elsewhere (another workspace or type) | `1` |
//! | JSON text | `2`, byte offset, byte length |
//! | no entity | `3` |
//!
//! | attribute | value |
//! |---|---|
//! | text | dictionary index, `OTHER` or `UNKNOWN` |
//! | list | `UNKNOWN`, or a count and that many dictionary indexes or `OTHER` |
//! | number | `0` unknown, or `1` and the f64's low and high words |
//! | bool | `0` unknown, `1` false, `2` true |
//! | uuid, date | `UNKNOWN`, or the byte offset and length of the string |

use super::{entity_row, remember, Misuse, Store};
use crate::eval::entity::Slot;
use crate::eval::symbolic::{Bits, SymScope, SymSlot, OTHER};
use crate::grants::row::Place;
use crate::grants::{Operation, PolicyStore, PreparedRequest};
use crate::json::write::{array, Obj};
use crate::schema::ValueType;
use crate::value::{format_uuid, parse_date, parse_uuid};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

const UNKNOWN: u32 = u32::MAX;

/// The first word of an entity record: its kind (the wrapper's `HERE`, `ELSEWHERE`, `TEXT`,
/// `NOTHING`, in pkg/api.mjs).
mod kind {
    /// At the request's workspace and type: the plan's attribute values follow.
    pub(super) const HERE: u32 = 0;
    /// In another workspace or of another type.
    pub(super) const ELSEWHERE: u32 = 1;
    /// Sent as JSON text: its byte offset and length follow.
    pub(super) const TEXT: u32 = 2;
    /// No entity.
    pub(super) const NOTHING: u32 = 3;
}
/// The answer when the wrapper encoded with an old plan.
const STALE: u32 = 1;

/// One attribute the plan reads.
struct PlanAttr {
    slot: usize,
    value_type: ValueType,
    /// The length of its dictionary (text and list attributes).
    texts: usize,
}

/// What the wrapper must write for an entity, at one version of the store, and the eligible
/// filters restated over the plan's dictionaries.
#[derive(Default)]
struct Plan {
    attrs: Vec<PlanAttr>,
    /// By slot: sorted, for text and list attributes, the texts the filters compare against.
    dicts: Vec<Vec<Box<str>>>,
    scope: SymScope,
    read: SymScope,
}

impl Plan {
    fn of(store: &PolicyStore, p: &PreparedRequest) -> Plan {
        let (Some(open), Some(read_scope)) = (p.open(), p.read_scope()) else {
            return Plan::default();
        };
        let t = &store.schema().entity_types[open.place.type_index];
        let mut texts: Vec<Vec<&str>> = vec![Vec::new(); t.attributes.len()];
        let mut read = vec![false; t.attributes.len()];
        for f in open.scope.filters.iter().chain(&read_scope.filters) {
            f.conditions(&mut |slot, values| {
                if let (Some(r), Some(ts)) = (read.get_mut(slot), texts.get_mut(slot)) {
                    *r = true;
                    ts.extend(values.iter().map(|v| &**v));
                }
            });
        }
        let dicts: Vec<Vec<Box<str>>> = texts
            .into_iter()
            .map(|ts| {
                let mut dict: Vec<Box<str>> = ts.into_iter().map(Box::from).collect();
                dict.sort_unstable();
                dict.dedup();
                dict
            })
            .collect();
        let attrs = t
            .attributes
            .iter()
            .enumerate()
            .filter(|(i, _)| read[*i])
            .map(|(slot, a)| PlanAttr { slot, value_type: a.value_type, texts: dicts[slot].len() })
            .collect();
        let type_index = open.place.type_index;
        let scope = SymScope::of(open.scope.all, &open.scope.filters, type_index, &dicts);
        let read = SymScope::of(read_scope.all, &read_scope.filters, type_index, &dicts);
        Plan { attrs, dicts, scope, read }
    }
}

/// Reads an entity record's words, never past what the wrapper wrote.
struct Words<'a> {
    words: &'a [u32],
    at: usize,
}

impl Words<'_> {
    #[inline(always)]
    fn next(&mut self) -> Result<u32, Misuse> {
        match self.words.get(self.at) {
            Some(&w) => {
                self.at += 1;
                Ok(w)
            }
            None => Err(ends_early()),
        }
    }
}

// The error paths out of line: the hot path stays small. The encoding is the package's own
// (its JavaScript layer writes it), so every way it can be malformed is one fault of the
// package, reported alike: a caller can do nothing about which.
#[inline(never)]
fn malformed() -> Misuse {
    Misuse("decider: the package's encoding of the input is malformed".into())
}

#[inline(never)]
fn ends_early() -> Misuse {
    malformed()
}

#[inline(never)]
fn outside_dictionary() -> Misuse {
    malformed()
}

/// A text attribute's index, checked against its dictionary.
#[inline(always)]
fn text_index(texts: usize, w: u32) -> Result<u32, Misuse> {
    if w == OTHER || (w as usize) < texts {
        Ok(w)
    } else {
        Err(outside_dictionary())
    }
}

fn bytes_str(bytes: &[u8], at: u32, len: u32) -> Result<&str, Misuse> {
    let (at, len) = (at as usize, len as usize);
    let b = at.checked_add(len).and_then(|end| bytes.get(at..end)).ok_or_else(malformed)?;
    std::str::from_utf8(b).map_err(|_| malformed())
}

/// One decoded entity record's kind. Small and `Copy`: the hot records (here, elsewhere)
/// carry nothing, and a JSON-text record is read out of line ([`text_row`]).
#[derive(Clone, Copy)]
enum Record {
    /// At the request's workspace and type; its attributes are in the scratch slots.
    Here,
    Elsewhere,
    /// JSON text, at these bytes of the input.
    Text {
        at: u32,
        len: u32,
    },
    Nothing,
}

/// A JSON-text record's entity, read as `Store.decide` reads it.
#[inline(never)]
fn text_row(
    store: &PolicyStore,
    bytes: &[u8],
    at: u32,
    len: u32,
) -> Result<Option<crate::grants::Row>, Misuse> {
    entity_row(store.schema(), bytes_str(bytes, at, len)?)
}

/// A request prepared for one key (see [`PreparedRequest`]), deciding entities written in the
/// plan's encoding. Made by `Store.prepare` in the wrapper.
#[wasm_bindgen]
pub struct Decider {
    store: Rc<RefCell<PolicyStore>>,
    prepared: PreparedRequest,
    plan: Plan,
    version: u32,
    /// Where the request is (`None` for an entity type that does not exist), for
    /// `sameWorkspace` and the plan.
    place: Option<Place>,
    entity_type: Option<String>,
    /// An entity's attributes, by slot, reused for every entity (only the plan's slots are
    /// ever written); `None` for an entity type that does not exist.
    scratch: Option<Vec<SymSlot>>,
    words: Vec<u32>,
    bytes: Vec<u8>,
    /// A list's matching record indexes.
    matched: Vec<u32>,
}

#[wasm_bindgen]
impl Decider {
    /// Prepare `request` (JSON: operation, workspace_id, entity_type, source_ip?) for a key.
    /// Throws a message for a malformed request or an operation that cannot be prepared.
    #[wasm_bindgen(constructor)]
    pub fn new(store: &Store, key_id: Option<String>, request: &str) -> Result<Decider, JsValue> {
        let req = super::request_from(request).map_err(|Misuse(m)| JsValue::from_str(&m))?;
        let shared = store.inner.clone();
        let s = shared.borrow();
        let prepared =
            s.prepare(key_id.as_deref(), &req).map_err(|e| JsValue::from_str(&e.to_string()))?;
        let type_index = s.schema().type_index(&req.entity_type);
        let scratch =
            type_index.map(|i| vec![SymSlot::Unknown; s.schema().entity_types[i].attributes.len()]);
        let plan = Plan::of(&s, &prepared);
        drop(s);
        Ok(Decider {
            store: shared,
            prepared,
            plan,
            version: 1,
            place: type_index
                .map(|type_index| Place { workspace: parse_uuid(&req.workspace_id), type_index }),
            entity_type: type_index.map(|_| req.entity_type.clone()),
            scratch,
            words: Vec::new(),
            bytes: Vec::new(),
            matched: Vec::new(),
        })
    }

    /// The plan as JSON: `{version, workspace, entityType, attrs: [{name, type, dict?}]}`.
    /// `workspace` is the request's workspace in canonical form: an entity whose
    /// `workspace_id` is exactly that text is in it (any other text: ask `sameWorkspace`).
    pub fn plan(&mut self) -> String {
        self.refresh();
        let store = self.store.borrow();
        let attrs: Vec<String> = self
            .entity_type
            .as_deref()
            .and_then(|name| store.schema().entity_type(name))
            .map(|t| {
                self.plan
                    .attrs
                    .iter()
                    .map(|a| {
                        let name = &t.attributes[a.slot].name;
                        let o = Obj::new().field("name", name).field("type", &a.value_type);
                        match a.value_type {
                            ValueType::Text | ValueType::List => {
                                o.field("dict", &self.plan.dicts[a.slot])
                            }
                            _ => o,
                        }
                        .end()
                    })
                    .collect()
            })
            .unwrap_or_default();
        Obj::new()
            .field("version", &self.version)
            .field("workspace", &self.place.and_then(|p| p.workspace).map(format_uuid))
            .field("entityType", &self.entity_type)
            .raw("attrs", &array(attrs))
            .end()
    }

    /// Whether an entity's `workspace_id` text names the request's workspace.
    #[wasm_bindgen(js_name = sameWorkspace)]
    pub fn same_workspace(&self, workspace_id: &str) -> bool {
        self.place.is_some_and(|p| p.holds_at(parse_uuid(workspace_id), p.type_index))
    }

    /// Make room for the wrapper's words and bytes; their addresses are then `wordsAt` and
    /// `bytesAt`, valid until the next `reserve`.
    pub fn reserve(&mut self, words: usize, bytes: usize) {
        if self.words.len() < words {
            self.words = vec![0; words];
        }
        if self.bytes.len() < bytes {
            self.bytes = vec![0; bytes];
        }
    }

    /// Where the wrapper writes an entity's words (see `reserve`).
    #[wasm_bindgen(js_name = wordsAt)]
    pub fn words_at(&mut self) -> *mut u32 {
        self.words.as_mut_ptr()
    }

    /// Where the wrapper writes an entity's text bytes (see `reserve`).
    #[wasm_bindgen(js_name = bytesAt)]
    pub fn bytes_at(&mut self) -> *mut u8 {
        self.bytes.as_mut_ptr()
    }

    /// Decide the one entity record in the first `words` words (a get or a download): the
    /// decision as one number (see [`super::decision_code`]), `STALE` (1) when `version` is
    /// not the plan's, 0 for misuse (see [`super::last_error`]). `id`, when given, is the id
    /// the request names; a JSON-text entity must carry it (the wrapper checks it for the
    /// others).
    #[wasm_bindgen(js_name = decideOne)]
    pub fn decide_one(
        &mut self,
        version: u32,
        words: usize,
        bytes: usize,
        id: Option<String>,
    ) -> u32 {
        if self.refresh() || version != self.version {
            return STALE;
        }
        let go = |d: &mut Decider| -> Result<u32, Misuse> {
            if d.prepared.operation() == Operation::List {
                return Err(Misuse("decider: a list decider decides with list()".into()));
            }
            let Decider { store, prepared, plan, scratch, words: w, bytes: b, .. } = d;
            let (words, bytes) = inputs(w, b, words, bytes)?;
            let mut r = Words { words, at: 0 };
            let decision =
                match (decode(plan, scratch.as_mut(), &mut r, bytes)?, scratch.as_deref()) {
                    (Record::Here, Some(slots)) => prepared.decide_by(Some(|read| {
                        if read {
                            plan.read.matches(slots)
                        } else {
                            plan.scope.matches(slots)
                        }
                    })),
                    (Record::Text { at, len }, _) => {
                        match text_row(&store.borrow(), bytes, at, len)? {
                            Some(row)
                                if prepared
                                    .open()
                                    .is_some_and(|o| o.place.holds(&row, id.as_deref())) =>
                            {
                                prepared.decide_entity(Some(&row.entity))
                            }
                            _ => prepared.decide_entity(None),
                        }
                    }
                    _ => prepared.decide_entity(None),
                };
            Ok(super::decision_code(&decision))
        };
        go(self).unwrap_or_else(remember)
    }

    /// Decide a list over the `count` entity records in the first `words` words: the decision
    /// as one number, `STALE` or 0 as for `decideOne`. For a 200 the matching records'
    /// indexes are at `matchedAt`, `matchedLength` of them.
    #[wasm_bindgen(js_name = decideMany)]
    pub fn decide_many(&mut self, version: u32, count: usize, words: usize, bytes: usize) -> u32 {
        if self.refresh() || version != self.version {
            return STALE;
        }
        let go = |d: &mut Decider| -> Result<u32, Misuse> {
            if d.prepared.operation() != Operation::List {
                return Err(Misuse("decider: only a list decider decides with list()".into()));
            }
            let Decider { store, prepared, plan, scratch, words: w, bytes: b, matched, .. } = d;
            let (words, bytes) = inputs(w, b, words, bytes)?;
            let mut r = Words { words, at: 0 };
            let store = store.borrow();
            matched.clear();
            for i in 0..count {
                let record = decode(plan, scratch.as_mut(), &mut r, bytes)?;
                let Some(open) = prepared.open() else { continue };
                let hit = match record {
                    Record::Here => {
                        scratch.as_deref().is_some_and(|slots| plan.scope.matches(slots))
                    }
                    Record::Text { at, len } => {
                        text_row(&store, bytes, at, len)?.is_some_and(|row| {
                            open.place.holds(&row, None) && open.scope.matches(&row.entity)
                        })
                    }
                    _ => false,
                };
                if hit {
                    matched.push(i as u32);
                }
            }
            Ok(super::decision_code(&prepared.list_outcome(matched.len())))
        };
        go(self).unwrap_or_else(remember)
    }

    /// Where a 200 list's matching record indexes are.
    #[wasm_bindgen(js_name = matchedAt)]
    pub fn matched_at(&self) -> *const u32 {
        self.matched.as_ptr()
    }

    /// How many records a 200 list matched.
    #[wasm_bindgen(js_name = matchedLength)]
    pub fn matched_length(&self) -> usize {
        self.matched.len()
    }
}

impl Decider {
    /// Follow the store: on a change, resolve again and publish a new plan. Whether it changed.
    fn refresh(&mut self) -> bool {
        let store = self.store.borrow();
        if !self.prepared.refresh(&store) {
            return false;
        }
        self.plan = Plan::of(&store, &self.prepared);
        self.version = self.version.wrapping_add(1).max(1);
        true
    }
}

/// The first `words` words and `bytes` bytes the wrapper wrote.
fn inputs<'a>(
    w: &'a [u32],
    b: &'a [u8],
    words: usize,
    bytes: usize,
) -> Result<(&'a [u32], &'a [u8]), Misuse> {
    match (w.get(..words), b.get(..bytes)) {
        (Some(w), Some(b)) => Ok((w, b)),
        _ => Err(malformed()),
    }
}

/// Read one entity record; a `Here` record's attributes go into `scratch`.
fn decode(
    plan: &Plan,
    scratch: Option<&mut Vec<SymSlot>>,
    r: &mut Words<'_>,
    bytes: &[u8],
) -> Result<Record, Misuse> {
    match r.next()? {
        kind::HERE => {
            // A `Here` record needs a known type, which scratch slots exist for.
            let slots = scratch.ok_or_else(malformed)?;
            for a in &plan.attrs {
                let slot = &mut slots[a.slot];
                match a.value_type {
                    ValueType::Text => {
                        let w = r.next()?;
                        let w = if w == UNKNOWN { None } else { Some(text_index(a.texts, w)?) };
                        match (slot, w) {
                            (SymSlot::Text(x), Some(w)) => *x = w,
                            (slot, w) => *slot = w.map_or(SymSlot::Unknown, SymSlot::Text),
                        }
                    }
                    ValueType::List => {
                        let n = r.next()?;
                        if n == UNKNOWN {
                            *slot = SymSlot::Unknown;
                            continue;
                        }
                        // The slot's bit set is kept from entity to entity: no allocation.
                        let mut bits = match std::mem::replace(slot, SymSlot::Unknown) {
                            SymSlot::List { mut bits, .. } => {
                                bits.clear();
                                bits
                            }
                            _ => Bits::new(a.texts),
                        };
                        let mut other = false;
                        for _ in 0..n {
                            let w = text_index(a.texts, r.next()?)?;
                            if w == OTHER {
                                other = true;
                            } else {
                                bits.insert(w);
                            }
                        }
                        *slot = SymSlot::List { bits, other };
                    }
                    ValueType::Number => {
                        *slot = match r.next()? {
                            0 => SymSlot::Unknown,
                            _ => {
                                let (lo, hi) = (r.next()?, r.next()?);
                                SymSlot::Value(Slot::Number(f64::from_bits(
                                    u64::from(lo) | u64::from(hi) << 32,
                                )))
                            }
                        };
                    }
                    ValueType::Bool => {
                        *slot = match r.next()? {
                            1 => SymSlot::Value(Slot::Bool(false)),
                            2 => SymSlot::Value(Slot::Bool(true)),
                            _ => SymSlot::Unknown,
                        };
                    }
                    ValueType::Uuid | ValueType::Date => {
                        let at = r.next()?;
                        if at == UNKNOWN {
                            *slot = SymSlot::Unknown;
                            continue;
                        }
                        let s = bytes_str(bytes, at, r.next()?)?;
                        let value = if a.value_type == ValueType::Uuid {
                            parse_uuid(s).map(Slot::Uuid)
                        } else {
                            parse_date(s).map(|d| Slot::Date(d.instant()))
                        };
                        *slot = value.map_or(SymSlot::Unknown, SymSlot::Value);
                    }
                }
            }
            Ok(Record::Here)
        }
        kind::ELSEWHERE => Ok(Record::Elsewhere),
        kind::TEXT => Ok(Record::Text { at: r.next()?, len: r.next()? }),
        kind::NOTHING => Ok(Record::Nothing),
        _ => Err(malformed()),
    }
}
