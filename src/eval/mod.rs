//! Evaluation: prepared entities ([`entity`]) against compiled filters ([`compiled`]).

pub mod compiled;
pub mod entity;
// Native code only: see the module's note.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) mod program;
pub mod scan;
pub(crate) mod text;
// Only the wasm decider restates filters.
#[cfg(any(target_arch = "wasm32", test))]
pub(crate) mod symbolic;

pub use compiled::{CompiledFilter, FailedCondition, Truth};
pub use entity::{Entity, PreparedEntity};
