#!/usr/bin/env bash
# Starts Envoy in the foreground (until killed) with envoy.yaml: it listens on 127.0.0.1:10000
# and forwards verified requests to the upstream you run at http://127.0.0.1:10001, with the
# demo key (username `demo`, secret `demo-secret-not-for-production`, SPEC §7).
#
#   bash gateways/envoy/run.sh
#
# Builds ingo_signer_envoy.wasm first if it is not there (ci.sh build). The secret reaches the
# filter through the environment, never through envoy.yaml: set INGO_SIGNER_DEMO_SECRET to use
# another one.
set -euo pipefail
cd "$(dirname "$0")"
[ -f ingo_signer_envoy.wasm ] || bash ./ci.sh build >&2
export INGO_SIGNER_DEMO_SECRET=${INGO_SIGNER_DEMO_SECRET:-demo-secret-not-for-production}
# Quiet start; the filter's own lines (configuration, refusals) at info.
exec envoy -c envoy.yaml --disable-hot-restart --log-level warn --component-log-level wasm:info
