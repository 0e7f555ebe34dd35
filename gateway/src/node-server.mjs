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
import { readFile, writeFile, mkdir, stat, rename } from 'node:fs/promises';
import { join, resolve, extname, dirname, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import worker from './worker.mjs';
import { SqliteBackend } from './state/sqlite.mjs';
import { PostgresBackend } from './state/postgres.mjs';
import { createHash } from 'node:crypto';
import { b64url, randomBytes } from './crypto.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(HERE, '..', '..');
const MAX_BODY = 1024 * 1024;
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
  const workerEnv = {
    ...Object.fromEntries(Object.entries(env).filter(([k]) => /^(PORTCULLIS_|TOKEN_|DOWNLOAD_|PAGE_SIZE_|IDEMPOTENCY_|CLIENT_IP_HEADER$|DATA_SERVICE_URL$)/.test(k))),
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

  const server = http.createServer(async (req, res) => {
    try {
      let size = 0;
      const chunks = [];
      for await (const c of req) {
        size += c.length;
        if (size > MAX_BODY) {
          res.writeHead(413, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
          res.end(JSON.stringify({ error: { code: 'payload_too_large', message: `The body is over ${MAX_BODY} bytes.` } }));
          return;
        }
        chunks.push(c);
      }
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
      const headers = new Headers();
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        try { headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]); } catch { /* drop an invalid header */ }
      }
      const hasBody = !['GET', 'HEAD'].includes(req.method);
      const request = new Request(url, { method: req.method, headers, body: hasBody ? Buffer.concat(chunks) : undefined });
      const pending = [];
      const response = await worker.fetch(request, workerEnv, {
        remoteAddress: req.socket.remoteAddress,
        waitUntil: (p) => pending.push(p),
      });
      const out = [];
      response.headers.forEach((v, k) => out.push(k, v));
      // One write for head and body: the gateway's answers are small and already complete.
      const body = response.body && req.method !== 'HEAD' ? Buffer.from(await response.arrayBuffer()) : null;
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
