// The page's addresses, all in the hash so the static servers need no routes of their own:
//   #/new, #/filters/<id>          the filter builder
//   #/keys, #/keys/new, #/keys/<id> API keys: list, create, one key
//   #/audit?action=&actor_id=&key_id=&filter_id=   the audit log, its filters in the query
// Ids are percent-encoded in the hash and decoded here; a key id is never an object key.

/** The route of a hash: `{page, id, query}` where page is filter | keys | key-new | key | audit. */
export function parseRoute(hash) {
  const [path, search = ''] = hash.replace(/^#/, '').split(/\?(.*)/s);
  const query = new URLSearchParams(search);
  let m;
  if (path === '/keys') return { page: 'keys', id: null, query };
  if (path === '/keys/new') return { page: 'key-new', id: null, query };
  if ((m = /^\/keys\/(.+)$/.exec(path))) return { page: 'key', id: decode(m[1]), query };
  if (path === '/audit') return { page: 'audit', id: null, query };
  if ((m = /^\/filters\/(.+)$/.exec(path))) return { page: 'filter', id: decode(m[1]), query };
  return { page: 'filter', id: null, query };
}

function decode(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s; // a malformed escape names no key or filter: the page says it does not exist
  }
}

/** Which navigation section a page belongs to. */
export const sectionOf = (page) => (page === 'filter' ? 'filters' : page === 'audit' ? 'audit' : 'keys');

export const keyHref = (id) => `#/keys/${encodeURIComponent(id)}`;
export const filterHref = (id) => `#/filters/${encodeURIComponent(id)}`;

/** `#/audit` with the non-empty entries of `params` (a Map or [name, value] pairs). */
export function auditHref(params = []) {
  const q = new URLSearchParams();
  for (const [name, value] of params) if (value) q.set(name, value);
  const s = q.toString();
  return s ? `#/audit?${s}` : '#/audit';
}
