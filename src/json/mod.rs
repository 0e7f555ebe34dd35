//! JSON text: the crate's one reader ([`scan`]) and its writer (`write`), shared by every
//! layer (records, filters, entities, the wasm bindings' answers).

pub mod scan;
pub(crate) mod write;

pub use crate::record::{ReadError, ReadErrorKind};
pub use scan::{read_tree, ScanError, ScanErrorKind, MAX_NESTING};
