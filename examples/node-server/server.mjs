// @ts-check
// A Node server that protects GET /details/:id and GET /details with portcullis: one firm, the
// worked example's filter ("Concrete details (typical library)"), a vendor key with a read grant
// on it, 1,000 details generated in memory, and bearer tokens mapped to keys. Plain JavaScript
// with JSDoc types, checked by `tsc --strict --checkJs` (tests/types/tsconfig.json); run it with
//
//     npm install && node server.mjs        (PORT=0 for any free port)
//
// Answers: 200 with the detail, or 404 `not_found` for a detail that does not exist or that
// the key's grants do not cover (existence is never disclosed); a list of only the details the
// key may see, or 403 `insufficient_scope` for a key with no read grant on details; 401
// `invalid_token` without a known token. An admin can check a filter (a broken one comes back
// rendered with carets under the problem) and ask why a decision went the way it did.
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { Store, EntitySet, validate, renderDiagnostic } from 'portcullis/service';

/** @typedef {import('portcullis').Entity} Entity */
/** @typedef {import('portcullis').FilterRecord} FilterRecord */
/** @typedef {import('portcullis').Key} Key */
/** @typedef {import('portcullis').Denial} Denial */
/** @typedef {import('portcullis').EntityDecider<'get'>} Getter */
/** @typedef {import('portcullis').ListDecider} Lister */
/** @typedef {import('node:http').IncomingMessage} IncomingMessage */
/** @typedef {import('node:http').ServerResponse} ServerResponse */

export const FIRM_ID = 'f1000000-0000-4000-8000-000000000001';
export const WORKSPACE_ID = 'a1000000-0000-4000-8000-00000000000a';

/** The worked example's filter. */
export const FILTER = /** @type {const} @satisfies {FilterRecord} */ ({
  id: 'concrete-typical',
  workspace_id: WORKSPACE_ID,
  entity_type: 'detail',
  name: 'Concrete details (typical library)',
  predicate_text: 'project_type eq "typical" AND tags intersects ["concrete"]',
});

/** @type {readonly Key[]} */
export const KEYS = [
  // The integration vendor: read what the filter matches.
  { id: 'vendor', firm_id: FIRM_ID, grants: [{ workspace_id: WORKSPACE_ID, filter: FILTER.id, actions: ['read'] }] },
  // A key that may download those details but holds no read grant: it cannot list them.
  { id: 'downloads-only', firm_id: FIRM_ID, grants: [{ workspace_id: WORKSPACE_ID, filter: FILTER.id, actions: ['download'] }] },
];

/** Bearer tokens and the keys they stand for (a real service keeps hashes in its database). */
export const TOKENS = new Map([
  ['vendor-token-5f1c', 'vendor'],
  ['downloads-token-9a2e', 'downloads-only'],
]);
/** The admin's token, for the filter check and the explanations. */
export const ADMIN_TOKEN = 'admin-token-03d7';

const TYPES = ['concrete', 'steel', 'timber', 'masonry', 'glass'];
const TAGS = ['concrete', 'steel', 'timber', 'precast', 'reviewed', 'fire-rated'];

/**
 * `count` details, the same on every run: types, project types and tags vary with the index, so
 * about one in six is a typical detail tagged concrete.
 * @param {number} [count]
 * @returns {Entity[]}
 */
export function generateDetails(count = 1000) {
  /** @type {Entity[]} */
  const details = [];
  for (let i = 0; i < count; i++) {
    const tags = TAGS.filter((_, t) => (i >> t) % 3 === 0);
    details.push({
      id: `d0000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
      workspace_id: WORKSPACE_ID,
      entity_type: 'detail',
      attributes: { type: TYPES[i % TYPES.length], project_type: i % 2 === 0 ? 'typical' : 'project', tags },
    });
  }
  return details;
}

/**
 * The server: a store with the firm, the filter and the keys; the details in memory, looked up
 * by id and loaded into the engine once for lists.
 * @param {{ details?: readonly Entity[] }} [options]
 */
export function createApp({ details = generateDetails() } = {}) {
  const store = new Store();
  const firm = store.putFirm({ id: FIRM_ID, workspaces: [WORKSPACE_ID] });
  if (!firm.ok) throw new Error(firm.errors[0].message);
  const filter = store.putFilter(FILTER);
  if (!filter.ok) throw new Error(filter.errors.map((d) => renderDiagnostic(d, FILTER.predicate_text)).join(''));
  for (const key of KEYS) {
    const report = store.putKey(key);
    if (!report.valid) throw new Error(`key ${key.id}: ${report.errors[0].message}`);
  }

  // Ids are UUIDs and compare without regard to case: look them up in lower case.
  const byId = new Map(details.map((d) => [d.id.toLowerCase(), d]));
  const set = new EntitySet(details);

  // Each key's requests prepared once; they follow the store (an edit or a revocation shows on
  // the very next decision), so they are kept for the server's life.
  /** @type {Map<string | null, { get: Getter; list: Lister }>} */
  const prepared = new Map();
  /** @param {string | null} keyId */
  function decidersFor(keyId) {
    let d = prepared.get(keyId);
    if (d === undefined) {
      const where = { workspace_id: WORKSPACE_ID, entity_type: 'detail' };
      d = {
        get: store.prepare(keyId, { operation: 'get', ...where }),
        list: store.prepare(keyId, { operation: 'list', ...where }),
      };
      prepared.set(keyId, d);
    }
    return d;
  }

  /**
   * @param {IncomingMessage} req
   * @param {ServerResponse} res
   */
  async function handle(req, res) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.split('/').filter(Boolean);
    const token = bearer(req);
    if (path[0] === 'details' && path.length <= 2) {
      if (req.method !== 'GET') return send(res, 405, { error: 'method_not_allowed' }, { allow: 'GET' });
      const keyId = token === undefined ? null : TOKENS.get(token) ?? null;
      const deciders = decidersFor(keyId);
      if (path.length === 2) {
        const id = decodeURIComponent(path[1]);
        const entity = byId.get(id.toLowerCase()) ?? null;
        const d = deciders.get.decide(entity, id);
        return d.status === 200 ? send(res, 200, { data: entity }) : deny(res, d);
      }
      const d = deciders.list.list(set);
      if (d.status !== 200) return deny(res, d);
      return send(res, 200, { data: d.ids.map((id) => byId.get(id.toLowerCase())) });
    }
    if (path[0] === 'admin') {
      if (token !== ADMIN_TOKEN) return send(res, 401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
      // POST /admin/filters/check {name?, predicate_text}: the filter validated, and a broken
      // one's problems rendered as the CLI renders them.
      if (path[1] === 'filters' && path[2] === 'check' && path.length === 3 && req.method === 'POST') {
        const body = await readJson(req);
        if (typeof body?.predicate_text !== 'string') return send(res, 400, { error: 'predicate_text: expected a string' });
        const text = body.predicate_text;
        const v = validate({ entity_type: 'detail', name: typeof body.name === 'string' ? body.name : 'draft', predicate_text: text });
        if (v.valid) return send(res, 200, { valid: true, text: v.text, searchable: v.searchable, notices: v.notices.map((d) => renderDiagnostic(d, text)) });
        return send(res, 422, { valid: false, errors: v.errors, rendered: v.errors.map((d) => renderDiagnostic(d, text)).join('') });
      }
      // GET /admin/explain/details/:id?key=ID: why that key gets what it gets for that detail.
      if (path[1] === 'explain' && path[2] === 'details' && path.length === 4 && req.method === 'GET') {
        const id = decodeURIComponent(path[3]);
        const request = { operation: /** @type {const} */ ('get'), workspace_id: WORKSPACE_ID, entity_type: 'detail', id };
        const explanation = store.explain(url.searchParams.get('key'), request, byId.get(id.toLowerCase()) ?? null);
        return send(res, 200, explanation);
      }
    }
    return send(res, 404, { error: 'not_found' });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      console.error(e);
      if (!res.headersSent) send(res, 500, { error: 'internal_error' });
      else res.destroy();
    });
  });
  return { server, store, details };
}

/**
 * The bearer token of a request, if it has one.
 * @param {IncomingMessage} req
 */
function bearer(req) {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m === null ? undefined : m[1];
}

/**
 * A refusal as the REST API answers it: the status and the engine's code; a 401 says how to
 * authenticate.
 * @param {ServerResponse} res
 * @param {Denial} d
 */
function deny(res, d) {
  /** @type {Record<string, string>} */
  const headers = d.status === 401 ? { 'www-authenticate': `Bearer error="${d.code}"` } : {};
  send(res, d.status, { error: d.code }, headers);
}

/**
 * @param {ServerResponse} res
 * @param {number} status
 * @param {unknown} body
 * @param {Record<string, string>} [headers]
 */
function send(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * A request's JSON body (at most 64 KiB), or undefined when it is not JSON.
 * @param {IncomingMessage} req
 * @returns {Promise<{ [key: string]: unknown } | undefined>}
 */
async function readJson(req) {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > 65536) return undefined;
  }
  try {
    const v = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

// Run directly: listen (PORT, default 3000; 0 for any free port) on 127.0.0.1 and say where.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { server } = createApp();
  server.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1', () => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('not listening on a port');
    const base = `http://${address.address}:${address.port}`;
    console.log(`listening on ${base}`);
    console.log(`  curl -H 'authorization: Bearer ${[...TOKENS.keys()][0]}' ${base}/details`);
    console.log(`  curl -H 'authorization: Bearer ${[...TOKENS.keys()][1]}' ${base}/details   # 403: no read grant`);
    console.log(`  curl -H 'authorization: Bearer ${ADMIN_TOKEN}' -d '{"predicate_text": "tags eq \\"concrete\\""}' ${base}/admin/filters/check`);
  });
}
