#!/usr/bin/env bash
# Cargo's runner for the firmware (set in each board's .cargo/config.toml): runs ELF on the
# emulated board, under a timeout, and exits with the firmware's verdict.
#
#   qemu-run.sh arm|riscv ELF
#
# QEMU runs with -icount shift=0 (exactly one instruction per nanosecond of virtual time), so runs
# are deterministic and the figures' timers count instructions. Semihosting carries the output
# and the exit status. The transcript must also match the case's golden output when there is one:
# expected/<case>.run, or what expected/<case>.py prints (from the test vectors' JSON).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
board=$1 elf=$2
timeout=${FIRMWARE_TIMEOUT:-120}
common=(-nographic -monitor none -serial none -semihosting-config enable=on,target=native -icount shift=0)
case $board in
  arm) qemu=(qemu-system-arm -cpu cortex-m4 -machine mps2-an386) ;;
  riscv) qemu=(qemu-system-riscv32 -machine virt -bios none) ;;
  *) echo "qemu-run.sh: unknown board $board" >&2; exit 2 ;;
esac
case_name=$(basename "$elf" | sed -E 's/-[0-9a-f]{16}$//')
transcript=$(mktemp)
trap 'rm -f "$transcript"' EXIT
status=0
timeout --kill-after=10 "$timeout" "${qemu[@]}" "${common[@]}" -kernel "$elf" | tee "$transcript" || status=$?
if [ "$status" -eq 124 ]; then
  echo "qemu-run.sh: $case_name did not finish within ${timeout}s" >&2
fi
[ "$status" -eq 0 ] || exit "$status"
expected=
if [ -f "$here/expected/$case_name.run" ]; then
  expected=$(cat "$here/expected/$case_name.run")
elif [ -f "$here/expected/$case_name.py" ]; then
  expected=$(python3 "$here/expected/$case_name.py")
fi
if [ -n "$expected" ] && ! diff <(printf '%s\n' "$expected") "$transcript" >&2; then
  echo "qemu-run.sh: $case_name's output differs from its golden output (above: < expected, > printed)" >&2
  exit 1
fi
