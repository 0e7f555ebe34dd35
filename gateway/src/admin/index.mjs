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
import { limitAdminWrite } from '../rate-limits.mjs';
import { sha256, timingSafeEqual } from '../crypto.mjs';
import { firmsOf } from './scope.mjs';
import { unprocessable, queryParams, boolParam } from './checks.mjs';
import { listAuditLog, AUDIT_PARAMS } from './audit.mjs';
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

/**
 * GET /status, for an operator only (to a firm admin it is a path that does not exist): what
 * /healthz no longer tells anyone, the store this instance runs on, how many changes it has
 * applied, the settings that bound what callers may do, and its freshness lease with the number
 * of checks that reached the store.
 */
function status(app) {
  const c = app.config;
  return json(200, {
    ok: true, store: app.state.kind, version: app.state.version(), public_base_url: c.publicBaseUrl,
    limits: {
      token_rate_limit: c.tokenRate.text, token_max_per_key: c.tokenMaxPerKey,
      admin_write_rate_limit: c.adminWriteRate.text, body_timeout_ms: c.bodyTimeoutMs,
    },
    freshness: { lease_ms: app.state.leaseMs, store_checks: app.state.storeChecks },
  });
}

// The admin API's routes: method, path (the segments after /admin/v1; `:x` is any one segment,
// percent-decoded), the query parameters the endpoint takes, and its handler. Every request's
// query is checked against its route's parameters before the handler runs (checks.queryParams:
// each at most once, none the endpoint does not take; 400 `invalid_query`): no handler reads the
// URL's query itself. `operator`: a route only an operator has (to a firm admin, a path that does
// not exist).
const ROUTES = [
  ['GET', 'status', [], (r) => status(r.app), { operator: true }],
  ['GET', 'me', [], (r) => json(200, { admin: { id: r.who.id, name: r.who.name, firm_id: r.who.firmId, operator: r.who.firmId === null } })],
  ['GET', 'firms', [], (r) => json(200, { firms: firmsOf(r.app, r.who) })],
  ['GET', 'workspaces', ['firm_id'], (r) => listWorkspaces(r.app, r.who, r.query)],
  ['GET', 'workspaces/:ws/entities', ['entity_type', 'limit', 'cursor'], (r) => listEntities(r.app, r.who, r.args.ws, r.query)],
  ['GET', 'workspaces/:ws/values', ['entity_type', 'attribute', 'limit'], (r) => listValues(r.app, r.who, r.args.ws, r.query)],
  ['GET', 'schema', [], (r) => json(200, { schema: r.app.policy.schema })],
  ['GET', 'audit', AUDIT_PARAMS, (r) => listAuditLog(r.app, r.who, r.query)],
  ['POST', 'predicates/preview', [], (r) => previewPredicate(r.app, r.who, r.body())],

  ['GET', 'admins', ['firm_id'], (r) => listAdmins(r.app, r.who, r.query)],
  ['POST', 'admins', [], (r) => r.write((ictx) => createAdmin(r.app, r.who, r.body(), ictx))],
  ['GET', 'admins/:id', [], (r) => getAdmin(r.app, r.who, r.args.id)],
  ['POST', 'admins/:id/revoke', [], (r) => r.write((ictx) => revokeAdmin(r.app, r.who, r.args.id, ictx))],

  ['GET', 'filters', ['workspace_id', 'entity_type', 'include_archived'], (r) => listFilters(r.app, r.who, r.query)],
  ['POST', 'filters', [], (r) => r.write((ictx) => createFilter(r.app, r.who, r.body(), ictx))],
  ['POST', 'filters/preview', [], (r) => previewFilter(r.app, r.who, r.body())],
  ['GET', 'filters/:id', ['workspace_id'], (r) => getFilter(r.app, r.who, r.args.id, r.query)],
  // dry_run is exactly `true` or `false` (boolParam): any other value is a 400, never an edit.
  ['PATCH', 'filters/:id', ['dry_run'], (r) => (boolParam(r.query, 'dry_run', false)
    ? dryRunFilterEdit(r.app, r.who, r.args.id, r.body())
    : r.write((ictx) => editFilter(r.app, r.who, r.args.id, r.body(), ictx)))],
  ['DELETE', 'filters/:id', [], (r) => r.write((ictx) => archiveFilter(r.app, r.who, r.args.id, ictx))],
  ['POST', 'filters/:id/archive', [], (r) => r.write((ictx) => archiveFilter(r.app, r.who, r.args.id, ictx))],

  ['GET', 'keys', ['firm_id', 'include_revoked'], (r) => listKeys(r.app, r.who, r.query)],
  ['POST', 'keys', ['format'], (r) => r.write((ictx) => createKey(r.app, r.who, r.body(), r.query, ictx))],
  ['GET', 'keys/:id', [], (r) => getKey(r.app, r.who, r.args.id)],
  ['PATCH', 'keys/:id', [], () => {
    throw unprocessable('name_immutable', 'A key cannot be edited; its name is fixed at creation. Use the grants and allowed_ips endpoints.');
  }],
  ['POST', 'keys/:id/reveal', ['format'], (r) => r.write((ictx) => revealSecret(r.app, r.who, r.args.id, r.query, ictx))],
  ['POST', 'keys/:id/regenerate', ['format'], (r) => r.write((ictx) => regenerateSecret(r.app, r.who, r.args.id, r.query, ictx))],
  ['POST', 'keys/:id/revoke', [], (r) => r.write((ictx) => revokeKey(r.app, r.who, r.args.id, ictx))],
  ['POST', 'keys/:id/grants', [], (r) => r.write((ictx) => addGrant(r.app, r.who, r.args.id, r.body(), ictx))],
  ['DELETE', 'keys/:id/grants/:grant', [], (r) => r.write((ictx) => removeGrant(r.app, r.who, r.args.id, r.args.grant, ictx))],
  ['PUT', 'keys/:id/allowed_ips', [], (r) => r.write((ictx) => setAllowedIps(r.app, r.who, r.args.id, r.body(), ictx))],
].map(([method, path, params, run, opts = {}]) => ({ method, path: path.split('/'), params, run, operator: !!opts.operator }));

/**
 * The route of a request and its path parameters (`{route, args}`), or null: none, or a path
 * parameter that is not valid percent-encoding (which names nothing).
 */
function routeOf(method, segs, who) {
  for (const route of ROUTES) {
    if (route.method !== method || route.path.length !== segs.length || (route.operator && who.firmId !== null)) continue;
    const args = new Map();
    let ok = true;
    for (let i = 0; i < segs.length && ok; i += 1) {
      const p = route.path[i];
      if (p.startsWith(':')) {
        try {
          args.set(p.slice(1), decodeURIComponent(segs[i]));
        } catch {
          ok = false;
        }
      } else {
        ok = p === segs[i];
      }
    }
    if (ok) return { route, args: Object.fromEntries(args) };
  }
  return null;
}

/** Routes one /admin/v1 request: authenticates the admin, checks the query, then hands it to the resource's module. */
export async function adminApi(request, app, ctx) {
  if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: { allow: 'GET, POST, PATCH, PUT, DELETE' } });
  const auth = await authenticateAdmin(request, app);
  if (auth.response) return auth.response;
  const who = { ...auth.who, sourceIp: ctx.sourceIp };
  const url = new URL(request.url);
  const segs = url.pathname.split('/').slice(3); // after /admin/v1
  const m = request.method;
  const text = ['POST', 'PATCH', 'PUT', 'DELETE'].includes(m) ? await readText(request, BODY_LIMIT) : '';
  const found = routeOf(m, segs, who);
  if (!found) return errorResponse(404, 'not_found', 'No such admin resource or method.');
  const write = async (fn) => {
    await limitAdminWrite(app, who);
    const r = await app.idempotency.run(request, `admin:${who.id}`, who.firmId, text, fn);
    return r instanceof Response ? r : toResponse(r);
  };
  return found.route.run({
    app, who, args: found.args, query: queryParams(url, found.route.params),
    body: () => (text.trim() === '' ? {} : parseJsonObject(text)), write,
  });
}
