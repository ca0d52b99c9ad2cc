#!/usr/bin/env bash
# Starts nginx in the foreground with nginx.conf: 127.0.0.1:10002, verifying every request with
# the demo key (username `demo`, secret `demo-secret-not-for-production`, SPEC §7) in front of
# an upstream at http://127.0.0.1:10001 that you run. Stop it with Ctrl-C (or SIGTERM).
#
# Builds libingo_signer.so first when it is missing (set INGO_SIGNER_LIB to use another one).
# INGO_GATEWAY_LISTEN and INGO_GATEWAY_UPSTREAM (host:port) move the two addresses, e.g. for a
# test on free ports; the configuration is otherwise nginx.conf as it is.
# The runtime directory (logs, the key file, links to the library and the Lua module) is made
# afresh in a temporary directory and removed on exit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

lib=${INGO_SIGNER_LIB:-${CARGO_TARGET_DIR:-$root/target}/release/libingo_signer.so}
if [ ! -f "$lib" ]; then
  (cd "$root" && cargo build --release --locked -p ingo-signer-ffi)
fi

runtime=$(mktemp -d "${TMPDIR:-/tmp}/ingo-openresty.XXXXXX")
cleanup() { rm -rf "$runtime"; }
trap cleanup EXIT
mkdir -p "$runtime/lib" "$runtime/logs" "$runtime/secrets" "$runtime/tmp"
# Started as root, nginx's workers run as nobody: they may enter the runtime directory, never
# the secrets (only the master reads them, at start).
chmod 755 "$runtime"
chmod 700 "$runtime/secrets"
ln -s "$lib" "$runtime/lib/libingo_signer.so"
ln -s "$here/lib" "$runtime/lua"
# The demo key, as a secret mount would hold it: readable by this user only.
(umask 077 && printf '{"keys": [{"username": "demo", "secret": "demo-secret-not-for-production"}]}\n' \
  >"$runtime/secrets/keys.json")

listen=${INGO_GATEWAY_LISTEN:-127.0.0.1:10002}
upstream=${INGO_GATEWAY_UPSTREAM:-127.0.0.1:10001}
conf="$here/nginx.conf"
if [ "$listen" != 127.0.0.1:10002 ] || [ "$upstream" != 127.0.0.1:10001 ]; then
  conf="$runtime/nginx.conf"
  sed -e "s/listen 127\.0\.0\.1:10002;/listen $listen;/" \
      -e "s/server 127\.0\.0\.1:10001;/server $upstream;/" "$here/nginx.conf" >"$conf"
fi

echo "nginx on http://$listen -> http://$upstream (access log: $runtime/logs/access.log)" >&2
nginx -p "$runtime/" -c "$conf" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null || true' INT TERM
status=0
wait "$pid" || status=$?
if [ "$status" -gt 128 ]; then
  # The signal interrupted the wait: wait for nginx's own exit status.
  status=0
  wait "$pid" || status=$?
fi
exit "$status"
