// Request bodies: bounded, and malformed ones answered with 400, never an exception.
import { HttpError } from './errors.mjs';

export async function readText(request, limit) {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > limit) throw new HttpError(413, 'payload_too_large', `The body is over ${limit} bytes.`);
  const buf = await request.arrayBuffer();
  if (buf.byteLength > limit) throw new HttpError(413, 'payload_too_large', `The body is over ${limit} bytes.`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    throw new HttpError(400, 'invalid_body', 'The body is not valid UTF-8.');
  }
}

export function parseJsonObject(text) {
  let v;
  try {
    v = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'invalid_json', 'The body is not valid JSON.');
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new HttpError(400, 'invalid_body', 'The body must be a JSON object.');
  if (!wellFormed(v)) throw new HttpError(400, 'invalid_body', 'The body holds a string with a lone surrogate (a \\ud800-\\udfff escape without its pair): text must be valid Unicode.');
  return v;
}

// JSON's \u escapes can spell half of a UTF-16 pair, which is no Unicode text: the engine
// refuses it as misuse, so it is answered here as a bad body. A walk with a stack of its own:
// JSON.parse has already bounded the nesting, but this must not recurse on it again.
function wellFormed(root) {
  const stack = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (!v.isWellFormed()) return false;
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push(v[i]);
    } else if (v !== null && typeof v === 'object') {
      for (const k of Object.keys(v)) {
        if (!k.isWellFormed()) return false;
        stack.push(v[k]);
      }
    }
  }
  return true;
}

/** Refuse fields this endpoint does not know, so a typo is not silently ignored. */
export function onlyFields(obj, allowed, where = 'body') {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw new HttpError(400, 'unknown_field', `Unknown field "${k}" in the ${where}; allowed: ${allowed.join(', ')}.`);
  }
}
