// Client of the data service's internal API (the `data-service/` crate). Ids, types and
// attribute names are validated by the caller before they reach a URL. No call loads a whole
// workspace: lists are pages, and counts, an edit's impact and common values are the service's
// own answers over its database.
import { HttpError } from './errors.mjs';

export class DataService {
  constructor(baseUrl, fetchImpl = (...a) => fetch(...a)) {
    this.base = baseUrl.replace(/\/+$/, '');
    this.fetch = fetchImpl;
  }

  async call(method, path, body) {
    let res;
    try {
      res = await this.fetch(this.base + path, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      console.error(`portcullis: data service unreachable (${method} ${path}): ${err.message}`);
      throw new HttpError(502, 'upstream_unavailable', 'The data service is unavailable.');
    }
    return res;
  }

  async jsonOf(res, what) {
    try {
      return await res.json();
    } catch {
      throw new HttpError(502, 'upstream_error', `The data service answered ${what} with a body that is not JSON.`);
    }
  }

  async upstreamError(res, what) {
    const body = await res.json().catch(() => null);
    if (res.status === 400 && body?.error?.code) {
      // A refusal of what the caller sent (its own search parameters, which are passed through):
      // the caller's to fix, so it keeps its code.
      throw new HttpError(400, body.error.code, body.error.message);
    }
    console.error(`portcullis: data service ${what}: HTTP ${res.status} ${JSON.stringify(body)}`);
    throw new HttpError(502, 'upstream_error', 'The data service failed.');
  }

  async firms() {
    const res = await this.call('GET', '/internal/firms');
    if (!res.ok) return this.upstreamError(res, 'firms');
    return (await this.jsonOf(res, 'firms')).firms;
  }

  /** `{entity, version}` or null when there is no such entity. */
  async get(ws, type, id) {
    const res = await this.call('GET', `/internal/workspaces/${ws}/${type}/${id}`);
    if (res.status === 404) {
      await res.arrayBuffer();
      return null;
    }
    if (!res.ok) return this.upstreamError(res, 'get');
    return this.jsonOf(res, 'get');
  }

  /** One page of the entities the scope admits: `{items, next_cursor, scope_matches}`. */
  async query(ws, type, body) {
    const res = await this.call('POST', `/internal/workspaces/${ws}/${type}/query`, body);
    if (!res.ok) return this.upstreamError(res, 'query');
    return this.jsonOf(res, 'query');
  }

  /**
   * The preview count of a predicate (the engine's validated JSON form) over the workspace's
   * entities of the type: `{count, truncated, display}`, capped as the engine caps previews.
   */
  async count(ws, type, predicate) {
    const res = await this.call('POST', `/internal/workspaces/${ws}/${type}/count`, { filter: predicate });
    if (!res.ok) return this.upstreamError(res, 'count');
    const body = await this.jsonOf(res, 'count');
    if (!Number.isInteger(body?.count) || typeof body.truncated !== 'boolean' || typeof body.display !== 'string') {
      return this.malformed('count', body);
    }
    return body;
  }

  /**
   * What replacing `before` by `after` changes: `{gained, lost, gained_truncated, lost_truncated,
   * gained_sample, lost_sample}` (entities true under one and not true under the other).
   */
  async impact(ws, type, before, after, sample) {
    const res = await this.call('POST', `/internal/workspaces/${ws}/${type}/impact`, { before, after, sample });
    if (!res.ok) return this.upstreamError(res, 'impact');
    const body = await this.jsonOf(res, 'impact');
    const ok = body && Number.isInteger(body.gained) && Number.isInteger(body.lost)
      && typeof body.gained_truncated === 'boolean' && typeof body.lost_truncated === 'boolean'
      && Array.isArray(body.gained_sample) && Array.isArray(body.lost_sample);
    return ok ? body : this.malformed('impact', body);
  }

  /** The most common values of an attribute in the workspace, `[{value, count}]`, most common first. */
  async values(ws, type, attribute, limit) {
    const q = new URLSearchParams({ attribute, limit: String(limit) });
    const res = await this.call('GET', `/internal/workspaces/${ws}/${type}/values?${q}`);
    if (!res.ok) return this.upstreamError(res, 'values');
    const body = await this.jsonOf(res, 'values');
    const ok = Array.isArray(body?.values) && body.values.every((v) => v && typeof v === 'object' && 'value' in v && Number.isInteger(v.count));
    return ok ? body.values : this.malformed('values', body);
  }

  malformed(what, body) {
    console.error(`portcullis: data service ${what}: unexpected answer ${JSON.stringify(body)?.slice(0, 500)}`);
    throw new HttpError(502, 'upstream_error', 'The data service failed.');
  }

  /** `{entity, version}`, or `{conflict: true}` when the id exists already. */
  async create(ws, type, id, attributes) {
    const res = await this.call('POST', `/internal/workspaces/${ws}/${type}`, { id, attributes });
    if (res.status === 409) {
      await res.arrayBuffer();
      return { conflict: true };
    }
    if (!res.ok) return this.upstreamError(res, 'create');
    return this.jsonOf(res, 'create');
  }

  /** `{entity, version}`, `{conflict: true}` when the version moved on, or null when gone. */
  async replace(ws, type, id, attributes, expectedVersion) {
    const res = await this.call('PUT', `/internal/workspaces/${ws}/${type}/${id}`, { attributes, expected_version: expectedVersion });
    if (res.status === 404 || res.status === 409) {
      await res.arrayBuffer();
      return res.status === 409 ? { conflict: true } : null;
    }
    if (!res.ok) return this.upstreamError(res, 'replace');
    return this.jsonOf(res, 'replace');
  }

  async file(ws, type, id, name) {
    const res = await this.call('GET', `/internal/files/${ws}/${type}/${id}/${encodeURIComponent(name)}`);
    if (res.status === 404) {
      await res.arrayBuffer();
      return null;
    }
    if (!res.ok) return this.upstreamError(res, 'file');
    return res;
  }
}
