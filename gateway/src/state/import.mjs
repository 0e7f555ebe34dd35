// Import of a state document in the earlier single-file format (DIR/state.json, one JSON object
// rewritten whole on every write) into a store that was never written to: its filters, keys,
// admins, audit log, idempotency records, live access tokens and keys' last-used times, all in
// one transaction. Audit entries get ids of the store's format, in their original order.

/** Import `doc` through the application's state store (a store of one partition). */
export async function importDocument(app, doc) {
  if (!doc || doc.format !== 1 || typeof doc.keys !== 'object' || typeof doc.filters !== 'object') {
    throw new Error('state: the state document to import is not of a known format');
  }
  const { state, policy } = app;
  const values = (o) => (o && typeof o === 'object' ? Object.values(o) : []);
  const firmOfFilter = (f) => policy.firmOfWorkspace(String(f?.workspace_id ?? ''))?.id ?? null;
  const byId = (o, id) => (o && Object.hasOwn(o, id) ? o[id] : null);
  const entryFirm = (e) => {
    if (e.firm_id !== undefined) return e.firm_id;
    const t = e.target ?? {};
    if (t.type === 'filter') return firmOfFilter(byId(doc.filters, t.id));
    if (t.type === 'key') return byId(doc.keys, t.id)?.firm_id ?? null;
    if (t.type === 'admin') return byId(doc.admins, t.id)?.firm_id ?? null;
    return null;
  };
  const now = state.now();
  await state.write(null, (tx) => {
    for (const f of values(doc.filters)) tx.putFilter(f, firmOfFilter(f));
    for (const k of values(doc.keys)) tx.putKey(k);
    for (const a of values(doc.admins)) tx.putAdmin(a);
    for (const e of Array.isArray(doc.audit) ? doc.audit : []) tx.audit({ ...e, firm_id: entryFirm(e) });
    for (const [id, rec] of Object.entries(doc.idempotency ?? {})) {
      const cut = id.indexOf('\u0000');
      const expires = Number(rec?.at) + state.idempotencyTtlMs;
      if (cut < 0 || !(expires > now)) continue;
      tx.ops.push({ op: 'idempotency', scope: id.slice(0, cut), key: id.slice(cut + 1), expires_at: expires, rec });
    }
    for (const [selector, t] of Object.entries(doc.tokens ?? {})) {
      const expires = Date.parse(t?.expires_at);
      if (expires > now) tx.ops.push({ op: 'token', selector, t: { hash: t.hash, key_id: t.key_id, secret_gen: t.secret_gen, expires_at: expires } });
    }
    for (const [id, at] of Object.entries(doc.last_used ?? {})) tx.ops.push({ op: 'last_used', key_id: id, at });
    return null;
  });
}
