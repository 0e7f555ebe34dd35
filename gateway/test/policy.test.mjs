// The gateway's side of the engine (src/policy.mjs), without HTTP: the prepared decisions it
// keeps per key, how many, and which it lets go.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as engine from '../src/engine.mjs';
import { Policy } from '../src/policy.mjs';
import { FIRM, WS_MAIN } from './helpers.mjs';

const ENTITY = randomUUID();

function policy() {
  const p = new Policy(engine);
  p.load([{ id: FIRM, name: 'Acme', workspaces: [{ id: WS_MAIN }] }]);
  p.apply({ filters: [], keys: [{ id: 'key_a', firm_id: FIRM, grants: [{ filter: 'default:details', actions: ['read'], workspace_id: WS_MAIN }] }] });
  return p;
}

const freed = (d) => assert.throws(() => d.decide(null, ENTITY), /freed/);
const alive = (d) => assert.equal(typeof d.decide(null, ENTITY).status, 'number');

describe('prepared decisions (Policy.decider)', () => {
  it('are made once per key, operation, workspace, type and source, and decide as the engine does', () => {
    const p = policy();
    const d = p.decider('key_a', 'get', WS_MAIN, 'detail', null);
    assert.equal(p.decider('key_a', 'get', WS_MAIN, 'detail', undefined), d, 'no source address is one source');
    for (const other of [
      p.decider('key_b', 'get', WS_MAIN, 'detail', null),
      p.decider('key_a', 'download', WS_MAIN, 'detail', null),
      p.decider('key_a', 'get', randomUUID(), 'detail', null),
      p.decider('key_a', 'get', WS_MAIN, 'family', null),
      p.decider('key_a', 'get', WS_MAIN, 'detail', '10.0.0.1'),
    ]) assert.notEqual(other, d);
    assert.equal(p.decidersHeld, 6);
    assert.deepEqual(d.decide(null, ENTITY), { status: 404, code: 'not_found' });
    assert.equal(p.decider('key_b', 'get', WS_MAIN, 'detail', null).decide(null, ENTITY).status, 401);
  });

  it('keep at most 32 per key: past that the key\'s oldest is freed, the others kept', () => {
    const p = policy();
    const made = Array.from({ length: 33 }, () => p.decider('key_a', 'get', randomUUID(), 'detail', null));
    freed(made[0]);
    for (const d of made.slice(1)) alive(d);
    assert.equal(p.decidersHeld, 32);
  });

  it('keep at most 4,096 in all: past that the oldest key\'s oldest is freed', () => {
    const p = policy();
    // The oldest key holds one decider, the oldest of all; 4,095 more fill the rest.
    const first = p.decider('key_0', 'get', WS_MAIN, 'detail', null);
    const second = p.decider('key_1', 'get', WS_MAIN, 'detail', null);
    for (let i = 0; p.decidersHeld < 4096; i++) p.decider(`key_${2 + Math.floor(i / 32)}`, 'get', randomUUID(), 'detail', null);
    alive(first);
    // key_0's next decider frees its first, the oldest of all, and is kept all the same.
    const again = p.decider('key_0', 'get', randomUUID(), 'detail', null);
    freed(first);
    alive(again);
    assert.equal(p.decidersHeld, 4096);
    assert.equal(p.deciders.get('key_0').length, 1);
    const newer = p.decider('key_new', 'get', WS_MAIN, 'detail', null);
    freed(second);
    alive(newer);
    assert.equal(p.decidersHeld, 4096);
  });

  it('are all freed with the store they follow (a new load)', () => {
    const p = policy();
    const d = p.decider('key_a', 'get', WS_MAIN, 'detail', null);
    p.load([{ id: FIRM, name: 'Acme', workspaces: [{ id: WS_MAIN }] }]);
    freed(d);
    assert.equal(p.decidersHeld, 0);
    assert.notEqual(p.decider('key_a', 'get', WS_MAIN, 'detail', null), d);
  });
});
