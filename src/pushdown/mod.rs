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
pub use sql::{
    compile_filter, compile_impact, compile_list, compile_scope, encode_instant, Dialect, Param,
    SqlQuery,
};

use crate::diagnostic::{Code, Diagnostic};
use crate::eval::CompiledFilter;
use crate::schema::Schema;

/// The index of a filter's entity type in `schema`, which must be the schema it was compiled
/// against (a filter of another schema is refused, never read past its types' bounds).
fn type_of(schema: &Schema, filter: &CompiledFilter) -> Result<usize, Diagnostic> {
    let i = filter.type_index;
    match schema.entity_types.get(i) {
        Some(t) if t.name == filter.entity_type() => Ok(i),
        _ => Err(Diagnostic::error(
            Code::UnknownEntityType,
            format!(
                "the filter was compiled against another schema (no `{}` there)",
                filter.entity_type()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Attribute, EntityType, ValueType};
    use crate::{compile, Action};

    /// A filter handed over with a schema it was not compiled against is refused, never
    /// read out of bounds.
    #[test]
    fn a_filter_of_another_schema_is_refused() {
        let builtin = Schema::builtin();
        let f = compile(&builtin, "detail", r#"tags intersects ["a"]"#).unwrap();
        // The same types in the same places, but a detail with one attribute only.
        let small = Schema {
            entity_types: vec![
                builtin.entity_types[0].clone(),
                EntityType {
                    name: "detail".into(),
                    collection: "details".into(),
                    actions: vec![Action::Read],
                    attributes: vec![Attribute {
                        name: "type".into(),
                        value_type: ValueType::Text,
                        filterable: true,
                        server_assigned: false,
                    }],
                    search: builtin.entity_type("detail").unwrap().search.clone(),
                    previewable: true,
                },
            ],
        };
        let mapping = Mapping::builtin(&small);
        assert!(compile_filter(&small, &mapping, Dialect::Sqlite, &f).is_err());
        assert_eq!(compile_search(&small, &f), Ok(SearchQuery::Or(vec![])));
        let other = compile(&builtin, "tag", r#"name eq "a""#).unwrap();
        assert!(compile_filter(&small, &mapping, Dialect::Postgres, &other).is_err());
        assert!(compile_search(&small, &other).is_err());
    }
}
