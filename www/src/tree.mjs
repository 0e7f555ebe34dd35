// The builder's editable tree: the predicate JSON form (SPEC 2.2) with a stable id on every node,
// so rows keep their identity (focus, messages) while the tree changes around them.
//
// The rows view always edits a root *group*; a bare condition is wrapped in a one-child `and`
// group, which the SPEC defines to evaluate and format exactly as the condition itself.

let counter = 0;
const newId = () => `n${++counter}`;

export function group(op = 'and', children = []) {
  return { id: newId(), kind: 'group', op, children };
}

export function condition(attr, op, value) {
  return { id: newId(), kind: 'cond', attr, op, value };
}

/** JSON form -> tree. Shapes the rows view cannot show (not a node at all) are left to `raw`. */
export function fromPredicate(predicate) {
  if (predicate === null || predicate === undefined) return group();
  const node = toNode(predicate);
  return node.kind === 'group' ? node : group('and', [node]);
}

function toNode(p) {
  if (p && typeof p === 'object' && !Array.isArray(p)) {
    if (Array.isArray(p.and)) return group('and', p.and.map(toNode));
    if (Array.isArray(p.or)) return group('or', p.or.map(toNode));
    if ('not' in p) return { id: newId(), kind: 'not', child: toNode(p.not) };
    if ('attr' in p) return condition(p.attr, p.op, structuredClone(p.value));
  }
  return { id: newId(), kind: 'raw', json: p };
}

/** Tree -> JSON form, exactly as built (the paths of validation diagnostics refer to it). */
export function toPredicate(node) {
  switch (node.kind) {
    case 'group': return { [node.op]: node.children.map(toPredicate) };
    case 'not': return { not: toPredicate(node.child) };
    case 'cond': return { attr: node.attr, op: node.op, value: node.value };
    default: return node.json;
  }
}

/**
 * Visit every node with its JSON path (`$.predicate.and[1]`), its nesting level (the root group
 * is level 1) and its label for people and screen readers ("2.1" = first child of the second).
 */
export function walk(root, visit, path = '$.predicate', level = 1, label = '') {
  visit(root, { path, level, label });
  if (root.kind === 'group') {
    root.children.forEach((child, i) => {
      const childLabel = label ? `${label}.${i + 1}` : String(i + 1);
      walk(child, visit, `${path}.${root.op}[${i}]`, child.kind === 'group' ? level + 1 : level, childLabel);
    });
  } else if (root.kind === 'not') {
    walk(root.child, visit, `${path}.not`, level + 1, label);
  }
}

export function hasNot(root) {
  let found = false;
  walk(root, (n) => { if (n.kind === 'not' || n.kind === 'raw') found = true; });
  return found;
}

/** Path -> node id, for routing diagnostics to the row or group they concern. */
export function pathIndex(root) {
  const index = new Map();
  walk(root, (node, { path }) => index.set(path, node.id));
  return index;
}

/**
 * The node a diagnostic path points into: the longest indexed prefix, so that
 * `$.predicate.and[1].value[0]` lands on the condition at `$.predicate.and[1]`.
 */
export function nodeForPath(index, path) {
  let p = path;
  while (p) {
    if (index.has(p)) return index.get(p);
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
    if (cut <= 0) return null;
    p = p.slice(0, cut);
  }
  return null;
}
