//! Property tests: format/parse round trips, JSON/text equivalence, and evaluation against a
//! simple reference interpreter of SPEC 2.5 (Kleene laws included).

use portcullis::lang::{predicate_from_json, predicate_to_json};
use portcullis::{
    compile_source, parse, Predicate, PredicateSource, PreparedEntity, Schema, Truth,
};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// Trees the parser can produce: identifiers that are not keywords, groups of two or more.
fn any_tree() -> impl Strategy<Value = Predicate> {
    let ident = "[a-z_][a-z0-9_]{0,8}"
        .prop_filter("not a keyword", |s| !["and", "or", "not"].contains(&s.as_str()));
    let scalar = prop_oneof![
        any::<String>().prop_map(Value::String),
        any::<i32>().prop_map(|n| json!(n)),
        (-1e6f64..1e6).prop_map(|f| json!(f)),
        any::<bool>().prop_map(Value::Bool),
    ];
    let value =
        prop_oneof![scalar.clone(), prop::collection::vec(scalar, 0..4).prop_map(Value::Array)];
    let leaf = (ident.clone(), ident, value).prop_map(|(a, o, v)| Predicate::condition(a, o, v));
    leaf.prop_recursive(5, 40, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(Predicate::and),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Predicate::or),
            inner.prop_map(Predicate::not),
        ]
    })
}

proptest! {
    #[test]
    fn format_then_parse_is_identity(t in any_tree()) {
        let text = t.to_string();
        prop_assert_eq!(parse(&text).unwrap(), t.clone());
        // Canonical: formatting the parsed tree gives the same text.
        prop_assert_eq!(parse(&text).unwrap().to_string(), text);
    }

    #[test]
    fn json_and_text_forms_agree(t in any_tree()) {
        let j = predicate_to_json(&t);
        let back = predicate_from_json(&j, "$").unwrap();
        prop_assert_eq!(&back, &t);
        prop_assert_eq!(back.to_string(), t.to_string());
    }

    #[test]
    fn parser_never_panics(s in "\\PC{0,64}") {
        let _ = parse(&s);
    }

    #[test]
    fn parser_never_panics_on_language_like_text(s in "[()\\[\\],\" a-zA-Z0-9_.-]{0,80}") {
        let _ = parse(&s);
    }
}

// --- A reference evaluator: SPEC 2.5 read literally, over raw JSON attributes. ---

const TAGS: [&str; 4] = ["a", "b", "c", "d"];

fn family_condition() -> impl Strategy<Value = Predicate> {
    let tags = prop::collection::vec(prop::sample::select(&TAGS[..]), 1..3).prop_map(|v| json!(v));
    prop_oneof![
        prop::sample::select(vec!["x", "y"]).prop_map(|v| Predicate::condition(
            "name",
            "eq",
            json!(v)
        )),
        prop::sample::select(vec!["x", "y"]).prop_map(|v| Predicate::condition(
            "name",
            "neq",
            json!(v)
        )),
        prop::collection::vec(prop::sample::select(vec!["x", "y"]), 1..3)
            .prop_map(|v| Predicate::condition("category", "in", json!(v))),
        prop::collection::vec(prop::sample::select(vec!["x", "y"]), 1..3)
            .prop_map(|v| Predicate::condition("category", "nin", json!(v))),
        tags.clone().prop_map(|v| Predicate::condition("tags", "intersects", v)),
        tags.clone().prop_map(|v| Predicate::condition("tags", "contains", v)),
        tags.prop_map(|v| Predicate::condition("tags", "eq_set", v)),
        (
            prop::sample::select(vec!["eq", "neq", "gt", "gte", "lt", "lte"]),
            prop::sample::select(vec![
                "2025-01-01",
                "2025-01-02T00:00:00Z",
                "2025-01-01T12:00:00+02:00"
            ])
        )
            .prop_map(|(op, d)| Predicate::condition("created_at", op, json!(d))),
    ]
}

fn family_tree(depth: u32) -> impl Strategy<Value = Predicate> {
    family_condition().prop_recursive(depth, 24, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..4).prop_map(Predicate::and),
            prop::collection::vec(inner.clone(), 1..4).prop_map(Predicate::or),
            inner.prop_map(Predicate::not),
        ]
    })
}

fn family_entity() -> impl Strategy<Value = Map<String, Value>> {
    let maybe = |s: BoxedStrategy<Value>| prop_oneof![Just(None), s.prop_map(Some)];
    (
        maybe(prop::sample::select(vec![json!("x"), json!("y"), json!(5), Value::Null]).boxed()),
        maybe(prop::sample::select(vec![json!("x"), json!("y"), json!(true)]).boxed()),
        maybe(
            prop_oneof![
                prop::collection::vec(prop::sample::select(&TAGS[..]), 0..4).prop_map(|v| json!(v)),
                Just(json!(["a", 1])),
                Just(json!("a"))
            ]
            .boxed(),
        ),
        maybe(
            prop::sample::select(vec![
                json!("2025-01-01"),
                json!("2025-01-01T23:00:00Z"),
                json!("2025-01-02T00:00:00Z"),
                json!("2024-12-31T23:00:00-02:00"),
                json!("nope"),
            ])
            .boxed(),
        ),
    )
        .prop_map(|(n, c, t, d)| {
            let mut m = Map::new();
            for (k, v) in [("name", n), ("category", c), ("tags", t), ("created_at", d)] {
                if let Some(v) = v {
                    m.insert(k.into(), v);
                }
            }
            m
        })
}

/// Nanoseconds since the epoch, and whether the text was date-only; a tiny independent parser.
fn ref_date(s: &str) -> Option<(i128, bool)> {
    let day = |y: i64, m: i64, d: i64| {
        // Days from civil, via a different route than the engine: count days year by year.
        let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        let mut n = 0i64;
        for yy in 1970..y {
            n += if leap(yy) { 366 } else { 365 };
        }
        let months = [31, if leap(y) { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        n + months[..(m - 1) as usize].iter().sum::<i64>() + d - 1
    };
    let ymd = |p: &str| -> Option<i64> {
        let v: Vec<i64> = p.split('-').map(|x| x.parse().ok()).collect::<Option<_>>()?;
        Some(day(v[0], v[1], v[2]))
    };
    if s.len() == 10 {
        return Some((ymd(s)? as i128 * 86_400_000_000_000, true));
    }
    let (date, rest) = s.split_once('T')?;
    let (time, off) = if let Some(t) = rest.strip_suffix('Z') {
        (t, 0)
    } else {
        let (t, o) = rest.split_at(rest.len() - 6);
        let sign = if o.starts_with('-') { -1 } else { 1 };
        let h: i64 = o[1..3].parse().ok()?;
        let m: i64 = o[4..6].parse().ok()?;
        (t, sign * (h * 3600 + m * 60))
    };
    let hms: Vec<i64> = time.split(':').map(|x| x.parse().ok()).collect::<Option<_>>()?;
    let secs = ymd(date)? * 86_400 + hms[0] * 3600 + hms[1] * 60 + hms[2] - off;
    Some((secs as i128 * 1_000_000_000, false))
}

fn ref_eval(p: &Predicate, e: &Map<String, Value>) -> Truth {
    use Truth::*;
    match p {
        Predicate::Condition(c) => {
            let v = e.get(&c.attr);
            let strs = |v: &Value| {
                v.as_array().map(|a| {
                    a.iter().map(|x| x.as_str().map(String::from)).collect::<Option<Vec<_>>>()
                })
            };
            let b = match (c.attr.as_str(), c.op.as_str(), v) {
                ("name" | "category", _, Some(Value::String(s))) => match c.op.as_str() {
                    "eq" => c.value.as_str() == Some(s),
                    "neq" => c.value.as_str() != Some(s),
                    "in" => strs(&c.value).unwrap().unwrap().contains(s),
                    "nin" => !strs(&c.value).unwrap().unwrap().contains(s),
                    _ => unreachable!(),
                },
                ("tags", op, Some(list)) => {
                    let Some(Some(have)) = strs(list) else { return Unknown };
                    let want = strs(&c.value).unwrap().unwrap();
                    match op {
                        "intersects" => want.iter().any(|w| have.contains(w)),
                        "contains" => want.iter().all(|w| have.contains(w)),
                        _ => {
                            want.iter().all(|w| have.contains(w))
                                && have.iter().all(|h| want.contains(h))
                        }
                    }
                }
                ("created_at", op, Some(Value::String(s))) => {
                    let Some((x, _)) = ref_date(s) else { return Unknown };
                    let (f, day_only) = ref_date(c.value.as_str().unwrap()).unwrap();
                    let day = 86_400_000_000_000i128;
                    let (x, f) = if day_only { (x.div_euclid(day), f / day) } else { (x, f) };
                    match op {
                        "eq" => x == f,
                        "neq" => x != f,
                        "gt" => x > f,
                        "gte" => x >= f,
                        "lt" => x < f,
                        _ => x <= f,
                    }
                }
                _ => return Unknown,
            };
            if b {
                True
            } else {
                False
            }
        }
        Predicate::Group { kind, children, .. } => {
            let vals: Vec<Truth> = children.iter().map(|c| ref_eval(c, e)).collect();
            match kind {
                portcullis::lang::GroupKind::And if vals.contains(&False) => False,
                portcullis::lang::GroupKind::And if vals.contains(&Unknown) => Unknown,
                portcullis::lang::GroupKind::And => True,
                _ if vals.contains(&True) => True,
                _ if vals.contains(&Unknown) => Unknown,
                _ => False,
            }
        }
        Predicate::Not { child, .. } => match ref_eval(child, e) {
            True => False,
            False => True,
            Unknown => Unknown,
        },
    }
}

fn compiled_eval(schema: &Schema, p: &Predicate, e: &Map<String, Value>) -> Truth {
    let (f, _) = compile_source(schema, "family", &PredicateSource::Tree(p.clone()))
        .expect("generated trees are valid");
    f.eval(&PreparedEntity::new(schema, "family", e).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn compiled_evaluation_matches_the_reference(p in family_tree(5), e in family_entity()) {
        let schema = Schema::builtin();
        let want = ref_eval(&p, &e);
        prop_assert_eq!(compiled_eval(&schema, &p, &e), want, "{}", p);
        // `matches` runs the filter's branching program natively, not the tree.
        let (f, _) = compile_source(&schema, "family", &PredicateSource::Tree(p.clone())).expect("generated trees are valid");
        prop_assert_eq!(f.matches(&PreparedEntity::new(&schema, "family", &e).unwrap()), want == Truth::True, "{}", p);
    }

    #[test]
    fn kleene_laws_hold(a in family_tree(2), b in family_tree(2), e in family_entity()) {
        let schema = Schema::builtin();
        let ev = |p: &Predicate| compiled_eval(&schema, p, &e);
        // De Morgan, both ways.
        prop_assert_eq!(ev(&Predicate::not(Predicate::and(vec![a.clone(), b.clone()]))),
                        ev(&Predicate::or(vec![Predicate::not(a.clone()), Predicate::not(b.clone())])));
        prop_assert_eq!(ev(&Predicate::not(Predicate::or(vec![a.clone(), b.clone()]))),
                        ev(&Predicate::and(vec![Predicate::not(a.clone()), Predicate::not(b.clone())])));
        // Double negation.
        prop_assert_eq!(ev(&Predicate::not(Predicate::not(a.clone()))), ev(&a));
    }
}

/// Any JSON value, nested a little: what an entity's attributes may hold.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        any::<String>().prop_map(Value::String),
        prop::sample::select(vec![
            "concrete",
            "steel",
            "typical",
            "2025-03-04",
            "2025-03-04T05:06:07Z",
            "A1000000-0000-4000-8000-00000000000A"
        ])
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn any_entity() -> impl Strategy<Value = Value> {
    let names: Vec<String> = Schema::builtin()
        .entity_types
        .iter()
        .flat_map(|t| t.attributes.iter().map(|a| a.name.clone()))
        .collect();
    let key = prop_oneof![prop::sample::select(names), "[a-z_]{1,8}"];
    (
        any::<String>(),
        prop::sample::select(vec!["a1000000-0000-4000-8000-00000000000a", "not a uuid"]),
        prop::sample::select(vec!["detail", "family", "stash", "tag", "robot"]),
        prop::collection::btree_map(key, any_json(), 0..10),
    )
        .prop_map(|(id, ws, ty, attrs)| json!({"id": id, "workspace_id": ws, "entity_type": ty, "attributes": attrs}))
}

proptest! {
    /// The wasm boundary reads entities straight from JSON text; it must prepare exactly what
    /// the JSON-tree path prepares, whatever the values and however the text is laid out.
    #[test]
    fn entities_read_from_text_match_the_tree_path(e in any_entity(), pretty in any::<bool>()) {
        use portcullis::grants::Row;
        let schema = Schema::builtin();
        let text = if pretty { serde_json::to_string_pretty(&e).unwrap() } else { serde_json::to_string(&e).unwrap() };
        let entity: portcullis::Entity = serde_json::from_value(e).unwrap();
        let expected = Row::new(&schema, &entity).ok();
        let got = Row::from_json(&schema, &text).unwrap();
        prop_assert_eq!(got.as_ref().map(|r| (&r.id, r.workspace, &r.entity)), expected.as_ref().map(|r| (&r.id, r.workspace, &r.entity)));
    }

    #[test]
    fn reading_entities_from_any_text_never_panics(s in "\\PC{0,200}") {
        let _ = portcullis::grants::Row::from_json(&Schema::builtin(), &s);
        let _ = portcullis::grants::Row::many_from_json(&Schema::builtin(), &s);
    }
}

/// An entity's JSON text with its four fields in any order (the scanner reads `attributes`
/// in place when the type came first, and later otherwise), its attributes sometimes another
/// JSON value, then usually one edit: a character deleted, replaced or inserted, often
/// leaving text that is not JSON or not an entity.
fn edited_entity_text() -> impl Strategy<Value = String> {
    let edit = (
        any::<prop::sample::Index>(),
        0..4u8,
        prop::sample::select(vec![
            '{', '}', '[', ']', '"', ',', ':', '\\', 'u', 'd', '8', '0', '1', 'e', '-', '.', ' ',
            'n', 't', '\u{0}', '\u{1f}', 'é',
        ]),
    );
    let attributes = prop::option::weighted(0.2, any_json());
    (any_entity(), attributes, Just(vec![0usize, 1, 2, 3]).prop_shuffle(), edit).prop_map(
        |(mut e, attributes, order, (at, kind, c))| {
            if let Some(a) = attributes {
                e["attributes"] = a;
            }
            let fields = ["id", "workspace_id", "entity_type", "attributes"];
            let parts: Vec<String> =
                order.iter().map(|&i| format!("{}:{}", json!(fields[i]), e[fields[i]])).collect();
            let mut chars: Vec<char> = format!("{{{}}}", parts.join(",")).chars().collect();
            let i = at.index(chars.len());
            match kind {
                0 => {
                    chars.remove(i);
                }
                1 => chars[i] = c,
                2 => chars.insert(i, c),
                _ => {}
            }
            chars.into_iter().collect()
        },
    )
}

proptest! {
    /// Malformed or not, the text reader and the JSON-tree path agree: both refuse, or both
    /// prepare the same row.
    #[test]
    fn edited_entity_text_reads_as_the_tree_path_reads_it(text in edited_entity_text()) {
        use portcullis::grants::Row;
        let schema = Schema::builtin();
        let tree = serde_json::from_str::<portcullis::Entity>(&text).map(|e| Row::new(&schema, &e).ok().map(|r| (r.id, r.workspace, r.entity)));
        let scanned = Row::from_json(&schema, &text).map(|r| r.map(|r| (r.id, r.workspace, r.entity)));
        prop_assert_eq!(tree.as_ref().ok(), scanned.as_ref().ok(), "{}: tree {:?}, scanner {:?}", text, tree.as_ref().err().map(|e| e.to_string()), scanned.as_ref().err());
    }
}
