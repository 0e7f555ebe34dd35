//! The canonical text form: one text per tree, and `parse(format(t)) == t` for every tree the
//! parser can produce.
//!
//! Rules: keywords in capitals; one space around every operator; values as compact JSON with
//! `", "` between list items; a group inside a group or under NOT is parenthesised; a group with
//! one child is written as its child (SPEC 2.3); a NOT is never parenthesised.

use super::ast::{GroupKind, Predicate};
use serde_json::Value;
use std::fmt;

/// Write a JSON literal canonically.
pub(crate) fn write_value(out: &mut impl fmt::Write, v: &Value) -> fmt::Result {
    match v {
        Value::Array(items) => {
            out.write_char('[')?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.write_str(", ")?;
                }
                write_value(out, item)?;
            }
            out.write_char(']')
        }
        // serde_json writes strings with minimal JSON escapes and numbers in shortest form.
        other => out.write_str(&serde_json::to_string(other).map_err(|_| fmt::Error)?),
    }
}

/// A group with one child is its child.
fn collapse(p: &Predicate) -> &Predicate {
    let mut p = p;
    while let Predicate::Group { children, .. } = p {
        if children.len() != 1 {
            break;
        }
        p = &children[0];
    }
    p
}

fn write_node(out: &mut impl fmt::Write, p: &Predicate, parenthesise_group: bool) -> fmt::Result {
    match collapse(p) {
        Predicate::Condition(c) => {
            write!(out, "{} {} ", c.attr, c.op)?;
            write_value(out, &c.value)
        }
        Predicate::Not { child, .. } => {
            out.write_str("NOT ")?;
            write_node(out, child, true)
        }
        Predicate::Group { kind, children, .. } => {
            let kw = match kind {
                GroupKind::And => " AND ",
                GroupKind::Or => " OR ",
            };
            if parenthesise_group {
                out.write_char('(')?;
            }
            for (i, child) in children.iter().enumerate() {
                if i > 0 {
                    out.write_str(kw)?;
                }
                write_node(out, child, true)?;
            }
            if parenthesise_group {
                out.write_char(')')?;
            }
            Ok(())
        }
    }
}

/// Canonical text: `Predicate`'s `Display`.
///
/// ```
/// use portcullis::parse;
/// let p = parse(r#"(type eq "concrete" or type eq "steel") and not tags contains ["draft"]"#).unwrap();
/// assert_eq!(p.to_string(), r#"(type eq "concrete" OR type eq "steel") AND NOT tags contains ["draft"]"#);
/// assert_eq!(parse(&p.to_string()).unwrap(), p);
/// ```
impl fmt::Display for Predicate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_node(f, self, false)
    }
}

#[cfg(test)]
mod tests {
    use crate::lang::parse::parse;
    use crate::Predicate;
    use serde_json::json;

    #[test]
    fn canonical_forms() {
        for (src, canon) in [
            (r#"a   eq  "x""#, r#"a eq "x""#),
            (r#"a eq 1 and b eq 2.50"#, r#"a eq 1 AND b eq 2.5"#),
            (r#"tags intersects ["a","b"]"#, r#"tags intersects ["a", "b"]"#),
            (r#"not (a eq 1 or b eq 2)"#, r#"NOT (a eq 1 OR b eq 2)"#),
            (r#"not not a eq 1"#, r#"NOT NOT a eq 1"#),
            (r#"(a eq 1 and b eq 2) and c eq 3"#, r#"(a eq 1 AND b eq 2) AND c eq 3"#),
            (r#"name eq "Say \"hi\" \u00e9\\""#, r#"name eq "Say \"hi\" é\\""#),
        ] {
            let p = parse(src).unwrap();
            assert_eq!(p.to_string(), canon);
            assert_eq!(parse(canon).unwrap(), p);
        }
    }

    #[test]
    fn single_child_groups_format_as_their_child() {
        let p =
            Predicate::and(vec![Predicate::or(vec![Predicate::condition("a", "eq", json!(1))])]);
        assert_eq!(p.to_string(), "a eq 1");
        let q = Predicate::and(vec![
            Predicate::and(vec![Predicate::condition("a", "eq", json!(1))]),
            Predicate::condition("b", "eq", json!(2)),
        ]);
        assert_eq!(q.to_string(), "a eq 1 AND b eq 2");
    }
}
