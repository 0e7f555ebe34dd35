//! Sets the `compact` cfg: the build tuned for code size rather than speed (see
//! `src/eval/tuning`). The wasm module is always compact; the `compact` feature selects it
//! natively too, so that the native tests can hold the compact code to the same answers.

fn main() {
    println!("cargo:rustc-check-cfg=cfg(compact)");
    println!("cargo:rerun-if-changed=build.rs");
    let wasm = std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|a| a == "wasm32");
    let feature = std::env::var_os("CARGO_FEATURE_COMPACT").is_some();
    if wasm || feature {
        println!("cargo:rustc-cfg=compact");
    }
}
