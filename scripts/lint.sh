#!/usr/bin/env bash
# The code's discipline, as CI holds it: formatted (rustfmt.toml), no clippy warning in either
# build (the default one, and the compact one the wasm module is: natively with the `compact`
# feature, and for wasm32 itself), every public item documented (missing_docs is a warning,
# so -D warnings refuses it), and documentation that builds without a warning.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

echo "== rustfmt"
cargo fmt --all --check
cargo fmt --check --manifest-path bench/native/Cargo.toml
cargo fmt --check --manifest-path fuzz/Cargo.toml

echo "== clippy (default build, compact build, wasm32)"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy --all-targets --features compact -- -D warnings
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
cargo clippy --target wasm32-unknown-unknown --lib -- -D warnings
cargo clippy --target wasm32-unknown-unknown --features service --lib --test wasm_node --test wasm_browser -- -D warnings

echo "== rustdoc"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet
