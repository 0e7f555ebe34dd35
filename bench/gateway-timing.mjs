// Timing side channel of the gateway's 404s (issue 21): can a caller tell an entity that does
// not exist from one that exists outside its key's filter by how long the 404 takes? (Not a
// test: it measures.) Loopback only, bounded in time.
//
//   node bench/gateway-timing.mjs [--pairs 3000] [--runtimes node,workerd] [--no-write] [--before FILE [--before-label TEXT]]
//                                 [--equal-data-service]
//
// Starts the sample data service and the gateway on each runtime, a key per operation whose
// one grant is the worked example's filter (concrete details of the typical library), then
// takes paired samples: each pair is one request for an id that names nothing and one for an
// existing detail outside the filter (steel, typical), both answered 404 with the same bytes,
// in random order, after one untimed request of the same kind (so that both follow one of their
// own kind), one request at a time on one keep-alive connection. Pairs of every runtime
// and operation (get, download, update) are interleaved, so the machine's noise falls on all of
// them alike; the data service's own GET of the two ids (200 and 404) is sampled the same way,
// for reference. For each, the probe's method: in each pair, guess that the slower one is the
// existing entity; the accuracy is the share guessed right (50%: no leak), reported as the
// better of that guess and its opposite (an attacker learns the direction). Also the best
// single-sample threshold (one request, classified by whether it took longer than a cut).
// Writes the figures to bench/RESULTS.md (section gateway-timing) and bench/out/gateway-timing.json;
// `--before FILE` (an earlier run's bench/out/gateway-timing.json, e.g. of an earlier commit) adds
// its accuracies beside this run's, labelled `--before-label`. With `--equal-data-service` the
// gateways are run against bench/floor/equal-data-service.mjs, which answers both ids from memory
// at the same cost: what is left is the gateway's own difference (the figures go to the
// section gateway-timing-equal-ds instead).
import http from 'node:http';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { spawn } from 'node:child_process';
import { writeSection } from './sections.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const h = await import(join(REPO, 'gateway', 'test', 'helpers.mjs'));

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const PAIRS = Math.min(Number(arg('--pairs', '3000')), 50_000);
const WARM = Math.min(300, PAIRS);
const RUNTIMES = arg('--runtimes', 'node,workerd').split(',');
const WRITE = !process.argv.includes('--no-write');
const BEFORE = arg('--before', null) ? JSON.parse(readFileSync(arg('--before'), 'utf8')) : null;
const BEFORE_LABEL = arg('--before-label', 'before');
const EQUAL_DS = process.argv.includes('--equal-data-service');
const WS = h.WS_MAIN;
const OUTSIDE = h.DETAIL_STEEL_TYPICAL; // exists; steel is outside the filter
const MISSING = h.MISSING_ID;

/** One target: a keep-alive connection of its own, requests one at a time. */
function client(base) {
  const u = new URL(base);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  return {
    agent,
    /** Nanoseconds from the request's start to its answer's last byte; checks the status. */
    time(method, path, headers, body, expect) {
      return new Promise((ok, fail) => {
        const t0 = process.hrtime.bigint();
        const req = http.request({ host: u.hostname, port: u.port, method, path, headers, agent }, (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const ns = Number(process.hrtime.bigint() - t0);
            if (res.statusCode !== expect) return fail(new Error(`${method} ${path}: ${res.statusCode} ${Buffer.concat(chunks)}`));
            ok({ ns, body: Buffer.concat(chunks).toString() });
          });
        });
        req.on('error', fail);
        req.end(body);
      });
    },
  };
}

function trimmedMean(xs, cut) {
  const s = [...xs].sort((a, b) => a - b);
  const k = Math.floor(s.length * cut);
  const kept = s.slice(k, s.length - k);
  return kept.reduce((a, b) => a + b, 0) / kept.length;
}

/** The paired-sample statistics of one case: medians, the paired guess and the best threshold. */
function stats(pairs) {
  const med = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
  };
  const m = pairs.map((p) => p.missing);
  const o = pairs.map((p) => p.outside);
  let right = 0;
  for (const p of pairs) right += p.outside > p.missing ? 1 : p.outside === p.missing ? 0.5 : 0;
  const slowerIsOutside = right / pairs.length;
  // Best single-sample threshold: classify a request as 'outside' when it took longer than a cut
  // (or shorter, whichever direction is better); accuracy over both classes, equally weighted.
  const all = [...m.map((t) => [t, 0]), ...o.map((t) => [t, 1])].sort((a, b) => a[0] - b[0]);
  let below = [0, 0];
  let best = 0.5;
  for (let i = 0; i < all.length; i++) {
    below[all[i][1]] += 1;
    if (i + 1 < all.length && all[i + 1][0] === all[i][0]) continue;
    const acc = (below[0] / m.length + (o.length - below[1]) / o.length) / 2;
    best = Math.max(best, acc, 1 - acc);
  }
  return {
    n: pairs.length,
    median_missing_us: med(m) / 1000,
    median_outside_us: med(o) / 1000,
    // The mean of the paired differences, the 10% at either end left out (outliers of a shared machine).
    trimmed_mean_diff_us: trimmedMean(pairs.map((p) => p.outside - p.missing), 0.1) / 1000,
    paired_slower_is_outside: slowerIsOutside,
    paired_accuracy: Math.max(slowerIsOutside, 1 - slowerIsOutside),
    threshold_accuracy: best,
  };
}

/** bench/floor/equal-data-service.mjs in front of the data service at `url`. */
function equalDataService(url) {
  const child = spawn(process.execPath, [join(REPO, 'bench', 'floor', 'equal-data-service.mjs'), '--data-service', url], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((ok, fail) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\S+)/.exec(out);
      if (m) ok({ url: m[1], stop: () => new Promise((done) => { child.once('exit', done); child.kill('SIGTERM'); }) });
    });
    child.on('exit', (code) => fail(new Error(`equal-data-service exited (${code})`)));
  });
}

async function setUp(runtime, dataUrl) {
  const gw = await h.startGateway({ runtime, dataUrl });
  const a = h.admin(gw.base);
  const filter = await a.createFilter({ entity_type: 'detail', name: 'Concrete details (typical library)', predicate_text: 'project_type eq "typical" AND tags intersects ["concrete"]' });
  const grant = (actions) => [{ workspace_id: WS, filter: filter.id, actions }];
  const tokens = {};
  for (const [op, actions] of [['get', ['read']], ['download', ['read', 'download']], ['update', ['read', 'write']]]) {
    tokens[op] = await h.mintToken(gw.base, await a.createKey({ name: `timing ${op}`, grants: grant(actions) }));
  }
  const c = client(gw.base);
  const details = `/v1/workspaces/${WS}/details`;
  const auth = (op) => ({ authorization: `Bearer ${tokens[op]}` });
  const patch = JSON.stringify({ attributes: { status: 'draft' } });
  const patchHeaders = { ...auth('update'), 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(patch)) };
  const cases = [
    { name: 'get', req: (id) => c.time('GET', `${details}/${id}`, auth('get'), undefined, 404) },
    { name: 'download', req: (id) => c.time('GET', `${details}/${id}/download`, auth('download'), undefined, 404) },
    { name: 'update', req: (id) => c.time('PATCH', `${details}/${id}`, patchHeaders, patch, 404) },
  ];
  // The same bytes for both, or the bench measures something else.
  for (const k of cases) {
    const [x, y] = [await k.req(MISSING), await k.req(OUTSIDE)];
    if (x.body !== y.body) throw new Error(`${runtime} ${k.name}: the two 404s differ`);
  }
  return { gw, agent: c.agent, cases: cases.map((k) => ({ ...k, runtime, pairs: [] })) };
}

console.log(`${os.cpus().length} CPUs (${os.cpus()[0].model}); node ${process.version}; ${PAIRS} pairs per case, interleaved\n`);
const ds = await h.startDataService();
const equal = EQUAL_DS ? await equalDataService(ds.url) : null;
const targets = [];
try {
  const direct = client(ds.url);
  const dsPath = (id) => `/internal/workspaces/${WS}/detail/${id}`;
  const dsCase = { runtime: 'data service', name: 'GET (200 vs 404)', pairs: [],
    req: (id) => direct.time('GET', dsPath(id), {}, undefined, id === MISSING ? 404 : 200) };
  for (const runtime of RUNTIMES) targets.push(await setUp(runtime, equal?.url ?? ds.url));
  const cases = [dsCase, ...targets.flatMap((t) => t.cases)];

  // Warm-up, then the pairs: every case takes its turn in each round, each pair in random order.
  for (let i = 0; i < WARM + PAIRS; i++) {
    for (const k of cases) {
      const first = Math.random() < 0.5 ? MISSING : OUTSIDE;
      const second = first === MISSING ? OUTSIDE : MISSING;
      // One request not timed, so that both of the pair follow one of their own kind (the first
      // request after another case's costs more: that would blur the pair).
      await k.req(Math.random() < 0.5 ? MISSING : OUTSIDE);
      const a = await k.req(first);
      const b = await k.req(second);
      if (i >= WARM) k.pairs.push(first === MISSING ? { missing: a.ns, outside: b.ns } : { missing: b.ns, outside: a.ns });
    }
  }
  direct.agent.destroy();

  const rows = cases.map((k) => ({ runtime: k.runtime, case: k.name, ...stats(k.pairs) }));
  const pct = (x) => `${(100 * x).toFixed(1)}%`;
  for (const r of rows) {
    console.log(`${`${r.runtime}, ${r.case}`.padEnd(32)} missing ${r.median_missing_us.toFixed(0).padStart(5)} µs  outside ${r.median_outside_us.toFixed(0).padStart(5)} µs  ` +
      `paired diff (trimmed mean) ${r.trimmed_mean_diff_us.toFixed(1).padStart(6)} µs  paired accuracy ${pct(r.paired_accuracy)} (slower = outside ${pct(r.paired_slower_is_outside)})  best threshold ${pct(r.threshold_accuracy)}`);
  }
  const summary = { date: new Date().toISOString(), cpus: os.cpus().length, cpu: os.cpus()[0].model, node: process.version, pairs: PAIRS, rows };
  mkdirSync(join(REPO, 'bench', 'out'), { recursive: true });
  writeFileSync(join(REPO, 'bench', 'out', EQUAL_DS ? 'gateway-timing-equal-ds.json' : 'gateway-timing.json'), JSON.stringify(summary, null, 2));
  if (WRITE) {
    const L = [EQUAL_DS ? '### The same, against a data service whose 404 costs what its 200 costs (`--equal-data-service`)' : '## Timing of the gateway\'s 404s (`bench/gateway-timing.mjs`)', ''];
    if (EQUAL_DS) L.push('The gateways ask `bench/floor/equal-data-service.mjs` instead of the data service: it answers both ids from memory, the same work for either, so what is left between the two is the gateway\'s own difference. The data service row is still the real one, asked directly.', '');
    L.push(`${os.cpus().length} CPUs (${os.cpus()[0].model}), node ${process.version}, ${summary.date.slice(0, 10)}; load average at the end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}. ` +
      `${PAIRS.toLocaleString('en-US')} pairs per row after ${WARM} of warm-up, every row taking its turn in each round: one request for an id that names nothing and one for an existing detail outside the key's filter (the worked example's filter; a steel detail), in random order, each pair after one request of its own kind that is not timed, one at a time on one keep-alive connection, both answered with the same 404 bytes. Paired difference: outside minus missing, the mean with the 10% at either end left out. ` +
      'Paired accuracy: in each pair, guess that the slower request is the existing entity (or the faster, whichever is right more often): the share guessed right; 50% is no leak. Best threshold: one request alone, classified by the best cut on its time.', '');
    const was = (r) => BEFORE?.rows.find((b) => b.runtime === r.runtime && b.case === r.case);
    const extra = BEFORE ? ` ${BEFORE_LABEL}: paired accuracy | ${BEFORE_LABEL}: best threshold |` : '';
    L.push(`| runtime | request | median, missing | median, outside the filter | paired difference (trimmed mean) | paired accuracy | best threshold |${extra}`);
    L.push(`| --- | --- | ---: | ---: | ---: | ---: | ---: |${BEFORE ? ' ---: | ---: |' : ''}`);
    for (const r of rows) {
      const b = was(r);
      const tail = BEFORE ? ` ${b ? pct(b.paired_accuracy) : '–'} | ${b ? pct(b.threshold_accuracy) : '–'} |` : '';
      L.push(`| ${r.runtime} | ${r.case} | ${r.median_missing_us.toFixed(0)} µs | ${r.median_outside_us.toFixed(0)} µs | ${r.trimmed_mean_diff_us >= 0 ? '+' : ''}${r.trimmed_mean_diff_us.toFixed(1)} µs | ${pct(r.paired_accuracy)} | ${pct(r.threshold_accuracy)} |${tail}`);
    }
    if (BEFORE) L.push('', `${BEFORE_LABEL}: the same benchmark, ${BEFORE.pairs.toLocaleString('en-US')} pairs, run ${BEFORE.date.slice(0, 16).replace('T', ' ')} UTC (its medians in its own JSON).`);
    const gw = rows.filter((r) => r.runtime !== 'data service');
    const under = gw.filter((r) => r.paired_accuracy < 0.55).map((r) => `${r.runtime} ${r.case}`);
    const over = gw.filter((r) => r.paired_accuracy >= 0.55).map((r) => `${r.runtime} ${r.case} (${pct(r.paired_accuracy)})`);
    L.push('', `Goal (issue 21): paired accuracy under 55%. Under it in this run: ${under.join(', ') || 'none'}; not: ${over.join(', ') || 'none'}.`);
    L.push('', 'The data service row is its own GET of the two ids, answered 200 and 404 (the gateway asks it for both and answers the same 404); for reference, not a goal.');
    L.push('', `    node bench/gateway-timing.mjs --pairs ${PAIRS}${EQUAL_DS ? ' --equal-data-service' : ''}   # rewrites this section`);
    writeSection(EQUAL_DS ? 'gateway-timing-equal-ds' : 'gateway-timing', L);
  }
} finally {
  for (const t of targets) {
    t.agent.destroy();
    await t.gw.stop();
    h.removeDir(t.gw.dir);
  }
  await equal?.stop();
  await ds.stop();
}
