// The "Add grant" form of a key's page: a workspace, one of its filters, and the actions that
// filter offers. The gateway validates the key with the grant added (the engine's diagnostics
// name it `$.grants[n]`, n being the grants the key had), and each diagnostic goes back to the
// control the grant was built from.
import { h } from './dom.mjs';
import { diagnosticsOf, FormErrors, pathOf, summaryBox } from './form-errors.mjs';
import { grantPath } from './grant-picker.mjs';
import { grantBody } from './grants.mjs';
import { capital } from './settings-parts.mjs';

/**
 * @param sections grantChoices(...)
 * @param grantCount the number of grants the key holds now (the new one comes after them)
 * @param submit(grant) resolves when added, rejects with an ApiError when refused
 */
export function addGrantForm({ sections, grantCount, submit }) {
  const summary = summaryBox();
  const errors = new FormErrors(summary);
  const wsSelect = h('select', { id: 'grant-workspace', onchange: () => fillFilters() },
    sections.map((s, i) => h('option', { value: String(i) }, s.title)));
  const filterSelect = h('select', { id: 'grant-filter', onchange: () => fillActions() });
  const actionsRow = h('div', { class: 'grant-actions' });
  const msgs = h('div', { class: 'msgs', id: 'add-grant-msgs' });
  const button = h('button', { type: 'submit', class: 'btn primary', id: 'add-grant' }, 'Add grant');
  let boxes = [];

  const choice = () => sections[Number(wsSelect.value)]?.choices[Number(filterSelect.value)] ?? null;

  function fillFilters() {
    const { choices } = sections[Number(wsSelect.value)];
    // A system filter by its id and what it selects; a stored one by its name, told apart from its twins.
    filterSelect.replaceChildren(...choices.map((c, i) => h('option', { value: String(i) },
      c.filter.system ? `${c.filter.id} — ${c.filter.description}` : c.label)));
    fillActions();
  }

  function fillActions() {
    const c = choice();
    boxes = (c?.actions ?? []).map((action) => h('input', { type: 'checkbox', id: `add-grant-${action}`, value: action }));
    actionsRow.replaceChildren(...(c ? boxes.map((box) => h('label', { class: 'check', for: box.id }, box,
      capital(box.value), h('span', { class: 'sr-only' }, `: ${c.label}`))) : [h('span', { class: 'muted' }, 'No filter to grant here.')]));
    button.disabled = !c;
  }

  function locate(d, sent) {
    const parsed = grantPath(pathOf(d));
    if (!parsed || parsed.index < grantCount) return {}; // about a grant the key already holds
    if (parsed.field === 'actions' && parsed.item !== null && sent[parsed.item]) return { control: sent[parsed.item], where: msgs };
    if (parsed.field === 'workspace_id') return { control: wsSelect, where: msgs };
    if (parsed.field === 'filter') return { control: filterSelect, where: msgs };
    return { control: sent[0] ?? filterSelect, where: msgs };
  }

  const form = h('form', {
    id: 'add-grant-form', class: 'add-grant', novalidate: true, 'aria-labelledby': 'add-grant-title',
    onsubmit: async (e) => {
      e.preventDefault();
      const c = choice();
      const sent = boxes.filter((b) => b.checked);
      button.disabled = true;
      try {
        await submit(grantBody(c, sent.map((b) => b.value)));
        errors.clear();
      } catch (err) {
        errors.show(diagnosticsOf(err).map((d) => ({ diagnostic: d, ...locate(d, sent) })), { title: 'The grant was not added' });
      } finally {
        button.disabled = !choice();
      }
    },
  },
  h('h4', { id: 'add-grant-title' }, 'Add grant'),
  summary,
  h('div', { class: 'grant-form-row' },
    h('div', { class: 'field' }, h('label', { for: 'grant-workspace' }, 'Workspace'), wsSelect),
    h('div', { class: 'field' }, h('label', { for: 'grant-filter' }, 'Filter'), filterSelect)),
  h('fieldset', { class: 'field' }, h('legend', { class: 'field-label' }, 'Actions'), actionsRow),
  msgs,
  h('div', { class: 'form-actions' }, button));
  fillFilters();
  return form;
}
