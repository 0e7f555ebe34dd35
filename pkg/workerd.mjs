// Edge entry (workerd / Cloudflare Workers): edge runtimes forbid compiling wasm from bytes,
// so the module is imported as a compiled WebAssembly.Module and instantiated synchronously.
import wasmModule from './gen/portcullis_bg.wasm';
import { initSync } from './gen/portcullis.js';

initSync({ module: wasmModule });

export { parse, format, validate, matches, preview, describeSchema, validateGrants, decide, explain, Store } from './gen/portcullis.js';
