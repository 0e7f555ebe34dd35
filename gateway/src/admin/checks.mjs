// Checks shared by the admin resources: request bodies and query parameters (every route's query
// goes through queryParams, in index.mjs, and its values through idParam, boolParam and limitOf).
import { HttpError } from '../errors.mjs';

/** A name's length in Unicode scalar values (SPEC 2.4). */
export const charCount = (s) => [...s].length;

/** A 422 refusal, with the engine's diagnostics when there are any. */
export function unprocessable(code, message, diagnostics) {
  return new HttpError(422, code, message, diagnostics ? { diagnostics } : {});
}

/**
 * The query parameters of a request, each named at most once and each one of `allowed`, as a Map
 * (names come from the caller: never object keys). Anything else is a 400.
 */
export function queryParams(url, allowed) {
  const out = new Map();
  for (const name of new Set(url.searchParams.keys())) {
    if (!allowed.includes(name)) throw new HttpError(400, 'invalid_query', `Unknown query parameter "${name}"; expected ${allowed.join(', ')}.`);
    const values = url.searchParams.getAll(name);
    if (values.length > 1) throw new HttpError(400, 'invalid_query', `Query parameter "${name}" is repeated.`);
    out.set(name, values[0]);
  }
  return out;
}

/** A positive integer limit, `dflt` when absent, capped (not refused) at `max`. */
export function limitOf(params, dflt, max) {
  const v = params.get('limit');
  if (v === undefined) return dflt;
  if (!/^\d{1,6}$/.test(v) || Number(v) < 1) throw new HttpError(400, 'invalid_limit', 'limit must be a positive integer.');
  return Math.min(Number(v), max);
}

// Identifiers and codes in a query: ids, action names. Longer ones, empty ones and ones with
// control characters (which a database may refuse in text) name nothing and are refused.
export const QUERY_VALUE_MAX = 200;

/** A query parameter naming an id or a code: null when absent, else checked as above. */
export function idParam(params, name) {
  const v = params.get(name);
  if (v === undefined) return null;
  if (v === '') throw new HttpError(400, 'invalid_query', `Query parameter "${name}" is empty; leave it out to match every entry.`);
  if (v.length > QUERY_VALUE_MAX) throw new HttpError(400, 'invalid_query', `Query parameter "${name}" is over ${QUERY_VALUE_MAX} characters.`);
  if (/[\u0000-\u001f\u007f]/.test(v)) throw new HttpError(400, 'invalid_query', `Query parameter "${name}" holds a control character.`);
  return v;
}

/** A `true`/`false` query parameter: `dflt` when absent; any other value (`1`, `TRUE`, empty) is a 400. */
export function boolParam(params, name, dflt) {
  const v = params.get(name);
  if (v === undefined) return dflt;
  if (v !== 'true' && v !== 'false') throw new HttpError(400, 'invalid_query', `Query parameter "${name}" is "true" or "false".`);
  return v === 'true';
}
