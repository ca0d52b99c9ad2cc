#!/usr/bin/env bash
# Code size of signing plus verifying on the real instruction sets: embedded/size.sh's
# measurement (which is x86_64's), made for the microcontroller targets.
#
# no-std-proof (a #![no_std], allocator-free staticlib whose ingo_proof_sign_verify signs a
# request and verifies it, head first, then the body streamed) is built with its release profile
# (opt-level "z", LTO, one codegen unit, panic=abort) for each target, and linked with
#
#   ld.lld-22 --gc-sections -e ingo_proof_sign_verify
#
# so what is left is the code sign + verify need and nothing else (no runtime, no vector table).
# Unlike on x86_64 the memory routines (memcpy, memset, memcmp) are counted: compiler_builtins
# supplies them from the same archive, as it does in a firmware.
#
# sha2 0.11 picks its backend from --cfg flags (embedded/README.md): "compact" is
# sha2_backend="soft" + sha2_backend_soft="compact" (the rounds in a loop), what the firmware
# crates use; "default" is sha2's own choice, which on these targets is the unrolled software
# backend. Default is measured on the two targets the tests run on.
#
#   firmware/size.sh [TARGET...]    # needs cross_std's sysroot for each target (ci.sh builds it)
#
# Prints `size <target> <config> <.text> <.rodata>` lines and a table; exits 1 if thumbv7em's
# compact build exceeds the 24 KiB code goal.
set -euo pipefail
cd "$(dirname "$0")/.."
. .ci/cross-toolchain.sh
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(thumbv7em-none-eabihf thumbv6m-none-eabi riscv32imac-unknown-none-elf riscv32imc-unknown-none-elf)
goal=$((24 * 1024))
base=${CARGO_TARGET_DIR:-$PWD/target}
out=$base/firmware-size
mkdir -p "$out"
rm -f "$out/sizes.txt.new" # a run stopped half-way leaves one
cross_std "${targets[@]}" >&2
compact=(--cfg 'sha2_backend="soft"' --cfg 'sha2_backend_soft="compact"')
status=0
printf '%-30s %-8s %8s %8s %6s\n' target sha2 .text .rodata KiB
for target in "${targets[@]}"; do
  configs=(compact)
  case $target in thumbv7em-none-eabihf | riscv32imac-unknown-none-elf) configs+=(default) ;; esac
  for config in "${configs[@]}"; do
    flags=()
    [ "$config" = default ] || flags=("${compact[@]}")
    var=CARGO_TARGET_$(echo "$target" | tr 'a-z-' 'A-Z_')_RUSTFLAGS
    env "$var=${flags[*]}" bash -c '. .ci/cross-toolchain.sh; cross_cargo build --quiet --release --locked \
      --manifest-path no-std-proof/Cargo.toml --target "$1"' _ "$target"
    elf=$out/$target-$config.elf
    ld.lld-22 --gc-sections -e ingo_proof_sign_verify -o "$elf" "$base/$target/release/libno_std_proof.a"
    text=$(size -A "$elf" | awk '$1 == ".text" { print $2 }')
    rodata=$(size -A "$elf" | awk '$1 == ".rodata" { print $2 + 0 }')
    printf '%-30s %-8s %8d %8d %6.1f\n' "$target" "$config" "$text" "${rodata:-0}" "$(awk -v t="$text" 'BEGIN { print t / 1024 }')"
    echo "size $target $config $text ${rodata:-0}" >>"$out/sizes.txt.new"
    if [ "$target-$config" = thumbv7em-none-eabihf-compact ] && [ "$text" -gt "$goal" ]; then
      echo "thumbv7em compact: .text $text is over the 24 KiB goal" >&2
      status=1
    fi
  done
done
mv "$out/sizes.txt.new" "$out/sizes.txt"
exit $status
