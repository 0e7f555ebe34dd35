#!/usr/bin/env bash
# Run the fuzz targets one after another, never two at once (the box is shared).
#
#   fuzz/run.sh [SECONDS] [TARGET...]      default: 240 s each; parse_text validate_json decide json_readers
#   fuzz/run.sh 30                         a smoke run of every target
#   fuzz/run.sh 120 bounds                 the 64 KiB bound runs (parse_text, validate_json)
#
# Seeds the corpora first (fuzz/seed_corpus.py), writes each run's log to fuzz/logs/, and prints
# libFuzzer's final figures. Stable Rust works: RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass
# -Zsanitizer=address. Exit status 1 when a run found a crash (see fuzz/artifacts/TARGET/).
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-240}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(parse_text validate_json decide json_readers)
export RUSTC_BOOTSTRAP=1
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
python3 seed_corpus.py --bounds
cargo fuzz build
mkdir -p logs
status=0
run() { # name target corpus extra-args...
  local name=$1 target=$2 corpus=$3
  shift 3
  local log=logs/$name.log
  # libFuzzer refuses a corpus folder that does not exist; the seeded ones do, the others
  # (structured or unseeded targets) start empty.
  mkdir -p "$corpus"
  echo "== $name: $secs s"
  if cargo fuzz run "$target" "$corpus" -- -max_total_time="$secs" -jobs=1 -workers=1 -print_final_stats=1 "$@" >"$log" 2>&1; then
    :
  else
    status=1
  fi
  rm -f fuzz-0.log
  grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|slowest_unit_time_sec|peak_rss_mb)|panicked at|^SUMMARY' "$log" || true
  if grep -q 'SUMMARY' "$log"; then status=1; fi
}
for t in "${targets[@]}"; do
  case $t in
    parse_text) run parse_text parse_text corpus/parse_text -dict=dict/filter.dict ;;
    validate_json) run validate_json validate_json corpus/validate_json -dict=dict/json.dict ;;
    decide) run decide decide corpus/decide ;;
    json_readers) run json_readers json_readers corpus/json_readers corpus/validate_json -dict=dict/json.dict -max_len=70000 ;;
    bounds)
      run parse_text_bounds parse_text corpus/parse_text_bounds -dict=dict/filter.dict -max_len=70000
      run validate_json_bounds validate_json corpus/validate_json_bounds -dict=dict/json.dict -max_len=70000
      ;;
    *) echo "unknown target $t" >&2; exit 2 ;;
  esac
done
exit $status
