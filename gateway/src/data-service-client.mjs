// Client of the data service's internal API (the `data-service/` crate). Ids, types and
// attribute names are validated by the caller before they reach a URL. No call loads a whole
// workspace: lists are pages, and counts, an edit's impact and common values are the service's
// own answers over its database.
//
// Transport: every JSON call is `transport(method, url, bodyText)` → `{status, text}`, the whole
// answer read. By default that is the runtime's fetch (workerd; Node's global fetch keeps
// connections alive in its pool too); a host may install a cheaper one for its runtime
// (`useTransport`: node-server.mjs installs node:http with a keep-alive agent). Files are
// streamed through fetch, whatever the transport.
import { HttpError } from './errors.mjs';

/** The transport a host installed (useTransport), or null: fetch. */
let hostTransport = null;

/**
 * Install the host's transport for every DataService made afterwards: `(method, url, body) =>
 * Promise<{status, text}>` (`body` a string or undefined; JSON when given), rejecting when the
 * service cannot be reached.
 */
export function useTransport(fn) {
  hostTransport = fn;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

/** The transport over a fetch function: the whole answer as text. */
export function fetchTransport(fetchImpl) {
  return async (method, url, body) => {
    const res = await fetchImpl(url, body === undefined ? { method } : { method, headers: JSON_HEADERS, body });
    return { status: res.status, text: await res.text() };
  };
}

// Test-only instrumentation (node-server.mjs turns it on with PORTCULLIS_TEST_WORK_COUNTERS=1):
// what the data API did for each request, so that a test can check that every 404 takes the
// same path (test/equal-paths.test.mjs). Never on in production: nothing is recorded unless on.
export const work = { on: false, calls: [], decoded: [], decisions: [], attributes: [] };

/** The counters since the last call, and a fresh start. */
export function takeWork() {
  const taken = { calls: work.calls, decoded: work.decoded, decisions: work.decisions, attributes: work.attributes };
  work.calls = [];
  work.decoded = [];
  work.decisions = [];
  work.attributes = [];
  return taken;
}

/** Record a data service call: its method and path, the ids and the query left out. */
function countCall(method, path) {
  work.calls.push(`${method} ${path.replace(/\?.*/, '').split('/').map((s, i) => (i > 2 ? ':x' : s)).join('/')}`);
}

const ok = (status) => status >= 200 && status < 300;

export class DataService {
  constructor(baseUrl, fetchImpl) {
    this.base = baseUrl.replace(/\/+$/, '');
    this.fetch = fetchImpl ?? ((...a) => fetch(...a));
    this.transport = fetchImpl ? fetchTransport(fetchImpl) : hostTransport ?? fetchTransport(this.fetch);
  }

  /** One JSON call: `{status, text}`; 502 when the service cannot be reached. */
  async call(method, path, body) {
    if (work.on) countCall(method, path);
    try {
      return await this.transport(method, this.base + path, body === undefined ? undefined : JSON.stringify(body));
    } catch (err) {
      console.error(`portcullis: data service unreachable (${method} ${path}): ${err.message}`);
      throw new HttpError(502, 'upstream_unavailable', 'The data service is unavailable.');
    }
  }

  jsonOf(res, what) {
    try {
      return JSON.parse(res.text);
    } catch {
      throw new HttpError(502, 'upstream_error', `The data service answered ${what} with a body that is not JSON.`);
    }
  }

  upstreamError(res, what) {
    let body = null;
    try { body = JSON.parse(res.text); } catch { /* not JSON */ }
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
    if (!ok(res.status)) return this.upstreamError(res, 'firms');
    return this.jsonOf(res, 'firms').firms;
  }

  /**
   * The entity document's text, read whole: `{found: true, text}` (`{entity, version}` as JSON),
   * or `{found: false, text}` when there is no such entity (the 404's body, read and not used).
   * The caller decodes either the same way (data-api.mjs: a 404 decodes a placeholder).
   */
  async read(ws, type, id) {
    const res = await this.call('GET', `/internal/workspaces/${ws}/${type}/${id}`);
    if (ok(res.status)) return { found: true, text: res.text };
    if (res.status === 404) return { found: false, text: res.text };
    return this.upstreamError(res, 'get');
  }

  /** `{entity, version}` or null when there is no such entity. */
  async get(ws, type, id) {
    const r = await this.read(ws, type, id);
    return r.found ? this.jsonOf({ text: r.text }, 'get') : null;
  }

  /** One page of the entities the scope admits: `{items, next_cursor, scope_matches}`. */
  async query(ws, type, body) {
    const res = await this.call('POST', `/internal/workspaces/${ws}/${type}/query`, body);
    if (!ok(res.status)) return this.upstreamError(res, 'query');
    return this.jsonOf(res, 'query');
  }

  /**
   * The preview count of a predicate (the engine's validated JSON form) over the workspace's
   * entities of the type: `{count, truncated, display}`, capped as the engine caps previews.
   */
  async count(ws, type, predicate) {
    const res = await this.call('POST', `/internal/workspaces/${ws}/${type}/count`, { filter: predicate });
    if (!ok(res.status)) return this.upstreamError(res, 'count');
    const body = this.jsonOf(res, 'count');
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
    if (!ok(res.status)) return this.upstreamError(res, 'impact');
    const body = this.jsonOf(res, 'impact');
    const valid = body && Number.isInteger(body.gained) && Number.isInteger(body.lost)
      && typeof body.gained_truncated === 'boolean' && typeof body.lost_truncated === 'boolean'
      && Array.isArray(body.gained_sample) && Array.isArray(body.lost_sample);
    return valid ? body : this.malformed('impact', body);
  }

  /** The most common values of an attribute in the workspace, `[{value, count}]`, most common first. */
  async values(ws, type, attribute, limit) {
    const q = new URLSearchParams({ attribute, limit: String(limit) });
    const res = await this.call('GET', `/internal/workspaces/${ws}/${type}/values?${q}`);
    if (!ok(res.status)) return this.upstreamError(res, 'values');
    const body = this.jsonOf(res, 'values');
    const valid = Array.isArray(body?.values) && body.values.every((v) => v && typeof v === 'object' && 'value' in v && Number.isInteger(v.count));
    return valid ? body.values : this.malformed('values', body);
  }

  malformed(what, body) {
    console.error(`portcullis: data service ${what}: unexpected answer ${JSON.stringify(body)?.slice(0, 500)}`);
    throw new HttpError(502, 'upstream_error', 'The data service failed.');
  }

  /** `{entity, version}`, or `{conflict: true}` when the id exists already. */
  async create(ws, type, id, attributes) {
    const res = await this.call('POST', `/internal/workspaces/${ws}/${type}`, { id, attributes });
    if (res.status === 409) return { conflict: true };
    if (!ok(res.status)) return this.upstreamError(res, 'create');
    return this.jsonOf(res, 'create');
  }

  /** `{entity, version}`, `{conflict: true}` when the version moved on, or null when gone. */
  async replace(ws, type, id, attributes, expectedVersion) {
    const res = await this.call('PUT', `/internal/workspaces/${ws}/${type}/${id}`, { attributes, expected_version: expectedVersion });
    if (res.status === 404) return null;
    if (res.status === 409) return { conflict: true };
    if (!ok(res.status)) return this.upstreamError(res, 'replace');
    return this.jsonOf(res, 'replace');
  }

  /** The file's response (its body streamed), or null when there is none. */
  async file(ws, type, id, name) {
    const path = `/internal/files/${ws}/${type}/${id}/${encodeURIComponent(name)}`;
    if (work.on) countCall('GET', path);
    let res;
    try {
      res = await this.fetch(this.base + path, { method: 'GET' });
    } catch (err) {
      console.error(`portcullis: data service unreachable (GET ${path}): ${err.message}`);
      throw new HttpError(502, 'upstream_unavailable', 'The data service is unavailable.');
    }
    if (res.status === 404) {
      await res.arrayBuffer();
      return null;
    }
    if (!res.ok) return this.upstreamError({ status: res.status, text: await res.text() }, 'file');
    return res;
  }
}
