//! Preview match count (SPEC 3): how many of a workspace's entities a filter matches, capped
//! at 10,000, refused for types that cannot be previewed and for filters the search index
//! cannot run.

use crate::diagnostic::{Code, Diagnostic};
use crate::eval::{CompiledFilter, PreparedEntity};
use crate::limits::PREVIEW_CAP;
use crate::schema::Schema;
use serde::Serialize;

/// A preview answer: `count` = min(matches, 10,000), `truncated` when more match.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PreviewCount {
    /// How many entities match, at most the cap (10,000).
    pub count: usize,
    /// Whether more than `count` match.
    pub truncated: bool,
}

impl PreviewCount {
    /// The answer for a number of matches counted elsewhere (a database counting no further
    /// than one past the cap).
    ///
    /// ```
    /// use portcullis::PreviewCount;
    /// assert_eq!(PreviewCount::of_matches(1247), PreviewCount { count: 1247, truncated: false });
    /// assert_eq!(PreviewCount::of_matches(10_001), PreviewCount { count: 10_000, truncated: true });
    /// ```
    pub fn of_matches(matches: usize) -> PreviewCount {
        if matches > PREVIEW_CAP {
            PreviewCount { count: PREVIEW_CAP, truncated: true }
        } else {
            PreviewCount { count: matches, truncated: false }
        }
    }

    /// How a builder shows it: `1,247` or `10,000+`.
    ///
    /// ```
    /// use portcullis::PreviewCount;
    /// assert_eq!(PreviewCount { count: 10_000, truncated: true }.display(), "10,000+");
    /// assert_eq!(PreviewCount { count: 1247, truncated: false }.display(), "1,247");
    /// ```
    pub fn display(&self) -> String {
        let digits = self.count.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        if self.truncated {
            out.push('+');
        }
        out
    }
}

/// Whether a filter may be previewed at all: `preview_not_supported` for types without
/// preview (tags), `not_searchable` for filters the search index cannot run (SPEC 4.3).
pub fn check_previewable(schema: &Schema, filter: &CompiledFilter) -> Result<(), Diagnostic> {
    let t = schema
        .entity_type(filter.entity_type())
        .ok_or_else(|| Diagnostic::error(Code::UnknownEntityType, "unknown entity type"))?;
    if !t.previewable {
        return Err(Diagnostic::error(
            Code::PreviewNotSupported,
            format!("{} filters cannot be previewed", t.name),
        ));
    }
    if !filter.is_searchable() {
        return Err(Diagnostic::error(
            Code::NotSearchable,
            format!(
                "this {} filter uses what the search index cannot run, so it cannot be previewed",
                t.name
            ),
        ));
    }
    Ok(())
}

/// Count the matches among `entities` (the workspace's entities of the filter's type; others
/// never match). Stops as soon as the count passes the cap.
///
/// ```
/// use portcullis::{compile, preview, PreparedEntity, Schema};
/// use serde_json::json;
/// let s = Schema::builtin();
/// let f = compile(&s, "family", r#"category eq "S""#).unwrap();
/// let e = PreparedEntity::new(&s, "family", json!({"category": "S"}).as_object().unwrap()).unwrap();
/// let all = vec![e; 10_001];
/// let p = preview(&s, &f, all.iter()).unwrap();
/// assert_eq!((p.count, p.truncated), (10_000, true));
/// ```
pub fn preview<'a>(
    schema: &Schema,
    filter: &CompiledFilter,
    entities: impl IntoIterator<Item = &'a PreparedEntity>,
) -> Result<PreviewCount, Diagnostic> {
    check_previewable(schema, filter)?;
    Ok(count_matches(filter, entities))
}

/// The capped count, without the previewability checks.
pub fn count_matches<'a>(
    filter: &CompiledFilter,
    entities: impl IntoIterator<Item = &'a PreparedEntity>,
) -> PreviewCount {
    let mut n = 0;
    for e in entities {
        if filter.matches(e) {
            n += 1;
            if n > PREVIEW_CAP {
                return PreviewCount { count: PREVIEW_CAP, truncated: true };
            }
        }
    }
    PreviewCount { count: n, truncated: false }
}
