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

/// A world loaded: the store, and the entities as rows.
///
/// A world is for one-shot decisions (a document in, a decision out), so its rows are a plain
/// list: a list decision looks at the rows of its workspace and type itself, and a single
/// entity is found by one pass. No index is built that a single decision would not repay.
#[derive(Clone, Debug)]
pub struct LoadedWorld {
    pub store: PolicyStore,
    /// The entities of known types whose id and workspace are UUIDs, in document order.
    rows: Vec<Row>,
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
        let rows = self
            .entities
            .iter()
            .filter(|e| parse_uuid(&e.workspace_id).is_some() && parse_uuid(&e.id).is_some())
            .filter_map(|e| Row::new(store.schema(), e))
            .collect();
        LoadedWorld { store, rows, problems }
    }
}

impl LoadedWorld {
    fn data_for(&self, req: &Request) -> Data<'_> {
        match req.operation {
            Operation::Create => Data::Nothing,
            // The decision keeps the rows of the request's workspace and type.
            Operation::List => Data::Many(&self.rows),
            // The entity with the request's id (the last, if the world repeats an id); the
            // decision checks that it lives in the request's workspace and type.
            _ => {
                let id = req.id.as_deref().and_then(parse_uuid);
                Data::One(id.and_then(|id| self.rows.iter().rev().find(|r| parse_uuid(&r.id) == Some(id))))
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
