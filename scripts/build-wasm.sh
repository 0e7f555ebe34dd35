#!/usr/bin/env bash
# Build the wasm package into pkg/gen/ from a clean checkout. Installs what is missing: the
# wasm32 target, wasm-bindgen-cli at exactly the version in Cargo.lock, and binaryen's wasm-opt (from npm).
set -euo pipefail
cd "$(dirname "$0")/.."

rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

want=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "installing wasm-bindgen-cli $want (found: ${have:-none})"
  cargo install wasm-bindgen-cli --version "$want" --force
fi

# binaryen from npm, pinned in tools/package.json: Debian's wasm-opt (108) breaks the externref
# table wasm-bindgen emits.
[ -x tools/node_modules/.bin/wasm-opt ] || (cd tools && npm ci --silent --no-audit --no-fund)
WASM_OPT=tools/node_modules/.bin/wasm-opt

# Smaller still (about 14 KB gzipped less): rebuild std for the module with its size-optimised
# algorithms, and panics as bare traps with no formatting machinery (the module never unwinds
# anyway: panic = "abort"). These are nightly flags, enabled on the pinned stable compiler with
# RUSTC_BOOTSTRAP, and they need the rust-src component; where it cannot be installed, the
# plain build is used (the same behaviour, a larger module). Its own target dir, so the flags
# do not invalidate the rest of the build.
if rustup component list --installed 2>/dev/null | grep -q '^rust-src' || timeout 180 rustup component add rust-src >/dev/null 2>&1; then
  RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort" \
    cargo build --lib --target wasm32-unknown-unknown --profile wasm --target-dir target/wasm-std \
    -Z build-std=std,panic_abort -Z build-std-features=optimize_for_size
  module=target/wasm-std/wasm32-unknown-unknown/wasm/portcullis.wasm
else
  echo "note: rust-src is not available; building the module without rebuilding std" >&2
  cargo build --lib --target wasm32-unknown-unknown --profile wasm
  module=target/wasm32-unknown-unknown/wasm/portcullis.wasm
fi
rm -rf pkg/gen
wasm-bindgen --target web --no-typescript --out-dir pkg/gen --out-name portcullis "$module"
if [ -x "$WASM_OPT" ]; then
  # --converge: -Oz again until the module stops shrinking (a few hundred bytes more).
  "$WASM_OPT" -Oz --converge --strip-debug --strip-producers \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    pkg/gen/portcullis_bg.wasm -o pkg/gen/portcullis_bg.wasm
else
  echo "warning: wasm-opt not found; the package is built but not size-optimised" >&2
fi
raw=$(stat -c %s pkg/gen/portcullis_bg.wasm)
gz=$(gzip -9c pkg/gen/portcullis_bg.wasm | wc -c)
echo "pkg/gen/portcullis_bg.wasm: $raw bytes raw, $gz bytes gzipped"
