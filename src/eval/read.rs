//! Reading entities straight from JSON text into prepared rows, without building a JSON tree.
//!
//! A decision's cost at the JavaScript boundary is dominated by reading the entity: through a
//! generic JSON tree it allocates every key and value, then copies them again into slots.
//! This reader walks the text once with the JSON [`Scanner`], keeps only the attributes the
//! schema types, and parses each value straight into its slot. Its rules are exactly those of
//! the JSON-tree path (`serde_json` to an [`Entity`](super::Entity), then `Slot::from_json`;
//! checked by the tests below and in `tests/properties.rs`): a value absent, null or of the
//! wrong type is unknown.

use super::entity::{PreparedEntity, Slot};
use super::tuning::Text;
use crate::json::scan::{Item, ScanError, ScanErrorKind, Scanner};
use crate::schema::{Schema, ValueType};
use crate::value::{parse_date, parse_uuid};

/// Read one attribute value into its slot, with [`Slot::from_json`]'s rules.
fn slot(s: &mut Scanner<'_>, t: ValueType) -> Result<Slot, ScanError> {
    let it = s.item()?;
    Ok(match (t, it) {
        (ValueType::Text, Item::Str(x)) => Slot::Text(x.as_str().into()),
        (ValueType::Number, Item::Number(n)) => Slot::Number(n),
        (ValueType::Bool, Item::Bool(b)) => Slot::Bool(b),
        (ValueType::Uuid, Item::Str(x)) => parse_uuid(x.as_str()).map_or(Slot::Unknown, Slot::Uuid),
        (ValueType::Date, Item::Str(x)) => {
            parse_date(x.as_str()).map_or(Slot::Unknown, |d| Slot::Date(d.instant()))
        }
        (ValueType::List, Item::Array) => {
            let mut out: Vec<Text> = Vec::new();
            let mut typed = true;
            s.elements(|s| {
                match s.item()? {
                    Item::Str(x) => out.push(x.as_str().into()),
                    other => {
                        typed = false;
                        s.skip_rest(other)?;
                    }
                }
                Ok(())
            })?;
            if !typed {
                return Ok(Slot::Unknown);
            }
            out.sort_unstable();
            out.dedup();
            Slot::List(out.into_boxed_slice())
        }
        (_, other) => {
            s.skip_rest(other)?;
            Slot::Unknown
        }
    })
}

/// Read an `attributes` object (its `{` not yet read) into slots for entity type `t`.
fn attributes(
    s: &mut Scanner<'_>,
    schema: &Schema,
    type_index: usize,
) -> Result<PreparedEntity, ScanError> {
    let t = &schema.entity_types[type_index];
    let mut slots = vec![Slot::Unknown; t.attributes.len()];
    if !matches!(s.item()?, Item::Object) {
        return s.error(ScanErrorKind::FieldNotAnObject("attributes".into()));
    }
    s.fields(|s, key| match t.attributes.iter().position(|a| a.name == key) {
        Some(i) => slot(s, t.attributes[i].value_type).map(|v| slots[i] = v),
        None => {
            let it = s.item()?;
            s.skip_rest(it)
        }
    })?;
    Ok(PreparedEntity {
        type_index,
        type_name: t.name.as_str().into(),
        slots: slots.into_boxed_slice(),
    })
}

/// An entity read from JSON text: `{id, workspace_id, entity_type, attributes}` (other fields
/// ignored, as in the serde form). `None` for an entity type the schema does not know.
///
/// One difference from the serde form, on the safe side: a repeated `id`, `workspace_id`,
/// `entity_type` or `attributes` is an error here (as serde's derived readers have it), while
/// the JSON-tree path keeps the last one.
pub(crate) fn read_entity(
    s: &mut Scanner<'_>,
    schema: &Schema,
) -> Result<Option<(String, String, PreparedEntity)>, ScanError> {
    let (mut id, mut ws, mut ty) = (None, None, None::<String>);
    // Attributes are read straight into slots when the type came first (the usual order);
    // otherwise their offset and depth are kept and they are read once the type is known.
    let (mut prepared, mut attrs_at) = (None, None);
    let start = s.mark();
    let mut seen_attrs = false;
    s.object(|s, key| {
        let dup = match key {
            "id" => id.is_some(),
            "workspace_id" => ws.is_some(),
            "entity_type" => ty.is_some(),
            "attributes" => std::mem::replace(&mut seen_attrs, true),
            _ => false,
        };
        if dup {
            return s.error(ScanErrorKind::DuplicateField(key.to_owned()));
        }
        match key {
            "id" => s.required_string("id").map(|v| id = Some(v)),
            "workspace_id" => s.required_string("workspace_id").map(|v| ws = Some(v)),
            "entity_type" => s.required_string("entity_type").map(|v| ty = Some(v)),
            "attributes" => match ty.as_deref().map(|t| schema.type_index(t)) {
                Some(Some(i)) => attributes(s, schema, i).map(|e| prepared = Some(e)),
                _ => {
                    // Not an object is an error whatever the type, as in the JSON-tree path.
                    if s.peek() != Some(b'{') {
                        return s.error(ScanErrorKind::FieldNotAnObject("attributes".into()));
                    }
                    attrs_at = Some(s.mark());
                    s.skip_value()
                }
            },
            _ => s.skip_value(),
        }
    })?;
    let end = s.mark();
    let missing = |s: &mut Scanner<'_>, f: &str| {
        s.resume(start);
        s.error(ScanErrorKind::MissingField(f.to_owned()))
    };
    let Some(id) = id else { return missing(s, "id") };
    let Some(ws) = ws else { return missing(s, "workspace_id") };
    let Some(ty) = ty else { return missing(s, "entity_type") };
    let Some(type_index) = schema.type_index(&ty) else { return Ok(None) };
    let entity = match (prepared, attrs_at) {
        (Some(e), _) => e,
        (None, Some(at)) => {
            s.resume(at);
            let e = attributes(s, schema, type_index)?;
            s.resume(end);
            e
        }
        _ => {
            let t = &schema.entity_types[type_index];
            PreparedEntity {
                type_index,
                type_name: t.name.as_str().into(),
                slots: vec![Slot::Unknown; t.attributes.len()].into_boxed_slice(),
            }
        }
    };
    Ok(Some((id, ws, entity)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Entity;

    fn via_scanner(text: &str) -> Result<Option<PreparedEntity>, ScanError> {
        let schema = Schema::builtin();
        let mut s = Scanner::new(text);
        let r = read_entity(&mut s, &schema)?;
        s.finish()?;
        Ok(r.map(|(_, _, e)| e))
    }

    fn via_serde(text: &str) -> Option<PreparedEntity> {
        let e: Entity = serde_json::from_str(text).unwrap();
        Schema::builtin().prepare(&e)
    }

    #[test]
    fn agrees_with_the_json_tree_path() {
        let docs = [
            r#"{"id":"e","workspace_id":"w","entity_type":"detail","attributes":{"type":"concrete","project_type":"typical","tags":["b","a","b"],"created_at":"2025-01-02"}}"#,
            r#"{"attributes":{"tags":["x",1],"type":null,"status":{"a":[1,{"b":2}]}},"entity_type":"detail","id":"e","workspace_id":"w","extra":[true,false,null,-1.5e3]}"#,
            r#"{"id":"e","workspace_id":"w","entity_type":"stash","attributes":{"project_id":"A1000000-0000-4000-8000-00000000000A","is_permanent":true,"tags":[]}}"#,
            r#"{"id":"e","workspace_id":"w","entity_type":"family","attributes":{"name":"caf\u00e9 \"x\" \ud83d\ude00","tags":["\n"],"note":"not in the schema"}}"#,
            r#"{"id":"e","workspace_id":"w","entity_type":"detail"}"#,
            r#" { "id" : "e" , "workspace_id" : "w" , "entity_type" : "tag" , "attributes" : { } } "#,
        ];
        for d in docs {
            assert_eq!(via_scanner(d).unwrap(), via_serde(d), "{d}");
        }
    }

    #[test]
    fn unknown_types_are_none_and_malformed_text_is_an_error() {
        assert_eq!(
            via_scanner(r#"{"id":"e","workspace_id":"w","entity_type":"robot","attributes":{}}"#)
                .unwrap(),
            None
        );
        for bad in [
            r#"{"id":"e","workspace_id":"w"}"#,
            r#"{"id":1,"workspace_id":"w","entity_type":"detail"}"#,
            r#"{"id":"e","workspace_id":"w","entity_type":"detail","attributes":[]}"#,
            r#"{"id":"e","workspace_id":"w","entity_type":"detail","attributes":{"tags":[01]}}"#,
            r#"{"id":"e","workspace_id":"w","entity_type":"detail","attributes":{"name":"\ud800"}}"#,
            r#"{"id":"e","workspace_id":"w","entity_type":"detail"} x"#,
            r#"{"id":"e","workspace_id":"w","entity_type":"detail","entity_type":"tag"}"#,
            r#"{"id":"e","workspace_id":"w","entity_type":"detail","attributes":{"type":"a","type":"b"}}"#,
            r#"{"id":"e","workspace_id":"w","entity_type":"detail","x":1,"x":2}"#,
            r#"{"id":"e","workspace_id":"w","entity_type":"detail","attributes":{"x":{"k":1,"k":2}}}"#,
            r#"{"id":"e","workspace_id":"w","entity_type":"detail","attributes":{"x":"a"#,
            "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]",
            "",
        ] {
            assert!(via_scanner(bad).is_err(), "{bad}");
        }
        let deep = format!(
            r#"{{"id":"e","workspace_id":"w","entity_type":"detail","attributes":{{"x":{}1{}}}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert!(via_scanner(&deep).is_err());
    }

    #[test]
    fn nesting_is_bounded_where_the_json_tree_path_bounds_it() {
        use crate::grants::{Request, Row};
        let schema = Schema::builtin();
        let many_via_scanner = |t: &str| {
            Row::many_from_json(&schema, t)
                .ok()
                .map(|rs| rs.into_iter().map(|r| r.entity).collect::<Vec<_>>())
        };
        let many_via_serde = |t: &str| {
            serde_json::from_str::<Vec<Entity>>(t)
                .ok()
                .map(|es| es.iter().filter_map(|e| schema.prepare(e)).collect::<Vec<_>>())
        };
        // serde_json refuses the 128th nested container, wherever it is.
        for d in 120..=130 {
            let nest = |inner: &str| format!("{}{inner}{}", "[".repeat(d), "]".repeat(d));
            for doc in [
                format!(
                    r#"{{"id":"e","workspace_id":"w","entity_type":"detail","attributes":{{"x":{}}}}}"#,
                    nest("1")
                ),
                format!(
                    r#"{{"id":"e","workspace_id":"w","entity_type":"detail","attributes":{{"tags":{}}}}}"#,
                    nest("")
                ),
                format!(
                    r#"{{"attributes":{{"tags":{}}},"id":"e","workspace_id":"w","entity_type":"detail"}}"#,
                    nest("")
                ),
                format!(
                    r#"{{"attributes":{{"x":{}}},"id":"e","workspace_id":"w","entity_type":"robot"}}"#,
                    nest("{}")
                ),
                format!(
                    r#"{{"id":"e","workspace_id":"w","entity_type":"detail","x":{}}}"#,
                    nest("{}")
                ),
            ] {
                let serde = serde_json::from_str::<Entity>(&doc).map(|e| schema.prepare(&e));
                assert_eq!(via_scanner(&doc).ok(), serde.ok(), "depth {d}: {doc}");
                let many = format!("[{doc}]");
                assert_eq!(
                    many_via_scanner(&many),
                    many_via_serde(&many),
                    "depth {d} in an array: {doc}"
                );
            }
            let req = format!(
                r#"{{"operation":"update","workspace_id":"w","entity_type":"detail","attributes":{{"x":{}}}}}"#,
                nest("1")
            );
            assert_eq!(
                Request::from_json(&req).ok(),
                serde_json::from_str::<Request>(&req).ok(),
                "depth {d}: {req}"
            );
            // (An unknown field of a request is bounded here too; the derived reader skips
            // unknown fields without a bound. See `Request::from_json`.)
        }
    }

    #[test]
    fn attributes_that_are_not_an_object_are_an_error_whatever_the_type() {
        for doc in [
            r#"{"id":"e","workspace_id":"w","entity_type":"robot","attributes":null}"#,
            r#"{"attributes":5,"id":"e","workspace_id":"w","entity_type":"robot"}"#,
            r#"{"attributes":[],"id":"e","workspace_id":"w","entity_type":"detail"}"#,
            r#"{"id":"e","workspace_id":"w","entity_type":"detail","attributes":-}"#,
        ] {
            assert!(serde_json::from_str::<Entity>(doc).is_err(), "{doc}");
            assert!(via_scanner(doc).is_err(), "{doc}");
            let many = format!("[{doc}]");
            assert!(
                crate::grants::Row::many_from_json(&Schema::builtin(), &many).is_err(),
                "{many}"
            );
        }
    }

    #[test]
    fn requests_read_as_the_serde_form_reads_them() {
        use crate::grants::Request;
        for doc in [
            r#"{"operation":"get","workspace_id":"w","entity_type":"detail","id":"e"}"#,
            r#"{"operation":"update","workspace_id":"w","entity_type":"detail","id":null,"attributes":{"tags":["a"],"n":1.5},"source_ip":"10.0.0.1","x":[1]}"#,
            r#"{"entity_type":"tag","operation":"list","workspace_id":"w","source_ip":null,"attributes":null}"#,
        ] {
            let serde: Request = serde_json::from_str(doc).unwrap();
            assert_eq!(Request::from_json(doc).unwrap(), serde, "{doc}");
        }
        for bad in [
            r#"{"operation":"fly","workspace_id":"w","entity_type":"detail"}"#,
            r#"{"operation":"get","workspace_id":"w"}"#,
            r#"{"operation":"get","workspace_id":"w","entity_type":"detail","attributes":[1]}"#,
            r#"{"operation":"get","workspace_id":"w","entity_type":"detail","id":5}"#,
            r#"{"operation":"get","operation":"get","workspace_id":"w","entity_type":"detail"}"#,
            r#"[]"#,
        ] {
            assert!(serde_json::from_str::<Request>(bad).is_err(), "{bad}");
            assert!(Request::from_json(bad).is_err(), "{bad}");
        }
    }
}
