//! Evaluation: prepared entities ([`entity`]) against compiled filters ([`compiled`]).

pub mod compiled;
pub mod entity;
// Only the build tuned for speed compiles branching programs (see `tuning`).
#[cfg(not(compact))]
pub(crate) mod program;
pub(crate) mod read;
// Only the wasm decider restates filters (and the tests, which hold it to the filters).
#[cfg(any(target_arch = "wasm32", test))]
pub(crate) mod symbolic;
pub(crate) mod tuning;

pub use compiled::{CompiledFilter, FailedCondition, Truth};
pub use entity::{Entity, PreparedEntity};
