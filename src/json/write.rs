//! JSON text written directly (the wasm bindings' answers, the schema description): each
//! field's value through serde_json's string serializer, with no JSON tree in between
//! (building one would link serde_json's tree serializer and a second copy of every answer
//! type's `Serialize` into the wasm module).

use serde::Serialize;

/// One value's JSON text.
pub(crate) fn text<T: Serialize + ?Sized>(v: &T) -> String {
    // INVARIANT: every type written here is plain data with string keys, which serde_json
    // cannot fail on; the fallback only keeps the boundary total.
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

/// A JSON object written field by field, in order.
pub(crate) struct Obj(String);

impl Obj {
    pub(crate) fn new() -> Obj {
        Obj(String::from("{"))
    }

    /// A field whose value serde writes.
    pub(crate) fn field<T: Serialize + ?Sized>(self, key: &str, value: &T) -> Obj {
        self.raw(key, &text(value))
    }

    /// A field whose value is JSON text already.
    pub(crate) fn raw(mut self, key: &str, json: &str) -> Obj {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        self.0.push_str(&text(key));
        self.0.push(':');
        self.0.push_str(json);
        self
    }

    pub(crate) fn end(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

/// A JSON array of values that are JSON text already.
pub(crate) fn array(items: impl IntoIterator<Item = String>) -> String {
    let mut s = String::from("[");
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&item);
    }
    s.push(']');
    s
}
