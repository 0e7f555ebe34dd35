// Benchmark of the wasm package in Node (not a test): module size, instantiation, a decision
// under a 20-grant key through the stateful Store (`store.decide`, and a prepared `Decider`),
// a preview of 100,000 entities and a list decision over them (through `store.decide` and a
// prepared list decider), each beside a plain JavaScript closure doing the same work in the
// same run.
//
//   node bench/wasm.mjs [--entities 100000] [--seconds 1]
//
// Needs a built package (scripts/build-wasm.sh). Figures are medians of timed batches.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { cpus } from 'node:os';
import * as raw from '../pkg/gen/portcullis.js';
import { bind } from '../pkg/api.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg('--entities', 100000);
const SECONDS = arg('--seconds', 1);

const wasmUrl = new URL('../pkg/gen/portcullis_bg.wasm', import.meta.url);
const bytes = readFileSync(wasmUrl);

// Median time per call of `fn`, in ns, over batches of `batch` calls for about SECONDS.
function measure(fn, batch) {
  for (let i = 0; i < batch; i++) fn(); // warm-up
  const samples = [];
  const end = performance.now() + SECONDS * 1000;
  while (performance.now() < end || samples.length < 5) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) fn();
    samples.push(Number(process.hrtime.bigint() - t) / batch);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

// Instantiation: compile + instantiate, from bytes in memory. Each sample imports a fresh copy
// of the glue module (a new URL query), since a module instantiates only once.
const api = bind(raw, raw.initSync({ module: new WebAssembly.Module(bytes) }));
const glue = new URL('../pkg/gen/portcullis.js', import.meta.url).href;
const inits = [];
for (let i = 0; i < 15; i++) {
  const fresh = await import(`${glue}?instance=${i}`);
  const t = process.hrtime.bigint();
  fresh.initSync({ module: new WebAssembly.Module(bytes) });
  inits.push(Number(process.hrtime.bigint() - t));
}
inits.sort((a, b) => a - b);
const instantiation = inits[inits.length >> 1];

// A seeded PRNG, so every run sees the same data.
let seed = 42;
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
const uuid = (n) => `${n.toString(16).padStart(8, '0')}-0000-4000-8000-${(n * 7919).toString(16).padStart(12, '0').slice(-12)}`;
const FIRM = uuid(1);
const WS = Array.from({ length: 10 }, (_, i) => uuid(100 + i));
const TYPES = ['concrete', 'steel', 'timber', 'glass', 'masonry', 'aluminium'];
const TAGS = Array.from({ length: 30 }, (_, i) => ['concrete', 'reviewed', 'beam'][i] ?? `tag${i}`);
const entities = Array.from({ length: N }, (_, i) => ({
  id: uuid(1_000_000 + i),
  workspace_id: i % 4 === 0 ? WS[0] : pick(WS.slice(1)),
  entity_type: 'detail',
  attributes: {
    type: pick(TYPES),
    project_type: rnd() < 0.5 ? 'typical' : 'project',
    tags: Array.from({ length: Math.floor(rnd() * 7) }, () => pick(TAGS)),
    created_at: '2025-03-04T05:06:07Z',
  },
}));

// A key with 20 grants: one eligible (WS[0], read, f1) and 19 for other workspaces or actions.
const F1 = 'project_type eq "typical" AND tags intersects ["concrete"]';
const store = new api.Store();
store.putFirm({ id: FIRM, workspaces: WS });
const grants = [];
for (let g = 0; g < 20; g++) {
  const ws = g === 0 ? WS[0] : WS[1 + (g % 9)];
  const id = `filter-${g}`;
  store.putFilter({ id, workspace_id: ws, entity_type: 'detail', name: id, predicate_text: F1 });
  grants.push({ workspace_id: ws, filter: id, actions: g === 0 || g % 2 ? ['read'] : ['write'] });
}
if (!store.putKey({ id: 'key', firm_id: FIRM, grants }).valid) throw new Error('the benchmark key is invalid');

// The closure: the same 20 grants and f1, hand-written.
const jsGrants = grants.map((g) => ({ ...g, test: (a) => a.project_type === 'typical' && Array.isArray(a.tags) && a.tags.includes('concrete') }));
function closureDecide(keyId, req, e) {
  if (keyId !== 'key') return { status: 401, code: 'invalid_token' };
  if (!e || e.workspace_id !== req.workspace_id || e.entity_type !== req.entity_type) return { status: 404, code: 'not_found' };
  for (const g of jsGrants) if (g.workspace_id === req.workspace_id && g.actions.includes('read') && g.test(e.attributes)) return { status: 200 };
  return { status: 404, code: 'not_found' };
}

// Task: one get decision; the entity crosses the boundary in every call.
const inW = entities.filter((e) => e.workspace_id === WS[0]);
const target = inW.find((e) => closureDecide('key', { workspace_id: WS[0], entity_type: 'detail' }, e).status === 200);
const req = { operation: 'get', workspace_id: WS[0], entity_type: 'detail', id: target.id };
const targetText = JSON.stringify(target);
if (store.decide('key', req, target).status !== 200 || closureDecide('key', req, target).status !== 200) throw new Error('decisions disagree');
const decideWasm = measure(() => store.decide('key', req, target), 20000);
const decideWasmText = measure(() => store.decide('key', req, targetText), 20000);
const decideJs = measure(() => closureDecide('key', req, target), 20000);
// The same get through a prepared decider (`store.prepare`, once): the entity still crosses the
// boundary in every call, in the decider's compact encoding.
const decider = store.prepare('key', { operation: 'get', workspace_id: WS[0], entity_type: 'detail' });
for (const e of inW.slice(0, 2000)) {
  if (decider.decide(e).status !== closureDecide('key', req, e).status) throw new Error(`prepared get decisions disagree on ${e.id}`);
}
const decidePrepared = measure(() => decider.decide(target), 20000);

// Task: preview of 100,000 entities.
const filter = { entity_type: 'detail', name: 'preview', predicate_text: '(type eq "glass" OR type eq "masonry") AND tags intersects ["reviewed", "tag7"]' };
const jsPreview = () => {
  let n = 0;
  for (const e of entities) {
    const a = e.attributes;
    if (e.entity_type === 'detail' && (a.type === 'glass' || a.type === 'masonry') && Array.isArray(a.tags) && (a.tags.includes('reviewed') || a.tags.includes('tag7'))) if (++n >= 10000) break;
  }
  return n;
};
const loadSet = measure(() => new api.EntitySet(entities).free(), 1);
const set = new api.EntitySet(entities);
const wasmCount = api.preview(filter, set).count;
if (wasmCount !== jsPreview()) throw new Error(`preview counts disagree: ${wasmCount} vs ${jsPreview()}`);
const previewSet = measure(() => api.preview(filter, set), 5);
const previewArray = measure(() => api.preview(filter, entities), 1);
const previewJs = measure(jsPreview, 5);

// Task: decide a list over the loaded set (ids of the admitted entities).
const listReq = { operation: 'list', workspace_id: WS[0], entity_type: 'detail' };
const listJs = () => entities.filter((e) => closureDecide('key', req, e).status === 200).map((e) => e.id);
if (store.decide('key', listReq, set).ids.length !== listJs().length) throw new Error('list decisions disagree');
const listWasm = measure(() => store.decide('key', listReq, set), 5);
const listClosure = measure(listJs, 5);
// The same list through a prepared list decider, over the array (handed over in every call).
const listDecider = store.prepare('key', listReq);
if (listDecider.list(entities).ids.join() !== listJs().join()) throw new Error('prepared list decisions disagree');
const listPrepared = measure(() => listDecider.list(entities), 5);

const us = (ns) => `${(ns / 1000).toFixed(2)} µs`;
const ms = (ns) => `${(ns / 1e6).toFixed(2)} ms`;
const ratio = (a, b) => `${(a / b).toFixed(1)}x`;
const gz = gzipSync(bytes, { level: 9 }).length;
console.log(`portcullis wasm in Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${new Date().toISOString().slice(0, 10)}`);
console.log(`size                     ${bytes.length} bytes raw, ${gz} bytes gzipped (goal < 102400 gzipped)`);
console.log(`instantiation            ${ms(instantiation)} (compile + instantiate from bytes)`);
console.log(`get decision, 20 grants  ${us(decideWasm)} (entity object) / ${us(decideWasmText)} (entity JSON text) vs closure ${us(decideJs)}: ${ratio(decideWasm, decideJs)} / ${ratio(decideWasmText, decideJs)} (goal ≤ 10x)`);
console.log(`prepared get decision    ${us(decidePrepared)} (store.prepare(...).decide(entity object)) vs closure ${us(decideJs)}: ${ratio(decidePrepared, decideJs)} (goal ≤ 10x)`);
console.log(`preview ${N}          ${ms(previewSet)} (loaded EntitySet) vs closure ${ms(previewJs)}: ${ratio(previewSet, previewJs)}; from an array each call ${ms(previewArray)}; loading the set ${ms(loadSet)}`);
console.log(`list decision ${N}    ${ms(listWasm)} (loaded EntitySet, ids out) vs closure ${ms(listClosure)}: ${ratio(listWasm, listClosure)}`);
console.log(`prepared list ${N}    ${ms(listPrepared)} (prepared list decider over the array, ids out) vs closure ${ms(listClosure)}: ${ratio(listPrepared, listClosure)}`);
