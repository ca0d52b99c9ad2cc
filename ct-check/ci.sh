#!/usr/bin/env bash
# Constant-time check (dudect): times the verifier's MAC and digest comparisons through its
# public API on near-miss versus random candidates, and fails only on a clear leak: |t| > 10
# for a real bench, on two runs in a row (a leak is reproducible; the controls below sit in the
# hundreds every time, while a one-off spike from a busy machine is not). The control benches
# (a naive early-exit comparison after the same work) show the harness would see a leak at
# this noise level; they never fail CI.
#
# Then the answer to an unknown username against a wrong signature (issue 13): the dudect bench
# `unknown_username` is printed but not gated (it compares two code paths, one MAC each, whose
# few-nanosecond differences it can resolve); `username_icount.sh --check` fails unless the
# two cost the same instructions within 5 % for every store size, and `username_ratio` prints
# their times side by side.
#
#   ct-check/ci.sh                 # CT_SAMPLES=200000 per bench, a few seconds after the build
#   CT_SAMPLES=2000000 ct-check/ci.sh
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
export CT_SAMPLES=${CT_SAMPLES:-200000}
limit=${CT_LIMIT:-10}
cargo build --release --locked --quiet
bin=$CARGO_TARGET_DIR/release/ct-check

# Prints "name |t|" for each bench of a run.
run() {
  local out
  out=$("$bin" "$@")
  echo "$out" >&2
  [ "$(grep -c '^bench .* \.\.\. :' <<<"$out")" -ge 1 ] || { echo "no bench result" >&2; exit 1; }
  sed -nE 's/^bench ([a-z_]+) +\.\.\. : .*max t = [-+]?([0-9.]+),.*/\1 \2/p' <<<"$out"
}
over() { awk -v a="$1" -v l="$limit" 'BEGIN { exit !(a > l) }'; }

status=0
while read -r name t; do
  if [[ $name == control_* ]]; then
    over "$t" || echo "note: $name |t| = $t: the harness did not see the naive comparison this run (noisy machine?)"
  elif [[ $name == unknown_username ]]; then
    echo "reported: $name |t| = $t (two paths of one MAC each; judged on instructions below)"
  elif over "$t"; then
    echo "$name |t| = $t > $limit: running it again"
    read -r _ again < <(run --filter "$name")
    if over "$again"; then
      echo "FAIL: $name |t| = $t, then $again > $limit: its timing depends on how much of the candidate matches" >&2
      status=1
    else
      echo "ok: $name |t| = $again on the second run (first: $t)"
    fi
  else
    echo "ok: $name |t| = $t <= $limit"
  fi
done < <(run)

echo "unknown username against wrong signature, instructions per refusal:"
bash username_icount.sh 200 --check || status=1
echo "and times (interleaved, 10th percentiles):"
"$CARGO_TARGET_DIR/release/username_ratio" 1
exit $status
