/**
 * ingo-signer: sign and verify Ingo Payments HMAC requests from Node.js.
 *
 * Every protocol rule is ingo-signer-core's (Rust), reached through the native addon; the
 * generated `binding.d.ts` describes it, and this file adds the error classes, `signedFetch`
 * and the exact shape of the signed headers.
 */
import type { SigningKey } from './binding'

export { SigningKey, Verifier, PendingBody, validate } from './binding'
export type {
  ReceivedHead,
  ReceivedRequest,
  ValidateOptions,
  Verified,
  VerifierOptions,
  Violation,
} from './binding'

/** What to sign. */
export interface SignRequest {
  /** The method exactly as it will be sent (`POST`). */
  method: string
  /** The request-target exactly as it will be sent: path and query, percent-encoding untouched. */
  target: string
  /** The exact body bytes that will be sent (a string is sent as UTF-8). Default: empty. */
  body?: string | Uint8Array
  /** Unix seconds to sign at. Default: the system clock. */
  now?: number
  /** The `Content-Type` to send and sign: `application/json`, parameters allowed. Default: `application/json`. */
  contentType?: string
  /** `hmac-sha512` (the default), or `hmac-sha256` for legacy integrations only. */
  algorithm?: 'hmac-sha512' | 'hmac-sha256'
  /**
   * Where the digest goes in the signed list: after `content-length` (`digest-last`, the
   * default, as the seed request) or before it (`length-last`).
   */
  order?: 'digest-last' | 'length-last'
  /** The HTTP version the request travels with; it is signed. Default: `1.1`. */
  httpVersion?: '1.0' | '1.1' | '2.0'
  /**
   * Further headers to sign, as `[name, value]` pairs, appended to the signed list in this
   * order (`host`, `idempotency-key`). Send them with exactly these values.
   */
  extraHeaders?: Array<[string, string]>
}

/** The headers to send, in signing order. */
export interface SignedHeaders {
  'X-Date': string
  'Content-Type': string
  'Content-Length': string
  /** The body digest, with hmac-sha512 (the default). */
  'Content-sha512'?: string
  /** The body digest, with legacy hmac-sha256. */
  'Content-sha256'?: string
  Authorization: string
}

/**
 * Signs a request: returns the headers to send, in signing order (`X-Date`, `Content-Type`,
 * `Content-Length`, `Content-sha512` or `Content-sha256`, `Authorization`).
 *
 * @throws {SignError} naming what a verifier would refuse (a non-JSON content type, a target
 * with a space, a header value with a line break).
 */
export declare function sign(key: SigningKey, request: SignRequest): SignedHeaders

/**
 * A refusal of the verifier. `kind` (also `code`) is the core's stable identifier
 * (`verify.signature_mismatch`, `digest.mismatch`, `date.invalid_day`, ...) and `httpStatus`
 * the status to answer with (401, 400 or 413).
 */
export declare class VerifyError extends Error {
  readonly name: 'VerifyError'
  readonly kind: string
  readonly code: string
  readonly httpStatus: number
  constructor(message: string, kind: string, httpStatus: number)
}

/** A request that cannot be signed as given; `kind` (also `code`) is the core's (`sign.*`, ...). */
export declare class SignError extends Error {
  readonly name: 'SignError'
  readonly kind: string
  readonly code: string
  constructor(message: string, kind: string)
}

/** A key that cannot be made; `kind` (also `code`) is `key.username` or `key.empty_secret`. */
export declare class KeyError extends Error {
  readonly name: 'KeyError'
  readonly kind: string
  readonly code: string
  constructor(message: string, kind: string)
}

/** Options of {@link signedFetch}. */
export interface SignedFetchOptions {
  /** Unix seconds to sign at. Default: the system clock. */
  now?: number
  /** `hmac-sha512` (the default), or `hmac-sha256` for legacy integrations only. */
  algorithm?: SignRequest['algorithm']
  /** Where the digest goes in the signed list. Default: `digest-last`. */
  order?: SignRequest['order']
  /**
   * Further headers of `init.headers` to sign, appended to the signed list in this order
   * (`idempotency-key`); `host` is signed with the URL's host, as fetch sends it.
   */
  signHeaders?: string[]
  /** The fetch to send with. Default: the global `fetch`. */
  fetch?: typeof globalThis.fetch
}

/** A `RequestInit` whose body is bytes that can be signed. */
export interface SignedRequestInit extends Omit<RequestInit, 'body'> {
  /** The exact body: a string (sent as UTF-8) or bytes. */
  body?: string | Uint8Array | null
}

/**
 * `fetch` with the request signed: the method, the request-target (the URL's path and query as
 * fetch sends them), `X-Date`, `Content-Type`, `Content-Length` and the body digest.
 *
 * @throws {TypeError} (`ERR_INVALID_ARG_TYPE`) for a body that is not a string or bytes, and for
 * an empty body on a method other than POST, PUT or PATCH, for which fetch sends no
 * `Content-Length`.
 * @throws {SignError} naming what a verifier would refuse.
 */
export declare function signedFetch(
  key: SigningKey,
  input: string | URL,
  init?: SignedRequestInit,
  options?: SignedFetchOptions,
): Promise<Response>
