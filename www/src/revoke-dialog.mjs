// Revoking a key cannot be undone, so the confirmation asks for the key's name, typed in full,
// before its button is enabled.
import { h } from './dom.mjs';
import { openModal } from './modal.mjs';

/**
 * A name as it is compared for the confirmation: runs of whitespace (a line break, a tab, spaces
 * at either end, which nobody can see) count as one space or none, so every name can be typed.
 */
const typable = (s) => s.replace(/\s+/g, ' ').trim();

/** Resolve true when the admin typed `name` and confirmed. */
export async function confirmRevoke(name) {
  const confirm = h('button', { type: 'submit', value: 'revoke', class: 'btn danger primary', id: 'revoke-confirm', disabled: true }, 'Revoke key');
  const input = h('input', {
    id: 'revoke-name', type: 'text', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'revoke-name-help',
    oninput: () => { confirm.disabled = typable(input.value) !== typable(name); },
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
        // The name as it is, its spaces kept and visible (the box shows where it starts and ends).
        h('span', { class: 'hint', id: 'revoke-name-help' }, 'The name is ', h('code', { class: 'typed-name' }, name),
          typable(name) !== name ? ' (spaces at either end and line breaks need not be typed)' : null),
        input),
      h('div', { class: 'actions' },
        h('button', { type: 'submit', value: 'cancel', class: 'btn' }, 'Cancel'),
        confirm)));
  return (await openModal(dialog, { focus: input })) === 'revoke';
}
