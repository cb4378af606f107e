import assert from 'node:assert/strict'
import { test } from 'node:test'
import { manualClock } from '../../src/model/clock.js'
import { insertApiKey } from '../../src/db/queries/apiKeys.js'
import { generateToken, hashToken } from '../../src/model/tokens.js'
import { randomEmail } from '../helpers/fixtures.js'
import { startServer, type TestServer } from '../helpers/server.js'

const clock = manualClock(new Date('2026-05-01T08:00:00Z'))
const server = await startServer({ clock })

async function person(s: TestServer = server) {
  const email = randomEmail()
  const { body } = await s.gql('mutation ($email: String!) { signUp(email: $email, password: "Session-Pass-42") { result { person { id identity { id } } } } }', { variables: { email } })
  const p = body.data.signUp.result.person
  return { email, id: p.id as string, identityId: p.identity.id as string }
}

async function session(email: string, expiration?: number, s: TestServer = server): Promise<string> {
  const { body } = await s.gql('mutation ($email: String!, $expiration: Int) { signIn(email: $email, password: "Session-Pass-42", expiration: $expiration) { ok result { token } } }',
    { token: s.loginToken, variables: { email, expiration } })
  assert.equal(body.data.signIn.ok, true)
  return body.data.signIn.result.token
}

const meStatus = async (token: string) => (await server.gql('{ me { id } }', { token })).status
const expiresAt = async (token: string) => (await server.app.deps.db.query<{ at: Date }>(
  'SELECT expires_at AS at FROM api_key WHERE token_hash = $1', [hashToken(token)])).rows[0]!.at.getTime()

const signOut = async (token: string, all?: boolean) =>
  (await server.gql('mutation ($all: Boolean) { signOut(all: $all) { ok errors { code } error { code developerMessage } } }', { token, variables: { all } })).body.data.signOut

const expirationCases = [
  { expiration: undefined, minutes: 30, name: 'no expiration: the 30-minute default' },
  { expiration: 0, minutes: 30, name: 'expiration 0: the default, as in the reference' },
  { expiration: 5, minutes: 5, name: 'expiration 5: five minutes' },
  { expiration: -5, minutes: 30, name: 'a negative expiration: the default, not a dead session' },
  { expiration: 10_000_000, minutes: 180 * 24 * 60, name: 'a huge expiration: capped at maxTokenExpiration (180 days)' },
]

for (const c of expirationCases) {
  test(`sessions: ${c.name}`, async () => {
    const { email } = await person()
    const token = await session(email, c.expiration)
    assert.equal(await expiresAt(token), clock.now().getTime() + c.minutes * 60_000)
  })
}

test('sessions: each use slides the expiry; unused for longer than its expiration, it is over', async () => {
  const { email } = await person()
  const token = await session(email, 5)
  for (let i = 0; i < 3; i++) {
    clock.advance(4 * 60_000)
    assert.equal(await meStatus(token), 200, `still alive after ${(i + 1) * 4} minutes of regular use`)
  }
  clock.advance(5 * 60_000)
  const res = await server.gql('{ me { id } }', { token })
  assert.equal(res.status, 401)
  assert.equal(res.body.errors[0].reason, 'EXPIRED')
})

test('signOut: ends this session only; another session of the person goes on', async () => {
  const { email } = await person()
  const a = await session(email)
  const b = await session(email)
  assert.deepEqual(await signOut(a), { ok: true, errors: [], error: null })
  assert.equal(await meStatus(a), 401)
  assert.equal(await meStatus(b), 200)
})

test('signOut(all: true): ends every session of the person, but not their permanent keys', async () => {
  const p = await person()
  const a = await session(p.email)
  const b = await session(p.email)
  const permanent = generateToken()
  await insertApiKey(server.app.deps.db, { identityId: p.identityId, type: 'permanent', tokenHash: hashToken(permanent), createdAt: clock.now() })
  const other = await person()
  const stranger = await session(other.email)
  assert.equal((await signOut(b, true)).ok, true)
  assert.equal(await meStatus(a), 401)
  assert.equal(await meStatus(b), 401)
  assert.equal(await meStatus(permanent), 200, 'unlike the reference, a permanent key survives')
  assert.equal(await meStatus(stranger), 200, 'other persons are untouched')
})

test('signOut: identities without a person get NOT_A_PERSON (root token, login token)', async () => {
  for (const token of [server.rootToken, server.loginToken]) {
    const result = await signOut(token)
    assert.equal(result.ok, false)
    assert.deepEqual(result.error, { code: 'NOT_A_PERSON', developerMessage: 'Only a person can sign out' })
    assert.deepEqual(result.errors, [{ code: 'NOT_A_PERSON' }])
    assert.equal(await meStatus(token), 200)
  }
})

test('signOut: a permanent key of a person cannot sign out (NOT_POSSIBLE_SIGN_OUT_WITH_PERMANENT_API_KEY) and keeps working', async () => {
  const p = await person()
  const permanent = generateToken()
  await insertApiKey(server.app.deps.db, { identityId: p.identityId, type: 'permanent', tokenHash: hashToken(permanent), createdAt: clock.now() })
  for (const all of [false, true]) {
    const result = await signOut(permanent, all)
    assert.equal(result.error.code, 'NOT_POSSIBLE_SIGN_OUT_WITH_PERMANENT_API_KEY')
  }
  assert.equal(await meStatus(permanent), 200)
})

test('disablePerson: the person\'s sessions stop working at once and they cannot sign in', async () => {
  const p = await person()
  const token = await session(p.email)
  const { body } = await server.gql('mutation ($id: String!) { disablePerson(personId: $id) { ok } }', { variables: { id: p.id } })
  assert.equal(body.data.disablePerson.ok, true)
  const res = await server.gql('{ me { id } }', { token })
  assert.equal(res.status, 401)
  assert.equal(res.body.errors[0].reason, 'DISABLED')
  clock.advance(61_000)
  const again = await server.gql('mutation ($email: String!) { signIn(email: $email, password: "Session-Pass-42") { ok error { code } } }',
    { token: server.loginToken, variables: { email: p.email } })
  assert.equal(again.body.data.signIn.error.code, 'PERSON_DISABLED')
})

test('createSessionToken: an admin gets a working session for a person, without their password', async () => {
  const p = await person()
  const { body } = await server.gql('mutation ($id: String) { createSessionToken(personId: $id, expiration: 15) { ok result { token person { id } } } }', { variables: { id: p.id } })
  assert.equal(body.data.createSessionToken.ok, true)
  const token = body.data.createSessionToken.result.token
  assert.equal(await expiresAt(token), clock.now().getTime() + 15 * 60_000)
  const me = await server.gql('{ me { person { id } } }', { token })
  assert.equal(me.body.data.me.person.id, p.id)
})
