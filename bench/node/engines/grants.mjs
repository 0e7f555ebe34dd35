// Host glue for the expression engines (CEL, JsonLogic): they evaluate one predicate over one
// entity and know nothing of keys, grants, workspaces or actions, so the host does that part,
// as a gateway built on them would: the key's grants, each with its filter compiled once; a
// decision picks the grants for the request's workspace and action, checks the entity lives in
// that workspace, and runs the compiled filters until one admits it.

/** `compile(filterRecord)` returns `(attributes) => boolean`. */
export function hostedEngine(compile) {
  let grants;
  let workspace;
  let entities;
  const decide = (entity) => {
    if (entity.workspace_id !== workspace) return false;
    for (const g of grants) {
      if (g.workspace_id === workspace && g.actions.includes('read') && g.test(entity.attributes)) return true;
    }
    return false;
  };
  return {
    setup(data) {
      const filters = new Map(data.filters.map((f) => [f.id, f]));
      grants = data.key.grants.map((g) => ({ workspace_id: g.workspace_id, actions: g.actions, test: compile(filters.get(g.filter)) }));
      workspace = data.workspace;
      entities = data.entities;
    },
    decideOne: decide,
    decideAll() {
      let n = 0;
      for (const e of entities) if (decide(e)) n++;
      return n;
    },
  };
}
