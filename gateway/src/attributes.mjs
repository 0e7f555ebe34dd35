// Entity attributes in create and update bodies: the engine types them (unknown attributes,
// attributes the data service assigns, values not of their type), so what the data service
// stores is what evaluation reads; this module turns its answer into HTTP and applies the
// update's merge patch.
import { HttpError } from './errors.mjs';
import { engineInput } from './body.mjs';

/**
 * Check `input` (an object of attribute values; `null` = absent, or removed by a patch) for an
 * entity type: 400 with the engine's first diagnostic (all of them in `diagnostics`) when it
 * refuses. Returns the attributes with nulls dropped unless `keepNulls` (merge-patch deletions).
 */
export function checkAttributes(engine, entityType, input, { keepNulls = false } = {}) {
  const r = engineInput(() => engine.checkAttributes(entityType, input));
  if (!r.ok) {
    const [first] = r.errors;
    throw new HttpError(400, first.code, first.message, { diagnostics: r.errors });
  }
  const out = {};
  for (const [name, value] of Object.entries(input)) {
    if (value !== null || keepNulls) out[name] = value;
  }
  return out;
}

/** JSON merge patch (RFC 7396) of the attribute object: null removes. */
export function mergeAttributes(current, patch) {
  const out = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}
