// Shape checks for entity attributes in create/update bodies: the data service stores what the
// gateway sends, so a value of the wrong type is refused here (400) rather than stored. The
// types come from the engine's schema; access rules are not checked here (the engine does that).
import { HttpError } from './errors.mjs';
import { isUuid } from './body.mjs';

const DATE_RE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;
const SHAPES = {
  text: (v) => typeof v === 'string',
  number: (v) => typeof v === 'number' && Number.isFinite(v),
  bool: (v) => typeof v === 'boolean',
  list: (v) => Array.isArray(v) && v.every((x) => typeof x === 'string'),
  uuid: isUuid,
  date: (v) => typeof v === 'string' && DATE_RE.test(v) && !Number.isNaN(Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v)),
};

/** Attributes the server assigns; a body may not set them. */
export const SERVER_ASSIGNED = ['created_at'];

/**
 * Check `input` (an object of attribute values; `null` = absent) against the entity type.
 * Returns the attributes with nulls dropped unless `keepNulls` (merge-patch deletions).
 */
export function checkAttributes(typeDesc, input, { keepNulls = false } = {}) {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new HttpError(400, 'invalid_body', '"attributes" must be a JSON object.');
  }
  const known = new Map(typeDesc.attributes.map((a) => [a.name, a]));
  const out = {};
  for (const [name, value] of Object.entries(input)) {
    const desc = known.get(name);
    if (!desc) {
      throw new HttpError(400, 'unknown_attribute', `"${name}" is not an attribute of ${typeDesc.name}; known: ${[...known.keys()].join(', ')}.`);
    }
    if (SERVER_ASSIGNED.includes(name)) throw new HttpError(400, 'read_only_attribute', `"${name}" is assigned by the server.`);
    if (value === null) {
      if (keepNulls) out[name] = null;
      continue;
    }
    if (!SHAPES[desc.type]?.(value)) {
      throw new HttpError(400, 'invalid_attribute', `"${name}" must be a ${desc.type} value.`);
    }
    out[name] = value;
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
