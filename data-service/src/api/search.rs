//! The service's own search parameters, which a caller adds to its list: `ATTR=VALUE` for the
//! attributes each type's search supports (equality; for a list attribute, "has this value"),
//! and `q`, a case-insensitive substring of the type's text (a detail's `type`, a family's or a
//! tag's `name`). The equalities become one filter, so that the engine's compiler pushes them
//! down with the scope and the engine checks them again on every row read back.

use std::sync::Arc;

use portcullis::{CompiledFilter, Schema, Scope};
use serde_json::{json, Map, Value};

use super::Refusal;

/// What a caller searched for.
pub struct Search {
    /// The equalities, as one filter of the list's type.
    pub filter: Option<Arc<CompiledFilter>>,
    /// The substring, lower-cased.
    pub text: Option<String>,
}

/// The attributes each type's search supports, and how a parameter's text reads as a value.
fn supported(ty: &str) -> &'static [(&'static str, Kind)] {
    match ty {
        "family" => &[
            ("name", Kind::Text),
            ("category", Kind::Text),
            ("classification", Kind::Text),
            ("tags", Kind::List),
            ("project_id", Kind::Uuid),
        ],
        "detail" => &[("type", Kind::Text), ("project_type", Kind::Text), ("tags", Kind::List)],
        "stash" => {
            &[("project_id", Kind::Uuid), ("is_permanent", Kind::Bool), ("created_by", Kind::Uuid)]
        }
        _ => &[("name", Kind::Text)],
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Text,
    List,
    Uuid,
    Bool,
}

/// Read the search parameters of a list of `ty`.
pub fn read(schema: &Schema, ty: &str, params: &Map<String, Value>) -> Result<Search, Refusal> {
    let indexed = supported(ty);
    let mut conditions = Vec::new();
    let mut text = None;
    for (k, v) in params {
        let Some(s) = v.as_str() else {
            return Err(Refusal::bad(
                "invalid_search",
                format!("search parameter {k:?} must be a string"),
            ));
        };
        if k == "q" {
            text = Some(s.to_lowercase());
            continue;
        }
        let Some((_, kind)) = indexed.iter().find(|(a, _)| a == k) else {
            let names: Vec<&str> = indexed.iter().map(|(a, _)| *a).collect();
            return Err(Refusal::bad(
                "unsupported_search_parameter",
                format!("unsupported search parameter {k:?}; supported: q, {}", names.join(", ")),
            ));
        };
        conditions.push(match kind {
            Kind::List => json!({"attr": k, "op": "intersects", "value": [s]}),
            Kind::Bool => match s {
                "true" => json!({"attr": k, "op": "eq", "value": true}),
                "false" => json!({"attr": k, "op": "eq", "value": false}),
                _ => {
                    return Err(Refusal::bad(
                        "invalid_search",
                        format!("{k} must be true or false"),
                    ))
                }
            },
            Kind::Text | Kind::Uuid => json!({"attr": k, "op": "eq", "value": s}),
        });
    }
    if conditions.is_empty() {
        return Ok(Search { filter: None, text });
    }
    let scope = Scope::from_json(schema, ty, &json!({"all": false, "any": [{"and": conditions}]}))
        .map_err(|d| Refusal::diagnosed("invalid_search", &d))?;
    Ok(Search { filter: scope.filters.into_iter().next(), text })
}
