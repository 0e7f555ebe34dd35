// Integration keys: a firm's API credentials (client id and secret) and their grants and IP
// allowlist. The secret is stored encrypted, shown on creation, reveal and regeneration; grants are
// validated by the engine against the current filters.
import { HttpError, json } from '../errors.mjs';
import { onlyFields, engineInput } from '../body.mjs';
import { reply, textReply } from '../replies.mjs';
import { randomId, sha256, b64url, encrypt, decrypt } from '../crypto.mjs';
import { routedId } from '../routes.mjs';
import { engineKey } from '../policy.mjs';
import { sameId, sees, firmsOf } from './scope.mjs';
import { charCount, unprocessable, idParam, boolParam } from './checks.mjs';
import { audit, grantDetails } from './audit.mjs';
import { sealReply } from './sealed-replies.mjs';

function keyOr404(app, who, id) {
  const rec = app.state.view.keys.get(id);
  if (!rec || !sees(who, rec.firm_id)) throw new HttpError(404, 'not_found', 'No such key.');
  return rec;
}

/**
 * What a key's grants name, for the key view: each grant's filter (name and entity type) and
 * workspace (name), so a list of keys can be summarised without more calls. The system filters of
 * a firm are asked of the engine once per firm and view.
 */
function grantNames(app) {
  const systemTypes = new Map(); // firm id -> Map(system filter id -> entity type)
  const systemType = (firm, id) => {
    if (!systemTypes.has(firm.id)) {
      const list = app.engine.systemFilters({ id: firm.id, workspaces: firm.workspaces.map((w) => w.id) });
      systemTypes.set(firm.id, new Map(list.map((s) => [s.id, s.entity_type ?? null])));
    }
    return systemTypes.get(firm.id).get(id) ?? null;
  };
  return (rec, g) => {
    const ws = g.workspace_id ?? null;
    const firm = app.policy.firm(rec.firm_id);
    const workspace = ws === null ? null : firm?.workspaces.find((w) => w.id.toLowerCase() === ws.toLowerCase()) ?? null;
    const stored = app.state.view.filters.get(g.filter);
    return {
      ...g, workspace_id: ws, workspace_name: workspace ? workspace.name ?? workspace.id : null,
      filter_name: stored?.name ?? g.filter,
      entity_type: stored ? stored.entity_type : (firm && app.engine.isSystemFilter(g.filter) ? systemType(firm, g.filter) : null),
    };
  };
}

/** A key as the admin API shows it; `lastUsed` from StateStore.lastUsed, `names` from grantNames. */
function keyView(app, rec, lastUsed = new Map(), names = grantNames(app)) {
  return {
    id: rec.id, name: rec.name, firm_id: rec.firm_id, environment: rec.environment, client_id: rec.client_id,
    created_at: rec.created_at, created_by: rec.created_by, revoked: !!rec.revoked, revoked_at: rec.revoked_at ?? null,
    secret_regenerated_at: rec.secret_regenerated_at ?? null, allowed_ips: rec.allowed_ips ?? null,
    last_used_at: lastUsed.get(rec.id) ?? null,
    grants: rec.grants.map((g) => names(rec, g)),
  };
}

/** GET /keys/{id}. */
export async function getKey(app, who, id) {
  const rec = keyOr404(app, who, id);
  return json(200, { key: keyView(app, rec, await app.state.lastUsed([rec])) });
}

/** GET /keys[?firm_id=&include_revoked=true|false]: oldest first. */
export async function listKeys(app, who, params) {
  const firm = idParam(params, 'firm_id');
  const withRevoked = boolParam(params, 'include_revoked', true);
  const keys = [...app.state.view.keys.values()]
    .filter((k) => sees(who, k.firm_id) && (!firm || sameId(k.firm_id, firm)) && (withRevoked || !k.revoked))
    .sort((x, y) => x.created_at.localeCompare(y.created_at) || x.id.localeCompare(y.id));
  const lastUsed = await app.state.lastUsed(keys);
  const names = grantNames(app);
  return json(200, { keys: keys.map((k) => keyView(app, k, lastUsed, names)) });
}

function checkGrantShape(g, i) {
  if (!g || typeof g !== 'object' || Array.isArray(g)) throw new HttpError(400, 'invalid_body', `grants[${i}] must be an object.`);
  onlyFields(g, ['workspace_id', 'filter', 'actions'], `grants[${i}]`);
  if (typeof g.filter !== 'string') throw new HttpError(400, 'invalid_body', `grants[${i}].filter must be a string.`);
  if (!Array.isArray(g.actions) || !g.actions.every((a) => typeof a === 'string')) throw new HttpError(400, 'invalid_body', `grants[${i}].actions must be an array of strings.`);
  if (g.workspace_id !== undefined && g.workspace_id !== null && typeof g.workspace_id !== 'string') throw new HttpError(400, 'invalid_body', `grants[${i}].workspace_id must be a string.`);
  return { id: randomId('grt_', 9), ...(g.workspace_id ? { workspace_id: g.workspace_id.toLowerCase() } : {}), filter: g.filter, actions: g.actions };
}

/**
 * The engine validates the key as the change would leave it, against the current filters:
 * `previous` is the key before the change (its kept grants may name filters archived since),
 * and the admin's firm makes another firm's filters read as filters that do not exist.
 */
function validateKeyRecord(app, who, rec, previous = null) {
  const report = engineInput(() => app.policy.store.validateKeyChange({ key: engineKey(rec), previous, viewer_firm: who.firmId }));
  if (report.valid) return;
  throw unprocessable('invalid_grants', 'The key\'s grants or IP allowlist are not valid.', report.errors);
}

function checkAllowedIps(v) {
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new HttpError(400, 'invalid_body', 'allowed_ips must be an array of strings, or null.');
  return v;
}

/** `format=env|json` (json when absent): how the credentials are answered. Anything else is a 400. */
function envFormat(params) {
  const v = params.get('format');
  if (v === undefined || v === 'json') return false;
  if (v === 'env') return true;
  throw new HttpError(400, 'invalid_query', 'Query parameter "format" is "env" or "json".');
}

function credentialsReply(status, rec, secret, env, extra = {}) {
  if (env) {
    const text = `# portcullis API credentials for "${rec.name}" (${rec.environment})\nPORTCULLIS_CLIENT_ID=${rec.client_id}\nPORTCULLIS_CLIENT_SECRET=${secret}\n`;
    return textReply(status, text, { 'content-disposition': 'attachment; filename="portcullis.env"' });
  }
  return reply(status, { ...extra, client_id: rec.client_id, client_secret: secret });
}

async function newSecret(app, keyId, environment) {
  const secret = randomId(`pcs_${environment}_`, 32);
  return {
    secret,
    secret_enc: await encrypt(app.keys.secrets, secret, keyId),
    secret_hash: b64url(await sha256(secret)),
  };
}

export async function createKey(app, who, body, params, ictx) {
  const env = envFormat(params);
  onlyFields(body, ['name', 'firm_id', 'environment', 'grants', 'allowed_ips']);
  if (typeof body.name !== 'string' || body.name.trim() === '') throw unprocessable('name_required', 'A key needs a descriptive name.');
  if (charCount(body.name) > 255) throw unprocessable('name_too_long', 'A key name is at most 255 characters.');
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
    id, name: body.name, firm_id: firm.id, environment, client_id: routedId(`pcid_${environment}_`, firm.id, 16),
    secret_gen: 1, created_at: new Date().toISOString(), created_by: who.id, revoked: false,
    allowed_ips: checkAllowedIps(body.allowed_ips), grants,
  };
  validateKeyRecord(app, who, rec);
  const s = await newSecret(app, id, environment);
  Object.assign(rec, { secret_enc: s.secret_enc, secret_hash: s.secret_hash });
  const response = await sealReply(app, credentialsReply(201, rec, s.secret, env, { key: keyView(app, rec) }));
  return app.state.write(rec.firm_id, (tx) => {
    // Again against the filters current when the write commits (another instance may have
    // archived one meanwhile).
    validateKeyRecord(app, who, rec);
    tx.putKey(rec);
    audit(tx, who, rec.firm_id, 'key.create', { type: 'key', id, name: rec.name },
      { grants: grants.map(grantDetails), environment }, grants.map((g) => g.filter));
    return response;
  }, { idempotency: ictx });
}

export async function revealSecret(app, who, id, params, ictx) {
  const env = envFormat(params);
  const rec = keyOr404(app, who, id);
  if (rec.revoked) throw new HttpError(409, 'key_revoked', 'The key is revoked; its secret can no longer be revealed.');
  // The audit entry is durable before the secret leaves the gateway, and the secret is the one
  // current when it commits (not one a concurrent regeneration replaced).
  return app.state.write(rec.firm_id, async (tx) => {
    const k = tx.key(id);
    if (k.revoked) throw new HttpError(409, 'key_revoked', 'The key is revoked; its secret can no longer be revealed.');
    const secret = await decrypt(app.keys.secrets, k.secret_enc, id);
    audit(tx, who, k.firm_id, 'key.reveal', { type: 'key', id, name: k.name });
    return sealReply(app, credentialsReply(200, k, secret, env));
  }, { idempotency: ictx });
}

export async function regenerateSecret(app, who, id, params, ictx) {
  const env = envFormat(params);
  const rec = keyOr404(app, who, id);
  if (rec.revoked) throw new HttpError(409, 'key_revoked', 'A revoked key cannot be regenerated.');
  const s = await newSecret(app, id, rec.environment);
  return app.state.write(rec.firm_id, async (tx) => {
    const k = tx.key(id);
    if (k.revoked) throw new HttpError(409, 'key_revoked', 'A revoked key cannot be regenerated.');
    Object.assign(k, { secret_enc: s.secret_enc, secret_hash: s.secret_hash, secret_gen: k.secret_gen + 1, secret_regenerated_at: new Date().toISOString() });
    tx.putKey(k);
    // Tokens minted from the old secret die with it (the generation check refuses them too).
    tx.dropTokens(id);
    audit(tx, who, k.firm_id, 'key.regenerate', { type: 'key', id, name: k.name });
    return sealReply(app, credentialsReply(200, k, s.secret, env, { key: keyView(app, k) }));
  }, { idempotency: ictx });
}

export async function revokeKey(app, who, id, ictx) {
  const rec = keyOr404(app, who, id);
  return app.state.write(rec.firm_id, (tx) => {
    const k = tx.key(id);
    if (!k.revoked) {
      Object.assign(k, { revoked: true, revoked_at: new Date().toISOString() });
      tx.putKey(k);
      tx.dropTokens(id);
      audit(tx, who, k.firm_id, 'key.revoke', { type: 'key', id, name: k.name });
    }
    return reply(200, { key: keyView(app, k) });
  }, { idempotency: ictx });
}

function changeKey(app, who, id, ictx, action, change) {
  const rec = keyOr404(app, who, id);
  return app.state.write(rec.firm_id, (tx) => {
    const k = tx.key(id);
    if (k.revoked) throw new HttpError(409, 'key_revoked', 'A revoked key cannot be changed.');
    const previous = engineKey(k);
    const { status, details, filters = [] } = change(k);
    // Validated inside the write, against exactly the filters current when it commits.
    validateKeyRecord(app, who, k, previous);
    tx.putKey(k);
    audit(tx, who, k.firm_id, action, { type: 'key', id, name: k.name }, details, filters);
    return reply(status, { key: keyView(app, k) });
  }, { idempotency: ictx });
}

export function addGrant(app, who, id, body, ictx) {
  const grant = checkGrantShape(body, 0);
  return changeKey(app, who, id, ictx, 'key.grant_add', (k) => {
    k.grants.push(grant);
    return { status: 201, details: grantDetails(grant), filters: [grant.filter] };
  });
}

export function removeGrant(app, who, id, grantId, ictx) {
  return changeKey(app, who, id, ictx, 'key.grant_remove', (k) => {
    const i = k.grants.findIndex((g) => g.id === grantId);
    if (i < 0) throw new HttpError(404, 'not_found', 'No such grant on this key.');
    const [g] = k.grants.splice(i, 1);
    return { status: 200, details: grantDetails(g), filters: [g.filter] };
  });
}

export function setAllowedIps(app, who, id, body, ictx) {
  onlyFields(body, ['allowed_ips']);
  const ips = checkAllowedIps(body.allowed_ips);
  return changeKey(app, who, id, ictx, 'key.allowed_ips', (k) => {
    k.allowed_ips = ips;
    return { status: 200, details: { allowed_ips: ips } };
  });
}
