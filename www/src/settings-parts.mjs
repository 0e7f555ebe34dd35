// Small pieces the settings pages (API keys, audit log) share: headings, times, badges, notices.
import { h } from './dom.mjs';

export const capital = (s) => s.charAt(0).toUpperCase() + s.slice(1);

/** The page's heading; the router focuses it after a navigation, so it takes focus by script only. */
export function pageHead(title, ...extras) {
  return h('div', { class: 'page-head' }, h('h2', { id: 'page-title', tabindex: '-1' }, title), ...extras);
}

const LOCAL = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A time in the reader's locale; the exact ISO instant in `datetime` (and as a tooltip). */
export function timeEl(iso, { withIso = false } = {}) {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return h('span', {}, String(iso));
  const el = h('time', { datetime: iso, title: iso }, LOCAL.format(when));
  return withIso ? h('span', { class: 'when' }, el, h('span', { class: 'iso mono' }, iso)) : el;
}

export const envBadge = (environment) => h('span', { class: `badge env-${environment}` }, capital(environment));

export const statusBadge = (key) => (key.revoked
  ? h('span', { class: 'badge status-revoked' }, 'Revoked')
  : h('span', { class: 'badge status-active' }, 'Active'));

/** A failed request, said so that a person can act on it (the ApiError's message). */
export function errorNotice(err, lead = 'This did not work.') {
  return h('div', { class: 'notice error', role: 'alert' },
    h('p', {}, h('strong', {}, `${lead} `), String(err?.message ?? err)));
}

export const loading = (what) => h('p', { class: 'muted', role: 'status' }, `Loading ${what}…`);
