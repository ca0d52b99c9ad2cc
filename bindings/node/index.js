'use strict'
/**
 * ingo-signer: sign and verify Ingo Payments HMAC requests from Node.js.
 *
 * The signing, the verification and every rule behind them are ingo-signer-core's (Rust),
 * loaded from the native addon by the generated `binding.js`. This file re-exports it, adds
 * the error classes and `signedFetch`, and decides nothing about the protocol.
 */
const { inspect } = require('node:util')

const binding = require('./binding.js')

const { SigningKey, Verifier, PendingBody, validate } = binding

/**
 * Signs a request: returns the headers to send, in signing order (`X-Date`, `Content-Type`,
 * `Content-Length`, `Content-sha512` or `Content-sha256`, `Authorization`), as a plain object.
 * Throws a `SignError` naming what a verifier would refuse.
 */
function sign(key, request) {
  if (request === null || typeof request !== 'object') {
    throw invalidArgType('sign: `request` must be an object with `method` and `target`')
  }
  const { method, target, body, now, contentType, algorithm, order, httpVersion, extraHeaders } = request
  if (typeof method !== 'string' || typeof target !== 'string') {
    throw invalidArgType('sign: `request.method` and `request.target` must be strings')
  }
  // The addon answers `name\nvalue\n...` in signing order (no value holds a line break).
  const lines = binding.signLines(key, method, target, body, now, contentType, algorithm, order, httpVersion, extraHeaders)
    .split('\n')
  const headers = {}
  for (let i = 0; i + 1 < lines.length; i += 2) headers[lines[i]] = lines[i + 1]
  return headers
}

// A key shows its username and never its secret (the addon keeps only the keyed HMAC state).
Object.defineProperty(SigningKey.prototype, inspect.custom, {
  value: function inspectSigningKey(depth, options) {
    return `SigningKey { username: ${inspect(this.username, options)}, secret: '<redacted>' }`
  },
})

/**
 * Makes the class of one family of the core's errors. The addon throws plain `Error`s whose
 * `name` is the family and whose `kind` is the core's identifier; `instanceof` recognises them
 * by those two properties.
 */
function errorFamily(name) {
  const Family = class extends Error {
    constructor(message, kind, httpStatus) {
      super(message)
      this.name = name
      this.kind = kind
      this.code = kind
      if (httpStatus !== undefined) this.httpStatus = httpStatus
    }

    static [Symbol.hasInstance](value) {
      return value instanceof Error && value.name === name && typeof value.kind === 'string'
    }
  }
  Object.defineProperty(Family, 'name', { value: name })
  return Family
}

/** A refusal of the verifier: `kind` (also `code`) and `httpStatus` are the core's. */
const VerifyError = errorFamily('VerifyError')
/** A request that cannot be signed as given: `kind` (also `code`) is the core's. */
const SignError = errorFamily('SignError')
/** A key that cannot be made (bad username, empty secret): `kind` (also `code`) is the core's. */
const KeyError = errorFamily('KeyError')

/** Methods the Fetch standard upper-cases before sending (it sends every other one as given). */
const NORMALIZED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'])

/** Methods on which fetch (undici) sends `Content-Length: 0` for an empty body. */
const SENDS_EMPTY_LENGTH = new Set(['POST', 'PUT', 'PATCH', 'QUERY'])

function invalidArgType(message) {
  const error = new TypeError(message)
  error.code = 'ERR_INVALID_ARG_TYPE'
  return error
}

/**
 * `fetch` with the request signed: the method, the request-target (path and query of `input`
 * as fetch sends them), `X-Date`, `Content-Type`, `Content-Length` and the body digest.
 *
 * The body must be a string or a `Uint8Array` (its exact bytes are digested and their length
 * signed); a stream, `FormData` or `Blob` is refused, and so is an empty body on a method other
 * than POST, PUT or PATCH, for which fetch sends no `Content-Length`. `options.signHeaders`
 * names further headers of `init.headers` to sign (`host` is the URL's host, as fetch sends
 * it).
 */
async function signedFetch(key, input, init = {}, options = {}) {
  if (typeof input !== 'string' && !(input instanceof URL)) {
    throw invalidArgType('signedFetch: `input` must be a URL string or a URL object')
  }
  const url = new URL(input)
  const given = init.method ?? 'GET'
  const method = NORMALIZED_METHODS.has(given.toUpperCase()) ? given.toUpperCase() : given
  const body = init.body ?? ''
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) {
    throw invalidArgType(
      'signedFetch: `init.body` must be a string or a Uint8Array, whose bytes are signed',
    )
  }
  if (body.length === 0 && !SENDS_EMPTY_LENGTH.has(method)) {
    // The signature covers Content-Length: 0, and fetch leaves the header out here.
    throw invalidArgType(
      `signedFetch: fetch sends no Content-Length for a ${method} request without a body, so it cannot carry a signature; send it with node:http`,
    )
  }
  const headers = new Headers(init.headers)
  const extraHeaders = (options.signHeaders ?? []).map((name) => {
    const value = name.toLowerCase() === 'host' ? url.host : headers.get(name)
    if (value === null) {
      throw invalidArgType(`signedFetch: header ${JSON.stringify(name)} is to be signed but is not in init.headers`)
    }
    return [name, value]
  })
  const signed = sign(key, {
    method,
    target: url.pathname + url.search,
    body,
    now: options.now,
    contentType: headers.get('content-type') ?? undefined,
    algorithm: options.algorithm,
    order: options.order,
    extraHeaders,
  })
  for (const [name, value] of Object.entries(signed)) headers.set(name, value)
  const send = options.fetch ?? globalThis.fetch
  return send(url, { ...init, method, headers, body })
}

module.exports = {
  SigningKey,
  Verifier,
  PendingBody,
  sign,
  validate,
  signedFetch,
  VerifyError,
  SignError,
  KeyError,
}
