//! A world: firms, filters and entities in one document (the conformance format), loaded into
//! a [`PolicyStore`] plus an in-memory entity table, for one-shot decisions, the CLI and tests.

use super::decide::{Data, Explanation, Row};
use super::model::{Decision, Firm, FilterRecord, Key, Operation, Request};
use super::store::{GrantReport, PolicyStore};
use crate::diagnostic::Diagnostic;
use crate::eval::Entity;
use crate::schema::Schema;
use crate::value::parse_uuid;
use crate::record::{deserialize_via_reader, Fields, ReadError};
use std::collections::HashMap;

/// The document form of a world.
#[derive(Clone, Debug, Default)]
pub struct World {
    pub firms: Vec<Firm>,
    pub filters: Vec<FilterRecord>,
    pub entities: Vec<Entity>,
}

impl World {
    fn read(v: &serde_json::Value, path: String) -> Result<World, ReadError> {
        let f = Fields::of(v, path)?;
        Ok(World { firms: f.list("firms", Firm::read)?, filters: f.list("filters", FilterRecord::read)?, entities: f.list("entities", Entity::read)? })
    }
}

deserialize_via_reader!(World, World::read);

/// A world loaded: the store, and the entities by (workspace, type) and by id.
#[derive(Clone, Debug)]
pub struct LoadedWorld {
    pub store: PolicyStore,
    rows: HashMap<(u128, usize), Vec<Row>>,
    by_id: HashMap<u128, (u128, usize, usize)>,
    /// Problems met while loading (an invalid filter is left out and so grants nothing).
    pub problems: Vec<Diagnostic>,
}

impl World {
    /// Compile the world.
    pub fn load(&self, schema: Schema) -> LoadedWorld {
        let mut store = PolicyStore::new(schema);
        let mut problems = Vec::new();
        for f in &self.firms {
            if let Err(d) = store.put_firm(f) {
                problems.push(d);
            }
        }
        for f in &self.filters {
            if let Err(mut ds) = store.put_filter(f.clone()) {
                problems.append(&mut ds);
            }
        }
        let mut rows: HashMap<(u128, usize), Vec<Row>> = HashMap::new();
        let mut by_id = HashMap::new();
        for e in &self.entities {
            let (Some(row), Some(ws), Some(id)) = (Row::new(store.schema(), e), parse_uuid(&e.workspace_id), parse_uuid(&e.id)) else { continue };
            let t = row.entity.type_index;
            let list = rows.entry((ws, t)).or_default();
            by_id.insert(id, (ws, t, list.len()));
            list.push(row);
        }
        LoadedWorld { store, rows, by_id, problems }
    }
}

impl LoadedWorld {
    fn data_for(&self, req: &Request) -> Data<'_> {
        let ws = parse_uuid(&req.workspace_id);
        let t = self.store.schema().type_index(&req.entity_type);
        match req.operation {
            Operation::Create => Data::Nothing,
            Operation::List => match (ws, t) {
                (Some(ws), Some(t)) => Data::Many(self.rows.get(&(ws, t)).map_or(&[], Vec::as_slice)),
                _ => Data::Many(&[]),
            },
            _ => {
                let row = req.id.as_deref().and_then(parse_uuid).and_then(|id| self.by_id.get(&id)).and_then(|&(ews, et, i)| {
                    (Some(ews) == ws && Some(et) == t).then(|| &self.rows[&(ews, et)][i])
                });
                Data::One(row)
            }
        }
    }

    /// Decide a request for a key given in full (`None`: unknown credentials).
    pub fn decide(&self, key: Option<&Key>, req: &Request) -> Decision {
        let compiled = key.map(|k| self.store.compile_key(k));
        self.store.decide_for(compiled.as_ref(), req, self.data_for(req)).0
    }

    /// Decide and explain.
    pub fn explain(&self, key: Option<&Key>, req: &Request) -> Explanation {
        let compiled = key.map(|k| self.store.compile_key(k));
        self.store.explain_for(compiled.as_ref(), req, self.data_for(req))
    }

    /// Validate a key's grants against this world.
    pub fn validate_key(&self, key: &Key) -> GrantReport {
        self.store.validate_key(key)
    }
}
