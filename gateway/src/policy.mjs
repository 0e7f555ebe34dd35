// The engine side: one wasm Store holding the firms, filters and keys, kept in step with the
// gateway's state. Every access decision the gateway makes comes from here.
import { firmRoute, routeOf } from './routes.mjs';

/** A placeholder entity's value of each attribute type (`Policy.placeholder`): as long as a typical one. */
const PLACEHOLDER_VALUES = {
  text: 'placeholder', list: ['placeholder'], number: 0, bool: false, date: '1970-01-01T00:00:00Z',
  uuid: '00000000-0000-0000-0000-000000000000',
};

/** How many prepared decisions (`Policy.decider`) are kept, in all and for one key. */
const DECIDERS = 4096;
const DECIDERS_PER_KEY = 32;

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
    this.deciders = new Map(); // key id → [{ws, operation, type, ip, decider}], oldest first
    this.decidersHeld = 0;
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
    // Each firm's lower-case id by its id as given: the id a request carries is most often the
    // firm's own text, found without making a lower-case copy of it.
    this.firmKeys = new Map(firms.map((f) => [f.id, f.id.toLowerCase()]));
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
   * nothing here needs invalidating but a new store (`load`). Kept by key, each key's in a short
   * list found by comparing its fields (no lookup key is built per request): at most
   * DECIDERS_PER_KEY per key and DECIDERS in all, the oldest let go first past either (ids in
   * paths are the caller's: their number is not bounded).
   */
  decider(keyId, operation, ws, type, sourceIp) {
    const ip = sourceIp ?? null;
    const mine = this.deciders.get(keyId);
    if (mine !== undefined) {
      for (let i = mine.length - 1; i >= 0; i--) {
        const e = mine[i];
        if (e.ws === ws && e.operation === operation && e.type === type && e.ip === ip) return e.decider;
      }
    }
    const decider = this.store.prepare(keyId, { operation, workspace_id: ws, entity_type: type, source_ip: ip });
    if (mine !== undefined && mine.length >= DECIDERS_PER_KEY) this.letGo(keyId, mine);
    else if (this.decidersHeld >= DECIDERS) {
      const [oldestKey, theirs] = this.deciders.entries().next().value;
      this.letGo(oldestKey, theirs);
    }
    // The list may have been let go just now (its one decider the oldest of all).
    const list = this.deciders.get(keyId) ?? [];
    if (list.length === 0) this.deciders.set(keyId, list);
    list.push({ ws, operation, type, ip, decider });
    this.decidersHeld += 1;
    return decider;
  }

  /** Free the oldest of a key's deciders (and forget the key when it held no other). */
  letGo(keyId, list) {
    list.shift().decider.free();
    this.decidersHeld -= 1;
    if (list.length === 0) this.deciders.delete(keyId);
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
    for (const list of this.deciders.values()) for (const e of list) e.decider.free();
    this.deciders.clear();
    this.decidersHeld = 0;
  }

  /** The firm a credential names by its route after one of `prefixes` (routes.mjs), or null. */
  firmOfCredential(credential, prefixes) {
    return this.firmByRoute.get(routeOf(credential, prefixes)) ?? null;
  }

  /** A known firm by id (any case), or null. */
  firm(id) {
    return typeof id === 'string' ? this.firmById.get(id.toLowerCase()) ?? null : null;
  }

  /** The lower-case id of a known firm named by `id` in any case (its state's partition), or null. */
  firmKey(id) {
    return this.firmKeys.get(id) ?? this.firm(id)?.id.toLowerCase() ?? null;
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
