// The engine side: one wasm Store holding the firms, filters and keys, kept in step with the
// gateway's state. Every access decision the gateway makes comes from here.
import { firmRoute, routeOf } from './routes.mjs';

/** A placeholder entity's value of each attribute type (`Policy.placeholder`): as long as a typical one. */
const PLACEHOLDER_VALUES = {
  text: 'placeholder', list: ['placeholder'], number: 0, bool: false, date: '1970-01-01T00:00:00Z',
  uuid: '00000000-0000-0000-0000-000000000000',
};

/** How many prepared decisions (`Policy.decider`) are kept. */
const DECIDERS = 4096;

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
    this.deciders = new Map();
    this.placeholders = new Map();
  }

  /** A fresh Store holding the firms (start-up); filters and keys arrive through `apply`. */
  load(firms) {
    this.forgetDeciders();
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

  /**
   * The engine's prepared decision (`store.prepare`) of a get or a download for a key: made once
   * per key, operation, workspace, type and source address, then reused. A decider follows its
   * store (an edit, archive, revocation or allowlist change shows on its very next decision), so
   * nothing here needs invalidating but a new store (`load`). At most DECIDERS are kept; past
   * that the oldest is let go (ids in paths are the caller's: their number is not bounded).
   */
  decider(keyId, operation, ws, type, sourceIp) {
    const id = `${keyId}\u0000${operation}\u0000${ws}\u0000${type}\u0000${sourceIp ?? ''}`;
    let d = this.deciders.get(id);
    if (d === undefined) {
      d = this.store.prepare(keyId, { operation, workspace_id: ws, entity_type: type, source_ip: sourceIp ?? null });
      if (this.deciders.size >= DECIDERS) {
        const [oldest, od] = this.deciders.entries().next().value;
        this.deciders.delete(oldest);
        od.free();
      }
      this.deciders.set(id, d);
    }
    return d;
  }

  /**
   * The text of an entity document as the data service answers a get (`{entity, version}`, keys
   * in its order), for an entity of `type` that is not there: every attribute of the type with a
   * value of its type, in workspace `ws` with id `id`. data-api.mjs decodes and decides over it
   * when the data service has no entity, so that a 404 for an entity that does not exist does the
   * work of one for an entity outside the key's reach. It is never answered.
   */
  placeholder(type, ws, id) {
    let parts = this.placeholders.get(type);
    if (parts === undefined) {
      const attributes = {};
      const desc = this.types.get(type);
      for (const a of [...(desc?.attributes ?? [])].sort((x, y) => (x.name < y.name ? -1 : 1))) attributes[a.name] = PLACEHOLDER_VALUES[a.type] ?? null;
      const text = JSON.stringify({ entity: { attributes, entity_type: type, id: '\u0001', workspace_id: '\u0002' }, version: 1 });
      const [head, rest] = text.split('"\\u0001"');
      const [middle, tail] = rest.split('"\\u0002"');
      parts = [`${head}"`, `"${middle}"`, `"${tail}`];
      this.placeholders.set(type, parts);
    }
    return parts[0] + id + parts[1] + ws + parts[2];
  }

  forgetDeciders() {
    for (const d of this.deciders.values()) d.free();
    this.deciders.clear();
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
