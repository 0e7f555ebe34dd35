// Standalone (www/serve.mjs, ?backend=standalone) there is no admin API: keys and the audit log
// live in the gateway. The settings pages say so and how to start the demo that has one.
import { h } from './dom.mjs';
import { pageHead } from './settings-parts.mjs';

/** @param title the page's heading ("API keys", "Audit log") */
export function renderGatewayNeeded(container, ctx, title) {
  ctx.setTitle([[title]]);
  container.replaceChildren(
    pageHead(title),
    h('div', { class: 'notice', id: 'gateway-needed' },
      h('p', {}, h('strong', {}, `“${title}” needs the gateway’s admin API. `),
        'This page is running standalone, with the sample workspace in this browser: it can build and preview filters, but API keys and the audit log are kept by the gateway.'),
      h('p', {}, 'To use them, start the demo from the repository root:'),
      h('pre', { class: 'readonly-text mono' }, 'scripts/demo.sh\n# or, with the wasm package and the data service already built:\nnode gateway/demo.mjs'),
      h('p', {}, 'then open the filter builder address it prints (http://127.0.0.1:8787/ by default). The page it serves works through the admin API as the demo firm’s admin.')),
    h('p', {}, h('a', { href: '#/new' }, 'Back to the resource filters')));
}
