//! The data service as the gateway meets it: the binary, started on SQLite and on a throwaway
//! PostgreSQL cluster, asked over real HTTP on 127.0.0.1. Every list is checked against the
//! engine's own evaluation of the same entities, read back through the service.

#[allow(dead_code)]
#[path = "../../backends/tests/support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use portcullis::{compile, Entity, Schema};
use serde_json::{json, Value};

const WS: &str = "a1000000-0000-4000-8000-000000000001";
const SIZE: &str = "1250";

/// A running service; killed when dropped.
struct Service {
    child: Child,
    base: String,
    log: String,
}

impl Drop for Service {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn start(args: &[&str]) -> Service {
    static STARTS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = STARTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let log_path =
        std::env::temp_dir().join(format!("portcullis-ds-log-{}-{n}", std::process::id()));
    let log_file = std::fs::File::create(&log_path).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_portcullis-data-service"))
        .args(["--port", "0", "--size", SIZE])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(log_file)
        .spawn()
        .expect("the data service starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    // What it said before it listened: whether it rebuilt its index.
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    std::fs::remove_file(&log_path).ok();
    assert!(line.contains("listening on"), "the service did not start: {line}{log}");
    let base = line.trim().rsplit("http://").next().unwrap().to_string();
    Service { child, base, log }
}

/// One HTTP/1.1 request; the status and the JSON body.
fn call(s: &Service, method: &str, path: &str, body: Option<&str>) -> (u16, Value) {
    let mut stream = TcpStream::connect(&s.base).unwrap();
    let body = body.unwrap_or("");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let status: u16 = raw[9..12].parse().unwrap();
    let (head, rest) = raw.split_once("\r\n\r\n").unwrap();
    let text = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        dechunk(rest)
    } else {
        rest.to_string()
    };
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

fn post(s: &Service, path: &str, body: Value) -> (u16, Value) {
    call(s, "POST", path, Some(&body.to_string()))
}

/// Every page of a list, walked with its cursors.
fn walk(s: &Service, ty: &str, scope: &Value, search: &Value, limit: usize) -> Vec<Entity> {
    let mut out = Vec::new();
    let mut cursor = Value::Null;
    loop {
        let (status, page) = post(
            s,
            &format!("/internal/workspaces/{WS}/{ty}/query"),
            json!({"scope": scope, "limit": limit, "cursor": cursor, "search": search}),
        );
        assert_eq!(status, 200, "{page}");
        let items: Vec<Entity> = serde_json::from_value(page["items"].clone()).unwrap();
        assert!(items.len() <= limit);
        out.extend(items);
        if page["next_cursor"].is_null() {
            return out;
        }
        cursor = page["next_cursor"].clone();
    }
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("portcullis-ds-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// What the engine says a scope (of predicate texts) and a search admit among `all`.
fn expected(
    all: &[Entity],
    ty: &str,
    scope: &[&str],
    search: &[&str],
    q: Option<&str>,
) -> Vec<String> {
    let schema = Schema::builtin();
    let scope: Vec<_> = scope.iter().map(|p| compile(&schema, ty, p).unwrap()).collect();
    let search: Vec<_> = search.iter().map(|p| compile(&schema, ty, p).unwrap()).collect();
    let text = if ty == "detail" { "type" } else { "name" };
    let mut ids: Vec<String> = all
        .iter()
        .filter(|e| {
            let p = schema.prepare(e).unwrap();
            scope.iter().any(|f| f.matches(&p))
                && search.iter().all(|f| f.matches(&p))
                && q.is_none_or(|q| {
                    e.attributes[text]
                        .as_str()
                        .is_some_and(|t| t.to_lowercase().contains(&q.to_lowercase()))
                })
        })
        .map(|e| e.id.clone())
        .collect();
    ids.sort();
    ids
}

fn ids(items: &[Entity]) -> Vec<String> {
    items.iter().map(|e| e.id.clone()).collect()
}

fn scope_json(ty: &str, scope: &[&str]) -> Value {
    let schema = Schema::builtin();
    let any: Vec<Value> = scope
        .iter()
        .map(|p| serde_json::to_value(compile(&schema, ty, p).unwrap().predicate()).unwrap())
        .collect();
    json!({"all": false, "any": any})
}

/// Lists, search, previews, impact and values, each equal to the engine's answer.
fn lists_equal_the_engine(s: &Service) {
    for (ty, scope, search, search_preds, q) in [
        (
            "detail",
            vec![
                r#"project_type eq "typical" AND tags intersects ["concrete"]"#,
                r#"type eq "steel""#,
            ],
            json!({}),
            vec![],
            None,
        ),
        (
            "detail",
            vec![r#"NOT tags intersects ["concrete"]"#],
            json!({"tags": "steel", "q": "STE"}),
            vec![r#"tags intersects ["steel"]"#],
            Some("ste"),
        ),
        (
            "family",
            vec![r#"category eq "Structural" OR tags contains ["steel", "wood"]"#],
            json!({"q": "beam"}),
            vec![],
            Some("beam"),
        ),
        (
            "stash",
            vec![r#"is_permanent eq true"#, r#"created_at gt "2025-06-01""#],
            json!({"is_permanent": "true"}),
            vec!["is_permanent eq true"],
            None,
        ),
        ("tag", vec![r#"name in ["concrete", "steel", "tag-00100"]"#], json!({}), vec![], None),
    ] {
        let all = walk(s, ty, &json!({"all": true}), &json!({}), 1000);
        assert!(all.len() >= 1250, "{ty}: {}", all.len());
        let want = expected(&all, ty, &scope, &search_preds, q);
        for limit in [7, 50] {
            let got = walk(s, ty, &scope_json(ty, &scope), &search, limit);
            assert_eq!(ids(&got), want, "{ty} {scope:?} {search} limit {limit}");
        }
    }
    let worked = json!({"and": [{"attr": "project_type", "op": "eq", "value": "typical"},
        {"attr": "tags", "op": "intersects", "value": ["concrete"]}]});
    let (status, c) =
        post(s, &format!("/internal/workspaces/{WS}/detail/count"), json!({"filter": worked}));
    assert_eq!(
        (status, c["count"].as_u64(), c["display"].as_str()),
        (200, Some(1247), Some("1,247"))
    );
    let all = walk(s, "family", &json!({"all": true}), &json!({}), 1000);
    let (b, a) = (
        r#"category eq "Structural""#,
        r#"category in ["Structural", "Plumbing"] AND NOT tags intersects ["steel"]"#,
    );
    let (status, impact) = post(
        s,
        &format!("/internal/workspaces/{WS}/family/impact"),
        json!({"before": scope_json("family", &[b])["any"][0], "after": scope_json("family", &[a])["any"][0], "sample": 5}),
    );
    assert_eq!(status, 200, "{impact}");
    let before = expected(&all, "family", &[b], &[], None);
    let after = expected(&all, "family", &[a], &[], None);
    let gained: Vec<&String> = after.iter().filter(|i| !before.contains(i)).collect();
    let lost: Vec<&String> = before.iter().filter(|i| !after.contains(i)).collect();
    assert_eq!(impact["gained"].as_u64(), Some(gained.len() as u64));
    assert_eq!(impact["lost"].as_u64(), Some(lost.len() as u64));
    assert_eq!(impact["gained_sample"], json!(gained.iter().take(5).collect::<Vec<_>>()));
    let (status, v) = call(
        s,
        "GET",
        &format!("/internal/workspaces/{WS}/detail/values?attribute=type&limit=2"),
        None,
    );
    assert_eq!(status, 200);
    let values = v["values"].as_array().unwrap();
    assert_eq!(values.len(), 2);
    assert!(values[0]["count"].as_u64() >= values[1]["count"].as_u64());
}

/// A create and an update are in the very next list and preview; stale versions conflict.
fn writes_are_seen_at_once(s: &Service) -> String {
    let id = "d9000000-0000-4000-8000-000000000001";
    let attrs =
        json!({"type": "zinc", "project_type": "typical", "tags": ["roof"], "status": "draft"});
    let (status, created) = post(
        s,
        &format!("/internal/workspaces/{WS}/detail"),
        json!({"id": id, "attributes": attrs}),
    );
    assert_eq!((status, created["version"].as_i64()), (201, Some(1)), "{created}");
    let (status, _) = post(
        s,
        &format!("/internal/workspaces/{WS}/detail"),
        json!({"id": id, "attributes": attrs}),
    );
    assert_eq!(status, 409);
    let zinc = scope_json("detail", &[r#"type eq "zinc""#]);
    assert_eq!(ids(&walk(s, "detail", &zinc, &json!({}), 50)), [id]);
    let replaced = json!({"attributes": {"type": "zinc", "project_type": "project", "tags": ["roof", "concrete"]}, "expected_version": 1});
    let path = format!("/internal/workspaces/{WS}/detail/{id}");
    let (status, r) = call(s, "PUT", &path, Some(&replaced.to_string()));
    assert_eq!((status, r["version"].as_i64()), (200, Some(2)), "{r}");
    let (status, _) = call(s, "PUT", &path, Some(&replaced.to_string()));
    assert_eq!(status, 409, "a stale version conflicts");
    let project = scope_json("detail", &[r#"type eq "zinc" AND project_type eq "project""#]);
    assert_eq!(ids(&walk(s, "detail", &project, &json!({}), 50)), [id]);
    let (status, got) = call(s, "GET", &path, None);
    assert_eq!(
        (status, got["entity"]["attributes"]["tags"].clone()),
        (200, json!(["roof", "concrete"]))
    );
    id.to_string()
}

/// Bad input is a 400 with a code, never a 500.
fn bad_input_is_refused(s: &Service) {
    let q = format!("/internal/workspaces/{WS}/stash/query");
    for (body, code) in [
        (
            json!({"scope": {"all": false, "any": [{"attr": "nope", "op": "eq", "value": 1}]}, "limit": 5}),
            "invalid_scope",
        ),
        (json!({"scope": {"all": true}, "limit": 5, "cursor": "not-a-uuid"}), "invalid_cursor"),
        (
            json!({"scope": {"all": true}, "limit": 5, "search": {"is_permanent": "maybe"}}),
            "invalid_search",
        ),
        (
            json!({"scope": {"all": true}, "limit": 5, "search": {"project_id": "x"}}),
            "invalid_search",
        ),
        (
            json!({"scope": {"all": true}, "limit": 5, "search": {"colour": "red"}}),
            "unsupported_search_parameter",
        ),
        (json!({"scope": {"all": true}, "limit": 5, "search": {"q": 3}}), "invalid_search"),
        (json!({"scope": {"all": true}, "limit": -1}), "invalid_request"),
    ] {
        let (status, r) = post(s, &q, body.clone());
        assert_eq!((status, r["error"]["code"].as_str()), (400, Some(code)), "{body}: {r}");
    }
    // A text with U+0000 (which PostgreSQL cannot hold) in a search or a filter value: an
    // answer, or a 400 `unstorable`, never a failure of the store.
    for (ty, body) in [
        ("family", json!({"scope": {"all": true}, "limit": 5, "search": {"q": "a\u{0}b"}})),
        (
            "tag",
            json!({"scope": {"all": false, "any": [{"attr": "name", "op": "neq", "value": "a\u{0}"}]}, "limit": 5}),
        ),
        ("detail", json!({"scope": {"all": true}, "limit": 5, "search": {"type": "x\u{0}"}})),
    ] {
        let (status, r) = post(s, &format!("/internal/workspaces/{WS}/{ty}/query"), body.clone());
        let refused = status == 400 && r["error"]["code"] == "unstorable";
        assert!(status == 200 || refused, "{body}: {status} {r}");
    }
    let (status, r) = call(s, "POST", &q, Some("{not json"));
    assert_eq!((status, r["error"]["code"].as_str()), (400, Some("invalid_request")));
    let (status, r) = post(
        s,
        &format!("/internal/workspaces/{WS}/tag/count"),
        json!({"filter": {"attr": "name", "op": "eq", "value": "a"}}),
    );
    assert_eq!((status, r["error"]["code"].as_str()), (400, Some("preview_not_supported")));
    let (status, r) = post(
        s,
        &format!("/internal/workspaces/{WS}/detail/count"),
        json!({"filter": {"attr": "tags", "op": "eq_set", "value": ["a"]}}),
    );
    assert_eq!((status, r["error"]["code"].as_str()), (400, Some("not_searchable")));
    let (status, r) =
        call(s, "GET", &format!("/internal/workspaces/{WS}/detail/values?attribute=colour"), None);
    assert_eq!((status, r["error"]["code"].as_str()), (400, Some("unknown_attribute")));
    let (status, _) = call(s, "GET", &format!("/internal/workspaces/{WS}/detail/not-a-uuid"), None);
    assert_eq!(status, 404);
    let (status, _) = call(s, "GET", "/internal/workspaces/nope/widget/query", None);
    assert!(status == 404 || status == 405);
}

fn every_behaviour(database: &str, index: &Path) {
    let args = ["--database", database, "--index-dir", index.to_str().unwrap()];
    let first = start(&args);
    lists_equal_the_engine(&first);
    bad_input_is_refused(&first);
    let id = writes_are_seen_at_once(&first);
    drop(first);

    // A restart finds the sample there (not generated again) and the index current.
    let again = start(&args);
    assert!(!again.log.contains("rebuilt"), "{}", again.log);
    let (status, got) =
        call(&again, "GET", &format!("/internal/workspaces/{WS}/detail/{id}"), None);
    assert_eq!((status, got["version"].as_i64()), (200, Some(2)));
    // An index that fell behind (a copy from before a write) is rebuilt at start.
    let stale = index.with_extension("stale");
    std::fs::remove_dir_all(&stale).ok();
    copy_dir(index, &stale);
    let id2 = "d9000000-0000-4000-8000-000000000002";
    let (status, _) = post(
        &again,
        &format!("/internal/workspaces/{WS}/detail"),
        json!({"id": id2, "attributes": {"type": "tin", "project_type": "typical", "tags": []}}),
    );
    assert_eq!(status, 201);
    drop(again);
    std::fs::remove_dir_all(index).unwrap();
    std::fs::rename(&stale, index).unwrap();
    let rebuilt = start(&args);
    assert!(rebuilt.log.contains("rebuilt"), "{}", rebuilt.log);
    let tin = scope_json("detail", &[r#"type eq "tin""#]);
    assert_eq!(ids(&walk(&rebuilt, "detail", &tin, &json!({}), 50)), [id2]);
    drop(rebuilt);

    // A database holding another sample is refused, not mixed.
    let out = Command::new(env!("CARGO_BIN_EXE_portcullis-data-service"))
        .args(["--port", "0", "--size", "2000", "--database", database])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("size=1250"));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

#[test]
fn on_sqlite() {
    let dir = temp("sqlite");
    let db = format!("sqlite:{}", dir.join("data.sqlite").display());
    every_behaviour(&db, &dir.join("index"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn on_postgres() {
    let cluster = support::Cluster::start();
    let dir = temp("postgres");
    every_behaviour(&cluster.url(), &dir.join("index"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn with_no_database_it_starts_on_a_temporary_file() {
    let s = start(&[]);
    let (status, firms) = call(&s, "GET", "/internal/firms", None);
    assert_eq!(status, 200);
    assert_eq!(firms["firms"].as_array().map(Vec::len), Some(2));
}
