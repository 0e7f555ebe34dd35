// Preview match count (SPEC 3): runs on click, then refreshes as the filter is edited. It puts
// the seed's two failure modes in plain view before saving: zero matches (a list/search grant
// would answer 403 insufficient_scope) and far too many (compared with the whole workspace, when
// the backend knows its size). The count is the backend's: the engine in the page over the
// sample (standalone), or the gateway's, counted by the data service (demo). A filter not yet
// valid for a reason outside its conditions (no name yet) is counted by its predicate alone.
import { formatCount, h } from './dom.mjs';
import { entityType, previewPredicate } from './engine.mjs';

const REFRESH_MS = 150;

export class PreviewPanel {
  /**
   * @param opts {preview(filter): Promise<{ok: true, count, truncated, display, total: number|null}
   *   | {ok: false, error, errors}>}, the filter being `{workspace_id, entity_type, name, description, predicate}`;
   *   previewPredicate({workspace_id, entity_type, predicate}): the same answer for a predicate alone}
   */
  constructor(container, opts) {
    this.el = container;
    this.opts = opts;
    this.requested = false; // after the first click the count follows every edit
    this.run = 0;
  }

  /** A new filter was opened: back to "not yet previewed". */
  reset() {
    this.requested = false;
    this.last = null;
  }

  /** The editor's current state: {workspace_id, filter: FilterInput, validation}. */
  update(current) {
    this.current = current;
    // Whether the conditions alone can be previewed: the engine's verdict over no entities.
    const { entity_type, predicate } = current.filter;
    this.verdict = previewPredicate({ entity_type, predicate }, []);
    this.render();
    if (this.requested) {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.compute(), REFRESH_MS);
    }
  }

  async compute() {
    const run = ++this.run;
    const { workspace_id, filter, validation } = this.current;
    if (!this.verdict.ok) {
      this.last = { stale: true };
      this.render();
      return;
    }
    this.last = { busy: true, previous: this.last };
    this.render();
    const t0 = performance.now();
    let result;
    try {
      // The whole filter when it is valid; its predicate alone when only its fields are not.
      result = validation.valid ? await this.opts.preview({ workspace_id, ...filter })
        : await this.opts.previewPredicate({ workspace_id, entity_type: filter.entity_type, predicate: filter.predicate });
      result = { ...result, basis: validation.valid ? 'filter' : 'predicate' };
    } catch (err) {
      result = { ok: false, error: 'preview_failed', errors: [{ message: `The preview failed: ${err.message ?? err}` }] };
    }
    const ms = performance.now() - t0;
    if (run !== this.run) return; // a newer edit superseded this one
    this.last = { result, ms };
    this.render();
  }

  render() {
    const { filter, validation } = this.current;
    const type = entityType(filter.entity_type);
    const noun = type?.collection ?? filter.entity_type;
    if (!type?.previewable) {
      this.el.replaceChildren(
        h('h3', {}, 'Match count'),
        h('p', { class: 'muted', id: 'preview-unavailable' },
          `Preview is not available for ${filter.entity_type} filters.`));
      return;
    }
    // The engine says, with a warning, when a detail filter cannot run on the search index.
    const verdict = this.verdict;
    const unsearchable = validation.searchable === false || verdict.error === 'not_searchable' ||
      validation.warnings?.some((w) => w.code === 'not_searchable');
    const reason = unsearchable
      ? (validation.warnings.find((w) => w.code === 'not_searchable')?.message ??
        'This filter cannot run on the search index, so it cannot be previewed.')
      : !verdict.ok ? 'Fix the conditions’ errors to preview.' : null;

    const button = h('button', {
      type: 'button', class: 'btn', id: 'preview-button', disabled: Boolean(reason),
      'aria-describedby': reason ? 'preview-reason' : null,
      onclick: () => { this.requested = true; this.compute(); },
    }, this.requested ? 'Refresh count' : 'Preview match count');

    this.el.replaceChildren(
      h('h3', {}, 'Match count'),
      h('div', { class: 'preview-row' }, button, this.resultEl(noun)),
      ...(reason ? [h('p', { class: unsearchable ? 'msg warning' : 'muted', id: 'preview-reason' }, reason)] : []));
  }

  resultEl(noun) {
    const last = this.last;
    if (!this.requested || !last) return h('span', { class: 'muted' }, 'Runs over the workspace’s current data.');
    if (last.busy) return h('output', { id: 'preview-result', class: 'preview-count busy' }, 'Counting…');
    if (last.stale) return h('output', { id: 'preview-result', class: 'preview-count stale' }, '—');
    const { result, ms } = last;
    if (!result.ok) {
      return h('output', { id: 'preview-result', class: 'preview-refused', dataset: { error: result.error } },
        result.errors?.[0]?.message ?? result.error);
    }
    const total = result.total ?? null; // null: the backend does not tell the workspace's size
    let verdict = null;
    if (result.count === 0) {
      verdict = h('p', { class: 'msg error verdict', dataset: { verdict: 'zero' } },
        `No ${noun} match. A list or search grant with this filter would answer 403 insufficient_scope: check for a typo or a condition that is too strict.`);
    } else if (result.truncated) {
      verdict = h('p', { class: 'msg warning verdict', dataset: { verdict: 'broad' } },
        total === null ? `More than ${formatCount(result.count)} ${noun} match. Is an AND clause missing, or is an OR meant to be an AND?`
          : `More than ${formatCount(result.count)} of the workspace’s ${formatCount(total)} ${noun} match. Is an AND clause missing, or is an OR meant to be an AND?`);
    } else if (total !== null && result.count === total) {
      verdict = h('p', { class: 'msg warning verdict', dataset: { verdict: 'broad' } },
        `All ${formatCount(total)} ${noun} in the workspace match: this grants as much as the workspace’s system filter for ${noun}.`);
    }
    const share = total === null ? '' : ` of ${formatCount(total)}${result.truncated ? '' : ` (${Math.round((100 * result.count) / Math.max(total, 1))}%)`}`;
    return h('div', { class: 'preview-out' },
      h('output', { id: 'preview-result', class: 'preview-count', for: 'preview-button',
        dataset: { count: result.count, truncated: result.truncated, basis: result.basis } },
      h('strong', {}, result.display), ` ${noun} match`),
      h('span', { class: 'muted small' }, `${share} · ${ms.toFixed(1)} ms`),
      verdict);
  }
}
