// Data API v1: /v1/me, /v1/workspaces/{ws}/{collection}[/{id}[/download]], /v1/files/...
// Every access decision is the engine's (SPEC 4.4); this module moves data and shapes answers.
import { HttpError, json, notFound, denial, insufficientScope, invalidToken, errorResponse } from './errors.mjs';
import { authenticate } from './tokens.mjs';
import { readText, parseJsonObject, onlyFields } from './body.mjs';
import { checkAttributes, mergeAttributes } from './attributes.mjs';
import { reply, toResponse } from './replies.mjs';
import { b64url, fromB64url, sha256 } from './crypto.mjs';
import { FILES, signUrl, verifyUrl } from './downloads.mjs';
import { work } from './data-service-client.mjs';

const BODY_LIMIT = 64 * 1024;

/** An opaque page cursor, bound to the workspace and type it pages (the data API and the admin examples). */
export function encodeCursor(ws, type, after) {
  return b64url(new TextEncoder().encode(JSON.stringify({ w: ws.toLowerCase(), t: type, a: after })));
}

export function decodeCursor(engine, text, ws, type) {
  try {
    const c = JSON.parse(new TextDecoder().decode(fromB64url(text)));
    if (c && c.w === ws.toLowerCase() && c.t === type && engine.canonicalUuid(c.a) !== null) return c.a;
  } catch { /* fall through */ }
  throw new HttpError(400, 'invalid_cursor', 'The cursor is malformed or belongs to another listing.');
}

/** A stable entity id for an idempotent create, so a retry after a crash finds the first one. */
async function idempotentId(ctx, ws, type) {
  const h = await sha256(`${ctx.id}\u0000${ws}\u0000${type}`);
  h[6] = (h[6] & 0x0f) | 0x40;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = [...h.slice(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** A request under /v1/, whose URL's path is `path` (app.mjs `pathOf`). */
export async function dataApi(request, app, ctx, path) {
  const segs = path.split('/');
  segs.shift(); // ['v1', ...]
  if (request.method === 'OPTIONS') {
    // Bearer calls are server-to-server: preflights get no Access-Control-* grant (seed 002).
    return new Response(null, { status: 204, headers: { allow: 'GET, POST, PATCH' } });
  }
  if (segs[1] === 'files') return redeemDownload(request, app, ctx, new URL(request.url), segs);

  const auth = await authenticate(request, app);
  if (auth.response) return auth.response;
  const key = auth.key;
  app.touch(key, ctx);

  if (segs.length === 2 && segs[1] === 'me') {
    if (request.method !== 'GET') return methodNotAllowed('GET');
    return me(app, key, ctx);
  }
  if (segs[1] !== 'workspaces' || segs.length < 4 || segs.length > 6 || segs.includes('')) return notFound();
  const ws = segs[2], collection = segs[3], id = segs[4], tail = segs[5];
  const typeDesc = app.policy.byCollection.get(collection);
  if (!typeDesc) return notFound();
  // A workspace or entity id that is not a UUID names nothing (SPEC 1: ids are UUIDs). It is not
  // refused with a 400 of its own: the engine decides on it as on any id that names nothing, so a
  // get answers the same 404 as for a missing entity (SPEC 4.4.2, 4.5), an update or download
  // without a grant for the action the same 403 (4.4.5), a list or create the 403 of a workspace
  // outside the key's firm (4.4.3, 4.4.4); and all of it only after the token was accepted.
  if (segs.length === 4) {
    const base = { workspace_id: ws, entity_type: typeDesc.name, source_ip: ctx.sourceIp };
    if (request.method === 'GET') return list(app, key, base, new URL(request.url));
    if (request.method === 'POST') return create(request, app, key, base, collection);
    return methodNotAllowed('GET, POST');
  }
  const req = { workspace_id: ws, entity_type: typeDesc.name, source_ip: ctx.sourceIp, id };
  if (segs.length === 5) {
    if (request.method === 'GET') return getOne(app, key, req);
    if (request.method === 'PATCH') return update(request, app, key, req);
    return methodNotAllowed('GET, PATCH');
  }
  if (tail !== 'download') return notFound();
  if (request.method !== 'GET') return methodNotAllowed('GET');
  return download(app, key, req, collection);
}

function methodNotAllowed(allow) {
  return errorResponse(405, 'method_not_allowed', `Allowed: ${allow}.`, {}, { allow });
}

function me(app, key, ctx) {
  if (!app.policy.credentialAccepted(key, ctx.sourceIp)) return invalidToken();
  const firm = app.policy.firms.find((f) => f.id === key.firm_id);
  const filters = app.state.view.filters;
  return json(200, {
    data: {
      key_id: key.id, key_name: key.name, client_id: key.client_id, environment: key.environment,
      firm_id: key.firm_id, firm_name: firm?.name ?? null,
      grants: key.grants.map((g) => ({
        workspace_id: g.workspace_id ?? null, filter: g.filter,
        filter_name: filters.get(g.filter)?.name ?? g.filter, actions: g.actions,
      })),
      allowed_ips: key.allowed_ips ?? null,
    },
  });
}

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The engine's canonical form of an id (`canonicalUuid`), or null for one that is not a UUID.
 * A text already in the canonical form (lower-case hexadecimal, hyphenated 8-4-4-4-12, as every
 * id the gateway hands out) is its own: the engine's answer for it, without the call.
 */
function canonical(app, id) {
  return CANONICAL_UUID.test(id) ? id : app.engine.canonicalUuid(id);
}

/**
 * The entity a single-resource path names, looked up and decoded the same way whether it exists
 * or not, whatever the grants say, so that every 404 takes the same path (SPEC 4.4.2, 4.5):
 * `{found, entity, version, id}`. The data service is always asked (for an id or workspace that
 * is not a UUID, which names nothing: for the nil UUID), its answer always read whole, and one
 * entity document always decoded: the one it sent, or, when it has none, a placeholder of the
 * type (`Policy.placeholder`: every attribute of the type, an entity of the same shape) in the
 * requested workspace with the requested id. `id` is the id the decision checks the entity
 * against (canonical; the nil UUID for one that is not a UUID).
 */
async function lookup(app, req) {
  const cws = canonical(app, req.workspace_id);
  const cid = canonical(app, req.id);
  const named = cws !== null && cid !== null;
  const ws = named ? cws : NIL_UUID;
  const id = named ? cid : NIL_UUID;
  const r = await app.data.read(ws, req.entity_type, id);
  const text = r.found ? r.text : app.policy.placeholder(req.entity_type, ws, id);
  let doc;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new HttpError(502, 'upstream_error', 'The data service answered get with a body that is not JSON.');
  }
  if (work.on) work.decoded.push(text.length);
  return { found: r.found, entity: doc?.entity ?? null, version: doc?.version, id };
}

/**
 * The decision on an entity a lookup found or not: the engine's prepared decision for the key
 * (Policy.decider) is asked twice on every path, over no entity (the answer when there is none:
 * the key's credentials, then its grants for the action, then 404) and over the entity looked up
 * (the data service's, or the placeholder); which one counts is the only difference.
 */
function decideEntity(app, keyId, operation, req, rec) {
  const decider = app.policy.decider(keyId, operation, req.workspace_id, req.entity_type, req.source_ip);
  const none = decider.decide(null, rec.id);
  const over = decider.decide(rec.entity, rec.id);
  if (work.on) countDecisions(`prepared ${operation}`, rec.entity);
  return rec.found ? over : none;
}

/** Test-only counters: the two decisions of an entity request, and the entity's shape. */
function countDecisions(call, entity) {
  work.decisions.push(`${call}: nothing`, `${call}: ${entity ? `a ${entity.entity_type}` : 'nothing'}`);
  work.attributes.push(entity ? Object.keys(entity.attributes ?? {}).sort() : null);
}

/** INVARIANT: the engine never allows a request in a workspace that is not one of the firm's. */
function assertUuidWorkspace(app, ws) {
  if (app.engine.canonicalUuid(ws) === null) throw new Error(`invariant: the engine allowed a request in workspace ${JSON.stringify(ws)}`);
}

async function getOne(app, key, req) {
  const rec = await lookup(app, req);
  const d = decideEntity(app, key.id, 'get', req, rec);
  if (d.status !== 200) return denial(d);
  return json(200, { data: rec.entity });
}

async function list(app, key, base, url) {
  let limit = app.config.defaultPageSize;
  let cursor = null;
  const search = new Map(); // names come from the caller: never an object's keys until sent
  for (const name of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(name);
    if (values.length > 1) throw new HttpError(400, 'invalid_query', `Query parameter "${name}" is repeated.`);
    const v = values[0];
    if (name === 'limit') {
      if (!/^\d{1,6}$/.test(v) || Number(v) < 1) throw new HttpError(400, 'invalid_limit', 'limit must be a positive integer.');
      limit = Math.min(Number(v), app.config.maxPageSize); // capped, not refused
    } else if (name === 'cursor') {
      cursor = decodeCursor(app.engine, v, base.workspace_id, base.entity_type);
    } else {
      search.set(name, v); // the data service's own search parameters, passed through
    }
  }
  const request = { operation: 'list', ...base };
  const auth = app.policy.store.authorizeList(key.id, request);
  if (auth.status !== 200) return denial(auth);
  assertUuidWorkspace(app, base.workspace_id);
  const page = await app.data.query(base.workspace_id, base.entity_type, {
    scope: auth.scope, require_match: auth.require_match, limit, cursor,
    // Own properties only (a name such as __proto__ stays a name), as the JSON body needs.
    search: Object.fromEntries(search),
  });
  // The engine decides on the page: 403 when stored filters together match nothing whatever the
  // caller searched, and every entity the data service sent back checked against the scope again.
  const d = app.policy.store.decideListPage(key.id, request, page.scope_matches === true, page.items);
  if (d.outside > 0 || (d.status === 200 && d.ids.length !== page.items.length)) {
    console.error(`portcullis: data service returned ${page.items.length - (d.ids?.length ?? 0)} entities outside the scope`);
    return errorResponse(502, 'upstream_error', 'The data service failed.');
  }
  if (d.status !== 200) return denial(d);
  return json(200, {
    data: page.items,
    next_cursor: page.next_cursor ? encodeCursor(base.workspace_id, base.entity_type, page.next_cursor) : null,
  });
}

async function create(request, app, key, base, collection) {
  const text = await readText(request, BODY_LIMIT);
  const result = await app.idempotency.run(request, `key:${key.id}`, key.firm_id, text, async (ictx) => {
    const body = parseJsonObject(text);
    onlyFields(body, ['attributes']);
    const typeDesc = app.policy.types.get(base.entity_type);
    const attributes = checkAttributes(app.engine, base.entity_type, body.attributes ?? {});
    // The attributes the data service assigns: the creation time.
    for (const a of typeDesc.attributes) if (a.server_assigned) attributes[a.name] = new Date(app.state.now()).toISOString();
    const d = app.policy.store.decide(key.id, { operation: 'create', ...base, attributes }, null);
    if (d.status !== 201) return denial(d);
    assertUuidWorkspace(app, base.workspace_id);
    const id = ictx ? await idempotentId(ictx, base.workspace_id, base.entity_type) : crypto.randomUUID();
    let res = await app.data.create(base.workspace_id, base.entity_type, id, attributes);
    if (res.conflict) {
      // Only an idempotent retry whose first attempt died before it was recorded gets here.
      res = await app.data.get(base.workspace_id, base.entity_type, id);
      if (!res) throw new HttpError(409, 'conflict', 'The entity could not be created; retry.');
    }
    const location = `/v1/workspaces/${base.workspace_id}/${collection}/${id}`;
    return app.state.record(ictx, reply(201, { data: res.entity }, { location }));
  }, { apart: true });
  return result instanceof Response ? result : toResponse(result);
}

async function update(request, app, key, req) {
  const text = await readText(request, BODY_LIMIT);
  const result = await app.idempotency.run(request, `key:${key.id}`, key.firm_id, text, async (ictx) => {
    const body = parseJsonObject(text);
    onlyFields(body, ['attributes']);
    const patch = checkAttributes(app.engine, req.entity_type, body.attributes ?? {}, { keepNulls: true });
    // Optimistic concurrency: decide on the version read, write only if it is still current.
    for (let attempt = 0; attempt < 5; attempt++) {
      const rec = await lookup(app, req);
      // Both decisions on every path, as for a get (decideEntity): over no entity, and over the
      // entity looked up (or the placeholder) merged with the patch.
      const attributes = mergeAttributes(rec.entity?.attributes, patch);
      const none = app.policy.store.decide(key.id, { operation: 'update', ...req, attributes: undefined }, null);
      const over = app.policy.store.decide(key.id, { operation: 'update', ...req, attributes }, rec.entity);
      if (work.on) countDecisions('store update', rec.entity);
      const d = rec.found ? over : none;
      if (d.status !== 200) return denial(d);
      const res = await app.data.replace(req.workspace_id, req.entity_type, req.id, attributes, rec.version);
      if (res === null) return notFound();
      if (res.conflict) continue;
      return app.state.record(ictx, reply(200, { data: res.entity }));
    }
    throw new HttpError(409, 'conflict', 'The entity kept changing while it was being updated; retry.');
  }, { apart: true });
  return result instanceof Response ? result : toResponse(result);
}

async function download(app, key, req, collection) {
  const rec = await lookup(app, req);
  const d = decideEntity(app, key.id, 'download', req, rec);
  if (d.status !== 200) return denial(d);
  const files = [];
  for (const ext of FILES[req.entity_type] ?? []) {
    const path = `/v1/files/${req.workspace_id}/${collection}/${req.id}/${rec.entity.id}.${ext}`;
    const signed = await signUrl(app.keys, app.config.publicBaseUrl, path, key.id, app.config.downloadTtlSeconds, app.state.now());
    files.push({ name: `${rec.entity.id}.${ext}`, ...signed });
  }
  return json(200, { data: { files, expires_at: files[0]?.expires_at ?? null } });
}

async function redeemDownload(request, app, ctx, url, segs) {
  if (request.method !== 'GET') return methodNotAllowed('GET');
  const [, , ws, collection, id, name] = segs;
  // The signature is this URL's credential: checked first, whatever the path (a path that is not
  // one the gateway signs cannot carry a valid signature).
  const v = await verifyUrl(app.keys, url, app.state.now());
  if (v.error) {
    return errorResponse(403, v.error, v.error === 'url_expired' ? 'This download URL has expired; request a new one.' : 'This download URL is not valid.');
  }
  const typeDesc = app.policy.byCollection.get(collection);
  const named = app.engine.canonicalUuid(ws) !== null && app.engine.canonicalUuid(id) !== null;
  if (segs.length !== 6 || !typeDesc || !named || !name) return notFound();
  // The key signed the URL: its revocation, by any instance, is applied before the decision.
  await app.state.fresh(app.state.view.keys.get(v.keyId)?.firm_id ?? null);
  const req = { workspace_id: ws, entity_type: typeDesc.name, id, source_ip: ctx.sourceIp };
  const rec = await lookup(app, req);
  const d = decideEntity(app, v.keyId, 'download', req, rec);
  if (d.status !== 200) return denial(d);
  const file = await app.data.file(ws, typeDesc.name, id, name);
  if (!file) return notFound();
  return new Response(file.body, {
    status: 200,
    headers: { 'content-type': 'application/octet-stream', 'content-disposition': `attachment; filename="${name}"`, 'cache-control': 'private, no-store' },
  });
}
