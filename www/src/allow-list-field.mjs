// A key's IP allow-list as a textarea, one address or CIDR range per line. The lines are sent
// trimmed (blank ones dropped); which of them are addresses is the engine's answer, and a
// diagnostic at `$.allowed_ips[i]` is shown with the line it came from.
import { h } from './dom.mjs';

/** `$.allowed_ips` or `$.allowed_ips[i]`: `{item}` (null for the list itself), or null. */
export function allowListPath(path) {
  const m = /^\$\.allowed_ips(?:\[(\d+)\])?$/.exec(path);
  return m ? { item: m[1] === undefined ? null : Number(m[1]) } : null;
}

/** The field: `{el, textarea, read(), locate(parsed)}`; `current` is the key's list or null. */
export function allowListField(id, current) {
  const textarea = h('textarea', {
    id, rows: 4, class: 'mono', spellcheck: 'false', autocomplete: 'off',
    value: (current ?? []).join('\n'), 'aria-describedby': `${id}-help`,
  });
  const msgs = h('div', { class: 'msgs', id: `${id}-msgs` });
  let entries = [];
  return {
    textarea,
    el: h('div', { class: 'field' },
      h('label', { for: id }, 'IP allow-list ', h('span', { class: 'muted' }, '(optional)')),
      h('span', { class: 'hint', id: `${id}-help` },
        'One address or CIDR range per line, e.g. 203.0.113.7 or 10.0.0.0/8. Empty: the key is accepted from any address.'),
      textarea,
      msgs),
    /** The list to send: the non-blank lines, or null when there are none (no allow-list). */
    read() {
      entries = textarea.value.split('\n').map((text, i) => ({ value: text.trim(), line: i + 1 })).filter((e) => e.value !== '');
      return entries.length ? entries.map((e) => e.value) : null;
    },
    locate({ item }) {
      const entry = item === null ? null : entries[item];
      return { control: textarea, where: msgs, prefix: entry ? `Line ${entry.line}: ` : '' };
    },
  };
}
