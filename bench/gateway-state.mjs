// The gateway's state store under load (not a test: it measures). Loopback only, bounded in time.
//
//   node bench/gateway-state.mjs [--samples 200] [--seconds 10] [--connections 20] [--sizes 100,10000,100000]
//
// 1. Write cost against history: for the embedded SQLite store and PostgreSQL (a throwaway
//    cluster with its default, durable commits), with N keys and N audit entries already stored
//    (N in --sizes, seeded straight into the store), the p50/p99 of an admin write (POST
//    /admin/v1/keys) and of a token mint (POST /oauth/token), one request at a time.
// 2. Throughput of a single-entity GET with autocannon: a bare Node reverse proxy (node:http and a
//    fetch of the same entity from the data service: the floor for this runtime), then the gateway
//    on SQLite (one instance: no version check), on PostgreSQL (one instance, then two: every
//    request checks the version), all in this run, with ratios against the proxy.
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import http from 'node:http';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(REPO, 'gateway', 'package.json'));
const autocannon = require('autocannon');
const h = await import(join(REPO, 'gateway', 'test', 'helpers.mjs'));
const { startPostgres } = await import(join(REPO, 'gateway', 'test', 'postgres.mjs'));
const { SqliteBackend } = await import(join(REPO, 'gateway', 'src', 'state', 'sqlite.mjs'));
const { PostgresBackend } = await import(join(REPO, 'gateway', 'src', 'state', 'postgres.mjs'));

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const SAMPLES = Math.min(Number(arg('--samples', '200')), 5000);
const SECONDS = Math.min(Number(arg('--seconds', '10')), 60);
const CONNECTIONS = Math.min(Number(arg('--connections', '20')), 100);
const SIZES = arg('--sizes', '100,10000,100000').split(',').map(Number);
const WS = h.WS_MAIN;

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

/** Store `n` keys and `n` audit entries, a thousand rows per transaction, as the gateway writes them. */
async function seed(backend, n) {
  await backend.open(new Date().toISOString());
  let version = (await backend.sync('all', 0)).version;
  const at = new Date().toISOString();
  for (let i = 0; i < n; i += 1000) {
    const ops = [];
    for (let j = i; j < Math.min(n, i + 1000); j++) {
      ops.push({ op: 'key', rec: {
        id: `key_seed${j}`, name: `seeded ${j}`, firm_id: h.FIRM, environment: 'live', client_id: `pcid_live_seed${j}`,
        secret_gen: 1, secret_hash: 'AAAA', secret_enc: 'x', created_at: at, created_by: 'operator:bench', revoked: false,
        allowed_ips: null, grants: [{ id: `grt_seed${j}`, workspace_id: WS, filter: 'default:details', actions: ['read'] }],
      } });
      ops.push({ op: 'audit', entry: { at, actor: 'bench', actor_id: 'operator:bench', actor_firm_id: null, source_ip: null,
        firm_id: h.FIRM, action: 'key.create', target: { type: 'key', id: `key_seed${j}`, name: `seeded ${j}` } } });
    }
    const r = await backend.write('all', version, async () => ops, Date.now());
    version = r.version;
  }
  // The steady state of a store with this history, not the aftermath of a bulk load: statistics
  // gathered and dead rows vacuumed (PostgreSQL), the write-ahead log checkpointed (SQLite).
  if (backend.kind === 'postgres') await backend.pool.query('VACUUM ANALYZE');
  else backend.db.pragma('wal_checkpoint(TRUNCATE)');
  await backend.close();
}

async function timed(fn) {
  const t = process.hrtime.bigint();
  const r = await fn();
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  return { r, ms };
}

async function writeCost(ds, store, n, pgCluster) {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-bench-state-'));
  let env = {};
  if (store === 'postgres') {
    env = { DATABASE_URL: await pgCluster.database(`bench_${n}_${Date.now() % 1e6}`) };
    await seed(new PostgresBackend(env.DATABASE_URL), n);
  } else {
    await seed(new SqliteBackend(join(dir, 'state.sqlite')), n);
  }
  // Every sample mints a token on one key and makes a key: limits above what the run does.
  const limits = { TOKEN_RATE_LIMIT: '1000000/60s', TOKEN_MAX_PER_KEY: String(SAMPLES + 1), ADMIN_WRITE_RATE_LIMIT: '1000000/60s' };
  const gw = await h.startGateway({ dataUrl: ds.url, dir, store, env: { ...env, ...limits } });
  try {
    const a = h.admin(gw.base);
    const key = await a.createKey({ name: 'minting', grants: [{ workspace_id: WS, filter: 'default:details', actions: ['read'] }] });
    for (let i = 0; i < 20; i++) await a.createKey({ name: 'warm-up', grants: [] }); // warm-up
    const writes = [];
    for (let i = 0; i < SAMPLES; i++) {
      const { r, ms } = await timed(() => a.call('POST', '/keys', { firm_id: h.FIRM, name: `timed ${i}`, grants: [{ workspace_id: WS, filter: 'default:details', actions: ['read'] }] }));
      if (r.status !== 201) throw new Error(`key create: ${r.status} ${r.text}`);
      writes.push(ms);
    }
    const mints = [];
    for (let i = 0; i < SAMPLES; i++) {
      const { r, ms } = await timed(() => h.http(gw.base, 'POST', '/oauth/token', { form: { grant_type: 'client_credentials', client_id: key.client_id, client_secret: key.secret } }));
      if (r.status !== 200) throw new Error(`mint: ${r.status} ${r.text}`);
      mints.push(ms);
    }
    return { store, n, write: { p50: pct(writes, 50), p99: pct(writes, 99) }, mint: { p50: pct(mints, 50), p99: pct(mints, 99) } };
  } finally {
    await gw.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function load(title, urls, headers) {
  // One autocannon per instance, side by side (a load balancer's round robin, without one).
  const per = Math.max(1, Math.round(CONNECTIONS / urls.length));
  return Promise.all(urls.map((url) => new Promise((ok, fail) => {
    autocannon({ url, headers, connections: per, duration: SECONDS }, (err, r) => (err ? fail(err) : ok(r)));
  }))).then((rs) => {
    const rps = rs.reduce((s, r) => s + r.requests.average, 0);
    const bad = rs.reduce((s, r) => s + r.non2xx + r.errors + r.timeouts, 0);
    const p99 = Math.max(...rs.map((r) => r.latency.p99));
    const p50 = Math.max(...rs.map((r) => r.latency.p50));
    console.log(`${title.padEnd(40)} ${rps.toFixed(0).padStart(7)} req/s   p50 ${String(p50).padStart(3)} ms   p99 ${String(p99).padStart(4)} ms   (${bad} not 2xx)`);
    if (bad > 0) throw new Error(`${title}: ${bad} answers were not 2xx`);
    return { title, rps, p50, p99 };
  });
}

/** The floor: node:http answering each GET with a fetch of the entity from the data service. */
async function bareProxy(dsUrl) {
  const server = http.createServer(async (req, res) => {
    const r = await fetch(`${dsUrl}/internal/workspaces/${WS}/detail/${h.DETAIL_CONCRETE_TYPICAL}`);
    const body = await r.text();
    res.writeHead(r.status, { 'content-type': 'application/json' });
    res.end(body);
  });
  server.keepAliveTimeout = 65_000;
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${server.address().port}/`, stop: () => new Promise((ok) => server.close(ok)) };
}

async function throughput(ds, pgCluster) {
  const url = (gw) => `${gw.base}/v1/workspaces/${WS}/details/${h.DETAIL_CONCRETE_TYPICAL}`;
  const out = [];
  const proxy = await bareProxy(ds.url);
  await load('warm-up', [proxy.url], {});
  out.push(await load('bare Node reverse proxy (floor)', [proxy.url], {}));
  await proxy.stop();

  const run = async (title, gws) => {
    const a = h.admin(gws[0].base);
    const key = await a.createKey({ name: 'load', grants: [{ workspace_id: WS, filter: 'default:details', actions: ['read'] }] });
    const auth = { authorization: `Bearer ${await h.mintToken(gws[0].base, key)}` };
    await load('warm-up', gws.map(url), auth);
    out.push(await load(title, gws.map(url), auth));
  };
  const sqlite = await h.startGateway({ dataUrl: ds.url, store: 'sqlite' });
  try { await run('gateway, 1 instance, SQLite', [sqlite]); } finally { await sqlite.stop(); h.removeDir(sqlite.dir); }
  const db = await pgCluster.database(`bench_load_${Date.now() % 1e6}`);
  const pg1 = await h.startGateway({ dataUrl: ds.url, store: 'postgres', env: { DATABASE_URL: db } });
  try {
    await run('gateway, 1 instance, PostgreSQL', [pg1]);
    const pg2 = await h.startGateway({ dataUrl: ds.url, store: 'postgres', env: { DATABASE_URL: db } });
    try { await run('gateway, 2 instances, PostgreSQL', [pg1, pg2]); } finally { await pg2.stop(); }
  } finally {
    await pg1.stop();
  }
  return out;
}

/** The figures as a section of bench/RESULTS.md, between markers that bench/report.mjs keeps. */
function writeResults(rows, t) {
  const ms = (x) => x.toFixed(2);
  const L = ['<!-- gateway-state -->', '## The gateway\'s state store (`bench/gateway-state.mjs`)', ''];
  L.push(`${os.cpus().length} CPUs (${os.cpus()[0].model}), node ${process.version}, ${new Date().toISOString().slice(0, 10)}. PostgreSQL: a throwaway cluster with its default, durable commits; SQLite: WAL, synchronous=FULL.`, '');
  L.push(`Write cost against history: ${SAMPLES} requests one at a time, with N keys and N audit entries already stored.`, '');
  L.push('| store | N | key create p50 | p99 | token mint p50 | p99 |', '| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) L.push(`| ${r.store} | ${r.n.toLocaleString('en-US')} | ${ms(r.write.p50)} ms | ${ms(r.write.p99)} ms | ${ms(r.mint.p50)} ms | ${ms(r.mint.p99)} ms |`);
  L.push('');
  for (const store of ['sqlite', 'postgres']) {
    const small = rows.find((r) => r.store === store && r.n === SIZES[0]);
    const large = rows.find((r) => r.store === store && r.n === SIZES[SIZES.length - 1]);
    L.push(`- ${store}: p50 at ${large.n.toLocaleString('en-US')} over p50 at ${small.n.toLocaleString('en-US')}: key create ${(large.write.p50 / small.write.p50).toFixed(2)}x, token mint ${(large.mint.p50 / small.mint.p50).toFixed(2)}x (goal: within 1.5x, p50 under 5 ms).`);
  }
  L.push('', `GET of one entity, autocannon, ${CONNECTIONS} connections, ${SECONDS} s per run, all in one run:`, '');
  L.push('| | req/s | p50 | p99 | of the floor |', '| --- | ---: | ---: | ---: | ---: |');
  for (const r of t) L.push(`| ${r.title} | ${r.rps.toFixed(0)} | ${r.p50} ms | ${r.p99} ms | ${(r.rps / t[0].rps).toFixed(2)}x |`);
  const sqlite = t.find((r) => r.title.includes('SQLite'));
  const pg1 = t.find((r) => r.title.includes('1 instance, PostgreSQL'));
  L.push('', `- Freshness: one PostgreSQL instance, which checks the version before every request, serves ${(pg1.rps / sqlite.rps * 100).toFixed(1)}% of the throughput of one SQLite instance, which needs no check (goal: the mechanism costs under 10%).`);
  L.push('', '    node bench/gateway-state.mjs   # ~15 min; rewrites this section', '<!-- /gateway-state -->', '');
  const path = join(REPO, 'bench', 'RESULTS.md');
  let text = readFileSync(path, 'utf8');
  const block = L.join('\n');
  const at = /<!-- gateway-state -->[\s\S]*<!-- \/gateway-state -->\n/;
  text = at.test(text) ? text.replace(at, block) : text.replace('## Reproduce', `${block}## Reproduce`);
  writeFileSync(path, text);
  console.log('-> bench/RESULTS.md');
}

console.log(`${os.cpus().length} CPUs (${os.cpus()[0].model}); node ${process.version}; ${SAMPLES} samples per latency, ${SECONDS} s per load run, ${CONNECTIONS} connections\n`);
const ds = await h.startDataService();
const pgCluster = await startPostgres({ fsync: true });
try {
  console.log('write cost against history (ms, one request at a time)');
  console.log('store       keys+audit   key create p50 / p99   token mint p50 / p99');
  const rows = [];
  for (const store of ['sqlite', 'postgres']) {
    for (const n of SIZES) {
      const r = await writeCost(ds, store, n, pgCluster);
      rows.push(r);
      console.log(`${store.padEnd(11)} ${String(n).padStart(10)}   ${r.write.p50.toFixed(2).padStart(8)} / ${r.write.p99.toFixed(2).padStart(7)}   ${r.mint.p50.toFixed(2).padStart(8)} / ${r.mint.p99.toFixed(2).padStart(7)}`);
    }
    const small = rows.find((r) => r.store === store && r.n === SIZES[0]);
    const large = rows.find((r) => r.store === store && r.n === SIZES[SIZES.length - 1]);
    console.log(`${store}: p50 at ${SIZES[SIZES.length - 1]} / at ${SIZES[0]}: key create ${(large.write.p50 / small.write.p50).toFixed(2)}x, token mint ${(large.mint.p50 / small.mint.p50).toFixed(2)}x\n`);
  }
  console.log('GET of one entity (autocannon)');
  const t = await throughput(ds, pgCluster);
  const floor = t[0].rps;
  for (const r of t.slice(1)) console.log(`${r.title.padEnd(40)} ${(r.rps / floor).toFixed(2)}x the floor`);
  const sqlite = t.find((r) => r.title.includes('SQLite'));
  const pg1 = t.find((r) => r.title.includes('1 instance, PostgreSQL'));
  console.log(`freshness (version check per request): PostgreSQL 1 instance at ${(pg1.rps / sqlite.rps * 100).toFixed(1)}% of SQLite's throughput (${((1 - pg1.rps / sqlite.rps) * 100).toFixed(1)}% cost)`);
  writeResults(rows, t);
} finally {
  pgCluster.stop();
  await ds.stop();
}
