// The package's interface: keys, signing options and clock, errors and their classes, the
// streaming verifier's states, payload validation, and the CommonJS and ES module entry points.
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { test } from 'node:test'
import { inspect } from 'node:util'

import * as ingo from 'ingo-signer'
import ingoDefault from 'ingo-signer'
import * as express from 'ingo-signer/express'

import { DEMO, SPEC_NOW, signWithNodeCrypto } from './support.mjs'

const { KeyError, PendingBody, SignError, SigningKey, Verifier, VerifyError, sign, validate } = ingo
const require = createRequire(import.meta.url)
const key = new SigningKey(DEMO.username, DEMO.secret)
const TARGET = '/api/v1/sessions/point-in-time/plugin'
const BODY = '{"participant_unique_id1":"70646041","recipient_information":{"business_name":"Acme","zip_code":"37233"}}'

function thrown(run) {
  try {
    run()
  } catch (error) {
    return error
  }
  assert.fail('did not throw')
}

test('the ES module and CommonJS entry points export the same objects', () => {
  const cjs = require('ingo-signer')
  const names = ['SigningKey', 'Verifier', 'PendingBody', 'sign', 'validate', 'signedFetch', 'VerifyError', 'SignError', 'KeyError']
  assert.deepEqual(Object.keys(cjs).sort(), [...names].sort())
  for (const name of names) {
    assert.equal(ingo[name], cjs[name], name)
    assert.equal(ingoDefault[name], cjs[name], name)
  }
  assert.equal(express.verifyRequests, require('ingo-signer/express').verifyRequests)
  assert.equal(typeof express.verifyRequests, 'function')
})

test('sign agrees with a straightforward node:crypto signer', () => {
  for (const body of [BODY, '{}', '{"name":"Zoë ✓"}']) {
    for (const now of [0, SPEC_NOW, 253402300799]) {
      const expected = signWithNodeCrypto({ ...DEMO, method: 'POST', target: TARGET, body, now })
      assert.deepEqual(sign(key, { method: 'POST', target: TARGET, body, now }), expected)
      assert.deepEqual(sign(key, { method: 'POST', target: TARGET, body: Buffer.from(body), now }), expected)
    }
  }
})

test('a secret given as bytes or as a string is the same key', () => {
  const fromBytes = new SigningKey('demo', Buffer.from(DEMO.secret))
  const request = { method: 'POST', target: TARGET, body: BODY, now: SPEC_NOW }
  assert.deepEqual(sign(fromBytes, request), sign(key, request))
  assert.equal(fromBytes.username, 'demo')
})

test('a key never shows its secret', () => {
  const secret = 'a-secret-that-must-not-leak'
  const k = new SigningKey('alice', secret)
  const shown = [inspect(k), inspect({ k }, { depth: 5 }), JSON.stringify(k), String(k), `${Object.keys(k)}`]
  for (const text of shown) assert.ok(!text.includes(secret), text)
  assert.equal(inspect(k), "SigningKey { username: 'alice', secret: '<redacted>' }")
})

test('keys that cannot be made throw a KeyError with the core kind', () => {
  const empty = thrown(() => new SigningKey('demo', ''))
  assert.ok(empty instanceof KeyError)
  assert.ok(!(empty instanceof VerifyError))
  assert.equal(empty.kind, 'key.empty_secret')
  assert.equal(empty.code, 'key.empty_secret')
  assert.equal(empty.httpStatus, undefined)
  const quote = thrown(() => new SigningKey('a"b', 'secret'))
  assert.equal(quote.kind, 'key.username')
  assert.ok(!quote.message.includes('secret'), quote.message)
})

test('signing options: legacy algorithm, order, version, content type, extra headers', () => {
  const base = { method: 'POST', target: TARGET, body: BODY, now: SPEC_NOW }
  const legacy = sign(key, { ...base, algorithm: 'hmac-sha256' })
  assert.deepEqual(Object.keys(legacy), ['X-Date', 'Content-Type', 'Content-Length', 'Content-sha256', 'Authorization'])
  assert.match(legacy.Authorization, /algorithm="hmac-sha256", headers="request-line x-date content-type content-length content-sha256"/)
  const lengthLast = sign(key, { ...base, order: 'length-last' })
  assert.match(lengthLast.Authorization, /headers="request-line x-date content-type content-sha512 content-length"/)
  const extra = sign(key, { ...base, extraHeaders: [['Host', 'api.example'], ['Idempotency-Key', 'k-1']] })
  assert.match(extra.Authorization, /headers="request-line x-date content-type content-length content-sha512 host idempotency-key"/)
  const charset = sign(key, { ...base, contentType: 'application/json; charset=utf-8' })
  assert.equal(charset['Content-Type'], 'application/json; charset=utf-8')

  // Each option changes what is signed, and a verifier told the same accepts it.
  const verifier = new Verifier([key], { allowLegacySha256: true, requiredHeaders: ['idempotency-key'] })
  const received = (headers, more = []) => ({
    method: 'POST',
    target: TARGET,
    headers: [...Object.entries(headers), ...more],
    body: BODY,
    now: SPEC_NOW,
  })
  assert.equal(verifier.verify(received(extra, [['Host', 'api.example'], ['Idempotency-Key', 'k-1']])).username, 'demo')
  const http2 = sign(key, { ...base, httpVersion: '2.0', extraHeaders: [['Idempotency-Key', 'k-2']] })
  assert.equal(verifier.verify({ ...received(http2, [['Idempotency-Key', 'k-2']]), version: '2.0' }).username, 'demo')
  const asHttp11 = thrown(() => verifier.verify(received(http2, [['Idempotency-Key', 'k-2']])))
  assert.equal(asHttp11.kind, 'verify.signature_mismatch')
  const unsigned = thrown(() => verifier.verify(received(legacy)))
  assert.equal(unsigned.kind, 'verify.required_header_unsigned')
  const legacyVerifier = new Verifier(key, { allowLegacySha256: true })
  assert.equal(legacyVerifier.verify(received(legacy)).algorithm, 'hmac-sha256')
  assert.equal(new Verifier(key).verify(received(lengthLast)).username, 'demo')
  const notAllowed = thrown(() => new Verifier(key).verify(received(legacy)))
  assert.equal(notAllowed.kind, 'verify.algorithm_not_allowed')
  assert.equal(notAllowed.httpStatus, 401)
})

test('what a verifier would refuse is refused when signing, with a SignError', () => {
  const base = { method: 'POST', target: TARGET, body: BODY, now: SPEC_NOW }
  const cases = [
    [{ contentType: 'text/plain' }, 'sign.content_type'],
    [{ target: '/a b' }, 'signing_string.invalid_target'],
    [{ extraHeaders: [['X-Note', 'one\ntwo']] }, 'signing_string.header_value_invalid'],
    [{ extraHeaders: [['Authorization', 'x']] }, 'sign.unsignable_header'],
  ]
  for (const [change, kind] of cases) {
    const error = thrown(() => sign(key, { ...base, ...change }))
    assert.ok(error instanceof SignError, `${error.name}: ${error.message}`)
    assert.equal(error.kind, kind)
    assert.equal(error.code, kind)
  }
})

test('bad arguments are TypeErrors and RangeErrors with Node-style codes', () => {
  const base = { method: 'POST', target: TARGET, body: BODY }
  for (const now of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
    const error = thrown(() => sign(key, { ...base, now }))
    assert.ok(error instanceof RangeError, String(now))
    assert.equal(error.code, 'ERR_OUT_OF_RANGE')
  }
  for (const change of [{ algorithm: 'hmac-md5' }, { order: 'random' }, { httpVersion: '3' }]) {
    const error = thrown(() => sign(key, { ...base, now: SPEC_NOW, ...change }))
    assert.ok(error instanceof TypeError, JSON.stringify(change))
    assert.equal(error.code, 'ERR_INVALID_ARG_VALUE')
  }
  assert.equal(thrown(() => new Verifier(key, { maxBody: -1 })).code, 'ERR_OUT_OF_RANGE')
  assert.equal(thrown(() => new Verifier(key, { maxSkew: 0.5 })).code, 'ERR_OUT_OF_RANGE')
  for (const request of [{ method: 'POST' }, { target: '/p' }, null, 'POST /p']) {
    const error = thrown(() => sign(key, request))
    assert.ok(error instanceof TypeError, JSON.stringify(request))
    assert.equal(error.code, 'ERR_INVALID_ARG_TYPE')
  }
  assert.ok(thrown(() => sign({ username: 'demo' }, { ...base })) instanceof Error)
})

test('without now, signing and verifying read the system clock', () => {
  const before = Math.floor(Date.now() / 1000)
  const headers = sign(key, { method: 'POST', target: TARGET, body: BODY })
  const after = Math.ceil(Date.now() / 1000)
  const signedAt = Date.parse(headers['X-Date']) / 1000
  assert.ok(signedAt >= before - 1 && signedAt <= after, `${signedAt} not in [${before}, ${after}]`)
  const verifier = new Verifier(key)
  const received = { method: 'POST', target: TARGET, headers: Object.entries(headers), body: BODY }
  assert.equal(verifier.verify(received).username, 'demo')
  // The same request at the SPEC instant is years out of the skew.
  assert.equal(thrown(() => verifier.verify({ ...received, now: SPEC_NOW })).kind, 'verify.date_skew')
})

test('refusals are VerifyErrors carrying the core kind and HTTP status', () => {
  const headers = sign(key, { method: 'POST', target: TARGET, body: BODY, now: SPEC_NOW })
  const verifier = new Verifier([key])
  const received = { method: 'POST', target: TARGET, headers: Object.entries(headers), body: BODY, now: SPEC_NOW }
  const tampered = thrown(() => verifier.verify({ ...received, body: BODY.replace('Acme', 'Acne') }))
  assert.ok(tampered instanceof VerifyError)
  assert.ok(tampered instanceof Error)
  assert.ok(!(tampered instanceof SignError))
  assert.equal(tampered.name, 'VerifyError')
  assert.equal(tampered.kind, 'digest.mismatch')
  assert.equal(tampered.httpStatus, 401)
  assert.match(tampered.stack, /^VerifyError: /)
  const noAuth = thrown(() => verifier.verify({ ...received, headers: received.headers.filter(([n]) => n !== 'Authorization') }))
  assert.equal(noAuth.kind, 'verify.missing_authorization')
  const small = thrown(() => new Verifier(key, { maxBody: 10 }).verify(received))
  assert.equal(small.kind, 'verify.body_too_large')
  assert.equal(small.httpStatus, 413)
  // A class made by hand is recognised too.
  assert.ok(new VerifyError('m', 'verify.signature_mismatch', 401) instanceof VerifyError)
  assert.ok(!(new Error('plain') instanceof VerifyError))
})

test('header values may be given as the raw bytes received', () => {
  const headers = sign(key, { method: 'POST', target: TARGET, body: BODY, now: SPEC_NOW })
  const asBytes = Object.entries(headers).map(([name, value]) => [name, Buffer.from(value, 'latin1')])
  const verified = new Verifier(key).verify({ method: 'POST', target: TARGET, headers: asBytes, body: Buffer.from(BODY), now: SPEC_NOW })
  assert.equal(verified.username, 'demo')
  assert.equal(verified.keyIndex, 0)
})

test('key rotation: every key of the username is tried, and keyIndex says which matched', () => {
  const old = new SigningKey('demo', 'the-old-secret')
  const headers = sign(key, { method: 'POST', target: TARGET, body: BODY, now: SPEC_NOW })
  const verifier = new Verifier([new SigningKey('other', 'x'), old, key])
  const verified = verifier.verify({ method: 'POST', target: TARGET, headers: Object.entries(headers), body: BODY, now: SPEC_NOW })
  assert.deepEqual(verified, { username: 'demo', algorithm: 'hmac-sha512', keyIndex: 1 })
})

test('a pending body: streamed, limited to the declared length, finished once', () => {
  const headers = Object.entries(sign(key, { method: 'POST', target: TARGET, body: BODY, now: SPEC_NOW }))
  const verifier = new Verifier(key)
  const head = { method: 'POST', target: TARGET, headers, now: SPEC_NOW }

  const pending = verifier.verifyHead(head)
  assert.ok(pending instanceof PendingBody)
  assert.equal(pending.username, 'demo')
  assert.equal(pending.contentLength, Buffer.byteLength(BODY))
  pending.update(BODY.slice(0, 10))
  pending.update(Buffer.from(BODY.slice(10)))
  assert.equal(pending.finish().username, 'demo')
  const again = thrown(() => pending.finish())
  assert.equal(again.code, 'ERR_INVALID_STATE')
  assert.equal(thrown(() => pending.update('x')).code, 'ERR_INVALID_STATE')

  // Running past the declared length fails at once, and stays failed.
  const overrun = verifier.verifyHead(head)
  const error = thrown(() => overrun.update(BODY + 'x'))
  assert.equal(error.kind, 'verify.content_length_mismatch')
  assert.equal(error.httpStatus, 400)
  assert.equal(thrown(() => overrun.update('')).kind, 'verify.content_length_mismatch')
  assert.equal(thrown(() => overrun.finish()).kind, 'verify.content_length_mismatch')

  // A short body fails on finish.
  const short = verifier.verifyHead(head)
  short.update(BODY.slice(1))
  assert.equal(thrown(() => short.finish()).kind, 'verify.content_length_mismatch')

  // The head is refused before any body: a wrong key.
  const wrong = thrown(() => new Verifier(new SigningKey('demo', 'another')).verifyHead(head))
  assert.equal(wrong.kind, 'verify.signature_mismatch')

  assert.throws(() => new PendingBody())
})

test('validate reports every violation with its path, rule and message', () => {
  const zip = validate(
    'session-create',
    '{"participant_unique_id1": "p-1", "recipient_information": {"business_name": "Acme", "zip_code": "3723"}}',
    { paypal: true },
  )
  // The same lines `ingo-sign validate --paypal` prints (README.md, the command line section).
  assert.deepEqual(
    zip.map((v) => `${v.message} [${v.rule}]`),
    [
      'recipient_information.zip_code: "3723" must be 5 digits or 5+4 digits [zip]',
      'recipient_information.email_address: is required for PayPal-enabled participants [required]',
    ],
  )
  assert.ok(zip.every((v) => v.message.startsWith(`${v.path}: `)))
  assert.equal(zip[0].value, '3723')
  assert.equal(zip[1].value, undefined)
  assert.deepEqual(validate('session-create', Buffer.from(BODY)), [])
  const json = validate('push-to-card', '{"a": ')
  assert.equal(json.length, 1)
  assert.equal(json[0].path, '$')
  assert.match(json[0].rule, /^json\./)
  assert.match(json[0].message, /^\$: the body is not acceptable JSON: /)
  const sender = validate('push-to-card', '{}', { sender: true, ledger: true })
  assert.ok(sender.some((v) => v.path === 'sender' && v.rule === 'required'), JSON.stringify(sender))
  assert.ok(sender.some((v) => v.path === 'ledger' && v.rule === 'required'), JSON.stringify(sender))

  const misplaced = thrown(() => validate('session-create', BODY, { sender: true }))
  assert.ok(misplaced instanceof TypeError)
  assert.equal(misplaced.code, 'ERR_INVALID_ARG_VALUE')
  assert.equal(thrown(() => validate('push-to-card', BODY, { paypal: true })).code, 'ERR_INVALID_ARG_VALUE')
  assert.equal(thrown(() => validate('refund', BODY)).code, 'ERR_INVALID_ARG_VALUE')
})

test('the benchmark hook is not part of the package interface', () => {
  assert.equal(ingo._benchCoreSign, undefined)
  assert.equal(require('ingo-signer')._benchCoreSign, undefined)
})
