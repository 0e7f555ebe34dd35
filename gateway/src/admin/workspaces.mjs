// Workspaces and their data: what the builder needs to author and preview filters.
import { HttpError, json, errorResponse } from '../errors.mjs';
import { sameId, firmsOf, visibleWorkspace } from './scope.mjs';

/** GET /workspaces: one firm the admin manages (firm_id, else the first) with its workspaces, projects and users. */
export function listWorkspaces(app, who, url) {
  const firmId = url.searchParams.get('firm_id');
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

/** GET /workspaces/{ws}/entities?entity_type=: every entity of one type in the workspace. */
export async function listEntities(app, who, ws, url) {
  const type = url.searchParams.get('entity_type');
  if (!visibleWorkspace(app, who, ws)) return errorResponse(404, 'not_found', 'No such workspace.');
  if (!app.policy.types.has(type)) throw new HttpError(400, 'invalid_query', 'entity_type must be one of the schema\'s entity types.');
  return json(200, { entities: await app.data.all(ws.toLowerCase(), type) });
}
