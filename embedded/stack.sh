#!/usr/bin/env bash
# Peak stack use of verify (verify_head, update, finish on SPEC §7's Session Create request):
# signer-core/tests/verify_stack.rs, which measures it without unsafe code by binary-searching
# how deep a probe thread can descend before the work overflows its fixed stack (see that
# file). Four builds:
#   debug            the test profile
#   release          opt-level 3, sha2's default backends (SHA-NI / AVX2 detected at run time)
#   release-z        opt-level "z", as firmware and embedded/size.sh build it
#   firmware-like    opt-level "z" and sha2's compact software backend, the configuration that
#                    meets the 48 KiB code-size goal (what a microcontroller runs)
# The test fails if verify needs more than 8 KiB in any optimised build (64 KiB in debug).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-$PWD/target}
run() { # name, cargo flags, opt-level, rustflags, target dir
  echo "== $1"
  RUSTFLAGS="$4" CARGO_TARGET_DIR="$5" CARGO_PROFILE_RELEASE_OPT_LEVEL="$3" \
    cargo test --quiet --locked $2 -p ingo-signer-core --test verify_stack -- --nocapture --test-threads=1 \
    | grep -E 'peak stack|stack frame|test result'
}
run debug "" 3 "" "$target"
run release --release 3 "" "$target"
run release-z --release z "" "$target"
run firmware-like --release z '--cfg sha2_backend="soft" --cfg sha2_backend_soft="compact"' "$target/soft-compact"
