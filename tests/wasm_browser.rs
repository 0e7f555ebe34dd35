//! wasm-bindgen tests in headless Chromium (chromedriver from Debian's chromium-driver).
#![cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
include!("wasm/common.rs");
