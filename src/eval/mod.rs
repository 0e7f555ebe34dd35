//! Evaluation: prepared entities ([`entity`]) against compiled filters ([`compiled`]).

pub mod compiled;
pub mod entity;
pub mod scan;
// Only the wasm decider restates filters.
#[cfg(any(target_arch = "wasm32", test))]
pub(crate) mod symbolic;

pub use compiled::{CompiledFilter, FailedCondition, Truth};
pub use entity::{Entity, PreparedEntity};
