//! The build tuned for speed (see [`super`]).
//!
//! A text holds its first 16 bytes inline as one integer, so that comparing short texts (the
//! attribute values filters test: `"typical"`, `"concrete"`) is comparing integers, with no
//! call to `memcmp`; longer texts compare their remaining bytes only when the first 16 agree.
//! A compiled filter decides a match with a branching program ([`Program`]): one loop over
//! steps instead of a recursive walk.

use crate::eval::compiled::CompiledFilter;
use crate::eval::compiled::{Node, Test, Truth};
use crate::eval::entity::PreparedEntity;
use crate::eval::entity::Slot;
use crate::eval::program::{Plan, Program, Union};
use std::cmp::Ordering;
use std::sync::Arc;
use std::{fmt, ops::Deref};

/// Bytes held inline.
const HEAD: usize = 16;

/// A text, compared by its bytes (`str`'s order) through an inline head.
///
/// The head is the first 16 bytes read big-endian and padded with zeros, so heads order as
/// the texts' first 16 bytes do, a shorter text before a longer one it is the start of. Where
/// heads are equal the rest of the bytes decide, and then the length (for texts differing
/// only in trailing zero bytes within the head).
#[derive(Clone)]
pub(crate) struct Text {
    head: u128,
    text: Box<str>,
}

impl Text {
    /// The bytes past the head.
    #[inline(always)]
    fn tail(&self) -> &[u8] {
        self.text.as_bytes().get(HEAD..).unwrap_or(&[])
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        let b = s.as_bytes();
        let mut buf = [0u8; HEAD];
        let n = b.len().min(HEAD);
        buf[..n].copy_from_slice(&b[..n]);
        Text { head: u128::from_be_bytes(buf), text: s.into() }
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.text
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.text, f)
    }
}

// The bytes past the head compare as slices (vectorised `memcmp`).
impl PartialEq for Text {
    #[inline(always)]
    fn eq(&self, o: &Text) -> bool {
        self.head == o.head
            && self.text.len() == o.text.len()
            && (self.text.len() <= HEAD || self.tail() == o.tail())
    }
}

impl Eq for Text {}

impl Ord for Text {
    #[inline(always)]
    fn cmp(&self, o: &Text) -> Ordering {
        match self.head.cmp(&o.head) {
            Ordering::Equal if self.text.len() > HEAD || o.text.len() > HEAD => {
                self.tail().cmp(o.tail())
            }
            Ordering::Equal => self.text.len().cmp(&o.text.len()),
            other => other,
        }
    }
}

impl PartialOrd for Text {
    #[inline(always)]
    fn partial_cmp(&self, o: &Text) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

/// Whether two texts are equal.
#[inline(always)]
pub(crate) fn text_eq(a: &Text, b: &Text) -> bool {
    a == b
}

/// Two texts' byte order (`str`'s).
#[inline(always)]
pub(crate) fn text_cmp(a: &Text, b: &Text) -> Ordering {
    a.cmp(b)
}

/// How a compiled filter decides a match: its tree as a branching program, or `None` for a
/// tree too large for one (see [`Program`]), which is then evaluated as a tree.
#[derive(Clone, Debug)]
pub(crate) struct Matcher(Option<Program<Test>>);

impl Matcher {
    /// The matcher for the filter whose tree is `root`.
    pub(crate) fn new(root: &Node) -> Matcher {
        Matcher(Program::matcher(root))
    }

    /// Whether the filter whose tree is `root` is true for `slots`.
    #[inline(always)]
    pub(crate) fn matches(&self, root: &Node, slots: &[Slot]) -> bool {
        match &self.0 {
            Some(p) => p.matches(slots),
            None => root.eval(slots) == Truth::True,
        }
    }
}

impl Plan for Test {
    /// Text equalities of one slot ORed (`a eq "x" OR a eq "y"`) are one `in`; inequalities
    /// ANDed are one `nin`. On a text both give the same answer, and on anything else both
    /// are unknown.
    fn merge(&self, other: &Test, any: bool) -> Option<Test> {
        // The values of a test that is true exactly when the slot is one of them (`any`), or
        // exactly when it is none of them.
        fn values(t: &Test, any: bool) -> Option<&[Text]> {
            match t {
                Test::TextEq(v) if any => Some(std::slice::from_ref(v)),
                Test::TextNeq(v) if !any => Some(std::slice::from_ref(v)),
                Test::TextIn { values, negated } if *negated != any => Some(values),
                _ => None,
            }
        }
        let mut vs: Vec<Text> =
            values(self, any)?.iter().chain(values(other, any)?).cloned().collect();
        vs.sort_unstable();
        vs.dedup();
        Some(Test::TextIn { values: vs.into_boxed_slice(), negated: !any })
    }
}

/// How a prepared request decides whether an entity is in the union of its eligible filters:
/// the filters of the request's entity type as one branching program (see [`Union`]), with the
/// type's name, which an entity's must be (one prepared by another schema could share the
/// type's index).
#[derive(Clone, Debug)]
pub(crate) struct UnionMatcher {
    type_name: Text,
    union: Union<Test>,
}

impl UnionMatcher {
    /// The matcher for everything of the type (`all`), or for the union of `filters`.
    pub(crate) fn new(
        type_name: &str,
        type_index: usize,
        all: bool,
        filters: &[Arc<CompiledFilter>],
    ) -> UnionMatcher {
        // A filter of another type matches nothing of this one.
        let trees = filters.iter().filter(|f| f.type_index == type_index).map(|f| f.root.clone());
        UnionMatcher { type_name: type_name.into(), union: Union::new(all, trees.collect()) }
    }

    /// Whether the entity is in the union.
    #[inline(always)]
    pub(crate) fn matches(&self, e: &PreparedEntity) -> bool {
        matches!(self.union, Union::All)
            || (e.type_name == self.type_name && self.union.matches(&e.slots))
    }
}
