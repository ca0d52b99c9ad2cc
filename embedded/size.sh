#!/usr/bin/env bash
# Code size of signing plus verifying, as firmware would link it.
#
# What it measures: no-std-proof (a #![no_std], allocator-free staticlib whose one exported
# function, ingo_proof_sign_verify, signs a request and verifies it head first, then the body
# streamed) built with its release profile: opt-level = "z", lto = true, codegen-units = 1,
# panic = "abort". The static library is linked with
#
#   gcc -nostdlib -static -Wl,--gc-sections -Wl,-e,ingo_proof_sign_verify \
#       -Wl,--unresolved-symbols=ignore-all
#
# so the entry point is that function and --gc-sections drops every section it cannot reach:
# what is left is the code sign + verify need, and nothing else (no std, no libc, no start-up
# code). The figure is the size of the .text section of that ELF (.rodata, the SHA round
# constants and the error texts, is printed beside it). Left unresolved, and not counted, are
# the memory routines the compiler calls: memcpy, memset and bcmp (the script lists them from
# the ELF); every platform supplies those (libc, newlib, picolibc, compiler-builtins) and most
# firmware already links them.
#
# It is built for the host (x86_64): no other target is installed here. On a Cortex-M the
# instructions are denser (Thumb-2), so treat the figures as an upper bound of the same code.
#
# One build per sha2 configuration (RUSTFLAGS --cfg, read by sha2 0.11; see README.md):
#   default           runtime-detected SHA-NI / AVX2 backends plus the unrolled software one
#   soft              sha2_backend="soft": software only, rounds unrolled
#   soft-compact      sha2_backend="soft" + sha2_backend_soft="compact": software only, rounds
#                     in a loop (what a microcontroller gets: it has none of the x86 backends)
#   compact-fallback  sha2_backend_soft="compact" alone: x86 backends kept, compact fallback
#
#   embedded/size.sh            # all four; exits 1 if soft-compact exceeds the 48 KiB goal
#   embedded/size.sh --split    # also sign alone and verify alone (no-std-proof's size-sign and
#                               # size-verify features, each its own build: twice as long)
set -euo pipefail
cd "$(dirname "$0")/.."
split=$([ "${1:-}" = --split ] && echo yes || echo no)
goal=$((48 * 1024))
base=${CARGO_TARGET_DIR:-$PWD/target}/embedded-size
entry=ingo_proof_sign_verify
configs=(
  "default|"
  "soft|--cfg sha2_backend=\"soft\""
  "soft-compact|--cfg sha2_backend=\"soft\" --cfg sha2_backend_soft=\"compact\""
  "compact-fallback|--cfg sha2_backend_soft=\"compact\""
)
header=$(printf '%-17s %8s %9s %8s  %-13s' configuration .text KiB .rodata "within 48 KiB")
[ $split = no ] || header+=$(printf ' %11s %13s' "sign alone" "verify alone")
echo "$header"
status=0
mkdir -p "$base"
: >"$base/unresolved.txt"
for config in "${configs[@]}"; do
  name=${config%%|*} flags=${config#*|}
  dir=$base/$name
  RUSTFLAGS="$flags" CARGO_TARGET_DIR=$dir \
    cargo build --quiet --release --locked --manifest-path no-std-proof/Cargo.toml
  elf=$dir/sign-verify.elf
  gcc -nostdlib -static -Wl,--gc-sections -Wl,-e,$entry -Wl,--unresolved-symbols=ignore-all \
    -o "$elf" "$dir/release/libno_std_proof.a"
  text=$(size -A "$elf" | awk '$1 == ".text" { print $2 }')
  rodata=$(size -A "$elf" | awk '$1 == ".rodata" { print $2 }')
  within=$([ "$text" -le "$goal" ] && echo yes || echo no)
  line=$(printf '%-17s %8d %9.1f %8d  %-13s' "$name" "$text" "$(awk -v t="$text" 'BEGIN { print t / 1024 }')" "$rodata" "$within")
  if [ $split = yes ]; then
    for role in sign verify; do
      RUSTFLAGS="$flags" CARGO_TARGET_DIR=$dir/$role \
        cargo build --quiet --release --locked --manifest-path no-std-proof/Cargo.toml --features size-$role
      gcc -nostdlib -static -Wl,--gc-sections -Wl,-e,ingo_proof_$role -Wl,--unresolved-symbols=ignore-all \
        -o "$dir/$role.elf" "$dir/$role/release/libno_std_proof.a"
      line+=$(printf ' %11d' "$(size -A "$dir/$role.elf" | awk '$1 == ".text" { print $2 }')")
    done
  fi
  echo "$line"
  if [ "$name" = soft-compact ] && [ "$within" = no ]; then status=1; fi
  nm -u "$elf" | awk '{ print $2 }' >>"$base/unresolved.txt"
done
echo "left unresolved (supplied by any platform, not counted): $(sort -u "$base/unresolved.txt" | tr '\n' ' ')"
[ $status -eq 0 ] || echo "soft-compact is over the 48 KiB goal" >&2
exit $status
