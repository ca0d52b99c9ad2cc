// Types of the ES module entry point of `ingo-signer/express`.
import * as express from './express.js'

export * from './express.js'
export default express
