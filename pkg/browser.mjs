// Browser entry: fetch and instantiate the module (streaming where the server sends
// application/wasm) before anything is exported, using top-level await.
import * as raw from './gen/portcullis.js';
import { bind } from './api.mjs';

const exports = await raw.default({ module_or_path: new URL('./gen/portcullis_bg.wasm', import.meta.url) });

export const {
  parse, format, validate, matches, preview, previewPredicate, describeSchema, checkAttributes, systemFilters, isSystemFilter,
  canonicalUuid, compileSql, validateGrants, decide, explain, renderDiagnostic, EntitySet, Store, Decider,
} = bind(raw, exports);
