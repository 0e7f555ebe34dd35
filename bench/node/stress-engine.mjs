// Stress one engine's Task A call in a long loop, as compare.mjs's warm-up does (batches that
// double up to 65,536 calls), for SECONDS seconds. For chasing V8 crashes in JS-to-wasm call
// loops; not part of bench/run.sh.
//
//   node bench/node/stress-engine.mjs ENGINE [SECONDS] [same|varied]
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
const [file, seconds = '60', mode = 'same'] = process.argv.slice(2);
const data = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../target/bench-data/workload.json'), 'utf8'));
const m = await import(`./engines/${file}.mjs`);
m.setup(data);
const A = data.entities[data.task_a.index];
const until = performance.now() + seconds * 1000;
let calls = 0, n = 1, admitted = 0;
while (performance.now() < until) {
  for (let i = 0; i < n; i++) if (m.decideOne(mode === 'same' ? A : data.entities[(calls + i) % data.entities.length])) admitted++;
  calls += n;
  n = Math.min(n * 2, 1 << 16);
}
console.log(`${m.name}: ${calls} calls in ${seconds} s, ${admitted} admitted, no crash`);
