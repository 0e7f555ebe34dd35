// Browser benchmark (not a test): the builder's preview path over the shared workload's 100,000
// details in headless Chromium, as a page runs it (`preview(filter, entities)` from
// pkg/browser.mjs, the entity array crossing into wasm on every call), against a hand-written
// JavaScript closure doing the same capped count in the same page. Cases: f1 (more than 10,000
// match: the count is capped and both sides stop early) and f2 (a full scan, exact count).
//
//   node bench/preview-browser.mjs [--runs 15] [--out bench/out/preview-browser.json]
//
// Part of bench/run.sh. Reads target/bench-data/workload.json (written by bench/workload.mjs,
// generated here if missing); needs a built pkg/ (scripts/build-wasm.sh), playwright-core (npm
// install in bench/, or www/) and /usr/bin/chromium (or $CHROMIUM). Serves the repository on
// 127.0.0.1 with the builder's own server (www/serve.mjs).
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const RUNS = Number(arg('--runs', 15));
const OUT = resolve(arg('--out', resolve(ROOT, 'bench/out/preview-browser.json')));
const WORKLOAD = resolve(ROOT, 'target/bench-data/workload.json');

if (!existsSync(WORKLOAD)) {
  const { generate } = await import('./workload.mjs');
  mkdirSync(dirname(WORKLOAD), { recursive: true });
  writeFileSync(WORKLOAD, JSON.stringify(generate()));
}
const home = existsSync(resolve(ROOT, 'bench/node_modules/playwright-core')) ? 'bench' : 'www';
const { chromium } = createRequire(resolve(ROOT, home, 'package.json'))('playwright-core');
const { startServer } = await import(resolve(ROOT, 'www/serve.mjs'));

// The same predicates as hand-written JS closures over the attributes.
const CLOSURES = {
  f1: 'a.project_type === "typical" && a.tags.includes("concrete")',
  f2: '(a.type === "concrete" || a.type === "steel") && a.tags.includes("reviewed") && a.tags.includes("beam") && a.project_type !== "project"',
};

const { server, url } = await startServer();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let report;
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  // A same-origin page with the builder's import map, so the package loads as it does in www/.
  await page.route(`${url}/__bench__`, (route) => route.fulfill({
    contentType: 'text/html',
    body: '<!doctype html><script type="importmap">{"imports":{"portcullis":"/pkg/browser.mjs"}}</script>',
  }));
  await page.goto(`${url}/__bench__`);
  const results = await page.evaluate(async ({ RUNS, CLOSURES }) => {
    const { preview, EntitySet } = await import('portcullis');
    const data = await (await fetch('/target/bench-data/workload.json')).json();
    const entities = data.entities;
    const CAP = 10000;
    const median = (xs) => {
      const s = [...xs].sort((a, b) => a - b);
      const m = s.length >> 1;
      return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
    };
    const stats = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs), runs: xs.length });
    // The builder's path: the workspace's entities loaded into the engine once (EntitySet);
    // every preview after that only evaluates.
    const t0 = performance.now();
    const set = new EntitySet(entities);
    const loadMs = performance.now() - t0;
    return data.filters.filter((f) => CLOSURES[f.id]).map((f) => {
      const filter = { entity_type: 'detail', name: f.name, predicate_text: f.predicate_text };
      // eslint-disable-next-line no-new-func -- the baseline is the predicate as plain JS
      const test = new Function('a', `return ${CLOSURES[f.id]};`);
      // What preview does (SPEC 3): count matches of the filter's type, stop past the cap.
      const closure = () => {
        let n = 0;
        for (const e of entities) {
          if (e.entity_type === 'detail' && test(e.attributes) && ++n > CAP) return { ok: true, count: CAP, truncated: true };
        }
        return { ok: true, count: n, truncated: false };
      };
      const wasm = () => preview(filter, set);
      const wasmArray = () => preview(filter, entities); // the entities handed over in the call
      const a = wasm();
      const b = closure();
      const c = wasmArray();
      const agree = a.ok === true && a.count === b.count && a.truncated === b.truncated && c.count === a.count && c.truncated === a.truncated;
      for (let i = 0; i < 3; i++) { wasm(); closure(); } // warm-up: JIT, wasm tier-up
      const w = [];
      const j = [];
      const fixed = [];
      const arr = [];
      for (let i = 0; i < RUNS; i++) { // taking turns, so load drifts hit both alike
        let t0 = performance.now();
        wasm();
        w.push(performance.now() - t0);
        t0 = performance.now();
        closure();
        j.push(performance.now() - t0);
        t0 = performance.now();
        preview(filter, []); // the part that is not per entity
        fixed.push(performance.now() - t0);
        if (i < 5) {
          t0 = performance.now();
          wasmArray();
          arr.push(performance.now() - t0);
        }
      }
      return { id: f.id, text: f.predicate_text, agree, wasm_out: a, closure_out: b, wasm: stats(w), closure: stats(j), fixed: stats(fixed), wasm_array: stats(arr), load_ms: loadMs };
    });
  }, { RUNS, CLOSURES });

  const version = browser.version();
  console.log(`preview over 100,000 details in headless Chromium ${version}, median of ${RUNS} runs`);
  for (const r of results) {
    console.log(`  ${r.id}: ${r.text}`);
    console.log(`    wasm preview ${r.wasm.median.toFixed(2)} ms over a loaded EntitySet (min ${r.wasm.min.toFixed(2)}; loading it once ${r.load_ms.toFixed(0)} ms) -> ${JSON.stringify(r.wasm_out)}`);
    console.log(`    wasm preview with the array handed over in the call ${r.wasm_array.median.toFixed(2)} ms`);
    console.log(`    JS closure   ${r.closure.median.toFixed(2)} ms (min ${r.closure.min.toFixed(2)}) -> ${JSON.stringify(r.closure_out)}`);
    console.log(`    wasm preview over no entities ${r.fixed.median.toFixed(3)} ms; ratio ${(r.wasm.median / r.closure.median).toFixed(1)}x`);
  }
  const bad = results.filter((r) => !r.agree);
  if (bad.length) {
    console.error(`*** DISAGREEMENT: preview and the closure count differently for ${bad.map((r) => r.id).join(', ')}`);
    process.exitCode = 1;
  }
  report = { date: new Date().toISOString(), chromium: version, runs: RUNS, entities: 100000, results };
} finally {
  await browser.close();
  server.close();
}
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, JSON.stringify(report, null, 2));
