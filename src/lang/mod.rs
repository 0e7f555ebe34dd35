//! The filter language: the predicate tree ([`ast`]), its text form ([`lex`], [`mod@parse`],
//! [`mod@format`]) and its JSON form ([`json`]).

pub mod ast;
pub mod format;
pub mod json;
pub mod lex;
pub mod parse;

pub use ast::{Condition, ConditionRanges, GroupKind, Predicate, TextRange};
pub use json::{predicate_from_json, predicate_to_json};
pub use parse::parse;
