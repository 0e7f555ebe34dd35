//! A world: firms, filters and entities in one document (the conformance format), loaded into
//! a [`PolicyStore`] plus an in-memory entity table, for one-shot decisions, the CLI and tests.

use super::explain::Explanation;
use super::model::{Decision, FilterRecord, Firm, Key, Request};
use super::outcome::Step;
use super::row::{Data, Row};
use super::store::{GrantReport, KeyChange, PolicyStore};
use crate::diagnostic::Diagnostic;
use crate::eval::Entity;
use crate::record::{deserialize_via_reader, Fields, ReadError};
use crate::schema::Schema;

/// The document form of a world.
#[derive(Clone, Debug, Default)]
pub struct World {
    /// The firms and their workspaces.
    pub firms: Vec<Firm>,
    /// The stored filters.
    pub filters: Vec<FilterRecord>,
    /// The entities.
    pub entities: Vec<Entity>,
}

impl World {
    fn read(v: &serde_json::Value, path: String) -> Result<World, ReadError> {
        let f = Fields::of(v, path)?;
        Ok(World {
            firms: f.list("firms", Firm::read)?,
            filters: f.list("filters", FilterRecord::read)?,
            entities: f.list("entities", Entity::read)?,
        })
    }
}

deserialize_via_reader!(World, World::read);

/// A world loaded: the store, and the entities as rows.
///
/// A world is for one-shot decisions (a document in, a decision out), so its rows are a plain
/// list ([`Data::for_request`] picks a request's data from it): no index is built that a
/// single decision would not repay.
#[derive(Clone, Debug)]
pub struct LoadedWorld {
    /// The firms and filters, compiled.
    pub store: PolicyStore,
    /// The entities that are rows (see [`Row`]), in document order.
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
        let rows = self.entities.iter().filter_map(|e| Row::new(store.schema(), e).ok()).collect();
        LoadedWorld { store, rows, problems }
    }
}

impl LoadedWorld {
    fn data_for(&self, req: &Request) -> Data<'_> {
        Data::for_request(req, &self.rows)
    }

    /// Decide a request for a key given in full (`None`: unknown credentials).
    pub fn decide(&self, key: Option<&Key>, req: &Request) -> Decision {
        let compiled = key.map(|k| self.store.compile_key(k));
        self.store.decide_for(compiled.as_ref(), req, self.data_for(req))
    }

    /// Decide and explain.
    pub fn explain(&self, key: Option<&Key>, req: &Request) -> Explanation {
        let compiled = key.map(|k| self.store.compile_key(k));
        self.store.explain_for(compiled.as_ref(), req, self.data_for(req))
    }

    /// SPEC 4.4 step 1 for a key given in full (`None`: unknown credentials).
    pub fn check_credentials(
        &self,
        key: Option<&Key>,
        source_ip: Option<&str>,
    ) -> Result<(), Step> {
        let compiled = key.map(|k| self.store.compile_key(k));
        self.store.check_credentials_for(compiled.as_ref(), source_ip)
    }

    /// Validate a change to a key against this world (see [`KeyChange`]).
    pub fn validate_key_change(&self, change: &KeyChange<'_>) -> GrantReport {
        self.store.validate_key_change(change)
    }

    /// Validate a key's grants against this world.
    pub fn validate_key(&self, key: &Key) -> GrantReport {
        self.store.validate_key(key)
    }
}
