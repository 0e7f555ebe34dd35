#!/usr/bin/env bash
# Run every test: the crate (unit, integration, property and doc tests), the wasm package in
# Node and headless Chromium, the native/wasm differential on the project's own cases, the
# gateway on Node and workerd, and the builder in a real browser.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --browser --postgres

# The main module's budget, which every change shares: under 100 KB gzipped.
gz=$(gzip -9c pkg/gen/portcullis_bg.wasm | wc -c)
echo "== the main wasm module: $gz bytes gzipped (budget 100,000)"
[ "$gz" -lt 100000 ] || { echo "the main wasm module is over its budget" >&2; exit 1; }

echo "== cargo test (unit, integration, property, doc)"
cargo test --release
echo "== the push-down back ends against the engine (SQLite, and PostgreSQL in throwaway clusters)"
cargo test --release -p portcullis-backends
echo "== the sample data service on SQLite and PostgreSQL (a throwaway cluster)"
cargo test --release -p portcullis-data-service
echo "== the example service: the crate protecting GET /details over real HTTP"
cargo test --release -p portcullis-example-service
echo "== cargo test, the compact build (the wasm module's evaluator, run natively)"
cargo test --release --features compact --lib --tests

echo "== wasm-bindgen tests in Node and headless Chromium"
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
# The runner writes CommonJS into $TMPDIR; a stray package.json with "type": "module" above it
# would make Node reject it, so give it a folder of its own that says CommonJS.
mkdir -p target/wasm-test-tmp && echo '{"type": "commonjs"}' > target/wasm-test-tmp/package.json
export TMPDIR="$PWD/target/wasm-test-tmp"
cargo test --target wasm32-unknown-unknown --features service --test wasm_node
CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --features service --test wasm_browser
unset CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER TMPDIR

# TypeScript and @types/node (pinned in tests/types/), and the package linked as `portcullis`
# there and in the Node server example: installed when missing or behind their lock files.
for dir in tests/types examples/node-server; do
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "== npm ci in $dir"
    (cd "$dir" && npm ci --silent --no-audit --no-fund)
  fi
done
echo "== the package's types under tsc --strict (tests/types: usage compiles, misuse does not; the Node server example checked as JavaScript)"
tests/types/node_modules/.bin/tsc -p tests/types

echo "== the package's JavaScript API in Node (and the Node server example over real HTTP)"
node --test tests/pkg/

echo "== own conformance cases, native and wasm (the differential check)"
cargo run --release --quiet -p portcullis-backends --bin portcullis -- conformance tests/cases/*.json
node tests/conformance.mjs tests/cases/*.json

echo "== gateway (Node on its embedded SQLite store, workerd on Durable Objects)"
cargo build --release -p portcullis-data-service
(cd gateway && npm test)
echo "== gateway again, Node on PostgreSQL (a throwaway cluster per test file)"
(cd gateway && GATEWAY_STORE=postgres npm test)

echo "== filter builder in Chromium"
(cd www && npm test)
