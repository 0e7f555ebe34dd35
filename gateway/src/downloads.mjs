// Short-lived signed download URLs. The signature (HMAC-SHA256 with a key derived from the
// master secret) covers the path, the key id and the expiry; redeeming one re-decides the
// download with the engine, so a revoked key or an edited filter stops it too.
import { hmac, hmacVerify } from './crypto.mjs';

/** Files each downloadable entity type has (the data service serves `{id}.{ext}`). */
export const FILES = { family: ['rfa'], detail: ['rvt', 'pdf'], stash: ['zip'] };

function payload(path, keyId, expires) {
  return `GET\n${path}\n${keyId}\n${expires}`;
}

export async function signUrl(keys, origin, path, keyId, ttlSeconds, nowMs) {
  const expires = Math.floor(nowMs / 1000) + ttlSeconds;
  const sig = await hmac(keys.urls, payload(path, keyId, expires));
  const q = new URLSearchParams({ key: keyId, expires: String(expires), sig });
  return { url: `${origin}${path}?${q}`, expires_at: new Date(expires * 1000).toISOString() };
}

/** `{keyId}` when the URL is genuine and unexpired, else `{error}`. */
export async function verifyUrl(keys, url, nowMs) {
  const keyId = url.searchParams.get('key');
  const expires = url.searchParams.get('expires');
  const sig = url.searchParams.get('sig');
  if (!keyId || !expires || !sig || !/^\d{1,12}$/.test(expires)) return { error: 'signature_invalid' };
  if (!(await hmacVerify(keys.urls, payload(url.pathname, keyId, Number(expires)), sig))) return { error: 'signature_invalid' };
  if (Number(expires) * 1000 <= nowMs) return { error: 'url_expired' };
  return { keyId };
}
