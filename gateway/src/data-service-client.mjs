// Client of the data service's internal API (examples/data-service.rs). Ids and types are
// validated by the caller before they reach a URL.
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
      // The service's own search parameters are passed through; so are its complaints about them.
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

  async all(ws, type) {
    const res = await this.call('GET', `/internal/workspaces/${ws}/${type}`);
    if (!res.ok) return this.upstreamError(res, 'all');
    return (await this.jsonOf(res, 'all')).items;
  }

  /** One page of the entities the scope admits: `{items, next_cursor, scope_matches}`. */
  async query(ws, type, body) {
    const res = await this.call('POST', `/internal/workspaces/${ws}/${type}/query`, body);
    if (!res.ok) return this.upstreamError(res, 'query');
    return this.jsonOf(res, 'query');
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
