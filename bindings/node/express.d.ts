/**
 * Express (and plain node:http) middleware that lets through only requests the core verifies:
 * the head first, then the body streamed under the size limit; `next()` only after the digest
 * is checked. Refusals are answered with the status, `WWW-Authenticate: hmac` on 401 and
 * `{"status": ..., "client_message": ...}`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

import type { SigningKey, Verified, Verifier, VerifierOptions, VerifyError } from './index'

/** Options of {@link verifyRequests}. */
export interface VerifyRequestsOptions extends VerifierOptions {
  /** The keys requests are verified with (several per username for rotation). */
  keys?: SigningKey | SigningKey[]
  /** A verifier to use instead of `keys` and the policy options. */
  verifier?: Verifier
  /** The clock, in Unix seconds. Default: the system clock. */
  now?: () => number
  /**
   * Told of each refusal, with the core's error (its `kind` is what to log). Default: one line
   * on stderr with the method, the target, the kind and the status.
   */
  onRefusal?: (error: VerifyError, req: IncomingMessage) => void
}

/** A verified request, as the middleware leaves it for the handlers. */
export interface VerifiedRequest extends IncomingMessage {
  /** Who signed the request. */
  ingo: Verified
  /** The verified body, exactly as received. */
  body: Buffer
}

/** A connect-style middleware: `(req, res, next)`. */
export type VerifyRequestsMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void

/**
 * The middleware. Mount it before any body parser: it reads the body itself and leaves the
 * verified bytes in `req.body` (a `Buffer`) and the signer in `req.ingo`.
 */
export declare function verifyRequests(options: VerifyRequestsOptions): VerifyRequestsMiddleware

declare global {
  // Express's request type, when @types/express is installed, gets the verified signer.
  namespace Express {
    interface Request {
      /** Who signed the request, once `verifyRequests()` let it through. */
      ingo?: Verified
    }
  }
}
