//! Hard bounds. The SPEC fixes the first five; the rest are this project's bounds against
//! abuse (`input_too_large`), chosen far above any real filter and documented in `grammar.md`.

/// Deepest valid tree: depth(condition) = 0, depth(group or not) = 1 + deepest child.
pub const MAX_DEPTH: usize = 5;
/// Most children of one group (conditions and sub-groups together).
pub const MAX_GROUP_CHILDREN: usize = 10;
/// Longest name, in Unicode scalar values.
pub const MAX_NAME_CHARS: usize = 255;
/// Longest description, in Unicode scalar values.
pub const MAX_DESCRIPTION_CHARS: usize = 500;
/// Largest text form, in bytes (64 KiB). The JSON form is held to the same bound through its
/// canonical text.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;
/// Deepest nesting of parentheses and NOT the parser reads before `max_depth_exceeded`.
pub const MAX_PARSE_NESTING: usize = 32;
/// Most nodes the JSON reader visits before `input_too_large`.
pub const MAX_JSON_NODES: usize = 20_000;
/// Most values in one list literal.
pub const MAX_LIST_VALUES: usize = 1_000;
/// Longest string literal, in Unicode scalar values.
pub const MAX_STRING_CHARS: usize = 1_024;
/// Preview counts stop here (SPEC 3).
pub const PREVIEW_CAP: usize = 10_000;
/// Longest filter id, key id or other identifier the store accepts.
pub const MAX_ID_BYTES: usize = 256;
