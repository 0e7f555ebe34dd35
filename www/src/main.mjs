// Entry point: choose the data source, then route: the filter builder (#/new, #/filters/<id>:
// the filters list and the editor) or a settings page (#/keys..., #/audit: src/settings-pages.mjs).
// The addresses are parsed in src/routes.mjs.
import { h } from './dom.mjs';
import { chooseBackend } from './backend.mjs';
import { Editor } from './editor.mjs';
import { renderFilterList } from './filter-list.mjs';
import { auditHref, parseRoute } from './routes.mjs';
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
    const found = id ? filters.find((f) => f.id === id) : null;
    const record = found && !found.archived ? found : null;
    pages.showBuilder([['Resource filters', '#/new'], [record ? record.name : 'New filter']]);
    renderFilterList(listEl, { firm: context.firm, workspaces: context.workspaces, filters, currentId: record?.id });
    editor.open(record, { notice: id && !record ? notFound(id, found) : null });
    document.body.dataset.ready = 'true'; // for the tests: the first render is done
  }

  /** Why a link to a filter opened a new one instead: the filter is archived, or there is none. */
  function notFound(id, archived) {
    if (archived) {
      const history = backend.mode === 'gateway' ? [' Its history is in the ', h('a', { href: auditHref([['filter_id', id]]) }, 'audit log'), '.'] : [];
      return [h('strong', {}, `“${archived.name}” is archived. `),
        'An archived filter cannot be opened or edited again, and no key holds it any more; a new filter is open instead.', ...history];
    }
    return [h('strong', {}, 'No such filter. '),
      `No filter here has the id “${id}” (it may have been made in another browser, or belong to another firm); a new filter is open instead.`];
  }

  // Unsaved edits: going elsewhere in the page asks first ("Leave without saving?"), and the page
  // and the browser's history stay as they are until the answer is "Leave":
  // - a link of the page (another filter, "+ New filter", a key, a section) asks before it is
  //   followed, and is followed (location.hash set) only on "Leave";
  // - Back and Forward have already moved the history when the page hears of them (hashchange):
  //   "Stay" moves it back again (history.go) to the entry being edited, and the hashchange that
  //   follows is not a navigation.
  // Each history entry the page has been on carries its position (`history.state.at`), to know
  // how far Back or Forward went. One question at a time: what the browser does while it is
  // open is answered by it (Leave: the page then shown is where the history is by then).
  // Closing or reloading the tab has the browser ask (beforeunload).
  let at = position();
  let shown = { hash: location.hash, at };
  let asking = false;
  let returning = false;
  // Edits count only while the editor is showing: leaving it for a settings page discards them.
  const editing = () => pages.page === 'filter' && editor.isDirty();

  /** This entry's position in the history: stamped the first time the page is on it. */
  function position(next = 0) {
    const known = history.state?.at;
    if (Number.isInteger(known)) return known;
    history.replaceState({ ...(history.state ?? {}), at: next }, '');
    return next;
  }

  async function ask() {
    asking = true;
    try {
      return await editor.confirmLeave();
    } finally {
      asking = false;
    }
  }

  function show() {
    shown = { hash: location.hash, at };
    route();
  }

  /** "Stay": back to the entry being edited, if Back or Forward moved the history meanwhile. */
  function stay() {
    if (at === shown.at) return;
    returning = true;
    history.go(shown.at - at);
  }

  window.addEventListener('hashchange', async () => {
    // A new entry comes after the one the page was on; an old one says where it is.
    at = position(at + 1);
    if (returning && location.hash === shown.hash) {
      returning = false; // "Stay": back on the entry being edited
      return;
    }
    if (location.hash === shown.hash || asking) return; // already shown; or the open question decides
    if (editing() && !(await ask())) {
      stay();
      return;
    }
    show();
  });

  // A link of the page, while the editor holds unsaved edits: ask before following it.
  document.addEventListener('click', async (e) => {
    const link = e.target instanceof Element ? e.target.closest('a[href]') : null;
    if (!link || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    if (link.target || link.hasAttribute('download')) return;
    const url = new URL(link.href, location.href);
    if (url.origin !== location.origin || url.pathname !== location.pathname || url.search !== location.search || !url.hash) return;
    // "+ New filter" on #/new means "start over": no hashchange, so asked and done here.
    const again = url.hash === location.hash;
    if (again && !(pages.page === 'filter' && parseRoute(url.hash).id === null)) return;
    if (asking) { e.preventDefault(); return; }
    if (!again && !editing()) return; // nothing to lose: the browser follows it
    e.preventDefault();
    if (!(await ask())) {
      stay();
      return;
    }
    if (again) route();
    else location.hash = url.hash;
  });
  window.addEventListener('beforeunload', (e) => {
    if (editing()) { e.preventDefault(); e.returnValue = ''; }
  });
  route();
}

start().catch((err) => {
  console.error(err);
  (document.querySelector('#stage main') ?? editorEl).replaceChildren(h('div', { class: 'notice error', role: 'alert' },
    h('strong', {}, 'The builder could not start. '), String(err.message ?? err)));
});
