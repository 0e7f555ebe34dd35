//! The schema: entity types, their attributes and value types, their actions, and what the
//! search index can run. It is data: [`Schema::builtin`] is SPEC section 1, and
//! [`Schema::from_json`] loads another, so nothing about families or details is hard-coded in
//! the validator or the evaluator.
//!
//! ```
//! use portcullis::{Schema, ValueType};
//! let schema = Schema::builtin();
//! let detail = schema.entity_type("detail").unwrap();
//! assert_eq!(detail.attribute("tags").unwrap().value_type, ValueType::List);
//! assert!(!detail.attribute("status").unwrap().filterable);
//! ```

use crate::diagnostic::{Code, Diagnostic};
use crate::json::write::{array, text as out, Obj};
use crate::limits;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The type of an attribute's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ValueType {
    /// A string.
    Text,
    /// A JSON number.
    Number,
    /// A date (`2025-01-31`) or date-time (RFC 3339).
    Date,
    /// A list of strings.
    List,
    /// `true` or `false`.
    Bool,
    /// A UUID (any case).
    Uuid,
}

impl ValueType {
    /// The operators allowed on values of this type (SPEC 2.2).
    pub fn operators(self) -> &'static [Operator] {
        use Operator::*;
        match self {
            ValueType::Text | ValueType::Uuid => &[Eq, Neq, In, Nin],
            ValueType::Number => &[Eq, Neq, Gt, Gte, Lt, Lte, In, Nin],
            ValueType::Date => &[Eq, Neq, Gt, Gte, Lt, Lte],
            ValueType::List => &[Intersects, Contains, EqSet],
            ValueType::Bool => &[Eq],
        }
    }

    /// The type's name as the schema and messages write it.
    pub fn as_str(self) -> &'static str {
        match self {
            ValueType::Text => "text",
            ValueType::Number => "number",
            ValueType::Date => "date",
            ValueType::List => "list",
            ValueType::Bool => "bool",
            ValueType::Uuid => "uuid",
        }
    }

    /// Every value type, in the SPEC's order.
    pub const ALL: [ValueType; 6] = [
        ValueType::Text,
        ValueType::Number,
        ValueType::Date,
        ValueType::List,
        ValueType::Bool,
        ValueType::Uuid,
    ];
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A comparison operator of the language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operator {
    /// `eq`: equal.
    Eq,
    /// `neq`: not equal.
    Neq,
    /// `in`: one of a list.
    In,
    /// `nin`: none of a list.
    Nin,
    /// `gt`: greater than.
    Gt,
    /// `gte`: greater than or equal.
    Gte,
    /// `lt`: less than.
    Lt,
    /// `lte`: less than or equal.
    Lte,
    /// `intersects`: the list shares an element with the value.
    Intersects,
    /// `contains`: the list holds every element of the value.
    Contains,
    /// `eq_set`: the list holds exactly the value's elements.
    EqSet,
}

impl Operator {
    /// Every operator.
    pub const ALL: [Operator; 11] = [
        Operator::Eq,
        Operator::Neq,
        Operator::In,
        Operator::Nin,
        Operator::Gt,
        Operator::Gte,
        Operator::Lt,
        Operator::Lte,
        Operator::Intersects,
        Operator::Contains,
        Operator::EqSet,
    ];

    /// The operator's code, e.g. `"eq_set"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::Eq => "eq",
            Operator::Neq => "neq",
            Operator::In => "in",
            Operator::Nin => "nin",
            Operator::Gt => "gt",
            Operator::Gte => "gte",
            Operator::Lt => "lt",
            Operator::Lte => "lte",
            Operator::Intersects => "intersects",
            Operator::Contains => "contains",
            Operator::EqSet => "eq_set",
        }
    }

    /// The operator with this code; codes are case-sensitive.
    pub fn from_code(code: &str) -> Option<Operator> {
        Operator::ALL.into_iter().find(|op| op.as_str() == code)
    }

    /// Whether the operator takes an array value.
    pub fn takes_array(self) -> bool {
        matches!(
            self,
            Operator::In
                | Operator::Nin
                | Operator::Intersects
                | Operator::Contains
                | Operator::EqSet
        )
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a grant lets a key do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Read an entity (`get`, `list`).
    Read,
    /// Create or update an entity.
    Write,
    /// Download an entity's file.
    Download,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 3] = [Action::Read, Action::Write, Action::Download];

    /// The action's code.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Write => "write",
            Action::Download => "download",
        }
    }

    /// The action with this code.
    pub fn from_code(code: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == code)
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One attribute of an entity type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attribute {
    /// The attribute's name, as filters and entities spell it.
    pub name: String,
    #[serde(rename = "type")]
    /// The type of its values.
    pub value_type: ValueType,
    /// Known but not filterable attributes answer `attribute_not_supported`.
    #[serde(default = "yes")]
    pub filterable: bool,
    /// Set by the data service when an entity is written (a creation time), never by the
    /// writer: a create or an update that gives it is refused (`read_only_attribute`).
    #[serde(default)]
    pub server_assigned: bool,
}

fn yes() -> bool {
    true
}

/// What the search index behind list, search and preview can run for an entity type
/// (SPEC 4.3). A type without one is evaluated by the database, where everything works.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchCapability {
    /// The only attributes the index can filter on.
    pub attributes: Vec<String>,
    /// Operators the index refuses even on those attributes.
    #[serde(default)]
    pub unsupported_operators: Vec<Operator>,
}

/// An entity type: its attributes, actions and capabilities.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityType {
    /// The type's name (`detail`).
    pub name: String,
    /// The REST collection name (`families`).
    pub collection: String,
    /// The actions it has.
    pub actions: Vec<Action>,
    /// Its attributes, in slot order.
    pub attributes: Vec<Attribute>,
    /// Present when list/search/preview of this type run on a search index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<SearchCapability>,
    /// Whether filters of this type can be previewed (tags cannot).
    #[serde(default = "yes")]
    pub previewable: bool,
}

impl EntityType {
    /// The attribute with this name.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// The attribute's slot: its position, which compiled filters and prepared entities share.
    pub fn slot(&self, name: &str) -> Option<usize> {
        self.attributes.iter().position(|a| a.name == name)
    }

    /// Whether this entity type has the action.
    pub fn has_action(&self, action: Action) -> bool {
        self.actions.contains(&action)
    }

    /// Whether the search index (if any) can filter on this attribute with this operator.
    pub fn searchable(&self, attribute: &str, op: Option<Operator>) -> bool {
        match &self.search {
            None => true,
            Some(s) => {
                s.attributes.iter().any(|a| a == attribute)
                    && op.is_none_or(|op| !s.unsupported_operators.contains(&op))
            }
        }
    }
}

/// The set of entity types the engine works with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schema {
    /// The entity types.
    pub entity_types: Vec<EntityType>,
}

/// [`Schema::describe`] of [`Schema::builtin`], as text: the wasm module answers
/// `describeSchema` with it rather than carrying the code that writes it. The test
/// `the_builtin_description_is_current` holds it to `describe` (and rewrites it when run with
/// `PORTCULLIS_BLESS=1`).
pub const BUILTIN_DESCRIPTION: &str = include_str!("schema_description.json");

impl Schema {
    /// The schema as a filter builder needs it, as JSON text: each entity type with its
    /// attributes (type, whether filterable, the operators allowed, whether search can run
    /// on it), the operators of each value type, and the validation limits.
    ///
    /// ```
    /// use portcullis::Schema;
    /// let d: serde_json::Value = serde_json::from_str(&Schema::builtin().describe()).unwrap();
    /// assert_eq!(d["entity_types"][0]["name"], "family");
    /// assert_eq!(d["limits"]["preview_cap"], 10_000);
    /// ```
    pub fn describe(&self) -> String {
        let s = self;
        let names = |ops: &[Operator]| array(ops.iter().map(|o| out(o.as_str())));
        let types = s.entity_types.iter().map(|t| {
            let attrs = t.attributes.iter().map(|a| {
                let ops = if a.filterable { a.value_type.operators() } else { &[] };
                Obj::new()
                    .field("name", &a.name)
                    .field("type", &a.value_type)
                    .field("filterable", &a.filterable)
                    .field("server_assigned", &a.server_assigned)
                    .raw("operators", &names(ops))
                    .field("searchable", &t.searchable(&a.name, None))
                    .end()
            });
            let unsearchable = t.search.as_ref().map_or(&[][..], |s| &s.unsupported_operators[..]);
            Obj::new()
                .field("name", &t.name)
                .field("collection", &t.collection)
                .field("system_filter", &crate::grants::system::system_filter_name(&t.collection))
                .field("actions", &t.actions)
                .raw("attributes", &array(attrs))
                .field("previewable", &t.previewable)
                .field("unsearchable_operators", unsearchable)
                .end()
        });
        let ops = ValueType::ALL
            .iter()
            .fold(Obj::new(), |o, v| o.raw(v.as_str(), &names(v.operators())))
            .end();
        let limits = Obj::new()
            .field("max_depth", &limits::MAX_DEPTH)
            .field("max_group_children", &limits::MAX_GROUP_CHILDREN)
            .field("max_name_chars", &limits::MAX_NAME_CHARS)
            .field("max_description_chars", &limits::MAX_DESCRIPTION_CHARS)
            .field("max_text_bytes", &limits::MAX_TEXT_BYTES)
            .field("max_list_values", &limits::MAX_LIST_VALUES)
            .field("max_string_chars", &limits::MAX_STRING_CHARS)
            .field("preview_cap", &limits::PREVIEW_CAP)
            .field("max_grants_per_key", &limits::MAX_GRANTS_PER_KEY)
            .field("max_ip_ranges_per_key", &limits::MAX_IP_RANGES_PER_KEY)
            .field("max_diagnostics_per_code", &limits::MAX_DIAGNOSTICS_PER_CODE)
            .end();
        Obj::new()
            .raw("entity_types", &array(types))
            .raw("operators", &ops)
            .raw("limits", &limits)
            .end()
    }

    /// The schema of SPEC section 1: family, detail, stash and tag.
    pub fn builtin() -> Schema {
        use Action::*;
        use ValueType::*;
        // Creation times are stamped by the data service.
        let attr = |name: &str, value_type, filterable| Attribute {
            name: name.into(),
            value_type,
            filterable,
            server_assigned: name == "created_at",
        };
        Schema {
            entity_types: vec![
                EntityType {
                    name: "family".into(),
                    collection: "families".into(),
                    actions: vec![Read, Write, Download],
                    attributes: vec![
                        attr("name", Text, true),
                        attr("category", Text, true),
                        attr("classification", Text, true),
                        attr("tags", List, true),
                        attr("project_id", Uuid, true),
                        attr("created_at", Date, true),
                    ],
                    search: None,
                    previewable: true,
                },
                EntityType {
                    name: "detail".into(),
                    collection: "details".into(),
                    actions: vec![Read, Write, Download],
                    attributes: vec![
                        attr("type", Text, true),
                        attr("project_type", Text, true),
                        attr("tags", List, true),
                        attr("project_id", Uuid, true),
                        attr("status", Text, false),
                        attr("created_at", Date, false),
                    ],
                    search: Some(SearchCapability {
                        attributes: vec!["type".into(), "project_type".into(), "tags".into()],
                        unsupported_operators: vec![Operator::EqSet],
                    }),
                    previewable: true,
                },
                EntityType {
                    name: "stash".into(),
                    collection: "stashes".into(),
                    actions: vec![Read, Write, Download],
                    attributes: vec![
                        attr("project_id", Uuid, true),
                        attr("is_permanent", Bool, true),
                        attr("created_at", Date, true),
                        attr("created_by", Uuid, true),
                    ],
                    search: None,
                    previewable: true,
                },
                EntityType {
                    name: "tag".into(),
                    collection: "tags".into(),
                    actions: vec![Read, Write],
                    attributes: vec![attr("name", Text, true)],
                    search: None,
                    previewable: false,
                },
            ],
        }
    }

    /// Load a schema from its JSON document (the shape [`Schema`] serialises to).
    ///
    /// ```
    /// let schema = portcullis::Schema::from_json(r#"{"entity_types": [{
    ///     "name": "widget", "collection": "widgets", "actions": ["read"],
    ///     "attributes": [{"name": "weight", "type": "number"}]}]}"#).unwrap();
    /// assert!(schema.entity_type("widget").is_some());
    /// ```
    pub fn from_json(text: &str) -> Result<Schema, Diagnostic> {
        let schema: Schema = serde_json::from_str(text).map_err(|e| {
            Diagnostic::error(Code::InvalidSchema, format!("the schema document is not valid: {e}"))
        })?;
        schema.check()?;
        Ok(schema)
    }

    fn check(&self) -> Result<(), Diagnostic> {
        let bad = |m: String| Err(Diagnostic::error(Code::InvalidSchema, m));
        for (i, t) in self.entity_types.iter().enumerate() {
            if self.entity_types[..i].iter().any(|o| o.name == t.name) {
                return bad(format!("entity type `{}` is declared twice", t.name));
            }
            if t.attributes.len() > u16::MAX as usize {
                return bad(format!("entity type `{}` has too many attributes", t.name));
            }
            for (j, a) in t.attributes.iter().enumerate() {
                if t.attributes[..j].iter().any(|o| o.name == a.name) {
                    return bad(format!(
                        "attribute `{}` of `{}` is declared twice",
                        a.name, t.name
                    ));
                }
            }
            if let Some(s) = &t.search {
                if let Some(a) = s.attributes.iter().find(|a| t.attribute(a).is_none()) {
                    return bad(format!(
                        "search attribute `{a}` is not an attribute of `{}`",
                        t.name
                    ));
                }
            }
        }
        Ok(())
    }

    /// The entity type with this name.
    pub fn entity_type(&self, name: &str) -> Option<&EntityType> {
        self.entity_types.iter().find(|t| t.name == name)
    }

    pub(crate) fn type_index(&self, name: &str) -> Option<usize> {
        self.entity_types.iter().position(|t| t.name == name)
    }

    /// The entity type whose REST collection this is (`details` → `detail`).
    pub fn by_collection(&self, collection: &str) -> Option<&EntityType> {
        self.entity_types.iter().find(|t| t.collection == collection)
    }
}

impl Default for Schema {
    fn default() -> Self {
        Schema::builtin()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_builtin_description_is_current() {
        let now = super::Schema::builtin().describe();
        if std::env::var_os("PORTCULLIS_BLESS").is_some() {
            std::fs::write(
                concat!(env!("CARGO_MANIFEST_DIR"), "/src/schema_description.json"),
                &now,
            )
            .unwrap();
        } else {
            assert!(now == super::BUILTIN_DESCRIPTION, "src/schema_description.json is stale: run `PORTCULLIS_BLESS=1 cargo test the_builtin_description_is_current`");
        }
    }

    use super::*;

    #[test]
    fn builtin_round_trips_through_json() {
        let s = Schema::builtin();
        let text = serde_json::to_string(&s).unwrap();
        assert_eq!(Schema::from_json(&text).unwrap(), s);
    }

    #[test]
    fn detail_search_runs_on_three_attributes_without_eq_set() {
        let s = Schema::builtin();
        let d = s.entity_type("detail").unwrap();
        assert!(d.searchable("tags", Some(Operator::Intersects)));
        assert!(!d.searchable("tags", Some(Operator::EqSet)));
        assert!(!d.searchable("project_id", Some(Operator::Eq)));
        assert!(s.entity_type("family").unwrap().searchable("project_id", None));
    }

    #[test]
    fn tags_have_no_download() {
        assert!(!Schema::builtin().entity_type("tag").unwrap().has_action(Action::Download));
    }

    #[test]
    fn bad_schemas_are_refused() {
        assert!(Schema::from_json("{}").is_err());
        let dup = r#"{"entity_types":[{"name":"a","collection":"as","actions":[],"attributes":[
            {"name":"x","type":"text"},{"name":"x","type":"text"}]}]}"#;
        assert_eq!(Schema::from_json(dup).unwrap_err().code, Code::InvalidSchema);
    }
}
