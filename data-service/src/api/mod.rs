//! The internal HTTP API the gateway calls (no authentication: it listens on loopback behind
//! the gateway). Every answer is JSON; every refusal is `{"error": {"code", "message"}}` with a
//! 4xx status, and a store that fails answers 503, never 500.
//!
//! ```text
//! GET  /internal/firms
//! GET  /internal/workspaces/{ws}/{type}/{id}              {entity, version} or 404
//! POST /internal/workspaces/{ws}/{type}/query             a page: {scope, require_match?, limit, cursor?, search?}
//! POST /internal/workspaces/{ws}/{type}/count             a preview count: {filter}
//! POST /internal/workspaces/{ws}/{type}/impact            an edit's gains and losses: {before, after, sample?}
//! GET  /internal/workspaces/{ws}/{type}/values            ?attribute=A&limit=N: the most common values
//! POST /internal/workspaces/{ws}/{type}                   create {id, attributes}
//! PUT  /internal/workspaces/{ws}/{type}/{id}              replace {attributes, expected_version}
//! GET  /internal/files/{ws}/{type}/{id}/{file}            the file's bytes
//! ```

mod entities;
mod lists;
mod search;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use portcullis::value::{format_uuid, parse_uuid};
use portcullis::Schema;
use portcullis_backends::Error;
use serde_json::{json, Value};

use crate::index::DetailIndex;
use crate::store::Store;

/// What every request shares.
pub struct App {
    /// The engine's schema.
    pub schema: Schema,
    /// The database.
    pub store: Arc<Store>,
    /// The detail index.
    pub index: Arc<RwLock<DetailIndex>>,
    /// The firms, as `/internal/firms` lists them.
    pub firms: Vec<Value>,
    /// Every workspace of every firm, canonical.
    pub workspaces: Vec<String>,
    /// Per entity type, the workspace and id of an entity this service answered a get with: the
    /// row a get of a missing entity reads and decodes, as a found one's does (`entities::get_one`).
    pub decoys: Mutex<HashMap<String, (String, String)>>,
}

impl App {
    /// Run `f` with the detail index, read-locked, on a blocking thread.
    pub async fn read_index<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&DetailIndex) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let index = Arc::clone(&self.index);
        tokio::task::spawn_blocking(move || f(&index.read().unwrap_or_else(|p| p.into_inner())))
            .await
            .unwrap_or_else(|e| Err(Error::Corrupt(format!("an index call failed: {e}"))))
    }
}

/// The shared state of the handlers.
pub type Shared = Arc<App>;

/// The routes.
pub fn router(app: Shared) -> Router {
    Router::new()
        .route("/internal/firms", get(entities::firms))
        .route("/internal/workspaces/{ws}/{ty}", post(entities::create))
        .route("/internal/workspaces/{ws}/{ty}/query", post(lists::query))
        .route("/internal/workspaces/{ws}/{ty}/count", post(lists::count))
        .route("/internal/workspaces/{ws}/{ty}/impact", post(lists::impact))
        .route("/internal/workspaces/{ws}/{ty}/values", get(lists::values))
        .route("/internal/workspaces/{ws}/{ty}/{id}", get(entities::get_one).put(entities::replace))
        .route("/internal/files/{ws}/{ty}/{id}/{name}", get(entities::file))
        .fallback(|| async { Refusal::new(StatusCode::NOT_FOUND, "not_found", "No such route.") })
        .with_state(app)
}

/// A refusal: a status, a stable code and a message a person can act on.
#[derive(Debug)]
pub struct Refusal {
    status: StatusCode,
    code: &'static str,
    message: String,
    diagnostics: Option<Value>,
}

impl Refusal {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Refusal {
        Refusal { status, code, message: message.into(), diagnostics: None }
    }

    fn bad(code: &'static str, message: impl Into<String>) -> Refusal {
        Refusal::new(StatusCode::BAD_REQUEST, code, message)
    }

    fn not_found() -> Refusal {
        Refusal::new(StatusCode::NOT_FOUND, "not_found", "No such entity.")
    }

    /// A 400 from the engine's diagnostics: the first one's message, all of them beside it.
    fn diagnosed(code: &'static str, d: &[portcullis::Diagnostic]) -> Refusal {
        let message = d.first().map_or_else(|| code.replace('_', " "), |d| d.message.clone());
        Refusal::bad(code, message).with_diagnostics(&d)
    }

    /// With the engine's diagnostics beside the message.
    fn with_diagnostics(mut self, d: &impl serde::Serialize) -> Refusal {
        self.diagnostics = serde_json::to_value(d).ok();
        self
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut error = json!({"code": self.code, "message": self.message});
        if let Some(d) = self.diagnostics {
            error["diagnostics"] = d;
        }
        (self.status, Json(json!({ "error": error }))).into_response()
    }
}

impl From<Error> for Refusal {
    fn from(e: Error) -> Refusal {
        match e {
            Error::NotAUuid(id) => Refusal::bad("invalid_id", format!("`{id}` is not a UUID.")),
            Error::Unstorable(a) => Refusal::bad(
                "unstorable",
                format!("`{a}` holds a value the store cannot hold: a text with U+0000, or one too long for the search index."),
            ),
            Error::UnknownAttribute(a) => Refusal::bad(
                "unknown_attribute",
                format!("`{a}` is not an attribute whose values can be listed."),
            ),
            other => {
                eprintln!("data-service: the store failed: {other}");
                Refusal::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "The database or the search index failed; try again.",
                )
            }
        }
    }
}

/// An answer or a refusal.
pub type Answer = Result<Response, Refusal>;

/// A JSON body, or a 400 saying what is wrong with it.
fn body<T>(b: Result<Json<T>, JsonRejection>, shape: &str) -> Result<T, Refusal> {
    b.map(|Json(t)| t).map_err(|r| {
        Refusal::bad("invalid_request", format!("the body must be {shape}: {}", r.body_text()))
    })
}

/// The path's entity type, known to the schema.
fn entity_type<'a>(app: &'a App, ty: &str) -> Result<&'a str, Refusal> {
    app.schema.entity_type(ty).map(|t| t.name.as_str()).ok_or_else(|| {
        Refusal::new(
            StatusCode::NOT_FOUND,
            "unknown_entity_type",
            format!("unknown entity type {ty:?}"),
        )
    })
}

/// The path's workspace, canonical; a workspace that is not a UUID holds nothing.
fn workspace(ws: &str) -> Result<String, Refusal> {
    parse_uuid(ws).map(format_uuid).ok_or_else(|| {
        Refusal::new(StatusCode::NOT_FOUND, "unknown_workspace", "No such workspace.")
    })
}
