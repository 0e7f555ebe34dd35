// The header's navigation between the sections, the breadcrumb and the document title: the one
// place that says which page is showing.
import { h } from './dom.mjs';

const SECTIONS = [
  ['filters', 'Resource filters', '#/new'],
  ['keys', 'API keys', '#/keys'],
  ['audit', 'Audit log', '#/audit'],
];

/** The section links, once; `markCurrent` moves the mark (re-rendering would drop focus from a link). */
export function renderNav(container) {
  container.replaceChildren(h('ul', {},
    SECTIONS.map(([section, label, href]) => h('li', {}, h('a', { href, class: 'nav-link', dataset: { section } }, label)))));
}

/** Mark the link of `section` (filters | keys | audit) as the current page. */
export function markCurrent(container, section) {
  for (const a of container.querySelectorAll('a[data-section]')) {
    if (a.dataset.section === section) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

/**
 * The breadcrumb and title of the page showing: `trail` is `[[label, href], ..., [label]]`, the
 * last entry being this page (not a link).
 */
export function setPageTitle(crumbsEl, trail) {
  document.title = [...trail].reverse().map(([label]) => label).concat('portcullis').join(' · ');
  crumbsEl.replaceChildren(h('ol', {},
    h('li', {}, 'Settings'),
    trail.map(([label, href], i) => h('li', {},
      i === trail.length - 1 ? h('span', { 'aria-current': 'page' }, label)
        : href ? h('a', { href }, label) : label))));
}
