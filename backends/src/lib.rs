//! # portcullis-backends
//!
//! Where [`portcullis::pushdown`] compiles filters and list scopes to, run for real: an SQLite
//! database ([`sqlite`], SQLite bundled with the crate) that holds entities in the tables of a
//! [`Mapping`](portcullis::pushdown::Mapping) and answers a compiled query with the ids of the
//! entities it matches, exactly the entities the engine's own evaluation matches.
//!
//! ```
//! use portcullis::pushdown::{compile_filter, Dialect, Mapping};
//! use portcullis::{compile, Entity, Schema};
//! use portcullis_backends::sqlite::SqliteStore;
//!
//! let schema = Schema::builtin();
//! let mut db = SqliteStore::in_memory(&schema, Mapping::builtin(&schema)).unwrap();
//! let ws = "a1000000-0000-4000-8000-00000000000a";
//! for (i, tags) in [["concrete"], ["steel"]].iter().enumerate() {
//!     let e: Entity = serde_json::from_value(serde_json::json!({
//!         "id": format!("e0000000-0000-4000-8000-00000000000{i}"), "workspace_id": ws,
//!         "entity_type": "detail", "attributes": {"project_type": "typical", "tags": tags}})).unwrap();
//!     db.insert(&e).unwrap();
//! }
//! let filter = compile(&schema, "detail", r#"NOT tags intersects ["steel"]"#).unwrap();
//! let query = compile_filter(&schema, db.mapping(), Dialect::Sqlite, &filter).unwrap();
//! let ids = db.ids("detail", ws, &query).unwrap();
//! assert_eq!(ids, ["e0000000-0000-4000-8000-000000000000"]);
//! ```

#![warn(missing_docs)]

mod error;
pub mod postgres;
pub mod records;
pub mod search;
pub mod sqlite;

pub use error::Error;
pub use records::{Records, Replaced, Stored, TextSearch};
