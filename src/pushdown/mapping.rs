//! Where each entity type's entities are stored: a table per type, a column per attribute,
//! and how each column holds its values. Data, so a service can map the engine onto its own
//! tables; [`Mapping::builtin`] is the documented default for a schema.

use super::sql::{Dialect, SqlQuery};
use crate::schema::{Schema, ValueType};
use serde::{Deserialize, Serialize};

/// How a column holds an attribute's values. A value of the wrong type for its attribute is
/// stored as NULL: the engine reads both as unknown. In JSON: `"text"`, `"number"`, `"bool"`,
/// `"uuid"`, `"instant"`, `"text_list"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Storage {
    /// Text, compared byte for byte (PostgreSQL `text COLLATE "C"`, SQLite `TEXT`).
    Text,
    /// A number as an IEEE double, as the engine holds it (`double precision`, `REAL`).
    Number,
    /// `boolean`; SQLite `INTEGER` 0 or 1.
    Bool,
    /// `uuid`; SQLite the canonical lower-case hyphenated `TEXT`.
    Uuid,
    /// An instant to the nanosecond, as [`super::encode_instant`] writes it: fixed-width
    /// decimal text whose byte order is time order (`text COLLATE "C"`, `TEXT`). A date-only
    /// value is its midnight UTC. PostgreSQL's `timestamptz` keeps microseconds, and the
    /// engine's instants span years 0 to 9999 in nanoseconds, more than an `int8` holds.
    Instant,
    /// A list of texts (`text[]`; SQLite `TEXT` holding a JSON array of strings).
    TextList,
}

impl Storage {
    /// The storage the default mapping gives a value type.
    pub fn of(value_type: ValueType) -> Storage {
        match value_type {
            ValueType::Text => Storage::Text,
            ValueType::Number => Storage::Number,
            ValueType::Bool => Storage::Bool,
            ValueType::Uuid => Storage::Uuid,
            ValueType::Date => Storage::Instant,
            ValueType::List => Storage::TextList,
        }
    }

    /// The column type in a dialect.
    pub fn column_type(self, dialect: Dialect) -> &'static str {
        match (dialect, self) {
            (Dialect::Postgres, Storage::Text | Storage::Instant) => "text COLLATE \"C\"",
            (Dialect::Postgres, Storage::Number) => "double precision",
            (Dialect::Postgres, Storage::Bool) => "boolean",
            (Dialect::Postgres, Storage::Uuid) => "uuid",
            (Dialect::Postgres, Storage::TextList) => "text[]",
            (Dialect::Sqlite, Storage::Number) => "REAL",
            (Dialect::Sqlite, Storage::Bool) => "INTEGER",
            (Dialect::Sqlite, _) => "TEXT",
        }
    }
}

/// One attribute's column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnMapping {
    /// The attribute, as the schema names it.
    pub attribute: String,
    /// The column that holds it.
    pub column: String,
    /// How the column holds its values.
    pub storage: Storage,
}

/// One entity type's table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableMapping {
    /// The entity type, as the schema names it.
    pub entity_type: String,
    /// The table.
    pub table: String,
    /// The column holding the entity's id (a UUID: `uuid`, SQLite canonical `TEXT`).
    pub id: String,
    /// The column holding its workspace id, stored as ids are.
    pub workspace: String,
    /// The attributes' columns. An attribute without one cannot be pushed down.
    pub columns: Vec<ColumnMapping>,
}

impl TableMapping {
    /// The column of an attribute.
    pub fn column(&self, attribute: &str) -> Option<&ColumnMapping> {
        self.columns.iter().find(|c| c.attribute == attribute)
    }

    /// The statement that runs a compiled query (in the same dialect) on this table: the ids
    /// of the entities of one workspace that it matches, in id order. The workspace is the
    /// parameter after the query's own.
    ///
    /// ```
    /// use portcullis::pushdown::{Dialect, Mapping, SqlQuery};
    /// let m = Mapping::builtin(&portcullis::Schema::builtin());
    /// let q = SqlQuery { sql: "TRUE".into(), params: vec![] };
    /// assert_eq!(m.table("tag").unwrap().select_ids(Dialect::Postgres, &q),
    ///     r#"SELECT "id" FROM "tags" WHERE "workspace_id" = $1 AND (TRUE) ORDER BY "id""#);
    /// ```
    pub fn select_ids(&self, dialect: Dialect, q: &SqlQuery) -> String {
        let mark = if dialect == Dialect::Postgres { '$' } else { '?' };
        format!(
            "SELECT {id} FROM {table} WHERE {w} = {mark}{n} AND ({cond}) ORDER BY {id}",
            id = quote_identifier(&self.id),
            table = quote_identifier(&self.table),
            w = quote_identifier(&self.workspace),
            n = q.params.len() + 1,
            cond = q.sql,
        )
    }

    /// The statements that create the table and the indexes the compiled queries use: the
    /// primary key `(workspace, id)` for keyset pages within a workspace, a b-tree on
    /// `(workspace, column)` for each scalar attribute, and for lists a GIN index
    /// (PostgreSQL; SQLite reads the JSON array).
    pub fn create_statements(&self, dialect: Dialect) -> Vec<String> {
        self.create_statements_with(dialect, &[])
    }

    /// [`Self::create_statements`], with columns of the service's own beside the attributes'
    /// (each a quoted name and its type, e.g. a row version), which no compiled query reads.
    ///
    /// ```
    /// use portcullis::pushdown::{Dialect, Mapping};
    /// let m = Mapping::builtin(&portcullis::Schema::builtin());
    /// let ddl = m.table("tag").unwrap().create_statements_with(Dialect::Sqlite, &[r#""_version" INTEGER NOT NULL"#.into()]);
    /// assert!(ddl[0].contains(r#""name" TEXT, "_version" INTEGER NOT NULL, PRIMARY KEY"#), "{}", ddl[0]);
    /// ```
    pub fn create_statements_with(&self, dialect: Dialect, extra: &[String]) -> Vec<String> {
        let id_type = Storage::Uuid.column_type(dialect);
        let mut columns = vec![
            format!("{} {id_type} NOT NULL", quote_identifier(&self.id)),
            format!("{} {id_type} NOT NULL", quote_identifier(&self.workspace)),
        ];
        for c in &self.columns {
            columns.push(format!(
                "{} {}",
                quote_identifier(&c.column),
                c.storage.column_type(dialect)
            ));
        }
        columns.extend(extra.iter().cloned());
        let key = format!(
            "PRIMARY KEY ({}, {})",
            quote_identifier(&self.workspace),
            quote_identifier(&self.id)
        );
        let table = quote_identifier(&self.table);
        let mut out =
            vec![format!("CREATE TABLE IF NOT EXISTS {table} ({}, {key})", columns.join(", "))];
        for c in &self.columns {
            let index = quote_identifier(&format!("{}_{}", self.table, c.column));
            out.push(match (dialect, c.storage) {
                (Dialect::Postgres, Storage::TextList) => {
                    format!(
                        "CREATE INDEX IF NOT EXISTS {index} ON {table} USING GIN ({})",
                        quote_identifier(&c.column)
                    )
                }
                (Dialect::Sqlite, Storage::TextList) => continue,
                _ => format!(
                    "CREATE INDEX IF NOT EXISTS {index} ON {table} ({}, {})",
                    quote_identifier(&self.workspace),
                    quote_identifier(&c.column)
                ),
            });
        }
        out
    }
}

/// Every entity type's table; its JSON form is the CLI's `--mapping` file:
/// `{"tables": [{"entity_type", "table", "id", "workspace", "columns": [{"attribute",
/// "column", "storage"}]}]}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// The tables, one per entity type that can be pushed down.
    pub tables: Vec<TableMapping>,
}

impl Mapping {
    /// The default mapping of a schema: a table per entity type named for its REST
    /// collection (`details`), columns `id` and `workspace_id`, and a column per attribute
    /// named for it, stored as [`Storage::of`] its type.
    ///
    /// ```
    /// use portcullis::pushdown::{Dialect, Mapping, Storage};
    /// let m = Mapping::builtin(&portcullis::Schema::builtin());
    /// let details = m.table("detail").unwrap();
    /// assert_eq!(details.table, "details");
    /// assert_eq!(details.column("tags").unwrap().storage, Storage::TextList);
    /// assert!(details.create_statements(Dialect::Postgres)[0].contains(r#""tags" text[]"#));
    /// ```
    pub fn builtin(schema: &Schema) -> Mapping {
        let tables = schema
            .entity_types
            .iter()
            .map(|t| TableMapping {
                entity_type: t.name.clone(),
                table: t.collection.clone(),
                id: "id".into(),
                workspace: "workspace_id".into(),
                columns: t
                    .attributes
                    .iter()
                    .map(|a| ColumnMapping {
                        attribute: a.name.clone(),
                        column: a.name.clone(),
                        storage: Storage::of(a.value_type),
                    })
                    .collect(),
            })
            .collect();
        Mapping { tables }
    }

    /// The table of an entity type.
    pub fn table(&self, entity_type: &str) -> Option<&TableMapping> {
        self.tables.iter().find(|t| t.entity_type == entity_type)
    }
}

/// An identifier (a table or column name) quoted for SQL, in either dialect: mappings are data,
/// so a name is never taken for SQL text.
///
/// ```
/// assert_eq!(portcullis::pushdown::quote_identifier(r#"odd"name"#), r#""odd""name""#);
/// ```
pub fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
