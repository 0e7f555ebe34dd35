// Which firm a credential belongs to, read from the credential itself: access tokens, client ids
// and firm-admin tokens carry their firm's id (22 base64url characters: the UUID's 16 bytes)
// right after their prefix. Where each firm's state lives apart (Durable Objects), this is how a
// request finds its firm's object before anything else is known; elsewhere it only narrows what a
// request reads. A route is a hint, never a proof: the credential is still checked in full
// against the firm's own records.
import { b64url, randomId } from './crypto.mjs';

const ROUTE_LENGTH = 22;

/** The route of a firm id (a UUID), or null for an id that is not one. */
export function firmRoute(firmId) {
  const hex = typeof firmId === 'string' ? firmId.replace(/-/g, '').toLowerCase() : '';
  if (!/^[0-9a-f]{32}$/.test(hex)) return null;
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return b64url(bytes);
}

/** A new credential of a firm: prefix, the firm's route, then `bytes` random bytes. */
export function routedId(prefix, firmId, bytes) {
  return randomId(`${prefix}${firmRoute(firmId) ?? ''}`, bytes);
}

/** The route a credential carries after one of its prefixes, or null (another shape, an older credential). */
export function routeOf(credential, prefixes) {
  if (typeof credential !== 'string') return null;
  for (const prefix of prefixes) {
    if (!credential.startsWith(prefix)) continue;
    const r = credential.slice(prefix.length, prefix.length + ROUTE_LENGTH);
    return r.length === ROUTE_LENGTH ? r : null;
  }
  return null;
}
