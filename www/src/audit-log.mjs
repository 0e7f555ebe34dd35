// #/audit: the audit log, newest first, a page at a time. Its filters (action, key, filter,
// admin) live in the hash's query, so a view can be linked; the gateway does the filtering.
import { h } from './dom.mjs';
import { grantText, workspaceNames } from './grants.mjs';
import { capital, errorNotice, loading, pageHead, timeEl } from './settings-parts.mjs';
import { auditHref, filterHref, keyHref } from './routes.mjs';
import { distinctions, filterLabel } from './naming.mjs';

// Every action the admin API records (its audit() calls), in words.
const ACTIONS = new Map([
  ['key.create', 'Created an API key'],
  ['key.reveal', 'Revealed a key’s secret'],
  ['key.regenerate', 'Regenerated a key’s secret'],
  ['key.revoke', 'Revoked an API key'],
  ['key.grant_add', 'Added a grant to a key'],
  ['key.grant_remove', 'Removed a grant from a key'],
  ['key.allowed_ips', 'Changed a key’s IP allow-list'],
  ['filter.create', 'Created a filter'],
  ['filter.edit', 'Edited a filter'],
  ['filter.archive', 'Archived a filter'],
  ['admin.create', 'Created an admin credential'],
  ['admin.revoke', 'Revoked an admin credential'],
]);

// The hash's query parameters this page passes on to GET /audit.
const FILTERS = ['action', 'key_id', 'filter_id', 'actor_id'];
const PAGE_SIZE = 50;

const DETAIL_LABELS = new Map([
  ['environment', 'Environment'], ['grants', 'Grants'], ['filter', 'Filter'], ['workspace_id', 'Workspace'],
  ['actions', 'Actions'], ['allowed_ips', 'IP allow-list'], ['keys_affected', 'Keys holding the filter'],
  ['predicate_text', 'Conditions'],
]);

/** A select whose options are `[value, label]`; a chosen value the lists do not have is kept, by its id. */
function choiceSelect(id, anyLabel, options, chosen) {
  const known = options.some(([value]) => value === chosen);
  return h('select', { id, name: id },
    h('option', { value: '' }, anyLabel),
    options.map(([value, label]) => h('option', { value, selected: value === chosen }, label)),
    chosen && !known ? h('option', { value: chosen, selected: true }, chosen) : null);
}

export async function renderAuditLog(container, ctx, query) {
  ctx.setTitle([['Audit log']]);
  const chosen = new Map(FILTERS.map((name) => [name, query.get(name) ?? '']));
  const head = pageHead('Audit log');
  container.replaceChildren(head, loading('the audit log'));

  let me;
  let admins;
  let keys;
  let filters;
  let workspaces;
  try {
    [me, admins, keys, filters, { workspaces }] = await Promise.all([
      // The admins only name the choices of the Admin select; without them it offers the current one.
      ctx.api.me(), ctx.api.admins().catch(() => []), ctx.api.keys(), ctx.api.filters({ archived: true }), ctx.api.workspaces(),
    ]);
  } catch (err) {
    container.replaceChildren(head, errorNotice(err, 'The audit log could not be loaded.'));
    return;
  }
  const names = workspaceNames(workspaces);
  const stored = filters.filter((f) => !f.system);
  const filterNames = new Map(stored.map((f) => [f.id, f.name]));
  // The Filter select: the system filters once each (an entry names `default:details`, whichever
  // workspace's), then the stored ones, archived too, each label unique (twins told apart).
  const told = distinctions(stored, (id) => names.get(id));
  const systemIds = new Map();
  for (const f of filters.filter((x) => x.system)) {
    if (!systemIds.has(f.id)) systemIds.set(f.id, f.firm_global ? `${f.id} (firm-global)` : `${f.id} (system filter, any workspace)`);
  }
  const filterOptions = [...systemIds,
    ...stored.map((f) => [f.id, `${filterLabel(f, told)}${f.archived ? ' (archived)' : ''}`])];

  const selects = new Map([
    ['action', choiceSelect('audit-action', 'Any action', [...ACTIONS].map(([code, words]) => [code, `${words} (${code})`]), chosen.get('action'))],
    ['key_id', choiceSelect('audit-key', 'Any key', keys.map((k) => [k.id, k.revoked ? `${k.name} (revoked)` : k.name]), chosen.get('key_id'))],
    ['filter_id', choiceSelect('audit-filter', 'Any filter', filterOptions, chosen.get('filter_id'))],
    ['actor_id', choiceSelect('audit-actor', 'Any admin', [[me.id, `You (${me.name})`],
      ...admins.filter((a) => a.id !== me.id).map((a) => [a.id, a.revoked ? `${a.name} (revoked)` : a.name])], chosen.get('actor_id'))],
  ]);
  const labels = new Map([['action', 'Action'], ['key_id', 'Key'], ['filter_id', 'Filter'], ['actor_id', 'Admin']]);
  const form = h('form', {
    class: 'card audit-filters', id: 'audit-filters', 'aria-label': 'Filter the audit log',
    onsubmit: (e) => {
      e.preventDefault();
      location.hash = auditHref([...selects].map(([name, select]) => [name, select.value]));
    },
  },
  [...selects].map(([name, select]) => h('div', { class: 'field' }, h('label', { for: select.id }, labels.get(name)), select)),
  h('div', { class: 'form-actions' },
    h('button', { type: 'submit', class: 'btn primary', id: 'audit-apply' }, 'Show entries'),
    h('a', { class: 'btn', href: '#/audit' }, 'Clear filters')));

  const tbody = h('tbody', {});
  const more = h('div', { class: 'form-actions' });
  const results = h('section', { 'aria-labelledby': 'audit-entries-title', class: 'card' },
    h('h3', { id: 'audit-entries-title', tabindex: '-1' }, 'Entries, newest first'));
  container.replaceChildren(head, form, results);

  const params = new URLSearchParams([...chosen].filter(([, value]) => value));
  params.set('limit', String(PAGE_SIZE));
  let page;
  try {
    page = await ctx.api.audit(params);
  } catch (err) {
    results.append(errorNotice(err, 'The entries could not be loaded.'));
    return;
  }
  if (!page.entries.length) {
    results.append(h('p', { class: 'muted', id: 'audit-empty' }, params.size > 1 ? 'No entries match these filters.' : 'No entries yet.'));
    return;
  }
  tbody.append(...page.entries.map((e) => entryRow(e, { names, filterNames })));
  results.append(
    h('div', { class: 'table-wrap' }, h('table', { class: 'data-table audit-table', id: 'audit-table' },
      h('caption', { class: 'sr-only' }, 'Audit log entries, newest first'),
      h('thead', {}, h('tr', {}, ['When', 'Who', 'What', 'On', 'From', 'Details'].map((t) => h('th', { scope: 'col' }, t)))),
      tbody)),
    more);

  let cursor = page.next_cursor;
  const older = h('button', {
    type: 'button', class: 'btn', id: 'audit-older',
    onclick: async () => {
      older.disabled = true;
      const next = new URLSearchParams(params);
      next.set('cursor', cursor);
      try {
        const got = await ctx.api.audit(next);
        tbody.append(...got.entries.map((e) => entryRow(e, { names, filterNames })));
        cursor = got.next_cursor;
        ctx.status(`${got.entries.length} older ${got.entries.length === 1 ? 'entry' : 'entries'} loaded.`);
        more.replaceChildren(...(cursor ? [older] : [h('p', { class: 'muted' }, 'That is the oldest entry.')]));
        if (!cursor) document.getElementById('audit-entries-title').focus();
      } catch (err) {
        more.replaceChildren(older, errorNotice(err, 'The older entries could not be loaded.'));
      } finally {
        older.disabled = false;
      }
    },
  }, 'Older entries');
  if (cursor) more.append(older);
}

function entryRow(e, { names, filterNames }) {
  return h('tr', { dataset: { id: e.id, action: e.action, target: e.target?.id ?? '' } },
    h('td', { 'data-label': 'When' }, timeEl(e.at, { withIso: true })),
    h('th', { scope: 'row', 'data-label': 'Who' }, e.actor, h('span', { class: 'sub mono' }, e.actor_id)),
    h('td', { 'data-label': 'What' }, ACTIONS.get(e.action) ?? e.action, h('span', { class: 'sub mono' }, e.action)),
    h('td', { 'data-label': 'On' }, targetEl(e.target)),
    h('td', { 'data-label': 'From' }, e.source_ip ? h('span', { class: 'mono' }, e.source_ip) : h('span', { class: 'muted' }, 'unknown')),
    h('td', { 'data-label': 'Details' }, e.details ? detailsEl(e.details, { names, filterNames }) : h('span', { class: 'muted' }, '—')));
}

function targetEl(target) {
  if (!target) return h('span', { class: 'muted' }, '—');
  const href = target.type === 'key' ? keyHref(target.id) : target.type === 'filter' ? filterHref(target.id) : null;
  const name = target.name ?? target.id;
  return h('span', {},
    `${capital(target.type)} `,
    href ? h('a', { href }, name) : h('strong', {}, name),
    h('span', { class: 'sub mono' }, target.id));
}

/** An entry's details as label: value lines; ids of filters and workspaces by their names. */
function detailsEl(details, { names, filterNames }) {
  const value = (k, v) => {
    if (k === 'filter' && typeof v === 'string') {
      return filterNames.has(v) ? h('a', { href: filterHref(v) }, filterNames.get(v)) : h('code', {}, v);
    }
    if (k === 'workspace_id' && typeof v === 'string') return names.get(v) ?? v;
    if (k === 'actions' && Array.isArray(v)) return v.map(capital).join(', ');
    if (k === 'allowed_ips' && v === null) return 'none (any address)';
    // The grants a key was made with: each in words, its filter by name.
    if (k === 'grants' && Array.isArray(v)) {
      return v.length ? h('ul', { class: 'plain' }, v.map((g) => h('li', {},
        typeof g === 'object' && g?.filter ? grantText({ ...g, filter_name: filterNames.get(g.filter) ?? g.filter }, names) : JSON.stringify(g))))
        : 'none';
    }
    if (k === 'predicate_text') return h('code', {}, String(v));
    if (Array.isArray(v)) return v.length ? v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ') : '(empty list)';
    return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
  };
  return h('dl', { class: 'entry-details' }, Object.entries(details).map(([k, v]) => [
    h('dt', {}, DETAIL_LABELS.get(k) ?? k), h('dd', {}, value(k, v))]));
}
