// @marcbachmann/cel-js: each grant's filter parsed once (`parse(text)` returns an evaluator),
// run with the entity's attributes bound as `entity`. Grants, workspaces and actions: ./grants.mjs.
import { parse } from '@marcbachmann/cel-js';
import { hostedEngine } from './grants.mjs';

export const name = '@marcbachmann/cel-js';
export const pkg = '@marcbachmann/cel-js';

const engine = hostedEngine((f) => {
  const run = parse(f.cel);
  return (attributes) => run({ entity: attributes }) === true;
});
export const { setup, decideOne, decideAll } = engine;
