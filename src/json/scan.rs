//! The crate's one JSON reader: a cursor over JSON text (`Scanner`) that callers drive
//! value by value, keeping what they need and skipping the rest without building a tree, and
//! `read_tree` for the records that are read as a tree.
//!
//! Its rules are serde_json's (checked by the tests below and in `tests/properties.rs`), on
//! the strict side: a repeated key in any object is an error, as are numbers out of range,
//! lone surrogates, text after the document and nesting past [`MAX_NESTING`]. Malformed JSON
//! is a [`ScanError`]: what was wrong and the byte offset where it was noticed.

use crate::decimal::parse_f64;
use crate::record::ReadError;
use std::borrow::Cow;
use std::fmt;

/// Deepest nesting of arrays and objects the reader accepts, counted from the document's
/// outermost container: serde_json's (it refuses the 128th nested container), so that the two
/// paths accept the same documents. It also bounds the reader's recursion.
pub const MAX_NESTING: usize = 127;

/// A malformed document: what was wrong and the byte offset where it was noticed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanError {
    /// What was wrong.
    pub kind: ScanErrorKind,
    /// The byte offset in the text where it was noticed (0 for a [`ScanErrorKind::Record`]).
    pub offset: usize,
}

/// What was wrong with a document.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScanErrorKind {
    /// A particular byte was due (`:`, `,` or a closing bracket).
    Expected(char),
    /// No JSON value starts here.
    ExpectedValue,
    /// An object's field name is not a string.
    ExpectedFieldName,
    /// A value that must be an object is not.
    ExpectedObject,
    /// A value that must be an array is not.
    ExpectedArray,
    /// Arrays and objects nested past [`MAX_NESTING`].
    NestedTooDeeply,
    /// More than whitespace after the document.
    TextAfterDocument,
    /// A number not in JSON's grammar (`01`, `1.`, `-`).
    MalformedNumber,
    /// A number too large for a 64-bit float.
    NumberOutOfRange,
    /// An unescaped control character in a string.
    ControlCharacter,
    /// A string without its closing quote.
    UnterminatedString,
    /// A `\u` escape of a leading surrogate not followed by another `\u` escape.
    LoneLeadingSurrogate,
    /// A leading surrogate followed by an escape that is not a trailing surrogate.
    InvalidSurrogatePair,
    /// A trailing surrogate with no leading one.
    LoneTrailingSurrogate,
    /// A backslash followed by a byte that begins no escape.
    InvalidEscape,
    /// A `\u` not followed by four hexadecimal digits.
    InvalidUnicodeEscape,
    /// An object with the same key twice: the key.
    RepeatedKey(String),
    /// A field read for a record appears twice: its name.
    DuplicateField(String),
    /// A record's required field is absent: its name.
    MissingField(String),
    /// A record's field that must be a string is not: its name.
    FieldNotAString(String),
    /// A record's field that must be an object is not: its name.
    FieldNotAnObject(String),
    /// Well-formed JSON that is not the record expected.
    Record(ReadError),
}

impl fmt::Display for ScanErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScanErrorKind::Expected(c) => write!(f, "expected `{c}`"),
            ScanErrorKind::ExpectedValue => f.write_str("expected a JSON value"),
            ScanErrorKind::ExpectedFieldName => f.write_str("expected a field name"),
            ScanErrorKind::ExpectedObject => f.write_str("expected an object"),
            ScanErrorKind::ExpectedArray => f.write_str("expected an array"),
            ScanErrorKind::NestedTooDeeply => f.write_str("nested too deeply"),
            ScanErrorKind::TextAfterDocument => f.write_str("unexpected text after the document"),
            ScanErrorKind::MalformedNumber => f.write_str("malformed number"),
            ScanErrorKind::NumberOutOfRange => f.write_str("number out of range"),
            ScanErrorKind::ControlCharacter => f.write_str("control character in a string"),
            ScanErrorKind::UnterminatedString => f.write_str("unterminated string"),
            ScanErrorKind::LoneLeadingSurrogate => {
                f.write_str("lone leading surrogate in a string")
            }
            ScanErrorKind::InvalidSurrogatePair => {
                f.write_str("invalid surrogate pair in a string")
            }
            ScanErrorKind::LoneTrailingSurrogate => {
                f.write_str("lone trailing surrogate in a string")
            }
            ScanErrorKind::InvalidEscape => f.write_str("invalid escape in a string"),
            ScanErrorKind::InvalidUnicodeEscape => f.write_str("invalid \\u escape in a string"),
            ScanErrorKind::RepeatedKey(k) => write!(f, "the key `{k}` is repeated"),
            ScanErrorKind::DuplicateField(k) => write!(f, "duplicate field `{k}`"),
            ScanErrorKind::MissingField(k) => write!(f, "missing field `{k}`"),
            ScanErrorKind::FieldNotAString(k) => write!(f, "`{k}` must be a string"),
            ScanErrorKind::FieldNotAnObject(k) => write!(f, "`{k}` must be an object"),
            ScanErrorKind::Record(e) => e.fmt(f),
        }
    }
}

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.kind, self.offset)
    }
}

impl std::error::Error for ScanError {}

/// A record's error in a well-formed document, at offset 0 (a JSON tree holds no offsets).
impl From<ReadError> for ScanError {
    fn from(e: ReadError) -> ScanError {
        ScanError { kind: ScanErrorKind::Record(e), offset: 0 }
    }
}

/// The index of the first `"`, `\\` or control byte at or after `from` (`b.len()` if none),
/// eight bytes at a time: strings are most of an entity's text.
fn special(b: &[u8], from: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let mut i = from;
    while let Some(chunk) = b.get(i..i + 8) {
        let x = u64::from_le_bytes([
            chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7],
        ]);
        // A byte below 0x20: (x - 0x20 per byte) borrows into its high bit, for a byte that
        // had its high bit clear.
        let control = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
        let hit = zero_byte(x ^ (ONES * u64::from(b'"')))
            | zero_byte(x ^ (ONES * u64::from(b'\\')))
            | control;
        if hit != 0 {
            break; // the exact byte is found below; false positives only past a true hit
        }
        i += 8;
    }
    b[i..].iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20).map_or(b.len(), |n| i + n)
}

/// Read a whole document as a JSON tree, strictly: a repeated key in any object is an error
/// (fail closed: `{"revoked": true, "revoked": false}` must not read as either), as are numbers
/// out of range, lone surrogates, nesting past [`MAX_NESTING`] and text after the document.
///
/// This is the crate's one JSON parser (records, drafts, requests' attributes): serde_json's
/// own reader, with its float tables, stays out of the wasm module.
///
/// ```
/// use portcullis::json::{read_tree, ScanErrorKind};
/// assert_eq!(read_tree(r#"{"a": [1, "x"]}"#).unwrap()["a"][1], "x");
/// assert_eq!(read_tree(r#"{"a": 1, "a": 2}"#).unwrap_err().kind, ScanErrorKind::RepeatedKey("a".into()));
/// assert_eq!(read_tree(&"[".repeat(128)).unwrap_err().kind, ScanErrorKind::NestedTooDeeply);
/// ```
pub fn read_tree(text: &str) -> Result<serde_json::Value, ScanError> {
    let mut s = Scanner::new(text);
    let v = s.tree()?;
    s.finish()?;
    Ok(v)
}

/// The keys met so far in one object, to refuse a repeated key as the JSON-tree path does.
/// The first few are compared as they come (most objects have a handful of keys); past
/// those, the rest are only collected and checked by sorting once the object ends, so a
/// hostile object with many keys costs `n log n`, not `n²`.
struct SeenKeys<'a> {
    /// Each key with the offset where it starts.
    keys: Vec<(Cow<'a, str>, usize)>,
}

/// How many keys are compared as they come.
const FEW_KEYS: usize = 16;

impl<'a> SeenKeys<'a> {
    fn new() -> Self {
        SeenKeys { keys: Vec::new() }
    }

    /// Record `key`, found at `at`; false when it repeats one of the first few.
    fn insert(&mut self, key: &Str<'a>, at: usize) -> bool {
        let k = key.as_str();
        if self.keys.len() < FEW_KEYS && self.keys.iter().any(|(f, _)| f == k) {
            return false;
        }
        let owned = match key {
            Str::Borrowed(b) => Cow::Borrowed(*b),
            Str::Owned(o) => Cow::Owned(o.clone()),
        };
        self.keys.push((owned, at));
        true
    }

    /// Once the object has ended: the first repeated key in document order (its offset and
    /// text), if there are more keys than were compared as they came.
    fn first_repeat(mut self) -> Option<(usize, String)> {
        if self.keys.len() <= FEW_KEYS {
            return None;
        }
        self.keys.sort_unstable();
        let repeat = self.keys.windows(2).filter(|w| w[0].0 == w[1].0).min_by_key(|w| w[1].1)?;
        Some((repeat[1].1, repeat[1].0.to_string()))
    }
}

/// A string value: borrowed when it has no escapes.
pub(crate) enum Str<'a> {
    /// The text between the quotes, which had no escapes.
    Borrowed(&'a str),
    /// The string decoded.
    Owned(String),
}

/// Where a cursor is: its byte offset and how many containers it is inside. A [`Scanner`]
/// returned to a mark reads on as it did from there.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Mark {
    pos: usize,
    depth: usize,
}

impl Str<'_> {
    /// The string's text.
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Str::Borrowed(s) => s,
            Str::Owned(s) => s,
        }
    }
}

/// A JSON scalar or the start of a container, as the reader meets it.
pub(crate) enum Item<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as the nearest `f64`.
    Number(f64),
    /// A string.
    Str(Str<'a>),
    /// An array's `[`, read: its elements are next.
    Array,
    /// An object's `{`, read: its fields are next.
    Object,
}

/// A cursor over JSON text.
pub(crate) struct Scanner<'a> {
    text: &'a str,
    pos: usize,
    /// How many arrays and objects the cursor is inside.
    depth: usize,
}

impl<'a> Scanner<'a> {
    /// A cursor at the start of `text`.
    pub(crate) fn new(text: &'a str) -> Self {
        Scanner { text, pos: 0, depth: 0 }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    /// An error of `kind` at the cursor.
    pub(crate) fn error<T>(&self, kind: ScanErrorKind) -> Result<T, ScanError> {
        Err(ScanError { kind, offset: self.pos })
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes().get(self.pos) {
            self.pos += 1;
        }
    }

    /// The next byte past whitespace, not consumed.
    pub(crate) fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.bytes().get(self.pos).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, b: u8) -> Result<(), ScanError> {
        if self.eat(b) {
            Ok(())
        } else {
            self.error(ScanErrorKind::Expected(b as char))
        }
    }

    /// Enter the array or object whose opening byte is at the cursor.
    fn open(&mut self) -> Result<(), ScanError> {
        if self.depth >= MAX_NESTING {
            return self.error(ScanErrorKind::NestedTooDeeply);
        }
        self.depth += 1;
        self.pos += 1;
        Ok(())
    }

    /// Leave the current array or object if its closing byte `b` is next.
    fn close_if(&mut self, b: u8) -> bool {
        let closed = self.eat(b);
        if closed {
            self.depth -= 1;
        }
        closed
    }

    /// Leave the current array or object: its closing byte `b` must be next.
    fn close(&mut self, b: u8) -> Result<(), ScanError> {
        self.expect(b)?;
        self.depth -= 1;
        Ok(())
    }

    /// The end of the document: only whitespace may follow.
    pub(crate) fn finish(&mut self) -> Result<(), ScanError> {
        match self.peek() {
            None => Ok(()),
            Some(_) => self.error(ScanErrorKind::TextAfterDocument),
        }
    }

    fn literal(&mut self, word: &str) -> Result<(), ScanError> {
        if self.text[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            self.error(ScanErrorKind::ExpectedValue)
        }
    }

    /// Read a scalar, or the opening bracket of an array or object (whose rest the caller
    /// reads or skips with [`Self::skip_rest`]).
    pub(crate) fn item(&mut self) -> Result<Item<'a>, ScanError> {
        match self.peek() {
            Some(b'n') => self.literal("null").map(|_| Item::Null),
            Some(b't') => self.literal("true").map(|_| Item::Bool(true)),
            Some(b'f') => self.literal("false").map(|_| Item::Bool(false)),
            Some(b'"') => self.string().map(Item::Str),
            Some(b'[') => self.open().map(|_| Item::Array),
            Some(b'{') => self.open().map(|_| Item::Object),
            Some(b'-' | b'0'..=b'9') => self.number().map(Item::Number),
            _ => self.error(ScanErrorKind::ExpectedValue),
        }
    }

    /// A number's text, checked against JSON's grammar.
    fn number_text(&mut self) -> Result<&'a str, ScanError> {
        let b = self.bytes();
        let start = self.pos;
        let mut i = start;
        let digits = |i: &mut usize| {
            let s = *i;
            while b.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i > s
        };
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        if b.get(i) == Some(&b'0') {
            i += 1;
        } else if !digits(&mut i) {
            self.pos = i;
            return self.error(ScanErrorKind::MalformedNumber);
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            if !digits(&mut i) {
                self.pos = i;
                return self.error(ScanErrorKind::MalformedNumber);
            }
        }
        if let Some(b'e' | b'E') = b.get(i) {
            i += 1;
            if let Some(b'+' | b'-') = b.get(i) {
                i += 1;
            }
            if !digits(&mut i) {
                self.pos = i;
                return self.error(ScanErrorKind::MalformedNumber);
            }
        }
        self.pos = i;
        Ok(&self.text[start..i])
    }

    fn number(&mut self) -> Result<f64, ScanError> {
        let text = self.number_text()?;
        self.float(text)
    }

    /// The value of the number `text` just read, which must be finite.
    fn float(&mut self, text: &str) -> Result<f64, ScanError> {
        match parse_f64(text) {
            Some(n) => Ok(n),
            None => {
                self.pos -= text.len();
                self.error(ScanErrorKind::NumberOutOfRange)
            }
        }
    }

    /// A number as a JSON tree holds it, with serde_json's rules: an integer literal that
    /// fits `u64` (or, negative and nonzero, `i64`) stays an integer, anything else is an
    /// `f64` (so `-0` is the float `-0.0`).
    fn tree_number(&mut self) -> Result<serde_json::Number, ScanError> {
        let text = self.number_text()?;
        if !text.contains(['.', 'e', 'E']) {
            match text.strip_prefix('-') {
                None => {
                    if let Ok(n) = text.parse::<u64>() {
                        return Ok(n.into());
                    }
                }
                Some(_) => {
                    if let Ok(n) = text.parse::<i64>() {
                        if n != 0 {
                            return Ok(n.into());
                        }
                    }
                }
            }
        }
        let x = self.float(text)?;
        serde_json::Number::from_f64(x)
            .map_or_else(|| self.error(ScanErrorKind::NumberOutOfRange), Ok)
    }

    /// The rest of a JSON tree whose first item was read (the number case is read by the
    /// caller). Repeated keys are refused by [`Scanner::fields`], nesting by [`Scanner::open`].
    fn tree_rest(&mut self, first: Item<'a>) -> Result<serde_json::Value, ScanError> {
        use serde_json::Value;
        Ok(match first {
            Item::Null => Value::Null,
            Item::Bool(b) => Value::Bool(b),
            Item::Number(n) => serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number),
            Item::Str(s) => Value::String(match s {
                Str::Borrowed(b) => b.to_owned(),
                Str::Owned(o) => o,
            }),
            Item::Array => {
                let mut items = Vec::new();
                if !self.close_if(b']') {
                    loop {
                        items.push(self.tree()?);
                        if !self.eat(b',') {
                            self.close(b']')?;
                            break;
                        }
                    }
                }
                Value::Array(items)
            }
            Item::Object => {
                let mut map = serde_json::Map::new();
                self.fields(|s, key| {
                    let v = s.tree()?;
                    map.insert(key.to_owned(), v);
                    Ok(())
                })?;
                Value::Object(map)
            }
        })
    }

    /// Read one value as a JSON tree.
    pub(crate) fn tree(&mut self) -> Result<serde_json::Value, ScanError> {
        if let Some(b'-' | b'0'..=b'9') = self.peek() {
            return self.tree_number().map(serde_json::Value::Number);
        }
        let it = self.item()?;
        self.tree_rest(it)
    }

    fn string(&mut self) -> Result<Str<'a>, ScanError> {
        self.expect(b'"')?;
        let b = self.bytes();
        let start = self.pos;
        // The common case, a string without escapes: one pass for the first special byte.
        let stop = special(b, start);
        let mut i = stop;
        match b.get(stop) {
            Some(b'"') => {
                self.pos = stop + 1;
                return Ok(Str::Borrowed(&self.text[start..stop]));
            }
            Some(b'\\') => {}
            Some(_) => {
                self.pos = stop;
                return self.error(ScanErrorKind::ControlCharacter);
            }
            None => {}
        }
        // Escapes: copy what was plain so far, then decode the rest.
        let mut out = String::from(&self.text[start..i]);
        loop {
            let Some(&c) = b.get(i) else {
                self.pos = i;
                return self.error(ScanErrorKind::UnterminatedString);
            };
            match c {
                b'"' => {
                    self.pos = i + 1;
                    return Ok(Str::Owned(out));
                }
                b'\\' => {
                    let esc = b.get(i + 1).copied();
                    i += 2;
                    let ch = match esc {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            let hi = self.hex4(i)?;
                            i += 4;
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                if b.get(i) != Some(&b'\\') || b.get(i + 1) != Some(&b'u') {
                                    self.pos = i;
                                    return self.error(ScanErrorKind::LoneLeadingSurrogate);
                                }
                                let lo = self.hex4(i + 2)?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    self.pos = i;
                                    return self.error(ScanErrorKind::InvalidSurrogatePair);
                                }
                                i += 6;
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            match char::from_u32(code) {
                                Some(ch) => ch,
                                None => {
                                    self.pos = i;
                                    return self.error(ScanErrorKind::LoneTrailingSurrogate);
                                }
                            }
                        }
                        _ => {
                            self.pos = i - 1;
                            return self.error(ScanErrorKind::InvalidEscape);
                        }
                    };
                    out.push(ch);
                }
                0..=0x1f => {
                    self.pos = i;
                    return self.error(ScanErrorKind::ControlCharacter);
                }
                _ => {
                    // Copy a run of plain bytes at once; runs end on ASCII, so on char boundaries.
                    let run = i;
                    while b.get(i).is_some_and(|&c| c != b'"' && c != b'\\' && c >= 0x20) {
                        i += 1;
                    }
                    out.push_str(&self.text[run..i]);
                }
            }
        }
    }

    fn hex4(&mut self, at: usize) -> Result<u32, ScanError> {
        let digits = self.text.get(at..at + 4).filter(|d| d.bytes().all(|c| c.is_ascii_hexdigit()));
        match digits.and_then(|d| u32::from_str_radix(d, 16).ok()) {
            Some(v) => Ok(v),
            None => {
                self.pos = at;
                self.error(ScanErrorKind::InvalidUnicodeEscape)
            }
        }
    }

    /// Skip the rest of a value whose first item was already read. (Recursion is bounded:
    /// each level entered [`Scanner::open`].)
    pub(crate) fn skip_rest(&mut self, first: Item<'a>) -> Result<(), ScanError> {
        match first {
            Item::Array => {
                if self.close_if(b']') {
                    return Ok(());
                }
                loop {
                    let it = self.item()?;
                    self.skip_rest(it)?;
                    if !self.eat(b',') {
                        return self.close(b']');
                    }
                }
            }
            Item::Object => self.fields(|s, _key| {
                let it = s.item()?;
                s.skip_rest(it)
            }),
            _ => Ok(()),
        }
    }

    /// Visit the fields of an object whose `{` was read; `field` must consume the value.
    pub(crate) fn fields(
        &mut self,
        mut field: impl FnMut(&mut Self, &str) -> Result<(), ScanError>,
    ) -> Result<(), ScanError> {
        if self.close_if(b'}') {
            return Ok(());
        }
        let mut seen = SeenKeys::new();
        loop {
            if self.peek() != Some(b'"') {
                return self.error(ScanErrorKind::ExpectedFieldName);
            }
            let at = self.pos;
            let key = self.string()?;
            if !seen.insert(&key, at) {
                self.pos = at;
                return self.error(ScanErrorKind::RepeatedKey(key.as_str().to_owned()));
            }
            self.expect(b':')?;
            field(self, key.as_str())?;
            if !self.eat(b',') {
                self.close(b'}')?;
                if let Some((at, key)) = seen.first_repeat() {
                    self.pos = at;
                    return self.error(ScanErrorKind::RepeatedKey(key));
                }
                return Ok(());
            }
        }
    }

    /// Read a required string field's value; `name` is the field's, for the error.
    pub(crate) fn required_string(&mut self, name: &str) -> Result<String, ScanError> {
        match self.item()? {
            Item::Str(s) => Ok(s.as_str().to_owned()),
            _ => self.error(ScanErrorKind::FieldNotAString(name.to_owned())),
        }
    }

    /// Skip one whole value.
    pub(crate) fn skip_value(&mut self) -> Result<(), ScanError> {
        let it = self.item()?;
        self.skip_rest(it)
    }

    /// Visit an object's fields (its `{` not yet read).
    pub(crate) fn object(
        &mut self,
        field: impl FnMut(&mut Self, &str) -> Result<(), ScanError>,
    ) -> Result<(), ScanError> {
        match self.item()? {
            Item::Object => self.fields(field),
            _ => self.error(ScanErrorKind::ExpectedObject),
        }
    }

    /// Visit an array's elements (its `[` not yet read); `element` must consume each.
    pub(crate) fn array(
        &mut self,
        element: impl FnMut(&mut Self) -> Result<(), ScanError>,
    ) -> Result<(), ScanError> {
        match self.item()? {
            Item::Array => self.elements(element),
            _ => self.error(ScanErrorKind::ExpectedArray),
        }
    }

    /// Visit the elements of an array whose `[` was read; `element` must consume each.
    pub(crate) fn elements(
        &mut self,
        mut element: impl FnMut(&mut Self) -> Result<(), ScanError>,
    ) -> Result<(), ScanError> {
        if self.close_if(b']') {
            return Ok(());
        }
        loop {
            element(self)?;
            if !self.eat(b',') {
                return self.close(b']');
            }
        }
    }

    /// Where the cursor is, past whitespace.
    pub(crate) fn mark(&mut self) -> Mark {
        self.ws();
        Mark { pos: self.pos, depth: self.depth }
    }

    /// Return the cursor to `mark`; where it was.
    pub(crate) fn resume(&mut self, mark: Mark) -> Mark {
        let was = Mark { pos: self.pos, depth: self.depth };
        (self.pos, self.depth) = (mark.pos, mark.depth);
        was
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tree reader reads what serde_json reads (same values, same number kinds, same
    /// refusals), repeated keys aside, which both refuse.
    #[test]
    fn trees_match_serde_json() {
        let strict =
            |t: &str| serde_json::from_str::<crate::record::StrictValue>(t).map(|v| v.0).ok();
        for doc in [
            "null",
            "true",
            " false ",
            "0",
            "-0",
            "1.0",
            "1e2",
            "-1E-2",
            "12345678901234567890",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "0.30000000000000004",
            "5e-324",
            "1e-400",
            r#""a\u00e9\ud83d\ude00\n\"x\"""#,
            r#"[1, "two", [3.5, {"four": null}], {}]"#,
            r#"{"a": {"b": [true, false]}, "c": -7}"#,
            "[]",
            "{}",
            "\"\"",
        ] {
            let got = read_tree(doc).ok();
            assert_eq!(got, strict(doc), "{doc}");
            assert!(got.is_some(), "{doc}");
            // Integers stay integers and floats floats: the text written back is the same.
            assert_eq!(got.map(|v| v.to_string()), strict(doc).map(|v| v.to_string()), "{doc}");
        }
        for bad in [
            "",
            "nul",
            "[1,]",
            "{\"a\":1,}",
            "01",
            "1.",
            ".5",
            "-",
            "1e",
            "1e309",
            "-1e400000",
            "[1] 2",
            "\"\\ud800\"",
            "\"\\udc00x\"",
            "\"\\x\"",
            "\"a\u{1}\"",
            r#"{"a":1,"a":2}"#,
            r#"[{"k":{"x":1,"x":1}}]"#,
            "{1:2}",
            "[",
        ] {
            assert_eq!(read_tree(bad).ok(), None, "{bad}");
            assert_eq!(strict(bad), None, "{bad}");
        }
        // Past the keys compared as they come, a repeat is still found, at its second use.
        let many = |n: usize, extra: &str| {
            format!(
                "{{{}{extra}}}",
                (0..n).map(|i| format!("\"k{i}\":{i}")).collect::<Vec<_>>().join(",")
            )
        };
        assert_eq!(read_tree(&many(100, "")).ok(), strict(&many(100, "")));
        for (n, extra) in [(100, ",\"k57\":0"), (100, ",\"k3\":0"), (20, ",\"k19\":0,\"k2\":1")] {
            let doc = many(n, extra);
            let e = read_tree(&doc).unwrap_err();
            assert_eq!(e.offset, doc.len() - extra.len(), "{e}"); // the repeat's opening quote
            assert!(strict(&doc).is_none());
        }
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(read_tree(&deep(MAX_NESTING)).is_ok() && strict(&deep(MAX_NESTING)).is_some());
        assert!(
            read_tree(&deep(MAX_NESTING + 1)).is_err() && strict(&deep(MAX_NESTING + 1)).is_none()
        );
    }

    #[test]
    fn special_bytes_are_found_at_any_offset() {
        for len in 0..40 {
            for (at, c) in (0..len).flat_map(|at| [(at, b'"'), (at, b'\\'), (at, 0x1f), (at, 0)]) {
                let mut v = vec![b'a'; len];
                v[at] = c;
                assert_eq!(special(&v, 0), at, "len {len} at {at} byte {c}");
            }
            let plain: Vec<u8> = (0..len).map(|i| b" ~\x7f\xc3\xa9Az"[i % 7]).collect();
            assert_eq!(special(&plain, 0), len);
        }
    }
}
