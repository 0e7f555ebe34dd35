// The audit log: every admin change appends an entry in the same transaction as the change
// (append-only, ids in time order), and an admin lists the entries of the firms it manages, newest
// first, a page at a time.
import { HttpError, json } from '../errors.mjs';
import { sees } from './scope.mjs';

/** An audit entry: who (the admin's id, name and firm), from where, on which firm's object, what. */
export function audit(tx, who, firmId, action, target, details = undefined) {
  tx.audit({
    at: new Date().toISOString(),
    actor: who.name, actor_id: who.id, actor_firm_id: who.firmId, source_ip: who.sourceIp ?? null,
    firm_id: firmId, action, target, ...(details ? { details } : {}),
  });
}

const CURSOR_RE = /^aud_[0-9]{31}(_[A-Za-z0-9_-]{22})?$/;

/** GET /audit: newest first, cursor = the id of the last entry of the previous page. */
export async function listAuditLog(app, who, url) {
  const limit = Math.min(Math.max(Number(url.searchParams.get('limit') ?? 100) || 100, 1), 500);
  const firms = who.firmId === null ? null : [who.firmId];
  const before = url.searchParams.get('cursor');
  if (before !== null) {
    // A cursor is an entry this admin can see; any other string is refused alike.
    const found = CURSOR_RE.test(before) ? await app.state.auditFirm(before, firms) : null;
    if (!found || !sees(who, found.firm)) throw new HttpError(400, 'invalid_cursor', 'Unknown audit cursor.');
  }
  const entries = await app.state.audit(firms, {
    before, limit: limit + 1, action: url.searchParams.get('action'),
    target: url.searchParams.get('target_id'), actor: url.searchParams.get('actor_id'),
  });
  const page = entries.slice(0, limit);
  return json(200, { entries: page, next_cursor: entries.length > limit ? page[page.length - 1].id : null });
}
