// Bounds on what a caller can make the gateway do (issue 21), over real HTTP on Node and workerd:
// JSON nested 127, 1,000 and 100,000 levels deep and numbers JSON would change, on every endpoint
// that hands user JSON to the engine (never a 500: the engine's answer, else a 400 with a code);
// odd JSON types in every field of every body; a stalled body (408, connection closed) and a
// declared length over the limit (413 at once); the engine's caps on a key's grants and IP
// allow-list; a bounded diagnostics answer; signed links on PUBLIC_BASE_URL whatever the Host
// header; a quiet /healthz, the operator's /admin/v1/status and random request ids.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import nodeHttp from 'node:http';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as h from './helpers.mjs';
import * as engine from '../../pkg/service/node.mjs';

const { WS_MAIN, FIRM } = h;
const BODY_TIMEOUT_MS = 1000;

// Deep JSON as text: built by concatenation, since JSON.stringify itself overflows the stack
// long before 100,000 levels.
const LEAF = '{"attr":"type","op":"eq","value":"a"}';
const notChain = (n) => `${'{"not":'.repeat(n)}${LEAF}${'}'.repeat(n)}`;
const arrays = (n) => `${'['.repeat(n)}"x"${']'.repeat(n)}`;
const arrayValue = (n) => `{"attr":"tags","op":"intersects","value":${arrays(n)}}`;
const DEPTHS = [127, 1000, 100_000];
// Each endpoint's body limit: a body over it (100,000 levels are 200 KB and more) is a 413.
const ADMIN_LIMIT = 256 * 1024;
const DATA_LIMIT = 64 * 1024;
const TOKEN_LIMIT = 16 * 1024;

/** Whether `body` is over `limit`, and then that the answer is the 413 for it. */
function tooLarge(r, body, limit, what) {
  if (Buffer.byteLength(body) <= limit) return false;
  assert.equal(r.status, 413, what);
  assert.equal(r.json.error.code, 'payload_too_large', what);
  return true;
}

/** The engine's own answer on a parameter, or `{threw}` when it refuses the call (misuse). */
function engineSays(fn) {
  try {
    return { value: fn() };
  } catch (err) {
    assert.ok(err instanceof TypeError, `the engine throws only TypeErrors on misuse: ${err}`);
    return { threw: err };
  }
}

const codes = (list) => list.map((d) => d.code);

/** One raw HTTP/1.1 exchange on a socket: what came back, and when the server closed. */
function rawExchange(base, text, { waitMs = 5000 } = {}) {
  const u = new URL(base);
  return new Promise((ok) => {
    const t0 = Date.now();
    const s = net.connect(Number(u.port), u.hostname);
    let got = '';
    let done = false;
    const finish = (closedAfter) => {
      if (done) return;
      done = true;
      s.destroy();
      ok({ got, closedAfter, status: Number(/^HTTP\/1\.1 (\d{3})/.exec(got)?.[1] ?? 0), body: got.slice(got.indexOf('\r\n\r\n') + 4) });
    };
    s.on('data', (d) => { got += d; });
    s.on('error', () => {});
    s.on('close', () => finish(Date.now() - t0));
    s.write(text);
    setTimeout(() => finish(null), waitMs).unref();
  });
}

/** The JSON object in a (possibly chunked) HTTP/1.1 body. */
function jsonIn(body) {
  const i = body.indexOf('{');
  const j = body.lastIndexOf('}');
  return JSON.parse(body.slice(i, j + 1));
}

/** A GET with a Host header of the caller's choosing (fetch does not let one set it). */
function getWithHost(base, path, hostHeader, headers = {}) {
  const u = new URL(base);
  return new Promise((ok, fail) => {
    const req = nodeHttp.request({ host: u.hostname, port: u.port, path, method: 'GET', headers: { host: hostHeader, ...headers } }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => ok({ status: res.statusCode, json: JSON.parse(text) }));
    });
    req.on('error', fail);
    req.end();
  });
}

for (const runtime of ['node', 'workerd']) {
  describe(`bounds on ${runtime}`, () => {
    let ds;
    let gw;
    let a;
    let filter;
    let key;
    let token;
    let entity;
    const v1 = (method, path, body) => h.http(gw.base, method, path, { token, body });

    before(async () => {
      ds = await h.startDataService();
      gw = await h.startGateway({ runtime, dataUrl: ds.url, env: { BODY_TIMEOUT_MS: String(BODY_TIMEOUT_MS) } });
      a = h.admin(gw.base);
      filter = await a.createFilter({ entity_type: 'detail', name: 'to edit', predicate_text: 'type eq "concrete"' });
      key = await a.createKey({ name: 'bounds', grants: [{ workspace_id: WS_MAIN, filter: 'default:details', actions: ['read', 'write', 'download'] }] });
      token = await h.mintToken(gw.base, key);
      const made = await v1('POST', `/v1/workspaces/${WS_MAIN}/details`, { attributes: { type: 'concrete', tags: ['bounds'] } });
      assert.equal(made.status, 201, made.text);
      entity = made.json.data;
    });
    after(async () => {
      await gw?.stop();
      await ds?.stop();
      if (gw) h.removeDir(gw.dir);
    });

    it('JSON 127, 1,000 and 100,000 levels deep: the engine\'s answer at 127, a 400 invalid_body beyond; never a 500', async () => {
      const filterBody = (p) => `{"workspace_id":"${WS_MAIN}","entity_type":"detail","name":"deep","predicate":${p}}`;
      const predicateBody = (p) => `{"workspace_id":"${WS_MAIN}","entity_type":"detail","predicate":${p}}`;
      const editBody = (p) => `{"predicate":${p}}`;
      // Each endpoint: its request, and what the engine answers on the same input (at 127
      // levels, the one depth the gateway hands it).
      const endpoints = [
        ['POST /filters', filterBody, (b) => a.call('POST', '/filters', b),
          (pred) => engine.validate({ entity_type: 'detail', name: 'deep', description: null, predicate: pred }),
          (r, v) => { assert.equal(r.status, 422); assert.equal(r.json.error.code, 'invalid_filter'); assert.deepEqual(codes(r.json.error.diagnostics), codes([...v.errors, ...v.warnings])); }],
        ['PATCH /filters/{id}', editBody, (b) => a.call('PATCH', `/filters/${filter.id}`, b),
          (pred) => engine.validate({ entity_type: 'detail', name: filter.name, description: null, predicate: pred }),
          (r, v) => { assert.equal(r.status, 422); assert.deepEqual(codes(r.json.error.diagnostics), codes([...v.errors, ...v.warnings])); }],
        ['PATCH /filters/{id}?dry_run=true', editBody, (b) => a.call('PATCH', `/filters/${filter.id}?dry_run=true`, b),
          (pred) => engine.validate({ entity_type: 'detail', name: filter.name, description: null, predicate: pred }),
          (r, v) => { assert.equal(r.status, 200); assert.equal(r.json.valid, false); assert.deepEqual(codes(r.json.errors), codes(v.errors)); }],
        ['POST /filters/preview', filterBody, (b) => a.call('POST', '/filters/preview', b),
          (pred) => engine.preview({ entity_type: 'detail', name: 'deep', description: null, predicate: pred }, []),
          (r, v) => { assert.equal(r.status, 422); assert.equal(r.json.error.code, v.error); assert.deepEqual(codes(r.json.error.diagnostics), codes(v.errors)); }],
        ['POST /predicates/preview', predicateBody, (b) => a.call('POST', '/predicates/preview', b),
          (pred) => engine.previewPredicate({ entity_type: 'detail', predicate: pred }, []),
          (r, v) => { assert.equal(r.status, 422); assert.equal(r.json.error.code, v.error); assert.deepEqual(codes(r.json.error.diagnostics), codes(v.errors)); }],
      ];
      for (const [name, bodyOf, send, ask, engineAnswer] of endpoints) {
        for (const [shape, make] of [['NOT within NOT', notChain], ['a value of arrays', arrayValue]]) {
          for (const depth of DEPTHS) {
            const text = make(depth);
            const body = bodyOf(text);
            const r = await send(body);
            const what = `${name}, ${shape}, ${depth} levels: ${r.status} ${r.text.slice(0, 300)}`;
            assert.ok(r.status < 500, what);
            if (tooLarge(r, body, ADMIN_LIMIT, what)) continue;
            if (depth > 200) {
              assert.equal(r.status, 400, what);
              assert.equal(r.json.error.code, 'invalid_body', what);
              assert.match(r.json.error.message, /more than 256 levels deep/, what);
              continue;
            }
            const said = engineSays(() => ask(JSON.parse(text)));
            if (said.threw) {
              assert.equal(r.status, 400, what);
              assert.equal(r.json.error.code, 'invalid_body', what);
            } else {
              engineAnswer(r, said.value);
            }
          }
        }
      }
      // The attributes of a create and an update: the engine's check, else a 400 invalid_body.
      for (const [name, bodyOf, send] of [
        ['POST /v1 create', (x) => `{"attributes":{"type":"concrete","tags":${x}}}`, (b) => v1('POST', `/v1/workspaces/${WS_MAIN}/details`, b)],
        ['PATCH /v1 update', (x) => `{"attributes":{"tags":${x}}}`, (b) => v1('PATCH', `/v1/workspaces/${WS_MAIN}/details/${entity.id}`, b)],
      ]) {
        for (const depth of DEPTHS) {
          const body = bodyOf(arrays(depth));
          const r = await send(body);
          const what = `${name}, ${depth} levels: ${r.status} ${r.text.slice(0, 300)}`;
          if (tooLarge(r, body, DATA_LIMIT, what)) continue;
          assert.equal(r.status, 400, what);
          if (depth > 200) {
            assert.equal(r.json.error.code, 'invalid_body', what);
            continue;
          }
          const said = engineSays(() => engine.checkAttributes('detail', { tags: JSON.parse(arrays(depth)) }));
          assert.equal(r.json.error.code, said.threw ? 'invalid_body' : said.value.errors[0].code, what);
        }
      }
      // A key's grants and allow-list, and the token endpoint's JSON body: their shapes are
      // checked before anything reaches the engine, at every depth.
      const k = await a.createKey({ name: 'deep grants', grants: [] });
      for (const depth of DEPTHS) {
        const deep = arrays(depth);
        for (const [name, method, path, body] of [
          ['POST /keys', 'POST', '/keys', `{"firm_id":"${FIRM}","name":"deep","grants":[{"filter":"default:any","actions":${deep}}]}`],
          ['POST /keys/{id}/grants', 'POST', `/keys/${k.id}/grants`, `{"filter":"default:any","actions":${deep}}`],
          ['PUT /keys/{id}/allowed_ips', 'PUT', `/keys/${k.id}/allowed_ips`, `{"allowed_ips":${deep}}`],
        ]) {
          const r = await a.call(method, path, body);
          const what = `${name}, ${depth} levels: ${r.status} ${r.text.slice(0, 300)}`;
          if (tooLarge(r, body, ADMIN_LIMIT, what)) continue;
          assert.equal(r.status, 400, what);
          assert.equal(r.json.error.code, 'invalid_body');
        }
        const tokenBody = `{"grant_type":${deep}}`;
        const t = await h.http(gw.base, 'POST', '/oauth/token', { body: tokenBody });
        if (Buffer.byteLength(tokenBody) > TOKEN_LIMIT) {
          assert.equal(t.status, 413, `token endpoint, ${depth} levels`);
          assert.equal(t.json.error, 'payload_too_large');
        } else {
          assert.equal(t.status, 400, `token endpoint, ${depth} levels`);
          assert.equal(t.json.error, 'invalid_request');
        }
      }
      assert.equal((await a.call('GET', `/keys/${k.id}`)).json.key.grants.length, 0, 'nothing changed');
    });

    it('numbers JSON would read as another value are a 400 invalid_body', async () => {
      for (const n of ['1e400', '-1e400', '12345678901234567890', '9007199254740993']) {
        for (const [name, r] of [
          ['POST /filters', await a.call('POST', '/filters', `{"workspace_id":"${WS_MAIN}","entity_type":"detail","name":"n","predicate":{"attr":"project_type","op":"eq","value":${n}}}`)],
          ['POST /predicates/preview', await a.call('POST', '/predicates/preview', `{"workspace_id":"${WS_MAIN}","entity_type":"detail","predicate":{"attr":"type","op":"eq","value":${n}}}`)],
          ['POST /v1 create', await v1('POST', `/v1/workspaces/${WS_MAIN}/details`, `{"attributes":{"type":${n}}}`)],
        ]) {
          assert.equal(r.status, 400, `${name} with ${n}: ${r.status} ${r.text}`);
          assert.equal(r.json.error.code, 'invalid_body');
        }
      }
      // A number that is exactly a double is a number like any other (the engine's call).
      const exact = await a.call('POST', '/predicates/preview', `{"workspace_id":"${WS_MAIN}","entity_type":"detail","predicate":{"attr":"type","op":"eq","value":9007199254740992}}`);
      assert.equal(exact.status, 422, exact.text);
      assert.equal(exact.json.error.code, 'invalid_filter');
    });

    it('odd JSON types in every field of every body: a 4xx with a code, or the change, never a 500', async () => {
      const values = [null, true, 0, -1, 1.5, 1e300, '', 'x', '__proto__', 'x'.repeat(5000), [], {}, [null], [1], [[]], { a: 1 }, ['read'], [{}]];
      const k = await a.createKey({ name: 'odd fields', grants: [] });
      const bodies = [
        ['POST', '/admin/v1/filters', { workspace_id: WS_MAIN, entity_type: 'detail', name: 'odd', description: null, predicate_text: 'type eq "a"' }],
        ['PATCH', `/admin/v1/filters/${filter.id}?dry_run=true`, { name: 'odd', description: null, predicate_text: 'type eq "a"' }],
        ['PATCH', `/admin/v1/filters/${filter.id}`, { name: 'to edit', description: null, predicate_text: 'type eq "concrete"' }],
        ['POST', '/admin/v1/filters/preview', { workspace_id: WS_MAIN, entity_type: 'detail', name: 'odd', predicate_text: 'type eq "a"' }],
        ['POST', '/admin/v1/predicates/preview', { workspace_id: WS_MAIN, entity_type: 'detail', predicate_text: 'type eq "a"' }],
        ['POST', '/admin/v1/keys', { firm_id: FIRM, name: 'odd', environment: 'test', grants: [], allowed_ips: null }],
        ['POST', `/admin/v1/keys/${k.id}/grants`, { workspace_id: WS_MAIN, filter: 'default:details', actions: ['read'] }],
        ['PUT', `/admin/v1/keys/${k.id}/allowed_ips`, { allowed_ips: null }],
        ['POST', '/admin/v1/admins', { firm_id: FIRM, name: 'odd' }],
        ['POST', `/v1/workspaces/${WS_MAIN}/details`, { attributes: { type: 'concrete' } }],
        ['PATCH', `/v1/workspaces/${WS_MAIN}/details/${entity.id}`, { attributes: { type: 'concrete' } }],
      ];
      let n = 0;
      for (const [method, path, base] of bodies) {
        const auth = path.startsWith('/v1/') ? token : h.ADMIN_TOKEN;
        const variants = [
          ...Object.keys(base).flatMap((field) => values.map((v) => [field, { ...base, [field]: v }])),
          ...(base.attributes ? ['type', 'tags', 'project_id', 'created_at', '__proto__'].flatMap((attr) => values.map((v) => [`attributes.${attr}`, { ...base, attributes: JSON.parse(`{${JSON.stringify(attr)}:${JSON.stringify(v)}}`) }])) : []),
          ['a field named __proto__', JSON.parse(`{"__proto__":1,${JSON.stringify(base).slice(1)}`)],
          ['an array body', [base]], ['a string body', 'x'], ['an empty body', ''],
        ];
        for (const [field, body] of variants) {
          const r = await h.http(gw.base, method, path, { token: auth, body: typeof body === 'string' ? body : JSON.stringify(body) });
          n++;
          assert.ok(r.status < 500, `${method} ${path} with ${field} = ${JSON.stringify(body).slice(0, 120)}: ${r.status} ${r.text.slice(0, 300)}`);
          if (r.status >= 400) assert.ok(typeof r.json?.error?.code === 'string' && r.json.error.message, `${method} ${path} ${field}: ${r.text.slice(0, 200)}`);
        }
      }
      console.log(`# ${n} requests with odd field values, none answered 5xx`);
    });

    it('a stalled body: 408 request_timeout and the connection closes; a declared length over the limit: 413 at once, unread', async () => {
      const host = `Host: ${new URL(gw.base).host}\r\n`;
      const admin = `Authorization: Bearer ${h.ADMIN_TOKEN}\r\n`;
      const bearer = `Authorization: Bearer ${token}\r\n`;
      const json = 'Content-Type: application/json\r\n';
      for (const [name, head, code] of [
        ['admin write', `POST /admin/v1/filters HTTP/1.1\r\n${host}${admin}${json}`, 'request_timeout'],
        ['data API create', `POST /v1/workspaces/${WS_MAIN}/details HTTP/1.1\r\n${host}${bearer}${json}`, 'request_timeout'],
        ['token endpoint', `POST /oauth/token HTTP/1.1\r\n${host}${json}`, 'request_timeout'],
      ]) {
        const stalled = await rawExchange(gw.base, `${head}Content-Length: 100\r\n\r\n{"name":`);
        assert.equal(stalled.status, 408, `${name}: ${stalled.got}`);
        const err = jsonIn(stalled.body);
        assert.equal(err.error?.code ?? err.error, code, name);
        assert.ok(stalled.closedAfter !== null, `${name}: the connection is closed`);
        assert.ok(stalled.closedAfter >= BODY_TIMEOUT_MS - 50 && stalled.closedAfter < BODY_TIMEOUT_MS + 2000, `${name}: closed after ${stalled.closedAfter} ms`);

        const huge = await rawExchange(gw.base, `${head}Content-Length: 999999999\r\n\r\n{"name":`);
        assert.equal(huge.status, 413, `${name}: ${huge.got}`);
        assert.ok(huge.closedAfter !== null && huge.closedAfter < 1000, `${name}: answered and closed at once (${huge.closedAfter} ms)`);
        const tooLarge = jsonIn(huge.body);
        assert.equal(tooLarge.error?.code ?? tooLarge.error, 'payload_too_large', name);
      }
      // A body the answer does not need (no credentials) is not waited for either.
      const unauthenticated = await rawExchange(gw.base, `POST /admin/v1/filters HTTP/1.1\r\n${host}${json}Content-Length: 999999\r\n\r\n{`);
      assert.equal(unauthenticated.status, 401);
      assert.ok(unauthenticated.closedAfter !== null && unauthenticated.closedAfter < 1000, `closed at once (${unauthenticated.closedAfter} ms)`);
      // A body that arrives whole, slowly but in time, is read.
      const slow = await new Promise((ok) => {
        const u = new URL(gw.base);
        const body = JSON.stringify({ workspace_id: WS_MAIN, entity_type: 'tag', name: 'slow but in time', predicate_text: 'name eq "x"' });
        const s = net.connect(Number(u.port), u.hostname);
        let got = '';
        s.on('data', (d) => {
          got += d;
          if (/\r\n0\r\n\r\n$|\}$/.test(got)) { s.destroy(); ok(got); }
        });
        s.write(`POST /admin/v1/filters HTTP/1.1\r\n${host}${admin}${json}Content-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);
        setTimeout(() => s.write(body.slice(10)), BODY_TIMEOUT_MS / 2);
        setTimeout(() => { s.destroy(); ok(got); }, 5000).unref();
      });
      assert.match(slow, /^HTTP\/1\.1 201/);
    });

    it('stalled headers (Node): 408 and the connection closed after HEADERS_TIMEOUT_MS', { skip: runtime !== 'node' && 'workerd reads headers in its runtime' }, async () => {
      const quick = await h.startGateway({ runtime, dataUrl: ds.url, env: { HEADERS_TIMEOUT_MS: '1000' } });
      try {
        const stalled = await rawExchange(quick.base, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a', { waitMs: 8000 });
        assert.equal(stalled.status, 408, stalled.got);
        assert.ok(stalled.closedAfter !== null && stalled.closedAfter >= 950 && stalled.closedAfter < 4000, `closed after ${stalled.closedAfter} ms`);
        // Headers that arrive whole are served as ever.
        assert.equal((await h.http(quick.base, 'GET', '/healthz')).status, 200);
      } finally {
        await quick.stop();
        h.removeDir(quick.dir);
      }
    });

    it('a key holds at most the engine\'s number of grants and IP ranges (too_many_grants, too_many_ip_ranges)', async (t) => {
      const { limits } = (await a.call('GET', '/schema')).json.schema;
      if (limits.max_grants_per_key === undefined || limits.max_ip_ranges_per_key === undefined) {
        t.skip('the engine in pkg/gen does not describe max_grants_per_key and max_ip_ranges_per_key yet (rebuild it)');
        return;
      }
      const cap = limits.max_grants_per_key;
      const k = await a.createKey({ name: 'many grants', grants: [] });
      const statuses = [];
      for (let i = 0; i < 300; i++) {
        const r = await a.call('POST', `/keys/${k.id}/grants`, { workspace_id: WS_MAIN, filter: 'default:details', actions: ['read'] });
        statuses.push(r.status);
        if (i >= cap) {
          assert.equal(r.status, 422, `grant ${i + 1}: ${r.text}`);
          assert.equal(r.json.error.code, 'invalid_grants');
          assert.ok(codes(r.json.error.diagnostics).includes('too_many_grants'), r.text);
        }
      }
      assert.deepEqual(statuses.slice(0, cap), Array(cap).fill(201));
      assert.equal((await a.call('GET', `/keys/${k.id}`)).json.key.grants.length, cap);
      const tk = await h.mintToken(gw.base, k);
      assert.equal((await h.http(gw.base, 'GET', `/v1/workspaces/${WS_MAIN}/details/${entity.id}`, { token: tk })).status, 200, 'the key still works');
      const grants = Array.from({ length: cap + 1 }, () => ({ workspace_id: WS_MAIN, filter: 'default:details', actions: ['read'] }));
      const create = await a.call('POST', '/keys', { firm_id: FIRM, name: 'too many', grants });
      assert.equal(create.status, 422);
      assert.ok(codes(create.json.error.diagnostics).includes('too_many_grants'));
      assert.equal((await a.call('POST', '/keys', { firm_id: FIRM, name: 'as many as may be', grants: grants.slice(1) })).status, 201);

      const ipCap = limits.max_ip_ranges_per_key;
      const ips = Array.from({ length: ipCap + 1 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
      const over = await a.call('PUT', `/keys/${k.id}/allowed_ips`, { allowed_ips: ips });
      assert.equal(over.status, 422, over.text);
      assert.equal(over.json.error.code, 'invalid_grants');
      assert.ok(codes(over.json.error.diagnostics).includes('too_many_ip_ranges'), over.text);
      assert.equal((await a.call('PUT', `/keys/${k.id}/allowed_ips`, { allowed_ips: ips.slice(1) })).status, 200);
      const created = await a.call('POST', '/keys', { firm_id: FIRM, name: 'too many ranges', grants: [], allowed_ips: ips });
      assert.equal(created.status, 422);
      assert.ok(codes(created.json.error.diagnostics).includes('too_many_ip_ranges'));
    });

    it('a 30 KB predicate_text with thousands of problems: an answer under 64 KB with every distinct code', async () => {
      const parts = [];
      for (let i = 0, len = 0; len < 30_000; i++) {
        const c = [`u${i} eq "x"`, `type like ${i}`, `tags intersects "s${i}"`, `project_type eq ${i}`, `status eq ""`][i % 5];
        parts.push(c);
        len += c.length + 5;
      }
      const text = parts.join(' AND ');
      assert.ok(text.length >= 30_000);
      const v = engine.validate({ entity_type: 'detail', name: 'big', description: null, predicate_text: text });
      const distinct = (list) => [...new Set(codes(list))].sort();
      const want = distinct([...v.errors, ...v.warnings]);
      assert.ok(want.length >= 4, want.join(', '));
      const body = { workspace_id: WS_MAIN, entity_type: 'detail', name: 'big', predicate_text: text };
      const previewWant = distinct(engine.preview({ entity_type: 'detail', name: 'big', description: null, predicate_text: text }, []).errors);
      const predicateWant = distinct(engine.previewPredicate({ entity_type: 'detail', predicate_text: text }, []).errors);
      for (const [name, r, list, expected] of [
        ['POST /filters', await a.call('POST', '/filters', body), (j) => j.error.diagnostics, want],
        ['PATCH /filters/{id}?dry_run=true', await a.call('PATCH', `/filters/${filter.id}?dry_run=true`, { predicate_text: text }), (j) => [...j.errors, ...j.warnings], want],
        ['POST /filters/preview', await a.call('POST', '/filters/preview', body), (j) => j.error.diagnostics, previewWant],
        ['POST /predicates/preview', await a.call('POST', '/predicates/preview', { workspace_id: WS_MAIN, entity_type: 'detail', predicate_text: text }), (j) => j.error.diagnostics, predicateWant],
      ]) {
        assert.ok(r.text.length < 64 * 1024, `${name}: ${r.text.length} bytes`);
        assert.deepEqual(distinct(list(r.json)), expected, name);
      }
    });

    it('signed download links are made on PUBLIC_BASE_URL, whatever the Host header says', async () => {
      const path = `/v1/workspaces/${WS_MAIN}/details/${h.DETAIL_CONCRETE_TYPICAL}/download`;
      const r = await getWithHost(gw.base, path, 'evil.example:8443', { authorization: `Bearer ${token}` });
      assert.equal(r.status, 200);
      assert.ok(r.json.data.files.length > 0);
      for (const f of r.json.data.files) {
        assert.ok(f.url.startsWith(`${gw.base}/v1/files/`), f.url);
        const u = new URL(f.url);
        assert.equal((await h.http(gw.base, 'GET', u.pathname + u.search)).status, 200, 'the link works');
      }
    });

    it('/healthz answers {"ok": true} and nothing more; the rest is the operator\'s GET /admin/v1/status; request ids are random', async () => {
      const health = await h.http(gw.base, 'GET', '/healthz');
      assert.equal(health.status, 200);
      assert.equal(health.text, '{"ok":true}');
      const status = await a.call('GET', '/status');
      assert.equal(status.status, 200);
      assert.equal(status.json.ok, true);
      assert.equal(status.json.store, runtime === 'node' ? h.NODE_STORE : 'durable-object');
      assert.ok(Number.isInteger(status.json.version) && status.json.version > 0);
      assert.equal(status.json.public_base_url, gw.base);
      assert.equal(status.json.limits.body_timeout_ms, BODY_TIMEOUT_MS);
      // Leases are the Durable Objects' (the Node stores share one check among waiting requests).
      assert.equal(status.json.freshness.lease_ms, runtime === 'node' ? 0 : 250);
      assert.ok(Number.isInteger(status.json.freshness.store_checks));
      // To a firm admin, and to anyone else, it is a path like any that does not exist.
      const made = await a.call('POST', '/admins', { firm_id: FIRM, name: 'not an operator' });
      const firmAdmin = await h.admin(gw.base, made.json.token).call('GET', '/status');
      const nothing = await h.admin(gw.base, made.json.token).call('GET', '/no-such-thing');
      assert.equal(firmAdmin.status, 404);
      assert.equal(h.shape(firmAdmin), h.shape(nothing));
      assert.equal((await h.http(gw.base, 'GET', '/admin/v1/status')).status, 401);

      const ids = [];
      for (let i = 0; i < 20; i++) ids.push((await h.http(gw.base, 'GET', '/healthz')).headers.get('x-request-id'));
      for (const id of ids) assert.match(id, /^req_[0-9a-f]{32}$/);
      let longest = 0;
      for (let i = 0; i < ids.length; i++) {
        for (let j = i + 1; j < ids.length; j++) {
          let n = 4;
          while (n < ids[i].length && ids[i][n] === ids[j][n]) n++;
          longest = Math.max(longest, n - 4);
        }
      }
      assert.ok(longest <= 4, `two request ids share a prefix of ${longest} characters`);
    });
  });
}

describe('PUBLIC_BASE_URL on Node', () => {
  let ds;
  before(async () => { ds = await h.startDataService(); });
  after(async () => { await ds?.stop(); });

  it('configured: every link is on it; not an origin: the gateway refuses to start', async () => {
    const gw = await h.startGateway({ dataUrl: ds.url, env: { PUBLIC_BASE_URL: 'https://files.example.test:9443' } });
    try {
      const key = await h.admin(gw.base).createKey({ grants: [{ workspace_id: WS_MAIN, filter: 'default:details', actions: ['read', 'download'] }] });
      const token = await h.mintToken(gw.base, key);
      const r = await getWithHost(gw.base, `/v1/workspaces/${WS_MAIN}/details/${h.DETAIL_CONCRETE_TYPICAL}/download`, 'evil.example:8443', { authorization: `Bearer ${token}` });
      assert.equal(r.status, 200);
      for (const f of r.json.data.files) assert.match(f.url, /^https:\/\/files\.example\.test:9443\/v1\/files\//);
    } finally {
      await gw.stop();
      h.removeDir(gw.dir);
    }
    for (const bad of ['files.example.test', 'ftp://files.example.test', 'https://files.example.test/prefix', 'https://files.example.test/?x=1', 'https://user:pw@files.example.test', 'https://files.example.test/#f']) {
      const dir = mkdtempSync(join(tmpdir(), 'portcullis-base-'));
      try {
        const run = spawnSync(process.execPath, [join(h.GATEWAY, 'src', 'node-server.mjs'), '--port', '0', '--data-dir', dir], {
          env: { ...process.env, DATA_SERVICE_URL: ds.url, PORTCULLIS_ADMIN_TOKEN: h.ADMIN_TOKEN, PORTCULLIS_SECRET_KEY: h.SECRET_KEY, PUBLIC_BASE_URL: bad, DATABASE_URL: '' },
          encoding: 'utf8', timeout: 20_000,
        });
        assert.notEqual(run.status, 0, bad);
        assert.match(run.stderr, /PUBLIC_BASE_URL/, bad);
      } finally {
        h.removeDir(dir);
      }
    }
  });
});
