#!/usr/bin/env bash
# The long campaign behind the execution counts in README.md: each target for RUNS executions
# (default 10 million) without a sanitizer (`--sanitizer none`: plain stable, about 7x faster
# than AddressSanitizer; the core has no unsafe code for ASan to watch, and libFuzzer still
# catches panics, aborts, overflowed stacks, timeouts and runaway memory).
#
#   fuzz/campaign.sh [RUNS] [TARGET...]
#
# Works on a copy of each corpus under $FUZZ_WORK (default /tmp/fuzz-work), so that the
# committed corpus grows only when someone minimises the result into it (README.md says how).
# Prints one summary line per target: executions, seconds, exec/s, coverage, corpus size.
set -euo pipefail
cd "$(dirname "$0")"
export PATH="$HOME/.cargo/bin:$PATH"
runs=${1:-10000000}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(authorization x_date request_head sign_verify http_request payload_session payload_card)
work=${FUZZ_WORK:-/tmp/fuzz-work}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
cargo fuzz build --sanitizer none --release >/dev/null
bin="$CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/release"
for t in "${targets[@]}"; do
  mkdir -p "$work/$t" "$work/artifacts/$t"
  cp -n corpus/"$t"/* "$work/$t/" 2>/dev/null || true
  start=$(date +%s)
  nice -n 10 "$bin/$t" -runs="$runs" -print_final_stats=1 -artifact_prefix="$work/artifacts/$t/" \
    "$work/$t" >"$work/$t.log" 2>&1 || { echo "$t: FAILED, see $work/$t.log and $work/artifacts/$t/"; continue; }
  secs=$(( $(date +%s) - start ))
  execs=$(grep -oP 'stat::number_of_executed_units: *\K[0-9]+' "$work/$t.log")
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$work/$t.log" | tail -1)
  echo "$t: $execs executions in ${secs}s ($(( execs / (secs > 0 ? secs : 1) )) exec/s); ${done_line#*DONE }"
done
