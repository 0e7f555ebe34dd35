// Which data source the page uses. `backend.json` beside index.html says so: the committed file
// says "standalone"; the demo gateway, serving the builder same-origin, answers that URL with
// {"mode": "gateway", ...} instead. `?backend=standalone|gateway` overrides it for testing.
// Reading a config file (rather than probing the admin API) keeps 404s and 401s out of the
// console in either mode.
import { LocalBackend } from './backend-local.mjs';
import { GatewayBackend } from './backend-gateway.mjs';

export async function chooseBackend() {
  const forced = new URLSearchParams(location.search).get('backend');
  let config = { mode: 'standalone' };
  try {
    const res = await fetch(new URL('../backend.json', import.meta.url), { cache: 'no-store' });
    if (res.ok) config = await res.json();
  } catch { /* no config: standalone */ }
  const mode = forced ?? config.mode;
  return mode === 'gateway' ? new GatewayBackend(config) : new LocalBackend();
}
