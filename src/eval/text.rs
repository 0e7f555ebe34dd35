//! Text values as evaluation compares them: the first 16 bytes held inline as one integer,
//! so that equality and order between short texts (the attribute values filters test:
//! `"typical"`, `"concrete"`) are integer compares, with no call to `memcmp`. Longer texts
//! compare their remaining bytes only when the first 16 agree.

use std::cmp::Ordering;
use std::fmt;
use std::ops::Deref;

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
    pub(crate) fn new(text: Box<str>) -> Text {
        let b = text.as_bytes();
        let mut buf = [0u8; HEAD];
        let n = b.len().min(HEAD);
        buf[..n].copy_from_slice(&b[..n]);
        Text { head: u128::from_be_bytes(buf), text }
    }

    #[inline(always)]
    fn tail(&self) -> &[u8] {
        self.text.as_bytes().get(HEAD..).unwrap_or(&[])
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text::new(s.into())
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.text
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.text, f)
    }
}

impl PartialEq for Text {
    #[inline(always)]
    fn eq(&self, o: &Text) -> bool {
        self.head == o.head && self.text.len() == o.text.len() && (self.text.len() <= HEAD || bytes_eq(self.tail(), o.tail()))
    }
}

impl Eq for Text {}

impl Ord for Text {
    #[inline(always)]
    fn cmp(&self, o: &Text) -> Ordering {
        match self.head.cmp(&o.head) {
            Ordering::Equal if self.text.len() > HEAD || o.text.len() > HEAD => bytes_cmp(self.tail(), o.tail()),
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

// The bytes past the head. Native code keeps the slices' own comparisons (vectorised
// `memcmp`); the wasm module is built for size, where they are a chain of calls ending in a
// byte-at-a-time `memcmp`, so it gets plain inlined byte loops.
#[cfg(not(target_arch = "wasm32"))]
#[inline(always)]
fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    a == b
}

#[cfg(not(target_arch = "wasm32"))]
#[inline(always)]
fn bytes_cmp(a: &[u8], b: &[u8]) -> Ordering {
    a.cmp(b)
}

#[cfg(target_arch = "wasm32")]
use {loop_cmp as bytes_cmp, loop_eq as bytes_eq};

#[cfg(any(target_arch = "wasm32", test))]
#[inline(always)]
fn loop_eq(a: &[u8], b: &[u8]) -> bool {
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

#[cfg(any(target_arch = "wasm32", test))]
#[inline(always)]
fn loop_cmp(a: &[u8], b: &[u8]) -> Ordering {
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TEXTS: [&str; 18] = [
        "", "\0", "a", "a\0", "a\0b", "ab", "b", "abc", "caf\u{e9}", "cafe", "caf\u{e9}s", "\u{10FFFF}", "\u{FFFF}", "Z", "z",
        "0123456789abcdef", "0123456789abcdef\0", "0123456789abcdefg",
    ];

    #[test]
    fn order_and_equality_are_strs() {
        for a in TEXTS {
            for b in TEXTS {
                let (x, y) = (Text::from(a), Text::from(b));
                assert_eq!(x == y, a == b, "{a:?} {b:?}");
                assert_eq!(x.cmp(&y), a.cmp(b), "{a:?} {b:?}");
                assert_eq!(loop_eq(a.as_bytes(), b.as_bytes()), a == b, "{a:?} {b:?}");
                assert_eq!(loop_cmp(a.as_bytes(), b.as_bytes()), a.cmp(b), "{a:?} {b:?}");
            }
        }
    }

    proptest! {
        /// Texts around the head's length, from a small alphabet with NUL so that equal heads
        /// and prefixes are common.
        #[test]
        fn texts_compare_as_strs(a in "[\\x00ab\u{e9}]{0,20}", b in "[\\x00ab\u{e9}]{0,20}") {
            let (x, y) = (Text::from(a.as_str()), Text::from(b.as_str()));
            prop_assert_eq!(x == y, a == b);
            prop_assert_eq!(x.cmp(&y), a.cmp(&b));
            prop_assert_eq!(&*x, a.as_str());
        }
    }
}
