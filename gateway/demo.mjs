// The demo: the sample data service and the gateway on 127.0.0.1, a firm admin of Acme, a demo
// key, curl commands that show a 200, a 404, a 403 and a 401, and the filter builder served by the
// gateway itself (same origin, so it saves through the admin API as Acme's firm admin).
//
//   node gateway/demo.mjs [--port 8787] [--data-dir DIR] [--check]
//
// --check runs the four requests, prints their statuses and exits (0 when they are as shown).
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { startServer } from './src/node-server.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WS = 'a1000000-0000-4000-8000-000000000001'; // Acme Main
const CONCRETE_TYPICAL = 'd0000000-0000-4000-8000-000000000001';
const STEEL_TYPICAL = 'd0000000-0000-4000-8000-000000000003';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const check = process.argv.includes('--check');

function dataServiceBin() {
  if (process.env.DATA_SERVICE_BIN) return process.env.DATA_SERVICE_BIN;
  const p = join(REPO, 'target', 'release', 'portcullis-data-service');
  if (!existsSync(p)) execFileSync('cargo', ['build', '--release', '-p', 'portcullis-data-service'], { cwd: REPO, stdio: 'inherit' });
  return p;
}

// The sample data, generated afresh on every start into a directory of its own (an SQLite file
// and the search index), removed on exit.
const dataServiceDir = mkdtempSync(join(tmpdir(), 'portcullis-demo-data-'));
process.once('exit', () => rmSync(dataServiceDir, { recursive: true, force: true }));

function startDataService() {
  const args = ['--port', '0', '--host', '127.0.0.1', '--database', `sqlite:${join(dataServiceDir, 'entities.sqlite')}`, '--index-dir', join(dataServiceDir, 'index')];
  const child = spawn(dataServiceBin(), args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((ok, fail) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) ok({ child, url: m[1] });
    });
    child.on('exit', (code) => fail(new Error(`data service exited (${code})`)));
  });
}

async function call(base, method, path, { token, body, form } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  let payload;
  if (form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    payload = new URLSearchParams(form).toString();
  } else if (body) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch(base + path, { method, headers, body: payload });
  return { status: res.status, json: await res.json().catch(() => null) };
}

const FIRM = 'a0000000-0000-4000-8000-000000000001'; // Acme
const ds = await startDataService();
// The operator credential manages every firm; the demo uses it once, to make Acme's firm admin.
const operatorToken = `pcop_demo_${randomBytes(18).toString('base64url')}`;
const demoConfig = { adminToken: null, info: { mode: 'gateway', demo: true } };
const dataDir = arg('--data-dir') ?? mkdtempSync(join(tmpdir(), 'portcullis-demo-'));
let gw;
try {
  gw = await startServer({
    port: Number(arg('--port', '8787')),
    dataService: ds.url,
    dataDir,
    env: { ...process.env, PORTCULLIS_ADMIN_TOKEN: operatorToken },
    demo: demoConfig,
  });
} catch (err) {
  ds.child.kill();
  throw err;
}
const base = gw.origin;
const firmAdmin = await call(base, 'POST', '/admin/v1/admins', { token: operatorToken, body: { firm_id: FIRM, name: 'Acme firm admin (demo)' } });
if (firmAdmin.status !== 201) {
  ds.child.kill();
  gw.server.close();
  throw new Error(`demo: could not create the firm admin (${firmAdmin.status})`);
}
const adminToken = firmAdmin.json.token;
// /demo/config.json hands the builder page the firm admin's credential (not the operator's).
demoConfig.adminToken = adminToken;
const admin = (method, path, body) => call(base, method, `/admin/v1${path}`, { token: adminToken, body });

// The seed's worked example: the data-warehouse vendor reads concrete typical details only.
const filter = (await admin('POST', '/filters', {
  workspace_id: WS, entity_type: 'detail', name: 'Concrete details (typical library)',
  description: 'Used by the data-warehouse vendor. Concrete details only, typical project type.',
  predicate_text: 'project_type eq "typical" AND tags intersects ["concrete"]',
})).json.filter;
const created = (await admin('POST', '/keys', {
  name: 'Acme Data Warehouse (demo)',
  grants: [{ workspace_id: WS, filter: filter.id, actions: ['read'] }],
})).json;
const tokenRes = await call(base, 'POST', '/oauth/token', { form: { grant_type: 'client_credentials', client_id: created.client_id, client_secret: created.client_secret } });
const token = tokenRes.json.access_token;

const shown = [
  [200, 'a concrete + typical detail (the filter matches)', `${base}/v1/workspaces/${WS}/details/${CONCRETE_TYPICAL}`, token],
  [404, 'a steel + typical detail (outside the filter: not disclosed)', `${base}/v1/workspaces/${WS}/details/${STEEL_TYPICAL}`, token],
  [403, 'listing stashes (the key has no stash grant)', `${base}/v1/workspaces/${WS}/stashes`, token],
  [401, 'a token that is not valid', `${base}/v1/workspaces/${WS}/details/${CONCRETE_TYPICAL}`, 'pcat_not-a-real-token'],
];

console.log(`
portcullis demo (data service ${ds.url}, state in ${dataDir})

  gateway          ${base}
  filter builder   ${base}/            (saves through ${base}/admin/v1, same origin)
  admin token      ${adminToken}
                   (Acme's firm admin: Acme's filters, keys and audit log only; the builder uses it)
  operator token   ${operatorToken}
                   (every firm; makes firm admins: POST /admin/v1/admins {firm_id, name})

Demo key "${created.key.name}" (read on "${filter.name}" in Acme Main):
  PORTCULLIS_CLIENT_ID=${created.client_id}
  PORTCULLIS_CLIENT_SECRET=${created.client_secret}

Mint an access token (client credentials):
  curl -s -X POST ${base}/oauth/token -d grant_type=client_credentials \\
    -d client_id=${created.client_id} -d client_secret=${created.client_secret}

One minted for you (valid ${tokenRes.json.expires_in} s):
  export TOKEN=${token}
`);
let ok = true;
for (const [status, what, url, tok] of shown) {
  const auth = tok === token ? '$TOKEN' : tok;
  const got = (await call(url.slice(0, url.indexOf('/v1/')), 'GET', url.slice(url.indexOf('/v1/')), { token: tok })).status;
  ok &&= got === status;
  console.log(`# ${status}: ${what}${got === status ? '' : `  (!! answered ${got})`}`);
  console.log(`curl -i -H "Authorization: Bearer ${auth}" ${url}\n`);
}
console.log(`# More: GET ${base}/v1/me, GET ${base}/v1/workspaces/${WS}/details?limit=5 (pages via next_cursor),`);
console.log(`#       admin: curl -H "Authorization: Bearer ${adminToken}" ${base}/admin/v1/keys`);

const shutdown = (code) => {
  ds.child.kill();
  gw.server.close(() => process.exit(code));
  setTimeout(() => process.exit(code), 1000).unref();
};
if (check) {
  console.log(ok ? 'demo check: all four statuses as shown' : 'demo check: FAILED');
  shutdown(ok ? 0 : 1);
} else {
  console.log('\nCtrl-C to stop.');
  process.on('SIGINT', () => shutdown(0));
  process.on('SIGTERM', () => shutdown(0));
}
