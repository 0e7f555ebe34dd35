// The filter editor: fields, the rows and text views of the conditions, live validation from the
// engine routed to the row or span it concerns, preview, and saving (with the edit confirmation).
import { formatCount, h, scalarLength } from './dom.mjs';
import { entityType, format, limits, parse, schema, validate } from './engine.mjs';
import { confirmDialog } from './confirm-dialog.mjs';
import { PreviewPanel } from './preview-panel.mjs';
import { messageEl, RowsView } from './rows-view.mjs';
import { TextView } from './text-view.mjs';
import { fromPredicate, group, hasNot, nodeForPath, pathIndex, toPredicate, walk } from './tree.mjs';
import { heldByLine, heldByNames } from './naming.mjs';
import { capital } from './settings-parts.mjs';

const VALIDATE_MS = 100; // debounce for typing; structural edits validate at once

const NAME_CODES = new Set(['name_required', 'name_too_long']);
const DESCRIPTION_CODES = new Set(['description_too_long']);
/** The fields a diagnostic's path can name: as the form labels them (for "Before saving:"), and their control. */
const FIELD_OF_PATH = new Map([
  ['$.name', { label: 'Name', control: 'filter-name' }],
  ['$.description', { label: 'Description', control: 'filter-description' }],
  ['$.entity_type', { label: 'Entity type', control: 'entity-type' }],
  ['$.workspace_id', { label: 'Workspace', control: 'workspace' }],
]);

const plural = (n, one, many) => `${formatCount(n)} ${n === 1 ? one : many}`;

export class Editor {
  /** @param opts {backend, context: {workspaces, projects, users}, onSaved(record)} */
  constructor(container, opts) {
    this.el = container;
    this.opts = opts;
    this.validations = 0;
    this.timer = null;
  }

  /**
   * Open a stored filter (record) or a new one (null). `notice`: nodes said above the form (why a
   * link opened a new filter instead of the one it named).
   */
  open(record, { notice = null } = {}) {
    this.record = record;
    this.notice = notice;
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
    this.discarded = false;
    this.build();
    this.preview.reset();
    this.rows.render();
    this.validateNow();
    this.initial = this.dirtyKey();
  }

  /**
   * Whether leaving now would lose edits: what the form holds differs from what it opened with
   * (text that does not parse counts as it is typed).
   */
  isDirty() {
    if (!this.state || this.discarded) return false;
    this.flush(); // what was typed within the validation delay counts too
    return this.dirtyKey() !== this.initial;
  }

  /** Run the validation a keystroke scheduled now, if one is still waiting. */
  flush() {
    if (this.timer === null) return;
    this.validateNow();
  }

  dirtyKey() {
    const s = this.state;
    const unparsed = s.view === 'text' && !this.validation?.predicate ? this.text.value : null;
    return JSON.stringify([s.workspace_id, s.entity_type, s.name, s.description || null, this.storedPredicate(), unparsed]);
  }

  /**
   * Ask before leaving unsaved edits (another filter, a new one, another page). True to go on;
   * the edits are then let go, so the page that follows does not ask again.
   */
  async confirmLeave() {
    if (!this.isDirty()) return true;
    const go = await confirmDialog({
      title: 'Leave without saving?',
      question: `${this.record ? `Your changes to “${this.record.name}”` : 'This new filter'} will be lost if you leave now.`,
      confirmLabel: 'Leave without saving',
      cancelLabel: 'Stay and keep editing',
      danger: true,
    });
    if (go) this.discarded = true;
    return go;
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
    this.pendingEl = h('div', { class: 'pending', id: 'pending', hidden: true });
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
      h('div', { class: 'savebar' }, h('div', { class: 'save-info' }, this.statusEl, this.pendingEl),
        h('span', { class: 'spacer' }), archive, this.saveButton));

    const title = editing ? `Edit filter` : 'New filter';
    this.datalists = h('div', { id: 'value-suggestions', hidden: true });
    this.el.replaceChildren(
      h('div', { class: 'editor-head' },
        h('h2', { id: 'editor-title' }, title),
        editing ? h('code', { class: 'filter-id', title: 'Filter id' }, this.record.id) : null),
      this.notice ? h('div', { class: 'notice', id: 'open-notice', role: 'status' }, this.notice) : null,
      ...[editing ? this.heldByEl(this.record) : null].filter(Boolean),
      form,
      this.datalists);

    this.rows = new RowsView(this.rowsPanel, {
      getState: () => ({ root: this.state.root, entityType: this.state.entity_type, readOnly: this.readOnly }),
      onChange: (kind) => this.changed(kind),
      suggestions: (attr) => this.suggestions(attr),
      names: (attr) => this.names(attr),
    });
    this.text = new TextView(textTab, { onInput: () => this.changed('text') });
    this.preview = new PreviewPanel(previewEl, {
      preview: (filter) => this.opts.backend.preview(filter),
      previewPredicate: (input) => this.opts.backend.previewPredicate(input),
    });
    this.panels = { rows: rowsTab, text: textTab };
    this.syncTabs();
  }

  /**
   * "Held by 2 keys: A, B": the keys holding the filter (the record's `held_by`), each linked to
   * its page where the data source has key pages, a revoked one marked.
   */
  heldByEl(record) {
    const line = heldByLine(record, {
      none: 'Held by no key yet: no credential uses this filter.',
      href: (id) => this.opts.backend.keyHref?.(id) ?? null,
    });
    return line && h('p', { class: 'held-by', id: 'held-by' }, line);
  }

  /**
   * The named ids an attribute takes in the current workspace, `[{id, name}]` (`created_by`: the
   * users, `project_id`: the projects), or null for other attributes.
   */
  named(attr) {
    const { projects = [], users = [] } = this.opts.context;
    const source = attr.name === 'created_by' ? users : attr.name === 'project_id' ? projects : null;
    return source?.filter((x) => x.workspace_id === this.state.workspace_id)
      .map((x) => ({ id: String(x.id), name: x.name ?? x.email ?? String(x.id) })) ?? null;
  }

  /** The same as a Map from the id (as the data source gives it) to the name, for the value editors. */
  names(attr) {
    const named = this.named(attr);
    return named && new Map(named.map(({ id, name }) => [id, name]));
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
    // Users and projects by name: the option's value is the UUID the engine wants, its label the name.
    const named = this.named(attr);
    if (named) {
      list.append(...named.map((x) => h('option', { value: x.id, label: x.name }, x.name)));
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
    if (kind === 'structure' || kind === 'meta') {
      this.validateNow();
      return;
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.validateNow(), VALIDATE_MS);
    // For the tests: a validation is waiting (they wait for it to have run, never for a time).
    this.el.dataset.validationPending = 'true';
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
    clearTimeout(this.timer);
    this.timer = null;
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
    this.renderPending(result);
    // Preview takes the tree itself (parsed once above in the text view), never a second parse.
    const filter = { entity_type: s.entity_type, name: s.name, description: s.description || null, predicate: this.predicate() ?? { and: [] } };
    this.preview.update({ workspace_id: s.workspace_id, filter, validation: result });
    // For the tests: how many validations have run, and none is waiting.
    this.el.dataset.validated = String(++this.validations);
    delete this.el.dataset.validationPending;
  }

  /** Put each diagnostic next to what it concerns: a row or group, a field, or the text span. */
  route(result) {
    // Notices (a likely slip the contract allows, such as an empty text value) are shown where
    // warnings are; none of them blocks saving.
    const all = this.pristine ? [] : [...result.errors, ...result.warnings, ...(result.notices ?? [])];
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
      h('p', {}, h('strong', {}, 'Edit this filter in the Text tab. '),
        'It uses NOT, which the Rows tab cannot show as rows, so its conditions are shown read-only below; ',
        'the Text tab edits all of them.'),
      h('pre', { class: 'mono readonly-text', id: 'readonly-text' }, formatted.ok ? formatted.text : ''),
      h('p', {}, h('button', { type: 'button', class: 'btn small', id: 'open-text-tab', onclick: () => this.setView('text') },
        'Edit in the Text tab')));
  }

  renderSaveState() {
    const { errors, warnings } = this.validation;
    const notices = this.validation.notices ?? [];
    const dirty = !this.saved || this.snapshot() !== this.saved;
    const remarks = [warnings.length ? plural(warnings.length, 'warning', 'warnings') : null,
      notices.length ? plural(notices.length, 'notice', 'notices') : null].filter(Boolean);
    let status;
    if (errors.length) status = `${plural(errors.length, 'problem', 'problems')} to fix before saving.`;
    else if (!dirty) status = 'No changes to save.';
    else status = remarks.length ? `Ready to save, with ${remarks.join(' and ')} to check.` : 'Ready to save.';
    this.statusEl.textContent = status;
    this.statusEl.className = `save-status ${errors.length ? 'error' : remarks.length ? 'warning' : ''}`;
    this.saveButton.disabled = errors.length > 0 || !dirty;
  }

  /**
   * "Before saving:" the errors still in the way, each by what it concerns ("Name", "Condition 2",
   * "Text, line 1, col 5") with the engine's message; choosing one focuses that control. Shown
   * on a new, untouched form too, where no message is shown inline yet.
   */
  renderPending(result) {
    const errors = result.errors;
    this.pendingEl.hidden = errors.length === 0;
    if (!errors.length) { this.pendingEl.replaceChildren(); return; }
    const index = pathIndex(this.state.root);
    const labels = new Map();
    walk(this.state.root, (node, { label }) => {
      labels.set(node.id, label ? `${node.kind === 'group' ? 'Group' : 'Condition'} ${label}` : 'Conditions');
    });
    const items = errors.map((d) => {
      const path = d.location?.path ?? '';
      const span = d.location?.span;
      let label;
      let focus;
      const field = FIELD_OF_PATH.get(path)
        ?? (NAME_CODES.has(d.code) ? FIELD_OF_PATH.get('$.name') : DESCRIPTION_CODES.has(d.code) ? FIELD_OF_PATH.get('$.description') : null);
      if (field) {
        label = field.label;
        focus = () => document.getElementById(field.control)?.focus();
      } else if (this.state.view === 'text') {
        label = span ? `Text, line ${span.line}, col ${span.column}` : 'Conditions';
        focus = () => this.text.select(span);
      } else {
        const node = path.startsWith('$.predicate') ? nodeForPath(index, path) : null;
        label = (node && labels.get(node)) ?? 'Conditions';
        focus = () => this.rows.focusNode(node ?? this.state.root.id, d.code);
      }
      return h('li', { dataset: { code: d.code } },
        h('button', { type: 'button', class: 'pending-link', onclick: focus }, label),
        h('span', { class: 'pending-message' }, ` — ${d.message}`));
    });
    this.pendingEl.replaceChildren(h('p', { class: 'pending-title', id: 'pending-title' }, 'Before saving:'),
      h('ul', { 'aria-labelledby': 'pending-title' }, items));
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
      // Which credentials: the dry run's holders (the gateway), else the record's.
      const held = impact.heldBy ?? this.record.held_by;
      const who = Array.isArray(held) && held.length
        ? h('p', { class: 'held-by-names', id: 'confirm-held-by' }, `${held.length === 1 ? 'The key' : 'The keys'}: `,
          heldByNames(held, { tag: 'strong' }))
        : null;
      const go = await confirmDialog({
        title: 'Save changes to this filter?',
        question: `This will immediately affect ${formatCount(n)} ${n === 1 ? 'credential' : 'credentials'}. Continue?`,
        body: [who, change],
        confirmLabel: 'Save changes',
      });
      if (!go) return;
      res = await backend.updateFilter(this.record.id, fields);
    }
    if (!res.ok) {
      this.generalMsgs.replaceChildren(...(res.errors ?? [{ severity: 'error', code: 'save_failed', message: 'Saving failed.' }]).map(messageEl));
      return;
    }
    this.discarded = true; // saved: nothing left to lose when the page moves on
    this.opts.onSaved(res.record, { created: !this.record });
  }

  async archive() {
    // The count and the names from the same answer, asked now (keys may have changed since the list).
    const { keys: n, heldBy: held } = await this.opts.backend.holding(this.record.id);
    const go = await confirmDialog({
      title: 'Archive this filter?',
      question: `${formatCount(n)} ${n === 1 ? 'credential holds' : 'credentials hold'} this filter and will lose its grants on their next request. Archiving cannot be undone.`,
      body: Array.isArray(held) && held.length
        ? h('p', { class: 'held-by-names', id: 'confirm-held-by' }, 'Held by: ', heldByNames(held, { tag: 'strong' }))
        : null,
      confirmLabel: 'Archive filter',
      danger: true,
    });
    if (!go) return;
    const res = await this.opts.backend.archiveFilter(this.record.id);
    if (!res.ok) {
      this.generalMsgs.replaceChildren(...res.errors.map(messageEl));
      return;
    }
    this.discarded = true;
    this.opts.onSaved({ ...this.record, archived: true }, { archived: true });
  }
}
