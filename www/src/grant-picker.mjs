// The grants of a new key as checkboxes: per workspace, each grantable filter with one checkbox
// per action it offers. Reading it gives the grants to send and, for each, the checkboxes it was
// built from, so that a diagnostic at `$.grants[i].actions[j]` finds its checkbox again.
import { domId, h } from './dom.mjs';
import { capital } from './settings-parts.mjs';
import { grantBody } from './grants.mjs';

/** `$.grants[i]`, `$.grants[i].filter`, `$.grants[i].actions[j]`: `{index, field, item}`, or null. */
export function grantPath(path) {
  const m = /^\$\.grants\[(\d+)\](?:\.(\w+)(?:\[(\d+)\])?)?$/.exec(path);
  return m ? { index: Number(m[1]), field: m[2] ?? null, item: m[3] === undefined ? null : Number(m[3]) } : null;
}

export class GrantPicker {
  /** @param sections grantChoices(...) */
  constructor(sections) {
    this.rows = [];
    this.el = h('div', { class: 'grant-sections' }, sections.map((s) => this.section(s)));
  }

  section({ title, choices }) {
    return h('fieldset', { class: 'grant-ws' },
      h('legend', {}, title),
      choices.length ? choices.map((c) => this.row(c)) : h('p', { class: 'muted small' }, 'No filters here yet.'));
  }

  row(choice) {
    const id = domId('grant');
    const { filter } = choice;
    const boxes = choice.actions.map((action) => h('input', { type: 'checkbox', id: `${id}-${action}`, value: action }));
    const msgs = h('div', { class: 'msgs', id: `${id}-msgs` });
    this.rows.push({ choice, boxes, msgs });
    return h('div', { class: 'grant-row', role: 'group', 'aria-labelledby': `${id}-name` },
      h('div', { class: 'grant-filter' },
        h(filter.system ? 'code' : 'span', { id: `${id}-name`, class: 'grant-name' }, filter.system ? filter.id : filter.name),
        filter.entity_type ? h('span', { class: 'badge' }, filter.entity_type) : null,
        choice.tell ? h('span', { class: 'filter-detail mono' }, choice.tell) : null,
        filter.description ? h('span', { class: 'hint' }, filter.description) : null),
      h('div', { class: 'grant-actions' },
        boxes.map((box) => h('label', { class: 'check', for: box.id }, box,
          // The visible word is the action; the name read out also says which filter it grants.
          capital(box.value), h('span', { class: 'sr-only' }, `: ${choice.label}`)))),
      msgs);
  }

  /** `{grants, sent}`: the grants the checked boxes make, and per grant `{row, boxes}` in the same order. */
  read() {
    const sent = [];
    for (const row of this.rows) {
      const boxes = row.boxes.filter((b) => b.checked);
      if (boxes.length) sent.push({ row, boxes });
    }
    return { grants: sent.map(({ row, boxes }) => grantBody(row.choice, boxes.map((b) => b.value))), sent };
  }

  /** Where a diagnostic about grant `index` of `sent` goes: `{control, where}`, or null. */
  static locate(parsed, sent) {
    const grant = sent[parsed.index];
    if (!grant) return null;
    const box = parsed.field === 'actions' && parsed.item !== null ? grant.boxes[parsed.item] : null;
    return { control: box ?? grant.boxes[0], where: grant.row.msgs };
  }
}
