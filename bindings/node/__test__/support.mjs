// What the tests share: where the repository's files are, the vectors, and an independent
// signer written with node:crypto alone (the known answers the package is checked against).
import { createHash, createHmac } from 'node:crypto'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))

/** The repository's root: INGO_REPO (CI sets it when the tests run outside the tree) or ../../.. */
export const repo = path.resolve(process.env.INGO_REPO ?? path.join(here, '..', '..', '..'))

/** A file of the repository's `test-vectors/`, parsed (read from there, never copied). */
export function vectors(name) {
  return JSON.parse(readFileSync(path.join(repo, 'test-vectors', name), 'utf8'))
}

/** The SPEC §7 instant: Fri, 17 Jan 2020 19:59:29 GMT. */
export const SPEC_NOW = 1579291169

/** The demo credentials (never a real secret). */
export const DEMO = { username: 'demo', secret: 'demo-secret-not-for-production' }

/**
 * Signs a JSON request the straightforward way, with node:crypto only: the seed's header order,
 * hmac-sha512, HTTP/1.1. Written from SPEC §3, independently of the package.
 */
export function signWithNodeCrypto({ username, secret, method, target, body, now }) {
  const bytes = Buffer.from(body)
  const xDate = new Date(now * 1000).toUTCString()
  const digest = createHash('sha512').update(bytes).digest('base64')
  const signingString = [
    `${method} ${target} HTTP/1.1`,
    `x-date: ${xDate}`,
    'content-type: application/json',
    `content-length: ${bytes.length}`,
    `content-sha512: ${digest}`,
  ].join('\n')
  const signature = createHmac('sha512', secret).update(signingString).digest('base64')
  return {
    'X-Date': xDate,
    'Content-Type': 'application/json',
    'Content-Length': String(bytes.length),
    'Content-sha512': digest,
    Authorization: `hmac username="${username}", algorithm="hmac-sha512", headers="request-line x-date content-type content-length content-sha512", signature="${signature}"`,
  }
}

/**
 * Serves `handler` (a node:http handler or an Express app) on loopback, on a port the system
 * picks; returns its base URL and a function that stops it and its open connections.
 */
export async function serve(handler) {
  const server = http.createServer(handler)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    base: `http://127.0.0.1:${server.address().port}`,
    stop() {
      server.closeAllConnections()
      server.close()
    },
  }
}
