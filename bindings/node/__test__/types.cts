// A typed use of the package through its CommonJS entry points, checked by `tsc --noEmit`.
import ingo = require('ingo-signer')
import ingoExpress = require('ingo-signer/express')

const key = new ingo.SigningKey('demo', 'demo-secret-not-for-production')
const headers: ingo.SignedHeaders = ingo.sign(key, { method: 'POST', target: '/p', body: '{}' })
const middleware: ingoExpress.VerifyRequestsMiddleware = ingoExpress.verifyRequests({ keys: key })
// @ts-expect-error the benchmark hook is not part of the interface
ingo._benchCoreSign

export { headers, middleware }
