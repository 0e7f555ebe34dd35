// A modal confirmation on the native <dialog>: focus is trapped and Escape cancels for free.
import { h } from './dom.mjs';

/** Resolve true when the user confirms. `body` is extra detail under the question. */
export function confirmDialog({ title, question, body = null, confirmLabel, cancelLabel = 'Cancel', danger = false }) {
  return new Promise((resolve) => {
    const ok = h('button', { type: 'submit', value: 'ok', class: `btn ${danger ? 'danger' : 'primary'}` }, confirmLabel);
    // Focus starts on Cancel: these dialogs guard permission changes, so the safe answer is the easy one.
    const cancel = h('button', { type: 'submit', value: 'cancel', class: 'btn' }, cancelLabel);
    const dialog = h('dialog', { class: 'confirm', 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-question' },
      h('form', { method: 'dialog' },
        h('h2', { id: 'confirm-title' }, title),
        h('p', { id: 'confirm-question', class: 'question' }, question),
        body,
        h('div', { class: 'actions' },
          cancel,
          ok)));
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'ok');
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}
