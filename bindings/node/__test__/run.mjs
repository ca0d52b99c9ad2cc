// The test runner (`npm test`): runs every `*.test.mjs` file of this folder with node:test, and
// fails when there is none or when any of them runs no test of its own, so that a renamed
// folder, file or suite cannot silently drop tests. INGO_TEST_DIR points it at another folder
// (CI uses that to show that it fails on an empty folder and on a file without tests).
import { readdirSync } from 'node:fs'
import path from 'node:path'
import { run } from 'node:test'
import { spec } from 'node:test/reporters'
import { fileURLToPath } from 'node:url'

const dir = path.resolve(process.env.INGO_TEST_DIR ?? path.dirname(fileURLToPath(import.meta.url)))
const files = readdirSync(dir)
  .filter((name) => name.endsWith('.test.mjs'))
  .sort()
  .map((name) => path.join(dir, name))
if (files.length === 0) {
  console.error(`no *.test.mjs file in ${dir}: refusing to pass an empty suite`)
  process.exit(1)
}

// Tests passed per file. A file that defines no test is reported as a test named after the
// file itself: it does not count.
const passed = new Map(files.map((file) => [file, 0]))
let failed = 0
const stream = run({ files })
stream.on('test:pass', ({ name, file, details }) => {
  if (details.type !== 'suite' && name !== file && passed.has(file)) passed.set(file, passed.get(file) + 1)
})
stream.on('test:fail', () => {
  failed += 1
})
stream.compose(new spec()).pipe(process.stdout)
stream.on('close', () => {
  const empty = files.filter((file) => passed.get(file) === 0)
  if (failed > 0) {
    console.error(`${failed} test(s) failed`)
    process.exitCode = 1
  } else if (empty.length > 0) {
    console.error(`no test ran in ${empty.join(', ')}: refusing to pass an empty suite`)
    process.exitCode = 1
  } else {
    const total = [...passed.values()].reduce((a, b) => a + b, 0)
    console.log(`${total} tests passed in ${files.length} files`)
  }
})
