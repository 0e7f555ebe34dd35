//! Entities in SQLite, in the tables of a mapping, queried with compiled filters.
//!
//! Each attribute's value is stored as its column's [`Storage`] holds it; a value of the wrong
//! type for its attribute (a list holding a number, a date that is no date) is stored as NULL,
//! which the compiled queries, like the engine, read as unknown.

use crate::records::{
    canonical, entity_of, meta_statements, own_columns, Records, Replaced, Statements, Stored,
    TextSearch,
};
use crate::Error;
use portcullis::pushdown::{
    encode_instant, quote_identifier as quote, Dialect, Mapping, Param, SqlQuery, Storage,
    TableMapping,
};
use portcullis::value::{format_uuid, parse_date, parse_uuid};
use portcullis::{Entity, Schema};
use rusqlite::types::{ToSqlOutput, Value as SqlValue};
use rusqlite::{params_from_iter, Connection, OptionalExtension, ToSql, TransactionBehavior};
use serde_json::Value;

/// One more on a type's change sequence, returning it (both dialects).
pub(crate) const BUMP: &str = "INSERT INTO \"portcullis_sequences\" (\"entity_type\", \"value\") VALUES (?1, 1) ON CONFLICT (\"entity_type\") DO UPDATE SET \"value\" = \"portcullis_sequences\".\"value\" + 1 RETURNING \"value\"";

/// An SQLite database holding entities in a mapping's tables.
pub struct SqliteStore {
    conn: Connection,
    mapping: Mapping,
    text: TextSearch,
}

impl SqliteStore {
    /// A new in-memory database with the mapping's tables.
    pub fn in_memory(schema: &Schema, mapping: Mapping) -> Result<SqliteStore, Error> {
        SqliteStore::with(Connection::open_in_memory()?, schema, mapping)
    }

    /// The database in the file at `path` (made when missing), with the mapping's tables.
    pub fn open(
        path: &std::path::Path,
        schema: &Schema,
        mapping: Mapping,
    ) -> Result<SqliteStore, Error> {
        SqliteStore::with(Connection::open(path)?, schema, mapping)
    }

    /// [`Self::open`], creating the tables but not yet their indexes: a first bulk
    /// [`Records::load`] is faster with the indexes built after it
    /// ([`Records::create_indexes`]).
    pub fn open_without_indexes(
        path: &std::path::Path,
        schema: &Schema,
        mapping: Mapping,
    ) -> Result<SqliteStore, Error> {
        SqliteStore::with_tables(Connection::open(path)?, schema, mapping)
    }

    fn with(conn: Connection, schema: &Schema, mapping: Mapping) -> Result<SqliteStore, Error> {
        let mut store = SqliteStore::with_tables(conn, schema, mapping)?;
        Records::create_indexes(&mut store)?;
        Ok(store)
    }

    fn with_tables(
        conn: Connection,
        schema: &Schema,
        mapping: Mapping,
    ) -> Result<SqliteStore, Error> {
        // Readers never wait for the writer (WAL), and a writer waits its turn rather than
        // failing while another connection writes.
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        for statement in meta_statements(Dialect::Sqlite) {
            conn.execute(&statement, [])?;
        }
        let own = own_columns(Dialect::Sqlite);
        for t in &mapping.tables {
            if schema.entity_type(&t.entity_type).is_none() {
                return Err(Error::UnmappedEntityType(t.entity_type.clone()));
            }
            conn.execute(&t.create_statements_with(Dialect::Sqlite, &own)[0], [])?;
        }
        Ok(SqliteStore { conn, mapping, text: TextSearch::default() })
    }

    /// Search entities' text as `text` says (see [`TextSearch`]), for entities written from
    /// now on.
    pub fn with_text_search(mut self, text: TextSearch) -> SqliteStore {
        self.text = text;
        self
    }

    /// The mapping the tables follow.
    pub fn mapping(&self) -> &Mapping {
        &self.mapping
    }

    /// Remove every entity.
    pub fn clear(&mut self) -> Result<(), Error> {
        for t in &self.mapping.tables {
            self.conn.execute(&format!("DELETE FROM {}", quote(&t.table)), [])?;
        }
        Ok(())
    }

    fn table(&self, entity_type: &str) -> Result<&TableMapping, Error> {
        self.mapping.table(entity_type).ok_or_else(|| Error::UnmappedEntityType(entity_type.into()))
    }

    /// Store an entity (replacing one with its id in its workspace) at version 1. Its id and
    /// workspace are stored canonical; each attribute as its column holds it, NULL when
    /// absent or of the wrong type.
    pub fn insert(&mut self, e: &Entity) -> Result<(), Error> {
        let t = self.table(&e.entity_type)?;
        let sql = Statements { t, dialect: Dialect::Sqlite }.upsert();
        self.conn.execute(&sql, params_from_iter(self.row(t, e, 1)?))?;
        Ok(())
    }

    /// An entity's parameters for [`Statements::insert`] and [`Statements::replace`].
    fn row(&self, t: &TableMapping, e: &Entity, version: i64) -> Result<Vec<SqlValue>, Error> {
        let mut values =
            vec![SqlValue::Text(canonical(&e.id)?), SqlValue::Text(canonical(&e.workspace_id)?)];
        for c in &t.columns {
            values.push(stored(c.storage, e.attributes.get(&c.attribute)));
        }
        values.push(SqlValue::Integer(version));
        values.push(SqlValue::Text(Value::Object(e.attributes.clone()).to_string()));
        values.push(self.text.text_of(e).map_or(SqlValue::Null, SqlValue::Text));
        Ok(values)
    }

    fn read(
        &self,
        sql: &str,
        params: Vec<Bound<'_>>,
        t: &TableMapping,
    ) -> Result<Vec<Stored>, Error> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let mut rows = stmt.query(params_from_iter(params))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let attributes: String = r.get(3)?;
            out.push(Stored {
                entity: entity_of(t, r.get(0)?, r.get(1)?, &attributes)?,
                version: r.get(2)?,
            });
        }
        Ok(out)
    }

    /// The ids of the entities of a type in a workspace that a compiled query (for this
    /// mapping, in the SQLite dialect) matches, in id order.
    pub fn ids(
        &self,
        entity_type: &str,
        workspace: &str,
        q: &SqlQuery,
    ) -> Result<Vec<String>, Error> {
        let t = self.table(entity_type)?;
        let sql = t.select_ids(Dialect::Sqlite, q);
        let params = bound_in(q, workspace)?;
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(params), |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// An attribute value as its column holds it; NULL when absent or of the wrong type.
fn stored(storage: Storage, v: Option<&Value>) -> SqlValue {
    match (storage, v) {
        (Storage::Text, Some(Value::String(s))) => SqlValue::Text(s.clone()),
        (Storage::Number, Some(Value::Number(n))) => {
            n.as_f64().map_or(SqlValue::Null, SqlValue::Real)
        }
        (Storage::Bool, Some(Value::Bool(b))) => SqlValue::Integer(i64::from(*b)),
        (Storage::Uuid, Some(Value::String(s))) => {
            parse_uuid(s).map_or(SqlValue::Null, |u| SqlValue::Text(format_uuid(u)))
        }
        (Storage::Instant, Some(Value::String(s))) => {
            parse_date(s).map_or(SqlValue::Null, |d| SqlValue::Text(encode_instant(d.instant())))
        }
        (Storage::TextList, Some(Value::Array(items))) if items.iter().all(Value::is_string) => {
            SqlValue::Text(Value::Array(items.clone()).to_string())
        }
        _ => SqlValue::Null,
    }
}

/// A parameter, bound as SQLite takes it: a compiled query's (lists as JSON array text), or
/// one of the store's own.
enum Bound<'a> {
    Param(&'a Param),
    Text(String),
    Int(i64),
}

impl ToSql for Bound<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Bound::Text(s) => ToSqlOutput::from(s.as_str()),
            Bound::Int(n) => ToSqlOutput::from(*n),
            Bound::Param(p) => match p {
                Param::Text(s) | Param::Uuid(s) => ToSqlOutput::from(s.as_str()),
                Param::Number(n) => ToSqlOutput::from(*n),
                Param::Bool(b) => ToSqlOutput::from(i64::from(*b)),
                Param::Texts(vs) | Param::Uuids(vs) => {
                    ToSqlOutput::from(serde_json::to_string(vs).unwrap_or_default())
                }
                Param::Numbers(vs) => {
                    ToSqlOutput::from(serde_json::to_string(vs).unwrap_or_default())
                }
            },
        })
    }
}

/// A compiled query's parameters, then the workspace's: how every query of a workspace binds.
fn bound_in<'a>(q: &'a SqlQuery, workspace: &str) -> Result<Vec<Bound<'a>>, Error> {
    let mut params: Vec<Bound<'a>> = q.params.iter().map(Bound::Param).collect();
    params.push(Bound::Text(canonical(workspace)?));
    Ok(params)
}

/// A count or limit as SQLite binds it.
fn int(n: usize) -> Bound<'static> {
    Bound::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

impl Records for SqliteStore {
    fn get(
        &mut self,
        entity_type: &str,
        workspace: &str,
        id: &str,
    ) -> Result<Option<Stored>, Error> {
        let t = self.table(entity_type)?;
        let (ws, id) = (canonical(workspace)?, canonical(id)?);
        let sql = Statements { t, dialect: Dialect::Sqlite }.get();
        Ok(self.read(&sql, vec![Bound::Text(ws), Bound::Text(id)], t)?.pop())
    }

    fn get_many(
        &mut self,
        entity_type: &str,
        workspace: &str,
        ids: &[String],
    ) -> Result<Vec<Stored>, Error> {
        let t = self.table(entity_type)?;
        let ids: Vec<String> = ids.iter().map(|i| canonical(i)).collect::<Result<_, _>>()?;
        let sql = Statements { t, dialect: Dialect::Sqlite }.get_many();
        let list = serde_json::to_string(&ids).unwrap_or_default();
        self.read(&sql, vec![Bound::Text(canonical(workspace)?), Bound::Text(list)], t)
    }

    fn create(&mut self, e: &Entity) -> Result<Option<Stored>, Error> {
        let t = self.table(&e.entity_type)?.clone();
        let row = self.row(&t, e, 1)?;
        let sql = Statements { t: &t, dialect: Dialect::Sqlite }.insert("ON CONFLICT DO NOTHING");
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let inserted = tx.execute(&sql, params_from_iter(row))? == 1;
        if inserted {
            tx.query_row(BUMP, [&e.entity_type], |r| r.get::<_, i64>(0))?;
        }
        tx.commit()?;
        if !inserted {
            return Ok(None);
        }
        self.get(&e.entity_type, &e.workspace_id, &e.id)
    }

    fn replace(&mut self, e: &Entity, expected: i64) -> Result<Replaced, Error> {
        let t = self.table(&e.entity_type)?.clone();
        let mut row = self.row(&t, e, expected.saturating_add(1))?;
        row.push(SqlValue::Integer(expected));
        let sql = Statements { t: &t, dialect: Dialect::Sqlite }.replace();
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let done = tx.execute(&sql, params_from_iter(row))? == 1;
        if done {
            tx.query_row(BUMP, [&e.entity_type], |r| r.get::<_, i64>(0))?;
        }
        tx.commit()?;
        Ok(Replaced::of(done, self.get(&e.entity_type, &e.workspace_id, &e.id)?))
    }

    fn page(
        &mut self,
        entity_type: &str,
        workspace: &str,
        q: &SqlQuery,
        text: Option<&str>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Stored>, Error> {
        let t = self.table(entity_type)?;
        let sql =
            Statements { t, dialect: Dialect::Sqlite }.page(q, text.is_some(), after.is_some());
        let mut params = bound_in(q, workspace)?;
        if let Some(text) = text {
            params.push(Bound::Text(text.to_lowercase()));
        }
        if let Some(after) = after {
            params.push(Bound::Text(canonical(after)?));
        }
        params.push(int(limit));
        self.read(&sql, params, t)
    }

    fn page_ids(
        &mut self,
        entity_type: &str,
        workspace: &str,
        q: &SqlQuery,
        limit: usize,
    ) -> Result<Vec<String>, Error> {
        let t = self.table(entity_type)?;
        let sql = Statements { t, dialect: Dialect::Sqlite }.page_ids(q);
        let mut params = bound_in(q, workspace)?;
        params.push(int(limit));
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(params), |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn count(
        &mut self,
        entity_type: &str,
        workspace: &str,
        q: &SqlQuery,
        cap: usize,
    ) -> Result<usize, Error> {
        let t = self.table(entity_type)?;
        let sql = Statements { t, dialect: Dialect::Sqlite }.count(q);
        let mut params = bound_in(q, workspace)?;
        params.push(int(cap));
        let n: i64 =
            self.conn.prepare_cached(&sql)?.query_row(params_from_iter(params), |r| r.get(0))?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    fn values(
        &mut self,
        entity_type: &str,
        workspace: &str,
        attribute: &str,
        sample: usize,
        limit: usize,
    ) -> Result<Vec<(Value, u64)>, Error> {
        let t = self.table(entity_type)?;
        let c = t.column(attribute).ok_or_else(|| Error::UnknownAttribute(attribute.into()))?;
        if c.storage == Storage::Instant {
            return Err(Error::UnknownAttribute(attribute.into()));
        }
        let storage = c.storage;
        let sql = Statements { t, dialect: Dialect::Sqlite }.values(&c.column, storage);
        let params = vec![Bound::Text(canonical(workspace)?), int(sample), int(limit)];
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(params), |r| {
            Ok((r.get::<_, SqlValue>(0)?, r.get::<_, i64>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (v, n) = row?;
            let v = match (storage, v) {
                (Storage::Bool, SqlValue::Integer(i)) => Value::Bool(i != 0),
                (_, SqlValue::Integer(i)) => Value::from(i),
                (_, SqlValue::Real(f)) => Value::from(f),
                (_, SqlValue::Text(s)) => Value::String(s),
                _ => continue,
            };
            out.push((v, u64::try_from(n).unwrap_or(0)));
        }
        Ok(out)
    }

    fn clear(&mut self) -> Result<(), Error> {
        SqliteStore::clear(self)
    }

    fn create_indexes(&mut self) -> Result<(), Error> {
        for t in &self.mapping.tables {
            for statement in &t.create_statements(Dialect::Sqlite)[1..] {
                self.conn.execute(statement, [])?;
            }
        }
        self.conn.execute_batch("ANALYZE")?;
        Ok(())
    }

    fn load(&mut self, entities: &[Entity]) -> Result<(), Error> {
        let mut rows = Vec::with_capacity(entities.len());
        for e in entities {
            let t = self.table(&e.entity_type)?;
            let sql = Statements { t, dialect: Dialect::Sqlite }.insert("");
            rows.push((sql, self.row(t, e, 1)?));
        }
        let tx = self.conn.transaction()?;
        for (sql, row) in rows {
            tx.prepare_cached(&sql)?.execute(params_from_iter(row))?;
        }
        tx.commit()?;
        Ok(())
    }

    fn sequence(&mut self, entity_type: &str) -> Result<i64, Error> {
        let sql = "SELECT \"value\" FROM \"portcullis_sequences\" WHERE \"entity_type\" = ?1";
        Ok(self.conn.query_row(sql, [entity_type], |r| r.get(0)).optional()?.unwrap_or(0))
    }

    fn setting(&mut self, key: &str) -> Result<Option<String>, Error> {
        let sql = "SELECT \"value\" FROM \"portcullis_meta\" WHERE \"key\" = ?1";
        Ok(self.conn.query_row(sql, [key], |r| r.get(0)).optional()?)
    }

    fn set_setting(&mut self, key: &str, value: &str) -> Result<(), Error> {
        let sql = "INSERT INTO \"portcullis_meta\" (\"key\", \"value\") VALUES (?1, ?2) ON CONFLICT (\"key\") DO UPDATE SET \"value\" = excluded.\"value\"";
        self.conn.execute(sql, [key, value])?;
        Ok(())
    }

    fn scan(
        &mut self,
        entity_type: &str,
        batch: usize,
        each: &mut dyn FnMut(Vec<Entity>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let t = self.table(entity_type)?.clone();
        let st = Statements { t: &t, dialect: Dialect::Sqlite };
        let mut last: Option<(String, String)> = None;
        loop {
            let rows = match &last {
                None => self.read(&st.scan(true), vec![int(batch)], &t)?,
                Some((ws, id)) => self.read(
                    &st.scan(false),
                    vec![Bound::Text(ws.clone()), Bound::Text(id.clone()), int(batch)],
                    &t,
                )?,
            };
            let full = rows.len() == batch;
            last = rows.last().map(|s| (s.entity.workspace_id.clone(), s.entity.id.clone()));
            each(rows.into_iter().map(|s| s.entity).collect())?;
            if !full {
                return Ok(());
            }
        }
    }
}
