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
#[derive(Clone, Debug, PartialEq, Serialize)]
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
#[derive(Clone, Debug, PartialEq, Serialize)]
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
#[derive(Clone, Debug, PartialEq, Serialize)]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

impl Firm {
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
        let op = f.string("operation")?;
        let Some(operation) = Operation::ALL.into_iter().find(|o| o.as_str() == op) else {
            return Err(format!("unknown operation `{op}`, expected one of `get`, `list`, `create`, `update`, `download`").into());
        };
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
