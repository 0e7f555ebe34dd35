//! The JSON form (SPEC 2.2): reading a JSON document into a tree, reporting every structural
//! problem with its JSON path, and writing a tree back out.

use super::ast::{Condition, GroupKind, Predicate};
use crate::diagnostic::{Code, Diagnostic};
use crate::limits::{MAX_JSON_NODES, MAX_PARSE_NESTING};
use crate::record::kind as kind_of;
use serde_json::{Map, Value};

/// Read the JSON form. Unknown keys, or an object that is no node of SPEC 2.2, are
/// `invalid_predicate`; every such problem is reported, each at its JSON path under `root`.
///
/// ```
/// use portcullis::lang::predicate_from_json;
/// use serde_json::json;
/// let p = predicate_from_json(&json!({"not": {"attr": "type", "op": "eq", "value": "steel"}}), "$").unwrap();
/// assert_eq!(p.to_string(), r#"NOT type eq "steel""#);
/// let errs = predicate_from_json(&json!({"and": [{"attr": "type", "op": "eq"}, {"xor": []}]}), "$").unwrap_err();
/// assert_eq!(errs.len(), 2);
/// assert_eq!(errs[1].path(), Some("$.and[1]"));
/// ```
pub fn predicate_from_json(v: &Value, root: &str) -> Result<Predicate, Vec<Diagnostic>> {
    let mut r = Reader { errors: Vec::new(), nodes: 0 };
    let p = r.node(v, root, 0);
    if r.errors.is_empty() {
        // INVARIANT: `node` returns None only after pushing an error.
        Ok(p.expect("a tree when there are no errors"))
    } else {
        Err(r.errors)
    }
}

struct Reader {
    errors: Vec<Diagnostic>,
    nodes: usize,
}

const SHAPES: &str =
    r#"a node is {"attr", "op", "value"}, {"and": [...]}, {"or": [...]} or {"not": node}"#;

impl Reader {
    fn bad(&mut self, path: &str, msg: String) -> Option<Predicate> {
        self.errors
            .push(Diagnostic::error(Code::InvalidPredicate, msg).with_help(SHAPES).at_path(path));
        None
    }

    fn node(&mut self, v: &Value, path: &str, nesting: usize) -> Option<Predicate> {
        self.nodes += 1;
        if self.nodes > MAX_JSON_NODES {
            if self.nodes == MAX_JSON_NODES + 1 {
                self.errors.push(
                    Diagnostic::error(
                        Code::InputTooLarge,
                        format!("the predicate has more than {MAX_JSON_NODES} nodes"),
                    )
                    .at_path(path),
                );
            }
            return None;
        }
        if nesting > MAX_PARSE_NESTING {
            self.errors.push(
                Diagnostic::error(
                    Code::MaxDepthExceeded,
                    format!("the predicate is nested more than {MAX_PARSE_NESTING} levels deep"),
                )
                .with_help("a valid filter is at most 5 levels deep")
                .at_path(path),
            );
            return None;
        }
        let Value::Object(obj) = v else {
            return self
                .bad(path, format!("expected a predicate node (an object), found {}", kind_of(v)));
        };
        if obj.contains_key("attr") || obj.contains_key("op") || obj.contains_key("value") {
            return self.condition(obj, path);
        }
        if obj.len() != 1 {
            let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
            let found = if keys.is_empty() {
                "no keys".to_string()
            } else {
                format!("keys `{}`", keys.join("`, `"))
            };
            return self
                .bad(path, format!("expected exactly one of `and`, `or`, `not`; found {found}"));
        }
        // INVARIANT: `obj.len() == 1` was checked just above.
        let (key, inner) = obj.iter().next().expect("one key");
        match key.as_str() {
            "and" | "or" => {
                let kind = if key == "and" { GroupKind::And } else { GroupKind::Or };
                let Value::Array(items) = inner else {
                    return self.bad(
                        &format!("{path}.{key}"),
                        format!("`{key}` takes an array of nodes, found {}", kind_of(inner)),
                    );
                };
                let children: Vec<Option<Predicate>> = items
                    .iter()
                    .enumerate()
                    .map(|(i, c)| self.node(c, &format!("{path}.{key}[{i}]"), nesting + 1))
                    .collect();
                let children: Option<Vec<Predicate>> = children.into_iter().collect();
                Some(Predicate::Group { kind, children: children?, range: None })
            }
            "not" => {
                let child = self.node(inner, &format!("{path}.not"), nesting + 1)?;
                Some(Predicate::not(child))
            }
            other => self.bad(path, format!("unknown key `{other}`")),
        }
    }

    fn condition(&mut self, obj: &Map<String, Value>, path: &str) -> Option<Predicate> {
        if let Some(k) = obj.keys().find(|k| !matches!(k.as_str(), "attr" | "op" | "value")) {
            return self.bad(path, format!("unknown key `{k}` in a condition"));
        }
        let attr = match obj.get("attr") {
            Some(Value::String(s)) => s.clone(),
            Some(v) => {
                return self.bad(
                    &format!("{path}.attr"),
                    format!("`attr` must be a string, found {}", kind_of(v)),
                )
            }
            None => return self.bad(path, "a condition needs `attr`".into()),
        };
        let op = match obj.get("op") {
            Some(Value::String(s)) => s.clone(),
            Some(v) => {
                return self.bad(
                    &format!("{path}.op"),
                    format!("`op` must be a string, found {}", kind_of(v)),
                )
            }
            None => return self.bad(path, "a condition needs `op`".into()),
        };
        let Some(value) = obj.get("value") else {
            return self.bad(path, "a condition needs `value`".into());
        };
        Some(Predicate::Condition(Condition { attr, op, value: value.clone(), ranges: None }))
    }
}

/// Write the JSON form of a tree.
///
/// ```
/// use portcullis::{parse, lang::predicate_to_json};
/// let p = parse(r#"NOT is_permanent eq true"#).unwrap();
/// assert_eq!(predicate_to_json(&p), serde_json::json!({"not": {"attr": "is_permanent", "op": "eq", "value": true}}));
/// ```
pub fn predicate_to_json(p: &Predicate) -> Value {
    let mut m = Map::new();
    match p {
        Predicate::Condition(c) => {
            m.insert("attr".into(), Value::String(c.attr.clone()));
            m.insert("op".into(), Value::String(c.op.clone()));
            m.insert("value".into(), c.value.clone());
        }
        Predicate::Group { kind, children, .. } => {
            m.insert(
                kind.as_str().into(),
                Value::Array(children.iter().map(predicate_to_json).collect()),
            );
        }
        Predicate::Not { child, .. } => {
            m.insert("not".into(), predicate_to_json(child));
        }
    }
    Value::Object(m)
}

impl serde::Serialize for Predicate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        predicate_to_json(self).serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trip() {
        let v = json!({"and": [{"attr": "a", "op": "eq", "value": 1}, {"not": {"or": [{"attr": "b", "op": "in", "value": ["x"]}]}}]});
        assert_eq!(predicate_to_json(&predicate_from_json(&v, "$").unwrap()), v);
    }

    #[test]
    fn shapes_that_are_not_nodes() {
        for v in [
            json!({"attr": "type", "op": "eq"}),
            json!({"xor": []}),
            json!({"and": {}}),
            json!({"and": [], "or": []}),
            json!({"attr": "a", "op": "eq", "value": 1, "extra": 2}),
            json!({"attr": 5, "op": "eq", "value": 1}),
            json!([1]),
            json!({}),
        ] {
            let e = predicate_from_json(&v, "$").unwrap_err();
            assert_eq!(e[0].code, Code::InvalidPredicate, "{v}");
        }
    }

    #[test]
    fn deep_json_is_bounded() {
        let mut v = json!({"attr": "a", "op": "eq", "value": 1});
        for _ in 0..100 {
            v = json!({ "not": v });
        }
        assert_eq!(predicate_from_json(&v, "$").unwrap_err()[0].code, Code::MaxDepthExceeded);
    }
}
