//! Filters compiled for a search index (SPEC 4.3: the detail index filters on `type`,
//! `project_type` and `tags`, and not with `eq_set`): a query tree of exact terms, which a back
//! end turns into its engine's queries (`portcullis-backends` for Tantivy).
//!
//! Search engines are two-valued, and treat `NOT type = x` as matching the documents without
//! a `type`. So, as for SQL, every node is written in the polarity its parent asks for: where
//! it is definitely true, or definitely false. A condition is definitely false only where its
//! attribute is present with a value of its type, which the index records as a
//! [`SearchQuery::Present`] term; an attribute absent, null or of the wrong type is unknown,
//! in neither.

use crate::diagnostic::{Code, Diagnostic};
use crate::eval::compiled::{Node, Test};
use crate::eval::CompiledFilter;
use crate::grants::Scope;
use crate::schema::Schema;

/// A query over an index of exact terms: a field holds one term per value (a list's each
/// element), compared byte for byte; [`SearchQuery::Present`] matches the documents whose
/// attribute has a value of its type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SearchQuery {
    /// The documents with this value in this field.
    Term {
        /// The attribute's field.
        field: String,
        /// The value, as the index holds it.
        value: String,
    },
    /// The documents whose attribute `field` is present with a value of its type.
    Present {
        /// The attribute.
        field: String,
    },
    /// The documents every query matches.
    And(Vec<SearchQuery>),
    /// The documents some query matches.
    Or(Vec<SearchQuery>),
    /// Every document (of the index's type, in the workspace asked).
    All,
    /// The documents `include` matches and `exclude` does not.
    AndNot {
        /// What is kept.
        include: Box<SearchQuery>,
        /// What is taken away.
        exclude: Box<SearchQuery>,
    },
}

/// Compile a validated filter for the search index of its entity type: refused with
/// `not_searchable` when the filter uses what the index cannot run.
///
/// ```
/// use portcullis::pushdown::{compile_search, SearchQuery};
/// use portcullis::{compile, Schema};
/// let schema = Schema::builtin();
/// let f = compile(&schema, "detail", r#"NOT type eq "steel""#).unwrap();
/// let q = compile_search(&schema, &f).unwrap();
/// let term = SearchQuery::Term { field: "type".into(), value: "steel".into() };
/// let present = SearchQuery::Present { field: "type".into() };
/// assert_eq!(q, SearchQuery::AndNot { include: Box::new(present), exclude: Box::new(term) });
///
/// let eq_set = compile(&schema, "detail", r#"tags eq_set ["a"]"#).unwrap();
/// assert_eq!(compile_search(&schema, &eq_set).unwrap_err().code.as_str(), "not_searchable");
/// ```
pub fn compile_search(schema: &Schema, filter: &CompiledFilter) -> Result<SearchQuery, Diagnostic> {
    let t = &schema.entity_types[super::type_of(schema, filter)?];
    if t.search.is_none() {
        return Err(Diagnostic::error(
            Code::NotSearchable,
            format!(
                "{} entities are not in a search index: push their filters down to SQL",
                t.name
            ),
        ));
    }
    if !filter.is_searchable() {
        return Err(Diagnostic::error(
            Code::NotSearchable,
            format!(
                "this {} filter uses what the search index cannot run (only type, project_type and tags, and not eq_set)",
                filter.entity_type()
            ),
        ));
    }
    let names: Vec<&str> = t.attributes.iter().map(|a| a.name.as_str()).collect();
    Ok(node(&names, &filter.root, true))
}

/// Compile a list's scope for the search index of an entity type: every document when a
/// system filter is eligible, otherwise those any eligible filter matches; refused with
/// `not_searchable` as [`compile_search`] refuses a filter.
pub fn compile_search_scope(
    schema: &Schema,
    entity_type: &str,
    scope: &Scope,
) -> Result<SearchQuery, Diagnostic> {
    if scope.all {
        return Ok(SearchQuery::All);
    }
    let mut any = Vec::new();
    for f in scope.filters.iter().filter(|f| f.entity_type() == entity_type) {
        any.push(compile_search(schema, f)?);
    }
    Ok(if any.len() == 1 { any.remove(0) } else { SearchQuery::Or(any) })
}

fn node(names: &[&str], n: &Node, positive: bool) -> SearchQuery {
    match n {
        // A slot past the type's attributes (a filter of another schema) matches nothing.
        Node::Cond { slot, test } => match names.get(*slot) {
            Some(name) => condition(name, test, positive),
            None => SearchQuery::Or(Vec::new()),
        },
        Node::And(cs) if positive => group(names, cs, true, SearchQuery::And),
        Node::And(cs) => group(names, cs, false, SearchQuery::Or),
        Node::Or(cs) if positive => group(names, cs, true, SearchQuery::Or),
        Node::Or(cs) => group(names, cs, false, SearchQuery::And),
        Node::Not(c) => node(names, c, !positive),
    }
}

fn group(
    names: &[&str],
    cs: &[Node],
    positive: bool,
    kind: fn(Vec<SearchQuery>) -> SearchQuery,
) -> SearchQuery {
    match cs {
        [only] => node(names, only, positive),
        _ => kind(cs.iter().map(|c| node(names, c, positive)).collect()),
    }
}

/// Where a condition is definitely true (`positive`), or definitely false: present, and not
/// true.
fn condition(field: &str, test: &Test, positive: bool) -> SearchQuery {
    let term = |v: &str| SearchQuery::Term { field: field.into(), value: v.into() };
    let any = |vs: &mut dyn Iterator<Item = &str>| SearchQuery::Or(vs.map(term).collect());
    // What makes the condition true, and whether that is its negation (`neq`, `nin`).
    let (holds, negated) = match test {
        Test::TextEq(v) => (term(v), false),
        Test::TextNeq(v) => (term(v), true),
        Test::TextIn { values, negated } => (any(&mut values.iter().map(|v| &**v)), *negated),
        Test::Intersects(vs) => (any(&mut vs.iter().map(|v| &**v)), false),
        Test::Contains(vs) => (SearchQuery::And(vs.iter().map(|v| term(v)).collect()), false),
        // Validation makes a filter with anything else unsearchable: it never gets here, and
        // would match nothing if it did (fail closed).
        _ => return SearchQuery::Or(Vec::new()),
    };
    if positive != negated {
        holds
    } else {
        SearchQuery::AndNot {
            include: Box::new(SearchQuery::Present { field: field.into() }),
            exclude: Box::new(holds),
        }
    }
}
