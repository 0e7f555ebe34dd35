//! One diagnostic type for every failure, native and wasm alike.
//!
//! A [`Diagnostic`] carries a stable [`Code`], a message a person can act on, an optional
//! `help`, a severity and a [`Location`]: a JSON path for the JSON form and record fields, a
//! byte [`Span`] (with line, column and UTF-16 offsets) for the text form.

use serde::Serialize;
use std::fmt;

/// Every stable code the engine reports. The string form (`as_str`) is the wire code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    // Language and validation (SPEC 2.4).
    /// The text form does not parse.
    SyntaxError,
    /// `AND` and `OR` mixed in one group without parentheses.
    MixedAndOr,
    /// A predicate of the wrong shape (the JSON form, or both or neither forms given).
    InvalidPredicate,
    /// A filter without a name.
    NameRequired,
    /// A filter name past the length limit.
    NameTooLong,
    /// A description past the length limit.
    DescriptionTooLong,
    /// An entity type the schema does not have.
    UnknownEntityType,
    /// An attribute the entity type does not have.
    UnknownAttribute,
    /// An attribute the entity type has but does not filter on.
    AttributeNotSupported,
    /// An operator the attribute's type does not take.
    OperatorNotAllowed,
    /// A value of the wrong type for the attribute or operator.
    InvalidValue,
    /// A value that is not a UUID.
    InvalidUuid,
    /// A value that is not a date or date-time.
    InvalidDate,
    /// A group with no conditions.
    EmptyGroup,
    /// More conditions than the limit.
    TooManyConditions,
    /// Nesting deeper than the limit.
    MaxDepthExceeded,
    /// An input past a size limit (a text, a name, an id).
    InputTooLarge,
    /// Warning: a detail filter the search index cannot run (SPEC 4.3).
    NotSearchable,
    /// Notice: a text value that is empty or blank, which the contract allows but which
    /// matches only entities holding exactly that text.
    EmptyTextValue,
    // Preview (SPEC 3).
    /// Preview asked for an entity type that cannot be previewed.
    PreviewNotSupported,
    /// Preview asked for a filter that does not validate.
    InvalidFilter,
    // Grants (SPEC 4.1).
    /// A workspace no firm has.
    UnknownWorkspace,
    /// A workspace that belongs to another firm, or a grant's workspace that is not its
    /// filter's.
    WorkspaceMismatch,
    /// A filter the store does not have.
    UnknownFilter,
    /// An action name that is not an action.
    InvalidAction,
    /// An action the entity type does not have.
    ActionNotAllowed,
    /// An archived filter, which cannot be granted or edited.
    FilterArchived,
    /// An allowed IP that is not an address or CIDR range.
    InvalidIpRange,
    /// A key with more grants than the limit.
    TooManyGrants,
    /// A key whose IP allow-list has more entries than the limit.
    TooManyIpRanges,
    // Store operations.
    /// A firm the store does not have.
    UnknownFirm,
    /// A change to a filter's entity type or workspace, which are fixed.
    FilterImmutable,
    /// A filter id that names a built-in system filter, which cannot be created or edited.
    SystemFilter,
    /// A schema document that is not a valid schema.
    InvalidSchema,
    // Entity writes (create, update).
    /// An attribute value that is not of the attribute's type.
    InvalidAttribute,
    /// An attribute the data service assigns, given by a write.
    ReadOnlyAttribute,
}

impl Code {
    /// The stable wire code, e.g. `"unknown_attribute"`.
    pub fn as_str(self) -> &'static str {
        use Code::*;
        match self {
            SyntaxError => "syntax_error",
            MixedAndOr => "mixed_and_or",
            InvalidPredicate => "invalid_predicate",
            NameRequired => "name_required",
            NameTooLong => "name_too_long",
            DescriptionTooLong => "description_too_long",
            UnknownEntityType => "unknown_entity_type",
            UnknownAttribute => "unknown_attribute",
            AttributeNotSupported => "attribute_not_supported",
            OperatorNotAllowed => "operator_not_allowed",
            InvalidValue => "invalid_value",
            InvalidUuid => "invalid_uuid",
            InvalidDate => "invalid_date",
            EmptyGroup => "empty_group",
            TooManyConditions => "too_many_conditions",
            MaxDepthExceeded => "max_depth_exceeded",
            InputTooLarge => "input_too_large",
            NotSearchable => "not_searchable",
            EmptyTextValue => "empty_text_value",
            PreviewNotSupported => "preview_not_supported",
            InvalidFilter => "invalid_filter",
            UnknownWorkspace => "unknown_workspace",
            WorkspaceMismatch => "workspace_mismatch",
            UnknownFilter => "unknown_filter",
            InvalidAction => "invalid_action",
            ActionNotAllowed => "action_not_allowed",
            FilterArchived => "filter_archived",
            InvalidIpRange => "invalid_ip_range",
            TooManyGrants => "too_many_grants",
            TooManyIpRanges => "too_many_ip_ranges",
            UnknownFirm => "unknown_firm",
            FilterImmutable => "filter_immutable",
            SystemFilter => "system_filter",
            InvalidSchema => "invalid_schema",
            InvalidAttribute => "invalid_attribute",
            ReadOnlyAttribute => "read_only_attribute",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Whether a diagnostic blocks saving.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Blocks saving.
    Error,
    /// Worth knowing; does not block saving.
    Warning,
    /// A likely slip in a valid filter, for the author's eyes: neither a warning of the contract
    /// nor a reason to refuse.
    Notice,
}

/// A region of the text form. Offsets are bytes into the UTF-8 text (end exclusive); `line`
/// and `column` are 1-based, the column counted in characters; the UTF-16 offsets are the
/// same region for JavaScript string indexing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// Byte past the last.
    pub end: usize,
    /// Line of the first byte, from 1.
    pub line: usize,
    /// Column of the first byte, in characters, from 1.
    pub column: usize,
    /// `start` in UTF-16 code units.
    pub utf16_start: usize,
    /// `end` in UTF-16 code units.
    pub utf16_end: usize,
}

impl Span {
    /// Resolve a byte range of `source` into a full span. Offsets past the end, or inside a
    /// character, are clamped to the nearest boundary so a span is always printable.
    ///
    /// This scans `source` up to the span; to locate many spans in one source, use a
    /// [`SpanIndex`].
    pub fn locate(source: &str, start: usize, end: usize) -> Span {
        let (start, end) = clamp_range(source, start, end);
        let before = &source[..start];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = source[line_start..start].chars().count() + 1;
        let utf16_start = before.encode_utf16().count();
        let utf16_end = utf16_start + source[start..end].encode_utf16().count();
        Span { start, end, line, column, utf16_start, utf16_end }
    }
}

fn clamp_range(source: &str, start: usize, end: usize) -> (usize, usize) {
    let clamp = |mut i: usize| {
        i = i.min(source.len());
        while !source.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    (clamp(start), clamp(end.max(start)))
}

/// Line, column and UTF-16 offset at a byte offset.
#[derive(Clone, Copy, Debug)]
struct Mark {
    byte: usize,
    line: usize,
    column: usize,
    utf16: usize,
}

impl Mark {
    fn advance(&mut self, c: char) {
        self.utf16 += c.len_utf16();
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
    }
}

/// Spans of one source, located many times: what [`Span::locate`] gives, at the cost of a
/// scan of at most [`SpanIndex::STRIDE`] bytes per span instead of a scan from the start.
/// Validation locates one diagnostic per failing condition, and a 64 KiB text holds thousands
/// of conditions: with `Span::locate` each, validation would be quadratic in the text.
#[derive(Clone, Debug)]
pub struct SpanIndex<'a> {
    source: &'a str,
    /// Every STRIDE bytes or so, at a char boundary, in order.
    marks: Vec<Mark>,
}

impl<'a> SpanIndex<'a> {
    /// Bytes between two marks, at most (plus one character).
    pub const STRIDE: usize = 256;

    /// One pass over `source`.
    pub fn new(source: &'a str) -> SpanIndex<'a> {
        let mut marks = Vec::with_capacity(source.len() / Self::STRIDE + 1);
        let mut m = Mark { byte: 0, line: 1, column: 1, utf16: 0 };
        marks.push(m);
        for (i, c) in source.char_indices() {
            if i >= m.byte + Self::STRIDE {
                m.byte = i;
                marks.push(m);
            }
            m.advance(c);
        }
        SpanIndex { source, marks }
    }

    /// The mark at a char boundary `i`.
    fn at(&self, i: usize) -> Mark {
        // INVARIANT: marks[0] is at byte 0, so at least one mark is at or before `i`.
        let k = self.marks.partition_point(|m| m.byte <= i) - 1;
        let mut m = self.marks[k];
        for c in self.source[m.byte..i].chars() {
            m.advance(c);
        }
        m.byte = i;
        m
    }

    /// [`Span::locate`] over the indexed source: the same span, clamped the same way.
    pub fn locate(&self, start: usize, end: usize) -> Span {
        let (start, end) = clamp_range(self.source, start, end);
        let (a, b) = (self.at(start), self.at(end));
        Span {
            start,
            end,
            line: a.line,
            column: a.column,
            utf16_start: a.utf16,
            utf16_end: b.utf16,
        }
    }
}

/// Where a problem is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Location {
    /// JSON path such as `$.predicate.and[2].value`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Span in the text form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
}

/// A problem found in an input: stable code, actionable message, optional help and location.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diagnostic {
    /// The stable code.
    pub code: Code,
    /// Whether it blocks saving.
    pub severity: Severity,
    /// What is wrong, for a person.
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// How to fix it, when there is a suggestion.
    pub help: Option<String>,
    /// Where the problem is, when it has a place. Boxed: most diagnostics travel in
    /// `Result`s, and the location is the bulk of one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Box<Location>>,
}

/// Bound a list of diagnostics: the first [`MAX_DIAGNOSTICS_PER_CODE`] of each code are kept
/// in order, and each code with more gets one diagnostic more, in the place of the first left
/// out, that counts the rest. Every distinct code stays reported (validation reports the set of
/// codes), while an answer no longer grows with the input.
///
/// [`MAX_DIAGNOSTICS_PER_CODE`]: crate::limits::MAX_DIAGNOSTICS_PER_CODE
///
/// ```
/// use portcullis::diagnostic::{bound, Code, Diagnostic};
/// let many = (0..50).map(|i| Diagnostic::error(Code::InvalidValue, format!("value {i}")));
/// let kept = bound(many.chain([Diagnostic::error(Code::EmptyGroup, "empty")]).collect());
/// assert_eq!(kept.len(), 22);
/// assert_eq!(kept[20].message, "30 more `invalid_value` problems like the ones above");
/// assert_eq!(kept[21].code, Code::EmptyGroup);
/// ```
pub fn bound(diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    use crate::limits::MAX_DIAGNOSTICS_PER_CODE as MAX;
    if diagnostics.len() <= MAX {
        return diagnostics;
    }
    // Indexed by the code's discriminant, so no map is needed; a code past the arrays (there
    // are fewer than 64) would share the last slot, which only counts more coarsely.
    const SLOTS: usize = 64;
    let slot = |c: Code| (c as usize).min(SLOTS - 1);
    let mut total = [0usize; SLOTS];
    for d in &diagnostics {
        total[slot(d.code)] += 1;
    }
    let mut seen = [0usize; SLOTS];
    let mut out = Vec::new();
    for d in diagnostics {
        let i = slot(d.code);
        seen[i] += 1;
        if seen[i] <= MAX {
            out.push(d);
        } else if seen[i] == MAX + 1 {
            let mut message = (total[i] - MAX).to_string();
            message.push_str(" more `");
            message.push_str(d.code.as_str());
            message.push_str("` problems like the ones above");
            out.push(Diagnostic { message, help: None, location: None, ..d });
        }
    }
    out
}

impl Diagnostic {
    /// An error with a message and no location yet.
    pub fn error(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            help: None,
            location: None,
        }
    }

    /// A warning with a message and no location yet.
    pub fn warning(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Warning,
            message: message.into(),
            help: None,
            location: None,
        }
    }

    /// A notice: a likely slip that the contract allows (see [`Severity::Notice`]).
    pub fn notice(code: Code, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Notice, ..Diagnostic::warning(code, message) }
    }

    /// Attach a hint.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Attach a JSON path (keeps a span if there is one).
    pub fn at_path(mut self, path: impl Into<String>) -> Self {
        self.location.get_or_insert_with(Box::default).path = Some(path.into());
        self
    }

    /// Attach a text span.
    pub fn at_span(mut self, span: Span) -> Self {
        self.location.get_or_insert_with(Box::default).span = Some(span);
        self
    }

    /// The span, when the problem is in the text form.
    pub fn span(&self) -> Option<Span> {
        self.location.as_ref().and_then(|l| l.span)
    }

    /// The JSON path, when the problem is located by path.
    pub fn path(&self) -> Option<&str> {
        self.location.as_ref().and_then(|l| l.path.as_deref())
    }

    /// Whether this diagnostic blocks saving.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Render for a terminal: `error[code]: message`, the source line with a caret under the
    /// span when `source` is the text the span points into, then the help.
    pub fn render(&self, source: Option<&str>) -> String {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Notice => "notice",
        };
        let mut out = format!("{sev}[{}]: {}\n", self.code, self.message);
        if let (Some(span), Some(src)) = (self.span(), source) {
            let line_text = src.lines().nth(span.line - 1).unwrap_or("");
            let gutter = span.line.to_string();
            let width = src[span.start..span.end].chars().take_while(|c| *c != '\n').count().max(1);
            out += &format!(
                "{:w$} --> line {}, column {}\n",
                "",
                span.line,
                span.column,
                w = gutter.len()
            );
            out += &format!("{gutter} | {line_text}\n");
            out += &format!(
                "{:w$} | {}{}\n",
                "",
                " ".repeat(span.column - 1),
                "^".repeat(width),
                w = gutter.len()
            );
        } else if let Some(path) = self.path() {
            out += &format!("  --> {path}\n");
        }
        if let Some(help) = &self.help {
            out += &format!("  = help: {help}\n");
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Diagnostic {}

/// Edit distance, for "did you mean" suggestions on unknown names.
pub(crate) fn suggest<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    fn distance(a: &str, b: &str) -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut prev = row[0];
            row[0] = i + 1;
            for (j, cb) in b.iter().enumerate() {
                let cur = row[j + 1];
                row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
                prev = cur;
            }
        }
        row[b.len()]
    }
    if name.chars().count() > 64 {
        return None;
    }
    candidates
        .iter()
        .map(|&c| (distance(name, c), c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn span_counts_lines_columns_and_utf16() {
        let src = "a\né x";
        let s = Span::locate(src, 5, 6); // the `x`
        assert_eq!((s.line, s.column), (2, 3));
        assert_eq!((s.utf16_start, s.utf16_end), (4, 5));
    }

    #[test]
    fn the_index_locates_as_locate_does() {
        let line = "name eq \"é😀\" AND\r\n\tx in [\"a\"]\n";
        let src = line.repeat(40);
        let idx = SpanIndex::new(&src);
        assert!(idx.marks.len() > 4);
        for start in 0..=src.len() + 2 {
            for end in [start, start + 1, start + 7, start + 300, src.len() + 5] {
                assert_eq!(
                    idx.locate(start, end),
                    Span::locate(&src, start, end),
                    "{start}..{end}"
                );
            }
        }
        assert_eq!(SpanIndex::new("").locate(0, 3), Span::locate("", 0, 3));
    }

    #[test]
    fn span_clamps_inside_a_character() {
        let s = Span::locate("é", 1, 99);
        assert_eq!((s.start, s.end), (0, 2));
    }

    #[test]
    fn suggestions_pick_the_nearest_name() {
        assert_eq!(suggest("project_typ", &["type", "project_type", "tags"]), Some("project_type"));
        assert_eq!(suggest("colour", &["type", "project_type", "tags"]), None);
    }

    #[test]
    fn render_puts_a_caret_under_the_span() {
        let src = "name eq";
        let d = Diagnostic::error(Code::SyntaxError, "expected a value")
            .at_span(Span::locate(src, 7, 7));
        let r = d.render(Some(src));
        assert!(r.contains("1 | name eq\n"), "{r}");
        assert!(r.contains("  |        ^\n"), "{r}");
    }
}
