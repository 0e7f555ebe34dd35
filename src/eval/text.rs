//! Text values as evaluation compares them ([`text_eq`], [`text_cmp`]: `str`'s equality and
//! byte order either way).
//!
//! Natively, the first 16 bytes are held inline as one integer, so that comparing short texts
//! (the attribute values filters test: `"typical"`, `"concrete"`) is comparing integers, with
//! no call to `memcmp`; longer texts compare their remaining bytes only when the first 16
//! agree. The wasm module is built for size: there a text is a plain `Box<str>` (sorting and
//! searching share std's code for it: 1 KB gzipped less) compared by inlined byte loops,
//! since `==` on `str` is a chain of calls ending in a byte-at-a-time `memcmp`.

use std::cmp::Ordering;
#[cfg(not(target_arch = "wasm32"))]
use std::{fmt, ops::Deref};

/// Bytes held inline.
#[cfg(not(target_arch = "wasm32"))]
const HEAD: usize = 16;

/// A text, compared by its bytes (`str`'s order) through an inline head.
///
/// The head is the first 16 bytes read big-endian and padded with zeros, so heads order as
/// the texts' first 16 bytes do, a shorter text before a longer one it is the start of. Where
/// heads are equal the rest of the bytes decide, and then the length (for texts differing
/// only in trailing zero bytes within the head).
#[cfg(not(target_arch = "wasm32"))]
#[derive(Clone)]
pub(crate) struct Text {
    head: u128,
    text: Box<str>,
}

#[cfg(not(target_arch = "wasm32"))]
impl Text {
    #[inline(always)]
    fn tail(&self) -> &[u8] {
        self.text.as_bytes().get(HEAD..).unwrap_or(&[])
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl From<&str> for Text {
    fn from(s: &str) -> Text {
        let b = s.as_bytes();
        let mut buf = [0u8; HEAD];
        let n = b.len().min(HEAD);
        buf[..n].copy_from_slice(&b[..n]);
        Text { head: u128::from_be_bytes(buf), text: s.into() }
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.text
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.text, f)
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl PartialEq for Text {
    #[inline(always)]
    fn eq(&self, o: &Text) -> bool {
        self.head == o.head
            && self.text.len() == o.text.len()
            && (self.text.len() <= HEAD || bytes_eq(self.tail(), o.tail()))
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl Eq for Text {}

#[cfg(not(target_arch = "wasm32"))]
impl Ord for Text {
    #[inline(always)]
    fn cmp(&self, o: &Text) -> Ordering {
        match self.head.cmp(&o.head) {
            Ordering::Equal if self.text.len() > HEAD || o.text.len() > HEAD => {
                bytes_cmp(self.tail(), o.tail())
            }
            Ordering::Equal => self.text.len().cmp(&o.text.len()),
            other => other,
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl PartialOrd for Text {
    #[inline(always)]
    fn partial_cmp(&self, o: &Text) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

#[cfg(target_arch = "wasm32")]
pub(crate) type Text = Box<str>;

/// Whether two texts are equal.
#[inline(always)]
pub(crate) fn text_eq(a: &Text, b: &Text) -> bool {
    #[cfg(not(target_arch = "wasm32"))]
    return a == b;
    #[cfg(target_arch = "wasm32")]
    loop_eq(a.as_bytes(), b.as_bytes())
}

/// Two texts' byte order.
#[inline(always)]
pub(crate) fn text_cmp(a: &Text, b: &Text) -> Ordering {
    #[cfg(not(target_arch = "wasm32"))]
    return a.cmp(b);
    #[cfg(target_arch = "wasm32")]
    loop_cmp(a.as_bytes(), b.as_bytes())
}

// The bytes past the head: the slices' own comparisons (vectorised `memcmp`).
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
        "",
        "\0",
        "a",
        "a\0",
        "a\0b",
        "ab",
        "b",
        "abc",
        "caf\u{e9}",
        "cafe",
        "caf\u{e9}s",
        "\u{10FFFF}",
        "\u{FFFF}",
        "Z",
        "z",
        "0123456789abcdef",
        "0123456789abcdef\0",
        "0123456789abcdefg",
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
