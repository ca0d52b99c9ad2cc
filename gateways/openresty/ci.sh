#!/usr/bin/env bash
# CI for gateways/openresty (the nginx / OpenResty module). Run from anywhere:
#   bash gateways/openresty/ci.sh
# Installs what it needs only if missing (Debian's nginx 1.22 and Lua module, lua-cjson,
# luacheck; pytest and h2 from PyPI, pinned), builds libingo_signer.so, checks the generated
# cdefs against the C header, lints the Lua, runs the suite against real nginx (every test
# vector, the gateway cases, a load run), shows the suite can fail, and runs README's example
# (run.sh) as written.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PYTHONDONTWRITEBYTECODE=1

PYTEST_VERSION=8.4.2
H2_VERSION=4.1.0
here=gateways/openresty

started=$SECONDS
step() { printf '\n=== openresty: %s (at %d s)\n' "$*" "$((SECONDS - started))"; }

step "packages (installed only if missing)"
need=()
for pkg in nginx-core libnginx-mod-http-lua lua-cjson lua-check; do
  # Installed, not merely known (a removed package keeps a status entry).
  [ "$(dpkg-query -W -f '${Status}' "$pkg" 2>/dev/null)" = "install ok installed" ] ||
    need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get -o DPkg::Lock::Timeout=900 update -qq
  apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
python3 -m pytest --version >/dev/null 2>&1 ||
  python3 -m pip install --quiet --disable-pip-version-check "pytest==$PYTEST_VERSION"
python3 -c "import h2" 2>/dev/null ||
  python3 -m pip install --quiet --disable-pip-version-check "h2==$H2_VERSION"
nginx -v 2>&1
echo "lua module $(dpkg-query -W -f '${Version}' libnginx-mod-http-lua)"

step "libingo_signer.so (release)"
cargo build --release --locked -p ingo-signer-ffi
target_dir=$(cargo metadata --format-version 1 --no-deps --locked |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
export INGO_SIGNER_LIB="$target_dir/release/libingo_signer.so"
ls -l "$INGO_SIGNER_LIB"

step "the cdefs are what tools/gen_cdefs.py makes of signer-ffi/include/ingo_signer.h"
python3 "$here/tools/gen_cdefs.py" --check
# The check must be able to fail: a header with one more constant makes the cdefs stale.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed 's/^#define INGO_ABI_VERSION .*$/&\n#define INGO_NEGATIVE_CONTROL 1/' \
  signer-ffi/include/ingo_signer.h >"$work/ingo_signer.h"
! cmp -s signer-ffi/include/ingo_signer.h "$work/ingo_signer.h"
if python3 "$here/tools/gen_cdefs.py" --check "$work/ingo_signer.h" >/dev/null 2>&1; then
  echo "gen_cdefs.py --check passed on a changed header" >&2
  exit 1
fi
echo "as intended, a changed header makes the cdefs stale"

step "luacheck"
(cd "$here" && luacheck --no-color lib)
# The rockspec loads, and names every module file there is.
lua5.1 - "$here/lua-resty-ingo-signer-0.1.0-1.rockspec" "$here" <<'LUA'
local spec = {}
setfenv(assert(loadfile(arg[1])), spec)()
local named = {}
for name, path in pairs(spec.build.modules) do
  assert(io.open(arg[2] .. "/" .. path), name .. ": " .. path .. " is missing")
  named[path] = true
end
for path in io.popen("cd " .. arg[2] .. " && find lib -name '*.lua'"):lines() do
  assert(named[path], path .. " is not in the rockspec")
end
print(spec.package .. " " .. spec.version .. ": the rockspec names every module file")
LUA

step "suite: real nginx, every test vector, the gateway cases, a load run"
python3 -m pytest -q -p no:cacheprovider "$here/t"

step "negative control: with verification switched off, the vector suite fails"
if INGO_NEGATIVE_CONTROL=skip-verification python3 -m pytest -q -p no:cacheprovider -x \
  "$here/t/test_vectors.py" -k "reject and round1" >"$work/control.log" 2>&1; then
  cat "$work/control.log" >&2
  echo "the vector suite passed with verification switched off" >&2
  exit 1
fi
grep -m1 "a refused request reached the upstream" "$work/control.log"
echo "as intended, the suite fails when nothing is verified"

step "README: the example as written (run.sh on 127.0.0.1:10002, an upstream on 10001)"
# Fixed ports, as README says: wait a little should another run still hold them.
for port in 10001 10002; do
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
    sleep 0.2
  done
done
exec 3>&1 4>&2 >"$work/example.log" 2>&1
python3 gateways/openresty/echo_upstream.py 127.0.0.1:10001 &
upstream_pid=$!
for _ in $(seq 50); do
  (exec 3<>/dev/tcp/127.0.0.1/10001) 2>/dev/null && break
  sleep 0.1
done
gateways/openresty/run.sh &
run_pid=$!
set +e
python3 gateways/openresty/send_signed.py 127.0.0.1:10002
example=$?
set -e
exec 1>&3 2>&4
kill -TERM "$run_pid" "$upstream_pid"
wait "$run_pid" || example=$?
wait "$upstream_pid" || true
grep -E "^(signed|tampered|replayed) request" "$work/example.log"
if [ "$example" != 0 ] || grep -E '\[(error|crit|alert|emerg)\]' "$work/example.log"; then
  cat "$work/example.log" >&2
  echo "README's example failed" >&2
  exit 1
fi

step "done"
