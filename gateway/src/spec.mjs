// ResponseSpec: a plain, serialisable response (status, headers, body text), so that it can be
// recorded for idempotent replay and turned into a Response later.
const JSON_TYPE = 'application/json; charset=utf-8';

export function spec(status, value, headers = {}) {
  return { status, headers: { 'content-type': JSON_TYPE, ...headers }, body: JSON.stringify(value) };
}

export function textSpec(status, text, headers = {}) {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, body: text };
}

export function toResponse(s) {
  return new Response(s.status === 204 ? null : s.body, { status: s.status, headers: { 'cache-control': 'no-store', ...s.headers } });
}
