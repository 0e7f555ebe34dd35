// The filters list: stored filters per workspace, plus the system filters, which exist without
// being stored and can be neither edited nor archived (SPEC 2.1). Each filter says which keys
// hold it; filters that share a name show what tells them apart. On a narrow screen the list is
// a disclosure above the editor, closed once a filter is open.
import { h } from './dom.mjs';
import { systemFilters } from './engine.mjs';

const NARROW = '(max-width: 860px)';

/** "Held by 2 keys: A, B (revoked)" or "Held by no key", from `held_by` (or a count alone). */
export function heldBySummary(filter) {
  const held = filter.held_by;
  if (!Array.isArray(held)) {
    const n = filter.keys_holding;
    return typeof n === 'number' ? `Held by ${n} ${n === 1 ? 'key' : 'keys'}` : null;
  }
  if (held.length === 0) return 'Held by no key';
  const names = held.map((k) => `${k.name}${k.revoked ? ' (revoked)' : ''}`).join(', ');
  return `Held by ${held.length} ${held.length === 1 ? 'key' : 'keys'}: ${names}`;
}

/** The day a filter was made, as the list shows it (YYYY-MM-DD), or null when unknown. */
const createdDay = (f) => (typeof f.created_at === 'string' ? f.created_at.slice(0, 10) : null);

/**
 * For filters sharing a name, what tells each apart: the workspace when theirs differ, the
 * entity type when theirs differ, the creation day when known, and always the id.
 */
function distinctions(filters, workspaces) {
  const byName = new Map();
  for (const f of filters) byName.set(f.name, [...(byName.get(f.name) ?? []), f]);
  const wsName = (id) => workspaces.find((w) => w.id === id)?.name ?? id;
  const out = new Map();
  for (const same of byName.values()) {
    if (same.length < 2) continue;
    const differ = (key) => new Set(same.map(key)).size > 1;
    const [ws, type] = [differ((f) => f.workspace_id), differ((f) => f.entity_type)];
    for (const f of same) {
      const day = createdDay(f);
      out.set(f.id, [ws ? wsName(f.workspace_id) : null, type ? f.entity_type : null,
        day ? `created ${day}` : null, f.id].filter(Boolean).join(' · '));
    }
  }
  return out;
}

export function renderFilterList(container, { firm, workspaces, filters, currentId }) {
  // The engine names the system filters: per workspace one per entity type, then the firm's.
  const system = systemFilters({ id: firm.id, workspaces: workspaces.map((ws) => ws.id) });
  const firmGlobal = system.find((f) => f.firm_global);
  const detail = distinctions(filters.filter((f) => !f.archived), workspaces);
  const current = filters.find((f) => f.id === currentId);
  const narrow = window.matchMedia(NARROW);

  const body = h('div', { class: 'list-body', id: 'filter-list-body' },
    ...workspaces.map((ws) => {
      const mine = filters.filter((f) => f.workspace_id === ws.id);
      const active = mine.filter((f) => !f.archived);
      const archived = mine.filter((f) => f.archived);
      return h('section', { class: 'ws', 'aria-label': `Filters in ${ws.name}` },
        h('h3', {}, ws.name),
        h('ul', { class: 'filters' },
          active.length === 0 ? h('li', { class: 'muted small' }, 'No custom filters yet.') : null,
          active.map((f) => {
            const held = heldBySummary(f);
            const tell = detail.get(f.id);
            return h('li', { class: 'filter-item' },
              h('a', {
                href: `#/filters/${encodeURIComponent(f.id)}`, class: 'filter-link',
                'aria-current': f.id === currentId ? 'page' : null,
                dataset: { id: f.id },
              },
              h('span', { class: 'filter-line' },
                h('span', { class: 'filter-name' }, f.name), h('span', { class: `badge type-${f.entity_type}` }, f.entity_type)),
              tell ? h('span', { class: 'filter-detail mono' }, tell) : null,
              held ? h('span', { class: 'filter-held' }, held) : null));
          })),
        archived.length ? h('details', { class: 'archived' },
          h('summary', {}, `Archived (${archived.length})`),
          h('ul', { class: 'filters' }, archived.map((f) => h('li', { class: 'muted' },
            h('span', { class: 'filter-name' }, f.name), h('span', { class: 'badge' }, 'archived'))))) : null,
        h('details', { class: 'system' },
          h('summary', {}, 'System filters'),
          h('ul', { class: 'filters' }, system.filter((f) => f.workspace_id === ws.id.toLowerCase()).map((f) =>
            h('li', { class: 'system-filter', title: f.description },
              h('code', {}, f.id), h('span', { class: 'badge' }, 'read-only'))))));
    }),
    firmGlobal ? h('p', { class: 'muted small firm-global' }, h('code', {}, firmGlobal.id), ` ${firmGlobal.description}.`) : null);

  // Narrow screens: the list folds into a disclosure above the editor, closed until asked for.
  const fold = h('details', { class: 'list-fold', open: !narrow.matches },
    h('summary', { class: 'list-fold-summary' },
      current ? `All filters · editing “${current.name}”` : `All filters (${filters.filter((f) => !f.archived).length})`),
    body);
  narrow.onchange = (e) => { fold.open = !e.matches; };

  container.replaceChildren(
    h('div', { class: 'list-head' },
      h('h2', { id: 'filters-title' }, 'Resource filters'),
      h('a', { class: 'btn primary small', href: '#/new', id: 'new-filter' }, '+ New filter')),
    fold);
}
