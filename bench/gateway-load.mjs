// Load test of the gateway (not a test: it measures). Loopback only, bounded in time.
//
//   node bench/gateway-load.mjs [--seconds 10] [--warmup 20] [--connections 10] [--rounds 3] [--runtimes node,workerd] [--no-write] [--before FILE [--before-label TEXT]]
//
// Starts the sample data service, the gateway on each runtime and, beside each, its floors: the
// least any gateway on that runtime could do for the same GET (bench/floor/node.mjs, a bare
// node:http reverse proxy: a GET of the entity from the data service, JSON.parse, the answer
// {"data": entity}, once with the global fetch and once with node:http's client;
// bench/floor/worker.mjs, the same as a bare fetch-and-return worker on workerd), each in a
// process of its own. A key with 20 grants (20 stored detail filters) is made on each gateway.
// Then, with autocannon, in one run:
//   - GET of one entity, after `--warmup` seconds for each target and 5 s before each run, none
//     of it counted: the floors and the gateway in turn, `--rounds` times each (the order
//     rotated every round), so the machine's noise falls on all; the figures are the medians
//     over the rounds, and the gateway's ratios to each floor (requests/s: floor over gateway;
//     p50 and p99: gateway over floor), per round then their median, are the figures to read;
//   - the data service's own GET and a list page (50) straight from the data service and
//     through the gateway, once, for reference.
// Latency percentiles come from every response's own time (autocannon's histogram keeps whole
// milliseconds). Writes bench/RESULTS.md (section gateway-load) and bench/out/gateway-load.json;
// `--before FILE` (an earlier run's bench/out/gateway-load.json, e.g. of an earlier commit) adds
// its ratios beside this run's, labelled `--before-label`.
import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { writeSection } from './sections.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(REPO, 'gateway', 'package.json'));
const autocannon = require('autocannon');
const h = await import(join(REPO, 'gateway', 'test', 'helpers.mjs'));
const { freePort } = await import(join(REPO, 'gateway', 'test', 'postgres.mjs'));

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const SECONDS = Math.min(Number(arg('--seconds', '10')), 60);
const CONNECTIONS = Math.min(Number(arg('--connections', '10')), 100);
const ROUNDS = Math.min(Number(arg('--rounds', '3')), 20);
const WARMUP = Math.min(Number(arg('--warmup', '20')), 120);
const RUN_WARMUP = 5; // seconds before each measured run
const RUNTIMES = arg('--runtimes', arg('--runtime', 'node,workerd')).split(',');
const WRITE = !process.argv.includes('--no-write');
const BEFORE = arg('--before', null) ? JSON.parse(readFileSync(arg('--before'), 'utf8')) : null;
const BEFORE_LABEL = arg('--before-label', 'before');
const WS = h.WS_MAIN;
const ENTITY = h.DETAIL_CONCRETE_TYPICAL;

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function run(title, opts, duration = SECONDS) {
  return new Promise((ok, fail) => {
    const times = [];
    const instance = autocannon({ connections: CONNECTIONS, duration, ...opts }, (err, r) => {
      if (err) return fail(err);
      const bad = r.non2xx + r.errors + r.timeouts;
      times.sort((a, b) => a - b);
      const out = { title, rps: r.requests.total / duration, p50: pct(times, 50), p99: pct(times, 99), requests: r.requests.total, bad };
      if (title) console.log(`${title.padEnd(40)} ${out.rps.toFixed(0).padStart(7)} req/s   p50 ${out.p50.toFixed(2).padStart(6)} ms   p99 ${out.p99.toFixed(2).padStart(6)} ms   (${out.requests} requests, ${bad} not 2xx)`);
      if (bad > 0) return fail(new Error(`${title}: ${bad} answers were not 2xx`));
      ok(out);
    });
    instance.on('response', (client, status, bytes, ms) => times.push(ms));
  });
}

function spawnUntil(cmd, args, env, re) {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); fail(new Error(`${cmd} did not start: ${out}`)); }, 20_000);
    const on = (d) => {
      out += d;
      const m = re.exec(out);
      if (m) { clearTimeout(timer); ok({ child, match: m }); }
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
    child.on('exit', (code) => { clearTimeout(timer); fail(new Error(`${cmd} exited (${code}): ${out}`)); });
  });
}

/** A floor process: `bench/floor/node.mjs` with `client` (fetch or http), or the workerd floor. */
async function startFloor(runtime, dsUrl, client) {
  let child;
  let base;
  if (runtime === 'node') {
    ({ child, match: [, base] } = await spawnUntil(process.execPath, [join(REPO, 'bench', 'floor', 'node.mjs'), '--data-service', dsUrl, '--client', client], {}, /listening on (http:\S+)/));
  } else {
    const port = await freePort();
    child = spawn(join(REPO, 'gateway', 'node_modules', '.bin', 'workerd'), ['serve', join(REPO, 'bench', 'floor', 'workerd.capnp'), '--socket-addr', `http=127.0.0.1:${port}`],
      { env: { ...process.env, DATA_SERVICE_URL: dsUrl }, stdio: ['ignore', 'ignore', 'inherit'] });
    base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${base}/v1/workspaces/${WS}/details/${ENTITY}`)).status === 200) break;
      } catch { /* not yet */ }
      if (i > 200) throw new Error('the workerd floor did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  child.stdout?.resume();
  return { base, stop: () => new Promise((ok) => { child.once('exit', ok); child.kill('SIGTERM'); }) };
}

/**
 * The floors of a runtime, the first the one the goal is measured against: on Node, the bare
 * proxy with the global fetch, and with node:http's client (the gateway's own transport there);
 * on workerd, the bare fetch-and-return worker.
 */
const FLOORS = {
  node: [['floor (fetch)', 'fetch'], ['floor (node:http client)', 'http']],
  workerd: [['floor', 'fetch']],
};

/** A gateway with the bench's key: 20 stored, searchable detail filters, the worked example first. */
async function startTarget(runtime, ds) {
  const gw = await h.startGateway({ runtime, dataUrl: ds.url });
  const floors = [];
  for (const [name, client] of FLOORS[runtime]) floors.push({ name, ...(await startFloor(runtime, ds.url, client)) });
  const a = h.admin(gw.base);
  const filters = [await a.createFilter({ entity_type: 'detail', name: 'Concrete details (typical library)', predicate_text: 'project_type eq "typical" AND tags intersects ["concrete"]' })];
  const words = ['steel', 'wood', 'beam', 'column', 'slab', 'reviewed', 'draft', 'fire-rated', 'exterior', 'masonry', 'glass'];
  for (let i = 0; filters.length < 20; i++) {
    const t = ['steel', 'wood', 'masonry'][i % 3];
    filters.push(await a.createFilter({ entity_type: 'detail', name: `bench ${i}`, predicate_text: `type eq "${t}" AND tags contains ["${words[i % words.length]}", "${words[(i + 3) % words.length]}"]` }));
  }
  const key = await a.createKey({ name: 'bench: 20 grants', grants: filters.map((f) => ({ workspace_id: WS, filter: f.id, actions: ['read'] })) });
  const token = await h.mintToken(gw.base, key);
  const path = `/v1/workspaces/${WS}/details/${ENTITY}`;
  const auth = { authorization: `Bearer ${token}` };
  // The floor answers what the gateway answers, byte for byte, or it is no floor.
  const g = await h.http(gw.base, 'GET', path, { token });
  for (const floor of floors) {
    const f = await h.http(floor.base, 'GET', path);
    if (g.status !== 200 || f.status !== 200 || g.text !== f.text) throw new Error(`${runtime}: the gateway and its ${floor.name} answer differently:\n${g.text}\n${f.text}`);
  }
  return { runtime, gw, floors, filters, key, token, auth, path };
}

console.log(`${os.cpus().length} CPUs (${os.cpus()[0].model}); node ${process.version}; ${SECONDS} s per run, ${CONNECTIONS} connections, ${ROUNDS} rounds\n`);
const ds = await h.startDataService();
const targets = [];
try {
  for (const runtime of RUNTIMES) targets.push(await startTarget(runtime, ds));
  // Not counted: each target warmed up first. A gateway's isolate takes tens of seconds under
  // load to reach its steady heap (until then it collects often, all connections waiting).
  const warm = (url, headers, seconds = WARMUP) => run('', { url, headers }, seconds);
  for (const t of targets) {
    for (const f of t.floors) await warm(`${f.base}${t.path}`, {});
    await warm(`${t.gw.base}${t.path}`, t.auth);
  }

  // GET of one entity: the floors and the gateway in turn, every runtime in each round, the
  // order rotated from round to round.
  const rounds = Object.fromEntries(targets.map((t) => [t.runtime, { gateway: [], floors: t.floors.map(() => []) }]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const t of targets) {
      const turns = [-1, ...t.floors.map((_, i) => i)];
      for (let k = 0; k < turns.length; k++) {
        const which = turns[(k + r) % turns.length];
        // Each run follows a short one of its own, not counted: a target idle while the others
        // ran (its runtime may have shrunk its heap meanwhile) starts no colder than the one
        // measured just before it.
        if (which < 0) {
          await warm(`${t.gw.base}${t.path}`, t.auth, RUN_WARMUP);
          rounds[t.runtime].gateway.push(await run(`${t.runtime} gateway, get (round ${r + 1})`, { url: `${t.gw.base}${t.path}`, headers: t.auth }));
        } else {
          const f = t.floors[which];
          await warm(`${f.base}${t.path}`, {}, RUN_WARMUP);
          rounds[t.runtime].floors[which].push(await run(`${t.runtime} ${f.name}, get (round ${r + 1})`, { url: `${f.base}${t.path}` }));
        }
      }
    }
  }

  // For reference, once: the data service straight, and a list page through the first gateway.
  const t0 = targets[0];
  const scope = { all: false, any: t0.filters.map((f) => f.predicate) };
  const queryBody = JSON.stringify({ scope, require_match: true, limit: 50, cursor: null, search: {} });
  const g = await h.http(t0.gw.base, 'GET', `/v1/workspaces/${WS}/details?limit=50`, { token: t0.token });
  const d = await (await fetch(`${ds.url}/internal/workspaces/${WS}/detail/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: queryBody })).json();
  if (g.status !== 200 || JSON.stringify(g.json.data.map((e) => e.id)) !== JSON.stringify(d.items.map((e) => e.id))) {
    throw new Error('the gateway and the data service disagree on the first page');
  }
  const directGet = await run('get, data service directly', { url: `${ds.url}/internal/workspaces/${WS}/detail/${ENTITY}` });
  const directList = await run('list page (50), data service', { url: `${ds.url}/internal/workspaces/${WS}/detail/query`, method: 'POST', headers: { 'content-type': 'application/json' }, body: queryBody });
  const gatewayList = await run(`list page (50), ${t0.runtime} gateway`, { url: `${t0.gw.base}/v1/workspaces/${WS}/details?limit=50`, headers: t0.auth });

  const summary = { date: new Date().toISOString(), cpus: os.cpus().length, cpu: os.cpus()[0].model, node: process.version,
    seconds: SECONDS, warmup: WARMUP, connections: CONNECTIONS, rounds: ROUNDS, get: {}, reference: { directGet, directList, gatewayList, listRuntime: t0.runtime } };
  console.log('');
  const m = (xs, k) => median(xs.map((x) => x[k]));
  const fig = (xs) => ({ rps: m(xs, 'rps'), p50: m(xs, 'p50'), p99: m(xs, 'p99') });
  for (const t of targets) {
    const { gateway, floors } = rounds[t.runtime];
    const s = { gateway: fig(gateway), rounds: { gateway }, floors: [] };
    t.floors.forEach((f, i) => {
      const fr = floors[i];
      s.floors.push({
        name: f.name, ...fig(fr), rounds: fr,
        // Per round, then the median: each round's runs were side by side.
        rps_ratio: median(fr.map((x, j) => x.rps / gateway[j].rps)),
        p50_ratio: median(fr.map((x, j) => gateway[j].p50 / x.p50)),
        p99_ratio: median(fr.map((x, j) => gateway[j].p99 / x.p99)),
      });
    });
    summary.get[t.runtime] = s;
    for (const f of s.floors) {
      console.log(`${t.runtime}: ${f.name} ${f.rps.toFixed(0)} req/s, gateway ${s.gateway.rps.toFixed(0)} req/s: the floor does ${f.rps_ratio.toFixed(2)}x the gateway's req/s; gateway p50 ${f.p50_ratio.toFixed(2)}x, p99 ${f.p99_ratio.toFixed(2)}x the floor's`);
    }
  }
  mkdirSync(join(REPO, 'bench', 'out'), { recursive: true });
  writeFileSync(join(REPO, 'bench', 'out', 'gateway-load.json'), JSON.stringify(summary, null, 2));

  if (WRITE) {
    const ms = (x) => `${x.toFixed(2)} ms`;
    const L = ['## The gateway against its floor (`bench/gateway-load.mjs`)', ''];
    L.push(`${os.cpus().length} CPUs (${os.cpus()[0].model}), node ${process.version}, ${summary.date.slice(0, 10)}; load average at the end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}. ` +
      `GET of one detail with a key holding 20 grants (20 stored detail filters), autocannon, ${CONNECTIONS} connections, ${SECONDS} s per run after ${WARMUP} s of warm-up per target and ${RUN_WARMUP} s before each run (not counted); the floor and the gateway of a runtime alternately, ${ROUNDS} rounds, the order swapped each round; medians over the rounds. ` +
      'The floors answer the same bytes without a token or a decision, each in a process of its own: `bench/floor/node.mjs` (node:http, a GET of the entity from the data service with the global fetch, or with node:http\'s client and a keep-alive agent, JSON.parse, `{"data": entity}`) and `bench/floor/worker.mjs` (the same as a fetch-and-return worker on workerd). Latency percentiles from every response\'s own time.', '');
    L.push('| runtime | | req/s | p50 | p99 |', '| --- | --- | ---: | ---: | ---: |');
    for (const t of targets) {
      const s = summary.get[t.runtime];
      L.push(`| ${t.runtime} | gateway | ${s.gateway.rps.toFixed(0)} | ${ms(s.gateway.p50)} | ${ms(s.gateway.p99)} |`);
      for (const f of s.floors) L.push(`| ${t.runtime} | ${f.name} | ${f.rps.toFixed(0)} | ${ms(f.p50)} | ${ms(f.p99)} |`);
      for (const f of s.floors) {
        L.push(`| ${t.runtime} | **${f.name} / gateway** (median of the rounds' ratios) | **${f.rps_ratio.toFixed(2)}x** | gateway **${f.p50_ratio.toFixed(2)}x** | gateway **${f.p99_ratio.toFixed(2)}x** |`);
      }
    }
    if (BEFORE) {
      L.push('', `${BEFORE_LABEL} (the same benchmark run ${BEFORE.date.slice(0, 16).replace('T', ' ')} UTC, ${BEFORE.seconds} s runs, ${BEFORE.rounds} rounds, its own floors measured beside it):`, '');
      L.push('| runtime | | req/s | p50 | p99 |', '| --- | --- | ---: | ---: | ---: |');
      for (const [runtime, s] of Object.entries(BEFORE.get)) {
        L.push(`| ${runtime} | gateway | ${s.gateway.rps.toFixed(0)} | ${ms(s.gateway.p50)} | ${ms(s.gateway.p99)} |`);
        for (const f of s.floors) L.push(`| ${runtime} | **${f.name} / gateway** | **${f.rps_ratio.toFixed(2)}x** (floor ${f.rps.toFixed(0)} req/s) | gateway **${f.p50_ratio.toFixed(2)}x** | gateway **${f.p99_ratio.toFixed(2)}x** |`);
      }
    }
    for (const t of targets) {
      const s = summary.get[t.runtime];
      for (const f of s.floors) {
        const met = f.rps_ratio <= 1.25 && f.p99_ratio <= 1.25;
        const each = (ratio) => f.rounds.map((x, j) => ratio(x, s.rounds.gateway[j]).toFixed(2)).join(', ');
        L.push('', `- ${t.runtime}, against the ${f.name}: req/s ${f.rps_ratio.toFixed(2)}x (rounds: ${each((x, g) => x.rps / g.rps)}), `
          + `p99 ${f.p99_ratio.toFixed(2)}x (rounds: ${each((x, g) => g.p99 / x.p99)}): ${met ? 'within' : '**not** within'} 1.25x in this run.`);
      }
    }
    L.push('', 'The workerd gateway runs with its default freshness lease (STATE_LEASE_MS 250 ms; gateway/README.md, **Leases**): one call to the firm\'s Durable Object per lease, not per request. The Node gateway is on its embedded SQLite store, its only writer, which needs no check.');
    L.push('', 'What the p99 is made of on workerd, the floor\'s as well as the gateway\'s: mostly V8 collections that stop the isolate, so that every connection waits at once (seen with `v8Flags = ["--trace-gc"]` in a copy of the config): frequent scavenges and now and then a mark-compact, the longest pause. How often they come follows what a request allocates, so the gateway\'s tail tracks its allocations per request beyond the floor\'s (DevTools `HeapProfiler.startSampling` through `workerd --inspector-addr`).');
    L.push('', 'Read: req/s, the floor\'s over the gateway\'s (1.25x: the gateway does 80% of the floor\'s requests); p50 and p99, the gateway\'s over the floor\'s. Goal (issue 21): within 1.25x of the bare proxy with the global fetch, in req/s and p99; the floor with node:http\'s client is the stricter one, what the gateway\'s own transport costs alone.');
    L.push('', `For reference, once, after the rounds: the data service's own GET ${summary.reference.directGet.rps.toFixed(0)} req/s (p99 ${ms(directGet.p99)}); a list page of 50 from the data service ${directList.rps.toFixed(0)} req/s (p99 ${ms(directList.p99)}), through the ${t0.runtime} gateway ${gatewayList.rps.toFixed(0)} req/s (p99 ${ms(gatewayList.p99)}).`);
    L.push('', `    node bench/gateway-load.mjs --seconds ${SECONDS} --warmup ${WARMUP} --connections ${CONNECTIONS} --rounds ${ROUNDS} --runtimes ${RUNTIMES.join(',')}   # rewrites this section`);
    writeSection('gateway-load', L);
  }
} finally {
  for (const t of targets) {
    for (const f of t.floors) await f.stop();
    await t.gw.stop();
    h.removeDir(t.gw.dir);
  }
  await ds.stop();
}
