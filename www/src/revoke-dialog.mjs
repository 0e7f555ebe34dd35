// Revoking a key cannot be undone, so the confirmation asks for the key's name, typed in full,
// before its button is enabled.
import { h } from './dom.mjs';
import { openModal } from './modal.mjs';

/** Resolve true when the admin typed `name` and confirmed. */
export async function confirmRevoke(name) {
  const confirm = h('button', { type: 'submit', value: 'revoke', class: 'btn danger primary', id: 'revoke-confirm', disabled: true }, 'Revoke key');
  const input = h('input', {
    id: 'revoke-name', type: 'text', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'revoke-name-help',
    oninput: () => { confirm.disabled = input.value !== name; },
    // Enter would submit with the form's first button (Cancel); it means the enabled confirm.
    onkeydown: (e) => {
      if (e.key !== 'Enter') return;
      e.preventDefault();
      if (!confirm.disabled) confirm.click();
    },
  });
  const dialog = h('dialog', { class: 'modal confirm', 'aria-labelledby': 'revoke-title', 'aria-describedby': 'revoke-what' },
    h('form', { method: 'dialog' },
      h('h2', { id: 'revoke-title' }, 'Revoke this key?'),
      h('p', { id: 'revoke-what', class: 'question' },
        'Revoking is permanent. The key’s Client Secret and every access token minted from it are refused from their next request, and the key cannot be used, changed or restored again.'),
      h('div', { class: 'field' },
        h('label', { for: 'revoke-name' }, 'Type the key’s name to confirm'),
        h('span', { class: 'hint', id: 'revoke-name-help' }, 'The name is ', h('strong', { class: 'typed-name' }, name)),
        input),
      h('div', { class: 'actions' },
        h('button', { type: 'submit', value: 'cancel', class: 'btn' }, 'Cancel'),
        confirm)));
  return (await openModal(dialog, { focus: input })) === 'revoke';
}
