// Modal dialogs on the native <dialog>: showModal() traps focus and Escape cancels. This adds
// what the native element leaves to the page: where focus starts, and where it goes back when the
// dialog closes (the opener, or the element a re-render put in its place).

/**
 * Show `dialog` modally, focus `focus` in it, and resolve with its returnValue when it closes
 * (removed from the page by then). `returnFocus()` names the element to focus afterwards; by
 * default the element that had focus when it opened, or the one now holding that element's id.
 */
export function openModal(dialog, { focus = null, returnFocus = null } = {}) {
  const opener = document.activeElement;
  const openerId = opener?.id || null;
  document.body.append(dialog);
  dialog.showModal();
  focus?.focus();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      dialog.remove();
      const target = returnFocus?.() ?? (opener?.isConnected ? opener : openerId && document.getElementById(openerId));
      target?.focus?.();
      resolve(dialog.returnValue);
    }, { once: true });
  });
}

/** Save `text` as a file named `name` (a link to a Blob, clicked inside `where`). */
export function saveTextFile(name, text, where = document.body) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
  const a = Object.assign(document.createElement('a'), { href: url, download: name, hidden: true });
  where.append(a);
  a.click();
  a.remove();
  // The download has taken the Blob by the next task; the URL (a way back to the secret in it)
  // does not outlive the click.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
