// How an integrator's strict TypeScript uses the package: every line here must compile under
// `tsc --strict` (tests/types/tsconfig.json). Type-checked only, never run: the behaviour is
// tested in tests/pkg/. Each `expect<T>(x)` pins the type a narrowing leaves.
import {
  Store, EntitySet, validate, preview, previewPredicate, parse, format, matches, renderDiagnostic,
  describeSchema, systemFilters, decide, validateGrants,
} from 'portcullis';
import { explain, checkAttributes, compileSql, canonicalUuid, isSystemFilter, Store as ServiceStore } from 'portcullis/service';
import type {
  Decision, Diagnostic, Entity, FilterRecord, Firm, Key, PreparedRequest, Request, ListDecision,
  EntityDecider, ListDecider, Explanation, SharedDecision, World, Predicate, StoredFilter,
  GetDecision, CreateDecision, PreviewResult, ValidationResult, SystemFilter,
} from 'portcullis';

/** Compiles only when `value` is of type T exactly as far as assignability both ways goes. */
function expect<T>(value: T): T {
  return value;
}

const FIRM = 'f1000000-0000-4000-8000-000000000001';
const WS = 'a1000000-0000-4000-8000-00000000000a';

// Readonly data, as a server that freezes its configuration holds it.
const firm = { id: FIRM, workspaces: [WS] } as const;
const filter = {
  id: 'concrete-typical', workspace_id: WS, entity_type: 'detail',
  name: 'Concrete details (typical library)',
  predicate_text: 'project_type eq "typical" AND tags intersects ["concrete"]',
} as const satisfies FilterRecord;
const key: Key = {
  id: 'vendor', firm_id: FIRM,
  grants: [{ workspace_id: WS, filter: 'concrete-typical', actions: ['read'] }] as const,
};
const details: readonly Entity[] = Object.freeze([
  { id: 'e0000000-0000-4000-8000-000000000001', workspace_id: WS, entity_type: 'detail',
    attributes: { project_type: 'typical', tags: ['concrete'] as const, note: undefined } },
]);

export function store(): Store {
  const s = new Store();
  const put = s.putFirm(firm);
  if (!put.ok) throw new Error(put.errors[0].message);
  const f = s.putFilter(filter);
  if (f.ok) expect<number>(f.keys_affected);
  else expect<Diagnostic<'error'>>(f.errors[0]);
  const report = s.putKey(key);
  if (report.valid) expect<[]>(report.errors);
  else expect<string>(report.errors[0].code);
  return s;
}

// Decisions: narrowing on `status` gives exactly that case's fields.
export function decisions(s: Store): string[] {
  const id = details[0].id;
  const get = s.decide('vendor', { operation: 'get', workspace_id: WS, entity_type: 'detail', id }, details[0]);
  expect<GetDecision>(get);
  if (get.status === 404) expect<'not_found'>(get.code);
  const list = s.decide('vendor', { operation: 'list', workspace_id: WS, entity_type: 'detail' }, details);
  if (list.status === 200) {
    return expect<string[]>(list.ids);
  }
  expect<'invalid_token' | 'insufficient_scope' | 'not_found'>(list.code);
  const created = s.decide('vendor', { operation: 'create', workspace_id: WS, entity_type: 'detail', attributes: { tags: [] } });
  expect<CreateDecision>(created);
  if (created.status === 201) expect<undefined>(created.code);
  // A request whose operation is not known statically: every decision, ids possibly absent.
  const any: Request = { operation: 'list', workspace_id: WS, entity_type: 'detail' };
  const d: Decision = s.decide(null, any, JSON.stringify(details));
  if (d.status === 200) expect<string[] | undefined>(d.ids);
  return [];
}

// Prepared requests: the package's own PreparedRequest type, and EntitySet for a list.
export function prepared(s: Store, set: EntitySet): void {
  const listRequest: PreparedRequest<'list'> = { operation: 'list', workspace_id: WS, entity_type: 'detail' };
  const lister: ListDecider = s.prepare('vendor', listRequest);
  const fromSet: ListDecision = lister.list(set);
  const fromArray = lister.list(details);
  const fromText = lister.list(JSON.stringify(details));
  for (const d of [fromSet, fromArray, fromText]) if (d.status === 200) expect<string[]>(d.ids);
  const getter = s.prepare('vendor', { operation: 'get', workspace_id: WS, entity_type: 'detail' });
  const shared: SharedDecision<'get'> = getter.decide(details[0], details[0].id);
  if (shared.status === 200) expect<undefined>(shared.code);
  getter.decide(null);
  // A whole request of the package's own type prepares too (its id is ignored).
  const fullGet: Request<'get'> = { operation: 'get', workspace_id: WS, entity_type: 'detail', id: details[0].id };
  expect<EntityDecider<'get'>>(s.prepare('vendor', fullGet)).free();
  // Any preparable request: narrow on the decider's operation.
  const req: PreparedRequest = Math.random() < 0.5 ? listRequest : { ...listRequest, operation: 'download' };
  const decider = s.prepare(undefined, req);
  if (decider.operation === 'list') decider.list(set);
  else expect<EntityDecider>(decider).decide(JSON.stringify(details[0]));
  decider.free();
}

// Validation and previews, each discriminated on its tag.
export function authoring(set: EntitySet): string {
  const v: ValidationResult = validate({ entity_type: 'detail', name: 'x', predicate_text: 'type eq ""' });
  let out = '';
  if (v.valid) {
    expect<Predicate>(v.predicate);
    expect<string>(v.text);
    expect<boolean>(v.searchable);
    for (const n of v.notices) out += renderDiagnostic(n, 'type eq ""');
  } else {
    out += v.errors.map((d) => renderDiagnostic(d)).join('');
    expect<string | undefined>(v.text);
  }
  for (const w of v.warnings) expect<'warning'>(w.severity);
  const p: PreviewResult = previewPredicate({ entity_type: 'detail', predicate_text: 'tags intersects ["concrete"]' }, set);
  if (p.ok) expect<number>(p.count);
  else if (p.error === 'invalid_filter') out += renderDiagnostic(p.errors[0], 'tags intersects ["concrete"]');
  else expect<[Diagnostic<'error'>]>(p.errors);
  const whole = preview({ entity_type: 'detail', name: 'n', predicate: { attr: 'type', op: 'eq', value: 'x' } }, details);
  if (whole.ok) expect<boolean>(whole.truncated);
  const parsed = parse('a eq 1');
  if (parsed.ok) out += format(parsed.predicate).ok ? parsed.text : '';
  else out += renderDiagnostic(parsed.errors[0], 'a eq 1');
  const m = matches({ entity_type: 'detail', predicate: { and: [{ attr: 'type', op: 'eq', value: 'x' }] } }, { type: 'x' });
  if (m.ok) expect<boolean>(m.matches);
  expect<number>(describeSchema().limits.preview_cap);
  return out;
}

// The store's other methods, including the ids of the keys holding a filter.
export function admin(s: Store, set: EntitySet): number {
  const holders: string[] = s.keyIdsHolding('concrete-typical');
  const stored: StoredFilter | null = s.getFilter('concrete-typical');
  if (stored !== null) expect<string>(stored.predicate_text);
  const impact = s.editImpact('concrete-typical', { entity_type: 'detail', predicate_text: 'tags intersects ["steel"]' }, set);
  if (impact.ok) expect<string[]>(impact.gained);
  const archived = s.archiveFilter('concrete-typical');
  if (!archived.ok) expect<string>(archived.errors[0].message);
  s.removeKey('vendor');
  return holders.length + s.keysHolding('concrete-typical') + (s.validateKey(key).valid ? 1 : 0);
}

// The service entry: explanations, list authorization, SQL, ids, attributes.
export function service(): void {
  const s = new ServiceStore();
  const ex: Explanation = s.explain('vendor', { operation: 'get', workspace_id: WS, entity_type: 'detail', id: 'x' }, null);
  if (ex.step === 'listed') expect<string[]>(ex.decision.ids);
  if (ex.step === 'unknown_credentials') expect<[]>(ex.grants);
  else for (const g of ex.grants) if (g.eligible) expect<boolean | undefined>(g.matched); else expect<string>(g.reason);
  const auth = s.authorizeList('vendor', { operation: 'list', workspace_id: WS, entity_type: 'detail' });
  if (auth.status === 200 && auth.require_match) {
    const sql = compileSql({ dialect: 'postgres', entity_type: 'detail', scope: auth.scope });
    if (sql.ok) expect<string>(sql.sql);
  }
  const page = s.decideListPage('vendor', { operation: 'list', workspace_id: WS, entity_type: 'detail' }, true, details);
  expect<number>(page.outside);
  if (page.status === 200) expect<string[]>(page.ids);
  const change = s.validateKeyChange({ key, previous: null, viewer_firm: FIRM });
  if (!change.valid) expect<string | undefined>(change.errors[0].location?.path);
  expect<boolean>(s.acceptsCredentials('vendor', '192.0.2.1'));
  expect<string | null>(canonicalUuid(WS.toUpperCase()));
  expect<boolean>(isSystemFilter('default:any'));
  const checked = checkAttributes('detail', { tags: ['a'] });
  if (!checked.ok) expect<Diagnostic[]>(checked.errors);
  s.free();
}

// One-shot functions over a world, with readonly arrays.
export function oneShot(): void {
  const world: World = { firms: [firm], filters: [filter], entities: details };
  const d = decide(world, key, { operation: 'list', workspace_id: WS, entity_type: 'detail' });
  if (d.status === 200) expect<string[]>(d.ids);
  expect<boolean>(validateGrants(world, key).valid);
  const ex = explain(world, null, { operation: 'get', workspace_id: WS, entity_type: 'detail', id: 'x' });
  expect<string>(ex.summary);
  const system: SystemFilter[] = systemFilters(firm satisfies Firm);
  for (const f of system) if (f.firm_global) expect<null>(f.workspace_id); else expect<string>(f.workspace_id);
}
