// What a key reaches, on its page: its grants (each removable, one more addable) and its IP
// allow-list. Changes go through the page's `apply`, which sends them and shows the key as the
// gateway answers; a refusal's diagnostics come back to the form that sent it.
import { h } from './dom.mjs';
import { confirmDialog } from './confirm-dialog.mjs';
import { addGrantForm } from './grant-form.mjs';
import { allowListField, allowListPath } from './allow-list-field.mjs';
import { diagnosticsOf, FormErrors, pathOf, summaryBox } from './form-errors.mjs';
import { grantText } from './grants.mjs';
import { capital } from './settings-parts.mjs';
import { filterHref } from './routes.mjs';

/**
 * @param opts {key, names (workspace names), editable (ids of stored filters: they have a page),
 *   sections (grantChoices), api, apply}
 */
export function grantsCard({ key, names, editable, sections, api, apply }) {
  async function remove(g) {
    const go = await confirmDialog({
      title: 'Remove this grant?',
      question: `“${key.name}” loses this grant from its next request: ${grantText(g, names)}.`,
      confirmLabel: 'Remove grant',
      danger: true,
    });
    if (!go) return;
    await apply(() => api.removeGrant(key.id, g.id), {
      focusId: 'key-grants-title', what: 'The grant was not removed', report: true,
      status: () => `Removed the grant: ${grantText(g, names)}.`,
    });
  }

  const rows = key.grants.map((g, i) => {
    // A stored filter opens in the builder; a system filter (or an archived one) has no page.
    const filter = editable.has(g.filter) ? h('a', { href: filterHref(g.filter) }, g.filter_name) : h('code', {}, g.filter_name);
    const where = g.workspace_id ? g.workspace_name ?? names.get(g.workspace_id) ?? g.workspace_id : 'All workspaces (firm-global)';
    return h('tr', {},
      h('th', { scope: 'row', 'data-label': 'Filter' }, filter),
      h('td', { 'data-label': 'Workspace' }, where),
      h('td', { 'data-label': 'Actions' }, g.actions.map(capital).join(', ')),
      key.revoked ? null : h('td', { class: 'row-action' },
        h('button', { type: 'button', class: 'btn small danger', id: `remove-grant-${i}`, onclick: () => remove(g) },
          'Remove', h('span', { class: 'sr-only' }, ` grant: ${grantText(g, names)}`))));
  });
  return h('section', { class: 'card', 'aria-labelledby': 'key-grants-title' },
    h('h3', { id: 'key-grants-title', tabindex: '-1' }, 'Grants'),
    rows.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'data-table', id: 'grants-table' },
      h('caption', { class: 'sr-only' }, 'Grants of this key'),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, 'Filter'), h('th', { scope: 'col' }, 'Workspace'), h('th', { scope: 'col' }, 'Actions'),
        key.revoked ? null : h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Remove')))),
      h('tbody', {}, rows)))
      : h('p', { class: 'muted', id: 'no-grants' }, 'No grants yet.'),
    key.revoked ? null : addGrantForm({
      sections,
      grantCount: key.grants.length,
      submit: (grant) => apply(() => api.addGrant(key.id, grant), {
        focusId: 'key-grants-title', what: 'The grant was not added',
        status: (next) => `Added the grant: ${grantText(next.grants[next.grants.length - 1], names)}.`,
      }),
    }));
}

export function allowListCard({ key, api, apply }) {
  const title = h('h3', { id: 'key-ips-title' }, 'IP allow-list');
  if (key.revoked) {
    return h('section', { class: 'card', 'aria-labelledby': 'key-ips-title' }, title,
      key.allowed_ips?.length ? h('ul', { class: 'plain mono' }, key.allowed_ips.map((ip) => h('li', {}, ip)))
        : h('p', { class: 'muted' }, 'None: any address.'));
  }
  const summary = summaryBox();
  const errors = new FormErrors(summary);
  const field = allowListField('key-allowed-ips', key.allowed_ips);
  const button = h('button', { type: 'submit', class: 'btn primary', id: 'save-allowed-ips' }, 'Save allow-list');
  return h('section', { class: 'card', 'aria-labelledby': 'key-ips-title' }, title,
    h('form', {
      id: 'allowed-ips-form', novalidate: true,
      onsubmit: async (e) => {
        e.preventDefault();
        button.disabled = true;
        try {
          await apply(() => api.setAllowedIps(key.id, field.read()), {
            focusId: 'key-allowed-ips', what: 'The allow-list was not saved', status: () => 'Saved the IP allow-list.',
          });
        } catch (err) {
          errors.show(diagnosticsOf(err).map((d) => {
            const ip = allowListPath(pathOf(d));
            return { diagnostic: d, ...(ip ? field.locate(ip) : {}) };
          }), { title: 'The allow-list was not saved' });
        } finally {
          button.disabled = false;
        }
      },
    }, summary, field.el, h('div', { class: 'form-actions' }, button)));
}
