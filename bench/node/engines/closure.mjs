// The baseline: the key's two eligible grants (W, read: f1 OR f2) written by hand in JS.
export const name = 'hand-written JS closure';

let workspace;
let entities;

export function setup(data) {
  workspace = data.workspace;
  entities = data.entities;
}

export function decideOne(e) {
  if (e.workspace_id !== workspace) return false;
  const a = e.attributes;
  return (a.project_type === 'typical' && a.tags.includes('concrete')) ||
    ((a.type === 'concrete' || a.type === 'steel') && a.tags.includes('reviewed') && a.tags.includes('beam') && a.project_type !== 'project');
}

export function decideAll() {
  let n = 0;
  for (const e of entities) if (decideOne(e)) n++;
  return n;
}
