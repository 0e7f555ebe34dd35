//! Reading the wire records (firms, filters, keys, entities, worlds, drafts) from a JSON tree.
//!
//! Each record's serde `Deserialize` reads a [`Value`] and hands it to its reader here, instead
//! of a derived visitor per record: one JSON code path for every record, far less code in the
//! wasm module, and errors that name the field's path (`grants[2].filter: expected a string`).
//! The rules are the derived ones: unknown fields are ignored, a missing required field or a
//! value of the wrong type is an error, and `null` reads as absent only for optional fields.
//! Reading through a tree differs from the derived visitors in three ways: a repeated field
//! keeps its last value (they refused it); the whole document, unknown fields included, must be
//! JSON a tree can hold (numbers in range, no lone surrogates, nesting within serde_json's
//! limit), where they skipped unknown fields unchecked; and a record must be an object (they
//! also took an array of the fields in order). (The entity text reader, `eval::scan`, refuses
//! a repeated entity field.)

use serde_json::{Map, Value};

/// What was wrong, with the path of the field.
pub(crate) type ReadError = String;

/// An object's fields, with the path of the object for messages.
pub(crate) struct Fields<'a> {
    map: &'a Map<String, Value>,
    path: String,
}

/// What kind of JSON value `v` is, for messages ("found a number").
pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl<'a> Fields<'a> {
    /// The fields of `v`, which must be an object.
    pub(crate) fn of(v: &'a Value, path: impl Into<String>) -> Result<Self, ReadError> {
        let path = path.into();
        match v {
            Value::Object(map) => Ok(Fields { map, path }),
            other => Err(format!("{}: expected an object, found {}", Self::name(&path), kind(other))),
        }
    }

    fn name(path: &str) -> &str {
        if path.is_empty() {
            "the document"
        } else {
            path
        }
    }

    fn at(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn wrong(&self, key: &str, expected: &str, found: &Value) -> ReadError {
        format!("{}: expected {expected}, found {}", self.at(key), kind(found))
    }

    /// A present, non-null value.
    pub(crate) fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// A required string.
    pub(crate) fn string(&self, key: &str) -> Result<String, ReadError> {
        match self.map.get(key) {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(other) => Err(self.wrong(key, "a string", other)),
            None => Err(format!("{}: missing field `{key}`", Self::name(&self.path))),
        }
    }

    /// A string that may be absent (default empty) but not of another type.
    pub(crate) fn string_or_empty(&self, key: &str) -> Result<String, ReadError> {
        match self.map.get(key) {
            None => Ok(String::new()),
            Some(_) => self.string(key),
        }
    }

    /// An optional string: absent or null is `None`.
    pub(crate) fn opt_string(&self, key: &str) -> Result<Option<String>, ReadError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(self.wrong(key, "a string or null", other)),
        }
    }

    /// A boolean that defaults to false when absent.
    pub(crate) fn bool_or_false(&self, key: &str) -> Result<bool, ReadError> {
        match self.map.get(key) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => Err(self.wrong(key, "a boolean", other)),
        }
    }

    /// An array read element by element; absent is empty.
    pub(crate) fn list<T>(&self, key: &str, mut read: impl FnMut(&'a Value, String) -> Result<T, ReadError>) -> Result<Vec<T>, ReadError> {
        match self.map.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items.iter().enumerate().map(|(i, v)| read(v, format!("{}[{i}]", self.at(key)))).collect(),
            Some(other) => Err(self.wrong(key, "an array", other)),
        }
    }

    /// A required array.
    pub(crate) fn required_list<T>(&self, key: &str, read: impl FnMut(&'a Value, String) -> Result<T, ReadError>) -> Result<Vec<T>, ReadError> {
        match self.map.get(key) {
            None => Err(format!("{}: missing field `{key}`", Self::name(&self.path))),
            Some(_) => self.list(key, read),
        }
    }

    /// An optional array (absent or null is `None`).
    pub(crate) fn opt_list<T>(&self, key: &str, read: impl FnMut(&'a Value, String) -> Result<T, ReadError>) -> Result<Option<Vec<T>>, ReadError> {
        match self.get(key) {
            None => Ok(None),
            Some(_) => self.list(key, read).map(Some),
        }
    }

    /// An object's map that defaults to empty when absent.
    pub(crate) fn map_or_empty(&self, key: &str) -> Result<Map<String, Value>, ReadError> {
        match self.map.get(key) {
            None => Ok(Map::new()),
            Some(Value::Object(m)) => Ok(m.clone()),
            Some(other) => Err(self.wrong(key, "an object", other)),
        }
    }
}

/// One string element of a list.
pub(crate) fn string_item(v: &Value, path: String) -> Result<String, ReadError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        other => Err(format!("{path}: expected a string, found {}", kind(other))),
    }
}

/// Implement `Deserialize` for a record through its reader: one JSON tree, then the reader.
macro_rules! deserialize_via_reader {
    ($t:ty, $read:path) => {
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let v = serde_json::Value::deserialize(d)?;
                $read(&v, String::new()).map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use deserialize_via_reader;

#[cfg(test)]
mod tests {
    use crate::grants::{Firm, FilterRecord, Key, World};
    use crate::{Entity, FilterDraft};

    #[test]
    fn records_read_with_the_derived_rules() {
        let k: Key = serde_json::from_str(r#"{"id":"k","firm_id":"f","grants":[{"filter":"default:any","actions":["read"]}],"extra":1,"allowed_ips":null}"#).unwrap();
        assert_eq!((k.id.as_str(), k.revoked, k.allowed_ips, k.grants[0].workspace_id.clone()), ("k", false, None, None));
        let f: FilterRecord = serde_json::from_str(r#"{"id":"x","workspace_id":"w","entity_type":"detail","predicate_text":"a eq 1","description":null}"#).unwrap();
        assert_eq!((f.name.as_str(), f.description, f.archived), ("", None, false));
        let e: Entity = serde_json::from_str(r#"{"id":"e","workspace_id":"w","entity_type":"tag"}"#).unwrap();
        assert!(e.attributes.is_empty());
        let w: World = serde_json::from_str(r#"{"firms":[{"id":"f","workspaces":["w"]}]}"#).unwrap();
        assert_eq!(w.firms, vec![Firm { id: "f".into(), workspaces: vec!["w".into()] }]);
        let d: FilterDraft = serde_json::from_str(r#"{"entity_type":"detail","predicate_text":"a eq 1"}"#).unwrap();
        assert_eq!(d.name, "");
    }

    #[test]
    fn errors_name_the_field() {
        let e = serde_json::from_str::<Key>(r#"{"id":"k","firm_id":"f","grants":[{"filter":5}]}"#).unwrap_err().to_string();
        assert!(e.contains("grants[0].filter: expected a string, found a number"), "{e}");
        let e = serde_json::from_str::<Key>(r#"{"firm_id":"f"}"#).unwrap_err().to_string();
        assert!(e.contains("missing field `id`"), "{e}");
        let e = serde_json::from_str::<FilterDraft>(r#"{"entity_type":"detail","predicate":{},"predicate_text":"a eq 1"}"#).unwrap_err().to_string();
        assert!(e.contains("not both"), "{e}");
        assert!(serde_json::from_str::<Entity>("5").is_err());
        assert!(serde_json::from_str::<FilterRecord>(r#"{"id":"x","workspace_id":"w","entity_type":"detail","archived":"yes"}"#).is_err());
    }
}
