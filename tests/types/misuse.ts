// Misuse that must not compile: each line after `@ts-expect-error` is an error under
// `tsc --strict` (tests/types/tsconfig.json), and tsc fails if one of them compiles.
import { Store, EntitySet, validate, preview, previewPredicate, renderDiagnostic, parse } from 'portcullis';
import type { PreparedRequest } from 'portcullis';

const WS = 'a1000000-0000-4000-8000-00000000000a';

export function misuse(s: Store, set: EntitySet): void {
  // @ts-expect-error: not an operation
  s.decide('k', { operation: 'fetch', workspace_id: WS, entity_type: 'detail' });

  const list = s.decide('k', { operation: 'list', workspace_id: WS, entity_type: 'detail' }, set);
  // @ts-expect-error: ids only on a 200: narrow on status first
  list.ids.length;

  const get = s.decide('k', { operation: 'get', workspace_id: WS, entity_type: 'detail', id: 'x' }, null);
  if (get.status === 200) {
    // @ts-expect-error: a get's 200 carries no ids
    get.ids.length;
  }
  // @ts-expect-error: a get is never a 403
  if (get.status === 403) get.code;

  // @ts-expect-error: a number as a filter
  validate(5);
  // @ts-expect-error: a number as a filter
  preview(5, set);
  // @ts-expect-error: a filter needs an entity type
  validate({ name: 'x', predicate_text: 'a eq 1' });
  // @ts-expect-error: both forms of a predicate at once
  previewPredicate({ entity_type: 'detail', predicate_text: 'a eq 1', predicate: { attr: 'a', op: 'eq', value: 1 } }, set);
  // @ts-expect-error: neither form
  previewPredicate({ entity_type: 'detail' }, set);
  // @ts-expect-error: the text form is a string
  parse({ text: 'a eq 1' });

  const v = validate({ entity_type: 'detail', name: 'x', predicate_text: 'a eq 1' });
  // @ts-expect-error: the canonical text only when the predicate parsed: narrow on valid first
  v.text.length;
  if (v.valid) {
    // @ts-expect-error: a valid filter has no errors
    v.errors[0].message;
  }

  // @ts-expect-error: a create cannot be prepared
  s.prepare('k', { operation: 'create', workspace_id: WS, entity_type: 'detail' });
  const lister = s.prepare('k', { operation: 'list', workspace_id: WS, entity_type: 'detail' });
  // @ts-expect-error: a list decider lists; it does not decide one entity
  lister.decide(null);
  // @ts-expect-error: a list takes entities, not a number
  lister.list(5);
  const getter = s.prepare('k', { operation: 'get', workspace_id: WS, entity_type: 'detail' });
  // @ts-expect-error: a get decider decides one entity; it does not list
  getter.list(set);
  const req: PreparedRequest = { operation: 'list', workspace_id: WS, entity_type: 'detail' };
  // @ts-expect-error: which decider is not known: narrow on its operation first
  s.prepare('k', req).list(set);

  // @ts-expect-error: a store's key id is a string
  s.decide(42, { operation: 'get', workspace_id: WS, entity_type: 'detail' });
  // @ts-expect-error: a get decides on one entity, not on a set
  s.decide('k', { operation: 'get', workspace_id: WS, entity_type: 'detail' }, set);
  // @ts-expect-error: an EntitySet is made from entities
  new EntitySet([{ id: 'x' }]);

  // @ts-expect-error: renderDiagnostic takes a diagnostic, not its message
  renderDiagnostic('error: bad');
  // @ts-expect-error: the source is the text the span points into
  renderDiagnostic(v.errors[0]!, 7);
}
