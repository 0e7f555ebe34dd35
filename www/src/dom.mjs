// A tiny element builder: h('button', {class: 'x', onclick: fn}, 'text', child, ...).
// No framework: the page is a handful of views that re-render their own subtree.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'style' && typeof value === 'object') Object.assign(el.style, value);
    // Properties, not attributes: a textarea has no value attribute, and checked/disabled are live.
    else if (key === 'value' || (key in el && typeof value !== 'string')) el[key] = value;
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace a container's content, putting focus back on the control that had it (by data-focus). */
export function replaceChildren(container, ...children) {
  const active = document.activeElement;
  const key = active && container.contains(active) ? active.dataset.focus : undefined;
  const caret = key && 'selectionStart' in active ? [active.selectionStart, active.selectionEnd] : null;
  container.replaceChildren();
  append(container, children);
  if (key) {
    const again = container.querySelector(`[data-focus="${CSS.escape(key)}"]`);
    if (again && !again.disabled) {
      again.focus();
      if (caret && typeof again.setSelectionRange === 'function') {
        try { again.setSelectionRange(...caret); } catch { /* not a text control */ }
      }
    }
  }
}

let uid = 0;
/** A fresh id for label/description wiring. */
export const domId = (prefix) => `${prefix}-${++uid}`;

/** Unicode scalar values, the unit of the SPEC's name and description limits (not UTF-16 units). */
export const scalarLength = (s) => [...(s ?? '')].length;

export const formatCount = (n) => n.toLocaleString('en-US');
