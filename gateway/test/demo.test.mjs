// The demo launcher: its four curl examples answer as printed, and it serves the builder and
// the wasm package same-origin with a firm admin's credential (Acme's) handed to the page.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { GATEWAY, dataServiceBin, removeDir } from './helpers.mjs';

it('demo: prints a 200, a 404, a 403 and a 401 that answer as shown, and serves the builder', async () => {
  dataServiceBin(); // built before the demo needs it
  const dataDir = mkdtempSync(join(tmpdir(), 'portcullis-demo-test-'));
  const child = spawn(process.execPath, [join(GATEWAY, 'demo.mjs'), '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  try {
    await new Promise((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`demo did not start:\n${out}`)), 30_000);
      const poll = setInterval(() => {
        if (/Ctrl-C to stop/.test(out)) { clearInterval(poll); clearTimeout(timer); ok(); }
      }, 50);
      child.on('exit', (c) => { clearInterval(poll); clearTimeout(timer); fail(new Error(`demo exited ${c}:\n${out}`)); });
    });
    for (const s of [200, 404, 403, 401]) assert.match(out, new RegExp(`^# ${s}: `, "m"), `the ${s} example is printed`);
    assert.doesNotMatch(out, /!! answered/);
    const base = /gateway\s+(http:\/\/[\d.:]+)/.exec(out)[1];
    const adminToken = /admin token\s+(\S+)/.exec(out)[1];

    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);
    const cfg = await (await fetch(`${base}/demo/config.json`)).json();
    assert.equal(cfg.admin_api, '/admin/v1');
    assert.equal(cfg.admin_token, adminToken);
    const wasm = await fetch(`${base}/pkg/gen/portcullis_bg.wasm`);
    assert.equal(wasm.headers.get('content-type'), 'application/wasm');
    assert.equal((await fetch(`${base}/pkg/browser.mjs`)).status, 200);
    assert.equal((await fetch(`${base}/pkg/../gateway/demo.mjs`)).status, 404, 'nothing outside www/ and pkg/');
    const adminGet = async (path, token = cfg.admin_token) => (await fetch(`${base}/admin/v1${path}`, { headers: { authorization: `Bearer ${token}` } })).json();
    assert.ok((await adminGet('/filters')).filters.some((f) => f.name === 'Concrete details (typical library)'));
    // The builder is handed a firm admin (Acme's), not the operator credential.
    const me = (await adminGet('/me')).admin;
    assert.deepEqual([me.operator, me.firm_id], [false, 'a0000000-0000-4000-8000-000000000001']);
    assert.deepEqual((await adminGet('/firms')).firms.map((f) => f.id), [me.firm_id]);
    const keys = (await adminGet('/keys')).keys;
    assert.ok(keys.length >= 1 && keys.every((k) => k.firm_id === me.firm_id && k.created_by === me.id));
    const operatorToken = /operator token\s+(\S+)/.exec(out)[1];
    assert.notEqual(operatorToken, cfg.admin_token);
    assert.equal((await adminGet('/firms', operatorToken)).firms.length, 2);
  } finally {
    child.kill('SIGTERM');
    await new Promise((ok) => (child.exitCode !== null ? ok() : child.once('exit', ok)));
    removeDir(dataDir);
  }
});
