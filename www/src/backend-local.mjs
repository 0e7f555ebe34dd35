// Standalone mode: the generated sample workspace (`www/data/sample.json`) and filters kept in
// the browser's localStorage. The engine's own `Store` holds the filters and the sample keys, so
// saving, archiving and the edit confirmation's credential count are the engine's answers; the
// preview is the engine's count over the sample, in the page.
import { EntitySet, Store, preview, previewPredicate } from './engine.mjs';
import { formatCount } from './dom.mjs';

const STORAGE_KEY = 'portcullis.builder.v1.filters';

/** A record as the Store takes it: the JSON predicate when there is one, else the text. */
function storable(record) {
  const { predicate, predicate_text: text, ...rest } = record;
  return predicate ? { ...rest, predicate } : { ...rest, predicate_text: text };
}

export class LocalBackend {
  mode = 'standalone';
  label = 'Standalone · sample workspace in this browser';

  constructor({ dataUrl = new URL('../data/sample.json', import.meta.url), storage = localStorage } = {}) {
    this.dataUrl = dataUrl;
    this.storage = storage;
    this.cache = new Map();
  }

  async load() {
    const res = await fetch(this.dataUrl);
    if (!res.ok) {
      throw new Error(`The sample workspace is missing (${res.status}): run \`node www/tools/gen-sample.mjs\` first.`);
    }
    this.sample = await res.json();
    const { firm, keys } = this.sample;
    this.store = new Store();
    this.store.putFirm({ id: firm.id, workspaces: firm.workspaces });
    const saved = this.storage.getItem(STORAGE_KEY);
    this.filters = saved ? JSON.parse(saved) : this.sample.filters;
    for (const record of this.filters) {
      const put = this.store.putFilter(storable({ ...record, archived: false }));
      if (!put.ok) console.warn(`sample filter ${record.id} refused by the engine`, put.errors);
      else if (record.archived) this.store.archiveFilter(record.id);
    }
    // The sample keys give the edit confirmation real credentials to count; the engine's Store
    // takes no names, so the keys' names (to say which keys hold a filter) are kept here.
    this.keys = new Map();
    for (const { name, ...key } of keys) {
      this.store.putKey(key);
      this.keys.set(key.id, { id: key.id, name, revoked: Boolean(key.revoked) });
    }
    this.filters = this.filters.map((r) => this.canonical(r.id) ?? r);
    this.persist();
    return {
      firm,
      workspaces: this.sample.workspaces,
      projects: this.sample.projects,
      users: this.sample.users,
    };
  }

  /** The engine's record, with the creation time the builder stamped (the Store keeps none). */
  canonical(id, createdAt = this.filters?.find((r) => r.id === id)?.created_at) {
    const got = this.store.getFilter(id);
    return got ? { ...got, ...(createdAt ? { created_at: createdAt } : {}) } : null;
  }

  persist() {
    this.storage.setItem(STORAGE_KEY, JSON.stringify(this.filters));
  }

  /** The filters, each with `held_by`: the keys holding it, as the gateway lists them. */
  async listFilters() {
    return this.filters.map((r) => ({ ...r, held_by: this.heldBy(r.id) }));
  }

  /**
   * The keys holding a filter, `[{id, name, revoked}]`: the engine's ids, the sample's names, by
   * name then id as the gateway lists them.
   */
  heldBy(id) {
    const ordinal = (x, y) => (x < y ? -1 : x > y ? 1 : 0);
    return this.store.keyIdsHolding(id).map((key) => this.keys.get(key) ?? { id: key, name: key, revoked: false })
      .sort((x, y) => ordinal(x.name, y.name) || ordinal(x.id, y.id));
  }

  /** No keys page in standalone mode: key names are shown, not linked. */
  keyHref() {
    return null;
  }

  /** The sample's entities of one type in a workspace (the array, and the engine's loaded copy). */
  entities(workspaceId, entityType) {
    const key = `${workspaceId}|${entityType}`;
    if (!this.cache.has(key)) {
      const list = this.sample.entities.filter((e) => e.workspace_id === workspaceId && e.entity_type === entityType);
      // Loaded into the engine once, so every preview after an edit only evaluates.
      this.cache.set(key, { list, set: new EntitySet(list) });
    }
    return this.cache.get(key);
  }

  /**
   * The engine's preview of `{workspace_id, entity_type, name, description, predicate}` over the
   * sample, in the gateway's shape: `{ok: true, count, truncated, display, total}` or
   * `{ok: false, error, errors}`.
   */
  async preview({ workspace_id: workspaceId, ...filter }) {
    const { list, set } = this.entities(workspaceId, filter.entity_type);
    const result = preview(filter, set);
    if (!result.ok) return result;
    const display = result.truncated ? `${formatCount(result.count)}+` : formatCount(result.count);
    return { ...result, display, total: list.length };
  }

  /**
   * The engine's preview of a predicate alone, `{workspace_id, entity_type, predicate}` (no name
   * needed, so a new filter shows its count before it is named), answered as `preview` answers.
   */
  async previewPredicate({ workspace_id: workspaceId, entity_type: type, predicate }) {
    const { list, set } = this.entities(workspaceId, type);
    const result = previewPredicate({ entity_type: type, predicate }, set);
    if (!result.ok) return result;
    const display = result.truncated ? `${formatCount(result.count)}+` : formatCount(result.count);
    return { ...result, display, total: list.length };
  }

  /** The most common values of an attribute in the sample workspace (list elements counted apart). */
  async values(workspaceId, entityType, attribute, limit = 20) {
    const counts = new Map();
    for (const e of this.entities(workspaceId, entityType).list) {
      const v = e.attributes[attribute];
      if (v === undefined || v === null) continue;
      for (const x of Array.isArray(v) ? v : [v]) counts.set(x, (counts.get(x) ?? 0) + 1);
    }
    return [...counts].map(([value, count]) => ({ value, count }))
      .sort((x, y) => y.count - x.count || String(x.value).localeCompare(String(y.value)))
      .slice(0, limit);
  }

  async createFilter({ workspace_id, entity_type, name, description, predicate }) {
    const id = `flt_${crypto.randomUUID().slice(0, 8)}`;
    const put = this.store.putFilter({ id, workspace_id, entity_type, name, description, predicate, archived: false });
    if (!put.ok) return put;
    const record = this.canonical(id, new Date().toISOString());
    this.filters.push(record);
    this.persist();
    return { ok: true, record, warnings: put.warnings };
  }

  async updateFilter(id, { name, description, predicate }) {
    const current = this.filters.find((r) => r.id === id);
    const put = this.store.putFilter(storable({ ...current, name, description, predicate }));
    if (!put.ok) return put;
    const record = this.canonical(id);
    this.filters[this.filters.indexOf(current)] = record;
    this.persist();
    return { ok: true, record, warnings: put.warnings, keys_affected: put.keys_affected };
  }

  /** Before an edit is saved: which keys hold the filter, and what access it gains or loses. */
  async editImpact(id, edit) {
    const record = this.filters.find((r) => r.id === id);
    const { set } = this.entities(record.workspace_id, record.entity_type);
    const impact = this.store.editImpact(id, edit, set);
    const heldBy = this.heldBy(id);
    if (!impact.ok) return { keys: this.store.keysHolding(id), heldBy };
    return { keys: impact.keys, heldBy, gained: impact.gained.length, lost: impact.lost.length };
  }

  async archiveFilter(id) {
    const res = this.store.archiveFilter(id);
    if (!res.ok) return res;
    this.filters = this.filters.map((r) => (r.id === id ? this.canonical(id) ?? { ...r, archived: true } : r));
    this.persist();
    return { ok: true };
  }

  /** The keys holding a filter now, `{keys, heldBy}`: the engine's count and its key ids, named. */
  async holding(id) {
    return { keys: this.store.keysHolding(id), heldBy: this.heldBy(id) };
  }
}
