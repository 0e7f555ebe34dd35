//! The records of SPEC 4: firms, stored filters, keys and grants, requests and decisions.
//! Their serde shapes are the wire shapes of the SPEC and the conformance files.

use crate::json::scan::{read_tree, ScanError};
use crate::record::{deserialize_via_reader, string_item, Fields, ReadError};
use crate::schema::Action;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

/// A firm and its workspaces.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Firm {
    /// The firm's id (a UUID).
    pub id: String,
    /// The ids of its workspaces (UUIDs).
    pub workspaces: Vec<String>,
}

/// A stored filter (SPEC 2.1), with its predicate in either form.
///
/// ```
/// use portcullis::grants::FilterRecord;
/// let f = FilterRecord::new("flt_1", "a1000000-0000-4000-8000-00000000000a", "detail",
///     "Concrete details (typical library)",
///     r#"project_type eq "typical" AND tags intersects ["concrete"]"#)
///     .with_description("Used by the data-warehouse vendor.");
/// assert_eq!(f.predicate_text.as_deref(), Some(r#"project_type eq "typical" AND tags intersects ["concrete"]"#));
/// assert!(!f.archived);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FilterRecord {
    /// The filter's id: an opaque string, compared exactly; never a `default:` name.
    pub id: String,
    /// The workspace it lives in, fixed at creation.
    pub workspace_id: String,
    /// The entity type it filters, fixed at creation.
    pub entity_type: String,
    /// The name admins and grant pickers see (1 to 255 characters).
    #[serde(default)]
    pub name: String,
    /// An optional description (at most 500 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The predicate in its JSON form; give this or `predicate_text`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicate: Option<Value>,
    /// The predicate in its text form; give this or `predicate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicate_text: Option<String>,
    /// An archived filter grants nothing and cannot be edited.
    #[serde(default)]
    pub archived: bool,
}

/// One grant: workspace + filter + actions. `default:any` grants carry no workspace.
///
/// ```
/// use portcullis::{grants::Grant, Action};
/// let g = Grant::new("a1000000-0000-4000-8000-00000000000a", "flt_1", [Action::Read]);
/// assert_eq!(g.actions, ["read"]);
/// assert_eq!(Grant::firm_wide([Action::Read, Action::Download]).filter, "default:any");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Grant {
    /// The workspace the grant is for; `None` for `default:any`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<String>,
    /// A stored filter's id, or a system filter's name.
    pub filter: String,
    /// The actions granted: `read`, `write`, `download`.
    #[serde(default)]
    pub actions: Vec<String>,
}

/// An API key and its grants.
///
/// ```
/// use portcullis::{grants::{Grant, Key}, Action};
/// let key = Key::new("key_1", "f1000000-0000-4000-8000-000000000001")
///     .with_grant(Grant::new("a1000000-0000-4000-8000-00000000000a", "flt_1", [Action::Read]))
///     .with_allowed_ips(["10.0.0.0/8"]);
/// assert_eq!(key.grants.len(), 1);
/// assert!(!key.revoked);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Key {
    /// The key's id.
    pub id: String,
    /// The firm the key belongs to; its grants reach that firm's workspaces only.
    pub firm_id: String,
    /// A revoked key's credentials are refused (401).
    #[serde(default)]
    pub revoked: bool,
    /// The source addresses the key is accepted from (CIDR ranges or single addresses);
    /// `None`: any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_ips: Option<Vec<String>>,
    /// The key's grants, combined with OR.
    #[serde(default)]
    pub grants: Vec<Grant>,
}

/// What a request does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    /// Read one entity by id (action `read`).
    Get,
    /// List or search entities of a type (action `read`).
    List,
    /// Create an entity (action `write`).
    Create,
    /// Change an entity (action `write`).
    Update,
    /// Download an entity's files (action `download`).
    Download,
}

impl Operation {
    /// Every operation, in the order their names are listed.
    pub const ALL: [Operation; 5] = [
        Operation::Get,
        Operation::List,
        Operation::Create,
        Operation::Update,
        Operation::Download,
    ];

    /// The wire name: `"get"`, `"list"`, `"create"`, `"update"`, `"download"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Get => "get",
            Operation::List => "list",
            Operation::Create => "create",
            Operation::Update => "update",
            Operation::Download => "download",
        }
    }

    /// The action a request of this kind needs.
    pub fn action(self) -> Action {
        match self {
            Operation::Get | Operation::List => Action::Read,
            Operation::Create | Operation::Update => Action::Write,
            Operation::Download => Action::Download,
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An operation name that is not one of `get`, `list`, `create`, `update`, `download`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownOperation(pub String);

impl fmt::Display for UnknownOperation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown operation `{}`, expected one of `get`, `list`, `create`, `update`, `download`",
            self.0
        )
    }
}

impl std::error::Error for UnknownOperation {}

impl std::str::FromStr for Operation {
    type Err = UnknownOperation;

    /// The operation with this wire name.
    ///
    /// ```
    /// use portcullis::grants::Operation;
    /// assert_eq!("list".parse::<Operation>(), Ok(Operation::List));
    /// assert_eq!(Operation::Download.to_string(), "download");
    /// assert!("delete".parse::<Operation>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Operation, UnknownOperation> {
        Operation::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| UnknownOperation(s.to_string()))
    }
}

/// A request to decide.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// What the request does.
    pub operation: Operation,
    /// The workspace it is in.
    pub workspace_id: String,
    /// The entity type it is about.
    pub entity_type: String,
    /// The entity it names (get, update, download).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The entity's full attributes as they would be after a create or an update.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Map<String, Value>>,
    /// The source address; absent when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<String>,
}

impl FilterRecord {
    /// A filter, not archived, with its predicate in the text form.
    pub fn new(
        id: impl Into<String>,
        workspace_id: impl Into<String>,
        entity_type: impl Into<String>,
        name: impl Into<String>,
        predicate_text: impl Into<String>,
    ) -> FilterRecord {
        FilterRecord {
            id: id.into(),
            workspace_id: workspace_id.into(),
            entity_type: entity_type.into(),
            name: name.into(),
            predicate_text: Some(predicate_text.into()),
            ..FilterRecord::default()
        }
    }

    /// The same filter with a description.
    pub fn with_description(mut self, description: impl Into<String>) -> FilterRecord {
        self.description = Some(description.into());
        self
    }
}

impl Grant {
    /// A grant of a stored filter's id, or a system filter's name, in one workspace.
    pub fn new(
        workspace_id: impl Into<String>,
        filter: impl Into<String>,
        actions: impl IntoIterator<Item = Action>,
    ) -> Grant {
        Grant {
            workspace_id: Some(workspace_id.into()),
            filter: filter.into(),
            actions: actions.into_iter().map(|a| a.as_str().to_string()).collect(),
        }
    }

    /// A grant of `default:any`: every entity of every type in the key's firm, no workspace.
    pub fn firm_wide(actions: impl IntoIterator<Item = Action>) -> Grant {
        Grant {
            workspace_id: None,
            filter: super::system::DEFAULT_ANY.to_string(),
            actions: actions.into_iter().map(|a| a.as_str().to_string()).collect(),
        }
    }
}

impl Key {
    /// A key of a firm: not revoked, accepted from any address, with no grants yet.
    pub fn new(id: impl Into<String>, firm_id: impl Into<String>) -> Key {
        Key { id: id.into(), firm_id: firm_id.into(), ..Key::default() }
    }

    /// The same key with one more grant.
    pub fn with_grant(mut self, grant: Grant) -> Key {
        self.grants.push(grant);
        self
    }

    /// The same key, accepted only from these addresses (CIDR ranges or single addresses).
    pub fn with_allowed_ips<S: Into<String>>(mut self, ips: impl IntoIterator<Item = S>) -> Key {
        self.allowed_ips = Some(ips.into_iter().map(Into::into).collect());
        self
    }
}

impl Firm {
    /// A firm and its workspaces.
    ///
    /// ```
    /// use portcullis::grants::Firm;
    /// let firm = Firm::new("f1000000-0000-4000-8000-000000000001", ["a1000000-0000-4000-8000-00000000000a"]);
    /// assert_eq!(firm.workspaces.len(), 1);
    /// ```
    pub fn new<S: Into<String>>(
        id: impl Into<String>,
        workspaces: impl IntoIterator<Item = S>,
    ) -> Firm {
        Firm { id: id.into(), workspaces: workspaces.into_iter().map(Into::into).collect() }
    }

    pub(crate) fn read(v: &Value, path: String) -> Result<Firm, ReadError> {
        let f = Fields::of(v, path)?;
        Ok(Firm { id: f.string("id")?, workspaces: f.required_list("workspaces", string_item)? })
    }
}

impl FilterRecord {
    pub(crate) fn read(v: &Value, path: String) -> Result<FilterRecord, ReadError> {
        let f = Fields::of(v, path)?;
        Ok(FilterRecord {
            id: f.string("id")?,
            workspace_id: f.string("workspace_id")?,
            entity_type: f.string("entity_type")?,
            name: f.string_or_empty("name")?,
            description: f.opt_string("description")?,
            predicate: f.get("predicate").cloned(),
            predicate_text: f.opt_string("predicate_text")?,
            archived: f.bool_or_false("archived")?,
        })
    }
}

impl Grant {
    pub(crate) fn read(v: &Value, path: String) -> Result<Grant, ReadError> {
        let f = Fields::of(v, path)?;
        Ok(Grant {
            workspace_id: f.opt_string("workspace_id")?,
            filter: f.string("filter")?,
            actions: f.list("actions", string_item)?,
        })
    }
}

impl Key {
    pub(crate) fn read(v: &Value, path: String) -> Result<Key, ReadError> {
        let f = Fields::of(v, path)?;
        Ok(Key {
            id: f.string("id")?,
            firm_id: f.string("firm_id")?,
            revoked: f.bool_or_false("revoked")?,
            allowed_ips: f.opt_list("allowed_ips", string_item)?,
            grants: f.list("grants", Grant::read)?,
        })
    }
}

deserialize_via_reader!(Firm, Firm::read);
deserialize_via_reader!(FilterRecord, FilterRecord::read);
deserialize_via_reader!(Grant, Grant::read);
deserialize_via_reader!(Key, Key::read);

impl Request {
    fn of(
        operation: Operation,
        workspace_id: impl Into<String>,
        entity_type: impl Into<String>,
    ) -> Request {
        Request {
            operation,
            workspace_id: workspace_id.into(),
            entity_type: entity_type.into(),
            id: None,
            attributes: None,
            source_ip: None,
        }
    }

    /// Read one entity by id.
    ///
    /// ```
    /// use portcullis::grants::{Operation, Request};
    /// let req = Request::get("a1000000-0000-4000-8000-00000000000a", "detail",
    ///     "e0000000-0000-4000-8000-000000000001").from_ip("192.0.2.7");
    /// assert_eq!(req.operation, Operation::Get);
    /// assert_eq!(req.source_ip.as_deref(), Some("192.0.2.7"));
    /// ```
    pub fn get(
        workspace_id: impl Into<String>,
        entity_type: impl Into<String>,
        id: impl Into<String>,
    ) -> Request {
        Request { id: Some(id.into()), ..Request::of(Operation::Get, workspace_id, entity_type) }
    }

    /// List (or search) the entities of a type in a workspace.
    pub fn list(workspace_id: impl Into<String>, entity_type: impl Into<String>) -> Request {
        Request::of(Operation::List, workspace_id, entity_type)
    }

    /// Create an entity with these attributes.
    ///
    /// ```
    /// use portcullis::grants::Request;
    /// use serde_json::json;
    /// let req = Request::create("a1000000-0000-4000-8000-00000000000a", "stash",
    ///     json!({"project_id": "9d7e0c4a-1b2f-4c3d-8e5f-60718293a4b5", "is_permanent": false}));
    /// assert!(req.attributes.is_some());
    /// ```
    pub fn create(
        workspace_id: impl Into<String>,
        entity_type: impl Into<String>,
        attributes: Value,
    ) -> Request {
        Request {
            attributes: object(attributes),
            ..Request::of(Operation::Create, workspace_id, entity_type)
        }
    }

    /// Change an entity; `attributes` are its full attributes as they would be after the change.
    pub fn update(
        workspace_id: impl Into<String>,
        entity_type: impl Into<String>,
        id: impl Into<String>,
        attributes: Value,
    ) -> Request {
        Request {
            id: Some(id.into()),
            attributes: object(attributes),
            ..Request::of(Operation::Update, workspace_id, entity_type)
        }
    }

    /// Download an entity's files.
    pub fn download(
        workspace_id: impl Into<String>,
        entity_type: impl Into<String>,
        id: impl Into<String>,
    ) -> Request {
        Request {
            id: Some(id.into()),
            ..Request::of(Operation::Download, workspace_id, entity_type)
        }
    }

    /// The same request, made from this source address (checked against a key's allow-list).
    pub fn from_ip(mut self, source_ip: impl Into<String>) -> Request {
        self.source_ip = Some(source_ip.into());
        self
    }

    /// Read a request from JSON text with the serde form's rules (unknown fields ignored,
    /// a repeated field refused).
    ///
    /// Where it differs from the derived `Deserialize`, it refuses: an unknown field's value
    /// must be JSON that a JSON tree could hold (nested at most [`MAX_NESTING`] deep, numbers
    /// in range, no lone surrogates), which serde's skipping of unknown fields does not check;
    /// and `operation` must be a string (serde also takes `{"get": null}`), the request an
    /// object (serde also takes an array of the fields in order).
    ///
    /// [`MAX_NESTING`]: crate::json::MAX_NESTING
    pub fn from_json(text: &str) -> Result<Request, ScanError> {
        let tree = read_tree(text)?;
        Request::read(&tree).map_err(ScanError::from)
    }

    fn read(v: &Value) -> Result<Request, ReadError> {
        let f = Fields::of(v, String::new())?;
        let operation: Operation =
            f.string("operation")?.parse().map_err(|e: UnknownOperation| e.to_string())?;
        let attributes = match f.get("attributes") {
            None => None,
            Some(Value::Object(m)) => Some(m.clone()),
            Some(_) => return Err("`attributes` must be an object".into()),
        };
        Ok(Request {
            operation,
            workspace_id: f.string("workspace_id")?,
            entity_type: f.string("entity_type")?,
            id: f.opt_string("id")?,
            attributes,
            source_ip: f.opt_string("source_ip")?,
        })
    }
}

/// Why a request is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DenyCode {
    /// 401: the credentials are refused.
    InvalidToken,
    /// 403: the key's grants do not cover the request.
    InsufficientScope,
    /// 404: no such entity, or one the key may not know exists.
    NotFound,
}

impl DenyCode {
    /// The wire code.
    pub fn as_str(self) -> &'static str {
        match self {
            DenyCode::InvalidToken => "invalid_token",
            DenyCode::InsufficientScope => "insufficient_scope",
            DenyCode::NotFound => "not_found",
        }
    }

    /// The HTTP status that goes with it.
    pub fn status(self) -> u16 {
        match self {
            DenyCode::InvalidToken => 401,
            DenyCode::InsufficientScope => 403,
            DenyCode::NotFound => 404,
        }
    }
}

impl fmt::Display for DenyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Attributes given as a JSON value: an object is the attributes; anything else is an entity
/// with no attributes at all, which a filter's conditions find unknown, never a request that
/// carries none (an update carrying none would be decided on the entity as it is).
fn object(v: Value) -> Option<Map<String, Value>> {
    match v {
        Value::Object(m) => Some(m),
        _ => Some(Map::new()),
    }
}

/// The answer to a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// The HTTP status: 200, 201, 401, 403 or 404.
    pub status: u16,
    /// Why the request is refused; `None` when it is allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<DenyCode>,
    /// For a 200 list: the ids of the entities the key may see.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ids: Option<Vec<String>>,
}

impl Decision {
    /// A refusal.
    pub fn deny(code: DenyCode) -> Decision {
        Decision { status: code.status(), code: Some(code), ids: None }
    }

    /// 200, or 201 for a create.
    pub fn allow(status: u16) -> Decision {
        Decision { status, code: None, ids: None }
    }

    /// Whether the request may proceed.
    pub fn is_allowed(&self) -> bool {
        self.code.is_none()
    }
}
