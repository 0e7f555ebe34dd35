//! What a back end refuses, or what failed in it.

use std::fmt;

/// Why a store refused or failed.
#[derive(Debug)]
pub enum Error {
    /// SQLite's own error.
    Sqlite(rusqlite::Error),
    /// PostgreSQL's own error, or the connection's.
    Postgres(postgres::Error),
    /// The search index's own error.
    Search(tantivy::TantivyError),
    /// The mapping has no table for this entity type.
    UnmappedEntityType(String),
    /// An entity id or workspace id that is not a UUID: such an entity is no entity.
    NotAUuid(String),
    /// A text the database cannot hold (PostgreSQL: one with U+0000): the attribute it is in.
    /// It is refused, never altered.
    Unstorable(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Sqlite(e) => write!(f, "sqlite: {e}"),
            Error::Postgres(e) => write!(f, "postgres: {e}"),
            Error::Search(e) => write!(f, "search index: {e}"),
            Error::UnmappedEntityType(t) => write!(f, "the mapping has no table for `{t}`"),
            Error::NotAUuid(id) => write!(f, "`{id}` is not a UUID"),
            Error::Unstorable(a) => {
                write!(f, "`{a}` holds a text with U+0000, which the database cannot store")
            }
        }
    }
}

impl std::error::Error for Error {}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Error {
        Error::Sqlite(e)
    }
}

impl From<postgres::Error> for Error {
    fn from(e: postgres::Error) -> Error {
        Error::Postgres(e)
    }
}

impl From<tantivy::TantivyError> for Error {
    fn from(e: tantivy::TantivyError) -> Error {
        Error::Search(e)
    }
}
