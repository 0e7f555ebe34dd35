// Entry point: choose the data source, then route: the filter builder (#/new, #/filters/<id>:
// the filters list and the editor) or a settings page (#/keys..., #/audit: src/settings-pages.mjs).
// The addresses are parsed in src/routes.mjs.
import { h } from './dom.mjs';
import { chooseBackend } from './backend.mjs';
import { Editor } from './editor.mjs';
import { renderFilterList } from './filter-list.mjs';
import { parseRoute } from './routes.mjs';
import { Pages } from './settings-pages.mjs';

const listEl = document.getElementById('filter-list');
const editorEl = document.getElementById('editor');
const modeEl = document.getElementById('mode');
const toastEl = document.getElementById('toast');

/** A passing message (text and links); it stays while the pointer or focus is on it. */
function toast(...parts) {
  toastEl.replaceChildren(...parts);
  toastEl.hidden = false;
  const later = () => {
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { if (toastEl.matches(':hover, :focus-within')) later(); else toastEl.hidden = true; }, 4000);
  };
  later();
}

async function start() {
  const backend = await chooseBackend();
  modeEl.textContent = backend.label;
  const pages = new Pages(backend);
  const context = await backend.load();
  let filters = await backend.listFilters();

  const editor = new Editor(editorEl, {
    backend,
    context,
    onSaved: async (record, how) => {
      filters = await backend.listFilters();
      if (how.archived) {
        toast(`Archived “${record.name}”.`);
        location.hash = '#/new';
      } else {
        if (how.created) toast(`Saved “${record.name}”. It is now available as a grant for `, h('a', { href: '#/keys/new' }, 'API keys'), '.');
        else toast(`Saved changes to “${record.name}”.`);
        const target = `#/filters/${encodeURIComponent(record.id)}`;
        if (location.hash === target) route(); else location.hash = target;
      }
    },
  });

  async function route() {
    const where = parseRoute(location.hash);
    const { page, id } = where;
    if (page !== 'filter') {
      await pages.showSettings(where);
      document.body.dataset.ready = 'true';
      return;
    }
    // Back from the settings pages: keys made or changed there change which keys hold a filter.
    if (pages.page !== null && pages.page !== 'filter') filters = await backend.listFilters().catch(() => filters);
    const record = id ? filters.find((f) => f.id === id && !f.archived) : null;
    pages.showBuilder([['Resource filters', '#/new'], [record ? record.name : 'New filter']]);
    renderFilterList(listEl, { firm: context.firm, workspaces: context.workspaces, filters, currentId: record?.id });
    editor.open(record ?? null);
    document.body.dataset.ready = 'true'; // for the tests: the first render is done
  }
  // Unsaved edits: going elsewhere in the page (another filter, "+ New filter", another page, Back)
  // asks first, staying on the editor's URL meanwhile; closing or reloading the tab has the browser ask.
  let shown = location.hash;
  // Edits count only while the editor is showing: leaving it for a settings page discards them.
  const editing = () => pages.page === 'filter' && editor.isDirty();
  async function navigate() {
    const target = location.hash;
    if (target !== shown && editing()) {
      history.replaceState(null, '', shown || `${location.pathname}${location.search}`);
      if (!(await editor.confirmLeave())) return;
      history.replaceState(null, '', target);
    }
    shown = target;
    route();
  }
  window.addEventListener('hashchange', navigate);
  window.addEventListener('beforeunload', (e) => {
    if (editing()) { e.preventDefault(); e.returnValue = ''; }
  });
  // "+ New filter" while already on #/new still means "start over" (after asking, as above).
  listEl.addEventListener('click', async (e) => {
    if (e.target.closest('#new-filter') && location.hash === '#/new' && await editor.confirmLeave()) route();
  });
  route();
}

start().catch((err) => {
  console.error(err);
  (document.querySelector('#stage main') ?? editorEl).replaceChildren(h('div', { class: 'notice error', role: 'alert' },
    h('strong', {}, 'The builder could not start. '), String(err.message ?? err)));
});
