// How the pages name filters and the keys holding them, the same way everywhere: filters that
// share a name told apart (the filters list, the grant checkboxes, the key page's and the audit
// log's Filter selects), and "Held by" key names (the list, the edit page, the confirmations).
import { h } from './dom.mjs';

/** The day a filter was made (YYYY-MM-DD), or null when unknown. */
export const createdDay = (f) => (typeof f.created_at === 'string' ? f.created_at.slice(0, 10) : null);

/**
 * For filters sharing a name, what tells each apart: the workspace when theirs differ, the
 * entity type when theirs differ, the creation day when known, and always the id. A Map from
 * the id of each such filter to that text ("Acme Main · created 2025-01-02 · flt_x"); filters
 * whose name is their own are not in it. `workspaceName(id)`: a workspace's name.
 */
export function distinctions(filters, workspaceName = (id) => id) {
  const byName = new Map();
  for (const f of filters) byName.set(f.name, [...(byName.get(f.name) ?? []), f]);
  const out = new Map();
  for (const same of byName.values()) {
    if (same.length < 2) continue;
    const differ = (key) => new Set(same.map(key)).size > 1;
    const [ws, type] = [differ((f) => f.workspace_id), differ((f) => f.entity_type)];
    for (const f of same) {
      const day = createdDay(f);
      out.set(f.id, [ws ? workspaceName(f.workspace_id) ?? f.workspace_id : null, type ? f.entity_type : null,
        day ? `created ${day}` : null, f.id].filter(Boolean).join(' · '));
    }
  }
  return out;
}

/** A stored filter's name, with what tells it apart when another shares it: "Name (created … · flt_x)". */
export function filterLabel(filter, told) {
  const tell = told.get(filter.id);
  return tell ? `${filter.name} (${tell})` : filter.name;
}

/**
 * The names of the keys holding a filter (`held_by`: `[{id, name, revoked}]`), comma separated,
 * a revoked one marked: nodes to append. `href(id)` gives a key's page (the name is then a link);
 * otherwise each name is a `tag` element (`strong` in a confirmation, `span` inside a link).
 */
export function heldByNames(held, { href = () => null, tag = 'span' } = {}) {
  return held.flatMap((k, i) => {
    const to = href(k.id);
    const name = to ? h('a', { href: to, class: 'key-link', dataset: { key: k.id } }, k.name)
      : h(tag, { class: 'key-name', dataset: { key: k.id } }, k.name);
    return [i ? ', ' : null, name, k.revoked ? h('span', { class: 'revoked' }, ' (revoked)') : null];
  }).filter((x) => x !== null);
}

const keys = (n) => `${n.toLocaleString('en-US')} ${n === 1 ? 'key' : 'keys'}`;

/**
 * "Held by 2 keys: A, B (revoked)", "Held by no key" (`none` says it otherwise), or from a count
 * alone "Held by 3 keys" when only `keys_holding` is known: nodes to append, or null when the
 * record says nothing about its keys. Options as heldByNames.
 */
export function heldByLine(record, { none = 'Held by no key', ...opts } = {}) {
  const held = record.held_by;
  if (!Array.isArray(held)) {
    const n = record.keys_holding;
    return typeof n === 'number' ? [`Held by ${keys(n)}`] : null;
  }
  if (held.length === 0) return [none];
  return [`Held by ${keys(held.length)}: `, ...heldByNames(held, opts)];
}
