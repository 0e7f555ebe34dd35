//! Entities in SQLite, in the tables of a mapping, queried with compiled filters.
//!
//! Each attribute's value is stored as its column's [`Storage`] holds it; a value of the wrong
//! type for its attribute (a list holding a number, a date that is no date) is stored as NULL,
//! which the compiled queries, like the engine, read as unknown.

use crate::Error;
use portcullis::pushdown::{
    encode_instant, quote_identifier as quote, Dialect, Mapping, Param, SqlQuery, Storage,
    TableMapping,
};
use portcullis::value::{format_uuid, parse_date, parse_uuid};
use portcullis::{Entity, Schema};
use rusqlite::types::{ToSqlOutput, Value as SqlValue};
use rusqlite::{params_from_iter, Connection, ToSql};
use serde_json::Value;

/// An SQLite database holding entities in a mapping's tables.
pub struct SqliteStore {
    conn: Connection,
    mapping: Mapping,
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

    fn with(conn: Connection, schema: &Schema, mapping: Mapping) -> Result<SqliteStore, Error> {
        for t in &mapping.tables {
            if schema.entity_type(&t.entity_type).is_none() {
                return Err(Error::UnmappedEntityType(t.entity_type.clone()));
            }
            for statement in t.create_statements(Dialect::Sqlite) {
                conn.execute(&statement, [])?;
            }
        }
        Ok(SqliteStore { conn, mapping })
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

    /// Store an entity (replacing one with its id in its workspace). Its id and workspace are
    /// stored canonical; each attribute as its column holds it, NULL when absent or of the
    /// wrong type.
    pub fn insert(&mut self, e: &Entity) -> Result<(), Error> {
        let t = self.table(&e.entity_type)?;
        let uuid =
            |s: &str| parse_uuid(s).map(format_uuid).ok_or_else(|| Error::NotAUuid(s.into()));
        let mut values = vec![SqlValue::Text(uuid(&e.id)?), SqlValue::Text(uuid(&e.workspace_id)?)];
        let mut columns = vec![quote(&t.id), quote(&t.workspace)];
        for c in &t.columns {
            columns.push(quote(&c.column));
            values.push(stored(c.storage, e.attributes.get(&c.attribute)));
        }
        let marks: Vec<String> = (1..=values.len()).map(|i| format!("?{i}")).collect();
        let sql = format!(
            "INSERT OR REPLACE INTO {} ({}) VALUES ({})",
            quote(&t.table),
            columns.join(", "),
            marks.join(", ")
        );
        self.conn.execute(&sql, params_from_iter(values))?;
        Ok(())
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
        let ws = parse_uuid(workspace)
            .map(format_uuid)
            .ok_or_else(|| Error::NotAUuid(workspace.into()))?;
        let sql = t.select_ids(Dialect::Sqlite, q);
        let mut params: Vec<Bound<'_>> = q.params.iter().map(Bound).collect();
        let ws = Param::Text(ws);
        params.push(Bound(&ws));
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

/// A compiled query's parameter, bound as SQLite takes it: lists as JSON array text.
struct Bound<'a>(&'a Param);

impl ToSql for Bound<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self.0 {
            Param::Text(s) | Param::Uuid(s) => ToSqlOutput::from(s.as_str()),
            Param::Number(n) => ToSqlOutput::from(*n),
            Param::Bool(b) => ToSqlOutput::from(i64::from(*b)),
            Param::Texts(vs) | Param::Uuids(vs) => {
                ToSqlOutput::from(serde_json::to_string(vs).unwrap_or_default())
            }
            Param::Numbers(vs) => ToSqlOutput::from(serde_json::to_string(vs).unwrap_or_default()),
        })
    }
}
