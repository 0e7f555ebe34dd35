// #/keys/<id>: one key. Its details and last use, the credential actions (reveal, regenerate,
// revoke), and its grants and IP allow-list (src/key-access.mjs). Every change is the gateway's
// answer re-rendered; a revoked key is shown read-only (the gateway refuses changes to it with
// 409 key_revoked, which reloads the page's view of it).
import { h, replaceChildren } from './dom.mjs';
import { confirmDialog } from './confirm-dialog.mjs';
import { showCredentials } from './credentials-dialog.mjs';
import { confirmRevoke } from './revoke-dialog.mjs';
import { allowListCard, grantsCard } from './key-access.mjs';
import { grantChoices, workspaceNames } from './grants.mjs';
import { capital, envBadge, errorNotice, loading, pageHead, statusBadge, timeEl } from './settings-parts.mjs';
import { auditHref } from './routes.mjs';

const never = () => h('span', { class: 'muted' }, 'Never');

export async function renderKeyPage(container, ctx, id) {
  ctx.setTitle([['API keys', '#/keys'], ['Key']]);
  container.replaceChildren(pageHead('API key'), loading('the key'));
  let key;
  let firm;
  let workspaces;
  let filters;
  let admins;
  try {
    [key, filters, admins] = await Promise.all([
      ctx.api.key(id), ctx.api.filters(),
      // Only to name who created the key; without it the id is shown.
      ctx.api.admins().catch(() => []),
    ]);
    // The key's firm's workspaces (an operator manages several firms; the first is not the key's).
    ({ firm, workspaces } = await ctx.api.workspaces(key.firm_id));
  } catch (err) {
    const lead = err.status === 404 ? 'No such key.' : 'The key could not be loaded.';
    container.replaceChildren(pageHead('API key'), errorNotice(err, lead), h('p', {}, h('a', { href: '#/keys' }, 'Back to the API keys')));
    return;
  }
  const names = workspaceNames(workspaces);
  const adminNames = new Map(admins.map((a) => [a.id, a.name]));
  const sections = grantChoices({ firm, workspaces, filters });
  const editable = new Set(filters.filter((f) => !f.system).map((f) => f.id));
  const actionMsgs = h('div', { class: 'action-msgs' });

  /** A failed action: said at the top of the page; a key revoked meanwhile is shown as it now is. */
  async function failed(err, what) {
    if (err.code === 'key_revoked') {
      await reload();
      ctx.status(`${what}: the key has been revoked.`);
    }
    actionMsgs.replaceChildren(errorNotice(err, `${what}.`));
  }

  async function reload(focusId) {
    try {
      show(await ctx.api.key(id), focusId);
    } catch (err) {
      actionMsgs.replaceChildren(errorNotice(err, 'The key could not be reloaded.'));
    }
  }

  /**
   * Send a change of the key and show the key as the gateway answers it. A revoked key is reloaded
   * and said at the top; any other refusal goes back to the form that sent it (which puts the
   * engine's diagnostics at its controls), or is said at the top when `report` is set.
   */
  async function apply(request, { focusId, status, what, report = false }) {
    let next;
    try {
      next = await request();
    } catch (err) {
      if (report || err.code === 'key_revoked') {
        await failed(err, what);
        return;
      }
      throw err;
    }
    actionMsgs.replaceChildren();
    show(next, focusId);
    ctx.status(status(next));
  }

  function show(next, focusId = null) {
    key = next;
    ctx.setTitle([['API keys', '#/keys'], [key.name]]);
    replaceChildren(container,
      pageHead(key.name, statusBadge(key), envBadge(key.environment)),
      actionMsgs,
      key.revoked ? h('div', { class: 'notice', id: 'revoked-note' },
        h('p', {}, h('strong', {}, 'Revoked. '),
          'This key’s credentials are refused and it can no longer be changed. Its history stays in the ',
          h('a', { href: auditHref([['key_id', key.id]]) }, 'audit log'), '.')) : null,
      detailsCard(),
      key.revoked ? null : credentialsCard(),
      grantsCard({ key, names, editable, sections, api: ctx.api, apply }),
      allowListCard({ key, api: ctx.api, apply }));
    if (focusId) document.getElementById(focusId)?.focus();
  }

  function detailsCard() {
    const who = adminNames.get(key.created_by) ?? key.created_by;
    const row = (label, ...value) => [h('dt', {}, label), h('dd', {}, ...value)];
    return h('section', { class: 'card', 'aria-labelledby': 'key-details-title' },
      h('h3', { id: 'key-details-title' }, 'Details'),
      h('dl', { class: 'details', id: 'key-details' },
        row('Client ID', h('code', { class: 'client-id' }, key.client_id)),
        row('Environment', capital(key.environment)),
        row('Created', timeEl(key.created_at), ` by ${who}`),
        row('Last used', key.last_used_at ? timeEl(key.last_used_at) : never()),
        row('Status', key.revoked ? ['Revoked', key.revoked_at ? [' ', timeEl(key.revoked_at)] : null] : 'Active'),
        key.secret_regenerated_at ? row('Secret regenerated', timeEl(key.secret_regenerated_at)) : null,
        row('History', h('a', { href: auditHref([['key_id', key.id]]) }, 'This key in the audit log'))));
  }

  function credentialsCard() {
    return h('section', { class: 'card', 'aria-labelledby': 'key-credentials-title' },
      h('h3', { id: 'key-credentials-title' }, 'Credentials'),
      h('p', { class: 'hint' }, 'Reveal shows the current Client Secret again (recorded in the audit log). Regenerate replaces it. Revoke ends the key for good.'),
      h('div', { class: 'button-row' },
        h('button', { type: 'button', class: 'btn', id: 'reveal-secret', onclick: reveal }, 'Reveal secret'),
        h('button', { type: 'button', class: 'btn', id: 'regenerate-secret', onclick: regenerate }, 'Regenerate'),
        h('button', { type: 'button', class: 'btn danger', id: 'revoke-key', onclick: revoke }, 'Revoke')));
  }

  /**
   * A credential action: confirmed first, then sent; a refusal said at the top, else the answer's
   * credentials shown in their dialog. `after(answer)` runs before the dialog opens.
   */
  async function credentialAction({ confirm, request, refused, after = () => {}, dialog }) {
    if (!(await confirmDialog(confirm))) return;
    let answer;
    try {
      answer = await request();
    } catch (err) {
      await failed(err, refused);
      return;
    }
    actionMsgs.replaceChildren();
    after(answer);
    await showCredentials({ key, clientId: answer.client_id, secret: answer.client_secret, ...dialog });
  }

  const reveal = () => credentialAction({
    confirm: {
      title: 'Reveal the Client Secret?',
      question: 'The reveal is recorded in the audit log, with your name, the time and your address.',
      confirmLabel: 'Reveal secret',
    },
    request: () => ctx.api.reveal(id),
    refused: 'The secret was not revealed',
    after: () => ctx.status('Secret revealed; the reveal is in the audit log.'),
    dialog: {
      title: 'Client Secret', lead: `The current credentials of “${key.name}”.`,
      // The file is the gateway's own .env answer (a second reveal, logged like the first).
      download: () => ctx.api.revealEnv(id),
      returnFocus: () => document.getElementById('reveal-secret'),
    },
  });

  const regenerate = () => credentialAction({
    confirm: {
      title: 'Regenerate the Client Secret?',
      question: 'The old secret and every access token minted from it stop working at once. The integration fails until it is given the new secret.',
      confirmLabel: 'Regenerate secret',
      danger: true,
    },
    request: () => ctx.api.regenerate(id),
    refused: 'The secret was not regenerated',
    after: (answer) => {
      show(answer.key);
      ctx.status('A new secret was made; the old one no longer works.');
    },
    dialog: {
      title: 'New Client Secret', lead: `The new credentials of “${key.name}”. The old secret no longer works.`,
      returnFocus: () => document.getElementById('regenerate-secret'),
    },
  });

  async function revoke() {
    if (!(await confirmRevoke(key.name))) return;
    try {
      show(await ctx.api.revoke(id), 'page-title');
    } catch (err) {
      await failed(err, 'The key was not revoked');
      return;
    }
    actionMsgs.replaceChildren();
    ctx.status(`Revoked “${key.name}”.`);
  }

  show(key);
}
