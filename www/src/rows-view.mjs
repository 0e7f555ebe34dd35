// The rows view: groups of `[attribute] [operator] [value]` rows with AND/OR and nesting.
// Attributes and operators are the engine's schema; limits come from `describeSchema().limits`
// and only disable the controls that would break them, with the reason next to the control.
import { h, replaceChildren } from './dom.mjs';
import { attribute, entityType, firstFilterable, limits } from './engine.mjs';
import { condition, group } from './tree.mjs';
import { convertValue, emptyValue, valueEditor } from './value-editors.mjs';

/** Which control of a row a condition error concerns (SPEC 2.4: one error per condition). */
const PART_OF_CODE = new Map([
  ['unknown_attribute', 'attr'],
  ['attribute_not_supported', 'attr'],
  ['operator_not_allowed', 'op'],
  ['invalid_value', 'value'],
  ['invalid_uuid', 'value'],
  ['invalid_date', 'value'],
]);

/** What a screen reader says before a message, by its severity (a notice is a "Check"). */
const SEVERITY_WORDS = new Map([['error', 'Error: '], ['warning', 'Warning: ']]);

export class RowsView {
  /**
   * @param container element to render into
   * @param opts {getState(): {root, entityType, readOnly}, onChange(kind), suggestions(attr): datalist id | null,
   *   names(attr): Map(id -> name) | null, the names of a uuid attribute's values}
   */
  constructor(container, opts) {
    this.el = container;
    this.opts = opts;
    this.messages = new Map(); // node id -> diagnostics
  }

  render() {
    const { root, readOnly } = this.opts.getState();
    replaceChildren(this.el, this.groupEl(root, { level: 1, label: '', parent: null, readOnly }));
    this.paintMessages();
    if (this.focusAfterRender) {
      // A new or removed row moves focus where the keyboard user expects it.
      this.el.querySelector(`[data-focus="${CSS.escape(this.focusAfterRender)}"]`)?.focus();
      this.focusAfterRender = null;
    }
  }

  /** Show diagnostics (already routed to node ids) without re-rendering the controls. */
  setMessages(byNode) {
    this.messages = byNode;
    this.paintMessages();
  }

  paintMessages() {
    for (const slot of this.el.querySelectorAll('[data-msg-for]')) {
      const id = slot.dataset.msgFor;
      const diags = this.messages.get(id) ?? [];
      slot.replaceChildren(...diags.map(messageEl));
      const box = slot.closest('[data-node]');
      box?.classList.toggle('has-error', diags.some((d) => d.severity === 'error'));
      box?.classList.toggle('has-warning', diags.some((d) => d.severity !== 'error'));
      // Mark the control the error is about, so the red outline points at what to change.
      const parts = new Set(diags.filter((d) => d.severity === 'error').map((d) => PART_OF_CODE.get(d.code)));
      for (const control of box?.querySelectorAll(`[data-owner="${id}"]`) ?? []) {
        control.setAttribute('aria-invalid', parts.has(control.dataset.part) ? 'true' : 'false');
      }
    }
  }

  /**
   * Focus the control a diagnostic concerns: in a row, the part its code names (else the
   * attribute); in a group, its "+ Condition" button (else its first control).
   */
  focusNode(id, code) {
    const box = this.el.querySelector(`[data-node="${CSS.escape(id)}"]`);
    if (!box) return;
    const part = PART_OF_CODE.get(code);
    const target = (part && box.querySelector(`[data-owner="${CSS.escape(id)}"][data-part="${part}"]:not(:disabled)`)) ??
      box.querySelector(`[data-focus="attr-${CSS.escape(id)}"]:not(:disabled), [data-focus="addc-${CSS.escape(id)}"]:not(:disabled)`) ??
      box.querySelector('input:not(:disabled), select:not(:disabled), button:not(:disabled)');
    target?.scrollIntoView({ block: 'center' });
    target?.focus();
  }

  change(kind) {
    if (kind === 'structure') this.render();
    this.opts.onChange(kind);
  }

  groupEl(node, { level, label, parent, readOnly }) {
    const name = label ? `group ${label}` : 'top group';
    const full = node.children.length >= limits.max_group_children;
    const tooDeep = level >= limits.max_depth;
    const reasons = [];
    if (full) reasons.push(`A group holds at most ${limits.max_group_children} conditions and groups.`);
    if (tooDeep && !full) reasons.push(`Groups nest at most ${limits.max_depth} levels deep.`);
    const reasonId = `reason-${node.id}`;
    const addCondition = () => {
      const attr = firstFilterable(this.opts.getState().entityType);
      const op = attr?.operators[0] ?? 'eq';
      const row = condition(attr?.name ?? '', op, emptyValue(attr?.type, op));
      node.children.push(row);
      this.focusAfterRender = `attr-${row.id}`;
      this.change('structure');
    };
    const addGroup = () => {
      const attr = firstFilterable(this.opts.getState().entityType);
      const op = attr?.operators[0] ?? 'eq';
      const row = condition(attr?.name ?? '', op, emptyValue(attr?.type, op));
      node.children.push(group(node.op === 'and' ? 'or' : 'and', [row]));
      this.focusAfterRender = `attr-${row.id}`;
      this.change('structure');
    };

    const opSwitch = h('div', { class: 'segmented', role: 'radiogroup', 'aria-label': `Combine the ${name} with` },
      ['and', 'or'].map((op) => h('label', { class: 'seg' },
        h('input', {
          type: 'radio', name: `op-${node.id}`, value: op, checked: node.op === op, disabled: readOnly,
          dataset: { focus: `op-${node.id}-${op}` },
          onchange: () => { node.op = op; this.change('structure'); },
        }),
        h('span', {}, op.toUpperCase()))));

    const head = h('div', { class: 'group-head' },
      opSwitch,
      h('span', { class: 'group-hint' }, node.op === 'and' ? 'all of these must hold' : 'at least one must hold'),
      h('span', { class: 'spacer' }),
      readOnly ? null : [
        h('button', {
          type: 'button', class: 'btn small', disabled: full, onclick: addCondition,
          'aria-describedby': full ? reasonId : null, dataset: { focus: `addc-${node.id}` },
        }, '+ Condition'),
        h('button', {
          type: 'button', class: 'btn small', disabled: full || tooDeep, onclick: addGroup,
          'aria-describedby': full || tooDeep ? reasonId : null, dataset: { focus: `addg-${node.id}` },
        }, '+ Group'),
        parent ? h('button', {
          type: 'button', class: 'btn small ghost danger', 'aria-label': `Remove ${name}`,
          dataset: { focus: `rmg-${node.id}` },
          onclick: () => { parent.children.splice(parent.children.indexOf(node), 1); this.change('structure'); },
        }, 'Remove group') : null,
      ]);

    const children = node.children.map((child, i) => {
      const childLabel = label ? `${label}.${i + 1}` : String(i + 1);
      const connector = i > 0 ? h('div', { class: 'connector', 'aria-hidden': 'true' }, node.op.toUpperCase()) : null;
      return h('li', {}, connector, this.nodeEl(child, { level, label: childLabel, parent: node, readOnly }));
    });

    return h('div', { class: `group level-${level}`, role: 'group', 'aria-label': name, dataset: { node: node.id } },
      head,
      reasons.length && !readOnly ? h('p', { class: 'limit-reason', id: reasonId }, reasons.join(' ')) : null,
      node.children.length ? h('ol', { class: 'children' }, children)
        : h('p', { class: 'empty' }, readOnly ? 'No conditions.' : 'No conditions yet. Add one with “+ Condition”.'),
      h('div', { class: 'msgs', 'data-msg-for': node.id, 'aria-live': 'polite' }));
  }

  nodeEl(node, ctx) {
    if (node.kind === 'group') return this.groupEl(node, { ...ctx, level: ctx.level + 1 });
    if (node.kind === 'cond') return this.rowEl(node, ctx);
    if (node.kind === 'not') {
      // Only reachable read-only: the builder offers no NOT control (SPEC seed), but shows one.
      return h('div', { class: 'not-node', dataset: { node: node.id } },
        h('span', { class: 'badge not' }, 'NOT'),
        this.nodeEl(node.child, ctx),
        h('div', { class: 'msgs', 'data-msg-for': node.id }));
    }
    return h('pre', { class: 'raw', dataset: { node: node.id } }, JSON.stringify(node.json),
      h('div', { class: 'msgs', 'data-msg-for': node.id }));
  }

  rowEl(node, { label, parent, readOnly }) {
    const { entityType: typeName } = this.opts.getState();
    const type = entityType(typeName);
    const attr = attribute(typeName, node.attr);
    const name = `condition ${label}`;
    const msgId = `msg-${node.id}`;
    const attrs = type?.attributes ?? [];

    const attrSelect = h('select', {
      class: 'attr mono', 'aria-label': `Attribute of ${name}`, 'aria-describedby': msgId,
      disabled: readOnly, dataset: { focus: `attr-${node.id}`, owner: node.id, part: 'attr' },
      onchange: () => {
        const next = attribute(typeName, attrSelect.value);
        const keepOp = next?.operators.includes(node.op);
        const op = keepOp ? node.op : next?.operators[0] ?? node.op;
        const sameType = next && attr && next.type === attr.type;
        node.attr = attrSelect.value;
        node.op = op;
        node.value = sameType ? convertValue(node.value, next.type, op) : emptyValue(next?.type, op);
        this.change('structure');
      },
    },
    // An attribute the engine does not know (typed in text, or from an old filter) stays visible.
    attr ? null : h('option', { value: node.attr, selected: true }, node.attr || '(none)'),
    attrs.map((a) => h('option', {
      value: a.name, selected: a.name === node.attr, disabled: !a.filterable && a.name !== node.attr,
    }, a.name + (a.filterable ? '' : '  (not filterable)') + (a.filterable && !a.searchable ? '  (not searchable)' : ''))));

    const ops = attr?.operators ?? [];
    const opSelect = h('select', {
      class: 'op mono', 'aria-label': `Operator of ${name}`, 'aria-describedby': msgId,
      disabled: readOnly, dataset: { focus: `op-${node.id}`, owner: node.id, part: 'op' },
      onchange: () => {
        node.op = opSelect.value;
        node.value = convertValue(node.value, attr?.type, node.op);
        this.change('structure');
      },
    },
    ops.includes(node.op) ? null : h('option', { value: node.op, selected: true }, node.op),
    ops.map((op) => h('option', { value: op, selected: op === node.op }, op)));

    const editor = valueEditor({
      attr, op: node.op, value: node.value, label: `Value of ${name}`, describedBy: msgId,
      focusKey: `val-${node.id}`, disabled: readOnly,
      listId: attr ? this.opts.suggestions(attr) : null,
      names: attr ? this.opts.names?.(attr) ?? null : null,
      onChange: (value) => {
        const relayout = Array.isArray(value) || Array.isArray(node.value) || typeof value === 'boolean';
        node.value = value;
        this.change(relayout ? 'structure' : 'value');
      },
    });
    for (const control of editor.matches?.('input,select') ? [editor] : editor.querySelectorAll('input,select')) {
      control.dataset.owner = node.id;
      control.dataset.part = 'value';
    }

    return h('div', { class: 'row', dataset: { node: node.id } },
      h('div', { class: 'row-controls' },
        attrSelect, opSelect, editor,
        readOnly ? null : h('button', {
          type: 'button', class: 'btn icon ghost', 'aria-label': `Remove ${name}`,
          dataset: { focus: `rm-${node.id}` },
          onclick: () => {
            const at = parent.children.indexOf(node);
            parent.children.splice(at, 1);
            const next = parent.children[at] ?? parent.children[at - 1];
            this.focusAfterRender = next?.kind === 'cond' ? `rm-${next.id}` : `addc-${parent.id}`;
            this.change('structure');
          },
        }, '×')),
      h('div', { class: 'msgs', id: msgId, 'data-msg-for': node.id, 'aria-live': 'polite' }));
  }
}

/** An engine diagnostic as a message: an error, a warning, or a notice (shown as a warning). */
export function messageEl(d) {
  const severity = d.severity === 'error' ? 'error' : 'warning';
  return h('p', { class: `msg ${severity}`, dataset: { code: d.code, severity: d.severity } },
    h('span', { class: 'msg-icon', 'aria-hidden': 'true' }, d.severity === 'error' ? '✕' : '!'),
    h('span', { class: 'sr-only' }, SEVERITY_WORDS.get(d.severity) ?? 'Check: '),
    h('span', { class: 'msg-text' }, d.message),
    d.help ? h('span', { class: 'msg-help' }, ` ${d.help}`) : null,
    h('code', { class: 'msg-code' }, d.code));
}
