// Typed value editors for a condition row. They choose a *widget* for the attribute's type and
// operator and turn what is typed into a JSON value; whether that value is valid is the engine's
// call (live validation shows its message under the row), never decided here.
import { h } from './dom.mjs';
import { limits } from './engine.mjs';

/** Operators whose value is a JSON array (SPEC 2.2): the list operators, `in` and `nin`. */
export function takesList(attrType, op) {
  return attrType === 'list' || op === 'in' || op === 'nin';
}

/** The empty value a fresh row or a changed attribute starts with. */
export function emptyValue(attrType, op) {
  if (takesList(attrType, op)) return [];
  if (attrType === 'bool') return true;
  return '';
}

/** Keep what the user typed across an operator change (scalar <-> list). */
export function convertValue(value, attrType, op) {
  const wantList = takesList(attrType, op);
  if (wantList && !Array.isArray(value)) return value === '' || value === null || value === undefined ? [] : [value];
  if (!wantList && Array.isArray(value)) return value.length ? value[0] : emptyValue(attrType, op);
  return value;
}

/** Typed text -> JSON value: numbers become JSON numbers when they read as one. */
function fromText(text, attrType) {
  if (attrType === 'number') {
    const t = text.trim();
    const n = Number(t);
    // Left as a string when it is not a number, so the engine reports invalid_value at the row.
    return t !== '' && Number.isFinite(n) ? n : text;
  }
  return text;
}

const display = (v) => (typeof v === 'string' ? v : JSON.stringify(v));

/**
 * Build the editor. `ctx` = {attr: AttributeDescription|null, op, value, label, describedBy,
 * focusKey, disabled, listId: the id of a datalist of suggested values (or null), names: a Map
 * from an id (as the data source gives it) to a name for the ids it may hold (users, projects),
 * or null, onChange(value)}.
 */
export function valueEditor(ctx) {
  const type = ctx.attr?.type ?? 'text';
  if (takesList(type, ctx.op)) return chipList(ctx, type);
  switch (type) {
    case 'bool': return boolSelect(ctx);
    case 'date': return dateInput(ctx);
    case 'uuid': return ctx.names ? namedId(ctx) : textInput(ctx, type, { placeholder: '00000000-0000-0000-0000-000000000000', class: 'value mono', spellcheck: 'false' });
    case 'number': return textInput(ctx, type, { inputmode: 'decimal', placeholder: 'number' });
    default: return textInput(ctx, type, { placeholder: 'text (exact, case-sensitive)' });
  }
}

function common(ctx) {
  return {
    'aria-label': ctx.label,
    'aria-describedby': ctx.describedBy,
    'aria-invalid': ctx.invalid ? 'true' : 'false',
    disabled: ctx.disabled,
    dataset: { focus: ctx.focusKey },
  };
}

function textInput(ctx, type, extra) {
  const input = h('input', {
    type: 'text', class: 'value', autocomplete: 'off', ...extra, ...common(ctx), list: ctx.listId,
    value: display(ctx.value ?? ''),
    oninput: () => ctx.onChange(fromText(input.value, type)),
  });
  return input;
}

/**
 * The name of an id among `names`, or null. Ids are looked up as they are written (the datalist
 * offers them so): how else a UUID may be spelled is the engine's business, not the page's.
 */
const nameOf = (names, v) => (names && typeof v === 'string' ? names.get(v) ?? null : null);

/**
 * The id of a name typed out in full (one match among `names`, the name's case aside), exactly as
 * `names` holds it; else the text as typed.
 */
function idOfName(names, text) {
  if (!names) return text;
  const typed = text.trim().toLowerCase();
  const ids = [...names].filter(([, n]) => n.toLowerCase() === typed).map(([id]) => id);
  return ids.length === 1 ? ids[0] : text;
}

/**
 * A user's or project's id: the field holds the UUID (what the engine compares), its
 * suggestions offer the names, and the name of the id typed shows beside it.
 */
function namedId(ctx) {
  const name = h('span', { class: 'value-name', id: `${ctx.focusKey}-name`, 'aria-live': 'polite' });
  const show = (v) => {
    const n = nameOf(ctx.names, v.trim());
    name.textContent = n ? `= ${n}` : '';
  };
  const input = textInput({ ...ctx, describedBy: [ctx.describedBy, `${ctx.focusKey}-name`].filter(Boolean).join(' '),
    onChange: (v) => { show(v); ctx.onChange(v); } }, 'uuid',
  { placeholder: 'type a name, pick it from the list', class: 'value-input mono', spellcheck: 'false' });
  // A name typed out in full (not picked from the list) becomes its id when the field is left.
  input.addEventListener('change', () => {
    const id = idOfName(ctx.names, input.value);
    if (id === input.value) return;
    input.value = id;
    show(id);
    ctx.onChange(id);
  });
  show(display(ctx.value ?? ''));
  return h('div', { class: 'value value-named' }, input, name);
}

function boolSelect(ctx) {
  const select = h('select', {
    class: 'value', ...common(ctx),
    onchange: () => ctx.onChange(select.value === 'true'),
  },
  h('option', { value: 'true', selected: ctx.value === true }, 'true'),
  h('option', { value: 'false', selected: ctx.value === false }, 'false'));
  return select;
}

/**
 * ISO date: the browser's date picker writes `YYYY-MM-DD`. A value it cannot show (an RFC 3339
 * date-time saved through the API or the text view) stays in a plain text field instead of
 * being silently dropped.
 */
function dateInput(ctx) {
  const picker = h('input', { type: 'date', class: 'value', ...common(ctx) });
  const value = typeof ctx.value === 'string' ? ctx.value : '';
  picker.value = value;
  if (picker.value === value) {
    picker.addEventListener('input', () => ctx.onChange(picker.value));
    return picker;
  }
  const text = h('input', {
    type: 'text', class: 'value mono', ...common(ctx), value: display(ctx.value ?? ''),
    placeholder: 'YYYY-MM-DD or 2025-01-01T00:00:00Z',
    oninput: () => ctx.onChange(text.value),
  });
  return text;
}

/** Chips for array values: Enter or comma adds, Backspace on an empty field removes the last. */
function chipList(ctx, type) {
  const values = Array.isArray(ctx.value) ? ctx.value : [];
  const full = values.length >= limits.max_list_values;
  const set = (next) => ctx.onChange(next);
  const add = () => {
    const parts = input.value.split(',').map((s) => s.trim()).filter(Boolean);
    if (!parts.length) return false;
    input.value = '';
    set([...values, ...parts.map((p) => fromText(idOfName(ctx.names, p), type === 'list' ? 'text' : type))]);
    return true;
  };
  const input = h('input', {
    type: 'text', class: 'chip-input', autocomplete: 'off', list: ctx.listId, spellcheck: 'false',
    'aria-label': `${ctx.label}: add a value`,
    'aria-describedby': [ctx.describedBy, full ? `${ctx.focusKey}-full` : null].filter(Boolean).join(' '),
    'aria-invalid': ctx.invalid ? 'true' : 'false',
    placeholder: values.length ? 'add…' : 'type, then Enter',
    disabled: ctx.disabled || full,
    dataset: { focus: ctx.focusKey },
    onkeydown: (e) => {
      if ((e.key === 'Enter' || e.key === ',') && input.value.trim()) {
        e.preventDefault();
        add();
      } else if (e.key === 'Enter') {
        e.preventDefault(); // never submit the form from a chip field
      } else if (e.key === 'Backspace' && input.value === '' && values.length) {
        set(values.slice(0, -1));
      }
    },
    // A value typed but not yet committed is kept when focus leaves (e.g. to click Preview).
    onchange: () => add(),
  });
  return h('div', { class: 'chips', role: 'group', 'aria-label': ctx.label },
    values.map((v, i) => h('span', { class: 'chip', title: nameOf(ctx.names, v) ? display(v) : null },
      h('span', { class: 'chip-text' }, nameOf(ctx.names, v) ?? display(v)),
      h('button', {
        type: 'button', class: 'chip-remove', disabled: ctx.disabled,
        'aria-label': `Remove ${nameOf(ctx.names, v) ?? display(v)} from ${ctx.label}`,
        dataset: { focus: `${ctx.focusKey}-chip-${i}` },
        onclick: () => set(values.filter((_, j) => j !== i)),
      }, '×'))),
    input,
    full ? h('span', { class: 'limit-reason', id: `${ctx.focusKey}-full` }, `at most ${limits.max_list_values} values`) : null);
}
