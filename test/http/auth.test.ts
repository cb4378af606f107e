import assert from 'node:assert/strict'
import { test } from 'node:test'
import { manualClock } from '../../src/model/clock.js'
import { generateToken, hashToken } from '../../src/model/tokens.js'
import { insertApiKey } from '../../src/db/queries/apiKeys.js'
import { insertIdentity } from '../../src/db/queries/identities.js'
import { startServer, type TestServer } from '../helpers/server.js'

const clock = manualClock(new Date('2026-01-01T00:00:00Z'))
const server = await startServer({ clock })

/** Stores a key straight in our own storage, as later use cases will. */
async function makeKey(s: TestServer, key: { type?: 'session' | 'permanent'; expiresAt?: Date; expirationMinutes?: number; disabled?: boolean }) {
  const token = generateToken()
  const db = s.app.deps.db
  const identity = await insertIdentity(db, { roles: ['project_admin'] })
  const { id } = await insertApiKey(db, {
    identityId: identity.id, type: key.type ?? 'permanent', tokenHash: hashToken(token),
    expiresAt: key.expiresAt ?? null, expirationMinutes: key.expirationMinutes ?? null, createdAt: clock.now(),
  })
  if (key.disabled) await db.query('UPDATE api_key SET disabled_at = now() WHERE id = $1', [id])
  return { token, id, identityId: identity.id }
}

const post = (s: TestServer, headers: Record<string, string>, body = '{"query":"{ me { id } }"}') =>
  s.fetch('/tenant', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body })

const cases: { name: string; headers: () => Promise<Record<string, string>>; reason: string; message: RegExp }[] = [
  { name: 'no Authorization header', headers: async () => ({}), reason: 'MISSING', message: /^Authentication required$/ },
  { name: 'an empty Authorization header', headers: async () => ({ authorization: '' }), reason: 'MISSING', message: /^Authentication required$/ },
  { name: 'Basic instead of Bearer', headers: async () => ({ authorization: `Basic ${server.rootToken}` }), reason: 'MALFORMED', message: /invalid Authorization header format/ },
  { name: 'Bearer without a token', headers: async () => ({ authorization: 'Bearer' }), reason: 'MALFORMED', message: /invalid Authorization header format/ },
  { name: 'two tokens', headers: async () => ({ authorization: `Bearer ${server.rootToken} ${server.rootToken}` }), reason: 'MALFORMED', message: /invalid Authorization header format/ },
  { name: 'an unknown token', headers: async () => ({ authorization: `Bearer ${generateToken()}` }), reason: 'INVALID', message: /API key was not found/ },
  { name: 'the root token with one character changed', headers: async () => ({ authorization: `Bearer ${server.rootToken.slice(0, -1)}${server.rootToken.endsWith('0') ? '1' : '0'}` }), reason: 'INVALID', message: /API key was not found/ },
  { name: 'the hash of the root token instead of the token', headers: async () => ({ authorization: `Bearer ${hashToken(server.rootToken)}` }), reason: 'INVALID', message: /API key was not found/ },
  { name: 'a disabled key', headers: async () => ({ authorization: `Bearer ${(await makeKey(server, { disabled: true })).token}` }), reason: 'DISABLED', message: /^Authorization failure: API key was disabled at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/ },
  { name: 'an expired key', headers: async () => ({ authorization: `Bearer ${(await makeKey(server, { expiresAt: new Date(clock.now().getTime() - 1000) })).token}` }), reason: 'EXPIRED', message: /^Authorization failure: API key expired at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/ },
]

for (const c of cases) {
  test(`auth: ${c.name} gets 401 (${c.reason}) and no GraphQL runs`, async () => {
    const res = await post(server, await c.headers())
    assert.equal(res.status, 401)
    const body = await res.json()
    assert.equal(body.data, undefined)
    assert.equal(body.errors.length, 1)
    assert.equal(body.errors[0].code, 401)
    assert.equal(body.errors[0].reason, c.reason)
    assert.match(body.errors[0].message, c.message)
  })
}

test('auth: an anonymous request is refused before its body is read', async () => {
  // Not JSON at all: an authenticated caller would get 400, an anonymous one only learns 401.
  const res = await post(server, {}, 'this is not json')
  assert.equal(res.status, 401)
})

test('auth: the scheme name is case-insensitive, as in RFC 6750', async () => {
  const res = await post(server, { authorization: `bearer ${server.rootToken}` })
  assert.equal(res.status, 200)
  assert.equal((await res.json()).data.me.id.length, 36)
})

test('auth: a key works until its expiry and not after', async () => {
  const key = await makeKey(server, { expiresAt: new Date(clock.now().getTime() + 10 * 60_000) })
  assert.equal((await server.gql('{ me { id } }', { token: key.token })).status, 200)
  clock.advance(10 * 60_000)
  const after = await server.gql('{ me { id } }', { token: key.token })
  assert.equal(after.status, 401)
  assert.equal(after.body.errors[0].reason, 'EXPIRED')
})

test('auth: use is recorded at most once a minute, and each recorded use prolongs a session', async () => {
  const key = await makeKey(server, { type: 'session', expirationMinutes: 30, expiresAt: new Date(clock.now().getTime() + 30 * 60_000) })
  const read = async () => (await server.app.deps.db.query<{ lastUsedAt: Date; expiresAt: Date }>(
    'SELECT last_used_at AS "lastUsedAt", expires_at AS "expiresAt" FROM api_key WHERE id = $1', [key.id])).rows[0]!
  const start = clock.now().getTime()
  assert.equal((await server.gql('{ me { id } }', { token: key.token })).status, 200)
  assert.equal((await read()).lastUsedAt.getTime(), start)
  assert.equal((await read()).expiresAt.getTime(), start + 30 * 60_000)

  clock.advance(30_000)
  assert.equal((await server.gql('{ me { id } }', { token: key.token })).status, 200)
  assert.equal((await read()).lastUsedAt.getTime(), start, 'no write within the minute')

  clock.advance(31_000)
  assert.equal((await server.gql('{ me { id } }', { token: key.token })).status, 200)
  assert.equal((await read()).lastUsedAt.getTime(), start + 61_000)
  assert.equal((await read()).expiresAt.getTime(), start + 61_000 + 30 * 60_000, 'session prolonged by its expiration')
})

test('auth: a permanent key is not given an expiry by use', async () => {
  const key = await makeKey(server, {})
  assert.equal((await server.gql('{ me { id } }', { token: key.token })).status, 200)
  const { rows } = await server.app.deps.db.query<{ expiresAt: Date | null }>('SELECT expires_at AS "expiresAt" FROM api_key WHERE id = $1', [key.id])
  assert.equal(rows[0]!.expiresAt, null)
})

test('auth: tokens are stored only as their sha256', async () => {
  const { rows } = await server.app.deps.db.query<{ tokenHash: string }>('SELECT token_hash AS "tokenHash" FROM api_key')
  assert.ok(rows.length >= 2)
  for (const row of rows) {
    assert.match(row.tokenHash, /^[0-9a-f]{64}$/)
    assert.notEqual(row.tokenHash, server.rootToken)
  }
  assert.ok(rows.some((r) => r.tokenHash === hashToken(server.rootToken)))
})
