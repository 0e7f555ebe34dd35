//! Entities of one type in a Tantivy index, for the types whose lists run on a search index
//! (SPEC 4.3: details, on `type`, `project_type` and `tags`), queried with
//! [`compile_search`](portcullis::pushdown::compile_search)'s queries.
//!
//! Each searchable attribute is a field of exact terms (a text's value, a list's each element,
//! untokenised and compared byte for byte). The field `present` holds the names of the
//! attributes an entity has with a value of their type, so that "definitely false" (present,
//! and not true) is exact: an attribute absent, null or of the wrong type is in neither.
//!
//! An index may also have a *text attribute*, for a data service's `q` parameter (a
//! case-insensitive substring): its text value, lowered with [`str::to_lowercase`], is one
//! more exact term, which a `contains` text (lowered the same way) is matched against as a
//! substring. The text attribute is chosen when the index is opened, and is part of the
//! index's schema (the field `lower_<attribute>`), so an index on disk built for another
//! attribute is never read as if it were built for this one.
//!
//! Pages are in ascending byte order of id, which for canonical (lower-case, hyphenated) UUIDs
//! is their numeric order: a page after a cursor is the `limit` smallest ids greater than it.
//!
//! ```
//! use portcullis::pushdown::compile_search;
//! use portcullis::{compile, Entity, Schema};
//! use portcullis_backends::search::SearchIndex;
//!
//! let schema = Schema::builtin();
//! let dir = std::env::temp_dir().join(format!("portcullis-doc-{}", std::process::id()));
//! let mut index = SearchIndex::open(&dir, &schema, "detail", Some("type")).unwrap();
//! let ws = "a1000000-0000-4000-8000-00000000000a";
//! for (i, t) in ["Steel beam", "concrete", "steel"].iter().enumerate() {
//!     let e: Entity = serde_json::from_value(serde_json::json!({
//!         "id": format!("e0000000-0000-4000-8000-00000000000{i}"), "workspace_id": ws,
//!         "entity_type": "detail", "attributes": {"type": t, "tags": ["a"]}})).unwrap();
//!     index.insert(&e).unwrap();
//! }
//! index.commit_stamped("db-1:3").unwrap();
//! let q = compile_search(&schema, &compile(&schema, "detail", r#"tags contains ["a"]"#).unwrap())
//!     .unwrap();
//! let first = index.page(ws, &q, Some("STEEL"), None, 1).unwrap();
//! assert_eq!(first, ["e0000000-0000-4000-8000-000000000000"]);
//! let next = index.page(ws, &q, Some("STEEL"), Some(&first[0]), 1).unwrap();
//! assert_eq!(next, ["e0000000-0000-4000-8000-000000000002"]);
//! assert_eq!(index.count(ws, &q, Some("steel"), 100).unwrap(), 2);
//! assert_eq!(index.stamp().unwrap().as_deref(), Some("db-1:3"));
//! drop(index);
//! std::fs::remove_dir_all(&dir).unwrap();
//! ```

use crate::Error;
use portcullis::pushdown::SearchQuery;
use portcullis::value::{format_uuid, parse_uuid};
use portcullis::{Entity, Schema, ValueType};
use serde_json::Value;
use std::collections::BinaryHeap;
use std::fmt::Write as _;
use std::io;
use std::ops::Bound;
use std::path::Path;
use std::sync::Mutex;
use tantivy::collector::{Collector, Count, DocSetCollector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::directory::MmapDirectory;
use tantivy::query::{
    AllQuery, BooleanQuery, EmptyQuery, EnableScoring, Occur, Query, RangeQuery, RegexQuery,
    TermQuery, TermSetQuery,
};
use tantivy::schema::{
    Field, IndexRecordOption, Schema as IndexSchema, TantivyDocument, Value as _, FAST, STORED,
    STRING,
};
use tantivy::tokenizer::MAX_TOKEN_LEN;
use tantivy::{
    DocId, DocSet, Index, IndexReader, IndexSettings, IndexWriter, ReloadPolicy, Score, Searcher,
    SegmentReader, TantivyError, Term, TERMINATED,
};

/// The writer's memory budget for an index on disk: a bulk load flushes a segment about every
/// this many bytes of indexed documents.
const DISK_WRITER_BUDGET: usize = 50_000_000;

/// At most this many indexing threads for an index on disk: the service shares its machine.
const DISK_WRITER_THREADS: usize = 2;

/// A search index of one entity type's entities.
pub struct SearchIndex {
    entity_type: String,
    index: Index,
    writer: IndexWriter,
    reader: IndexReader,
    id: Field,
    workspace: Field,
    /// The entity's key, `workspace/id`: an id is unique only within its workspace, so a
    /// replacement removes exactly the document of that workspace.
    key: Field,
    present: Field,
    /// The searchable attributes: name, field, value type.
    attributes: Vec<(String, Field, ValueType)>,
    /// The text attribute `contains` searches, and the field of its lowered value.
    text: Option<(String, Field)>,
    /// The last texts' compiled queries, newest last: walking a search's pages asks for the
    /// same text page after page, and compiling its automaton costs more than a page.
    regexes: Mutex<Vec<(String, RegexQuery)>>,
}

/// How many texts' compiled queries [`SearchIndex`] keeps.
const REGEX_CACHE: usize = 16;

/// The Tantivy schema of an index: the fields are found again by name in an index opened from
/// disk, once its schema is known to be this one.
struct Layout {
    entity_type: String,
    schema: IndexSchema,
    /// The searchable attributes: name, value type (their fields are `a_<name>`).
    attributes: Vec<(String, ValueType)>,
    text: Option<String>,
}

impl Layout {
    fn new(schema: &Schema, entity_type: &str, text: Option<&str>) -> Result<Layout, Error> {
        let t = schema.entity_type(entity_type).filter(|t| t.search.is_some());
        let t = t.ok_or_else(|| Error::UnmappedEntityType(entity_type.into()))?;
        if let Some(name) = text {
            if t.attribute(name).is_none_or(|a| a.value_type != ValueType::Text) {
                return Err(Error::Search(TantivyError::InvalidArgument(format!(
                    "`{name}` is not a text attribute of `{}`",
                    t.name
                ))));
            }
        }
        let mut b = IndexSchema::builder();
        // Fast, so that a page's ids are ordered by the column's term ordinals.
        b.add_text_field("id", STRING | STORED | FAST);
        b.add_text_field("workspace", STRING);
        b.add_text_field("key", STRING);
        b.add_text_field("present", STRING);
        let attributes: Vec<(String, ValueType)> = t
            .attributes
            .iter()
            .filter(|a| t.searchable(&a.name, None))
            .map(|a| (a.name.clone(), a.value_type))
            .collect();
        for (name, _) in &attributes {
            b.add_text_field(&format!("a_{name}"), STRING);
        }
        if let Some(name) = text {
            b.add_text_field(&format!("lower_{name}"), STRING);
        }
        Ok(Layout {
            entity_type: t.name.clone(),
            schema: b.build(),
            attributes,
            text: text.map(str::to_string),
        })
    }

    fn open(self, index: Index, writer: IndexWriter) -> Result<SearchIndex, Error> {
        let schema = index.schema();
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let attributes = self
            .attributes
            .into_iter()
            .map(|(name, value_type)| {
                let field = schema.get_field(&format!("a_{name}"))?;
                Ok((name, field, value_type))
            })
            .collect::<Result<_, TantivyError>>()?;
        let text = match self.text {
            Some(name) => {
                let field = schema.get_field(&format!("lower_{name}"))?;
                Some((name, field))
            }
            None => None,
        };
        Ok(SearchIndex {
            entity_type: self.entity_type,
            id: schema.get_field("id")?,
            workspace: schema.get_field("workspace")?,
            key: schema.get_field("key")?,
            present: schema.get_field("present")?,
            index,
            writer,
            reader,
            attributes,
            text,
            regexes: Mutex::new(Vec::new()),
        })
    }
}

/// A UUID in its canonical form, the form the index holds.
fn canonical(s: &str) -> Result<String, Error> {
    parse_uuid(s).map(format_uuid).ok_or_else(|| Error::NotAUuid(s.into()))
}

/// A regular expression matching exactly the texts that contain `needle`: every character
/// but an ASCII letter or digit is written as its code point, so none is an operator, and
/// `(?s)` lets the wildcards span line breaks.
fn substring_pattern(needle: &str) -> String {
    let mut pattern = String::with_capacity(needle.len() + 8);
    pattern.push_str("(?s).*");
    for c in needle.chars() {
        if c.is_ascii_alphanumeric() {
            pattern.push(c);
        } else {
            // Writing to a String cannot fail.
            let _ = write!(pattern, "\\x{{{:x}}}", c as u32);
        }
    }
    pattern.push_str(".*");
    pattern
}

/// The documents whose term in `field` (of the searcher's segments) contains `needle`.
fn terms_containing(
    searcher: &Searcher,
    field: Field,
    needle: &str,
) -> Result<Box<dyn Query>, Error> {
    let mut terms = Vec::new();
    for segment in searcher.segment_readers() {
        let index = segment.inverted_index(field)?;
        let mut stream = index.terms().stream().map_err(TantivyError::from)?;
        while stream.advance() {
            // Every term of the field was written from a `str`, so none is skipped.
            let Ok(text) = std::str::from_utf8(stream.key()) else { continue };
            if text.contains(needle) {
                terms.push(Term::from_field_text(field, text));
            }
        }
    }
    Ok(if terms.is_empty() { Box::new(EmptyQuery) } else { Box::new(TermSetQuery::new(terms)) })
}

impl SearchIndex {
    /// A new index in memory for an entity type with a search capability, without a text
    /// attribute (a `contains` text is refused).
    pub fn in_ram(schema: &Schema, entity_type: &str) -> Result<SearchIndex, Error> {
        let layout = Layout::new(schema, entity_type, None)?;
        let index = Index::create_in_ram(layout.schema.clone());
        let writer = index.writer(15_000_000)?;
        layout.open(index, writer)
    }

    /// A new index in memory for an entity type with a search capability, whose text
    /// attribute `text_attribute` (an attribute of type text) is what a `contains` text is
    /// searched in.
    pub fn in_ram_with_text(
        schema: &Schema,
        entity_type: &str,
        text_attribute: &str,
    ) -> Result<SearchIndex, Error> {
        let layout = Layout::new(schema, entity_type, Some(text_attribute))?;
        let index = Index::create_in_ram(layout.schema.clone());
        let writer = index.writer(15_000_000)?;
        layout.open(index, writer)
    }

    /// The index in directory `dir` of an entity type with a search capability, created (the
    /// directory too) when there is none. `text_attribute`, an attribute of type text, is
    /// what a `contains` text is searched in; `None` refuses `contains`.
    ///
    /// An index there whose Tantivy schema is not this one (another schema's attributes,
    /// another text attribute, an older layout) is erased and an empty one created in its
    /// place, with no [`stamp`](Self::stamp): the caller rebuilds it from its database.
    /// Fails when another writer holds the index, or when the index there cannot be read.
    pub fn open(
        dir: &Path,
        schema: &Schema,
        entity_type: &str,
        text_attribute: Option<&str>,
    ) -> Result<SearchIndex, Error> {
        let layout = Layout::new(schema, entity_type, text_attribute)?;
        std::fs::create_dir_all(dir).map_err(TantivyError::from)?;
        let directory = MmapDirectory::open(dir).map_err(TantivyError::from)?;
        let existing = if Index::exists(&directory).map_err(TantivyError::from)? {
            Some(Index::open(directory.clone())?)
        } else {
            None
        };
        let index = match existing {
            Some(index) if index.schema() == layout.schema => index,
            Some(other) => {
                // Taking the old index's writer lock first, so that an index another process
                // is writing is never erased under it.
                drop(other.writer_with_num_threads::<TantivyDocument>(1, 15_000_000)?);
                Index::create(directory, layout.schema.clone(), IndexSettings::default())?
            }
            None => Index::create(directory, layout.schema.clone(), IndexSettings::default())?,
        };
        let writer = index.writer_with_num_threads(DISK_WRITER_THREADS, DISK_WRITER_BUDGET)?;
        layout.open(index, writer)
    }

    /// Add an entity, or replace the one with its id; visible after [`Self::commit`].
    ///
    /// A text too long to be a Tantivy term (more than
    /// [`MAX_TOKEN_LEN`] bytes, or its lowered form for the
    /// text attribute) is refused with [`Error::Unstorable`] naming its attribute: Tantivy
    /// would drop the term and answer queries on it wrongly.
    pub fn insert(&mut self, e: &Entity) -> Result<(), Error> {
        let (key, doc) = self.document(e)?;
        self.writer.delete_term(Term::from_field_text(self.key, &key));
        self.writer.add_document(doc)?;
        Ok(())
    }

    /// [`Self::insert`] for an entity whose id the index does not hold (a rebuild after
    /// [`Self::clear`]): no deletion is queued for it, so a bulk load's memory stays flat.
    pub fn insert_new(&mut self, e: &Entity) -> Result<(), Error> {
        let (_, doc) = self.document(e)?;
        self.writer.add_document(doc)?;
        Ok(())
    }

    /// Whether [`Self::insert`] would take the entity: the same refusals, nothing written (a
    /// service asks before it writes its database, so that the index can always follow).
    pub fn check(&self, e: &Entity) -> Result<(), Error> {
        self.document(e).map(|_| ())
    }

    /// The entity's key (`workspace/id`, canonical) and its document.
    fn document(&self, e: &Entity) -> Result<(String, TantivyDocument), Error> {
        if e.entity_type != self.entity_type {
            return Err(Error::UnmappedEntityType(e.entity_type.clone()));
        }
        let id = canonical(&e.id)?;
        let workspace = canonical(&e.workspace_id)?;
        let key = format!("{workspace}/{id}");
        let mut doc = TantivyDocument::new();
        doc.add_text(self.id, &id);
        doc.add_text(self.workspace, &workspace);
        doc.add_text(self.key, &key);
        for (name, field, value_type) in &self.attributes {
            let terms: Option<Vec<&str>> = match (value_type, e.attributes.get(name)) {
                (ValueType::Text, Some(Value::String(s))) => Some(vec![s]),
                (ValueType::List, Some(Value::Array(items))) => {
                    items.iter().map(Value::as_str).collect()
                }
                _ => None,
            };
            // A value of the wrong type is absent: unknown to every condition.
            if let Some(terms) = terms {
                if terms.iter().any(|t| t.len() > MAX_TOKEN_LEN) {
                    return Err(Error::Unstorable(name.clone()));
                }
                doc.add_text(self.present, name);
                for term in terms {
                    doc.add_text(*field, term);
                }
            }
        }
        if let Some((name, field)) = &self.text {
            if let Some(Value::String(s)) = e.attributes.get(name) {
                let lowered = s.to_lowercase();
                if lowered.len() > MAX_TOKEN_LEN {
                    return Err(Error::Unstorable(name.clone()));
                }
                doc.add_text(*field, lowered);
            }
        }
        Ok((key, doc))
    }

    /// [`Self::insert`] each entity, for a bulk load; visible after [`Self::commit`]. Stops
    /// at the first entity refused, the ones before it added.
    pub fn insert_many<'a>(
        &mut self,
        entities: impl IntoIterator<Item = &'a Entity>,
    ) -> Result<(), Error> {
        entities.into_iter().try_for_each(|e| self.insert(e))
    }

    /// Remove the entity with this id, if there is one; visible after [`Self::commit`].
    pub fn delete(&mut self, workspace: &str, id: &str) -> Result<(), Error> {
        let key = format!("{}/{}", canonical(workspace)?, canonical(id)?);
        self.writer.delete_term(Term::from_field_text(self.key, &key));
        Ok(())
    }

    /// Remove every entity; visible after [`Self::commit`].
    pub fn clear(&mut self) -> Result<(), Error> {
        self.writer.delete_all_documents()?;
        Ok(())
    }

    /// Make the writes so far visible to queries. The commit has no stamp: after it,
    /// [`Self::stamp`] is `None`.
    pub fn commit(&mut self) -> Result<(), Error> {
        self.writer.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// Make the writes so far visible to queries, and durable with `stamp`, which
    /// [`Self::stamp`] returns until the next commit (a data service's "database id:change
    /// sequence", to tell whether the index is behind its database).
    pub fn commit_stamped(&mut self, stamp: &str) -> Result<(), Error> {
        let mut prepared = self.writer.prepare_commit()?;
        prepared.set_payload(stamp);
        prepared.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// The stamp of the last commit ([`Self::commit_stamped`]), `None` for a new index or
    /// after a [`Self::commit`].
    pub fn stamp(&self) -> Result<Option<String>, Error> {
        Ok(self.index.load_metas()?.payload)
    }

    /// The number of entities, of the workspace `workspace` or of all, as of the last commit.
    pub fn len(&self, workspace: Option<&str>) -> Result<u64, Error> {
        let searcher = self.reader.searcher();
        match workspace {
            None => Ok(searcher.num_docs()),
            Some(ws) => {
                let n = searcher.search(&*self.term(self.workspace, &canonical(ws)?), &Count)?;
                Ok(n as u64)
            }
        }
    }

    /// The ids (canonical) of the entities in a workspace that the query matches, in id order.
    pub fn ids(&self, workspace: &str, q: &SearchQuery) -> Result<Vec<String>, Error> {
        let searcher = self.reader.searcher();
        let query = self.filtered(&searcher, workspace, q, None, None)?;
        let mut ids = Vec::new();
        for address in searcher.search(&query, &DocSetCollector)? {
            let doc: TantivyDocument = searcher.doc(address)?;
            if let Some(id) = doc.get_first(self.id).and_then(|v| v.as_str()) {
                ids.push(id.to_string());
            }
        }
        ids.sort();
        Ok(ids)
    }

    /// A page of the ids (canonical) of the entities in a workspace that the query matches and
    /// whose text attribute contains `contains` (case-insensitively, see the module's
    /// documentation) when given: the at most `limit` smallest greater than the cursor `after`
    /// (any UUID, in any case; not necessarily an id the index holds), in ascending order.
    ///
    /// Ordering costs O(matches · log `limit`) and holds at most `limit` ordinals per segment,
    /// beside Tantivy's own search: the cursor's range scans the segments' id columns, and a
    /// text search walks the dictionary of the text attribute's lowered values.
    pub fn page(
        &self,
        workspace: &str,
        q: &SearchQuery,
        contains: Option<&str>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, Error> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let searcher = self.reader.searcher();
        // First walk the ids in order, asking the query about each: a page costs what its
        // matches are spread over, not what matches in all. When they are sparse, the walk
        // stops after its budget and the collector orders the rest.
        let query = self.filtered(&searcher, workspace, q, contains, None)?;
        let budget = (limit.saturating_mul(WALK_PER_ID)).max(WALK_MIN);
        let cursor = after.map(canonical).transpose()?;
        if let Some(page) = walk_ids(&searcher, self.id, &query, cursor.as_deref(), limit, budget)?
        {
            return Ok(page);
        }
        let query = self.filtered(&searcher, workspace, q, contains, after)?;
        Ok(searcher.search(&query, &SmallestIds { field: "id", limit })?)
    }

    /// How many entities of a workspace the query matches, with `contains` as in
    /// [`Self::page`]: the number, or `cap` if it is more. It stops counting at the cap, so a
    /// broad query costs no more than one that matches `cap`.
    pub fn count(
        &self,
        workspace: &str,
        q: &SearchQuery,
        contains: Option<&str>,
        cap: usize,
    ) -> Result<usize, Error> {
        let searcher = self.reader.searcher();
        let query = self.filtered(&searcher, workspace, q, contains, None)?;
        let weight = query.weight(EnableScoring::disabled_from_searcher(&searcher))?;
        let mut n = 0;
        for segment in searcher.segment_readers() {
            let alive = segment.alive_bitset();
            let mut scorer = weight.scorer(segment, 1.0)?;
            let mut doc = scorer.doc();
            while doc != TERMINATED {
                if n >= cap {
                    return Ok(cap);
                }
                if alive.is_none_or(|a| a.is_alive(doc)) {
                    n += 1;
                }
                doc = scorer.advance();
            }
        }
        Ok(n)
    }

    /// Whether the query matches any entity of a workspace; stops at the first.
    pub fn exists(&self, workspace: &str, q: &SearchQuery) -> Result<bool, Error> {
        Ok(self.count(workspace, q, None, 1)? > 0)
    }

    /// The query, restricted to a workspace, to the entities whose text attribute contains
    /// `contains`, and to the ids greater than `after`.
    fn filtered(
        &self,
        searcher: &Searcher,
        workspace: &str,
        q: &SearchQuery,
        contains: Option<&str>,
        after: Option<&str>,
    ) -> Result<BooleanQuery, Error> {
        let mut parts = vec![
            (Occur::Must, self.term(self.workspace, &canonical(workspace)?)),
            (Occur::Must, self.query(q)),
        ];
        if let Some(needle) = contains {
            let Some((_, field)) = &self.text else {
                return Err(Error::Search(TantivyError::InvalidArgument(format!(
                    "this `{}` index has no text attribute to search",
                    self.entity_type
                ))));
            };
            let needle = needle.to_lowercase();
            let query: Box<dyn Query> = if needle.len() > MAX_TOKEN_LEN {
                // No term is longer: such a text is in no value.
                Box::new(EmptyQuery)
            } else {
                match self.regex(*field, &needle) {
                    Some(query) => Box::new(query),
                    // Too long for an automaton: the terms that contain it are found by
                    // reading the field's dictionary.
                    None => terms_containing(searcher, *field, &needle)?,
                }
            };
            parts.push((Occur::Must, query));
        }
        if let Some(after) = after {
            let after = Term::from_field_text(self.id, &canonical(after)?);
            parts.push((
                Occur::Must,
                Box::new(RangeQuery::new(Bound::Excluded(after), Bound::Unbounded)),
            ));
        }
        Ok(BooleanQuery::new(parts))
    }

    /// The query of the terms of `field` that contain `needle`, or `None` when the text is too
    /// long for the regex automaton's size limits (a few hundred characters): the pattern has
    /// no syntax of its own, so nothing else fails.
    fn regex(&self, field: Field, needle: &str) -> Option<RegexQuery> {
        // A poisoned cache only lost an entry being moved: its entries are all whole.
        let mut cache = self.regexes.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = cache.iter().position(|(n, _)| n == needle) {
            let hit = cache.remove(i);
            let query = hit.1.clone();
            cache.push(hit);
            return Some(query);
        }
        let query = RegexQuery::from_pattern(&substring_pattern(needle), field).ok()?;
        if cache.len() == REGEX_CACHE {
            cache.remove(0);
        }
        cache.push((needle.to_string(), query.clone()));
        Some(query)
    }

    fn term(&self, field: Field, value: &str) -> Box<dyn Query> {
        Box::new(TermQuery::new(Term::from_field_text(field, value), IndexRecordOption::Basic))
    }

    fn query(&self, q: &SearchQuery) -> Box<dyn Query> {
        let field =
            |name: &str| self.attributes.iter().find(|(n, ..)| n == name).map(|(_, f, _)| *f);
        match q {
            // A field the index does not have holds no term: nothing matches.
            SearchQuery::Term { field: name, value } => match field(name) {
                Some(f) => self.term(f, value),
                None => Box::new(EmptyQuery),
            },
            SearchQuery::Present { field: name } => self.term(self.present, name),
            SearchQuery::All => Box::new(AllQuery),
            SearchQuery::And(qs) if qs.is_empty() => Box::new(AllQuery),
            SearchQuery::Or(qs) if qs.is_empty() => Box::new(EmptyQuery),
            SearchQuery::And(qs) => Box::new(BooleanQuery::new(
                qs.iter().map(|q| (Occur::Must, self.query(q))).collect(),
            )),
            SearchQuery::Or(qs) => Box::new(BooleanQuery::new(
                qs.iter().map(|q| (Occur::Should, self.query(q))).collect(),
            )),
            SearchQuery::AndNot { include, exclude } => Box::new(BooleanQuery::new(vec![
                (Occur::Must, self.query(include)),
                (Occur::MustNot, self.query(exclude)),
            ])),
        }
    }
}

/// A walk of the ids in order asks the query about at least this many ids per id of the page
/// (or [`WALK_MIN`]) before it leaves the rest to [`SmallestIds`]: matches rarer than one in
/// this many are cheaper to collect than to walk to.
const WALK_PER_ID: usize = 16;
const WALK_MIN: usize = 256;

/// Up to `limit` ids greater than `after`, in order, of the live documents `query` matches,
/// found by walking the segments' id dictionaries together in order and asking the query
/// about a batch of ids at a time (per segment, their documents in ascending order, so that
/// one scorer seeks through them). Gives up (`None`) after `budget` ids, or sooner when the
/// matches so far say the page would need more: such sparse matches are cheaper to collect.
fn walk_ids(
    searcher: &Searcher,
    id_field: Field,
    query: &dyn Query,
    after: Option<&str>,
    limit: usize,
    budget: usize,
) -> Result<Option<Vec<String>>, Error> {
    use std::cmp::Reverse;
    let weight = query.weight(EnableScoring::disabled_from_searcher(searcher))?;
    let segments = searcher.segment_readers();
    let inverted: Vec<_> =
        segments.iter().map(|s| s.inverted_index(id_field)).collect::<tantivy::Result<_>>()?;
    let mut streams = Vec::with_capacity(inverted.len());
    for inv in &inverted {
        let range = inv.terms().range();
        let range = match after {
            Some(a) => range.gt(a.as_bytes()),
            None => range,
        };
        streams.push(range.into_stream().map_err(TantivyError::from)?);
    }
    // The next id of each segment, smallest first.
    let mut next: BinaryHeap<Reverse<(Vec<u8>, usize)>> = BinaryHeap::new();
    for (i, st) in streams.iter_mut().enumerate() {
        if st.advance() {
            next.push(Reverse((st.key().to_vec(), i)));
        }
    }
    let mut found: Vec<String> = Vec::new();
    let mut walked = 0;
    let mut batch_size = limit.saturating_mul(4).clamp(WALK_MIN, 4096);
    while found.len() < limit {
        // A batch of (id, segment, document), in id order.
        let mut batch: Vec<(Vec<u8>, usize, DocId)> = Vec::with_capacity(batch_size);
        while batch.len() < batch_size {
            let Some(Reverse((key, i))) = next.pop() else { break };
            let info = streams[i].value().clone();
            let mut postings = inverted[i]
                .read_postings_from_terminfo(&info, IndexRecordOption::Basic)
                .map_err(TantivyError::from)?;
            let alive = segments[i].alive_bitset();
            while postings.doc() != TERMINATED {
                let doc = postings.doc();
                if alive.is_none_or(|a| a.is_alive(doc)) {
                    batch.push((key.clone(), i, doc));
                }
                postings.advance();
            }
            if streams[i].advance() {
                next.push(Reverse((streams[i].key().to_vec(), i)));
            }
        }
        if batch.is_empty() {
            return Ok(Some(found));
        }
        // Which of the batch the query matches, segment by segment, documents ascending.
        let mut matched = vec![false; batch.len()];
        let mut order: Vec<usize> = (0..batch.len()).collect();
        order.sort_unstable_by_key(|&k| (batch[k].1, batch[k].2));
        let mut k = 0;
        while k < order.len() {
            let seg = batch[order[k]].1;
            let mut scorer = weight.scorer(&segments[seg], 1.0)?;
            while k < order.len() && batch[order[k]].1 == seg {
                let doc = batch[order[k]].2;
                let at = if scorer.doc() >= doc { scorer.doc() } else { scorer.seek(doc) };
                matched[order[k]] = at == doc;
                k += 1;
            }
        }
        for (j, (key, ..)) in batch.into_iter().enumerate() {
            // An id held by two live documents (never written so) is listed once.
            if matched[j] && found.last().is_none_or(|f| f.as_bytes() != key.as_slice()) {
                found.push(
                    String::from_utf8(key)
                        .map_err(|_| TantivyError::InvalidArgument("an id is not UTF-8".into()))?,
                );
                if found.len() == limit {
                    return Ok(Some(found));
                }
            }
        }
        walked += batch_size;
        // The matches so far foretell how far the page's last one is: past the budget, the
        // collector is cheaper, and is left the rest at once.
        let foretold = walked.saturating_mul(limit) / found.len().max(1);
        if walked >= budget || foretold > budget {
            return Ok(None);
        }
        batch_size = (batch_size * 2).min(4096);
    }
    Ok(Some(found))
}

/// The `limit` smallest values of a fast string field among the documents matched, ascending.
///
/// A segment's column numbers its distinct values in byte order (term ordinals), so each
/// segment keeps the `limit` smallest ordinals in a max-heap and reads their texts once at
/// the end; the segments' texts are then merged.
struct SmallestIds {
    field: &'static str,
    limit: usize,
}

struct SegmentSmallestIds {
    column: Option<StrColumn>,
    /// The `limit` smallest ordinals so far, the largest on top.
    heap: BinaryHeap<u64>,
    limit: usize,
    /// A matched document without a value: the answer would silently lack it.
    missing: bool,
}

impl Collector for SmallestIds {
    type Fruit = Vec<String>;
    type Child = SegmentSmallestIds;

    fn for_segment(&self, _: u32, segment: &SegmentReader) -> tantivy::Result<SegmentSmallestIds> {
        Ok(SegmentSmallestIds {
            column: segment.fast_fields().str(self.field)?,
            // Bounded, so that a huge limit reserves nothing up front.
            heap: BinaryHeap::with_capacity(self.limit.min(1024) + 1),
            limit: self.limit,
            missing: false,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<io::Result<Vec<String>>>) -> tantivy::Result<Vec<String>> {
        let mut ids = Vec::new();
        for fruit in fruits {
            ids.extend(fruit?);
        }
        ids.sort_unstable();
        ids.truncate(self.limit);
        Ok(ids)
    }
}

impl SegmentCollector for SegmentSmallestIds {
    type Fruit = io::Result<Vec<String>>;

    fn collect(&mut self, doc: DocId, _: Score) {
        let Some(ord) = self.column.as_ref().and_then(|c| c.ords().first(doc)) else {
            self.missing = true;
            return;
        };
        if self.heap.len() < self.limit {
            self.heap.push(ord);
        } else if let Some(mut largest) = self.heap.peek_mut() {
            if ord < *largest {
                *largest = ord;
            }
        }
    }

    fn harvest(self) -> io::Result<Vec<String>> {
        let broken = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_string());
        if self.missing {
            return Err(broken("a document of the index has no id"));
        }
        let Some(column) = self.column else { return Ok(Vec::new()) };
        let ords = self.heap.into_sorted_vec();
        let mut ids = Vec::with_capacity(ords.len());
        let complete = column.dictionary().sorted_ords_to_term_cb(ords.into_iter(), |bytes| {
            let id = std::str::from_utf8(bytes).map_err(|_| broken("an id is not UTF-8"))?;
            ids.push(id.to_string());
            Ok(())
        })?;
        if !complete {
            return Err(broken("an id's ordinal is not in its column's dictionary"));
        }
        Ok(ids)
    }
}
