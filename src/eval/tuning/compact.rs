//! The build tuned for code size (see [`super`]).
//!
//! A text is a plain `Box<str>`, so that sorting and searching texts share std's code for
//! `str`, compared by inlined byte loops: `==` on `str` is a chain of calls ending in a
//! byte-at-a-time `memcmp`. A compiled filter is evaluated as its tree: a branching program
//! would cost more code than it saves time where a decision's cost is the boundary.

use crate::eval::compiled::CompiledFilter;
use crate::eval::compiled::{Node, Truth};
use crate::eval::entity::{PreparedEntity, Slot};
use std::cmp::Ordering;
use std::sync::Arc;

/// A text as evaluation holds it.
pub(crate) type Text = Box<str>;

/// Whether two texts are equal.
#[inline(always)]
pub(crate) fn text_eq(a: &Text, b: &Text) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Two texts' byte order (`str`'s).
#[inline(always)]
pub(crate) fn text_cmp(a: &Text, b: &Text) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len().min(b.len());
    let mut i = 0;
    while i < n {
        if a[i] != b[i] {
            return if a[i] < b[i] { Ordering::Less } else { Ordering::Greater };
        }
        i += 1;
    }
    a.len().cmp(&b.len())
}

/// How a compiled filter decides a match: by evaluating its tree.
#[derive(Clone, Debug)]
pub(crate) struct Matcher;

impl Matcher {
    /// The matcher for the filter whose tree is `root`.
    pub(crate) fn new(_root: &Node) -> Matcher {
        Matcher
    }

    /// Whether the filter whose tree is `root` is true for `slots`.
    #[inline(always)]
    pub(crate) fn matches(&self, root: &Node, slots: &[Slot]) -> bool {
        root.eval(slots) == Truth::True
    }
}

/// How a prepared request decides whether an entity is in the union of its eligible filters:
/// each filter in turn.
#[derive(Clone, Debug)]
pub(crate) struct UnionMatcher {
    all: bool,
    filters: Vec<Arc<CompiledFilter>>,
}

impl UnionMatcher {
    /// The matcher for everything of the type (`all`), or for the union of `filters`.
    pub(crate) fn new(
        _type_name: &str,
        _type_index: usize,
        all: bool,
        filters: &[Arc<CompiledFilter>],
    ) -> UnionMatcher {
        UnionMatcher { all, filters: filters.to_vec() }
    }

    /// Whether the entity is in the union.
    #[inline]
    pub(crate) fn matches(&self, e: &PreparedEntity) -> bool {
        self.all || self.filters.iter().any(|f| f.matches(e))
    }
}
