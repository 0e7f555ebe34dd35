// json-logic-js: each grant's filter as a JsonLogic rule (translated in bench/workload.mjs),
// applied to the entity's attributes. Grants, workspaces and actions: ./grants.mjs.
import jsonLogic from 'json-logic-js';
import { hostedEngine } from './grants.mjs';

export const name = 'json-logic-js';
export const pkg = 'json-logic-js';

const engine = hostedEngine((f) => {
  const rule = f.jsonlogic;
  return (attributes) => jsonLogic.apply(rule, attributes) === true;
});
export const { setup, decideOne, decideAll } = engine;
