// Node entry: read the module from disk and instantiate it synchronously.
import { readFileSync } from 'node:fs';
import { initSync } from './gen/portcullis.js';

initSync({ module: readFileSync(new URL('./gen/portcullis_bg.wasm', import.meta.url)) });

export { parse, format, validate, matches, preview, describeSchema, validateGrants, decide, explain, Store } from './gen/portcullis.js';
