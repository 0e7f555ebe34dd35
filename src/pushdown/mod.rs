//! Filters pushed down to where the data is: a validated filter, or a list's scope, compiled to
//! a SQL `WHERE` fragment with typed bind parameters, for PostgreSQL and for SQLite, over a
//! table mapping that is data ([`Mapping`]); or, for an entity type whose lists run on a search
//! index (details), to a [`SearchQuery`] of exact terms ([`compile_search`]).
//!
//! Exact to the engine's three-valued logic (SPEC 2.5). SQL's own `NOT` and `<>` are not:
//! `NOT (x = 'a')` is not true for a row where `x` is NULL, but neither is it false, and array
//! and JSON operators are two-valued where the engine says unknown. So every node is compiled
//! as a pair, the rows where it is *definitely true* and the rows where it is *definitely
//! false*; `NOT` swaps the pair, `AND` and `OR` combine it by Kleene's rules, and only
//! "definitely true" is emitted. A row that is neither is unknown and never matches. A value
//! of the wrong type for its attribute is stored as NULL (see [`Storage`]), which the engine
//! also reads as unknown.
//!
//! Values are never spliced into the text: each condition's values are one bind parameter,
//! `$1` for PostgreSQL, `?1` for SQLite.
//!
//! ```
//! use portcullis::pushdown::{compile_filter, Dialect, Mapping};
//! use portcullis::{compile, Schema};
//! let schema = Schema::builtin();
//! let mapping = Mapping::builtin(&schema);
//! let filter = compile(&schema, "detail", r#"NOT project_type eq "typical""#).unwrap();
//! let q = compile_filter(&schema, &mapping, Dialect::Postgres, &filter).unwrap();
//! assert_eq!(q.sql, r#""project_type" <> $1"#);
//! assert_eq!(q.params.len(), 1);
//! ```

mod mapping;
mod search;
mod sql;

pub use mapping::{quote_identifier, ColumnMapping, Mapping, Storage, TableMapping};
pub use search::{compile_search, compile_search_scope, SearchQuery};
pub use sql::{compile_filter, compile_scope, encode_instant, Dialect, Param, SqlQuery};
