//! Filters compiled to branching programs: the tree of tests flattened into steps, each a
//! test with where to go on each of its three results. Deciding an entity is one loop over
//! steps, with no recursion and no accumulated truth value: Kleene's AND, OR and NOT are
//! settled when the program is built, so that a step's successor already knows what the
//! results so far were. The tree ([`Node::eval`]) stays the reference (explanations walk it,
//! and the tests hold the two to the same answers).
//!
//! Only the build tuned for speed compiles programs (see [`super::tuning`]): where code size
//! comes first, a decision's cost is crossing the boundary, not evaluating, and the trees are
//! evaluated as they are.
//!
//! Building: a node is compiled against its three continuations (where to go if it is
//! false, unknown, true). NOT swaps false and true. Within AND, a child's true leads to the
//! next child, its false to the group's false, and its unknown to the next child in a
//! "tainted" copy whose true leads to the group's unknown; OR is the mirror. A node whose
//! three continuations agree is not evaluated at all, so when only a match matters (unknown
//! and false both lead to no), an AND stops at its first unknown. Before that the tree is
//! planned ([`plan`]): a group's text equalities of one slot become one `in` test.

use super::compiled::{Check, Node, Truth};

/// A continuation: a step's index, or one of these outcomes.
type Next = u32;
const YES: Next = Next::MAX;
const NO: Next = Next::MAX - 1;
#[cfg(test)]
const UNKNOWN: Next = Next::MAX - 2;

/// Each condition is compiled at most twice per enclosing group (its clean and its tainted
/// copy), so a filter within the validation limits could in theory reach 2^5 copies of a
/// condition; past this many steps the filter keeps to its tree.
const MAX_STEPS: usize = 512;

#[derive(Clone, Debug, PartialEq)]
struct Step<T> {
    slot: usize,
    test: T,
    /// By the test's result: false, unknown, true.
    next: [Next; 3],
}

/// A filter's tree as a branching program that answers whether an entity matches (the
/// predicate is true).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Program<T> {
    steps: Box<[Step<T>]>,
    entry: Next,
}

/// What the compiler may know of a kind of test, to lay out a quicker program.
pub(crate) trait Plan: Clone + Sized {
    /// One test of the same slot whose result is always `self OR other`'s (`any`) or
    /// `self AND other`'s, in all three truth values; `None` when there is none.
    fn merge(&self, _other: &Self, _any: bool) -> Option<Self> {
        None
    }
}

impl<T: Plan> Program<T> {
    /// The program deciding whether `root` is true; `None` when it would be too large.
    pub(crate) fn matcher(root: &Node<T>) -> Option<Program<T>> {
        Self::build(root, [NO, NO, YES])
    }

    fn build(root: &Node<T>, outcomes: [Next; 3]) -> Option<Program<T>> {
        let mut steps = Vec::new();
        let entry = compile(&plan(root), outcomes, &mut steps)?;
        Some(Program { steps: steps.into_boxed_slice(), entry })
    }

    /// Whether the entity with these slots matches. A slot the entity lacks is unknown.
    #[inline]
    pub(crate) fn matches<S>(&self, slots: &[S]) -> bool
    where
        T: Check<S>,
    {
        self.run(slots) == YES
    }

    #[inline(always)]
    fn run<S>(&self, slots: &[S]) -> Next
    where
        T: Check<S>,
    {
        let mut at = self.entry;
        while let Some(step) = self.steps.get(at as usize) {
            // Branches on the result, not an index by it: the processor predicts a branch and
            // starts on the next step before this one's test is done; an index would wait.
            let t = match slots.get(step.slot) {
                Some(s) => step.test.check(s),
                None => Truth::Unknown,
            };
            at = match t {
                Truth::True => step.next[2],
                Truth::False => step.next[0],
                Truth::Unknown => step.next[1],
            };
        }
        at
    }
}

/// Whether an entity is in a union of filters over one entity type: everything, or any of
/// the filters true, decided by one program for them all (their OR), so that deciding costs
/// one loop however many grants are eligible.
#[derive(Clone, Debug)]
pub(crate) enum Union<T> {
    All,
    Program(Program<T>),
    /// Filters too large together for one program, evaluated one by one.
    Trees(Box<[Node<T>]>),
}

impl<T: Plan> Union<T> {
    pub(crate) fn new(all: bool, trees: Vec<Node<T>>) -> Union<T> {
        if all {
            return Union::All;
        }
        let trees = trees.into_boxed_slice();
        if let Some(p) = Program::matcher(&Node::Or(trees.clone())) {
            return Union::Program(p);
        }
        Union::Trees(trees)
    }

    /// Whether the entity with these slots is in the union.
    #[inline]
    pub(crate) fn matches<S>(&self, slots: &[S]) -> bool
    where
        T: Check<S>,
    {
        match self {
            Union::All => true,
            Union::Program(p) => p.matches(slots),
            Union::Trees(ts) => ts.iter().any(|t| t.eval(slots) == Truth::True),
        }
    }
}

/// The tree restated for a program: nested groups of one kind flattened, and the conditions
/// of a group that test one slot merged into one where the test allows it (eight equalities
/// ORed run as one `in`, about a third quicker). Kleene's AND and OR are associative and
/// commutative and a test has no effects, so only the time an answer takes changes. The
/// children keep their order: a static cost cannot know which child decides most often (a set
/// test over small sets fails as fast as an equality).
fn plan<T: Plan>(node: &Node<T>) -> Node<T> {
    let (cs, any) = match node {
        Node::Cond { .. } => return node.clone(),
        Node::Not(c) => return Node::Not(Box::new(plan(c))),
        Node::And(cs) => (cs, false),
        Node::Or(cs) => (cs, true),
    };
    let mut out: Vec<Node<T>> = Vec::with_capacity(cs.len());
    for c in cs.iter() {
        let n = plan(c);
        let same_kind = matches!((&n, any), (Node::And(_), false) | (Node::Or(_), true));
        match n {
            // A group of the same kind: its children join this one's.
            Node::And(gs) | Node::Or(gs) if same_kind => {
                gs.into_vec().into_iter().for_each(|g| join(&mut out, g, any))
            }
            n => join(&mut out, n, any),
        }
    }
    if any {
        Node::Or(out.into_boxed_slice())
    } else {
        Node::And(out.into_boxed_slice())
    }
}

/// Add a child to a group's children, into a condition of the same slot when one merges it.
fn join<T: Plan>(out: &mut Vec<Node<T>>, n: Node<T>, any: bool) {
    if let Node::Cond { slot, test } = &n {
        for m in out.iter_mut() {
            if let Node::Cond { slot: s, test: t } = m {
                if let Some(merged) = (s == slot).then(|| t.merge(test, any)).flatten() {
                    *t = merged;
                    return;
                }
            }
        }
    }
    out.push(n);
}

/// Compile `node` to lead to `k` (by its result: false, unknown, true); the entry to it.
fn compile<T: Clone>(node: &Node<T>, k: [Next; 3], steps: &mut Vec<Step<T>>) -> Option<Next> {
    let [f, u, t] = k;
    if f == u && u == t {
        // The result does not matter: nothing to evaluate.
        return Some(f);
    }
    match node {
        Node::Cond { slot, test } => {
            if steps.len() >= MAX_STEPS {
                return None;
            }
            steps.push(Step { slot: *slot, test: test.clone(), next: k });
            Some((steps.len() - 1) as Next)
        }
        Node::Not(child) => compile(child, [t, u, f], steps),
        Node::And(children) => group(children, k, Truth::False, steps),
        Node::Or(children) => group(children, k, Truth::True, steps),
    }
}

/// Compile an AND (`decisive` false) or an OR (`decisive` true): a child's decisive result
/// settles the group; its other definite result goes on to the next child; its unknown goes
/// on to the next child's "tainted" copy, whose last child leads to the group's unknown
/// rather than to the group's other definite result.
fn group<T: Clone>(
    children: &[Node<T>],
    k: [Next; 3],
    decisive: Truth,
    steps: &mut Vec<Step<T>>,
) -> Option<Next> {
    let (settle, go_on) = (decisive as usize, 2 - decisive as usize);
    // From the last child back: `clean` is where the rest of the group starts when every
    // child so far had the non-decisive definite result, `tainted` when one was unknown.
    let (mut clean, mut tainted) = (k[go_on], k[1]);
    for (i, c) in children.iter().enumerate().rev() {
        let mut to = [0; 3];
        to[settle] = k[settle];
        to[1] = tainted;
        to[go_on] = clean;
        let entry = compile(c, to, steps)?;
        if i > 0 {
            // The same continuations (an OR whose unknown and false both mean no match): one copy.
            tainted = if tainted == clean {
                entry
            } else {
                to[go_on] = tainted;
                compile(c, to, steps)?
            };
        }
        clean = entry;
    }
    Some(clean)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A test that reads a slot holding a truth value as that value.
    #[derive(Clone, Debug, PartialEq)]
    struct Id;

    impl Plan for Id {}

    impl Check<Truth> for Id {
        fn check(&self, slot: &Truth) -> Truth {
            *slot
        }
    }

    impl Program<Id> {
        /// The three-valued program, to compare with the tree's evaluation.
        fn evaluator(root: &Node<Id>) -> Option<Program<Id>> {
            Self::build(root, [NO, UNKNOWN, YES])
        }

        fn truth(&self, slots: &[Truth]) -> Truth {
            match self.run(slots) {
                YES => Truth::True,
                NO => Truth::False,
                _ => Truth::Unknown,
            }
        }
    }

    fn truth() -> impl Strategy<Value = Truth> {
        prop_oneof![Just(Truth::False), Just(Truth::Unknown), Just(Truth::True)]
    }

    /// Trees within the validation limits' shape (depth up to 5, groups up to 10, empty
    /// groups included), over 6 slots; slot 6 is missing from every entity.
    fn tree() -> impl Strategy<Value = Node<Id>> {
        let leaf = (0usize..7).prop_map(|slot| Node::Cond { slot, test: Id });
        leaf.prop_recursive(5, 64, 10, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..10)
                    .prop_map(|v| Node::And(v.into_boxed_slice())),
                prop::collection::vec(inner.clone(), 0..10)
                    .prop_map(|v| Node::Or(v.into_boxed_slice())),
                inner.prop_map(|n| Node::Not(Box::new(n))),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn programs_answer_as_the_tree(root in tree(), slots in prop::collection::vec(truth(), 6)) {
            let want = root.eval(&slots);
            if let Some(p) = Program::matcher(&root) {
                prop_assert_eq!(p.matches(&slots), want == Truth::True);
            }
            if let Some(p) = Program::evaluator(&root) {
                prop_assert_eq!(p.truth(&slots), want);
            }
        }
    }

    fn cond(slot: usize) -> Node<Id> {
        Node::Cond { slot, test: Id }
    }

    #[test]
    fn an_and_stops_at_its_first_unknown_when_only_a_match_matters() {
        // a AND b AND c: a's unknown can no longer lead to a match.
        let root = Node::And(vec![cond(0), cond(1), cond(2)].into_boxed_slice());
        let p = Program::matcher(&root).unwrap();
        assert_eq!(p.steps.len(), 3, "one copy of each condition: {p:?}");
        let entry = &p.steps[p.entry as usize];
        assert_eq!((entry.slot, entry.next[0], entry.next[1]), (0, NO, NO));
        // Under NOT, an unknown still leads nowhere but false and true swap.
        let p = Program::matcher(&Node::Not(Box::new(root.clone()))).unwrap();
        assert!(p.matches(&[Truth::True, Truth::False, Truth::Unknown]));
        assert!(!p.matches(&[Truth::True, Truth::Unknown, Truth::True]));
        assert!(!p.matches(&[Truth::True, Truth::True, Truth::True]));
    }

    #[test]
    fn text_equalities_of_one_slot_merge_into_one_test() {
        use crate::eval::compiled::Test;
        use crate::eval::entity::Slot;
        let cond = |slot, test| Node::Cond { slot, test };
        let eq = |slot, v: &str| cond(slot, Test::TextEq(v.into()));
        let neq = |slot, v: &str| cond(slot, Test::TextNeq(v.into()));
        // Nested ORs flatten first, so slot 0's three equalities are one `in`; slot 1 stays.
        let any = Node::Or(
            vec![eq(0, "b"), Node::Or(vec![eq(0, "a"), eq(1, "a")].into()), eq(0, "a")].into(),
        );
        let p = Program::matcher(&any).unwrap();
        assert_eq!(p.steps.len(), 2, "{p:?}");
        assert!(p.steps.iter().any(|s| s.slot == 0
            && s.test
                == Test::TextIn { values: vec!["a".into(), "b".into()].into(), negated: false }));
        let text = |s: &str| Slot::Text(s.into());
        assert!(p.matches(&[text("b"), Slot::Unknown]));
        assert!(p.matches(&[Slot::Number(1.0), text("a")]));
        assert!(!p.matches(&[text("c"), Slot::Bool(true)]));
        // Inequalities ANDed are one `nin`; an equality in an AND is left as it is.
        let all = Node::And(vec![neq(0, "x"), eq(1, "y"), neq(0, "z")].into());
        let p = Program::matcher(&all).unwrap();
        assert_eq!(p.steps.len(), 2, "{p:?}");
        assert!(p.steps.iter().any(|s| s.slot == 0
            && s.test
                == Test::TextIn { values: vec!["x".into(), "z".into()].into(), negated: true }));
        assert!(p.matches(&[text("w"), text("y")]));
        assert!(!p.matches(&[text("z"), text("y")]));
        assert!(!p.matches(&[Slot::Unknown, text("y")]));
    }

    #[test]
    fn groups_with_no_children_keep_their_identities() {
        assert!(Program::matcher(&Node::<Id>::And(Box::new([]))).unwrap().matches::<Truth>(&[]));
        assert!(!Program::matcher(&Node::<Id>::Or(Box::new([]))).unwrap().matches::<Truth>(&[]));
    }

    #[test]
    fn a_program_past_the_bound_is_refused() {
        // 10,000 conditions, more than the bound even compiled once each.
        let mut n = Node::And((0..10).map(cond).collect());
        for _ in 0..3 {
            n = Node::Or((0..10).map(|_| n.clone()).collect());
        }
        assert_eq!(Program::matcher(&n), None);
    }
}
