// signedFetch against a plain node:http server on loopback (port 0) that verifies what arrives
// on the wire with the package's Verifier: the request line fetch sends is the one signed.
import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { after, before, test } from 'node:test'

import { SigningKey, Verifier, signedFetch } from 'ingo-signer'

import { DEMO, serve } from './support.mjs'

const key = new SigningKey(DEMO.username, DEMO.secret)
let base
let stop

before(async () => {
  const verifiers = {
    '/host': new Verifier(key, { requiredHeaders: ['host'] }),
    '/legacy': new Verifier(key, { allowLegacySha256: true }),
  }
  ;({ base, stop } = await serve(async (req, res) => {
    const chunks = []
    for await (const chunk of req) chunks.push(chunk)
    const headers = []
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      headers.push([req.rawHeaders[i], Buffer.from(req.rawHeaders[i + 1], 'latin1')])
    }
    const verifier = verifiers[new URL(req.url, 'http://x').pathname] ?? new Verifier(key)
    let verdict
    try {
      verdict = verifier.verify({ method: req.method, target: req.url, version: req.httpVersion, headers, body: Buffer.concat(chunks) })
    } catch (error) {
      verdict = { kind: error.kind }
    }
    res.setHeader('Content-Type', 'application/json')
    res.end(JSON.stringify({ verdict, method: req.method, target: req.url, length: Buffer.concat(chunks).length }))
  }))
})

after(() => stop())

async function seen(response) {
  assert.equal(response.status, 200)
  return response.json()
}

test('the target is signed as fetch sends it: query, percent-encoding, non-ASCII path', async () => {
  for (const path of ['/plain', '/q?x=1&y=%2Fa%20b&empty=', '/caf\u00e9/a b?name=Zo\u00eb', '/frag?x=1#not-sent']) {
    const got = await seen(await signedFetch(key, base + path, { method: 'POST', body: '{"a":1}' }))
    assert.deepEqual(got.verdict, { username: 'demo', algorithm: 'hmac-sha512', keyIndex: 0 }, path)
    assert.ok(!got.target.includes('#'))
  }
})

test('methods are normalised as fetch sends them', async () => {
  const got = await seen(await signedFetch(key, `${base}/m`, { method: 'put', body: '{}' }))
  assert.equal(got.method, 'PUT')
  assert.equal(got.verdict.username, 'demo')
  const del = await seen(await signedFetch(key, new URL(`${base}/m`), { method: 'delete', body: '{}' }))
  assert.equal(del.method, 'DELETE')
  assert.equal(del.verdict.username, 'demo')
  const empty = await seen(await signedFetch(key, `${base}/m`, { method: 'PATCH' }))
  assert.equal(empty.length, 0)
  assert.equal(empty.verdict.username, 'demo')
})

test('bytes, legacy hmac-sha256, the other header order and a signed host', async () => {
  const bytes = new TextEncoder().encode('{"name":"Zo\u00eb"}')
  const got = await seen(await signedFetch(key, `${base}/b`, { method: 'POST', body: bytes }))
  assert.equal(got.length, bytes.length)
  assert.equal(got.verdict.username, 'demo')

  const legacy = await seen(await signedFetch(key, `${base}/legacy`, { method: 'POST', body: '{}' }, { algorithm: 'hmac-sha256' }))
  assert.equal(legacy.verdict.algorithm, 'hmac-sha256')
  const refused = await seen(await signedFetch(key, `${base}/b`, { method: 'POST', body: '{}' }, { algorithm: 'hmac-sha256' }))
  assert.deepEqual(refused.verdict, { kind: 'verify.algorithm_not_allowed' })

  const order = await seen(await signedFetch(key, `${base}/o`, { method: 'POST', body: '{}' }, { order: 'length-last' }))
  assert.equal(order.verdict.username, 'demo')

  const unsignedHost = await seen(await signedFetch(key, `${base}/host`, { method: 'POST', body: '{}' }))
  assert.deepEqual(unsignedHost.verdict, { kind: 'verify.required_header_unsigned' })
  const host = await seen(await signedFetch(key, `${base}/host`, { method: 'POST', body: '{}' }, { signHeaders: ['host'] }))
  assert.equal(host.verdict.username, 'demo')
})

test('the signature dates from now, or from options.now', async () => {
  const late = await seen(await signedFetch(key, `${base}/t`, { method: 'POST', body: '{}' }, { now: Math.floor(Date.now() / 1000) - 301 }))
  assert.deepEqual(late.verdict, { kind: 'verify.date_skew' })
})

test('what cannot be signed is refused before sending', async () => {
  let sent = 0
  const counting = (...args) => {
    sent += 1
    return fetch(...args)
  }
  const refusals = [
    [`${base}/g`, {}],
    [`${base}/g`, { method: 'HEAD' }],
    [`${base}/d`, { method: 'DELETE' }],
    [`${base}/s`, { method: 'POST', body: Readable.toWeb(Readable.from(['{}'])), duplex: 'half' }],
    [`${base}/s`, { method: 'POST', body: new Blob(['{}']) }],
    [new Request(`${base}/r`, { method: 'POST', body: '{}' }), {}],
  ]
  for (const [input, init] of refusals) {
    await assert.rejects(signedFetch(key, input, init, { fetch: counting }), (error) => {
      assert.ok(error instanceof TypeError)
      assert.equal(error.code, 'ERR_INVALID_ARG_TYPE')
      return true
    })
  }
  await assert.rejects(
    signedFetch(key, `${base}/s`, { method: 'POST', body: '{}', headers: { 'Content-Type': 'text/plain' } }, { fetch: counting }),
    { name: 'SignError', kind: 'sign.content_type' },
  )
  assert.equal(sent, 0)
  const got = await seen(await signedFetch(key, `${base}/s`, { method: 'POST', body: '{}' }, { fetch: counting }))
  assert.equal(got.verdict.username, 'demo')
  assert.equal(sent, 1)
})
