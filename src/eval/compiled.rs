//! Compiled filters: attribute names resolved to slots, values parsed, sets sorted, all once at
//! validation. Evaluating an entity is a walk over this tree with no parsing, no lookups and
//! no allocation, in SQL's three-valued logic (SPEC 2.5).

use super::entity::{PreparedEntity, Slot};
use super::tuning::{text_cmp, text_eq, Matcher, Text};
use crate::lang::{GroupKind, Predicate};
use std::cmp::Ordering;

/// Kleene's three truth values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Truth {
    /// Does not hold.
    False,
    /// Cannot be decided: a value absent, null or of another type.
    Unknown,
    /// Holds.
    True,
}

impl Truth {
    /// Kleene conjunction.
    #[inline(always)]
    pub fn and(self, o: Truth) -> Truth {
        self.min(o)
    }
    /// Kleene disjunction.
    #[inline(always)]
    pub fn or(self, o: Truth) -> Truth {
        self.max(o)
    }
    /// Kleene negation.
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Truth {
        match self {
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
            Truth::True => Truth::False,
        }
    }
    #[inline(always)]
    fn rank(self) -> u8 {
        self as u8
    }
    #[inline(always)]
    fn min(self, o: Truth) -> Truth {
        if self.rank() <= o.rank() {
            self
        } else {
            o
        }
    }
    #[inline(always)]
    fn max(self, o: Truth) -> Truth {
        if self.rank() >= o.rank() {
            self
        } else {
            o
        }
    }
    /// The wire name: `"true"`, `"false"`, `"unknown"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Truth::False => "false",
            Truth::Unknown => "unknown",
            Truth::True => "true",
        }
    }
}

impl From<bool> for Truth {
    #[inline(always)]
    fn from(b: bool) -> Truth {
        if b {
            Truth::True
        } else {
            Truth::False
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Cmp {
    Eq,
    Neq,
    Gt,
    Gte,
    Lt,
    Lte,
}

impl Cmp {
    #[inline(always)]
    fn holds(self, o: Ordering) -> bool {
        match self {
            Cmp::Eq => o == Ordering::Equal,
            Cmp::Neq => o != Ordering::Equal,
            Cmp::Gt => o == Ordering::Greater,
            Cmp::Gte => o != Ordering::Less,
            Cmp::Lt => o == Ordering::Less,
            Cmp::Lte => o != Ordering::Greater,
        }
    }
}

/// A condition's test, specialised by type and operator.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Test {
    TextEq(Text),
    TextNeq(Text),
    /// `in`, or `nin` when `negated`.
    TextIn {
        /// Sorted.
        values: Box<[Text]>,
        negated: bool,
    },
    Number(Cmp, f64),
    /// `in`, or `nin` when `negated`.
    NumberIn {
        values: Box<[f64]>,
        negated: bool,
    },
    Bool(bool),
    Uuid(Cmp, u128),
    /// `in`, or `nin` when `negated`.
    UuidIn {
        /// Sorted.
        values: Box<[u128]>,
        negated: bool,
    },
    /// A date-only filter value compares calendar days: the day's first instant (UTC).
    Day(Cmp, i128),
    /// A date-time filter value compares instants.
    Instant(Cmp, i128),
    /// Sorted and deduplicated.
    Intersects(Box<[Text]>),
    Contains(Box<[Text]>),
    EqSet(Box<[Text]>),
}

/// Whether two sorted sets share an element.
#[inline(always)]
fn sorted_intersect(a: &[Text], b: &[Text]) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match text_cmp(&a[i], &b[j]) {
            Ordering::Less => i += 1,
            Ordering::Greater => j += 1,
            Ordering::Equal => return true,
        }
    }
    false
}

/// Whether sorted `sub` is a subset of sorted `sup`.
#[inline(always)]
fn sorted_subset(sub: &[Text], sup: &[Text]) -> bool {
    let mut j = 0;
    for x in sub {
        while j < sup.len() && text_cmp(&sup[j], x) == Ordering::Less {
            j += 1;
        }
        if j == sup.len() || !text_eq(&sup[j], x) {
            return false;
        }
        j += 1;
    }
    true
}

/// Whether a sorted set holds `x`: a few values compared in turn (equality is quicker than
/// order, and the loop's branches are predictable), more by binary search.
#[inline(always)]
fn sorted_holds(set: &[Text], x: &Text) -> bool {
    if set.len() <= 4 {
        return set.iter().any(|v| text_eq(v, x));
    }
    set.binary_search_by(|v| text_cmp(v, x)).is_ok()
}

/// A condition's test against one kind of slot: [`Test`] against an entity's [`Slot`], and
/// the wasm decider's tests against dictionary indexes.
pub(crate) trait Check<S> {
    fn check(&self, slot: &S) -> Truth;
}

impl Check<Slot> for Test {
    // By the test first: its kind is known as soon as the step is, before the slot is read.
    // A slot of another kind is unknown: absent, null or of the wrong type (SPEC 2.5), or an
    // entity typed by another schema, which never allows.
    #[inline(always)]
    fn check(&self, slot: &Slot) -> Truth {
        macro_rules! on {
            ($kind:ident($x:ident) => $e:expr) => {
                match slot {
                    Slot::$kind($x) => $e,
                    _ => return Truth::Unknown,
                }
            };
        }
        let b = match self {
            Test::TextEq(v) => on!(Text(x) => text_eq(x, v)),
            Test::TextNeq(v) => on!(Text(x) => !text_eq(x, v)),
            Test::TextIn { values, negated } => on!(Text(x) => sorted_holds(values, x) != *negated),
            Test::Number(c, v) => on!(Number(x) => match x.partial_cmp(v) {
                Some(o) => c.holds(o),
                None => return Truth::Unknown,
            }),
            Test::NumberIn { values, negated } => on!(Number(x) => values.contains(x) != *negated),
            Test::Bool(v) => on!(Bool(x) => x == v),
            Test::Uuid(c, v) => on!(Uuid(x) => c.holds(x.cmp(v))),
            Test::UuidIn { values, negated } => {
                on!(Uuid(x) => values.binary_search(x).is_ok() != *negated)
            }
            // The instant's day against the filter's, by the day's bounds: no division.
            Test::Day(c, start) => on!(Date(t) => c.holds(if t < start {
                Ordering::Less
            } else if *t - start >= crate::value::NANOS_PER_DAY {
                Ordering::Greater
            } else {
                Ordering::Equal
            })),
            Test::Instant(c, v) => on!(Date(t) => c.holds(t.cmp(v))),
            Test::Intersects(vs) => on!(List(xs) => sorted_intersect(xs, vs)),
            Test::Contains(vs) => on!(List(xs) => sorted_subset(vs, xs)),
            Test::EqSet(vs) => {
                on!(List(xs) => xs.len() == vs.len() && xs.iter().zip(vs.iter()).all(|(x, v)| text_eq(x, v)))
            }
        };
        b.into()
    }
}

/// A filter's tree of tests. `T` is the kind of test: [`Test`] for entities' slots, another
/// for the same tree restated (see [`Node::map`]).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Node<T = Test> {
    Cond { slot: usize, test: T },
    And(Box<[Node<T>]>),
    Or(Box<[Node<T>]>),
    Not(Box<Node<T>>),
}

impl<T> Node<T> {
    pub(crate) fn eval<S>(&self, slots: &[S]) -> Truth
    where
        T: Check<S>,
    {
        match self {
            Node::Cond { slot, test } => slots.get(*slot).map_or(Truth::Unknown, |s| test.check(s)),
            Node::And(children) => {
                let mut acc = Truth::True;
                for c in children.iter() {
                    acc = acc.and(c.eval(slots));
                    if acc == Truth::False {
                        break;
                    }
                }
                acc
            }
            Node::Or(children) => {
                let mut acc = Truth::False;
                for c in children.iter() {
                    acc = acc.or(c.eval(slots));
                    if acc == Truth::True {
                        break;
                    }
                }
                acc
            }
            Node::Not(c) => c.eval(slots).not(),
        }
    }
}

/// The first condition that kept an entity from matching (see [`CompiledFilter::explain`]).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct FailedCondition {
    /// The condition in canonical text.
    pub text: String,
    /// Its JSON path in the filter's predicate, e.g. `$.and[1]`.
    pub path: String,
    /// What the condition evaluated to.
    pub result: Truth,
    /// Whether the condition sits under an odd number of NOTs (so `true` was the problem).
    pub negated: bool,
}

impl serde::Serialize for Truth {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A validated filter, ready to evaluate. Built by [`crate::validate()`] and
/// [`crate::compile`]; it keeps its source tree for formatting and explanations.
///
/// ```
/// use portcullis::{compile, Schema, PreparedEntity};
/// use serde_json::json;
/// let schema = Schema::builtin();
/// let f = compile(&schema, "detail", r#"project_type eq "typical" AND tags intersects ["concrete"]"#).unwrap();
/// let e = PreparedEntity::new(&schema, "detail",
///     json!({"project_type": "typical", "tags": ["concrete"]}).as_object().unwrap()).unwrap();
/// assert!(f.matches(&e));
/// ```
#[derive(Clone)]
pub struct CompiledFilter {
    pub(crate) type_index: usize,
    pub(crate) entity_type: Text,
    pub(crate) predicate: Predicate,
    pub(crate) root: Node,
    /// How [`Self::matches`] decides, as the build is tuned (see [`super::tuning`]).
    pub(crate) matcher: Matcher,
    pub(crate) searchable: bool,
}

/// What the filter is, not how it runs: its type and canonical text (the compiled program
/// would bury them, in every `Debug` of a scope or a list authorization that holds filters).
///
/// ```
/// use portcullis::{compile, Schema};
/// let f = compile(&Schema::builtin(), "detail", r#"tags intersects ["concrete"]"#).unwrap();
/// assert_eq!(format!("{f:?}"), r#"CompiledFilter(detail: tags intersects ["concrete"])"#);
/// ```
impl std::fmt::Debug for CompiledFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CompiledFilter({}: {})", self.entity_type(), self.predicate)
    }
}

impl CompiledFilter {
    /// Three-valued result for one entity. An entity of another type is `Unknown`.
    #[inline]
    pub fn eval(&self, e: &PreparedEntity) -> Truth {
        if !self.is_for(e) {
            return Truth::Unknown;
        }
        self.root.eval(&e.slots)
    }

    /// Whether the entity matches: only when the predicate is *true*.
    #[inline]
    pub fn matches(&self, e: &PreparedEntity) -> bool {
        if !self.is_for(e) {
            return false;
        }
        self.matcher.matches(&self.root, &e.slots)
    }

    /// Whether the entity is of the filter's type (by index, and by name against one
    /// prepared by another schema).
    #[inline(always)]
    fn is_for(&self, e: &PreparedEntity) -> bool {
        e.type_index == self.type_index && text_eq(&e.type_name, &self.entity_type)
    }

    /// The entity type the filter is for.
    pub fn entity_type(&self) -> &str {
        &self.entity_type
    }

    /// The source tree.
    pub fn predicate(&self) -> &Predicate {
        &self.predicate
    }

    /// Whether the search index can run it (SPEC 4.3).
    pub fn is_searchable(&self) -> bool {
        self.searchable
    }

    /// For an entity that does not match, the first condition (in document order) that was
    /// false or unknown along the path that decided; `None` when the entity matches.
    pub fn explain(&self, e: &PreparedEntity) -> Option<FailedCondition> {
        if self.matches(e) {
            return None;
        }
        if e.type_index != self.type_index {
            return Some(FailedCondition {
                text: format!("entity type is {}, not {}", &*e.type_name, &*self.entity_type),
                path: "$".into(),
                result: Truth::Unknown,
                negated: false,
            });
        }
        culprit(&self.root, &self.predicate, "$".into(), false, &e.slots)
    }
}

/// Walk to the condition that made `node` not true (or, under a NOT, not false).
fn culprit(
    node: &Node,
    pred: &Predicate,
    path: String,
    negated: bool,
    slots: &[Slot],
) -> Option<FailedCondition> {
    let ok = |t: Truth| if negated { t == Truth::False } else { t == Truth::True };
    let t = node.eval(slots);
    if ok(t) {
        return None;
    }
    match (node, pred) {
        (Node::Cond { .. }, Predicate::Condition(_)) => {
            Some(FailedCondition { text: pred.to_string(), path, result: t, negated })
        }
        (Node::Not(inner), Predicate::Not { child, .. }) => {
            culprit(inner, child, format!("{path}.not"), !negated, slots)
        }
        (Node::And(ns) | Node::Or(ns), Predicate::Group { kind, children, .. }) => {
            let key = match kind {
                GroupKind::And => "and",
                GroupKind::Or => "or",
            };
            ns.iter()
                .zip(children)
                .enumerate()
                .find_map(|(i, (n, p))| culprit(n, p, format!("{path}.{key}[{i}]"), negated, slots))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// A date-only test compares the instant's UTC day, as `day_of` does, without dividing.
        #[test]
        fn day_tests_compare_calendar_days(t in -400_000_000_000_000_000_000i128..400_000_000_000_000_000_000, d in -5_000_000i64..5_000_000, near in any::<bool>(), off in -2i128..2) {
            // Half the cases put the instant at the day's edges.
            let t = if near { i128::from(d) * crate::value::NANOS_PER_DAY + off } else { t };
            for c in [Cmp::Eq, Cmp::Neq, Cmp::Gt, Cmp::Gte, Cmp::Lt, Cmp::Lte] {
                let test = Test::Day(c, crate::value::DateValue::Day(d).instant());
                let want = c.holds(crate::value::day_of(t).cmp(&d));
                prop_assert_eq!(test.check(&Slot::Date(t)), Truth::from(want));
            }
        }
    }

    #[test]
    fn kleene_tables() {
        use Truth::*;
        let all = [False, Unknown, True];
        for a in all {
            for b in all {
                // De Morgan holds in Kleene logic.
                assert_eq!(a.and(b).not(), a.not().or(b.not()));
            }
            assert_eq!(a.not().not(), a);
        }
        assert_eq!(Unknown.and(False), False);
        assert_eq!(Unknown.or(True), True);
        assert_eq!(Unknown.and(True), Unknown);
    }

    #[test]
    fn set_helpers() {
        let s = |v: &[&str]| v.iter().map(|x| Text::from(*x)).collect::<Vec<_>>();
        assert!(sorted_intersect(&s(&["a", "c"]), &s(&["b", "c"])));
        assert!(!sorted_intersect(&s(&["a"]), &s(&["b"])));
        assert!(sorted_subset(&s(&["a", "c"]), &s(&["a", "b", "c"])));
        assert!(!sorted_subset(&s(&["a", "d"]), &s(&["a", "b", "c"])));
        assert!(sorted_subset(&s(&[]), &s(&["a"])));
    }
}
