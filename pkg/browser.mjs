// Browser entry: fetch and instantiate the module (streaming where the server sends
// application/wasm) before anything is exported, using top-level await.
import init from './gen/portcullis.js';

await init({ module_or_path: new URL('./gen/portcullis_bg.wasm', import.meta.url) });

export { parse, format, validate, matches, preview, describeSchema, validateGrants, decide, explain, Store } from './gen/portcullis.js';
