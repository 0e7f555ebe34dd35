// What a key's grants can name and how they read. The filters are the admin API's (system ones
// with their literal `default:*` names, then the stored ones); the actions a filter offers are
// those the engine's schema gives its entity type.
import { schema, entityType } from './engine.mjs';
import { capital } from './settings-parts.mjs';

const FIRM_GLOBAL = '(firm-global)';

/** Workspace names by id (UUIDs compare case-insensitively). */
export function workspaceNames(workspaces) {
  return new Map(workspaces.map((w) => [w.id.toLowerCase(), w.name]));
}

/**
 * The actions a grant on `filter` can hold: its entity type's, or for the firm-global filter,
 * which has no type, every type's (in the schema's order).
 */
export function actionsFor(filter) {
  if (filter.entity_type) return entityType(filter.entity_type)?.actions ?? [];
  return [...new Set(schema.entity_types.flatMap((t) => t.actions))];
}

/**
 * The grantable filters, in sections: per workspace its system filters then its stored ones,
 * and last the firm-global one (`default:any`, once: it has no workspace). Each choice has a
 * label unique on the page: system filters carry their workspace's name, a stored filter only
 * when another has the same name.
 * @returns [{id, title, choices: [{filter, workspaceId, label, actions}]}]
 */
export function grantChoices(filters, workspaces) {
  const names = workspaceNames(workspaces);
  const stored = filters.filter((f) => !f.system && !f.archived);
  const seen = new Map();
  for (const f of stored) seen.set(f.name, (seen.get(f.name) ?? 0) + 1);
  const choice = (filter, workspaceId, label) => ({ filter, workspaceId, label, actions: actionsFor(filter) });
  const sections = workspaces.map((ws) => {
    const mine = (f) => f.workspace_id?.toLowerCase() === ws.id.toLowerCase();
    return {
      id: ws.id,
      title: ws.name,
      choices: [
        ...filters.filter((f) => f.system && !f.firm_global && mine(f)).map((f) => choice(f, ws.id, `${f.id} (${ws.name})`)),
        ...stored.filter(mine).map((f) => choice(f, ws.id, seen.get(f.name) > 1 ? `${f.name} (${names.get(ws.id.toLowerCase())})` : f.name)),
      ],
    };
  });
  const global = filters.filter((f) => f.system && f.firm_global);
  if (global.length) {
    sections.push({ id: null, title: `All workspaces ${FIRM_GLOBAL}`, choices: global.map((f) => choice(f, null, `${f.id} ${FIRM_GLOBAL}`)) });
  }
  return sections;
}

/** "Read, download: Concrete details (typical library) · Acme Main" */
export function grantText(grant, names) {
  const where = grant.workspace_id
    ? grant.workspace_name ?? names.get(grant.workspace_id.toLowerCase()) ?? grant.workspace_id
    : `all workspaces ${FIRM_GLOBAL}`;
  return `${grant.actions.map(capital).join(', ')}: ${grant.filter_name ?? grant.filter} · ${where}`;
}

/** The body of a grant as the admin API takes it: no workspace for the firm-global filter. */
export function grantBody(choice, actions) {
  return { ...(choice.workspaceId ? { workspace_id: choice.workspaceId } : {}), filter: choice.filter.id, actions };
}
