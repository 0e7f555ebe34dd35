// Node 20 host for the gateway: a node:http server that turns each request into a Web `Request`,
// calls the same fetch handler workerd runs (worker.mjs), and writes the `Response` back.
//
//   node src/node-server.mjs --data-service http://127.0.0.1:8788 [--port 8787] [--data-dir DIR]
//
// State: with DATABASE_URL (postgres://user:pass@host:port/db), in PostgreSQL, shared by every
// instance (state/postgres.mjs); PORTCULLIS_SECRET_KEY and the admin tokens must then be set, the
// same on every instance. Without it, in DIR/state.sqlite (state/sqlite.mjs), for this one
// process: then, without PORTCULLIS_SECRET_KEY, the master secret is read from (or created in)
// DIR/master.key, and without an admin token one is made up and printed.
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { readFile, writeFile, mkdir, stat, rename } from 'node:fs/promises';
import { join, resolve, extname, dirname, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import worker from './worker.mjs';
import { configInt } from './app.mjs';
import { SqliteBackend } from './state/sqlite.mjs';
import { PostgresBackend } from './state/postgres.mjs';
import { createHash } from 'node:crypto';
import { b64url, randomBytes } from './crypto.mjs';
import { useTransport, work, takeWork } from './data-service-client.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(HERE, '..', '..');
const HOST_RE = /^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

async function masterKey(dir) {
  const path = join(dir, 'master.key');
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
    const key = b64url(randomBytes(32));
    await writeFile(path, key + '\n', { mode: 0o600, flag: 'wx' });
    return key;
  }
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.wasm': 'application/wasm', '.svg': 'image/svg+xml', '.ts': 'text/plain; charset=utf-8' };

/** Demo only: the builder (www/) and the wasm package (pkg/) from the gateway's own origin. */
async function serveStatic(pathname) {
  let root;
  let rel;
  if (pathname.startsWith('/pkg/')) {
    root = join(REPO, 'pkg');
    rel = pathname.slice(5);
  } else {
    root = join(REPO, 'www');
    rel = pathname === '/' ? 'index.html' : pathname.slice(1);
  }
  let file;
  try {
    file = normalize(join(root, decodeURIComponent(rel)));
  } catch {
    return null;
  }
  if (!file.startsWith(root + sep)) return null;
  try {
    if (!(await stat(file)).isFile()) return null;
    return { body: await readFile(file), type: TYPES[extname(file)] ?? 'application/octet-stream' };
  } catch {
    return null;
  }
}

// Undici's own limits for fetch, which this transport replaces: an answer that has not come in
// 300 s fails the call.
const UPSTREAM_TIMEOUT_MS = 300_000;

/**
 * The data service over node:http: a keep-alive agent per protocol (connections reused across
 * requests, as many as requests in flight), each answer read whole as UTF-8 text. Cheaper than
 * the global fetch, which builds Web Request, Response and stream objects for every call. A call
 * on a reused connection that the service closed meanwhile (ECONNRESET before any answer) is sent
 * once more on a new one, as Node's documentation advises; it never reached the service.
 */
export function nodeTransport() {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, scheduling: 'lifo' }),
    'https:': new https.Agent({ keepAlive: true, scheduling: 'lifo' }),
  };
  const origins = new Map();
  const target = (url) => {
    const at = url.indexOf('/', url.indexOf('//') + 2);
    const origin = at < 0 ? url : url.slice(0, at);
    let o = origins.get(origin);
    if (o === undefined) {
      const u = new URL(origin);
      o = { protocol: u.protocol, hostname: u.hostname.replace(/^\[(.*)\]$/, '$1'), port: u.port || undefined, agent: agents[u.protocol], lib: u.protocol === 'https:' ? https : http };
      origins.set(origin, o);
    }
    return { o, path: at < 0 ? '/' : url.slice(at) };
  };
  const send = (method, url, body, again) => new Promise((ok, fail) => {
    const { o, path } = target(url);
    const headers = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const req = o.lib.request({ protocol: o.protocol, hostname: o.hostname, port: o.port, method, path, headers, agent: o.agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => ok({ status: res.statusCode, text }));
      res.on('error', fail);
    });
    req.setTimeout(UPSTREAM_TIMEOUT_MS, () => req.destroy(new Error(`no answer in ${UPSTREAM_TIMEOUT_MS / 1000} s`)));
    req.on('error', (err) => {
      if (again && req.reusedSocket && err.code === 'ECONNRESET') send(method, url, body, false).then(ok, fail);
      else fail(err);
    });
    req.end(body);
  });
  return (method, url, body) => send(method, url, body, true);
}

/**
 * The fields of a request's headers as a Web `Headers` answers them, read from node:http's raw
 * list when asked (no `Headers` is built): names case-insensitive, the values of a repeated
 * name joined with ", " in order, each value without leading or trailing whitespace, and a value
 * a `Headers` would refuse (NUL, CR, LF) left out, as the adapter's `Headers` drops it.
 */
class RawHeaders {
  #raw;
  constructor(raw) {
    this.#raw = raw;
  }

  get(name) {
    const want = String(name).toLowerCase();
    const raw = this.#raw;
    let out = null;
    for (let i = 0; i < raw.length; i += 2) {
      const n = raw[i];
      if (n.length !== want.length || n.toLowerCase() !== want) continue;
      let v = raw[i + 1];
      if (BAD_VALUE.test(v)) continue;
      if (EDGE_SPACE.test(v)) v = v.replace(TRIM, '');
      out = out === null ? v : `${out}, ${v}`;
    }
    return out;
  }

  has(name) {
    return this.get(name) !== null;
  }

  /** Every field as `Headers` lists them: lower-case names in order, repeated ones joined. */
  #all() {
    const names = new Set();
    for (let i = 0; i < this.#raw.length; i += 2) names.add(this.#raw[i].toLowerCase());
    return [...names].sort().map((n) => [n, this.get(n)]).filter(([, v]) => v !== null);
  }

  forEach(fn, thisArg) {
    for (const [k, v] of this.#all()) fn.call(thisArg, v, k, this);
  }

  entries() { return this.#all()[Symbol.iterator](); }
  keys() { return this.#all().map(([k]) => k)[Symbol.iterator](); }
  values() { return this.#all().map(([, v]) => v)[Symbol.iterator](); }
  [Symbol.iterator]() { return this.entries(); }
}
const BAD_VALUE = /[\0\r\n]/;
const EDGE_SPACE = /^[\t ]|[\t ]$/;
const TRIM = /^[\t ]+|[\t ]+$/g;

/**
 * A request without a body (GET, HEAD) as the application reads a Web `Request` (worker.mjs and
 * what it calls: the method, the URL, the headers, an empty body), made without building one: a
 * `Request` costs a `Headers`, an `AbortSignal` and URL parsing again for every request, on the
 * path of every data API read. The same fields, the same values as the `Request` the adapter
 * builds for other methods: `url` is the same serialisation (`URL.href`), `headers` answers as
 * that `Request`'s `Headers` would.
 */
class BodilessRequest {
  #signal;
  constructor(method, href, rawHeaders) {
    this.method = method;
    this.url = href;
    this.headers = new RawHeaders(rawHeaders);
  }

  get body() { return null; }
  get bodyUsed() { return false; }
  /** Never aborted, as the adapter's own `Request`s are not. */
  get signal() { return (this.#signal ??= new AbortController().signal); }
  async arrayBuffer() { return new ArrayBuffer(0); }
  async text() { return ''; }
  async json() { return JSON.parse(''); }
  clone() { return this; }
}

/** A body stream read to its end, as one Buffer (a single chunk, the usual case, is not copied). */
async function bytesOf(stream) {
  const reader = stream.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  if (chunks.length === 1) return Buffer.from(chunks[0].buffer, chunks[0].byteOffset, chunks[0].byteLength);
  return Buffer.concat(chunks, size);
}

/**
 * The state back end: PostgreSQL when DATABASE_URL is set (any number of instances share it),
 * else the embedded SQLite file DIR/state.sqlite (one instance), which imports DIR/state.json, a
 * state document of the earlier format, on its first start.
 */
function stateFrom(env, dataDir) {
  if (env.DATABASE_URL) return { backend: new PostgresBackend(env.DATABASE_URL), legacy: null };
  const legacyPath = join(dataDir, 'state.json');
  const legacy = {
    read: () => readFile(legacyPath, 'utf8').catch((err) => (err.code === 'ENOENT' ? null : Promise.reject(err))),
    done: () => rename(legacyPath, `${legacyPath}.imported`),
  };
  return { backend: new SqliteBackend(join(dataDir, 'state.sqlite')), legacy };
}

export async function startServer({ port = 8787, host = '127.0.0.1', dataService, dataDir, demo = null, env = process.env } = {}) {
  dataDir = resolve(dataDir ?? join(REPO, '.data'));
  await mkdir(dataDir, { recursive: true });
  const shared = !!env.DATABASE_URL;
  // Instances that share a database must share their secrets too: made up per process, a sealed
  // secret, a signed link or an operator token would work on one instance only.
  if (shared && !env.PORTCULLIS_SECRET_KEY) throw new Error('configuration: with DATABASE_URL, PORTCULLIS_SECRET_KEY must be set (the same on every instance)');
  if (shared && !env.PORTCULLIS_ADMIN_TOKENS && !env.PORTCULLIS_ADMIN_TOKEN) throw new Error('configuration: with DATABASE_URL, PORTCULLIS_ADMIN_TOKEN or PORTCULLIS_ADMIN_TOKENS must be set (the same on every instance)');
  const state = stateFrom(env, dataDir);
  useTransport(nodeTransport());
  // Tests only (test/equal-paths.test.mjs): what the data API did since the last look, at
  // GET /__test/work. Off unless this variable is set; nothing is recorded when off.
  const testCounters = env.PORTCULLIS_TEST_WORK_COUNTERS === '1';
  work.on = testCounters;
  const workerEnv = {
    ...Object.fromEntries(Object.entries(env).filter(([k]) => /^(PORTCULLIS_|TOKEN_|DOWNLOAD_|PAGE_SIZE_|IDEMPOTENCY_|CLIENT_IP_HEADER$|DATA_SERVICE_URL$|PUBLIC_BASE_URL$|BODY_TIMEOUT_MS$|ADMIN_WRITE_RATE_LIMIT$)/.test(k))),
    DATA_SERVICE_URL: dataService ?? env.DATA_SERVICE_URL,
    STATE_BACKEND: state.backend,
    STATE_LEGACY: state.legacy,
    SHA256: (bytes) => new Uint8Array(createHash('sha256').update(bytes).digest()),
  };
  if (!workerEnv.PORTCULLIS_SECRET_KEY) workerEnv.PORTCULLIS_SECRET_KEY = await masterKey(dataDir);
  let generatedAdmin = null;
  if (!workerEnv.PORTCULLIS_ADMIN_TOKENS && !workerEnv.PORTCULLIS_ADMIN_TOKEN) {
    generatedAdmin = `pcadm_${b64url(randomBytes(24))}`;
    workerEnv.PORTCULLIS_ADMIN_TOKEN = generatedAdmin;
  }

  // How long a request's headers may take to arrive (Node; workerd's are the runtime's).
  const headersTimeout = configInt('HEADERS_TIMEOUT_MS', env.HEADERS_TIMEOUT_MS, 10_000, 500, 120_000);
  // Headers not complete in time: 408 and the connection closed (Node's own answer), checked
  // every quarter of the limit rather than Node's default 30 s, so a slow sender holds nothing long.
  const server = http.createServer({ headersTimeout, connectionsCheckingInterval: Math.max(250, Math.floor(headersTimeout / 4)) }, async (req, res) => {
    try {
      const hostHeader = req.headers.host && HOST_RE.test(req.headers.host) ? req.headers.host : `${host}:${server.address().port}`;
      let url;
      try {
        url = new URL(req.url, `http://${hostHeader}`);
        if (!req.url.startsWith('/')) throw new Error('absolute-form');
      } catch {
        res.writeHead(400, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ error: { code: 'invalid_request', message: 'Malformed request target.' } }));
        return;
      }
      if (testCounters && req.method === 'GET' && url.pathname === '/__test/work') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(takeWork()));
        return;
      }
      if (demo && req.method === 'GET') {
        if (url.pathname === '/demo/config.json') {
          // Demo mode only: hand the builder page its admin credential, same origin.
          res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
          res.end(JSON.stringify({ admin_api: '/admin/v1', admin_token: demo.adminToken, ...demo.info }));
          return;
        }
        if (!/^\/(v1|admin|oauth)\//.test(url.pathname)) {
          const file = await serveStatic(url.pathname);
          if (file) {
            res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-cache' });
            res.end(file.body);
            return;
          }
        }
      }
      let request;
      if (req.method === 'GET' || req.method === 'HEAD') {
        request = new BodilessRequest(req.method, url.href, req.rawHeaders);
      } else {
        const headers = new Headers();
        for (let i = 0; i < req.rawHeaders.length; i += 2) {
          try { headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]); } catch { /* drop an invalid header */ }
        }
        // The body is streamed, not read here: the application reads it (body.mjs), within its
        // endpoint's size limit (a declared length over it is refused unread) and BODY_TIMEOUT_MS.
        request = new Request(url, { method: req.method, headers, body: Readable.toWeb(req), duplex: 'half' });
      }
      const pending = [];
      const response = await worker.fetch(request, workerEnv, {
        remoteAddress: req.socket.remoteAddress,
        waitUntil: (p) => pending.push(p),
      });
      const out = [];
      response.headers.forEach((v, k) => out.push(k, v));
      // One write for head and body: the gateway's answers are small and already complete.
      const body = response.body && req.method !== 'HEAD' ? await bytesOf(response.body) : null;
      res.writeHead(response.status, out);
      res.end(body);
    } catch (err) {
      console.error('portcullis: adapter error:', err?.stack ?? err);
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ error: { code: 'internal_error', message: 'An internal error occurred.' } }));
      } else {
        res.destroy();
      }
    }
  });
  server.keepAliveTimeout = 65_000;
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, ok);
  });
  const address = server.address();
  const origin = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  // Signed download links are made on PUBLIC_BASE_URL (never the Host header); unset, on this
  // server's own listening origin.
  workerEnv.PUBLIC_BASE_URL ||= origin;
  // Start the application now (state, engine, firms) rather than on the first request.
  const warm = await worker.fetch(new Request(`${origin}/healthz`), workerEnv, {});
  if (warm.status !== 200) {
    server.close();
    throw new Error(`gateway start-up failed: ${await warm.text()}`);
  }
  return { server, origin, port: address.port, adminToken: generatedAdmin ?? null, env: workerEnv };
}

function arg(name) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const s = await startServer({
    port: Number(arg('--port') ?? process.env.PORT ?? 8787),
    host: arg('--host') ?? '127.0.0.1',
    dataService: arg('--data-service'),
    dataDir: arg('--data-dir'),
  });
  if (s.adminToken) console.log(`admin token (generated for this run): ${s.adminToken}`);
  console.log(`gateway listening on ${s.origin}`);
  const stop = () => s.server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
