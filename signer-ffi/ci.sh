#!/usr/bin/env bash
# CI for the C ABI (signer-ffi). Run from anywhere: bash signer-ffi/ci.sh
#   --write-header   regenerate signer-ffi/include/ingo_signer.h instead of checking it
# Builds the static and shared libraries (release), checks that the committed header is what
# the pinned cbindgen generates, compiles and runs the C test (plain and under ASan/UBSan),
# runs the Python tests, and compiles and runs examples/ffi (shown in docs/ffi.md and README.md).
# Fails on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

CBINDGEN_VERSION=0.29.4
PYTEST_VERSION=8.4.2
HEADER=signer-ffi/include/ingo_signer.h
LINK=(-lgcc_s -lutil -lrt -lpthread -lm -ldl)
CFLAGS=(-std=c11 -Wall -Wextra -Werror -I signer-ffi/include)

step() { printf '\n=== ffi: %s\n' "$*"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PYTHONDONTWRITEBYTECODE=1

step "cbindgen $CBINDGEN_VERSION"
cbindgen_bin=$(command -v cbindgen || echo "${CARGO_HOME:-$HOME/.cargo}/bin/cbindgen")
if [ "$("$cbindgen_bin" --version 2>/dev/null)" != "cbindgen $CBINDGEN_VERSION" ]; then
  cargo install --locked --quiet cbindgen --version "$CBINDGEN_VERSION"
  cbindgen_bin="${CARGO_HOME:-$HOME/.cargo}/bin/cbindgen"
fi
"$cbindgen_bin" --version

step "the committed header is what cbindgen generates"
"$cbindgen_bin" --quiet --config signer-ffi/cbindgen.toml --crate ingo-signer-ffi \
  --output "$work/ingo_signer.h" signer-ffi
if [ "${1:-}" = "--write-header" ]; then
  cp "$work/ingo_signer.h" "$HEADER"
  echo "wrote $HEADER"
  exit 0
fi
if ! diff -u "$HEADER" "$work/ingo_signer.h"; then
  echo "$HEADER is stale: run signer-ffi/ci.sh --write-header and commit it" >&2
  exit 1
fi
echo "fresh"

step "the header compiles alone, as C99 and as C++"
printf '#include "ingo_signer.h"\nint main(void) { return 0; }\n' >"$work/header.c"
gcc -std=c99 -Wall -Wextra -Werror -Wpedantic -I signer-ffi/include -fsyntax-only "$work/header.c"
if command -v g++ >/dev/null; then
  g++ -x c++ -std=c++11 -Wall -Wextra -Werror -I signer-ffi/include -fsyntax-only "$work/header.c"
fi
echo "ok"

step "libingo_signer.a and libingo_signer.so (release)"
cargo build --release --locked -p ingo-signer-ffi
target_dir=$(cargo metadata --format-version 1 --no-deps --locked |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
release="$target_dir/release"
ls -l "$release/libingo_signer.a" "$release/libingo_signer.so"

step "C test against the static library (every vector, malformed input, small buffers)"
python3 signer-ffi/tests/c/gen_vectors.py test-vectors >"$work/vectors.h"
gcc "${CFLAGS[@]}" -O2 -I "$work" signer-ffi/tests/c/test_ffi.c \
  "$release/libingo_signer.a" "${LINK[@]}" -o "$work/test_ffi"
"$work/test_ffi"

step "C test again under AddressSanitizer and UndefinedBehaviorSanitizer"
gcc "${CFLAGS[@]}" -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
  -fno-omit-frame-pointer -I "$work" signer-ffi/tests/c/test_ffi.c \
  "$release/libingo_signer.a" "${LINK[@]}" -o "$work/test_ffi_asan"
"$work/test_ffi_asan"

step "Python tests (ctypes) against the shared library"
if ! python3 -m pytest --version >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check "pytest==$PYTEST_VERSION"
fi
INGO_SIGNER_LIB="$release/libingo_signer.so" \
  python3 -m pytest -q -p no:cacheprovider signer-ffi/tests/python

step "examples/ffi: compiled and run; docs/ffi.md and README.md show them byte for byte"
python3 - examples/ffi docs/ffi.md README.md <<'PY'
import re, sys
folder, docs = sys.argv[1], sys.argv[2:]
for lang, ext in (("c", "c"), ("python", "py")):
    wanted = open("%s/example.%s" % (folder, ext), encoding="utf-8").read()
    for doc in docs:
        text = open(doc, encoding="utf-8").read()
        found = re.findall(r"<!-- ci: example %s -->\n```%s\n(.*?\n)```" % (lang, lang), text, re.S)
        if found != [wanted]:
            sys.exit("%s: its %s example (%d found) is not %s/example.%s: copy it over" % (doc, lang, len(found), folder, ext))
PY
gcc "${CFLAGS[@]}" examples/ffi/example.c "$release/libingo_signer.a" "${LINK[@]}" -o "$work/example"
"$work/example"
INGO_SIGNER_LIB="$release/libingo_signer.so" python3 examples/ffi/example.py

step "done"
