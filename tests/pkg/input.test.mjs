// The input buffer that pkg/api.mjs writes entity text into, watched through the module's own
// memory (a module instance of this file's own, so the sizes are this file's alone).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as raw from '../../pkg/gen/portcullis.js';
import { bind } from '../../pkg/api.mjs';

const exports = raw.initSync({ module: readFileSync(new URL('../../pkg/gen/portcullis_bg.wasm', import.meta.url)) });
const { Store } = bind(raw, exports);
const WS = 'a1000000-0000-4000-8000-00000000000a';

test('a long text with a few non-ASCII characters takes about its UTF-8 size, not three times it', () => {
  const s = new Store();
  const req = { operation: 'get', workspace_id: WS, entity_type: 'detail', id: 'e' };
  const mb = 1 << 20;
  const text = JSON.stringify({ id: 'e', workspace_id: WS, entity_type: 'detail', attributes: { note: 'é'.repeat(100) + 'x'.repeat(32 * mb) } });
  const before = exports.memory.buffer.byteLength;
  assert.deepEqual(s.decide('k', req, text), { status: 401, code: 'invalid_token' });
  const grown = exports.memory.buffer.byteLength - before;
  assert.ok(grown < 48 * mb, `memory grew by ${grown / mb} MiB for a 32 MiB text`);
  assert.deepEqual(s.decide('k', req, text), { status: 401, code: 'invalid_token' });
  assert.equal(exports.memory.buffer.byteLength - before, grown, 'the buffer is reused');
});
