// The Node server example (examples/node-server/), started as its README says (`node
// server.mjs`, here on 127.0.0.1 and a free port) and asked over real HTTP: a get answered 200
// or 404, a list of only the matching details, 403 insufficient_scope for a key without a
// read grant, 401 without a token, a broken filter rendered, an explanation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../../examples/node-server/', import.meta.url));

// The example depends on the package as `portcullis` (a file: dependency, linked by npm with
// no download): link it when a fresh clone has not yet.
if (!existsSync(`${dir}node_modules/portcullis/package.json`)) {
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--silent'], { cwd: dir, stdio: 'inherit' });
}
const { generateDetails, TOKENS, ADMIN_TOKEN, FILTER } = await import(`${dir}server.mjs`);

const [VENDOR, DOWNLOADS] = [...TOKENS.keys()];
/** @type {import('node:child_process').ChildProcess} */
let child;
let base = '';

before(async () => {
  child = spawn(process.execPath, ['server.mjs'], { cwd: dir, env: { ...process.env, PORT: '0', HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'inherit'] });
  base = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`the server exited (${code}) before listening: ${out}`)));
  });
});

after(() => {
  child.kill();
});

async function call(path, { token, method = 'GET', body } = {}) {
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  const res = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

const details = generateDetails();
const matching = details.filter((d) => d.attributes.project_type === 'typical' && d.attributes.tags.includes('concrete'));
const other = details.find((d) => !matching.includes(d));

test('the example has 1,000 details, some matching the filter and most not', () => {
  assert.equal(details.length, 1000);
  assert.ok(matching.length > 100 && matching.length < 500, `${matching.length}`);
});

test('a get: 200 with the detail inside the grant, 404 outside it or for no such detail', async () => {
  const inside = await call(`/details/${matching[3].id}`, { token: VENDOR });
  assert.equal(inside.status, 200);
  assert.deepEqual(inside.body, { data: matching[3] });
  // Ids are UUIDs: another letter case names the same detail.
  assert.equal((await call(`/details/${matching[3].id.toUpperCase()}`, { token: VENDOR })).status, 200);
  const outside = await call(`/details/${other.id}`, { token: VENDOR });
  assert.deepEqual([outside.status, outside.body], [404, { error: 'not_found' }]);
  const none = await call('/details/d0000000-0000-4000-8000-ffffffffffff', { token: VENDOR });
  assert.deepEqual([none.status, none.body], [404, { error: 'not_found' }]);
  const notAnId = await call('/details/not-a-uuid', { token: VENDOR });
  assert.deepEqual([notAnId.status, notAnId.body], [404, { error: 'not_found' }]);
});

test('a list: only the matching details, in order', async () => {
  const r = await call('/details', { token: VENDOR });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.data.map((d) => d.id), matching.map((d) => d.id));
});

test('a list without a read grant: 403 insufficient_scope; without a token: 401 invalid_token', async () => {
  const r = await call('/details', { token: DOWNLOADS });
  assert.deepEqual([r.status, r.body], [403, { error: 'insufficient_scope' }]);
  // A get without a read grant is a 404, never a 403: existence is not disclosed.
  assert.equal((await call(`/details/${matching[0].id}`, { token: DOWNLOADS })).status, 404);
  for (const token of [undefined, 'not-a-token']) {
    const anon = await call('/details', { token });
    assert.deepEqual([anon.status, anon.body], [401, { error: 'invalid_token' }]);
    assert.equal(anon.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
  }
  assert.equal((await call('/details', { token: VENDOR, method: 'POST', body: {} })).status, 405);
});

test('a broken filter comes back rendered with carets under the problem; a sound one is valid', async () => {
  const broken = await call('/admin/filters/check', { token: ADMIN_TOKEN, method: 'POST', body: { predicate_text: 'project_type eq "typical" AND tags eq "concrete"' } });
  assert.equal(broken.status, 422);
  assert.equal(broken.body.errors[0].code, 'operator_not_allowed');
  const lines = broken.body.rendered.split('\n');
  assert.match(lines[0], /^error\[operator_not_allowed\]: /);
  assert.equal(lines[1], '  --> line 1, column 36');
  assert.equal(lines[2], '1 | project_type eq "typical" AND tags eq "concrete"');
  assert.equal(lines[3], '  |                                    ^^');
  assert.match(lines[4], /^  = help: /);
  const sound = await call('/admin/filters/check', { token: ADMIN_TOKEN, method: 'POST', body: { predicate_text: FILTER.predicate_text } });
  assert.deepEqual([sound.status, sound.body.valid, sound.body.text], [200, true, FILTER.predicate_text]);
  assert.equal((await call('/admin/filters/check', { token: VENDOR, method: 'POST', body: {} })).status, 401);
});

test('an explanation says why a detail is not found for the vendor', async () => {
  const r = await call(`/admin/explain/details/${other.id}?key=vendor`, { token: ADMIN_TOKEN });
  assert.equal(r.status, 200);
  assert.equal(r.body.step, 'not_found');
  assert.deepEqual(r.body.decision, { status: 404, code: 'not_found' });
  assert.equal(r.body.grants[0].eligible, true);
  assert.equal(r.body.grants[0].matched, false);
  assert.match(r.body.grants[0].failed_condition.text, /^(project_type eq "typical"|tags intersects \["concrete"\])$/);
  const granted = await call(`/admin/explain/details/${matching[0].id}?key=vendor`, { token: ADMIN_TOKEN });
  assert.equal(granted.body.step, 'read_granted');
});
