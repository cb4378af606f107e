import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createPostgresDb } from '../../src/db/db.js'
import { manualClock } from '../../src/model/clock.js'
import { generateToken } from '../../src/model/tokens.js'
import { randomEmail } from '../helpers/fixtures.js'
import { backend, createTestDatabaseUrl } from '../helpers/db.js'
import { startServer, type TestServer } from '../helpers/server.js'

// rateLimits: per client address, off by default, counted in the database (so two nodes share a
// limit), each with its own window; RATE_LIMIT_EXCEEDED (with retryAfter for signIn) over it.
// Client addresses come from X-Forwarded-For, believed from the test's own address (TRUST_PROXY).

const clock = manualClock(new Date('2026-07-01T09:00:00Z'))
const server = await startServer({ clock, env: { TRUST_PROXY: '127.0.0.1' } })

async function as(s: TestServer, ip: string, query: string, variables: Record<string, unknown> = {}, token = s.loginToken) {
  const res = await fetch(`${s.url}/tenant`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-forwarded-for': ip }, body: JSON.stringify({ query, variables }),
  })
  const body = await res.json()
  assert.equal(body.errors, undefined, JSON.stringify(body.errors))
  return Object.values(body.data)[0] as any
}
const configure = (s: TestServer, rateLimits: unknown) =>
  as(s, '127.0.0.1', 'mutation($r: ConfigRateLimitsInput) { configure(config: { rateLimits: $r }) { ok error { code developerMessage } } }', { r: rateLimits }, s.rootToken)
const limits = async (s: TestServer) => (await s.gql('{ configuration { rateLimits { signUpPerIp { limit window } loginPerIp { limit window } passwordResetPerIp { limit window } passwordlessInitPerIp { limit window } emailOtpPerPerson { limit window } emailVerificationPerIp { limit window } } } }')).body.data.configuration.rateLimits
const SIGN_IN = 'mutation($e: String!) { signIn(email: $e, password: "Whatever-Pass-1") { ok error { code developerMessage retryAfter } } }'

test('defaults: every per-address limit off with a one-hour window; email codes 10 per 10 minutes', async () => {
  const all = await limits(server)
  for (const name of ['signUpPerIp', 'loginPerIp', 'passwordResetPerIp', 'passwordlessInitPerIp', 'emailVerificationPerIp']) assert.deepEqual(all[name], { limit: 0, window: 'PT1H' }, name)
  assert.deepEqual(all.emailOtpPerPerson, { limit: 10, window: 'PT10M' })
})

test('loginPerIp: the fourth sign-in from one address in the window is refused with retryAfter; another address is not; a new window is', async () => {
  assert.equal((await configure(server, { loginPerIp: { limit: 3, window: 'PT1M' } })).ok, true)
  for (let i = 0; i < 3; i++) assert.notEqual((await as(server, '203.0.113.7', SIGN_IN, { e: randomEmail() })).error?.code, 'RATE_LIMIT_EXCEEDED')
  clock.advance(10_000)
  const refused = await as(server, '203.0.113.7', SIGN_IN, { e: randomEmail() })
  assert.equal(refused.error.code, 'RATE_LIMIT_EXCEEDED')
  assert.equal(refused.error.retryAfter, 50)
  assert.match(refused.error.developerMessage, /Retry after 50s/)
  assert.notEqual((await as(server, '203.0.113.8', SIGN_IN, { e: randomEmail() })).error?.code, 'RATE_LIMIT_EXCEEDED')
  clock.advance(51_000)
  assert.notEqual((await as(server, '203.0.113.7', SIGN_IN, { e: randomEmail() })).error?.code, 'RATE_LIMIT_EXCEEDED')
  assert.equal((await configure(server, { loginPerIp: null })).ok, true)
})

test('configure: a limit alone keeps the window set before; null returns the window to its default; bad values change nothing', async () => {
  await configure(server, { passwordResetPerIp: { limit: 4, window: 'PT2M' } })
  await configure(server, { passwordResetPerIp: { limit: 9 } })
  assert.deepEqual((await limits(server)).passwordResetPerIp, { limit: 9, window: 'PT2M' })
  for (const bad of [{ passwordResetPerIp: { limit: -1 } }, { passwordResetPerIp: { window: 'soon' } }, { nope: { limit: 1 } }]) {
    const { body } = await server.gql('mutation($r: ConfigRateLimitsInput) { configure(config: { rateLimits: $r }) { ok error { code } } }', { variables: { r: bad } })
    assert.ok(body.errors || body.data.configure.error?.code === 'INVALID_CONFIG', JSON.stringify(bad))
  }
  assert.deepEqual((await limits(server)).passwordResetPerIp, { limit: 9, window: 'PT2M' })
  await configure(server, { passwordResetPerIp: null })
  assert.deepEqual((await limits(server)).passwordResetPerIp, { limit: 0, window: 'PT1H' })
})

test('signUp, createResetPasswordRequest, initSignInPasswordless and requestEmailVerification each have their own limit', async () => {
  await configure(server, { signUpPerIp: { limit: 1 }, passwordResetPerIp: { limit: 1 }, passwordlessInitPerIp: { limit: 1 }, emailVerificationPerIp: { limit: 1 } })
  await as(server, '127.0.0.1', 'mutation { configure(config: { passwordless: { enabled: always } }) { ok } }', {}, server.rootToken)
  const cases: [string, string, (e: string) => Record<string, unknown>][] = [
    ['signUp', 'mutation($e: String!) { signUp(email: $e) { ok error { code developerMessage } } }', (e) => ({ e })],
    ['createResetPasswordRequest', 'mutation($e: String!) { createResetPasswordRequest(email: $e) { ok error { code developerMessage } } }', (e) => ({ e })],
    ['initSignInPasswordless', 'mutation($e: String!) { initSignInPasswordless(email: $e) { ok error { code developerMessage } } }', (e) => ({ e })],
    ['requestEmailVerification', 'mutation($e: String!) { requestEmailVerification(email: $e) { ok error { code developerMessage } } }', (e) => ({ e })],
  ]
  for (const [name, query, vars] of cases) {
    const token = name === 'signUp' ? server.rootToken : server.loginToken
    const first = await as(server, '198.51.100.1', query, vars(randomEmail()), token)
    assert.notEqual(first.error?.code, 'RATE_LIMIT_EXCEEDED', name)
    const second = await as(server, '198.51.100.1', query, vars(randomEmail()), token)
    assert.equal(second.error?.code, 'RATE_LIMIT_EXCEEDED', name)
    assert.match(second.error.developerMessage, /Retry after \d+s/, name)
  }
  await configure(server, { signUpPerIp: null, passwordResetPerIp: null, passwordlessInitPerIp: null, emailVerificationPerIp: null })
})

test('two nodes on one PostgreSQL share a limit', { skip: backend !== 'postgres' && 'needs PostgreSQL: PGlite is one process\'s database' }, async () => {
  const url = await createTestDatabaseUrl()
  const env = { TRUST_PROXY: '127.0.0.1', CONTEMBER_ROOT_TOKEN: generateToken(), CONTEMBER_LOGIN_TOKEN: generateToken() }
  const a = await startServer({ db: createPostgresDb(url), env })
  const b = await startServer({ db: createPostgresDb(url), env })
  await configure(a, { loginPerIp: { limit: 2, window: 'PT1H' } })
  assert.notEqual((await as(a, '192.0.2.44', SIGN_IN, { e: randomEmail() })).error?.code, 'RATE_LIMIT_EXCEEDED')
  assert.notEqual((await as(b, '192.0.2.44', SIGN_IN, { e: randomEmail() })).error?.code, 'RATE_LIMIT_EXCEEDED')
  assert.equal((await as(a, '192.0.2.44', SIGN_IN, { e: randomEmail() })).error.code, 'RATE_LIMIT_EXCEEDED')
  assert.equal((await as(b, '192.0.2.44', SIGN_IN, { e: randomEmail() })).error.code, 'RATE_LIMIT_EXCEEDED')
})
