// The engine on workerd: the wasm package's workerd entry point, which imports the .wasm as a
// module. Embedded under the module name gateway/src/engine.mjs by gateway/workerd/config.capnp.
export * from '../../pkg/service/workerd.mjs';
