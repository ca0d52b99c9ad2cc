// The Express middleware in a real Express server on loopback (port 0), driven by fetch: signed
// requests reach the handler with the verified body and signer; refusals are answered as the
// tower layer answers them, and their kind is reported.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import http from 'node:http'
import { after, before, test } from 'node:test'

import express from 'express'
import { SigningKey, sign, signedFetch } from 'ingo-signer'
import { verifyRequests } from 'ingo-signer/express'

import { DEMO, serve } from './support.mjs'

const key = new SigningKey(DEMO.username, DEMO.secret)
const refusals = []
let base
let stop

function handler(req, res) {
  res.json({
    ingo: req.ingo,
    isBuffer: Buffer.isBuffer(req.body),
    body: Buffer.isBuffer(req.body) ? req.body.toString('utf8') : null,
  })
}

before(async () => {
  const app = express()
  const onRefusal = (error, req) => refusals.push({ kind: error.kind, url: req.originalUrl })
  const verify = verifyRequests({ keys: [key], maxBody: 64 * 1024, onRefusal })

  app.post('/api/v1/sessions/point-in-time/plugin', verify, express.json(), handler)

  // Mounted under a prefix: the signed target is the whole path, not the router's.
  const gateway = express.Router()
  gateway.post('/process--card', verify, handler)
  app.use('/gateway', gateway)

  // A stricter policy: small bodies, and Idempotency-Key must be signed.
  app.post(
    '/strict',
    verifyRequests({ keys: key, maxBody: 1024, requiredHeaders: ['idempotency-key'], onRefusal }),
    handler,
  )

  // A body parser in front: its raw bytes can still be verified; parsed JSON cannot.
  app.post('/raw-first', express.raw({ type: '*/*' }), verify, handler)
  app.post('/json-first', express.json(), verify, handler)

  app.use((error, req, res, next) => {
    res.status(500).json({ error: error.message })
  })

  ;({ base, stop } = await serve(app))
})

after(() => stop())

const SESSION = '/api/v1/sessions/point-in-time/plugin'
const BODY = JSON.stringify({ participant_unique_id1: '70646041', recipient_information: { business_name: 'Acme' } })

/** Sends `body` with the headers `sign` gave for `signedBody` (a tampering client). */
async function sendSignedFor(path, signedBody, body, change = (headers) => headers) {
  const headers = change(sign(key, { method: 'POST', target: path, body: signedBody }))
  return fetch(base + path, { method: 'POST', headers, body })
}

async function expectRefusal(response, status, kind) {
  assert.equal(response.status, status)
  assert.equal(response.headers.get('content-type'), 'application/json')
  assert.equal(response.headers.get('www-authenticate'), status === 401 ? 'hmac' : null)
  const body = await response.json()
  assert.deepEqual(Object.keys(body), ['status', 'client_message'])
  assert.equal(body.status, status)
  assert.ok(body.client_message.length > 0)
  assert.equal(refusals.at(-1)?.kind, kind)
  return body
}

test('a signed request reaches the handler with its verified body and signer', async () => {
  const response = await signedFetch(key, base + SESSION, { method: 'POST', body: BODY })
  assert.equal(response.status, 200)
  const seen = await response.json()
  assert.deepEqual(seen.ingo, { username: 'demo', algorithm: 'hmac-sha512', keyIndex: 0 })
  // express.json() after the middleware leaves the verified bytes alone.
  assert.equal(seen.isBuffer, true)
  assert.equal(seen.body, BODY)
})

test('a router mounted under a prefix verifies the whole target', async () => {
  const body = '{"amount":"1.00"}'
  const response = await signedFetch(key, `${base}/gateway/process--card?trace=a%2Fb`, { method: 'POST', body })
  assert.equal(response.status, 200)
  assert.equal((await response.json()).body, body)
})

test('a body of many chunks is streamed into the verification', async () => {
  const body = JSON.stringify({ filler: 'x'.repeat(60 * 1024) })
  const response = await signedFetch(key, base + SESSION, { method: 'POST', body: new TextEncoder().encode(body) })
  assert.equal(response.status, 200)
  assert.equal((await response.json()).body.length, body.length)
})

test('a tampered body is refused with 401 and WWW-Authenticate: hmac', async () => {
  const response = await sendSignedFor(SESSION, BODY, BODY.replace('Acme', 'Acne'))
  const body = await expectRefusal(response, 401, 'digest.mismatch')
  assert.match(body.client_message, /content-sha512/)
})

test('a request without Authorization is refused before its body is read', async () => {
  const response = await sendSignedFor(SESSION, BODY, BODY, ({ Authorization, ...rest }) => rest)
  await expectRefusal(response, 401, 'verify.missing_authorization')
})

test('a wrong key is refused as a signature mismatch', async () => {
  const other = new SigningKey('demo', 'not-the-secret')
  const response = await signedFetch(other, base + SESSION, { method: 'POST', body: BODY })
  await expectRefusal(response, 401, 'verify.signature_mismatch')
})

test('a malformed request gets 400, without a challenge', async () => {
  // A repeated signed header, sent with node:http (fetch would merge the two).
  const headers = Object.entries(sign(key, { method: 'POST', target: SESSION, body: BODY }))
  headers.push(['x-date', headers[0][1]], ['Host', new URL(base).host])
  const request = http.request(base + SESSION, { method: 'POST', headers: headers.flat() })
  request.end(BODY)
  const [reply] = await once(request, 'response')
  const chunks = []
  for await (const chunk of reply) chunks.push(chunk)
  const response = new Response(Buffer.concat(chunks), { status: reply.statusCode, headers: reply.headers })
  await expectRefusal(response, 400, 'signing_string.header_repeated')
})

test('a body over the limit gets 413 from its signed Content-Length', async () => {
  const body = JSON.stringify({ filler: 'x'.repeat(2000) })
  const response = await signedFetch(key, `${base}/strict`, {
    method: 'POST',
    body,
    headers: { 'Idempotency-Key': 'k-1' },
  }, { signHeaders: ['Idempotency-Key'] })
  await expectRefusal(response, 413, 'verify.body_too_large')
})

test('a header the policy requires must be signed', async () => {
  const unsigned = await signedFetch(key, `${base}/strict`, {
    method: 'POST',
    body: '{}',
    headers: { 'Idempotency-Key': 'k-2' },
  })
  await expectRefusal(unsigned, 401, 'verify.required_header_unsigned')
  const signed = await signedFetch(key, `${base}/strict`, {
    method: 'POST',
    body: '{}',
    headers: { 'Idempotency-Key': 'k-2' },
  }, { signHeaders: ['idempotency-key'] })
  assert.equal(signed.status, 200)
})

test('after express.raw() the raw bytes are verified; after express.json() it is an error', async () => {
  const raw = await signedFetch(key, `${base}/raw-first`, { method: 'POST', body: BODY })
  assert.equal(raw.status, 200)
  assert.equal((await raw.json()).body, BODY)
  const tampered = await sendSignedFor('/raw-first', BODY, BODY.replace('Acme', 'Acne'))
  await expectRefusal(tampered, 401, 'digest.mismatch')
  const parsed = await signedFetch(key, `${base}/json-first`, { method: 'POST', body: BODY })
  assert.equal(parsed.status, 500)
  assert.match((await parsed.json()).error, /before any body parser/)
})

test('refusals were reported with the original URL', () => {
  assert.ok(refusals.length >= 6)
  assert.ok(refusals.every(({ url }) => typeof url === 'string' && url.startsWith('/')))
})
