//! The SQL compiler: a compiled filter's tree, node by node, as the pair of fragments where it
//! is definitely true and definitely false (see the module above).

use super::mapping::{quote_identifier as quote, Mapping, Storage, TableMapping};
use crate::diagnostic::{Code, Diagnostic};
use crate::eval::compiled::{Cmp, Node, Test};
use crate::eval::CompiledFilter;
use crate::grants::Scope;
use crate::schema::Schema;
use crate::value::{format_uuid, NANOS_PER_DAY};
use serde::Serialize;

/// The SQL dialect to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// PostgreSQL: `$1` placeholders, arrays as `text[]`, `uuid[]`, `float8[]` parameters.
    Postgres,
    /// SQLite: `?1` placeholders, lists as JSON arrays read with `json_each`.
    Sqlite,
}

/// A bind parameter, typed as its column is (see [`Storage`]). In JSON: `{"type", "value"}`,
/// the type one of `text`, `number`, `bool`, `uuid`, `text[]`, `number[]`, `uuid[]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", content = "value")]
pub enum Param {
    /// A text; an instant as [`encode_instant`] writes it.
    #[serde(rename = "text")]
    Text(String),
    /// A number.
    #[serde(rename = "number")]
    Number(f64),
    /// A boolean (SQLite: 0 or 1).
    #[serde(rename = "bool")]
    Bool(bool),
    /// A UUID, canonical (lower-case, hyphenated).
    #[serde(rename = "uuid")]
    Uuid(String),
    /// Texts: PostgreSQL `text[]`, SQLite the JSON array's text.
    #[serde(rename = "text[]")]
    Texts(Vec<String>),
    /// Numbers: PostgreSQL `float8[]`, SQLite the JSON array's text.
    #[serde(rename = "number[]")]
    Numbers(Vec<f64>),
    /// UUIDs, canonical: PostgreSQL `uuid[]`, SQLite the JSON array's text.
    #[serde(rename = "uuid[]")]
    Uuids(Vec<String>),
}

/// A compiled `WHERE` fragment and its parameters, in placeholder order. In JSON:
/// `{"sql", "params"}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SqlQuery {
    /// The fragment: true exactly for the rows the filter (or scope) matches.
    pub sql: String,
    /// The values of `$1`, `$2`, ... (`?1`, `?2`, ...).
    pub params: Vec<Param>,
}

/// An instant (nanoseconds since the epoch) as [`Storage::Instant`] holds it: its distance
/// from `-10^21` ns in 22 decimal digits, so that byte order is time order over every instant
/// the engine reads (years 0 to 9999).
///
/// ```
/// use portcullis::pushdown::encode_instant;
/// assert_eq!(encode_instant(0), "1000000000000000000000");
/// assert!(encode_instant(-1) < encode_instant(0) && encode_instant(0) < encode_instant(1));
/// ```
pub fn encode_instant(nanos: i128) -> String {
    format!("{:022}", nanos + 1_000_000_000_000_000_000_000)
}

/// Compile a validated filter for its entity type's table.
pub fn compile_filter(
    schema: &Schema,
    mapping: &Mapping,
    dialect: Dialect,
    filter: &CompiledFilter,
) -> Result<SqlQuery, Diagnostic> {
    let table = table_of(mapping, filter.entity_type())?;
    let mut b = Builder::new(schema, table, super::type_of(schema, filter)?, dialect);
    let mut sql = String::new();
    b.node(&filter.root, true, &mut sql)?;
    Ok(SqlQuery { sql, params: b.params })
}

/// Compile a list's scope for an entity type's table: every row when a system filter is
/// eligible, otherwise the rows any of the eligible filters matches (none for an empty scope).
///
/// ```
/// use portcullis::pushdown::{compile_scope, Dialect, Mapping};
/// use portcullis::{Schema, Scope};
/// let schema = Schema::builtin();
/// let scope = Scope::from_json(&schema, "detail", &serde_json::json!({"all": false, "any": [
///     {"attr": "type", "op": "eq", "value": "steel"},
///     {"attr": "tags", "op": "intersects", "value": ["concrete"]}]})).unwrap();
/// let q = compile_scope(&schema, &Mapping::builtin(&schema), Dialect::Sqlite, "detail", &scope).unwrap();
/// assert!(q.sql.starts_with(r#"("type" = ?1 OR ("tags" IS NOT NULL AND EXISTS"#), "{}", q.sql);
/// assert_eq!(q.params.len(), 2);
/// ```
pub fn compile_scope(
    schema: &Schema,
    mapping: &Mapping,
    dialect: Dialect,
    entity_type: &str,
    scope: &Scope,
) -> Result<SqlQuery, Diagnostic> {
    compile_list(schema, mapping, dialect, entity_type, scope, None)
}

/// Compile a list's query: its scope, narrowed by the caller's own search (a filter of the
/// same type that every listed row must also match, as a data service turns its search
/// parameters into one), in one fragment whose parameters are numbered in order.
///
/// ```
/// use portcullis::pushdown::{compile_list, Dialect, Mapping};
/// use portcullis::{compile, Schema, Scope};
/// let schema = Schema::builtin();
/// let scope = Scope { all: true, filters: vec![] };
/// let search = compile(&schema, "tag", r#"name eq "steel""#).unwrap();
/// let q = compile_list(&schema, &Mapping::builtin(&schema), Dialect::Postgres, "tag", &scope, Some(&search)).unwrap();
/// assert_eq!(q.sql, r#"(TRUE) AND ("name" = $1)"#);
/// ```
pub fn compile_list(
    schema: &Schema,
    mapping: &Mapping,
    dialect: Dialect,
    entity_type: &str,
    scope: &Scope,
    search: Option<&CompiledFilter>,
) -> Result<SqlQuery, Diagnostic> {
    let table = table_of(mapping, entity_type)?;
    let type_index = schema.type_index(entity_type).ok_or_else(|| {
        Diagnostic::error(Code::UnknownEntityType, format!("`{entity_type}` is not an entity type"))
    })?;
    let mut b = Builder::new(schema, table, type_index, dialect);
    let mut sql = String::new();
    if search.is_some() {
        sql.push('(');
    }
    b.scope(scope, &mut sql)?;
    if let Some(f) = search {
        if super::type_of(schema, f)? != type_index {
            return Err(other_type(f, entity_type));
        }
        sql.push_str(") AND (");
        b.node(&f.root, true, &mut sql)?;
        sql.push(')');
    }
    Ok(SqlQuery { sql, params: b.params })
}

/// What an edit of a filter gives and takes away: the rows `after` matches and `before` does
/// not (gained), and the rows `before` matches and `after` does not (lost). "Does not match"
/// is false or unknown, so each is `(x) AND NOT COALESCE((y), FALSE)`.
///
/// ```
/// use portcullis::pushdown::{compile_impact, Dialect, Mapping};
/// use portcullis::{compile, Schema};
/// let schema = Schema::builtin();
/// let before = compile(&schema, "tag", r#"name eq "a""#).unwrap();
/// let after = compile(&schema, "tag", r#"name in ["a", "b"]"#).unwrap();
/// let [gained, lost] = compile_impact(&schema, &Mapping::builtin(&schema), Dialect::Postgres, &before, &after).unwrap();
/// assert_eq!(gained.sql, r#"("name" = ANY($1)) AND NOT COALESCE(("name" = $2), FALSE)"#);
/// assert_eq!(lost.params.len(), 2);
/// ```
pub fn compile_impact(
    schema: &Schema,
    mapping: &Mapping,
    dialect: Dialect,
    before: &CompiledFilter,
    after: &CompiledFilter,
) -> Result<[SqlQuery; 2], Diagnostic> {
    let type_index = super::type_of(schema, before)?;
    if super::type_of(schema, after)? != type_index {
        return Err(other_type(after, before.entity_type()));
    }
    let table = table_of(mapping, before.entity_type())?;
    let one = |x: &CompiledFilter, y: &CompiledFilter| {
        let mut b = Builder::new(schema, table, type_index, dialect);
        let mut sql = String::from("(");
        b.node(&x.root, true, &mut sql)?;
        sql.push_str(") AND NOT COALESCE((");
        b.node(&y.root, true, &mut sql)?;
        sql.push_str("), FALSE)");
        Ok(SqlQuery { sql, params: b.params })
    };
    Ok([one(after, before)?, one(before, after)?])
}

fn other_type(f: &CompiledFilter, entity_type: &str) -> Diagnostic {
    Diagnostic::error(
        Code::UnknownEntityType,
        format!("a {} filter cannot narrow a query of {entity_type} entities", f.entity_type()),
    )
}

fn table_of<'m>(mapping: &'m Mapping, entity_type: &str) -> Result<&'m TableMapping, Diagnostic> {
    mapping.table(entity_type).ok_or_else(|| {
        Diagnostic::error(
            Code::UnknownEntityType,
            format!("the mapping has no table for the entity type `{entity_type}`"),
        )
    })
}

struct Builder<'a> {
    schema: &'a Schema,
    table: &'a TableMapping,
    type_index: usize,
    dialect: Dialect,
    params: Vec<Param>,
    /// By slot: the column's quoted name, once checked against the attribute's type.
    columns: Vec<Option<String>>,
}

impl<'a> Builder<'a> {
    fn param(&mut self, p: Param) -> String {
        self.params.push(p);
        match self.dialect {
            Dialect::Postgres => format!("${}", self.params.len()),
            Dialect::Sqlite => format!("?{}", self.params.len()),
        }
    }

    fn new(
        schema: &'a Schema,
        table: &'a TableMapping,
        type_index: usize,
        dialect: Dialect,
    ) -> Builder<'a> {
        let slots = schema.entity_types[type_index].attributes.len();
        Builder {
            schema,
            table,
            type_index,
            dialect,
            params: Vec::new(),
            columns: vec![None; slots],
        }
    }

    /// Where a scope matches: every row when a system filter is eligible, otherwise where
    /// any eligible filter does (no row for an empty scope; a filter of another type
    /// matches nothing of this one).
    fn scope(&mut self, scope: &Scope, out: &mut String) -> Result<(), Diagnostic> {
        if scope.all {
            out.push_str("TRUE");
            return Ok(());
        }
        let filters: Vec<_> =
            scope.filters.iter().filter(|f| f.type_index == self.type_index).collect();
        match &filters[..] {
            [] => out.push_str("FALSE"),
            [only] => self.node(&only.root, true, out)?,
            many => {
                out.push('(');
                for (i, f) in many.iter().enumerate() {
                    if i > 0 {
                        out.push_str(" OR ");
                    }
                    self.node(&f.root, true, out)?;
                }
                out.push(')');
            }
        }
        Ok(())
    }

    /// Write where the node is definitely true (`positive`), or definitely false. Each node
    /// is written once, in the polarity its parent asks for.
    fn node(&mut self, n: &Node, positive: bool, out: &mut String) -> Result<(), Diagnostic> {
        match n {
            Node::Cond { slot, test } => {
                let c = self.condition(*slot, test, positive)?;
                out.push_str(&c);
                Ok(())
            }
            // AND is definitely true when every child is, definitely false when any is; OR
            // the other way round; NOT swaps the two.
            Node::And(cs) => self.group(cs, positive, if positive { " AND " } else { " OR " }, out),
            Node::Or(cs) => self.group(cs, positive, if positive { " OR " } else { " AND " }, out),
            Node::Not(c) => self.node(c, !positive, out),
        }
    }

    fn group(
        &mut self,
        children: &[Node],
        positive: bool,
        join: &str,
        out: &mut String,
    ) -> Result<(), Diagnostic> {
        if let [only] = children {
            return self.node(only, positive, out);
        }
        out.push('(');
        for (i, c) in children.iter().enumerate() {
            if i > 0 {
                out.push_str(join);
            }
            self.node(c, positive, out)?;
        }
        out.push(')');
        Ok(())
    }

    /// The quoted column of the attribute in `slot`, checked against its type once.
    fn column(&mut self, slot: usize) -> Result<String, Diagnostic> {
        if let Some(Some(x)) = self.columns.get(slot) {
            return Ok(x.clone());
        }
        let t = &self.schema.entity_types[self.type_index];
        let Some(a) = t.attributes.get(slot) else {
            let message = format!("the filter was compiled against another schema's {}", t.name);
            return Err(Diagnostic::error(Code::UnknownAttribute, message));
        };
        let attribute = &a.name;
        let column = self.table.column(attribute).ok_or_else(|| {
            Diagnostic::error(
                Code::UnknownAttribute,
                format!("the mapping has no column for the attribute `{attribute}` of {}", t.name),
            )
        })?;
        let value_type = a.value_type;
        if column.storage != Storage::of(value_type) {
            return Err(Diagnostic::error(
                Code::InvalidPredicate,
                format!(
                    "the mapping stores `{attribute}` as {:?}, but it is a {value_type} attribute, stored as {:?}",
                    column.storage,
                    Storage::of(value_type)
                ),
            ));
        }
        let x = quote(&column.column);
        self.columns[slot] = Some(x.clone());
        Ok(x)
    }

    /// A condition where it is definitely true (`positive`), or definitely false.
    fn condition(
        &mut self,
        slot: usize,
        test: &Test,
        positive: bool,
    ) -> Result<String, Diagnostic> {
        let x = self.column(slot)?;
        let pg = self.dialect == Dialect::Postgres;
        Ok(match test {
            Test::TextEq(v) => self.compare(&x, Cmp::Eq, Param::Text(v.to_string()), positive),
            Test::TextNeq(v) => self.compare(&x, Cmp::Neq, Param::Text(v.to_string()), positive),
            Test::TextIn { values, negated } => {
                let p = Param::Texts(values.iter().map(|v| v.to_string()).collect());
                self.member(&x, p, *negated == positive)
            }
            Test::Number(c, v) => self.compare(&x, *c, Param::Number(*v), positive),
            Test::NumberIn { values, negated } => {
                self.member(&x, Param::Numbers(values.to_vec()), *negated == positive)
            }
            Test::Bool(v) => self.compare(&x, Cmp::Eq, Param::Bool(*v), positive),
            Test::Uuid(c, v) => self.compare(&x, *c, Param::Uuid(format_uuid(*v)), positive),
            Test::UuidIn { values, negated } => {
                let p = Param::Uuids(values.iter().map(|v| format_uuid(*v)).collect());
                self.member(&x, p, *negated == positive)
            }
            Test::Instant(c, v) => self.compare(&x, *c, Param::Text(encode_instant(*v)), positive),
            // A date-only value is the whole UTC day [start, end).
            Test::Day(c, start) => {
                let (s, e) = (*start, *start + NANOS_PER_DAY);
                let mut at = |v: i128| self.param(Param::Text(encode_instant(v)));
                match c {
                    Cmp::Eq | Cmp::Neq => {
                        let (ps, pe) = (at(s), at(e));
                        if (*c == Cmp::Eq) == positive {
                            format!("({x} >= {ps} AND {x} < {pe})")
                        } else {
                            format!("({x} < {ps} OR {x} >= {pe})")
                        }
                    }
                    Cmp::Gt => self.split(&x, e, positive),
                    Cmp::Gte => self.split(&x, s, positive),
                    Cmp::Lt => self.split(&x, s, !positive),
                    Cmp::Lte => self.split(&x, e, !positive),
                }
            }
            Test::Intersects(vs) => {
                let p = self.param(Param::Texts(vs.iter().map(|v| v.to_string()).collect()));
                let any = if pg {
                    format!("{x} && {p}")
                } else {
                    format!("EXISTS (SELECT 1 FROM json_each({x}) AS e WHERE e.value IN (SELECT value FROM json_each({p})))")
                };
                self.list(&x, any, positive)
            }
            Test::Contains(vs) => {
                let p = self.param(Param::Texts(vs.iter().map(|v| v.to_string()).collect()));
                let all = if pg { format!("{x} @> {p}") } else { subset(&p, &x) };
                self.list(&x, all, positive)
            }
            Test::EqSet(vs) => {
                let p = self.param(Param::Texts(vs.iter().map(|v| v.to_string()).collect()));
                let same = if pg {
                    format!("({x} @> {p} AND {x} <@ {p})")
                } else {
                    format!("({} AND {})", subset(&p, &x), subset(&x, &p))
                };
                self.list(&x, same, positive)
            }
        })
    }

    /// `x op v` where definitely true (`positive`), or the opposite comparison where
    /// definitely false: a NULL `x` is neither.
    fn compare(&mut self, x: &str, c: Cmp, v: Param, positive: bool) -> String {
        let p = self.param(v);
        let (op, not) = match c {
            Cmp::Eq => ("=", "<>"),
            Cmp::Neq => ("<>", "="),
            Cmp::Gt => (">", "<="),
            Cmp::Gte => (">=", "<"),
            Cmp::Lt => ("<", ">="),
            Cmp::Lte => ("<=", ">"),
        };
        format!("{x} {} {p}", if positive { op } else { not })
    }

    /// `x >= v` (`at_or_after`) or `x < v`.
    fn split(&mut self, x: &str, v: i128, at_or_after: bool) -> String {
        let p = self.param(Param::Text(encode_instant(v)));
        format!("{x} {} {p}", if at_or_after { ">=" } else { "<" })
    }

    /// `x` one of the values, or (`none`) none of them: a NULL `x` is neither.
    fn member(&mut self, x: &str, values: Param, none: bool) -> String {
        let p = self.param(values);
        match (self.dialect, none) {
            (Dialect::Postgres, false) => format!("{x} = ANY({p})"),
            (Dialect::Postgres, true) => format!("{x} <> ALL({p})"),
            (Dialect::Sqlite, false) => format!("{x} IN (SELECT value FROM json_each({p}))"),
            (Dialect::Sqlite, true) => format!("{x} NOT IN (SELECT value FROM json_each({p}))"),
        }
    }

    /// A list test that is two-valued on a present list: definitely false is "present, and
    /// not the test" (array and JSON operators answer false, not unknown, where the engine's
    /// list is absent).
    fn list(&mut self, x: &str, holds: String, positive: bool) -> String {
        format!("({x} IS NOT NULL AND {}{holds})", if positive { "" } else { "NOT " })
    }
}

/// SQLite: every element of the JSON array `sub` is in the JSON array `sup`.
fn subset(sub: &str, sup: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM json_each({sub}) AS s WHERE s.value NOT IN (SELECT value FROM json_each({sup})))"
    )
}
