#!/usr/bin/env bash
# Instructions per refusal of an unknown username and of a wrong signature, for each store of
# src/bin/username_ratio.rs, under valgrind's callgrind: (Ir(N) - Ir(0)) / N. Exact, where
# timings on a shared machine are not. With --check, fails unless unknown/wrong stays within
# 1 +- CT_USERNAME_TOLERANCE (default 0.05) for the one-key store and for the 1,000- and
# 10,000-key stores: an unknown username costs one MAC, as a one-key username does, and the
# store's size shows no more for a miss than for a hit. (The rotation row, a username with two
# keys, costs two MACs; it is printed, not judged.)
#
#   ct-check/username_icount.sh [N] [--check]      # N refusals per count, default 200
set -euo pipefail
cd "$(dirname "$0")"
n=${1:-200}
check=${2:-}
tolerance=${CT_USERNAME_TOLERANCE:-0.05}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
if ! command -v valgrind >/dev/null; then
  apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends valgrind >/dev/null
fi
cargo build --release --locked --quiet --bin username_ratio
bin=$CARGO_TARGET_DIR/release/username_ratio
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
ir() { # case store iterations -> total instructions
  valgrind --tool=callgrind --callgrind-out-file="$out/cg" "$bin" count "$1" "$2" "$3" 2>"$out/log" >/dev/null
  sed -n 's/^==[0-9]*== Collected : //p' "$out/log"
}
echo "| store | unknown username, Ir/call | wrong signature, Ir/call | unknown/wrong |"
echo "|---|---:|---:|---:|"
labels=("1 key, slice" "1 key, store with a stand-in" "1 username, 2 keys (rotation)" "1,000 keys, slice" "10,000 keys, slice")
status=0
for store in 0 1 2 3 4; do
  per_call=()
  for case in unknown wrong; do
    base=$(ir "$case" "$store" 0)
    total=$(ir "$case" "$store" "$n")
    per_call+=($(( (total - base) / n )))
  done
  ratio=$(awk -v a="${per_call[0]}" -v b="${per_call[1]}" 'BEGIN { printf "%.3f", a / b }')
  echo "| ${labels[$store]} | ${per_call[0]} | ${per_call[1]} | $ratio |"
  if [[ $check == --check && $store != 2 ]] &&
    awk -v r="$ratio" -v t="$tolerance" 'BEGIN { exit !(r < 1 - t || r > 1 + t) }'; then
    echo "FAIL: ${labels[$store]}: an unknown username costs $ratio times a wrong signature (allowed: 1 +- $tolerance)" >&2
    status=1
  fi
done
exit $status
