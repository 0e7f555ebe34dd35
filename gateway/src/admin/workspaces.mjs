// Workspaces and their data: what the builder needs to author and preview filters. Never a whole
// workspace: a page of examples at a time, and the common values of one attribute.
import { HttpError, json, errorResponse } from '../errors.mjs';
import { sameId, firmsOf, visibleWorkspace } from './scope.mjs';
import { limitOf, idParam } from './checks.mjs';
import { encodeCursor, decodeCursor } from '../data-api.mjs';

/** GET /workspaces[?firm_id=]: one firm the admin manages (firm_id, else the first) with its workspaces, projects and users. */
export function listWorkspaces(app, who, params) {
  const firmId = idParam(params, 'firm_id');
  const mine = firmsOf(app, who);
  const firm = firmId ? mine.find((f) => sameId(f.id, firmId)) : mine[0];
  if (!firm) return errorResponse(404, 'not_found', 'No such firm.');
  const flat = (field) => firm.workspaces.flatMap((w) => (w[field] ?? []).map((x) => ({ ...x, workspace_id: w.id })));
  return json(200, {
    firm: { id: firm.id, name: firm.name ?? firm.id },
    firms: mine.map((f) => ({ id: f.id, name: f.name ?? f.id })),
    workspaces: firm.workspaces.map((w) => ({ id: w.id, name: w.name ?? w.id })),
    projects: flat('projects'),
    users: flat('users'),
  });
}

// The builder's suggestions ask for a handful of values; the data service answers at most 100.
const VALUES_DEFAULT = 20;
const VALUES_MAX = 100;

/** The entity type named by `entity_type`, as the engine's schema describes it. */
function typeOf(app, params) {
  const desc = app.policy.types.get(params.get('entity_type') ?? '');
  if (!desc) throw new HttpError(400, 'invalid_query', 'entity_type must be one of the schema\'s entity types.');
  return desc;
}

/**
 * GET /workspaces/{ws}/entities?entity_type=&limit=&cursor=: one page of the workspace's entities
 * of a type (examples to author a filter against), ordered by id; `next_cursor` is opaque, bound
 * to this workspace and type.
 */
export async function listEntities(app, who, ws, params) {
  if (!visibleWorkspace(app, who, ws)) return errorResponse(404, 'not_found', 'No such workspace.');
  const type = typeOf(app, params).name;
  const limit = limitOf(params, app.config.defaultPageSize, app.config.maxPageSize);
  const cursor = params.has('cursor') ? decodeCursor(app.engine, params.get('cursor'), ws, type) : null;
  const workspace = app.engine.canonicalUuid(ws);
  const page = await app.data.query(workspace, type, { scope: { all: true }, limit, cursor });
  return json(200, {
    entities: page.items,
    next_cursor: page.next_cursor ? encodeCursor(ws, type, page.next_cursor) : null,
  });
}

/**
 * GET /workspaces/{ws}/values?entity_type=&attribute=&limit=: the attribute's most common values
 * in the workspace, `[{value, count}]` (a list attribute counted per element), for suggestions.
 */
export async function listValues(app, who, ws, params) {
  if (!visibleWorkspace(app, who, ws)) return errorResponse(404, 'not_found', 'No such workspace.');
  const desc = typeOf(app, params);
  const attribute = params.get('attribute');
  if (attribute === undefined) throw new HttpError(400, 'invalid_query', 'attribute is required.');
  // Only a name the engine's schema gives this type goes on to the data service.
  if (!desc.attributes.some((a) => a.name === attribute)) {
    throw new HttpError(400, 'unknown_attribute', `${desc.name} has no attribute "${attribute}".`);
  }
  const limit = limitOf(params, VALUES_DEFAULT, VALUES_MAX);
  const values = await app.data.values(app.engine.canonicalUuid(ws), desc.name, attribute, limit);
  return json(200, { values });
}
