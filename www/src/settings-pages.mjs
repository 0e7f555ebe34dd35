// The page's frame: the filter builder (the filters list beside the editor) or one settings page
// (API keys, audit log) using the whole width, the navigation marked, the title and breadcrumb
// set, and focus moved to the page when the reader went to another one. Only one of the two
// frames is in the document at a time, so their controls and landmarks never coexist.
import { h } from './dom.mjs';
import { AdminApi } from './admin-api.mjs';
import { markCurrent, renderNav, setPageTitle } from './nav.mjs';
import { sectionOf } from './routes.mjs';
import { renderKeysList } from './keys-list.mjs';
import { renderKeyCreate } from './key-create.mjs';
import { renderKeyPage } from './key-page.mjs';
import { renderAuditLog } from './audit-log.mjs';
import { renderGatewayNeeded } from './gateway-needed.mjs';

const PAGES = new Map([
  ['keys', { title: 'API keys', render: (el, ctx) => renderKeysList(el, ctx) }],
  ['key-new', { title: 'API keys', render: (el, ctx) => renderKeyCreate(el, ctx) }],
  ['key', { title: 'API keys', render: (el, ctx, route) => renderKeyPage(el, ctx, route.id) }],
  ['audit', { title: 'Audit log', render: (el, ctx, route) => renderAuditLog(el, ctx, route.query) }],
]);

export class Pages {
  /** @param backend the data source; the settings pages need the gateway's (its admin API) */
  constructor(backend) {
    this.api = backend.mode === 'gateway' ? new AdminApi(backend) : null;
    this.stage = document.getElementById('stage');
    this.builder = document.getElementById('builder');
    this.nav = document.getElementById('site-nav');
    this.crumbs = document.getElementById('crumbs');
    this.statusEl = h('p', { class: 'page-status', id: 'page-status', role: 'status' });
    this.content = h('div', { class: 'settings-content' });
    this.settings = h('main', { id: 'settings', class: 'settings', tabindex: '-1', 'aria-labelledby': 'page-title' },
      this.statusEl, this.content);
    this.page = null; // the page showing (a route's `page`), to tell a move from a re-render
    renderNav(this.nav);
    // The skip link's target depends on the page; its hash would be read as a route.
    document.getElementById('skip-link')?.addEventListener('click', (e) => {
      e.preventDefault();
      this.stage.querySelector('main')?.focus();
    });
  }

  /** The filter builder's frame. `trail`: its breadcrumb. */
  showBuilder(trail) {
    const moved = this.page !== null && this.page !== 'filter';
    this.page = 'filter';
    if (this.builder.parentNode !== this.stage) this.stage.replaceChildren(this.builder);
    markCurrent(this.nav, 'filters');
    setPageTitle(this.crumbs, trail);
    if (moved) document.getElementById('editor')?.focus();
  }

  /** One settings page, `route` being parseRoute's; resolves once it has rendered. */
  async showSettings(route) {
    const spec = PAGES.get(route.page);
    const moved = this.page !== route.page || route.page === 'key';
    const first = this.page === null;
    const focusedId = document.activeElement?.id || null;
    this.page = route.page;
    if (this.settings.parentNode !== this.stage) this.stage.replaceChildren(this.settings);
    markCurrent(this.nav, sectionOf(route.page));
    if (moved) this.statusEl.textContent = '';
    // Each render writes into an element of its own: a slower, older one lands nowhere.
    const el = h('div', { class: 'settings-page', dataset: { page: route.page } });
    this.content.replaceChildren(el);
    const ctx = {
      api: this.api,
      setTitle: (trail) => { if (el.isConnected) setPageTitle(this.crumbs, trail); },
      status: (text) => { if (el.isConnected) this.statusEl.textContent = text; },
    };
    if (this.api) await spec.render(el, ctx, route);
    else renderGatewayNeeded(el, ctx, spec.title);
    if (!el.isConnected || first) return;
    // A new page: focus its heading. The same page again (the audit log's filters applied): the control used.
    const again = !moved && focusedId ? document.getElementById(focusedId) : null;
    (again ?? document.getElementById('page-title') ?? this.settings).focus();
  }
}
