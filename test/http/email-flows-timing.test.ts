import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { randomEmail } from '../helpers/fixtures.js'
import { signUpPerson } from '../helpers/persons.js'
import { startServer, type TestServer } from '../helpers/server.js'

// With login.revealUserExists off, the flows an anonymous caller starts by email
// (createResetPasswordRequest, requestEmailVerification, initSignInPasswordless) answer an unknown
// email and a known one alike: the same answer, and the same time (medians of 30 calls of each
// kind within 20% of each other). (signIn: reveal-timing.test.ts.)

const CALLS = 30
const WARM_UP = 3

const operations: { name: string; query: string }[] = [
  { name: 'createResetPasswordRequest', query: 'mutation($email: String!) { createResetPasswordRequest(email: $email) { ok error { code } } }' },
  { name: 'requestEmailVerification', query: 'mutation($email: String!) { requestEmailVerification(email: $email) { ok error { code } } }' },
  { name: 'initSignInPasswordless', query: 'mutation($email: String!) { initSignInPasswordless(email: $email) { ok error { code } result { requestId } } }' },
]

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = sorted.length / 2
  return sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

async function timed(s: TestServer, query: string, email: string) {
  const start = process.hrtime.bigint()
  const { status, body } = await s.gql(query, { token: s.loginToken, variables: { email } })
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  assert.equal(status, 200, JSON.stringify(body))
  const answer = Object.values(body.data)[0] as { ok: boolean; error: { code: string } | null; result?: { requestId: string } | null }
  // The answer's shape, without the values that differ every time (a request id).
  return { shape: JSON.stringify({ ok: answer.ok, error: answer.error, result: answer.result ? Object.keys(answer.result) : null }), ms }
}

// The three run at once, each on a server of its own: every flow waits out a minimum answer time,
// so most of a run is waiting, and each compares calls it interleaved itself (unknown, known,
// unknown, ...), so whatever load the others add falls on both of its kinds alike.
describe('email flows with revealUserExists off', { concurrency: operations.length }, () => {
  for (const operation of operations) {
    test(`${operation.name}: unknown and known emails answer alike, in the same time`, async (t) => {
      const server = await startServer()
      const configured = await server.gql('mutation { configure(config: { login: { revealUserExists: false }, passwordless: { enabled: always } }) { ok } }')
      assert.equal(configured.body.data.configure.ok, true)
      // Persons without a password: nothing is hashed to make them.
      const known: string[] = []
      for (let i = 0; i < WARM_UP + CALLS; i++) known.push((await signUpPerson(server, { password: null })).email)
      const times: [number[], number[]] = [[], []]
      const shapes = new Set<string>()
      for (let i = 0; i < WARM_UP + CALLS; i++) {
        for (const [k, email] of [randomEmail(), known[i]!].entries()) {
          const { shape, ms } = await timed(server, operation.query, email)
          shapes.add(shape)
          if (i >= WARM_UP) times[k]!.push(ms)
        }
      }
      assert.equal(shapes.size, 1, `one answer for both kinds: ${[...shapes].join(' / ')}`)
      const [unknown, knownMedian] = [median(times[0]), median(times[1])]
      t.diagnostic(`medians: unknown ${unknown.toFixed(1)} ms, known ${knownMedian.toFixed(1)} ms`)
      assert.ok(Math.abs(unknown - knownMedian) / Math.max(unknown, knownMedian) <= 0.2, `unknown ${unknown} ms vs known ${knownMedian} ms`)
    })
  }
})
