//! Single entities: the firms, a get by primary key, creates and optimistic replacements (a
//! detail's index follows its row before the answer), and the sample files.

use std::collections::HashMap;
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
/// A 404 does the work of a 200 (SPEC 4.5: no observably different path). Each answer looks up
/// one row that is there and one that is not, and decodes and serialises one entity: a found
/// entity's answer also looks up the nil UUID (never stored); a missing one's reads the type's
/// decoy (an entity this service answered a get with before) and serialises it, then drops it.
/// Until a get of the type has found one, it serialises a placeholder with every attribute.
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
    let decoy = decoys(&app).get(&ty).cloned();
    let key = ty.clone();
    let (found, other) = app.store.run(move |db| lookup(db, &ty, &ws, &id, decoy)).await?;
    match found.filter(|_| ws_ok && id_ok) {
        Some(s) => {
            decoys(&app)
                .entry(key)
                .or_insert_with(|| (s.entity.workspace_id.clone(), s.entity.id.clone()));
            Ok(Json(stored_json(&s)).into_response())
        }
        None => {
            if other.is_none() {
                // The decoy is gone (or there is none yet): the next found entity stands in.
                decoys(&app).remove(&key);
            }
            let body = serde_json::to_vec(&stored_json(other.as_ref().unwrap_or(&placeholder)))
                .unwrap_or_default();
            std::hint::black_box(body);
            Err(Refusal::not_found())
        }
    }
}

/// The two lookups of a get: the entity asked for, and the other row. When the entity is found,
/// the other is the nil UUID (never stored: a miss); when it is not, the other is the decoy (a
/// hit, then decoded). `(entity, other)`.
fn lookup(
    db: &mut dyn Records,
    ty: &str,
    ws: &str,
    id: &str,
    decoy: Option<(String, String)>,
) -> Result<(Option<Stored>, Option<Stored>), portcullis_backends::Error> {
    let got = db.get(ty, ws, id)?;
    let other = match (&got, decoy) {
        (Some(_), _) => db.get(ty, ws, NIL)?,
        (None, Some((dws, did))) => db.get(ty, &dws, &did)?,
        (None, None) => None,
    };
    Ok((got, other))
}

/// The decoys, whatever a panicking holder left (a map of ids is never half-written).
fn decoys(app: &Shared) -> std::sync::MutexGuard<'_, HashMap<String, (String, String)>> {
    app.decoys.lock().unwrap_or_else(|p| p.into_inner())
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

#[cfg(test)]
mod tests {
    use portcullis::pushdown::Mapping;
    use portcullis::{Entity, Schema};
    use portcullis_backends::sqlite::SqliteStore;
    use portcullis_backends::Records;

    use super::{lookup, NIL};

    const WS: &str = "5a3f2a9e-1111-4c3b-9a7e-000000000001";
    const OTHER_WS: &str = "5a3f2a9e-2222-4c3b-9a7e-000000000002";
    const THERE: &str = "0b6e4c1a-3333-4d2e-8f10-000000000003";
    const DECOY: &str = "0b6e4c1a-4444-4d2e-8f10-000000000004";
    const MISSING: &str = "0b6e4c1a-5555-4d2e-8f10-000000000005";

    fn detail(ws: &str, id: &str) -> Entity {
        serde_json::from_value(serde_json::json!({
            "id": id, "workspace_id": ws, "entity_type": "detail",
            "attributes": {"type": "steel", "tags": ["beam"]},
        }))
        .unwrap()
    }

    /// Found or not, a get finds one row and misses one, and has one entity to serialise.
    #[test]
    fn a_get_finds_one_row_and_misses_one_either_way() {
        let schema = Schema::builtin();
        let mut db = SqliteStore::in_memory(&schema, Mapping::builtin(&schema)).unwrap();
        db.create(&detail(WS, THERE)).unwrap();
        db.create(&detail(OTHER_WS, DECOY)).unwrap();
        let decoy = || Some((OTHER_WS.to_string(), DECOY.to_string()));

        let (got, other) = lookup(&mut db, "detail", WS, THERE, decoy()).unwrap();
        assert_eq!(got.map(|s| s.entity.id), Some(THERE.to_string()));
        assert!(other.is_none(), "the nil UUID is looked up and missed");

        let (got, other) = lookup(&mut db, "detail", WS, MISSING, decoy()).unwrap();
        assert!(got.is_none());
        assert_eq!(other.map(|s| s.entity.id), Some(DECOY.to_string()), "the decoy is read");

        // The nil UUID itself, what a malformed id is looked up as, is missed like any other.
        let (got, other) = lookup(&mut db, "detail", WS, NIL, decoy()).unwrap();
        assert!(got.is_none());
        assert!(other.is_some());
    }
}
