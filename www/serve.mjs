// A tiny static server for the standalone builder and its tests. It serves the repository root
// so that `/www/` and `/pkg/` are siblings, exactly as the import map in index.html expects.
//
//   node www/serve.mjs [--port 8080]     then open http://127.0.0.1:8080/www/

import { createServer } from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm', // required by WebAssembly.instantiateStreaming
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ts': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
};

/** Resolve a URL path inside ROOT, or null when it escapes it or names nothing servable. */
function fileFor(urlPath) {
  let rel;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  const abs = normalize(join(ROOT, rel));
  if (abs !== ROOT && !abs.startsWith(ROOT + sep)) return null;
  // Nothing under .git or node_modules is the page's business.
  if (/[\\/](\.git|node_modules)([\\/]|$)/.test(abs.slice(ROOT.length))) return null;
  if (!existsSync(abs)) return null;
  const st = statSync(abs);
  if (st.isDirectory()) {
    const index = join(abs, 'index.html');
    return existsSync(index) ? index : null;
  }
  return st.isFile() ? abs : null;
}

export function handler(req, res) {
  const url = new URL(req.url, 'http://localhost');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  if (url.pathname === '/') {
    res.writeHead(302, { location: '/www/' }).end();
    return;
  }
  // A directory without its trailing slash would break the page's relative URLs.
  if (url.pathname === '/www') {
    res.writeHead(301, { location: '/www/' }).end();
    return;
  }
  if (url.pathname === '/demo/config.json') {
    // The demo gateway answers this with its admin API config; here there is no demo, and a
    // 204 says so without a failed request in the page's console (see www/src/backend.mjs).
    res.writeHead(204, { 'cache-control': 'no-store' }).end();
    return;
  }
  const file = fileFor(url.pathname);
  if (!file) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
    return;
  }
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'cache-control': 'no-cache',
  });
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
}

/** Start on 127.0.0.1 (port 0 = any free port); resolves to {server, url}. */
export function startServer({ port = 0, host = '127.0.0.1' } = {}) {
  const server = createServer(handler);
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      const { port: bound } = server.address();
      done({ server, url: `http://${host}:${bound}` });
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--port');
  const port = i > 0 ? Number(process.argv[i + 1]) : Number(process.env.PORT ?? 8080);
  if (!existsSync(join(ROOT, 'www/data/sample.json'))) {
    // The sample workspace is generated, not committed: make it on first use.
    const { execFileSync } = await import('node:child_process');
    execFileSync(process.execPath, [join(ROOT, 'www/tools/gen-sample.mjs')], { stdio: 'inherit' });
  }
  if (!existsSync(join(ROOT, 'pkg/browser.mjs'))) {
    console.warn('warning: pkg/browser.mjs is missing; build the wasm package first (scripts/build-wasm.sh)');
  }
  const { url } = await startServer({ port });
  console.log(`portcullis filter builder: ${url}/www/`);
}
