//! An example service: entities held in memory and protected by the engine.
//!
//! One firm, one workspace, the worked-example filter ("Concrete details (typical library)"), a
//! key with a read grant on it, and 1,000 details. `GET /details/{id}` answers 200 for a detail
//! the key may read and the same 404 for one outside its grants as for one that does not exist;
//! `GET /details` lists only what the grants match; `GET /stashes` is 403 `insufficient_scope`
//! (no stash grant); a missing or unknown bearer token is 401 `invalid_token`.
//!
//! At start it prints a broken filter with the engine's caret under the mistake and the
//! explanation of a refused read, then `listening on http://127.0.0.1:PORT`.
//!
//! ```text
//! cargo run --release -p portcullis-example-service -- --port 8090
//! curl -H 'Authorization: Bearer example-token' http://127.0.0.1:8090/details?limit=5
//! ```

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use portcullis::grants::{
    Decision, DenyCode, Entities, FilterRecord, Firm, Grant, Key, PolicyStore, Request,
};
use portcullis::{validate, Action, Entity, FilterDraft, Schema};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

const FIRM: &str = "f1000000-0000-4000-8000-000000000001";
const WORKSPACE: &str = "a1000000-0000-4000-8000-00000000000a";
const TOKEN: &str = "example-token";
const KEY: &str = "key_vendor";

/// What every request reads: the compiled policy and the entities, built once at start.
struct App {
    store: PolicyStore,
    entities: Entities,
    /// The entities as JSON, by id, to answer with.
    bodies: HashMap<String, Value>,
    /// Bearer tokens and the keys they stand for (a real service mints and expires them).
    tokens: HashMap<String, String>,
}

/// The id of the n-th detail: a UUID, as every entity id must be.
fn detail_id(n: u32) -> String {
    format!("e0000000-0000-4000-8000-{n:012}")
}

/// 1,000 details: a quarter typical concrete, the rest spread over other types and projects.
fn details() -> Vec<Entity> {
    (0..1000)
        .map(|n| {
            let kind = ["concrete", "steel", "timber", "masonry"][(n % 4) as usize];
            let project_type = if n % 2 == 0 { "typical" } else { "project" };
            Entity::new(
                detail_id(n),
                WORKSPACE,
                "detail",
                json!({"type": kind, "project_type": project_type, "tags": [kind]}),
            )
        })
        .collect()
}

fn build() -> Result<App, String> {
    let schema = Schema::builtin();
    let mut store = PolicyStore::new(schema.clone());
    store.put_firm(&Firm::new(FIRM, [WORKSPACE])).map_err(|d| d.render(None))?;
    store
        .put_filter(FilterRecord::new(
            "flt_concrete_typical",
            WORKSPACE,
            "detail",
            "Concrete details (typical library)",
            r#"project_type eq "typical" AND tags intersects ["concrete"]"#,
        ))
        .map_err(|ds| ds.iter().map(|d| d.render(None)).collect::<String>())?;
    let report = store.put_key(Key::new(KEY, FIRM).with_grant(Grant::new(
        WORKSPACE,
        "flt_concrete_typical",
        [Action::Read],
    )));
    if !report.valid {
        return Err(format!("the example key's grants are invalid: {:?}", report.errors));
    }
    let all = details();
    let bodies = all
        .iter()
        .map(|e| (e.id.clone(), json!({"id": e.id, "attributes": e.attributes})))
        .collect();
    let entities = Entities::new(store.schema(), &all).map_err(|d| d.render(None))?;
    let tokens = HashMap::from([(TOKEN.to_string(), KEY.to_string())]);
    Ok(App { store, entities, bodies, tokens })
}

/// What an author sees for a filter with a mistake: the engine's diagnostic, caret and help.
fn show_broken_filter() {
    let text = r#"project_type eq "typical" AND tags intersect ["concrete"]"#;
    let draft = FilterDraft::new("detail", "Concrete details (typical library)", text);
    for d in validate(&Schema::builtin(), &draft).errors {
        print!("{}", d.render(Some(text)));
    }
}

/// The key behind the request's bearer token; `None` when it has none or an unknown one
/// (decided as unknown credentials: 401).
fn key_of<'a>(app: &'a App, headers: &HeaderMap) -> Option<&'a str> {
    let auth = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = auth.strip_prefix("Bearer ")?;
    app.tokens.get(token).map(String::as_str)
}

/// A refusal as the wire shows it: the status and `{"error": {"code", "message"}}`.
fn refusal(code: DenyCode) -> Response {
    let message = match code {
        DenyCode::InvalidToken => "The access token is missing, unknown, expired or revoked.",
        DenyCode::InsufficientScope => "The key has no grant that allows this request.",
        DenyCode::NotFound => "No such entity.",
    };
    let status = StatusCode::from_u16(code.status()).unwrap_or(StatusCode::FORBIDDEN);
    let mut res = (status, Json(json!({"error": {"code": code.as_str(), "message": message}})))
        .into_response();
    if code == DenyCode::InvalidToken {
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer error=\"invalid_token\""),
        );
    }
    res
}

/// The entity type a collection names (`details` → `detail`), from the schema.
fn entity_type(app: &App, collection: &str) -> Option<String> {
    app.store
        .schema()
        .entity_types
        .iter()
        .find(|t| t.collection == collection)
        .map(|t| t.name.clone())
}

fn answer(decision: Decision, ok: impl FnOnce(Decision) -> Response) -> Response {
    match decision.code {
        Some(code) => refusal(code),
        None => ok(decision),
    }
}

async fn get_one(
    State(app): State<Arc<App>>,
    Path((collection, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let Some(t) = entity_type(&app, &collection) else { return refusal(DenyCode::NotFound) };
    let req = Request::get(WORKSPACE, t, id.as_str());
    answer(app.store.decide_in(key_of(&app, &headers), &req, &app.entities), |_| {
        let body = app.entities.get(&id).and_then(|row| app.bodies.get(&row.id));
        Json(json!({"data": body})).into_response()
    })
}

async fn list(
    State(app): State<Arc<App>>,
    Path(collection): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let Some(t) = entity_type(&app, &collection) else { return refusal(DenyCode::NotFound) };
    let limit = match query.get("limit").map(|l| l.parse::<usize>()) {
        None => 50,
        Some(Ok(n)) if (1..=200).contains(&n) => n,
        Some(_) => {
            let body = json!({"error": {"code": "invalid_limit", "message": "limit is a whole number from 1 to 200."}});
            return (StatusCode::BAD_REQUEST, Json(body)).into_response();
        }
    };
    let req = Request::list(WORKSPACE, t);
    answer(app.store.decide_in(key_of(&app, &headers), &req, &app.entities), |d| {
        let ids = d.ids.unwrap_or_default();
        let page: Vec<&Value> =
            ids.iter().take(limit).filter_map(|id| app.bodies.get(id)).collect();
        Json(json!({"data": page, "total": ids.len()})).into_response()
    })
}

#[tokio::main]
async fn main() {
    let port = match std::env::args().skip_while(|a| a != "--port").nth(1).map(|p| p.parse::<u16>())
    {
        None => 8090,
        Some(Ok(p)) => p,
        Some(Err(_)) => {
            eprintln!("usage: portcullis-example-service [--port PORT]");
            std::process::exit(2);
        }
    };
    let app = match build() {
        Ok(app) => Arc::new(app),
        Err(e) => {
            eprintln!("the example's policy did not load:\n{e}");
            std::process::exit(1);
        }
    };
    println!("== a filter with a mistake, as the engine reports it");
    show_broken_filter();
    println!("== why a steel detail is not readable by the example key");
    let steel = Request::get(WORKSPACE, "detail", detail_id(1));
    print!("{}", app.store.explain(Some(KEY), &steel, app.entities.data_for(&steel)).render());
    let router = Router::new()
        .route("/{collection}", get(list))
        .route("/{collection}/{id}", get(get_one))
        .with_state(app);
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on 127.0.0.1:{port}: {e}");
            std::process::exit(1);
        }
    };
    let bound = listener.local_addr().map(|a| a.port()).unwrap_or(port);
    println!("listening on http://127.0.0.1:{bound} (bearer token: {TOKEN})");
    if let Err(e) = axum::serve(listener, router).await {
        eprintln!("the server stopped: {e}");
        std::process::exit(1);
    }
}
