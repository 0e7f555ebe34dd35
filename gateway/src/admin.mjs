// Admin API (/admin/v1): filters, keys and the audit log, for a firm admin and for the builder.
// Authenticated by an admin credential, never by an integration key. Every change goes through
// StateStore.mutate (serialised, durable before the answer) and writes an audit entry in the
// same write; the engine validates filters and grants.
import { HttpError, json, missingCredentials, invalidToken, errorResponse } from './errors.mjs';
import { readText, parseJsonObject, onlyFields, isUuid } from './body.mjs';
import { spec, textSpec, toResponse } from './spec.mjs';
import { randomId, sha256, b64url, encrypt, decrypt, timingSafeEqual } from './crypto.mjs';
import { engineKey, engineGrant, FIRM_GLOBAL_FILTER } from './policy.mjs';

const ADMIN_REALM = 'portcullis-admin';
const BODY_LIMIT = 256 * 1024;
const chars = (s) => [...s].length; // Unicode scalar values (SPEC 2.4)

/** The admin behind a request: `{actor}` or `{response}`. */
export async function authenticateAdmin(request, app) {
  const auth = request.headers.get('authorization');
  if (auth === null || auth.trim() === '') return { response: missingCredentials(ADMIN_REALM) };
  const m = /^Bearer +(\S+) *$/i.exec(auth);
  if (!m) return { response: invalidToken(ADMIN_REALM) };
  const presented = await sha256(m[1]);
  let actor = null;
  for (const a of app.config.admins) if (timingSafeEqual(presented, a.hash)) actor = a.name; // no early exit
  if (!actor) return { response: invalidToken(ADMIN_REALM) };
  return { actor };
}

function unprocessable(code, message, diagnostics) {
  return new HttpError(422, code, message, diagnostics ? { diagnostics } : {});
}

function audit(draft, who, action, target, details = undefined) {
  draft.audit.push({
    id: `aud_${String(draft.audit.length + 1).padStart(8, '0')}`, at: new Date().toISOString(),
    actor: who.actor, source_ip: who.sourceIp ?? null, action, target, ...(details ? { details } : {}),
  });
}

// ---------------------------------------------------------------------------------------------
export async function adminApi(request, app, ctx) {
  if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: { allow: 'GET, POST, PATCH, PUT, DELETE' } });
  const who = await authenticateAdmin(request, app);
  if (who.response) return who.response;
  who.sourceIp = ctx.sourceIp;
  const url = new URL(request.url);
  const segs = url.pathname.split('/').slice(3); // after /admin/v1
  const m = request.method;
  const text = ['POST', 'PATCH', 'PUT', 'DELETE'].includes(m) ? await readText(request, BODY_LIMIT) : '';
  const body = () => (text.trim() === '' ? {} : parseJsonObject(text));
  const write = (fn) => app.idempotency.run(request, `admin:${who.actor}`, text, fn).then((r) => (r instanceof Response ? r : toResponse(r)));
  const [a, b, c, d] = segs;

  if (a === 'firms' && segs.length === 1 && m === 'GET') return json(200, { firms: app.policy.firms });
  if (a === 'workspaces' && segs.length === 1 && m === 'GET') return workspaces(app, url);
  if (a === 'workspaces' && segs.length === 3 && c === 'entities' && m === 'GET') return entities(app, b, url);
  if (a === 'schema' && segs.length === 1 && m === 'GET') return json(200, { schema: app.policy.schema });
  if (a === 'audit' && segs.length === 1 && m === 'GET') return auditLog(app, url);

  if (a === 'filters') {
    if (segs.length === 1 && m === 'GET') return listFilters(app, url);
    if (segs.length === 1 && m === 'POST') return write((ictx) => createFilter(app, who, body(), ictx));
    if (segs.length === 2 && b === 'preview' && m === 'POST') return previewFilter(app, body());
    if (segs.length === 2 && m === 'GET') return getFilter(app, decodeURIComponent(b), url);
    if (segs.length === 2 && m === 'PATCH') {
      if (url.searchParams.get('dry_run') === 'true') return dryRunEdit(app, decodeURIComponent(b), body());
      return write((ictx) => editFilter(app, who, decodeURIComponent(b), body(), ictx));
    }
    if ((segs.length === 2 && m === 'DELETE') || (segs.length === 3 && c === 'archive' && m === 'POST')) {
      return write((ictx) => archiveFilter(app, who, decodeURIComponent(b), ictx));
    }
  }
  if (a === 'keys') {
    if (segs.length === 1 && m === 'GET') return listKeys(app, url);
    if (segs.length === 1 && m === 'POST') return write((ictx) => createKey(app, who, body(), url, ictx));
    if (segs.length === 2 && m === 'GET') return json(200, { key: keyView(app, keyOr404(app.state.state, b)) });
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

function workspaces(app, url) {
  const firmId = url.searchParams.get('firm_id');
  const firm = firmId ? app.policy.firms.find((f) => f.id === firmId) : app.policy.firms[0];
  if (!firm) return errorResponse(404, 'not_found', 'No such firm.');
  const flat = (field) => firm.workspaces.flatMap((w) => (w[field] ?? []).map((x) => ({ ...x, workspace_id: w.id })));
  return json(200, {
    firm: { id: firm.id, name: firm.name ?? firm.id },
    firms: app.policy.firms.map((f) => ({ id: f.id, name: f.name ?? f.id })),
    workspaces: firm.workspaces.map((w) => ({ id: w.id, name: w.name ?? w.id })),
    projects: flat('projects'),
    users: flat('users'),
  });
}

async function entities(app, ws, url) {
  const type = url.searchParams.get('entity_type');
  if (!isUuid(ws) || !app.policy.firmOfWorkspace(ws)) return errorResponse(404, 'not_found', 'No such workspace.');
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
    created_at: rec.created_at, updated_at: rec.updated_at, archived_at: rec.archived_at ?? null,
    keys_holding: app.policy.store.keysHolding(rec.id),
  };
}

function listFilters(app, url) {
  const ws = url.searchParams.get('workspace_id')?.toLowerCase();
  const type = url.searchParams.get('entity_type');
  const withArchived = url.searchParams.get('include_archived') === 'true';
  const stored = Object.values(app.state.state.filters)
    .filter((f) => (!ws || f.workspace_id.toLowerCase() === ws) && (!type || f.entity_type === type) && (withArchived || !f.archived))
    .sort((x, y) => x.created_at.localeCompare(y.created_at) || x.id.localeCompare(y.id))
    .map((f) => filterView(app, f));
  let system = app.policy.systemFilters();
  if (ws) {
    const firm = app.policy.firmOfWorkspace(ws);
    system = system.filter((s) => (s.workspace_id ? s.workspace_id.toLowerCase() === ws : s.firm_id === firm?.id));
  }
  if (type) system = system.filter((s) => s.entity_type === type || s.firm_global);
  return json(200, { filters: [...system, ...stored] });
}

function getFilter(app, id, url) {
  if (id.startsWith('default:')) {
    const ws = url.searchParams.get('workspace_id')?.toLowerCase();
    const found = app.policy.systemFilters().find((s) => s.id === id && (!ws || s.workspace_id?.toLowerCase() === ws || (s.firm_global && app.policy.firmOfWorkspace(ws)?.id === s.firm_id)));
    if (!found) return errorResponse(404, 'not_found', 'No such filter.');
    return json(200, { filter: found });
  }
  const rec = app.state.state.filters[id];
  if (!rec) return errorResponse(404, 'not_found', 'No such filter.');
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
  if (!isUuid(body.workspace_id) || !app.policy.firmOfWorkspace(body.workspace_id)) {
    throw unprocessable('unknown_workspace', 'workspace_id must be one of the firm\'s workspaces.');
  }
  const pred = predicateInput(body);
  if (pred.predicate === undefined && pred.predicate_text === undefined) throw new HttpError(400, 'invalid_body', 'A filter needs "predicate" or "predicate_text".');
  const v = validateFilter(app, { entity_type: body.entity_type, name: body.name ?? '', description: body.description ?? null, ...pred });
  return app.state.mutate((draft) => {
    const now = new Date().toISOString();
    const rec = {
      id: randomId('flt_', 12), workspace_id: body.workspace_id.toLowerCase(), entity_type: body.entity_type,
      name: body.name, description: body.description ?? null, predicate: v.predicate, predicate_text: v.text,
      archived: false, created_at: now, updated_at: now, created_by: who.actor,
    };
    draft.filters[rec.id] = rec;
    audit(draft, who, 'filter.create', { type: 'filter', id: rec.id, name: rec.name });
    return spec(201, { filter: { ...rec, system: false, keys_holding: 0, archived_at: null }, warnings: v.warnings });
  }, { idempotency: ictx });
}

function editable(app, id) {
  if (id.startsWith('default:')) throw unprocessable('system_filter', 'System filters cannot be edited or archived.');
  const rec = app.state.state.filters[id];
  if (!rec) throw new HttpError(404, 'not_found', 'No such filter.');
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

async function dryRunEdit(app, id, body) {
  const rec = editable(app, id);
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
  const rec = editable(app, id);
  if (rec.archived) throw unprocessable('filter_archived', 'An archived filter cannot be edited.');
  const input = editedFilter(app, rec, body);
  const v = validateFilter(app, input);
  return app.state.mutate((draft) => {
    const cur = draft.filters[id];
    if (cur.archived) throw unprocessable('filter_archived', 'An archived filter cannot be edited.');
    Object.assign(cur, { name: input.name, description: input.description, predicate: v.predicate, predicate_text: v.text, updated_at: new Date().toISOString() });
    const affected = app.policy.store.keysHolding(id);
    audit(draft, who, 'filter.edit', { type: 'filter', id, name: cur.name }, { keys_affected: affected, predicate_text: v.text });
    return spec(200, { filter: { ...cur, system: false, keys_holding: affected, archived_at: null }, keys_affected: affected, warnings: v.warnings });
  }, { idempotency: ictx });
}

async function archiveFilter(app, who, id, ictx) {
  editable(app, id);
  return app.state.mutate((draft) => {
    const cur = draft.filters[id];
    if (!cur.archived) {
      cur.archived = true;
      cur.archived_at = new Date().toISOString();
      audit(draft, who, 'filter.archive', { type: 'filter', id, name: cur.name }, { keys_affected: app.policy.store.keysHolding(id) });
    }
    return spec(200, { filter: { ...cur, system: false, keys_holding: app.policy.store.keysHolding(id) } });
  }, { idempotency: ictx });
}

async function previewFilter(app, body) {
  onlyFields(body, ['workspace_id', 'entity_type', 'name', 'description', 'predicate', 'predicate_text']);
  if (!isUuid(body.workspace_id) || !app.policy.firmOfWorkspace(body.workspace_id)) {
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

function keyOr404(state, id) {
  const rec = state.keys[id];
  if (!rec) throw new HttpError(404, 'not_found', 'No such key.');
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

function listKeys(app, url) {
  const firm = url.searchParams.get('firm_id');
  const withRevoked = url.searchParams.get('include_revoked') !== 'false';
  const keys = Object.values(app.state.state.keys)
    .filter((k) => (!firm || k.firm_id === firm) && (withRevoked || !k.revoked))
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

/** SPEC 4.1, by the engine: the key as it would be stored, against the current filters. */
function validateKeyRecord(app, rec) {
  const report = app.policy.store.validateKey(engineKey(rec));
  if (!report.valid) throw unprocessable('invalid_grants', 'The key\'s grants or IP allowlist are not valid.', report.errors);
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
  const firmId = body.firm_id ?? app.policy.firmOfWorkspace(grants.find((g) => g.workspace_id)?.workspace_id ?? '')?.id;
  if (!firmId || !app.policy.firms.some((f) => f.id === firmId)) throw unprocessable('unknown_firm', 'firm_id must name a known firm.');
  const id = randomId('key_', 12);
  const rec = {
    id, name: body.name, firm_id: firmId, environment, client_id: randomId(`pcid_${environment}_`, 16),
    secret_gen: 1, created_at: new Date().toISOString(), created_by: who.actor, revoked: false,
    allowed_ips: checkAllowedIps(body.allowed_ips), grants,
  };
  validateKeyRecord(app, rec);
  const s = await newSecret(app, id, environment);
  Object.assign(rec, { secret_enc: s.secret_enc, secret_hash: s.secret_hash });
  const response = await sealed(app, credentialsSpec(201, rec, s.secret, url, { key: keyView(app, rec) }));
  return app.state.mutate((draft) => {
    draft.keys[id] = rec;
    audit(draft, who, 'key.create', { type: 'key', id, name: rec.name }, { grants: grants.length, environment });
    return response;
  }, { idempotency: ictx });
}

async function revealSecret(app, who, id, url, ictx) {
  const rec = keyOr404(app.state.state, id);
  if (rec.revoked) throw new HttpError(409, 'key_revoked', 'The key is revoked; its secret can no longer be revealed.');
  const secret = await decrypt(app.keys.secrets, rec.secret_enc, id);
  const response = await sealed(app, credentialsSpec(200, rec, secret, url));
  // The audit entry is durable before the secret leaves the gateway.
  return app.state.mutate((draft) => {
    audit(draft, who, 'key.reveal', { type: 'key', id, name: rec.name });
    return response;
  }, { idempotency: ictx });
}

async function regenerate(app, who, id, url, ictx) {
  const rec = keyOr404(app.state.state, id);
  if (rec.revoked) throw new HttpError(409, 'key_revoked', 'A revoked key cannot be regenerated.');
  const s = await newSecret(app, id, rec.environment);
  return app.state.mutate(async (draft) => {
    const k = draft.keys[id];
    Object.assign(k, { secret_enc: s.secret_enc, secret_hash: s.secret_hash, secret_gen: k.secret_gen + 1, secret_regenerated_at: new Date().toISOString() });
    // Tokens minted from the old secret die with it (the generation check refuses them too).
    for (const [sel, t] of Object.entries(draft.tokens)) if (t.key_id === id) delete draft.tokens[sel];
    audit(draft, who, 'key.regenerate', { type: 'key', id, name: k.name });
    return sealed(app, credentialsSpec(200, k, s.secret, url, { key: keyView(app, k) }));
  }, { idempotency: ictx });
}

async function revoke(app, who, id, ictx) {
  keyOr404(app.state.state, id);
  return app.state.mutate((draft) => {
    const k = draft.keys[id];
    if (!k.revoked) {
      Object.assign(k, { revoked: true, revoked_at: new Date().toISOString() });
      for (const [sel, t] of Object.entries(draft.tokens)) if (t.key_id === id) delete draft.tokens[sel];
      audit(draft, who, 'key.revoke', { type: 'key', id, name: k.name });
    }
    return spec(200, { key: keyView(app, k) });
  }, { idempotency: ictx });
}

function changeKey(app, who, id, ictx, action, change) {
  keyOr404(app.state.state, id);
  return app.state.mutate((draft) => {
    const k = draft.keys[id];
    if (k.revoked) throw new HttpError(409, 'key_revoked', 'A revoked key cannot be changed.');
    const { status, details } = change(k);
    // Validated inside the write slot, against exactly the filters this write will see.
    validateKeyRecord(app, k);
    audit(draft, who, action, { type: 'key', id, name: k.name }, details);
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
// Audit log: newest first, cursor = the id of the last entry of the previous page.

function auditLog(app, url) {
  const limit = Math.min(Math.max(Number(url.searchParams.get('limit') ?? 100) || 100, 1), 500);
  const action = url.searchParams.get('action');
  const target = url.searchParams.get('target_id');
  const before = url.searchParams.get('cursor');
  const out = [];
  const log = app.state.state.audit;
  let i = log.length - 1;
  if (before) {
    const at = log.findIndex((e) => e.id === before);
    if (at < 0) throw new HttpError(400, 'invalid_cursor', 'Unknown audit cursor.');
    i = at - 1;
  }
  let next = null;
  for (; i >= 0; i--) {
    const e = log[i];
    if ((action && e.action !== action) || (target && e.target?.id !== target)) continue;
    if (out.length === limit) {
      next = out[out.length - 1].id;
      break;
    }
    out.push(e);
  }
  return json(200, { entries: out, next_cursor: next });
}

export { FIRM_GLOBAL_FILTER };
