//! wasm-bindgen tests in Node (`scripts/test.sh` runs them with wasm-bindgen-test-runner).
#![cfg(target_arch = "wasm32")]
include!("wasm/common.rs");
