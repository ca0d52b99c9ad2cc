// The ES module entry point: the CommonJS package (index.js), re-exported by name.
import ingo from './index.js'

export const {
  SigningKey,
  Verifier,
  PendingBody,
  sign,
  validate,
  signedFetch,
  VerifyError,
  SignError,
  KeyError,
} = ingo
export default ingo
