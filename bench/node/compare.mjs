// Node side of the side-by-side benchmark (issue 8): portcullis' wasm package against Cedar's
// wasm package, two CEL implementations, JsonLogic and a hand-written JS closure, on the shared
// workload (target/bench-data/workload.json, written by bench/workload.mjs). portcullis runs
// twice: through `store.decide` (engines/portcullis.mjs) and through decisions prepared once
// with `store.prepare` (engines/portcullis-prepared.mjs).
//
//   node --expose-gc bench/node/compare.mjs [--quick] [--out bench/out/node.json]
//
// Every engine is an adapter in ./engines/ with the same interface: setup(data),
// decideOne(entity) -> boolean (Task A: may the key `get` this entity in W?), decideAll() ->
// count (Task B: how many of the 100,000 entities may it list in W?). Before anything is timed,
// every engine's answers are checked against the workload's expected ones (Task A, a sample of
// 4,000 entities one by one, and Task B's count); any disagreement aborts the run.
//
// Timing: Task A runs decideOne on the same entity in batches (each batch ~20 ms of calls),
// after a warm-up; the figure is the median over batches of (batch time / calls). Task B runs
// decideAll whole; the figure is the median over runs, after a warm-up run. Engines take turns
// (round-robin), so drifts in the shared machine's load fall on all of them alike. A full GC
// runs before each batch or run when --expose-gc is given.
import { mkdirSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const QUICK = process.argv.includes('--quick');
const OUT = resolve(arg('--out', resolve(ROOT, 'bench/out/node.json')));
const WORKLOAD = resolve(arg('--workload', resolve(ROOT, 'target/bench-data/workload.json')));

const ENGINES = ['closure', 'portcullis', 'portcullis-prepared', 'json-logic', 'cel-js', 'bufbuild-cel', 'cedar'];

const gc = globalThis.gc ?? (() => {});
// Which engine runs now, on stderr, written at once: should the process die (bench/run.sh),
// the last line names the engine it died in.
const progress = (what) => writeSync(2, `now: ${what}\n`);
const now = () => performance.now();
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function fail(message) {
  console.error(`\n*** DISAGREEMENT: ${message}\n*** nothing was timed; fix the engine or the adapter first.`);
  process.exit(1);
}

/** Warm up (JIT, wasm tier-up) for `ms`, then return how many calls of decideOne make a
 * batch of ~20 ms. */
function warmAndCalibrate(engine, entity, ms) {
  progress(`warming ${engine.name} (Task A)`);
  const until = now() + ms;
  let calls = 0;
  let n = 1;
  while (now() < until) {
    for (let i = 0; i < n; i++) engine.decideOne(entity);
    calls += n;
    n = Math.min(n * 2, 1 << 16);
  }
  const t0 = now();
  const probe = Math.max(1, Math.ceil(calls / 20)); // ~1/20 of the warm-up, a few ms
  for (let i = 0; i < probe; i++) engine.decideOne(entity);
  const perCall = (now() - t0) / probe;
  return Math.max(1, Math.round(20 / perCall));
}

/** Task A: per-call time of decideOne(entity), median over batches. Engines take turns, one
 * batch each per round, so that a change in the machine's load hits them all alike. */
function timeOne(engines, entity) {
  for (const e of engines) {
    e.batch = warmAndCalibrate(e, entity, QUICK ? 300 : 1000);
    e.perCall = [];
  }
  const rounds = QUICK ? 7 : 21;
  for (let r = 0; r < rounds; r++) {
    for (const e of engines) {
      if (r === 0) progress(`timing ${e.name} (Task A)`);
      gc();
      let admitted = 0;
      const t0 = now();
      for (let i = 0; i < e.batch; i++) if (e.decideOne(entity)) admitted++;
      e.perCall.push(((now() - t0) * 1e6) / e.batch); // ns per call
      if (admitted !== e.batch && admitted !== 0) fail(`${e.name}: Task A answer changed while timing`);
    }
  }
  for (const e of engines) {
    const xs = e.perCall;
    e.result = { median_ns: median(xs), min_ns: Math.min(...xs), max_ns: Math.max(...xs), batches: xs.length, calls_per_batch: e.batch };
  }
  return engines.map((e) => e.result);
}

/** Task B: time of decideAll(), median over runs. Engines take turns in rounds (5, or 3 for an
 * engine whose run takes over 5 s); in a round an engine runs as often as fits ~300 ms, once at
 * least. A warm-up run first (the checked run before was one too; for an engine whose run takes
 * over 5 s, that one is the only warm-up). */
function timeAll(engines, expected) {
  for (const e of engines) {
    e.runs = [];
    // An engine whose checked run took over 5 s is warm enough; skip a second long run.
    if (e.check?.first_task_b_ms > 5000) {
      e.warm = e.check.first_task_b_ms;
      continue;
    }
    progress(`warming ${e.name} (Task B)`);
    gc();
    const t0 = now();
    e.decideAll();
    e.warm = now() - t0;
  }
  const rounds = QUICK ? 3 : 5;
  for (let r = 0; r < rounds; r++) {
    for (const e of engines) {
      if (r >= 3 && e.warm > 5000) continue;
      const k = Math.max(1, Math.min(10, Math.floor(300 / Math.max(e.warm, 1e-3))));
      for (let i = 0; i < k; i++) {
        gc();
        const t0 = now();
        const count = e.decideAll();
        e.runs.push(now() - t0);
        if (count !== expected) fail(`${e.name}: Task B count changed while timing (${count})`);
      }
    }
  }
  return engines.map((e) => ({ median_ms: median(e.runs), min_ms: Math.min(...e.runs), max_ms: Math.max(...e.runs), runs: e.runs.length }));
}

const t = now();
const data = JSON.parse(readFileSync(WORKLOAD, 'utf8'));
console.log(`workload: ${data.entities.length} entities, ${data.key.grants.length} grants (read in ${(now() - t).toFixed(0)} ms)`);
const entityA = data.entities[data.task_a.index];
const expectedA = data.task_a.expected;
const expectedB = data.expected.task_b_count;

// Set up every engine and check every answer before timing anything.
const engines = [];
for (const file of ENGINES) {
  const m = await import(`./engines/${file}.mjs`);
  const t0 = now();
  m.setup(data);
  engines.push({ file, name: m.name, pkg: m.pkg, decideOne: m.decideOne, decideAll: m.decideAll, setup_ms: now() - t0 });
}
const reference = engines[0];
for (const e of engines) {
  progress(`checking ${e.name}`);
  const a = e.decideOne(entityA);
  if (a !== expectedA) fail(`Task A: ${e.name} answers ${a}, the workload expects ${expectedA}`);
  let sampled = 0;
  for (let i = 0; i < data.entities.length; i += 25) {
    const got = e.decideOne(data.entities[i]);
    const want = reference.decideOne(data.entities[i]);
    if (got !== want) fail(`entity #${i} (${data.entities[i].id}): ${e.name} answers ${got}, the closure ${want}`);
    sampled++;
  }
  const t0 = now();
  const count = e.decideAll();
  const firstAll = now() - t0;
  if (count !== expectedB) fail(`Task B: ${e.name} counts ${count}, the workload expects ${expectedB}`);
  e.check = { task_a: a, task_b: count, sampled, first_task_b_ms: firstAll };
  console.log(`checked ${e.name.padEnd(48)} Task A ${a}, ${sampled} sampled entities agree, Task B ${count} (first run ${firstAll.toFixed(0)} ms)`);
}

console.log(`\nTask A: one get decision for one entity (median of batches, ns per decision)`);
timeOne(engines, entityA).forEach((r, i) => {
  const e = engines[i];
  e.task_a = r;
  console.log(`  ${e.name.padEnd(48)} ${r.median_ns.toFixed(0).padStart(9)} ns   (${r.batches} batches of ${r.calls_per_batch})`);
});
console.log(`\nTask B: decide all ${data.entities.length.toLocaleString('en-US')} (median of runs, ms)`);
timeAll(engines, expectedB).forEach((r, i) => {
  const e = engines[i];
  e.task_b = r;
  console.log(`  ${e.name.padEnd(48)} ${r.median_ms.toFixed(2).padStart(10)} ms   (${r.runs} runs)`);
});

// Where portcullis' wasm time goes: the same calls with the entity data left out, so the
// difference is what carrying entities across the boundary (and preparing them) costs.
const { Store, EntitySet } = await import('../../pkg/node.mjs');
const store = new Store();
store.putFirm(data.firm);
for (const f of data.filters) store.putFilter({ id: f.id, workspace_id: f.workspace_id, entity_type: f.entity_type, name: f.name, predicate_text: f.predicate_text });
store.putKey(data.key);
const get = { operation: 'get', workspace_id: data.workspace, entity_type: 'detail', id: entityA.id };
const list = { operation: 'list', workspace_id: data.workspace, entity_type: 'detail' };
const inW = data.entities.filter((e) => e.workspace_id === data.workspace);
const one = (name, decideOne) => timeOne([{ name, decideOne }], null)[0].median_ns;
const all = (name, decideAll, expected) => timeAll([{ name, decideAll }], expected)[0].median_ms;
const entityText = JSON.stringify(entityA);
const loaded = new EntitySet(data.entities);
const breakdown = {
  get_without_entity_ns: one('get without entity', () => store.decide(data.key.id, get, null).status === 404),
  // The entity as the JSON text a gateway holds from the data service: no object walk.
  get_entity_text_ns: one('get, entity as JSON text', () => store.decide(data.key.id, get, entityText).status === 200),
  // The bulk call over entities loaded into wasm once (an EntitySet), as the builder does.
  list_over_loaded_set_ms: all('list over a loaded EntitySet', () => store.decide(data.key.id, list, loaded).ids.length, expectedB),
  load_set_ms: all('loading the EntitySet', () => { const s = new EntitySet(data.entities); const n = s.length; s.free(); return n === data.entities.length ? expectedB : -1; }, expectedB),
  list_over_no_entities_ms: all('list over none', () => (store.decide(data.key.id, list, []).status === 403 ? 0 : -1), 0),
  filter_ids_ms: all('filterIds', () => store.filterIds(data.key.id, list, data.entities).length, expectedB),
  list_over_workspace_only_ms: all('list over W only', () => store.decide(data.key.id, list, inW).ids.length, expectedB),
  workspace_entities: inW.length,
};
store.free();
loaded.free();
console.log(`\nportcullis breakdown: get with the entity as JSON text ${breakdown.get_entity_text_ns.toFixed(0)} ns; list over a loaded EntitySet ${breakdown.list_over_loaded_set_ms.toFixed(2)} ms (loading it ${breakdown.load_set_ms.toFixed(1)} ms)`);
console.log(`portcullis breakdown: get without an entity ${breakdown.get_without_entity_ns.toFixed(0)} ns; list over no entities ${breakdown.list_over_no_entities_ms.toFixed(3)} ms; ` +
  `filterIds over all ${breakdown.filter_ids_ms.toFixed(1)} ms; list over W's ${inW.length} only ${breakdown.list_over_workspace_only_ms.toFixed(1)} ms`);

mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, JSON.stringify({
  date: new Date().toISOString(),
  node: process.version,
  v8: process.versions.v8,
  quick: QUICK,
  gc: typeof globalThis.gc === 'function',
  entities: data.entities.length,
  expected: { task_a: expectedA, task_b: expectedB },
  engines: engines.map(({ file, name, pkg, setup_ms, check, task_a, task_b }) => ({ file, name, pkg, setup_ms, check, task_a, task_b })),
  portcullis_breakdown: breakdown,
}, null, 2));
console.log(`\n-> ${OUT.replace(ROOT + '/', '')}`);
