// Who sees what: the firms, workspaces, filters and audit entries an admin manages. An operator
// (firmId null) manages every firm; a firm admin one. Firm ids are UUIDs and compare
// case-insensitively (SPEC 1).

export const sameId = (x, y) => typeof x === 'string' && typeof y === 'string' && x.toLowerCase() === y.toLowerCase();

/** Whether the admin manages this firm (an operator manages every firm). */
export function sees(who, firmId) {
  return who.firmId === null || sameId(who.firmId, firmId);
}

/** The firms the admin manages. */
export function firmsOf(app, who) {
  return app.policy.firms.filter((f) => sees(who, f.id));
}

/** The id of the firm a stored filter belongs to (through its workspace), else null. */
export function filterFirm(app, rec) {
  return app.policy.firmOfWorkspace(rec.workspace_id)?.id ?? null;
}

/** The firm of a workspace the admin manages, else null (no such workspace, or another firm's). */
export function visibleWorkspace(app, who, ws) {
  if (app.engine.canonicalUuid(ws) === null) return null;
  const firm = app.policy.firmOfWorkspace(ws);
  return firm && sees(who, firm.id) ? firm : null;
}
