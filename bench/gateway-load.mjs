// Load test of the gateway (not a test: it measures). Loopback only, bounded in time.
//
//   node bench/gateway-load.mjs [--seconds 10] [--connections 10] [--runtime node|workerd]
//
// Starts the sample data service (release build) and the gateway, creates a key with 20 grants
// (20 stored detail filters), then measures with autocannon, in the same run:
//   - single get:  GET /v1/workspaces/{ws}/details/{id} via the gateway, and the data service's
//                  GET /internal/workspaces/{ws}/detail/{id} directly;
//   - list page:   GET /v1/workspaces/{ws}/details?limit=50 via the gateway, and the data
//                  service's POST .../query with the same 20-predicate scope, directly.
// It prints requests/s and p99 latency for each, and the gateway's overhead as ratios.
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(REPO, 'gateway', 'package.json'));
const autocannon = require('autocannon');
const h = await import(join(REPO, 'gateway', 'test', 'helpers.mjs'));

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const SECONDS = Math.min(Number(arg('--seconds', '10')), 60);
const CONNECTIONS = Math.min(Number(arg('--connections', '10')), 100);
const RUNTIME = arg('--runtime', 'node');
const WS = h.WS_MAIN;

function run(title, opts) {
  return new Promise((ok, fail) => {
    autocannon({ connections: CONNECTIONS, duration: SECONDS, ...opts }, (err, r) => {
      if (err) return fail(err);
      const bad = r.non2xx + r.errors + r.timeouts;
      const out = { title, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, requests: r.requests.total, bad };
      console.log(`${title.padEnd(34)} ${out.rps.toFixed(0).padStart(7)} req/s   p50 ${String(out.p50).padStart(4)} ms   p99 ${String(out.p99).padStart(4)} ms   (${out.requests} requests, ${bad} not 2xx)`);
      ok(out);
    });
  });
}

const ds = await h.startDataService();
const gw = await h.startGateway({ runtime: RUNTIME, dataUrl: ds.url });
try {
  const a = h.admin(gw.base);
  // 20 stored, searchable detail filters: the worked example plus 19 narrower ones.
  const filters = [await a.createFilter({ entity_type: 'detail', name: 'Concrete details (typical library)', predicate_text: 'project_type eq "typical" AND tags intersects ["concrete"]' })];
  const words = ['steel', 'wood', 'beam', 'column', 'slab', 'reviewed', 'draft', 'fire-rated', 'exterior', 'masonry', 'glass'];
  for (let i = 0; filters.length < 20; i++) {
    const t = ['steel', 'wood', 'masonry'][i % 3];
    filters.push(await a.createFilter({ entity_type: 'detail', name: `bench ${i}`, predicate_text: `type eq "${t}" AND tags contains ["${words[i % words.length]}", "${words[(i + 3) % words.length]}"]` }));
  }
  const key = await a.createKey({ name: 'bench: 20 grants', grants: filters.map((f) => ({ workspace_id: WS, filter: f.id, actions: ['read'] })) });
  const token = await h.mintToken(gw.base, key);
  const auth = { authorization: `Bearer ${token}` };
  const scope = { all: false, any: filters.map((f) => f.predicate) };
  const queryBody = JSON.stringify({ scope, require_match: true, limit: 50, cursor: null, search: {} });

  // Same answers both ways before measuring.
  const g = await h.http(gw.base, 'GET', `/v1/workspaces/${WS}/details?limit=50`, { token });
  const d = await (await fetch(`${ds.url}/internal/workspaces/${WS}/detail/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: queryBody })).json();
  if (g.status !== 200 || JSON.stringify(g.json.data.map((e) => e.id)) !== JSON.stringify(d.items.map((e) => e.id))) {
    throw new Error('the gateway and the data service disagree on the first page');
  }

  console.log(`gateway on ${RUNTIME}; ${SECONDS} s per run, ${CONNECTIONS} connections; ${os.cpus().length} CPUs (${os.cpus()[0].model}); node ${process.version}\n`);
  const warm = { connections: 4, duration: 2 };
  await new Promise((ok) => autocannon({ ...warm, url: `${gw.base}/v1/workspaces/${WS}/details/${h.DETAIL_CONCRETE_TYPICAL}`, headers: auth }, ok));
  const directGet = await run('get, data service directly', { url: `${ds.url}/internal/workspaces/${WS}/detail/${h.DETAIL_CONCRETE_TYPICAL}` });
  const gatewayGet = await run('get, through the gateway', { url: `${gw.base}/v1/workspaces/${WS}/details/${h.DETAIL_CONCRETE_TYPICAL}`, headers: auth });
  const directList = await run('list page (50), data service', { url: `${ds.url}/internal/workspaces/${WS}/detail/query`, method: 'POST', headers: { 'content-type': 'application/json' }, body: queryBody });
  const gatewayList = await run('list page (50), through the gateway', { url: `${gw.base}/v1/workspaces/${WS}/details?limit=50`, headers: auth });

  // The decision itself, in-process: the same wasm calls the gateway makes per request, on the
  // same 20-grant key, timed over long call loops (which also exercise V8's JS-to-wasm paths).
  const engine = await import(join(REPO, 'pkg', 'node.mjs'));
  const store = new engine.Store();
  for (const f of (await (await fetch(`${ds.url}/internal/firms`)).json()).firms) store.putFirm({ id: f.id, workspaces: f.workspaces.map((w) => w.id) });
  for (const f of filters) store.putFilter({ id: f.id, workspace_id: f.workspace_id, entity_type: f.entity_type, name: f.name, predicate: f.predicate });
  store.putKey({ id: key.id, firm_id: key.firm_id, grants: key.grants.map((x) => ({ workspace_id: x.workspace_id, filter: x.filter, actions: x.actions })) });
  const entity = (await (await fetch(`${ds.url}/internal/workspaces/${WS}/detail/${h.DETAIL_CONCRETE_TYPICAL}`)).json()).entity;
  const getReq = { operation: 'get', workspace_id: WS, entity_type: 'detail', id: entity.id, source_ip: '127.0.0.1' };
  const listReq = { operation: 'list', workspace_id: WS, entity_type: 'detail', source_ip: '127.0.0.1' };
  const time = (n, fn) => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    return Number(process.hrtime.bigint() - t0) / 1000 / n; // microseconds per call
  };
  const LOOP = Number(arg('--loop', '200000'));
  const decideUs = time(LOOP, () => store.decide(key.id, getReq, entity));
  const listUs = time(Math.ceil(LOOP / 10), () => { store.authorizeList(key.id, listReq); store.filterIds(key.id, listReq, d.items); });
  console.log(`\nin-process decision (wasm), ${LOOP} calls: get decide ${decideUs.toFixed(1)} µs/call; list authorizeList + filterIds(50) ${listUs.toFixed(1)} µs/call`);
  console.log(`decision share of gateway latency: get ${(100 * decideUs / 1000 / gatewayGet.p50).toFixed(2)}% of p50, ${(100 * decideUs / 1000 / gatewayGet.p99).toFixed(2)}% of p99; ` +
    `list ${(100 * listUs / 1000 / gatewayList.p50).toFixed(2)}% of p50, ${(100 * listUs / 1000 / gatewayList.p99).toFixed(2)}% of p99`);
  store.free();

  const ratio = (x, y) => (y === 0 ? Infinity : x / y);
  const summary = {
    decision_us: { get: decideUs, list: listUs },
    runtime: RUNTIME, seconds: SECONDS, connections: CONNECTIONS, cpus: os.cpus().length, node: process.version,
    get: { direct: directGet, gateway: gatewayGet, p99_ratio: ratio(gatewayGet.p99, directGet.p99), rps_ratio: ratio(gatewayGet.rps, directGet.rps) },
    list: { direct: directList, gateway: gatewayList, p99_ratio: ratio(gatewayList.p99, directList.p99), rps_ratio: ratio(gatewayList.rps, directList.rps) },
  };
  const x = (v) => (Number.isFinite(v) ? `x${v.toFixed(2)}` : 'x∞ (direct p99 under 1 ms)');
  console.log(`\noverhead (gateway / direct): get p99 ${x(summary.get.p99_ratio)}, rps x${summary.get.rps_ratio.toFixed(3)}; list p99 ${x(summary.list.p99_ratio)}, rps x${summary.list.rps_ratio.toFixed(3)}`);
  console.log(`added p99 latency: get +${gatewayGet.p99 - directGet.p99} ms, list +${gatewayList.p99 - directList.p99} ms`);
  if ([directGet, gatewayGet, directList, gatewayList].some((r) => r.bad > 0)) console.log('WARNING: some requests were not 2xx');
  mkdirSync(join(REPO, 'bench', 'out'), { recursive: true });
  writeFileSync(join(REPO, 'bench', 'out', `gateway-load-${RUNTIME}.json`), JSON.stringify(summary, null, 2));
} finally {
  await gw.stop();
  await ds.stop();
  h.removeDir(gw.dir);
}
