'use strict'
/**
 * Express (and plain node:http) middleware that lets through only requests the core verifies.
 *
 * The head is authenticated first, before a byte of the body is read; the body is then
 * streamed into the pending verification under the policy's size limit, and `next()` is called
 * only once its length and digest are checked. A refusal is answered as every gateway of the
 * project answers it: the status, `Content-Type: application/json`, `WWW-Authenticate: hmac` on
 * 401, and `{"status": <status>, "client_message": "<message>"}`; its kind goes to `onRefusal`.
 */
const { Verifier, VerifyError } = require('./index.js')

/** Node's `rawHeaders` (`[name, value, name, value, ...]`) as `[name, bytes]` pairs. */
function headerPairs(rawHeaders) {
  const pairs = []
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    // Node decodes header bytes as latin1: encoding back as latin1 gives the bytes received.
    pairs.push([rawHeaders[i], Buffer.from(rawHeaders[i + 1], 'latin1')])
  }
  return pairs
}

function logRefusal(error, req) {
  console.warn(
    `ingo-signer: refused ${req.method} ${req.originalUrl ?? req.url}: ${error.kind} (${error.httpStatus})`,
  )
}

/** The refusal a client is told. */
function refusalBody(error) {
  return { status: error.httpStatus, message: error.message }
}

/**
 * Makes the middleware. `options.keys` (a key or an array) with the `Verifier` options, or
 * `options.verifier`; `options.now` is a clock returning Unix seconds (default: the system's);
 * `options.onRefusal(error, req)` is told each refusal (default: one line on stderr with the
 * error's kind).
 */
function verifyRequests(options = {}) {
  const verifier =
    options.verifier ??
    new Verifier(options.keys, {
      maxSkew: options.maxSkew,
      maxBody: options.maxBody,
      allowLegacySha256: options.allowLegacySha256,
      requiredHeaders: options.requiredHeaders,
    })
  const clock = options.now
  const onRefusal = options.onRefusal ?? logRefusal

  return function ingoVerifyRequests(req, res, next) {
    const refuse = (error) => {
      if (!(error instanceof VerifyError)) return next(error)
      const { status, message } = refusalBody(error)
      res.statusCode = status
      res.setHeader('Content-Type', 'application/json')
      if (status === 401) res.setHeader('WWW-Authenticate', 'hmac')
      // The rest of the body is not read: close the connection rather than leave it unread.
      if (!req.complete) res.setHeader('Connection', 'close')
      res.end(JSON.stringify({ status, client_message: message }))
      try {
        onRefusal(error, req)
      } catch (hookError) {
        process.emitWarning(hookError)
      }
    }

    let pending
    try {
      pending = verifier.verifyHead({
        method: req.method,
        target: req.originalUrl ?? req.url,
        version: req.httpVersion,
        headers: headerPairs(req.rawHeaders),
        now: clock === undefined ? undefined : clock(),
      })
    } catch (error) {
      return refuse(error)
    }

    const accept = (body) => {
      let verified
      try {
        verified = pending.finish()
      } catch (error) {
        return refuse(error)
      }
      req.body = body
      // Body parsers further down skip a request whose body was read (body-parser's flag).
      req._body = true
      req.ingo = verified
      next()
    }

    if (req.readableEnded) {
      // A body parser ran first: only its raw bytes (express.raw) can be verified.
      if (!Buffer.isBuffer(req.body)) {
        return next(
          new Error(
            'ingo-signer/express: the body was read by an earlier middleware; mount verifyRequests() before any body parser (or after express.raw())',
          ),
        )
      }
      try {
        pending.update(req.body)
      } catch (error) {
        return refuse(error)
      }
      return accept(req.body)
    }

    const chunks = []
    const stop = () => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onError)
    }
    function onData(chunk) {
      try {
        pending.update(chunk)
      } catch (error) {
        stop()
        req.pause()
        return refuse(error)
      }
      chunks.push(chunk)
    }
    function onEnd() {
      stop()
      accept(Buffer.concat(chunks))
    }
    function onError(error) {
      stop()
      next(error)
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onError)
  }
}

module.exports = { verifyRequests }
