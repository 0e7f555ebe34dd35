// Node entry: read the module from disk and instantiate it synchronously.
import { readFileSync } from 'node:fs';
import * as raw from './gen/portcullis.js';
import { bind } from './api.mjs';

const exports = raw.initSync({ module: readFileSync(new URL('./gen/portcullis_bg.wasm', import.meta.url)) });

export const {
  parse, format, validate, matches, preview, previewPredicate, describeSchema, checkAttributes, systemFilters, isSystemFilter,
  canonicalUuid, compileSql, validateGrants, decide, explain, renderDiagnostic, EntitySet, Store, Decider,
} = bind(raw, exports);
