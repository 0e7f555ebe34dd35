// Misuse messages as a JavaScript caller reads them: each names the argument (and the property
// path into it), says what to pass in JavaScript terms, and never names a Rust item, an offset
// into JSON the caller never wrote, or a step of the contract's text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as P from '../../pkg/service/node.mjs';
import * as main from '../../pkg/node.mjs';

const FIRM = 'f1000000-0000-4000-8000-000000000001';
const WS = 'a1000000-0000-4000-8000-00000000000a';
const ID = 'e0000000-0000-4000-8000-000000000001';
const get = { operation: 'get', workspace_id: WS, entity_type: 'detail', id: ID };
const list = { operation: 'list', workspace_id: WS, entity_type: 'detail' };

function store() {
  const s = new P.Store();
  s.putFirm({ id: FIRM, workspaces: [WS] });
  s.putFilter({ id: 'f1', workspace_id: WS, entity_type: 'detail', name: 'f', predicate_text: 'tags intersects ["a"]' });
  s.putKey({ id: 'k', firm_id: FIRM, grants: [{ workspace_id: WS, filter: 'f1', actions: ['read'] }] });
  return s;
}

function message(f) {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof TypeError, `${e}`);
    return e.message;
  }
  assert.fail('no TypeError');
}

// Misuse, and the message it must give (a string: exactly; a RegExp: matches).
const CASES = [
  ['a request of the wrong shape', (s) => s.decide('k', 'get'),
    'portcullis: request: expected an object with operation ("get", "list", "create", "update" or "download"), workspace_id and entity_type, got string "get"'],
  ['a request without a workspace', (s) => s.decide('k', { operation: 'get', entity_type: 'detail' }),
    'portcullis: request: expected an object with operation ("get", "list", "create", "update" or "download"), workspace_id and entity_type; workspace_id is missing'],
  ['an operation that is none', (s) => s.decide('k', { ...get, operation: 'fetch' }),
    'portcullis: request.operation: expected "get", "list", "create", "update" or "download", got string "fetch"'],
  ['a request field of the wrong type', (s) => s.decide('k', { ...get, source_ip: 7 }), /^portcullis: request\.source_ip: expected a string or null, got a number$/],
  ['a create prepared', (s) => s.prepare('k', { ...list, operation: 'create' }),
    'portcullis: request.operation: store.prepare takes "get", "list" or "download"; decide a create, whose attributes are part of the request, with store.decide(keyId, request)'],
  ['an entity object without a workspace', (s) => s.decide('k', get, { id: ID, entity_type: 'detail' }), 'portcullis: entity: `workspace_id` is missing'],
  ['entity attributes that are not an object', (s) => s.decide('k', get, { id: ID, workspace_id: WS, entity_type: 'detail', attributes: [] }),
    'portcullis: entity.attributes: expected an object, got an array'],
  ['entity text that is not JSON: the index is into the caller\'s text', (s) => s.decide('k', get, '{"id": "é", '),
    'portcullis: entity: expected a field name (at index 12 of the JSON text)'],
  ['an entity of the wrong type in a list', (s) => s.decide('k', list, [{ id: ID, workspace_id: WS, entity_type: 'detail' }, 5]),
    'portcullis: entities[1]: expected an object with id, workspace_id, entity_type and attributes, got number 5'],
  ['an entity id of the wrong type in a list', (s) => s.decide('k', list, [{ id: 5, workspace_id: WS, entity_type: 'detail' }]),
    'portcullis: entities[0].id: expected a string, got number 5'],
  ['an entity set of the wrong type', (s) => s.decide('k', list, 5),
    'portcullis: entities: expected an array of entities, its JSON text or an EntitySet, got number 5'],
  ['entities text that is not an array', () => new P.EntitySet('{"a": 1}'), /^portcullis: entities: expected an array \(at index \d+ of the JSON text\)$/],
  ['a prepared list given an entity', (s) => s.prepare('k', list).list({}),
    'portcullis: entities: expected an array of entities, its JSON text or an EntitySet, got an object'],
  ['a firm without workspaces', (s) => s.putFirm({ id: FIRM }), 'portcullis: firm: `workspaces` is missing'],
  ['a key grant of the wrong shape', (s) => s.putKey({ id: 'x', firm_id: FIRM, grants: [{ filter: 5 }] }),
    'portcullis: key.grants[0].filter: expected a string, got a number'],
  ['a filter record without a workspace', (s) => s.putFilter({ id: 'x', entity_type: 'detail', predicate_text: 'a eq 1' }),
    'portcullis: record: `workspace_id` is missing'],
  ['a world firm of the wrong shape', () => P.decide({ firms: [{ id: 1 }] }, null, get), 'portcullis: world.firms[0].id: expected a string, got a number'],
  ['a world entity of the wrong shape', () => P.decide({ entities: [{ id: ID }] }, null, get), 'portcullis: world.entities[0]: `workspace_id` is missing'],
  ['a key change of the wrong shape', (s) => s.validateKeyChange({ key: { id: 'x', firm_id: FIRM }, previous: { id: 1 } }),
    'portcullis: change.previous.id: expected a string, got a number'],
  ['a filter with neither form', () => P.validate({ entity_type: 'detail', name: 'x' }), /^portcullis: filter: .*`predicate`.*`predicate_text`/],
  ['a mapping of the wrong shape', () => P.compileSql({ dialect: 'sqlite', entity_type: 'detail', predicate_text: 'type eq "a"', mapping: { tables: [5] } }),
    'portcullis: input.mapping.tables[0]: expected an object with entity_type, table, id, workspace, columns, got a number'],
  ['a mapping storage that is none', () => P.compileSql({ dialect: 'sqlite', entity_type: 'detail', predicate_text: 'type eq "a"',
    mapping: { tables: [{ entity_type: 'detail', table: 't', id: 'id', workspace: 'w', columns: [{ attribute: 'type', column: 'c', storage: 'blob' }] }] } }),
  'portcullis: input.mapping.tables[0].columns[0].storage: expected one of "text", "number", "bool", "uuid", "instant", "text_list", got "blob"'],
  ['a dialect that is none', () => P.compileSql({ dialect: 'mysql', entity_type: 'detail', predicate_text: 'a eq 1' }),
    'portcullis: input.dialect: expected "postgres" or "sqlite", got "mysql"'],
  ['a key id that is not a string', (s) => s.decide(5, get), 'portcullis: keyId: expected a string, got number 5'],
  ['a list page flag that is not a boolean', (s) => s.decideListPage('k', list, 'yes', []), 'portcullis: scopeMatches: expected a boolean, got string "yes"'],
  ['a service binding from the main module', () => new main.Store().explain('k', 'not even a request'),
    "portcullis: Store.explain is in the service module: import it from 'portcullis/service'"],
];

test('each misuse names the argument and says what to pass, in JavaScript terms', () => {
  const s = store();
  for (const [name, f, want] of CASES) {
    const m = message(() => f(s));
    if (typeof want === 'string') assert.equal(m, want, name);
    else assert.match(m, want, name);
  }
});

test('no message names a Rust item, an internal offset or a step of the contract', () => {
  const s = store();
  const odd = [
    () => s.decide('k', get, JSON.stringify({ id: ID, workspace_id: WS, entity_type: 'detail', attributes: { a: '\ud800' } }).replace('\\ud800', '\\udc00x')),
    () => s.decide('k', get, { id: ID, workspace_id: WS, entity_type: 'detail', attributes: { deep: JSON.parse('['.repeat(200) + ']'.repeat(200)) } }),
    () => s.decide('k', list, [{ id: ID, workspace_id: WS, entity_type: 'detail', attributes: { x: '\ud800' } }]),
    () => s.prepare('k', list).list([{ id: ID, workspace_id: WS, entity_type: 'detail', attributes: { tags: ['\ud800'] } }]),
    () => s.prepare('k', get).decide('{"id": 1}'),
    () => new P.EntitySet('[1, 2'),
    () => P.format(undefined),
    () => P.checkAttributes('detail', undefined),
    () => s.authorizeList('k', { ...list, workspace_id: 5 }),
  ];
  const bad = /::|\bat byte\b|SPEC|PolicyStore|serde|\bstruct\b|\bOption\b|Vec<|\bsequence\b|\bvariant\b|\bthe document\b|decide_|_in_set|\bRow\b/;
  for (const [name, f] of [...CASES.map(([n, f]) => [n, f]), ...odd.map((f, i) => [`odd ${i}`, f])]) {
    const m = message(() => f(s));
    assert.doesNotMatch(m, bad, `${name}: ${m}`);
    assert.match(m, /^portcullis: [a-zA-Z]/, name);
  }
});

test('an offset into JSON text the caller gave is a JavaScript index into that text', () => {
  const s = store();
  // Non-ASCII text first: the engine's byte offset is not the string's index.
  const text = `[{"id": "béton 🧱", "workspace_id": "${WS}", "entity_type": "detail"}, {"id": "x"}]`;
  const m = message(() => s.decide('k', list, text));
  const at = Number(/at index (\d+) of the JSON text/.exec(m)[1]);
  assert.equal(text.slice(at), '{"id": "x"}]', m); // the entity the field is missing from
});
