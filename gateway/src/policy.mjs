// The engine side: one wasm Store holding the firms, filters and keys, kept in step with the
// gateway's state. Every access decision the gateway makes comes from here.
import { firmRoute, routeOf } from './routes.mjs';

export function engineFilter(rec) {
  return {
    id: rec.id, workspace_id: rec.workspace_id, entity_type: rec.entity_type, name: rec.name,
    description: rec.description ?? null, predicate: rec.predicate, archived: !!rec.archived,
  };
}

export function engineGrant(g) {
  const out = { filter: g.filter, actions: g.actions };
  if (g.workspace_id !== undefined && g.workspace_id !== null) out.workspace_id = g.workspace_id;
  return out;
}

export function engineKey(rec) {
  return {
    id: rec.id, firm_id: rec.firm_id, revoked: !!rec.revoked,
    allowed_ips: rec.allowed_ips ?? null, grants: rec.grants.map(engineGrant),
  };
}

export class Policy {
  constructor(engine) {
    this.engine = engine;
    this.schema = engine.describeSchema();
    this.types = new Map(this.schema.entity_types.map((t) => [t.name, t]));
    this.byCollection = new Map(this.schema.entity_types.map((t) => [t.collection, t]));
    this.store = null;
    this.firms = [];
  }

  /** A fresh Store holding the firms (start-up); filters and keys arrive through `apply`. */
  load(firms) {
    this.store?.free();
    this.store = new this.engine.Store();
    this.firms = firms;
    this.firmByRoute = new Map(firms.map((f) => [firmRoute(f.id), f]));
    this.firmById = new Map(firms.map((f) => [f.id.toLowerCase(), f]));
    for (const f of firms) this.store.putFirm({ id: f.id, workspaces: f.workspaces.map((w) => w.id) });
  }

  /** Apply filters and keys the state store has read or written (each the whole new record). */
  apply({ filters, keys }) {
    for (const rec of filters) {
      const r = this.store.putFilter(engineFilter(rec));
      if (!r.ok) console.error(`portcullis: stored filter ${rec.id} refused by the engine:`, JSON.stringify(r.errors));
    }
    for (const rec of keys) this.store.putKey(engineKey(rec));
  }

  /** The firm a credential names by its route after one of `prefixes` (routes.mjs), or null. */
  firmOfCredential(credential, prefixes) {
    return this.firmByRoute.get(routeOf(credential, prefixes)) ?? null;
  }

  /** A known firm by id (any case), or null. */
  firm(id) {
    return typeof id === 'string' ? this.firmById.get(id.toLowerCase()) ?? null : null;
  }

  firmOfWorkspace(ws) {
    const w = ws.toLowerCase();
    return this.firms.find((f) => f.workspaces.some((x) => x.id.toLowerCase() === w)) ?? null;
  }

  /** The system filters of the firms (the engine names them), as the admin API lists them. */
  systemFilters() {
    return this.firms.flatMap((f) =>
      this.engine.systemFilters({ id: f.id, workspaces: f.workspaces.map((w) => w.id) })
        .map((s) => ({ ...s, name: s.id, system: true, firm_id: f.id, archived: false })));
  }

  /** Whether a key's credentials are accepted from this source address (revoked, allow-list). */
  credentialAccepted(keyRec, sourceIp) {
    return this.store.acceptsCredentials(keyRec.id, sourceIp ?? null);
  }
}
