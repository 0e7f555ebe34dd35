// Filters: a firm's stored filters (made, edited and archived here, validated by the engine) and
// the system filters the policy defines, which are listed but never edited.
import { HttpError, json, errorResponse } from '../errors.mjs';
import { onlyFields, engineInput } from '../body.mjs';
import { reply } from '../replies.mjs';
import { randomId } from '../crypto.mjs';
import { sees, filterFirm, visibleWorkspace } from './scope.mjs';
import { unprocessable, idParam, boolParam } from './checks.mjs';
import { audit } from './audit.mjs';

// Entity ids sampled by a dry run's impact (the data service allows up to 100).
const IMPACT_SAMPLE = 20;

/** A workspace id as it goes into a data service URL: the engine's canonical form of the UUID. */
const workspaceOf = (app, ws) => app.engine.canonicalUuid(ws);

/**
 * The keys that hold a filter in a grant, as the engine says (`keyIdsHolding`), named from the
 * state's view: `[{id, name, revoked}]` of the firms the admin manages, by name then id (ordinal,
 * the same order on every runtime). A revoked key is listed, as revoked: the engine still counts
 * it in `keys_holding`, and its grants are still its record.
 */
function heldBy(app, who, filterId) {
  const keys = app.state.view.keys;
  const out = [];
  for (const id of app.policy.store.keyIdsHolding(filterId)) {
    const k = keys.get(id);
    if (k && sees(who, k.firm_id)) out.push({ id: k.id, name: k.name, revoked: !!k.revoked });
  }
  const ordinal = (x, y) => (x < y ? -1 : x > y ? 1 : 0);
  return out.sort((x, y) => ordinal(x.name, y.name) || ordinal(x.id, y.id));
}

/** Who holds a stored filter: `{keys_holding, held_by}`. */
function holding(app, who, id) {
  return { keys_holding: app.policy.store.keysHolding(id), held_by: heldBy(app, who, id) };
}

function filterView(app, who, rec) {
  const live = app.policy.store.getFilter(rec.id);
  return {
    id: rec.id, workspace_id: rec.workspace_id, entity_type: rec.entity_type, name: rec.name,
    description: rec.description ?? null, predicate: live?.predicate ?? rec.predicate,
    predicate_text: live?.predicate_text ?? rec.predicate_text ?? null, archived: !!rec.archived, system: false,
    created_at: rec.created_at, created_by: rec.created_by ?? null, updated_at: rec.updated_at, archived_at: rec.archived_at ?? null,
    ...holding(app, who, rec.id),
  };
}

/** GET /filters[?workspace_id=&entity_type=&include_archived=true|false]: system filters, then stored ones, oldest first. */
export function listFilters(app, who, params) {
  const ws = idParam(params, 'workspace_id')?.toLowerCase();
  const type = idParam(params, 'entity_type');
  const withArchived = boolParam(params, 'include_archived', false);
  const stored = [...app.state.view.filters.values()]
    .filter((f) => sees(who, filterFirm(app, f)))
    .filter((f) => (!ws || f.workspace_id.toLowerCase() === ws) && (!type || f.entity_type === type) && (withArchived || !f.archived))
    .sort((x, y) => x.created_at.localeCompare(y.created_at) || x.id.localeCompare(y.id))
    .map((f) => filterView(app, who, f));
  let system = app.policy.systemFilters().filter((s) => sees(who, s.firm_id));
  if (ws) {
    const firm = app.policy.firmOfWorkspace(ws);
    system = system.filter((s) => (s.workspace_id ? s.workspace_id.toLowerCase() === ws : s.firm_id === firm?.id));
  }
  if (type) system = system.filter((s) => s.entity_type === type || s.firm_global);
  return json(200, { filters: [...system, ...stored] });
}

/** GET /filters/{id}[?workspace_id=] (the workspace picks which of a system filter's copies). */
export function getFilter(app, who, id, params) {
  const ws = idParam(params, 'workspace_id')?.toLowerCase();
  if (app.engine.isSystemFilter(id)) {
    const found = app.policy.systemFilters().filter((s) => sees(who, s.firm_id))
      .find((s) => s.id === id && (!ws || s.workspace_id?.toLowerCase() === ws || (s.firm_global && app.policy.firmOfWorkspace(ws)?.id === s.firm_id)));
    if (!found) return errorResponse(404, 'not_found', 'No such filter.');
    return json(200, { filter: found });
  }
  const rec = app.state.view.filters.get(id);
  if (!rec || !sees(who, filterFirm(app, rec))) return errorResponse(404, 'not_found', 'No such filter.');
  return json(200, { filter: filterView(app, who, rec) });
}

function predicateInput(body) {
  const out = {};
  if (body.predicate !== undefined) out.predicate = body.predicate;
  if (body.predicate_text !== undefined) out.predicate_text = body.predicate_text;
  if (out.predicate !== undefined && out.predicate_text !== undefined) {
    throw new HttpError(400, 'invalid_body', 'Send either "predicate" (JSON form) or "predicate_text" (text form), not both.');
  }
  return out;
}

function validateFilter(app, input) {
  const v = engineInput(() => app.engine.validate(input));
  if (!v.valid) throw unprocessable('invalid_filter', 'The filter is not valid.', [...v.errors, ...v.warnings]);
  return v;
}

export async function createFilter(app, who, body, ictx) {
  onlyFields(body, ['workspace_id', 'entity_type', 'name', 'description', 'predicate', 'predicate_text']);
  const firm = visibleWorkspace(app, who, body.workspace_id);
  if (!firm) throw unprocessable('unknown_workspace', 'workspace_id must be one of the firm\'s workspaces.');
  const pred = predicateInput(body);
  if (pred.predicate === undefined && pred.predicate_text === undefined) throw new HttpError(400, 'invalid_body', 'A filter needs "predicate" or "predicate_text".');
  const v = validateFilter(app, { entity_type: body.entity_type, name: body.name ?? '', description: body.description ?? null, ...pred });
  const id = randomId('flt_', 12);
  return app.state.write(firm.id, (tx) => {
    const now = new Date().toISOString();
    const rec = {
      id, workspace_id: body.workspace_id.toLowerCase(), entity_type: body.entity_type,
      name: body.name, description: body.description ?? null, predicate: v.predicate, predicate_text: v.text,
      archived: false, created_at: now, updated_at: now, created_by: who.id,
    };
    tx.putFilter(rec, firm.id);
    audit(tx, who, firm.id, 'filter.create', { type: 'filter', id: rec.id, name: rec.name });
    return reply(201, { filter: { ...rec, system: false, keys_holding: 0, held_by: [], archived_at: null }, warnings: v.warnings });
  }, { idempotency: ictx });
}

function editable(app, who, id) {
  if (app.engine.isSystemFilter(id)) throw unprocessable('system_filter', 'System filters cannot be edited or archived.');
  const rec = app.state.view.filters.get(id);
  if (!rec || !sees(who, filterFirm(app, rec))) throw new HttpError(404, 'not_found', 'No such filter.');
  return rec;
}

function editedFilter(app, rec, body) {
  onlyFields(body, ['workspace_id', 'entity_type', 'name', 'description', 'predicate', 'predicate_text']);
  if (body.workspace_id !== undefined && String(body.workspace_id).toLowerCase() !== rec.workspace_id.toLowerCase()) {
    throw unprocessable('filter_immutable', 'A filter\'s workspace is fixed at creation; create a new filter instead.');
  }
  if (body.entity_type !== undefined && body.entity_type !== rec.entity_type) {
    throw unprocessable('filter_immutable', 'A filter\'s entity type is fixed at creation; create a new filter instead.');
  }
  const pred = predicateInput(body);
  const input = {
    entity_type: rec.entity_type,
    name: body.name !== undefined ? body.name : rec.name,
    description: body.description !== undefined ? body.description : rec.description ?? null,
    ...(pred.predicate === undefined && pred.predicate_text === undefined ? { predicate: rec.predicate } : pred),
  };
  return input;
}

export async function dryRunFilterEdit(app, who, id, body) {
  const rec = editable(app, who, id);
  const input = editedFilter(app, rec, body);
  const v = engineInput(() => app.engine.validate(input));
  const out = {
    keys_affected: app.policy.store.keysHolding(id), held_by: heldBy(app, who, id),
    valid: v.valid, errors: v.errors, warnings: v.warnings, predicate_text: v.text ?? null,
  };
  if (v.valid && app.policy.types.get(rec.entity_type)?.previewable) {
    // Which entities the edit would give or take away, counted by the data service in its database,
    // from the filter as the engine holds it now to the edit as the engine read it.
    const before = app.policy.store.getFilter(id)?.predicate ?? rec.predicate;
    const r = await app.data.impact(workspaceOf(app, rec.workspace_id), rec.entity_type, before, v.predicate, IMPACT_SAMPLE);
    out.impact = {
      gained: r.gained, lost: r.lost, gained_truncated: r.gained_truncated, lost_truncated: r.lost_truncated,
      gained_sample: r.gained_sample, lost_sample: r.lost_sample,
    };
  }
  return json(200, out);
}

export async function editFilter(app, who, id, body, ictx) {
  const rec = editable(app, who, id);
  if (rec.archived) throw unprocessable('filter_archived', 'An archived filter cannot be edited.');
  // Checked once up front (a malformed body fails without a write), then built again inside the
  // write from the filter as it is then: the fields the body leaves out keep their current values,
  // never ones another instance changed meanwhile.
  validateFilter(app, editedFilter(app, rec, body));
  const firm = filterFirm(app, rec);
  return app.state.write(firm, (tx) => {
    const cur = tx.filter(id);
    if (cur.archived) throw unprocessable('filter_archived', 'An archived filter cannot be edited.');
    const input = editedFilter(app, cur, body);
    const v = validateFilter(app, input);
    Object.assign(cur, { name: input.name, description: input.description, predicate: v.predicate, predicate_text: v.text, updated_at: new Date().toISOString() });
    tx.putFilter(cur, firm);
    const held = holding(app, who, id);
    audit(tx, who, firm, 'filter.edit', { type: 'filter', id, name: cur.name }, { keys_affected: held.keys_holding, predicate_text: v.text });
    return reply(200, { filter: { ...cur, system: false, ...held, archived_at: null }, keys_affected: held.keys_holding, warnings: v.warnings });
  }, { idempotency: ictx });
}

export async function archiveFilter(app, who, id, ictx) {
  const firm = filterFirm(app, editable(app, who, id));
  return app.state.write(firm, (tx) => {
    const cur = tx.filter(id);
    if (!cur.archived) {
      cur.archived = true;
      cur.archived_at = new Date().toISOString();
      tx.putFilter(cur, firm);
      audit(tx, who, firm, 'filter.archive', { type: 'filter', id, name: cur.name }, { keys_affected: app.policy.store.keysHolding(id) });
    }
    return reply(200, { filter: { ...cur, system: false, ...holding(app, who, id) } });
  }, { idempotency: ictx });
}

/**
 * A preview count: the engine decides whether it can be previewed (asked over no entities, it
 * answers only that: valid, a previewable type, searchable where the type has a search index),
 * then the data service counts the engine's JSON form of the predicate (never the caller's text),
 * capped as the engine caps it. `fields` are the body's allowed fields; `ask(engine, input)` is
 * the engine's preview of `input` (the body's type, name and description, and its predicate).
 */
async function previewCount(app, who, body, fields, ask) {
  onlyFields(body, fields);
  if (!visibleWorkspace(app, who, body.workspace_id)) {
    throw unprocessable('unknown_workspace', 'workspace_id must be one of the firm\'s workspaces.');
  }
  const pred = predicateInput(body);
  if (pred.predicate === undefined && pred.predicate_text === undefined) throw new HttpError(400, 'invalid_body', 'A preview needs "predicate" or "predicate_text".');
  const input = { entity_type: body.entity_type, name: body.name, description: body.description ?? null, ...pred };
  const verdict = engineInput(() => ask(app.engine, input));
  if (!verdict.ok) return errorResponse(422, verdict.error, `Preview refused: ${verdict.error}.`, { diagnostics: verdict.errors });
  // The engine's reading of the predicate (validate gives it whatever the name and description).
  const { predicate } = engineInput(() => app.engine.validate(input));
  const c = await app.data.count(workspaceOf(app, body.workspace_id), body.entity_type, predicate);
  return json(200, { count: c.count, truncated: c.truncated, display: c.display });
}

/** POST /filters/preview: the preview of a whole filter, which the engine validates whole (a name too). */
export function previewFilter(app, who, body) {
  return previewCount(app, who, body, ['workspace_id', 'entity_type', 'name', 'description', 'predicate', 'predicate_text'],
    (engine, input) => engine.preview(input, []));
}

/** POST /predicates/preview: the preview of a predicate alone, for a filter not yet named. */
export function previewPredicate(app, who, body) {
  return previewCount(app, who, body, ['workspace_id', 'entity_type', 'predicate', 'predicate_text'],
    (engine, { entity_type, predicate, predicate_text }) => engine.previewPredicate(
      predicate !== undefined ? { entity_type, predicate } : { entity_type, predicate_text }, []));
}
