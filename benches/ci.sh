#!/usr/bin/env bash
# CI: build every benchmark and run each one briefly (figures are not judged here), then check
# that every result the contract names was written to target/criterion/.
#
# Needs, besides Rust crates: a C compiler (ring) and OpenSSL's headers with pkg-config (the
# openssl crate behind ingo-signer's `openssl-backend`). It installs nothing; it checks they are
# there and says what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v cc >/dev/null || missing+=("a C compiler (cc)")
command -v pkg-config >/dev/null || missing+=("pkg-config")
pkg-config --exists openssl 2>/dev/null || missing+=("OpenSSL headers (libssl-dev)")
if ((${#missing[@]})); then
  printf 'benches/ci.sh: missing %s\n' "${missing[@]}" >&2
  exit 1
fi

# Short runs: 10 samples in 0.2 s after 0.1 s of warm-up; about half a minute for all of them.
cargo bench --locked -p benches -- --warm-up-time 0.1 --measurement-time 0.2 --sample-size 10

# The contract: these results must exist (the issue names group/function/parameter).
target="${CARGO_TARGET_DIR:-target}/criterion"
expected=(
  sign/{ingo,lower-bound,naive-std,http-sig}/470
  verify/{ingo,lower-bound}/470
  digest/{ingo,sha2-raw,ring}/{64,470,4096,65536,1048576}
  parse/{authorization,x-date}/seed
  validate/{session-create,push-to-card}/seed
)
passed=0 failed=0
for id in "${expected[@]}"; do
  if [[ -s "$target/$id/new/estimates.json" ]]; then
    passed=$((passed + 1))
  else
    echo "missing result: $target/$id/new/estimates.json" >&2
    failed=$((failed + 1))
  fi
done
echo "benchmark results: $passed passed, $failed failed"
((failed == 0))
