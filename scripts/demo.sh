#!/usr/bin/env bash
# Build everything and start the demo: the sample data service, the gateway with a demo key,
# and the filter builder, all on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release
cargo build --release --example data-service
echo "== the CLI on the worked example"
echo 'project_type eq "typical" and tags intersects ["concrete"]' | ./target/release/portcullis check --entity-type detail
if [ -f gateway/demo.mjs ]; then
  exec node gateway/demo.mjs "$@"
fi
# Until the gateway's demo launcher lands: the builder, standalone, over its sample workspace.
(cd www && node tools/gen-sample.mjs >/dev/null)
echo "== filter builder (standalone) on http://127.0.0.1:8080/www/"
exec node www/serve.mjs "$@"
