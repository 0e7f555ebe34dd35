// Edge entry (workerd / Cloudflare Workers): edge runtimes forbid compiling wasm from bytes,
// so the module is imported as a compiled WebAssembly.Module and instantiated synchronously.
import wasmModule from './gen/portcullis_bg.wasm';
import * as raw from './gen/portcullis.js';
import { bind } from './api.mjs';

const exports = raw.initSync({ module: wasmModule });

export const {
  parse, format, validate, matches, preview, previewPredicate, describeSchema, checkAttributes, systemFilters, isSystemFilter,
  canonicalUuid, compileSql, validateGrants, decide, explain, renderDiagnostic, EntitySet, Store, Decider,
} = bind(raw, exports);
