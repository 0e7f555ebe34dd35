//! Rows: entities ready for decisions, the data a decision is given, and where a request is
//! (its workspace and entity type), which a row must be to count as the entity the request
//! names or lists. That placement rule lives here and only here.

use super::model::{Operation, Request};
use crate::eval::read::read_entity;
use crate::eval::{Entity, PreparedEntity};
use crate::json::scan::{ScanError, Scanner};
use crate::schema::Schema;
use crate::value::parse_uuid;

/// An entity ready for decisions: its id, workspace and prepared attributes.
///
/// Every entity of a type the schema knows is a row (a preview or an edit's impact counts it).
/// To a decision, entity ids are UUIDs (SPEC 1): a row whose id is not one is no entity,
/// whichever way it reaches the decision (a world, an entity set, the entity a request names),
/// and ids compare as UUIDs, without regard to letter case. A workspace that is not a UUID is
/// no workspace. Either way such a row is never where a request is (see `Place`).
#[derive(Clone, Debug)]
pub struct Row {
    /// The entity's id, as written.
    pub id: String,
    /// Whether the id is a UUID.
    id_is_uuid: bool,
    /// The entity's workspace; `None` when its `workspace_id` is not a UUID.
    pub workspace: Option<u128>,
    /// The entity's attributes, typed for evaluation.
    pub entity: PreparedEntity,
}

impl Row {
    /// Prepare an entity; `None` when its type is not in the schema.
    pub fn new(schema: &Schema, e: &Entity) -> Option<Row> {
        Some(Row::of(e.id.clone(), &e.workspace_id, schema.prepare(e)?))
    }

    fn of(id: String, workspace_id: &str, entity: PreparedEntity) -> Row {
        Row {
            id_is_uuid: parse_uuid(&id).is_some(),
            id,
            workspace: parse_uuid(workspace_id),
            entity,
        }
    }

    /// Read one entity's JSON text straight into a row, without a JSON tree (the same result
    /// as parsing an [`Entity`] and [`Row::new`]); `Ok(None)` when its type is not in the
    /// schema.
    ///
    /// ```
    /// use portcullis::{grants::Row, Schema};
    /// let text = r#"{"id":"e0000000-0000-4000-8000-000000000001",
    ///   "workspace_id":"a1000000-0000-4000-8000-00000000000a","entity_type":"detail",
    ///   "attributes":{"tags":["concrete"]}}"#;
    /// let row = Row::from_json(&Schema::builtin(), text).unwrap().unwrap();
    /// assert_eq!(row.id, "e0000000-0000-4000-8000-000000000001");
    /// ```
    pub fn from_json(schema: &Schema, text: &str) -> Result<Option<Row>, ScanError> {
        let mut s = Scanner::new(text);
        let row = read_entity(&mut s, schema)?;
        s.finish()?;
        Ok(row.map(|(id, ws, entity)| Row::of(id, &ws, entity)))
    }

    /// Read a JSON array of entities into rows, leaving out entities of unknown types (no
    /// filter can match them and no request can name their type).
    pub fn many_from_json(schema: &Schema, text: &str) -> Result<Vec<Row>, ScanError> {
        let mut s = Scanner::new(text);
        let mut rows = Vec::new();
        s.array(|s| {
            if let Some((id, ws, entity)) = read_entity(s, schema)? {
                rows.push(Row::of(id, &ws, entity));
            }
            Ok(())
        })?;
        s.finish()?;
        Ok(rows)
    }

    /// Whether this row is, to a decision, the entity with the id `id`: its own id is a UUID
    /// and `id` is the same UUID, in any letter case.
    #[inline(always)]
    pub fn has_id(&self, id: &str) -> bool {
        // A UUID's hyphenated text equals another's, ignoring ASCII case, exactly when the
        // two are one UUID.
        self.id_is_uuid && (self.id == id || self.id.eq_ignore_ascii_case(id))
    }
}

/// The data a decision needs besides the key and the request.
#[derive(Clone, Copy, Debug)]
pub enum Data<'a> {
    /// Nothing (create).
    Nothing,
    /// The entity the request names, looked up by id (get, update, download); `None` when
    /// there is no such entity.
    One(Option<&'a Row>),
    /// The workspace's entities of the requested type (list).
    Many(&'a [Row]),
}

impl<'a> Data<'a> {
    /// The data a request needs, picked from `rows`: nothing for a create; for a list, all
    /// of them (the decision keeps those where the request is); otherwise the row that
    /// carries the request's id ([`Row::has_id`]; the last, if `rows` repeat an id), which
    /// the decision then checks is where the request is.
    pub fn for_request(req: &Request, rows: &'a [Row]) -> Data<'a> {
        match req.operation {
            Operation::Create => Data::Nothing,
            Operation::List => Data::Many(rows),
            _ => {
                Data::One(req.id.as_deref().and_then(|id| rows.iter().rev().find(|r| r.has_id(id))))
            }
        }
    }
}

impl<'a> Data<'a> {
    /// The data a request needs when the caller holds at most one entity, `row`: nothing for
    /// a create, a list of `row` for a list, otherwise `row` as the entity the request names
    /// (which the decision then checks is where the request is and carries its id).
    pub fn for_entity(req: &Request, row: Option<&'a Row>) -> Data<'a> {
        match req.operation {
            Operation::Create => Data::Nothing,
            Operation::List => Data::Many(row.map_or(&[], std::slice::from_ref)),
            _ => Data::One(row),
        }
    }
}

/// Where a request is: its workspace (when its `workspace_id` is a UUID) and entity type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Place {
    pub(crate) workspace: Option<u128>,
    pub(crate) type_index: usize,
}

impl Place {
    /// Whether an entity in `workspace`, of the type at `type_index`, is where the request
    /// is. A workspace that is not a UUID is nowhere.
    #[inline(always)]
    pub(crate) fn holds_at(&self, workspace: Option<u128>, type_index: usize) -> bool {
        workspace.is_some() && workspace == self.workspace && type_index == self.type_index
    }

    /// Whether a row is the entity a request is about: an entity (its id a UUID) where the
    /// request is and, when the request names an id, carrying it. Any other row is, to the
    /// request, no such entity.
    #[inline(always)]
    pub(crate) fn holds(&self, row: &Row, id: Option<&str>) -> bool {
        self.holds_at(row.workspace, row.entity.type_index)
            && row.id_is_uuid
            && id.is_none_or(|id| row.has_id(id))
    }

    /// The rows of `rows` that are where the request is, in order.
    pub(crate) fn rows_here(self, rows: &[Row]) -> impl Iterator<Item = &Row> {
        rows.iter().filter(move |r| self.holds(r, None))
    }
}
