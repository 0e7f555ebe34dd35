// The audit log: every admin change appends an entry in the same durable write as the change, and
// an admin lists the entries of the firms it manages.
import { HttpError, json } from '../errors.mjs';
import { sees, entryFirm } from './scope.mjs';

/** An audit entry: who (the admin's id, name and firm), from where, on which firm's object, what. */
export function audit(draft, who, firmId, action, target, details = undefined) {
  draft.audit.push({
    id: `aud_${String(draft.audit.length + 1).padStart(8, '0')}`, at: new Date().toISOString(),
    actor: who.name, actor_id: who.id, actor_firm_id: who.firmId, source_ip: who.sourceIp ?? null,
    firm_id: firmId, action, target, ...(details ? { details } : {}),
  });
}

/** GET /audit: newest first, cursor = the id of the last entry of the previous page. */
export function listAuditLog(app, who, url) {
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
