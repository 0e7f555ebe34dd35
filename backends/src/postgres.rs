//! Entities in PostgreSQL, in the tables of a mapping within one schema, queried with compiled
//! filters.
//!
//! Each attribute's value is stored as its column's [`Storage`] holds it; a value of the wrong
//! type for its attribute is stored as NULL, which the compiled queries, like the engine, read
//! as unknown. A text PostgreSQL cannot hold (one with U+0000) is refused, never altered.

use crate::Error;
use portcullis::pushdown::{
    encode_instant, quote_identifier as quote, Dialect, Mapping, Param, SqlQuery, Storage,
    TableMapping,
};
use portcullis::value::{parse_date, parse_uuid};
use portcullis::{Entity, Schema};
use postgres::types::ToSql;
use postgres::{Client, NoTls};
use serde_json::Value;
use uuid::Uuid;

/// A PostgreSQL schema holding entities in a mapping's tables.
pub struct PostgresStore {
    client: Client,
    schema_name: String,
    mapping: Mapping,
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
        let mut client = Client::connect(url, NoTls)?;
        let ns = quote(schema_name);
        client
            .batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {ns}; SET search_path TO {ns}"))?;
        for t in &mapping.tables {
            if schema.entity_type(&t.entity_type).is_none() {
                return Err(Error::UnmappedEntityType(t.entity_type.clone()));
            }
            for statement in t.create_statements(Dialect::Postgres) {
                client.batch_execute(&statement)?;
            }
        }
        Ok(PostgresStore { client, schema_name: schema_name.into(), mapping })
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

    /// Store an entity (replacing one with its id in its workspace).
    pub fn insert(&mut self, e: &Entity) -> Result<(), Error> {
        let t = self.table(&e.entity_type)?.clone();
        let uuid =
            |s: &str| parse_uuid(s).map(Uuid::from_u128).ok_or_else(|| Error::NotAUuid(s.into()));
        let mut values: Vec<Box<dyn ToSql + Sync>> =
            vec![Box::new(uuid(&e.id)?), Box::new(uuid(&e.workspace_id)?)];
        let mut columns = vec![quote(&t.id), quote(&t.workspace)];
        for c in &t.columns {
            columns.push(quote(&c.column));
            values.push(
                stored(c.storage, e.attributes.get(&c.attribute))
                    .ok_or_else(|| Error::Unstorable(c.attribute.clone()))?,
            );
        }
        let marks: Vec<String> = (1..=values.len()).map(|i| format!("${i}")).collect();
        let updates: Vec<String> =
            columns[2..].iter().map(|c| format!("{c} = EXCLUDED.{c}")).collect();
        let conflict = if updates.is_empty() {
            "DO NOTHING".to_string()
        } else {
            format!("DO UPDATE SET {}", updates.join(", "))
        };
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}, {}) {conflict}",
            quote(&t.table),
            columns.join(", "),
            marks.join(", "),
            quote(&t.workspace),
            quote(&t.id),
        );
        let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| &**v).collect();
        self.client.execute(&sql, &params)?;
        Ok(())
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
        let ws = parse_uuid(workspace)
            .map(Uuid::from_u128)
            .ok_or_else(|| Error::NotAUuid(workspace.into()))?;
        let sql = t.select_ids(Dialect::Postgres, q);
        let mut values: Vec<Box<dyn ToSql + Sync>> =
            q.params.iter().map(bound).collect::<Result<_, _>>()?;
        values.push(Box::new(ws));
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
