//! Entities of one type in a Tantivy index, for the types whose lists run on a search index
//! (SPEC 4.3: details, on `type`, `project_type` and `tags`), queried with
//! [`compile_search`](portcullis::pushdown::compile_search)'s queries.
//!
//! Each searchable attribute is a field of exact terms (a text's value, a list's each element,
//! untokenised and compared byte for byte). The field `present` holds the names of the
//! attributes an entity has with a value of their type, so that "definitely false" (present,
//! and not true) is exact: an attribute absent, null or of the wrong type is in neither.

use crate::Error;
use portcullis::pushdown::SearchQuery;
use portcullis::value::{format_uuid, parse_uuid};
use portcullis::{Entity, Schema, ValueType};
use serde_json::Value;
use tantivy::collector::DocSetCollector;
use tantivy::query::{AllQuery, BooleanQuery, EmptyQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema as IndexSchema, TantivyDocument, Value as _, STORED, STRING,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Term};

/// A search index of one entity type's entities.
pub struct SearchIndex {
    entity_type: String,
    writer: IndexWriter,
    reader: IndexReader,
    id: Field,
    workspace: Field,
    present: Field,
    /// The searchable attributes: name, field, value type.
    attributes: Vec<(String, Field, ValueType)>,
}

impl SearchIndex {
    /// A new index in memory for an entity type with a search capability.
    pub fn in_ram(schema: &Schema, entity_type: &str) -> Result<SearchIndex, Error> {
        let t = schema.entity_type(entity_type).filter(|t| t.search.is_some());
        let t = t.ok_or_else(|| Error::UnmappedEntityType(entity_type.into()))?;
        let mut b = IndexSchema::builder();
        let id = b.add_text_field("id", STRING | STORED);
        let workspace = b.add_text_field("workspace", STRING);
        let present = b.add_text_field("present", STRING);
        let attributes = t
            .attributes
            .iter()
            .filter(|a| t.searchable(&a.name, None))
            .map(|a| {
                (a.name.clone(), b.add_text_field(&format!("a_{}", a.name), STRING), a.value_type)
            })
            .collect();
        let index = Index::create_in_ram(b.build());
        let writer = index.writer(15_000_000)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(SearchIndex {
            entity_type: t.name.clone(),
            writer,
            reader,
            id,
            workspace,
            present,
            attributes,
        })
    }

    /// Add an entity, or replace the one with its id; visible after [`Self::commit`].
    pub fn insert(&mut self, e: &Entity) -> Result<(), Error> {
        if e.entity_type != self.entity_type {
            return Err(Error::UnmappedEntityType(e.entity_type.clone()));
        }
        let uuid =
            |s: &str| parse_uuid(s).map(format_uuid).ok_or_else(|| Error::NotAUuid(s.into()));
        let id = uuid(&e.id)?;
        let mut doc = TantivyDocument::new();
        doc.add_text(self.id, &id);
        doc.add_text(self.workspace, uuid(&e.workspace_id)?);
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
                doc.add_text(self.present, name);
                for term in terms {
                    doc.add_text(*field, term);
                }
            }
        }
        self.writer.delete_term(Term::from_field_text(self.id, &id));
        self.writer.add_document(doc)?;
        Ok(())
    }

    /// Remove every entity; visible after [`Self::commit`].
    pub fn clear(&mut self) -> Result<(), Error> {
        self.writer.delete_all_documents()?;
        Ok(())
    }

    /// Make the writes so far visible to queries.
    pub fn commit(&mut self) -> Result<(), Error> {
        self.writer.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// The ids (canonical) of the entities in a workspace that the query matches, in id order.
    pub fn ids(&self, workspace: &str, q: &SearchQuery) -> Result<Vec<String>, Error> {
        let ws = parse_uuid(workspace)
            .map(format_uuid)
            .ok_or_else(|| Error::NotAUuid(workspace.into()))?;
        let query = BooleanQuery::new(vec![
            (Occur::Must, self.term(self.workspace, &ws)),
            (Occur::Must, self.query(q)),
        ]);
        let searcher = self.reader.searcher();
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
