#!/usr/bin/env bash
# CI for firmware/: signer-core on the instruction sets it claims, under QEMU, and as WebAssembly.
#
# Installs Debian's cross toolchain if it is missing (.ci/cross-toolchain.sh: rustc-web, lld-22,
# QEMU, wasi-libc), builds `core` (and `std` for WASI) once per target into a sysroot
# (`cross_std`), then:
#   1. the firmware tests: SPEC §7's known answers and every vector of test-vectors/, one-shot
#      and streamed, on an emulated Cortex-M4F (mps2-an386) and RV32IMAC (virt), by `cargo test`
#      in each board's crate (QEMU, under a timeout, is cargo's runner; its exit status is the
#      verdict, and the transcript must match expected/);
#   2. the negative control: with one expectation deliberately wrong, each board must fail, by
#      its own verdict (QEMU's exit status 1) and naming the check;
#   3. the figures: peak stack (painted) and instructions (QEMU icount) of sign and verify on
#      each chip, code size per target and sha2 configuration (size.sh; it also builds for
#      thumbv6m and riscv32imc, which only build), and the smallest Cortex-M4F part that fits;
#      it fails above the goals (8 KiB of stack, 24 KiB of code on thumbv7em);
#   4. the no-std proof on thumbv7em: its sysroot has only `core`, so std or alloc cannot link;
#   5. WebAssembly: the no_std wasm32-unknown-unknown module (size, no imports, SPEC §7 through
#      it in Node), and the core's own test suite on wasm32-wasip1 under Node's WASI.
#
# Three lanes run side by side, each in a target dir of its own (cargo locks a target dir), so
# that both cores work: the WASI suite from the start; the sizes and the wasm module once the
# boards' `core` is built; the boards' tests, controls and figures in the foreground.
# Everything lands under $CARGO_TARGET_DIR (default: target/).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export CARGO_TERM_COLOR=never
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
export CROSS_STD_DIR=$CARGO_TARGET_DIR/cross-std
work=$CARGO_TARGET_DIR/firmware-ci
rm -rf "$work" && mkdir -p "$work"
started=$SECONDS
step() { printf '\n--- firmware (%ds): %s\n' $((SECONDS - started)) "$*"; }

step "toolchain (Debian's rustc-web, lld-22, QEMU, wasi-libc; installed only if missing)"
node --version

. .ci/cross-toolchain.sh && cross_toolchain_install

# The core's test suite on wasm32-wasip1, under Node's WASI (firmware/wasip1/run.mjs), in the
# background. Its dependencies are optimised (opt-level 1: proptest's generators run ten times
# faster), the core itself is a debug build, with its overflow checks.
wasip1_suite() {
  export CARGO_TARGET_DIR=$CARGO_TARGET_DIR/wasip1
  CROSS_STD_CRATES=std,panic_abort,test cross_std wasm32-wasip1
  cross_cargo test --locked -p ingo-signer-core --target wasm32-wasip1 --tests \
    --config 'profile.dev.package."*".opt-level = 1' \
    --config 'target.wasm32-wasip1.linker = "wasm-ld-22"' \
    --config "target.wasm32-wasip1.runner = ['node', '$root/firmware/wasip1/run.mjs']" \
    --config "target.wasm32-wasip1.rustflags = ['-C', 'link-self-contained=no', '-L', 'native=/usr/lib/wasm32-wasi', '-C', 'link-arg=/usr/lib/wasm32-wasi/crt1-command.o', '-C', 'link-arg=--allow-undefined-file=$root/firmware/wasip1/undefined.txt']"
}
wasip1_suite >"$work/wasip1.log" 2>&1 &
wasip1_pid=$!
kill_tree() { # pid: it and everything it started (cargo, rustc, node)
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do kill_tree "$child"; done
  kill "$1" 2>/dev/null || true
}
sizes_pid=
trap 'kill_tree $wasip1_pid; [ -z "$sizes_pid" ] || kill_tree $sizes_pid' EXIT

step "Cortex-M4F and RV32IMAC: SPEC §7's known answers and every test vector on the emulated chips"
# The commands of firmware/README.md and README.md, as they give them.
cross_std thumbv7em-none-eabihf riscv32imac-unknown-none-elf

# The second lane, now that the boards' `core` is built (cross_std builds each target once; it
# builds thumbv6m's, riscv32imc's and wasm32's here): code sizes (size.sh; it also builds for
# thumbv6m and riscv32imc, which only build) and the no_std wasm module.
sizes_dir=$CARGO_TARGET_DIR/sizes
wasm_module=$sizes_dir/wasm32-unknown-unknown/release/firmware_wasm.wasm
sizes_lane() {
  export CARGO_TARGET_DIR=$sizes_dir
  bash firmware/size.sh >"$work/sizes.txt"
  cross_std wasm32-unknown-unknown
  (cd firmware/wasm && cross_cargo build --release --locked)
}
sizes_lane >"$work/sizes.log" 2>&1 &
sizes_pid=$!
(cd firmware/cortex-m && cross_cargo test --release --locked)
(cd firmware/riscv && cross_cargo test --release --locked)
boards=(cortex-m riscv)

for board in "${boards[@]}"; do
  step "$board: negative control: one known answer and one vector's kind deliberately wrong"
  if (cd firmware/$board && cross_cargo test --release --locked --no-fail-fast --features wrong-expectation) \
    >"$work/$board-negative.log" 2>&1; then
    cat "$work/$board-negative.log"
    echo "the negative control passed: the harness cannot fail" >&2
    exit 1
  fi
  # Each failure must be the firmware's own verdict (QEMU exited 1), naming the wrong check.
  for expected in '^FAIL spec-7 session create: hmac-sha512 headers: content-sha512 ' \
    '^FAIL reject [^ ]+ [^ ]+: got [^ ]+ \([0-9]+\), expected [^ ]+' \
    'known_answers-[0-9a-f]+` \(exit status: 1\)' 'vectors-[0-9a-f]+` \(exit status: 1\)'; do
    grep -qE -- "$expected" "$work/$board-negative.log" || {
      cat "$work/$board-negative.log"
      echo "negative control: no line matching $expected" >&2
      exit 1
    }
  done
  grep -E '^FAIL' "$work/$board-negative.log"
  echo "as intended, both cases fail on the chip"
done

for board in "${boards[@]}"; do
  step "$board: figures (peak stack by painting, instructions by QEMU icount)"
  (cd firmware/$board && cross_cargo run --release --locked --bin figures) | tee "$work/$board-figures.txt"
done


step "no-std proof on thumbv7em: the sysroot has core only; std or alloc cannot link"
for case in "leak-std:can't find crate for \`std\`" "leak-alloc:can't find crate for \`alloc\`"; do
  leak=${case%%:*} reason=${case#*:}
  if out=$(cross_cargo build --release --locked --manifest-path no-std-proof/Cargo.toml \
    --target thumbv7em-none-eabihf --features "$leak" 2>&1); then
    echo "no_std proof is broken: the thumbv7em build with --features $leak succeeded" >&2
    exit 1
  fi
  grep -qF -- "$reason" <<<"$out" || {
    echo "$out" >&2
    echo "--features $leak failed, but not with: $reason" >&2
    exit 1
  }
  echo "as intended, --features $leak fails: $reason"
done

step "code size of sign + verify per target and sha2 configuration; the wasm module (running since the boards' core was built)"
if ! wait "$sizes_pid"; then
  cat "$work/sizes.log" "$work/sizes.txt"
  echo "the code sizes or the wasm module failed (above)" >&2
  exit 1
fi
sizes_pid=
cat "$work/sizes.txt"

step "WebAssembly: the no_std module (wasm32-unknown-unknown): no imports, its size, SPEC §7 through it"
node firmware/wasm/check.mjs "$wasm_module" | tee "$work/wasm.txt"

step "the core's test suite on wasm32-wasip1 under Node's WASI (running since the start)"
if ! wait "$wasip1_pid"; then
  cat "$work/wasip1.log"
  echo "the core's test suite failed on wasm32-wasip1" >&2
  exit 1
fi
trap - EXIT
grep -E '^(     Running|test result)' "$work/wasip1.log"
results=$(grep -c '^test result: ok' "$work/wasip1.log")
passed=$(grep -oE '^test result: ok\. [0-9]+ passed' "$work/wasip1.log" | awk '{ n += $4 } END { print n }')
echo "wasm32-wasip1: $results test binaries, $passed tests passed"

step "figures"
figure() { # file key -> N, from the line `key: N ...`
  awk -v k="$2: " 'index($0, k) == 1 { print substr($0, length(k) + 1) + 0; exit }' "$1"
}
size_of() { # target config field(3 = .text, 4 = .rodata)
  awk -v t="$1" -v c="$2" -v f="$3" '$1 == "size" && $2 == t && $3 == c { print $(f + 1) }' \
    "$sizes_dir/firmware-size/sizes.txt"
}
arm=$work/cortex-m-figures.txt rv=$work/riscv-figures.txt
printf '%-44s %14s %14s\n' "" "Cortex-M4F" "RV32IMAC"
for key in "stack sign" "stack verify" "stack verify-one-shot" "instructions sign" \
  "instructions verify" "instructions verify-one-shot"; do
  printf '%-44s %14s %14s\n' "$key" "$(figure "$arm" "$key")" "$(figure "$rv" "$key")"
done
for config in compact default; do
  printf '%-44s %14s %14s\n' "sign+verify .text, sha2 $config" \
    "$(size_of thumbv7em-none-eabihf $config 3)" "$(size_of riscv32imac-unknown-none-elf $config 3)"
  printf '%-44s %14s %14s\n' "sign+verify .rodata, sha2 $config" \
    "$(size_of thumbv7em-none-eabihf $config 4)" "$(size_of riscv32imac-unknown-none-elf $config 4)"
done
printf '%-44s %14s %14s\n' "sign+verify .text, sha2 compact, thumbv6m (M0) / riscv32imc" \
  "$(size_of thumbv6m-none-eabi compact 3)" "$(size_of riscv32imc-unknown-none-elf compact 3)"
echo "wasm32 module (sign + verify, no imports): $(grep -oE 'module: .*' "$work/wasm.txt")"

# The smallest Cortex-M4F part: flash for sign + verify's code and constants, RAM for the
# deeper of the two stacks plus the key it holds.
flash=$(($(size_of thumbv7em-none-eabihf compact 3) + $(size_of thumbv7em-none-eabihf compact 4)))
stack=$(figure "$arm" "stack sign")
[ "$(figure "$arm" "stack verify")" -le "$stack" ] || stack=$(figure "$arm" "stack verify")
ram=$((stack + $(figure "$arm" "size SigningKey")))
part=$(while read -r kib_flash kib_ram name; do
  if [ $((kib_flash * 1024)) -ge "$flash" ] && [ $((kib_ram * 1024)) -ge "$ram" ]; then
    echo "$kib_flash KiB flash, $kib_ram KiB RAM ($name)"
    break
  fi
done <firmware/cortex-m4f-parts.txt)
echo "Cortex-M4F: sign + verify need $flash bytes of flash and $ram bytes of RAM ($stack of stack, one key);"
echo "the smallest Cortex-M4F configuration they fit: ${part:-none listed}"
step "done in $((SECONDS - started)) s"
