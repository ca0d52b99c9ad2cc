// README.md's Node.js quick start, run as written (from the package's own folder, or, in CI,
// from a fresh directory where the packed tarball is installed), its output checked against
// node:crypto's known answer; and the same block in ci.sh, which README's marker names.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'

import { DEMO, SPEC_NOW, repo, signWithNodeCrypto } from './support.mjs'

const MARK = '<!-- ci: runs in bindings/node/ci.sh -->'

/** The one ```js block of README.md marked as run by bindings/node/ci.sh. */
function quickStart() {
  const readme = readFileSync(path.join(repo, 'README.md'), 'utf8')
  const blocks = [...readme.matchAll(new RegExp(`${MARK}\n\`\`\`js\n([\\s\\S]*?)\n\`\`\``, 'g'))]
  assert.equal(blocks.length, 1, 'README.md must hold exactly one Node.js quick start')
  return blocks[0][1]
}

test("README.md's Node.js quick start runs as written", () => {
  // Written into the working directory, where `require('ingo-signer')` resolves to the package
  // under test (the installed tarball in CI).
  const file = path.join(process.cwd(), `.readme-quick-start-${process.pid}.cjs`)
  writeFileSync(file, `${quickStart()}\n`)
  let output
  try {
    output = execFileSync(process.execPath, [file], { encoding: 'utf8' })
  } finally {
    rmSync(file, { force: true })
  }
  const body = JSON.stringify({
    participant_unique_id1: '70646041',
    recipient_information: { business_name: 'Acme', zip_code: '3723' },
  })
  const expected = signWithNodeCrypto({
    ...DEMO,
    method: 'POST',
    target: '/api/v1/sessions/point-in-time/plugin',
    body,
    now: SPEC_NOW,
  })
  assert.deepEqual(output.trimEnd().split('\n'), [
    'recipient_information.zip_code: "3723" must be 5 digits or 5+4 digits [zip]',
    expected.Authorization,
    'verified: demo',
    'refused: digest.mismatch 401',
  ])
})

test('ci.sh runs the same quick start, line for line', () => {
  const script = readFileSync(path.join(repo, 'bindings', 'node', 'ci.sh'), 'utf8')
  assert.ok(script.includes(`\n${quickStart()}\n`), 'copy README.md\'s Node.js quick start into ci.sh')
})
