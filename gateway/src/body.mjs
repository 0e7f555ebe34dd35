// Request bodies: bounded in size, in time and in nesting, and malformed ones answered with a 400
// (a 408 or 413 for a body too slow or too large), never an exception.
import { HttpError } from './errors.mjs';

/** How long a request body may take to arrive, from when the gateway starts reading it. */
let bodyTimeoutMs = 10_000;

/** Set by the application from its configuration (BODY_TIMEOUT_MS), once at start. */
export function configureBodies({ timeoutMs }) {
  bodyTimeoutMs = timeoutMs;
}

/**
 * Deepest nesting of arrays and objects a JSON body may have. No request of this API needs more
 * than a handful of levels (a predicate is valid to depth 5, and the engine's own reader stops
 * far below this); a bound here keeps every later step (the engine's input, a stored copy) clear
 * of the runtime's recursion limits, whatever the caller sends.
 */
export const MAX_BODY_DEPTH = 256;

function tooLarge(limit) {
  // The rest of the body is never read: the connection closes after the answer.
  return new HttpError(413, 'payload_too_large', `The body is over ${limit} bytes.`, {}, { connection: 'close' });
}

/**
 * The body as UTF-8 text, at most `limit` bytes. A declared Content-Length over the limit is
 * refused at once, unread; a body that is not complete within the body timeout is 408
 * `request_timeout`; both answers close the connection.
 */
export async function readText(request, limit) {
  if (Number(request.headers.get('content-length') ?? 0) > limit) throw tooLarge(limit);
  if (request.body === null) return '';
  const reader = request.body.getReader();
  const chunks = [];
  let size = 0;
  let timer;
  const expired = new Promise((ok) => { timer = setTimeout(() => ok(null), bodyTimeoutMs); });
  try {
    for (;;) {
      const read = reader.read();
      let r;
      try {
        r = await Promise.race([read, expired]);
      } catch {
        // The connection broke (the client went away mid-body): nobody is there to answer.
        throw new HttpError(400, 'invalid_body', 'The request body could not be read to its end.', {}, { connection: 'close' });
      }
      if (r === null) {
        letGo(reader, read);
        throw new HttpError(408, 'request_timeout',
          `The request body did not arrive within ${Math.round(bodyTimeoutMs / 1000)} s; send it whole, at once.`, {}, { connection: 'close' });
      }
      if (r.done) break;
      size += r.value.byteLength;
      if (size > limit) {
        letGo(reader, null);
        throw tooLarge(limit);
      }
      chunks.push(r.value);
    }
  } finally {
    clearTimeout(timer);
  }
  const buf = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    buf.set(c, at);
    at += c.byteLength;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    throw new HttpError(400, 'invalid_body', 'The body is not valid UTF-8.');
  }
}

/**
 * Stop reading a body: the rest is never read, and the answer (which says `connection: close`)
 * ends the connection. The reader is let go rather than cancelled: on Node, cancelling destroys
 * the socket, which could happen before the answer is written.
 */
function letGo(reader, pending) {
  pending?.catch(() => {});
  try { reader.releaseLock(); } catch { /* a runtime that refuses while a read is pending */ }
}

/**
 * A JSON object body. Refused with a 400: text that is not JSON (`invalid_json`); JSON that is not
 * an object, nests deeper than MAX_BODY_DEPTH, holds a number JSON's reader would change (beyond
 * ±1.8e308, or an integer beyond ±2^53, which no longer reads as itself) or a string that is no
 * Unicode text (`invalid_body`).
 */
export function parseJsonObject(text) {
  let v;
  try {
    v = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'invalid_json', 'The body is not valid JSON.');
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new HttpError(400, 'invalid_body', 'The body must be a JSON object.');
  checkJsonText(text);
  if (!wellFormed(v)) throw new HttpError(400, 'invalid_body', 'The body holds a string with a lone surrogate (a \\ud800-\\udfff escape without its pair): text must be valid Unicode.');
  return v;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = new Set([0x5b, 0x7b]); // [ {
const CLOSE = new Set([0x5d, 0x7d]); // ] }
const MINUS = 0x2d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?/y;
const SAFE_DIGITS = 15; // an integer literal of at most 15 digits is exactly a double

/**
 * One pass over JSON text already known to be valid: its nesting depth, and every number
 * literal as JSON.parse reads it. Iterative, so the text's own depth cannot exhaust the stack.
 */
function checkJsonText(text) {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) i++;
        else if (d === QUOTE) break;
      }
    } else if (OPEN.has(c)) {
      if (++depth > MAX_BODY_DEPTH) {
        throw new HttpError(400, 'invalid_body', `The body nests arrays and objects more than ${MAX_BODY_DEPTH} levels deep; no request needs that many.`);
      }
    } else if (CLOSE.has(c)) {
      depth--;
    } else if (c === MINUS || (c >= DIGIT_0 && c <= DIGIT_9)) {
      NUMBER.lastIndex = i;
      const literal = NUMBER.exec(text)[0];
      checkNumber(literal);
      i += literal.length - 1;
    }
  }
}

function checkNumber(literal) {
  const n = Number(literal);
  if (!Number.isFinite(n)) {
    throw new HttpError(400, 'invalid_body', `The number ${literal.length > 40 ? `${literal.slice(0, 40)}…` : literal} is beyond what a JSON number holds (about ±1.8e308).`);
  }
  if (/^-?[0-9]+$/.test(literal) && literal.replace(/^-?0*/, '').length > SAFE_DIGITS && BigInt(literal) !== BigInt(n)) {
    throw new HttpError(400, 'invalid_body',
      `The integer ${literal.length > 40 ? `${literal.slice(0, 40)}…` : literal} is beyond ±2^53 and would not read back as itself; send it as a string.`);
  }
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

/**
 * The engine's answer on a caller's input. The engine throws a TypeError for input it cannot
 * take as its parameter at all (a field of the wrong JSON type, a value nested beyond its
 * reader): that is the caller's malformed body, a 400 `invalid_body` with the engine's message,
 * never a 500.
 */
export function engineInput(fn) {
  try {
    return fn();
  } catch (err) {
    if (err instanceof TypeError) throw new HttpError(400, 'invalid_body', String(err.message).replace(/^portcullis: /, ''));
    throw err;
  }
}
