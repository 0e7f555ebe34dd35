// Browser benchmark (not a test): the builder's preview over 100,000 details in headless
// Chromium, as the page runs it (`preview(filter, entities)` from pkg/browser.mjs, the entity
// array crossing into wasm on every call), against a plain JavaScript loop doing the same count
// in the same page. Goal: median under 50 ms.
//
//   node bench/preview-browser.mjs [--entities 100000] [--runs 21]
//
// Needs `npm install` in www/ (playwright-core) and a built pkg/ (scripts/build-wasm.sh).
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(resolve(ROOT, 'www/package.json'));
const { chromium } = require('playwright-core');
const { startServer } = await import(resolve(ROOT, 'www/serve.mjs'));

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ENTITIES = arg('--entities', 100000);
const RUNS = arg('--runs', 21);

// Each case: the filter, and the same predicate as a hand-written JS closure.
const CASES = [
  {
    name: 'seed example (truncated: >10,000 match)',
    text: 'project_type eq "typical" AND tags intersects ["concrete"]',
    js: 'a.project_type === "typical" && Array.isArray(a.tags) && a.tags.includes("concrete")',
  },
  {
    name: 'selective (full scan, exact count)',
    text: '(type eq "glass" OR type eq "masonry") AND tags intersects ["reviewed", "seismic"]',
    js: '(a.type === "glass" || a.type === "masonry") && Array.isArray(a.tags) && (a.tags.includes("reviewed") || a.tags.includes("seismic"))',
  },
];

const { server, url } = await startServer();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  // A same-origin page with the builder's import map, so the package loads exactly as in www/.
  await page.route(`${url}/__bench__`, (route) => route.fulfill({
    contentType: 'text/html',
    body: '<!doctype html><script type="importmap">{"imports":{"portcullis":"/pkg/browser.mjs"}}</script>',
  }));
  await page.goto(`${url}/__bench__`);
  const results = await page.evaluate(async ({ ENTITIES, RUNS, CASES }) => {
    const { preview } = await import('portcullis');
    const { generateDetails } = await import('/www/tools/gen-sample.mjs');
    const entities = generateDetails(ENTITIES);
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const time = (fn) => {
      for (let i = 0; i < 3; i++) fn(); // warm-up: JIT, wasm tier-up
      const ms = [];
      let out;
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        out = fn();
        ms.push(performance.now() - t0);
      }
      return { median: median(ms), min: Math.min(...ms), max: Math.max(...ms), out };
    };
    return CASES.map((c) => {
      const filter = { entity_type: 'detail', name: 'bench', predicate_text: c.text };
      const wasm = time(() => preview(filter, entities));
      // eslint-disable-next-line no-new-func -- the baseline is the predicate as plain JS
      const test = new Function('a', `return ${c.js};`);
      const js = time(() => {
        let n = 0;
        for (const e of entities) if (test(e.attributes)) n++;
        return { ok: true, count: Math.min(n, 10000), truncated: n > 10000 };
      });
      // The same call over no entities: the part of the time that is not per entity.
      const fixed = time(() => preview(filter, []));
      return { name: c.name, text: c.text, wasm, js, fixed: fixed.median };
    });
  }, { ENTITIES, RUNS, CASES });

  const version = browser.version();
  console.log(`preview over ${ENTITIES.toLocaleString('en-US')} details in headless Chromium ${version}, median of ${RUNS} runs`);
  for (const r of results) {
    const same = r.wasm.out.count === r.js.out.count && r.wasm.out.truncated === r.js.out.truncated;
    console.log(`\n${r.name}\n  ${r.text}`);
    console.log(`  wasm preview: median ${r.wasm.median.toFixed(2)} ms (min ${r.wasm.min.toFixed(2)}, max ${r.wasm.max.toFixed(2)}) -> ${JSON.stringify(r.wasm.out)}`);
    console.log(`  plain JS loop: median ${r.js.median.toFixed(2)} ms (min ${r.js.min.toFixed(2)}, max ${r.js.max.toFixed(2)}) -> ${JSON.stringify(r.js.out)}`);
    console.log(`  wasm preview over 0 entities: median ${r.fixed.toFixed(2)} ms`);
    console.log(`  ratio wasm/JS: ${(r.wasm.median / r.js.median).toFixed(2)}x; goal < 50 ms: ${r.wasm.median < 50 ? 'met' : 'NOT met'}; same answer: ${same}`);
  }
  const out = resolve(ROOT, 'bench/out');
  mkdirSync(out, { recursive: true });
  writeFileSync(resolve(out, 'preview-browser.json'), JSON.stringify({ entities: ENTITIES, runs: RUNS, chromium: version, results }, null, 2));
} finally {
  await browser.close();
  server.close();
}
