//! Entities in PostgreSQL, in the tables of a mapping within one schema, queried with compiled
//! filters.
//!
//! Each attribute's value is stored as its column's [`Storage`] holds it; a value of the wrong
//! type for its attribute is stored as NULL, which the compiled queries, like the engine, read
//! as unknown. A text PostgreSQL cannot hold (one with U+0000) is refused, never altered.

use crate::records::{
    canonical, entity_of, meta_statements, own_columns, Records, Replaced, Statements, Stored,
    TextSearch,
};
use crate::Error;
use portcullis::pushdown::{
    encode_instant, quote_identifier as quote, Dialect, Mapping, Param, SqlQuery, Storage,
    TableMapping,
};
use portcullis::value::{parse_date, parse_uuid};
use portcullis::{Entity, Schema};
use postgres::types::ToSql;
use postgres::{Client, NoTls, Row};
use serde_json::Value;
use std::io::Write;
use uuid::Uuid;

/// One more on a type's change sequence, returning it.
const BUMP: &str = "INSERT INTO \"portcullis_sequences\" (\"entity_type\", \"value\") VALUES ($1, 1) ON CONFLICT (\"entity_type\") DO UPDATE SET \"value\" = \"portcullis_sequences\".\"value\" + 1 RETURNING \"value\"";

/// A PostgreSQL schema holding entities in a mapping's tables.
pub struct PostgresStore {
    client: Client,
    schema_name: String,
    mapping: Mapping,
    text: TextSearch,
}

impl PostgresStore {
    /// Connect to `url` (`postgres://user:pass@host:port/db`) and create the mapping's tables
    /// in the schema `schema_name` (made when missing), which every statement then uses.
    pub fn connect(
        url: &str,
        schema_name: &str,
        schema: &Schema,
        mapping: Mapping,
    ) -> Result<PostgresStore, Error> {
        let mut store = PostgresStore::connect_without_indexes(url, schema_name, schema, mapping)?;
        Records::create_indexes(&mut store)?;
        Ok(store)
    }

    /// [`Self::connect`], creating the tables but not yet their indexes: a first bulk
    /// [`Records::load`] is faster with the indexes built after it ([`Records::create_indexes`]).
    pub fn connect_without_indexes(
        url: &str,
        schema_name: &str,
        schema: &Schema,
        mapping: Mapping,
    ) -> Result<PostgresStore, Error> {
        let mut client = Client::connect(url, NoTls)?;
        let ns = quote(schema_name);
        client
            .batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {ns}; SET search_path TO {ns}"))?;
        for statement in meta_statements(Dialect::Postgres) {
            client.batch_execute(&statement)?;
        }
        let own = own_columns(Dialect::Postgres);
        for t in &mapping.tables {
            if schema.entity_type(&t.entity_type).is_none() {
                return Err(Error::UnmappedEntityType(t.entity_type.clone()));
            }
            client.batch_execute(&t.create_statements_with(Dialect::Postgres, &own)[0])?;
        }
        Ok(PostgresStore {
            client,
            schema_name: schema_name.into(),
            mapping,
            text: TextSearch::default(),
        })
    }

    /// Search entities' text as `text` says (see [`TextSearch`]), for entities written from
    /// now on.
    pub fn with_text_search(mut self, text: TextSearch) -> PostgresStore {
        self.text = text;
        self
    }

    /// The mapping the tables follow.
    pub fn mapping(&self) -> &Mapping {
        &self.mapping
    }

    /// Drop the schema and everything in it (a throwaway schema, once done).
    pub fn drop_schema(mut self) -> Result<(), Error> {
        let ns = quote(&self.schema_name);
        self.client.batch_execute(&format!("DROP SCHEMA {ns} CASCADE"))?;
        Ok(())
    }

    /// Remove every entity.
    pub fn clear(&mut self) -> Result<(), Error> {
        let tables: Vec<String> = self.mapping.tables.iter().map(|t| quote(&t.table)).collect();
        self.client.batch_execute(&format!("TRUNCATE {}", tables.join(", ")))?;
        Ok(())
    }

    fn table(&self, entity_type: &str) -> Result<&TableMapping, Error> {
        self.mapping.table(entity_type).ok_or_else(|| Error::UnmappedEntityType(entity_type.into()))
    }

    /// Store an entity (replacing one with its id in its workspace) at version 1.
    pub fn insert(&mut self, e: &Entity) -> Result<(), Error> {
        let t = self.table(&e.entity_type)?.clone();
        let values = self.row(&t, e, 1)?;
        let sql = Statements { t: &t, dialect: Dialect::Postgres }.upsert();
        let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| &**v).collect();
        self.client.execute(&sql, &params)?;
        Ok(())
    }

    /// An entity's parameters for [`Statements::insert`] and [`Statements::replace`].
    fn row(
        &self,
        t: &TableMapping,
        e: &Entity,
        version: i64,
    ) -> Result<Vec<Box<dyn ToSql + Sync>>, Error> {
        let uuid =
            |s: &str| parse_uuid(s).map(Uuid::from_u128).ok_or_else(|| Error::NotAUuid(s.into()));
        let mut values: Vec<Box<dyn ToSql + Sync>> =
            vec![Box::new(uuid(&e.id)?), Box::new(uuid(&e.workspace_id)?)];
        for c in &t.columns {
            values.push(
                stored(c.storage, e.attributes.get(&c.attribute))
                    .ok_or_else(|| Error::Unstorable(c.attribute.clone()))?,
            );
        }
        // The JSON text escapes U+0000, so the whole record is always storable.
        let attributes = Value::Object(e.attributes.clone()).to_string();
        values.push(Box::new(version));
        values.push(Box::new(attributes));
        values.push(Box::new(self.text.text_of(e).filter(|s| !s.contains('\0'))));
        Ok(values)
    }

    fn read(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        t: &TableMapping,
    ) -> Result<Vec<Stored>, Error> {
        let rows = self.client.query(sql, params)?;
        rows.iter().map(|r| stored_of(t, r)).collect()
    }

    /// The ids (canonical) of the entities of a type in a workspace that a compiled query (for
    /// this mapping, in the PostgreSQL dialect) matches, in id order.
    pub fn ids(
        &mut self,
        entity_type: &str,
        workspace: &str,
        q: &SqlQuery,
    ) -> Result<Vec<String>, Error> {
        let t = self.table(entity_type)?;
        let sql = t.select_ids(Dialect::Postgres, q);
        let values = bound_in(q, workspace)?;
        let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| &**v).collect();
        let rows = self.client.query(&sql, &params)?;
        Ok(rows.iter().map(|r| r.get::<_, Uuid>(0).hyphenated().to_string()).collect())
    }
}

/// An attribute value as its column holds it (NULL when absent or of the wrong type); `None`
/// for a text PostgreSQL cannot hold.
fn stored(storage: Storage, v: Option<&Value>) -> Option<Box<dyn ToSql + Sync>> {
    let text = |s: &String| (!s.contains('\0')).then(|| s.clone());
    Some(match (storage, v) {
        (Storage::Text, Some(Value::String(s))) => Box::new(Some(text(s)?)),
        (Storage::Number, Some(Value::Number(n))) => Box::new(n.as_f64()),
        (Storage::Bool, Some(Value::Bool(b))) => Box::new(Some(*b)),
        (Storage::Uuid, Some(Value::String(s))) => Box::new(parse_uuid(s).map(Uuid::from_u128)),
        (Storage::Instant, Some(Value::String(s))) => {
            Box::new(parse_date(s).map(|d| encode_instant(d.instant())))
        }
        (Storage::TextList, Some(Value::Array(items))) if items.iter().all(Value::is_string) => {
            let texts: Option<Vec<String>> = items
                .iter()
                .map(|v| v.as_str().and_then(|s| (!s.contains('\0')).then(|| s.to_string())))
                .collect();
            Box::new(Some(texts?))
        }
        (Storage::Text | Storage::Instant, _) => Box::new(None::<String>),
        (Storage::Number, _) => Box::new(None::<f64>),
        (Storage::Bool, _) => Box::new(None::<bool>),
        (Storage::Uuid, _) => Box::new(None::<Uuid>),
        (Storage::TextList, _) => Box::new(None::<Vec<String>>),
    })
}

/// A compiled query's parameter, bound as PostgreSQL takes it.
fn bound(p: &Param) -> Result<Box<dyn ToSql + Sync>, Error> {
    let uuid =
        |s: &String| parse_uuid(s).map(Uuid::from_u128).ok_or_else(|| Error::NotAUuid(s.clone()));
    // A text with U+0000 cannot be bound (nor stored): the query is refused, not failed.
    let nul = |s: &String| s.contains('\0');
    if match p {
        Param::Text(s) => nul(s),
        Param::Texts(vs) => vs.iter().any(nul),
        _ => false,
    } {
        return Err(Error::Unstorable("a value the query compares with".into()));
    }
    Ok(match p {
        Param::Text(s) => Box::new(s.clone()),
        Param::Number(n) => Box::new(*n),
        Param::Bool(b) => Box::new(*b),
        Param::Uuid(s) => Box::new(uuid(s)?),
        Param::Texts(vs) => Box::new(vs.clone()),
        Param::Numbers(vs) => Box::new(vs.clone()),
        Param::Uuids(vs) => Box::new(vs.iter().map(uuid).collect::<Result<Vec<_>, _>>()?),
    })
}

fn stored_of(t: &TableMapping, r: &Row) -> Result<Stored, Error> {
    let attributes: String = r.try_get(3)?;
    Ok(Stored {
        entity: entity_of(t, r.try_get(0)?, r.try_get(1)?, &attributes)?,
        version: r.try_get(2)?,
    })
}

/// A compiled query's parameters, then the workspace's: how every query of a workspace binds.
fn bound_in(q: &SqlQuery, workspace: &str) -> Result<Vec<Box<dyn ToSql + Sync>>, Error> {
    let mut values: Vec<Box<dyn ToSql + Sync>> =
        q.params.iter().map(bound).collect::<Result<_, _>>()?;
    values.push(Box::new(uuid_of(workspace)?));
    Ok(values)
}

fn uuid_of(s: &str) -> Result<Uuid, Error> {
    parse_uuid(s).map(Uuid::from_u128).ok_or_else(|| Error::NotAUuid(s.into()))
}

fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Records for PostgresStore {
    fn get(
        &mut self,
        entity_type: &str,
        workspace: &str,
        id: &str,
    ) -> Result<Option<Stored>, Error> {
        let t = self.table(entity_type)?.clone();
        let sql = Statements { t: &t, dialect: Dialect::Postgres }.get();
        Ok(self.read(&sql, &[&uuid_of(workspace)?, &uuid_of(id)?], &t)?.pop())
    }

    fn get_many(
        &mut self,
        entity_type: &str,
        workspace: &str,
        ids: &[String],
    ) -> Result<Vec<Stored>, Error> {
        let t = self.table(entity_type)?.clone();
        let ids: Vec<Uuid> = ids.iter().map(|i| uuid_of(i)).collect::<Result<_, _>>()?;
        let sql = Statements { t: &t, dialect: Dialect::Postgres }.get_many();
        self.read(&sql, &[&uuid_of(workspace)?, &ids], &t)
    }

    fn create(&mut self, e: &Entity) -> Result<Option<Stored>, Error> {
        let t = self.table(&e.entity_type)?.clone();
        let row = self.row(&t, e, 1)?;
        let sql = Statements { t: &t, dialect: Dialect::Postgres }.insert("ON CONFLICT DO NOTHING");
        let params: Vec<&(dyn ToSql + Sync)> = row.iter().map(|v| &**v).collect();
        let mut tx = self.client.transaction()?;
        let inserted = tx.execute(&sql, &params)? == 1;
        if inserted {
            tx.query_one(BUMP, &[&e.entity_type])?;
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
        row.push(Box::new(expected));
        let sql = Statements { t: &t, dialect: Dialect::Postgres }.replace();
        let params: Vec<&(dyn ToSql + Sync)> = row.iter().map(|v| &**v).collect();
        let mut tx = self.client.transaction()?;
        let done = tx.execute(&sql, &params)? == 1;
        if done {
            tx.query_one(BUMP, &[&e.entity_type])?;
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
        limit_: usize,
    ) -> Result<Vec<Stored>, Error> {
        let t = self.table(entity_type)?.clone();
        let sql = Statements { t: &t, dialect: Dialect::Postgres }.page(
            q,
            text.is_some(),
            after.is_some(),
        );
        let mut values = bound_in(q, workspace)?;
        if let Some(text) = text {
            if text.contains('\0') {
                return Err(Error::Unstorable("the search text".into()));
            }
            values.push(Box::new(text.to_lowercase()));
        }
        if let Some(after) = after {
            values.push(Box::new(uuid_of(after)?));
        }
        values.push(Box::new(limit(limit_)));
        let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| &**v).collect();
        self.read(&sql, &params, &t)
    }

    fn page_ids(
        &mut self,
        entity_type: &str,
        workspace: &str,
        q: &SqlQuery,
        limit_: usize,
    ) -> Result<Vec<String>, Error> {
        let t = self.table(entity_type)?;
        let sql = Statements { t, dialect: Dialect::Postgres }.page_ids(q);
        let mut values = bound_in(q, workspace)?;
        values.push(Box::new(limit(limit_)));
        let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| &**v).collect();
        let rows = self.client.query(&sql, &params)?;
        rows.iter().map(|r| Ok(r.try_get::<_, String>(0)?)).collect()
    }

    fn count(
        &mut self,
        entity_type: &str,
        workspace: &str,
        q: &SqlQuery,
        cap: usize,
    ) -> Result<usize, Error> {
        let t = self.table(entity_type)?;
        let sql = Statements { t, dialect: Dialect::Postgres }.count(q);
        let mut values = bound_in(q, workspace)?;
        values.push(Box::new(limit(cap)));
        let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| &**v).collect();
        let n: i64 = self.client.query_one(&sql, &params)?.try_get(0)?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    fn values(
        &mut self,
        entity_type: &str,
        workspace: &str,
        attribute: &str,
        sample: usize,
        limit_: usize,
    ) -> Result<Vec<(Value, u64)>, Error> {
        let t = self.table(entity_type)?;
        let c = t.column(attribute).ok_or_else(|| Error::UnknownAttribute(attribute.into()))?;
        let storage = c.storage;
        if storage == Storage::Instant {
            return Err(Error::UnknownAttribute(attribute.into()));
        }
        let sql = Statements { t, dialect: Dialect::Postgres }.values(&c.column, storage);
        let rows =
            self.client.query(&sql, &[&uuid_of(workspace)?, &limit(sample), &limit(limit_)])?;
        let mut out = Vec::new();
        for r in rows {
            let v = match storage {
                Storage::Number => r.try_get::<_, Option<f64>>(0)?.map(Value::from),
                Storage::Bool => r.try_get::<_, Option<bool>>(0)?.map(Value::Bool),
                _ => r.try_get::<_, Option<String>>(0)?.map(Value::String),
            };
            let n: i64 = r.try_get(1)?;
            if let Some(v) = v {
                out.push((v, u64::try_from(n).unwrap_or(0)));
            }
        }
        Ok(out)
    }

    fn clear(&mut self) -> Result<(), Error> {
        PostgresStore::clear(self)
    }

    fn create_indexes(&mut self) -> Result<(), Error> {
        for t in &self.mapping.tables {
            for statement in &t.create_statements(Dialect::Postgres)[1..] {
                self.client.batch_execute(statement)?;
            }
            self.client.batch_execute(&format!("ANALYZE {}", quote(&t.table)))?;
        }
        Ok(())
    }

    /// Bulk: one `COPY` per run of entities of one type.
    fn load(&mut self, entities: &[Entity]) -> Result<(), Error> {
        let mut start = 0;
        while start < entities.len() {
            let ty = &entities[start].entity_type;
            let end = entities[start..]
                .iter()
                .position(|e| &e.entity_type != ty)
                .map_or(entities.len(), |n| start + n);
            let t = self.table(ty)?.clone();
            let mut text = String::new();
            for e in &entities[start..end] {
                copy_row(&t, e, &self.text, &mut text)?;
            }
            let columns = Statements { t: &t, dialect: Dialect::Postgres }.columns();
            let sql = format!("COPY {} ({}) FROM STDIN", quote(&t.table), columns.join(", "));
            let mut w = self.client.copy_in(&sql)?;
            w.write_all(text.as_bytes()).map_err(|e| Error::Corrupt(e.to_string()))?;
            w.finish()?;
            start = end;
        }
        Ok(())
    }

    fn sequence(&mut self, entity_type: &str) -> Result<i64, Error> {
        let sql = "SELECT \"value\" FROM \"portcullis_sequences\" WHERE \"entity_type\" = $1";
        Ok(self
            .client
            .query_opt(sql, &[&entity_type])?
            .map(|r| r.try_get(0))
            .transpose()?
            .unwrap_or(0))
    }

    fn setting(&mut self, key: &str) -> Result<Option<String>, Error> {
        let sql = "SELECT \"value\" FROM \"portcullis_meta\" WHERE \"key\" = $1";
        Ok(self.client.query_opt(sql, &[&key])?.map(|r| r.try_get(0)).transpose()?)
    }

    fn set_setting(&mut self, key: &str, value: &str) -> Result<(), Error> {
        let sql = "INSERT INTO \"portcullis_meta\" (\"key\", \"value\") VALUES ($1, $2) ON CONFLICT (\"key\") DO UPDATE SET \"value\" = EXCLUDED.\"value\"";
        self.client.execute(sql, &[&key, &value])?;
        Ok(())
    }

    fn scan(
        &mut self,
        entity_type: &str,
        batch: usize,
        each: &mut dyn FnMut(Vec<Entity>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let t = self.table(entity_type)?.clone();
        let st = Statements { t: &t, dialect: Dialect::Postgres };
        let mut last: Option<(Uuid, Uuid)> = None;
        loop {
            let rows = match &last {
                None => self.read(&st.scan(true), &[&limit(batch)], &t)?,
                Some((ws, id)) => self.read(&st.scan(false), &[ws, id, &limit(batch)], &t)?,
            };
            let full = rows.len() == batch;
            if let Some(s) = rows.last() {
                last = Some((uuid_of(&s.entity.workspace_id)?, uuid_of(&s.entity.id)?));
            }
            each(rows.into_iter().map(|s| s.entity).collect())?;
            if !full {
                return Ok(());
            }
        }
    }
}

/// One entity as a line of `COPY … FROM STDIN` text: tab-separated, `\N` for NULL, with
/// backslash, tab, newline and carriage return escaped; lists as array literals.
fn copy_row(
    t: &TableMapping,
    e: &Entity,
    text: &TextSearch,
    out: &mut String,
) -> Result<(), Error> {
    fn field(out: &mut String, s: &str) {
        for ch in s.chars() {
            match ch {
                '\\' => out.push_str("\\\\"),
                '\t' => out.push_str("\\t"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                c => out.push(c),
            }
        }
    }
    let no_nul =
        |s: &str, a: &str| if s.contains('\0') { Err(Error::Unstorable(a.into())) } else { Ok(()) };
    out.push_str(&canonical(&e.id)?);
    out.push('\t');
    out.push_str(&canonical(&e.workspace_id)?);
    for c in &t.columns {
        out.push('\t');
        let v = e.attributes.get(&c.attribute);
        match (c.storage, v) {
            (Storage::Text, Some(Value::String(s))) => {
                no_nul(s, &c.attribute)?;
                field(out, s)
            }
            (Storage::Number, Some(Value::Number(n))) => match n.as_f64() {
                Some(f) => out.push_str(&format!("{f:?}")),
                None => out.push_str("\\N"),
            },
            (Storage::Bool, Some(Value::Bool(b))) => out.push(if *b { 't' } else { 'f' }),
            (Storage::Uuid, Some(Value::String(s))) => match parse_uuid(s) {
                Some(u) => out.push_str(&portcullis::value::format_uuid(u)),
                None => out.push_str("\\N"),
            },
            (Storage::Instant, Some(Value::String(s))) => match parse_date(s) {
                Some(d) => out.push_str(&encode_instant(d.instant())),
                None => out.push_str("\\N"),
            },
            (Storage::TextList, Some(Value::Array(items)))
                if items.iter().all(Value::is_string) =>
            {
                // An array literal: each element double-quoted, with `"` and `\` escaped
                // inside it, then the whole escaped again for COPY.
                let mut lit = String::from("{");
                for (i, item) in items.iter().enumerate() {
                    let s = item.as_str().unwrap_or_default();
                    no_nul(s, &c.attribute)?;
                    if i > 0 {
                        lit.push(',');
                    }
                    lit.push('"');
                    lit.push_str(&s.replace('\\', "\\\\").replace('"', "\\\""));
                    lit.push('"');
                }
                lit.push('}');
                field(out, &lit)
            }
            _ => out.push_str("\\N"),
        }
    }
    let attributes = Value::Object(e.attributes.clone()).to_string();
    out.push_str("\t1\t");
    field(out, &attributes);
    out.push('\t');
    match text.text_of(e).filter(|s| !s.contains('\0')) {
        Some(s) => field(out, &s),
        None => out.push_str("\\N"),
    }
    out.push('\n');
    Ok(())
}
