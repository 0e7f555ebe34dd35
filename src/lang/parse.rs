//! The text form's parser (grammar in `grammar.md`): tokens from [`super::lex`], structure by
//! recursive descent with an explicit nesting bound, so no input can exhaust the stack.

use super::ast::{Condition, ConditionRanges, GroupKind, Predicate, TextRange};
use super::lex::{tokenize, Token, TokenKind};
use crate::diagnostic::{Code, Diagnostic, Span};
use crate::json::scan::read_tree;
use crate::limits::{MAX_PARSE_NESTING, MAX_TEXT_BYTES};
use serde_json::Value;

/// Parse the text form into a tree.
///
/// ```
/// use portcullis::{parse, Predicate};
/// let p = parse(r#"project_type eq "typical" AND tags intersects ["concrete"]"#).unwrap();
/// assert_eq!(p, Predicate::and(vec![
///     Predicate::condition("project_type", "eq", "typical".into()),
///     Predicate::condition("tags", "intersects", serde_json::json!(["concrete"])),
/// ]));
/// let err = parse(r#"type eq "a" AND type eq "b" OR type eq "c""#).unwrap_err();
/// assert_eq!(err.code.as_str(), "mixed_and_or");
/// ```
pub fn parse(src: &str) -> Result<Predicate, Diagnostic> {
    if src.len() > MAX_TEXT_BYTES {
        return Err(Diagnostic::error(
            Code::InputTooLarge,
            format!(
                "the filter text is {} bytes; the limit is {} bytes (64 KiB)",
                src.len(),
                MAX_TEXT_BYTES
            ),
        )
        .at_span(Span::locate(src, MAX_TEXT_BYTES, src.len())));
    }
    let tokens = tokenize(src).map_err(|e| {
        Diagnostic::error(Code::SyntaxError, e.message).at_span(Span::locate(
            src,
            e.range.start,
            e.range.end,
        ))
    })?;
    let mut p = Parser { src, tokens, pos: 0 };
    p.check_parentheses()?;
    let tree = p.expr(0)?;
    let t = p.peek();
    if t.kind != TokenKind::End {
        let msg = match t.kind {
            TokenKind::RParen => "this `)` has no matching `(`".to_string(),
            _ => format!("expected AND, OR or the end of the filter, found {}", describe(t)),
        };
        return Err(p.error_at(t.range, msg));
    }
    // The canonical text is held to the same bound, so that `parse(format(t)) == t` for every
    // tree this returns and a stored filter's canonical text (and JSON form) reads back: it can
    // be longer than what was written (`[1,2]` becomes `[1, 2]`, `1e2` becomes `100.0`).
    let canonical = tree.to_string().len();
    if canonical > MAX_TEXT_BYTES {
        return Err(Diagnostic::error(
            Code::InputTooLarge,
            format!("the filter is {canonical} bytes in canonical form; the limit is {MAX_TEXT_BYTES} bytes (64 KiB)"),
        )
        .with_help("the canonical form writes `, ` between list values and numbers in full")
        .at_span(Span::locate(src, 0, src.len())));
    }
    Ok(tree)
}

struct Parser<'a> {
    src: &'a str,
    tokens: Vec<Token<'a>>,
    pos: usize,
}

fn describe(t: &Token) -> String {
    match t.kind {
        TokenKind::End => "the end of the filter".into(),
        _ if t.text.chars().count() > 40 => {
            format!("`{}…`", t.text.chars().take(40).collect::<String>())
        }
        _ => format!("`{}`", t.text),
    }
}

impl<'a> Parser<'a> {
    fn peek(&self) -> &Token<'a> {
        &self.tokens[self.pos]
    }

    fn next(&mut self) -> Token<'a> {
        let t = self.tokens[self.pos].clone();
        if t.kind != TokenKind::End {
            self.pos += 1;
        }
        t
    }

    fn error_at(&self, r: TextRange, msg: impl Into<String>) -> Diagnostic {
        Diagnostic::error(Code::SyntaxError, msg).at_span(Span::locate(self.src, r.start, r.end))
    }

    /// Unbalanced parentheses are reported at the parenthesis that has no partner, before the
    /// structure is read: read first, a missing `)` would surface far from its cause, at the end
    /// of the text or as AND and OR mixed inside the group it failed to close.
    fn check_parentheses(&self) -> Result<(), Diagnostic> {
        let mut open: Vec<TextRange> = Vec::new();
        for t in &self.tokens {
            match t.kind {
                TokenKind::LParen if open.len() >= MAX_PARSE_NESTING => {
                    return Err(self.nesting_error(t.range));
                }
                TokenKind::LParen => open.push(t.range),
                TokenKind::RParen if open.pop().is_none() => {
                    return Err(self.error_at(t.range, "this `)` has no matching `(`"));
                }
                _ => {}
            }
        }
        match open.pop() {
            // The innermost unclosed `(` is the one whose group ends where the text does.
            Some(r) => Err(self
                .error_at(r, "this `(` is never closed")
                .with_help("add the `)` where the group it opens ends")),
            None => Ok(()),
        }
    }

    fn nesting_error(&self, r: TextRange) -> Diagnostic {
        Diagnostic::error(
            Code::MaxDepthExceeded,
            format!("parentheses and NOT are nested more than {MAX_PARSE_NESTING} levels deep"),
        )
        .with_help("a valid filter is at most 5 levels deep")
        .at_span(Span::locate(self.src, r.start, r.end))
    }

    /// expr := unary ((AND unary)+ | (OR unary)+)?
    fn expr(&mut self, nesting: usize) -> Result<Predicate, Diagnostic> {
        let first = self.unary(nesting)?;
        let mut kind: Option<GroupKind> = None;
        let mut children = vec![first];
        loop {
            let t = self.peek();
            let this = if t.is_keyword("and") {
                GroupKind::And
            } else if t.is_keyword("or") {
                GroupKind::Or
            } else {
                break;
            };
            match kind {
                Some(k) if k != this => {
                    return Err(Diagnostic::error(
                        Code::MixedAndOr,
                        "AND and OR are mixed at one level without parentheses",
                    )
                    .with_help("add parentheses to say which goes first, e.g. `(a AND b) OR c` or `a AND (b OR c)`")
                    .at_span(Span::locate(self.src, t.range.start, t.range.end)));
                }
                _ => kind = Some(this),
            }
            self.next();
            children.push(self.unary(nesting)?);
        }
        Ok(match kind {
            // INVARIANT: `children` starts with the first operand and only grows.
            None => children.pop().expect("one child"),
            Some(kind) => {
                let range = children[0]
                    .range()
                    .zip(children.last().and_then(Predicate::range))
                    .map(|(a, b)| a.cover(b));
                Predicate::Group { kind, children, range }
            }
        })
    }

    /// unary := NOT unary | '(' expr ')' | condition
    fn unary(&mut self, nesting: usize) -> Result<Predicate, Diagnostic> {
        let t = self.peek().clone();
        if (t.is_keyword("not") || t.kind == TokenKind::LParen) && nesting >= MAX_PARSE_NESTING {
            return Err(self.nesting_error(t.range));
        }
        if t.is_keyword("not") {
            self.next();
            let child = self.unary(nesting + 1)?;
            let range = child.range().map(|r| t.range.cover(r));
            return Ok(Predicate::Not { child: Box::new(child), range });
        }
        if t.kind == TokenKind::LParen {
            self.next();
            let mut inner = self.expr(nesting + 1)?;
            let close = self.next();
            if close.kind != TokenKind::RParen {
                return Err(self.error_at(close.range, {
                    let open = Span::locate(self.src, t.range.start, t.range.end);
                    format!(
                        "expected `)` to close the `(` at line {}, column {}, found {}",
                        open.line,
                        open.column,
                        describe(&close)
                    )
                }));
            }
            // A parenthesised expression is the node it contains; widen its range to the parentheses.
            let outer = t.range.cover(close.range);
            match &mut inner {
                Predicate::Group { range, .. } | Predicate::Not { range, .. } => {
                    *range = Some(outer)
                }
                Predicate::Condition(_) => {}
            }
            return Ok(inner);
        }
        self.condition()
    }

    /// condition := IDENT IDENT value
    fn condition(&mut self) -> Result<Predicate, Diagnostic> {
        let attr = self.next();
        if attr.kind != TokenKind::Word || attr.is_any_keyword() {
            return Err(self.error_at(
                attr.range,
                format!("expected an attribute name, found {}", describe(&attr)),
            ));
        }
        let op = self.next();
        if op.kind != TokenKind::Word || op.is_any_keyword() {
            return Err(self.error_at(
                op.range,
                format!(
                    "expected an operator after `{}` (such as eq, in, intersects), found {}",
                    attr.text,
                    describe(&op)
                ),
            ));
        }
        let (value, value_range) = self.value()?;
        Ok(Predicate::Condition(Condition {
            attr: attr.text.to_string(),
            op: op.text.to_string(),
            value,
            ranges: Some(ConditionRanges { attr: attr.range, op: op.range, value: value_range }),
        }))
    }

    /// value := scalar | '[' (scalar (',' scalar)*)? ']'
    fn value(&mut self) -> Result<(Value, TextRange), Diagnostic> {
        let t = self.peek().clone();
        if t.kind != TokenKind::LBracket {
            let v = self.scalar()?;
            return Ok((v, t.range));
        }
        self.next();
        let mut items = Vec::new();
        if self.peek().kind == TokenKind::RBracket {
            let close = self.next();
            return Ok((Value::Array(items), t.range.cover(close.range)));
        }
        loop {
            items.push(self.scalar()?);
            let sep = self.next();
            match sep.kind {
                TokenKind::Comma => continue,
                TokenKind::RBracket => return Ok((Value::Array(items), t.range.cover(sep.range))),
                _ => {
                    return Err(self.error_at(
                        sep.range,
                        format!("expected `,` or `]` in the list, found {}", describe(&sep)),
                    ))
                }
            }
        }
    }

    fn scalar(&mut self) -> Result<Value, Diagnostic> {
        let t = self.next();
        match t.kind {
            // String and number literals are JSON's: the crate's JSON reader reads them.
            TokenKind::String => match read_tree(t.text) {
                Ok(v @ Value::String(_)) => Ok(v),
                Ok(_) => Err(self.error_at(t.range, "this string is not a valid JSON string")),
                Err(e) => Err(self.error_at(
                    t.range,
                    format!("this string is not a valid JSON string: {}", e.kind),
                )),
            },
            TokenKind::Number => {
                match read_tree(t.text) {
                    Ok(v @ Value::Number(_)) => Ok(v),
                    _ => Err(self
                        .error_at(t.range, format!("`{}` is out of the range of numbers", t.text))),
                }
            }
            TokenKind::Word if t.text == "true" => Ok(Value::Bool(true)),
            TokenKind::Word if t.text == "false" => Ok(Value::Bool(false)),
            TokenKind::LBracket => Err(self.error_at(t.range, "lists cannot be nested")),
            _ => Err(self.error_at(
                t.range,
                format!(
                    "expected a value (a \"string\", a number, true, false or a [list]), found {}",
                    describe(&t)
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn c(a: &str, o: &str, v: Value) -> Predicate {
        Predicate::condition(a, o, v)
    }

    #[test]
    fn runs_of_one_operator_are_one_group() {
        let p = parse(r#"type eq "a" AND type eq "b" AND type eq "c""#).unwrap();
        assert_eq!(
            p,
            Predicate::and(vec![
                c("type", "eq", json!("a")),
                c("type", "eq", json!("b")),
                c("type", "eq", json!("c"))
            ])
        );
    }

    #[test]
    fn parentheses_make_their_own_node() {
        let p = parse(r#"(a eq 1 AND b eq 2) AND c eq 3"#).unwrap();
        assert_eq!(
            p,
            Predicate::and(vec![
                Predicate::and(vec![c("a", "eq", json!(1)), c("b", "eq", json!(2))]),
                c("c", "eq", json!(3))
            ])
        );
        assert_eq!(parse("((a eq 1))").unwrap(), c("a", "eq", json!(1)));
    }

    #[test]
    fn not_binds_to_what_follows() {
        let p = parse(r#"a eq 1 and NOT not (b eq 2 or c eq 3)"#).unwrap();
        assert_eq!(
            p,
            Predicate::and(vec![
                c("a", "eq", json!(1)),
                Predicate::not(Predicate::not(Predicate::or(vec![
                    c("b", "eq", json!(2)),
                    c("c", "eq", json!(3))
                ]))),
            ])
        );
    }

    #[test]
    fn mixing_is_refused_at_the_operator() {
        let e = parse("a eq 1 OR b eq 2 AND c eq 3").unwrap_err();
        assert_eq!(e.code, Code::MixedAndOr);
        assert_eq!(e.span().unwrap().start, 17);
    }

    #[test]
    fn mixing_inside_parentheses_is_refused_too() {
        assert_eq!(
            parse("(a eq 1 OR b eq 2 AND c eq 3) AND d eq 4").unwrap_err().code,
            Code::MixedAndOr
        );
        assert!(parse("(a eq 1 OR b eq 2) AND c eq 3").is_ok());
    }

    #[test]
    fn syntax_errors_point_at_the_offending_token() {
        let cases = [
            ("name eq", 7, 7),
            ("name \"abc\"", 5, 10),
            ("AND name eq \"a\"", 0, 3),
            ("(name eq \"a\"", 0, 1),
            ("name eq \"a", 8, 9),
            ("name eq \"a\" \"b\"", 12, 15),
            ("", 0, 0),
            ("a eq [1,]", 8, 9),
            ("a eq [[1]]", 6, 7),
            ("a eq null", 5, 9),
            ("a eq 1)", 6, 7),
        ];
        for (src, s, e) in cases {
            let d = parse(src).unwrap_err();
            assert_eq!(d.code, Code::SyntaxError, "{src}");
            let sp = d.span().unwrap();
            assert_eq!((sp.start, sp.end), (s, e), "{src}: {}", d.message);
        }
    }

    #[test]
    fn an_unclosed_parenthesis_is_reported_where_it_opens() {
        // Not as AND and OR mixed inside the group it failed to close, nor at the end.
        for (src, at) in [
            ("(a eq 1 AND b eq 2 OR c eq 3", 0),
            ("a eq 1 AND (b eq 2 OR c eq 3", 11),
            ("(a eq 1 AND (b eq 2) OR c eq 3", 0),
            ("((a eq 1) AND (b eq 2 OR c eq 3)", 0),
        ] {
            let d = parse(src).unwrap_err();
            assert_eq!(d.code, Code::SyntaxError, "{src}");
            assert_eq!(d.message, "this `(` is never closed", "{src}");
            let sp = d.span().unwrap();
            assert_eq!((sp.start, sp.end), (at, at + 1), "{src}");
        }
        let d = parse("(a eq 1)) AND b eq 2").unwrap_err();
        assert_eq!(d.message, "this `)` has no matching `(`");
        assert_eq!(d.span().map(|s| s.start), Some(8));
    }

    #[test]
    fn keywords_are_not_identifiers() {
        assert!(parse(r#"and eq "x""#).is_err());
        assert!(parse(r#"x NOT "x""#).is_err());
        assert!(parse(r#"x eq true"#).is_ok());
        assert!(parse(r#"x eq True"#).is_err());
    }

    #[test]
    fn deep_nesting_is_refused_cleanly() {
        let deep = "(".repeat(60_000);
        assert_eq!(parse(&deep).unwrap_err().code, Code::MaxDepthExceeded);
        // Past 64 KiB the size bound answers first: a clean error either way.
        assert_eq!(parse(&"(".repeat(100_000)).unwrap_err().code, Code::InputTooLarge);
        let nots = "NOT ".repeat(40) + "a eq 1";
        assert_eq!(parse(&nots).unwrap_err().code, Code::MaxDepthExceeded);
        let ok = "(".repeat(32) + "a eq 1" + &")".repeat(32);
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn oversized_text_is_refused() {
        let big = format!("a eq \"{}\"", "x".repeat(70_000));
        assert_eq!(parse(&big).unwrap_err().code, Code::InputTooLarge);
    }

    #[test]
    fn canonical_text_past_the_bound_is_refused() {
        // Found with the parse_text fuzz target's round-trip check on a crafted input: 65,534
        // bytes as written, 98,297 in canonical form, which then did not parse.
        let items = (MAX_TEXT_BYTES - 7) / 2;
        let src = format!("a eq [{}]", vec!["1"; items].join(","));
        assert!(src.len() <= MAX_TEXT_BYTES);
        let e = parse(&src).unwrap_err();
        assert_eq!(e.code, Code::InputTooLarge);
        assert_eq!(e.span().map(|s| (s.start, s.end)), Some((0, src.len())));
        // Numbers are written in full: 4 bytes as written, 18 in canonical form.
        let src = format!("a eq [{}]", vec!["9e15"; 6000].join(","));
        assert!(src.len() <= MAX_TEXT_BYTES);
        assert_eq!(parse(&src).unwrap_err().code, Code::InputTooLarge);
        // Right at the bound in canonical form it parses and round-trips.
        let items = (MAX_TEXT_BYTES - 7).div_ceil(3);
        let src = format!("a eq [{}]", vec!["1"; items].join(","));
        let p = parse(&src).unwrap();
        let canon = p.to_string();
        assert!(canon.len() <= MAX_TEXT_BYTES, "{}", canon.len());
        assert_eq!(parse(&canon).unwrap(), p);
    }

    #[test]
    fn spans_cover_nodes() {
        let src = r#"x eq 1 AND (y eq 2 OR z eq 3)"#;
        let p = parse(src).unwrap();
        assert_eq!(p.range(), Some(TextRange::new(0, src.len())));
        if let Predicate::Group { children, .. } = &p {
            assert_eq!(children[1].range(), Some(TextRange::new(11, src.len())));
        } else {
            panic!("expected a group");
        }
    }
}
