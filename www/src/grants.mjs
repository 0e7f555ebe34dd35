// What a key's grants can name and how they read. The system filters are the engine's
// (`systemFilters()`, each with the actions a grant of it may carry), the stored ones the admin
// API's; a stored filter offers the actions the engine's schema gives its entity type.
import { entityType, systemFilters } from './engine.mjs';
import { capital } from './settings-parts.mjs';
import { distinctions, filterLabel } from './naming.mjs';

const FIRM_GLOBAL = '(firm-global)';

/** Workspace names by id (as GET /workspaces gives it). */
export function workspaceNames(workspaces) {
  return new Map(workspaces.map((w) => [w.id, w.name]));
}

/** The actions a grant on `filter` can hold: a system filter's own, a stored one's entity type's. */
export function actionsFor(filter) {
  if (filter.system) return filter.actions ?? [];
  return entityType(filter.entity_type)?.actions ?? [];
}

/**
 * The grantable filters of `firm` (`{id}`), in sections: per workspace its system filters then its
 * stored ones, and last the firm-global one (`default:any`, once: it has no workspace). Each
 * choice has a label unique on the page: system filters carry their workspace's name, stored ones
 * sharing a name what tells them apart (src/naming.mjs). `filters`: the admin API's list (its
 * system filters are taken from the engine here, asked per workspace).
 * @returns [{id, title, choices: [{filter, workspaceId, label, tell, actions}]}] (`tell`: what tells a
 *   stored filter apart from others of its name, or null)
 */
export function grantChoices({ firm, workspaces, filters }) {
  const names = workspaceNames(workspaces);
  const stored = filters.filter((f) => !f.system && !f.archived);
  const told = distinctions(stored, (id) => names.get(id));
  const choice = (filter, workspaceId, label) => ({ filter, workspaceId, label, tell: told.get(filter.id) ?? null, actions: actionsFor(filter) });
  const sections = workspaces.map((ws) => ({
    id: ws.id,
    title: ws.name,
    choices: [
      ...systemFilters({ id: firm.id, workspaces: [ws.id] }).filter((f) => !f.firm_global)
        .map((f) => choice({ ...f, system: true }, ws.id, `${f.id} (${ws.name})`)),
      ...stored.filter((f) => f.workspace_id === ws.id).map((f) => choice(f, ws.id, filterLabel(f, told))),
    ],
  }));
  const global = systemFilters({ id: firm.id, workspaces: workspaces.map((ws) => ws.id) }).filter((f) => f.firm_global);
  if (global.length) {
    sections.push({ id: null, title: `All workspaces ${FIRM_GLOBAL}`, choices: global.map((f) => choice({ ...f, system: true }, null, `${f.id} ${FIRM_GLOBAL}`)) });
  }
  return sections;
}

/** "Read, download: Concrete details (typical library) · Acme Main" */
export function grantText(grant, names) {
  const where = grant.workspace_id
    ? grant.workspace_name ?? names.get(grant.workspace_id) ?? grant.workspace_id
    : `all workspaces ${FIRM_GLOBAL}`;
  return `${grant.actions.map(capital).join(', ')}: ${grant.filter_name ?? grant.filter} · ${where}`;
}

/** The body of a grant as the admin API takes it: no workspace for the firm-global filter. */
export function grantBody(choice, actions) {
  return { ...(choice.workspaceId ? { workspace_id: choice.workspaceId } : {}), filter: choice.filter.id, actions };
}
