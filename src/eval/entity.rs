//! Entities, and their prepared form: attribute values parsed once into typed slots, in the
//! schema's attribute order, so that evaluation does no parsing and no lookups.

use super::tuning::Text;
use crate::record::{deserialize_via_reader, Fields, ReadError};
use crate::schema::{EntityType, Schema, ValueType};
use crate::value::{parse_date, parse_uuid};
use serde::Serialize;
use serde_json::{Map, Value};

/// An entity as the data service and the wire carry it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Entity {
    /// The entity's id.
    pub id: String,
    /// The workspace it belongs to.
    pub workspace_id: String,
    /// Its entity type's name.
    pub entity_type: String,
    /// Its attribute values by name; the schema's types decide how each is read.
    pub attributes: Map<String, Value>,
}

impl Entity {
    /// An entity; `attributes` is its attribute object (anything else is an entity with no
    /// attributes, which every condition finds unknown).
    ///
    /// ```
    /// use portcullis::Entity;
    /// let d = Entity::new("e0000000-0000-4000-8000-000000000001",
    ///     "a1000000-0000-4000-8000-00000000000a", "detail",
    ///     serde_json::json!({"type": "concrete", "tags": ["concrete"]}));
    /// assert_eq!(d.attributes["type"], "concrete");
    /// ```
    pub fn new(
        id: impl Into<String>,
        workspace_id: impl Into<String>,
        entity_type: impl Into<String>,
        attributes: Value,
    ) -> Entity {
        Entity {
            id: id.into(),
            workspace_id: workspace_id.into(),
            entity_type: entity_type.into(),
            attributes: match attributes {
                Value::Object(m) => m,
                _ => Map::new(),
            },
        }
    }

    pub(crate) fn read(v: &Value, path: String) -> Result<Entity, ReadError> {
        let f = Fields::of(v, path)?;
        Ok(Entity {
            id: f.string("id")?,
            workspace_id: f.string("workspace_id")?,
            entity_type: f.string("entity_type")?,
            attributes: f.map_or_empty("attributes")?,
        })
    }
}

deserialize_via_reader!(Entity, Entity::read);

/// One attribute's value, typed by the schema. A value that is absent, null or not of the
/// attribute's type is `Unknown` (SPEC 2.5: such a condition is unknown, never true).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Slot {
    Unknown,
    Text(Text),
    Number(f64),
    Bool(bool),
    Uuid(u128),
    /// Nanoseconds since the epoch; a date-only value is its midnight UTC.
    Date(i128),
    /// Sorted and without duplicates, so set operators are merges.
    List(Box<[Text]>),
}

impl Slot {
    fn from_json(t: ValueType, v: Option<&Value>) -> Slot {
        match (t, v) {
            (ValueType::Text, Some(Value::String(s))) => Slot::Text(s.as_str().into()),
            (ValueType::Number, Some(Value::Number(n))) => {
                n.as_f64().map_or(Slot::Unknown, Slot::Number)
            }
            (ValueType::Bool, Some(Value::Bool(b))) => Slot::Bool(*b),
            (ValueType::Uuid, Some(Value::String(s))) => {
                parse_uuid(s).map_or(Slot::Unknown, Slot::Uuid)
            }
            (ValueType::Date, Some(Value::String(s))) => {
                parse_date(s).map_or(Slot::Unknown, |d| Slot::Date(d.instant()))
            }
            (ValueType::List, Some(Value::Array(items))) => {
                let mut out: Vec<Text> = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        Value::String(s) => out.push(s.as_str().into()),
                        // A list holding a non-string is of the wrong type: unknown.
                        _ => return Slot::Unknown,
                    }
                }
                out.sort_unstable();
                out.dedup();
                Slot::List(out.into_boxed_slice())
            }
            _ => Slot::Unknown,
        }
    }
}

/// An entity's attributes prepared for evaluation against filters of its type.
///
/// ```
/// use portcullis::{Schema, PreparedEntity};
/// use serde_json::json;
/// let schema = Schema::builtin();
/// let attrs = json!({"type": "concrete", "tags": ["b", "a", "a"]});
/// let e = PreparedEntity::new(&schema, "detail", attrs.as_object().unwrap()).unwrap();
/// assert_eq!(e.entity_type(), "detail");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct PreparedEntity {
    pub(crate) type_index: usize,
    pub(crate) type_name: Text,
    pub(crate) slots: Box<[Slot]>,
}

impl PreparedEntity {
    /// Prepare attributes for an entity type of the schema; `None` for an unknown type.
    pub fn new(
        schema: &Schema,
        entity_type: &str,
        attributes: &Map<String, Value>,
    ) -> Option<PreparedEntity> {
        let type_index = schema.type_index(entity_type)?;
        Some(Self::for_type(type_index, &schema.entity_types[type_index], attributes))
    }

    pub(crate) fn for_type(
        type_index: usize,
        t: &EntityType,
        attributes: &Map<String, Value>,
    ) -> PreparedEntity {
        let slots = t
            .attributes
            .iter()
            .map(|a| Slot::from_json(a.value_type, attributes.get(&a.name)))
            .collect();
        PreparedEntity { type_index, type_name: t.name.as_str().into(), slots }
    }

    /// The entity type this entity was prepared for.
    pub fn entity_type(&self) -> &str {
        &self.type_name
    }
}

impl Schema {
    /// Prepare an entity for evaluation; `None` when its type is not in this schema.
    pub fn prepare(&self, entity: &Entity) -> Option<PreparedEntity> {
        PreparedEntity::new(self, &entity.entity_type, &entity.attributes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wrong_types_are_unknown() {
        let s = Schema::builtin();
        let attrs = json!({"tags": ["a", 1], "created_by": "bob", "is_permanent": "yes", "project_id": null});
        let e = PreparedEntity::new(&s, "stash", attrs.as_object().unwrap()).unwrap();
        assert!(e.slots.iter().all(|s| *s == Slot::Unknown));
        let f = PreparedEntity::new(&s, "family", json!({"tags": ["a", 1]}).as_object().unwrap())
            .unwrap();
        assert_eq!(f.slots[3], Slot::Unknown);
    }

    #[test]
    fn lists_are_sorted_sets() {
        let s = Schema::builtin();
        let e = PreparedEntity::new(
            &s,
            "family",
            json!({"tags": ["b", "a", "b"]}).as_object().unwrap(),
        )
        .unwrap();
        assert_eq!(
            e.slots[3],
            Slot::List(vec![Text::from("a"), Text::from("b")].into_boxed_slice())
        );
    }
}
