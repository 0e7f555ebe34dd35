// WebCrypto helpers shared by Node 20 and workerd (both expose globalThis.crypto).

const enc = new TextEncoder();
const dec = new TextDecoder();
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function b64url(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromB64url(text) {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('not base64url');
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

export function randomBytes(n) {
  return crypto.getRandomValues(new Uint8Array(n));
}

/** A random identifier with a readable prefix (`key_...`, `pcs_live_...`). */
export function randomId(prefix, bytes = 16) {
  return prefix + b64url(randomBytes(bytes));
}

// Random bytes for ids made on every request, drawn from the system's generator a pool at a time
// (one call per 256 ids rather than one per id); each byte is used once.
const pool = new Uint8Array(4096);
let poolAt = pool.length;
const HEX_CODES = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const hexCodes = []; // the codes of the id being made, reused

/** `bytes` random bytes (at most 4,096) as lower-case hexadecimal. */
export function randomHex(bytes) {
  if (poolAt + bytes > pool.length) {
    crypto.getRandomValues(pool);
    poolAt = 0;
  }
  // Character codes, then one string of them: appending two digits at a time would make a
  // string object per byte.
  const codes = hexCodes;
  codes.length = 2 * bytes;
  for (let i = 0; i < bytes; i++) {
    const b = pool[poolAt + i];
    codes[2 * i] = HEX_CODES[b >> 4];
    codes[2 * i + 1] = HEX_CODES[b & 15];
  }
  poolAt += bytes;
  return String.fromCharCode.apply(null, codes);
}

// SHA-256 is on the path of every request (the bearer token's hash). WebCrypto's digest is
// async and, on Node, dispatched to a worker job: the Node host may install a synchronous
// implementation (node:crypto) with useSha256(); workerd keeps WebCrypto.
let fastSha256 = null;
export function useSha256(fn) {
  fastSha256 = fn;
}

export async function sha256(text) {
  const data = typeof text === 'string' ? enc.encode(text) : text;
  if (fastSha256) return fastSha256(data);
  return new Uint8Array(await crypto.subtle.digest('SHA-256', data));
}

export async function sha256hex(text) {
  const h = await sha256(text);
  let s = '';
  for (const b of h) s += HEX[b];
  return s;
}

/** Constant-time equality of two byte arrays (or strings): the time depends on length only. */
export function timingSafeEqual(a, b) {
  if (typeof a === 'string' && typeof b === 'string') return stringsEqual(a, b);
  if (typeof a === 'string') a = enc.encode(a);
  if (typeof b === 'string') b = enc.encode(b);
  // Unequal lengths still walk all of `a`, so the time depends on the length alone.
  let diff = a.length === b.length ? 0 : 1;
  const other = diff ? a : b;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ other[i];
  return diff === 0;
}

/** timingSafeEqual of two strings, over their UTF-16 code units (no copies made). */
function stringsEqual(a, b) {
  let diff = a.length === b.length ? 0 : 1;
  const other = diff ? a : b;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ other.charCodeAt(i);
  return diff === 0;
}

/** Keys derived from one master secret, each for one purpose (HKDF-SHA256). */
export async function deriveKeys(masterBytes) {
  const base = await crypto.subtle.importKey('raw', masterBytes, 'HKDF', false, ['deriveKey']);
  const derive = (info, alg, usages) => crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(32), info: enc.encode(info) },
    base, alg, false, usages);
  return {
    secrets: await derive('portcullis/secrets-at-rest/v1', { name: 'AES-GCM', length: 256 }, ['encrypt', 'decrypt']),
    urls: await derive('portcullis/download-urls/v1', { name: 'HMAC', hash: 'SHA-256', length: 256 }, ['sign', 'verify']),
  };
}

/** AES-GCM with a fresh 96-bit IV; `aad` binds the ciphertext to its record (the key id). */
export async function encrypt(key, plaintext, aad) {
  const iv = randomBytes(12);
  const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: enc.encode(aad) }, key, enc.encode(plaintext));
  return { iv: b64url(iv), ct: b64url(new Uint8Array(ct)) };
}

export async function decrypt(key, box, aad) {
  const pt = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: fromB64url(box.iv), additionalData: enc.encode(aad) }, key, fromB64url(box.ct));
  return dec.decode(pt);
}

export async function hmac(key, text) {
  return b64url(new Uint8Array(await crypto.subtle.sign('HMAC', key, enc.encode(text))));
}

export async function hmacVerify(key, text, sig) {
  let bytes;
  try { bytes = fromB64url(sig); } catch { return false; }
  // subtle.verify compares in constant time.
  return crypto.subtle.verify('HMAC', key, bytes, enc.encode(text));
}
