//! A system of record on a mapping's tables: entities kept whole beside the columns the
//! compiled queries read, with a version for optimistic updates, pages by keyset on id, capped
//! counts, and the most common values of an attribute. [`Records`] is what both SQL stores
//! offer a service; the statements are written here once, for either dialect.
//!
//! Each table carries three columns of the store's own beside the attributes' (no compiled
//! query reads them): `_version` (the entity's version, from 1), `_attributes` (the
//! attributes as written, JSON text, so an entity reads back exactly as it was stored, dates
//! and all) and `_text` (the lower-cased text a substring search runs on, see
//! [`TextSearch`]).

use crate::Error;
use portcullis::pushdown::{quote_identifier as quote, Dialect, SqlQuery, Storage, TableMapping};
use portcullis::value::{format_uuid, parse_uuid};
use portcullis::Entity;
use serde_json::{Map, Value};

/// The columns of the store's own, in [`TableMapping::create_statements_with`]'s form.
pub(crate) fn own_columns(dialect: Dialect) -> Vec<String> {
    let (int, text) = match dialect {
        Dialect::Postgres => ("bigint", "text"),
        Dialect::Sqlite => ("INTEGER", "TEXT"),
    };
    vec![
        format!("\"_version\" {int} NOT NULL DEFAULT 1"),
        format!("\"_attributes\" {text} NOT NULL DEFAULT '{{}}'"),
        format!("\"_text\" {text}"),
    ]
}

/// The table of per-type change sequences and the store's own settings.
pub(crate) fn meta_statements(dialect: Dialect) -> Vec<String> {
    let int = if dialect == Dialect::Postgres { "bigint" } else { "INTEGER" };
    vec![
        "CREATE TABLE IF NOT EXISTS \"portcullis_meta\" (\"key\" TEXT PRIMARY KEY, \"value\" TEXT NOT NULL)".into(),
        format!("CREATE TABLE IF NOT EXISTS \"portcullis_sequences\" (\"entity_type\" TEXT PRIMARY KEY, \"value\" {int} NOT NULL)"),
    ]
}

/// An entity as the store holds it: the entity and its version.
#[derive(Clone, Debug, PartialEq)]
pub struct Stored {
    /// The entity: its id and workspace canonical, its attributes as written.
    pub entity: Entity,
    /// Its version: 1 when created, one more on each replacement.
    pub version: i64,
}

/// What a replacement did.
#[derive(Clone, Debug, PartialEq)]
pub enum Replaced {
    /// Replaced: the entity as stored now.
    Done(Stored),
    /// The entity's version is not the one expected: it changed since it was read.
    Conflict,
    /// No such entity.
    Missing,
}

impl Replaced {
    /// What a replacement did, from whether its update took and the entity as it is after.
    pub(crate) fn of(done: bool, now: Option<Stored>) -> Replaced {
        match now {
            Some(s) if done => Replaced::Done(s),
            Some(_) => Replaced::Conflict,
            None => Replaced::Missing,
        }
    }
}

/// Which attribute a substring search (a data service's `q`) reads, per entity type: its text,
/// lower-cased with Rust's `to_lowercase`, is stored in `_text`, and a search for `q` matches
/// the entities whose `_text` contains `q` lower-cased the same way. No pattern language is
/// involved (`instr`, `strpos`), so `%`, `_` and `\` in `q` are plain characters.
#[derive(Clone, Debug, Default)]
pub struct TextSearch {
    by_type: Vec<(String, String)>,
}

impl TextSearch {
    /// Search `attribute` for entities of `entity_type`.
    pub fn with(mut self, entity_type: &str, attribute: &str) -> TextSearch {
        self.by_type.retain(|(t, _)| t != entity_type);
        self.by_type.push((entity_type.into(), attribute.into()));
        self
    }

    /// The text an entity is searched by, lower-cased; `None` when its type has no search
    /// attribute or its value is not a text.
    pub fn text_of(&self, e: &Entity) -> Option<String> {
        let (_, a) = self.by_type.iter().find(|(t, _)| *t == e.entity_type)?;
        e.attributes.get(a).and_then(Value::as_str).map(str::to_lowercase)
    }
}

/// The entities of a system of record, as a data service uses them. Every read is of one
/// entity type in one workspace; every query is compiled for the store's mapping and
/// dialect.
pub trait Records {
    /// The entity with this id, or `None`.
    fn get(
        &mut self,
        entity_type: &str,
        workspace: &str,
        id: &str,
    ) -> Result<Option<Stored>, Error>;

    /// The entities with these ids that exist, in id order.
    fn get_many(
        &mut self,
        entity_type: &str,
        workspace: &str,
        ids: &[String],
    ) -> Result<Vec<Stored>, Error>;

    /// Store a new entity at version 1; `None` when one with its id exists.
    fn create(&mut self, e: &Entity) -> Result<Option<Stored>, Error>;

    /// Replace an entity's attributes if its version is `expected`.
    fn replace(&mut self, e: &Entity, expected: i64) -> Result<Replaced, Error>;

    /// A page: the entities `q` matches (and whose search text contains `text`, when given)
    /// with ids after `after`, in id order, at most `limit`.
    fn page(
        &mut self,
        entity_type: &str,
        workspace: &str,
        q: &SqlQuery,
        text: Option<&str>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Stored>, Error>;

    /// The ids of a page, as [`Records::page`] without the search text.
    fn page_ids(
        &mut self,
        entity_type: &str,
        workspace: &str,
        q: &SqlQuery,
        limit: usize,
    ) -> Result<Vec<String>, Error>;

    /// How many entities `q` matches, counting no further than `cap`.
    fn count(
        &mut self,
        entity_type: &str,
        workspace: &str,
        q: &SqlQuery,
        cap: usize,
    ) -> Result<usize, Error>;

    /// The most common values of an attribute (each element of a list) among at most
    /// `sample` entities of the workspace, most common first, at most `limit`.
    fn values(
        &mut self,
        entity_type: &str,
        workspace: &str,
        attribute: &str,
        sample: usize,
        limit: usize,
    ) -> Result<Vec<(Value, u64)>, Error>;

    /// Remove every entity.
    fn clear(&mut self) -> Result<(), Error>;

    /// Create the indexes the compiled queries use, where missing (after a first bulk
    /// [`Records::load`], where they cost least), and refresh the planner's statistics.
    fn create_indexes(&mut self) -> Result<(), Error>;

    /// Add entities in bulk, each at version 1 (a first load: none of them exists yet).
    fn load(&mut self, entities: &[Entity]) -> Result<(), Error>;

    /// The change sequence of an entity type: one more after each create or replace of one
    /// of its entities, in the same transaction.
    fn sequence(&mut self, entity_type: &str) -> Result<i64, Error>;

    /// A setting of the store's own (`None` when unset).
    fn setting(&mut self, key: &str) -> Result<Option<String>, Error>;

    /// Set a setting of the store's own.
    fn set_setting(&mut self, key: &str, value: &str) -> Result<(), Error>;

    /// Every entity of a type, in batches of at most `batch`, in id order within each
    /// workspace (to build an index from the database).
    fn scan(
        &mut self,
        entity_type: &str,
        batch: usize,
        each: &mut dyn FnMut(Vec<Entity>) -> Result<(), Error>,
    ) -> Result<(), Error>;
}

/// A UUID as the store holds ids: canonical text.
pub(crate) fn canonical(s: &str) -> Result<String, Error> {
    parse_uuid(s).map(format_uuid).ok_or_else(|| Error::NotAUuid(s.into()))
}

/// An entity read back from its stored parts.
pub(crate) fn entity_of(
    t: &TableMapping,
    id: String,
    workspace: String,
    attributes: &str,
) -> Result<Entity, Error> {
    let attributes: Map<String, Value> =
        serde_json::from_str(attributes).map_err(|e| Error::Corrupt(e.to_string()))?;
    Ok(Entity { id, workspace_id: workspace, entity_type: t.entity_type.clone(), attributes })
}

/// The statements of one table, in one dialect. Placeholders are numbered after the compiled
/// query's own parameters, which come first.
pub(crate) struct Statements<'a> {
    pub(crate) t: &'a TableMapping,
    pub(crate) dialect: Dialect,
}

impl Statements<'_> {
    fn mark(&self, n: usize) -> String {
        match self.dialect {
            Dialect::Postgres => format!("${n}"),
            Dialect::Sqlite => format!("?{n}"),
        }
    }

    fn id(&self) -> String {
        quote(&self.t.id)
    }

    /// The id column qualified by its table, for `ORDER BY`: the select list names its
    /// PostgreSQL text cast `id` too, and ordering by that would sort texts rather than walk
    /// the primary key.
    fn order(&self) -> String {
        format!("{}.{}", self.table(), self.id())
    }

    fn ws(&self) -> String {
        quote(&self.t.workspace)
    }

    fn table(&self) -> String {
        quote(&self.t.table)
    }

    /// What a read selects: id, workspace, version, attributes (PostgreSQL's uuids as text).
    fn read_columns(&self) -> String {
        let cast = if self.dialect == Dialect::Postgres { "::text" } else { "" };
        format!("{}{cast}, {}{cast}, \"_version\", \"_attributes\"", self.id(), self.ws())
    }

    /// `SELECT … WHERE workspace = $1 AND id = $2`.
    pub(crate) fn get(&self) -> String {
        format!(
            "SELECT {} FROM {} WHERE {} = {} AND {} = {}",
            self.read_columns(),
            self.table(),
            self.ws(),
            self.mark(1),
            self.id(),
            self.mark(2)
        )
    }

    /// The entities of the workspace (`$1`) whose id is one of `$2`.
    pub(crate) fn get_many(&self) -> String {
        let any = match self.dialect {
            Dialect::Postgres => format!("= ANY({})", self.mark(2)),
            Dialect::Sqlite => format!("IN (SELECT value FROM json_each({}))", self.mark(2)),
        };
        format!(
            "SELECT {} FROM {} WHERE {} = {} AND {} {any} ORDER BY {}",
            self.read_columns(),
            self.table(),
            self.ws(),
            self.mark(1),
            self.id(),
            self.order()
        )
    }

    /// Every column written on insert, in order: id, workspace, the attributes', then the
    /// store's own.
    pub(crate) fn insert(&self, conflict: &str) -> String {
        let columns = self.columns();
        let marks: Vec<String> = (1..=columns.len()).map(|i| self.mark(i)).collect();
        format!(
            "INSERT INTO {} ({}) VALUES ({}) {conflict}",
            self.table(),
            columns.join(", "),
            marks.join(", ")
        )
    }

    /// The columns a row is written in, quoted, in order: id, workspace, the attributes',
    /// then the store's own (an insert's, and a bulk `COPY`'s).
    pub(crate) fn columns(&self) -> Vec<String> {
        let mut columns = vec![self.id(), self.ws()];
        columns.extend(self.t.columns.iter().map(|c| quote(&c.column)));
        columns.extend(["\"_version\"", "\"_attributes\"", "\"_text\""].map(String::from));
        columns
    }

    /// [`Self::insert`], replacing the row of (workspace, id) when there is one (both
    /// dialects' upsert).
    pub(crate) fn upsert(&self) -> String {
        let updates: Vec<String> =
            self.columns()[2..].iter().map(|c| format!("{c} = excluded.{c}")).collect();
        self.insert(&format!(
            "ON CONFLICT ({}, {}) DO UPDATE SET {}",
            self.ws(),
            self.id(),
            updates.join(", ")
        ))
    }

    /// Replace the attribute columns of (workspace, id) at version `expected`; the
    /// parameters as [`Self::insert`]'s, then the expected version.
    pub(crate) fn replace(&self) -> String {
        let mut sets = Vec::new();
        let mut n = 3;
        for c in &self.t.columns {
            sets.push(format!("{} = {}", quote(&c.column), self.mark(n)));
            n += 1;
        }
        sets.push(format!("\"_version\" = {}", self.mark(n)));
        sets.push(format!("\"_attributes\" = {}", self.mark(n + 1)));
        sets.push(format!("\"_text\" = {}", self.mark(n + 2)));
        format!(
            "UPDATE {} SET {} WHERE {} = {} AND {} = {} AND \"_version\" = {}",
            self.table(),
            sets.join(", "),
            self.id(),
            self.mark(1),
            self.ws(),
            self.mark(2),
            self.mark(n + 3)
        )
    }

    /// The body of a query over the workspace: `FROM … WHERE workspace = $k AND (q)`, with
    /// the search text and the keyset bound when given. Returns the text and the next free
    /// placeholder number; the caller binds workspace, text, after in that order.
    fn matching(&self, q: &SqlQuery, text: bool, after: bool) -> (String, usize) {
        let mut n = q.params.len() + 1;
        let mut sql =
            format!("FROM {} WHERE {} = {} AND ({})", self.table(), self.ws(), self.mark(n), q.sql);
        n += 1;
        if text {
            let has = match self.dialect {
                Dialect::Postgres => format!("strpos(\"_text\", {}) > 0", self.mark(n)),
                Dialect::Sqlite => format!("instr(\"_text\", {}) > 0", self.mark(n)),
            };
            sql.push_str(&format!(" AND {has}"));
            n += 1;
        }
        if after {
            sql.push_str(&format!(" AND {} > {}", self.id(), self.mark(n)));
            n += 1;
        }
        (sql, n)
    }

    /// A page: the compiled query's parameters, then workspace, text?, after?, limit.
    pub(crate) fn page(&self, q: &SqlQuery, text: bool, after: bool) -> String {
        let (body, n) = self.matching(q, text, after);
        format!(
            "SELECT {} {body} ORDER BY {} LIMIT {}",
            self.read_columns(),
            self.order(),
            self.mark(n)
        )
    }

    /// A page's ids: the compiled query's parameters, then workspace, limit.
    pub(crate) fn page_ids(&self, q: &SqlQuery) -> String {
        let (body, n) = self.matching(q, false, false);
        let cast = if self.dialect == Dialect::Postgres { "::text" } else { "" };
        format!(
            "SELECT {}{cast} {body} ORDER BY {} LIMIT {}",
            self.id(),
            self.order(),
            self.mark(n)
        )
    }

    /// A count that stops at the cap: the compiled query's parameters, then workspace, cap.
    pub(crate) fn count(&self, q: &SqlQuery) -> String {
        let (body, n) = self.matching(q, false, false);
        format!("SELECT count(*) FROM (SELECT 1 {body} LIMIT {}) AS capped", self.mark(n))
    }

    /// The most common values of a column among a bounded sample of the workspace: workspace
    /// `$1`, sample `$2`, limit `$3`. Lists are counted element by element.
    pub(crate) fn values(&self, column: &str, storage: Storage) -> String {
        let c = quote(column);
        let sample = format!(
            "SELECT {c} AS v FROM {} WHERE {} = {} AND {c} IS NOT NULL LIMIT {}",
            self.table(),
            self.ws(),
            self.mark(1),
            self.mark(2)
        );
        let (value, from) = match (self.dialect, storage) {
            (Dialect::Postgres, Storage::TextList) => {
                ("e".to_string(), format!("({sample}) AS s, unnest(s.v) AS e"))
            }
            (Dialect::Sqlite, Storage::TextList) => {
                ("e.value".to_string(), format!("({sample}) AS s, json_each(s.v) AS e"))
            }
            (Dialect::Postgres, Storage::Uuid) => {
                ("s.v::text".to_string(), format!("({sample}) AS s"))
            }
            _ => ("s.v".to_string(), format!("({sample}) AS s")),
        };
        format!(
            "SELECT {value} AS value, count(*) AS n FROM {from} GROUP BY {value} ORDER BY n DESC, {value} LIMIT {}",
            self.mark(3)
        )
    }

    /// Every entity of the table, in (workspace, id) order, after a keyset bound of
    /// (workspace `$1`, id `$2`), at most `$3`.
    pub(crate) fn scan(&self, first: bool) -> String {
        let bound = if first {
            String::new()
        } else {
            format!("WHERE ({}, {}) > ({}, {}) ", self.ws(), self.id(), self.mark(1), self.mark(2))
        };
        let limit = if first { self.mark(1) } else { self.mark(3) };
        format!(
            "SELECT {} FROM {} {bound}ORDER BY {}.{}, {} LIMIT {limit}",
            self.read_columns(),
            self.table(),
            self.table(),
            self.ws(),
            self.order()
        )
    }
}
