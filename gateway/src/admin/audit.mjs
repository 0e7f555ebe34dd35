// The audit log: every admin change appends an entry in the same transaction as the change
// (append-only, ids in time order), and an admin lists the entries of the firms it manages, newest
// first, a page at a time, optionally only those about one key, one filter, one action or actor.
import { HttpError, json } from '../errors.mjs';
import { sees } from './scope.mjs';
import { limitOf, idParam } from './checks.mjs';

/**
 * An audit entry: who (the admin's id, name and firm), from where, on which firm's object, what.
 * `filterIds` are the filters the entry concerns besides its target (the filters of the grants a
 * key change adds or removes); with a filter target they are recorded as `filter_ids`, which the
 * store indexes for `GET /audit?filter_id=`.
 */
export function audit(tx, who, firmId, action, target, details = undefined, filterIds = []) {
  const filters = [...new Set([...(target.type === 'filter' ? [target.id] : []), ...filterIds])];
  tx.audit({
    at: new Date().toISOString(),
    actor: who.name, actor_id: who.id, actor_firm_id: who.firmId, source_ip: who.sourceIp ?? null,
    firm_id: firmId, action, target, filter_ids: filters, ...(details ? { details } : {}),
  });
}

/** A grant as an audit entry's details record it. */
export function grantDetails(g) {
  return { workspace_id: g.workspace_id ?? null, filter: g.filter, actions: g.actions };
}

const CURSOR_RE = /^aud_[0-9]{31}(_[A-Za-z0-9_-]{22})?$/;
/** The query parameters GET /audit takes. */
export const AUDIT_PARAMS = ['action', 'target_id', 'actor_id', 'key_id', 'filter_id', 'limit', 'cursor'];
const LIMIT_DEFAULT = 100;
const LIMIT_MAX = 500;

/**
 * GET /audit: newest first, cursor = the id of the last entry of the previous page (the next page
 * takes the same parameters). `key_id`: entries whose target is that key; `filter_id`: entries
 * whose target is that filter and key entries that grant or remove it. Another firm's id matches
 * nothing for a firm admin: the store reads only the entries of the firms the admin manages.
 * `params`: the query, checked against AUDIT_PARAMS (checks.queryParams).
 */
export async function listAuditLog(app, who, params) {
  const limit = limitOf(params, LIMIT_DEFAULT, LIMIT_MAX);
  const q = {
    action: idParam(params, 'action'), target: idParam(params, 'target_id'), actor: idParam(params, 'actor_id'),
    key: idParam(params, 'key_id'), filter: idParam(params, 'filter_id'),
  };
  const firms = who.firmId === null ? null : [who.firmId];
  const before = params.get('cursor') ?? null;
  if (before !== null) {
    // A cursor is an entry this admin can see; any other string is refused alike.
    const found = CURSOR_RE.test(before) ? await app.state.auditFirm(before, firms) : null;
    if (!found || !sees(who, found.firm)) throw new HttpError(400, 'invalid_cursor', 'Unknown audit cursor.');
  }
  const entries = await app.state.audit(firms, { ...q, before, limit: limit + 1 });
  const page = entries.slice(0, limit);
  return json(200, { entries: page, next_cursor: entries.length > limit ? page[page.length - 1].id : null });
}
