//! The on-disk detail search index's pages, counts and text search against the engine's own
//! evaluation: walking every page of random filters over random details (several workspaces,
//! several segments, replaced and deleted entities, ids sharing long prefixes) yields exactly
//! the engine's matches in id order; a `contains` text is a literal substring, whatever
//! characters it holds; an index reopened keeps its entities and stamp, and one of another
//! schema is recreated empty.

use portcullis::pushdown::{compile_search, SearchQuery};
use portcullis::{compile, CompiledFilter, Entity, Schema};
use portcullis_backends::search::SearchIndex;
use portcullis_backends::Error;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A directory of its own under the system's temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir()
            .join(format!("portcullis-search-{name}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        TempDir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// SplitMix64: a seeded generator, so that a failure replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    fn uuid(&mut self) -> String {
        let v = (u128::from(self.next()) << 64) | u128::from(self.next());
        let h = format!("{v:032x}");
        format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
    }
}

const WORKSPACES: [&str; 3] = [
    "a1000000-0000-4000-8000-00000000000a",
    "a2000000-0000-4000-8000-00000000000b",
    "a3000000-0000-4000-8000-00000000000c",
];

/// A workspace that holds no entity.
const EMPTY_WS: &str = "a4000000-0000-4000-8000-00000000000d";

const TYPES: [&str; 9] =
    ["steel", "Steel Beam", "concrete", "STEEL-frame", "a+b", ".*", "x\ny", "", "Ünïcödé"];

fn random_attributes(rng: &mut Rng) -> Map<String, Value> {
    let mut m = Map::new();
    match rng.below(8) {
        0 => {}
        1 => {
            m.insert("type".into(), Value::Null);
        }
        2 => {
            m.insert("type".into(), json!(["steel"]));
        }
        _ => {
            m.insert("type".into(), json!(rng.pick(&TYPES)));
        }
    }
    match rng.below(6) {
        0 => {}
        1 => {
            m.insert("project_type".into(), json!(1));
        }
        _ => {
            m.insert("project_type".into(), json!(rng.pick(&["x", "y", "typical"])));
        }
    }
    match rng.below(7) {
        0 => {}
        1 => {
            m.insert("tags".into(), json!(["a", 1]));
        }
        _ => {
            let tags: Vec<&str> =
                ["a", "b", "c"].into_iter().filter(|_| rng.below(2) == 0).collect();
            m.insert("tags".into(), json!(tags));
        }
    }
    m
}

fn detail(id: &str, ws: &str, attributes: Map<String, Value>) -> Entity {
    Entity { id: id.into(), workspace_id: ws.into(), entity_type: "detail".into(), attributes }
}

/// What the data service's `q` selects: the text attribute's value, lowered, contains the
/// text, lowered.
fn text_matches(e: &Entity, contains: Option<&str>) -> bool {
    let Some(needle) = contains else { return true };
    e.attributes
        .get("type")
        .and_then(Value::as_str)
        .is_some_and(|s| s.to_lowercase().contains(&needle.to_lowercase()))
}

/// The engine's own answer: the matching ids of a workspace, sorted.
fn expected(
    schema: &Schema,
    entities: &BTreeMap<String, Entity>,
    ws: &str,
    filter: Option<&CompiledFilter>,
    contains: Option<&str>,
) -> Vec<String> {
    entities
        .values()
        .filter(|e| e.workspace_id == ws)
        .filter(|e| filter.is_none_or(|f| f.matches(&schema.prepare(e).unwrap())))
        .filter(|e| text_matches(e, contains))
        .map(|e| e.id.clone())
        .collect()
}

fn walk(
    index: &SearchIndex,
    ws: &str,
    q: &SearchQuery,
    contains: Option<&str>,
    limit: usize,
) -> Vec<String> {
    let mut all: Vec<String> = Vec::new();
    loop {
        let page = index.page(ws, q, contains, all.last().map(String::as_str), limit).unwrap();
        assert!(page.len() <= limit);
        assert!(page.windows(2).all(|w| w[0] < w[1]), "a page out of order: {page:?}");
        let done = page.len() < limit;
        all.extend(page);
        if done {
            return all;
        }
    }
}

const PREDICATES: [&str; 7] = [
    r#"type eq "steel""#,
    r#"NOT tags intersects ["a"]"#,
    r#"project_type in ["x","y"] OR tags contains ["b"]"#,
    r#"NOT (type eq "concrete" AND project_type eq "x")"#,
    r#"tags contains ["a", "b"]"#,
    r#"project_type nin ["x"]"#,
    r#"type in ["a+b", ".*", "x\ny"]"#,
];

#[test]
fn walking_every_page_yields_the_engines_matches_in_id_order() {
    let schema = Schema::builtin();
    let dir = TempDir::new("pages");
    let mut index = SearchIndex::open(dir.path(), &schema, "detail", Some("type")).unwrap();
    let mut rng = Rng(0x5eed);
    let mut entities: BTreeMap<String, Entity> = BTreeMap::new();
    let mut ids: Vec<String> = Vec::new();
    // Ids sharing all but their last two digits, some upper-case as written.
    for n in 0..60 {
        let id = format!("00000000-0000-4000-8000-0000000000{n:02}");
        ids.push(if n % 3 == 0 { id.to_uppercase() } else { id });
    }
    while ids.len() < 2500 {
        let id = rng.uuid();
        ids.push(id);
    }
    // Loaded in batches, each its own segment, with replacements and deletions across them.
    for (batch, chunk) in ids.chunks(400).enumerate() {
        let batch_entities: Vec<Entity> = chunk
            .iter()
            .map(|id| detail(id, rng.pick(&WORKSPACES), random_attributes(&mut rng)))
            .collect();
        index.insert_many(&batch_entities).unwrap();
        for e in batch_entities {
            entities.insert(e.id.to_lowercase(), Entity { id: e.id.to_lowercase(), ..e });
        }
        for _ in 0..40 {
            let id = ids[rng.below(((batch + 1) * 400).min(ids.len()))].to_lowercase();
            if !entities.contains_key(&id) {
                continue;
            }
            // An entity stays in its workspace: the index keys it by (workspace, id).
            let ws = entities[&id].workspace_id.clone();
            if rng.below(2) == 0 {
                index.delete(&ws, &id.to_uppercase()).unwrap();
                entities.remove(&id);
            } else {
                let e = detail(&id, &ws, random_attributes(&mut rng));
                index.insert(&e).unwrap();
                entities.insert(id, e);
            }
        }
        index.commit_stamped(&format!("db:{batch}")).unwrap();
    }
    assert_eq!(index.len(None).unwrap(), entities.len() as u64);
    for ws in WORKSPACES {
        let n = entities.values().filter(|e| e.workspace_id == ws).count();
        assert_eq!(index.len(Some(ws)).unwrap(), n as u64);
    }

    let mut queries: Vec<(String, Option<CompiledFilter>, SearchQuery)> =
        vec![("(all)".into(), None, SearchQuery::All)];
    for text in PREDICATES {
        let filter = compile(&schema, "detail", text).unwrap();
        let q = compile_search(&schema, &filter).unwrap();
        queries.push((text.into(), Some(filter), q));
    }
    let texts: [Option<&str>; 8] = [
        None,
        Some("steel"),
        Some("STEEL"),
        Some(""),
        Some("a+b"),
        Some(".*"),
        Some("\n"),
        Some("z"),
    ];
    let mut walked = 0;
    for ws in WORKSPACES.into_iter().chain([EMPTY_WS]) {
        for (text, filter, q) in &queries {
            for contains in texts {
                let want = expected(&schema, &entities, ws, filter.as_ref(), contains);
                let at = format!("{text} / {contains:?} in {ws}");
                for limit in [7, 50] {
                    assert_eq!(walk(&index, ws, q, contains, limit), want, "limit {limit}: {at}");
                    walked += 1;
                }
                // Walking one by one is a search per match: the smaller answers only.
                if want.len() <= 60 {
                    assert_eq!(walk(&index, ws, q, contains, 1), want, "limit 1: {at}");
                    walked += 1;
                }
                assert_eq!(index.page(ws, q, contains, None, usize::MAX).unwrap(), want, "{at}");
                assert!(index.page(ws, q, contains, None, 0).unwrap().is_empty());
                assert_eq!(index.count(ws, q, contains, usize::MAX).unwrap(), want.len(), "{at}");
                assert_eq!(index.count(ws, q, contains, 3).unwrap(), want.len().min(3), "{at}");
                if contains.is_none() {
                    assert_eq!(index.exists(ws, q).unwrap(), !want.is_empty(), "{at}");
                    assert_eq!(index.ids(ws, q).unwrap(), want, "{at}");
                }
                // A cursor that is no id of the index, in upper case: the ids after it.
                for _ in 0..3 {
                    let cursor = rng.uuid();
                    let after: Vec<String> =
                        want.iter().filter(|id| **id > cursor).take(5).cloned().collect();
                    let got = index.page(ws, q, contains, Some(&cursor.to_uppercase()), 5);
                    assert_eq!(got.unwrap(), after, "after {cursor}: {at}");
                }
            }
        }
    }
    assert!(walked > 600, "{walked}");
    // The cursor past the last id, and the shared prefixes' cursors.
    let q = SearchQuery::All;
    for ws in WORKSPACES {
        let last = "ffffffff-ffff-ffff-ffff-ffffffffffff";
        assert!(index.page(ws, &q, None, Some(last), 10).unwrap().is_empty());
        let all = expected(&schema, &entities, ws, None, None);
        for id in all.iter().filter(|id| id.starts_with("00000000-")) {
            let want: Vec<String> = all.iter().filter(|x| *x > id).take(2).cloned().collect();
            assert_eq!(index.page(ws, &q, None, Some(id), 2).unwrap(), want, "after {id}");
        }
    }
}

#[test]
fn contains_is_a_literal_case_insensitive_substring() {
    let schema = Schema::builtin();
    let dir = TempDir::new("contains");
    let mut index = SearchIndex::open(dir.path(), &schema, "detail", Some("type")).unwrap();
    let ws = WORKSPACES[0];
    let values: Vec<Value> = [
        ".*",
        "a+b",
        "ab",
        "aab",
        "(x)",
        "[a-z]",
        "\\d",
        "x|y",
        "^$",
        "a.c",
        "abc",
        "Ünïcödé",
        "İstanbul",
        "line\nbreak",
        "tab\there",
        "",
        "{2}",
        "?",
        "€100",
        "😀 smile",
        "#x",
        "&-~",
    ]
    .into_iter()
    .map(Value::from)
    // Values longer than the texts the regex automaton can take.
    .chain([json!(format!("{}Z", "Ab".repeat(400))), json!("é".repeat(500))])
    .chain([Value::Null, json!(["ab"]), json!(7)])
    .collect();
    let mut entities = BTreeMap::new();
    for (i, v) in values.into_iter().enumerate() {
        let id = format!("e0000000-0000-4000-8000-{i:012}");
        let mut attributes = Map::new();
        attributes.insert("type".into(), v);
        let e = detail(&id, ws, attributes);
        index.insert(&e).unwrap();
        entities.insert(id, e);
    }
    // One without the attribute at all.
    let bare = detail("e0000000-0000-4000-8000-999999999999", ws, Map::new());
    index.insert(&bare).unwrap();
    entities.insert(bare.id.clone(), bare);
    index.commit().unwrap();
    let needles = [
        ".*", ".", "*", "a+b", "+", "a.c", "(x)", "(", "[a-z]", "[", "\\d", "\\", "x|y", "|", "^$",
        "^", "$", "{2}", "?", "ü", "ÜNÏ", "i̇", "İ", "\n", "\t", "", "€", "😀", "#", "&-~", "-",
        "~", "ab", "AB", "nothing",
    ];
    for needle in needles {
        let want = expected(&schema, &entities, ws, None, Some(needle));
        let got = index.page(ws, &SearchQuery::All, Some(needle), None, 1000).unwrap();
        assert_eq!(got, want, "{needle:.40?}");
    }
    // A literal match only: `.*` is in one value, `a+b` in one, `a.c` in one.
    let one = |needle| index.count(ws, &SearchQuery::All, Some(needle), 100).unwrap();
    assert_eq!((one(".*"), one("a+b"), one("a.c"), one("[a-z]")), (1, 1, 1, 1));
    // The empty text is in every text value, and only in text values.
    assert_eq!(one(""), 24);
    assert_eq!((one(&"ab".repeat(150)), one(&"é".repeat(500)), one(&"x".repeat(500))), (1, 1, 0));
}

#[test]
fn a_reopened_index_keeps_its_entities_and_stamp() {
    let schema = Schema::builtin();
    let dir = TempDir::new("reopen");
    let ws = WORKSPACES[1];
    let q = SearchQuery::All;
    let mut rng = Rng(7);
    let mut want: Vec<String> = (0..300).map(|_| rng.uuid()).collect();
    {
        let mut index = SearchIndex::open(dir.path(), &schema, "detail", Some("type")).unwrap();
        assert_eq!(index.stamp().unwrap(), None);
        assert_eq!(index.len(None).unwrap(), 0);
        let entities: Vec<Entity> =
            want.iter().map(|id| detail(id, ws, random_attributes(&mut rng))).collect();
        index.insert_many(&entities).unwrap();
        index.commit_stamped("db-7:41").unwrap();
        assert_eq!(index.stamp().unwrap().as_deref(), Some("db-7:41"));
        index.delete(ws, &want[0]).unwrap();
        index.commit_stamped("db-7:42").unwrap();
        // Not committed: lost when the index is dropped.
        index.delete(ws, &want[1]).unwrap();
    }
    want.remove(0);
    want.sort();
    let mut index = SearchIndex::open(dir.path(), &schema, "detail", Some("type")).unwrap();
    assert_eq!(index.stamp().unwrap().as_deref(), Some("db-7:42"));
    assert_eq!(index.len(Some(ws)).unwrap(), 299);
    assert_eq!(walk(&index, ws, &q, None, 50), want);
    // A commit without a stamp leaves none.
    index.commit().unwrap();
    assert_eq!(index.stamp().unwrap(), None);
    drop(index);
    let index = SearchIndex::open(dir.path(), &schema, "detail", Some("type")).unwrap();
    assert_eq!(index.stamp().unwrap(), None);
    assert_eq!(index.len(None).unwrap(), 299);
}

#[test]
fn an_index_of_another_schema_is_recreated_empty() {
    let schema = Schema::builtin();
    let dir = TempDir::new("schema");
    let ws = WORKSPACES[2];
    let e = detail("e0000000-0000-4000-8000-000000000001", ws, random_attributes(&mut Rng(1)));
    {
        // Another text attribute is another schema.
        let mut index =
            SearchIndex::open(dir.path(), &schema, "detail", Some("project_type")).unwrap();
        index.insert(&e).unwrap();
        index.commit_stamped("db:1").unwrap();
    }
    {
        let mut index = SearchIndex::open(dir.path(), &schema, "detail", Some("type")).unwrap();
        assert_eq!((index.len(None).unwrap(), index.stamp().unwrap()), (0, None));
        index.insert(&e).unwrap();
        index.commit_stamped("db:2").unwrap();
    }
    {
        let index = SearchIndex::open(dir.path(), &schema, "detail", Some("type")).unwrap();
        assert_eq!(index.stamp().unwrap().as_deref(), Some("db:2"));
        assert_eq!(index.page(ws, &SearchQuery::All, None, None, 5).unwrap(), [e.id.as_str()]);
    }
    // An index of nothing of ours.
    let other = TempDir::new("foreign");
    {
        let mut b = tantivy::schema::Schema::builder();
        let title = b.add_text_field("title", tantivy::schema::TEXT);
        std::fs::create_dir_all(other.path()).unwrap();
        let index = tantivy::Index::create_in_dir(other.path(), b.build()).unwrap();
        let mut writer: tantivy::IndexWriter = index.writer(15_000_000).unwrap();
        let mut doc = tantivy::TantivyDocument::new();
        doc.add_text(title, "hello");
        writer.add_document(doc).unwrap();
        writer.commit().unwrap();
    }
    let mut index = SearchIndex::open(other.path(), &schema, "detail", None).unwrap();
    assert_eq!((index.len(None).unwrap(), index.stamp().unwrap()), (0, None));
    index.insert(&e).unwrap();
    index.commit().unwrap();
    assert_eq!(index.page(ws, &SearchQuery::All, None, None, 5).unwrap(), [e.id.as_str()]);
}

#[test]
fn bad_input_is_refused() {
    let schema = Schema::builtin();
    let dir = TempDir::new("bad");
    let mut index = SearchIndex::open(dir.path(), &schema, "detail", None).unwrap();
    let q = SearchQuery::All;
    let ws = WORKSPACES[0];
    let not_uuid = |r: Result<_, Error>| matches!(r, Err(Error::NotAUuid(_)));
    assert!(not_uuid(index.page("nope", &q, None, None, 5).map(drop)));
    assert!(not_uuid(index.page(ws, &q, None, Some("nope"), 5).map(drop)));
    assert!(not_uuid(index.page(ws, &q, None, Some(""), 5).map(drop)));
    assert!(not_uuid(index.count("", &q, None, 5).map(drop)));
    assert!(not_uuid(index.exists("x", &q).map(drop)));
    assert!(not_uuid(index.len(Some("x")).map(drop)));
    assert!(not_uuid(index.delete(ws, "x")));
    assert!(not_uuid(index.delete("x", "e0000000-0000-4000-8000-000000000001")));
    assert!(not_uuid(index.insert(&detail("x", ws, Map::new()))));
    // No text attribute: a text search is refused, not answered with nothing.
    assert!(index.page(ws, &q, Some("a"), None, 5).is_err());
    assert!(index.count(ws, &q, Some("a"), 5).is_err());
    // A text attribute must be a text.
    for attribute in ["tags", "project_id", "nope"] {
        let other = TempDir::new("bad-text");
        assert!(SearchIndex::open(other.path(), &schema, "detail", Some(attribute)).is_err());
    }
    assert!(SearchIndex::open(dir.path(), &schema, "family", None).is_err());
    // A value too long to be a term is refused, not silently unsearchable.
    let mut attributes = Map::new();
    attributes.insert("project_type".into(), json!("x".repeat(70_000)));
    let long = detail("e0000000-0000-4000-8000-000000000001", ws, attributes);
    assert!(matches!(index.insert(&long), Err(Error::Unstorable(a)) if a == "project_type"));
}

#[test]
fn an_in_memory_index_searches_text_too() {
    let schema = Schema::builtin();
    let mut index = SearchIndex::in_ram_with_text(&schema, "detail", "type").unwrap();
    let ws = WORKSPACES[0];
    let mut attributes = Map::new();
    attributes.insert("type".into(), json!("Steel"));
    let e = detail("E0000000-0000-4000-8000-000000000001", ws, attributes);
    index.insert(&e).unwrap();
    index.commit().unwrap();
    let got = index.page(ws, &SearchQuery::All, Some("sTEE"), None, 5).unwrap();
    assert_eq!(got, ["e0000000-0000-4000-8000-000000000001"]);
    assert!(index.exists(ws, &SearchQuery::All).unwrap());
    assert!(!index.exists(WORKSPACES[1], &SearchQuery::All).unwrap());
}

/// An id is unique within its workspace only: replacing or removing the entity of one
/// workspace leaves the other workspace's entity with that id as it was.
#[test]
fn the_same_id_in_two_workspaces_is_two_entities() {
    let schema = Schema::builtin();
    let dir = TempDir::new("two-workspaces");
    let mut index = SearchIndex::open(dir.path(), &schema, "detail", Some("type")).unwrap();
    let id = "e0000000-0000-4000-8000-000000000001";
    let (a, b) = (WORKSPACES[0], WORKSPACES[1]);
    let typed = |t: &str| {
        let mut m = Map::new();
        m.insert("type".into(), Value::String(t.into()));
        m
    };
    index.insert(&detail(id, a, typed("steel"))).unwrap();
    index.insert(&detail(id, b, typed("steel"))).unwrap();
    index.commit().unwrap();
    let steel = compile_search(&schema, &compile(&schema, "detail", r#"type eq "steel""#).unwrap())
        .unwrap();
    index.insert(&detail(id, b, typed("wood"))).unwrap();
    index.commit().unwrap();
    assert_eq!(index.page(a, &steel, None, None, 5).unwrap(), [id]);
    assert!(index.page(b, &steel, None, None, 5).unwrap().is_empty());
    index.delete(b, id).unwrap();
    index.commit().unwrap();
    assert_eq!(index.len(Some(a)).unwrap(), 1);
    assert_eq!(index.len(Some(b)).unwrap(), 0);
}
