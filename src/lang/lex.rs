//! Tokens of the text form, recognised with nom. Every token keeps its byte range so that a
//! syntax error can point at the offending token.

use super::ast::TextRange;
use nom::branch::alt;
use nom::bytes::complete::{tag, take_while};
use nom::character::complete::{char, digit1, one_of, satisfy};
use nom::combinator::{opt, recognize};
use nom::multi::many0_count;
use nom::sequence::{pair, preceded, tuple};
use nom::IResult;

/// What a token is.
#[derive(Clone, Debug, PartialEq)]
pub enum TokenKind {
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `,`
    Comma,
    /// `[A-Za-z_][A-Za-z0-9_]*`: an identifier, a keyword or `true`/`false`, by position.
    Word,
    /// A JSON string literal, quotes included.
    String,
    /// A JSON number literal.
    Number,
    /// The end of the text.
    End,
}

/// A token and where it is.
#[derive(Clone, Debug)]
pub struct Token<'a> {
    /// What the token is.
    pub kind: TokenKind,
    /// Its text, as written.
    pub text: &'a str,
    /// Where it is.
    pub range: TextRange,
}

impl Token<'_> {
    /// Whether this word is the keyword `kw` (keywords are case-insensitive).
    pub fn is_keyword(&self, kw: &str) -> bool {
        self.kind == TokenKind::Word && self.text.eq_ignore_ascii_case(kw)
    }

    /// Whether this word is any keyword.
    pub fn is_any_keyword(&self) -> bool {
        ["and", "or", "not"].iter().any(|k| self.is_keyword(k))
    }
}

/// A lexing failure: what was expected, and where.
#[derive(Debug)]
pub struct LexError {
    /// What was expected.
    pub message: String,
    /// Where.
    pub range: TextRange,
}

fn word(i: &str) -> IResult<&str, &str> {
    recognize(pair(
        satisfy(|c| c.is_ascii_alphabetic() || c == '_'),
        take_while(|c: char| c.is_ascii_alphanumeric() || c == '_'),
    ))(i)
}

/// JSON's number grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn number(i: &str) -> IResult<&str, &str> {
    recognize(tuple((
        opt(char('-')),
        alt((tag("0"), recognize(pair(one_of("123456789"), many0_count(one_of("0123456789")))))),
        opt(preceded(char('.'), digit1)),
        opt(tuple((one_of("eE"), opt(one_of("+-")), digit1))),
    )))(i)
}

/// The extent of a string literal; escapes are checked later by the JSON decoder.
fn string_extent(i: &str) -> Option<usize> {
    let mut escaped = false;
    for (pos, c) in i.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(pos + 1),
            _ => {}
        }
    }
    None
}

/// Split the text into tokens, ending with [`TokenKind::End`].
pub fn tokenize(src: &str) -> Result<Vec<Token<'_>>, LexError> {
    let mut out = Vec::new();
    let mut pos = 0;
    loop {
        let rest = &src[pos..];
        let trimmed = rest.trim_start_matches([' ', '\t', '\n', '\r']);
        pos += rest.len() - trimmed.len();
        let rest = trimmed;
        let Some(c) = rest.chars().next() else {
            out.push(Token { kind: TokenKind::End, text: "", range: TextRange::new(pos, pos) });
            return Ok(out);
        };
        let (kind, len) = match c {
            '(' => (TokenKind::LParen, 1),
            ')' => (TokenKind::RParen, 1),
            '[' => (TokenKind::LBracket, 1),
            ']' => (TokenKind::RBracket, 1),
            ',' => (TokenKind::Comma, 1),
            '"' => match string_extent(rest) {
                Some(n) => (TokenKind::String, n),
                None => {
                    return Err(LexError {
                        message: "this string is not terminated: add the closing `\"`".into(),
                        // The opening quote: where the string starts is what the writer can
                        // find; its end is wherever the closing quote belongs.
                        range: TextRange::new(pos, pos + 1),
                    });
                }
            },
            '-' | '0'..='9' => match number(rest) {
                Ok((after, _)) => {
                    let n = rest.len() - after.len();
                    // `12abc` or `1.` is one bad token, not a number followed by a word.
                    let tail = after.chars().next();
                    if tail.is_some_and(|t| t.is_ascii_alphanumeric() || t == '_' || t == '.') {
                        let bad = rest
                            .find(|c: char| !(c.is_ascii_alphanumeric() || "_.+-".contains(c)))
                            .unwrap_or(rest.len());
                        return Err(LexError {
                            message: format!("`{}` is not a number", &rest[..bad]),
                            range: TextRange::new(pos, pos + bad),
                        });
                    }
                    (TokenKind::Number, n)
                }
                Err(_) => {
                    return Err(LexError {
                        message: "expected a number after `-`".into(),
                        range: TextRange::new(pos, pos + 1),
                    })
                }
            },
            _ => match word(rest) {
                Ok((after, _)) => (TokenKind::Word, rest.len() - after.len()),
                Err(_) => {
                    return Err(LexError {
                        message: format!("unexpected character `{c}`"),
                        range: TextRange::new(pos, pos + c.len_utf8()),
                    })
                }
            },
        };
        out.push(Token { kind, text: &rest[..len], range: TextRange::new(pos, pos + len) });
        pos += len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<TokenKind> {
        tokenize(s).unwrap().into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn tokens() {
        use TokenKind::*;
        assert_eq!(
            kinds(r#"(tags intersects ["a", -1.5e3]) AND"#),
            vec![LParen, Word, Word, LBracket, String, Comma, Number, RBracket, RParen, Word, End]
        );
    }

    #[test]
    fn escaped_quotes_stay_inside_the_string() {
        let t = tokenize(r#""a\"b" x"#).unwrap();
        assert_eq!(t[0].text, r#""a\"b""#);
    }

    #[test]
    fn errors_point_at_the_token() {
        let e = tokenize("name eq \"abc").unwrap_err();
        assert_eq!((e.range.start, e.range.end), (8, 9), "the opening quote");
        let e = tokenize("x eq 12ab").unwrap_err();
        assert_eq!((e.range.start, e.range.end), (5, 9));
        let e = tokenize("x eq @").unwrap_err();
        assert_eq!(e.range.start, 5);
        assert!(tokenize("x eq 01").is_err());
    }
}
