// Node entry of the service module: the engine with the bindings a service in front of the data
// needs (see src/wasm/service.rs). Read from disk and instantiated synchronously.
import { readFileSync } from 'node:fs';
import * as raw from '../gen/service/portcullis.js';
import { bind } from '../api.mjs';

const exports = raw.initSync({ module: readFileSync(new URL('../gen/service/portcullis_bg.wasm', import.meta.url)) });

export const {
  parse, format, validate, matches, preview, previewPredicate, describeSchema, checkAttributes, systemFilters, isSystemFilter,
  canonicalUuid, compileSql, validateGrants, decide, explain, renderDiagnostic, EntitySet, Store, Decider,
} = bind(raw, exports);
