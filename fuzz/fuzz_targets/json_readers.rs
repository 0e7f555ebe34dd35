//! The engine's JSON readers at the bounds a service relies on: arbitrary bytes as a document
//! (depth, size, surrogates, numbers, repeated keys), read as a tree, as a request and as
//! entities.
//!
//! Beyond "no panic":
//! - the tree reader accepts only what serde_json accepts, and reads the same value;
//! - where it refuses for depth, serde_json refuses too (both stop at the 128th container), so
//!   the two paths never disagree on how deep is too deep;
//! - a request or an entity list read from a document the tree reader refuses is refused too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis::grants::{Request, Row};
use portcullis::json::{read_tree, ScanErrorKind};
use portcullis::Schema;
use std::sync::OnceLock;

fn schema() -> &'static Schema {
    static S: OnceLock<Schema> = OnceLock::new();
    S.get_or_init(Schema::builtin)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let ours = read_tree(text);
    let theirs = serde_json::from_str::<serde_json::Value>(text);
    match &ours {
        Ok(v) => match &theirs {
            Ok(w) => assert_eq!(v, w, "the readers disagree on {text:?}"),
            Err(e) => panic!("accepted what serde_json refuses ({e}): {text:?}"),
        },
        Err(e) if e.kind == ScanErrorKind::NestedTooDeeply => {
            assert!(theirs.is_err(), "refused as too deep what serde_json reads: {text:?}")
        }
        Err(_) => {}
    }
    let request = Request::from_json(text);
    let rows = Row::many_from_json(schema(), text);
    if ours.is_err() {
        assert!(request.is_err(), "a request read from a refused document: {text:?}");
        assert!(rows.is_err(), "entities read from a refused document: {text:?}");
    }
    let _ = Row::from_json(schema(), text);
});
