import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { randomEmail } from '../helpers/fixtures.js'
import { backend, dropTestDatabases } from '../helpers/db.js'
import { startTwoNodes } from '../helpers/nodes.js'
import { goodPassword, payload } from '../helpers/persons.js'
import { startServer } from '../helpers/server.js'

// Limits that must hold however many nodes answer: two tenant-api processes on one PostgreSQL
// (as two nodes behind a load balancer) share the per-email sign-in back-off, the per-email limit
// of the anonymous mail flows and the per-address limits, since each is counted in the database.
// And the address those limits and the auth log use: X-Forwarded-For is believed only from a
// TRUST_PROXY peer (on either backend).

after(async () => { await dropTestDatabases() })

/** POST /tenant on `url`; the one field of `data` (fails the test on an HTTP or GraphQL error). */
async function call(url: string, token: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(`${url}/tenant`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }),
  })
  const body = await res.json()
  assert.equal(res.status, 200, JSON.stringify(body))
  assert.equal(body.errors, undefined, JSON.stringify(body.errors))
  return Object.values(body.data as Record<string, any>)[0]
}

const twoNodes = startTwoNodes

const SIGN_UP = 'mutation($email: String!, $password: String) { signUp(email: $email, password: $password) { ok error { code } } }'
const SIGN_IN = 'mutation($email: String!, $password: String!) { signIn(email: $email, password: $password) { ok error { code retryAfter } } }'
const RESET_REQUEST = 'mutation($email: String!) { createResetPasswordRequest(email: $email) { ok error { code developerMessage } } }'
const CONFIGURE = 'mutation($config: ConfigInput!) { configure(config: $config) { ok error { code developerMessage } } }'
const code = (answer: { ok: boolean; error: { code: string } | null }) => (answer.ok ? 'ok' : answer.error!.code)

const needsPostgres = { skip: backend !== 'postgres' && 'needs PostgreSQL: PGlite is one process\'s database', timeout: 120_000 }

test('two nodes: a failed sign-in on node A holds back the immediate retry on node B (RATE_LIMIT_EXCEEDED), even with the right password', needsPostgres, async () => {
  const { root, login, a, b } = await twoNodes()
  // A back-off long enough that the retry surely falls inside it.
  assert.equal((await call(a, root, CONFIGURE, { config: { login: { baseBackoff: 'PT5S' } } })).ok, true)
  const email = randomEmail()
  const password = goodPassword()
  const other = randomEmail()
  assert.equal((await call(a, root, SIGN_UP, { email, password })).ok, true)
  assert.equal((await call(b, root, SIGN_UP, { email: other, password })).ok, true)

  assert.equal(code(await call(a, login, SIGN_IN, { email, password: `${password}-wrong` })), 'INVALID_PASSWORD')
  const retry = await call(b, login, SIGN_IN, { email, password })
  assert.equal(code(retry), 'RATE_LIMIT_EXCEEDED')
  assert.ok(retry.error.retryAfter >= 1 && retry.error.retryAfter <= 5, JSON.stringify(retry))
  // And back on A as well; another email is not held back on either node.
  assert.equal(code(await call(a, login, SIGN_IN, { email, password })), 'RATE_LIMIT_EXCEEDED')
  assert.equal(code(await call(b, login, SIGN_IN, { email: other, password })), 'ok')
  assert.equal(code(await call(a, login, SIGN_IN, { email: other, password })), 'ok')
})

test('two nodes: the per-email limit of createResetPasswordRequest (5 per 15 minutes) counts the requests of both nodes', needsPostgres, async () => {
  const { root, login, a, b } = await twoNodes()
  const email = randomEmail()
  const other = randomEmail()
  assert.equal((await call(a, root, SIGN_UP, { email, password: null })).ok, true)
  assert.equal((await call(a, root, SIGN_UP, { email: other, password: null })).ok, true)
  const answers: string[] = []
  for (const url of [a, a, a, b, b, b]) answers.push(code(await call(url, login, RESET_REQUEST, { email })))
  assert.deepEqual(answers, ['ok', 'ok', 'ok', 'ok', 'ok', 'RATE_LIMIT_EXCEEDED'])
  assert.equal(code(await call(a, login, RESET_REQUEST, { email })), 'RATE_LIMIT_EXCEEDED')
  // Per email: another one may still ask, on either node.
  assert.equal(code(await call(b, login, RESET_REQUEST, { email: other })), 'ok')
  assert.equal(code(await call(a, login, RESET_REQUEST, { email: other })), 'ok')
})

test('two nodes: a per-address limit (passwordResetPerIp: 2) counts the requests of both nodes', needsPostgres, async () => {
  const { root, login, a, b } = await twoNodes()
  assert.equal((await call(a, root, CONFIGURE, { config: { rateLimits: { passwordResetPerIp: { limit: 2, window: 'PT1H' } } } })).ok, true)
  // Each request for another email, so only the address is shared (the caller: 127.0.0.1).
  const answers: string[] = []
  for (const url of [a, b, a, b]) answers.push(code(await call(url, login, RESET_REQUEST, { email: randomEmail() })))
  assert.deepEqual(answers, ['PERSON_NOT_FOUND', 'PERSON_NOT_FOUND', 'RATE_LIMIT_EXCEEDED', 'RATE_LIMIT_EXCEEDED'])
})

// ---- the client's address: X-Forwarded-For only from TRUST_PROXY

const LOGIN_LOG = 'query($f: AuthLogFilter) { authLog(filter: $f) { entries { type ipAddress personInputIdentifier } } }'

/** A failed sign-in of a new email with X-Forwarded-For; the address the auth log recorded for it. */
async function recordedAddress(server: Awaited<ReturnType<typeof startServer>>, forwardedFor: string): Promise<string | null> {
  const email = randomEmail()
  const res = await fetch(`${server.url}/tenant`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.loginToken}`, 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
    body: JSON.stringify({ query: SIGN_IN, variables: { email, password: 'Whatever-Pass-1' } }),
  })
  assert.equal(res.status, 200)
  assert.equal((await res.json()).data.signIn.error.code, 'UNKNOWN_EMAIL')
  const { entries } = await payload(server, LOGIN_LOG, { f: { types: ['login'], personInputIdentifier: email } })
  assert.equal(entries.length, 1, JSON.stringify(entries))
  return entries[0].ipAddress
}

test('X-Forwarded-For: without TRUST_PROXY the auth log records the connection\'s address, whatever the header says', { timeout: 60_000 }, async () => {
  const server = await startServer()
  assert.equal(await recordedAddress(server, '203.0.113.9'), '127.0.0.1')
  assert.equal(await recordedAddress(server, '203.0.113.9, 127.0.0.1'), '127.0.0.1')
})

test('X-Forwarded-For: with TRUST_PROXY=127.0.0.1 the auth log records the forwarded client; an address the client put in front is not believed', { timeout: 60_000 }, async () => {
  const server = await startServer({ env: { TRUST_PROXY: '127.0.0.1' } })
  assert.equal(await recordedAddress(server, '203.0.113.9'), '203.0.113.9')
  // The proxy appends the address it saw: only what a trusted hop added counts, not what the
  // client sent ahead of it.
  assert.equal(await recordedAddress(server, '198.51.100.66, 203.0.113.9'), '203.0.113.9')
})

test('X-Forwarded-For: the per-address limit follows the same address (untrusted: the connection; trusted: the forwarded client)', { timeout: 60_000 }, async () => {
  const plain = await startServer()
  const proxied = await startServer({ env: { TRUST_PROXY: '127.0.0.1' } })
  const ask = async (server: typeof plain, forwardedFor: string) => {
    const res = await fetch(`${server.url}/tenant`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.loginToken}`, 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
      body: JSON.stringify({ query: RESET_REQUEST, variables: { email: randomEmail() } }),
    })
    return code((await res.json()).data.createResetPasswordRequest)
  }
  for (const server of [plain, proxied]) {
    assert.equal((await payload(server, CONFIGURE, { config: { rateLimits: { passwordResetPerIp: { limit: 1, window: 'PT1H' } } } })).ok, true)
  }
  // Untrusted: a new X-Forwarded-For per request does not escape the limit of the connection's address.
  assert.deepEqual([await ask(plain, '192.0.2.1'), await ask(plain, '192.0.2.2')], ['PERSON_NOT_FOUND', 'RATE_LIMIT_EXCEEDED'])
  // Trusted: each forwarded client has a limit of its own.
  assert.deepEqual([await ask(proxied, '192.0.2.1'), await ask(proxied, '192.0.2.2'), await ask(proxied, '192.0.2.1')],
    ['PERSON_NOT_FOUND', 'PERSON_NOT_FOUND', 'RATE_LIMIT_EXCEEDED'])
})
