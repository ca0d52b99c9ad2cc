// Types of the ES module entry point (index.mjs): those of the CommonJS one.
import * as ingo from './index.js'

export * from './index.js'
export default ingo
