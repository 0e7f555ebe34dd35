// The filters list: stored filters per workspace, plus the system filters, which exist without
// being stored and can be neither edited nor archived (SPEC 2.1).
import { h } from './dom.mjs';
import { systemFilters } from './engine.mjs';

export function renderFilterList(container, { firm, workspaces, filters, currentId }) {
  // The engine names the system filters: per workspace one per entity type, then the firm's.
  const system = systemFilters({ id: firm.id, workspaces: workspaces.map((ws) => ws.id) });
  const firmGlobal = system.find((f) => f.firm_global);
  container.replaceChildren(
    h('div', { class: 'list-head' },
      h('h2', { id: 'filters-title' }, 'Resource filters'),
      h('a', { class: 'btn primary small', href: '#/new', id: 'new-filter' }, '+ New filter')),
    ...workspaces.map((ws) => {
      const mine = filters.filter((f) => f.workspace_id === ws.id);
      const active = mine.filter((f) => !f.archived);
      const archived = mine.filter((f) => f.archived);
      return h('section', { class: 'ws', 'aria-label': `Filters in ${ws.name}` },
        h('h3', {}, ws.name),
        h('ul', { class: 'filters' },
          active.length === 0 ? h('li', { class: 'muted small' }, 'No custom filters yet.') : null,
          active.map((f) => h('li', {},
            h('a', {
              href: `#/filters/${encodeURIComponent(f.id)}`, class: 'filter-link',
              'aria-current': f.id === currentId ? 'page' : null,
            }, h('span', { class: 'filter-name' }, f.name), h('span', { class: `badge type-${f.entity_type}` }, f.entity_type))))),
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
}
