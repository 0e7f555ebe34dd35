// Edge entry of the service module (workerd / Cloudflare Workers): imported as a compiled
// WebAssembly.Module and instantiated synchronously, as the main module's edge entry is.
import wasmModule from '../gen/service/portcullis_bg.wasm';
import * as raw from '../gen/service/portcullis.js';
import { bind } from '../api.mjs';

const exports = raw.initSync({ module: wasmModule });

export const {
  parse, format, validate, matches, preview, previewPredicate, describeSchema, checkAttributes, systemFilters, isSystemFilter,
  canonicalUuid, compileSql, validateGrants, decide, explain, renderDiagnostic, EntitySet, Store, Decider,
} = bind(raw, exports);
