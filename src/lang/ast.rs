//! The predicate tree, shared by the JSON form and the text form.
//!
//! Nodes parsed from text carry their byte ranges ([`TextRange`]); equality ignores them, so a
//! tree parsed from text equals the same tree read from JSON.

use serde_json::Value;

/// A byte range of the text form, end exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct TextRange {
    /// First byte.
    pub start: usize,
    /// Byte past the last.
    pub end: usize,
}

impl TextRange {
    /// The range from `start` to `end` (exclusive).
    pub fn new(start: usize, end: usize) -> Self {
        TextRange { start, end }
    }

    /// The smallest range covering both.
    pub fn cover(self, other: TextRange) -> Self {
        TextRange { start: self.start.min(other.start), end: self.end.max(other.end) }
    }
}

/// Where a condition's parts are in the text form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ConditionRanges {
    /// The attribute name.
    pub attr: TextRange,
    /// The operator.
    pub op: TextRange,
    /// The value literal.
    pub value: TextRange,
}

/// `ATTR OP VALUE`. The attribute and operator are kept as written: whether they exist and fit
/// is validation's business, not the parser's.
#[derive(Clone, Debug)]
pub struct Condition {
    /// The attribute name, as written.
    pub attr: String,
    /// The operator, as written.
    pub op: String,
    /// A JSON literal. Any JSON value can arrive through the JSON form; validation decides
    /// whether it fits.
    pub value: Value,
    /// Where the parts are, for a condition parsed from text.
    pub ranges: Option<ConditionRanges>,
}

impl PartialEq for Condition {
    fn eq(&self, o: &Self) -> bool {
        self.attr == o.attr && self.op == o.op && self.value == o.value
    }
}

/// Which way a group combines its children.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupKind {
    /// All children must hold.
    And,
    /// Any child must hold.
    Or,
}

impl GroupKind {
    /// The JSON key and, uppercased, the text keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupKind::And => "and",
            GroupKind::Or => "or",
        }
    }
}

/// A node of the predicate tree.
#[derive(Clone, Debug)]
pub enum Predicate {
    /// One `ATTR OP VALUE` test.
    Condition(Condition),
    /// Children combined by AND or OR.
    Group {
        /// AND or OR.
        kind: GroupKind,
        /// The children, in order.
        children: Vec<Predicate>,
        /// Where the group is, for one parsed from text.
        range: Option<TextRange>,
    },
    /// The negation of its child.
    Not {
        /// The negated node.
        child: Box<Predicate>,
        /// Where the NOT is, for one parsed from text.
        range: Option<TextRange>,
    },
}

impl PartialEq for Predicate {
    fn eq(&self, o: &Self) -> bool {
        match (self, o) {
            (Predicate::Condition(a), Predicate::Condition(b)) => a == b,
            (
                Predicate::Group { kind: k1, children: c1, .. },
                Predicate::Group { kind: k2, children: c2, .. },
            ) => k1 == k2 && c1 == c2,
            (Predicate::Not { child: a, .. }, Predicate::Not { child: b, .. }) => a == b,
            _ => false,
        }
    }
}

impl Predicate {
    /// A condition node.
    ///
    /// ```
    /// use portcullis::Predicate;
    /// let p = Predicate::condition("type", "eq", "concrete".into());
    /// assert_eq!(p.to_string(), r#"type eq "concrete""#);
    /// ```
    pub fn condition(attr: impl Into<String>, op: impl Into<String>, value: Value) -> Predicate {
        Predicate::Condition(Condition { attr: attr.into(), op: op.into(), value, ranges: None })
    }

    /// An `and` group.
    pub fn and(children: Vec<Predicate>) -> Predicate {
        Predicate::Group { kind: GroupKind::And, children, range: None }
    }

    /// An `or` group.
    pub fn or(children: Vec<Predicate>) -> Predicate {
        Predicate::Group { kind: GroupKind::Or, children, range: None }
    }

    /// A negation.
    #[allow(clippy::should_implement_trait)]
    pub fn not(child: Predicate) -> Predicate {
        Predicate::Not { child: Box::new(child), range: None }
    }

    /// The node's range in the text it was parsed from.
    pub fn range(&self) -> Option<TextRange> {
        match self {
            Predicate::Condition(c) => c.ranges.map(|r| r.attr.cover(r.value)),
            Predicate::Group { range, .. } | Predicate::Not { range, .. } => *range,
        }
    }

    /// depth(condition) = 0; depth(group or not) = 1 + deepest child (SPEC 2.4).
    pub fn depth(&self) -> usize {
        // The parser and the JSON reader bound nesting, so this recursion is bounded too.
        match self {
            Predicate::Condition(_) => 0,
            Predicate::Group { children, .. } => {
                1 + children.iter().map(Predicate::depth).max().unwrap_or(0)
            }
            Predicate::Not { child, .. } => 1 + child.depth(),
        }
    }

    /// Every condition, in document order.
    pub fn conditions(&self) -> Vec<&Condition> {
        let mut out = Vec::new();
        fn walk<'a>(p: &'a Predicate, out: &mut Vec<&'a Condition>) {
            match p {
                Predicate::Condition(c) => out.push(c),
                Predicate::Group { children, .. } => children.iter().for_each(|c| walk(c, out)),
                Predicate::Not { child, .. } => walk(child, out),
            }
        }
        walk(self, &mut out);
        out
    }

    /// Whether the tree has a NOT anywhere (the builder opens such filters read-only).
    pub fn has_not(&self) -> bool {
        match self {
            Predicate::Condition(_) => false,
            Predicate::Group { children, .. } => children.iter().any(Predicate::has_not),
            Predicate::Not { .. } => true,
        }
    }
}
