//! Reading entities straight from JSON text into prepared rows, without building a JSON tree.
//!
//! A decision's cost at the JavaScript boundary is dominated by reading the entity: through a
//! generic JSON tree it allocates every key and value, then copies them again into slots.
//! This reader walks the text once, keeps only the attributes the schema types, and parses
//! each value straight into its slot. Its rules are exactly those of the JSON-tree path
//! (`serde_json` to an [`Entity`](super::Entity), then `Slot::from_json`; checked by the tests
//! below and in `tests/properties.rs`): a value absent, null or of the wrong type is unknown.
//! Nesting is bounded as serde_json bounds it ([`MAX_NESTING`]); malformed JSON is an error
//! with a byte offset.

use super::entity::{PreparedEntity, Slot};
use super::text::Text;
use crate::decimal::parse_f64;
use crate::schema::{Schema, ValueType};
use crate::value::{parse_date, parse_uuid};
use std::borrow::Cow;

/// Deepest nesting of arrays and objects the reader accepts, counted from the document's
/// outermost container: serde_json's (it refuses the 128th nested container), so that the two
/// paths accept the same documents. It also bounds the reader's recursion.
pub const MAX_NESTING: usize = 127;

/// A malformed document: what was wrong and the byte offset where it was noticed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanError {
    pub message: String,
    pub offset: usize,
}

impl std::fmt::Display for ScanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at byte {}", self.message, self.offset)
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
pub(crate) fn read_tree(text: &str) -> Result<serde_json::Value, ScanError> {
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
enum Str<'a> {
    Borrowed(&'a str),
    Owned(String),
}

impl Str<'_> {
    fn as_str(&self) -> &str {
        match self {
            Str::Borrowed(s) => s,
            Str::Owned(s) => s,
        }
    }
}

/// A JSON scalar or the start of a container, as the reader meets it.
enum Item<'a> {
    Null,
    Bool(bool),
    Number(f64),
    Str(Str<'a>),
    Array,
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
    pub(crate) fn new(text: &'a str) -> Self {
        Scanner { text, pos: 0, depth: 0 }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    pub(crate) fn error<T>(&self, message: impl Into<String>) -> Result<T, ScanError> {
        Err(ScanError { message: message.into(), offset: self.pos })
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes().get(self.pos) {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
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
            self.error(format!("expected `{}`", b as char))
        }
    }

    /// Enter the array or object whose opening byte is at the cursor.
    fn open(&mut self) -> Result<(), ScanError> {
        if self.depth >= MAX_NESTING {
            return self.error("nested too deeply");
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
            Some(_) => self.error("unexpected text after the document"),
        }
    }

    fn literal(&mut self, word: &str) -> Result<(), ScanError> {
        if self.text[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            self.error("expected a JSON value")
        }
    }

    fn item(&mut self) -> Result<Item<'a>, ScanError> {
        match self.peek() {
            Some(b'n') => self.literal("null").map(|_| Item::Null),
            Some(b't') => self.literal("true").map(|_| Item::Bool(true)),
            Some(b'f') => self.literal("false").map(|_| Item::Bool(false)),
            Some(b'"') => self.string().map(Item::Str),
            Some(b'[') => self.open().map(|_| Item::Array),
            Some(b'{') => self.open().map(|_| Item::Object),
            Some(b'-' | b'0'..=b'9') => self.number().map(Item::Number),
            _ => self.error("expected a JSON value"),
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
            return self.error("malformed number");
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            if !digits(&mut i) {
                self.pos = i;
                return self.error("malformed number");
            }
        }
        if let Some(b'e' | b'E') = b.get(i) {
            i += 1;
            if let Some(b'+' | b'-') = b.get(i) {
                i += 1;
            }
            if !digits(&mut i) {
                self.pos = i;
                return self.error("malformed number");
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
                self.error("number out of range")
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
        serde_json::Number::from_f64(x).map_or_else(|| self.error("number out of range"), Ok)
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
                    map.insert(key.as_str().to_owned(), v);
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
                return self.error("control character in a string");
            }
            None => {}
        }
        // Escapes: copy what was plain so far, then decode the rest.
        let mut out = String::from(&self.text[start..i]);
        loop {
            let Some(&c) = b.get(i) else {
                self.pos = i;
                return self.error("unterminated string");
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
                                    return self.error("lone leading surrogate in a string");
                                }
                                let lo = self.hex4(i + 2)?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    self.pos = i;
                                    return self.error("invalid surrogate pair in a string");
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
                                    return self.error("lone trailing surrogate in a string");
                                }
                            }
                        }
                        _ => {
                            self.pos = i - 1;
                            return self.error("invalid escape in a string");
                        }
                    };
                    out.push(ch);
                }
                0..=0x1f => {
                    self.pos = i;
                    return self.error("control character in a string");
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
                self.error("invalid \\u escape in a string")
            }
        }
    }

    /// Skip the rest of a value whose first item was already read. (Recursion is bounded:
    /// each level entered [`Scanner::open`].)
    fn skip_rest(&mut self, first: Item<'a>) -> Result<(), ScanError> {
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
    fn fields(
        &mut self,
        mut field: impl FnMut(&mut Self, Str<'a>) -> Result<(), ScanError>,
    ) -> Result<(), ScanError> {
        if self.close_if(b'}') {
            return Ok(());
        }
        let mut seen = SeenKeys::new();
        loop {
            if self.peek() != Some(b'"') {
                return self.error("expected a field name");
            }
            let at = self.pos;
            let key = self.string()?;
            if !seen.insert(&key, at) {
                self.pos = at;
                return self.error(format!("the key `{}` is repeated", key.as_str()));
            }
            self.expect(b':')?;
            field(self, key)?;
            if !self.eat(b',') {
                self.close(b'}')?;
                if let Some((at, key)) = seen.first_repeat() {
                    self.pos = at;
                    return self.error(format!("the key `{key}` is repeated"));
                }
                return Ok(());
            }
        }
    }

    /// Read a required string field's value.
    fn string_value(&mut self, name: &str) -> Result<String, ScanError> {
        match self.item()? {
            Item::Str(s) => Ok(s.as_str().to_owned()),
            _ => self.error(format!("`{name}` must be a string")),
        }
    }

    /// Read one attribute value into its slot, with [`Slot::from_json`]'s rules.
    fn slot(&mut self, t: ValueType) -> Result<Slot, ScanError> {
        let it = self.item()?;
        Ok(match (t, it) {
            (ValueType::Text, Item::Str(s)) => Slot::Text(s.as_str().into()),
            (ValueType::Number, Item::Number(n)) => Slot::Number(n),
            (ValueType::Bool, Item::Bool(b)) => Slot::Bool(b),
            (ValueType::Uuid, Item::Str(s)) => {
                parse_uuid(s.as_str()).map_or(Slot::Unknown, Slot::Uuid)
            }
            (ValueType::Date, Item::Str(s)) => {
                parse_date(s.as_str()).map_or(Slot::Unknown, |d| Slot::Date(d.instant()))
            }
            (ValueType::List, Item::Array) => {
                let mut out: Vec<Text> = Vec::new();
                let mut typed = true;
                if !self.close_if(b']') {
                    loop {
                        match self.item()? {
                            Item::Str(s) => out.push(s.as_str().into()),
                            other => {
                                typed = false;
                                self.skip_rest(other)?;
                            }
                        }
                        if !self.eat(b',') {
                            self.close(b']')?;
                            break;
                        }
                    }
                }
                if !typed {
                    return Ok(Slot::Unknown);
                }
                out.sort_unstable();
                out.dedup();
                Slot::List(out.into_boxed_slice())
            }
            (_, other) => {
                self.skip_rest(other)?;
                Slot::Unknown
            }
        })
    }

    /// Read an `attributes` object (its `{` not yet read) into slots for entity type `t`.
    pub(crate) fn attributes(
        &mut self,
        schema: &Schema,
        type_index: usize,
    ) -> Result<PreparedEntity, ScanError> {
        let t = &schema.entity_types[type_index];
        let mut slots = vec![Slot::Unknown; t.attributes.len()];
        if !matches!(self.item()?, Item::Object) {
            return self.error("`attributes` must be an object");
        }
        self.fields(|s, key| match t.attributes.iter().position(|a| a.name == key.as_str()) {
            Some(i) => s.slot(t.attributes[i].value_type).map(|v| slots[i] = v),
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
        let mut field = field;
        match self.item()? {
            Item::Object => self.fields(|s, key| field(s, key.as_str())),
            _ => self.error("expected an object"),
        }
    }

    /// Visit an array's elements (its `[` not yet read); `element` must consume each.
    pub(crate) fn array(
        &mut self,
        mut element: impl FnMut(&mut Self) -> Result<(), ScanError>,
    ) -> Result<(), ScanError> {
        match self.item()? {
            Item::Array => {}
            _ => return self.error("expected an array"),
        }
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

    /// The byte offset of the cursor, past whitespace.
    pub(crate) fn offset(&mut self) -> usize {
        self.ws();
        self.pos
    }

    pub(crate) fn seek(&mut self, pos: usize) {
        self.pos = pos;
    }

    /// Read a required string field's value.
    pub(crate) fn required_string(&mut self, name: &str) -> Result<String, ScanError> {
        self.string_value(name)
    }
}

/// An entity read from JSON text: `{id, workspace_id, entity_type, attributes}` (other fields
/// ignored, as in the serde form). `None` for an entity type the schema does not know.
///
/// One difference from the serde form, on the safe side: a repeated `id`, `workspace_id`,
/// `entity_type` or `attributes` is an error here (as serde's derived readers had it), while
/// the JSON-tree path keeps the last one.
pub(crate) fn read_entity(
    s: &mut Scanner<'_>,
    schema: &Schema,
) -> Result<Option<(String, String, PreparedEntity)>, ScanError> {
    let (mut id, mut ws, mut ty) = (None, None, None::<String>);
    // Attributes are read straight into slots when the type came first (the usual order);
    // otherwise their offset and depth are kept and they are read once the type is known.
    let (mut prepared, mut attrs_at) = (None, None);
    let start = s.offset();
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
            return s.error(format!("duplicate field `{key}`"));
        }
        match key {
            "id" => s.required_string("id").map(|v| id = Some(v)),
            "workspace_id" => s.required_string("workspace_id").map(|v| ws = Some(v)),
            "entity_type" => s.required_string("entity_type").map(|v| ty = Some(v)),
            "attributes" => match ty.as_deref().map(|t| schema.type_index(t)) {
                Some(Some(i)) => s.attributes(schema, i).map(|e| prepared = Some(e)),
                _ => {
                    // Not an object is an error whatever the type, as in the JSON-tree path.
                    if s.peek() != Some(b'{') {
                        return s.error("`attributes` must be an object");
                    }
                    attrs_at = Some((s.offset(), s.depth));
                    s.skip_value()
                }
            },
            _ => s.skip_value(),
        }
    })?;
    let end = s.offset();
    let missing = |s: &mut Scanner<'_>, f: &str| {
        s.seek(start);
        s.error(format!("missing field `{f}`"))
    };
    let Some(id) = id else { return missing(s, "id") };
    let Some(ws) = ws else { return missing(s, "workspace_id") };
    let Some(ty) = ty else { return missing(s, "entity_type") };
    let Some(type_index) = schema.type_index(&ty) else { return Ok(None) };
    let entity = match (prepared, attrs_at) {
        (Some(e), _) => e,
        (None, Some((at, depth))) => {
            let outer = std::mem::replace(&mut s.depth, depth);
            s.seek(at);
            let e = s.attributes(schema, type_index)?;
            s.seek(end);
            s.depth = outer;
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
