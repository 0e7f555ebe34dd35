// The text view: the predicate's text form (SPEC 2.3), editable. Problems are underlined at the
// engine's span (UTF-16 offsets from the diagnostic) in a backdrop behind the textarea, and listed
// with line and column; choosing one in the list selects its span in the text.
import { h } from './dom.mjs';
import { messageEl } from './rows-view.mjs';

export class TextView {
  /** @param opts {onInput(text), label} */
  constructor(container, opts) {
    this.opts = opts;
    this.marks = h('div', { class: 'text-marks' });
    this.backdrop = h('div', { class: 'text-backdrop', 'aria-hidden': 'true' }, this.marks);
    this.list = h('div', { class: 'text-diags', id: 'text-diags', 'aria-live': 'polite' });
    this.area = h('textarea', {
      id: 'predicate-text', class: 'text-input mono', rows: 6, spellcheck: 'false',
      autocomplete: 'off', autocapitalize: 'off', 'aria-describedby': 'text-help text-diags',
      oninput: () => { this.paint(); opts.onInput(this.area.value); },
      onscroll: () => { this.backdrop.scrollTop = this.area.scrollTop; },
    });
    container.replaceChildren(
      h('label', { for: 'predicate-text', class: 'field-label' }, 'Conditions as text'),
      h('p', { id: 'text-help', class: 'hint' },
        'One condition is ', h('code', {}, 'ATTR OP VALUE'), ' with JSON values; join with ', h('code', {}, 'AND'),
        ' or ', h('code', {}, 'OR'), ' and use parentheses to mix them. Example: ',
        h('code', {}, 'project_type eq "typical" AND tags intersects ["concrete"]')),
      h('div', { class: 'text-editor' }, this.backdrop, this.area),
      this.list);
    this.diags = [];
  }

  get value() { return this.area.value; }

  set value(text) {
    this.area.value = text;
    this.paint();
  }

  /** Diagnostics of the text form: those with a span are drawn in the text, all are listed. */
  setDiagnostics(diags) {
    this.diags = diags;
    this.paint();
    this.list.replaceChildren(...diags.map((d) => {
      const span = d.location?.span;
      const where = span ? h('button', {
        type: 'button', class: 'span-link',
        'aria-label': `Select the text at line ${span.line}, column ${span.column}`,
        onclick: () => this.select(span),
      }, `line ${span.line}, col ${span.column}`) : null;
      const el = messageEl(d);
      if (where) el.prepend(where);
      return el;
    }));
  }

  /** Focus the text with a span selected (the whole text's end when there is none). */
  select(span) {
    this.area.focus();
    const at = span ? span.utf16_start : this.area.value.length;
    this.area.setSelectionRange(at, span ? Math.max(span.utf16_end, at) : at);
  }

  /** Redraw the underlines: the same text as the textarea, with <mark> around each span. */
  paint() {
    const text = this.area.value;
    const spans = this.diags
      .filter((d) => d.location?.span)
      // A notice (allowed, but likely a slip) is drawn as a warning is.
      .map((d) => ({ start: d.location.span.utf16_start, end: d.location.span.utf16_end, severity: d.severity === 'error' ? 'error' : 'warning', kind: d.severity }))
      .sort((a, b) => a.start - b.start);
    const parts = [];
    let at = 0;
    for (const s of spans) {
      const start = Math.max(s.start, at);
      if (start >= text.length) {
        // A span at the very end (unexpected end of input) marks a virtual character there.
        parts.push(text.slice(at), h('mark', { class: s.severity, dataset: { severity: s.kind } }, ' '));
        at = text.length;
        continue;
      }
      const end = Math.min(Math.max(s.end, start + 1), text.length);
      if (end <= at) continue;
      parts.push(text.slice(at, start), h('mark', { class: s.severity, dataset: { severity: s.kind } }, text.slice(start, end) || ' '));
      at = end;
    }
    parts.push(text.slice(at), '\n'); // a trailing newline keeps the last line's height in step
    this.marks.replaceChildren(...parts.map((p) => (typeof p === 'string' ? document.createTextNode(p) : p)));
    this.backdrop.scrollTop = this.area.scrollTop;
  }
}
