// Admin API (/admin/v1): filters, keys, admin credentials and the audit log, for a firm admin and
// for the builder. Authenticated by an admin credential, never by an integration key. Every change
// goes through StateStore.mutate (serialised, durable before the answer) and writes an audit entry
// in the same write; the engine validates filters and grants.
//
// Two kinds of admin: an operator (PORTCULLIS_ADMIN_TOKEN[S], configured) manages every firm; a
// firm admin (a credential stored in the state, made through /admins) manages one firm. Every
// object of another firm is, to a firm admin, exactly an object that does not exist: the same 404,
// the same 422 code and message when it is named in a body, absent from every list.
import { HttpError, json, missingCredentials, invalidToken, errorResponse } from './errors.mjs';
import { readText, parseJsonObject, onlyFields, isUuid } from './body.mjs';
import { spec, textSpec, toResponse } from './spec.mjs';
import { randomId, sha256, sha256hex, b64url, encrypt, decrypt, timingSafeEqual } from './crypto.mjs';
import { engineKey, engineGrant, FIRM_GLOBAL_FILTER } from './policy.mjs';

const ADMIN_REALM = 'portcullis-admin';
const BODY_LIMIT = 256 * 1024;
const chars = (s) => [...s].length; // Unicode scalar values (SPEC 2.4)

export const ADMIN_TOKEN_PREFIX = 'pcadm_';

/**
 * The admin behind a request: `{who: {id, name, firmId}}` (firmId null for an operator) or
 * `{response}`. Operators are compared against every configured hash (no early exit); a firm
 * admin's token is found by the first 16 hex digits of its SHA-256 and then compared in full in
 * constant time, like access tokens.
 */
export async function authenticateAdmin(request, app) {
  const auth = request.headers.get('authorization');
  if (auth === null || auth.trim() === '') return { response: missingCredentials(ADMIN_REALM) };
  const m = /^Bearer +(\S+) *$/i.exec(auth);
  if (!m) return { response: invalidToken(ADMIN_REALM) };
  const presented = await sha256(m[1]);
  const hex = Array.from(presented, (x) => x.toString(16).padStart(2, '0')).join('');
  let operator = null;
  for (const a of app.config.admins) if (timingSafeEqual(presented, a.hash)) operator = a;
  if (operator) return { who: { id: `operator:${operator.name}`, name: operator.name, firmId: null } };
  const rec = app.state.adminBySelector.get(hex.slice(0, 16));
  if (!rec || !timingSafeEqual(hex, rec.token_hash) || rec.revoked) return { response: invalidToken(ADMIN_REALM) };
  return { who: { id: rec.id, name: rec.name, firmId: rec.firm_id } };
}

// ---------------------------------------------------------------------------------------------
// Scope: what an admin may see. Firm ids are UUIDs and compare case-insensitively (SPEC 1).

const sameId = (x, y) => typeof x === 'string' && typeof y === 'string' && x.toLowerCase() === y.toLowerCase();

/** Whether the admin manages this firm (an operator manages every firm). */
function sees(who, firmId) {
  return who.firmId === null || sameId(who.firmId, firmId);
}

function firmsOf(app, who) {
  return app.policy.firms.filter((f) => sees(who, f.id));
}

function filterFirm(app, rec) {
  return app.policy.firmOfWorkspace(rec.workspace_id)?.id ?? null;
}

/** The firm of a workspace the admin manages, else null (no such workspace, or another firm's). */
function visibleWorkspace(app, who, ws) {
  if (!isUuid(ws)) return null;
  const firm = app.policy.firmOfWorkspace(ws);
  return firm && sees(who, firm.id) ? firm : null;
}

/** The firm an audit entry belongs to (entries written before it was recorded: from the target). */
function entryFirm(app, e) {
  if (e.firm_id !== undefined) return e.firm_id;
  const st = app.state.state;
  if (e.target?.type === 'filter' && st.filters[e.target.id]) return filterFirm(app, st.filters[e.target.id]);
  if (e.target?.type === 'key') return st.keys[e.target.id]?.firm_id ?? null;
  if (e.target?.type === 'admin') return st.admins[e.target.id]?.firm_id ?? null;
  return null;
}

function unprocessable(code, message, diagnostics) {
  return new HttpError(422, code, message, diagnostics ? { diagnostics } : {});
}

/** An audit entry: who (the admin's id, name and firm), from where, on which firm's object, what. */
function audit(draft, who, firmId, action, target, details = undefined) {
  draft.audit.push({
    id: `aud_${String(draft.audit.length + 1).padStart(8, '0')}`, at: new Date().toISOString(),
    actor: who.name, actor_id: who.id, actor_firm_id: who.firmId, source_ip: who.sourceIp ?? null,
    firm_id: firmId, action, target, ...(details ? { details } : {}),
  });
}

// ---------------------------------------------------------------------------------------------
export async function adminApi(request, app, ctx) {
  if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: { allow: 'GET, POST, PATCH, PUT, DELETE' } });
  const auth = await authenticateAdmin(request, app);
  if (auth.response) return auth.response;
  const who = { ...auth.who, sourceIp: ctx.sourceIp };
  const url = new URL(request.url);
  const segs = url.pathname.split('/').slice(3); // after /admin/v1
  const m = request.method;
  const text = ['POST', 'PATCH', 'PUT', 'DELETE'].includes(m) ? await readText(request, BODY_LIMIT) : '';
  const body = () => (text.trim() === '' ? {} : parseJsonObject(text));
  const write = (fn) => app.idempotency.run(request, `admin:${who.id}`, text, fn).then((r) => (r instanceof Response ? r : toResponse(r)));
  const [a, b, c, d] = segs;

  if (a === 'me' && segs.length === 1 && m === 'GET') return json(200, { admin: { id: who.id, name: who.name, firm_id: who.firmId, operator: who.firmId === null } });
  if (a === 'firms' && segs.length === 1 && m === 'GET') return json(200, { firms: firmsOf(app, who) });
  if (a === 'workspaces' && segs.length === 1 && m === 'GET') return workspaces(app, who, url);
  if (a === 'workspaces' && segs.length === 3 && c === 'entities' && m === 'GET') return entities(app, who, b, url);
  if (a === 'schema' && segs.length === 1 && m === 'GET') return json(200, { schema: app.policy.schema });
  if (a === 'audit' && segs.length === 1 && m === 'GET') return auditLog(app, who, url);

  if (a === 'admins') {
    if (segs.length === 1 && m === 'GET') return listAdmins(app, who, url);
    if (segs.length === 1 && m === 'POST') return write((ictx) => createAdmin(app, who, body(), ictx));
    if (segs.length === 2 && m === 'GET') return json(200, { admin: adminView(adminOr404(app, who, b)) });
    if (segs.length === 3 && m === 'POST' && c === 'revoke') return write((ictx) => revokeAdmin(app, who, b, ictx));
  }
  if (a === 'filters') {
    if (segs.length === 1 && m === 'GET') return listFilters(app, who, url);
    if (segs.length === 1 && m === 'POST') return write((ictx) => createFilter(app, who, body(), ictx));
    if (segs.length === 2 && b === 'preview' && m === 'POST') return previewFilter(app, who, body());
    if (segs.length === 2 && m === 'GET') return getFilter(app, who, decodeURIComponent(b), url);
    if (segs.length === 2 && m === 'PATCH') {
      if (url.searchParams.get('dry_run') === 'true') return dryRunEdit(app, who, decodeURIComponent(b), body());
      return write((ictx) => editFilter(app, who, decodeURIComponent(b), body(), ictx));
    }
    if ((segs.length === 2 && m === 'DELETE') || (segs.length === 3 && c === 'archive' && m === 'POST')) {
      return write((ictx) => archiveFilter(app, who, decodeURIComponent(b), ictx));
    }
  }
  if (a === 'keys') {
    if (segs.length === 1 && m === 'GET') return listKeys(app, who, url);
    if (segs.length === 1 && m === 'POST') return write((ictx) => createKey(app, who, body(), url, ictx));
    if (segs.length === 2 && m === 'GET') return json(200, { key: keyView(app, keyOr404(app, who, b)) });
    if (segs.length === 3 && m === 'POST' && c === 'reveal') return write((ictx) => revealSecret(app, who, b, url, ictx));
    if (segs.length === 3 && m === 'POST' && c === 'regenerate') return write((ictx) => regenerate(app, who, b, url, ictx));
    if (segs.length === 3 && m === 'POST' && c === 'revoke') return write((ictx) => revoke(app, who, b, ictx));
    if (segs.length === 3 && m === 'POST' && c === 'grants') return write((ictx) => addGrant(app, who, b, body(), ictx));
    if (segs.length === 4 && m === 'DELETE' && c === 'grants') return write((ictx) => removeGrant(app, who, b, d, ictx));
    if (segs.length === 3 && m === 'PUT' && c === 'allowed_ips') return write((ictx) => setAllowedIps(app, who, b, body(), ictx));
    if (segs.length === 2 && m === 'PATCH') throw unprocessable('name_immutable', 'A key cannot be edited; its name is fixed at creation. Use the grants and allowed_ips endpoints.');
  }
  return errorResponse(404, 'not_found', 'No such admin resource or method.');
}

// ---------------------------------------------------------------------------------------------
// Workspaces and their data (what the builder needs to author and preview filters)

function workspaces(app, who, url) {
  const firmId = url.searchParams.get('firm_id');
  const mine = firmsOf(app, who);
  const firm = firmId ? mine.find((f) => sameId(f.id, firmId)) : mine[0];
  if (!firm) return errorResponse(404, 'not_found', 'No such firm.');
  const flat = (field) => firm.workspaces.flatMap((w) => (w[field] ?? []).map((x) => ({ ...x, workspace_id: w.id })));
  return json(200, {
    firm: { id: firm.id, name: firm.name ?? firm.id },
    firms: mine.map((f) => ({ id: f.id, name: f.name ?? f.id })),
    workspaces: firm.workspaces.map((w) => ({ id: w.id, name: w.name ?? w.id })),
    projects: flat('projects'),
    users: flat('users'),
  });
}

async function entities(app, who, ws, url) {
  const type = url.searchParams.get('entity_type');
  if (!visibleWorkspace(app, who, ws)) return errorResponse(404, 'not_found', 'No such workspace.');
  if (!app.policy.types.has(type)) throw new HttpError(400, 'invalid_query', 'entity_type must be one of the schema\'s entity types.');
  return json(200, { entities: await app.data.all(ws.toLowerCase(), type) });
}

// ---------------------------------------------------------------------------------------------
// Filters

function filterView(app, rec) {
  const live = app.policy.store.getFilter(rec.id);
  return {
    id: rec.id, workspace_id: rec.workspace_id, entity_type: rec.entity_type, name: rec.name,
    description: rec.description ?? null, predicate: live?.predicate ?? rec.predicate,
    predicate_text: live?.predicate_text ?? rec.predicate_text ?? null, archived: !!rec.archived, system: false,
    created_at: rec.created_at, created_by: rec.created_by ?? null, updated_at: rec.updated_at, archived_at: rec.archived_at ?? null,
    keys_holding: app.policy.store.keysHolding(rec.id),
  };
}

function listFilters(app, who, url) {
  const ws = url.searchParams.get('workspace_id')?.toLowerCase();
  const type = url.searchParams.get('entity_type');
  const withArchived = url.searchParams.get('include_archived') === 'true';
  const stored = Object.values(app.state.state.filters)
    .filter((f) => sees(who, filterFirm(app, f)))
    .filter((f) => (!ws || f.workspace_id.toLowerCase() === ws) && (!type || f.entity_type === type) && (withArchived || !f.archived))
    .sort((x, y) => x.created_at.localeCompare(y.created_at) || x.id.localeCompare(y.id))
    .map((f) => filterView(app, f));
  let system = app.policy.systemFilters().filter((s) => sees(who, s.firm_id));
  if (ws) {
    const firm = app.policy.firmOfWorkspace(ws);
    system = system.filter((s) => (s.workspace_id ? s.workspace_id.toLowerCase() === ws : s.firm_id === firm?.id));
  }
  if (type) system = system.filter((s) => s.entity_type === type || s.firm_global);
  return json(200, { filters: [...system, ...stored] });
}

function getFilter(app, who, id, url) {
  if (id.startsWith('default:')) {
    const ws = url.searchParams.get('workspace_id')?.toLowerCase();
    const found = app.policy.systemFilters().filter((s) => sees(who, s.firm_id))
      .find((s) => s.id === id && (!ws || s.workspace_id?.toLowerCase() === ws || (s.firm_global && app.policy.firmOfWorkspace(ws)?.id === s.firm_id)));
    if (!found) return errorResponse(404, 'not_found', 'No such filter.');
    return json(200, { filter: found });
  }
  const rec = app.state.state.filters[id];
  if (!rec || !sees(who, filterFirm(app, rec))) return errorResponse(404, 'not_found', 'No such filter.');
  return json(200, { filter: filterView(app, rec) });
}

function predicateInput(body) {
  const out = {};
  if (body.predicate !== undefined) out.predicate = body.predicate;
  if (body.predicate_text !== undefined) out.predicate_text = body.predicate_text;
  if (out.predicate !== undefined && out.predicate_text !== undefined) {
    throw new HttpError(400, 'invalid_body', 'Send either "predicate" (JSON form) or "predicate_text" (text form), not both.');
  }
  return out;
}

function validateFilter(app, input) {
  const v = app.engine.validate(input);
  if (!v.valid) throw unprocessable('invalid_filter', 'The filter is not valid.', [...v.errors, ...v.warnings]);
  return v;
}

async function createFilter(app, who, body, ictx) {
  onlyFields(body, ['workspace_id', 'entity_type', 'name', 'description', 'predicate', 'predicate_text']);
  const firm = visibleWorkspace(app, who, body.workspace_id);
  if (!firm) throw unprocessable('unknown_workspace', 'workspace_id must be one of the firm\'s workspaces.');
  const pred = predicateInput(body);
  if (pred.predicate === undefined && pred.predicate_text === undefined) throw new HttpError(400, 'invalid_body', 'A filter needs "predicate" or "predicate_text".');
  const v = validateFilter(app, { entity_type: body.entity_type, name: body.name ?? '', description: body.description ?? null, ...pred });
  return app.state.mutate((draft) => {
    const now = new Date().toISOString();
    const rec = {
      id: randomId('flt_', 12), workspace_id: body.workspace_id.toLowerCase(), entity_type: body.entity_type,
      name: body.name, description: body.description ?? null, predicate: v.predicate, predicate_text: v.text,
      archived: false, created_at: now, updated_at: now, created_by: who.id,
    };
    draft.filters[rec.id] = rec;
    audit(draft, who, firm.id, 'filter.create', { type: 'filter', id: rec.id, name: rec.name });
    return spec(201, { filter: { ...rec, system: false, keys_holding: 0, archived_at: null }, warnings: v.warnings });
  }, { idempotency: ictx });
}

function editable(app, who, id) {
  if (id.startsWith('default:')) throw unprocessable('system_filter', 'System filters cannot be edited or archived.');
  const rec = app.state.state.filters[id];
  if (!rec || !sees(who, filterFirm(app, rec))) throw new HttpError(404, 'not_found', 'No such filter.');
  return rec;
}

function editedFilter(app, rec, body) {
  onlyFields(body, ['workspace_id', 'entity_type', 'name', 'description', 'predicate', 'predicate_text']);
  if (body.workspace_id !== undefined && String(body.workspace_id).toLowerCase() !== rec.workspace_id.toLowerCase()) {
    throw unprocessable('filter_immutable', 'A filter\'s workspace is fixed at creation; create a new filter instead.');
  }
  if (body.entity_type !== undefined && body.entity_type !== rec.entity_type) {
    throw unprocessable('filter_immutable', 'A filter\'s entity type is fixed at creation; create a new filter instead.');
  }
  const pred = predicateInput(body);
  const input = {
    entity_type: rec.entity_type,
    name: body.name !== undefined ? body.name : rec.name,
    description: body.description !== undefined ? body.description : rec.description ?? null,
    ...(pred.predicate === undefined && pred.predicate_text === undefined ? { predicate: rec.predicate } : pred),
  };
  return input;
}

async function dryRunEdit(app, who, id, body) {
  const rec = editable(app, who, id);
  const input = editedFilter(app, rec, body);
  const v = app.engine.validate(input);
  const out = { keys_affected: app.policy.store.keysHolding(id), valid: v.valid, errors: v.errors, warnings: v.warnings, predicate_text: v.text ?? null };
  if (v.valid && app.policy.types.get(rec.entity_type)?.previewable) {
    // Which entities the edit would give or take away, from the engine over the workspace's data.
    const entities = await app.data.all(rec.workspace_id, rec.entity_type);
    const impact = app.policy.store.editImpact(id, { entity_type: rec.entity_type, predicate: v.predicate }, entities);
    if (impact.ok) out.impact = { gained: impact.gained.length, lost: impact.lost.length, gained_sample: impact.gained.slice(0, 20), lost_sample: impact.lost.slice(0, 20) };
  }
  return json(200, out);
}

async function editFilter(app, who, id, body, ictx) {
  const rec = editable(app, who, id);
  if (rec.archived) throw unprocessable('filter_archived', 'An archived filter cannot be edited.');
  const input = editedFilter(app, rec, body);
  const v = validateFilter(app, input);
  return app.state.mutate((draft) => {
    const cur = draft.filters[id];
    if (cur.archived) throw unprocessable('filter_archived', 'An archived filter cannot be edited.');
    Object.assign(cur, { name: input.name, description: input.description, predicate: v.predicate, predicate_text: v.text, updated_at: new Date().toISOString() });
    const affected = app.policy.store.keysHolding(id);
    audit(draft, who, filterFirm(app, cur), 'filter.edit', { type: 'filter', id, name: cur.name }, { keys_affected: affected, predicate_text: v.text });
    return spec(200, { filter: { ...cur, system: false, keys_holding: affected, archived_at: null }, keys_affected: affected, warnings: v.warnings });
  }, { idempotency: ictx });
}

async function archiveFilter(app, who, id, ictx) {
  editable(app, who, id);
  return app.state.mutate((draft) => {
    const cur = draft.filters[id];
    if (!cur.archived) {
      cur.archived = true;
      cur.archived_at = new Date().toISOString();
      audit(draft, who, filterFirm(app, cur), 'filter.archive', { type: 'filter', id, name: cur.name }, { keys_affected: app.policy.store.keysHolding(id) });
    }
    return spec(200, { filter: { ...cur, system: false, keys_holding: app.policy.store.keysHolding(id) } });
  }, { idempotency: ictx });
}

async function previewFilter(app, who, body) {
  onlyFields(body, ['workspace_id', 'entity_type', 'name', 'description', 'predicate', 'predicate_text']);
  if (!visibleWorkspace(app, who, body.workspace_id)) {
    throw unprocessable('unknown_workspace', 'workspace_id must be one of the firm\'s workspaces.');
  }
  const input = { entity_type: body.entity_type, name: body.name ?? 'preview', description: body.description ?? null, ...predicateInput(body) };
  // Entities are only fetched for a type the engine can preview; the engine gives the verdict.
  const desc = app.policy.types.get(body.entity_type);
  const entities = desc?.previewable ? await app.data.all(body.workspace_id, body.entity_type) : [];
  const r = app.engine.preview(input, entities);
  if (!r.ok) return errorResponse(422, r.error, `Preview refused: ${r.error}.`, { diagnostics: r.errors });
  return json(200, { count: r.count, truncated: r.truncated, display: r.truncated ? `${r.count.toLocaleString('en-US')}+` : r.count.toLocaleString('en-US') });
}

// ---------------------------------------------------------------------------------------------
// Keys

function keyOr404(app, who, id) {
  const rec = app.state.state.keys[id];
  if (!rec || !sees(who, rec.firm_id)) throw new HttpError(404, 'not_found', 'No such key.');
  return rec;
}

function keyView(app, rec) {
  const filters = app.state.state.filters;
  return {
    id: rec.id, name: rec.name, firm_id: rec.firm_id, environment: rec.environment, client_id: rec.client_id,
    created_at: rec.created_at, created_by: rec.created_by, revoked: !!rec.revoked, revoked_at: rec.revoked_at ?? null,
    secret_regenerated_at: rec.secret_regenerated_at ?? null, allowed_ips: rec.allowed_ips ?? null,
    last_used_at: app.state.lastUsedOf(rec.id),
    grants: rec.grants.map((g) => ({ ...g, workspace_id: g.workspace_id ?? null, filter_name: filters[g.filter]?.name ?? g.filter })),
  };
}

function listKeys(app, who, url) {
  const firm = url.searchParams.get('firm_id');
  const withRevoked = url.searchParams.get('include_revoked') !== 'false';
  const keys = Object.values(app.state.state.keys)
    .filter((k) => sees(who, k.firm_id) && (!firm || sameId(k.firm_id, firm)) && (withRevoked || !k.revoked))
    .sort((x, y) => x.created_at.localeCompare(y.created_at) || x.id.localeCompare(y.id))
    .map((k) => keyView(app, k));
  return json(200, { keys });
}

function checkGrantShape(g, i) {
  if (!g || typeof g !== 'object' || Array.isArray(g)) throw new HttpError(400, 'invalid_body', `grants[${i}] must be an object.`);
  onlyFields(g, ['workspace_id', 'filter', 'actions'], `grants[${i}]`);
  if (typeof g.filter !== 'string') throw new HttpError(400, 'invalid_body', `grants[${i}].filter must be a string.`);
  if (!Array.isArray(g.actions)) throw new HttpError(400, 'invalid_body', `grants[${i}].actions must be an array.`);
  if (g.workspace_id !== undefined && g.workspace_id !== null && typeof g.workspace_id !== 'string') throw new HttpError(400, 'invalid_body', `grants[${i}].workspace_id must be a string.`);
  return { id: randomId('grt_', 9), ...(g.workspace_id ? { workspace_id: g.workspace_id.toLowerCase() } : {}), filter: g.filter, actions: g.actions };
}

/**
 * SPEC 4.1, by the engine: the key as it would be stored, against the current filters. For a firm
 * admin, another firm's filter is one that does not exist: it is validated as a filter id that is
 * not stored (a stand-in that no stored id can be), and the stand-in is written back as the id the
 * admin sent, so the diagnostics are exactly those of an unknown filter.
 */
// `kept`: the ids of grants the key held before this change. Archiving a filter changes the
// access of every key holding it (SPEC 2.1): a grant it leaves on a key is inert, not a reason
// to refuse every later change to that key (adding a grant, removing one, its allowlist); only
// a grant the change brings in must not name an archived filter (SPEC 4.1).
function validateKeyRecord(app, who, rec, kept = new Set()) {
  const key = engineKey(rec);
  const standIns = [];
  if (who.firmId !== null) {
    key.grants = key.grants.map((g, i) => {
      const f = app.state.state.filters[g.filter];
      if (!f || sees(who, filterFirm(app, f))) return g;
      standIns.push([`flt_~unseen~${i}`, g.filter]); // '~' is not in a stored id (flt_ + base64url)
      return { ...g, filter: standIns.at(-1)[0] };
    });
  }
  const report = app.policy.store.validateKey(key);
  const inert = (d) => {
    const m = d.code === 'filter_archived' && /^\$\.grants\[(\d+)\]\.filter$/.exec(d.location?.path ?? '');
    return m && kept.has(rec.grants[Number(m[1])]?.id);
  };
  const refused = report.errors.filter((d) => !inert(d));
  if (refused.length === 0) return;
  const errors = refused.map((d) => {
    let message = d.message;
    for (const [stand, real] of standIns) message = message.split(stand).join(real);
    return { ...d, message };
  });
  throw unprocessable('invalid_grants', 'The key\'s grants or IP allowlist are not valid.', errors);
}

function checkAllowedIps(v) {
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new HttpError(400, 'invalid_body', 'allowed_ips must be an array of strings, or null.');
  return v;
}

function credentialsSpec(status, rec, secret, url, extra = {}) {
  if (url.searchParams.get('format') === 'env') {
    const text = `# portcullis API credentials for "${rec.name}" (${rec.environment})\nPORTCULLIS_CLIENT_ID=${rec.client_id}\nPORTCULLIS_CLIENT_SECRET=${secret}\n`;
    return textSpec(status, text, { 'content-disposition': 'attachment; filename="portcullis.env"' });
  }
  return spec(status, { ...extra, client_id: rec.client_id, client_secret: secret });
}

/** The replay of a response carrying a secret is stored encrypted, like the secret itself. */
async function sealed(app, s) {
  return { ...s, sealedBody: await encrypt(app.keys.secrets, s.body, 'idempotency-replay') };
}

export async function unsealBody(app, box) {
  return decrypt(app.keys.secrets, box, 'idempotency-replay');
}

async function newSecret(app, keyId, environment) {
  const secret = randomId(`pcs_${environment}_`, 32);
  return {
    secret,
    secret_enc: await encrypt(app.keys.secrets, secret, keyId),
    secret_hash: b64url(await sha256(secret)),
  };
}

async function createKey(app, who, body, url, ictx) {
  onlyFields(body, ['name', 'firm_id', 'environment', 'grants', 'allowed_ips']);
  if (typeof body.name !== 'string' || body.name.trim() === '') throw unprocessable('name_required', 'A key needs a descriptive name.');
  if (chars(body.name) > 255) throw unprocessable('name_too_long', 'A key name is at most 255 characters.');
  const environment = body.environment ?? 'live';
  if (environment !== 'live' && environment !== 'test') throw new HttpError(400, 'invalid_body', 'environment is "live" or "test".');
  if (!Array.isArray(body.grants ?? [])) throw new HttpError(400, 'invalid_body', 'grants must be an array.');
  const grants = (body.grants ?? []).map(checkGrantShape);
  // The firm: as given, else the firm admin's own, else (operator) that of the first grant's workspace.
  const asked = body.firm_id ?? who.firmId ?? app.policy.firmOfWorkspace(grants.find((g) => g.workspace_id)?.workspace_id ?? '')?.id;
  const firm = firmsOf(app, who).find((f) => sameId(f.id, asked));
  if (!firm) throw unprocessable('unknown_firm', 'firm_id must name a known firm.');
  const id = randomId('key_', 12);
  const rec = {
    id, name: body.name, firm_id: firm.id, environment, client_id: randomId(`pcid_${environment}_`, 16),
    secret_gen: 1, created_at: new Date().toISOString(), created_by: who.id, revoked: false,
    allowed_ips: checkAllowedIps(body.allowed_ips), grants,
  };
  validateKeyRecord(app, who, rec);
  const s = await newSecret(app, id, environment);
  Object.assign(rec, { secret_enc: s.secret_enc, secret_hash: s.secret_hash });
  const response = await sealed(app, credentialsSpec(201, rec, s.secret, url, { key: keyView(app, rec) }));
  return app.state.mutate((draft) => {
    draft.keys[id] = rec;
    audit(draft, who, rec.firm_id, 'key.create', { type: 'key', id, name: rec.name }, { grants: grants.length, environment });
    return response;
  }, { idempotency: ictx });
}

async function revealSecret(app, who, id, url, ictx) {
  const rec = keyOr404(app, who, id);
  if (rec.revoked) throw new HttpError(409, 'key_revoked', 'The key is revoked; its secret can no longer be revealed.');
  const secret = await decrypt(app.keys.secrets, rec.secret_enc, id);
  const response = await sealed(app, credentialsSpec(200, rec, secret, url));
  // The audit entry is durable before the secret leaves the gateway.
  return app.state.mutate((draft) => {
    audit(draft, who, rec.firm_id, 'key.reveal', { type: 'key', id, name: rec.name });
    return response;
  }, { idempotency: ictx });
}

async function regenerate(app, who, id, url, ictx) {
  const rec = keyOr404(app, who, id);
  if (rec.revoked) throw new HttpError(409, 'key_revoked', 'A revoked key cannot be regenerated.');
  const s = await newSecret(app, id, rec.environment);
  return app.state.mutate(async (draft) => {
    const k = draft.keys[id];
    Object.assign(k, { secret_enc: s.secret_enc, secret_hash: s.secret_hash, secret_gen: k.secret_gen + 1, secret_regenerated_at: new Date().toISOString() });
    // Tokens minted from the old secret die with it (the generation check refuses them too).
    for (const [sel, t] of Object.entries(draft.tokens)) if (t.key_id === id) delete draft.tokens[sel];
    audit(draft, who, k.firm_id, 'key.regenerate', { type: 'key', id, name: k.name });
    return sealed(app, credentialsSpec(200, k, s.secret, url, { key: keyView(app, k) }));
  }, { idempotency: ictx });
}

async function revoke(app, who, id, ictx) {
  keyOr404(app, who, id);
  return app.state.mutate((draft) => {
    const k = draft.keys[id];
    if (!k.revoked) {
      Object.assign(k, { revoked: true, revoked_at: new Date().toISOString() });
      for (const [sel, t] of Object.entries(draft.tokens)) if (t.key_id === id) delete draft.tokens[sel];
      audit(draft, who, k.firm_id, 'key.revoke', { type: 'key', id, name: k.name });
    }
    return spec(200, { key: keyView(app, k) });
  }, { idempotency: ictx });
}

function changeKey(app, who, id, ictx, action, change) {
  keyOr404(app, who, id);
  return app.state.mutate((draft) => {
    const k = draft.keys[id];
    if (k.revoked) throw new HttpError(409, 'key_revoked', 'A revoked key cannot be changed.');
    const kept = new Set(k.grants.map((g) => g.id));
    const { status, details } = change(k);
    // Validated inside the write slot, against exactly the filters this write will see.
    validateKeyRecord(app, who, k, kept);
    audit(draft, who, k.firm_id, action, { type: 'key', id, name: k.name }, details);
    return spec(status, { key: keyView(app, k) });
  }, { idempotency: ictx });
}

function addGrant(app, who, id, body, ictx) {
  const grant = checkGrantShape(body, 0);
  return changeKey(app, who, id, ictx, 'key.grant_add', (k) => {
    k.grants.push(grant);
    return { status: 201, details: engineGrant(grant) };
  });
}

function removeGrant(app, who, id, grantId, ictx) {
  return changeKey(app, who, id, ictx, 'key.grant_remove', (k) => {
    const i = k.grants.findIndex((g) => g.id === grantId);
    if (i < 0) throw new HttpError(404, 'not_found', 'No such grant on this key.');
    const [g] = k.grants.splice(i, 1);
    return { status: 200, details: engineGrant(g) };
  });
}

function setAllowedIps(app, who, id, body, ictx) {
  onlyFields(body, ['allowed_ips']);
  const ips = checkAllowedIps(body.allowed_ips);
  return changeKey(app, who, id, ictx, 'key.allowed_ips', (k) => {
    k.allowed_ips = ips;
    return { status: 200, details: { allowed_ips: ips } };
  });
}

// ---------------------------------------------------------------------------------------------
// Admin credentials of a firm. The token is shown once, at creation; only its SHA-256 is stored
// (it is a password, not a secret an integrator must be able to see again). An operator manages
// every firm's admins; a firm admin manages its own firm's (seed 000: "ask another firm admin").

function adminView(rec) {
  return {
    id: rec.id, name: rec.name, firm_id: rec.firm_id, created_at: rec.created_at, created_by: rec.created_by,
    revoked: !!rec.revoked, revoked_at: rec.revoked_at ?? null,
  };
}

function adminOr404(app, who, id) {
  const rec = app.state.state.admins[id];
  if (!rec || !sees(who, rec.firm_id)) throw new HttpError(404, 'not_found', 'No such admin.');
  return rec;
}

function listAdmins(app, who, url) {
  const firm = url.searchParams.get('firm_id');
  const admins = Object.values(app.state.state.admins)
    .filter((x) => sees(who, x.firm_id) && (!firm || sameId(x.firm_id, firm)))
    .sort((x, y) => x.created_at.localeCompare(y.created_at) || x.id.localeCompare(y.id))
    .map(adminView);
  return json(200, { admins });
}

async function createAdmin(app, who, body, ictx) {
  onlyFields(body, ['name', 'firm_id']);
  if (typeof body.name !== 'string' || body.name.trim() === '') throw unprocessable('name_required', 'An admin credential needs a descriptive name.');
  if (chars(body.name) > 255) throw unprocessable('name_too_long', 'A name is at most 255 characters.');
  const firm = firmsOf(app, who).find((f) => sameId(f.id, body.firm_id ?? who.firmId));
  if (!firm) throw unprocessable('unknown_firm', 'firm_id must name a known firm.');
  const token = randomId(ADMIN_TOKEN_PREFIX, 32);
  const rec = {
    id: randomId('adm_', 12), name: body.name, firm_id: firm.id, token_hash: await sha256hex(token),
    created_at: new Date().toISOString(), created_by: who.id, revoked: false,
  };
  const response = await sealed(app, spec(201, { admin: adminView(rec), token }));
  return app.state.mutate((draft) => {
    draft.admins[rec.id] = rec;
    audit(draft, who, firm.id, 'admin.create', { type: 'admin', id: rec.id, name: rec.name });
    return response;
  }, { idempotency: ictx });
}

function revokeAdmin(app, who, id, ictx) {
  adminOr404(app, who, id);
  return app.state.mutate((draft) => {
    const x = draft.admins[id];
    if (!x.revoked) {
      Object.assign(x, { revoked: true, revoked_at: new Date().toISOString() });
      audit(draft, who, x.firm_id, 'admin.revoke', { type: 'admin', id, name: x.name });
    }
    return spec(200, { admin: adminView(x) });
  }, { idempotency: ictx });
}

// ---------------------------------------------------------------------------------------------
// Audit log: newest first, cursor = the id of the last entry of the previous page.

function auditLog(app, who, url) {
  const limit = Math.min(Math.max(Number(url.searchParams.get('limit') ?? 100) || 100, 1), 500);
  const action = url.searchParams.get('action');
  const target = url.searchParams.get('target_id');
  const actor = url.searchParams.get('actor_id');
  const before = url.searchParams.get('cursor');
  const out = [];
  const log = app.state.state.audit;
  let i = log.length - 1;
  if (before) {
    const at = log.findIndex((e) => e.id === before && sees(who, entryFirm(app, e)));
    if (at < 0) throw new HttpError(400, 'invalid_cursor', 'Unknown audit cursor.');
    i = at - 1;
  }
  let next = null;
  for (; i >= 0; i--) {
    const e = log[i];
    if ((action && e.action !== action) || (target && e.target?.id !== target) || (actor && e.actor_id !== actor)) continue;
    if (!sees(who, entryFirm(app, e))) continue;
    if (out.length === limit) {
      next = out[out.length - 1].id;
      break;
    }
    out.push(e);
  }
  return json(200, { entries: out, next_cursor: next });
}

export { FIRM_GLOBAL_FILTER };
