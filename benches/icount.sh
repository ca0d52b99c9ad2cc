#!/usr/bin/env bash
# Instruction counts per call of every contender, under valgrind's callgrind: stable where
# timings on a shared 2-core machine are not. For each contender, Ir(N) - Ir(0) over N calls.
#
#   benches/icount.sh [N] [FILTER]     e.g. benches/icount.sh 2000 'sign|verify'
#
# Needs valgrind (apt-get install valgrind). Prints `contender  Ir/call`.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
filter=${2:-.}
command -v valgrind >/dev/null || { echo "icount.sh needs valgrind" >&2; exit 1; }
cargo build -q --release -p benches --bin icount
bin="${CARGO_TARGET_DIR:-target}/release/icount"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
ir() { # contender iterations -> total instructions
  valgrind --tool=callgrind --callgrind-out-file="$out/cg" "$bin" "$1" "$2" 2>"$out/log" >/dev/null
  sed -n 's/^==[0-9]*== Collected : //p' "$out/log"
}
"$bin" list | grep -E -- "$filter" | while read -r contender; do
  base=$(ir "$contender" 0)
  total=$(ir "$contender" "$n")
  printf '%-32s %10d\n' "$contender" $(( (total - base) / n ))
done
