// README.md's Node.js quick start, run as written (from the package's own folder, or, in CI,
// from a fresh directory where the packed tarball is installed), its output checked against
// node:crypto's known answer.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'

import { DEMO, SPEC_NOW, repo, signWithNodeCrypto } from './support.mjs'

/** The one ```js block marked `<!-- ci: example node -->` in README.md. */
function quickStart() {
  const readme = readFileSync(path.join(repo, 'README.md'), 'utf8')
  const blocks = [...readme.matchAll(/<!-- ci: example node -->\n```js\n([\s\S]*?)\n```/g)]
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
