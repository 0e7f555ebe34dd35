// The filter editor: fields, the rows and text views of the conditions, live validation from the
// engine routed to the row or span it concerns, preview, and saving (with the edit confirmation).
import { formatCount, h, scalarLength } from './dom.mjs';
import { entityType, format, limits, parse, schema, validate } from './engine.mjs';
import { confirmDialog } from './confirm-dialog.mjs';
import { PreviewPanel } from './preview-panel.mjs';
import { messageEl, RowsView } from './rows-view.mjs';
import { TextView } from './text-view.mjs';
import { fromPredicate, group, hasNot, nodeForPath, pathIndex, toPredicate } from './tree.mjs';

const VALIDATE_MS = 100; // debounce for typing; structural edits validate at once

const NAME_CODES = new Set(['name_required', 'name_too_long']);
const DESCRIPTION_CODES = new Set(['description_too_long']);

const capital = (s) => s.charAt(0).toUpperCase() + s.slice(1);

export class Editor {
  /** @param opts {backend, context: {workspaces, projects, users}, onSaved(record)} */
  constructor(container, opts) {
    this.el = container;
    this.opts = opts;
  }

  /** Open a stored filter (record) or a new one (null). */
  open(record) {
    this.record = record;
    const ws = record?.workspace_id ?? this.opts.context.workspaces[0].id;
    this.state = {
      workspace_id: ws,
      entity_type: record?.entity_type ?? 'detail',
      name: record?.name ?? '',
      description: record?.description ?? '',
      root: record ? fromPredicate(record.predicate) : group(),
      view: 'rows',
    };
    this.saved = record ? this.snapshot() : null;
    // A new, untouched filter shows no error messages yet (only the save bar says what is
    // missing): nobody needs to be told "name required" before they have typed anything.
    this.pristine = !record;
    this.build();
    this.preview.reset();
    this.rows.render();
    this.validateNow();
  }

  get readOnly() {
    return hasNot(this.state.root);
  }

  /** What a save would send; compared with the saved one to know whether anything changed. */
  snapshot() {
    const s = this.state;
    return JSON.stringify({ name: s.name, description: s.description || null, predicate: this.storedPredicate() });
  }

  predicate() {
    if (this.state.view === 'text') return this.validation?.predicate ?? null;
    return toPredicate(this.state.root);
  }

  /**
   * The tree as it is stored: the engine's reading of its own canonical text, so the rows view's
   * wrapper group (and any other one-child group) is not saved as a node of its own.
   */
  storedPredicate() {
    const p = this.predicate();
    const text = p && format(p);
    const back = text?.ok ? parse(text.text) : null;
    return back?.ok ? back.predicate : p;
  }

  build() {
    const s = this.state;
    const editing = Boolean(this.record);
    const workspaces = this.opts.context.workspaces;
    const lockedHint = editing ? h('span', { class: 'hint', id: 'locked-hint' }, 'Fixed at creation: to change it, create a new filter.') : null;

    this.nameCount = h('span', { class: 'counter', id: 'name-count' });
    this.descCount = h('span', { class: 'counter', id: 'description-count' });
    this.nameMsgs = h('div', { class: 'msgs', id: 'name-msgs', 'aria-live': 'polite' });
    this.descMsgs = h('div', { class: 'msgs', id: 'description-msgs', 'aria-live': 'polite' });
    this.generalMsgs = h('div', { class: 'msgs', id: 'general-msgs', 'aria-live': 'polite' });
    this.statusEl = h('p', { class: 'save-status', id: 'save-status', 'aria-live': 'polite' });
    this.saveButton = h('button', { type: 'submit', class: 'btn primary', id: 'save-button', 'aria-describedby': 'save-status' },
      editing ? 'Save changes' : 'Save filter');

    const workspaceSelect = h('select', {
      id: 'workspace', disabled: editing, 'aria-describedby': editing ? 'locked-hint' : null,
      // The rows again: their value suggestions are the new workspace's.
      onchange: (e) => { s.workspace_id = e.target.value; this.rows.render(); this.changed('meta'); },
    }, workspaces.map((w) => h('option', { value: w.id, selected: w.id === s.workspace_id }, w.name)));

    const typeSelect = h('select', {
      id: 'entity-type', disabled: editing, 'aria-describedby': editing ? 'locked-hint' : null,
      onchange: (e) => { s.entity_type = e.target.value; this.rows.render(); this.changed('meta'); },
    }, schema.entity_types.map((t) => h('option', { value: t.name, selected: t.name === s.entity_type }, `${capital(t.name)}`)));

    const nameInput = h('input', {
      id: 'filter-name', type: 'text', value: s.name, autocomplete: 'off', 'aria-describedby': 'name-count name-msgs',
      placeholder: 'e.g. Concrete details (typical library)',
      oninput: (e) => { s.name = e.target.value; this.changed('meta'); },
    });
    const descInput = h('textarea', {
      id: 'filter-description', rows: 2, value: s.description ?? '', 'aria-describedby': 'description-count description-msgs',
      placeholder: 'Why this filter exists, for the other admins',
      oninput: (e) => { s.description = e.target.value; this.changed('meta'); },
    });

    this.tabRows = h('button', { type: 'button', role: 'tab', id: 'tab-rows', 'aria-controls': 'panel-rows', onclick: () => this.setView('rows') }, 'Rows');
    this.tabText = h('button', { type: 'button', role: 'tab', id: 'tab-text', 'aria-controls': 'panel-text', onclick: () => this.setView('text') }, 'Text');
    const tablist = h('div', {
      role: 'tablist', class: 'tabs', 'aria-label': 'Edit conditions as',
      onkeydown: (e) => {
        if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
        const next = document.activeElement === this.tabRows ? this.tabText : this.tabRows;
        if (!next.disabled) { next.focus(); next.click(); }
      },
    }, this.tabRows, this.tabText);
    this.tabReason = h('span', { class: 'hint', id: 'tab-reason' });

    this.readOnlyNote = h('div', { class: 'notice', id: 'readonly-note', hidden: true });
    this.rowsPanel = h('div', { class: 'rows-panel' });
    const rowsTab = h('div', { id: 'panel-rows', role: 'tabpanel', 'aria-labelledby': 'tab-rows' }, this.readOnlyNote, this.rowsPanel);
    const textTab = h('div', { id: 'panel-text', role: 'tabpanel', 'aria-labelledby': 'tab-text', hidden: true });
    const previewEl = h('section', { class: 'card preview', id: 'preview', 'aria-label': 'Match count' });

    const archive = editing ? h('button', {
      type: 'button', class: 'btn ghost danger', id: 'archive-button', onclick: () => this.guard(this.archive()),
    }, 'Archive…') : null;

    const form = h('form', { id: 'filter-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); this.guard(this.save()); } },
      h('section', { class: 'card', 'aria-label': 'Filter details' },
        h('div', { class: 'grid-2' },
          h('div', { class: 'field' }, h('label', { for: 'workspace' }, 'Workspace'), workspaceSelect),
          h('div', { class: 'field' }, h('label', { for: 'entity-type' }, 'Entity type'), typeSelect)),
        lockedHint,
        h('div', { class: 'field' },
          h('div', { class: 'label-row' }, h('label', { for: 'filter-name' }, 'Name'), this.nameCount),
          nameInput, this.nameMsgs),
        h('div', { class: 'field' },
          h('div', { class: 'label-row' }, h('label', { for: 'filter-description' }, 'Description ', h('span', { class: 'muted' }, '(optional)')), this.descCount),
          descInput, this.descMsgs)),
      h('section', { class: 'card', 'aria-labelledby': 'conditions-title' },
        h('div', { class: 'card-head' }, h('h3', { id: 'conditions-title' }, 'Conditions'), tablist, this.tabReason),
        rowsTab, textTab, this.generalMsgs),
      previewEl,
      h('div', { class: 'savebar' }, this.statusEl, h('span', { class: 'spacer' }), archive, this.saveButton));

    const title = editing ? `Edit filter` : 'New filter';
    this.datalists = h('div', { id: 'value-suggestions', hidden: true });
    this.el.replaceChildren(
      h('div', { class: 'editor-head' },
        h('h2', { id: 'editor-title' }, title),
        editing ? h('code', { class: 'filter-id', title: 'Filter id' }, this.record.id) : null),
      form,
      this.datalists);

    this.rows = new RowsView(this.rowsPanel, {
      getState: () => ({ root: this.state.root, entityType: this.state.entity_type, readOnly: this.readOnly }),
      onChange: (kind) => this.changed(kind),
      suggestions: (attr) => this.suggestions(attr),
    });
    this.text = new TextView(textTab, { onInput: () => this.changed('text') });
    this.preview = new PreviewPanel(previewEl, { preview: (filter) => this.opts.backend.preview(filter) });
    this.panels = { rows: rowsTab, text: textTab };
    this.syncTabs();
  }

  /**
   * The id of the datalist that suggests values for an attribute, or null for none. Project and
   * user ids are offered by name (the value is still the UUID the engine wants); other text,
   * list and number attributes offer the workspace's most common values, asked of the backend
   * once per workspace, type and attribute and filled in when they arrive (the rows are not
   * re-rendered for it, so nothing being typed is disturbed).
   */
  suggestions(attr) {
    if (!['text', 'list', 'number', 'uuid'].includes(attr.type)) return null;
    const { workspace_id: ws, entity_type: type } = this.state;
    const key = `${ws}|${type}|${attr.name}`;
    const id = `values-${attr.name}`;
    let list = this.datalists.querySelector(`#${CSS.escape(id)}`);
    if (list?.dataset.key === key) return id;
    if (!list) this.datalists.append(list = h('datalist', { id }));
    list.dataset.key = key;
    list.replaceChildren();
    const { projects = [], users = [] } = this.opts.context;
    const named = attr.name === 'created_by' ? users.map((u) => ({ value: u.id, label: u.email, ws: u.workspace_id }))
      : attr.name === 'project_id' ? projects.map((p) => ({ value: p.id, label: p.name, ws: p.workspace_id })) : null;
    if (named) {
      list.append(...named.filter((p) => p.ws === ws).map((p) => h('option', { value: p.value }, p.label)));
      return id;
    }
    const noun = entityType(type)?.collection ?? type;
    this.opts.backend.values(ws, type, attr.name).then((values) => {
      if (list.dataset.key !== key) return; // the workspace or type changed meanwhile
      list.replaceChildren(...values.map((v) => h('option', { value: String(v.value) }, `${formatCount(v.count)} ${noun}`)));
    });
    return id;
  }

  setView(view) {
    const s = this.state;
    if (view === s.view) return;
    if (view === 'text') {
      // The canonical text of the tree (SPEC 2.3); an empty tree has no text yet.
      const empty = s.root.kind === 'group' && s.root.children.length === 0;
      const formatted = empty ? null : format(toPredicate(s.root));
      this.text.value = formatted?.ok ? formatted.text : '';
    } else {
      const text = this.text.value;
      if (text.trim() === '') s.root = group();
      else {
        const parsed = parse(text);
        if (!parsed.ok) return; // the tab is disabled in this state; keep the text as typed
        s.root = fromPredicate(parsed.predicate);
      }
    }
    s.view = view;
    this.syncTabs();
    if (view === 'rows') this.rows.render();
    this.validateNow();
    (view === 'text' ? this.text.area : this.tabRows).focus();
  }

  syncTabs() {
    const view = this.state.view;
    for (const [name, tab] of [['rows', this.tabRows], ['text', this.tabText]]) {
      tab.setAttribute('aria-selected', String(name === view));
      tab.tabIndex = name === view ? 0 : -1;
      this.panels[name].hidden = name !== view;
    }
  }

  changed(kind) {
    this.pristine = false;
    clearTimeout(this.timer);
    if (kind === 'structure' || kind === 'meta') this.validateNow();
    else this.timer = setTimeout(() => this.validateNow(), VALIDATE_MS);
  }

  filterInput() {
    const s = this.state;
    const base = { entity_type: s.entity_type, name: s.name, description: s.description || null };
    if (s.view === 'text') {
      const text = this.text.value;
      // Blank text is the empty tree, which the engine reports as an empty group.
      return text.trim() === '' ? { ...base, predicate: { and: [] } } : { ...base, predicate_text: text };
    }
    return { ...base, predicate: toPredicate(s.root) };
  }

  validateNow() {
    const s = this.state;
    const input = this.filterInput();
    const result = validate(input);
    this.validation = result;
    if (s.view === 'text') {
      const parsedOk = input.predicate !== undefined || result.predicate !== undefined;
      this.tabRows.disabled = !parsedOk;
      this.tabReason.textContent = parsedOk ? '' : 'Fix the text so it parses to switch back to rows.';
      if (result.predicate) s.root = fromPredicate(result.predicate);
    } else {
      this.tabRows.disabled = false;
      this.tabReason.textContent = '';
    }
    this.route(result);
    this.renderCounters();
    this.renderReadOnly();
    this.renderSaveState();
    // Preview takes the tree itself (parsed once above in the text view), never a second parse.
    const filter = { entity_type: s.entity_type, name: s.name, description: s.description || null, predicate: this.predicate() ?? { and: [] } };
    this.preview.update({ workspace_id: s.workspace_id, filter, validation: result });
  }

  /** Put each diagnostic next to what it concerns: a row or group, a field, or the text span. */
  route(result) {
    const all = this.pristine ? [] : [...result.errors, ...result.warnings];
    const index = pathIndex(this.state.root);
    const byNode = new Map();
    const name = [];
    const description = [];
    const text = [];
    const general = [];
    for (const d of all) {
      const path = d.location?.path ?? '';
      if (NAME_CODES.has(d.code) || path === '$.name') name.push(d);
      else if (DESCRIPTION_CODES.has(d.code) || path === '$.description') description.push(d);
      else if (this.state.view === 'text') text.push(d);
      else {
        const id = path.startsWith('$.predicate') ? nodeForPath(index, path) : null;
        if (id) byNode.set(id, [...(byNode.get(id) ?? []), d]);
        else general.push(d);
      }
    }
    this.nameMsgs.replaceChildren(...name.map(messageEl));
    this.descMsgs.replaceChildren(...description.map(messageEl));
    this.generalMsgs.replaceChildren(...general.map(messageEl));
    this.rows.setMessages(byNode);
    this.text.setDiagnostics(text);
    document.getElementById('filter-name')?.setAttribute('aria-invalid', String(name.some((d) => d.severity === 'error')));
  }

  renderCounters() {
    const counter = (el, value, max) => {
      const n = scalarLength(value);
      el.textContent = `${formatCount(n)} / ${formatCount(max)}`;
      el.classList.toggle('over', n > max);
      el.setAttribute('aria-label', `${n} of ${max} characters`);
    };
    counter(this.nameCount, this.state.name, limits.max_name_chars);
    counter(this.descCount, this.state.description ?? '', limits.max_description_chars);
  }

  renderReadOnly() {
    const readOnly = this.readOnly && this.state.view === 'rows';
    this.readOnlyNote.hidden = !readOnly;
    if (!readOnly) return;
    const formatted = format(toPredicate(this.state.root));
    this.readOnlyNote.replaceChildren(
      h('p', {}, h('strong', {}, 'Read-only here. '),
        'This filter uses NOT, which the visual builder does not offer (it was written through the API). ',
        'Its conditions are shown below; edit them in the Text view.'),
      h('pre', { class: 'mono readonly-text', id: 'readonly-text' }, formatted.ok ? formatted.text : ''));
  }

  renderSaveState() {
    const { errors, warnings } = this.validation;
    const dirty = !this.saved || this.snapshot() !== this.saved;
    let status;
    if (errors.length) status = `${errors.length} ${errors.length === 1 ? 'problem' : 'problems'} to fix before saving.`;
    else if (!dirty) status = 'No changes to save.';
    else status = warnings.length ? `Ready to save, with ${warnings.length} ${warnings.length === 1 ? 'warning' : 'warnings'}.` : 'Ready to save.';
    this.statusEl.textContent = status;
    this.statusEl.className = `save-status ${errors.length ? 'error' : warnings.length ? 'warning' : ''}`;
    this.saveButton.disabled = errors.length > 0 || !dirty;
  }

  /**
   * Save and archive ask the data source; when it throws instead of answering (the gateway refused
   * the admin credential, or could not be reached), say so next to the save bar rather than drop
   * the click as an uncaught rejection.
   */
  guard(pending) {
    return pending.catch((err) => {
      const d = err?.diagnostic ?? { severity: 'error', code: 'save_failed', message: String(err?.message ?? err) };
      this.generalMsgs.replaceChildren(messageEl(d));
    });
  }

  async save() {
    if (this.saveButton.disabled) return;
    const s = this.state;
    const predicate = this.storedPredicate();
    const fields = { name: s.name, description: s.description || null, predicate };
    const backend = this.opts.backend;
    let res;
    if (!this.record) {
      res = await backend.createFilter({ workspace_id: s.workspace_id, entity_type: s.entity_type, ...fields });
    } else {
      const impact = await backend.editImpact(this.record.id, { entity_type: s.entity_type, predicate });
      const n = impact.keys;
      const change = impact.gained !== undefined
        ? h('p', { class: 'impact' },
          `Access after this edit: ${formatCount(impact.gained)}${impact.gainedTruncated ? '+' : ''} ${entityType(s.entity_type)?.collection ?? ''} gained, ${formatCount(impact.lost)}${impact.lostTruncated ? '+' : ''} lost.`)
        : null;
      const go = await confirmDialog({
        title: 'Save changes to this filter?',
        question: `This will immediately affect ${formatCount(n)} ${n === 1 ? 'credential' : 'credentials'}. Continue?`,
        body: change,
        confirmLabel: 'Save changes',
      });
      if (!go) return;
      res = await backend.updateFilter(this.record.id, fields);
    }
    if (!res.ok) {
      this.generalMsgs.replaceChildren(...(res.errors ?? [{ severity: 'error', code: 'save_failed', message: 'Saving failed.' }]).map(messageEl));
      return;
    }
    this.opts.onSaved(res.record, { created: !this.record });
  }

  async archive() {
    const n = await this.opts.backend.keysHolding(this.record.id);
    const go = await confirmDialog({
      title: 'Archive this filter?',
      question: `${formatCount(n)} ${n === 1 ? 'credential holds' : 'credentials hold'} this filter and will lose its grants on their next request. Archiving cannot be undone.`,
      confirmLabel: 'Archive filter',
      danger: true,
    });
    if (!go) return;
    const res = await this.opts.backend.archiveFilter(this.record.id);
    if (!res.ok) {
      this.generalMsgs.replaceChildren(...res.errors.map(messageEl));
      return;
    }
    this.opts.onSaved({ ...this.record, archived: true }, { archived: true });
  }
}
