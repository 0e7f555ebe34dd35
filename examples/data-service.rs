//! A sample REST data service: the system of record that the gateway (`gateway/`) fronts.
//!
//! It holds a generated firm (two workspaces, thousands of entities of each type, from a seeded
//! PRNG so every run is identical) plus a small second firm, and answers the gateway's internal
//! requests. It is also an example of a native consumer of the crate: list scoping and search
//! run on `portcullis::Scope`, the same engine the gateway runs as wasm.
//!
//!     cargo run --release --example data-service -- --port 8788 [--size 3000] [--seed 42]
//!
//! Internal API (no authentication: it listens on loopback behind the gateway):
//!   GET  /internal/firms
//!   GET  /internal/workspaces/{ws}/{type}                   every entity of the type (preview)
//!   GET  /internal/workspaces/{ws}/{type}/{id}              {entity, version} or 404
//!   POST /internal/workspaces/{ws}/{type}/query             {scope, require_match, limit, cursor, search}
//!   POST /internal/workspaces/{ws}/{type}                   create {id, attributes}
//!   PUT  /internal/workspaces/{ws}/{type}/{id}              replace {attributes, expected_version}
//!   GET  /internal/files/{ws}/{type}/{id}/{file}            the file's bytes
// The server needs tokio and axum, which are native dev-dependencies only: on wasm32 (where
// `cargo test --target wasm32-unknown-unknown` still builds examples) this is an empty program.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    server::main()
}

#[cfg(not(target_arch = "wasm32"))]
mod server {
    use std::collections::{BTreeMap, HashMap};
    use std::sync::{Arc, RwLock};

    use axum::extract::{Path, State};
    use axum::http::{header, StatusCode};
    use axum::response::{IntoResponse, Response};
    use axum::routing::{get, post};
    use axum::{Json, Router};
    use portcullis::{Entity, PreparedEntity, Schema, Scope};
    use serde::Deserialize;
    use serde_json::{json, Map, Value};

    // ---------------------------------------------------------------------------------------------
    // Well-known ids: the worked example of the seeds (Acme's typical-details library) and the
    // fixtures the gateway's tests and demo rely on. Everything else is generated.
    pub const FIRM_ACME: &str = "a0000000-0000-4000-8000-000000000001";
    pub const WS_MAIN: &str = "a1000000-0000-4000-8000-000000000001";
    pub const WS_SECOND: &str = "a2000000-0000-4000-8000-000000000002";
    pub const FIRM_OTHER: &str = "b0000000-0000-4000-8000-000000000001";
    pub const WS_OTHER: &str = "b1000000-0000-4000-8000-000000000001";
    /// concrete + typical, concrete + project-specific, steel + typical (seed 003, "Step 3").
    pub const DETAIL_CONCRETE_TYPICAL: &str = "d0000000-0000-4000-8000-000000000001";
    pub const DETAIL_CONCRETE_PROJECT: &str = "d0000000-0000-4000-8000-000000000002";
    pub const DETAIL_STEEL_TYPICAL: &str = "d0000000-0000-4000-8000-000000000003";
    /// The seed's preview count for `project_type eq "typical" AND tags intersects ["concrete"]`.
    pub const CONCRETE_TYPICAL_COUNT: usize = 1247;
    pub const PROJECT_MAIN: &str = "c0000000-0000-4000-8000-000000000001";
    pub const USER_MAIN: &str = "e0000000-0000-4000-8000-000000000001";

    const TYPES: [&str; 4] = ["family", "detail", "stash", "tag"];
    const MAX_LIMIT: usize = 1000;

    // ---------------------------------------------------------------------------------------------
    // Deterministic generation. splitmix64: tiny, seedable, and no extra dependency.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn chance(&mut self, percent: u64) -> bool {
            self.next() % 100 < percent
        }
        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[self.below(items.len())]
        }
        fn uuid(&mut self) -> String {
            let (a, b) = (self.next(), self.next());
            let mut bytes = [0u8; 16];
            bytes[..8].copy_from_slice(&a.to_be_bytes());
            bytes[8..].copy_from_slice(&b.to_be_bytes());
            bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
            bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
            let h: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
        }
        /// A date between 2023-01-01 and 2026-06-28, half of them as date-times with an offset.
        fn date(&mut self) -> String {
            let (y, m, d) = (2023 + self.below(4), 1 + self.below(12), 1 + self.below(28));
            let y = if y == 2026 && m > 6 { 2025 } else { y };
            if self.chance(50) {
                format!("{y:04}-{m:02}-{d:02}")
            } else {
                format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:00Z", self.below(24), self.below(60))
            }
        }
        fn tags(&mut self, vocabulary: &[&str], max: usize) -> Vec<Value> {
            let mut out: Vec<&str> = Vec::new();
            for _ in 0..self.below(max + 1) {
                let t = self.pick(vocabulary);
                if !out.contains(&t) {
                    out.push(t);
                }
            }
            out.into_iter().map(|t| json!(t)).collect()
        }
    }

    const TAG_WORDS: [&str; 12] = [
        "concrete",
        "steel",
        "wood",
        "beam",
        "column",
        "slab",
        "reviewed",
        "draft",
        "fire-rated",
        "exterior",
        "masonry",
        "glass",
    ];
    const CATEGORIES: [&str; 5] =
        ["Structural", "Architectural", "Mechanical", "Electrical", "Plumbing"];
    const CLASSIFICATIONS: [&str; 5] = ["Concrete", "Steel", "Wood", "Masonry", "Glass"];
    const NOUNS: [&str; 8] =
        ["Beam", "Column", "Joint", "Slab", "Footing", "Wall", "Door", "Window"];
    const DETAIL_TYPES: [&str; 4] = ["concrete", "steel", "wood", "masonry"];
    const STATUSES: [&str; 3] = ["draft", "published", "archived"];

    fn attrs(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => unreachable!("attributes are built as objects"),
        }
    }

    fn entity(id: &str, ws: &str, ty: &str, attributes: Map<String, Value>) -> Entity {
        Entity {
            id: id.to_string(),
            workspace_id: ws.to_string(),
            entity_type: ty.to_string(),
            attributes,
        }
    }

    /// What one workspace holds: its entities, and the projects and users they refer to (so that a
    /// filter author can pick a `project_id` or `created_by` by name).
    struct Generated {
        entities: Vec<Entity>,
        projects: Vec<Value>,
        users: Vec<Value>,
    }

    /// The entities of one workspace. `library` adds the seeds' worked example (Acme Main only).
    fn generate_workspace(rng: &mut Rng, ws: &str, size: usize, library: bool) -> Generated {
        let projects: Vec<String> = (0..20)
            .map(|i| if library && i == 0 { PROJECT_MAIN.to_string() } else { rng.uuid() })
            .collect();
        let users: Vec<String> = (0..10)
            .map(|i| if library && i == 0 { USER_MAIN.to_string() } else { rng.uuid() })
            .collect();
        let project = |rng: &mut Rng| projects[rng.below(projects.len())].clone();
        let mut out = Vec::with_capacity(size * 4);

        for n in 0..size {
            let mut a = attrs(json!({
                "name": format!("{} {} {}", rng.pick(&CATEGORIES), rng.pick(&NOUNS), n + 1),
                "category": rng.pick(&CATEGORIES),
                "classification": rng.pick(&CLASSIFICATIONS),
                "tags": rng.tags(&TAG_WORDS, 3),
                "created_at": rng.date(),
            }));
            if !rng.chance(10) {
                a.insert("project_id".into(), json!(project(rng)));
            }
            out.push(entity(&rng.uuid(), ws, "family", a));
        }

        // Details. In the library workspace exactly CONCRETE_TYPICAL_COUNT of them are typical and
        // tagged concrete (the seed's preview shows 1,247); every other one is not both.
        let fixed = if library { 3 } else { 0 };
        for n in 0..size.saturating_sub(fixed) {
            let concrete_typical = library && n + 1 < CONCRETE_TYPICAL_COUNT;
            let mut tags = rng.tags(&TAG_WORDS, 3);
            let project_type = if concrete_typical {
                if !tags.contains(&json!("concrete")) {
                    tags.push(json!("concrete"));
                }
                "typical"
            } else if rng.chance(50) {
                "project"
            } else {
                if library {
                    tags.retain(|t| t != "concrete");
                }
                "typical"
            };
            let mut a = attrs(json!({
                "type": rng.pick(&DETAIL_TYPES),
                "project_type": project_type,
                "tags": tags,
                "status": rng.pick(&STATUSES),
                "created_at": rng.date(),
            }));
            if project_type == "project" {
                a.insert("project_id".into(), json!(project(rng)));
            }
            out.push(entity(&rng.uuid(), ws, "detail", a));
        }
        if library {
            let d = |id: &str, ty: &str, pt: &str, tags: Value, extra: Option<&str>| {
                let mut a = attrs(json!({"type": ty, "project_type": pt, "tags": tags,
                    "status": "published", "created_at": "2025-03-14"}));
                if let Some(p) = extra {
                    a.insert("project_id".into(), json!(p));
                }
                entity(id, ws, "detail", a)
            };
            out.push(d(
                DETAIL_CONCRETE_TYPICAL,
                "concrete",
                "typical",
                json!(["concrete", "slab"]),
                None,
            ));
            out.push(d(
                DETAIL_CONCRETE_PROJECT,
                "concrete",
                "project",
                json!(["concrete"]),
                Some(PROJECT_MAIN),
            ));
            out.push(d(DETAIL_STEEL_TYPICAL, "steel", "typical", json!(["steel", "beam"]), None));
        }

        for _ in 0..size {
            let mut a = attrs(json!({
                "is_permanent": rng.chance(30),
                "created_at": rng.date(),
                "created_by": users[rng.below(users.len())],
            }));
            if !rng.chance(15) {
                a.insert("project_id".into(), json!(project(rng)));
            }
            out.push(entity(&rng.uuid(), ws, "stash", a));
        }

        for n in 0..size {
            let name = TAG_WORDS.get(n).map_or_else(|| format!("tag-{n:05}"), |w| w.to_string());
            out.push(entity(&rng.uuid(), ws, "tag", attrs(json!({ "name": name }))));
        }
        const PROJECT_NAMES: [&str; 5] = [
            "Harbor Tower",
            "Elm Street School",
            "North Depot",
            "Riverside Clinic",
            "Civic Library",
        ];
        const USER_NAMES: [&str; 5] =
            ["Ada Park", "Ben Ortiz", "Chloe Nguyen", "Dev Patel", "Eva Schmidt"];
        Generated {
            projects: projects.iter().enumerate()
                .map(|(i, id)| json!({"id": id, "name": format!("{} {}", PROJECT_NAMES[i % 5], i / 5 + 1)})).collect(),
            users: users.iter().enumerate()
                .map(|(i, id)| json!({"id": id, "name": format!("{} {}", USER_NAMES[i % 5], i / 5 + 1)})).collect(),
            entities: out,
        }
    }

    // ---------------------------------------------------------------------------------------------
    // The store: per (workspace, type), entities ordered by id so a cursor is simply the last id.
    struct Record {
        entity: Entity,
        prepared: PreparedEntity,
        version: u64,
    }

    struct Db {
        schema: Schema,
        firms: Vec<Value>,
        collections: HashMap<(String, String), BTreeMap<String, Record>>,
    }

    type Shared = Arc<RwLock<Db>>;

    impl Db {
        fn insert(&mut self, e: Entity, version: u64) {
            let prepared =
                self.schema.prepare(&e).expect("entity types are checked before insertion");
            let key = (e.workspace_id.to_ascii_lowercase(), e.entity_type.clone());
            let id = e.id.to_ascii_lowercase();
            self.collections
                .entry(key)
                .or_default()
                .insert(id, Record { entity: e, prepared, version });
        }
        fn collection(&self, ws: &str, ty: &str) -> Option<&BTreeMap<String, Record>> {
            self.collections.get(&(ws.to_ascii_lowercase(), ty.to_string()))
        }
        fn known_workspace(&self, ws: &str) -> bool {
            let ws = ws.to_ascii_lowercase();
            TYPES.iter().any(|t| self.collections.contains_key(&(ws.clone(), t.to_string())))
        }
    }

    fn build(size: usize, seed: u64) -> Db {
        let mut rng = Rng(seed);
        let plan = [
            (
                FIRM_ACME,
                "Acme Engineering",
                vec![(WS_MAIN, "Acme Main", size, true), (WS_SECOND, "Acme Projects", size, false)],
            ),
            (FIRM_OTHER, "Other Co", vec![(WS_OTHER, "Other Main", (size / 30).max(20), false)]),
        ];
        let mut db =
            Db { schema: Schema::builtin(), firms: Vec::new(), collections: HashMap::new() };
        for (firm, firm_name, workspaces) in plan {
            let mut listed = Vec::new();
            for (ws, name, n, library) in workspaces {
                let g = generate_workspace(&mut rng, ws, n, library);
                listed.push(
                    json!({"id": ws, "name": name, "projects": g.projects, "users": g.users}),
                );
                for e in g.entities {
                    db.insert(e, 1);
                }
            }
            db.firms.push(json!({"id": firm, "name": firm_name, "workspaces": listed}));
        }
        db
    }

    // ---------------------------------------------------------------------------------------------
    // HTTP
    fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
        (status, Json(json!({"error": {"code": code, "message": message.into()}}))).into_response()
    }

    /// An error answer as a check's `Err`: boxed, as a response is large.
    fn refusal(status: StatusCode, code: &str, message: impl Into<String>) -> Box<Response> {
        Box::new(error(status, code, message))
    }

    fn not_found() -> Response {
        error(StatusCode::NOT_FOUND, "not_found", "No such entity.")
    }

    fn check_type(ty: &str) -> Result<(), Box<Response>> {
        if TYPES.contains(&ty) {
            Ok(())
        } else {
            Err(refusal(
                StatusCode::NOT_FOUND,
                "unknown_entity_type",
                format!("unknown entity type {ty:?}"),
            ))
        }
    }

    fn record_json(r: &Record) -> Value {
        json!({"entity": r.entity, "version": r.version})
    }

    async fn firms(State(db): State<Shared>) -> Response {
        Json(json!({"firms": db.read().unwrap().firms})).into_response()
    }

    async fn get_one(
        State(db): State<Shared>,
        Path((ws, ty, id)): Path<(String, String, String)>,
    ) -> Response {
        if let Err(r) = check_type(&ty) {
            return *r;
        }
        let db = db.read().unwrap();
        match db.collection(&ws, &ty).and_then(|c| c.get(&id.to_ascii_lowercase())) {
            Some(r) => Json(record_json(r)).into_response(),
            None => not_found(),
        }
    }

    async fn all_of_type(
        State(db): State<Shared>,
        Path((ws, ty)): Path<(String, String)>,
    ) -> Response {
        if let Err(r) = check_type(&ty) {
            return *r;
        }
        let db = db.read().unwrap();
        let items: Vec<&Entity> = db
            .collection(&ws, &ty)
            .map(|c| c.values().map(|r| &r.entity).collect())
            .unwrap_or_default();
        Json(json!({"items": items})).into_response()
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Query {
        scope: Value,
        #[serde(default)]
        require_match: bool,
        limit: usize,
        #[serde(default)]
        cursor: Option<String>,
        #[serde(default)]
        search: Map<String, Value>,
    }

    /// The service's own search parameters, turned into a predicate so that the native engine
    /// evaluates them too: `ATTR=VALUE` (equality; for a list attribute, "has this value") for the
    /// attributes its index supports, and `q` (case-insensitive substring of `name`, or of `type`
    /// for details).
    fn search_scope(
        schema: &Schema,
        ty: &str,
        search: &Map<String, Value>,
    ) -> Result<(Option<Scope>, Option<String>), Box<Response>> {
        let indexed: &[(&str, &str)] = match ty {
            "family" => &[
                ("name", "text"),
                ("category", "text"),
                ("classification", "text"),
                ("tags", "list"),
                ("project_id", "uuid"),
            ],
            "detail" => &[("type", "text"), ("project_type", "text"), ("tags", "list")],
            "stash" => &[("project_id", "uuid"), ("is_permanent", "bool"), ("created_by", "uuid")],
            _ => &[("name", "text")],
        };
        let mut conditions = Vec::new();
        let mut q = None;
        for (k, v) in search {
            let Some(s) = v.as_str() else {
                return Err(refusal(
                    StatusCode::BAD_REQUEST,
                    "invalid_search",
                    format!("search parameter {k:?} must be a string"),
                ));
            };
            if k == "q" {
                q = Some(s.to_lowercase());
                continue;
            }
            let Some((_, kind)) = indexed.iter().find(|(a, _)| a == k) else {
                let names: Vec<&str> = indexed.iter().map(|(a, _)| *a).collect();
                return Err(refusal(
                    StatusCode::BAD_REQUEST,
                    "unsupported_search_parameter",
                    format!(
                        "unsupported search parameter {k:?}; supported: q, {}",
                        names.join(", ")
                    ),
                ));
            };
            let cond = match *kind {
                "list" => json!({"attr": k, "op": "intersects", "value": [s]}),
                "bool" => match s {
                    "true" => json!({"attr": k, "op": "eq", "value": true}),
                    "false" => json!({"attr": k, "op": "eq", "value": false}),
                    _ => {
                        return Err(refusal(
                            StatusCode::BAD_REQUEST,
                            "invalid_search",
                            format!("{k} must be true or false"),
                        ))
                    }
                },
                _ => json!({"attr": k, "op": "eq", "value": s}),
            };
            conditions.push(cond);
        }
        if conditions.is_empty() {
            return Ok((None, q));
        }
        let scope =
            Scope::from_json(schema, ty, &json!({"all": false, "any": [{"and": conditions}]}))
                .map_err(|d| {
                    error(
                        StatusCode::BAD_REQUEST,
                        "invalid_search",
                        serde_json::to_string(&d).unwrap_or_default(),
                    )
                })?;
        Ok((Some(scope), q))
    }

    fn text_match(e: &Entity, q: &Option<String>) -> bool {
        let Some(q) = q else { return true };
        let field = if e.entity_type == "detail" { "type" } else { "name" };
        e.attributes
            .get(field)
            .and_then(Value::as_str)
            .is_some_and(|s| s.to_lowercase().contains(q.as_str()))
    }

    async fn query(
        State(db): State<Shared>,
        Path((ws, ty)): Path<(String, String)>,
        body: Option<Json<Query>>,
    ) -> Response {
        if let Err(r) = check_type(&ty) {
            return *r;
        }
        let Some(Json(req)) = body else {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "body must be {scope, limit, cursor?, search?, require_match?}",
            );
        };
        let db = db.read().unwrap();
        let scope = match Scope::from_json(&db.schema, &ty, &req.scope) {
            Ok(s) => s,
            Err(d) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_scope",
                    serde_json::to_string(&d).unwrap_or_default(),
                )
            }
        };
        let (search, q) = match search_scope(&db.schema, &ty, &req.search) {
            Ok(s) => s,
            Err(r) => return *r,
        };
        let limit = req.limit.clamp(1, MAX_LIMIT);
        let empty = BTreeMap::new();
        let coll = db.collection(&ws, &ty).unwrap_or(&empty);
        // require_match: does the scope admit anything at all, whatever the caller searched for?
        let scope_matches = if req.require_match {
            Some(coll.values().any(|r| scope.matches(&r.prepared)))
        } else {
            None
        };
        let start = match &req.cursor {
            Some(c) => std::ops::Bound::Excluded(c.to_ascii_lowercase()),
            None => std::ops::Bound::Unbounded,
        };
        let mut items: Vec<(&String, &Entity)> = Vec::with_capacity(limit);
        let mut next_cursor = None;
        for (id, r) in coll.range((start, std::ops::Bound::Unbounded)) {
            if !scope.matches(&r.prepared)
                || !search.as_ref().is_none_or(|s| s.matches(&r.prepared))
                || !text_match(&r.entity, &q)
            {
                continue;
            }
            if items.len() == limit {
                // One more match exists: the page is full and the cursor is its last id.
                next_cursor = items.last().map(|(id, _)| id.to_string());
                break;
            }
            items.push((id, &r.entity));
        }
        let items: Vec<&Entity> = items.into_iter().map(|(_, e)| e).collect();
        Json(json!({"items": items, "next_cursor": next_cursor, "scope_matches": scope_matches}))
            .into_response()
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Create {
        id: String,
        attributes: Map<String, Value>,
    }

    async fn create(
        State(db): State<Shared>,
        Path((ws, ty)): Path<(String, String)>,
        body: Option<Json<Create>>,
    ) -> Response {
        if let Err(r) = check_type(&ty) {
            return *r;
        }
        let Some(Json(req)) = body else {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "body must be {id, attributes}",
            );
        };
        let mut db = db.write().unwrap();
        if !db.known_workspace(&ws) {
            return error(StatusCode::NOT_FOUND, "unknown_workspace", "no such workspace");
        }
        if db.collection(&ws, &ty).is_some_and(|c| c.contains_key(&req.id.to_ascii_lowercase())) {
            return error(StatusCode::CONFLICT, "duplicate_id", "an entity with this id exists");
        }
        db.insert(entity(&req.id, &ws.to_ascii_lowercase(), &ty, req.attributes), 1);
        let r = &db.collection(&ws, &ty).unwrap()[&req.id.to_ascii_lowercase()];
        (StatusCode::CREATED, Json(record_json(r))).into_response()
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Replace {
        attributes: Map<String, Value>,
        expected_version: u64,
    }

    async fn replace(
        State(db): State<Shared>,
        Path((ws, ty, id)): Path<(String, String, String)>,
        body: Option<Json<Replace>>,
    ) -> Response {
        if let Err(r) = check_type(&ty) {
            return *r;
        }
        let Some(Json(req)) = body else {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "body must be {attributes, expected_version}",
            );
        };
        let mut db = db.write().unwrap();
        let Some(current) = db.collection(&ws, &ty).and_then(|c| c.get(&id.to_ascii_lowercase()))
        else {
            return not_found();
        };
        // Optimistic concurrency: the gateway decided on the version it read.
        if current.version != req.expected_version {
            return error(
                StatusCode::CONFLICT,
                "version_conflict",
                "the entity changed since it was read",
            );
        }
        let e = entity(&current.entity.id, &current.entity.workspace_id, &ty, req.attributes);
        let version = current.version + 1;
        db.insert(e, version);
        Json(record_json(&db.collection(&ws, &ty).unwrap()[&id.to_ascii_lowercase()]))
            .into_response()
    }

    async fn file(
        State(db): State<Shared>,
        Path((ws, ty, id, name)): Path<(String, String, String, String)>,
    ) -> Response {
        let db = db.read().unwrap();
        let Some(r) = db.collection(&ws, &ty).and_then(|c| c.get(&id.to_ascii_lowercase())) else {
            return not_found();
        };
        let ext = name.rsplit('.').next().unwrap_or("");
        let allowed: &[&str] = match ty.as_str() {
            "family" => &["rfa"],
            "detail" => &["rvt", "pdf"],
            "stash" => &["zip"],
            _ => &[],
        };
        if name != format!("{}.{ext}", r.entity.id) || !allowed.contains(&ext) {
            return not_found();
        }
        // Synthetic, deterministic content: enough to prove the download path end to end.
        let body = format!("portcullis sample {ext} file for {ty} {}\n", r.entity.id);
        ([(header::CONTENT_TYPE, "application/octet-stream")], body).into_response()
    }

    fn arg(args: &[String], name: &str) -> Option<String> {
        args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
    }

    #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
    pub async fn main() {
        let args: Vec<String> = std::env::args().collect();
        let port: u16 = arg(&args, "--port").map(|p| p.parse().expect("--port N")).unwrap_or(8788);
        let size: usize =
            arg(&args, "--size").map(|p| p.parse().expect("--size N")).unwrap_or(3000);
        let seed: u64 = arg(&args, "--seed").map(|p| p.parse().expect("--seed N")).unwrap_or(42);
        let host = arg(&args, "--host").unwrap_or_else(|| "127.0.0.1".into());

        assert!(
            size >= CONCRETE_TYPICAL_COUNT + 3,
            "--size must be at least {}",
            CONCRETE_TYPICAL_COUNT + 3
        );
        let db: Shared = Arc::new(RwLock::new(build(size, seed)));
        let app = Router::new()
            .route("/internal/firms", get(firms))
            .route("/internal/workspaces/{ws}/{ty}", get(all_of_type).post(create))
            .route("/internal/workspaces/{ws}/{ty}/query", post(query))
            .route("/internal/workspaces/{ws}/{ty}/{id}", get(get_one).put(replace))
            .route("/internal/files/{ws}/{ty}/{id}/{name}", get(file))
            .fallback(|| async { error(StatusCode::NOT_FOUND, "not_found", "no such route") })
            .with_state(db);
        let listener = tokio::net::TcpListener::bind((host.as_str(), port)).await.expect("bind");
        let addr = listener.local_addr().expect("local address");
        // The gateway's tests and demo read this line to learn the ephemeral port.
        println!("data-service listening on http://{addr}");
        use std::io::Write;
        std::io::stdout().flush().ok();
        axum::serve(listener, app).await.expect("serve");
    }
}
