// portcullis through its wasm package's prepared decisions (pkg/node.mjs, `store.prepare`):
// the key and the request (workspace, entity type, operation) are resolved once in setup into a
// `Decider`. Task A is `decider.decide(entity)`, the entity crossing into wasm on each call in
// the decider's compact encoding (the answer is a shared frozen `{status, code?}`); Task B is one
// list decision, `listDecider.list(entities)`, all 100,000 entity objects crossing in one call.
// A decider follows its store (a generation check on every call), as `store.decide` does.
// `portcullis.mjs` keeps measuring `store.decide` beside this one.
import { readFileSync } from 'node:fs';
import { Store } from '../../../pkg/node.mjs';

export const name = 'portcullis (wasm prepared Decider)';
export const version = () => JSON.parse(readFileSync(new URL('../../../pkg/package.json', import.meta.url))).version;

let store;
let decider;
let listDecider;
let entities;

function ok(what, r) {
  if (!r || r.ok === false || r.valid === false) throw new Error(`portcullis: ${what}: ${JSON.stringify(r)}`);
}

export function setup(data) {
  store = new Store();
  ok('putFirm', store.putFirm(data.firm));
  for (const f of data.filters) {
    ok(`putFilter ${f.id}`, store.putFilter({ id: f.id, workspace_id: f.workspace_id, entity_type: f.entity_type, name: f.name, predicate_text: f.predicate_text }));
  }
  ok('putKey', store.putKey(data.key));
  decider = store.prepare(data.key.id, { operation: 'get', workspace_id: data.workspace, entity_type: 'detail' });
  listDecider = store.prepare(data.key.id, { operation: 'list', workspace_id: data.workspace, entity_type: 'detail' });
  entities = data.entities;
}

/** Task A: may the key `get` this entity in workspace W? */
export function decideOne(entity) {
  return decider.decide(entity).status === 200;
}

/** Task B: how many of all the entities does a list of W admit? */
export function decideAll() {
  const d = listDecider.list(entities);
  if (d.status !== 200) throw new Error(`portcullis: prepared list decision ${JSON.stringify(d)}`);
  return d.ids.length;
}
