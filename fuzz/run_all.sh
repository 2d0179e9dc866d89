#!/usr/bin/env bash
# Builds the fuzz targets once, then runs each in turn (one fuzzer process
# at a time) for SECONDS_PER_TARGET seconds (default 600), logging to LOGDIR
# (default /tmp/fuzzlogs). Runs the built binaries directly: `cargo fuzz
# run` would rebuild linklens whenever a source changed mid-session.
# Crash inputs land in fuzz/artifacts/<target>/; copy them to
# fuzz/regressions/<target>/ so tests/fast/fuzz_corpus.rs replays them.
set -uo pipefail
cd "$(dirname "$0")"
secs=${SECONDS_PER_TARGET:-600}
logs=${LOGDIR:-/tmp/fuzzlogs}
mkdir -p "$logs"
[ "${SKIP_BUILD:-0}" = 1 ] || cargo +nightly fuzz build || exit 1
bin=target/x86_64-unknown-linux-gnu/release
for t in ${TARGETS:-header inspect modfiles flags constraint profiles}; do
  mkdir -p "corpus/$t" "artifacts/$t"
  echo "$(date -u +%T) start $t" >> "$logs/summary"
  "$bin/$t" "corpus/$t" -max_total_time="$secs" -print_final_stats=1 \
    -artifact_prefix="artifacts/$t/" > "$logs/$t.log" 2>&1
  echo "$(date -u +%T) end $t rc=$? $(grep -E '^stat::number_of_executed_units' "$logs/$t.log")" >> "$logs/summary"
done
