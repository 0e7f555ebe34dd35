//! The README's Rust example, compiled and run: the block between the markers below is the
//! README's ```rust block, line for line (checked by the second test), so the example cannot
//! drift from the API.

// readme:begin
use portcullis::grants::{Entities, FilterRecord, Firm, Grant, Key, PolicyStore, Request};
use portcullis::{Action, Entity, Schema};
use serde_json::json;
#[rustfmt::skip]
fn example() {

let firm = "f1000000-0000-4000-8000-000000000001";
let ws = "a1000000-0000-4000-8000-00000000000a";
let mut store = PolicyStore::new(Schema::builtin());
store.put_firm(&Firm::new(firm, [ws])).unwrap();
store.put_filter(FilterRecord::new("concrete-typical", ws, "detail", "Concrete details (typical library)",
    r#"project_type eq "typical" AND tags intersects ["concrete"]"#)).unwrap();
store.put_key(Key::new("vendor", firm).with_grant(Grant::new(ws, "concrete-typical", [Action::Read])));

// Entities held for decisions, indexed by id: each decision takes what its operation needs.
let steel = Entity::new("e0000000-0000-4000-8000-000000000001", ws, "detail",
    json!({"type": "steel", "project_type": "typical", "tags": ["steel"]}));
let concrete = Entity::new("e0000000-0000-4000-8000-000000000002", ws, "detail",
    json!({"type": "concrete", "project_type": "typical", "tags": ["concrete"]}));
let data = Entities::new(store.schema(), &[steel.clone(), concrete.clone()]).unwrap();

let get = Request::get(ws, "detail", steel.id.as_str());
let decision = store.decide_in(Some("vendor"), &get, &data);
assert_eq!(decision.status, 404); // steel is outside the grant: not found, never "forbidden"
println!("{}", store.explain(Some("vendor"), &get, data.data_for(&get)).render());
let list = store.decide_in(Some("vendor"), &Request::list(ws, "detail"), &data);
assert_eq!(list.ids.unwrap(), [concrete.id]);

// Hot loops (a gateway deciding entity after entity for one key): resolve the key, the
// request's workspace and type, and the eligible grants once. It follows every later edit.
let mut prepared = store.prepare(Some("vendor"), &get).unwrap();
assert_eq!(prepared.decide(&store, Some(&steel.id), data.get(&steel.id)), decision);
} // example
  // readme:end

#[test]
fn the_readme_example_runs() {
    example();
}

#[test]
fn the_readme_shows_this_example() {
    let this = include_str!("readme_example.rs");
    let ours =
        &this[this.find("// readme:begin\n").unwrap() + 16..this.find("// readme:end").unwrap()];
    let ours =
        ours.replace("#[rustfmt::skip]\nfn example() {\n", "").replace("\n} // example\n", "\n");
    let readme = include_str!("../README.md");
    let start = readme.find("```rust\n").unwrap() + 8;
    let block = &readme[start..start + readme[start..].find("```").unwrap()];
    assert_eq!(
        block.trim_end(),
        ours.trim_end(),
        "README.md's Rust example and tests/readme_example.rs differ: copy one to the other"
    );
}
