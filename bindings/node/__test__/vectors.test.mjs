// Every vector of test-vectors/ (signing, accept, reject), through the installed package: each
// request verified at once and streamed in chunks, each refusal with its exact kind and HTTP
// status, and each signing vector's headers rebuilt by `sign` wherever its list is one `sign`
// writes.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'

import { KeyError, SigningKey, Verifier, VerifyError, sign } from 'ingo-signer'

import { vectors } from './support.mjs'

const signing = vectors('signing.json').vectors
const { accept, reject } = vectors('verification.json')

function verifierFor(vector) {
  const keys = []
  for (const { username, secret } of vector.keys) {
    try {
      keys.push(new SigningKey(username, secret))
    } catch (error) {
      // A username no key can have (a backslash, a tab, 257 bytes) stays out of the store;
      // those vectors fail on the Authorization grammar first.
      assert.ok(error instanceof KeyError, error.message)
      assert.equal(error.kind, 'key.username')
    }
  }
  const { allow_legacy_sha256, max_skew, max_body, required_headers } = vector.policy
  return new Verifier(keys, {
    allowLegacySha256: allow_legacy_sha256,
    maxSkew: max_skew,
    maxBody: max_body,
    requiredHeaders: required_headers,
  })
}

function head(vector) {
  const { method, target, version, headers } = vector.request
  return { method, target, version, headers, now: vector.now }
}

/** The verdict of `run`: what it returned, or the error it threw. */
function outcome(run) {
  try {
    return { ok: run() }
  } catch (error) {
    return { error }
  }
}

/** The verdict of a head-first verification with the body fed in `size`-byte chunks. */
function streamed(verifier, vector, size) {
  return outcome(() => {
    const pending = verifier.verifyHead(head(vector))
    const body = Buffer.from(vector.request.body)
    for (let at = 0; at < body.length; at += size) {
      try {
        pending.update(body.subarray(at, at + size))
      } catch {
        break // the pending verification remembers it: finish() throws it again
      }
    }
    return pending.finish()
  })
}

/** Every verdict of one vector: at once, streamed in 7-byte chunks, and in one chunk. */
function verdicts(vector) {
  const verifier = verifierFor(vector)
  return [
    outcome(() => verifier.verify({ ...head(vector), body: vector.request.body })),
    streamed(verifier, vector, 7),
    streamed(verifier, vector, Math.max(Buffer.byteLength(vector.request.body), 1)),
  ]
}

function header(vector, name) {
  const found = vector.request.headers.find(([n]) => n.toLowerCase() === name)
  return found?.[1].replace(/^[ \t]+|[ \t]+$/g, '')
}

/** The order option that writes the vector's list, if `sign` can write it at all. */
function orderOf(vector) {
  const digest = vector.algorithm === 'hmac-sha256' ? 'content-sha256' : 'content-sha512'
  const first = ['request-line', 'x-date', 'content-type'].join(' ')
  const five = vector.signed_headers.slice(0, 5).join(' ')
  if (five === `${first} content-length ${digest}`) return 'digest-last'
  if (five === `${first} ${digest} content-length`) return 'length-last'
  return undefined
}

/** Every verdict of `vector` accepts it, as signed by its username with its algorithm. */
function assertAccepted(vector) {
  for (const verdict of verdicts(vector)) {
    assert.equal(verdict.error, undefined, verdict.error?.message)
    assert.equal(verdict.ok.username, vector.username)
    assert.equal(verdict.ok.algorithm, vector.algorithm)
  }
}

describe('signing vectors', () => {
  for (const vector of signing) {
    test(vector.name, () => {
      assertAccepted(vector)
      const order = orderOf(vector)
      if (order === undefined) return // a list no signer of ours writes: verified above
      const names = vector.signed_headers.slice(5)
      const signed = sign(new SigningKey(vector.username, vector.secret), {
        method: vector.request.method,
        target: vector.request.target,
        body: vector.request.body,
        now: Date.parse(header(vector, 'x-date')) / 1000,
        contentType: header(vector, 'content-type'),
        algorithm: vector.algorithm,
        order,
        httpVersion: vector.request.version,
        extraHeaders: names.map((name) => [name, header(vector, name)]),
      })
      const digestName = vector.digest_header === 'content-sha256' ? 'Content-sha256' : 'Content-sha512'
      assert.deepEqual(signed, {
        'X-Date': header(vector, 'x-date'),
        'Content-Type': header(vector, 'content-type'),
        'Content-Length': header(vector, 'content-length'),
        [digestName]: vector.digest,
        Authorization: vector.authorization,
      })
      // In signing order.
      assert.deepEqual(Object.keys(signed), ['X-Date', 'Content-Type', 'Content-Length', digestName, 'Authorization'])
    })
  }
})

describe('accept vectors', () => {
  for (const vector of accept) {
    test(vector.name, () => assertAccepted(vector))
  }
})

describe('reject vectors', () => {
  for (const vector of reject) {
    test(`${vector.name}: ${vector.expected_error} (${vector.http_status})`, () => {
      for (const verdict of verdicts(vector)) {
        assert.equal(verdict.ok, undefined, 'accepted')
        const { error } = verdict
        assert.ok(error instanceof VerifyError, `${error?.name}: ${error?.message}`)
        assert.equal(error.kind, vector.expected_error, error.message)
        assert.equal(error.code, vector.expected_error)
        assert.equal(error.httpStatus, vector.http_status)
        assert.ok(error.message.length > 0)
      }
    })
  }
})

test('the vector files hold every group', () => {
  assert.ok(signing.length > 0 && accept.length > 0 && reject.length > 0)
})
