// Checks shared by the admin resources' request bodies.
import { HttpError } from '../errors.mjs';

/** A name's length in Unicode scalar values (SPEC 2.4). */
export const charCount = (s) => [...s].length;

/** A 422 refusal, with the engine's diagnostics when there are any. */
export function unprocessable(code, message, diagnostics) {
  return new HttpError(422, code, message, diagnostics ? { diagnostics } : {});
}
