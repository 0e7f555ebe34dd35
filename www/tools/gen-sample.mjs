// Deterministic sample workspace for the standalone builder, its tests and the browser benchmark.
//
// `generateSample()` is pure (no Node APIs) so the benchmark can build 100,000 entities inside the
// page; run as a script it writes `www/data/sample.json` (gitignored: ~6 MB of JSON that the
// seed regenerates byte for byte, so committing it would only bloat the history).
//
//   node www/tools/gen-sample.mjs [--out FILE] [--seed N]

/** mulberry32: tiny, fast, and identical on every JS engine, so the data is reproducible. */
export function rng(seed) {
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

/** Weighted choice: `table` is [[value, weight], ...]. */
function pick(rand, table) {
  const total = table.reduce((s, [, w]) => s + w, 0);
  let r = rand() * total;
  for (const [v, w] of table) if ((r -= w) < 0) return v;
  return table[table.length - 1][0];
}
const oneOf = (rand, list) => list[Math.floor(rand() * list.length)];

function dateTime(rand, fromMs, toMs) {
  const ms = fromMs + Math.floor(rand() * (toMs - fromMs));
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
const FROM = Date.UTC(2022, 0, 1);
const TO = Date.UTC(2026, 5, 30);

const MATERIALS = [['concrete', 35], ['steel', 25], ['wood', 20], ['masonry', 10], ['glass', 10]];
const ELEMENT_TAGS = ['beam', 'column', 'slab', 'foundation', 'wall', 'roof', 'stair', 'facade'];
const QUALITY_TAGS = [['reviewed', 40], ['draft', 15], ['fire-rated', 12], ['seismic', 8], ['legacy', 5]];
// Users' names (fixed by index, no random draw, so the entities stay as they were): the builder
// offers `created_by` by name, as the data service's users have names too.
const USER_NAMES = ['Ada Park', 'Ben Ortiz', 'Chloe Nguyen', 'Dev Patel', 'Eva Schmidt', 'Farah Haddad',
  'Gus Lindqvist', 'Hana Sato', 'Ivo Marek', 'June Okafor', 'Kai Andersen', 'Lena Rossi'];
const FAMILY_NAMES = ['Beam Column Joint', 'Footing Pad', 'Window Frame', 'Door Panel', 'Duct Elbow',
  'Stair Stringer', 'Roof Truss', 'Curtain Wall Mullion', 'Pipe Hanger', 'Slab Edge'];

/** A detail or family's tags: its material most of the time, an element, maybe quality marks. */
function tagsFor(rand, material) {
  const tags = new Set();
  if (rand() < 0.8) tags.add(material);
  tags.add(oneOf(rand, ELEMENT_TAGS));
  if (rand() < 0.5) tags.add(pick(rand, QUALITY_TAGS));
  if (rand() < 0.15) tags.add(pick(rand, MATERIALS));
  return [...tags];
}

/**
 * The sample firm. `sizes` gives, per workspace, how many entities of each type to make; the
 * defaults total 23,960 entities, with more than 10,000 details in "Acme Main" so that preview
 * truncation (10,000+) shows on broad detail filters.
 */
export function generateSample({
  seed = 20250101,
  sizes = [
    { name: 'Acme Main', detail: 12000, family: 6000, stash: 3000, tag: 120 },
    { name: 'Acme Archive', detail: 1500, family: 900, stash: 400, tag: 40 },
  ],
} = {}) {
  const rand = rng(seed);
  const firm = { id: uuid(rand), name: 'Acme Engineering', workspaces: [] };
  const workspaces = [];
  const projects = [];
  const users = [];
  const entities = [];

  for (const size of sizes) {
    const ws = { id: uuid(rand), name: size.name };
    workspaces.push(ws);
    firm.workspaces.push(ws.id);
    const wsProjects = Array.from({ length: 24 }, (_, i) => ({
      id: uuid(rand), workspace_id: ws.id, name: `${size.name.split(' ')[1]} project ${String(i + 1).padStart(2, '0')}`,
    }));
    const wsUsers = Array.from({ length: 12 }, (_, i) => ({
      id: uuid(rand), workspace_id: ws.id, name: USER_NAMES[i % USER_NAMES.length], email: `user${i + 1}@acme.example`,
    }));
    projects.push(...wsProjects);
    users.push(...wsUsers);
    const entity = (entity_type, attributes) =>
      entities.push({ id: uuid(rand), workspace_id: ws.id, entity_type, attributes });

    for (let i = 0; i < size.detail; i++) {
      const material = pick(rand, MATERIALS);
      const typical = rand() < 0.6;
      const attributes = {
        type: material,
        project_type: typical ? 'typical' : 'project-specific',
        tags: tagsFor(rand, material),
        status: pick(rand, [['published', 70], ['draft', 20], ['archived', 10]]),
        created_at: dateTime(rand, FROM, TO),
      };
      // Typical details belong to no project: the attribute is absent, which exercises SQL
      // three-valued logic (SPEC 2.5) in previews.
      if (!typical) attributes.project_id = oneOf(rand, wsProjects).id;
      entity('detail', attributes);
    }
    for (let i = 0; i < size.family; i++) {
      const material = pick(rand, MATERIALS);
      const attributes = {
        name: `${oneOf(rand, FAMILY_NAMES)} ${String(i + 1).padStart(4, '0')}`,
        category: pick(rand, [['Structural', 40], ['Architectural', 30], ['MEP', 20], ['Civil', 10]]),
        classification: material[0].toUpperCase() + material.slice(1),
        tags: tagsFor(rand, material),
        created_at: rand() < 0.9 ? dateTime(rand, FROM, TO) : dateTime(rand, FROM, TO).slice(0, 10),
      };
      if (rand() < 0.5) attributes.project_id = oneOf(rand, wsProjects).id;
      entity('family', attributes);
    }
    for (let i = 0; i < size.stash; i++) {
      entity('stash', {
        project_id: oneOf(rand, wsProjects).id,
        is_permanent: rand() < 0.3,
        created_at: dateTime(rand, FROM, TO),
        created_by: oneOf(rand, wsUsers).id,
      });
    }
    const tagNames = [...MATERIALS.map(([m]) => m), ...ELEMENT_TAGS, ...QUALITY_TAGS.map(([q]) => q)];
    for (let i = 0; i < size.tag; i++) {
      entity('tag', { name: i < tagNames.length ? tagNames[i] : `custom-${i + 1}` });
    }
  }

  const [main, archive = main] = workspaces; // one workspace (benchmarks): both are it
  const mainProject = projects.find((p) => p.workspace_id === main.id);
  // A few stored filters and keys, so the list is not empty and the edit confirmation has
  // credentials to count. Filter ids are opaque strings (SPEC 1).
  const filters = [
    { id: 'flt_structural_families', workspace_id: main.id, entity_type: 'family',
      name: 'Structural families', description: 'Everything the structural team publishes.',
      predicate_text: 'category eq "Structural"', archived: false },
    { id: 'flt_steel_wood_details', workspace_id: main.id, entity_type: 'detail',
      name: 'Steel or wood details', description: null,
      predicate_text: 'type eq "steel" OR type eq "wood"', archived: false },
    { id: 'flt_non_draft_details', workspace_id: main.id, entity_type: 'detail',
      name: 'Non-draft details (API)', description: 'Created through the API: uses NOT, which the visual builder does not offer.',
      predicate_text: 'project_type eq "typical" AND NOT tags contains ["draft"]', archived: false },
    { id: 'flt_project_details', workspace_id: main.id, entity_type: 'detail',
      name: `Details of ${mainProject.name}`, description: 'Works for single-detail reads only (not searchable).',
      predicate_text: `project_id eq "${mainProject.id}"`, archived: false },
    { id: 'flt_permanent_stashes', workspace_id: main.id, entity_type: 'stash',
      name: 'Permanent stashes', description: null,
      predicate_text: 'is_permanent eq true', archived: false },
    { id: 'flt_material_tags', workspace_id: main.id, entity_type: 'tag',
      name: 'Material tags', description: null,
      predicate_text: 'name in ["concrete", "steel", "wood", "masonry", "glass"]', archived: false },
    { id: 'flt_archive_families', workspace_id: archive.id, entity_type: 'family',
      name: 'Recent archive families', description: null,
      predicate_text: 'created_at gte "2025-01-01"', archived: false },
  ];
  const key = (name, grants) => ({ id: `key_${name.toLowerCase().replace(/\W+/g, '_')}`, name,
    firm_id: firm.id, revoked: false, grants });
  const g = (filter, actions, workspace_id = main.id) => ({ workspace_id, filter, actions });
  const keys = [
    key('Acme Data Warehouse', [g('flt_structural_families', ['read']), g('flt_steel_wood_details', ['read'])]),
    key('Revit sync', [g('flt_structural_families', ['read', 'download']), g('default:stashes', ['read', 'write'])]),
    key('BIM dashboard', [g('flt_structural_families', ['read']), g('flt_non_draft_details', ['read'])]),
    key('Site app', [g('flt_permanent_stashes', ['read', 'write']), g('flt_material_tags', ['read'])]),
    key('Archive export', [g('flt_archive_families', ['read', 'download'], archive.id)]),
    key('Everything (internal)', [{ workspace_id: null, filter: 'default:any', actions: ['read'] }]),
  ];

  return { version: 1, seed, firm, workspaces, projects, users, filters, keys, entities };
}

/** Many details with the sample's distributions, for benchmarks. */
export function generateDetails(count, seed = 7) {
  return generateSample({ seed, sizes: [{ name: 'Bench WS', detail: count, family: 0, stash: 0, tag: 0 }] }).entities;
}

const isMain = typeof process !== 'undefined' && process.argv[1] &&
  import.meta.url === (await import('node:url')).pathToFileURL(process.argv[1]).href;
if (isMain) {
  const { writeFileSync, mkdirSync } = await import('node:fs');
  const { dirname, resolve } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  const here = dirname(fileURLToPath(import.meta.url));
  const out = resolve(arg('--out', resolve(here, '../data/sample.json')));
  const sample = generateSample({ seed: Number(arg('--seed', 20250101)) });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(sample));
  const byType = {};
  for (const e of sample.entities) byType[e.entity_type] = (byType[e.entity_type] ?? 0) + 1;
  console.log(`wrote ${out}: ${sample.entities.length} entities ${JSON.stringify(byType)}`);
}
