pub mod commands;
pub mod conformance;
