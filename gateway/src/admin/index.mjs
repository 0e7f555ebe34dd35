// Admin API (/admin/v1): filters, keys, admin credentials and the audit log, for a firm admin and
// for the builder. Authenticated by an admin credential, never by an integration key. Every change
// is one StateStore.write (one transaction, durable before the answer) with its audit entry; the
// engine validates filters and grants.
//
// Two kinds of admin: an operator (PORTCULLIS_ADMIN_TOKEN[S], configured) manages every firm; a
// firm admin (a credential stored in the state, made through /admins) manages one firm. Every
// object of another firm is, to a firm admin, exactly an object that does not exist: the same 404,
// the same 422 code and message when it is named in a body, absent from every list (scope.mjs).
//
// This module authenticates the admin and routes; each resource has a module of its own.
import { json, missingCredentials, invalidToken, errorResponse } from '../errors.mjs';
import { readText, parseJsonObject } from '../body.mjs';
import { toResponse } from '../replies.mjs';
import { sha256, timingSafeEqual } from '../crypto.mjs';
import { firmsOf } from './scope.mjs';
import { unprocessable } from './checks.mjs';
import { listAuditLog } from './audit.mjs';
import { listWorkspaces, listEntities, listValues } from './workspaces.mjs';
import { listAdmins, getAdmin, createAdmin, revokeAdmin, ADMIN_TOKEN_PREFIX } from './admins.mjs';
import {
  listFilters, getFilter, createFilter, previewFilter, previewPredicate, dryRunFilterEdit, editFilter, archiveFilter,
} from './filters.mjs';
import {
  listKeys, getKey, createKey, revealSecret, regenerateSecret, revokeKey, addGrant, removeGrant, setAllowedIps,
} from './keys.mjs';

const ADMIN_REALM = 'portcullis-admin';
const BODY_LIMIT = 256 * 1024;

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
  if (operator) {
    await app.state.fresh(null);
    return { who: { id: `operator:${operator.name}`, name: operator.name, firmId: null } };
  }
  const routed = await app.state.freshFor(app.policy.firmOfCredential(m[1], [ADMIN_TOKEN_PREFIX])?.id ?? null);
  const rec = routed ? app.state.view.adminBySelector.get(hex.slice(0, 16)) : undefined;
  if (!rec || !timingSafeEqual(hex, rec.token_hash) || rec.revoked) return { response: invalidToken(ADMIN_REALM) };
  return { who: { id: rec.id, name: rec.name, firmId: rec.firm_id } };
}

/** Routes one /admin/v1 request: authenticates the admin, then hands it to the resource's module. */
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
  const write = (fn) => app.idempotency.run(request, `admin:${who.id}`, who.firmId, text, fn).then((r) => (r instanceof Response ? r : toResponse(r)));
  const [a, b, c, d] = segs;

  if (a === 'me' && segs.length === 1 && m === 'GET') return json(200, { admin: { id: who.id, name: who.name, firm_id: who.firmId, operator: who.firmId === null } });
  if (a === 'firms' && segs.length === 1 && m === 'GET') return json(200, { firms: firmsOf(app, who) });
  if (a === 'workspaces' && segs.length === 1 && m === 'GET') return listWorkspaces(app, who, url);
  if (a === 'workspaces' && segs.length === 3 && c === 'entities' && m === 'GET') return listEntities(app, who, b, url);
  if (a === 'workspaces' && segs.length === 3 && c === 'values' && m === 'GET') return listValues(app, who, b, url);
  if (a === 'schema' && segs.length === 1 && m === 'GET') return json(200, { schema: app.policy.schema });
  if (a === 'audit' && segs.length === 1 && m === 'GET') return listAuditLog(app, who, url);
  if (a === 'predicates' && segs.length === 2 && b === 'preview' && m === 'POST') return previewPredicate(app, who, body());

  if (a === 'admins') {
    if (segs.length === 1 && m === 'GET') return listAdmins(app, who, url);
    if (segs.length === 1 && m === 'POST') return write((ictx) => createAdmin(app, who, body(), ictx));
    if (segs.length === 2 && m === 'GET') return getAdmin(app, who, b);
    if (segs.length === 3 && m === 'POST' && c === 'revoke') return write((ictx) => revokeAdmin(app, who, b, ictx));
  }
  if (a === 'filters') {
    if (segs.length === 1 && m === 'GET') return listFilters(app, who, url);
    if (segs.length === 1 && m === 'POST') return write((ictx) => createFilter(app, who, body(), ictx));
    if (segs.length === 2 && b === 'preview' && m === 'POST') return previewFilter(app, who, body());
    if (segs.length === 2 && m === 'GET') return getFilter(app, who, decodeURIComponent(b), url);
    if (segs.length === 2 && m === 'PATCH') {
      if (url.searchParams.get('dry_run') === 'true') return dryRunFilterEdit(app, who, decodeURIComponent(b), body());
      return write((ictx) => editFilter(app, who, decodeURIComponent(b), body(), ictx));
    }
    if ((segs.length === 2 && m === 'DELETE') || (segs.length === 3 && c === 'archive' && m === 'POST')) {
      return write((ictx) => archiveFilter(app, who, decodeURIComponent(b), ictx));
    }
  }
  if (a === 'keys') {
    if (segs.length === 1 && m === 'GET') return listKeys(app, who, url);
    if (segs.length === 1 && m === 'POST') return write((ictx) => createKey(app, who, body(), url, ictx));
    if (segs.length === 2 && m === 'GET') return getKey(app, who, b);
    if (segs.length === 3 && m === 'POST' && c === 'reveal') return write((ictx) => revealSecret(app, who, b, url, ictx));
    if (segs.length === 3 && m === 'POST' && c === 'regenerate') return write((ictx) => regenerateSecret(app, who, b, url, ictx));
    if (segs.length === 3 && m === 'POST' && c === 'revoke') return write((ictx) => revokeKey(app, who, b, ictx));
    if (segs.length === 3 && m === 'POST' && c === 'grants') return write((ictx) => addGrant(app, who, b, body(), ictx));
    if (segs.length === 4 && m === 'DELETE' && c === 'grants') return write((ictx) => removeGrant(app, who, b, d, ictx));
    if (segs.length === 3 && m === 'PUT' && c === 'allowed_ips') return write((ictx) => setAllowedIps(app, who, b, body(), ictx));
    if (segs.length === 2 && m === 'PATCH') throw unprocessable('name_immutable', 'A key cannot be edited; its name is fixed at creation. Use the grants and allowed_ips endpoints.');
  }
  return errorResponse(404, 'not_found', 'No such admin resource or method.');
}
