//! Evaluation: prepared entities ([`entity`]) against compiled filters ([`compiled`]).

pub mod compiled;
pub mod entity;
pub mod scan;

pub use compiled::{CompiledFilter, FailedCondition, Truth};
pub use entity::{Entity, PreparedEntity};
