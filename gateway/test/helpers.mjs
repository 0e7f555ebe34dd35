// Test harness: real processes on 127.0.0.1 with ephemeral ports, started and stopped by the
// tests themselves. The data service is the workspace crate `portcullis-data-service` (built once
// if missing), on SQLite, or on PostgreSQL with GATEWAY_STORE=postgres; the gateway runs either
// on Node (src/node-server.mjs) or on workerd (workerd/config.capnp).
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startPostgres, freePort } from './postgres.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
export const GATEWAY = resolve(HERE, '..');
export const REPO = resolve(GATEWAY, '..');

// Fixtures of the data service's generated data (data-service/).
export const FIRM = 'a0000000-0000-4000-8000-000000000001';
export const WS_MAIN = 'a1000000-0000-4000-8000-000000000001';
export const WS_SECOND = 'a2000000-0000-4000-8000-000000000002';
export const FIRM_OTHER = 'b0000000-0000-4000-8000-000000000001';
export const WS_OTHER = 'b1000000-0000-4000-8000-000000000001';
export const DETAIL_CONCRETE_TYPICAL = 'd0000000-0000-4000-8000-000000000001';
export const DETAIL_CONCRETE_PROJECT = 'd0000000-0000-4000-8000-000000000002';
export const DETAIL_STEEL_TYPICAL = 'd0000000-0000-4000-8000-000000000003';
export const CONCRETE_TYPICAL_COUNT = 1247;
export const PROJECT_MAIN = 'c0000000-0000-4000-8000-000000000001';
export const USER_MAIN = 'e0000000-0000-4000-8000-000000000001';
export const MISSING_ID = 'ffffffff-ffff-4fff-bfff-ffffffffffff';

export const ADMIN_TOKEN = 'test-admin-token-' + randomBytes(8).toString('hex');
export const SECRET_KEY = randomBytes(32).toString('base64url');

/** The data service binary (DATA_SERVICE_BIN, else the release build, built the first time if needed). */
export function dataServiceBin() {
  if (process.env.DATA_SERVICE_BIN) return process.env.DATA_SERVICE_BIN;
  const p = join(REPO, 'target', 'release', 'portcullis-data-service');
  if (!existsSync(p)) execFileSync('cargo', ['build', '--release', '-p', 'portcullis-data-service'], { cwd: REPO, stdio: 'inherit' });
  return p;
}

/** Spawn a process and wait for a line matching `re` on stdout; resolves with the match. */
function spawnUntil(cmd, args, { env, re, timeoutMs = 20_000, cwd } = {}) {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${cmd} did not start in time\nstdout: ${out}\nstderr: ${err}`));
    }, timeoutMs);
    child.stdout.on('data', (d) => {
      out += d;
      const m = re && re.exec(out);
      if (m) {
        clearTimeout(timer);
        ok({ child, match: m, output: () => out + err });
      }
    });
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`${cmd} exited early (${code})\nstdout: ${out}\nstderr: ${err}`));
    });
  });
}

function stopper(child) {
  return () => new Promise((ok) => {
    if (child.exitCode !== null || child.signalCode !== null) return ok();
    child.once('exit', () => ok());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}

/**
 * Start a data service with freshly generated data (`size` entities of each type per workspace,
 * its default unless given) in a directory of its own: an SQLite file, or with
 * GATEWAY_STORE=postgres a database of its own in this process's throwaway cluster, and its search
 * index. `stop()` ends it and removes the directory.
 */
export async function startDataService({ size } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-data-'));
  const database = NODE_STORE === 'postgres'
    ? await (await postgres()).database(`ds_${++dataServices}_${randomBytes(4).toString('hex')}`)
    : `sqlite:${join(dir, 'entities.sqlite')}`;
  const args = ['--port', '0', '--host', '127.0.0.1', '--database', database, '--index-dir', join(dir, 'index'),
    ...(size ? ['--size', String(size)] : [])];
  // Generating, storing and indexing the data takes a while on a busy machine.
  const { child, match } = await spawnUntil(dataServiceBin(), args, { re: /listening on (http:\/\/[\d.]+:\d+)/, timeoutMs: 180_000 });
  child.stdout.resume();
  const stop = stopper(child);
  return { url: match[1], child, database, stop: async () => { await stop(); removeDir(dir); } };
}

/**
 * Every entity of a type in a workspace, straight from the data service (its internal query with
 * the scope "all", page after page): what a test compares the gateway's answers with.
 */
export async function allEntities(dataUrl, ws, type) {
  const out = [];
  let cursor = null;
  for (;;) {
    const res = await fetch(`${dataUrl}/internal/workspaces/${ws}/${type}/query`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ scope: { all: true }, limit: 1000, cursor }),
    });
    if (res.status !== 200) throw new Error(`data service query: ${res.status} ${await res.text()}`);
    const page = await res.json();
    out.push(...page.items);
    cursor = page.next_cursor;
    if (!cursor) return out;
  }
}

async function waitHealthy(base, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.status === 200) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gateway at ${base} did not become healthy`);
}

// The Node gateway's store in these tests: the embedded SQLite file (default), or PostgreSQL
// with GATEWAY_STORE=postgres (a throwaway cluster for this test process, one database per data
// directory, so a restart on the same directory finds its state).
export const NODE_STORE = process.env.GATEWAY_STORE === 'postgres' ? 'postgres' : 'sqlite';
let cluster = null;
const databases = new Map();
let dataServices = 0;

/** The throwaway PostgreSQL cluster of this test process (started on first use, stopped on exit). */
export async function postgres() {
  if (!cluster) {
    cluster = startPostgres();
    const c = await cluster;
    process.once('exit', () => c.stop());
  }
  return cluster;
}

/** The database URL of a data directory (its own database, made on first use). */
export async function databaseFor(dir) {
  if (!databases.has(dir)) databases.set(dir, `gw_${databases.size + 1}_${randomBytes(4).toString('hex')}`);
  return (await postgres()).database(databases.get(dir));
}

/**
 * Start a gateway. runtime: 'node' | 'workerd'. `dir` keeps state across restarts (durability
 * tests pass the same one again). `env` adds variables (TOKEN_TTL_SECONDS, CLIENT_IP_HEADER...).
 * `store` (Node): 'sqlite' | 'postgres', NODE_STORE unless given; with 'postgres', gateways
 * started with the same `dir` share one database. workerd serves two isolates: `base` and
 * `base2`.
 */
export async function startGateway({ runtime = 'node', dataUrl, dir, env = {}, store = NODE_STORE }) {
  dir ??= mkdtempSync(join(tmpdir(), `portcullis-${runtime}-`));
  const baseEnv = { DATA_SERVICE_URL: dataUrl, PORTCULLIS_ADMIN_TOKEN: ADMIN_TOKEN, PORTCULLIS_SECRET_KEY: SECRET_KEY, ...env };
  if (runtime === 'node') {
    if (store === 'postgres' && !baseEnv.DATABASE_URL) baseEnv.DATABASE_URL = await databaseFor(dir);
    const { child, match } = await spawnUntil(process.execPath, [join(GATEWAY, 'src', 'node-server.mjs'), '--port', '0', '--data-dir', dir],
      { env: baseEnv, re: /gateway listening on (http:\/\/[\d.]+:\d+)/ });
    child.stdout.resume();
    return { base: match[1], dir, child, runtime, store, stop: stopper(child) };
  }
  const port = await freePort();
  const port2 = await freePort();
  const bin = join(GATEWAY, 'node_modules', '.bin', 'workerd');
  // Signed download links are made on PUBLIC_BASE_URL: here the first isolate's own origin (both
  // isolates share the setting, as instances behind one load balancer do). On Node, unset, it is
  // the server's listening origin.
  const workerdEnv = { PUBLIC_BASE_URL: `http://127.0.0.1:${port}`, ...baseEnv };
  const child = spawn(bin, ['serve', join(GATEWAY, 'workerd', 'config.capnp'), '--socket-addr', `http=127.0.0.1:${port}`,
    '--socket-addr', `http2=127.0.0.1:${port2}`, '--directory-path', `state=${dir}`], { env: { ...process.env, ...workerdEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  const base = `http://127.0.0.1:${port}`;
  const base2 = `http://127.0.0.1:${port2}`;
  try {
    await waitHealthy(base);
    await waitHealthy(base2);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${err.message}\n${log}`);
  }
  return { base, base2, dir, child, runtime, store: 'durable-object', stop: stopper(child), log: () => log };
}

export function removeDir(dir) {
  rmSync(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// HTTP

/** One request; answers {status, headers, text, json}. */
export async function http(base, method, path, { body, headers = {}, token, form } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  let payload;
  if (form) {
    payload = new URLSearchParams(form).toString();
    h['content-type'] = 'application/x-www-form-urlencoded';
  } else if (body !== undefined) {
    payload = typeof body === 'string' ? body : JSON.stringify(body);
    h['content-type'] ??= 'application/json';
  }
  const res = await fetch(base + path, { method, headers: h, body: payload });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, text, json };
}

/** The admin API as one admin: the operator (ADMIN_TOKEN) unless a firm admin's token is given. */
export function admin(base, token = ADMIN_TOKEN) {
  const call = (method, path, body, headers) => http(base, method, `/admin/v1${path}`, { body, headers, token });
  return {
    call,
    token,
    async createFilter(f) {
      const r = await call('POST', '/filters', { workspace_id: WS_MAIN, ...f });
      if (r.status !== 201) throw new Error(`filter create: ${r.status} ${r.text}`);
      return r.json.filter;
    },
    async createKey(k) {
      const r = await call('POST', '/keys', { ...(token === ADMIN_TOKEN ? { firm_id: FIRM } : {}), name: 'test key', ...k });
      if (r.status !== 201) throw new Error(`key create: ${r.status} ${r.text}`);
      return { ...r.json.key, secret: r.json.client_secret };
    },
  };
}

/**
 * A firm admin made by the operator (POST /admins): an admin() client with its token, and
 * `record`, the answer's `admin` (`{id, name, firm_id, ...}`).
 */
export async function firmAdmin(base, firmId, name) {
  const r = await admin(base).call('POST', '/admins', { firm_id: firmId, name });
  if (r.status !== 201) throw new Error(`admin create: ${r.status} ${r.text}`);
  return { ...admin(base, r.json.token), record: r.json.admin };
}

/**
 * The admins the admin tests act as: the operator (`op`), a firm admin of FIRM (`acme`, "Acme
 * firm admin") and one of FIRM_OTHER (`other`, "Other firm admin"), made through POST /admins.
 */
export async function firmAdmins(base) {
  return {
    op: admin(base),
    acme: await firmAdmin(base, FIRM, 'Acme firm admin'),
    other: await firmAdmin(base, FIRM_OTHER, 'Other firm admin'),
  };
}

export async function mintToken(base, key, headers = {}) {
  const r = await http(base, 'POST', '/oauth/token', { headers, form: { grant_type: 'client_credentials', client_id: key.client_id, client_secret: key.secret } });
  if (r.status !== 200) throw new Error(`token: ${r.status} ${r.text}`);
  return r.json.access_token;
}

/** A response with the headers that vary per request (SPEC 4.5) left out, for byte comparisons. */
export function shape(r) {
  const headers = [...r.headers].filter(([k]) => !['x-request-id', 'date', 'connection', 'keep-alive'].includes(k));
  return JSON.stringify({ status: r.status, headers, text: r.text });
}

/** Every page of a list, following next_cursor. */
export async function listAll(base, token, path, limit = 200) {
  const ids = [];
  let cursor = null;
  let pages = 0;
  for (;;) {
    const sep = path.includes('?') ? '&' : '?';
    const r = await http(base, 'GET', `${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, { token });
    if (r.status !== 200) return { status: r.status, res: r, ids };
    ids.push(...r.json.data.map((e) => e.id));
    pages += 1;
    cursor = r.json.next_cursor;
    if (!cursor) return { status: 200, ids, pages };
  }
}

/**
 * Everything a gateway has stored, as text: the SQLite file and its write-ahead log (Node,
 * embedded), every row of the state tables (PostgreSQL), the Durable Objects' databases (workerd).
 */
export async function storedState(gw) {
  if (gw.store === 'postgres') {
    const c = new pg.Client({ connectionString: await databaseFor(gw.dir) });
    await c.connect();
    try {
      const tables = (await c.query("SELECT tablename FROM pg_tables WHERE tablename LIKE 'pc\\_%'")).rows.map((r) => r.tablename);
      let text = '';
      for (const t of tables) text += JSON.stringify((await c.query(`SELECT * FROM ${t}`)).rows);
      return text;
    } finally {
      await c.end();
    }
  }
  const dir = gw.store === 'durable-object' ? join(gw.dir, 'portcullis-gateway-firms') : gw.dir;
  const files = readdirSync(dir).filter((f) => gw.store === 'durable-object' || f.startsWith('state.sqlite'));
  return files.map((f) => readFileSync(join(dir, f), 'latin1')).join('');
}
