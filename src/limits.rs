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
/// Grants one key may hold: beyond it a key is refused (`too_many_grants`), so no caller can
/// make every decision for a key walk an unbounded list.
pub const MAX_GRANTS_PER_KEY: usize = 100;
/// Entries in one key's IP allow-list (`too_many_ip_ranges`).
pub const MAX_IP_RANGES_PER_KEY: usize = 100;
/// Diagnostics of one code an answer carries in full; the rest of that code are counted in one
/// more diagnostic, so an answer stays small while every distinct code is still reported.
pub const MAX_DIAGNOSTICS_PER_CODE: usize = 20;
