// portcullis through its wasm package's stateful `Store` (pkg/node.mjs), with today's API:
// Task A is `store.decide(keyId, getRequest, entity)`, the entity crossing into wasm on each
// call; Task B is one list decision, `store.decide(keyId, listRequest, entities)`, all 100,000
// entities crossing in one call. Swap the calls here when the package grows faster entry points;
// the interface (setup, decideOne, decideAll) stays.
import { readFileSync } from 'node:fs';
import { Store } from '../../../pkg/node.mjs';

export const name = 'portcullis (wasm Store)';
export const version = () => JSON.parse(readFileSync(new URL('../../../pkg/package.json', import.meta.url))).version;

let store;
let keyId;
let workspace;
let entities;
let list;

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
  keyId = data.key.id;
  workspace = data.workspace;
  entities = data.entities;
  list = { operation: 'list', workspace_id: workspace, entity_type: 'detail' };
}

/** Task A: may the key `get` this entity in workspace W? */
export function decideOne(entity) {
  const request = { operation: 'get', workspace_id: workspace, entity_type: 'detail', id: entity.id };
  return store.decide(keyId, request, entity).status === 200;
}

/** Task B: how many of all the entities does a list of W admit? */
export function decideAll() {
  const d = store.decide(keyId, list, entities);
  if (d.status !== 200) throw new Error(`portcullis: list decision ${JSON.stringify(d)}`);
  return d.ids.length;
}
