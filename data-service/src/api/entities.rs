//! Single entities: the firms, a get by primary key, creates and optimistic replacements (a
//! detail's index follows its row before the answer), and the sample files.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use portcullis::value::{format_uuid, parse_uuid};
use portcullis::{Entity, ValueType};
use portcullis_backends::search::SearchIndex;
use portcullis_backends::{Records, Replaced, Stored};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::{body, entity_type, workspace, Answer, Refusal, Shared};
use crate::index::INDEXED_TYPE;

fn stored_json(s: &Stored) -> Value {
    json!({"entity": s.entity, "version": s.version})
}

/// `GET /internal/firms`.
pub async fn firms(State(app): State<Shared>) -> Answer {
    Ok(Json(json!({"firms": app.firms})).into_response())
}

/// The nil UUID: what an id or workspace that is not a UUID is looked up as, so that its 404
/// takes the path of any other.
const NIL: &str = "00000000-0000-0000-0000-000000000000";

/// `GET …/{id}`: `{entity, version}`, or 404 (an id that is not a UUID names no entity).
///
/// A 404 does the work of a 200 (SPEC 4.5: no observably different path): the row is looked
/// up whatever the id, and when there is none, an entity of the type with every attribute is
/// serialised as a found one would be, then dropped.
pub async fn get_one(
    State(app): State<Shared>,
    Path((ws, ty, id)): Path<(String, String, String)>,
) -> Answer {
    let ty = entity_type(&app, &ty)?.to_string();
    let (ws, ws_ok) = match workspace(&ws) {
        Ok(ws) => (ws, true),
        Err(_) => (NIL.to_string(), false),
    };
    let (id, id_ok) = match parse_uuid(&id).map(format_uuid) {
        Some(id) => (id, true),
        None => (NIL.to_string(), false),
    };
    let placeholder = placeholder(&app, &ty, &ws);
    let found = app.store.run(move |db| db.get(&ty, &ws, &id)).await?.filter(|_| ws_ok && id_ok);
    match found {
        Some(s) => Ok(Json(stored_json(&s)).into_response()),
        None => {
            let body = serde_json::to_vec(&stored_json(&placeholder)).unwrap_or_default();
            std::hint::black_box(body);
            Err(Refusal::not_found())
        }
    }
}

/// A stored entity of the type with a value for every attribute, for a 404 to serialise.
fn placeholder(app: &Shared, ty: &str, ws: &str) -> Stored {
    let mut attributes = Map::new();
    if let Some(t) = app.schema.entity_type(ty) {
        for a in &t.attributes {
            let v = match a.value_type {
                ValueType::Text => json!("placeholder value"),
                ValueType::Number => json!(0),
                ValueType::Date => json!("2025-01-01T00:00:00Z"),
                ValueType::List => json!(["placeholder", "value"]),
                ValueType::Bool => json!(false),
                ValueType::Uuid => json!(NIL),
            };
            attributes.insert(a.name.clone(), v);
        }
    }
    Stored {
        entity: Entity {
            id: NIL.to_string(),
            workspace_id: ws.to_string(),
            entity_type: ty.to_string(),
            attributes,
        },
        version: 1,
    }
}

/// Run a write; for a detail, under the index's write lock, with the index following the
/// row before the answer. `f` gets the index to check the entity against before it writes the
/// database, so that a row the index would refuse is never written.
async fn write<T: Send + 'static>(
    app: &Shared,
    ty: &str,
    f: impl FnOnce(
            &mut dyn Records,
            Option<&SearchIndex>,
        ) -> Result<(T, Option<Entity>), portcullis_backends::Error>
        + Send
        + 'static,
) -> Result<T, Refusal> {
    let follows = (ty == INDEXED_TYPE).then(|| Arc::clone(&app.index));
    Ok(app
        .store
        .run(move |db| {
            let mut guard = follows.as_ref().map(|i| i.write().unwrap_or_else(|p| p.into_inner()));
            let (answer, written) = f(db, guard.as_deref().map(|d| &d.index))?;
            if let (Some(index), Some(e)) = (guard.as_deref_mut(), written) {
                // The database holds the write, and is the truth: it is answered as done.
                if let Err(err) = index.follow(db, e) {
                    eprintln!("data-service: the detail index did not follow a write ({err}); it will with the next, or be rebuilt at start");
                }
            }
            Ok(answer)
        })
        .await?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Create {
    id: String,
    attributes: Map<String, Value>,
}

/// `POST …/{type}`: create `{id, attributes}` at version 1; 409 when the id exists.
pub async fn create(
    State(app): State<Shared>,
    Path((ws, ty)): Path<(String, String)>,
    b: Result<Json<Create>, JsonRejection>,
) -> Answer {
    let ty = entity_type(&app, &ty)?.to_string();
    let ws = workspace(&ws)?;
    let req = body(b, "{id, attributes}")?;
    if !app.workspaces.contains(&ws) {
        return Err(Refusal::new(StatusCode::NOT_FOUND, "unknown_workspace", "No such workspace."));
    }
    let id = parse_uuid(&req.id)
        .map(format_uuid)
        .ok_or_else(|| Refusal::bad("invalid_id", "an entity id is a UUID"))?;
    let e = Entity { id, workspace_id: ws, entity_type: ty.clone(), attributes: req.attributes };
    let created = write(&app, &ty, move |db, index| {
        if let Some(index) = index {
            index.check(&e)?;
        }
        let s = db.create(&e)?;
        let written = s.as_ref().map(|s| s.entity.clone());
        Ok((s, written))
    })
    .await?;
    match created {
        Some(s) => Ok((StatusCode::CREATED, Json(stored_json(&s))).into_response()),
        None => Err(Refusal::new(
            StatusCode::CONFLICT,
            "duplicate_id",
            "An entity with this id exists.",
        )),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Replace {
    attributes: Map<String, Value>,
    expected_version: i64,
}

/// `PUT …/{id}`: replace the attributes if the version is the one the caller read; 409 when
/// it moved on, 404 when there is no such entity.
pub async fn replace(
    State(app): State<Shared>,
    Path((ws, ty, id)): Path<(String, String, String)>,
    b: Result<Json<Replace>, JsonRejection>,
) -> Answer {
    let ty = entity_type(&app, &ty)?.to_string();
    let ws = workspace(&ws).map_err(|_| Refusal::not_found())?;
    let req = body(b, "{attributes, expected_version}")?;
    let Some(id) = parse_uuid(&id).map(format_uuid) else { return Err(Refusal::not_found()) };
    let e = Entity { id, workspace_id: ws, entity_type: ty.clone(), attributes: req.attributes };
    let expected = req.expected_version;
    let replaced = write(&app, &ty, move |db, index| {
        if let Some(index) = index {
            index.check(&e)?;
        }
        let r = db.replace(&e, expected)?;
        let written = match &r {
            Replaced::Done(s) => Some(s.entity.clone()),
            _ => None,
        };
        Ok((r, written))
    })
    .await?;
    match replaced {
        Replaced::Done(s) => Ok(Json(stored_json(&s)).into_response()),
        Replaced::Conflict => Err(Refusal::new(
            StatusCode::CONFLICT,
            "version_conflict",
            "The entity changed since it was read.",
        )),
        Replaced::Missing => Err(Refusal::not_found()),
    }
}

/// `GET /internal/files/{ws}/{type}/{id}/{name}`: a synthetic, deterministic file, enough to
/// prove the download path end to end.
pub async fn file(
    State(app): State<Shared>,
    Path((ws, ty, id, name)): Path<(String, String, String, String)>,
) -> Answer {
    let ty = entity_type(&app, &ty).map_err(|_| Refusal::not_found())?.to_string();
    let ws = workspace(&ws).map_err(|_| Refusal::not_found())?;
    let Some(id) = parse_uuid(&id).map(format_uuid) else { return Err(Refusal::not_found()) };
    let t = ty.clone();
    let Some(s) = app.store.run(move |db| db.get(&t, &ws, &id)).await? else {
        return Err(Refusal::not_found());
    };
    let ext = name.rsplit('.').next().unwrap_or("");
    let allowed: &[&str] = match ty.as_str() {
        "family" => &["rfa"],
        "detail" => &["rvt", "pdf"],
        "stash" => &["zip"],
        _ => &[],
    };
    if name != format!("{}.{ext}", s.entity.id) || !allowed.contains(&ext) {
        return Err(Refusal::not_found());
    }
    let body = format!("portcullis sample {ext} file for {ty} {}\n", s.entity.id);
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], body).into_response())
}
