//! The text form: arbitrary bytes; when they are UTF-8, `parse`.
//!
//! Beyond "no panic":
//! - a tree that parses formats to canonical text that parses back to the same tree, and
//!   formatting that tree again gives the same text (one text per tree);
//! - the JSON form of the tree reads back as the same tree;
//! - every node range the parser records lies within the input, on char boundaries;
//! - a parse error carries a span within the input, on char boundaries;
//! - validating the text against every entity type: each diagnostic with a span has it within
//!   the input, and a span attached to a condition's `attr`/`op`/`value` path covers exactly
//!   that part of the condition the path names.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis::lang::{predicate_from_json, predicate_to_json, Predicate, TextRange};
use portcullis::limits::MAX_PARSE_NESTING;
use portcullis::{parse, validate, Code, Diagnostic, FilterDraft, PredicateSource, Schema, Span};
use std::sync::OnceLock;

fn schema() -> &'static Schema {
    static S: OnceLock<Schema> = OnceLock::new();
    S.get_or_init(Schema::builtin)
}

/// A value for a failure message, cut to a readable length.
fn short(v: &impl std::fmt::Debug) -> String {
    let s = format!("{v:?}");
    if s.chars().count() > 300 {
        format!("{}… ({} bytes)", s.chars().take(300).collect::<String>(), s.len())
    } else {
        s
    }
}

fn check_range(src: &str, r: TextRange, what: &str) {
    assert!(
        r.start <= r.end && r.end <= src.len(),
        "{what} range {r:?} outside the input of {} bytes",
        src.len()
    );
    assert!(
        src.is_char_boundary(r.start) && src.is_char_boundary(r.end),
        "{what} range {r:?} inside a character"
    );
}

/// Bounds and char boundaries always; line, column and UTF-16 offsets recomputed from the
/// start of the text when `full` (for the first diagnostics only: recomputing every one of
/// thousands would make the harness itself quadratic).
fn check_span(src: &str, s: &Span, d: &Diagnostic, full: bool) {
    assert!(
        s.start <= s.end && s.end <= src.len(),
        "span {s:?} outside the input of {} bytes: {d:?}",
        src.len()
    );
    assert!(
        src.is_char_boundary(s.start) && src.is_char_boundary(s.end),
        "span {s:?} inside a character: {d:?}"
    );
    if !full {
        return;
    }
    let before = &src[..s.start];
    assert_eq!(s.line, before.matches('\n').count() + 1, "{d:?}");
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    assert_eq!(s.column, src[line_start..s.start].chars().count() + 1, "{d:?}");
    assert_eq!(s.utf16_start, before.encode_utf16().count(), "{d:?}");
    assert_eq!(s.utf16_end - s.utf16_start, src[s.start..s.end].encode_utf16().count(), "{d:?}");
}

fn check_ranges(src: &str, p: &Predicate) {
    if let Some(r) = p.range() {
        check_range(src, r, "node");
    }
    match p {
        Predicate::Condition(c) => {
            let r = c.ranges.expect("a parsed condition has ranges");
            check_range(src, r.attr, "attr");
            check_range(src, r.op, "op");
            check_range(src, r.value, "value");
            assert_eq!(&src[r.attr.start..r.attr.end], c.attr);
            assert_eq!(&src[r.op.start..r.op.end], c.op);
            let v: serde_json::Value = serde_json::from_str(&src[r.value.start..r.value.end])
                .expect("a value range holds a JSON literal");
            assert_eq!(v, c.value);
        }
        Predicate::Group { children, range, .. } => {
            assert!(range.is_some(), "a parsed group has a range");
            children.iter().for_each(|c| check_ranges(src, c));
        }
        Predicate::Not { child, range } => {
            assert!(range.is_some(), "a parsed NOT has a range");
            check_ranges(src, child);
        }
    }
}

/// The node a JSON path such as `$.predicate.and[1].not` names, and what is left (`attr`,
/// `op`, `value` or nothing).
fn resolve<'p>(tree: &'p Predicate, path: &str) -> Option<(&'p Predicate, Option<&'p str>)> {
    let rest = path.strip_prefix("$.predicate")?;
    let mut node = tree;
    let mut parts = rest.split('.').skip(1).peekable();
    while let Some(part) = parts.next() {
        match (node, part) {
            (Predicate::Not { child, .. }, "not") => node = child,
            (Predicate::Condition(_), "attr" | "op" | "value") if parts.peek().is_none() => {
                return Some((
                    node,
                    Some(match part {
                        "attr" => "attr",
                        "op" => "op",
                        _ => "value",
                    }),
                ))
            }
            (Predicate::Group { kind, children, .. }, _) => {
                let (key, idx) = part.split_once('[')?;
                assert_eq!(key, kind.as_str(), "path {path} names the wrong group kind");
                let i: usize = idx.strip_suffix(']')?.parse().ok()?;
                node = children.get(i)?;
            }
            _ => panic!("path {path} does not fit the tree at `{part}`"),
        }
    }
    Some((node, None))
}

fn check_validation(src: &str, tree: &Predicate) {
    for t in &schema().entity_types {
        let draft = FilterDraft {
            entity_type: t.name.clone(),
            name: "n".into(),
            description: None,
            predicate: PredicateSource::Text(src.into()),
        };
        let v = validate(schema(), &draft);
        assert_eq!(v.is_valid(), v.filter.is_some(), "valid iff compiled: {:?}", v.errors);
        assert_eq!(v.predicate.as_ref(), Some(tree), "validation reads the same tree");
        for (i, d) in v.errors.iter().chain(&v.warnings).enumerate() {
            let Some(s) = d.span() else { continue };
            check_span(src, &s, d, i < 64);
            let Some(path) = d.path() else { continue };
            let Some((node, part)) = resolve(tree, path) else { continue };
            let want = match (node, part) {
                (Predicate::Condition(c), Some(part)) => {
                    let r = c.ranges.expect("ranges");
                    match part {
                        "attr" => r.attr,
                        "op" => r.op,
                        _ => r.value,
                    }
                }
                _ => node.range().expect("a parsed node has a range"),
            };
            assert_eq!(
                (s.start, s.end),
                (want.start, want.end),
                "span of {} at {path} in {}",
                d.code,
                short(&src)
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else { return };
    match parse(src) {
        Ok(tree) => {
            check_ranges(src, &tree);
            let canon = tree.to_string();
            let again = match parse(&canon) {
                Ok(t) => t,
                Err(d) => panic!(
                    "canonical text {} of {} does not parse: {d:?}",
                    short(&canon),
                    short(&src)
                ),
            };
            assert_eq!(again, tree, "round trip through {}", short(&canon));
            assert_eq!(again.to_string(), canon, "formatting is canonical");
            // The JSON reader bounds nesting per node where the parser bounds parentheses and
            // NOT, so a top-level group can put the deepest leaf one level past the JSON bound;
            // such a tree is far past MAX_DEPTH and both forms refuse it as max_depth_exceeded.
            match predicate_from_json(&predicate_to_json(&tree), "$") {
                Ok(back) => assert_eq!(back, tree),
                Err(e) => assert!(
                    tree.depth() > MAX_PARSE_NESTING
                        && e.iter().all(|d| d.code == Code::MaxDepthExceeded),
                    "{e:?}"
                ),
            }
            check_validation(src, &tree);
        }
        Err(d) => {
            let s = d.span().expect("a parse error has a span");
            check_span(src, &s, &d, true);
            assert!(d.path().is_none());
        }
    }
});
