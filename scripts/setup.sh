#!/usr/bin/env bash
# Shared set-up for the README's commands: installs only what is missing.
#   scripts/setup.sh [--browser] [--postgres]
#     --browser: also Debian's chromium and chromium-driver
#     --postgres: also Debian's postgresql (the tests start throwaway clusters of their own)
set -euo pipefail
cd "$(dirname "$0")/.."

browser=; postgres=
for arg in "$@"; do
  case "$arg" in
    --browser) browser=1 ;;
    --postgres) postgres=1 ;;
  esac
done

if [ -n "$browser" ] && { ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; }; then
  echo "== installing Debian's chromium and chromium-driver"
  sudo_=""; [ "$(id -u)" -eq 0 ] || sudo_="sudo"
  $sudo_ apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq chromium chromium-driver >/dev/null
fi

if [ -n "$postgres" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "== installing Debian's postgresql"
  sudo_=""; [ "$(id -u)" -eq 0 ] || sudo_="sudo"
  $sudo_ apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq postgresql >/dev/null
fi

# The wasm package (installs the wasm32 target, the pinned wasm-bindgen-cli and wasm-opt).
if [ ! -f pkg/gen/portcullis_bg.wasm ] || [ ! -f pkg/gen/service/portcullis_bg.wasm ] \
  || [ -n "$(find src build.rs Cargo.toml Cargo.lock -newer pkg/gen/portcullis_bg.wasm -print -quit)" ]; then
  echo "== building the wasm package"
  scripts/build-wasm.sh
fi

for dir in gateway www; do
  if [ -f "$dir/package-lock.json" ] && { [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; }; then
    echo "== npm ci in $dir"
    (cd "$dir" && npm ci --silent --no-audit --no-fund)
  fi
done
