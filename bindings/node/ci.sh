#!/usr/bin/env bash
# CI for the Node.js package (bindings/node, npm package `ingo-signer`). Run from anywhere:
#   bash bindings/node/ci.sh
# Installs the pinned npm tools (package-lock.json), builds the addon (release) and checks that
# the committed generated loader and types (binding.js, binding.d.ts) are what napi writes;
# runs rustfmt and clippy over the crate, tsc over the shipped declarations; runs the tests in
# the source tree, shows that the runner fails on an empty suite and the vector test on a wrong
# vector; packs the tarball (left in bindings/node/), installs it into a fresh directory and runs
# the whole suite there, against the installed package; runs the benchmark briefly.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
export CARGO_TERM_COLOR=never
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

EXPRESS_VERSION=5.3.0
PACKAGE=bindings/node

step() { printf '\n=== node: %s\n' "$*"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

step "Node.js 20 or newer"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "node and npm are needed (Node.js 20 or newer; Debian's own package is too old)" >&2
  exit 1
fi
node --version
npm --version
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
  { echo "Node.js 20 or newer is needed" >&2; exit 1; }

step "build (README.md's command): pinned npm tools, then the addon, release"
cp "$PACKAGE/binding.js" "$PACKAGE/binding.d.ts" "$work/"
cd bindings/node && npm ci && npm run build
npx napi --version

step "the committed binding.js and binding.d.ts are what napi generates"
for file in binding.js binding.d.ts; do
  if ! diff -u "$work/$file" "$file"; then
    echo "bindings/node/$file is stale: run \`npm run build\` in bindings/node and commit it" >&2
    exit 1
  fi
done
echo "fresh"

step "rustfmt and clippy over the crate (its own workspace)"
cargo fmt --manifest-path Cargo.toml -- --check
# --release: the proc macros (napi-derive, syn) the build just compiled are reused, not rebuilt.
cargo clippy --manifest-path Cargo.toml --locked --release -- -D warnings

step "tsc over the shipped declarations and a typed use of them"
npm run typecheck

step "tests in the source tree (README.md's command)"
npm test

step "the runner fails on an empty suite, and the vector test on a wrong vector"
mkdir "$work/empty" "$work/no-tests"
echo '// defines no test' >"$work/no-tests/nothing.test.mjs"
for dir in empty no-tests; do
  if INGO_TEST_DIR="$work/$dir" npm test >"$work/$dir.log" 2>&1; then
    cat "$work/$dir.log"
    echo "the test runner passed a suite with no tests ($dir)" >&2
    exit 1
  fi
  grep -F 'refusing to pass an empty suite' "$work/$dir.log"
done
mkdir -p "$work/tampered/test-vectors"
cp "$root/test-vectors/signing.json" "$work/tampered/test-vectors/"
node -e '
  const fs = require("fs")
  const [from, to] = process.argv.slice(1)
  const data = JSON.parse(fs.readFileSync(from, "utf8"))
  data.reject[0].expected_error = "verify.signature_mismatch" === data.reject[0].expected_error
    ? "digest.mismatch" : "verify.signature_mismatch"
  fs.writeFileSync(to, JSON.stringify(data))
' "$root/test-vectors/verification.json" "$work/tampered/test-vectors/verification.json"
if INGO_REPO="$work/tampered" node --test __test__/vectors.test.mjs >"$work/tampered.log" 2>&1; then
  echo "the vector test passed a vector labelled with the wrong kind" >&2
  exit 1
fi
grep -m1 -E '^# fail [1-9]' "$work/tampered.log"

step "npm pack, install the tarball into a fresh directory, run every test there"
rm -f ingo-signer-*.tgz
npm pack
tarball=$(ls ingo-signer-*.tgz)
contents=$(tar -tzf "$tarball" | sort)
echo "$contents"
for shipped in index.js index.mjs index.d.ts index.d.mts express.js express.mjs express.d.ts \
  express.d.mts binding.js binding.d.ts ingo-signer.linux-x64-gnu.node README.md package.json; do
  grep -qx "package/$shipped" <<<"$contents" || { echo "$tarball lacks $shipped" >&2; exit 1; }
done
if grep -E '^package/(src|__test__|bench|node_modules)/' <<<"$contents"; then
  echo "$tarball ships sources or tests" >&2
  exit 1
fi
fresh="$work/fresh"
mkdir "$fresh"
cp -r __test__ "$fresh/"
(
  cd "$fresh"
  npm init --yes >/dev/null
  npm install --no-save "$root/$PACKAGE/$tarball" "express@$EXPRESS_VERSION"
  # The package under test is the installed one, not the source tree.
  node -e '
    const where = require.resolve("ingo-signer")
    if (!where.startsWith(process.cwd() + "/node_modules/ingo-signer/")) throw new Error(where)
    console.log("ingo-signer resolves to", where)
  '
  INGO_REPO="$root" node __test__/run.mjs
)

step "README.md's Node.js quick start, as written, against the installed tarball"
(cd "$fresh" && node <<'JS'
const { SigningKey, sign, Verifier, validate } = require('ingo-signer')

const key = new SigningKey('demo', 'demo-secret-not-for-production') // yours: a secrets manager
const target = '/api/v1/sessions/point-in-time/plugin'
const body = JSON.stringify({
  participant_unique_id1: '70646041',
  recipient_information: { business_name: 'Acme', zip_code: '3723' },
})

// The API's field rules, before anything is sent.
for (const v of validate('session-create', body)) console.log(`${v.message} [${v.rule}]`)

// The headers to send, in order: X-Date, Content-Type, Content-Length, Content-sha512, Authorization.
const headers = sign(key, { method: 'POST', target, body, now: 1579291169 })
console.log(headers.Authorization)

// A server verifies the request as received.
const verifier = new Verifier([key], { maxSkew: 300 })
const received = { method: 'POST', target, headers: Object.entries(headers), now: 1579291200 }
console.log('verified:', verifier.verify({ ...received, body }).username)
try {
  verifier.verify({ ...received, body: body.replace('Acme', 'Acne') })
} catch (err) {
  console.log('refused:', err.kind, err.httpStatus) // digest.mismatch 401
}
JS
)

step "benchmark, briefly (figures are not judged here: docs/benchmarks.md)"
npm run bench -- --rounds 3 --ms 20

step "done: $PACKAGE/$tarball"
