// Which data source the page uses. The demo gateway, serving the builder same-origin, answers
// `/demo/config.json` with {admin_api, admin_token, ...} (gateway/src/node-server.mjs); then the
// builder works through the admin API. Anywhere else the page is standalone: www/serve.mjs
// answers that URL with 204 No Content, so neither mode logs a failed request.
// `?backend=standalone|gateway` overrides the choice.
import { LocalBackend } from './backend-local.mjs';
import { GatewayBackend } from './backend-gateway.mjs';

export async function chooseBackend() {
  const forced = new URLSearchParams(location.search).get('backend');
  let config = null;
  if (forced !== 'standalone') {
    try {
      const res = await fetch('/demo/config.json', { cache: 'no-store' });
      if (res.status === 200) config = await res.json();
    } catch { /* offline or opened from a plain file server: standalone */ }
  }
  const gateway = forced === 'gateway' || (forced === null && config !== null);
  return gateway ? new GatewayBackend(config ?? {}) : new LocalBackend();
}
