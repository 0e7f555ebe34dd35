//! The sample data: a generated firm (two workspaces with `size` entities of each type) plus a
//! small second firm, from a seeded PRNG, so that every run with the same size and seed writes
//! the same entities. The seeds' worked example is in it: Acme Main's typical-details library,
//! whose `project_type eq "typical" AND tags intersects ["concrete"]` matches 1,247 details.

use portcullis::Entity;
use serde_json::{json, Map, Value};

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
const NOUNS: [&str; 8] = ["Beam", "Column", "Joint", "Slab", "Footing", "Wall", "Door", "Window"];
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

/// The entities of one workspace, each handed to `emit` as it is made (families, then details,
/// stashes and tags); the answer is the workspace's projects and users, which its entities
/// refer to (so that a filter author can pick a `project_id` or `created_by` by name).
/// `library` adds the seeds' worked example (Acme Main only).
fn generate_workspace<E>(
    rng: &mut Rng,
    ws: &str,
    size: usize,
    library: bool,
    emit: &mut dyn FnMut(Entity) -> Result<(), E>,
) -> Result<(Vec<Value>, Vec<Value>), E> {
    let projects: Vec<String> = (0..20)
        .map(|i| if library && i == 0 { PROJECT_MAIN.to_string() } else { rng.uuid() })
        .collect();
    let users: Vec<String> = (0..10)
        .map(|i| if library && i == 0 { USER_MAIN.to_string() } else { rng.uuid() })
        .collect();
    let project = |rng: &mut Rng| projects[rng.below(projects.len())].clone();

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
        emit(entity(&rng.uuid(), ws, "family", a))?;
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
        emit(entity(&rng.uuid(), ws, "detail", a))?;
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
        emit(d(DETAIL_CONCRETE_TYPICAL, "concrete", "typical", json!(["concrete", "slab"]), None))?;
        emit(d(
            DETAIL_CONCRETE_PROJECT,
            "concrete",
            "project",
            json!(["concrete"]),
            Some(PROJECT_MAIN),
        ))?;
        emit(d(DETAIL_STEEL_TYPICAL, "steel", "typical", json!(["steel", "beam"]), None))?;
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
        emit(entity(&rng.uuid(), ws, "stash", a))?;
    }

    for n in 0..size {
        let name = TAG_WORDS.get(n).map_or_else(|| format!("tag-{n:05}"), |w| w.to_string());
        emit(entity(&rng.uuid(), ws, "tag", attrs(json!({ "name": name }))))?;
    }
    const PROJECT_NAMES: [&str; 5] =
        ["Harbor Tower", "Elm Street School", "North Depot", "Riverside Clinic", "Civic Library"];
    const USER_NAMES: [&str; 5] =
        ["Ada Park", "Ben Ortiz", "Chloe Nguyen", "Dev Patel", "Eva Schmidt"];
    let named = |ids: &[String], names: &[&str; 5]| -> Vec<Value> {
        let name = |i: usize| format!("{} {}", names[i % 5], i / 5 + 1);
        ids.iter().enumerate().map(|(i, id)| json!({"id": id, "name": name(i)})).collect()
    };
    Ok((named(&projects, &PROJECT_NAMES), named(&users, &USER_NAMES)))
}

/// The smallest `size` that holds the worked example.
pub const MIN_SIZE: usize = CONCRETE_TYPICAL_COUNT + 3;

/// Generate every entity, handing each to `emit` in turn (so that a million of each type never
/// sit in memory at once); the answer is the firms as `/internal/firms` lists them.
pub fn generate<E>(
    size: usize,
    seed: u64,
    emit: &mut dyn FnMut(Entity) -> Result<(), E>,
) -> Result<Vec<Value>, E> {
    let mut rng = Rng(seed);
    let plan = [
        (
            FIRM_ACME,
            "Acme Engineering",
            vec![(WS_MAIN, "Acme Main", size, true), (WS_SECOND, "Acme Projects", size, false)],
        ),
        (FIRM_OTHER, "Other Co", vec![(WS_OTHER, "Other Main", (size / 30).max(20), false)]),
    ];
    let mut firms = Vec::new();
    for (firm, firm_name, workspaces) in plan {
        let mut listed = Vec::new();
        for (ws, name, n, library) in workspaces {
            let (projects, users) = generate_workspace(&mut rng, ws, n, library, emit)?;
            listed.push(json!({"id": ws, "name": name, "projects": projects, "users": users}));
        }
        firms.push(json!({"id": firm, "name": firm_name, "workspaces": listed}));
    }
    Ok(firms)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example's count, and the same entities on every run.
    #[test]
    fn the_sample_is_seeded_and_holds_the_worked_example() {
        let schema = portcullis::Schema::builtin();
        let f = portcullis::compile(
            &schema,
            "detail",
            r#"project_type eq "typical" AND tags intersects ["concrete"]"#,
        )
        .unwrap();
        let mut matched = 0;
        let mut first = Vec::new();
        generate::<()>(MIN_SIZE, 42, &mut |e| {
            if e.workspace_id == WS_MAIN && f.matches(&schema.prepare(&e).unwrap()) {
                matched += 1;
            }
            if first.len() < 50 {
                first.push(e);
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(matched, CONCRETE_TYPICAL_COUNT);
        let mut again = Vec::new();
        generate::<()>(MIN_SIZE, 42, &mut |e| {
            if again.len() < 50 {
                again.push(e);
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(first, again);
    }
}
