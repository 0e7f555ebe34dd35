//! Rows: entities ready for decisions, the data a decision is given, and where a request is
//! (its workspace and entity type), which a row must be to count as the entity the request
//! names or lists. That placement rule lives here and only here.

use super::model::{Operation, Request};
use crate::diagnostic::{Code, Diagnostic};
use crate::eval::read::read_entity;
use crate::eval::{Entity, PreparedEntity};
use crate::json::scan::{ScanError, Scanner};
use crate::schema::Schema;
use crate::value::parse_uuid;
use std::collections::HashMap;

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
    /// Prepare an entity; refused (`unknown_entity_type`) when its type is not in the schema.
    ///
    /// ```
    /// use portcullis::{grants::Row, Entity, Schema};
    /// let widget: Entity = serde_json::from_str(r#"{"id": "e0000000-0000-4000-8000-000000000001",
    ///   "workspace_id": "a1000000-0000-4000-8000-00000000000a", "entity_type": "widget",
    ///   "attributes": {}}"#).unwrap();
    /// let err = Row::new(&Schema::builtin(), &widget).unwrap_err();
    /// assert_eq!(err.code.as_str(), "unknown_entity_type");
    /// ```
    pub fn new(schema: &Schema, e: &Entity) -> Result<Row, Diagnostic> {
        match schema.prepare(e) {
            Some(entity) => Ok(Row::of(e.id.clone(), &e.workspace_id, entity)),
            None => Err(Diagnostic::error(
                Code::UnknownEntityType,
                format!(
                    "entity `{}` is of type `{}`, which the schema does not have",
                    e.id, e.entity_type
                ),
            )
            .with_help(format!(
                "entity types: {}",
                schema.entity_types.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ")
            ))
            .at_path("$.entity_type")),
        }
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
        Data::Many(rows).fit(req)
    }

    /// The data a request needs when the caller holds at most one entity, `row`: nothing for
    /// a create, a list of `row` for a list, otherwise `row` as the entity the request names
    /// (which the decision then checks is where the request is and carries its id).
    pub fn for_entity(req: &Request, row: Option<&'a Row>) -> Data<'a> {
        Data::One(row).fit(req)
    }

    /// This data in the shape the request's operation takes: a create needs nothing; a list
    /// takes many rows (one entity is a list of one, nothing an empty list); a get, update or
    /// download takes the one row that carries the request's id (found among many, the last
    /// if they repeat it). Decisions fit their data first, so no shape is decided wrongly.
    ///
    /// ```
    /// use portcullis::grants::{Data, Request};
    /// let get = Request::get("a1000000-0000-4000-8000-00000000000a", "detail",
    ///     "e0000000-0000-4000-8000-000000000001");
    /// assert!(matches!(Data::Many(&[]).fit(&get), Data::One(None)));
    /// let list = Request::list("a1000000-0000-4000-8000-00000000000a", "detail");
    /// assert!(matches!(Data::One(None).fit(&list), Data::Many([])));
    /// ```
    pub fn fit(self, req: &Request) -> Data<'a> {
        match (req.operation, self) {
            (Operation::Create, _) => Data::Nothing,
            (Operation::List, Data::Many(rows)) => Data::Many(rows),
            (Operation::List, Data::One(row)) => Data::Many(row.map_or(&[], std::slice::from_ref)),
            (Operation::List, Data::Nothing) => Data::Many(&[]),
            (_, Data::One(row)) => Data::One(row),
            (_, Data::Many(rows)) => {
                Data::One(req.id.as_deref().and_then(|id| rows.iter().rev().find(|r| r.has_id(id))))
            }
            (_, Data::Nothing) => Data::One(None),
        }
    }
}

/// Entities held for decisions, indexed by id: [`PolicyStore::decide_in`](super::PolicyStore::decide_in) takes what each
/// operation needs from it (the entity a get names, the entities a list runs over), so a
/// caller never chooses the shape of the data.
///
/// ```
/// use portcullis::grants::{Entities, Firm, FilterRecord, Grant, Key, PolicyStore, Request};
/// use portcullis::{Action, Entity, Schema};
/// let ws = "a1000000-0000-4000-8000-00000000000a";
/// let mut store = PolicyStore::new(Schema::builtin());
/// store.put_firm(&Firm::new("f1000000-0000-4000-8000-000000000001", [ws])).unwrap();
/// store.put_filter(FilterRecord::new("flt_1", ws, "detail", "Concrete details",
///     r#"tags intersects ["concrete"]"#)).unwrap();
/// store.put_key(Key::new("key_1", "f1000000-0000-4000-8000-000000000001")
///     .with_grant(Grant::new(ws, "flt_1", [Action::Read])));
/// let entity = |id: &str, tag: &str| -> Entity { serde_json::from_value(serde_json::json!({
///     "id": id, "workspace_id": ws, "entity_type": "detail", "attributes": {"tags": [tag]}})).unwrap() };
/// let data = Entities::new(store.schema(), &[
///     entity("e0000000-0000-4000-8000-000000000001", "concrete"),
///     entity("e0000000-0000-4000-8000-000000000002", "steel"),
/// ]).unwrap();
/// let get = |id| store.decide_in(Some("key_1"), &Request::get(ws, "detail", id), &data).status;
/// assert_eq!(get("e0000000-0000-4000-8000-000000000001"), 200);
/// assert_eq!(get("e0000000-0000-4000-8000-000000000002"), 404);
/// let list = store.decide_in(Some("key_1"), &Request::list(ws, "detail"), &data);
/// assert_eq!(list.ids.unwrap(), ["e0000000-0000-4000-8000-000000000001"]);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Entities {
    rows: Vec<Row>,
    /// The index in `rows` of the last row carrying each UUID id.
    by_id: HashMap<u128, usize>,
}

impl Entities {
    /// Prepare entities for decisions; refused with the first entity whose type the schema
    /// does not have (its path is `$[i].entity_type`).
    pub fn new(schema: &Schema, entities: &[Entity]) -> Result<Entities, Diagnostic> {
        let rows = entities
            .iter()
            .enumerate()
            .map(|(i, e)| Row::new(schema, e).map_err(|d| d.at_path(format!("$[{i}].entity_type"))))
            .collect::<Result<Vec<Row>, Diagnostic>>()?;
        Ok(Entities::from_rows(rows))
    }

    /// Index rows already prepared.
    pub fn from_rows(rows: Vec<Row>) -> Entities {
        let by_id = rows
            .iter()
            .enumerate()
            .filter_map(|(i, r)| parse_uuid(&r.id).map(|id| (id, i)))
            .collect();
        Entities { rows, by_id }
    }

    /// The entity with this id (a UUID, in any letter case); `None` for any other id.
    pub fn get(&self, id: &str) -> Option<&Row> {
        self.by_id.get(&parse_uuid(id)?).map(|&i| &self.rows[i])
    }

    /// Every row, in the order given.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// How many rows there are.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// What a request needs from these entities (see [`Data::fit`]).
    pub fn data_for(&self, req: &Request) -> Data<'_> {
        match req.operation {
            Operation::Create => Data::Nothing,
            Operation::List => Data::Many(&self.rows),
            _ => Data::One(req.id.as_deref().and_then(|id| self.get(id))),
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
