//! Lists, preview counts, edit impact and value suggestions: each compiled by the engine and
//! run where the data is (SQL for families, stashes and tags; the search index for details),
//! a page at a time, never by loading a workspace.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use axum::Json;
use portcullis::limits::PREVIEW_CAP;
use portcullis::preview::check_previewable;
use portcullis::pushdown::{
    compile_filter, compile_impact, compile_list, compile_scope, compile_search,
    compile_search_scope, SearchQuery,
};
use portcullis::value::{format_uuid, parse_uuid};
use portcullis::{
    compile_source, CompiledFilter, Diagnostic, Entity, PredicateSource, PreviewCount, Scope,
};
use portcullis_backends::Stored;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::search::{self, Search};
use super::{body, entity_type, workspace, Answer, Refusal, Shared};
use crate::index::INDEXED_TYPE;
use crate::store::text_search;

/// The largest page.
const MAX_LIMIT: usize = 1000;
/// The most ids an impact's sample lists.
const MAX_SAMPLE: usize = 100;
/// The most values a suggestion lists.
const MAX_VALUES: usize = 100;
/// Suggestions count the values of at most this many entities: a bounded query on a
/// workspace of any size.
const VALUES_SAMPLE: usize = 100_000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueryBody {
    scope: Value,
    #[serde(default)]
    require_match: bool,
    limit: usize,
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default)]
    search: Map<String, Value>,
}

/// A compile that failed: the engine's diagnostic as a 400.
fn refused(code: &'static str) -> impl Fn(Diagnostic) -> Refusal {
    move |d| Refusal::diagnosed(code, &[d])
}

/// `POST …/query`: one page of what the scope admits and the caller searched for.
pub async fn query(
    State(app): State<Shared>,
    Path((ws, ty)): Path<(String, String)>,
    b: Result<Json<QueryBody>, JsonRejection>,
) -> Answer {
    let ty = entity_type(&app, &ty)?.to_string();
    let ws = workspace(&ws)?;
    let req = body(b, "{scope, limit, cursor?, search?, require_match?}")?;
    let scope = Scope::from_json(&app.schema, &ty, &req.scope)
        .map_err(|d| Refusal::diagnosed("invalid_scope", &d))?;
    let search = search::read(&app.schema, &ty, &req.search)?;
    let cursor = match &req.cursor {
        Some(c) => Some(parse_uuid(c).map(format_uuid).ok_or_else(|| {
            Refusal::bad("invalid_cursor", "the cursor is not an entity id of this list")
        })?),
        None => None,
    };
    let limit = req.limit.clamp(1, MAX_LIMIT);
    let scope = Arc::new(scope);
    let search = Arc::new(search);

    // A page, and the cursor of the next one when another follows.
    let (rows, next_cursor) = if ty == INDEXED_TYPE {
        detail_page(&app, &ws, &scope, &search, cursor, limit).await?
    } else {
        let q = compile_list(
            &app.schema,
            &app.store.mapping,
            app.store.dialect,
            &ty,
            &scope,
            search.filter.as_deref(),
        )
        .map_err(refused("invalid_scope"))?;
        let (t, w, text) = (ty.clone(), ws.clone(), search.text.clone());
        let mut rows = app
            .store
            .run(move |db| db.page(&t, &w, &q, text.as_deref(), cursor.as_deref(), limit + 1))
            .await?;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next = if more { rows.last().map(|s| s.entity.id.clone()) } else { None };
        (rows, next)
    };
    let items = checked(&app, &scope, &search, rows);

    // Whether the scope alone admits anything, whatever the caller searched for.
    let scope_matches = if req.require_match {
        let q = compile_scope(&app.schema, &app.store.mapping, app.store.dialect, &ty, &scope)
            .map_err(refused("invalid_scope"))?;
        let (t, w) = (ty.clone(), ws.clone());
        Some(app.store.run(move |db| db.count(&t, &w, &q, 1)).await? > 0)
    } else {
        None
    };
    Ok(Json(json!({"items": items, "next_cursor": next_cursor, "scope_matches": scope_matches}))
        .into_response())
}

/// A page of details: ids from the index, rows from the database; and the next page's cursor.
async fn detail_page(
    app: &Shared,
    ws: &str,
    scope: &Scope,
    search: &Search,
    cursor: Option<String>,
    limit: usize,
) -> Result<(Vec<Stored>, Option<String>), Refusal> {
    let mut q =
        compile_search_scope(&app.schema, INDEXED_TYPE, scope).map_err(refused("invalid_scope"))?;
    if let Some(f) = &search.filter {
        let s = compile_search(&app.schema, f).map_err(refused("invalid_search"))?;
        q = SearchQuery::And(vec![q, s]);
    }
    let (w, text) = (ws.to_string(), search.text.clone());
    let ids = app
        .read_index(move |d| d.index.page(&w, &q, text.as_deref(), cursor.as_deref(), limit + 1))
        .await?;
    let more = ids.len() > limit;
    let mut ids = ids;
    ids.truncate(limit);
    // The cursor is the index's: a last id whose row is gone still moves the walk on.
    let next = if more { ids.last().cloned() } else { None };
    let w = ws.to_string();
    let rows = app.store.run(move |db| db.get_many(INDEXED_TYPE, &w, &ids)).await?;
    Ok((rows, next))
}

/// The rows read back, each checked by the engine against the scope and the search: a
/// lagging index or a stale row never puts an entity outside them in a page.
fn checked(app: &Shared, scope: &Scope, search: &Search, rows: Vec<Stored>) -> Vec<Entity> {
    let text = text_search();
    let mut out = Vec::with_capacity(rows.len());
    for s in rows {
        let keep = app.schema.prepare(&s.entity).is_some_and(|p| {
            scope.matches(&p) && search.filter.as_ref().is_none_or(|f| f.matches(&p))
        }) && search
            .text
            .as_ref()
            .is_none_or(|q| text.text_of(&s.entity).is_some_and(|t| t.contains(q.as_str())));
        if keep {
            out.push(s.entity);
        } else {
            eprintln!(
                "data-service: {} {} read back outside the list's query; left out",
                s.entity.entity_type, s.entity.id
            );
        }
    }
    out
}

/// A predicate in its JSON form, compiled for the type.
fn filter_of(app: &Shared, ty: &str, v: Value) -> Result<CompiledFilter, Refusal> {
    compile_source(&app.schema, ty, &PredicateSource::Json(v))
        .map(|(f, _)| f)
        .map_err(|d| Refusal::diagnosed("invalid_filter", &d))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountBody {
    filter: Value,
}

/// `POST …/count`: a preview, counted where the data is and stopped one past the cap.
pub async fn count(
    State(app): State<Shared>,
    Path((ws, ty)): Path<(String, String)>,
    b: Result<Json<CountBody>, JsonRejection>,
) -> Answer {
    let ty = entity_type(&app, &ty)?.to_string();
    let ws = workspace(&ws)?;
    let f = filter_of(&app, &ty, body(b, "{filter}")?.filter)?;
    check_previewable(&app.schema, &f).map_err(|d| Refusal::diagnosed(d.code.as_str(), &[d]))?;
    let n = if ty == INDEXED_TYPE {
        let q = compile_search(&app.schema, &f).map_err(refused("not_searchable"))?;
        app.read_index(move |d| d.index.count(&ws, &q, None, PREVIEW_CAP + 1)).await?
    } else {
        let q = compile_filter(&app.schema, &app.store.mapping, app.store.dialect, &f)
            .map_err(refused("invalid_filter"))?;
        app.store.run(move |db| db.count(&ty, &ws, &q, PREVIEW_CAP + 1)).await?
    };
    let p = PreviewCount::of_matches(n);
    Ok(Json(json!({"count": p.count, "truncated": p.truncated, "display": p.display()}))
        .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImpactBody {
    before: Value,
    after: Value,
    #[serde(default)]
    sample: Option<usize>,
}

/// `POST …/impact`: what an edit of a filter would give and take away, counted in the
/// database (each count stopped one past the preview cap), with a sample of ids of each.
pub async fn impact(
    State(app): State<Shared>,
    Path((ws, ty)): Path<(String, String)>,
    b: Result<Json<ImpactBody>, JsonRejection>,
) -> Answer {
    let ty = entity_type(&app, &ty)?.to_string();
    let ws = workspace(&ws)?;
    let req = body(b, "{before, after, sample?}")?;
    let before = filter_of(&app, &ty, req.before)?;
    let after = filter_of(&app, &ty, req.after)?;
    let sample = req.sample.unwrap_or(20).min(MAX_SAMPLE);
    let [gained, lost] =
        compile_impact(&app.schema, &app.store.mapping, app.store.dialect, &before, &after)
            .map_err(refused("invalid_filter"))?;
    let (g, l, gs, ls) = app
        .store
        .run(move |db| {
            Ok((
                db.count(&ty, &ws, &gained, PREVIEW_CAP + 1)?,
                db.count(&ty, &ws, &lost, PREVIEW_CAP + 1)?,
                db.page_ids(&ty, &ws, &gained, sample)?,
                db.page_ids(&ty, &ws, &lost, sample)?,
            ))
        })
        .await?;
    let (g, l) = (PreviewCount::of_matches(g), PreviewCount::of_matches(l));
    Ok(Json(json!({
        "gained": g.count, "gained_truncated": g.truncated, "gained_sample": gs,
        "lost": l.count, "lost_truncated": l.truncated, "lost_sample": ls,
    }))
    .into_response())
}

#[derive(Deserialize)]
pub struct ValuesParams {
    attribute: Option<String>,
    limit: Option<String>,
}

/// `GET …/values?attribute=A&limit=N`: the most common values of an attribute in the
/// workspace, for a filter author's suggestions.
pub async fn values(
    State(app): State<Shared>,
    Path((ws, ty)): Path<(String, String)>,
    Query(p): Query<ValuesParams>,
) -> Answer {
    let ty = entity_type(&app, &ty)?.to_string();
    let ws = workspace(&ws)?;
    let attribute =
        p.attribute.ok_or_else(|| Refusal::bad("invalid_query", "attribute is required"))?;
    let known = app
        .schema
        .entity_type(&ty)
        .is_some_and(|t| t.attributes.iter().any(|a| a.name == attribute));
    if !known {
        return Err(Refusal::bad(
            "unknown_attribute",
            format!("{ty} has no attribute {attribute:?}"),
        ));
    }
    let limit = match p.limit.as_deref() {
        None => 20,
        Some(l) => match l.parse::<usize>() {
            Ok(n) if n >= 1 => n.min(MAX_VALUES),
            _ => return Err(Refusal::bad("invalid_limit", "limit must be a positive integer")),
        },
    };
    let values =
        app.store.run(move |db| db.values(&ty, &ws, &attribute, VALUES_SAMPLE, limit)).await?;
    let values: Vec<Value> =
        values.into_iter().map(|(value, count)| json!({"value": value, "count": count})).collect();
    Ok(Json(json!({ "values": values })).into_response())
}
