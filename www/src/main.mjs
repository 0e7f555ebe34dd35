// Entry point: choose the data source, then route between the filters list and the editor.
// URLs: #/new (a new filter) and #/filters/<id> (edit a stored one).
import { h } from './dom.mjs';
import { chooseBackend } from './backend.mjs';
import { Editor } from './editor.mjs';
import { renderFilterList } from './filter-list.mjs';

const listEl = document.getElementById('filter-list');
const editorEl = document.getElementById('editor');
const modeEl = document.getElementById('mode');
const toastEl = document.getElementById('toast');

function toast(text) {
  toastEl.textContent = text;
  toastEl.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { toastEl.hidden = true; }, 4000);
}

async function start() {
  const backend = await chooseBackend();
  modeEl.textContent = backend.label;
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
        toast(how.created ? `Saved “${record.name}”. It is now available as a grant for API keys.` : `Saved changes to “${record.name}”.`);
        const target = `#/filters/${encodeURIComponent(record.id)}`;
        if (location.hash === target) route(); else location.hash = target;
      }
    },
  });

  function route() {
    const m = /^#\/filters\/(.+)$/.exec(location.hash);
    const id = m ? decodeURIComponent(m[1]) : null;
    const record = id ? filters.find((f) => f.id === id && !f.archived) : null;
    renderFilterList(listEl, { firm: context.firm, workspaces: context.workspaces, filters, currentId: record?.id });
    editor.open(record ?? null);
    document.body.dataset.ready = 'true'; // for the tests: the first render is done
  }
  window.addEventListener('hashchange', route);
  // "+ New filter" while already on #/new still means "start over".
  listEl.addEventListener('click', (e) => {
    if (e.target.closest('#new-filter') && location.hash === '#/new') route();
  });
  route();
}

start().catch((err) => {
  console.error(err);
  editorEl.replaceChildren(h('div', { class: 'notice error', role: 'alert' },
    h('strong', {}, 'The builder could not start. '), String(err.message ?? err)));
});
