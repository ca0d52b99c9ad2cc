// The ES module entry point of `ingo-signer/express`.
import express from './express.js'

export const { verifyRequests } = express
export default express
