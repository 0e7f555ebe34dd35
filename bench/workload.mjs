// The workload of the side-by-side benchmark (issue 8), fixed in one place. Every engine, native
// and Node and browser, reads the file this writes, so every engine sees the same entities, the
// same key and the same filters (each filter carried in every engine's language, translated here
// from portcullis' JSON form by one translator per language).
//
//   node bench/workload.mjs [--out target/bench-data/workload.json]
//
// What it holds:
//   - 100,000 `detail` entities (seeded PRNG, mulberry32): `id` (UUID v4 shape), `workspace_id`
//     (a quarter in workspace W, the rest spread over five other workspaces of the same firm),
//     and attributes `type` (6 values), `project_type` (typical/project), `tags` (0-6 distinct
//     words from a 30-word vocabulary, weighted so concrete/reviewed/beam are common) and
//     `created_at` (RFC 3339, known but not filterable). Every attribute is always present and
//     well typed, so two-valued and three-valued logic agree on this data (checked below).
//   - one key with 20 grants. SPEC 4.1 gives a grant exactly one filter, so the issue's "one
//     eligible grant (W, read)" with "two eligible filters" is read as two eligible grants,
//     (W, f1, read) and (W, f2, read), plus 18 that are not eligible for a read in W: 6 in W for
//     write/download only, and 12 reads in the other workspaces (one of them f1's predicate
//     again, so an engine that skipped the workspace check would count more).
//   - the expected answers, from a reference evaluator here: Task A (a get in W of one entity
//     that f1 refuses and f2 admits, so both eligible filters run) and Task B's count (the
//     entities of W that f1 or f2 admits, out of all 100,000).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_OUT = resolve(ROOT, 'target/bench-data/workload.json');
export const VERSION = 1;
const SEED = 8_2026;
const N = 100_000;

/** mulberry32: tiny, fast and the same everywhere, so the data is reproducible byte for byte. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uuid(rand) {
  const hex = [];
  for (let i = 0; i < 32; i++) hex.push(Math.floor(rand() * 16).toString(16));
  hex[12] = '4';
  hex[16] = '89ab'[Math.floor(rand() * 4)];
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const TYPES = ['concrete', 'steel', 'wood', 'masonry', 'glass', 'precast'];
// 30 words; weight = how often a word is drawn relative to the others.
const VOCAB = [
  ['concrete', 6], ['reviewed', 6], ['beam', 5], ['steel', 4], ['column', 4], ['slab', 3],
  ['draft', 3], ['wood', 3], ['wall', 3], ['foundation', 2], ['roof', 2], ['stair', 2],
  ['facade', 2], ['fire-rated', 2], ['seismic', 2], ['masonry', 2], ['glass', 2], ['precast', 2],
  ['approved', 2], ['legacy', 1], ['insulated', 1], ['exterior', 1], ['interior', 1],
  ['structural', 1], ['mep', 1], ['acoustic', 1], ['waterproof', 1], ['retrofit', 1],
  ['prefab', 1], ['connection', 1],
];

/** k distinct words, weighted, without replacement. */
function tags(rand, k) {
  const pool = VOCAB.slice();
  const out = [];
  while (out.length < k) {
    const total = pool.reduce((s, [, w]) => s + w, 0);
    let r = rand() * total;
    let i = 0;
    while ((r -= pool[i][1]) >= 0 && i < pool.length - 1) i++;
    out.push(pool[i][0]);
    pool.splice(i, 1);
  }
  return out;
}

// ---- the filters, in portcullis' JSON form (SPEC 2.2), and their translations ----

const c = (attr, op, value) => ({ attr, op, value });
const and = (...xs) => ({ and: xs });
const or = (...xs) => ({ or: xs });
const not = (x) => ({ not: x });

const q = (s) => JSON.stringify(s);

/** portcullis text form (SPEC 2.3); the engine parses it and canonicalises. */
function toText(p, top = true) {
  if (p.attr) return `${p.attr} ${p.op} ${JSON.stringify(p.value)}`;
  if (p.not) return `NOT ${toText(p.not, false)}`;
  const [kw, xs] = p.and ? [' AND ', p.and] : [' OR ', p.or];
  const s = xs.map((x) => toText(x, false)).join(kw);
  return top ? s : `(${s})`;
}

/** Cedar: attributes of `resource`; tags a Set<String>. */
function toCedar(p) {
  if (p.attr) {
    const a = `resource.${p.attr}`;
    const list = (vs) => `[${vs.map(q).join(', ')}]`;
    switch (p.op) {
      case 'eq': return `${a} == ${q(p.value)}`;
      case 'neq': return `${a} != ${q(p.value)}`;
      case 'in': return `${list(p.value)}.contains(${a})`;
      case 'nin': return `!${list(p.value)}.contains(${a})`;
      case 'intersects': return `${a}.containsAny(${list(p.value)})`;
      case 'contains': return `${a}.containsAll(${list(p.value)})`;
    }
    throw new Error(`no Cedar translation for ${p.op}`);
  }
  if (p.not) return `!(${toCedar(p.not)})`;
  const [op, xs] = p.and ? [' && ', p.and] : [' || ', p.or];
  return `(${xs.map(toCedar).join(op)})`;
}

/** CEL: the entity's attributes bound as the map `entity`. */
function toCel(p) {
  if (p.attr) {
    const a = `entity.${p.attr}`;
    const list = (vs) => `[${vs.map(q).join(', ')}]`;
    switch (p.op) {
      case 'eq': return `${a} == ${q(p.value)}`;
      case 'neq': return `${a} != ${q(p.value)}`;
      case 'in': return `${a} in ${list(p.value)}`;
      case 'nin': return `!(${a} in ${list(p.value)})`;
      case 'intersects': return `${a}.exists(t, t in ${list(p.value)})`;
      case 'contains': return `${list(p.value)}.all(v, v in ${a})`;
    }
    throw new Error(`no CEL translation for ${p.op}`);
  }
  if (p.not) return `!(${toCel(p.not)})`;
  const [op, xs] = p.and ? [' && ', p.and] : [' || ', p.or];
  return `(${xs.map(toCel).join(op)})`;
}

/** JsonLogic over the attributes object. json-logic-js' `all` over an empty list is false, so
 * list operators expand into one `in` per value. */
function toJsonLogic(p) {
  if (p.attr) {
    const v = { var: p.attr };
    switch (p.op) {
      case 'eq': return { '===': [v, p.value] };
      case 'neq': return { '!==': [v, p.value] };
      case 'in': return { in: [v, p.value] };
      case 'nin': return { '!': { in: [v, p.value] } };
      case 'intersects': return { or: p.value.map((x) => ({ in: [x, v] })) };
      case 'contains': return { and: p.value.map((x) => ({ in: [x, v] })) };
    }
    throw new Error(`no JsonLogic translation for ${p.op}`);
  }
  if (p.not) return { '!': toJsonLogic(p.not) };
  return p.and ? { and: p.and.map(toJsonLogic) } : { or: p.or.map(toJsonLogic) };
}

/** The reference: two-valued evaluation, valid because every attribute is present (checked). */
function evaluate(p, a) {
  if (p.attr) {
    const x = a[p.attr];
    switch (p.op) {
      case 'eq': return x === p.value;
      case 'neq': return x !== p.value;
      case 'in': return p.value.includes(x);
      case 'nin': return !p.value.includes(x);
      case 'intersects': return p.value.some((v) => x.includes(v));
      case 'contains': return p.value.every((v) => x.includes(v));
    }
  }
  if (p.not) return !evaluate(p.not, a);
  return p.and ? p.and.every((x) => evaluate(x, a)) : p.or.some((x) => evaluate(x, a));
}

export function generate() {
  const rand = rng(SEED);
  const firmId = uuid(rand);
  const W = uuid(rand);
  const others = Array.from({ length: 5 }, () => uuid(rand));

  const F1 = and(c('project_type', 'eq', 'typical'), c('tags', 'intersects', ['concrete']));
  const F2 = and(
    or(c('type', 'eq', 'concrete'), c('type', 'eq', 'steel')),
    c('tags', 'contains', ['reviewed', 'beam']),
    not(c('project_type', 'eq', 'project')),
  );
  // [workspace, predicate, actions]: 2 eligible for (W, read), 18 not.
  const grants = [
    [W, F1, ['read']],
    [W, F2, ['read']],
    // In W, but for other actions.
    [W, c('type', 'eq', 'steel'), ['write']],
    [W, c('tags', 'intersects', ['draft']), ['download']],
    [W, F1, ['write', 'download']],
    [W, c('project_type', 'eq', 'project'), ['write']],
    [W, c('type', 'in', ['wood', 'glass']), ['download']],
    [W, and(c('tags', 'contains', ['reviewed']), c('type', 'neq', 'precast')), ['write']],
    // Reads, in the other workspaces.
    [others[0], F1, ['read']],
    [others[0], c('type', 'eq', 'wood'), ['read', 'download']],
    [others[1], and(c('type', 'eq', 'steel'), c('tags', 'intersects', ['beam', 'column'])), ['read']],
    [others[1], c('tags', 'contains', ['approved']), ['read']],
    [others[2], or(c('type', 'eq', 'glass'), c('tags', 'intersects', ['facade'])), ['read']],
    [others[2], F2, ['read']],
    [others[3], and(c('project_type', 'eq', 'project'), not(c('tags', 'intersects', ['legacy']))), ['read']],
    [others[3], c('type', 'nin', ['concrete', 'steel']), ['read', 'write']],
    [others[4], c('tags', 'intersects', ['seismic', 'fire-rated']), ['read']],
    [others[4], and(c('type', 'eq', 'masonry'), c('project_type', 'eq', 'typical')), ['read']],
    [others[4], c('tags', 'contains', ['reviewed', 'approved']), ['read']],
    [others[1], c('type', 'eq', 'precast'), ['download']],
  ];
  if (grants.length !== 20) throw new Error('the key must have 20 grants');

  const filters = grants.map(([ws, p], i) => ({
    id: i < 2 ? `f${i + 1}` : `g${i + 1}`,
    workspace_id: ws,
    entity_type: 'detail',
    name: i < 2 ? `f${i + 1}` : `other ${i + 1}`,
    predicate_text: toText(p),
    // The same predicate in the other engines' languages.
    predicate: p,
    cedar: toCedar(p),
    cel: toCel(p),
    jsonlogic: toJsonLogic(p),
  }));
  const key = {
    id: 'bench-key',
    firm_id: firmId,
    revoked: false,
    grants: grants.map(([ws, , actions], i) => ({ workspace_id: ws, filter: filters[i].id, actions })),
  };
  // Cedar: one permit policy per grant. The request carries its workspace in the context (a get
  // names it in its path); the resource's parent is the workspace the entity lives in.
  const cedarPolicies = grants.map(([ws, , actions], i) => {
    const acts = actions.map((a) => `Action::${q(a)}`);
    const action = acts.length === 1 ? `action == ${acts[0]}` : `action in [${acts.join(', ')}]`;
    return `@id(${q(filters[i].id)})\npermit (principal == Key::${q(key.id)}, ${action}, resource in Workspace::${q(ws)})\n` +
      `when { context.workspace == ${q(ws)} && ${filters[i].cedar} };`;
  }).join('\n\n');

  const base = Date.UTC(2022, 0, 1);
  const span = Date.UTC(2026, 5, 30) - base;
  const entities = new Array(N);
  for (let i = 0; i < N; i++) {
    const id = uuid(rand);
    const workspace_id = rand() < 0.25 ? W : others[Math.floor(rand() * others.length)];
    const type = TYPES[Math.floor(rand() * TYPES.length)];
    const project_type = rand() < 0.5 ? 'typical' : 'project';
    const t = tags(rand, Math.floor(rand() * 7));
    const created_at = new Date(base + Math.floor(rand() * span / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    entities[i] = { id, workspace_id, entity_type: 'detail', attributes: { type, project_type, tags: t, created_at } };
  }

  // Every attribute present and well typed: the reference's two-valued logic is exact.
  for (const e of entities) {
    const a = e.attributes;
    if (typeof a.type !== 'string' || typeof a.project_type !== 'string' || !Array.isArray(a.tags) ||
      a.tags.some((x) => typeof x !== 'string') || new Set(a.tags).size !== a.tags.length) {
      throw new Error(`entity ${e.id} is not well formed`);
    }
  }
  const admitted = (e) => e.workspace_id === W && (evaluate(F1, e.attributes) || evaluate(F2, e.attributes));
  const taskA = entities.findIndex((e) => e.workspace_id === W && !evaluate(F1, e.attributes) && evaluate(F2, e.attributes));
  const count = entities.reduce((n, e) => n + (admitted(e) ? 1 : 0), 0);
  const inW = entities.filter((e) => e.workspace_id === W);
  return {
    version: VERSION,
    seed: SEED,
    generator: 'bench/workload.mjs',
    workspace: W,
    firm: { id: firmId, workspaces: [W, ...others] },
    key,
    filters,
    cedar: { policies: cedarPolicies, principal: { type: 'Key', id: key.id }, action: { type: 'Action', id: 'read' } },
    task_a: { index: taskA, id: entities[taskA].id, expected: true, note: 'in W; f1 refuses it, f2 admits it' },
    expected: {
      task_b_count: count,
      in_workspace: inW.length,
      f1_in_workspace: inW.filter((e) => evaluate(F1, e.attributes)).length,
      f2_in_workspace: inW.filter((e) => evaluate(F2, e.attributes)).length,
      f1_all: entities.filter((e) => evaluate(F1, e.attributes)).length,
      f2_all: entities.filter((e) => evaluate(F2, e.attributes)).length,
    },
    entities,
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--out');
  const out = i > 0 ? resolve(process.argv[i + 1]) : DEFAULT_OUT;
  const w = generate();
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(w));
  console.log(`workload v${w.version}: ${w.entities.length} entities (${w.expected.in_workspace} in W), 20 grants; ` +
    `expected Task B count ${w.expected.task_b_count} (f1 ${w.expected.f1_in_workspace}, f2 ${w.expected.f2_in_workspace} in W); ` +
    `Task A entity #${w.task_a.index} -> ${out.replace(ROOT + '/', '')}`);
}
