// #/keys/new: create an API key. The form only gathers what the admin chose and sends it; the
// gateway (the engine, for grants and the allow-list) decides whether it is valid, and its
// diagnostics are put back next to the controls the request was built from.
import { h } from './dom.mjs';
import { diagnosticsOf, FormErrors, pathOf, summaryBox } from './form-errors.mjs';
import { GrantPicker, grantPath } from './grant-picker.mjs';
import { grantChoices } from './grants.mjs';
import { showCredentials } from './credentials-dialog.mjs';
import { errorNotice, loading, pageHead } from './settings-parts.mjs';
import { keyHref } from './routes.mjs';
import { allowListField, allowListPath } from './allow-list-field.mjs';

// Refusals the gateway makes about the name before the engine sees the key carry a code, not a path.
const NAME_CODES = new Set(['name_required', 'name_too_long']);

export async function renderKeyCreate(container, ctx) {
  ctx.setTitle([['API keys', '#/keys'], ['New API key']]);
  container.replaceChildren(pageHead('New API key'), loading('the workspaces and filters'));
  let firm;
  let firms;
  let workspaces;
  let filters;
  try {
    [{ firm, firms = [firm], workspaces }, filters] = await Promise.all([ctx.api.workspaces(), ctx.api.filters()]);
  } catch (err) {
    container.replaceChildren(pageHead('New API key'), errorNotice(err, 'The workspaces and filters could not be loaded.'));
    return;
  }

  const summary = summaryBox();
  const errors = new FormErrors(summary);
  const nameInput = h('input', { id: 'key-name', type: 'text', autocomplete: 'off', 'aria-describedby': 'key-name-help' });
  const nameMsgs = h('div', { class: 'msgs', id: 'key-name-msgs' });
  const envRadios = ['live', 'test'].map((env) => h('input', { type: 'radio', name: 'environment', id: `key-env-${env}`, value: env, checked: env === 'live' }));
  const envMsgs = h('div', { class: 'msgs', id: 'key-env-msgs' });
  let picker = new GrantPicker(grantChoices({ firm, workspaces, filters }));
  const grantsHolder = h('div', {}, picker.el);
  const grantMsgs = h('div', { class: 'msgs', id: 'grants-msgs' });
  // An admin of several firms (the operator) chooses the key's firm first: its workspaces' filters are the grants offered.
  const firmMsgs = h('div', { class: 'msgs', id: 'key-firm-msgs' });
  const firmSelect = firms.length > 1 ? h('select', {
    id: 'key-firm',
    onchange: async () => {
      firmSelect.disabled = true;
      try {
        ({ firm, workspaces } = await ctx.api.workspaces(firmSelect.value));
        picker = new GrantPicker(grantChoices({ firm, workspaces, filters }));
        grantsHolder.replaceChildren(picker.el);
        firmMsgs.replaceChildren();
      } catch (err) {
        firmSelect.value = firm.id;
        firmMsgs.replaceChildren(errorNotice(err, 'The firm’s workspaces could not be loaded.'));
      } finally {
        firmSelect.disabled = false;
      }
    },
  }, firms.map((f) => h('option', { value: f.id, selected: f.id === firm.id }, f.name))) : null;
  const allow = allowListField('allowed-ips', null);
  const createButton = h('button', { type: 'submit', class: 'btn primary', id: 'create-key' }, 'Create');
  const status = h('p', { class: 'save-status', role: 'status' });

  const form = h('form', { id: 'key-create-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); create(); } },
    summary,
    h('section', { class: 'card', 'aria-labelledby': 'key-about-title' },
      h('h3', { id: 'key-about-title' }, 'Key'),
      firmSelect ? h('div', { class: 'field' }, h('label', { for: 'key-firm' }, 'Firm'), firmSelect, firmMsgs) : null,
      h('div', { class: 'field' },
        h('label', { for: 'key-name' }, 'Name'),
        nameInput,
        h('span', { class: 'hint', id: 'key-name-help' },
          'Set once: a key’s name cannot be changed later. Name it after the integration and who runs it, e.g. “Acme BI export (data team)”.'),
        nameMsgs),
      h('fieldset', { class: 'field radios', 'aria-describedby': 'key-env-help' },
        h('legend', { class: 'field-label' }, 'Environment'),
        h('div', { class: 'radio-row' }, envRadios.map((r) => h('label', { class: 'check', for: r.id }, r, r.value === 'live' ? 'Live' : 'Test'))),
        h('span', { class: 'hint', id: 'key-env-help' }, 'Part of the client id and secret (pcid_live_…, pcid_test_…), so integrators can tell the keys apart.'),
        envMsgs)),
    h('section', { class: 'card', 'aria-labelledby': 'key-grants-title' },
      h('h3', { id: 'key-grants-title' }, 'Grants'),
      h('p', { class: 'hint' }, 'Tick what the key may do with the entities each filter selects. Grants can be added and removed later on the key’s page.'),
      grantsHolder,
      grantMsgs),
    h('section', { class: 'card' }, allow.el),
    h('div', { class: 'savebar' }, status, h('span', { class: 'spacer' }),
      h('a', { class: 'btn', href: '#/keys' }, 'Cancel'), createButton));

  container.replaceChildren(
    pageHead('New API key'),
    h('p', { class: 'lead' }, 'A key lets one integration call the API with the grants chosen here. Its Client Secret is shown right after it is created.'),
    form);

  /** Where a diagnostic of the create answer goes: next to the control the request took it from. */
  function locate(d, sent) {
    const path = pathOf(d);
    if (NAME_CODES.has(d.code) || path === '$.name') return { control: nameInput, where: nameMsgs };
    if (path === '$.environment') return { control: envRadios.find((r) => r.checked), where: envMsgs };
    if (firmSelect && (path === '$.firm_id' || d.code === 'unknown_firm')) return { control: firmSelect, where: firmMsgs };
    const grant = grantPath(path);
    if (grant) return GrantPicker.locate(grant, sent) ?? { control: picker.rows[0]?.boxes[0], where: grantMsgs };
    const ip = allowListPath(path);
    if (ip) return allow.locate(ip);
    return {};
  }

  async function create() {
    const { grants, sent } = picker.read();
    const body = {
      ...(firmSelect ? { firm_id: firm.id } : {}),
      name: nameInput.value,
      environment: envRadios.find((r) => r.checked).value,
      grants,
      allowed_ips: allow.read(),
    };
    createButton.disabled = true;
    status.textContent = 'Creating the key…';
    status.classList.remove('error');
    let answer;
    try {
      answer = await ctx.api.createKey(body);
    } catch (err) {
      status.textContent = 'The key was not created.';
      status.classList.add('error');
      errors.show(diagnosticsOf(err).map((d) => ({ diagnostic: d, ...locate(d, sent) })), { title: 'The key was not created' });
      return;
    } finally {
      createButton.disabled = false;
    }
    errors.clear();
    const { key, client_id: clientId, client_secret: secret } = answer;
    status.textContent = `Created “${key.name}”.`;
    await showCredentials({
      title: 'API key created',
      lead: `“${key.name}” is ready. Copy its credentials now and hand them to the integrator.`,
      key, clientId, secret,
    });
    location.hash = keyHref(key.id);
  }
}
