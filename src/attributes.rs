//! An entity's attributes checked for a write: a create's attributes, or an update's merge
//! patch (where `null` removes an attribute). A data service stores what it is given, so a
//! value is typed here exactly as evaluation types it (the same UUID and date readers): a
//! value that evaluation would read as unknown is refused before it is stored.

use crate::diagnostic::{Code, Diagnostic};
use crate::schema::{Schema, ValueType};
use crate::value::{parse_date, parse_uuid};
use serde_json::Value;

/// Check a write's attributes against the entity type, every problem at once: an attribute
/// the type does not have (`unknown_attribute`), one the data service assigns
/// (`read_only_attribute`), or a value not of the attribute's type (`invalid_attribute`:
/// a text, a finite number, `true`/`false`, a UUID in its hyphenated form, an ISO-8601 date
/// or an RFC 3339 date-time with offset, a list of texts), in the attributes' name order.
/// Each diagnostic's path names the attribute (`$.tags`). `null` is accepted for any attribute: in a create it is the same as
/// absent, in an update's merge patch it removes the attribute.
///
/// ```
/// use portcullis::attributes::check_attributes;
/// use portcullis::Schema;
/// use serde_json::json;
/// let s = Schema::builtin();
/// let ok = json!({"type": "concrete", "tags": ["a"], "project_id": null});
/// assert!(check_attributes(&s, "detail", &ok).is_ok());
///
/// let bad = json!({"created_at": "2025-01-01", "tags": "concrete", "colour": "red",
///                  "project_id": "2024-02-30"});
/// let errors = check_attributes(&s, "detail", &bad).unwrap_err();
/// let codes: Vec<&str> = errors.iter().map(|d| d.code.as_str()).collect();
/// // In the attributes' order: colour, created_at, project_id, tags.
/// assert_eq!(codes, ["unknown_attribute", "read_only_attribute", "invalid_attribute", "invalid_attribute"]);
///
/// // Dates are read as evaluation reads them: no 30 February, a lower-case `t` is fine.
/// let stash = json!({"created_by": "5b6c7d8e-9fa0-4b1c-8d2e-3f4a5b6c7d8e"});
/// assert!(check_attributes(&s, "stash", &stash).is_ok());
/// ```
pub fn check_attributes(
    schema: &Schema,
    entity_type: &str,
    attributes: &Value,
) -> Result<(), Vec<Diagnostic>> {
    let Some(t) = schema.entity_type(entity_type) else {
        let message = format!("`{entity_type}` is not an entity type");
        return Err(vec![Diagnostic::error(Code::UnknownEntityType, message)]);
    };
    let Value::Object(attributes) = attributes else {
        let message = "the attributes must be a JSON object of attribute values";
        return Err(vec![Diagnostic::error(Code::InvalidAttribute, message).at_path("$")]);
    };
    let mut errors = Vec::new();
    for (name, value) in attributes {
        let path = format!("$.{name}");
        let Some(a) = t.attribute(name) else {
            let message = format!("`{name}` is not an attribute of {}", t.name);
            errors.push(Diagnostic::error(Code::UnknownAttribute, message).at_path(path));
            continue;
        };
        if a.server_assigned {
            let message = format!("`{name}` is assigned by the data service and cannot be written");
            errors.push(Diagnostic::error(Code::ReadOnlyAttribute, message).at_path(path));
            continue;
        }
        // `null`: absent in a create, removed by a patch.
        if value.is_null() || fits(a.value_type, value) {
            continue;
        }
        let message = format!("`{name}` must be a {} value", a.value_type);
        let mut d = Diagnostic::error(Code::InvalidAttribute, message);
        match a.value_type {
            ValueType::Date => d = d.with_help(
                "write YYYY-MM-DD, or a date-time with seconds and an offset: 2025-01-01T10:00:00Z",
            ),
            ValueType::Uuid => d = d.with_help("write 8-4-4-4-12 hexadecimal digits with hyphens"),
            ValueType::List => d = d.with_help("write an array of strings"),
            _ => {}
        }
        errors.push(d.at_path(path));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Whether a value is of the type, as evaluation would read it (never as unknown).
fn fits(t: ValueType, v: &Value) -> bool {
    match (t, v) {
        (ValueType::Text, Value::String(_)) | (ValueType::Bool, Value::Bool(_)) => true,
        (ValueType::Number, Value::Number(n)) => n.as_f64().is_some_and(f64::is_finite),
        (ValueType::Uuid, Value::String(s)) => parse_uuid(s).is_some(),
        (ValueType::Date, Value::String(s)) => parse_date(s).is_some(),
        (ValueType::List, Value::Array(items)) => items.iter().all(Value::is_string),
        _ => false,
    }
}
