#!/usr/bin/env bash
# CI for the Python package (bindings/python). Run from anywhere: bash bindings/python/ci.sh
# Builds the abi3 wheel with maturin (--locked) into bindings/python/dist/ (left there), installs
# it into a fresh virtual environment with the pinned tools (requirements-ci.txt), checks the
# hand-written stubs against the native module (mypy.stubtest, with a negative control), the
# types (mypy --strict) and the style (ruff), runs the tests against the installed wheel (every
# vector, real servers on loopback, the READMEs), README.md's quick start as written, and the
# benchmark briefly (figures are not judged here). Fails on any failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PYTHONDONTWRITEBYTECODE=1 PIP_DISABLE_PIP_VERSION_CHECK=1
UV_VERSION=0.13.9

step() { printf '\n=== python: %s (%ds)\n' "$*" "$SECONDS"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Tool caches stay out of the tree; the mypy runs share theirs.
export MYPY_CACHE_DIR="$work/mypy-cache" RUFF_CACHE_DIR="$work/ruff-cache"

step "a fresh virtual environment with the pinned tools"
if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
  apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends python3-venv
fi
python3 -m venv "$work/venv"
# shellcheck disable=SC1091
source "$work/venv/bin/activate"
# uv installs the pinned set in parallel: pip takes two to three minutes for it here, uv 15 s.
python -m pip install --quiet --no-compile "uv==$UV_VERSION"
uv pip install --quiet -r bindings/python/requirements-ci.txt
python --version
maturin --version

step "the wheel: maturin, abi3 for CPython >= 3.9, Cargo.lock as is; installed"
rm -rf bindings/python/dist
maturin build --release --locked -m bindings/python/Cargo.toml -o bindings/python/dist && pip install --force-reinstall bindings/python/dist/ingo_signer-*.whl
wheel=$(ls bindings/python/dist/ingo_signer-*-cp39-abi3-*.whl)
python - "$wheel" <<'PY'
import sys, zipfile
names = sorted(zipfile.ZipFile(sys.argv[1]).namelist())
print("\n".join(names))
expected = {f"ingo_signer/{n}" for n in ("__init__.py", "_native.abi3.so", "_native.pyi", "py.typed",
            "errors.py", "_client.py", "_refusal.py", "requests.py", "httpx.py", "asgi.py", "wsgi.py")}
missing = expected - set(names)
assert not missing, f"missing from the wheel: {sorted(missing)}"
PY

step "the sdist carries the lockfile and the core's sources (not built: that would compile again)"
maturin sdist -m bindings/python/Cargo.toml -o "$work/sdist"
python - "$work"/sdist/ingo_signer-*.tar.gz <<'PY'
import sys, tarfile
names = tarfile.open(sys.argv[1]).getnames()
root = names[0].split("/")[0]
for needed in ("Cargo.lock", "pyproject.toml", "signer-core/src/lib.rs", "bindings/python/src/lib.rs",
               "python/ingo_signer/__init__.py", "python/ingo_signer/_native.pyi"):
    hits = [n for n in names if n.endswith("/" + needed) or n == f"{root}/{needed}"]
    assert hits, f"the sdist lacks {needed}: {names}"
print(f"{sys.argv[1].rsplit('/', 1)[-1]}: {len(names)} entries, Cargo.lock and the core's sources included")
PY

step "the stubs are the native module's (mypy.stubtest), and stubtest can fail"
(cd "$work" && python -m mypy.stubtest ingo_signer._native)
# Negative control: the same stubs with one parameter renamed must be caught.
mkdir -p "$work/broken/ingo_signer"
cp "$(python -c 'import ingo_signer, os; print(os.path.dirname(ingo_signer.__file__))')"/{__init__.py,_native.pyi,errors.py} "$work/broken/ingo_signer/"
sed -i 's/def update(self, chunk: _Data)/def update(self, data: _Data)/' "$work/broken/ingo_signer/_native.pyi"
if (cd "$work" && MYPYPATH="$work/broken" python -m mypy.stubtest ingo_signer._native >"$work/stubtest.out" 2>&1); then
  echo "stubtest passed a stub whose update() names its parameter wrongly" >&2
  exit 1
fi
grep -q 'PendingBody.update' "$work/stubtest.out" || { cat "$work/stubtest.out" >&2; exit 1; }
echo "as intended, a wrong stub fails: $(grep -m1 'PendingBody.update' "$work/stubtest.out")"

step "types: the installed package, and the tests and benchmark as its users (mypy --strict)"
(cd "$work" && python -m mypy --strict -p ingo_signer)
python -m mypy --strict bindings/python/tests bindings/python/bench

step "Python style (ruff, pinned)"
(cd bindings/python && ruff format --check python tests bench && ruff check python tests bench)

step "tests against the installed wheel"
python -m pytest bindings/python/tests

step "README.md's Python quick start, as written"
(cd "$work" && python - <<'PY'
import ingo_signer

key = ingo_signer.SigningKey("demo", b"demo-secret-not-for-production")
target = "/api/v1/sessions/point-in-time/plugin"
body = b'{"participant_unique_id1":"70646041-01ea-4cd6-b657-18ff88e465c7"}'
headers = ingo_signer.sign(key, "POST", target, body)  # X-Date (now) ... Authorization
verifier = ingo_signer.Verifier([key], max_skew=300)
print(verifier.verify("POST", target, headers, body).username)  # demo
try:
    verifier.verify("POST", target, headers, body.replace(b"7064", b"7065"))
except ingo_signer.VerifyError as e:
    print(e.kind, e.http_status)  # digest.mismatch 401
PY
)

step "benchmark, briefly (figures are not judged here)"
python bindings/python/bench/bench_sign.py --seconds 1

step "done: the wheel is $wheel"
