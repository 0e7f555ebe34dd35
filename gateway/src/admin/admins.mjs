// Admin credentials of a firm. The token is shown once, at creation; only its SHA-256 is stored
// (it is a password, not a secret an integrator must be able to see again). An operator manages
// every firm's admins; a firm admin manages its own firm's (seed 000: "ask another firm admin").
import { HttpError, json } from '../errors.mjs';
import { onlyFields } from '../body.mjs';
import { reply } from '../replies.mjs';
import { randomId, sha256hex } from '../crypto.mjs';
import { routedId } from '../routes.mjs';
import { sameId, sees, firmsOf } from './scope.mjs';
import { charCount, unprocessable, idParam } from './checks.mjs';
import { audit } from './audit.mjs';
import { sealReply } from './sealed-replies.mjs';

export const ADMIN_TOKEN_PREFIX = 'pcadm_';

function adminView(rec) {
  return {
    id: rec.id, name: rec.name, firm_id: rec.firm_id, created_at: rec.created_at, created_by: rec.created_by,
    revoked: !!rec.revoked, revoked_at: rec.revoked_at ?? null,
  };
}

function adminOr404(app, who, id) {
  const rec = app.state.view.admins.get(id);
  if (!rec || !sees(who, rec.firm_id)) throw new HttpError(404, 'not_found', 'No such admin.');
  return rec;
}

/** GET /admins/{id}. */
export function getAdmin(app, who, id) {
  return json(200, { admin: adminView(adminOr404(app, who, id)) });
}

/** GET /admins[?firm_id=]. */
export function listAdmins(app, who, params) {
  const firm = idParam(params, 'firm_id');
  const admins = [...app.state.view.admins.values()]
    .filter((x) => sees(who, x.firm_id) && (!firm || sameId(x.firm_id, firm)))
    .sort((x, y) => x.created_at.localeCompare(y.created_at) || x.id.localeCompare(y.id))
    .map(adminView);
  return json(200, { admins });
}

export async function createAdmin(app, who, body, ictx) {
  onlyFields(body, ['name', 'firm_id']);
  if (typeof body.name !== 'string' || body.name.trim() === '') throw unprocessable('name_required', 'An admin credential needs a descriptive name.');
  if (charCount(body.name) > 255) throw unprocessable('name_too_long', 'A name is at most 255 characters.');
  const firm = firmsOf(app, who).find((f) => sameId(f.id, body.firm_id ?? who.firmId));
  if (!firm) throw unprocessable('unknown_firm', 'firm_id must name a known firm.');
  const token = routedId(ADMIN_TOKEN_PREFIX, firm.id, 32);
  const rec = {
    id: randomId('adm_', 12), name: body.name, firm_id: firm.id, token_hash: await sha256hex(token),
    created_at: new Date().toISOString(), created_by: who.id, revoked: false,
  };
  const response = await sealReply(app, reply(201, { admin: adminView(rec), token }));
  return app.state.write(firm.id, (tx) => {
    tx.putAdmin(rec);
    audit(tx, who, firm.id, 'admin.create', { type: 'admin', id: rec.id, name: rec.name });
    return response;
  }, { idempotency: ictx });
}

export function revokeAdmin(app, who, id, ictx) {
  const rec = adminOr404(app, who, id);
  return app.state.write(rec.firm_id, (tx) => {
    const x = tx.admin(id);
    if (!x.revoked) {
      Object.assign(x, { revoked: true, revoked_at: new Date().toISOString() });
      tx.putAdmin(x);
      audit(tx, who, x.firm_id, 'admin.revoke', { type: 'admin', id, name: x.name });
    }
    return reply(200, { admin: adminView(x) });
  }, { idempotency: ictx });
}
