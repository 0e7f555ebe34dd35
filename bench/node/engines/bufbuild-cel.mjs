// @bufbuild/cel: each grant's filter planned once (`plan(celEnv(), parse(text))`), run with the
// entity's attributes bound as `entity`. Grants, workspaces and actions: ./grants.mjs.
import { celEnv, parse, plan } from '@bufbuild/cel';
import { hostedEngine } from './grants.mjs';

export const name = '@bufbuild/cel';
export const pkg = '@bufbuild/cel';

const env = celEnv();
const engine = hostedEngine((f) => {
  const run = plan(env, parse(f.cel));
  return (attributes) => run({ entity: attributes }) === true;
});
export const { setup, decideOne, decideAll } = engine;
