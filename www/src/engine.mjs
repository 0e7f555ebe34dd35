// The one place the page touches the wasm engine. Everything the builder knows about attributes,
// operators, limits and validity comes from here; nothing is duplicated in JavaScript.
import * as portcullis from 'portcullis';

export const { parse, format, validate, preview, previewPredicate, systemFilters, EntitySet, Store } = portcullis;

export const schema = portcullis.describeSchema();
export const limits = schema.limits;

export function entityType(name) {
  return schema.entity_types.find((t) => t.name === name) ?? null;
}

export function attribute(typeName, attr) {
  return entityType(typeName)?.attributes.find((a) => a.name === attr) ?? null;
}

/** The attribute a new row starts on: the first one the engine says can be filtered. */
export function firstFilterable(typeName) {
  return entityType(typeName)?.attributes.find((a) => a.filterable) ?? null;
}
