// With login.revealUserExists or login.revealLoginMethod off, signIn's refusals tell nothing
// apart, neither by their code nor by how long they take: an unknown email and a wrong password
// (revealUserExists), a wrong password and a person without one (revealLoginMethod) both answer
// INVALID_CREDENTIALS, and the median times of 30 of each are within 20% of each other.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { randomEmail } from '../helpers/fixtures.js'
import { signUpPerson } from '../helpers/persons.js'
import { startServer, type TestServer } from '../helpers/server.js'

const CALLS = 30
const WARM_UP = 3

const configure = async (s: TestServer, config: unknown) => {
  const { body } = await s.gql('mutation ($config: ConfigInput!) { configure(config: $config) { ok error { code developerMessage } } }', { variables: { config } })
  assert.equal(body.data?.configure?.ok, true, JSON.stringify(body))
}

/** signIn with the login token: the answer and how long it took, in ms. */
const timedSignIn = async (s: TestServer, email: string, password: string) => {
  const start = process.hrtime.bigint()
  const { status, body } = await s.gql('mutation ($email: String!, $password: String!) { signIn(email: $email, password: $password) { ok error { code } } }',
    { token: s.loginToken, variables: { email, password } })
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  assert.equal(status, 200, JSON.stringify(body))
  return { answer: body.data.signIn, ms }
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = sorted.length / 2
  return sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/**
 * Signs in as `a` and `b` by turns (each call a different email, so no back-off refuses one),
 * after a few untimed calls of each; every answer must be INVALID_CREDENTIALS and the medians
 * within 20% of each other.
 */
async function sameAnswerSameTime(t: TestContext, s: TestServer, a: Kind, b: Kind) {
  const times: [number[], number[]] = [[], []]
  for (let i = 0; i < WARM_UP + CALLS; i++) {
    for (const [k, kind] of [a, b].entries()) {
      const { email, password } = kind.credentials[i]!
      const { answer, ms } = await timedSignIn(s, email, password)
      assert.equal(answer.ok, false, `${kind.name} ${email}`)
      assert.equal(answer.error.code, 'INVALID_CREDENTIALS', `${kind.name} ${email}`)
      if (i >= WARM_UP) times[k]!.push(ms)
    }
  }
  const [ma, mb] = times.map(median) as [number, number]
  const difference = Math.abs(ma - mb) / Math.max(ma, mb)
  t.diagnostic(`median of ${CALLS}: ${a.name} ${ma.toFixed(1)} ms, ${b.name} ${mb.toFixed(1)} ms (${(difference * 100).toFixed(1)}% apart)`)
  assert.ok(difference <= 0.2, `${a.name} ${ma.toFixed(1)} ms vs ${b.name} ${mb.toFixed(1)} ms: ${(difference * 100).toFixed(1)}% apart`)
}

interface Kind {
  name: string
  credentials: { email: string; password: string }[]
}

const count = WARM_UP + CALLS
const wrongPassword = (i: number) => `Wrong-${i}-Horse-42`

/** Persons with a password, each signed in with a wrong one. */
async function wrongPasswords(s: TestServer): Promise<Kind> {
  const credentials = []
  for (let i = 0; i < count; i++) credentials.push({ email: (await signUpPerson(s)).email, password: wrongPassword(i) })
  return { name: 'wrong password', credentials }
}

test('signIn: with revealUserExists false, an unknown email and a wrong password answer INVALID_CREDENTIALS in the same time', async (t) => {
  const s = await startServer()
  await configure(s, { login: { revealUserExists: false } })
  const unknown: Kind = { name: 'unknown email', credentials: Array.from({ length: count }, (_, i) => ({ email: randomEmail(), password: wrongPassword(i) })) }
  await sameAnswerSameTime(t, s, unknown, await wrongPasswords(s))
})

test('signIn: with revealLoginMethod false, a wrong password and a person without one answer INVALID_CREDENTIALS in the same time', async (t) => {
  const s = await startServer()
  await configure(s, { login: { revealLoginMethod: false } })
  const noPassword: Kind = { name: 'no password set', credentials: [] }
  for (let i = 0; i < count; i++) noPassword.credentials.push({ email: (await signUpPerson(s, { password: null })).email, password: wrongPassword(i) })
  await sameAnswerSameTime(t, s, await wrongPasswords(s), noPassword)
})
