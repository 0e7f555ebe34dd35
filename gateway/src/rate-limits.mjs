// Rate limits: token mints per key (TOKEN_RATE_LIMIT) and admin writes per admin credential
// (ADMIN_WRITE_RATE_LIMIT). Each is a fixed window: at most `limit` requests of one subject in
// each window of `windowMs`, counted where every instance of the store counts (StateStore.hitRate:
// a counter row per subject and window in PostgreSQL or the firm's Durable Object; in memory for
// the embedded store, whose one process is its only instance). Over the limit the answer is 429
// `rate_limited` with Retry-After, the seconds until the window ends.
import { HttpError } from './errors.mjs';

const UNITS = { s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A rate setting: `LIMIT/WINDOW`, the window a number and a unit (`s`, `m`, `h`; the number may
 * be left out for one): `60/60s`, `600/m`, `5000/1h`. `{limit, windowMs, text}`.
 */
export function parseRate(name, value, dflt) {
  const text = value === undefined || value === null || value === '' ? dflt : String(value).trim();
  const m = /^([0-9]{1,9})\/([0-9]{0,6})(s|m|h)$/.exec(text);
  const limit = m ? Number(m[1]) : 0;
  const windowMs = m ? Number(m[2] === '' ? 1 : m[2]) * UNITS[m[3]] : 0;
  if (!m || limit < 1 || windowMs < 1000 || windowMs > 86_400_000) {
    throw new Error(`configuration: ${name} is LIMIT/WINDOW, such as 60/60s, 600/m or 5000/1h (a limit of at least 1, a window from 1 s to 24 h), not ${JSON.stringify(text)}`);
  }
  return { limit, windowMs, text };
}

/** A window's length as words: "60 s", "1 h". */
export function windowText(rule) {
  const s = rule.windowMs / 1000;
  return s % 3600 === 0 ? `${s / 3600} h` : s % 60 === 0 ? `${s / 60} min` : `${s} s`;
}

/**
 * Count one admin write of `who` (firm admin or operator); over ADMIN_WRITE_RATE_LIMIT, a 429
 * `rate_limited` with Retry-After. Counted before the write is read or run: a refused write
 * counts too.
 */
export async function limitAdminWrite(app, who) {
  const rule = app.config.adminWriteRate;
  const r = await app.state.hitRate(who.firmId, `admin_write:${who.id}`, rule);
  if (!r.limited) return;
  throw new HttpError(429, 'rate_limited',
    `This admin credential made more than ${rule.limit} changes in ${windowText(rule)}; retry after ${r.retryAfter} s.`,
    { retry_after: r.retryAfter }, { 'retry-after': String(r.retryAfter) });
}
