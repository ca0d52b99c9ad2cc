#!/usr/bin/env bash
# Fuzzing in CI, in well under 15 minutes on 2 cores:
#   1. installs cargo-fuzz (pinned) when it is missing;
#   2. `cargo test` of this crate: the seed corpora match test-vectors/, every committed corpus
#      input and every regression input passes its target's checks (plain stable, debug);
#   3. builds the seven targets with AddressSanitizer (cargo-fuzz's default; it needs
#      RUSTC_BOOTSTRAP=1 on stable, set on these commands only). The core forbids unsafe code,
#      but httparse, sha2 and libFuzzer's glue do not;
#   4. replays every corpus with the instrumented binaries (-runs=0);
#   5. fuzzes each target for FUZZ_SECONDS (default 30) from its corpus. New inputs go to a
#      scratch directory, not into the committed corpus.
# A crash fails the run and leaves its input under $work/artifacts/<target>/ (printed).
set -euo pipefail
cd "$(dirname "$0")"
cargo_fuzz_version=0.13.1
seconds=${FUZZ_SECONDS:-30}
targets=(authorization x_date request_head sign_verify http_request payload_session payload_card)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
work=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-ci.XXXXXX")
step() { printf '\n--- fuzz: %s\n' "$*"; }

step "cargo-fuzz $cargo_fuzz_version"
if [ "$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz $cargo_fuzz_version" ]; then
  cargo install --locked --quiet cargo-fuzz --version "$cargo_fuzz_version"
fi
cargo fuzz --version

step "seeds are current; corpora and regressions pass (cargo test)"
cargo test --locked --quiet

step "build with AddressSanitizer"
RUSTC_BOOTSTRAP=1 cargo fuzz build --sanitizer address 2>&1 | tail -n 1
bin=$CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/release

failed=()
step "replay every corpus"
for t in "${targets[@]}"; do
  mkdir -p "$work/artifacts/$t"
  if "$bin/$t" -runs=0 -artifact_prefix="$work/artifacts/$t/" "corpus/$t" >"$work/$t.replay.log" 2>&1; then
    echo "$t: $(ls "corpus/$t" | wc -l) inputs replayed"
  else
    tail -n 30 "$work/$t.replay.log"; failed+=("$t (replay)")
  fi
done

step "fuzz each target for ${seconds}s"
for t in "${targets[@]}"; do
  mkdir -p "$work/new/$t"
  if "$bin/$t" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$work/artifacts/$t/" \
    "$work/new/$t" "corpus/$t" >"$work/$t.log" 2>&1; then
    execs=$(grep -oP 'stat::number_of_executed_units: *\K[0-9]+' "$work/$t.log" || echo '?')
    echo "$t: $execs executions in ${seconds}s, no crash"
  else
    tail -n 40 "$work/$t.log"
    echo "$t: CRASH; input(s): $(ls "$work/artifacts/$t/")" >&2
    failed+=("$t")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing failed: ${failed[*]}; artifacts in $work/artifacts" >&2
  exit 1
fi
rm -rf "$work"
echo "fuzz: all ${#targets[@]} targets replayed and fuzzed without a crash"
