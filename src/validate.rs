//! Validation (SPEC 2.4): every problem at once, each with its code, an actionable message and
//! its location; a valid filter comes out compiled.
//!
//! Each condition yields at most one error, from the first failing check in this order:
//! attribute exists, attribute is filterable, operator fits the type, value fits.

use crate::diagnostic::{bound, suggest, Code, Diagnostic, SpanIndex};
use crate::eval::compiled::{Cmp, CompiledFilter, Node, Test};
use crate::eval::tuning::{Matcher, Text};
use crate::lang::{parse, predicate_from_json, Condition, GroupKind, Predicate, TextRange};
use crate::limits::*;
use crate::record::{deserialize_via_reader, Fields, ReadError};
use crate::schema::{Attribute, EntityType, Operator, Schema, ValueType};
use crate::value::{parse_date, parse_uuid, DateValue};
use serde_json::Value;

/// Where a filter's predicate comes from.
#[derive(Clone, Debug)]
pub enum PredicateSource {
    /// The JSON form (the create/update API form).
    Json(Value),
    /// The text form.
    Text(String),
    /// An already built tree.
    Tree(Predicate),
}

/// A filter to validate: `{entity_type, name, description?, predicate | predicate_text}`.
#[derive(Clone, Debug)]
pub struct FilterDraft {
    /// The entity type the filter is for.
    pub entity_type: String,
    /// The filter's name (required by validation).
    pub name: String,
    /// An optional description.
    pub description: Option<String>,
    /// The predicate, in one of its forms.
    pub predicate: PredicateSource,
}

impl FilterDraft {
    /// A draft with its predicate in the text form and no description.
    ///
    /// ```
    /// use portcullis::{validate, FilterDraft, Schema};
    /// let draft = FilterDraft::new("detail", "Concrete details", r#"tags intersects ["concrete"]"#);
    /// assert!(validate(&Schema::builtin(), &draft).is_valid());
    /// ```
    pub fn new(
        entity_type: impl Into<String>,
        name: impl Into<String>,
        predicate_text: impl Into<String>,
    ) -> FilterDraft {
        FilterDraft {
            entity_type: entity_type.into(),
            name: name.into(),
            description: None,
            predicate: PredicateSource::Text(predicate_text.into()),
        }
    }

    fn read(v: &Value, path: String) -> Result<FilterDraft, ReadError> {
        let f = Fields::of(v, path)?;
        let predicate = match (f.get("predicate"), f.opt_string("predicate_text")?) {
            (Some(_), Some(_)) => {
                return Err("give either `predicate` or `predicate_text`, not both".into())
            }
            (Some(v), None) => PredicateSource::Json(v.clone()),
            (None, Some(t)) => PredicateSource::Text(t),
            (None, None) => {
                return Err(
                    "a filter needs `predicate` (JSON form) or `predicate_text` (text form)".into(),
                )
            }
        };
        Ok(FilterDraft {
            entity_type: f.string("entity_type")?,
            name: f.opt_string("name")?.unwrap_or_default(),
            description: f.opt_string("description")?,
            predicate,
        })
    }
}

deserialize_via_reader!(FilterDraft, FilterDraft::read);

/// The outcome of validating a filter.
#[derive(Clone, Debug)]
pub struct Validation {
    /// Problems that block saving.
    pub errors: Vec<Diagnostic>,
    /// Problems worth showing that do not block saving.
    pub warnings: Vec<Diagnostic>,
    /// Likely slips the contract allows, such as an empty text value: for the author's eyes,
    /// neither errors nor the contract's warnings.
    pub notices: Vec<Diagnostic>,
    /// The tree, when the predicate could be read (even if it has errors).
    pub predicate: Option<Predicate>,
    /// The compiled filter, when there are no errors.
    pub filter: Option<CompiledFilter>,
}

impl Validation {
    /// Whether the filter may be saved.
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Validate a whole filter: name, description, entity type and predicate.
///
/// ```
/// use portcullis::{validate, FilterDraft, PredicateSource, Schema};
/// let draft = FilterDraft {
///     entity_type: "stash".into(),
///     name: "".into(),
///     description: None,
///     predicate: PredicateSource::Text(r#"created_by eq "bob" AND colour eq "red""#.into()),
/// };
/// let v = validate(&Schema::builtin(), &draft);
/// let codes: Vec<&str> = v.errors.iter().map(|d| d.code.as_str()).collect();
/// assert_eq!(codes, ["name_required", "invalid_uuid", "unknown_attribute"]);
/// ```
pub fn validate(schema: &Schema, draft: &FilterDraft) -> Validation {
    let mut errors = Vec::new();
    let name_chars = draft.name.chars().count();
    if draft.name.trim().is_empty() {
        errors.push(
            Diagnostic::error(Code::NameRequired, "the filter needs a name")
                .with_help(
                    "pick something descriptive, such as `Concrete details (typical library)`",
                )
                .at_path("$.name"),
        );
    } else if name_chars > MAX_NAME_CHARS {
        errors.push(
            Diagnostic::error(
                Code::NameTooLong,
                format!("the name is {name_chars} characters; the limit is {MAX_NAME_CHARS}"),
            )
            .at_path("$.name"),
        );
    }
    if let Some(d) = &draft.description {
        let n = d.chars().count();
        if n > MAX_DESCRIPTION_CHARS {
            errors.push(
                Diagnostic::error(
                    Code::DescriptionTooLong,
                    format!(
                        "the description is {n} characters; the limit is {MAX_DESCRIPTION_CHARS}"
                    ),
                )
                .at_path("$.description"),
            );
        }
    }
    let entity_type = schema.entity_type(&draft.entity_type);
    if entity_type.is_none() {
        let names: Vec<&str> = schema.entity_types.iter().map(|t| t.name.as_str()).collect();
        let mut d = Diagnostic::error(
            Code::UnknownEntityType,
            format!("`{}` is not an entity type", draft.entity_type),
        )
        .with_help(format!("entity types: {}", names.join(", ")))
        .at_path("$.entity_type");
        if let Some(s) = suggest(&draft.entity_type, &names) {
            d = d.with_help(format!("did you mean `{s}`? entity types: {}", names.join(", ")));
        }
        errors.push(d);
    }
    let mut v = read_and_check(schema, &draft.entity_type, &draft.predicate, entity_type.is_some());
    errors.append(&mut v.errors);
    v.errors = errors;
    if !v.errors.is_empty() {
        v.filter = None;
    }
    v
}

/// Read a predicate from its source and check it against an entity type.
fn read_and_check(
    schema: &Schema,
    entity_type: &str,
    source: &PredicateSource,
    type_known: bool,
) -> Validation {
    let (tree, text) = match source {
        PredicateSource::Text(t) => match parse(t) {
            Ok(p) => (p, Some(t.as_str())),
            Err(d) => {
                return Validation {
                    errors: vec![d.at_path("$.predicate_text")],
                    warnings: vec![],
                    notices: vec![],
                    predicate: None,
                    filter: None,
                }
            }
        },
        PredicateSource::Json(v) => match predicate_from_json(v, "$.predicate") {
            Ok(p) => (p, None),
            Err(errors) => {
                return Validation {
                    errors: bound(errors),
                    warnings: vec![],
                    notices: vec![],
                    predicate: None,
                    filter: None,
                }
            }
        },
        PredicateSource::Tree(p) => (p.clone(), None),
    };
    let Some(type_index) = schema.type_index(entity_type).filter(|_| type_known) else {
        // SPEC 2.4: with an unknown entity type the predicate is not checked.
        return Validation {
            errors: vec![],
            warnings: vec![],
            notices: vec![],
            predicate: Some(tree),
            filter: None,
        };
    };
    let t = &schema.entity_types[type_index];
    let spans = text.map(SpanIndex::new);
    let mut c = Checker {
        t,
        spans,
        errors: Vec::new(),
        warnings: Vec::new(),
        notices: Vec::new(),
        searchable: true,
    };
    if text.is_none() {
        // The JSON form is held to the text form's size bound through its canonical text.
        let size = tree.to_string().len();
        if size > MAX_TEXT_BYTES {
            c.errors.push(
                Diagnostic::error(Code::InputTooLarge, format!("the predicate is {size} bytes as text; the limit is {MAX_TEXT_BYTES} bytes (64 KiB)"))
                    .at_path("$.predicate"),
            );
        }
    }
    let depth = tree.depth();
    if depth > MAX_DEPTH {
        let d = Diagnostic::error(
            Code::MaxDepthExceeded,
            format!("the filter is nested {depth} levels deep; the limit is {MAX_DEPTH}"),
        )
        .with_help("flatten runs of the same operator into one group");
        c.errors.push(c.locate(d, "$.predicate", tree.range()));
    }
    let root = c.node(&tree, "$.predicate".into());
    let filter = match root {
        Some(root) if c.errors.is_empty() => Some(CompiledFilter {
            type_index,
            entity_type: t.name.as_str().into(),
            predicate: tree.clone(),
            matcher: Matcher::new(&root),
            root,
            searchable: c.searchable,
        }),
        _ => None,
    };
    Validation {
        errors: bound(c.errors),
        warnings: bound(c.warnings),
        notices: bound(c.notices),
        predicate: Some(tree),
        filter,
    }
}

/// Compile a predicate for an entity type: validation without name and description.
///
/// ```
/// use portcullis::{compile, Schema};
/// let err = compile(&Schema::builtin(), "family", r#"created_at in ["2025-01-01"]"#).unwrap_err();
/// assert_eq!(err[0].code.as_str(), "operator_not_allowed");
/// assert_eq!(err[0].help.as_deref(), Some("operators for a date attribute: eq, neq, gt, gte, lt, lte"));
/// ```
pub fn compile(
    schema: &Schema,
    entity_type: &str,
    text: &str,
) -> Result<CompiledFilter, Vec<Diagnostic>> {
    compile_source(schema, entity_type, &PredicateSource::Text(text.into())).map(|(f, _)| f)
}

/// Compile a predicate from any source; the warnings come with the filter.
pub fn compile_source(
    schema: &Schema,
    entity_type: &str,
    source: &PredicateSource,
) -> Result<(CompiledFilter, Vec<Diagnostic>), Vec<Diagnostic>> {
    if schema.entity_type(entity_type).is_none() {
        return Err(vec![Diagnostic::error(
            Code::UnknownEntityType,
            format!("`{entity_type}` is not an entity type"),
        )
        .at_path("$.entity_type")]);
    }
    let v = read_and_check(schema, entity_type, source, true);
    match v.filter {
        Some(f) if v.errors.is_empty() => Ok((f, v.warnings)),
        _ => Err(v.errors),
    }
}

struct Checker<'a> {
    t: &'a EntityType,
    /// The text form, indexed: one diagnostic per failing condition is located in it.
    spans: Option<SpanIndex<'a>>,
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
    notices: Vec<Diagnostic>,
    searchable: bool,
}

fn list_ops(ops: &[Operator]) -> String {
    ops.iter().map(|o| o.as_str()).collect::<Vec<_>>().join(", ")
}

impl Checker<'_> {
    /// Attach the path, and the span when the filter came as text.
    fn locate(&self, d: Diagnostic, path: &str, range: Option<TextRange>) -> Diagnostic {
        let d = d.at_path(path);
        match (&self.spans, range) {
            (Some(spans), Some(r)) => d.at_span(spans.locate(r.start, r.end)),
            _ => d,
        }
    }

    fn node(&mut self, p: &Predicate, path: String) -> Option<Node> {
        match p {
            Predicate::Condition(c) => self.condition(c, &path),
            Predicate::Not { child, .. } => {
                self.node(child, format!("{path}.not")).map(|n| Node::Not(Box::new(n)))
            }
            Predicate::Group { kind, children, range } => {
                if children.is_empty() {
                    let d = Diagnostic::error(
                        Code::EmptyGroup,
                        format!("this `{}` group has no conditions", kind.as_str()),
                    )
                    .with_help("add a condition or remove the group");
                    self.errors.push(self.locate(d, &path, *range));
                } else if children.len() > MAX_GROUP_CHILDREN {
                    let d = Diagnostic::error(
                        Code::TooManyConditions,
                        format!("this group has {} children; the limit is {MAX_GROUP_CHILDREN} (conditions and sub-groups together)", children.len()),
                    )
                    .with_help("split it into nested groups");
                    self.errors.push(self.locate(d, &path, *range));
                }
                let key = kind.as_str();
                let nodes: Vec<Option<Node>> = children
                    .iter()
                    .enumerate()
                    .map(|(i, c)| self.node(c, format!("{path}.{key}[{i}]")))
                    .collect();
                let nodes: Option<Vec<Node>> = nodes.into_iter().collect();
                let nodes = nodes?.into_boxed_slice();
                Some(match kind {
                    GroupKind::And => Node::And(nodes),
                    GroupKind::Or => Node::Or(nodes),
                })
            }
        }
    }

    fn condition(&mut self, c: &Condition, path: &str) -> Option<Node> {
        let r = c.ranges;
        let t = self.t;
        let op = Operator::from_code(&c.op);
        // SPEC 2.4: a warning for a condition that *uses* what search cannot run (a known
        // filterable attribute outside the index, or a refused operator), errors or not.
        if let Some(search) = &t.search {
            let attr_outside = t
                .attribute(&c.attr)
                .is_some_and(|a| a.filterable && !search.attributes.contains(&a.name));
            if attr_outside || op.is_some_and(|o| search.unsupported_operators.contains(&o)) {
                self.not_searchable(c, path);
            }
        }
        let Some(slot) = t.slot(&c.attr) else {
            let names: Vec<&str> =
                t.attributes.iter().filter(|a| a.filterable).map(|a| a.name.as_str()).collect();
            let help = match suggest(&c.attr, &names) {
                Some(s) => {
                    format!("did you mean `{s}`? {} attributes: {}", t.name, names.join(", "))
                }
                None => format!("{} attributes: {}", t.name, names.join(", ")),
            };
            let d = Diagnostic::error(
                Code::UnknownAttribute,
                format!("`{}` is not an attribute of {}", c.attr, t.name),
            )
            .with_help(help);
            self.errors.push(self.locate(d, &format!("{path}.attr"), r.map(|r| r.attr)));
            return None;
        };
        let attr = &t.attributes[slot];
        if !attr.filterable {
            let d = Diagnostic::error(
                Code::AttributeNotSupported,
                format!("{} `{}` cannot be filtered on in this version", t.name, attr.name),
            );
            self.errors.push(self.locate(d, &format!("{path}.attr"), r.map(|r| r.attr)));
            return None;
        }
        let allowed = attr.value_type.operators();
        let Some(op) = op.filter(|o| allowed.contains(o)) else {
            let d = Diagnostic::error(
                Code::OperatorNotAllowed,
                format!(
                    "`{}` cannot be used on `{}`, a {} attribute",
                    c.op, attr.name, attr.value_type
                ),
            )
            .with_help(format!(
                "operators for a {} attribute: {}",
                attr.value_type,
                list_ops(allowed)
            ));
            self.errors.push(self.locate(d, &format!("{path}.op"), r.map(|r| r.op)));
            return None;
        };
        match compile_test(attr.value_type, op, &c.value) {
            Ok(test) => {
                self.blank_text(attr, c, path);
                Some(Node::Cond { slot, test })
            }
            Err(d) => {
                let d = self.locate(d, &format!("{path}.value"), r.map(|r| r.value));
                self.errors.push(d);
                None
            }
        }
    }

    /// A notice for an empty or blank text among a text or list condition's values: allowed,
    /// and what the author meant only when entities really hold that text.
    fn blank_text(&mut self, attr: &Attribute, c: &Condition, path: &str) {
        if !matches!(attr.value_type, ValueType::Text | ValueType::List) {
            return;
        }
        let blank = |v: &Value| v.as_str().is_some_and(|s| s.trim().is_empty());
        let found = match &c.value {
            Value::Array(items) => items.iter().any(blank),
            v => blank(v),
        };
        if !found {
            return;
        }
        let d = Diagnostic::notice(
            Code::EmptyTextValue,
            format!(
                "`{} {}` compares with an empty or blank text: only {} entities whose `{}` holds exactly that text match",
                c.attr, c.op, self.t.name, c.attr
            ),
        )
        .with_help("type the value you mean, or remove the condition");
        let d = self.locate(d, &format!("{path}.value"), c.ranges.map(|r| r.value));
        self.notices.push(d);
    }

    fn not_searchable(&mut self, c: &Condition, path: &str) {
        self.searchable = false;
        let help = match &self.t.search {
            Some(s) if !s.unsupported_operators.is_empty() => format!(
                "search runs only on {} and refuses {}; this filter still works when reading one {} by id",
                s.attributes.iter().map(String::as_str).collect::<Vec<_>>().join(", "),
                list_ops(&s.unsupported_operators),
                self.t.name
            ),
            Some(s) => format!("search runs only on {}", s.attributes.iter().map(String::as_str).collect::<Vec<_>>().join(", ")),
            None => String::new(),
        };
        let d = Diagnostic::warning(
            Code::NotSearchable,
            format!("`{} {}` cannot run on the {} search index: this filter will not grant list, search or preview", c.attr, c.op, self.t.name),
        )
        .with_help(help);
        let d = self.locate(d, path, c.ranges.map(|r| r.attr.cover(r.value)));
        self.warnings.push(d);
    }
}

fn invalid(msg: String) -> Diagnostic {
    Diagnostic::error(Code::InvalidValue, msg)
}

fn describe(v: &Value) -> String {
    // The compact writer `Value`'s Display also uses, without the Display and formatter
    // machinery it would link into the wasm module.
    let s = serde_json::to_string(v).unwrap_or_default();
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s
    }
}

fn check_string(s: &str) -> Result<(), Diagnostic> {
    let n = s.chars().count();
    if n > MAX_STRING_CHARS {
        return Err(Diagnostic::error(
            Code::InputTooLarge,
            format!("a value is {n} characters; the limit is {MAX_STRING_CHARS}"),
        ));
    }
    Ok(())
}

/// Turn a condition's value into its compiled test, or say why it does not fit.
fn compile_test(ty: ValueType, op: Operator, value: &Value) -> Result<Test, Diagnostic> {
    if op.takes_array() {
        let Value::Array(items) = value else {
            return Err(invalid(format!(
                "`{op}` takes a list such as [\"a\", \"b\"], found {}",
                describe(value)
            )));
        };
        if items.is_empty() && op != Operator::EqSet {
            return Err(invalid(format!("`{op}` needs at least one value")));
        }
        if items.len() > MAX_LIST_VALUES {
            return Err(Diagnostic::error(
                Code::InputTooLarge,
                format!("the list has {} values; the limit is {MAX_LIST_VALUES}", items.len()),
            ));
        }
        let elem = if ty == ValueType::List { ValueType::Text } else { ty };
        return list_test(ty, elem, op, items);
    }
    if let Value::String(s) = value {
        check_string(s)?;
    }
    let cmp = match op {
        Operator::Eq => Cmp::Eq,
        Operator::Neq => Cmp::Neq,
        Operator::Gt => Cmp::Gt,
        Operator::Gte => Cmp::Gte,
        Operator::Lt => Cmp::Lt,
        Operator::Lte => Cmp::Lte,
        _ => unreachable!("array operators are handled above"),
    };
    let want = |what: &str| {
        invalid(format!("`{op}` on a {ty} attribute takes {what}, found {}", describe(value)))
    };
    match (ty, value) {
        (ValueType::Text, Value::String(s)) => Ok(if cmp == Cmp::Eq {
            Test::TextEq(s.as_str().into())
        } else {
            Test::TextNeq(s.as_str().into())
        }),
        (ValueType::Text, _) => Err(want("a string")),
        (ValueType::Number, Value::Number(n)) => {
            n.as_f64().map(|f| Test::Number(cmp, f)).ok_or_else(|| want("a number"))
        }
        (ValueType::Number, _) => Err(want("a number")),
        (ValueType::Bool, Value::Bool(b)) => Ok(Test::Bool(*b)),
        (ValueType::Bool, _) => Err(want("true or false")),
        (ValueType::Uuid, Value::String(s)) => {
            parse_uuid(s).map(|u| Test::Uuid(cmp, u)).ok_or_else(|| bad_uuid(s))
        }
        (ValueType::Uuid, _) => Err(want("a UUID string")),
        (ValueType::Date, Value::String(s)) => match parse_date(s) {
            Some(DateValue::Day(d)) => Ok(Test::Day(cmp, DateValue::Day(d).instant())),
            Some(DateValue::Instant(t)) => Ok(Test::Instant(cmp, t)),
            None => Err(bad_date(s)),
        },
        (ValueType::Date, _) => Err(want("an ISO-8601 date string")),
        (ValueType::List, _) => unreachable!("list operators all take arrays"),
    }
}

fn bad_uuid(s: &str) -> Diagnostic {
    Diagnostic::error(Code::InvalidUuid, format!("{} is not a UUID", describe(&Value::String(s.into()))))
        .with_help("UUID attributes take ids such as \"9d7e0c4a-1b2f-4c3d-8e5f-60718293a4b5\", not names or emails")
}

fn bad_date(s: &str) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidDate,
        format!("{} is not an ISO-8601 date", describe(&Value::String(s.into()))),
    )
    .with_help("write YYYY-MM-DD, or a date-time with an offset such as 2025-01-01T09:30:00Z")
}

fn list_test(
    ty: ValueType,
    elem: ValueType,
    op: Operator,
    items: &[Value],
) -> Result<Test, Diagnostic> {
    let kind = match elem {
        ValueType::Text => "strings",
        ValueType::Number => "numbers",
        ValueType::Uuid => "UUID strings",
        _ => "values",
    };
    // A value of the wrong JSON type is `invalid_value` before any UUID is looked at.
    if let Some(bad) = items.iter().find(|v| {
        !matches!(
            (elem, v),
            (ValueType::Text | ValueType::Uuid, Value::String(_))
                | (ValueType::Number, Value::Number(_))
        )
    }) {
        return Err(invalid(format!(
            "`{op}` on a {ty} attribute takes a list of {kind}, found {}",
            describe(bad)
        )));
    }
    for v in items {
        if let Value::String(s) = v {
            check_string(s)?;
        }
    }
    let negate = op == Operator::Nin;
    Ok(match elem {
        ValueType::Text => {
            let mut set: Vec<Text> =
                items.iter().filter_map(Value::as_str).map(Text::from).collect();
            set.sort_unstable();
            set.dedup();
            let set = set.into_boxed_slice();
            match op {
                Operator::In | Operator::Nin => Test::TextIn { values: set, negated: negate },
                Operator::Intersects => Test::Intersects(set),
                Operator::Contains => Test::Contains(set),
                _ => Test::EqSet(set),
            }
        }
        ValueType::Number => Test::NumberIn {
            values: items.iter().filter_map(Value::as_f64).collect(),
            negated: negate,
        },
        ValueType::Uuid => {
            let mut set = Vec::with_capacity(items.len());
            for s in items.iter().filter_map(Value::as_str) {
                set.push(parse_uuid(s).ok_or_else(|| bad_uuid(s))?);
            }
            set.sort_unstable();
            set.dedup();
            Test::UuidIn { values: set.into_boxed_slice(), negated: negate }
        }
        _ => unreachable!("only text, number and uuid attributes take in/nin"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;

    fn codes(entity_type: &str, text: &str) -> (Vec<&'static str>, Vec<&'static str>) {
        let draft = FilterDraft::new(entity_type, "n", text);
        let v = validate(&Schema::builtin(), &draft);
        (
            v.errors.iter().map(|d| d.code.as_str()).collect(),
            v.warnings.iter().map(|d| d.code.as_str()).collect(),
        )
    }

    #[test]
    fn each_condition_reports_its_first_problem() {
        assert_eq!(codes("stash", r#"colour gt 5"#).0, ["unknown_attribute"]);
        assert_eq!(codes("detail", r#"status gt 5"#).0, ["attribute_not_supported"]);
        assert_eq!(codes("stash", r#"is_permanent gt "x""#).0, ["operator_not_allowed"]);
        assert_eq!(codes("stash", r#"created_by in ["x", 5]"#).0, ["invalid_value"]);
        assert_eq!(codes("stash", r#"created_by in ["x"]"#).0, ["invalid_uuid"]);
        assert_eq!(codes("family", r#"created_at eq 5"#).0, ["invalid_value"]);
        assert_eq!(codes("family", r#"tags eq_set []"#).0, Vec::<&str>::new());
        assert_eq!(codes("family", r#"tags contains []"#).0, ["invalid_value"]);
    }

    #[test]
    fn blank_text_values_are_notices_not_warnings() {
        let notices = |entity_type: &str, text: &str| {
            let draft = FilterDraft::new(entity_type, "n", text);
            let v = validate(&Schema::builtin(), &draft);
            assert!(v.is_valid() && v.warnings.is_empty(), "{text}");
            v.notices
                .iter()
                .map(|d| (d.severity, d.path().unwrap().to_string()))
                .collect::<Vec<_>>()
        };
        let n = notices(
            "family",
            r#"name eq "" AND tags intersects ["a", "  "] AND category in ["x"]"#,
        );
        assert_eq!(
            n,
            [
                (Severity::Notice, "$.predicate.and[0].value".to_string()),
                (Severity::Notice, "$.predicate.and[1].value".to_string())
            ]
        );
        assert!(notices("family", r#"name eq "a" AND tags eq_set []"#).is_empty());
        assert!(notices("stash", r#"is_permanent eq true"#).is_empty());
    }

    #[test]
    fn spans_point_at_the_part_at_fault() {
        let src = r#"type eq "a" AND colour eq "x""#;
        let draft = FilterDraft::new("detail", "n", src);
        let v = validate(&Schema::builtin(), &draft);
        let d = &v.errors[0];
        assert_eq!(d.path(), Some("$.predicate.and[1].attr"));
        let s = d.span().unwrap();
        assert_eq!(&src[s.start..s.end], "colour");
    }

    #[test]
    fn thousands_of_failing_conditions_answer_in_bounded_size() {
        // 6,500 unknown attributes, one a line, at the 64 KiB bound: the first ones point at
        // their attribute, the rest are counted in one diagnostic, and locating stays linear
        // (see `SpanIndex`).
        let src = vec!["a eq 1"; 6500].join("\nOR ");
        assert!(src.len() <= MAX_TEXT_BYTES);
        let draft = FilterDraft {
            entity_type: "tag".into(),
            name: "n".into(),
            description: None,
            predicate: PredicateSource::Text(src.clone()),
        };
        let v = validate(&Schema::builtin(), &draft);
        let unknown: Vec<_> =
            v.errors.iter().filter(|d| d.code == Code::UnknownAttribute).collect();
        assert_eq!(unknown.len(), MAX_DIAGNOSTICS_PER_CODE + 1);
        for (i, d) in unknown[..MAX_DIAGNOSTICS_PER_CODE].iter().enumerate() {
            let s = d.span().unwrap();
            assert_eq!(&src[s.start..s.end], "a");
            assert_eq!((s.line, s.column), (i + 1, if i == 0 { 1 } else { 4 }));
            assert_eq!(s, crate::diagnostic::Span::locate(&src, s.start, s.end));
        }
        let rest = unknown[MAX_DIAGNOSTICS_PER_CODE];
        assert_eq!(
            rest.message,
            format!(
                "{} more `unknown_attribute` problems like the ones above",
                6500 - MAX_DIAGNOSTICS_PER_CODE
            )
        );
        assert!(rest.location.is_none());
    }

    #[test]
    fn warnings_for_unsearchable_detail_filters() {
        assert_eq!(
            codes("detail", r#"project_id eq "9d7e0c4a-1b2f-4c3d-8e5f-60718293a4b5""#).1,
            ["not_searchable"]
        );
        assert_eq!(codes("detail", r#"tags eq_set ["a"]"#).1, ["not_searchable"]);
        assert!(codes("family", r#"tags eq_set ["a"]"#).1.is_empty());
    }

    #[test]
    fn oversized_values_are_refused() {
        let long = format!(r#"name eq "{}""#, "x".repeat(2000));
        assert_eq!(codes("tag", &long).0, ["input_too_large"]);
        let many = format!("name in [{}]", vec!["\"a\""; 1001].join(","));
        assert_eq!(codes("tag", &many).0, ["input_too_large"]);
    }
}
