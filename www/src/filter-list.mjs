// The filters list: stored filters per workspace, plus the system filters, which exist without
// being stored and can be neither edited nor archived (SPEC 2.1). Each filter says which keys
// hold it; filters that share a name show what tells them apart. On a narrow screen the list is
// a disclosure above the editor, closed once a filter is open.
import { h } from './dom.mjs';
import { systemFilters } from './engine.mjs';
import { distinctions, heldByLine } from './naming.mjs';

const NARROW = '(max-width: 860px)';

export function renderFilterList(container, { firm, workspaces, filters, currentId }) {
  // The engine names the system filters: per workspace one per entity type (asked per workspace,
  // so each is shown under the workspace it was asked for), then the firm's.
  const systemOf = (ws) => systemFilters({ id: firm.id, workspaces: [ws.id] }).filter((f) => !f.firm_global);
  const firmGlobal = systemFilters({ id: firm.id, workspaces: workspaces.map((ws) => ws.id) }).find((f) => f.firm_global);
  const wsName = new Map(workspaces.map((w) => [w.id, w.name]));
  const detail = distinctions(filters.filter((f) => !f.archived), (id) => wsName.get(id));
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
            const held = heldByLine(f);
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
          h('ul', { class: 'filters' }, systemOf(ws).map((f) =>
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
