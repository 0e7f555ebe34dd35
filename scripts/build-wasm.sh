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

# Smaller still: rebuild std for the module with its size-optimised
# algorithms, and panics as bare traps with no formatting machinery (the module never unwinds
# anyway: panic = "abort"). These are nightly flags, enabled on the pinned stable compiler with
# RUSTC_BOOTSTRAP, and they need the rust-src component; where it cannot be installed, the
# plain build is used (the same behaviour, a larger module). Its own target dir, so the flags
# do not invalidate the rest of the build.
# Two modules: the main one (pkg/gen/), which every entry of the package loads and which a page
# downloads, and the service one (pkg/gen/service/, the `portcullis/service` entry), the same
# engine with the bindings only a service in front of the data needs (the `service` feature).
if rustup component list --installed 2>/dev/null | grep -q '^rust-src' || timeout 180 rustup component add rust-src >/dev/null 2>&1; then
  build() {
    RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort" \
      cargo build --lib --target wasm32-unknown-unknown --profile wasm --target-dir "target/wasm-std$2" \
      -Z build-std=std,panic_abort -Z build-std-features=optimize_for_size $1
    module="target/wasm-std$2/wasm32-unknown-unknown/wasm/portcullis.wasm"
  }
else
  echo "note: rust-src is not available; building the module without rebuilding std" >&2
  build() {
    cargo build --lib --target wasm32-unknown-unknown --profile wasm --target-dir "target/wasm$2" $1
    module="target/wasm$2/wasm32-unknown-unknown/wasm/portcullis.wasm"
  }
fi

# emit OUT_DIR: the module built last, bound for JavaScript and size-optimised into OUT_DIR.
emit() {
  rm -rf "$1"
  wasm-bindgen --target web --no-typescript --out-dir "$1" --out-name portcullis "$module"
  if [ -x "$WASM_OPT" ]; then
    # --converge: -Oz again until the module stops shrinking (a few hundred bytes more).
    "$WASM_OPT" -Oz --converge --strip-debug --strip-producers \
      --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
      --enable-mutable-globals --enable-reference-types --enable-multivalue \
      "$1/portcullis_bg.wasm" -o "$1/portcullis_bg.wasm"
  else
    echo "warning: wasm-opt not found; the package is built but not size-optimised" >&2
  fi
  raw=$(stat -c %s "$1/portcullis_bg.wasm")
  gz=$(gzip -9c "$1/portcullis_bg.wasm" | wc -c)
  echo "$1/portcullis_bg.wasm: $raw bytes raw, $gz bytes gzipped"
}

# The service module first: pkg/gen/ is emitted whole, with the service module inside it.
build "--features service" "-service"
emit pkg/gen-service
build "" ""
emit pkg/gen
mv pkg/gen-service pkg/gen/service
