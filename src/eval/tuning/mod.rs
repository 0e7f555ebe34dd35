//! What the two builds of the evaluator do differently, chosen here and nowhere else.
//!
//! The default build is tuned for speed ([`fast`]). The `compact` build, tuned for code size
//! ([`compact`]), is the wasm module's: there a decision's cost is crossing the JavaScript
//! boundary, not evaluating, and every kilobyte is downloaded. `build.rs` sets the `compact`
//! cfg for wasm32 targets, and natively for the `compact` feature, so that the native tests
//! run against either build.
//!
//! Both export the same names, which the rest of `eval` uses without knowing which build it
//! is in: [`Text`] with [`text_eq`] and [`text_cmp`] (how texts are held and compared), and
//! [`Matcher`] (how a compiled filter decides a match), and [`UnionMatcher`] (how a prepared
//! request decides whether an entity is in the union of its eligible filters). The two answer alike; the tests below
//! and the evaluator's hold them to it.

#[cfg(compact)]
mod compact;
#[cfg(not(compact))]
mod fast;

#[cfg(compact)]
pub(crate) use compact::{text_cmp, text_eq, Matcher, Text, UnionMatcher};
#[cfg(not(compact))]
pub(crate) use fast::{text_cmp, text_eq, Matcher, Text, UnionMatcher};

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
                assert_eq!(text_eq(&x, &y), a == b, "{a:?} {b:?}");
                assert_eq!(text_cmp(&x, &y), a.cmp(b), "{a:?} {b:?}");
            }
        }
    }

    proptest! {
        /// Texts around the inline head's length, from a small alphabet with NUL so that
        /// equal heads and prefixes are common.
        #[test]
        fn texts_compare_as_strs(a in "[\\x00ab\u{e9}]{0,20}", b in "[\\x00ab\u{e9}]{0,20}") {
            let (x, y) = (Text::from(a.as_str()), Text::from(b.as_str()));
            prop_assert_eq!(text_eq(&x, &y), a == b);
            prop_assert_eq!(text_cmp(&x, &y), a.cmp(&b));
            prop_assert_eq!(x.cmp(&y), a.cmp(&b));
            prop_assert_eq!(&*x, a.as_str());
        }
    }
}
