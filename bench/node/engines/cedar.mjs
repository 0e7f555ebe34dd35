// @cedar-policy/cedar-wasm: the 20 grants as 20 permit policies (text from the workload),
// preparsed once (`preparsePolicySet`); each decision is `statefulIsAuthorized` with the entity
// (converted to Cedar's entity JSON, its workspace as parent) passed in the call, as a gateway
// would pass the entity it just fetched. The request's workspace travels in the context.
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';

export const name = '@cedar-policy/cedar-wasm (statefulIsAuthorized)';
export const pkg = '@cedar-policy/cedar-wasm';

const PSET = 'bench-policies';
let call;
let entities;

export function setup(data) {
  const r = cedar.preparsePolicySet(PSET, { staticPolicies: data.cedar.policies });
  if (r.type !== 'success') throw new Error(`cedar: preparsePolicySet: ${JSON.stringify(r.errors)}`);
  call = {
    principal: data.cedar.principal,
    action: data.cedar.action,
    resource: null,
    context: { workspace: data.workspace },
    preparsedPolicySetId: PSET,
    entities: null,
  };
  entities = data.entities;
}

const toCedar = (e) => ({
  uid: { type: 'Detail', id: e.id },
  attrs: { ...e.attributes, workspace_id: e.workspace_id },
  parents: [{ type: 'Workspace', id: e.workspace_id }],
});

export function decideOne(entity) {
  const answer = cedar.statefulIsAuthorized({ ...call, resource: { type: 'Detail', id: entity.id }, entities: [toCedar(entity)] });
  if (answer.type !== 'success') throw new Error(`cedar: ${JSON.stringify(answer.errors)}`);
  return answer.response.decision === 'allow';
}

export function decideAll() {
  let n = 0;
  for (const e of entities) if (decideOne(e)) n++;
  return n;
}
