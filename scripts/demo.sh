#!/usr/bin/env bash
# Build everything and start the demo: the sample data service, the gateway with a demo key,
# and the filter builder, all on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release --workspace
cargo build --release --example data-service
echo "== the CLI on the worked example"
echo 'project_type eq "typical" and tags intersects ["concrete"]' | ./target/release/portcullis check --entity-type detail
exec node gateway/demo.mjs "$@"
