// The admin API calls of the settings pages (keys, audit log, admins), through the gateway
// backend's `call()` (bearer token, idempotency keys). Every refusal becomes an ApiError whose
// message says what a person can do about it; the gateway's own code and diagnostics ride along
// so a page can put the engine's messages next to the controls they concern.
import { GatewayBackend } from './backend-gateway.mjs';

export class ApiError extends Error {
  /** @param fields {status, code, message, diagnostics} (status 0: the gateway was not reached) */
  constructor({ status, code, message, diagnostics = [] }) {
    super(message);
    this.status = status;
    this.code = code;
    this.diagnostics = diagnostics;
  }
}

function refusal(res) {
  const code = res.data?.error?.code ?? `http_${res.status}`;
  const said = res.data?.error?.message ?? `The gateway answered ${res.status}.`;
  if (res.status === 401) {
    return new ApiError({
      status: 401, code,
      message: 'The admin credential is no longer valid (revoked or expired): reload the page to use a current one, or ask another firm admin for a new credential.',
    });
  }
  if (res.status >= 500) {
    return new ApiError({ status: res.status, code, message: `The gateway could not do this right now (${res.status} ${code}): ${said} Try again in a moment.` });
  }
  const diagnostics = res.status === 422 ? GatewayBackend.errors(res) : [];
  return new ApiError({ status: res.status, code, message: said, diagnostics });
}

const path = (strings, ...ids) => strings.reduce((out, s, i) => out + s + (i < ids.length ? encodeURIComponent(ids[i]) : ''), '');

/**
 * Whether a change may have been made although its answer says nothing of it: the gateway was not
 * reached or its answer lost (status 0), it failed (5xx), or the same change is still under way.
 */
const unsettled = (err) => err.status === 0 || err.status >= 500 || err.code === 'idempotency_key_in_use';

export class AdminApi {
  /** @param backend a GatewayBackend */
  constructor(backend) {
    this.backend = backend;
    // One idempotency key per change until it is settled, by the request (method, path, body):
    // sent again after a lost answer, the same change carries the same key, so the gateway
    // replays what it did instead of doing it twice (a second secret, a second key).
    this.pending = new Map();
  }

  /**
   * A change (POST, PUT, DELETE): as `request`, with the idempotency key of the same request sent
   * before and not settled (a retry), else a fresh one. Settled (answered, or refused for a reason
   * of its own), the next identical request is a new change with a new key: a second reveal is a
   * second reveal.
   */
  async change(method, url, body, opts = {}) {
    const request = `${method} ${url}\n${JSON.stringify(body)}`;
    const idempotencyKey = this.pending.get(request) ?? crypto.randomUUID();
    this.pending.set(request, idempotencyKey);
    try {
      const data = await this.request(method, url, body, { ...opts, idempotencyKey });
      this.pending.delete(request);
      return data;
    } catch (err) {
      if (!unsettled(err)) this.pending.delete(request);
      throw err;
    }
  }

  async request(method, url, body, opts) {
    let res;
    try {
      res = await this.backend.call(method, url, body, opts);
    } catch {
      throw new ApiError({
        status: 0, code: 'unreachable',
        message: `The gateway is not reachable at ${location.origin}: check that the demo (node gateway/demo.mjs) is still running, then try again.`,
      });
    }
    if (!res.ok) throw refusal(res);
    return res.data;
  }

  me() { return this.request('GET', '/me').then((d) => d.admin); }
  admins() { return this.request('GET', '/admins').then((d) => d.admins); }
  /** A firm's workspaces, projects and users (`firm_id`: which firm, else the admin's first). */
  workspaces(firmId = null) {
    return this.request('GET', firmId ? `/workspaces?firm_id=${encodeURIComponent(firmId)}` : '/workspaces');
  }
  /** System and stored filters (archived ones too when asked: the audit log names them). */
  filters({ archived = false } = {}) {
    return this.request('GET', archived ? '/filters?include_archived=true' : '/filters').then((d) => d.filters);
  }

  keys() { return this.request('GET', '/keys').then((d) => d.keys); }
  key(id) { return this.request('GET', path`/keys/${id}`).then((d) => d.key); }
  /** `{key, client_id, client_secret}`, the secret shown this once. */
  createKey(body) { return this.change('POST', '/keys', body); }
  // Body-less POSTs still send `{}` so that they carry an idempotency key (change(): a retry after
  // a lost answer is the same change, not a second one).
  reveal(id) { return this.change('POST', path`/keys/${id}/reveal`, {}); }
  /** The gateway's own .env bytes for the key (a reveal, audit-logged like any other). */
  revealEnv(id) { return this.change('POST', path`/keys/${id}/reveal?format=env`, {}, { as: 'text' }); }
  regenerate(id) { return this.change('POST', path`/keys/${id}/regenerate`, {}); }
  revoke(id) { return this.change('POST', path`/keys/${id}/revoke`, {}).then((d) => d.key); }
  addGrant(id, grant) { return this.change('POST', path`/keys/${id}/grants`, grant).then((d) => d.key); }
  removeGrant(id, grantId) { return this.change('DELETE', path`/keys/${id}/grants/${grantId}`, {}).then((d) => d.key); }
  setAllowedIps(id, ips) { return this.change('PUT', path`/keys/${id}/allowed_ips`, { allowed_ips: ips }).then((d) => d.key); }

  /** One page of the audit log, newest first: `{entries, next_cursor}`. `query` is a URLSearchParams. */
  audit(query) {
    const q = query.toString();
    return this.request('GET', q ? `/audit?${q}` : '/audit');
  }
}
