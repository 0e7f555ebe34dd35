//! Filters over interned texts. A compiled filter restated against per-attribute
//! dictionaries (the texts its conditions compare against, sorted), for entities whose text
//! values arrive as dictionary indexes: the wasm package's `Decider` writes them so.
//!
//! Every text test is an equality, so any text outside a dictionary is alike to the filter
//! (one index, [`OTHER`]), a text comparison becomes an integer one, and a list becomes a bit
//! set: `intersects`, `contains` and `eq_set` are a few word operations, with no text read and
//! no sorting. Tests of other types keep their [`Test`] and [`Slot`]. The restated filter
//! decides what the filter decides for the entity the indexes stand for; a property test
//! holds the two to that.

use super::compiled::{Check, CompiledFilter, Node, Test, Truth};
use super::entity::Slot;
use super::tuning::Text;

/// The index of any text outside the attribute's dictionary.
pub(crate) const OTHER: u32 = u32::MAX - 1;

/// A set of dictionary indexes, one bit each; its size is fixed by the dictionary's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Bits(Box<[u64]>);

impl Bits {
    /// An empty set for a dictionary of `len` texts.
    pub(crate) fn new(len: usize) -> Bits {
        Bits(vec![0; len.div_ceil(64)].into_boxed_slice())
    }

    pub(crate) fn clear(&mut self) {
        self.0.iter_mut().for_each(|w| *w = 0);
    }

    /// Add index `i`; false when it is past the set's words (and so not added). The caller
    /// checks indexes against the dictionary.
    #[inline(always)]
    pub(crate) fn insert(&mut self, i: u32) -> bool {
        match self.0.get_mut((i / 64) as usize) {
            Some(w) => {
                *w |= 1 << (i % 64);
                true
            }
            None => false,
        }
    }

    #[inline(always)]
    fn has(&self, i: u32) -> bool {
        self.0.get((i / 64) as usize).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    // Index loops, not iterator adapters: the wasm module is built for size, where zips
    // stay calls.
    /// Whether the two share an index.
    #[inline(always)]
    fn meets(&self, o: &Bits) -> bool {
        let (a, b) = (&self.0, &o.0);
        let mut i = 0;
        while i < a.len() && i < b.len() {
            if a[i] & b[i] != 0 {
                return true;
            }
            i += 1;
        }
        false
    }

    /// Whether `o` is a subset of this.
    #[inline(always)]
    fn covers(&self, o: &Bits) -> bool {
        let (a, b) = (&self.0, &o.0);
        if a.len() != b.len() {
            return false;
        }
        let mut i = 0;
        while i < a.len() {
            if a[i] & b[i] != b[i] {
                return false;
            }
            i += 1;
        }
        true
    }
}

/// An attribute's value, as the decider reads it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum SymSlot {
    Unknown,
    /// A dictionary index or [`OTHER`].
    Text(u32),
    /// The dictionary indexes of the list's texts, and whether it holds any text outside
    /// the dictionary.
    List {
        bits: Bits,
        other: bool,
    },
    /// Any other type, as an entity holds it.
    Value(Slot),
}

/// A condition's test, its texts replaced by dictionary indexes.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum SymTest {
    /// `eq` one index, or `neq` when `negated`.
    TextEq {
        index: u32,
        negated: bool,
    },
    /// `in` a set, or `nin` when `negated`.
    TextIn {
        set: Bits,
        negated: bool,
    },
    Intersects(Bits),
    Contains(Bits),
    EqSet(Bits),
    Value(Test),
    /// A test the dictionaries cannot state (a text missing from its dictionary, which the
    /// dictionaries' construction rules out): unknown, which never allows.
    Unknown,
}

impl Check<SymSlot> for SymTest {
    #[inline(always)]
    fn check(&self, slot: &SymSlot) -> Truth {
        let b = match (self, slot) {
            (_, SymSlot::Unknown) | (SymTest::Unknown, _) => return Truth::Unknown,
            (SymTest::TextEq { index, negated }, SymSlot::Text(x)) => (x == index) != *negated,
            (SymTest::TextIn { set, negated }, SymSlot::Text(x)) => set.has(*x) != *negated,
            (SymTest::Intersects(vs), SymSlot::List { bits, .. }) => bits.meets(vs),
            (SymTest::Contains(vs), SymSlot::List { bits, .. }) => bits.covers(vs),
            (SymTest::EqSet(vs), SymSlot::List { bits, other }) => !*other && bits == vs,
            (SymTest::Value(t), SymSlot::Value(v)) => return t.check(v),
            // As for `Test`: a slot of another type than the test's is unknown.
            _ => return Truth::Unknown,
        };
        b.into()
    }
}

impl<T> Node<T> {
    /// The same tree with every test restated by `f` (given the test's slot).
    pub(crate) fn map<U>(&self, f: &mut impl FnMut(usize, &T) -> U) -> Node<U> {
        match self {
            Node::Cond { slot, test } => Node::Cond { slot: *slot, test: f(*slot, test) },
            Node::And(ns) => Node::And(ns.iter().map(|n| n.map(f)).collect()),
            Node::Or(ns) => Node::Or(ns.iter().map(|n| n.map(f)).collect()),
            Node::Not(n) => Node::Not(Box::new(n.map(f))),
        }
    }
}

impl CompiledFilter {
    /// Every condition's slot, with the text values it compares against (none for other
    /// types). Any text outside those values is alike to this filter: the wasm package's
    /// entity encoding rests on it.
    pub(crate) fn conditions<'a>(&'a self, f: &mut impl FnMut(usize, &'a [Text])) {
        fn walk<'a>(n: &'a Node, f: &mut impl FnMut(usize, &'a [Text])) {
            match n {
                Node::Cond { slot, test } => f(
                    *slot,
                    match test {
                        Test::TextEq(v) | Test::TextNeq(v) => std::slice::from_ref(v),
                        Test::TextIn { values, .. }
                        | Test::Intersects(values)
                        | Test::Contains(values)
                        | Test::EqSet(values) => values,
                        _ => &[],
                    },
                ),
                Node::And(ns) | Node::Or(ns) => ns.iter().for_each(|c| walk(c, f)),
                Node::Not(c) => walk(c, f),
            }
        }
        walk(&self.root, f)
    }
}

/// One filter restated, or `None` for a filter of another entity type (it matches nothing
/// of this type). `dicts[slot]` is the sorted dictionary of a text or list attribute.
pub(crate) fn restate(
    f: &CompiledFilter,
    type_index: usize,
    dicts: &[Vec<Box<str>>],
) -> Option<Node<SymTest>> {
    if f.type_index != type_index {
        return None;
    }
    Some(f.root.map(&mut |slot, test| {
        let dict = dicts.get(slot).map_or(&[][..], Vec::as_slice);
        let index = |v: &str| dict.binary_search_by(|d| (**d).cmp(v)).ok().map(|i| i as u32);
        let set = |vs: &[Text]| {
            let mut bits = Bits::new(dict.len());
            vs.iter().all(|v| index(v).is_some_and(|i| bits.insert(i))).then_some(bits)
        };
        let restated = match test {
            Test::TextEq(v) => index(v).map(|index| SymTest::TextEq { index, negated: false }),
            Test::TextNeq(v) => index(v).map(|index| SymTest::TextEq { index, negated: true }),
            Test::TextIn { values, negated } => {
                set(values).map(|set| SymTest::TextIn { set, negated: *negated })
            }
            Test::Intersects(vs) => set(vs).map(SymTest::Intersects),
            Test::Contains(vs) => set(vs).map(SymTest::Contains),
            Test::EqSet(vs) => set(vs).map(SymTest::EqSet),
            other => Some(SymTest::Value(other.clone())),
        };
        debug_assert!(restated.is_some(), "a filter text missing from its dictionary");
        restated.unwrap_or(SymTest::Unknown)
    }))
}

/// The eligible grants' filters restated (see [`crate::grants::Scope`]). Only the wasm
/// decider holds one; tests reach the restated filters directly.
#[cfg(target_arch = "wasm32")]
#[derive(Clone, Debug, Default)]
pub(crate) struct SymScope {
    pub(crate) all: bool,
    pub(crate) filters: Vec<Node<SymTest>>,
}

#[cfg(target_arch = "wasm32")]
impl SymScope {
    pub(crate) fn of<'a>(
        all: bool,
        filters: impl IntoIterator<Item = &'a std::sync::Arc<CompiledFilter>>,
        type_index: usize,
        dicts: &[Vec<Box<str>>],
    ) -> SymScope {
        SymScope {
            all,
            filters: filters.into_iter().filter_map(|f| restate(f, type_index, dicts)).collect(),
        }
    }

    /// Whether an entity is in scope: a filter is true for it.
    #[inline(always)]
    pub(crate) fn matches(&self, slots: &[SymSlot]) -> bool {
        self.all || self.filters.iter().any(|f| f.eval(slots) == Truth::True)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::PreparedEntity;
    use crate::schema::{Schema, ValueType};
    use proptest::prelude::*;
    use serde_json::{json, Map, Value};

    /// The texts of the generated entities: some in the filters' dictionaries, some not.
    const TEXTS: [&str; 8] =
        ["concrete", "steel", "typical", "project", "beam", "reviewed", "wood", ""];

    fn filters() -> Vec<&'static str> {
        vec![
            r#"project_type eq "typical" AND tags intersects ["concrete"]"#,
            r#"(type eq "concrete" OR type eq "steel") AND tags contains ["reviewed","beam"] AND NOT project_type eq "project""#,
            r#"type in ["steel", "beam"] OR tags eq_set ["concrete", "beam"]"#,
            r#"NOT (type nin ["wood"] AND project_type neq "typical") OR (tags contains ["beam"] AND project_id eq "a1000000-0000-4000-8000-00000000000a")"#,
            r#"tags eq_set [] OR NOT tags intersects ["steel", "wood"]"#,
        ]
    }

    /// The filters' dictionaries, by slot, as the decider builds them.
    fn dictionaries(schema: &Schema, fs: &[CompiledFilter]) -> Vec<Vec<Box<str>>> {
        let n = schema.entity_types[fs[0].type_index].attributes.len();
        let mut dicts: Vec<Vec<Box<str>>> = vec![Vec::new(); n];
        for f in fs {
            f.conditions(&mut |slot, values| {
                dicts[slot].extend(values.iter().map(|v| Box::from(&**v)))
            });
        }
        for d in &mut dicts {
            d.sort_unstable();
            d.dedup();
        }
        dicts
    }

    /// An entity's slots as the decider writes them.
    fn interned(schema: &Schema, e: &PreparedEntity, dicts: &[Vec<Box<str>>]) -> Vec<SymSlot> {
        let t = &schema.entity_types[e.type_index];
        let index = |d: &[Box<str>], s: &str| {
            d.binary_search_by(|x| (**x).cmp(s)).map_or(OTHER, |i| i as u32)
        };
        t.attributes
            .iter()
            .enumerate()
            .map(|(i, a)| match (&e.slots[i], a.value_type) {
                (Slot::Unknown, _) => SymSlot::Unknown,
                (Slot::Text(s), ValueType::Text) => SymSlot::Text(index(&dicts[i], s)),
                (Slot::List(xs), ValueType::List) => {
                    let mut bits = Bits::new(dicts[i].len());
                    let mut other = false;
                    for x in xs {
                        let w = index(&dicts[i], x);
                        other |= w == OTHER;
                        bits.insert(w);
                    }
                    SymSlot::List { bits, other }
                }
                (s, _) => SymSlot::Value(s.clone()),
            })
            .collect()
    }

    fn attribute() -> impl Strategy<Value = Option<Value>> {
        let text = prop::sample::select(&TEXTS[..]).prop_map(|s| json!(s));
        prop_oneof![
            1 => Just(None),
            1 => Just(Some(Value::Null)),
            4 => text.clone().prop_map(Some),
            4 => prop::collection::vec(text, 0..5).prop_map(|v| Some(Value::Array(v))),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]
        #[test]
        fn restated_filters_decide_as_the_filters(ty in attribute(), pt in attribute(), tags in attribute(),
            project in prop::sample::select(vec![None, Some("a1000000-0000-4000-8000-00000000000A"), Some("b1000000-0000-4000-8000-00000000000b"), Some("concrete")])) {
            let schema = Schema::builtin();
            let fs: Vec<CompiledFilter> = filters().into_iter().map(|t| crate::compile(&schema, "detail", t).unwrap()).collect();
            let dicts = dictionaries(&schema, &fs);
            let mut attrs = Map::new();
            for (k, v) in [("type", ty), ("project_type", pt), ("tags", tags), ("project_id", project.map(|p| json!(p)))] {
                if let Some(v) = v {
                    attrs.insert(k.into(), v);
                }
            }
            let Some(e) = PreparedEntity::new(&schema, "detail", &attrs) else { return Ok(()) };
            let slots = interned(&schema, &e, &dicts);
            for f in &fs {
                let r = restate(f, f.type_index, &dicts).unwrap();
                prop_assert_eq!(r.eval(&slots), f.eval(&e), "{:?} on {:?}", f.predicate().to_string(), attrs);
            }
        }
    }

    #[test]
    fn bits() {
        let mut a = Bits::new(70);
        assert!(a.insert(3) && a.insert(69));
        assert!(!a.insert(128) && !a.insert(OTHER));
        assert!(a.has(69) && !a.has(4) && !a.has(OTHER));
        let mut b = Bits::new(70);
        b.insert(69);
        assert!(a.meets(&b) && a.covers(&b) && !b.covers(&a));
        a.clear();
        assert_eq!(a, Bits::new(70));
    }

    #[test]
    fn a_filter_of_another_type_is_not_restated() {
        let schema = Schema::builtin();
        let f = crate::compile(&schema, "family", r#"name eq "x""#).unwrap();
        let detail = schema.type_index("detail").unwrap();
        assert!(restate(&f, detail, &[]).is_none());
    }
}
