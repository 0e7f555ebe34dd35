//! # portcullis
//!
//! A policy engine for scoped API access. A key holds **grants** (workspace + **filter** +
//! action); a filter is a typed predicate over one entity type, written in a small language:
//!
//! ```
//! use portcullis::{compile, PreparedEntity, Schema};
//! use serde_json::json;
//!
//! let schema = Schema::builtin();
//! let filter = compile(&schema, "detail", r#"project_type eq "typical" AND tags intersects ["concrete"]"#)
//!     .expect("a valid filter");
//! let detail = PreparedEntity::new(&schema, "detail",
//!     json!({"type": "concrete", "project_type": "typical", "tags": ["concrete", "reviewed"]})
//!         .as_object().unwrap()).unwrap();
//! assert!(filter.matches(&detail));
//! ```
//!
//! The modules follow the architecture: [`schema`] (entity types as data), [`lang`] (the
//! predicate tree, its text and JSON forms), [`mod@validate`] (every problem at once,
//! compiled output), [`eval`] (three-valued evaluation), [`mod@preview`] (match counts),
//! [`grants`] (keys, grants, decisions, explanations), [`attributes`] (a write's attributes),
//! [`json`] (the JSON reader and writer), and `wasm` (the JavaScript bindings, on wasm32 only).
//! Every failure is a [`Diagnostic`] with a stable [`Code`].

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod attributes;
mod decimal;
pub mod diagnostic;
pub mod eval;
pub mod grants;
pub mod json;
pub mod lang;
pub mod limits;
pub mod preview;
pub mod pushdown;
mod record;
pub mod schema;
pub mod validate;
pub mod value;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use diagnostic::{Code, Diagnostic, Location, Severity, Span};
pub use eval::{CompiledFilter, Entity, FailedCondition, PreparedEntity, Truth};
pub use grants::{Decision, DenyCode, PolicyStore, Request, Scope};
pub use lang::{parse, Predicate};
pub use preview::{preview, PreviewCount};
pub use schema::{Action, Operator, Schema, ValueType};
pub use validate::{compile, compile_source, validate, FilterDraft, PredicateSource, Validation};

/// `docs/service.md`, whose Rust examples run as doc tests (`cargo test --doc ServiceGuide`).
#[cfg(doctest)]
#[doc = include_str!("../docs/service.md")]
pub struct ServiceGuide;
