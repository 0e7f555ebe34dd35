// Standalone mode: the generated sample workspace (`www/data/sample.json`) and filters kept in
// the browser's localStorage. The engine's own `Store` holds the filters and the sample keys, so
// saving, archiving and the edit confirmation's credential count are the engine's answers; the
// preview is the engine's count over the sample, in the page.
import { EntitySet, Store, preview } from './engine.mjs';
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
    // The sample keys give the edit confirmation real credentials to count.
    for (const { name: _name, ...key } of keys) this.store.putKey(key);
    this.filters = this.filters.map((r) => this.canonical(r.id) ?? r);
    this.persist();
    return {
      firm,
      workspaces: this.sample.workspaces,
      projects: this.sample.projects,
      users: this.sample.users,
    };
  }

  canonical(id) {
    const got = this.store.getFilter(id);
    return got ? { ...got } : null;
  }

  persist() {
    this.storage.setItem(STORAGE_KEY, JSON.stringify(this.filters));
  }

  async listFilters() {
    return this.filters.map((r) => ({ ...r }));
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
    const record = this.canonical(id);
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

  /** Before an edit is saved: how many keys hold the filter, and what access it gains or loses. */
  async editImpact(id, edit) {
    const record = this.filters.find((r) => r.id === id);
    const { set } = this.entities(record.workspace_id, record.entity_type);
    const impact = this.store.editImpact(id, edit, set);
    if (!impact.ok) return { keys: this.store.keysHolding(id) };
    return { keys: impact.keys, gained: impact.gained.length, lost: impact.lost.length };
  }

  async archiveFilter(id) {
    const res = this.store.archiveFilter(id);
    if (!res.ok) return res;
    this.filters = this.filters.map((r) => (r.id === id ? this.canonical(id) ?? { ...r, archived: true } : r));
    this.persist();
    return { ok: true };
  }

  async keysHolding(id) {
    return this.store.keysHolding(id);
  }
}
