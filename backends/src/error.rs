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
    /// A value the store cannot hold (PostgreSQL: a text with U+0000; the search index: a term
    /// longer than it takes): the attribute it is in. It is refused, never altered.
    Unstorable(String),
    /// What the store holds cannot be read back (an entity's stored attributes that are not
    /// a JSON object): the store was written by something else.
    Corrupt(String),
    /// An attribute the entity type does not have, or one whose values cannot be listed.
    UnknownAttribute(String),
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
                write!(f, "`{a}` holds a value the store cannot hold (a text with U+0000, or one too long for the search index)")
            }
            Error::Corrupt(why) => write!(f, "the store holds what it cannot read: {why}"),
            Error::UnknownAttribute(a) => {
                write!(f, "`{a}` is not an attribute whose values can be listed")
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
