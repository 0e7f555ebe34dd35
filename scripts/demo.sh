#!/usr/bin/env bash
# Build everything and start the demo: the sample data service, the gateway with a demo key,
# and the filter builder, all on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# The engine, the CLI (`portcullis`) and the sample data service (`portcullis-data-service`).
cargo build --release --workspace
echo "== the CLI on the worked example"
echo 'project_type eq "typical" and tags intersects ["concrete"]' | ./target/release/portcullis check --entity-type detail
exec node gateway/demo.mjs "$@"
