// The data service at scale: lists, pages, previews and edit impact pushed down to SQLite,
// PostgreSQL and the detail index, with the service's anonymous resident memory, at 100,000 and
// 1,000,000 entities of each type per workspace. The reference is the in-memory scan the service
// ran before (a build of it given with --reference), at 100,000 only: at 1,000,000 it would need
// about 14 GB.
//
//   node bench/data-service.mjs [--sizes 100000,1000000] [--stores sqlite,postgres] [--runs 30]
//                               [--reference PATH-TO-OLD-BINARY]
//
// It rewrites the section between the data-service markers of bench/RESULTS.md. SQLite files are
// kept in target/bench-data/ (a second run does not generate them again); PostgreSQL runs in a
// throwaway cluster with durable commits, so its load is measured on every run.
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { startPostgres } from '../gateway/test/postgres.mjs';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const WS = 'a1000000-0000-4000-8000-000000000001';
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const SIZES = arg('--sizes', '100000,1000000').split(',').map(Number);
const STORES = arg('--stores', 'sqlite,postgres').split(',');
const RUNS = Number(arg('--runs', '30'));
const REFERENCE = arg('--reference', null);

const c = (attr, op, value) => ({ attr, op, value });
const and = (...xs) => ({ and: xs });
// Two-filter keys: each scope is the union of two stored filters, as a key with two grants.
const KEYS = {
  family: {
    '1%': [and(c('category', 'eq', 'Structural'), c('classification', 'eq', 'Concrete'), c('tags', 'intersects', ['glass'])),
      and(c('category', 'eq', 'Plumbing'), c('classification', 'eq', 'Wood'), c('tags', 'contains', ['beam', 'slab']))],
    '50%': [c('category', 'in', ['Structural', 'Architectural']), c('classification', 'eq', 'Concrete')],
  },
  detail: {
    '1%': [and(c('type', 'eq', 'steel'), c('tags', 'contains', ['beam', 'glass'])),
      and(c('type', 'eq', 'wood'), c('tags', 'contains', ['slab', 'exterior']))],
    '50%': [c('project_type', 'eq', 'project'), and(c('type', 'eq', 'steel'), c('tags', 'intersects', ['beam']))],
  },
};

function startService(args) {
  return new Promise((ok, fail) => {
    const child = spawn(join(REPO, 'target/release/portcullis-data-service'), ['--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    const started = process.hrtime.bigint();
    child.once('exit', (code) => fail(new Error(`the data service exited (${code})`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m) ok({ child, base: m[1], startMs: Number(process.hrtime.bigint() - started) / 1e6 });
    });
  });
}

async function post(base, path, body) {
  const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await res.json();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function time(fn) {
  const t = process.hrtime.bigint();
  const out = await fn();
  return [Number(process.hrtime.bigint() - t) / 1e6, out];
}

async function p50(fn) {
  await fn();
  const ms = [];
  for (let i = 0; i < RUNS; i++) ms.push((await time(fn))[0]);
  ms.sort((a, b) => a - b);
  return ms[Math.floor(ms.length / 2)];
}

function rssAnonMb(pid) {
  const m = /RssAnon:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Every figure for one type and selectivity on a running service. */
async function measure(base, type, key, { pushdown = true } = {}) {
  const scope = { all: false, any: key };
  const query = (limit, cursor = null) => post(base, `/internal/workspaces/${WS}/${type}/query`, { scope, require_match: true, limit, cursor });
  // The full walk, in pages of 1,000, which also finds a cursor halfway through.
  const [walkMs, walked] = await time(async () => {
    let cursor = null;
    let n = 0;
    const cursors = [];
    do {
      const page = await query(1000, cursor);
      n += page.items.length;
      cursor = page.next_cursor;
      if (cursor) cursors.push(cursor);
    } while (cursor);
    return { n, cursors };
  });
  const later = walked.cursors[Math.floor(walked.cursors.length / 2)] ?? null;
  const out = {
    matches: walked.n,
    firstMs: await p50(() => query(50)),
    laterMs: await p50(() => query(50, later)),
    walkMs,
  };
  if (pushdown) {
    out.previewMs = await p50(() => post(base, `/internal/workspaces/${WS}/${type}/count`, { filter: key[0] }));
    out.impactMs = await p50(() => post(base, `/internal/workspaces/${WS}/${type}/impact`, { before: key[0], after: key[1] }));
  } else {
    // Before, a preview or an impact fetched every entity of the type from the service.
    out.previewMs = await p50(async () => (await fetch(`${base}/internal/workspaces/${WS}/${type}`)).arrayBuffer());
    out.impactMs = out.previewMs;
  }
  return out;
}

const rows = [];
const fmt = (ms) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));

async function bench(label, size, args, opts) {
  const svc = await startService(['--size', String(size), ...args]);
  console.error(`${label} ${size}: started in ${(svc.startMs / 1000).toFixed(1)} s`);
  try {
    for (const type of ['family', 'detail']) {
      for (const [sel, key] of Object.entries(KEYS[type])) {
        const m = await measure(svc.base, type, key, opts);
        const row = { label, size, type, sel, ...m };
        rows.push(row);
        console.error(JSON.stringify(row));
      }
    }
    rows.push({ label, size, rss: rssAnonMb(svc.child.pid), startMs: svc.startMs });
  } finally {
    svc.child.kill('SIGTERM');
  }
}

const dataDir = join(REPO, 'target/bench-data');
mkdirSync(dataDir, { recursive: true });
execFileSync('cargo', ['build', '--release', '-p', 'portcullis-data-service'], { cwd: REPO, stdio: 'inherit' });
const pg = STORES.includes('postgres') ? await startPostgres({ fsync: true }) : null;
try {
  for (const size of SIZES) {
    if (REFERENCE && size <= 100_000 && existsSync(REFERENCE)) {
      const svc = { label: 'in-memory scan (before)' };
      const ref = await new Promise((ok, fail) => {
        const child = spawn(REFERENCE, ['--port', '0', '--size', String(size)], { stdio: ['ignore', 'pipe', 'inherit'] });
        const started = process.hrtime.bigint();
        child.once('exit', (code) => fail(new Error(`the reference exited (${code})`)));
        createInterface({ input: child.stdout }).on('line', (line) => {
          const m = /listening on (http:\/\/\S+)/.exec(line);
          if (m) ok({ child, base: m[1], startMs: Number(process.hrtime.bigint() - started) / 1e6 });
        });
      });
      try {
        for (const type of ['family', 'detail']) {
          for (const [sel, key] of Object.entries(KEYS[type])) {
            const m = await measure(ref.base, type, key, { pushdown: false });
            rows.push({ label: svc.label, size, type, sel, ...m });
            console.error(JSON.stringify(rows.at(-1)));
          }
        }
        rows.push({ label: svc.label, size, rss: rssAnonMb(ref.child.pid), startMs: ref.startMs });
      } finally {
        ref.child.kill('SIGTERM');
      }
    }
    for (const store of STORES) {
      if (store === 'sqlite') {
        const file = join(dataDir, `data-${size}.sqlite`);
        await bench('SQLite', size, ['--database', `sqlite:${file}`]);
      } else {
        const url = await pg.database(`bench_${size}`);
        await bench('PostgreSQL', size, ['--database', url, '--index-dir', join(dataDir, `pg-index-${size}`)]);
      }
    }
  }
} finally {
  await pg?.stop();
}

// The section of RESULTS.md.
const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown CPU';
const L = ['<!-- data-service -->', '## The data service at scale (`bench/data-service.mjs`)', '',
  `${new Date().toISOString().slice(0, 10)}, ${cpu}, 2 cores; ${RUNS} runs per figure, the median.`,
  'A key with two stored filters (their union is the scope); families run on SQL, details on the',
  'search index with rows read from the database. Times in ms through HTTP on 127.0.0.1: the first',
  'page and a page halfway (limit 50), the full walk (pages of 1,000), a preview (count, capped at',
  '10,001) and an edit\'s impact (gained and lost counted, 20 ids of each).', '',
  '| store | entities per type | type | selectivity (matches) | first page | later page | full walk | preview | edit impact |',
  '|---|---:|---|---|---:|---:|---:|---:|---:|'];
for (const r of rows.filter((r) => r.type)) {
  L.push(`| ${r.label} | ${r.size.toLocaleString('en-US')} | ${r.type} | ${r.sel} (${r.matches.toLocaleString('en-US')}) | ${fmt(r.firstMs)} | ${fmt(r.laterMs)} | ${fmt(r.walkMs)} | ${fmt(r.previewMs)} | ${fmt(r.impactMs)} |`);
}
L.push('', 'Anonymous resident memory (`RssAnon`, after the runs above; the index\'s and SQLite\'s mapped', 'files are the page cache\'s) and start-up time (with the sample\'s bulk load when the database was new):', '',
  '| store | entities per type | RssAnon | start-up |', '|---|---:|---:|---:|');
for (const r of rows.filter((r) => r.rss !== undefined)) {
  L.push(`| ${r.label} | ${r.size.toLocaleString('en-US')} | ${r.rss.toFixed(0)} MB | ${(r.startMs / 1000).toFixed(1)} s |`);
}
L.push('', 'The in-memory rows (before) answered a preview or an impact by sending every entity of the type', 'to the gateway, which counted them itself; that transfer is what their preview column shows.', '',
  '    node bench/data-service.mjs [--reference OLD-BINARY]   # rewrites this section', '<!-- /data-service -->', '');
const results = join(REPO, 'bench/RESULTS.md');
const text = readFileSync(results, 'utf8');
const at = /<!-- data-service -->[\s\S]*<!-- \/data-service -->\n/;
writeFileSync(results, at.test(text) ? text.replace(at, L.join('\n')) : `${text.trimEnd()}\n\n${L.join('\n')}`);
console.error('bench/RESULTS.md: data-service section written');
