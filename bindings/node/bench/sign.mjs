// Signing the 470-byte seed request (SPEC §7's Session Create body, from the test vectors),
// three ways in one process and one run, interleaved round by round:
//   - the package:    sign(key, {...}) from 'ingo-signer' (the JS-to-Rust crossing included),
//   - node:crypto:    a straightforward implementation (createHash + createHmac), and
//   - the Rust core:  the core's own `Signer::sign` call, timed inside the addon.
// All three must produce SPEC §7's known answer before anything is timed. Figures are medians
// of the rounds, in nanoseconds per signature, with ratios against the package.
//
// Usage: node bench/sign.mjs [--rounds N] [--ms M]   (CI: --rounds 3 --ms 20, a smoke run)
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import os from 'node:os'
import { parseArgs } from 'node:util'

import { SigningKey, sign } from 'ingo-signer'

import { signWithNodeCrypto, vectors } from '../__test__/support.mjs'

const require = createRequire(import.meta.url)
const binding = require('../binding.js')

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '21' }, ms: { type: 'string', default: '100' } } })
const rounds = Number(values.rounds)
const budgetNs = Number(values.ms) * 1e6

const vector = vectors('signing.json').vectors.find((v) => v.name === 'session-create-spec-known-answer')
const { method, target, body } = vector.request
const bodyBytes = Buffer.from(body)
assert.equal(bodyBytes.length, 470, 'the seed body is 470 bytes')
const now = vector.now
const key = new SigningKey(vector.username, vector.secret)
const authorization = vector.authorization

const contenders = {
  'ingo-signer (string body)': () => sign(key, { method, target, body, now }).Authorization,
  'ingo-signer (Buffer body)': () => sign(key, { method, target, body: bodyBytes, now }).Authorization,
  'node:crypto': () => signWithNodeCrypto({ username: vector.username, secret: vector.secret, method, target, body, now }).Authorization,
}
for (const [name, run] of Object.entries(contenders)) assert.equal(run(), authorization, name)
// The core's call is checked through the package's output above (same call, same key).

/** Nanoseconds per call of `run`, over `iterations` calls. */
function time(run, iterations) {
  let sink
  const start = process.hrtime.bigint()
  for (let i = 0; i < iterations; i += 1) sink = run()
  const elapsed = Number(process.hrtime.bigint() - start)
  if (sink === undefined) throw new Error('no result')
  return elapsed / iterations
}

// Iterations per round: enough for `--ms` per contender, from a warm-up estimate.
const iterations = {}
for (const [name, run] of Object.entries(contenders)) {
  time(run, 2000)
  iterations[name] = Math.max(100, Math.round(budgetNs / time(run, 2000)))
}
const coreIterations = Math.max(100, Math.round(budgetNs / binding._benchCoreSign(key, method, target, bodyBytes, now, 2000)))

const samples = Object.fromEntries([...Object.keys(contenders), 'Rust core (its own call)'].map((name) => [name, []]))
for (let round = 0; round < rounds; round += 1) {
  for (const [name, run] of Object.entries(contenders)) samples[name].push(time(run, iterations[name]))
  samples['Rust core (its own call)'].push(binding._benchCoreSign(key, method, target, bodyBytes, now, coreIterations))
}

const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}
const medians = Object.fromEntries(Object.entries(samples).map(([name, xs]) => [name, median(xs)]))
const reference = medians['ingo-signer (string body)']

console.log(`Signing the 470-byte seed request: median of ${rounds} interleaved rounds, ~${values.ms} ms each`)
console.log(`Node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} CPUs\n`)
console.log('| contender | ns per signature | signatures per second | time relative to ingo-signer (string body) |')
console.log('|---|---:|---:|---:|')
for (const [name, ns] of Object.entries(medians)) {
  console.log(`| ${name} | ${Math.round(ns)} | ${Math.round(1e9 / ns).toLocaleString('en-US')} | ${(ns / reference).toFixed(2)}x |`)
}
