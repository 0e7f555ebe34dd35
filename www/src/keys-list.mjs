// #/keys: the firm's API keys, newest first, each with its grants in words and its last use.
import { h } from './dom.mjs';
import { grantText, workspaceNames } from './grants.mjs';
import { envBadge, errorNotice, loading, pageHead, statusBadge, timeEl } from './settings-parts.mjs';
import { keyHref } from './routes.mjs';

const cell = (label, ...content) => h('td', { 'data-label': label }, ...content);

export async function renderKeysList(container, ctx) {
  ctx.setTitle([['API keys']]);
  const head = pageHead('API keys',
    h('span', { class: 'spacer' }),
    h('button', { type: 'button', class: 'btn primary', id: 'create-key-button', onclick: () => { location.hash = '#/keys/new'; } },
      'Create new API key'));
  container.replaceChildren(head, loading('the keys'));
  let keys;
  let names;
  try {
    const [list, { workspaces }] = await Promise.all([ctx.api.keys(), ctx.api.workspaces()]);
    keys = [...list].reverse();
    names = workspaceNames(workspaces);
  } catch (err) {
    container.replaceChildren(head, errorNotice(err, 'The keys could not be loaded.'));
    return;
  }
  const intro = h('p', { class: 'lead' },
    'Each key is one integration’s credentials (a Client ID and a Client Secret) with the grants it holds.');
  if (!keys.length) {
    container.replaceChildren(head, intro, h('p', { class: 'card muted', id: 'no-keys' }, 'No API keys yet. Create one to give an integration access.'));
    return;
  }
  const table = h('table', { class: 'data-table', id: 'keys-table' },
    h('caption', { class: 'sr-only' }, 'API keys, newest first'),
    h('thead', {}, h('tr', {}, ['Name', 'Client ID', 'Environment', 'Grants', 'Last used', 'Created', 'Status']
      .map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, keys.map((k) => h('tr', { class: k.revoked ? 'revoked' : null },
      h('th', { scope: 'row', 'data-label': 'Name' }, h('a', { href: keyHref(k.id) }, k.name)),
      cell('Client ID', h('code', { class: 'client-id' }, k.client_id)),
      cell('Environment', envBadge(k.environment)),
      cell('Grants', k.grants.length
        ? h('ul', { class: 'plain' }, k.grants.map((g) => h('li', {}, grantText(g, names))))
        : h('span', { class: 'muted' }, 'No grants')),
      cell('Last used', k.last_used_at ? timeEl(k.last_used_at) : h('span', { class: 'muted' }, 'Never')),
      cell('Created', timeEl(k.created_at)),
      cell('Status', statusBadge(k), k.revoked && k.revoked_at ? h('span', { class: 'small muted' }, ' ', timeEl(k.revoked_at)) : null)))));
  container.replaceChildren(head, intro, h('div', { class: 'table-wrap' }, table));
}
