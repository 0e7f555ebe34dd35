// Replies: plain, serialisable responses (status, headers, body text), so that an answer can be
// recorded for idempotent replay and turned into a Response later.
const JSON_TYPE = 'application/json; charset=utf-8';

/** A JSON reply. */
export function reply(status, value, headers = {}) {
  return { status, headers: { 'content-type': JSON_TYPE, ...headers }, body: JSON.stringify(value) };
}

/** A plain-text reply. */
export function textReply(status, text, headers = {}) {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, body: text };
}

export function toResponse(r) {
  return new Response(r.status === 204 ? null : r.body, { status: r.status, headers: { 'cache-control': 'no-store', ...r.headers } });
}
