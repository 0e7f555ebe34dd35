// The engine on Node: the wasm package's Node entry point. (workerd maps this module name to
// engine-workerd.mjs instead; see gateway/workerd/config.capnp.)
export * from '../../pkg/service/node.mjs';
