// The dialog that shows a key's credentials (after a create, a reveal or a regeneration): the
// Client ID and Client Secret with copy buttons, and a .env download.
import { h } from './dom.mjs';
import { openModal, saveTextFile } from './modal.mjs';

const ENV_FILE = 'portcullis.env';

/**
 * The .env text of a create or regenerate answer, laid out as the gateway's `?format=env` answer
 * is (gateway/src/admin/keys.mjs, credentialsReply); a reveal downloads the gateway's own.
 */
export function envText({ name, environment }, clientId, secret) {
  return `# portcullis API credentials for "${name}" (${environment})\nPORTCULLIS_CLIENT_ID=${clientId}\nPORTCULLIS_CLIENT_SECRET=${secret}\n`;
}

/** Copy an input's value; where the clipboard API is refused, select it (and try the old command). */
async function copy(input, label, statusEl) {
  try {
    await navigator.clipboard.writeText(input.value);
    statusEl.textContent = `Copied the ${label}.`;
    return;
  } catch { /* no clipboard permission (an http origin, a headless browser): select instead */ }
  input.focus();
  input.select();
  const copied = document.execCommand?.('copy');
  statusEl.textContent = copied ? `Copied the ${label}.` : `The ${label} is selected: press Ctrl+C (⌘C on a Mac) to copy it.`;
}

function secretField(id, label, value, statusEl) {
  const input = h('input', { id, class: 'mono secret-value', readonly: true, value, spellcheck: 'false', autocomplete: 'off' });
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    h('div', { class: 'copy-row' },
      input,
      h('button', { type: 'button', class: 'btn', onclick: () => copy(input, label, statusEl) }, `Copy ${label}`)));
}

/**
 * Show `clientId` and `secret` of `key` ({name, environment}). `download()` resolves to the .env
 * text (by default made from these values). Resolves when the dialog is closed.
 */
export function showCredentials({ title, lead, key, clientId, secret, download = null, returnFocus = null }) {
  const status = h('p', { class: 'copy-status', role: 'status' });
  const done = h('button', { type: 'submit', value: 'done', class: 'btn primary' }, 'Done');
  const getText = download ?? (async () => envText(key, clientId, secret));
  const dialog = h('dialog', { class: 'modal credentials', 'aria-labelledby': 'credentials-title', 'aria-describedby': 'credentials-lead' },
    h('form', { method: 'dialog' },
      h('h2', { id: 'credentials-title' }, title),
      h('p', { id: 'credentials-lead' }, lead),
      secretField('credentials-client-id', 'Client ID', clientId, status),
      secretField('credentials-client-secret', 'Client Secret', secret, status),
      h('ul', { class: 'advice' },
        h('li', {}, 'Send them to the integrator through a password manager, not by email or chat.'),
        h('li', {}, 'The secret can be revealed again later from the key’s page (“Reveal secret”); every reveal is recorded in the audit log.')),
      status,
      h('div', { class: 'actions' },
        h('button', {
          type: 'button', class: 'btn',
          onclick: async () => {
            try {
              saveTextFile(ENV_FILE, await getText(), dialog);
              status.textContent = `Downloaded ${ENV_FILE}.`;
            } catch (err) {
              status.textContent = `The .env file could not be made: ${err.message ?? err}`;
            }
          },
        }, 'Download as .env'),
        h('span', { class: 'spacer' }),
        done)));
  return openModal(dialog, { focus: dialog.querySelector('#credentials-client-id'), returnFocus });
}
