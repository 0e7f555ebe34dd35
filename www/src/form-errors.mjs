// The gateway's refusals of a form, shown where they belong: each message next to the control it
// concerns (marked aria-invalid, the message in its aria-describedby), and a summary at the top
// whose links move focus to those controls. Which control a diagnostic concerns is the page's
// business (it built the request from them); whether anything is valid is the gateway's.
import { domId, h } from './dom.mjs';

/** One diagnostic as a line of text: the engine's message, its help, its code. */
export function messageEl(d, { prefix = '', id } = {}) {
  return h('p', { class: `msg ${d.severity === 'warning' ? 'warning' : 'error'}`, id, dataset: { code: d.code ?? '' } },
    h('span', { class: 'msg-icon', 'aria-hidden': 'true' }, d.severity === 'warning' ? '⚠' : '✕'),
    h('span', {}, `${prefix}${d.message}`),
    d.help ? h('span', { class: 'msg-help' }, d.help) : null);
}

/**
 * The diagnostics of a refusal (an ApiError's, the engine's messages), or, when it carries none
 * (a 401, an unreachable gateway, a 409), one made of its code and message.
 */
export const diagnosticsOf = (err) => (err?.diagnostics?.length ? err.diagnostics
  : [{ severity: 'error', code: err?.code ?? 'failed', message: String(err?.message ?? err) }]);

/** A diagnostic's JSON path (`$.grants[0].actions[1]`), wherever the answer put it. */
export const pathOf = (d) => d.location?.path ?? d.path ?? '';

export class FormErrors {
  /** @param summaryEl the container at the top of the form for the summary */
  constructor(summaryEl) {
    this.summaryEl = summaryEl;
    this.shown = []; // [{el, control, describedBy}] to undo
  }

  clear() {
    // Newest first: a control with two messages gets back the attribute it had before the first.
    for (const { el, control, describedBy } of this.shown.reverse()) {
      el.remove();
      if (control) {
        control.removeAttribute('aria-invalid');
        if (describedBy) control.setAttribute('aria-describedby', describedBy);
        else control.removeAttribute('aria-describedby');
      }
    }
    this.shown = [];
    this.summaryEl.replaceChildren();
    this.summaryEl.hidden = true;
  }

  /**
   * Show `items` ([{diagnostic, control, where, prefix}]): the message goes into `where` (next to
   * `control`), or only into the summary when there is no place for it; `control` is what the
   * summary's link focuses. Focus moves to the summary, so the result is read out at once.
   */
  show(items, { title = 'The gateway did not accept this' } = {}) {
    this.clear();
    const links = [];
    for (const { diagnostic, control = null, where = null, prefix = '' } of items) {
      const id = domId('problem');
      const el = messageEl(diagnostic, { prefix, id });
      if (where) {
        where.append(el);
        const describedBy = control?.getAttribute('aria-describedby') ?? null;
        if (control) {
          control.setAttribute('aria-invalid', 'true');
          control.setAttribute('aria-describedby', [describedBy, id].filter(Boolean).join(' '));
        }
        this.shown.push({ el, control, describedBy });
      }
      const text = `${prefix}${diagnostic.message}`;
      links.push(control?.id
        ? h('li', {}, h('a', {
          href: `#${control.id}`,
          // The hash is the page's route: focus the control instead of following the link.
          onclick: (e) => { e.preventDefault(); control.focus(); },
        }, text))
        : h('li', {}, text));
    }
    if (!links.length) return;
    this.summaryEl.hidden = false;
    this.summaryEl.replaceChildren(
      h('h3', {}, `${title}: ${links.length} ${links.length === 1 ? 'problem' : 'problems'} to fix`),
      h('ul', {}, links));
    this.summaryEl.focus();
  }
}

/** The summary's container, ready to take focus (placed at the top of a form). */
export const summaryBox = () => h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', hidden: true });
