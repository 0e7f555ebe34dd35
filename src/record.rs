//! Reading the wire records (firms, filters, keys, entities, worlds, drafts) from a JSON tree.
//!
//! Each record's serde `Deserialize` reads a [`Value`] and hands it to its reader here, instead
//! of a derived visitor per record: one JSON code path for every record, far less code in the
//! wasm module, and errors that name the field's path (`grants[2].filter: expected a string`).
//! The rules are the derived ones: unknown fields are ignored, a missing required field or a
//! value of the wrong type is an error, `null` reads as absent only for optional fields, and a
//! repeated key is refused ([`StrictValue`]: `{"revoked": true, "revoked": false}` must not
//! read as a key that is not revoked). Reading through a tree differs from the derived visitors
//! in two ways: the whole document, unknown fields included, must be JSON a tree can hold
//! (numbers in range, no lone surrogates, nesting within serde_json's limit), where they
//! skip unknown fields unchecked; and a record must be an object (they also take an array
//! of the fields in order). A repeated key is refused at any depth (the derived visitors
//! refuse it in a record and keep the last one in a map such as `attributes`); the entity
//! reader, [`crate::eval::read`], refuses it the same way.
use serde_json::{Map, Value};
use std::fmt;

/// A JSON tree that is not the record expected: what was wrong, at which field.
///
/// Its text names the field's path: `grants[2].filter: expected a string, found a number`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadError {
    path: String,
    kind: ReadErrorKind,
}

/// What was wrong with a record.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReadErrorKind {
    /// A value of another JSON type than the field takes.
    WrongType {
        /// What the field takes ("a string").
        expected: &'static str,
        /// What it held ("a number", "null").
        found: &'static str,
    },
    /// A required field is absent: its name (the error's path is the object's).
    MissingField(String),
    /// Anything else the record's reader refuses, in its own words.
    Custom(String),
}

impl ReadError {
    /// An error of `kind` at `path` (empty for the whole document).
    pub(crate) fn new(path: impl Into<String>, kind: ReadErrorKind) -> ReadError {
        ReadError { path: path.into(), kind }
    }

    /// A reader's own refusal at `path`; with an empty path the message stands alone.
    pub fn custom(path: impl Into<String>, message: impl Into<String>) -> ReadError {
        ReadError::new(path, ReadErrorKind::Custom(message.into()))
    }

    /// The path of the field (or, for a missing field, of its object); empty for the
    /// document itself.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What was wrong.
    pub fn kind(&self) -> &ReadErrorKind {
        &self.kind
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.path.is_empty() { "the document" } else { &self.path };
        match &self.kind {
            ReadErrorKind::WrongType { expected, found } => {
                write!(f, "{at}: expected {expected}, found {found}")
            }
            ReadErrorKind::MissingField(key) => write!(f, "{at}: missing field `{key}`"),
            ReadErrorKind::Custom(m) if self.path.is_empty() => f.write_str(m),
            ReadErrorKind::Custom(m) => write!(f, "{at}: {m}"),
        }
    }
}

impl std::error::Error for ReadError {}

/// A reader's own refusal of the whole record (see [`ReadError::custom`]).
impl From<String> for ReadError {
    fn from(message: String) -> ReadError {
        ReadError::custom(String::new(), message)
    }
}

/// A reader's own refusal of the whole record (see [`ReadError::custom`]).
impl From<&str> for ReadError {
    fn from(message: &str) -> ReadError {
        ReadError::custom(String::new(), message)
    }
}

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
            other => Err(ReadError::new(
                path,
                ReadErrorKind::WrongType { expected: "an object", found: kind(other) },
            )),
        }
    }

    fn at(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn wrong(&self, key: &str, expected: &'static str, found: &Value) -> ReadError {
        ReadError::new(self.at(key), ReadErrorKind::WrongType { expected, found: kind(found) })
    }

    fn missing(&self, key: &str) -> ReadError {
        ReadError::new(self.path.clone(), ReadErrorKind::MissingField(key.to_owned()))
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
            None => Err(self.missing(key)),
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
    pub(crate) fn list<T>(
        &self,
        key: &str,
        mut read: impl FnMut(&'a Value, String) -> Result<T, ReadError>,
    ) -> Result<Vec<T>, ReadError> {
        match self.map.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| read(v, format!("{}[{i}]", self.at(key))))
                .collect(),
            Some(other) => Err(self.wrong(key, "an array", other)),
        }
    }

    /// A required array.
    pub(crate) fn required_list<T>(
        &self,
        key: &str,
        read: impl FnMut(&'a Value, String) -> Result<T, ReadError>,
    ) -> Result<Vec<T>, ReadError> {
        match self.map.get(key) {
            None => Err(self.missing(key)),
            Some(_) => self.list(key, read),
        }
    }

    /// An optional array (absent or null is `None`).
    pub(crate) fn opt_list<T>(
        &self,
        key: &str,
        read: impl FnMut(&'a Value, String) -> Result<T, ReadError>,
    ) -> Result<Option<Vec<T>>, ReadError> {
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
        other => Err(ReadError::new(
            path,
            ReadErrorKind::WrongType { expected: "a string", found: kind(other) },
        )),
    }
}

/// A JSON tree read like `serde_json::Value`, except that an object with a repeated key is an
/// error rather than keeping the last value: in a record, the two values of a repeated field
/// are an ambiguity that must not be settled silently (fail closed).
pub(crate) struct StrictValue(pub(crate) Value);

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }
    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_owned()))
    }
    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        serde::Deserialize::deserialize(d).map(|StrictValue(v)| v)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictValue(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(serde::de::Error::custom(format!("the key `{key}` is repeated")));
            }
            let StrictValue(v) = map.next_value()?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

impl<'de> serde::Deserialize<'de> for StrictValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

/// A record read from a JSON tree by its reader: what the wasm bindings read records with
/// (through [`crate::json::scan::read_tree`], serde's machinery left out), and what the
/// record's `Deserialize` calls.
pub(crate) trait FromTree: Sized {
    /// The record `v` holds.
    fn from_tree(v: &Value) -> Result<Self, ReadError>;
}

/// `null` is `None`.
impl<T: FromTree> FromTree for Option<T> {
    fn from_tree(v: &Value) -> Result<Self, ReadError> {
        match v {
            Value::Null => Ok(None),
            v => T::from_tree(v).map(Some),
        }
    }
}

/// Implement `Deserialize` (for serde users) and [`FromTree`] for a record through its
/// reader: one JSON tree, then the reader.
macro_rules! deserialize_via_reader {
    ($t:ty, $read:path) => {
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let $crate::record::StrictValue(v) = $crate::record::StrictValue::deserialize(d)?;
                <$t as $crate::record::FromTree>::from_tree(&v).map_err(serde::de::Error::custom)
            }
        }
        impl $crate::record::FromTree for $t {
            fn from_tree(v: &serde_json::Value) -> Result<Self, $crate::record::ReadError> {
                $read(v, String::new())
            }
        }
    };
}
pub(crate) use deserialize_via_reader;

#[cfg(test)]
mod tests {
    use crate::grants::{FilterRecord, Firm, Key, World};
    use crate::{Entity, FilterDraft};

    #[test]
    fn records_read_with_the_derived_rules() {
        let k: Key = serde_json::from_str(r#"{"id":"k","firm_id":"f","grants":[{"filter":"default:any","actions":["read"]}],"extra":1,"allowed_ips":null}"#).unwrap();
        assert_eq!(
            (k.id.as_str(), k.revoked, k.allowed_ips, k.grants[0].workspace_id.clone()),
            ("k", false, None, None)
        );
        let f: FilterRecord = serde_json::from_str(r#"{"id":"x","workspace_id":"w","entity_type":"detail","predicate_text":"a eq 1","description":null}"#).unwrap();
        assert_eq!((f.name.as_str(), f.description, f.archived), ("", None, false));
        let e: Entity =
            serde_json::from_str(r#"{"id":"e","workspace_id":"w","entity_type":"tag"}"#).unwrap();
        assert!(e.attributes.is_empty());
        let w: World =
            serde_json::from_str(r#"{"firms":[{"id":"f","workspaces":["w"]}]}"#).unwrap();
        assert_eq!(w.firms, vec![Firm { id: "f".into(), workspaces: vec!["w".into()] }]);
        let d: FilterDraft =
            serde_json::from_str(r#"{"entity_type":"detail","predicate_text":"a eq 1"}"#).unwrap();
        assert_eq!(d.name, "");
    }

    #[test]
    fn a_repeated_key_is_refused_at_any_depth() {
        let e = serde_json::from_str::<Key>(
            r#"{"id":"k","firm_id":"f","revoked":true,"revoked":false}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("the key `revoked` is repeated"), "{e}");
        assert!(serde_json::from_str::<Key>(
            r#"{"id":"k","firm_id":"f","grants":[{"filter":"a","filter":"b"}]}"#
        )
        .is_err());
        assert!(serde_json::from_str::<Entity>(
            r#"{"id":"e","workspace_id":"w","entity_type":"tag","attributes":{"a":1,"a":2}}"#
        )
        .is_err());
        // Numbers, strings and nesting read as serde_json reads them.
        let v: super::StrictValue =
            serde_json::from_str(r#"{"a":[1,-2,1.5,"x",null,true,{"b":{}}]}"#).unwrap();
        assert_eq!(v.0, serde_json::json!({"a":[1,-2,1.5,"x",null,true,{"b":{}}]}));
    }

    #[test]
    fn errors_name_the_field() {
        let e = serde_json::from_str::<Key>(r#"{"id":"k","firm_id":"f","grants":[{"filter":5}]}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("grants[0].filter: expected a string, found a number"), "{e}");
        let e = serde_json::from_str::<Key>(r#"{"firm_id":"f"}"#).unwrap_err().to_string();
        assert!(e.contains("missing field `id`"), "{e}");
        let e = serde_json::from_str::<FilterDraft>(
            r#"{"entity_type":"detail","predicate":{},"predicate_text":"a eq 1"}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("not both"), "{e}");
        assert!(serde_json::from_str::<Entity>("5").is_err());
        assert!(serde_json::from_str::<FilterRecord>(
            r#"{"id":"x","workspace_id":"w","entity_type":"detail","archived":"yes"}"#
        )
        .is_err());
    }
}
