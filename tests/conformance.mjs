// Run conformance case files through the wasm package (the native/wasm differential check): the
// main module, and for the kinds only a service asks (a write's attributes, credentials, a key
// change) the service module. Same output and exit status as `portcullis conformance`.
//   node tests/conformance.mjs FILE...
import { readFileSync } from 'node:fs';
import { parse, validate, matches, preview, decide, validateGrants, systemFilters } from '../pkg/node.mjs';
import { checkAttributes, Store } from '../pkg/service/node.mjs';

const codes = (ds) => [...new Set(ds.map((d) => d.code))].sort();

function expandEntities(entityType, items) {
  const out = [];
  for (const item of items) {
    const n = item.repeat ?? 1;
    const e = {
      id: item.id ?? '00000000-0000-4000-8000-000000000000',
      workspace_id: item.workspace_id ?? '00000000-0000-4000-8000-000000000000',
      entity_type: item.entity_type ?? entityType,
      attributes: item.attributes ?? {},
    };
    for (let i = 0; i < n; i++) out.push(e);
  }
  return out;
}

// The engine's answer to a case, in the shape of its `expect`; undefined for an unknown kind.
function run(c, worlds) {
  switch (c.kind) {
    case 'parse': {
      const r = parse(c.text);
      return r.ok ? { ok: true, predicate: r.predicate } : { ok: false, errors: codes(r.errors) };
    }
    case 'validate': {
      const r = validate(c.filter);
      return { valid: r.valid, errors: codes(r.errors), warnings: codes(r.warnings) };
    }
    case 'match': {
      const r = matches({ entity_type: c.entity_type, predicate_text: c.predicate_text }, c.attributes);
      return r.ok ? r.matches : { compile_errors: codes(r.errors) };
    }
    case 'preview': {
      const r = preview(c.filter, expandEntities(c.filter.entity_type, c.entities));
      return r.ok ? { count: r.count, truncated: r.truncated } : { error: r.error };
    }
    case 'decide':
      return decide(worlds[c.world], c.key, c.request);
    case 'grants': {
      const r = validateGrants(worlds[c.world], c.key);
      return { valid: r.valid, errors: codes(r.errors) };
    }
    case 'attributes': {
      const r = checkAttributes(c.entity_type, c.attributes);
      return { ok: r.ok, errors: r.ok ? [] : codes(r.errors) };
    }
    case 'system_filters':
      return systemFilters(c.firm).map((f) => f.id);
    case 'credentials':
      return inWorld(worlds[c.world], (s) => {
        if (c.key !== null) s.putKey(c.key);
        return { accepted: s.acceptsCredentials(c.key?.id ?? null, c.source_ip ?? null) };
      });
    case 'key_change':
      return inWorld(worlds[c.world], (s) => {
        const r = s.validateKeyChange({ key: c.key, previous: c.previous ?? null, viewer_firm: c.viewer_firm ?? null });
        return { valid: r.valid, errors: codes(r.errors) };
      });
    default:
      return undefined;
  }
}

// A store holding a world's firms and filters, for the kinds the package has no one-shot for.
function inWorld(world, fn) {
  const s = new Store();
  try {
    for (const f of world.firms ?? []) s.putFirm(f);
    for (const f of world.filters ?? []) s.putFilter(f);
    return fn(s);
  } finally {
    s.free();
  }
}

function deepEqual(a, b) {
  if (typeof a !== typeof b) return false;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (a && typeof a === 'object') {
    const ka = Object.keys(a), kb = Object.keys(b ?? {});
    return b !== null && ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return a === b;
}

const sameSet = (a = [], b = []) => {
  const s = new Set(a.map((x) => String(x).toLowerCase()));
  const t = new Set(b.map((x) => String(x).toLowerCase()));
  return s.size === t.size && [...s].every((x) => t.has(x));
};

function agrees(kind, expect, actual) {
  if (kind === 'parse' && expect.ok === false) {
    return actual.ok === false && expect.errors.every((c) => actual.errors.includes(c));
  }
  if (kind === 'decide') {
    return expect.status === actual.status && expect.code === actual.code && (expect.ids === undefined || sameSet(expect.ids, actual.ids));
  }
  if (kind === 'validate' || kind === 'grants' || kind === 'attributes' || kind === 'key_change') {
    return Object.keys(expect).length === Object.keys(actual).length &&
      Object.entries(expect).every(([k, v]) => (Array.isArray(v) ? sameSet(v, actual[k]) : v === actual[k]));
  }
  return deepEqual(expect, actual);
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node tests/conformance.mjs FILE...');
  process.exit(2);
}
let passed = 0, failed = 0, skipped = 0;
for (const file of files) {
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  const worlds = doc.worlds ?? {};
  for (const c of doc.cases) {
    let actual;
    try {
      actual = run(c, worlds);
    } catch (err) {
      actual = { harness_error: String(err) };
    }
    if (actual === undefined) {
      skipped++;
      console.log(`SKIP ${file}: ${c.name} (kind \`${c.kind}\` is not supported)`);
    } else if (agrees(c.kind, c.expect, actual)) {
      passed++;
    } else {
      failed++;
      console.log(`FAIL ${file}: ${c.name}\n  expected: ${JSON.stringify(c.expect)}\n  actual:   ${JSON.stringify(actual)}`);
    }
  }
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);
