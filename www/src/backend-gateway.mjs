// Demo mode: the page is served same-origin by the gateway, and filters, keys and workspace data
// come from its admin API under /admin/v1 (gateway/). The engine still runs here, in the page,
// for live validation; the preview count, value suggestions, saving and the edit's credential
// count are the gateway's answers (the data service counts in its database), so the page never
// downloads the workspace and what the dialog says is what the server will do.
import { keyHref } from './routes.mjs';

const TOKEN_KEY = 'portcullis.builder.admin_token';

/**
 * A count answer of `POST /filters/preview` or `POST /predicates/preview` as the preview panel
 * takes it: `{ok: true, count, truncated, display, total: null}` (the workspace's size is not
 * asked for), or `{ok: false, error, errors}` with the engine's diagnostics.
 */
function countAnswer(res) {
  if (res.ok) return { ok: true, count: res.data.count, truncated: res.data.truncated, display: res.data.display, total: null };
  const errors = GatewayBackend.errors(res);
  return { ok: false, error: res.data?.error?.code ?? errors[0].code, errors };
}

export class GatewayBackend {
  mode = 'gateway';
  label = 'Demo gateway · /admin/v1';

  /** @param config the gateway's /demo/config.json: {admin_api, admin_token, ...} */
  constructor(config = {}) {
    this.base = config.admin_api ?? '/admin/v1';
    this.token = config.admin_token ?? sessionStorage.getItem(TOKEN_KEY) ?? null;
    this.cache = new Map();
  }

  /**
   * `{status, ok, data}`: the JSON answer, or with `{as: 'text'}` a successful answer's text (a
   * .env). A request with a body carries an Idempotency-Key: `idempotencyKey` when given (a retry
   * of the same change, src/admin-api.mjs), else a fresh one.
   */
  async call(method, path, body, { as = 'json', idempotencyKey = null } = {}) {
    if (!this.token) {
      // The demo prints its admin token; ask once per browser session.
      this.token = window.prompt('Admin token for the demo gateway (printed by the demo command):') ?? '';
      sessionStorage.setItem(TOKEN_KEY, this.token);
    }
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body ? { 'content-type': 'application/json', 'idempotency-key': idempotencyKey ?? crypto.randomUUID() } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = res.status === 204 ? null : as === 'text' && res.ok ? await res.text() : await res.json().catch(() => null);
    if (res.status === 401) sessionStorage.removeItem(TOKEN_KEY);
    return { status: res.status, ok: res.ok, data };
  }

  /** The engine's diagnostics from an error body (422 carries them), or one made from the error. */
  static errors(res) {
    const err = res.data?.error ?? {};
    const list = err.diagnostics ?? err.errors ?? res.data?.errors;
    if (Array.isArray(list) && list.length) return list;
    return [{ severity: 'error', code: err.code ?? `http_${res.status}`, message: err.message ?? `The gateway answered ${res.status}.` }];
  }

  async load() {
    const res = await this.call('GET', '/workspaces');
    if (!res.ok) throw new Error(`The admin API refused to list workspaces (${res.status}): ${GatewayBackend.errors(res)[0].message}`);
    const { firm, workspaces, projects = [], users = [] } = res.data;
    return { firm, workspaces, projects, users };
  }

  async listFilters() {
    const res = await this.call('GET', '/filters?include_archived=true');
    if (!res.ok) throw new Error(`The admin API refused to list filters (${res.status})`);
    // System filters are listed by the API too; the builder shows them separately.
    return res.data.filters.filter((f) => !f.system);
  }

  /** The match count of a filter `{workspace_id, entity_type, name, description, predicate}` (countAnswer). */
  async preview(filter) {
    return countAnswer(await this.call('POST', '/filters/preview', filter));
  }

  /**
   * The match count of a predicate alone, `{workspace_id, entity_type, predicate}` (a filter not
   * yet named): `POST /predicates/preview`, answered as `preview` answers.
   */
  async previewPredicate({ workspace_id, entity_type, predicate }) {
    return countAnswer(await this.call('POST', '/predicates/preview', { workspace_id, entity_type, predicate }));
  }

  /** The keys page of a key (the names under "Held by" link there). */
  keyHref(id) {
    return keyHref(id);
  }

  /** The most common values of an attribute in the workspace, `[{value, count}]`; none if refused. */
  async values(workspaceId, entityType, attribute) {
    const key = `${workspaceId}|${entityType}|${attribute}`;
    if (!this.cache.has(key)) {
      const q = new URLSearchParams({ entity_type: entityType, attribute });
      // Suggestions help typing; without them (refused, offline) the value is still typed in full.
      this.cache.set(key, this.call('GET', `/workspaces/${encodeURIComponent(workspaceId)}/values?${q}`)
        .then((res) => (res.ok ? res.data.values : []), () => []));
    }
    return this.cache.get(key);
  }

  async createFilter(record) {
    const res = await this.call('POST', '/filters', record);
    return res.ok ? { ok: true, record: res.data.filter } : { ok: false, errors: GatewayBackend.errors(res) };
  }

  async updateFilter(id, fields) {
    const res = await this.call('PATCH', `/filters/${encodeURIComponent(id)}`, fields);
    return res.ok ? { ok: true, record: res.data.filter } : { ok: false, errors: GatewayBackend.errors(res) };
  }

  /** The gateway's dry run of the edit: how many keys hold the filter, before anything changes. */
  async editImpact(id, edit) {
    const res = await this.call('PATCH', `/filters/${encodeURIComponent(id)}?dry_run=true`, { predicate: edit.predicate });
    if (!res.ok) {
      // The editor shows the gateway's own diagnostic (e.g. invalid_token once the credential is revoked).
      const [diagnostic] = GatewayBackend.errors(res);
      throw Object.assign(new Error(diagnostic.message), { diagnostic });
    }
    // {keys_affected, held_by: [{id, name, revoked}], valid, errors, warnings, impact?: {gained, lost, ...}}
    const d = res.data;
    const heldBy = d.held_by ?? null;
    if (!d.impact) return { keys: d.keys_affected, heldBy };
    const { gained, lost, gained_truncated: gainedTruncated, lost_truncated: lostTruncated } = d.impact;
    return { keys: d.keys_affected, heldBy, gained, lost, gainedTruncated, lostTruncated };
  }

  /** The keys holding a filter now, `{keys, heldBy}`: the count and the names of one dry run. */
  async holding(id) {
    const { keys, heldBy } = await this.editImpact(id, {});
    return { keys, heldBy };
  }

  async archiveFilter(id) {
    const res = await this.call('POST', `/filters/${encodeURIComponent(id)}/archive`);
    return res.ok ? { ok: true } : { ok: false, errors: GatewayBackend.errors(res) };
  }
}
