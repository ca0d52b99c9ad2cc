// A typed use of the package through its ES module entry points, checked by `tsc --noEmit`
// (npm run typecheck); never run. Each `@ts-expect-error` must be an error, or tsc fails.
import express from 'express'
import ingo, {
  KeyError,
  SignError,
  SigningKey,
  Verifier,
  VerifyError,
  sign,
  signedFetch,
  validate,
  type PendingBody,
  type SignedHeaders,
  type Verified,
  type Violation,
} from 'ingo-signer'
import { verifyRequests, type VerifyRequestsOptions } from 'ingo-signer/express'

const key = new SigningKey('demo', Buffer.from('demo-secret-not-for-production'))
const username: string = key.username
const headers: SignedHeaders = sign(key, { method: 'POST', target: '/p', body: '{}', now: 1579291169 })
const authorization: string = headers.Authorization
const digest: string | undefined = headers['Content-sha512']
// @ts-expect-error the algorithm is one of two names
sign(key, { method: 'POST', target: '/p', algorithm: 'hmac-md5' })
// @ts-expect-error the target is required
sign(key, { method: 'POST' })

const verifier = new Verifier([key], { maxSkew: 300, requiredHeaders: ['host'] })
const verified: Verified = verifier.verify({
  method: 'POST',
  target: '/p',
  headers: Object.entries(headers),
  body: Buffer.from('{}'),
  now: 1579291169,
})
const pending: PendingBody = verifier.verifyHead({ method: 'POST', target: '/p', headers: [['X-Date', Buffer.from('x')]] })
pending.update(new Uint8Array(2))
const finished: Verified = pending.finish()
const algorithm: 'hmac-sha512' | 'hmac-sha256' = finished.algorithm

try {
  verifier.verify({ method: 'POST', target: '/p', headers: [] })
} catch (error) {
  if (error instanceof VerifyError) {
    const status: number = error.httpStatus
    const kind: string = error.kind
    console.log(status, kind, error.code)
  } else if (error instanceof SignError || error instanceof KeyError) {
    console.log(error.kind)
  }
}

const violations: Violation[] = validate('push-to-card', '{}', { sender: true, ledger: true })
// @ts-expect-error only the two endpoints
validate('refund', '{}')

const response: Promise<Response> = signedFetch(key, 'https://example.test/p', { method: 'POST', body: '{}' }, { signHeaders: ['host'] })
// @ts-expect-error a stream cannot be signed
signedFetch(key, 'https://example.test/p', { method: 'POST', body: new ReadableStream() })

const options: VerifyRequestsOptions = { keys: [key], maxBody: 1024, onRefusal: (error) => console.log(error.kind) }
const app = express()
app.post('/p', verifyRequests(options), (req, res) => {
  const who: Verified | undefined = req.ingo
  res.json({ username: who?.username })
})

console.log(username, authorization, digest, verified, algorithm, violations, response, ingo.sign === sign)
